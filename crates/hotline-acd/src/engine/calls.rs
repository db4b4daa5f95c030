//! Calls: arrival, routing (call-first and agent-first), offers, answers, abandonment and the
//! end of a call.

use super::*;

impl Acd {
    pub(super) fn intern(&mut self, req: &Requirement) -> ClassId {
        if req.is_empty() {
            return 0;
        }
        if let Some(&c) = self.class_by_req.get(req) {
            return c;
        }
        let id = self.classes.len() as ClassId;
        self.classes.push(req.clone());
        self.class_by_req.insert(req.clone(), id);
        let mut skills: Vec<SkillId> =
            req.all_of.iter().chain(&req.any_of).map(|n| n.skill).collect();
        skills.sort_unstable();
        skills.dedup();
        for s in skills {
            self.classes_by_skill.entry(s).or_default().push(id);
        }
        id
    }

    pub(super) fn index_call(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        if c.indexed || c.phase != Phase::Waiting {
            return;
        }
        c.indexed = true;
        for e in &c.entries {
            let q = &mut self.queues[e.queue.index()];
            q.waiting.entry(c.class).or_default().insert(e.key);
            q.ordered.insert(e.key);
        }
    }

    pub(super) fn unindex_call(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        unindex_entries(&mut self.queues, c);
    }

    pub(super) fn check_requirement(&self, req: &Requirement) -> Result<(), AcdError> {
        for n in req.all_of.iter().chain(&req.any_of) {
            if n.skill.index() >= self.skill_names.len() {
                return Err(AcdError::UnknownSkill(n.skill));
            }
        }
        Ok(())
    }

