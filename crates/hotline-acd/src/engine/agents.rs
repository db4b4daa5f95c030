//! Agents: state changes, the ready indexes, requests, wrap-up and memberships.

use super::*;

impl Acd {
    pub(super) fn set_state(&mut self, agent: AgentId, state: AgentState) {
        let now = self.now;
        let a = &mut self.agents[agent.index()];
        let kind = a.state.kind();
        let spent = nanos(now).saturating_sub(nanos(a.state_since));
        a.counters.time_in_ns[kind.index()] =
            a.counters.time_in_ns[kind.index()].saturating_add(spent);
        a.state_since = now;
        if let Some(log) = &mut self.state_log
            && a.state != state
        {
            log.push_back(AgentStateChange { at: now, agent, state });
        }
        a.state = state;
        a.epoch += 1;
        let serving = matches!(
            state,
            AgentState::Ready | AgentState::Offered(_) | AgentState::OnCall(_) | AgentState::WrapUp
        );
        if serving != a.serving {
            a.serving = serving;
            for m in &a.memberships {
                let q = &mut self.queues[m.queue.index()];
                if serving {
                    q.serving += 1;
                } else {
                    q.serving = q.serving.saturating_sub(1);
                }
            }
        }
        if !serving {
            self.drop_stale(agent);
        }
    }

