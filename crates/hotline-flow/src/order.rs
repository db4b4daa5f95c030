//! The work order: its state, the events that make it, and the hash chain over them.
//!
//! A [`WorkOrder`] is nothing but the fold of its [`Event`]s: [`WorkOrder::apply`] is total and
//! needs neither the definition nor a calendar, because every computed value (a deadline, a timer's
//! due time, the node a token moved to) is written into the events when they are decided (see
//! [`WorkOrder::decide`]). Replaying a log therefore gives the same state on any machine, years
//! later, whatever the calendars say by then.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::FlowError;
use crate::condition::Vars;
use crate::definition::Phase;
use sha2::{Digest, Sha256};

/// Who a work item is for: a person, a role or a department.
///
/// Written `person:alice`, `role:dispatcher` or `dept:Water Bureau`; a bare name is a department.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Assignee {
    /// One person.
    Person(String),
    /// Everyone holding a role.
    Role(String),
    /// A department.
    Department(String),
}

impl Assignee {
    /// The department, when the assignee is one.
    pub fn department(&self) -> Option<&str> {
        match self {
            Assignee::Department(d) => Some(d),
            _ => None,
        }
    }

    /// The bare name.
    pub fn name(&self) -> &str {
        match self {
            Assignee::Person(s) | Assignee::Role(s) | Assignee::Department(s) => s,
        }
    }
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignee::Person(s) => write!(f, "person:{s}"),
            Assignee::Role(s) => write!(f, "role:{s}"),
            Assignee::Department(s) => write!(f, "dept:{s}"),
        }
    }
}

impl FromStr for Assignee {
    type Err = String;

    fn from_str(s: &str) -> Result<Assignee, String> {
        let s = s.trim();
        let (kind, name) = match s.split_once(':') {
            Some((k, n)) if matches!(k, "person" | "role" | "dept") => (k, n.trim()),
            _ => ("dept", s),
        };
        if name.is_empty() {
            return Err(format!("`{s}` names no one"));
        }
        Ok(match kind {
            "person" => Assignee::Person(name.to_owned()),
            "role" => Assignee::Role(name.to_owned()),
            _ => Assignee::Department(name.to_owned()),
        })
    }
}

impl TryFrom<String> for Assignee {
    type Error = String;
    fn try_from(s: String) -> Result<Assignee, String> {
        s.parse()
    }
}

impl From<Assignee> for String {
    fn from(a: Assignee) -> String {
        a.to_string()
    }
}

/// Whether a work item is still to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// To do.
    Open,
    /// Done.
    Done,
    /// No longer needed (the task completed without it, it was returned, or its signer removed).
    Cancelled,
}

/// One piece of work for one assignee at one task node (待办).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// The item's id within its order.
    pub id: u32,
    /// The task node.
    pub node: String,
    /// The hotline phase of the node.
    pub phase: Option<Phase>,
    /// The token (branch) the item belongs to.
    pub token: u32,
    /// Who it is for.
    pub assignee: Assignee,
    /// The lead (主办) of a joint or countersigned task.
    pub lead: bool,
    /// Open, done or cancelled.
    pub status: ItemStatus,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it is due.
    pub deadline: Option<Timestamp>,
    /// When it was done or cancelled.
    pub closed_at: Option<Timestamp>,
    /// The answer or outcome given when done.
    pub outcome: Option<String>,
    /// Which warnings (indexes into `warn_at`) have been sent.
    pub warned: Vec<u32>,
    /// The deadline passed while it was open.
    pub overdue: bool,
    /// Reminders sent since it became overdue.
    pub reminders: u32,
}

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum TimerKind {
    /// A timer node's wait is over: move the token on.
    Node {
        /// The waiting token.
        token: u32,
    },
    /// Warn the assignee that a fraction of the deadline is used.
    Warning {
        /// The item.
        item: u32,
        /// Index into the definition's `warn_at`.
        index: u32,
        /// The fraction, for the message.
        fraction: f64_bits::F64,
    },
    /// The deadline passed: escalate.
    Escalation {
        /// The item.
        item: u32,
    },
    /// A repeated reminder after the deadline.
    Reminder {
        /// The item.
        item: u32,
        /// The reminder's number (1-based).
        n: u32,
    },
}

/// A float that compares by bits, so that timer kinds can be `Eq`.
pub mod f64_bits {
    use serde::{Deserialize, Serialize};

    /// An `f64` compared by its bits.
    #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct F64(pub f64);

