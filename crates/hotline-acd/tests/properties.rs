//! Property tests: random event sequences against the engine's invariants.

use std::collections::BTreeMap;
use std::time::Duration;

use hotline_acd::*;
use proptest::prelude::*;

fn config(policy: PolicyName) -> Config {
    let text = format!(
        r#"
seed = 7
interval = "5m"
skills = ["s0", "s1", "s2"]
[[queues]]
name = "a"
policy = "{policy}"
aging = "5s"
wrap_up = "5s"
offer_timeout = "20s"
max_wait = "300s"
weight = 2
overflow = [{{ after = "30s", then = {{ add-queue = "c" }} }}, {{ after = "60s", then = "widen" }}, {{ after = "90s", then = {{ move-to = "c" }} }}]
[[queues]]
name = "b"
policy = "ring-all"
max_length = 3
full_exit = {{ queue = "c" }}
resume_window = "60s"
[[queues]]
name = "c"
policy = "skills-best-match"
max_wait = "200s"
max_wait_exit = "callback"
announce = {{ first_after = "10s", every = "20s" }}
"#
    );
    let mut config = Config::from_toml(&text).unwrap();
    let memberships: [&[(&str, u32)]; 6] = [
        &[("a", 1), ("b", 1)],
        &[("a", 1), ("c", 1)],
        &[("a", 2), ("b", 1), ("c", 2)],
        &[("b", 1)],
        &[("c", 1), ("a", 3)],
        &[("a", 1)],
    ];
    for (i, ms) in memberships.iter().enumerate() {
        let mut agent = AgentConfig::new(format!("g{i}"));
        for (j, (q, tier)) in ms.iter().enumerate() {
            agent = agent.member(q, *tier, (i * 4 + j + 1) as u32);
        }
        agent = agent.skill(&format!("s{}", i % 3), 3 + (i % 8) as u8);
        if i % 2 == 0 {
            agent = agent.skill(&format!("s{}", (i + 1) % 3), 6);
        }
        agent.reject_delay = Duration::from_secs(i as u64 % 3);
        agent.max_no_answer = 2;
        agent.ready = i % 3 != 2;
        agent.group = Some(format!("team{}", i % 2));
        config.agents.push(agent);
    }
    config
}

#[derive(Debug, Clone)]
enum Op {
    Arrive { queue: u32, skill: Option<(u32, u8)>, priority: i32, vip: bool, caller: Option<u8> },
    Abandon(usize),
    Callback(usize),
    Agent(u32, u8),
    Accept(usize),
    Reject(usize, bool),
    TimedOut(usize),
    End(usize, bool),
    WrapEnd(u32),
    Join { agent: u32, queue: u32, tier: u32, position: u32 },
    Leave(u32, u32),
    Wait,
}

/// Random operations; `churn` weighs membership joins and leaves against the rest.
fn op(churn: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u32..3, proptest::option::of((0u32..3, 1u8..=10)), -3i32..5, proptest::bool::weighted(0.1), proptest::option::of(0u8..4))
            .prop_map(|(queue, skill, priority, vip, caller)| Op::Arrive { queue, skill, priority, vip, caller }),
        1 => any::<usize>().prop_map(Op::Abandon),
        1 => any::<usize>().prop_map(Op::Callback),
        1 => (0u32..7, 0u8..4).prop_map(|(a, k)| Op::Agent(a, k)),
        4 => any::<usize>().prop_map(Op::Accept),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, b)| Op::Reject(i, b)),
        1 => any::<usize>().prop_map(Op::TimedOut),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, b)| Op::End(i, b)),
        1 => (0u32..7).prop_map(Op::WrapEnd),
        churn => (0u32..7, 0u32..4, 1u32..4, 0u32..30)
            .prop_map(|(agent, queue, tier, position)| Op::Join { agent, queue, tier, position }),
        churn => (0u32..7, 0u32..4).prop_map(|(a, q)| Op::Leave(a, q)),
        2 => Just(Op::Wait),
    ]
}

fn pick<T: Copy>(list: &[T], i: usize) -> Option<T> {
    if list.is_empty() { None } else { Some(list[i % list.len()]) }
}

