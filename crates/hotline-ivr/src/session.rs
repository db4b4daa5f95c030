//! The sans-IO interpreter: one [`Session`] per call.
//!
//! A session is driven as every hotline engine is:
//!
//! ```text
//! session.start(now, call)?;                        // once
//! session.handle_<input>(now, ...)?;                // handle_digit, handle_prompt_finished, ...
//! session.handle_timeout(now);                      // at or after poll_timeout()
//! session.poll_timeout() -> Option<Timestamp>;      // when the session next needs the clock
//! session.poll_output() -> Option<Output>;          // drained until None after every call above
//! ```
//!
//! [`Session::handle`] takes any [`Input`] (the same inputs as values, for hosts that queue or
//! log them) and dispatches to the `handle_*` methods.
//!
//! **Time** is a [`jiff::Timestamp`]: `schedule` nodes ask a business calendar whether the call
//! center is open at `now`, and `hour`, `weekday`, `date` and `time` variables are read in the
//! flow's time zone, so the session needs a moment on the civil time line rather than an
//! `Instant`; spans of time (timeouts, recording limits, waits) are [`Duration`]s.
//!
//! **Inputs that do not apply** in the current state are a [`SessionError`] the host can log; the
//! session's state is unchanged. They are: any input before [`Session::start`] or after the call
//! ended; a key while no menu, collect, survey, confirmation or queue leave key listens; a key that
//! is not a DTMF key; a prompt-finished while no prompt plays; a queue event that does not fit
//! (a position or answer while not queued, an end while not talking to an agent); a lookup,
//! recording or transfer result while none is awaited. Two inputs are accepted (`Ok`) without
//! changing the flow, by the language's rules: a key pressed while a prompt that forbids barge-in
//! plays is discarded (the caller must hear the prompt out; keys are not buffered ahead, so the
//! caller answers the question asked, not one asked before), and a key in a queue that no `leave`
//! edge names keeps the caller in the queue. A timeout before [`Session::poll_timeout`]'s moment
//! does nothing.
//!
//! The session owns no clock, socket or thread: the same inputs at the same times always give the
//! same outputs.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ast::{EdgeLabel, NodeKind, PromptSource, TransferTarget};
use crate::expr::Value;
use crate::program::{Program, Target};

/// The default first-key timeout of menus, collects and surveys.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default inter-digit timeout.
pub const DEFAULT_INTER_DIGIT: Duration = Duration::from_secs(3);
/// The default number of attempts of menus, collects and surveys.
pub const DEFAULT_RETRIES: u32 = 3;
/// The default lookup timeout.
pub const DEFAULT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The default period of queue announcements (`announce position` without `every`).
pub const DEFAULT_ANNOUNCE_EVERY: Duration = Duration::from_secs(30);
/// How long after a recording's maximum length the session gives up waiting for the host's
/// answer.
pub const RECORDING_GRACE: Duration = Duration::from_secs(10);
/// How many node transitions may happen without waiting for an input before the session gives
/// up (a `set`/`if` loop).
pub const MAX_STEPS_PER_INPUT: u32 = 10_000;

/// The call a session runs for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The caller's number (`caller`).
    pub caller: String,
    /// The number dialled (`dialled`).
    pub dialled: String,
    /// The prompt language to start in; the flow's first language when `None`.
    pub lang: Option<String>,
    /// Extra variables the host knows (for example from SIP headers).
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
}

/// What the queue reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum QueueEvent {
    /// The caller's position and estimated wait changed.
    Position {
        /// 1-based position.
        position: u32,
        /// Estimated wait, if known.
        wait: Option<Duration>,
    },
    /// An agent answered.
    Answered {
        /// The agent.
        agent: String,
    },
    /// The conversation with the agent ended (the caller is back in the flow if the queue has an
    /// `answered` edge).
    Ended,
    /// The queue could not take or keep the call.
    Failed {
        /// Why.
        reason: String,
    },
}

/// An input to a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Input {
    /// A DTMF key (0-9, *, #, A-D).
    Digit {
        /// The key.
        key: char,
    },
    /// The prompt last started by a [`Action::Play`] finished playing.
    PromptFinished,
    /// News from the queue.
    Queue(QueueEvent),
    /// A lookup answered.
    LookupResult {
        /// The result's fields; they become `into.field` variables.
        fields: BTreeMap<String, Value>,
    },
    /// A lookup failed.
    LookupFailed {
        /// Why.
        reason: String,
    },
    /// A recording finished.
    RecordingDone {
        /// The recording's name or path (stored in the `into` variable).
        name: String,
    },
    /// A recording failed.
    RecordingFailed,
    /// The result of a transfer started on a node with an `error` edge.
    TransferResult {
        /// Whether the far end took the call.
        ok: bool,
    },
    /// The caller hung up.
    Hangup,
}