    impl PartialEq for F64 {
        fn eq(&self, other: &F64) -> bool {
            self.0.to_bits() == other.0.to_bits()
        }
    }

    impl Eq for F64 {}
}

/// A pending timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The timer's id within its order.
    pub id: u32,
    /// When it falls due.
    pub due: Timestamp,
    /// What it does.
    pub kind: TimerKind,
}

/// A branch of execution: where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token's id.
    pub id: u32,
    /// The node it is at.
    pub node: String,
    /// A subprocess node waits for this child process (`None` until the child is started).
    pub child: Option<String>,
    /// The process a subprocess node asked to start, until it is started.
    pub child_requested: Option<String>,
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestKind {
    /// 延期: move the handling deadline by this many working days.
    Extension {
        /// Working days.
        days: u32,
    },
    /// 联办: handle jointly with these assisting departments.
    Joint {
        /// The assisting departments.
        departments: Vec<String>,
    },
}

/// Whether a request has been decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// An extension or joint-handling request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The request's id within its order.
    pub id: u32,
    /// What it asks for.
    pub kind: RequestKind,
    /// Who asked.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: Option<String>,
    /// Pending, approved or rejected.
    pub status: RequestStatus,
}

/// A message for someone, produced by urging, supervising, warnings, escalation and reminders.
///
/// The engine records notifications in the log (so that they are never lost) and hands them to the
/// caller in each [`crate::Ack`]; delivering them (SMS, e-mail, a screen pop) is the caller's job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Who is told.
    pub to: Assignee,
    /// `urge`, `supervise`, `warning`, `overdue`, `reminder`, `transfer`, `assigned`.
    pub kind: String,
    /// The text.
    pub message: String,
}

/// Where a child order reports back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent order.
    pub order: String,
    /// The parent's waiting token.
    pub token: u32,
}

/// A command: what someone (or the timer driver) asks a work order to do.
///
/// Hotline commands act on the open item of their phase (see [`Phase`]); generic ones on any task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// 受理: accept the call as a work order, optionally adding variables (`category`, ...).
    Accept {
        /// Variables to set.
        #[serde(default)]
        vars: Vars,
    },
    /// 派单: send the order to a department.
    Dispatch {
        /// The department.
        to: String,
    },
    /// 转办: the handling department passes the order to another department.
    Transfer {
        /// The new department.
        to: String,
    },
    /// 退回: the handling department sends the order back to dispatch (a reason is required).
    Return,
    /// 答复: the department answers (completes its handling item).
    Reply {
        /// The answer.
        text: String,
    },
    /// 催办: remind the assignees of every open item.
    Urge {
        /// The message.
        #[serde(default)]
        note: String,
    },
    /// 督办: put the order under supervision; assignees and the escalation contact are told.
    Supervise {
        /// The message.
        #[serde(default)]
        note: String,
    },
    /// 延期申请: ask to move the handling deadline (a reason is required).
    RequestExtension {
        /// Working days asked for.
        days: u32,
    },
    /// 联办申请: ask to handle the order jointly with assisting departments.
    RequestJoint {
        /// The assisting departments.
        departments: Vec<String>,
    },
    /// Approve a pending request.
    Approve {
        /// The request's id.
        request: u32,
    },
    /// Reject a pending request.
    Reject {
        /// The request's id.
        request: u32,
    },
    /// 办结: close the order after the answer.
    Close,
    /// 回访: record the caller's satisfaction (1–5).
    FollowUp {
        /// 1 (very dissatisfied) to 5 (very satisfied).
        satisfaction: u8,
        /// What the caller said.
        #[serde(default)]
        comment: String,
    },
    /// 重办: reopen a closed order for handling again (a reason is required).
    Reopen,
    /// Stop the deadline clock while waiting on the caller.
    Pause,
    /// Restart the clock; deadlines move by the business time spent paused.
    Resume,
    /// Complete a generic task item, setting variables.
    Complete {
        /// Variables to set.
        #[serde(default)]
        vars: Vars,
    },
    /// 加签: add a signer to a multi-instance task.
    AddSigner {
        /// The new signer (`dept:X`, `person:y`, `role:z`).
        to: String,
    },
    /// 减签: remove a signer from a multi-instance task.
    RemoveSigner {
        /// The signer to remove.
        to: String,
    },
    /// Set variables.
    SetVars {
        /// The variables.
        vars: Vars,
    },
    /// Fire every timer due at the command's time (sent by the timer driver).
    Tick,
    /// The engine started the child order of a subprocess node.
    ChildStarted {
        /// The waiting token.
        token: u32,
        /// The child order.
        child: String,
    },
    /// The child order of a subprocess node finished with these variables.
    ChildFinished {
        /// The waiting token.
        token: u32,
        /// The child's final variables.
        vars: Vars,
    },
    /// The engine told this (child) order's parent that it finished.
    ParentNotified,
}

