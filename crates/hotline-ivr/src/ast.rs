//! The syntax tree of a flow, as written, with spans for every name so that checks can point at
//! it.

use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::diag::{Span, Spanned};
use crate::expr::{Expr, Value};

/// A whole flow file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// The title from `flow "..."`.
    pub title: Option<String>,
    /// Declared prompt languages from `languages zh-CN, en`; the first is the default.
    pub languages: Vec<Spanned<String>>,
    /// The first node, from `start NODE`.
    pub start: Option<Spanned<String>>,
    /// The flow's time zone (IANA name) for `hour`, `weekday`, `date` and `time`.
    pub timezone: Option<Spanned<String>>,
    /// Variables set when the call starts (`var name = value`).
    pub vars: Vec<VarDecl>,
    /// Prompt definitions.
    pub prompts: Vec<PromptDef>,
    /// Calendar definitions for `schedule` nodes.
    pub calendars: Vec<CalendarDef>,
    /// The nodes, in source order.
    pub nodes: Vec<Node>,
}

/// `var name = value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarDecl {
    /// The variable.
    pub name: Spanned<String>,
    /// Its initial value.
    pub value: Value,
}

/// `prompt KEY { LANG "text" ... }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptDef {
    /// The key nodes refer to.
    pub id: Spanned<String>,
    /// One entry per language (or `any`).
    pub entries: Vec<PromptEntry>,
}

/// One language's version of a prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptEntry {
    /// The language tag, or `any` for a version used in every language.
    pub lang: Spanned<String>,
    /// Text for speech synthesis, or a recorded file.
    pub source: PromptSource,
}

/// What a prompt plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptSource {
    /// Text spoken by a TTS engine; `{var}` is replaced by the variable's value.
    Text(String),
    /// A recorded audio file.
    File(String),
}

/// `calendar NAME { ... }`: business hours, holidays and make-up working days in a time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarDef {
    /// The calendar's name.
    pub id: Spanned<String>,
    /// `base china`: a bundled national calendar this one is layered on (`china`, `us`,
    /// `eu-berlin`), supplying public holidays and make-up working days.
    pub base: Option<Spanned<String>>,
    /// IANA time zone (`timezone "Asia/Shanghai"`); the flow's when absent.
    pub timezone: Option<Spanned<String>>,
    /// `hours mon-fri 09:00-12:00, 13:30-17:30`.
    pub hours: Vec<Hours>,
    /// `holiday 2026-10-01..2026-10-07 "National Day"`.
    pub holidays: Vec<DateRange>,
    /// `workday 2026-09-28 "make-up day"`: a weekend day worked with the normal weekday hours.
    pub workdays: Vec<DateRange>,
    /// Where the calendar is defined.
    pub span: Span,
}

/// Opening hours on some weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// ISO weekdays, 1 = Monday ... 7 = Sunday.
    pub days: Vec<u8>,
    /// Open intervals in minutes after midnight, `[start, end)`.
    pub ranges: Vec<(u16, u16)>,
    /// Where.
    pub span: Span,
}

/// A range of dates, both ends included, with a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
    /// A label such as the holiday's name.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A use of a prompt inside a node: `prompt KEY` or `prompt N KEY` (from attempt N on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptUse {
    /// The prompt key.
    pub key: Spanned<String>,
    /// The first attempt (1-based) this prompt is played on; later entries override earlier ones.
    pub from_attempt: u32,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The node's id.
    pub id: Spanned<String>,
    /// Where the node starts (its kind keyword).
    pub span: Span,
    /// What it does.
    pub kind: NodeKind,
    /// Prompts it plays, in order.
    pub prompts: Vec<PromptUse>,
    /// Whether a key press interrupts its prompts (`barge-in on|off`, default on).
    pub barge_in: bool,
    /// Where it can go next.
    pub edges: Vec<Edge>,
}

impl Node {
    /// The first edge with `label`.
    pub fn edge(&self, label: &EdgeLabel) -> Option<&Edge> {
        self.edges.iter().find(|e| &e.label == label)
    }
}

/// An edge `label -> target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// When it is taken.
    pub label: EdgeLabel,
    /// The node it leads to; `return` returns from a subflow.
    pub target: Spanned<String>,
    /// The whole edge line.
    pub span: Span,
}

/// When an edge is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EdgeLabel {
    /// `next`: the node finished normally.
    Next,
    /// A menu option: these digits.
    Digits(String),
    /// `exhausted`: the retries ran out.
    Exhausted,
    /// `error`: a lookup, queue, transfer or recording failed.
    Error,
    /// `timeout`: a queue's maximum wait passed.
    Timeout,
    /// `answered`: an agent answered and the conversation ended (post-call steps).
    Answered,
    /// `leave KEY`: the caller pressed the key to leave the queue.
    Leave(String),
    /// `open` / `closed` / `holiday`: a schedule's branches.
    Open,
    /// Outside business hours.
    Closed,
    /// On a public holiday.
    Holiday,
    /// `when EXPR`: an `if` branch.
    When(Expr),
    /// `case VALUE`: a `switch` branch.
    Case(Value),
    /// `else`: the `if` / `switch` fallback.
    Else,
}

impl EdgeLabel {
    /// How the edge is written (for graphs and coverage).
    pub fn describe(&self) -> String {
        match self {
            EdgeLabel::Next => "next".into(),
            EdgeLabel::Digits(d) => d.clone(),
            EdgeLabel::Exhausted => "exhausted".into(),
            EdgeLabel::Error => "error".into(),
            EdgeLabel::Timeout => "timeout".into(),
            EdgeLabel::Answered => "answered".into(),
            EdgeLabel::Leave(k) => format!("leave {k}"),
            EdgeLabel::Open => "open".into(),
            EdgeLabel::Closed => "closed".into(),
            EdgeLabel::Holiday => "holiday".into(),
            EdgeLabel::When(_) => "when".into(),
            EdgeLabel::Case(v) => format!("case {v}"),
            EdgeLabel::Else => "else".into(),
        }
    }
}