/// Something the host must do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// Play a prompt; answer with [`Input::PromptFinished`].
    Play {
        /// The prompt key.
        prompt: String,
        /// The language chosen.
        lang: String,
        /// What to play (text already has `{var}` filled in).
        source: PromptSource,
        /// Whether a key press may interrupt it.
        barge_in: bool,
    },
    /// Stop the prompt playing (the caller barged in).
    StopPlayback,
    /// Start passing DTMF keys to the session.
    CollectDigits {
        /// At most this many keys are wanted.
        max_digits: u32,
        /// The key that ends the entry, if any.
        terminator: Option<String>,
    },
    /// Put the caller in a queue; answer with [`Input::Queue`] events.
    Enqueue {
        /// The queue.
        queue: String,
        /// Priority (higher is served first).
        priority: i64,
        /// Skills wanted.
        skills: Vec<String>,
        /// Music on hold.
        music: Option<PromptSource>,
    },
    /// Tell the caller their position and/or estimated wait.
    Announce {
        /// Position, if the queue reported one and the node announces it.
        position: Option<u32>,
        /// Estimated wait, if reported and announced.
        wait: Option<Duration>,
    },
    /// Take the caller out of the queue.
    LeaveQueue,
    /// Hand the call on.
    Transfer {
        /// Where to.
        target: TransferTarget,
    },
    /// Record the caller; answer with [`Input::RecordingDone`].
    Record {
        /// Maximum length.
        max: Duration,
        /// Play a beep first.
        beep: bool,
        /// End after this much silence.
        silence: Option<Duration>,
        /// End on this key.
        end_key: Option<String>,
        /// Voicemail box, for `voicemail` nodes.
        mailbox: Option<String>,
    },
    /// Ask the host application for data; answer with [`Input::LookupResult`] or
    /// [`Input::LookupFailed`].
    Lookup {
        /// The function's name.
        function: String,
        /// Its arguments.
        args: BTreeMap<String, Value>,
    },
    /// Create a callback request.
    CreateCallback {
        /// The queue that will call back.
        queue: String,
        /// The number to call.
        number: String,
    },
    /// A post-call survey answer (`None` when the caller gave none).
    SurveyResult {
        /// The score, 1 to 5.
        score: Option<u8>,
    },
    /// End the call.
    Hangup,
}

impl Action {
    /// A short name of the action (`play`, `enqueue`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Play { .. } => "play",
            Action::StopPlayback => "stop-playback",
            Action::CollectDigits { .. } => "collect-digits",
            Action::Enqueue { .. } => "enqueue",
            Action::Announce { .. } => "announce",
            Action::LeaveQueue => "leave-queue",
            Action::Transfer { .. } => "transfer",
            Action::Record { .. } => "record",
            Action::Lookup { .. } => "lookup",
            Action::CreateCallback { .. } => "create-callback",
            Action::SurveyResult { .. } => "survey-result",
            Action::Hangup => "hangup",
        }
    }
}

/// An action with the node that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The node's index in the program.
    pub node: usize,
    /// The action.
    pub action: Action,
}

/// What [`Session::poll_output`] returns, in the order it happened: an action for the host, or
/// (when journaling is on) an edge taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Output {
    /// An action for the host, with the node that produced it.
    Action(Step),
    /// The flow took edge `edge` of node `node` (only with [`Session::journal_edges`]).
    Edge {
        /// The node's index.
        node: usize,
        /// The edge's index within the node.
        edge: usize,
    },
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The flow hung up (a `hangup` node).
    HungUp,
    /// The caller hung up.
    CallerHungUp,
    /// The call was transferred.
    Transferred,
    /// An agent answered (and the queue had no post-call steps).
    Answered,
    /// The flow could not go on (a missing branch, a loop without input, ...).
    Failed(String),
}

impl Output {
    /// The action, if this output is one.
    pub fn into_action(self) -> Option<Action> {
        match self {
            Output::Action(step) => Some(step.action),
            Output::Edge { .. } => None,
        }
    }
}

/// An input the session could not take: it does not apply in the session's state. The state is
/// unchanged; the host may log it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// [`Session::start`] has not been called yet.
    #[error("the call has not started")]
    NotStarted,
    /// [`Session::start`] was called a second time.
    #[error("the call has already started")]
    AlreadyStarted,
    /// The call has ended.
    #[error("{input}: the call has already ended ({outcome})")]
    Ended {
        /// The input.
        input: &'static str,
        /// How it ended.
        outcome: Outcome,
    },
    /// The key is not one of 0-9, `*`, `#`, A-D.
    #[error("`{key}` is not a DTMF key")]
    NotAKey {
        /// The key as given.
        key: char,
    },
    /// The input does not fit what the session waits for.
    #[error("{input} does not apply at node `{node}`, which is {state}")]
    NotApplicable {
        /// The input (`digit`, `prompt-finished`, `queue position`, `lookup-result`, ...).
        input: &'static str,
        /// The node the call is at.
        node: String,
        /// What the session waits for (`playing prompts`, `in a queue`, ...).
        state: &'static str,
    },
}