impl Command {
    /// The command's name (`accept`, `dispatch`, ...), used in counts and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::Dispatch { .. } => "dispatch",
            Command::Transfer { .. } => "transfer",
            Command::Return => "return",
            Command::Reply { .. } => "reply",
            Command::Urge { .. } => "urge",
            Command::Supervise { .. } => "supervise",
            Command::RequestExtension { .. } => "request_extension",
            Command::RequestJoint { .. } => "request_joint",
            Command::Approve { .. } => "approve",
            Command::Reject { .. } => "reject",
            Command::Close => "close",
            Command::FollowUp { .. } => "follow_up",
            Command::Reopen => "reopen",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Complete { .. } => "complete",
            Command::AddSigner { .. } => "add_signer",
            Command::RemoveSigner { .. } => "remove_signer",
            Command::SetVars { .. } => "set_vars",
            Command::Tick => "tick",
            Command::ChildStarted { .. } => "child_started",
            Command::ChildFinished { .. } => "child_finished",
            Command::ParentNotified => "parent_notified",
        }
    }
}

/// A command with who sent it, why, and the durability controls (its time is the `now` it is
/// handled at).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Act {
    /// The command.
    pub command: Command,
    /// Who acts (a person's id, or `system`).
    pub actor: String,
    /// Why (required for return, extension requests, rejections and reopening).
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key: a command retried with the same key is applied once.
    #[serde(default)]
    pub key: Option<String>,
    /// Optimistic concurrency: apply only if the order is at this version.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// The item to act on, when several are open.
    #[serde(default)]
    pub item: Option<u32>,
    /// The assignee whose item to act on (`dept:Water`), when several are open.
    #[serde(default)]
    pub on: Option<String>,
}

impl Act {
    /// A command by `actor`, with no reason, key, expected version or item. Its time is the `now`
    /// it is handled at ([`crate::Engine::handle_command`]).
    pub fn new(command: Command, actor: impl Into<String>) -> Act {
        Act {
            command,
            actor: actor.into(),
            reason: None,
            key: None,
            expected_version: None,
            item: None,
            on: None,
        }
    }

    /// With a reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Act {
        self.reason = Some(reason.into());
        self
    }

    /// With an idempotency key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Act {
        self.key = Some(key.into());
        self
    }

    /// With an expected version.
    #[must_use]
    pub fn expect(mut self, version: u64) -> Act {
        self.expected_version = Some(version);
        self
    }

    /// Acting on the item of this assignee.
    #[must_use]
    pub fn on(mut self, assignee: impl Into<String>) -> Act {
        self.on = Some(assignee.into());
        self
    }

    /// Acting on this item.
    #[must_use]
    pub fn item(mut self, item: u32) -> Act {
        self.item = Some(item);
        self
    }
}