/// Retry and timeout settings shared by `menu`, `collect` and `survey`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSpec {
    /// `timeout DUR`: how long to wait for the first key after the prompt.
    pub timeout: Option<Spanned<Duration>>,
    /// `inter-digit-timeout DUR`.
    pub inter_digit_timeout: Option<Duration>,
    /// `retries N`: attempts before `exhausted` (default 3).
    pub retries: Option<u32>,
    /// `invalid KEY`: the prompt after a wrong entry.
    pub invalid: Option<Spanned<String>>,
    /// `no-input KEY`: the prompt after a timeout.
    pub no_input: Option<Spanned<String>>,
}

/// Where a `transfer` goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferTarget {
    /// `agent "1001"`.
    Agent(String),
    /// `number "+861012345"`.
    Number(String),
    /// `flow "billing"`: another flow.
    Flow(String),
}

/// What a node does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NodeKind {
    /// `say` / `play`: play prompts, then `next`.
    Say,
    /// `menu`: options by digit.
    Menu(InputSpec),
    /// `collect`: read a number of digits into a variable.
    Collect {
        /// Settings shared with menus.
        input: InputSpec,
        /// `into VAR`.
        into: Option<Spanned<String>>,
        /// `digits MIN..MAX` (or `digits N`).
        min: u32,
        /// Maximum digits.
        max: u32,
        /// `terminator #`.
        terminator: Option<String>,
        /// `pattern "regex"`: the digits must match.
        pattern: Option<Spanned<String>>,
        /// `confirm KEY`: read back with this prompt; 1 accepts, 2 re-enters.
        confirm: Option<Spanned<String>>,
    },
    /// `queue`: wait for an agent.
    Queue {
        /// `to "queue-name"`.
        queue: String,
        /// `priority N`.
        priority: i64,
        /// `skills a, b`.
        skills: Vec<String>,
        /// `announce position, wait every 30s`: announce the position.
        announce_position: bool,
        /// Announce the estimated wait.
        announce_wait: bool,
        /// Announcement period.
        announce_every: Option<Duration>,
        /// `music KEY`: music on hold.
        music: Option<Spanned<String>>,
        /// `max-wait DUR`.
        max_wait: Option<Duration>,
    },
    /// `transfer`: hand the call on.
    Transfer(TransferTarget),
    /// `record` / `voicemail`.
    Record {
        /// `voicemail` rather than `record`.
        voicemail: bool,
        /// `into VAR`: the recording's name.
        into: Option<Spanned<String>>,
        /// `max DUR`.
        max: Duration,
        /// `beep on|off`.
        beep: bool,
        /// `silence DUR`: end after this much silence.
        silence: Option<Duration>,
        /// `end-key #`.
        end_key: Option<String>,
        /// `mailbox "name"`.
        mailbox: Option<String>,
    },
    /// `callback`: create a callback request.
    Callback {
        /// `queue "name"`.
        queue: String,
        /// `number EXPR` (default: the caller's number).
        number: Option<Expr>,
    },
    /// `survey`: a 1–5 satisfaction score.
    Survey {
        /// Settings shared with menus.
        input: InputSpec,
        /// `into VAR`.
        into: Option<Spanned<String>>,
    },
    /// `schedule`: branch by business hours.
    Schedule {
        /// `calendar NAME`.
        calendar: Option<Spanned<String>>,
    },
    /// `set`: assignments.
    Set(Vec<(Spanned<String>, Expr)>),
    /// `if`: `when` branches and `else`.
    If,
    /// `switch`: `on EXPR`, `case` branches and `else`.
    Switch(Option<Expr>),
    /// `lookup`: ask the host.
    Lookup {
        /// `function "name"`.
        function: String,
        /// `arg NAME = EXPR`.
        args: Vec<(String, Expr)>,
        /// `into VAR`: results become `VAR.field`.
        into: Option<Spanned<String>>,
        /// `timeout DUR`.
        timeout: Option<Duration>,
    },
    /// `subflow`: call a node as a subroutine; `-> return` comes back here and on to `next`.
    Subflow {
        /// `call NODE`.
        entry: Option<Spanned<String>>,
    },
    /// `hangup`: play prompts, then end the call.
    Hangup,
}

impl NodeKind {
    /// The keyword of this kind.
    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Say => "say",
            NodeKind::Menu(_) => "menu",
            NodeKind::Collect { .. } => "collect",
            NodeKind::Queue { .. } => "queue",
            NodeKind::Transfer(_) => "transfer",
            NodeKind::Record { voicemail: true, .. } => "voicemail",
            NodeKind::Record { .. } => "record",
            NodeKind::Callback { .. } => "callback",
            NodeKind::Survey { .. } => "survey",
            NodeKind::Schedule { .. } => "schedule",
            NodeKind::Set(_) => "set",
            NodeKind::If => "if",
            NodeKind::Switch(_) => "switch",
            NodeKind::Lookup { .. } => "lookup",
            NodeKind::Subflow { .. } => "subflow",
            NodeKind::Hangup => "hangup",
        }
    }

    /// The input settings of a menu, collect or survey.
    pub fn input(&self) -> Option<&InputSpec> {
        match self {
            NodeKind::Menu(i)
            | NodeKind::Collect { input: i, .. }
            | NodeKind::Survey { input: i, .. } => Some(i),
            _ => None,
        }
    }
}
