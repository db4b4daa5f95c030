//! The work order: its state, the events that make it, and the hash chain over them.
//!
//! A [`WorkOrder`] is nothing but the fold of its [`Event`]s: [`WorkOrder::apply`] is total and
//! needs neither the definition nor a calendar, because every computed value (a deadline, a timer's
//! due time, the node a token moved to) is written into the events when they are decided (see
//! [`WorkOrder::decide`]). Replaying a log therefore gives the same state on any machine, years
//! later, whatever the calendars say by then.

mod assignee;
mod command;
mod event;
mod item;
mod notification;
mod request;
mod timer;
mod token;

pub use assignee::Assignee;
pub use command::{Act, Command};
pub use event::{Change, Event, HASH_VERSION, genesis_hash, verify_chain};
pub use item::{ItemStatus, WorkItem};
pub use notification::Notification;
pub use request::{Request, RequestKind, RequestStatus};
pub use timer::{Timer, TimerKind, f64_bits};
pub use token::{ParentLink, Token};

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::FlowError;
use crate::condition::Vars;
use crate::definition::Phase;

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
