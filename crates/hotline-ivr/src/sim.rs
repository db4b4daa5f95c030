//! The simulator: scripted calls run against a flow in virtual time, with mocked lookups, queues,
//! recordings and transfers; transcripts; node and edge coverage over a set of calls.
//!
//! The simulated caller waits for each prompt to finish, then presses the next scripted keys one
//! second later (300 ms apart within one token such as `123#`). A `_` token stays silent once,
//! letting that entry time out. Prompts last 80 ms per character of text (at least one second) or
//! three seconds for a recorded file.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ast::PromptSource;
use crate::expr::Value;
use crate::parser::parse_duration;
use crate::program::Program;
use crate::session::{Action, Call, Input, Output, QueueEvent, Session};

/// The moment simulated calls start when a script names none: Monday 2026-11-23 10:00 in
/// Beijing.
pub const DEFAULT_START: &str = "2026-11-23T10:00:00+08:00";
/// The longest a simulated call may last (virtual time).
pub const MAX_CALL: Duration = Duration::from_secs(4 * 3600);
/// The most transcript steps one simulated call may produce.
pub const MAX_STEPS: usize = 5_000;

/// Why a script could not be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// A field holds a value that does not parse.
    #[error("call `{call}`: {field} `{value}` is not valid: {expected}")]
    BadValue {
        /// The call's name.
        call: String,
        /// The field.
        field: &'static str,
        /// The value as written.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The calls file does not parse.
    #[error("calls file: {0}")]
    Toml(#[source] toml::de::Error),
}

/// What a mocked lookup answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LookupMock {
    /// Successive answers, one per call of the function (the last repeats).
    Sequence(Vec<LookupAnswer>),
    /// The same answer every time.
    One(LookupAnswer),
}

/// One mocked lookup answer: a result, an error, or no answer (the lookup times out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupAnswer {
    /// The fields of a successful result.
    #[serde(default)]
    pub result: Option<BTreeMap<String, Value>>,
    /// An error message: the lookup fails.
    #[serde(default)]
    pub error: Option<String>,
    /// How long the host takes to answer (`200ms` by default); `never` never answers.
    #[serde(default)]
    pub delay: Option<String>,
}

/// How the mocked queue treats the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueMock {
    /// `answered` (default), `failed` or `never` (no agent ever answers).
    #[serde(default = "default_answered")]
    pub outcome: String,
    /// How long until the outcome (default `30s`).
    #[serde(default)]
    pub wait: Option<String>,
    /// How long the agent talks before the conversation ends (default `60s`).
    #[serde(default)]
    pub talk: Option<String>,
    /// The position reported on entry (default 3).
    #[serde(default)]
    pub position: Option<u32>,
}

fn default_answered() -> String {
    "answered".to_owned()
}

impl Default for QueueMock {
    fn default() -> Self {
        QueueMock { outcome: default_answered(), wait: None, talk: None, position: None }
    }
}

/// One scripted call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The call's name in reports.
    #[serde(default)]
    pub name: String,
    /// Keys the caller presses: tokens separated by commas (`1,2,#`, `12345678#`); `_` stays
    /// silent once.
    #[serde(default)]
    pub digits: String,
    /// Once the digits are used up, hang up after this much silence (`10s`); by default the
    /// caller stays on the line until the flow ends.
    #[serde(default)]
    pub silence_after: Option<String>,
    /// When the call starts (RFC 3339 with offset); [`DEFAULT_START`] by default.
    #[serde(default)]
    pub at: Option<String>,
    /// The starting prompt language.
    #[serde(default)]
    pub lang: Option<String>,
    /// The caller's number (default `13800138000`).
    #[serde(default)]
    pub caller: Option<String>,
    /// The number dialled (default `12345`).
    #[serde(default)]
    pub dialled: Option<String>,
    /// Mocked lookups by function name; a function without a mock fails.
    #[serde(default)]
    pub lookups: BTreeMap<String, LookupMock>,
    /// The mocked queue.
    #[serde(default)]
    pub queue: QueueMock,
    /// Whether transfers succeed (default true).
    #[serde(default)]
    pub transfer_fails: bool,
    /// Whether recordings fail (default false: a recording ends after at most 5 s).
    #[serde(default)]
    pub recording_fails: bool,
    /// Expected transcript lines, in order: each must occur within a later step's
    /// `node action detail` text.
    #[serde(default)]
    pub expect: Vec<String>,
    /// The expected outcome (`hangup`, `caller-hangup`, `transferred`, `answered`, `failed: ...`).
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A file of scripted calls (`CALLS.toml`: `[[call]]` tables).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The calls.
    #[serde(default)]
    pub call: Vec<Script>,
}

