//! The ACD task: the one owner of the `Acd` engine. Call tasks and the API send it [`AcdInput`]s
//! (by agent and queue *names*); it feeds the engine, hands each action to the call it concerns,
//! records agent state changes, and publishes a [`Snapshot`] of queues and agents for the API
//! (a `watch` channel: readers never wait on the engine).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_acd::{
    Acd, Action, AgentId, AgentRequest, AgentState, CallEnd, CallId, Event, NewCall, Requirement,
    SkillNeed,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};

use crate::call::CallEvent;
use crate::flight::{FlightLog, Record};
use crate::store::StoreCommand;

/// What the ACD task is told.
#[derive(Debug)]
pub enum AcdInput {
    /// A call enters a queue.
    Arrive {
        /// The server's call number.
        call: u64,
        /// The queue's name.
        queue: String,
        /// Higher first.
        priority: i64,
        /// Skills wanted (names).
        skills: Vec<String>,
        /// The caller's language.
        language: Option<String>,
        /// The caller's number.
        caller: String,
        /// Where this call's actions go.
        events: mpsc::UnboundedSender<CallEvent>,
        /// Whether the queue took it (`Err` names why not: an unknown queue).
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// The caller left the queue (hung up, or chose a callback).
    Abandoned {
        /// The call.
        call: u64,
        /// `true` when the caller asked for a callback.
        callback: bool,
    },
    /// The offered agent answered.
    Accepted {
        /// The call.
        call: u64,
        /// The agent.
        agent: String,
    },
    /// The offered agent's phone refused or failed.
    Rejected {
        /// The call.
        call: u64,
        /// The agent.
        agent: String,
        /// 486/600: the phone is busy.
        busy: bool,
    },
    /// The conversation ended.
    Ended {
        /// The call.
        call: u64,
    },
    /// An agent's request (from the API), answered with the new state or why not.
    AgentRequest {
        /// The agent.
        agent: String,
        /// What they ask.
        request: AgentRequest,
        /// The answer.
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// One queue, as the API shows it.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct QueueView {
    /// Its name.
    pub name: String,
    /// Calls waiting.
    pub waiting: usize,
    /// The longest current wait, in seconds.
    pub longest_wait_s: f64,
    /// Calls offered today (since start).
    pub offered: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned.
    pub abandoned: u64,
    /// Service level: answered within the threshold over answered plus abandoned after it.
    pub service_level: Option<f64>,
    /// Average speed of answer, in seconds.
    pub asa_s: Option<f64>,
    /// Agents ready.
    pub agents_ready: usize,
}

/// One agent, as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgentView {
    /// The agent's name.
    pub name: String,
    /// `logged-out`, `ready`, `not-ready`, `offered`, `on-call`, `wrap-up`, `outbound`.
    pub state: String,
    /// The not-ready reason code, or `max-no-answer`.
    pub reason: Option<String>,
    /// Calls answered.
    pub calls: u64,
    /// Offers missed.
    pub missed_offers: u64,
}

/// What the API reads.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Snapshot {
    /// Every queue.
    pub queues: Vec<QueueView>,
    /// Every agent.
    pub agents: Vec<AgentView>,
}

/// The task's handle.
#[derive(Debug, Clone)]
pub struct AcdHandle {
    /// Inputs.
    pub tx: mpsc::UnboundedSender<AcdInput>,
    /// The latest snapshot.
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
}

/// Starts the task.
///
/// # Errors
///
/// When the configuration does not build an engine.
pub fn start(
    config: &hotline_acd::Config,
    epoch: Instant,
    flight: FlightLog,
    store: std::sync::mpsc::Sender<StoreCommand>,
) -> Result<AcdHandle, String> {
    let engine = Acd::new(config).map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::unbounded_channel();
    let (snap_tx, snapshot) = watch::channel(Arc::new(Snapshot::default()));
    let wrap_ups = config.queues.iter().map(|q| (q.name.clone(), q.wrap_up)).collect();
    let task =
        AcdTask { engine, epoch, flight, store, calls: HashMap::new(), snap: snap_tx, wrap_ups };
    tokio::spawn(task.run(rx));
    Ok(AcdHandle { tx, snapshot })
}

struct AcdTask {
    engine: Acd,
    epoch: Instant,
    flight: FlightLog,
    store: std::sync::mpsc::Sender<StoreCommand>,
    calls: HashMap<CallId, mpsc::UnboundedSender<CallEvent>>,
    snap: watch::Sender<Arc<Snapshot>>,
    wrap_ups: BTreeMap<String, Duration>,
}

