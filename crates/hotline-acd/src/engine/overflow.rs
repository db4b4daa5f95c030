//! Overflow steps, moves to another queue, and maximum-wait exits.

use super::*;

impl Acd {
    pub(super) fn overflow_step(&mut self, call: CallId, step: usize) {
        let Some(c) = self.calls.get(&call) else { return };
        let home = c.home;
        let Some((_, action)) = self.queues[home.index()].overflow.get(step).cloned() else {
            return;
        };
        let was_indexed = c.indexed;
        let mut requirement = c.requirement.clone();
        self.unindex_call(call);
        let change;
        let mut moved = None;
        match action {
            Step::Widen => {
                let mut any = std::mem::take(&mut requirement.all_of);
                any.append(&mut requirement.any_of);
                requirement.any_of = any;
                change = OverflowChange::Widened;
            }
            Step::DropSkill(s) => {
                requirement.all_of.retain(|n| n.skill != s);
                requirement.any_of.retain(|n| n.skill != s);
                change = OverflowChange::DroppedSkill(s);
            }
            Step::Lower(by) => {
                for n in requirement.all_of.iter_mut().chain(requirement.any_of.iter_mut()) {
                    n.min = n.min.saturating_sub(by).max(1);
                }
                change = OverflowChange::LoweredProficiency;
            }
            Step::AddQueue(q) => change = OverflowChange::AddedQueue(q),
            Step::MoveTo(q) => {
                moved = Some(q);
                change = OverflowChange::Moved(q);
            }
        }
        requirement.normalise();
        let class = self.intern(&requirement);
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else { return };
        c.requirement = requirement;
        c.class = class;
        c.next_step = step + 1;
        if let OverflowChange::AddedQueue(q) = change
            && !c.entries.iter().any(|e| e.queue == q)
        {
            let key = self.queues[q.index()].key(c.vip, c.priority, c.enqueued, call);
            c.entries.push(Entry { queue: q, key, since: now });
            self.schedule_queue_timers(call, q, false);
        }
        self.actions.push_back(Action::Overflow { call, step, change });
        if let Some(to) = moved {
            self.queues[home.index()].count(|s| s.overflowed_out += 1);
            self.rehome(call, to);
        } else if let Some((after, _)) = self.queues[home.index()].overflow.get(step + 1) {
            let c = &self.calls[&call];
            let at = c.arrived_home.saturating_add(*after);
            let inc = c.inc;
            self.schedule(at.max(now), Timer::Step { call, inc, home, step: step + 1 });
        }
        if (was_indexed || self.calls.get(&call).is_some_and(|c| c.phase == Phase::Waiting))
            && !self.route_call(call)
        {
            self.index_call(call);
        }
    }

    /// Moves a (non-indexed) call to a new home queue, counting it offered there.
    pub(super) fn rehome(&mut self, call: CallId, to: QueueId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else { return };
        self.queues[c.home.index()].by_arrival.remove(&(c.arrived_home, call));
        c.home = to;
        c.arrived_home = now;
        c.next_step = 0;
        let key = self.queues[to.index()].key(c.vip, c.priority, c.enqueued, call);
        c.entries = vec![Entry { queue: to, key, since: now }];
        let q = &mut self.queues[to.index()];
        q.count(|s| s.offered += 1);
        q.by_arrival.insert((now, call));
        self.schedule_queue_timers(call, to, true);
    }

    pub(super) fn max_wait(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let home = c.home;
        let target = self.queues[home.index()].max_wait_exit;
        self.actions.push_back(Action::Exit {
            call,
            queue: home,
            reason: ExitReason::MaxWait,
            target,
        });
        if target == ExitTarget::Callback {
            if let Some(c) = self.calls.get_mut(&call) {
                c.callback = true;
            }
            return;
        }
        let ringing = match &c.phase {
            Phase::Ringing(list) => list.clone(),
            _ => Vec::new(),
        };
        self.unindex_call(call);
        self.queues[home.index()].count(|s| s.exited += 1);
        for &a in &ringing {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: a,
                reason: CancelReason::CallLeft,
            });
        }
        match target {
            ExitTarget::Queue(to) if to != home => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.phase = Phase::Waiting;
                }
                self.rehome(call, to);
                if !self.route_call(call) {
                    self.index_call(call);
                }
            }
            _ => {
                if let Some(c) = self.calls.remove(&call) {
                    self.queues[home.index()].by_arrival.remove(&(c.arrived_home, call));
                }
            }
        }
        for a in ringing {
            self.after_offer(a, Duration::ZERO);
        }
    }
}
