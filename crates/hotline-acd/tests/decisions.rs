//! Every routing decision is the policy's (issue 26): the call-arrival decision (`select`), the
//! agent-free decision (`admit`), and the timer a policy asks for (`Selection::WaitUntil`), with
//! the state a policy needs (groups, idle agents per group, queue lengths, call kinds).

mod common;

use std::time::Duration;

use common::*;
use hotline_acd::*;

/// An N-design: specialists serve `a` only; flexible agents serve `b` (tier 1) and `a` (tier 2).
const N_DESIGN: &str = r#"
[[queues]]
name = "a"
[[queues]]
name = "b"
[[agents]]
name = "s1"
group = "specialist"
queues = [{ queue = "a", tier = 1 }]
[[agents]]
name = "f1"
group = "flexible"
queues = [{ queue = "b", tier = 1 }, { queue = "a", tier = 2 }]
[[agents]]
name = "f2"
group = "flexible"
queues = [{ queue = "b", tier = 1 }, { queue = "a", tier = 2 }]
"#;

/// Trunk reservation in queue `a`: a flexible agent takes an `a` call only while more than `k`
/// other flexible agents are idle, in both decisions.
#[derive(Debug)]
struct Reserve {
    k: usize,
}

impl Reserve {
    fn allows(&self, agent: &AgentView<'_>, center: &CenterView<'_>) -> bool {
        let flexible = center.group_id("flexible");
        agent.group != flexible || flexible.is_some_and(|g| center.idle_in_group(g) > self.k)
    }
}

impl RoutingPolicy for Reserve {
    fn name(&self) -> &str {
        "reserve"
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        let pick = candidates.iter().find(|&a| {
            let view = candidates.agent(a).expect("a candidate exists");
            // Counted with the candidate itself among the idle: more than k others idle.
            let others = idle_flexible(candidates.center()).saturating_sub(1);
            view.group != candidates.center().group_id("flexible") || others > self.k
        });
        pick.map_or(Selection::None, Selection::One)
    }

    fn admit(&self, agent: &AgentView<'_>, _: &CallView<'_>, center: &CenterView<'_>) -> bool {
        self.allows(agent, center)
    }
}

fn idle_flexible(center: &CenterView<'_>) -> usize {
    center.group_id("flexible").map_or(0, |g| center.idle_in_group(g))
}

#[test]
fn groups_and_idle_agents_per_group_are_counted() {
    let mut h = Harness::new(N_DESIGN);
    let flexible = h.acd.group_id("flexible").unwrap();
    let specialist = h.acd.group_id("specialist").unwrap();
    assert_eq!(h.acd.agent_group(h.agent("f2")), Some(flexible));
    assert_eq!(h.acd.center().idle_in_group(flexible), 0);
    h.ready(t(0), "f1");
    h.ready(t(0), "f2");
    h.ready(t(0), "s1");
    assert_eq!(h.acd.center().idle_in_group(flexible), 2);
    assert_eq!(h.acd.center().idle_in_group(specialist), 1);
    // A call in b goes to a flexible agent: one fewer idle, ringing or talking.
    h.arrive(t(1), 1, "b");
    assert_eq!(h.acd.center().idle_in_group(flexible), 1);
    let a = h.queue("a");
    let view = h.acd.center().queue(a).unwrap();
    assert_eq!((view.name, view.waiting, view.idle), ("a", 0, 2));
}

#[test]
fn a_freed_agent_asks_the_queue_policy_and_may_stay_idle() {
    // Before issue 26 a freed agent took the oldest call of its queues whatever the queue's
    // policy: reservation could not hold a flexible agent back.
    let mut h = Harness::new(N_DESIGN);
    let a = h.queue("a");
    h.acd.set_policy(a, Box::new(Reserve { k: 1 })).unwrap();
    h.arrive(t(1), 1, "a");
    assert_eq!(h.offered_to(1), None);
    // f1 frees up: no other flexible agent is idle (0 ≤ k), so it keeps away from `a`.
    h.ready(t(2), "f1");
    assert_eq!(h.offered_to(1), None, "reservation must hold f1 back");
    assert_eq!(h.acd.waiting_calls(a), [CallId(1)]);
    // f2 frees up: one other flexible agent idle (1 ≤ k): also held back.
    h.ready(t(3), "f2");
    assert_eq!(h.offered_to(1), None);
    // A specialist frees up: the policy admits it.
    h.ready(t(4), "s1");
    assert_eq!(h.offered_name(1).as_deref(), Some("s1"));
}