    pub(super) fn index_agent(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if a.indexed {
            return;
        }
        let stale = a.stale;
        let mut keys = std::mem::take(&mut self.agents[agent.index()].keys);
        let mut skill_keys = std::mem::take(&mut self.agents[agent.index()].skill_keys);
        let a = &self.agents[agent.index()];
        let view = a.view(agent);
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            let r = &mut self.routing[m.queue.index()];
            let key = r.policy.agent_key(&view, m, None);
            keys[mi] = key;
            q.ready.insert((m.tier, key, agent));
            let by_prof = r.uses_proficiency;
            for (si, &(skill, prof)) in a.skills.iter().enumerate() {
                let k = if by_prof { r.policy.agent_key(&view, m, Some(prof)) } else { key };
                let slot = &mut skill_keys[mi * ns + si];
                if q.by_skill.len() <= skill.index() {
                    q.by_skill.resize_with(skill.index() + 1, MonoSet::new);
                }
                let set = &mut q.by_skill[skill.index()];
                // An entry left behind by the last offer (see `unindex_agent`) is replaced;
                // with an unchanged key it is simply live again.
                if stale && *slot != k {
                    set.remove(&(m.tier, *slot, agent));
                }
                *slot = k;
                if by_prof {
                    set.insert_unordered((m.tier, k, agent));
                } else {
                    set.insert((m.tier, k, agent));
                }
            }
            if let Some(f) = &mut r.fenwick
                && let Some(&slot) = q.slot_of.get(&agent)
            {
                f.set(slot as usize, r.policy.random_weight(m).unwrap_or(0));
            }
        }
        let a = &mut self.agents[agent.index()];
        a.keys = keys;
        a.skill_keys = skill_keys;
        a.indexed = true;
        a.stale = false;
        if let Some(g) = a.group {
            self.groups.idle[g.index()] += 1;
        }
    }

    /// Takes an agent out of the ready indexes. With `defer_skills` (an offer: the agent is
    /// likely back soon) its entries in the per-skill indexes stay behind, *stale*: selection
    /// skips and prunes entries of agents that are not indexed, and the next `index_agent`
    /// replaces them. That saves an offer one B-tree removal per skill, each a handful of
    /// cache misses in a big engine. Any other way out of the ready state drops them at once
    /// (`drop_stale`), so stale entries only ever belong to agents ringing, talking or in
    /// wrap-up.
    pub(super) fn unindex_agent_with(&mut self, agent: AgentId, defer_skills: bool) {
        let a = &self.agents[agent.index()];
        if !a.indexed {
            if !defer_skills {
                self.drop_stale(agent);
            }
            return;
        }
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            q.ready.remove(&(m.tier, a.keys[mi], agent));
            if !defer_skills {
                for (si, &(skill, _)) in a.skills.iter().enumerate() {
                    if let Some(set) = q.by_skill.get_mut(skill.index()) {
                        set.remove(&(m.tier, a.skill_keys[mi * ns + si], agent));
                    }
                }
            }
            if let Some(f) = &mut self.routing[m.queue.index()].fenwick
                && let Some(&slot) = q.slot_of.get(&agent)
            {
                f.set(slot as usize, 0);
            }
        }
        let a = &mut self.agents[agent.index()];
        a.indexed = false;
        a.stale = defer_skills && ns > 0;
        if let Some(g) = a.group {
            self.groups.idle[g.index()] -= 1;
        }
    }

    pub(super) fn unindex_agent(&mut self, agent: AgentId) {
        self.unindex_agent_with(agent, false);
    }

    /// Removes the per-skill entries an offer left behind.
    pub(super) fn drop_stale(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if !a.stale || a.indexed {
            return;
        }
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            for (si, &(skill, _)) in a.skills.iter().enumerate() {
                if let Some(set) = q.by_skill.get_mut(skill.index()) {
                    set.remove(&(m.tier, a.skill_keys[mi * ns + si], agent));
                }
            }
        }
        self.agents[agent.index()].stale = false;
    }

    /// The agent is Ready and not indexed: offer it a waiting call, or index it.
    pub(super) fn become_available(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if a.state != AgentState::Ready || a.indexed {
            return;
        }
        if a.blocked_until > self.now {
            let (at, epoch) = (a.blocked_until, a.epoch);
            self.schedule(at, Timer::Delay { agent, epoch });
            return;
        }
        if !self.route_agent(agent) {
            self.index_agent(agent);
        }
    }

    /// Applies a state the agent asked for while busy, or makes it ready.
    pub(super) fn make_ready(&mut self, agent: AgentId, announce: bool) {
        let pending = self.agents[agent.index()].pending.take();
        let state = match pending {
            Some(AgentRequest::NotReady(code)) => AgentState::NotReady(NotReadyReason::Code(code)),
            Some(AgentRequest::LoggedOut) => AgentState::LoggedOut,
            Some(AgentRequest::Outbound) => AgentState::Outbound,
            Some(AgentRequest::Ready) | None => AgentState::Ready,
        };
        self.set_state(agent, state);
        if announce || pending.is_some() {
            self.actions.push_back(Action::AgentStateChanged { agent, state });
        }
        if state == AgentState::Ready {
            self.agents[agent.index()].idle_since = self.now;
            self.become_available(agent);
        }
    }

    pub(super) fn agent_request(
        &mut self,
        agent: AgentId,
        request: AgentRequest,
    ) -> Result<(), AcdError> {
        let a = self.agents.get_mut(agent.index()).ok_or(AcdError::UnknownAgent(agent))?;
        let target = match request {
            AgentRequest::Ready => AgentState::Ready,
            AgentRequest::NotReady(code) => AgentState::NotReady(NotReadyReason::Code(code)),
            AgentRequest::LoggedOut => AgentState::LoggedOut,
            AgentRequest::Outbound => AgentState::Outbound,
        };
        match a.state {
            AgentState::Offered(_) | AgentState::OnCall(_) => {
                a.pending = (request != AgentRequest::Ready).then_some(request);
            }
            AgentState::WrapUp => {
                if request == AgentRequest::Ready {
                    a.pending = None;
                    self.finish_wrap_up(agent, false);
                } else {
                    a.pending = Some(request);
                }
            }
            AgentState::Ready => {
                a.pending = None;
                if target != AgentState::Ready {
                    a.blocked_until = Duration::ZERO;
                    self.unindex_agent(agent);
                    self.set_state(agent, target);
                }
            }
            AgentState::LoggedOut | AgentState::NotReady(_) | AgentState::Outbound => {
                a.pending = None;
                a.no_answer_streak = 0;
                if target != a.state {
                    self.set_state(agent, target);
                    if target == AgentState::Ready {
                        self.agents[agent.index()].idle_since = self.now;
                        self.become_available(agent);
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn finish_wrap_up(&mut self, agent: AgentId, by_timer: bool) {
        let now = self.now;
        let a = &mut self.agents[agent.index()];
        let wrap = if a.state == AgentState::WrapUp {
            now.saturating_sub(a.state_since)
        } else {
            Duration::ZERO
        };
        a.counters.wrap_up_time = a.counters.wrap_up_time.saturating_add(wrap);
        let handle = a.wrap_talk.saturating_add(wrap);
        a.handle_time = a.handle_time.saturating_add(handle);
        a.handled += 1;
        if let Some(q) = a.wrap_queue.take() {
            let q = &mut self.queues[q.index()];
            q.count(|c| {
                c.handled += 1;
                c.wrap_up_time = c.wrap_up_time.saturating_add(wrap);
            });
            q.history.handled(handle);
        }
        self.make_ready(agent, by_timer);
    }

    // ----- queue membership at run time -----

    pub(super) fn member_joined(&mut self, m: Membership) -> Result<(), AcdError> {
        if m.agent.index() >= self.agents.len() {
            return Err(AcdError::UnknownAgent(m.agent));
        }
        if m.queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(m.queue));
        }
        let agent = m.agent;
        // Out of every index under the old memberships (stale skill entries included), so
        // that the indexes are rebuilt under the new ones.
        self.unindex_agent(agent);
        let a = &mut self.agents[agent.index()];
        let joined = match a.memberships.iter_mut().find(|x| x.queue == m.queue) {
            Some(old) => {
                *old = m;
                false
            }
            None => {
                a.memberships.push(m);
                true
            }
        };
        let nm = a.memberships.len();
        a.keys = vec![AgentKey::default(); nm];
        a.skill_keys = vec![AgentKey::default(); nm * a.skills.len()];
        let serving = a.serving;
        let q = &mut self.queues[m.queue.index()];
        if joined && serving {
            q.serving += 1;
        }
        q.members.retain(|x| x.agent != agent);
        let at = q
            .members
            .partition_point(|x| (x.tier, x.position, x.agent) < (m.tier, m.position, agent));
        q.members.insert(at, m);
        self.renumber_members(m.queue);
        // A ready agent takes a waiting call it now qualifies for, or goes back into the
        // indexes (under its new memberships).
        self.become_available(agent);
        Ok(())
    }

    pub(super) fn member_left(&mut self, agent: AgentId, queue: QueueId) -> Result<(), AcdError> {
        let a = self.agents.get(agent.index()).ok_or(AcdError::UnknownAgent(agent))?;
        if queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(queue));
        }
        if !a.memberships.iter().any(|m| m.queue == queue) {
            return Err(AcdError::NotAMember { agent, queue });
        }
        // An offer from this queue still ringing the agent is withdrawn first; the agent is
        // made ready again once it has left.
        let mut withdrawn = false;
        if let AgentState::Offered(call) = a.state
            && self.calls.get(&call).is_some_and(|c| c.ring_queue == queue)
        {
            self.withdraw_offer(call, agent);
            withdrawn = true;
        }
        let was_indexed = self.agents[agent.index()].indexed;
        self.unindex_agent(agent);
        let a = &mut self.agents[agent.index()];
        a.memberships.retain(|m| m.queue != queue);
        let nm = a.memberships.len();
        a.keys = vec![AgentKey::default(); nm];
        a.skill_keys = vec![AgentKey::default(); nm * a.skills.len()];
        let serving = a.serving;
        let q = &mut self.queues[queue.index()];
        if serving {
            q.serving = q.serving.saturating_sub(1);
        }
        q.members.retain(|x| x.agent != agent);
        self.renumber_members(queue);
        if withdrawn {
            self.after_offer(agent, Duration::ZERO);
        } else if was_indexed {
            self.become_available(agent);
        }
        Ok(())
    }

    /// Rebuilds a queue's member slots, tier list and random-draw weights after its membership
    /// changed (O(members), once per change).
    pub(super) fn renumber_members(&mut self, queue: QueueId) {
        let q = &mut self.queues[queue.index()];
        q.slot_of.clear();
        for (slot, m) in q.members.iter().enumerate() {
            q.slot_of.insert(m.agent, slot as u32);
        }
        q.tiers = q.members.iter().map(|m| m.tier).collect();
        q.tiers.dedup();
        self.rebuild_fenwick(queue);
    }

    /// Stops ringing `agent` with `call` without counting it against the agent (no missed
    /// offer, no delay); the call is routed again when nobody else rings. The agent stays
    /// `Offered` (so it cannot be picked again) until the caller makes it ready.
    pub(super) fn withdraw_offer(&mut self, call: CallId, agent: AgentId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        let Phase::Ringing(ringing) = &mut c.phase else { return };
        ringing.retain(|&a| a != agent);
        let empty = ringing.is_empty();
        if empty {
            c.phase = Phase::Waiting;
        }
        self.actions.push_back(Action::CancelOffer {
            call,
            agent,
            reason: CancelReason::AgentLeftQueue,
        });
        if empty && !self.route_call(call) {
            self.index_call(call);
        }
    }

    // ----- calls -----
}