/// One fact in a work order's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The order was created from a definition version.
    Created {
        /// Definition name.
        definition: String,
        /// Definition version (the order is pinned to it).
        version: u32,
        /// Initial variables.
        vars: Vars,
        /// The parent, for a subprocess's child.
        parent: Option<ParentLink>,
    },
    /// A command was accepted: who, when and why are in the event. Counted by name.
    Command(Command),
    /// Variables set.
    VarsSet {
        /// The variables.
        vars: Vars,
    },
    /// A token was created at, or moved to, a node.
    TokenAt {
        /// The token.
        token: u32,
        /// The node.
        node: String,
    },
    /// A token ended.
    TokenGone {
        /// The token.
        token: u32,
    },
    /// A work item was opened.
    ItemOpened(WorkItem),
    /// A work item was done.
    ItemDone {
        /// The item.
        item: u32,
        /// The answer or outcome.
        outcome: Option<String>,
    },
    /// A work item was cancelled.
    ItemCancelled {
        /// The item.
        item: u32,
    },
    /// A work item passed to another assignee (transfer).
    ItemReassigned {
        /// The item.
        item: u32,
        /// The new assignee.
        to: Assignee,
    },
    /// A work item became the lead of its task.
    ItemLead {
        /// The item.
        item: u32,
    },
    /// A work item's deadline moved (extension, resume).
    ItemDeadline {
        /// The item.
        item: u32,
        /// The new deadline.
        deadline: Option<Timestamp>,
    },
    /// A warning was sent for an item.
    ItemWarned {
        /// The item.
        item: u32,
        /// Index into `warn_at`.
        index: u32,
    },
    /// An item's deadline passed.
    ItemOverdue {
        /// The item.
        item: u32,
    },
    /// A reminder was sent for an overdue item.
    ItemReminded {
        /// The item.
        item: u32,
    },
    /// A timer was set.
    TimerSet(Timer),
    /// A timer fired or was cancelled.
    TimerDone {
        /// The timer.
        timer: u32,
        /// Fired (true) or cancelled (false).
        fired: bool,
    },
    /// A parallel node started branches that meet at `join`.
    JoinArmed {
        /// The join node.
        join: String,
        /// How many branches.
        count: u32,
    },
    /// A branch reached a join.
    JoinArrived {
        /// The join node.
        join: String,
    },
    /// A request was made.
    RequestOpened(Request),
    /// A request was decided.
    RequestDecided {
        /// The request.
        request: u32,
        /// Approved or not.
        approved: bool,
    },
    /// The order's handling deadline (办理时限) was set or moved.
    OrderDeadline {
        /// The deadline.
        deadline: Option<Timestamp>,
    },
    /// The handling department changed.
    Department {
        /// The department.
        department: String,
    },
    /// Handling finished (the handle task completed).
    Handled {
        /// The department that answered.
        department: Option<String>,
    },
    /// The clock stopped (waiting on the caller).
    Paused,
    /// The clock restarted.
    Resumed,
    /// The order was reopened (重办): counted, handling starts again with a new deadline.
    Reopened,
    /// Someone was told something.
    Notified(Notification),
    /// A subprocess node asked for a child order.
    ChildRequested {
        /// The waiting token.
        token: u32,
        /// The process to start.
        process: String,
    },
    /// The child order was started.
    ChildStarted {
        /// The waiting token.
        token: u32,
        /// The child order.
        child: String,
    },
    /// The child's result arrived; the waiting token moves on.
    ChildFinished {
        /// The token.
        token: u32,
    },
    /// This child order's parent has been told it finished.
    ParentNotified,
    /// No branch is left: the order is finished.
    Finished,
    /// The department that made the transfer or return of this event's command (the assignee of
    /// the item it acted on), so that KPIs count the act against it. Logs written before this
    /// change existed attribute the act to the order's handling department at the time.
    ActedBy {
        /// The department.
        department: String,
    },
}

/// One sealed entry of a work order's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based position in the order's log; the order's version after this event.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: String,
    /// Why (from the command).
    #[serde(default)]
    pub reason: Option<String>,
    /// The idempotency key of the command that produced it.
    #[serde(default)]
    pub key: Option<String>,
    /// The fact.
    pub change: Change,
    /// The hash of the previous event (or of the order id for the first).
    pub prev: String,
    /// SHA-256 over this event's content and `prev`, in the encoding of `hash_version`.
    pub hash: String,
    /// How `hash` was computed: 1 for events written before hotline-flow 0.2's canonical
    /// encoding (the JSON of the sealed fields; read so that old logs still verify), 2 for the
    /// canonical encoding ([`Event::canonical_bytes`]). New events are always version 2, and a
    /// chain never goes back from 2 to 1.
    #[serde(default = "hash_version_1")]
    pub hash_version: u8,
}

fn hash_version_1() -> u8 {
    1
}

/// The hash version new events are sealed with.
pub const HASH_VERSION: u8 = 2;

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Appends `bytes` with its length (u64, big-endian) in front, so that no two field sequences
/// encode alike.
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            field(out, v.as_bytes());
        }
    }
}

#[derive(Serialize)]
struct Sealed<'a> {
    order: &'a str,
    seq: u64,
    at: Timestamp,
    actor: &'a str,
    reason: &'a Option<String>,
    key: &'a Option<String>,
    change: &'a Change,
    prev: &'a str,
}

/// The hash that the first event of `order` chains from.
pub fn genesis_hash(order: &str) -> String {
    sha256_hex(format!("hotline-flow order {order}").as_bytes())
}