#[test]
fn the_admission_sees_the_call_and_can_prefer_a_queue() {
    // A policy on `a` that admits only calls that waited 10 s: a freed flexible agent takes the
    // `b` call instead, although the `a` call is older (oldest-call selection alone would take a).
    #[derive(Debug)]
    struct After10;
    impl RoutingPolicy for After10 {
        fn name(&self) -> &str {
            "after-10s"
        }
        fn select(&mut self, c: &mut Candidates<'_>) -> Selection {
            c.first().map_or(Selection::None, Selection::One)
        }
        fn admit(&self, _: &AgentView<'_>, call: &CallView<'_>, _: &CenterView<'_>) -> bool {
            call.waited >= t(10)
        }
    }
    let mut h = Harness::new(N_DESIGN);
    let a = h.queue("a");
    h.acd.set_policy(a, Box::new(After10)).unwrap();
    h.arrive(t(1), 1, "a");
    h.arrive(t(2), 2, "b");
    h.ready(t(3), "f1");
    assert_eq!(h.offered_name(2).as_deref(), Some("f1"));
    assert_eq!(h.offered_to(1), None);
    h.ready(t(20), "f2");
    assert_eq!(h.offered_name(1).as_deref(), Some("f2"));
}

/// "Use the flexible agents after `after`": the call waits for a specialist, then takes anyone.
#[derive(Debug)]
struct FlexibleAfter {
    after: Duration,
}

impl RoutingPolicy for FlexibleAfter {
    fn name(&self) -> &str {
        "flexible-after"
    }

    fn select(&mut self, c: &mut Candidates<'_>) -> Selection {
        let call = *c.call();
        if call.waited >= self.after {
            return c.first().map_or(Selection::None, Selection::One);
        }
        let flexible = c.center().group_id("flexible");
        let specialist = c.iter().find(|&a| c.agent(a).is_some_and(|v| v.group != flexible));
        match specialist {
            Some(a) => Selection::One(a),
            // Ask again when the call will have waited long enough.
            None => Selection::WaitUntil(c.center().now() + (self.after - call.waited)),
        }
    }

    fn admit(&self, agent: &AgentView<'_>, call: &CallView<'_>, c: &CenterView<'_>) -> bool {
        agent.group != c.group_id("flexible") || call.waited >= self.after
    }
}

#[test]
fn wait_until_asks_the_policy_again_at_that_time() {
    // Before issue 26 a policy could not ask to be consulted again: a "flexible agents after
    // t" rule gave the same results for every t.
    for after in [10, 60] {
        let mut h = Harness::new(N_DESIGN);
        let a = h.queue("a");
        h.acd.set_policy(a, Box::new(FlexibleAfter { after: t(after) })).unwrap();
        h.ready(t(0), "f1");
        h.arrive(t(5), 1, "a");
        assert_eq!(h.offered_to(1), None, "the flexible agent is kept back at first");
        assert_eq!(h.acd.poll_timeout(), Some(t(5 + after)));
        h.run_until(t(5 + after) - Duration::from_millis(1));
        assert_eq!(h.offered_to(1), None);
        h.run_until(t(5 + after));
        assert_eq!(h.offered_name(1).as_deref(), Some("f1"), "after {after} s");
    }
}