impl Suite {
    /// Parses a calls file.
    ///
    /// Memory: the `toml` crate builds the whole document before the type is filled, about fifty
    /// times the text at its peak. The crate reads no calls files itself: a host reading an untrusted file
    /// bounds its size first (the `hotline` command refuses files over 1 MiB unread, and reads
    /// the rest call by call).
    ///
    /// # Errors
    ///
    /// [`ScriptError::Toml`] with the parser's message (it names the line).
    pub fn from_toml(text: &str) -> Result<Suite, ScriptError> {
        toml::from_str(text).map_err(ScriptError::Toml)
    }
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptStep {
    /// Milliseconds since the call started.
    pub t_ms: i64,
    /// The node the flow was at.
    pub node: String,
    /// What happened: an action's name, or `press`, `timeout`, `queue`, `lookup-result`, ...
    pub action: String,
    /// The details in words.
    pub detail: String,
}

impl TranscriptStep {
    /// `node action detail`, as expectations are matched against.
    pub fn text(&self) -> String {
        format!("{} {} {}", self.node, self.action, self.detail).trim_end().to_owned()
    }
}

/// The transcript of one simulated call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The steps.
    pub steps: Vec<TranscriptStep>,
    /// How the call ended (`limit` when it hit the simulator's time or step limit, `stuck` when
    /// the flow waited for something that never comes).
    pub outcome: String,
    /// Nodes entered (by index), with counts.
    #[serde(skip)]
    pub visits: Vec<u32>,
    /// Edges taken `(node, edge)`.
    #[serde(skip)]
    pub edges: BTreeSet<(usize, usize)>,
}

impl Transcript {
    /// A human-readable rendering, one step a line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            out.push_str(&format!(
                "{:>8.1}s  {:<18} {:<16} {}\n",
                s.t_ms as f64 / 1000.0,
                s.node,
                s.action,
                s.detail
            ));
        }
        out.push_str(&format!("outcome: {}\n", self.outcome));
        out
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::Play { prompt, lang, source, .. } => match source {
            PromptSource::Text(t) => format!("{prompt} [{lang}] \"{t}\""),
            PromptSource::File(f) => format!("{prompt} [{lang}] file {f}"),
        },
        Action::CollectDigits { max_digits, terminator } => match terminator {
            Some(t) => format!("up to {max_digits} keys, ends with {t}"),
            None => format!("up to {max_digits} keys"),
        },
        Action::Enqueue { queue, priority, skills, .. } => {
            format!("{queue} priority {priority} skills [{}]", skills.join(", "))
        }
        Action::Announce { position, wait } => format!(
            "position {} wait {}",
            position.map_or("-".to_owned(), |p| p.to_string()),
            wait.map_or("-".to_owned(), |w| format!("{}s", w.as_secs()))
        ),
        Action::Transfer { target } => match target {
            crate::ast::TransferTarget::Agent(a) => format!("agent {a}"),
            crate::ast::TransferTarget::Number(n) => format!("number {n}"),
            crate::ast::TransferTarget::Flow(f) => format!("flow {f}"),
        },
        Action::Record { max, beep, mailbox, .. } => format!(
            "max {}s beep {}{}",
            max.as_secs(),
            if *beep { "on" } else { "off" },
            mailbox.as_ref().map_or(String::new(), |m| format!(" mailbox {m}"))
        ),
        Action::Lookup { function, args } => {
            let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{function}({})", args.join(", "))
        }
        Action::CreateCallback { queue, number } => format!("{queue} {number}"),
        Action::SurveyResult { score } => score.map_or("none".to_owned(), |s| s.to_string()),
        Action::StopPlayback | Action::LeaveQueue | Action::Hangup => String::new(),
    }
}

/// How long a prompt plays in the simulated world.
fn prompt_length(source: &PromptSource) -> Duration {
    match source {
        PromptSource::Text(t) => Duration::from_millis((t.chars().count() as u64 * 80).max(1000)),
        PromptSource::File(_) => Duration::from_secs(3),
    }
}