impl Event {
    /// Builds and seals an event (hash version [`HASH_VERSION`]).
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the change cannot be encoded (a float that is not finite in
    /// its variables, for example): nothing is sealed then.
    pub fn seal(
        order: &str,
        seq: u64,
        act: (&Timestamp, &str, &Option<String>, &Option<String>),
        change: Change,
        prev: String,
    ) -> Result<Event, FlowError> {
        let (at, actor, reason, key) = act;
        let mut event = Event {
            seq,
            at: *at,
            actor: actor.to_owned(),
            reason: reason.clone(),
            key: key.clone(),
            change,
            prev,
            hash: String::new(),
            hash_version: HASH_VERSION,
        };
        event.hash = event.compute_hash(order)?;
        Ok(event)
    }

    /// The canonical, versioned encoding that hash version 2 hashes: a domain tag, then every
    /// sealed field length-prefixed in a fixed order — order id, seq (u64 big-endian), time
    /// (RFC 3339 in UTC with nanoseconds), actor, reason and key (0 for none, 1 and the text),
    /// the change as JSON (object keys sorted: every map in it is ordered), and `prev`.
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the change cannot be encoded as JSON.
    pub fn canonical_bytes(&self, order: &str) -> Result<Vec<u8>, FlowError> {
        let change = serde_json::to_vec(&self.change).map_err(|e| FlowError::Encoding {
            order: order.to_owned(),
            seq: self.seq,
            source: crate::error::Source::new(e),
        })?;
        let mut out = Vec::with_capacity(128 + change.len());
        field(&mut out, b"hotline-flow/event/v2");
        field(&mut out, order.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        field(&mut out, format!("{:.9}", self.at).as_bytes());
        field(&mut out, self.actor.as_bytes());
        optional(&mut out, self.reason.as_deref());
        optional(&mut out, self.key.as_deref());
        field(&mut out, &change);
        field(&mut out, self.prev.as_bytes());
        Ok(out)
    }

    /// The hash this event should carry, in its `hash_version`'s encoding.
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the event cannot be encoded; [`FlowError::Tampered`] for an
    /// unknown hash version.
    pub fn compute_hash(&self, order: &str) -> Result<String, FlowError> {
        match self.hash_version {
            1 => self.hash_v1(order),
            2 => Ok(sha256_hex(&self.canonical_bytes(order)?)),
            v => Err(FlowError::Tampered {
                order: order.to_owned(),
                seq: self.seq,
                message: format!("unknown hash version {v}"),
            }),
        }
    }

    /// Hash version 1: SHA-256 of the sealed fields' JSON (kept so that logs written before
    /// version 2 still verify).
    fn hash_v1(&self, order: &str) -> Result<String, FlowError> {
        let sealed = Sealed {
            order,
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            reason: &self.reason,
            key: &self.key,
            change: &self.change,
            prev: &self.prev,
        };
        let bytes = serde_json::to_vec(&sealed).map_err(|e| FlowError::Encoding {
            order: order.to_owned(),
            seq: self.seq,
            source: crate::error::Source::new(e),
        })?;
        Ok(sha256_hex(&bytes))
    }
}

/// Checks that `events` (the whole log of `order`, from seq 1) form an unbroken hash chain.
///
/// # Errors
///
/// [`FlowError::Tampered`] naming the first event that does not verify.
pub fn verify_chain(order: &str, events: &[Event]) -> Result<(), FlowError> {
    let mut prev = genesis_hash(order);
    let mut version = 1;
    for (i, event) in events.iter().enumerate() {
        let tampered = |message: &str| FlowError::Tampered {
            order: order.to_owned(),
            seq: event.seq,
            message: message.to_owned(),
        };
        if event.seq != i as u64 + 1 {
            return Err(tampered("sequence number out of place (event missing or inserted)"));
        }
        if event.prev != prev {
            return Err(tampered("does not chain to the previous event"));
        }
        if event.hash_version < version {
            return Err(tampered("hash version goes back (an old encoding after a newer one)"));
        }
        version = event.hash_version;
        if event.compute_hash(order)? != event.hash {
            return Err(tampered("content does not match its hash"));
        }
        prev.clone_from(&event.hash);
    }
    Ok(())
}

/// One round of handling (办理), from dispatch (or reopening) to the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    /// The department that answered.
    pub department: Option<String>,
    /// When the round started: the first dispatch, or the reopening.
    pub started_at: Option<Timestamp>,
    /// When the answer came.
    pub handled_at: Timestamp,
    /// The deadline in force when it came.
    pub deadline: Option<Timestamp>,
}

impl Handling {
    /// Whether the answer came by the deadline (`None` without a deadline).
    pub fn on_time(&self) -> Option<bool> {
        Some(self.handled_at <= self.deadline?)
    }
}

/// A transfer or return, with the department that made it and when (KPIs count acts by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentAct {
    /// `transfer` or `return`.
    pub command: String,
    /// The department that made it (`None` when no department handled the order).
    pub department: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A work order: the state folded from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    /// The order's id.
    pub id: String,
    /// The definition's name.
    pub definition: String,
    /// The definition version it is pinned to.
    pub definition_version: u32,
    /// Events applied (0 before the first).
    pub version: u64,
    /// Hash of the last event.
    pub hash: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Process variables.
    pub vars: Vars,
    /// Live tokens.
    pub tokens: BTreeMap<u32, Token>,
    /// Every work item, open or not.
    pub items: BTreeMap<u32, WorkItem>,
    /// Pending timers.
    pub timers: BTreeMap<u32, Timer>,
    /// Branches still expected at each join.
    pub joins: BTreeMap<String, u32>,
    /// Requests.
    pub requests: BTreeMap<u32, Request>,
    /// Commands applied, by name.
    pub counts: BTreeMap<String, u32>,
    /// The next free id for tokens, items, timers and requests.
    pub next_id: u32,
    /// When accepted.
    pub accepted_at: Option<Timestamp>,
    /// When first dispatched.
    pub dispatched_at: Option<Timestamp>,
    /// The current handling department.
    pub department: Option<String>,
    /// The handling deadline (办理时限).
    pub deadline: Option<Timestamp>,
    /// When handling last finished.
    pub handled_at: Option<Timestamp>,
    /// The department that answered.
    pub handled_by: Option<String>,
    /// When closed.
    pub closed_at: Option<Timestamp>,
    /// When followed up.
    pub followed_up_at: Option<Timestamp>,
    /// The caller's satisfaction, 1–5.
    pub satisfaction: Option<u8>,
    /// When the clock stopped, while paused.
    pub paused_since: Option<Timestamp>,
    /// Every finished pause.
    pub pauses: Vec<(Timestamp, Timestamp)>,
    /// Supervised (督办).
    pub supervised: bool,
    /// When the order finished.
    pub finished_at: Option<Timestamp>,
    /// When the current handling round started (first dispatch or reopening).
    pub round_started_at: Option<Timestamp>,
    /// Every finished handling round, oldest first.
    pub handlings: Vec<Handling>,
    /// The parent, for a child order.
    pub parent: Option<ParentLink>,
    /// The parent has been told this child finished.
    pub parent_notified: bool,
    /// When the current pending child request was made.
    pub child_requested_at: Option<Timestamp>,
    /// Every transfer and return, with the department that made it.
    #[serde(default)]
    pub acts: Vec<DepartmentAct>,
    /// The time of the last event (a later command may not be dated before it).
    #[serde(default)]
    pub last_event_at: Option<Timestamp>,
}