impl Input {
    /// The input's name, as errors give it.
    pub fn name(&self) -> &'static str {
        match self {
            Input::Digit { .. } => "digit",
            Input::PromptFinished => "prompt-finished",
            Input::Queue(QueueEvent::Position { .. }) => "queue position",
            Input::Queue(QueueEvent::Answered { .. }) => "queue answered",
            Input::Queue(QueueEvent::Ended) => "queue ended",
            Input::Queue(QueueEvent::Failed { .. }) => "queue failed",
            Input::LookupResult { .. } => "lookup-result",
            Input::LookupFailed { .. } => "lookup-failed",
            Input::RecordingDone { .. } => "recording-done",
            Input::RecordingFailed => "recording-failed",
            Input::TransferResult { .. } => "transfer-result",
            Input::Hangup => "hangup",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::HungUp => f.write_str("hangup"),
            Outcome::CallerHungUp => f.write_str("caller-hangup"),
            Outcome::Transferred => f.write_str("transferred"),
            Outcome::Answered => f.write_str("answered"),
            Outcome::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Playing prompts, then the node's own step.
    Prompts,
    /// Reading keys (menu, collect, survey).
    Keys,
    /// Waiting for 1 (accept) or 2 (re-enter) after a read-back.
    Confirm,
    /// In a queue.
    Queued,
    /// Talking to an agent (queue with an `answered` edge).
    Connected,
    /// Waiting for a lookup.
    Lookup,
    /// Waiting for a recording.
    Recording,
    /// Waiting for a transfer's result.
    Transfer,
    /// Finished.
    Done,
}

impl Wait {
    fn describe(self) -> &'static str {
        match self {
            Wait::Prompts => "playing prompts",
            Wait::Keys => "reading keys",
            Wait::Confirm => "waiting for a confirmation key",
            Wait::Queued => "in a queue",
            Wait::Connected => "connected to an agent",
            Wait::Lookup => "waiting for a lookup",
            Wait::Recording => "recording",
            Wait::Transfer => "waiting for a transfer's result",
            Wait::Done => "finished",
        }
    }
}

/// One call running through a program.
#[derive(Debug, Clone)]
pub struct Session {
    program: Arc<Program>,
    vars: BTreeMap<String, Value>,
    node: usize,
    stack: Vec<usize>,
    wait: Wait,
    attempt: u32,
    digits: String,
    playlist: VecDeque<usize>,
    playing: bool,
    deadline: Option<Timestamp>,
    announce_at: Option<Timestamp>,
    give_up_at: Option<Timestamp>,
    position: Option<u32>,
    queue_wait: Option<Duration>,
    outputs: VecDeque<Output>,
    journal: bool,
    goto: Option<usize>,
    outcome: Option<Outcome>,
    steps: u32,
    visits: Vec<u32>,
    taken: BTreeMap<(usize, usize), u32>,
    started: bool,
}

/// `t + d`, or `t` itself when that would leave jiff's range (a deadline never before `t`).
fn later(t: Timestamp, d: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(d).ok().and_then(|d| t.checked_add(d).ok()).unwrap_or(t)
}

/// Whether `key` is a DTMF key: 0-9, `*`, `#`, A-D.
fn is_dtmf(key: char) -> bool {
    key.is_ascii_digit() || matches!(key, '*' | '#' | 'A'..='D')
}

impl Session {
    /// A session for `program`; nothing happens until [`Session::start`].
    pub fn new(program: Arc<Program>) -> Self {
        let n = program.nodes.len();
        let start = program.start;
        Session {
            program,
            vars: BTreeMap::new(),
            node: start,
            stack: Vec::new(),
            wait: Wait::Done,
            attempt: 1,
            digits: String::new(),
            playlist: VecDeque::new(),
            playing: false,
            deadline: None,
            announce_at: None,
            give_up_at: None,
            position: None,
            queue_wait: None,
            outputs: VecDeque::new(),
            journal: false,
            goto: None,
            outcome: None,
            steps: 0,
            visits: vec![0; n],
            taken: BTreeMap::new(),
            started: false,
        }
    }

    /// The program this session runs.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// Starts the call at `now`.
    ///
    /// # Errors
    ///
    /// [`SessionError::AlreadyStarted`] the second time.
    pub fn start(&mut self, now: Timestamp, call: Call) -> Result<(), SessionError> {
        if self.started {
            return Err(SessionError::AlreadyStarted);
        }
        self.started = true;
        self.vars = self.program.vars.clone();
        self.vars.extend(call.vars);
        self.vars.insert("caller".into(), Value::Text(call.caller));
        self.vars.insert("dialled".into(), Value::Text(call.dialled));
        let lang = call
            .lang
            .filter(|l| self.program.languages.is_empty() || self.program.languages.contains(l))
            .or_else(|| self.program.languages.first().cloned())
            .unwrap_or_default();
        self.vars.insert("lang".into(), Value::Text(lang));
        self.clock(now);
        self.steps = 0;
        self.goto = Some(self.program.start);
        self.settle(now);
        Ok(())
    }

    /// Enters nodes until the flow waits for an input (iteratively, so that long chains of
    /// `set`/`if` nodes use no stack).
    fn settle(&mut self, now: Timestamp) {
        while let Some(t) = self.goto.take() {
            self.enter(t, now);
        }
    }

    /// Feeds one input in at `now`: the same as the `handle_*` method for it.
    ///
    /// # Errors
    ///
    /// A [`SessionError`] when the input does not apply (see the [module](self) docs); the
    /// session is then unchanged.
    pub fn handle(&mut self, now: Timestamp, input: Input) -> Result<(), SessionError> {
        self.applies(&input)?;
        self.handle_input(now, input);
        self.settle(now);
        Ok(())
    }

    /// A DTMF key (0-9, `*`, `#`, A-D).
    ///
    /// A key while a prompt that forbids barge-in plays is discarded (`Ok`), as is a key in a
    /// queue that no `leave` edge names.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotAKey`], or [`SessionError::NotApplicable`] when nothing listens for
    /// keys (no menu, collect, survey, confirmation or queue with a `leave` edge).
    pub fn handle_digit(&mut self, now: Timestamp, key: char) -> Result<(), SessionError> {
        self.handle(now, Input::Digit { key })
    }