    pub(super) fn call_arrived(&mut self, new: NewCall) -> Result<(), AcdError> {
        if new.queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(new.queue));
        }
        if self.calls.contains_key(&new.id) {
            return Err(AcdError::DuplicateCall(new.id));
        }
        self.check_requirement(&new.requirement)?;
        if let Some(l) = new.language
            && l.index() >= self.skill_names.len()
        {
            return Err(AcdError::UnknownSkill(l));
        }
        let mut requirement = new.requirement;
        if let Some(l) = new.language {
            requirement.all_of.push(SkillNeed { skill: l, min: 1 });
        }
        // A call without a requirement (most) has nothing to normalise and is class 0.
        let class = if requirement.is_empty() {
            0
        } else {
            requirement.normalise();
            self.intern(&requirement)
        };
        let now = self.now;
        let mut queue = new.queue;
        let mut callback = false;
        // Queue-full exits may chain; validation forbids circles, the bound guards anyway.
        for _ in 0..=self.queues.len() {
            let q = &mut self.queues[queue.index()];
            q.count(|c| c.offered += 1);
            if q.recent_arrivals.len() == RECENT {
                q.recent_arrivals.pop_front();
            }
            q.recent_arrivals.push_back(now);
            let full = q.max_length.is_some_and(|n| q.by_arrival.len() >= n);
            if !full {
                break;
            }
            let target = q.full_exit;
            q.count(|c| c.exited += 1);
            self.actions.push_back(Action::Exit {
                call: new.id,
                queue,
                reason: ExitReason::QueueFull,
                target,
            });
            match target {
                ExitTarget::Queue(next) if next != queue => queue = next,
                ExitTarget::Callback => {
                    // Keeps a place as a callback although the queue is full; it was counted
                    // as exited, so it is offered again to keep the counters adding up.
                    self.queues[queue.index()].count(|c| c.offered += 1);
                    callback = true;
                    break;
                }
                _ => return Ok(()),
            }
        }
        let mut enqueued = now;
        if let (Some(caller), Some(_)) = (&new.caller, self.queues[queue.index()].resume_window)
            && let Some(r) = self.resume.remove(&(queue, caller.clone()))
            && r.expires >= now
        {
            enqueued = r.enqueued;
        }
        self.next_inc += 1;
        let q = &mut self.queues[queue.index()];
        let key = q.key(new.vip, new.priority, enqueued, new.id);
        let mut entries = self.spare_entries.pop().unwrap_or_default();
        entries.push(Entry { queue, key, since: enqueued });
        q.by_arrival.insert((now, new.id));
        let cold = if new.caller.is_none() && new.data.is_empty() {
            None
        } else {
            Some(Box::new(ColdCall { caller: new.caller, data: new.data }))
        };
        self.calls.insert(
            new.id,
            CallRec {
                inc: self.next_inc,
                kind: new.kind,
                home: queue,
                entries,
                priority: new.priority,
                vip: new.vip,
                cold,
                requirement,
                class,
                enqueued,
                arrived: now,
                arrived_home: now,
                phase: Phase::Waiting,
                indexed: false,
                callback,
                next_step: 0,
                progress_seq: 0,
                ring_queue: queue,
                answered_at: Duration::ZERO,
            },
        );
        self.schedule_queue_timers(new.id, queue, true);
        if !self.route_call(new.id) {
            self.index_call(new.id);
        }
        Ok(())
    }

    /// Timers of a call's (new) home queue: overflow steps, max wait, announcements, tiers.
    #[inline]
    pub(super) fn schedule_queue_timers(&mut self, call: CallId, queue: QueueId, home: bool) {
        let q = &self.queues[queue.index()];
        let any_home = !q.overflow.is_empty() || q.max_wait.is_some() || q.announce.is_some();
        if (home && any_home) || !q.tier_wait.is_zero() {
            self.set_queue_timers(call, queue, home);
        }
        // Otherwise nothing to set (most queues), and the call's look-up is spared.
    }

    pub(super) fn set_queue_timers(&mut self, call: CallId, queue: QueueId, home: bool) {
        let Some(c) = self.calls.get(&call) else { return };
        let inc = c.inc;
        let since = c.entries.iter().find(|e| e.queue == queue).map_or(self.now, |e| e.since);
        let start = if home { c.arrived_home } else { self.now };
        let q = &self.queues[queue.index()];
        let mut timers = Vec::new();
        if home {
            if let Some((after, _)) = q.overflow.first() {
                timers.push((
                    start.saturating_add(*after),
                    Timer::Step { call, inc, home: queue, step: 0 },
                ));
            }
            if let Some(max) = q.max_wait {
                timers.push((start.saturating_add(max), Timer::MaxWait { call, inc, home: queue }));
            }
            if let Some((first, _)) = q.announce {
                timers.push((
                    start.saturating_add(first),
                    Timer::Announce { call, inc, home: queue },
                ));
            }
        }
        if !q.tier_wait.is_zero() {
            for k in 1..q.tiers.len() {
                let at = since.saturating_add(q.tier_wait.saturating_mul(k as u32)).max(self.now);
                timers.push((at, Timer::Tier { call, inc }));
            }
        }
        for (at, t) in timers {
            self.schedule(at, t);
        }
    }

    /// Routes a waiting call to agents (call-first). True when offered.
    pub(super) fn route_call(&mut self, call: CallId) -> bool {
        let Some(c) = self.calls.get(&call) else { return false };
        if c.phase != Phase::Waiting {
            return false;
        }
        let now = self.now;
        for i in 0..c.entries.len() {
            let Some(c) = self.calls.get(&call) else { return false };
            let entry = c.entries[i];
            let mut picked = std::mem::take(&mut self.scratch);
            picked.clear();
            let selection = with_candidates(
                &mut self.queues,
                &mut self.routing[entry.queue.index()],
                (call, c),
                entry,
                now,
                (&self.agents, &self.groups),
                &mut self.rng,
                |policy, cands| {
                    let selection = policy.select(cands);
                    match selection {
                        Selection::None | Selection::WaitUntil(_) => {}
                        Selection::One(a) | Selection::Progressive { agent: a, .. } => {
                            picked.push(a);
                        }
                        Selection::All => picked.extend(cands.iter()),
                    }
                    selection
                },
            );
            let agents = &self.agents;
            picked.retain(|&a| may_take(agents, a, c, entry.queue));
            if picked.is_empty() {
                if let Selection::WaitUntil(at) = selection
                    && at > now
                {
                    // Routed again then (the tier timer does just that), if it still waits.
                    let inc = c.inc;
                    self.schedule(at, Timer::Tier { call, inc });
                }
                self.scratch = picked;
                continue;
            }
            self.offer(call, entry.queue, &picked);
            self.scratch = picked;
            if let Selection::Progressive { every, .. } = selection {
                self.schedule_progressive(call, every);
            }
            return true;
        }
        false
    }

    pub(super) fn schedule_progressive(&mut self, call: CallId, every: Duration) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        c.progress_seq += 1;
        let (inc, seq) = (c.inc, c.progress_seq);
        self.schedule(
            self.now.saturating_add(every.max(Duration::from_millis(1))),
            Timer::Progressive { call, inc, seq },
        );
    }

    /// Ring-progressively: add one more agent to a ringing call.
    pub(super) fn ring_next(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let queue = c.ring_queue;
        let Some(entry) = c.entries.iter().find(|e| e.queue == queue).copied() else { return };
        let selection = with_candidates(
            &mut self.queues,
            &mut self.routing[queue.index()],
            (call, c),
            entry,
            self.now,
            (&self.agents, &self.groups),
            &mut self.rng,
            |policy, cands| policy.select(cands),
        );
        let (agent, every) = match selection {
            Selection::Progressive { agent, every } => (Some(agent), Some(every)),
            Selection::One(agent) => (Some(agent), None),
            _ => (None, None),
        };
        if let Some(agent) = agent.filter(|&a| self.may_take(a, call, queue)) {
            if let Some(Phase::Ringing(list)) = self.calls.get_mut(&call).map(|c| &mut c.phase) {
                list.push(agent);
            }
            self.offer_agent(call, queue, agent);
        }
        if let Some(every) = every.or_else(|| {
            let r = &self.routing[queue.index()];
            (r.policy.name() == "ring-progressively").then_some(Duration::from_secs(5))
        }) {
            self.schedule_progressive(call, every);
        }
    }

    /// Whether a policy's pick is legal: ready, indexed, a member, meets the requirement.
    #[inline]
    pub(super) fn may_take(&self, agent: AgentId, call: CallId, queue: QueueId) -> bool {
        self.calls.get(&call).is_some_and(|c| may_take(&self.agents, agent, c, queue))
    }

    pub(super) fn offer(&mut self, call: CallId, queue: QueueId, agents: &[AgentId]) {
        let mut callback = false;
        if let Some(c) = self.calls.get_mut(&call) {
            unindex_entries(&mut self.queues, c);
            callback = c.callback;
            let mut list = self.spare_lists.pop().unwrap_or_default();
            list.extend_from_slice(agents);
            c.phase = Phase::Ringing(list);
            c.ring_queue = queue;
            // A new offer round: a ring-progressively timer of an earlier round (the call was
            // withdrawn, then offered again, perhaps through another queue) must not add agents
            // to this one.
            c.progress_seq += 1;
        }
        for &a in agents {
            self.offer_agent_with(call, queue, a, callback);
        }
    }

    pub(super) fn offer_agent(&mut self, call: CallId, queue: QueueId, agent: AgentId) {
        let callback = self.calls.get(&call).is_some_and(|c| c.callback);
        self.offer_agent_with(call, queue, agent, callback);
    }

    pub(super) fn offer_agent_with(
        &mut self,
        call: CallId,
        queue: QueueId,
        agent: AgentId,
        callback: bool,
    ) {
        self.unindex_agent_with(agent, true);
        self.set_state(agent, AgentState::Offered(call));
        let member =
            self.agents[agent.index()].memberships.iter().find(|m| m.queue == queue).copied();
        if let Some(m) = member {
            self.routing[queue.index()].policy.offered(&m);
        }
        let timeout = self.queues[queue.index()].offer_timeout;
        self.actions.push_back(Action::Offer { call, agent, queue, callback });
        if let Some(t) = timeout {
            let epoch = self.agents[agent.index()].epoch;
            self.schedule(self.now.saturating_add(t), Timer::Offer { call, agent, epoch });
        }
    }

    /// Finds a waiting call for a freed agent (agent-first). True when offered.
    pub(super) fn route_agent(&mut self, agent: AgentId) -> bool {
        let mut heads = std::mem::take(&mut self.heads);
        heads.clear();
        let a = &self.agents[agent.index()];
        let now = self.now;
        // Built when a head is found (most freed agents find none).
        let mut agent_view: Option<AgentView<'_>> = None;
        for m in &a.memberships {
            let q = &self.queues[m.queue.index()];
            if q.ordered.is_empty() {
                continue;
            }
            let mut best: Option<CallKey> = None;
            let mut consider = |class: ClassId, set: &MonoSet<CallKey>| {
                let Some(head) = set.first() else { return };
                if best.is_some_and(|b| b <= *head) {
                    return;
                }
                let req = &self.classes[class as usize];
                if !req.is_met_by(|s| crate::policy::proficiency_in(&a.skills, s)) {
                    return;
                }
                if m.tier != q.tiers.first().copied().unwrap_or(m.tier) && !q.tier_wait.is_zero() {
                    let since = self
                        .calls
                        .get(&head.id)
                        .and_then(|c| c.entries.iter().find(|e| e.queue == m.queue))
                        .map_or(now, |e| e.since);
                    if m.tier > q.max_tier(now.saturating_sub(since)) {
                        return;
                    }
                }
                best = Some(*head);
            };
            if q.waiting.len() <= 16 {
                for (&class, set) in &q.waiting {
                    consider(class, set);
                }
            } else {
                if let Some(set) = q.waiting.get(&0) {
                    consider(0, set);
                }
                for (skill, _) in &a.skills {
                    for &class in self.classes_by_skill.get(skill).map_or(&[][..], Vec::as_slice) {
                        if let Some(set) = q.waiting.get(&class) {
                            consider(class, set);
                        }
                    }
                }
            }
            if let Some(key) = best {
                let c = &self.calls[&key.id];
                // Decision point 2: the queue's policy says whether this agent takes its head
                // (unless it admits every call, as the built-in policies do).
                let routing = &self.routing[m.queue.index()];
                if !routing.admits_all {
                    let view = CallView {
                        id: key.id,
                        kind: c.kind,
                        queue: m.queue,
                        priority: c.priority,
                        vip: c.vip,
                        requirement: &c.requirement,
                        waited: now.saturating_sub(c.enqueued),
                    };
                    let agent_view = agent_view.get_or_insert_with(|| a.view(agent));
                    let center = CenterView {
                        now,
                        queues: &self.queues,
                        agents: &self.agents,
                        groups: &self.groups,
                    };
                    if !routing.policy.admit(agent_view, &view, &center) {
                        continue;
                    }
                }
                let aged = q.aging.map_or(0.0, |a| {
                    now.saturating_sub(c.enqueued).as_secs_f64() / a.as_secs_f64().max(1e-9)
                });
                heads.push(QueueHead {
                    queue: m.queue,
                    call: key.id,
                    weight: q.weight,
                    share: q.share,
                    vip: c.vip,
                    effective_priority: f64::from(c.priority) + aged,
                    enqueued: c.enqueued,
                });
            }
        }
        let picked = heads.iter().map(|h| h.weight).max().and_then(|top| {
            heads.retain(|h| h.weight == top);
            let center = CenterView {
                now,
                queues: &self.queues,
                agents: &self.agents,
                groups: &self.groups,
            };
            self.queue_selection
                .choose_in(agent, &heads, &center)
                .and_then(|i| heads.get(i).copied())
        });
        self.heads = heads;
        let Some(head) = picked else { return false };
        self.offer(head.call, head.queue, &[agent]);
        true
    }

    pub(super) fn offer_accepted(&mut self, call: CallId, agent: AgentId) -> Result<(), AcdError> {
        let c = self.calls.get_mut(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Ringing(ringing) = &c.phase else {
            return Err(AcdError::NotOffered { call, agent });
        };
        if !ringing.contains(&agent) {
            return Err(AcdError::NotOffered { call, agent });
        }
        // Usually the agent was the only one ringing: nothing to collect.
        let others: Vec<AgentId> = if ringing.len() > 1 {
            ringing.iter().copied().filter(|&a| a != agent).collect()
        } else {
            Vec::new()
        };
        if let Phase::Ringing(mut list) = std::mem::replace(&mut c.phase, Phase::Connected(agent))
            && self.spare_lists.len() < SPARE
        {
            list.clear();
            self.spare_lists.push(list);
        }
        let now = self.now;
        c.answered_at = now;
        let wait = now.saturating_sub(c.arrived);
        let home = c.home;
        let arrived_home = c.arrived_home;
        self.queues[home.index()].call_left(call, arrived_home, now, wait, Left::Answered);
        self.set_state(agent, AgentState::OnCall(call));
        let a = &mut self.agents[agent.index()];
        a.no_answer_streak = 0;
        a.counters.calls += 1;
        for o in others {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: o,
                reason: CancelReason::AnsweredElsewhere,
            });
            self.after_offer(o, Duration::ZERO);
        }
        Ok(())
    }

    /// An agent comes back from an offer that did not connect.
    pub(super) fn after_offer(&mut self, agent: AgentId, delay: Duration) {
        if self.agents[agent.index()].pending.is_some() {
            self.make_ready(agent, true);
            return;
        }
        self.set_state(agent, AgentState::Ready);
        let a = &mut self.agents[agent.index()];
        a.blocked_until =
            if delay.is_zero() { Duration::ZERO } else { self.now.saturating_add(delay) };
        self.become_available(agent);
    }

    pub(super) fn offer_declined(
        &mut self,
        call: CallId,
        agent: AgentId,
        how: Decline,
    ) -> Result<(), AcdError> {
        let c = self.calls.get_mut(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Ringing(ringing) = &mut c.phase else {
            return Err(AcdError::NotOffered { call, agent });
        };
        let Some(pos) = ringing.iter().position(|&a| a == agent) else {
            return Err(AcdError::NotOffered { call, agent });
        };
        ringing.remove(pos);
        let empty = ringing.is_empty();
        if empty {
            c.phase = Phase::Waiting;
        }
        let a = &mut self.agents[agent.index()];
        a.counters.missed_offers += 1;
        let delay = match how {
            Decline::Reject => a.reject_delay,
            Decline::Busy => a.busy_delay,
            Decline::NoAnswer => a.no_answer_delay,
        };
        let mut not_ready = false;
        if how == Decline::NoAnswer {
            a.no_answer_streak += 1;
            not_ready = a.max_no_answer > 0 && a.no_answer_streak >= a.max_no_answer;
        }
        if empty && !self.route_call(call) {
            self.index_call(call);
        }
        if not_ready {
            let state = AgentState::NotReady(NotReadyReason::MaxNoAnswer);
            let a = &mut self.agents[agent.index()];
            a.no_answer_streak = 0;
            a.pending = None;
            self.set_state(agent, state);
            self.actions.push_back(Action::AgentStateChanged { agent, state });
        } else {
            self.after_offer(agent, delay);
        }
        Ok(())
    }

    pub(super) fn caller_abandoned(&mut self, call: CallId) -> Result<(), AcdError> {
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if matches!(c.phase, Phase::Connected(_)) {
            return Err(AcdError::AlreadyAnswered(call));
        }
        let ringing = match &c.phase {
            Phase::Ringing(list) => list.clone(),
            _ => Vec::new(),
        };
        self.unindex_call(call);
        let Some(c) = self.calls.remove(&call) else { return Ok(()) };
        let (home, arrived, arrived_home, enqueued) =
            (c.home, c.arrived, c.arrived_home, c.enqueued);
        let caller = c.cold.as_mut().and_then(|k| k.caller.take());
        let now = self.now;
        let wait = now.saturating_sub(arrived);
        let q = &mut self.queues[home.index()];
        q.call_left(call, arrived_home, now, wait, Left::Abandoned);
        if let (Some(window), Some(caller)) = (q.resume_window, caller) {
            let expires = now.saturating_add(window);
            self.resume.insert((home, caller.clone()), Retained { enqueued, expires });
            self.schedule(expires, Timer::ResumeExpiry { queue: home, caller });
        }
        for a in ringing {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: a,
                reason: CancelReason::CallerAbandoned,
            });
            self.after_offer(a, Duration::ZERO);
        }
        Ok(())
    }

    pub(super) fn call_ended(
        &mut self,
        call: CallId,
        _end: CallEnd,
        hold: Duration,
    ) -> Result<(), AcdError> {
        let Some(c) = self.calls.get(&call) else {
            return Err(AcdError::UnknownCall(call));
        };
        let Phase::Connected(agent) = c.phase else {
            return Err(AcdError::NotAnswered(call));
        };
        let Some(c) = self.calls.remove(&call) else { return Err(AcdError::UnknownCall(call)) };
        let (home, answered_at, ring_queue) = (c.home, c.answered_at, c.ring_queue);
        let mut entries = std::mem::take(&mut c.entries);
        let now = self.now;
        let talk = now.saturating_sub(answered_at);
        let hold = hold.min(talk);
        let a = &mut self.agents[agent.index()];
        a.counters.talk_time = a.counters.talk_time.saturating_add(talk);
        a.counters.hold_time = a.counters.hold_time.saturating_add(hold);
        a.last_call_end = Some(now);
        a.wrap_queue = Some(home);
        a.wrap_talk = talk;
        let wrap = a.wrap_up.unwrap_or(self.queues[ring_queue.index()].wrap_up);
        self.queues[home.index()].count(|s| {
            s.talk_time = s.talk_time.saturating_add(talk);
            s.hold_time = s.hold_time.saturating_add(hold);
        });
        if self.spare_entries.len() < SPARE {
            entries.clear();
            self.spare_entries.push(entries);
        }
        // Wrap-up applies however the call ended, a transfer included.
        if wrap.is_zero() {
            self.set_state(agent, AgentState::WrapUp);
            self.finish_wrap_up(agent, false);
        } else {
            self.set_state(agent, AgentState::WrapUp);
            let epoch = self.agents[agent.index()].epoch;
            self.schedule(now.saturating_add(wrap), Timer::WrapUp { agent, epoch });
        }
        Ok(())
    }

    // ----- overflow, exits, announcements -----
}