impl WorkOrder {
    /// An order with no events yet.
    pub fn empty(id: &str) -> WorkOrder {
        WorkOrder {
            id: id.to_owned(),
            definition: String::new(),
            definition_version: 0,
            version: 0,
            hash: genesis_hash(id),
            created_at: None,
            vars: Vars::new(),
            tokens: BTreeMap::new(),
            items: BTreeMap::new(),
            timers: BTreeMap::new(),
            joins: BTreeMap::new(),
            requests: BTreeMap::new(),
            counts: BTreeMap::new(),
            next_id: 1,
            accepted_at: None,
            dispatched_at: None,
            department: None,
            deadline: None,
            handled_at: None,
            handled_by: None,
            closed_at: None,
            followed_up_at: None,
            satisfaction: None,
            paused_since: None,
            pauses: Vec::new(),
            supervised: false,
            finished_at: None,
            round_started_at: None,
            handlings: Vec::new(),
            parent: None,
            parent_notified: false,
            child_requested_at: None,
            acts: Vec::new(),
            last_event_at: None,
        }
    }

    /// Folds `events` into an empty order.
    ///
    /// # Errors
    ///
    /// [`FlowError::Tampered`] when the events do not chain.
    pub fn replay(id: &str, events: &[Event]) -> Result<WorkOrder, FlowError> {
        let mut order = WorkOrder::empty(id);
        for event in events {
            order.apply(event)?;
        }
        Ok(order)
    }