#[test]
fn a_wait_until_in_the_past_is_none() {
    #[derive(Debug)]
    struct Past;
    impl RoutingPolicy for Past {
        fn name(&self) -> &str {
            "past"
        }
        fn select(&mut self, c: &mut Candidates<'_>) -> Selection {
            Selection::WaitUntil(c.center().now())
        }
    }
    let mut h = Harness::new(N_DESIGN);
    let a = h.queue("a");
    h.acd.set_policy(a, Box::new(Past)).unwrap();
    h.ready(t(0), "s1");
    h.arrive(t(5), 1, "a");
    h.run_until(t(100));
    // s1 was ready before the call came: only the arrival's decision, which said "wait".
    assert_eq!(h.offered_to(1), None);
    assert_eq!(h.acd.waiting_calls(a), [CallId(1)]);
}

#[test]
fn a_policy_sees_the_call_kind_and_the_queues() {
    #[derive(Debug, Default)]
    struct Seen(std::sync::Arc<std::sync::Mutex<Vec<(u32, usize, Duration)>>>);
    impl RoutingPolicy for Seen {
        fn name(&self) -> &str {
            "seen"
        }
        fn select(&mut self, c: &mut Candidates<'_>) -> Selection {
            let b = QueueId(1);
            let center = c.center();
            let waiting_b = center.queue(b).unwrap().waiting;
            let oldest_b = center.oldest_wait(b);
            self.0.lock().unwrap().push((c.call().kind, waiting_b, oldest_b));
            c.first().map_or(Selection::None, Selection::One)
        }
    }
    let seen = Seen::default();
    let log = seen.0.clone();
    let mut h = Harness::new(N_DESIGN);
    let a = h.queue("a");
    let b = h.queue("b");
    h.acd.set_policy(a, Box::new(seen)).unwrap();
    h.ok(t(1), Event::CallArrived(NewCall::new(CallId(1), b)));
    h.ok(t(4), Event::CallArrived(NewCall::new(CallId(2), a).kind(7)));
    assert_eq!(log.lock().unwrap().as_slice(), [(7, 1, t(3))]);
}

#[test]
fn a_queue_selection_sees_the_center() {
    // The queue selection, too, sees every queue (issue 26: it saw only the heads): here the
    // longest queue first, where oldest-call would take `a`'s older call.
    #[derive(Debug)]
    struct LongestQueue;
    impl QueueSelection for LongestQueue {
        fn name(&self) -> &str {
            "longest-queue"
        }
        fn choose(&mut self, _: AgentId, _: &[QueueHead]) -> Option<usize> {
            Some(0)
        }
        fn choose_in(
            &mut self,
            _: AgentId,
            heads: &[QueueHead],
            center: &CenterView<'_>,
        ) -> Option<usize> {
            (0..heads.len()).max_by_key(|&i| center.queue(heads[i].queue).map_or(0, |q| q.waiting))
        }
    }
    let mut h = Harness::new(N_DESIGN);
    h.acd.set_queue_selection(Box::new(LongestQueue));
    h.arrive(t(1), 1, "a");
    h.arrive(t(2), 2, "b");
    h.arrive(t(3), 3, "b");
    h.ready(t(4), "f1");
    assert_eq!(h.offered_name(2).as_deref(), Some("f1"));
    assert_eq!(h.offered_to(1), None);
}

#[test]
fn an_agent_speed_is_shown_and_checked() {
    let text = N_DESIGN.replace("name = \"f2\"\n", "name = \"f2\"\nspeed = 1.5\n");
    let h = Harness::new(&text);
    let f2 = h.agent("f2");
    assert_eq!(h.acd.center().agent(f2).unwrap().speed, 1.5);
    assert_eq!(h.acd.center().agent(h.agent("f1")).unwrap().speed, 1.0);
    let bad = Config::from_toml(&N_DESIGN.replace("name = \"f2\"\n", "name = \"f2\"\nspeed = 0\n"))
        .unwrap();
    let problems = bad.validate();
    assert!(
        problems.iter().any(|p| p.to_string().contains("agents[2] `f2`.speed")),
        "{problems:?}"
    );
}