/// Pops the stale entries (of agents no longer indexed) off the front of the skill indexes a
/// requirement will walk, so that the walk starts at a live entry. Each stale entry is popped
/// at most once; its agent's next `index_agent` inserts it again.
/// Runs `f` with a queue's policy and the candidates for `call` in it: the skill indexes the
/// call's requirement searches are pruned of stale entries first, and the tiers are limited by how
/// long the call has waited in the queue. Call-first routing and ring-progressively both ask a
/// policy for agents through this one place.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(super) fn with_candidates<R>(
    queues: &mut [QueueRec],
    routing: &mut Routing,
    (call, c): (CallId, &CallRec),
    entry: Entry,
    now: Duration,
    (agents, groups): (&[AgentRec], &Groups),
    rng: &mut Xoshiro256PlusPlus,
    f: impl FnOnce(&mut dyn RoutingPolicy, &mut Candidates<'_>) -> R,
) -> R {
    let q = &mut queues[entry.queue.index()];
    let max_tier = q.max_tier(now.saturating_sub(entry.since));
    prune_stale(&mut q.by_skill, &c.requirement, agents);
    let queues: &[QueueRec] = queues;
    let q = &queues[entry.queue.index()];
    let Routing { policy, fenwick, uses_proficiency, .. } = routing;
    let mut cands = Candidates {
        call: CallView {
            id: call,
            kind: c.kind,
            queue: entry.queue,
            priority: c.priority,
            vip: c.vip,
            requirement: &c.requirement,
            waited: now.saturating_sub(c.enqueued),
        },
        max_tier,
        ready: &q.ready,
        by_skill: &q.by_skill,
        uses_proficiency: *uses_proficiency,
        members: &q.members,
        fenwick: fenwick.as_mut(),
        agents,
        rng,
        center: CenterView { now, queues, agents, groups },
    };
    f(policy.as_mut(), &mut cands)
}