struct World {
    acd: Acd,
    now: Duration,
    next_id: u64,
    known: Vec<CallId>,
    /// Whether no ready agent may be left beside a waiting call it could take (true for the
    /// built-in policies, which admit every call).
    at_rest: bool,
}

impl World {
    fn live(&self) -> Vec<CallId> {
        self.known.iter().copied().filter(|&c| self.acd.call_queue(c).is_some()).collect()
    }

    fn apply(&mut self, op: &Op) {
        let live = self.live();
        let ringing: Vec<(CallId, AgentId)> = live
            .iter()
            .flat_map(|&c| {
                self.acd.ringing_agents(c).iter().map(move |&a| (c, a)).collect::<Vec<_>>()
            })
            .collect();
        let connected: Vec<CallId> =
            live.iter().copied().filter(|&c| self.acd.connected_agent(c).is_some()).collect();
        let now = self.now;
        // Errors are allowed (stale or invalid events); panics are not.
        let _ = match op {
            Op::Arrive { queue, skill, priority, vip, caller } => {
                self.next_id += 1;
                let id = CallId(self.next_id);
                self.known.push(id);
                let mut call = NewCall::new(id, QueueId(*queue)).priority(*priority);
                call.vip = *vip;
                if let Some((s, min)) = skill {
                    call.requirement = Requirement::skill(SkillId(*s), *min);
                }
                call.caller = caller.map(|c| format!("caller{c}"));
                self.acd.handle_event(now, Event::CallArrived(call))
            }
            Op::Abandon(i) => match pick(&live, *i) {
                Some(call) => self.acd.handle_event(now, Event::CallerAbandoned { call }),
                None => Ok(()),
            },
            Op::Callback(i) => match pick(&live, *i) {
                Some(call) => self.acd.handle_event(now, Event::CallbackRequested { call }),
                None => Ok(()),
            },
            Op::Agent(a, k) => {
                let state = match k {
                    0 => AgentRequest::Ready,
                    1 => AgentRequest::NotReady(u32::from(*k)),
                    2 => AgentRequest::LoggedOut,
                    _ => AgentRequest::Outbound,
                };
                self.acd.handle_event(now, Event::AgentState { agent: AgentId(*a), state })
            }
            Op::Accept(i) => match pick(&ringing, *i) {
                Some((call, agent)) => {
                    self.acd.handle_event(now, Event::OfferAccepted { call, agent })
                }
                None => Ok(()),
            },
            Op::Reject(i, busy) => match pick(&ringing, *i) {
                Some((call, agent)) => {
                    self.acd.handle_event(now, Event::OfferRejected { call, agent, busy: *busy })
                }
                None => Ok(()),
            },
            Op::TimedOut(i) => match pick(&ringing, *i) {
                Some((call, agent)) => {
                    self.acd.handle_event(now, Event::OfferTimedOut { call, agent })
                }
                None => Ok(()),
            },
            Op::End(i, transferred) => match pick(&connected, *i) {
                Some(call) => {
                    let end = if *transferred { CallEnd::Transferred } else { CallEnd::HungUp };
                    self.acd.handle_event(
                        now,
                        Event::CallEnded { call, end, hold: Duration::from_secs(1) },
                    )
                }
                None => Ok(()),
            },
            Op::WrapEnd(a) => self.acd.handle_event(now, Event::WrapUpEnded { agent: AgentId(*a) }),
            Op::Join { agent, queue, tier, position } => {
                let m = Membership {
                    queue: QueueId(*queue),
                    agent: AgentId(*agent),
                    tier: *tier,
                    position: *position,
                    weight: 1 + position % 3,
                };
                self.acd.handle_event(now, Event::MemberJoined(m))
            }
            Op::Leave(a, q) => self
                .acd
                .handle_event(now, Event::MemberLeft { agent: AgentId(*a), queue: QueueId(*q) }),
            Op::Wait => {
                if let Some(next) = self.acd.poll_timeout() {
                    self.now = self.now.max(next);
                    self.acd.handle_timeout(self.now);
                }
                Ok(())
            }
        };
        while self.acd.poll_action().is_some() {}
    }