impl AcdTask {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<AcdInput>) {
        self.publish();
        loop {
            let due =
                self.engine.poll_timeout().map(|d| tokio::time::Instant::from_std(self.epoch + d));
            tokio::select! {
                input = rx.recv() => match input {
                    Some(input) => self.input(input),
                    None => break,
                },
                _ = crate::server::sleep_until(due) => {
                    let now = self.now();
                    self.flight.log(Record::AcdTimeout { at: now });
                    self.engine.handle_timeout(now);
                    self.drain();
                }
            }
            self.publish();
        }
    }

    fn now(&self) -> Duration {
        // The engine's clock never goes back, even if a timer fired a little early.
        self.epoch.elapsed().max(self.engine.now())
    }

    // ANCHOR: feed
    fn feed(&mut self, event: Event) -> Result<(), String> {
        let now = self.now();
        self.flight.log(Record::AcdInput { at: now, event: event.clone() });
        let result = self.engine.handle_event(now, event).map_err(|e| e.to_string());
        self.drain();
        result
    }
    // ANCHOR_END: feed

    fn agent(&self, name: &str) -> Result<AgentId, String> {
        self.engine.agent_id(name).ok_or_else(|| format!("no agent {name}"))
    }

    fn input(&mut self, input: AcdInput) {
        match input {
            AcdInput::Arrive { call, queue, priority, skills, language, caller, events, reply } => {
                let Some(q) = self.engine.queue_id(&queue) else {
                    let _ = reply.send(Err(format!("no queue {queue}")));
                    return;
                };
                let mut requirement = Requirement::none();
                for s in &skills {
                    match self.engine.skill_id(s) {
                        Some(skill) => requirement.all_of.push(SkillNeed { skill, min: 1 }),
                        None => {
                            tracing::warn!(call, skill = %s, "the flow asks for a skill the ACD does not know; ignored")
                        }
                    }
                }
                let mut new = NewCall::new(CallId(call), q)
                    .priority(priority.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
                    .requirement(requirement)
                    .caller(caller);
                if let Some(l) = language.as_deref().and_then(|l| self.engine.language_id(l)) {
                    new = new.language(l);
                }
                self.calls.insert(CallId(call), events);
                let r = self.feed(Event::CallArrived(new));
                if r.is_err() {
                    self.calls.remove(&CallId(call));
                }
                let _ = reply.send(r);
            }
            AcdInput::Abandoned { call, callback } => {
                let event = if callback {
                    Event::CallbackRequested { call: CallId(call) }
                } else {
                    Event::CallerAbandoned { call: CallId(call) }
                };
                if let Err(e) = self.feed(event) {
                    tracing::debug!(call, "abandon: {e}");
                }
                self.calls.remove(&CallId(call));
            }
            AcdInput::Accepted { call, agent } => {
                let r = self.agent(&agent).and_then(|agent| {
                    self.feed(Event::OfferAccepted { call: CallId(call), agent })
                });
                if let Err(e) = r {
                    tracing::warn!(call, "accept: {e}");
                }
            }
            AcdInput::Rejected { call, agent, busy } => {
                let r = self.agent(&agent).and_then(|agent| {
                    self.feed(Event::OfferRejected { call: CallId(call), agent, busy })
                });
                if let Err(e) = r {
                    tracing::debug!(call, "reject: {e}");
                }
            }
            AcdInput::Ended { call } => {
                let event = Event::CallEnded {
                    call: CallId(call),
                    end: CallEnd::HungUp,
                    hold: Duration::ZERO,
                };
                if let Err(e) = self.feed(event) {
                    tracing::debug!(call, "end: {e}");
                }
                self.calls.remove(&CallId(call));
            }
            AcdInput::AgentRequest { agent, request, reply } => {
                let r = self
                    .agent(&agent)
                    .and_then(|agent| self.feed(Event::AgentState { agent, state: request }));
                let _ = reply.send(r);
            }
        }
    }

    fn drain(&mut self) {
        while let Some(action) = self.engine.poll_action() {
            self.flight.log(Record::AcdOutput { action: action.clone() });
            let call = match &action {
                Action::Offer { call, .. }
                | Action::CancelOffer { call, .. }
                | Action::Announce { call, .. }
                | Action::Overflow { call, .. }
                | Action::Exit { call, .. } => Some(*call),
                Action::AgentStateChanged { agent, state } => {
                    let name = self.engine.agent_name(*agent).unwrap_or("?").to_owned();
                    let _ = self.store.send(StoreCommand::AgentState {
                        at: jiff::Timestamp::now().to_string(),
                        agent: name.clone(),
                        state: state_name(*state).0.to_owned(),
                    });
                    tracing::info!(agent = %name, state = ?state, "agent state");
                    None
                }
                _ => None,
            };
            let Some(call) = call else { continue };
            if let (Some(named), Some(tx)) = (self.name(&action), self.calls.get(&call)) {
                let _ = tx.send(CallEvent::Acd(named));
            }
            if matches!(action, Action::Exit { .. }) {
                self.calls.remove(&call);
            }
        }
    }

    /// The action with names instead of ids, for the call task; `None` for what the call task
    /// does not act on (an overflow step changes the call inside the engine only; it is logged).
    fn name(&self, action: &Action) -> Option<AcdNotice> {
        let agent = |a: &AgentId| self.engine.agent_name(*a).unwrap_or("?").to_owned();
        Some(match action {
            Action::Offer { agent: a, queue, .. } => {
                AcdNotice::Offer { agent: agent(a), wrap_up: self.wrap_up(*queue) }
            }
            Action::CancelOffer { agent: a, reason, .. } => {
                AcdNotice::CancelOffer { agent: agent(a), reason: format!("{reason:?}") }
            }
            Action::Announce { position, estimated_wait, .. } => {
                AcdNotice::Announce { position: *position, wait: *estimated_wait }
            }
            Action::Exit { reason, .. } => AcdNotice::Exit { reason: format!("{reason:?}") },
            other => {
                tracing::debug!(action = ?other, "ACD action");
                return None;
            }
        })
    }

    fn wrap_up(&self, queue: hotline_acd::QueueId) -> Duration {
        self.engine
            .queue_name(queue)
            .and_then(|n| self.wrap_ups.get(n).copied())
            .unwrap_or_default()
    }

    fn publish(&self) {
        let mut snap = Snapshot::default();
        for q in 0..self.engine.queue_count() {
            let Some(s) = self.engine.queue_stats(hotline_acd::QueueId(q as u32)) else { continue };
            let c = &s.counters;
            let late_abandons = c.abandoned.saturating_sub(c.abandoned_within);
            let denominator = c.answered + late_abandons;
            snap.queues.push(QueueView {
                name: s.name.clone(),
                waiting: s.waiting,
                longest_wait_s: s.longest_wait.map_or(0.0, |d| d.as_secs_f64()),
                offered: c.offered,
                answered: c.answered,
                abandoned: c.abandoned,
                service_level: (denominator > 0)
                    .then(|| c.answered_within as f64 / denominator as f64),
                asa_s: (c.answered > 0).then(|| c.answered_wait.as_secs_f64() / c.answered as f64),
                agents_ready: s.agents_ready,
            });
        }
        for a in 0..self.engine.agent_count() {
            let id = AgentId(a as u32);
            let Some(state) = self.engine.agent_state(id) else { continue };
            let (name, reason) = state_name(state);
            let stats = self.engine.agent_stats(id);
            snap.agents.push(AgentView {
                name: self.engine.agent_name(id).unwrap_or("?").to_owned(),
                state: name.to_owned(),
                reason,
                calls: stats.as_ref().map_or(0, |s| s.counters.calls),
                missed_offers: stats.as_ref().map_or(0, |s| s.counters.missed_offers),
            });
        }
        self.snap.send_if_modified(|old| {
            if **old == snap {
                false
            } else {
                *old = Arc::new(snap);
                true
            }
        });
    }
}

