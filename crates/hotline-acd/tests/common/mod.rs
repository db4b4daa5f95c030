//! A small harness to drive the engine through event sequences in tests.
#![allow(dead_code)]

use std::time::Duration;

use hotline_acd::*;

pub fn t(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

pub struct Harness {
    pub acd: Acd,
    pub actions: Vec<(Duration, Action)>,
    pub now: Duration,
}

impl Harness {
    pub fn new(toml: impl AsRef<str>) -> Self {
        let toml = toml.as_ref();
        let config = Config::from_toml_checked(toml).unwrap_or_else(|e| panic!("{e}"));
        Harness { acd: Acd::new(&config).unwrap(), actions: Vec::new(), now: Duration::ZERO }
    }

    pub fn agent(&self, name: &str) -> AgentId {
        self.acd.agent_id(name).unwrap_or_else(|| panic!("no agent {name}"))
    }

    pub fn queue(&self, name: &str) -> QueueId {
        self.acd.queue_id(name).unwrap_or_else(|| panic!("no queue {name}"))
    }

    pub fn skill(&self, name: &str) -> SkillId {
        self.acd.skill_id(name).unwrap_or_else(|| panic!("no skill {name}"))
    }

    /// Sends an event at `at` seconds, collecting the actions.
    pub fn send(&mut self, at: Duration, event: Event) -> Result<(), AcdError> {
        self.now = at;
        let r = self.acd.handle_event(at, event);
        self.drain();
        r
    }

    pub fn ok(&mut self, at: Duration, event: Event) {
        self.send(at, event).unwrap();
    }

    pub fn drain(&mut self) -> Vec<Action> {
        let mut new = Vec::new();
        while let Some(a) = self.acd.poll_action() {
            self.actions.push((self.now, a.clone()));
            new.push(a);
        }
        new
    }

    /// Runs timers up to `at`.
    pub fn run_until(&mut self, at: Duration) {
        while let Some(next) = self.acd.poll_timeout() {
            if next > at {
                break;
            }
            self.now = next;
            self.acd.handle_timeout(next);
            self.drain();
        }
        self.now = at;
        self.acd.handle_timeout(at);
        self.drain();
    }

    pub fn arrive(&mut self, at: Duration, id: u64, queue: &str) {
        let q = self.queue(queue);
        self.ok(at, Event::CallArrived(NewCall::new(CallId(id), q)));
    }

    pub fn arrive_call(&mut self, at: Duration, call: NewCall) {
        self.ok(at, Event::CallArrived(call));
    }

    pub fn ready(&mut self, at: Duration, agent: &str) {
        let a = self.agent(agent);
        self.ok(at, Event::AgentState { agent: a, state: AgentRequest::Ready });
    }

    pub fn not_ready(&mut self, at: Duration, agent: &str) {
        let a = self.agent(agent);
        self.ok(at, Event::AgentState { agent: a, state: AgentRequest::NotReady(1) });
    }

    pub fn accept(&mut self, at: Duration, id: u64, agent: &str) {
        let a = self.agent(agent);
        self.ok(at, Event::OfferAccepted { call: CallId(id), agent: a });
    }

    pub fn end(&mut self, at: Duration, id: u64) {
        self.ok(
            at,
            Event::CallEnded { call: CallId(id), end: CallEnd::HungUp, hold: Duration::ZERO },
        );
    }

    /// The agents offered `id` so far, in order.
    pub fn offers_of(&self, id: u64) -> Vec<AgentId> {
        self.actions
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Offer { call, agent, .. } if *call == CallId(id) => Some(*agent),
                _ => None,
            })
            .collect()
    }

    /// The single agent `id` was last offered to.
    pub fn offered_to(&self, id: u64) -> Option<AgentId> {
        self.offers_of(id).last().copied()
    }

    /// Name of the agent `id` was last offered to.
    pub fn offered_name(&self, id: u64) -> Option<String> {
        self.offered_to(id).map(|a| self.acd.agent_stats(a).unwrap().name)
    }

    /// Answers and ends call `id` at its offered agent (talk `talk` seconds), no wrap-up.
    pub fn serve(&mut self, at: Duration, id: u64, talk: u64) {
        let agent = self.offered_to(id).expect("call was offered");
        self.ok(at, Event::OfferAccepted { call: CallId(id), agent });
        self.ok(
            at + t(talk),
            Event::CallEnded { call: CallId(id), end: CallEnd::HungUp, hold: Duration::ZERO },
        );
    }
}

/// `n` agents named a0.. in queue `queue`, all ready, with positions 1..
pub fn agents_toml(n: usize, queue: &str) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "[[agents]]\nname = \"a{i}\"\nready = true\nqueues = [{{ queue = \"{queue}\", position = {} }}]\n\n",
            i + 1
        ));
    }
    s
}