    fn check(&self, ring_all: &[QueueId]) -> Result<(), TestCaseError> {
        let live = self.live();
        let mut holder: BTreeMap<AgentId, CallId> = BTreeMap::new();
        for &call in &live {
            let ringing = self.acd.ringing_agents(call);
            let queue_of_offer = self.acd.offer_queue(call);
            if ringing.len() > 1 {
                // Only ring-all and ring-progressively ring several agents at once.
                prop_assert!(
                    queue_of_offer.is_some_and(|q| ring_all.contains(&q)),
                    "{call} rings {} agents outside ring-all",
                    ringing.len()
                );
            }
            for &a in ringing {
                prop_assert_eq!(self.acd.agent_state(a), Some(AgentState::Offered(call)));
                // Offers only ever ring members of the queue they come from (membership churn).
                let q = queue_of_offer.unwrap();
                prop_assert!(
                    self.acd.memberships(a).iter().any(|m| m.queue == q),
                    "{a} rings for {q}, not a member"
                );
                prop_assert!(holder.insert(a, call).is_none(), "{a} holds two calls");
            }
            if let Some(a) = self.acd.connected_agent(call) {
                prop_assert!(ringing.is_empty());
                prop_assert_eq!(self.acd.agent_state(a), Some(AgentState::OnCall(call)));
                prop_assert!(holder.insert(a, call).is_none(), "{a} holds two calls");
            }
        }
        for i in 0..self.acd.agent_count() {
            let a = AgentId(i as u32);
            match self.acd.agent_state(a) {
                Some(AgentState::Offered(c) | AgentState::OnCall(c)) => {
                    prop_assert_eq!(holder.get(&a), Some(&c), "{} state without the call", a);
                }
                _ => prop_assert!(!holder.contains_key(&a)),
            }
        }
        for q in 0..self.acd.queue_count() {
            let q = QueueId(q as u32);
            let s = self.acd.queue_stats(q).unwrap();
            let c = &s.counters;
            prop_assert_eq!(
                c.offered,
                c.answered + c.abandoned + c.exited + c.overflowed_out + s.waiting as u64,
                "{}: {:?} waiting {}",
                s.name,
                c,
                s.waiting
            );
            prop_assert!(c.answered_within <= c.answered && c.abandoned_within <= c.abandoned);
            // Ready agents are really ready, and none of them could take a waiting call
            // (queue c has no tier wait, so this holds for every queue here).
            // Positions: O(log n) ranks agree with the queue's order.
            let waiting = self.acd.waiting_calls(q);
            for (i, &call) in waiting.iter().enumerate() {
                if self.acd.call_queue(call) == Some(q) {
                    prop_assert_eq!(self.acd.position(call), Some(i + 1), "position of {}", call);
                }
            }
            for a in self.acd.ready_agents(q) {
                prop_assert_eq!(self.acd.agent_state(a), Some(AgentState::Ready));
                prop_assert!(
                    self.acd.memberships(a).iter().any(|m| m.queue == q),
                    "{a} ready in {q}, not a member"
                );
                if !self.at_rest {
                    continue;
                }
                for call in self.acd.waiting_calls(q) {
                    let req = self.acd.requirement(call).unwrap();
                    let skills = self.acd.agent_skills(a);
                    let eligible = req.is_met_by(|s| {
                        skills.binary_search_by_key(&s, |x| x.0).ok().map(|i| skills[i].1)
                    });
                    prop_assert!(!eligible, "{} ready while {} waits in {}", a, call, s.name);
                }
            }
        }
        // Idle agents per group: at least every group member in a ready index, at most every
        // group member in the ready state.
        let center = self.acd.center();
        for team in ["team0", "team1"] {
            let g = self.acd.group_id(team).unwrap();
            let members: Vec<AgentId> = (0..self.acd.agent_count())
                .map(|i| AgentId(i as u32))
                .filter(|&a| self.acd.agent_group(a) == Some(g))
                .collect();
            let ready = members
                .iter()
                .filter(|&&a| self.acd.agent_state(a) == Some(AgentState::Ready))
                .count();
            let indexed: std::collections::BTreeSet<AgentId> = (0..self.acd.queue_count())
                .flat_map(|q| self.acd.ready_agents(QueueId(q as u32)))
                .filter(|a| members.contains(a))
                .collect();
            let idle = center.idle_in_group(g);
            prop_assert!(indexed.len() <= idle && idle <= ready, "{team}: {idle} idle");
        }
        Ok(())
    }
}

