//! Wait estimates, announcements, interval reports and the statistics a host reads.

use super::*;

impl Acd {
    /// The load of a queue as an estimator sees it, for a caller at `position` who has just
    /// arrived (`elapsed` zero; [`Acd::estimated_wait`] fills in a waiting call's own wait).
    pub fn queue_load(&self, queue: QueueId, position: usize) -> Option<QueueLoad> {
        self.load_of(queue, position, true)
    }

    /// [`Acd::queue_load`], with the delay-history fields left `None` unless `history` (for
    /// an estimator that does not read them: [`crate::WaitEstimator::reads_history`]).
    fn load_of(&self, queue: QueueId, position: usize, history: bool) -> Option<QueueLoad> {
        let q = self.queues.get(queue.index())?;
        let recent_handle_time = q.history.recent_handle_time();
        let arrival_rate = match (q.recent_arrivals.front(), q.recent_arrivals.back()) {
            (Some(first), Some(last)) if last > first => {
                Some((q.recent_arrivals.len() - 1) as f64 / (*last - *first).as_secs_f64())
            }
            _ => None,
        };
        let mut load = QueueLoad {
            position,
            waiting: q.by_arrival.len(),
            serving: q.serving,
            ready: q.ready.len(),
            recent_handle_time,
            arrival_rate,
            ..QueueLoad::default()
        };
        if history {
            load.mean_handle_time = q.history.mean_handle_time();
            load.abandonment_rate = q.history.abandonment_rate();
            load.last_entered_wait = q.history.last_entered_wait();
            load.recent_wait = q.history.recent_wait();
            load.head_wait = q.by_arrival.first().map(|(t, _)| self.now.saturating_sub(*t));
        }
        Some(load)
    }

    /// The estimated remaining wait of a waiting call, by its queue's estimator (or the
    /// queue-state method when the queue has none).
    pub fn estimated_wait(&self, call: CallId) -> Option<Duration> {
        let c = self.calls.get(&call)?;
        let position = self.position_of(c)?;
        let home = c.home;
        let q = &self.queues[home.index()];
        let Some(estimator) = q.estimator.as_deref() else {
            // The default (queue-state) reads four figures: no load to build.
            let handle = q.history.recent_handle_time();
            return crate::ewt::queue_state(position, q.ready.len(), q.serving, handle);
        };
        let mut load = self.load_of(home, position, estimator.reads_history())?;
        load.elapsed = self.now.saturating_sub(c.arrived_home);
        estimator.estimate(&load)
    }

    pub(super) fn announce(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let (home, inc, indexed) = (c.home, c.inc, c.indexed);
        let elapsed = self.now.saturating_sub(c.arrived_home);
        if c.callback {
            // The caller is off the line: nothing more to announce.
            return;
        }
        if indexed {
            let position = self.position(call).unwrap_or(1);
            let estimator = self.queues[home.index()].estimator.as_deref();
            let estimated_wait = estimator.and_then(|e| {
                let mut load = self.load_of(home, position, e.reads_history())?;
                load.elapsed = elapsed;
                e.estimate(&load)
            });
            self.actions.push_back(Action::Announce {
                call,
                queue: home,
                position,
                estimated_wait,
            });
        }
        if let Some((_, Some(every))) = self.queues[home.index()].announce {
            self.schedule(self.now.saturating_add(every), Timer::Announce { call, inc, home });
        }
    }

    // ----- statistics -----

    pub(super) fn close_interval(&mut self) {
        let end = self.interval_start.saturating_add(self.interval);
        self.push_report(end);
        // A long stretch with nothing scheduled and no event (a clock jump, a simulator idling
        // overnight) is reported as one report instead of thousands of empty ones.
        let horizon = self.timers.next_due().map_or(self.advance_to, |t| t.min(self.advance_to));
        let step = self.interval.as_nanos().max(1);
        let gap = horizon.saturating_sub(end).as_nanos() / step;
        if gap > MAX_EMPTY_INTERVALS {
            let nanos = end.as_nanos().saturating_add(gap.saturating_mul(step));
            let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
            let skip_end = Duration::new(secs, (nanos % 1_000_000_000) as u32);
            self.push_report(skip_end);
        }
        self.schedule(self.interval_start.saturating_add(self.interval), Timer::Interval);
    }

    /// Closes the interval from `interval_start` to `end`.
    pub(super) fn push_report(&mut self, end: Duration) {
        let saved = self.now;
        self.now = end;
        let agents = (0..self.agents.len())
            .map(|i| {
                let cum = self.agent_counters(AgentId(i as u32));
                let a = &mut self.agents[i];
                let delta = cum.minus(&a.snapshot);
                a.snapshot = cum;
                delta
            })
            .collect();
        self.now = saved;
        let queues = self.queues.iter_mut().map(|q| std::mem::take(&mut q.interval)).collect();
        self.closed.push(IntervalReport { start: self.interval_start, end, queues, agents });
        self.interval_start = end;
    }

    pub(super) fn agent_counters(&self, agent: AgentId) -> AgentCounters {
        let a = &self.agents[agent.index()];
        let t = &a.counters;
        let mut time_in = t.time_in_ns;
        let k = a.state.kind().index();
        time_in[k] =
            time_in[k].saturating_add(nanos(self.now).saturating_sub(nanos(a.state_since)));
        AgentCounters {
            calls: t.calls,
            missed_offers: t.missed_offers,
            talk_time: t.talk_time,
            hold_time: t.hold_time,
            wrap_up_time: t.wrap_up_time,
            time_in: time_in.map(Duration::from_nanos),
        }
    }

    /// Closed interval reports not yet taken, oldest first.
    pub fn take_intervals(&mut self) -> Vec<IntervalReport> {
        std::mem::take(&mut self.closed)
    }

    /// A queue's real-time statistics.
    pub fn queue_stats(&self, queue: QueueId) -> Option<QueueStats> {
        let q = self.queues.get(queue.index())?;
        Some(QueueStats {
            queue,
            name: q.name.clone(),
            counters: q.counters.clone(),
            service_level_threshold: q.service_level,
            waiting: q.by_arrival.len(),
            longest_wait: q.by_arrival.first().map(|(t, _)| self.now.saturating_sub(*t)),
            agents_serving: q.serving,
            agents_ready: q.ready.len(),
        })
    }

    /// An agent's real-time statistics.
    pub fn agent_stats(&self, agent: AgentId) -> Option<AgentStats> {
        let a = self.agents.get(agent.index())?;
        Some(AgentStats {
            agent,
            name: a.name.clone(),
            state: a.state,
            in_state_for: self.now.saturating_sub(a.state_since),
            counters: self.agent_counters(agent),
        })
    }

    /// Ready agents in a queue's index (for tests and dashboards).
    pub fn ready_agents(&self, queue: QueueId) -> Vec<AgentId> {
        self.queues.get(queue.index()).map_or(Vec::new(), |q| q.ready.iter().map(|e| e.2).collect())
    }

    /// The calls waiting (not ringing) in a queue, in the queue's order.
    pub fn waiting_calls(&self, queue: QueueId) -> Vec<CallId> {
        self.queues
            .get(queue.index())
            .map_or(Vec::new(), |q| q.ordered.to_vec().iter().map(|k| k.id).collect())
    }
}