fn dur(
    call: &str,
    field: &'static str,
    v: Option<&String>,
    default: Duration,
) -> Result<Duration, ScriptError> {
    match v {
        None => Ok(default),
        Some(s) => parse_duration(s).map_err(|_| ScriptError::BadValue {
            call: call.to_owned(),
            field,
            value: s.clone(),
            expected: "a duration such as 30s or 500ms",
        }),
    }
}

/// Pending simulated events, ordered by time then by insertion.
#[derive(Debug, Default)]
struct Agenda {
    items: BTreeMap<(Timestamp, u64), Ev>,
    seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Ev {
    PromptEnd,
    Key(char),
    Input(Input),
    CallerHangup,
}

impl Agenda {
    fn at(&mut self, t: Timestamp, ev: Ev) {
        self.seq += 1;
        self.items.insert((t, self.seq), ev);
    }
    fn cancel(&mut self, pred: impl Fn(&Ev) -> bool) {
        self.items.retain(|_, e| !pred(e));
    }
    fn has(&self, pred: impl Fn(&Ev) -> bool) -> bool {
        self.items.values().any(pred)
    }
    fn first(&self) -> Option<Timestamp> {
        self.items.keys().next().map(|k| k.0)
    }
    fn pop(&mut self) -> Option<(Timestamp, Ev)> {
        let k = *self.items.keys().next()?;
        self.items.remove(&k).map(|e| (k.0, e))
    }
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d).ok().and_then(|d| t.checked_add(d).ok()).unwrap_or(t)
}

/// The simulated world does not wait for the flow: the caller presses keys on a schedule and the
/// mocks answer after their delays, so an input may reach the session when it no longer applies
/// (a key after the menu moved on, a prompt's end after barge-in). The session then refuses it
/// with a [`crate::SessionError`] and stays as it was; the transcript already shows the input,
/// and what follows it shows that nothing changed.
fn ignore(_: Result<(), crate::SessionError>) {}