/// A policy that exercises every decision: it picks, waits, asks for a time, or refuses freed
/// agents, by a hash of what it is shown.
#[derive(Debug)]
struct Fickle;

fn mix(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(17)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 31)
}

impl RoutingPolicy for Fickle {
    fn name(&self) -> &str {
        "fickle"
    }

    fn select(&mut self, c: &mut Candidates<'_>) -> Selection {
        let h = mix(c.call().id.0, c.center().now().as_secs());
        match h % 4 {
            0 => Selection::None,
            1 => Selection::WaitUntil(c.center().now() + Duration::from_secs(h % 7)),
            _ => c
                .iter()
                .nth((h / 4 % 3) as usize)
                .or(c.first())
                .map_or(Selection::None, Selection::One),
        }
    }

    fn admit(&self, agent: &AgentView<'_>, call: &CallView<'_>, center: &CenterView<'_>) -> bool {
        let idle = agent.group.map_or(0, |g| center.idle_in_group(g)) as u64;
        !mix(call.id.0, u64::from(agent.id.0) + idle).is_multiple_of(3)
    }
}

fn run_fickle(ops: &[(Op, u64)]) -> Result<(), TestCaseError> {
    let mut world = World {
        acd: Acd::new(&config(PolicyName::LongestIdle)).unwrap(),
        now: Duration::ZERO,
        next_id: 0,
        known: Vec::new(),
        at_rest: false,
    };
    for q in [0, 2] {
        world.acd.set_policy(QueueId(q), Box::new(Fickle)).unwrap();
    }
    for (op, dt) in ops {
        world.now += Duration::from_secs(*dt);
        world.apply(op);
        world.check(&[QueueId(1)])?;
    }
    Ok(())
}

fn run_invariants(policy: PolicyName, ops: &[(Op, u64)]) -> Result<(), TestCaseError> {
    let config = config(policy);
    let mut world = World {
        acd: Acd::new(&config).unwrap(),
        now: Duration::ZERO,
        next_id: 0,
        known: Vec::new(),
        at_rest: true,
    };
    let mut ring_all = vec![QueueId(1)];
    if policy == PolicyName::RingAll || policy == PolicyName::RingProgressively {
        ring_all.push(QueueId(0));
    }
    for (op, dt) in ops {
        world.now += Duration::from_secs(*dt);
        world.apply(op);
        world.check(&ring_all)?;
    }
    Ok(())
}