    /// The prompt last started by [`Action::Play`] finished playing.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no prompt plays (it ended, or was stopped by
    /// [`Action::StopPlayback`]).
    pub fn handle_prompt_finished(&mut self, now: Timestamp) -> Result<(), SessionError> {
        self.handle(now, Input::PromptFinished)
    }

    /// News from the queue the caller was put in by [`Action::Enqueue`].
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when the event does not fit: a position, answer or
    /// failure while the caller is not queued, an end while the caller talks to no agent.
    pub fn handle_queue(&mut self, now: Timestamp, event: QueueEvent) -> Result<(), SessionError> {
        self.handle(now, Input::Queue(event))
    }

    /// The answer to [`Action::Lookup`]: its fields become `into.field` variables.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no lookup is awaited.
    pub fn handle_lookup_result(
        &mut self,
        now: Timestamp,
        fields: BTreeMap<String, Value>,
    ) -> Result<(), SessionError> {
        self.handle(now, Input::LookupResult { fields })
    }

    /// [`Action::Lookup`] failed.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no lookup is awaited.
    pub fn handle_lookup_failed(
        &mut self,
        now: Timestamp,
        reason: String,
    ) -> Result<(), SessionError> {
        self.handle(now, Input::LookupFailed { reason })
    }

    /// The recording started by [`Action::Record`] finished; `name` goes into the `into` variable.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no recording is awaited.
    pub fn handle_recording_done(
        &mut self,
        now: Timestamp,
        name: String,
    ) -> Result<(), SessionError> {
        self.handle(now, Input::RecordingDone { name })
    }

    /// The recording started by [`Action::Record`] failed.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no recording is awaited.
    pub fn handle_recording_failed(&mut self, now: Timestamp) -> Result<(), SessionError> {
        self.handle(now, Input::RecordingFailed)
    }

    /// The result of [`Action::Transfer`] on a node with an `error` edge.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotApplicable`] when no transfer result is awaited (a transfer from a
    /// node without an `error` edge ends the call at once).
    pub fn handle_transfer_result(&mut self, now: Timestamp, ok: bool) -> Result<(), SessionError> {
        self.handle(now, Input::TransferResult { ok })
    }

    /// The caller hung up.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotStarted`] or [`SessionError::Ended`].
    pub fn handle_hangup(&mut self, now: Timestamp) -> Result<(), SessionError> {
        self.handle(now, Input::Hangup)
    }