    /// Applies one event.
    ///
    /// # Errors
    ///
    /// [`FlowError::Tampered`] when the event is not the next in the chain.
    pub fn apply(&mut self, event: &Event) -> Result<(), FlowError> {
        if event.seq != self.version + 1 || event.prev != self.hash {
            return Err(FlowError::Tampered {
                order: self.id.clone(),
                seq: event.seq,
                message: format!("does not follow version {}", self.version),
            });
        }
        self.apply_change(&event.change, event.at);
        self.last_event_at = Some(event.at);
        self.version = event.seq;
        self.hash.clone_from(&event.hash);
        Ok(())
    }

    fn bump(&mut self, id: u32) {
        self.next_id = self.next_id.max(id.saturating_add(1));
    }

    /// Applies a change (used by [`WorkOrder::apply`] and while deciding).
    pub(crate) fn apply_change(&mut self, change: &Change, at: Timestamp) {
        match change {
            Change::Created { definition, version, vars, parent } => {
                self.definition.clone_from(definition);
                self.definition_version = *version;
                self.vars.clone_from(vars);
                self.parent.clone_from(parent);
                self.created_at = Some(at);
            }
            Change::Command(command) => {
                *self.counts.entry(command.name().to_owned()).or_default() += 1;
                match command {
                    Command::Accept { .. } => self.accepted_at = Some(at),
                    Command::Dispatch { .. } => {
                        self.dispatched_at.get_or_insert(at);
                        self.round_started_at.get_or_insert(at);
                    }
                    Command::Close => self.closed_at = Some(at),
                    Command::FollowUp { satisfaction, .. } => {
                        self.followed_up_at = Some(at);
                        self.satisfaction = Some(*satisfaction);
                    }
                    Command::Supervise { .. } => self.supervised = true,
                    Command::Transfer { .. } | Command::Return => self.acts.push(DepartmentAct {
                        command: command.name().to_owned(),
                        department: self.department.clone(),
                        at,
                    }),
                    _ => {}
                }
            }
            Change::VarsSet { vars } => {
                for (k, v) in vars {
                    self.vars.insert(k.clone(), v.clone());
                }
            }
            Change::TokenAt { token, node } => {
                self.bump(*token);
                let entry = self.tokens.entry(*token).or_insert_with(|| Token {
                    id: *token,
                    node: node.clone(),
                    child: None,
                    child_requested: None,
                });
                entry.node.clone_from(node);
                entry.child = None;
                entry.child_requested = None;
            }
            Change::TokenGone { token } => {
                self.tokens.remove(token);
            }
            Change::ItemOpened(item) => {
                self.bump(item.id);
                let mut item = item.clone();
                item.opened_at = at;
                self.items.insert(item.id, item);
            }
            Change::ItemDone { item, outcome } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.status = ItemStatus::Done;
                    i.closed_at = Some(at);
                    i.outcome.clone_from(outcome);
                }
            }
            Change::ItemCancelled { item } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.status = ItemStatus::Cancelled;
                    i.closed_at = Some(at);
                }
            }
            Change::ItemReassigned { item, to } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.assignee = to.clone();
                    i.warned.clear();
                    i.reminders = 0;
                }
            }
            Change::ItemLead { item } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.lead = true;
                }
            }
            Change::ItemDeadline { item, deadline } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.deadline = *deadline;
                    if deadline.is_none_or(|d| d > at) {
                        i.overdue = false;
                        i.reminders = 0;
                    }
                }
            }
            Change::ItemWarned { item, index } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.warned.push(*index);
                }
            }
            Change::ItemOverdue { item } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.overdue = true;
                }
            }
            Change::ItemReminded { item } => {
                if let Some(i) = self.items.get_mut(item) {
                    i.reminders += 1;
                }
            }
            Change::TimerSet(timer) => {
                self.bump(timer.id);
                self.timers.insert(timer.id, timer.clone());
            }
            Change::TimerDone { timer, .. } => {
                self.timers.remove(timer);
            }
            Change::JoinArmed { join, count } => {
                *self.joins.entry(join.clone()).or_default() += count;
            }
            Change::JoinArrived { join } => {
                let remaining = self.joins.entry(join.clone()).or_insert(1);
                *remaining = remaining.saturating_sub(1);
                if *remaining == 0 {
                    self.joins.remove(join);
                }
            }
            Change::RequestOpened(request) => {
                self.bump(request.id);
                self.requests.insert(request.id, request.clone());
            }
            Change::RequestDecided { request, approved } => {
                if let Some(r) = self.requests.get_mut(request) {
                    r.status =
                        if *approved { RequestStatus::Approved } else { RequestStatus::Rejected };
                }
            }
            Change::OrderDeadline { deadline } => self.deadline = *deadline,
            Change::Department { department } => self.department = Some(department.clone()),
            Change::Handled { department } => {
                self.handled_at = Some(at);
                self.handled_by.clone_from(department);
                self.handlings.push(Handling {
                    department: department.clone(),
                    started_at: self.round_started_at,
                    handled_at: at,
                    deadline: self.deadline,
                });
            }
            Change::Paused => self.paused_since = Some(at),
            Change::Resumed => {
                if let Some(since) = self.paused_since.take() {
                    self.pauses.push((since, at));
                }
            }
            Change::Reopened => {
                *self.counts.entry("reopened".to_owned()).or_default() += 1;
                self.handled_at = None;
                self.handled_by = None;
                self.closed_at = None;
                self.deadline = None;
                self.finished_at = None;
                self.round_started_at = Some(at);
            }
            Change::Notified(_) => {}
            Change::ChildRequested { token, process } => {
                if let Some(t) = self.tokens.get_mut(token) {
                    t.child_requested = Some(process.clone());
                }
                self.child_requested_at = Some(at);
            }
            Change::ChildStarted { token, child } => {
                if let Some(t) = self.tokens.get_mut(token) {
                    t.child_requested = None;
                    t.child = Some(child.clone());
                }
                if self.tokens.values().all(|t| t.child_requested.is_none()) {
                    self.child_requested_at = None;
                }
            }
            Change::ChildFinished { token } => {
                if let Some(t) = self.tokens.get_mut(token) {
                    t.child = None;
                }
            }
            Change::ParentNotified => self.parent_notified = true,
            Change::Finished => self.finished_at = Some(at),
            Change::ActedBy { department } => {
                if let Some(act) = self.acts.last_mut() {
                    act.department = Some(department.clone());
                }
            }
        }
    }

    /// The open work items.
    pub fn open_items(&self) -> impl Iterator<Item = &WorkItem> {
        self.items.values().filter(|i| i.status == ItemStatus::Open)
    }

    /// Whether the order has finished (every branch ended).
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    /// A one-word status: `finished`, `paused`, the phase of the first open item, or `open`.
    pub fn status(&self) -> &'static str {
        if self.is_finished() {
            return "finished";
        }
        if self.paused_since.is_some() {
            return "paused";
        }
        self.open_items().find_map(|i| i.phase).map_or(
            if self.open_items().next().is_some() { "task" } else { "waiting" },
            Phase::as_str,
        )
    }

    /// How often a command was applied (`transfer`, `return`, `urge`, ...; `reopened` counts
    /// every reopening, by command or by a reopening edge).
    pub fn count(&self, name: &str) -> u32 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// When the core next needs to run: the earliest pending timer, or now-ish when a child order
    /// is to be started or a parent told. The driver fires [`Command::Tick`] then.
    pub fn next_due(&self) -> Option<Timestamp> {
        let timer = self.timers.values().map(|t| t.due).min();
        let child = self.child_requested_at;
        let parent = match (&self.parent, self.finished_at) {
            (Some(_), Some(at)) if !self.parent_notified => Some(at),
            _ => None,
        };
        [timer, child, parent].into_iter().flatten().min()
    }

    /// Whether the handling finished on time (`None` while not handled or with no deadline).
    pub fn on_time(&self) -> Option<bool> {
        Some(self.handled_at? <= self.deadline?)
    }

    /// A variable as a string.
    pub fn var_str(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn assignee_forms() {
        assert_eq!("person:alice".parse::<Assignee>().unwrap(), Assignee::Person("alice".into()));
        assert_eq!("role:x".parse::<Assignee>().unwrap(), Assignee::Role("x".into()));
        assert_eq!("Water".parse::<Assignee>().unwrap(), Assignee::Department("Water".into()));
        assert_eq!("dept:Water".parse::<Assignee>().unwrap().to_string(), "dept:Water");
        assert!("role:".parse::<Assignee>().is_err());
        assert!("".parse::<Assignee>().is_err());
    }

    proptest! {
        #[test]
        fn assignee_round_trips(kind in 0..3u8, name in "[a-zA-Z0-9 ]{1,12}") {
            let name = name.trim().to_owned();
            prop_assume!(!name.is_empty());
            let a = match kind { 0 => Assignee::Person(name), 1 => Assignee::Role(name), _ => Assignee::Department(name) };
            prop_assert_eq!(a.to_string().parse::<Assignee>().unwrap(), a);
        }
    }
}