/// 256 cases a run, or `PROPTEST_CASES` when set (for a deeper run now and then, e.g.
/// `PROPTEST_CASES=5000 cargo test -p hotline-acd --release --test properties`).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_under_any_event_sequence(
        policy in proptest::sample::select(PolicyName::ALL.to_vec()),
        ops in proptest::collection::vec((op(1), prop_oneof![9 => 0u64..15, 1 => 0u64..10_000_000]), 1..200),
    ) {
        run_invariants(policy, &ops)?;
    }

    /// The same invariants while agents join and leave queues and change tiers all the time:
    /// a call rings at most one agent (outside ring-all), no agent holds two calls, offers and
    /// ready indexes only ever hold members.
    #[test]
    fn invariants_hold_under_membership_churn(
        policy in proptest::sample::select(PolicyName::ALL.to_vec()),
        ops in proptest::collection::vec((op(8), 0u64..10), 1..200),
    ) {
        run_invariants(policy, &ops)?;
    }

    /// With aging, a call that arrived at t is served before any call that arrived after
    /// t + (max priority − min priority) × aging interval.
    #[test]
    fn no_call_starves_under_priority_aging(
        arrivals in proptest::collection::vec((0u64..20, 0i32..10), 5..80),
    ) {
        let text = "[[queues]]\nname = \"q\"\naging = \"2s\"\n[[agents]]\nname = \"a\"\nready = true\nqueues = [{ queue = \"q\" }]\n";
        let mut acd = Acd::new(&Config::from_toml(text).unwrap()).unwrap();
        let q = QueueId(0);
        let agent = AgentId(0);
        let mut now = Duration::ZERO;
        let mut arrived = BTreeMap::new();
        let mut served = Vec::new();
        let mut ringing: Option<CallId> = None;
        for (i, (dt, priority)) in arrivals.iter().enumerate() {
            now += Duration::from_secs(*dt);
            let id = CallId(i as u64);
            arrived.insert(id, now);
            acd.handle_event(now, Event::CallArrived(NewCall::new(id, q).priority(*priority))).unwrap();
            // The single agent serves one call every 7 s: the queue grows.
            if i % 2 == 0
                && let Some(call) = ringing.take() {
                    acd.handle_event(now, Event::OfferAccepted { call, agent }).unwrap();
                    acd.handle_event(now, Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO }).unwrap();
                }
            while let Some(action) = acd.poll_action() {
                if let Action::Offer { call, .. } = action {
                    served.push(call);
                    ringing = Some(call);
                }
            }
        }
        let bound = Duration::from_secs(2 * 9);
        for (i, x) in served.iter().enumerate() {
            for y in &served[..i] {
                prop_assert!(arrived[y] <= arrived[x] + bound,
                    "{y} (arrived {:?}) served before {x} (arrived {:?})", arrived[y], arrived[x]);
            }
        }
        // And every call still waiting arrived after every ... no call waits behind one that
        // arrived more than the bound later.
        for x in acd.waiting_calls(q) {
            for y in &served {
                prop_assert!(arrived[y] <= arrived[&x] + bound);
            }
        }
    }

    /// The invariants (one holder per agent, offers only to members, counters that add up,
    /// idle agents per group) under a custom policy that refuses freed agents, lets calls wait
    /// and asks for timers (issue 26's decision points).
    #[test]
    fn invariants_hold_under_a_policy_that_refuses_and_waits(
        ops in proptest::collection::vec((op(2), prop_oneof![9 => 0u64..15, 1 => 0u64..1000]), 1..200),
    ) {
        run_fickle(&ops)?;
    }

    #[test]
    fn any_toml_text_gives_a_config_or_an_error(text in "\\PC{0,200}") {
        if let Ok(config) = Config::from_toml(&text) {
            let _ = config.validate();
            let _ = Acd::new(&config);
        }
    }
}

/// Regression (found by `invariants_hold_under_membership_churn`): a ring-progressively call whose
/// only ringing agent left the queue went back to waiting, was offered again through the
/// `add-queue` overflow's skills-best-match queue, and then the old ring-progressively timer added
/// a second agent to that single-agent offer.
#[test]
fn an_old_progressive_timer_does_not_add_agents_to_a_new_offer() {
    let ops = vec![
        (Op::Leave(1, 0), 0),
        (Op::Agent(4, 1), 0),
        (Op::Agent(2, 0), 0),
        (Op::Join { agent: 0, queue: 0, tier: 2, position: 10 }, 0),
        (Op::Arrive { queue: 0, skill: None, priority: 0, vip: false, caller: None }, 0),
        (Op::Join { agent: 3, queue: 2, tier: 1, position: 0 }, 7),
        (Op::TimedOut(2874819922896070406), 3),
        (Op::Reject(0, false), 5),
        (Op::End(0, false), 2),
        (Op::Arrive { queue: 1, skill: None, priority: 0, vip: false, caller: None }, 2),
        (Op::Arrive { queue: 0, skill: None, priority: 0, vip: false, caller: None }, 2),
        (Op::Callback(0), 2),
        (Op::Leave(2, 0), 2),
        (Op::Arrive { queue: 0, skill: None, priority: 0, vip: false, caller: None }, 5),
    ];
    run_invariants(PolicyName::RingProgressively, &ops).unwrap();
}