    /// The clock: the host calls it at or after [`Session::poll_timeout`]. Earlier, or when the
    /// session waits for no time, nothing happens.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.wait == Wait::Done || !self.started {
            return;
        }
        self.clock(now);
        self.steps = 0;
        self.timeout(now);
        self.settle(now);
    }

    /// Whether `input` applies now; the error saying why not.
    fn applies(&self, input: &Input) -> Result<(), SessionError> {
        if !self.started {
            return Err(SessionError::NotStarted);
        }
        if let Some(outcome) = &self.outcome {
            return Err(SessionError::Ended { input: input.name(), outcome: outcome.clone() });
        }
        let ok = match input {
            Input::Hangup => true,
            Input::Digit { key } => {
                if !is_dtmf(*key) {
                    return Err(SessionError::NotAKey { key: *key });
                }
                match self.wait {
                    Wait::Keys | Wait::Confirm => true,
                    Wait::Queued => self.leave_keys(),
                    _ => false,
                }
            }
            Input::PromptFinished => self.playing,
            Input::Queue(ev) => matches!(
                (self.wait, ev),
                (
                    Wait::Queued,
                    QueueEvent::Position { .. }
                        | QueueEvent::Answered { .. }
                        | QueueEvent::Failed { .. }
                ) | (Wait::Connected, QueueEvent::Ended)
            ),
            Input::LookupResult { .. } | Input::LookupFailed { .. } => self.wait == Wait::Lookup,
            Input::RecordingDone { .. } | Input::RecordingFailed => self.wait == Wait::Recording,
            Input::TransferResult { .. } => self.wait == Wait::Transfer,
        };
        if ok {
            Ok(())
        } else {
            let state = if self.playing && self.wait != Wait::Queued {
                "playing prompts"
            } else {
                self.wait.describe()
            };
            Err(SessionError::NotApplicable {
                input: input.name(),
                node: self.node().id.clone(),
                state,
            })
        }
    }

    /// Whether the current node has a `leave` edge.
    fn leave_keys(&self) -> bool {
        self.node().edges.iter().any(|e| matches!(e.label, EdgeLabel::Leave(_)))
    }

    fn handle_input(&mut self, now: Timestamp, input: Input) {
        self.clock(now);
        self.steps = 0;
        match input {
            Input::Hangup => {
                if matches!(self.wait, Wait::Queued) {
                    self.emit(Action::LeaveQueue);
                }
                self.finish(Outcome::CallerHungUp);
            }
            Input::Digit { key } => self.digit(now, key),
            Input::PromptFinished => {
                self.playing = false;
                self.next_prompt(now);
            }
            Input::Queue(ev) => self.queue_event(ev),
            Input::LookupResult { fields } => {
                if let Some(into) = self.node().into.clone() {
                    for (k, v) in fields {
                        self.vars.insert(format!("{into}.{k}"), v);
                    }
                }
                self.deadline = None;
                self.take(&EdgeLabel::Next);
            }
            Input::LookupFailed { .. } => {
                self.deadline = None;
                self.take(&EdgeLabel::Error);
            }
            Input::RecordingDone { name } => {
                if let Some(into) = self.node().into.clone() {
                    self.vars.insert(into, Value::Text(name));
                }
                self.deadline = None;
                self.take(&EdgeLabel::Next);
            }
            Input::RecordingFailed => {
                self.deadline = None;
                self.take_or(&EdgeLabel::Error, &EdgeLabel::Next);
            }
            Input::TransferResult { ok } => {
                if ok {
                    self.finish(Outcome::Transferred);
                } else {
                    self.take(&EdgeLabel::Error);
                }
            }
        }
    }

    /// The next output (an action for the host or, with [`Session::journal_edges`] on, an edge
    /// taken), in the order they happened; drain it until `None` after every call that feeds the
    /// session.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Turns the journal of edges taken on or off (off by default); see [`Session::poll_output`].
    pub fn journal_edges(&mut self, on: bool) {
        self.journal = on;
    }

    /// When the host should call [`Session::handle_timeout`], if ever.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if self.wait == Wait::Done {
            return None;
        }
        [self.deadline, self.announce_at, self.give_up_at].into_iter().flatten().min()
    }

    /// How the call ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Whether the call has ended.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// Whether the session is reading keys now (a menu, collect, survey or confirmation, or a
    /// queue with a leave key), and no prompt that forbids barge-in is playing.
    pub fn wants_digits(&self) -> bool {
        match self.wait {
            Wait::Keys | Wait::Confirm => !self.playing || self.node().barge_in,
            Wait::Queued => self.leave_keys(),
            _ => false,
        }
    }

    /// Whether a prompt is playing.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// The node the call is at.
    pub fn current_node(&self) -> &str {
        &self.program.nodes[self.node].id
    }

    /// The variables now.
    pub fn vars(&self) -> &BTreeMap<String, Value> {
        &self.vars
    }

    /// How many times each node (by index) was entered.
    pub fn visits(&self) -> &[u32] {
        &self.visits
    }

    /// How many times each edge `(node, edge)` was taken.
    pub fn edges_taken(&self) -> &BTreeMap<(usize, usize), u32> {
        &self.taken
    }

    fn node(&self) -> &crate::program::CompiledNode {
        &self.program.nodes[self.node]
    }

    fn clock(&mut self, now: Timestamp) {
        let tz = jiff::tz::TimeZone::get(&self.program.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let z = now.to_zoned(tz);
        self.vars.insert("hour".into(), Value::Number(i64::from(z.hour())));
        self.vars.insert("minute".into(), Value::Number(i64::from(z.minute())));
        self.vars
            .insert("weekday".into(), Value::Number(i64::from(z.weekday().to_monday_one_offset())));
        self.vars.insert("date".into(), Value::Text(z.date().to_string()));
        self.vars.insert("time".into(), Value::Text(format!("{:02}:{:02}", z.hour(), z.minute())));
    }

    fn emit(&mut self, action: Action) {
        self.outputs.push_back(Output::Action(Step { node: self.node, action }));
    }

    fn finish(&mut self, outcome: Outcome) {
        self.goto = None;
        self.wait = Wait::Done;
        self.playing = false;
        self.playlist.clear();
        self.deadline = None;
        self.announce_at = None;
        self.give_up_at = None;
        self.outcome = Some(outcome);
    }

    fn lang(&self) -> String {
        self.vars.get("lang").map(ToString::to_string).unwrap_or_default()
    }

    /// The version of prompt `p` in the current language, with `{var}` filled in.
    fn resolve(&self, p: usize) -> (String, PromptSource) {
        let prompt = &self.program.prompts[p];
        let lang = self.lang();
        let chosen = prompt
            .versions
            .get(&lang)
            .map(|s| (lang.clone(), s))
            .or_else(|| prompt.versions.get("any").map(|s| ("any".to_owned(), s)))
            .or_else(|| {
                self.program
                    .languages
                    .iter()
                    .find_map(|l| prompt.versions.get(l).map(|s| (l.clone(), s)))
            })
            .or_else(|| prompt.versions.iter().next().map(|(l, s)| (l.clone(), s)));
        match chosen {
            Some((l, PromptSource::Text(t))) => (l, PromptSource::Text(self.interpolate(t))),
            Some((l, s)) => (l, s.clone()),
            None => (lang, PromptSource::Text(String::new())),
        }
    }

    fn interpolate(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find('}') {
                Some(j) if crate::expr::is_name(&after[..j]) => {
                    let v = self.vars.get(&after[..j]).map(ToString::to_string).unwrap_or_default();
                    out.push_str(&v);
                    rest = &after[j + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The prompts of the current node for the current attempt.
    fn prompts_for_attempt(&self) -> Vec<usize> {
        let prompts = &self.node().prompts;
        let best = prompts.iter().map(|(a, _)| *a).filter(|&a| a <= self.attempt).max();
        match best {
            Some(b) => prompts.iter().filter(|(a, _)| *a == b).map(|(_, p)| *p).collect(),
            None => Vec::new(),
        }
    }

    fn play_list(&mut self, now: Timestamp, list: Vec<usize>) {
        self.playlist = list.into();
        self.playing = false;
        self.next_prompt(now);
    }

    fn next_prompt(&mut self, now: Timestamp) {
        if let Some(p) = self.playlist.pop_front() {
            let (lang, source) = self.resolve(p);
            let prompt = self.program.prompts[p].key.clone();
            let barge_in = self.node().barge_in;
            self.emit(Action::Play { prompt, lang, source, barge_in });
            self.playing = true;
        } else {
            self.prompts_done(now);
        }
    }

    fn input_spec(&self) -> crate::ast::InputSpec {
        self.node().kind.input().cloned().unwrap_or_default()
    }

    /// All prompts of the node have played: do the node's own step.
    fn prompts_done(&mut self, now: Timestamp) {
        let node = self.node().clone();
        match (&node.kind, self.wait) {
            (_, Wait::Keys) => {
                let d = if self.digits.is_empty() {
                    self.input_spec().timeout.map_or(DEFAULT_TIMEOUT, |t| t.value)
                } else {
                    self.inter_digit()
                };
                self.deadline = Some(later(now, d));
            }
            (_, Wait::Confirm) => {
                let d = self.input_spec().timeout.map_or(DEFAULT_TIMEOUT, |t| t.value);
                self.deadline = Some(later(now, d));
            }
            (NodeKind::Say | NodeKind::Callback { .. }, _) => self.take(&EdgeLabel::Next),
            (NodeKind::Hangup, _) => {
                self.emit(Action::Hangup);
                self.finish(Outcome::HungUp);
            }
            (NodeKind::Queue { queue, priority, skills, announce_every, max_wait, .. }, _) => {
                let music = node.music.map(|m| self.resolve(m).1);
                self.emit(Action::Enqueue {
                    queue: queue.clone(),
                    priority: *priority,
                    skills: skills.clone(),
                    music,
                });
                self.wait = Wait::Queued;
                self.announce_at = announce_every.map(|d| later(now, d));
                self.give_up_at = max_wait.map(|d| later(now, d));
            }
            (NodeKind::Transfer(target), _) => {
                self.emit(Action::Transfer { target: target.clone() });
                if node.edge(&EdgeLabel::Error).is_some() {
                    self.wait = Wait::Transfer;
                } else {
                    self.finish(Outcome::Transferred);
                }
            }
            (NodeKind::Record { max, beep, silence, end_key, mailbox, .. }, _) => {
                self.emit(Action::Record {
                    max: *max,
                    beep: *beep,
                    silence: *silence,
                    end_key: end_key.clone(),
                    mailbox: mailbox.clone(),
                });
                self.wait = Wait::Recording;
                // A host that never reports back must not hold the call for ever.
                self.deadline = Some(later(now, max.saturating_add(RECORDING_GRACE)));
            }
            _ => {}
        }
    }

    fn inter_digit(&self) -> Duration {
        self.input_spec().inter_digit_timeout.unwrap_or(DEFAULT_INTER_DIGIT)
    }

    fn enter(&mut self, node: usize, now: Timestamp) {
        self.steps += 1;
        if self.steps > MAX_STEPS_PER_INPUT {
            self.finish(Outcome::Failed(format!(
                "more than {MAX_STEPS_PER_INPUT} steps without waiting for the caller (a loop?)"
            )));
            return;
        }
        self.node = node;
        self.visits[node] = self.visits[node].saturating_add(1);
        self.attempt = 1;
        self.digits.clear();
        self.deadline = None;
        self.announce_at = None;
        self.give_up_at = None;
        self.playing = false;
        self.playlist.clear();
        let n = self.node().clone();
        match &n.kind {
            NodeKind::Set(assigns) => {
                for (var, e) in assigns {
                    let v = e.eval(&self.vars);
                    if var.value == "lang"
                        && !self.program.languages.is_empty()
                        && !self.program.languages.contains(&v.to_string())
                    {
                        continue;
                    }
                    self.vars.insert(var.value.clone(), v);
                }
                self.take(&EdgeLabel::Next);
            }
            NodeKind::If => {
                let label = n
                    .edges
                    .iter()
                    .find(|e| matches!(&e.label, EdgeLabel::When(c) if c.eval(&self.vars).truthy()))
                    .map_or(EdgeLabel::Else, |e| e.label.clone());
                self.take(&label);
            }
            NodeKind::Switch(on) => {
                let v = on.as_ref().map(|e| e.eval(&self.vars)).unwrap_or(Value::Bool(false));
                let label = n
                    .edges
                    .iter()
                    .find(|e| match &e.label {
                        EdgeLabel::Case(c) => crate::expr::Expr::Binary(
                            crate::expr::BinOp::Eq,
                            Box::new(crate::expr::Expr::Literal(v.clone())),
                            Box::new(crate::expr::Expr::Literal(c.clone())),
                        )
                        .eval(&self.vars)
                        .truthy(),
                        _ => false,
                    })
                    .map_or(EdgeLabel::Else, |e| e.label.clone());
                self.take(&label);
            }
            NodeKind::Schedule { calendar } => {
                let name = calendar.as_ref().map(|c| c.value.clone()).unwrap_or_default();
                match self.program.calendar(&name) {
                    Some(calendar) => {
                        let label = crate::schedule::state_of(calendar, now).label();
                        self.take_or(&label, &EdgeLabel::Closed);
                    }
                    // A compiled or loaded program names only calendars it has.
                    None => {
                        self.finish(Outcome::Failed(format!("calendar `{name}` is not defined")))
                    }
                }
            }
            NodeKind::Lookup { function, args, timeout, .. } => {
                let args = args.iter().map(|(k, e)| (k.clone(), e.eval(&self.vars))).collect();
                self.emit(Action::Lookup { function: function.clone(), args });
                self.wait = Wait::Lookup;
                self.deadline = Some(later(now, timeout.unwrap_or(DEFAULT_LOOKUP_TIMEOUT)));
            }
            NodeKind::Subflow { .. } => {
                if self.stack.len() >= 64 {
                    self.finish(Outcome::Failed("subflows nested deeper than 64".into()));
                    return;
                }
                self.stack.push(node);
                match n.call {
                    Some(entry) => self.goto = Some(entry),
                    None => self.finish(Outcome::Failed("subflow without entry".into())),
                }
            }
            NodeKind::Menu(_) | NodeKind::Collect { .. } | NodeKind::Survey { .. } => {
                let (max_digits, terminator) = match &n.kind {
                    NodeKind::Collect { max, terminator, .. } => (*max, terminator.clone()),
                    NodeKind::Menu(_) => (
                        n.edges
                            .iter()
                            .filter_map(|e| match &e.label {
                                EdgeLabel::Digits(d) => Some(d.len() as u32),
                                _ => None,
                            })
                            .max()
                            .unwrap_or(1),
                        None,
                    ),
                    _ => (1, None),
                };
                self.emit(Action::CollectDigits { max_digits, terminator });
                self.wait = Wait::Keys;
                let list = self.prompts_for_attempt();
                self.play_list(now, list);
            }
            NodeKind::Callback { queue, number } => {
                let number =
                    number.as_ref().map(|e| e.eval(&self.vars).to_string()).unwrap_or_else(|| {
                        self.vars.get("caller").map(ToString::to_string).unwrap_or_default()
                    });
                self.emit(Action::CreateCallback { queue: queue.clone(), number });
                self.wait = Wait::Prompts;
                let list = n.prompts.iter().map(|(_, p)| *p).collect();
                self.play_list(now, list);
            }
            _ => {
                self.wait = Wait::Prompts;
                let list = n.prompts.iter().map(|(_, p)| *p).collect();
                self.play_list(now, list);
            }
        }
    }

    /// Takes the edge `label`, or `fallback` if the node has none.
    fn take_or(&mut self, label: &EdgeLabel, fallback: &EdgeLabel) {
        if self.node().edge(label).is_some() {
            self.take(label);
        } else {
            self.take(fallback);
        }
    }

    fn take(&mut self, label: &EdgeLabel) {
        let Some(k) = self.node().edge(label) else {
            let id = self.node().id.clone();
            self.finish(Outcome::Failed(format!("node `{id}` has no `{}` edge", label.describe())));
            return;
        };
        *self.taken.entry((self.node, k)).or_insert(0) += 1;
        if self.journal {
            self.outputs.push_back(Output::Edge { node: self.node, edge: k });
        }
        match self.node().edges[k].target {
            Target::Node(t) => self.goto = Some(t),
            Target::Return => match self.stack.pop() {
                Some(caller) => {
                    self.node = caller;
                    self.take(&EdgeLabel::Next);
                }
                None => self.finish(Outcome::Failed("`return` outside a subflow".into())),
            },
        }
    }

    fn digit(&mut self, now: Timestamp, key: char) {
        if !is_dtmf(key) {
            return;
        }
        match self.wait {
            Wait::Keys | Wait::Confirm => {
                if self.playing {
                    if !self.node().barge_in {
                        return;
                    }
                    self.playlist.clear();
                    self.playing = false;
                    self.emit(Action::StopPlayback);
                }
                if self.wait == Wait::Confirm {
                    self.confirm_key(now, key);
                } else {
                    self.key(now, key);
                }
            }
            Wait::Queued => {
                let leave = self.node().edges.iter().find_map(|e| match &e.label {
                    EdgeLabel::Leave(k) if k.starts_with(key) => Some(e.label.clone()),
                    _ => None,
                });
                if let Some(label) = leave {
                    self.emit(Action::LeaveQueue);
                    self.take(&label);
                }
            }
            _ => {}
        }
    }

    fn key(&mut self, now: Timestamp, key: char) {
        let node = self.node().clone();
        match &node.kind {
            NodeKind::Menu(_) => {
                self.digits.push(key);
                let exact = node.edge(&EdgeLabel::Digits(self.digits.clone())).is_some();
                let longer = node.edges.iter().any(|e| {
                    matches!(&e.label, EdgeLabel::Digits(d) if d.len() > self.digits.len() && d.starts_with(&self.digits))
                });
                if exact && !longer {
                    let label = EdgeLabel::Digits(std::mem::take(&mut self.digits));
                    self.take(&label);
                } else if longer {
                    self.deadline = Some(later(now, self.inter_digit()));
                } else {
                    self.retry(now, false);
                }
            }
            NodeKind::Collect { max, terminator, .. } => {
                if terminator.as_deref().is_some_and(|t| t.starts_with(key)) {
                    self.collected(now);
                    return;
                }
                self.digits.push(key);
                if self.digits.len() as u32 >= *max {
                    self.collected(now);
                } else {
                    self.deadline = Some(later(now, self.inter_digit()));
                }
            }
            NodeKind::Survey { .. } => match key.to_digit(10) {
                Some(score @ 1..=5) => {
                    if let Some(into) = node.into.clone() {
                        self.vars.insert(into, Value::Number(i64::from(score)));
                    }
                    self.emit(Action::SurveyResult { score: Some(score as u8) });
                    self.take(&EdgeLabel::Next);
                }
                _ => self.retry(now, false),
            },
            _ => {}
        }
    }

    /// A collect's entry is complete: validate it.
    fn collected(&mut self, now: Timestamp) {
        let node = self.node().clone();
        let NodeKind::Collect { min, max, .. } = &node.kind else { return };
        let len = self.digits.chars().count() as u32;
        let valid = len >= *min
            && len <= *max
            && node.pattern.as_ref().is_none_or(|re| re.is_match(&self.digits));
        if !valid {
            self.retry(now, self.digits.is_empty());
            return;
        }
        if let Some(into) = node.into.clone() {
            self.vars.insert(into, Value::Text(self.digits.clone()));
        }
        self.deadline = None;
        match node.confirm {
            Some(p) => {
                self.wait = Wait::Confirm;
                self.play_list(now, vec![p]);
            }
            None => self.take(&EdgeLabel::Next),
        }
    }

    fn confirm_key(&mut self, now: Timestamp, key: char) {
        if key == '1' {
            self.deadline = None;
            self.take(&EdgeLabel::Next);
        } else {
            // 2 (or anything else) re-enters the number.
            self.wait = Wait::Keys;
            self.retry(now, false);
        }
    }

    /// A wrong entry (or none): play the invalid/no-input prompt and the node's prompt again,
    /// or leave by `exhausted` when the retries have run out.
    fn retry(&mut self, now: Timestamp, no_input: bool) {
        let node = self.node().clone();
        let retries = self.input_spec().retries.unwrap_or(DEFAULT_RETRIES);
        self.digits.clear();
        self.deadline = None;
        self.attempt += 1;
        self.wait = Wait::Keys;
        if self.attempt > retries {
            if let NodeKind::Survey { .. } = node.kind {
                if let Some(into) = node.into.clone() {
                    self.vars.insert(into, Value::Text(String::new()));
                }
                self.emit(Action::SurveyResult { score: None });
                self.take(&EdgeLabel::Next);
            } else {
                self.take(&EdgeLabel::Exhausted);
            }
            return;
        }
        let mut list: Vec<usize> =
            if no_input { node.no_input } else { node.invalid }.into_iter().collect();
        list.extend(self.prompts_for_attempt());
        self.play_list(now, list);
    }

    fn timeout(&mut self, now: Timestamp) {
        if self.give_up_at.is_some_and(|t| t <= now) {
            self.give_up_at = None;
            self.announce_at = None;
            self.emit(Action::LeaveQueue);
            self.take_or(&EdgeLabel::Timeout, &EdgeLabel::Error);
            return;
        }
        if let Some(t) = self.announce_at.filter(|&t| t <= now) {
            if let NodeKind::Queue { announce_position, announce_wait, announce_every, .. } =
                &self.node().kind
            {
                let position = self.position.filter(|_| *announce_position);
                let wait = self.queue_wait.filter(|_| *announce_wait);
                let every = announce_every.unwrap_or(DEFAULT_ANNOUNCE_EVERY);
                self.emit(Action::Announce { position, wait });
                self.announce_at = Some(later(t.max(now), every));
            } else {
                self.announce_at = None;
            }
        }
        if self.deadline.is_none_or(|t| t > now) {
            return;
        }
        self.deadline = None;
        match self.wait {
            Wait::Keys => match &self.node().kind {
                NodeKind::Menu(_) => {
                    let exact = EdgeLabel::Digits(self.digits.clone());
                    if !self.digits.is_empty() && self.node().edge(&exact).is_some() {
                        self.digits.clear();
                        self.take(&exact);
                    } else {
                        let none = self.digits.is_empty();
                        self.retry(now, none);
                    }
                }
                NodeKind::Collect { .. } if !self.digits.is_empty() => self.collected(now),
                _ => self.retry(now, true),
            },
            Wait::Confirm => {
                self.wait = Wait::Keys;
                self.retry(now, true);
            }
            Wait::Lookup => self.take(&EdgeLabel::Error),
            Wait::Recording => self.take_or(&EdgeLabel::Error, &EdgeLabel::Next),
            _ => {}
        }
    }

    fn queue_event(&mut self, ev: QueueEvent) {
        match (self.wait, ev) {
            (Wait::Queued, QueueEvent::Position { position, wait }) => {
                self.position = Some(position);
                self.queue_wait = wait;
            }
            (Wait::Queued, QueueEvent::Answered { .. }) => {
                self.announce_at = None;
                self.give_up_at = None;
                if self.node().edge(&EdgeLabel::Answered).is_some() {
                    self.wait = Wait::Connected;
                } else {
                    self.finish(Outcome::Answered);
                }
            }
            (Wait::Connected, QueueEvent::Ended) => self.take(&EdgeLabel::Answered),
            (Wait::Queued, QueueEvent::Failed { .. }) => {
                self.announce_at = None;
                self.give_up_at = None;
                self.take(&EdgeLabel::Error);
            }
            _ => {}
        }
    }
}