/// Runs one scripted call against `program`.
///
/// # Errors
///
/// [`ScriptError::BadValue`] when a time, duration or mock in the script does not parse.
pub fn run_call(program: &Arc<Program>, script: &Script) -> Result<Transcript, ScriptError> {
    let name = script.name.as_str();
    let bad = |field: &'static str, value: &str, expected: &'static str| ScriptError::BadValue {
        call: name.to_owned(),
        field,
        value: value.to_owned(),
        expected,
    };
    let at_text = script.at.as_deref().unwrap_or(DEFAULT_START);
    let start: Timestamp = at_text
        .parse()
        .map_err(|_| bad("at", at_text, "an RFC 3339 time such as 2026-11-23T09:00:00+08:00"))?;
    let mut tokens: VecDeque<String> =
        script.digits.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    for t in &tokens {
        if t != "_" && !crate::parser::is_keys(t) {
            return Err(bad(
                "digits",
                &script.digits,
                "keys 0-9, *, #, A-D separated by commas, `_` for silence",
            ));
        }
    }
    let silence_after = match &script.silence_after {
        Some(s) => Some(dur(name, "silence_after", Some(s), Duration::ZERO)?),
        None => None,
    };
    let q = &script.queue;
    let q_wait = dur(name, "queue.wait", q.wait.as_ref(), Duration::from_secs(30))?;
    let q_talk = dur(name, "queue.talk", q.talk.as_ref(), Duration::from_secs(60))?;
    if !matches!(q.outcome.as_str(), "answered" | "failed" | "never") {
        return Err(bad("queue.outcome", &q.outcome, "answered, failed or never"));
    }
    let mut lookup_calls: BTreeMap<String, usize> = BTreeMap::new();

    let mut session = Session::new(Arc::clone(program));
    session.journal_edges(true);
    let call = Call {
        caller: script.caller.clone().unwrap_or_else(|| "13800138000".into()),
        dialled: script.dialled.clone().unwrap_or_else(|| "12345".into()),
        lang: script.lang.clone(),
        vars: BTreeMap::new(),
    };
    let mut steps: Vec<TranscriptStep> = Vec::new();
    let mut agenda = Agenda::default();
    let mut now = start;
    let mut silent = false;
    let mut hangup_scheduled = false;
    let mut recordings = 0u32;
    // A new session: its first start cannot be refused.
    ignore(session.start(now, call));
    let node_name = |p: &Arc<Program>, i: usize| p.nodes[i].id.clone();
    let outcome = loop {
        let t_ms = now.duration_since(start).as_millis() as i64;
        // 1. The host's side: carry out the actions.
        while let Some(output) = session.poll_output() {
            let step = match output {
                Output::Action(step) => step,
                Output::Edge { node, edge } => {
                    let n = &program.nodes[node];
                    let e = &n.edges[edge];
                    let to = match e.target {
                        crate::program::Target::Node(t) => program.nodes[t].id.as_str(),
                        crate::program::Target::Return => "return",
                    };
                    steps.push(TranscriptStep {
                        t_ms,
                        node: n.id.clone(),
                        action: "goto".into(),
                        detail: format!("{} -> {to}", e.label.describe()),
                    });
                    continue;
                }
            };
            let node = node_name(program, step.node);
            steps.push(TranscriptStep {
                t_ms,
                node,
                action: step.action.name().to_owned(),
                detail: describe(&step.action),
            });
            match &step.action {
                Action::Play { source, .. } => {
                    agenda.cancel(|e| *e == Ev::PromptEnd);
                    agenda.at(plus(now, prompt_length(source)), Ev::PromptEnd);
                    silent = false;
                }
                Action::StopPlayback => agenda.cancel(|e| *e == Ev::PromptEnd),
                Action::Enqueue { .. } => {
                    agenda.at(
                        now,
                        Ev::Input(Input::Queue(QueueEvent::Position {
                            position: q.position.unwrap_or(3),
                            // Whole seconds, as a queue estimates.
                            wait: Some(Duration::from_secs(q_wait.as_secs())),
                        })),
                    );
                    match q.outcome.as_str() {
                        "answered" => {
                            agenda.at(
                                plus(now, q_wait),
                                Ev::Input(Input::Queue(QueueEvent::Answered {
                                    agent: "agent-1".into(),
                                })),
                            );
                            agenda.at(
                                plus(now, q_wait + q_talk),
                                Ev::Input(Input::Queue(QueueEvent::Ended)),
                            );
                        }
                        "failed" => agenda.at(
                            plus(now, q_wait),
                            Ev::Input(Input::Queue(QueueEvent::Failed {
                                reason: "no agents".into(),
                            })),
                        ),
                        _ => {}
                    }
                }
                Action::LeaveQueue => agenda.cancel(|e| matches!(e, Ev::Input(Input::Queue(_)))),
                Action::Transfer { .. } => {
                    agenda.at(
                        plus(now, Duration::from_secs(2)),
                        Ev::Input(Input::TransferResult { ok: !script.transfer_fails }),
                    );
                }
                Action::Record { max, .. } => {
                    recordings += 1;
                    let input = if script.recording_fails {
                        Input::RecordingFailed
                    } else {
                        Input::RecordingDone { name: format!("recording-{recordings}.wav") }
                    };
                    agenda.at(plus(now, (*max).min(Duration::from_secs(5))), Ev::Input(input));
                }
                Action::Lookup { function, .. } => {
                    let n = lookup_calls.entry(function.clone()).or_insert(0);
                    let answer = match script.lookups.get(function) {
                        Some(LookupMock::One(a)) => Some(a.clone()),
                        Some(LookupMock::Sequence(list)) => list.get(*n).or(list.last()).cloned(),
                        None => None,
                    };
                    *n += 1;
                    match answer {
                        None => agenda.at(
                            plus(now, Duration::from_millis(200)),
                            Ev::Input(Input::LookupFailed {
                                reason: format!("no mock for `{function}`"),
                            }),
                        ),
                        Some(a) => {
                            let delay = a.delay.as_deref().unwrap_or("200ms");
                            if delay != "never" {
                                let delay = parse_duration(delay).map_err(|_| {
                                    bad(
                                        "lookups.delay",
                                        delay,
                                        "a duration such as 200ms, or never",
                                    )
                                })?;
                                let input = match (a.result, a.error) {
                                    (_, Some(reason)) => Input::LookupFailed { reason },
                                    (Some(fields), None) => Input::LookupResult { fields },
                                    (None, None) => Input::LookupResult { fields: BTreeMap::new() },
                                };
                                agenda.at(plus(now, delay), Ev::Input(input));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(o) = session.outcome() {
            break o.to_string();
        }
        if steps.len() > MAX_STEPS || t_ms > MAX_CALL.as_millis() as i64 {
            break "limit".to_owned();
        }
        // 2. The caller's side: press the next keys when the flow listens.
        if session.wants_digits()
            && !session.is_playing()
            && !silent
            && !agenda.has(|e| matches!(e, Ev::Key(_)))
        {
            match tokens.pop_front() {
                Some(t) if t == "_" => silent = true,
                Some(t) => {
                    for (i, c) in t.chars().enumerate() {
                        let after = Duration::from_millis(1000 + 300 * i as u64);
                        agenda.at(plus(now, after), Ev::Key(c));
                    }
                }
                None => {}
            }
        }
        if tokens.is_empty()
            && !hangup_scheduled
            && let Some(silence) = silence_after
            && !agenda.has(|e| matches!(e, Ev::Key(_)))
        {
            hangup_scheduled = true;
            agenda.at(plus(now, silence), Ev::CallerHangup);
        }
        // 3. Advance virtual time to the next event.
        let next_ev = agenda.first();
        let timeout = session.poll_timeout();
        let (t, ev) = match (next_ev, timeout) {
            (None, None) => break "stuck".to_owned(),
            (Some(e), Some(to)) if to < e => (to, None),
            (None, Some(to)) => (to, None),
            _ => {
                let Some((t, ev)) = agenda.pop() else { break "stuck".to_owned() };
                (t, Some(ev))
            }
        };
        now = t.max(now);
        let t_ms = now.duration_since(start).as_millis() as i64;
        let node = session.current_node().to_owned();
        match ev {
            None => {
                steps.push(TranscriptStep {
                    t_ms,
                    node,
                    action: "timeout".into(),
                    detail: String::new(),
                });
                session.handle_timeout(now);
            }
            Some(Ev::PromptEnd) => ignore(session.handle_prompt_finished(now)),
            Some(Ev::Key(k)) => {
                steps.push(TranscriptStep {
                    t_ms,
                    node,
                    action: "press".into(),
                    detail: k.to_string(),
                });
                ignore(session.handle_digit(now, k));
            }
            Some(Ev::CallerHangup) => {
                steps.push(TranscriptStep {
                    t_ms,
                    node,
                    action: "caller-hangup".into(),
                    detail: String::new(),
                });
                ignore(session.handle_hangup(now));
            }
            Some(Ev::Input(input)) => {
                let (action, detail) = match &input {
                    Input::Queue(QueueEvent::Position { position, .. }) => {
                        ("queue", format!("position {position}"))
                    }
                    Input::Queue(QueueEvent::Answered { agent }) => {
                        ("queue", format!("answered by {agent}"))
                    }
                    Input::Queue(QueueEvent::Ended) => ("queue", "conversation ended".to_owned()),
                    Input::Queue(QueueEvent::Failed { reason }) => {
                        ("queue", format!("failed: {reason}"))
                    }
                    Input::LookupResult { fields } => (
                        "lookup-result",
                        fields
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    Input::LookupFailed { reason } => ("lookup-failed", reason.clone()),
                    Input::RecordingDone { name } => ("recording-done", name.clone()),
                    Input::RecordingFailed => ("recording-failed", String::new()),
                    Input::TransferResult { ok } => {
                        ("transfer-result", if *ok { "ok" } else { "failed" }.to_owned())
                    }
                    _ => ("input", String::new()),
                };
                steps.push(TranscriptStep { t_ms, node, action: action.into(), detail });
                ignore(session.handle(now, input));
            }
        }
    };
    Ok(Transcript {
        steps,
        outcome,
        visits: session.visits().to_vec(),
        edges: session.edges_taken().keys().copied().collect(),
    })
}

/// Node and edge coverage over a set of simulated calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Nodes in the flow.
    pub nodes_total: usize,
    /// Nodes entered at least once.
    pub nodes_hit: usize,
    /// Edges in the flow.
    pub edges_total: usize,
    /// Edges taken at least once.
    pub edges_hit: usize,
    /// Nodes never entered.
    pub missed_nodes: Vec<String>,
    /// Edges never taken, as `from --label--> to`.
    pub missed_edges: Vec<String>,
}

impl Coverage {
    /// Coverage of `program` by `transcripts`.
    pub fn of(program: &Program, transcripts: &[&Transcript]) -> Coverage {
        let n = program.nodes.len();
        let mut hit = vec![false; n];
        let mut edges = BTreeSet::new();
        for t in transcripts {
            for (i, &v) in t.visits.iter().enumerate().take(n) {
                hit[i] |= v > 0;
            }
            edges.extend(t.edges.iter().copied());
        }
        let all = program.all_edges();
        Coverage {
            nodes_total: n,
            nodes_hit: hit.iter().filter(|&&h| h).count(),
            edges_total: all.len(),
            edges_hit: all.iter().filter(|e| edges.contains(e)).count(),
            missed_nodes: (0..n)
                .filter(|&i| !hit[i])
                .map(|i| program.nodes[i].id.clone())
                .collect(),
            missed_edges: all
                .iter()
                .filter(|e| !edges.contains(e))
                .map(|&(a, b)| program.describe_edge(a, b))
                .collect(),
        }
    }

    /// Node coverage as a fraction (1 for an empty flow).
    pub fn node_fraction(&self) -> f64 {
        if self.nodes_total == 0 { 1.0 } else { self.nodes_hit as f64 / self.nodes_total as f64 }
    }

    /// Edge coverage as a fraction (1 for a flow without edges).
    pub fn edge_fraction(&self) -> f64 {
        if self.edges_total == 0 { 1.0 } else { self.edges_hit as f64 / self.edges_total as f64 }
    }
}

/// The result of one scripted call of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallResult {
    /// The call's name.
    pub name: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// What did not hold.
    pub failures: Vec<String>,
    /// The transcript.
    pub transcript: Transcript,
}

/// The results of a suite and the coverage of all its calls together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteReport {
    /// One result per call.
    pub calls: Vec<CallResult>,
    /// Coverage over all calls.
    pub coverage: Coverage,
}

impl SuiteReport {
    /// Whether every call passed.
    pub fn passed(&self) -> bool {
        self.calls.iter().all(|c| c.passed)
    }
}

/// Checks a transcript against a script's expectations; the list of failures.
pub fn verify(script: &Script, transcript: &Transcript) -> Vec<String> {
    let mut failures = Vec::new();
    let texts: Vec<String> = transcript.steps.iter().map(TranscriptStep::text).collect();
    let mut from = 0;
    for want in &script.expect {
        match texts[from..].iter().position(|t| t.contains(want.as_str())) {
            Some(i) => from += i + 1,
            None => {
                failures.push(format!("expected a step containing `{want}` after step {from}"));
                break;
            }
        }
    }
    if let Some(o) = &script.outcome
        && &transcript.outcome != o
    {
        failures.push(format!("expected outcome `{o}`, got `{}`", transcript.outcome));
    }
    failures
}

/// Runs every call of `suite` and measures coverage.
///
/// # Errors
///
/// The first [`ScriptError`] of a call whose script does not parse.
pub fn run_suite(program: &Arc<Program>, suite: &Suite) -> Result<SuiteReport, ScriptError> {
    run_suite_with(program, suite, |_, _| {})
}

/// As [`run_suite`], calling `each(done, result)` after each call (`done` calls finished so
/// far, from 1): a host shows progress through it (the `hotline ivr test` command draws its
/// progress bar so).
///
/// # Errors
///
/// The first [`ScriptError`] of a call whose script does not parse.
pub fn run_suite_with(
    program: &Arc<Program>,
    suite: &Suite,
    mut each: impl FnMut(usize, &CallResult),
) -> Result<SuiteReport, ScriptError> {
    let mut calls = Vec::with_capacity(suite.call.len());
    for (i, script) in suite.call.iter().enumerate() {
        let transcript = run_call(program, script)?;
        let failures = verify(script, &transcript);
        let name =
            if script.name.is_empty() { format!("call {}", i + 1) } else { script.name.clone() };
        calls.push(CallResult { name, passed: failures.is_empty(), failures, transcript });
        if let Some(last) = calls.last() {
            each(i + 1, last);
        }
    }
    let coverage = Coverage::of(program, &calls.iter().map(|c| &c.transcript).collect::<Vec<_>>());
    Ok(SuiteReport { calls, coverage })
}