/// What the ACD tells a call task.
#[derive(Debug, Clone, PartialEq)]
pub enum AcdNotice {
    /// Ring this agent.
    Offer {
        /// The agent.
        agent: String,
        /// The wrap-up the agent will get (for the CDR).
        wrap_up: Duration,
    },
    /// Stop ringing this agent.
    CancelOffer {
        /// The agent.
        agent: String,
        /// Why.
        reason: String,
    },
    /// Tell the caller where they are.
    Announce {
        /// 1-based position.
        position: usize,
        /// The estimated wait.
        wait: Option<Duration>,
    },
    /// The call left the queue without an agent.
    Exit {
        /// Why.
        reason: String,
    },
}

/// The API's name of a state, and its reason.
pub fn state_name(state: AgentState) -> (&'static str, Option<String>) {
    match state {
        AgentState::LoggedOut => ("logged-out", None),
        AgentState::Ready => ("ready", None),
        AgentState::NotReady(hotline_acd::NotReadyReason::Code(c)) => {
            ("not-ready", Some(c.to_string()))
        }
        AgentState::NotReady(_) => ("not-ready", Some("max-no-answer".into())),
        AgentState::Offered(_) => ("offered", None),
        AgentState::OnCall(_) => ("on-call", None),
        AgentState::WrapUp => ("wrap-up", None),
        _ => ("outbound", None),
    }
}