/// Takes a call out of its queues' waiting indexes. A class's set is kept when it empties (a
/// queue that often empties would otherwise free and allocate it again and again); a freed
/// agent skips empty sets.
#[inline]
pub(super) fn unindex_entries(queues: &mut [QueueRec], c: &mut CallRec) {
    if !c.indexed {
        return;
    }
    c.indexed = false;
    for e in &c.entries {
        let q = &mut queues[e.queue.index()];
        if let Some(set) = q.waiting.get_mut(&c.class) {
            set.remove(&e.key);
        }
        q.ordered.remove(&e.key);
    }
}

/// Whether a policy's pick is legal: ready, indexed, a member of `queue`, meets the call's
/// requirement.
pub(super) fn may_take(agents: &[AgentRec], agent: AgentId, c: &CallRec, queue: QueueId) -> bool {
    agents.get(agent.index()).is_some_and(|a| {
        a.indexed
            && a.state == AgentState::Ready
            && a.memberships.iter().any(|m| m.queue == queue)
            && c.requirement.is_met_by(|s| crate::policy::proficiency_in(&a.skills, s))
    })
}

#[inline]
pub(super) fn prune_stale(
    by_skill: &mut [MonoSet<ReadyEntry>],
    req: &Requirement,
    agents: &[AgentRec],
) {
    for need in req.all_of.iter().chain(&req.any_of) {
        let Some(set) = by_skill.get_mut(need.skill.index()) else { continue };
        while let Some(first) = set.first() {
            if agents.get(first.2.index()).is_none_or(|a| a.indexed) {
                break;
            }
            set.pop_first();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decline {
    Reject,
    Busy,
    NoAnswer,
}
