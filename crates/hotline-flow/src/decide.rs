//! Deciding: turning a command into the changes it causes (the sans-IO core).
//!
//! [`WorkOrder::decide`] works on a scratch copy of the order: every change is applied as it is
//! produced, so routing sees the state the previous change left. Calendars are consulted here, and
//! only here; their answers are written into the changes.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use crate::FlowError;
use crate::clock::{BusinessClock, Calendars};
use crate::condition::{Condition, Vars};
use crate::definition::{Assign, Completion, Definition, Next, Node, NodeKind, Phase};
use crate::order::{
    Act, Assignee, Change, Command, ItemStatus, Notification, ParentLink, Request, RequestKind,
    RequestStatus, Timer, TimerKind, WorkItem, WorkOrder, f64_bits::F64,
};

/// The most automatic steps (routing through decisions, joins, ends) one command may cause.
pub const MAX_STEPS: usize = 1000;

struct Builder<'a> {
    order: WorkOrder,
    def: &'a Definition,
    calendars: &'a Calendars,
    now: Timestamp,
    changes: Vec<Change>,
    steps: usize,
    command: &'static str,
}

/// The longest extension one request may ask for, in working days (about five working years).
/// Longer requests are refused when made, before any calendar arithmetic.
pub const MAX_EXTENSION_DAYS: u32 = 1250;

impl WorkOrder {
    /// The changes that starting an order of `def` with `vars` makes (the order must be empty).
    ///
    /// # Errors
    ///
    /// As [`WorkOrder::decide`].
    pub fn decide_start(
        &self,
        def: &Definition,
        calendars: &Calendars,
        vars: Vars,
        parent: Option<ParentLink>,
        now: Timestamp,
    ) -> Result<Vec<Change>, FlowError> {
        let mut b = Builder::new(self, def, calendars, now, "start");
        if self.version != 0 {
            return Err(b.reject("the order already exists"));
        }
        b.push(Change::Created {
            definition: def.name.clone(),
            version: def.version,
            vars,
            parent,
        });
        let token = b.order.next_id;
        b.enter(token, &def.start)?;
        Ok(b.changes)
    }

    /// The changes `act`, handled at `now`, makes to this order under `def` (the version the
    /// order is pinned to).
    ///
    /// # Errors
    ///
    /// [`FlowError::Rejected`] when the command does not fit the order's state; calendar errors;
    /// [`FlowError::RunawayProcess`] when routing loops.
    pub fn decide(
        &self,
        def: &Definition,
        calendars: &Calendars,
        now: Timestamp,
        act: &Act,
    ) -> Result<Vec<Change>, FlowError> {
        let mut b = Builder::new(self, def, calendars, now, act.command.name());
        b.run(act)?;
        Ok(b.changes)
    }
}

fn reason_of(act: &Act) -> Option<&str> {
    act.reason.as_deref().map(str::trim).filter(|r| !r.is_empty())
}

impl<'a> Builder<'a> {
    fn new(
        order: &WorkOrder,
        def: &'a Definition,
        calendars: &'a Calendars,
        now: Timestamp,
        command: &'static str,
    ) -> Builder<'a> {
        Builder {
            order: order.clone(),
            def,
            calendars,
            now,
            changes: Vec::new(),
            steps: 0,
            command,
        }
    }

    fn reject(&self, reason: impl Into<String>) -> FlowError {
        FlowError::rejected(&self.order.id, self.command, reason)
    }

    fn push(&mut self, change: Change) {
        self.order.apply_change(&change, self.now);
        self.changes.push(change);
    }

    fn new_id(&mut self) -> u32 {
        let id = self.order.next_id;
        // Reserve it now: a change carrying it bumps `next_id` again, harmlessly.
        self.order.next_id = id.saturating_add(1);
        id
    }

    fn clock(&self, assignee: Option<&Assignee>) -> Result<Arc<dyn BusinessClock>, FlowError> {
        self.calendars.for_definition(self.def, assignee.and_then(Assignee::department))
    }

    fn node(&self, id: &str) -> Result<&'a Node, FlowError> {
        self.def.node(id).ok_or_else(|| FlowError::DefinitionInvalid {
            definition: self.def.name.clone(),
            node: id.to_owned(),
            message: "the order refers to a node this definition does not have".to_owned(),
        })
    }

    fn step(&mut self) -> Result<(), FlowError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(FlowError::RunawayProcess {
                order: self.order.id.clone(),
                limit: MAX_STEPS,
            });
        }
        Ok(())
    }

    // ----- routing -------------------------------------------------------------------------

    fn enter(&mut self, token: u32, node_id: &str) -> Result<(), FlowError> {
        self.step()?;
        let node = self.node(node_id)?;
        self.push(Change::TokenAt { token, node: node.id.clone() });
        match node.kind {
            NodeKind::Task => self.open_task(token, node),
            NodeKind::Decision => self.leave(token),
            NodeKind::Parallel => {
                self.push(Change::TokenGone { token });
                let join = node.join.clone().unwrap_or_default();
                let count = u32::try_from(node.branches.len()).unwrap_or(u32::MAX);
                self.push(Change::JoinArmed { join, count });
                for branch in &node.branches {
                    let t = self.new_id();
                    self.enter(t, branch)?;
                }
                Ok(())
            }
            NodeKind::Join => {
                self.push(Change::JoinArrived { join: node.id.clone() });
                if self.order.joins.contains_key(&node.id) {
                    self.push(Change::TokenGone { token });
                    Ok(())
                } else {
                    self.leave(token)
                }
            }
            NodeKind::Timer => {
                let span = node.after.unwrap_or(crate::BusinessSpan::Minutes(0));
                let due = self.clock(None)?.add_span(self.now, span)?;
                let id = self.new_id();
                self.push(Change::TimerSet(Timer { id, due, kind: TimerKind::Node { token } }));
                Ok(())
            }
            NodeKind::Subprocess => {
                let process = node.process.clone().unwrap_or_default();
                self.push(Change::ChildRequested { token, process });
                Ok(())
            }
            NodeKind::End => {
                self.push(Change::TokenGone { token });
                if self.order.tokens.is_empty() && !self.order.is_finished() {
                    self.push(Change::Finished);
                }
                Ok(())
            }
        }
    }

    fn leave(&mut self, token: u32) -> Result<(), FlowError> {
        let node_id = match self.order.tokens.get(&token) {
            Some(t) => t.node.clone(),
            None => return Err(self.reject(format!("no branch {token}"))),
        };
        let node = self.node(&node_id)?;
        let (to, reopen) = match &node.next {
            None => {
                self.push(Change::TokenGone { token });
                if self.order.tokens.is_empty() && !self.order.is_finished() {
                    self.push(Change::Finished);
                }
                return Ok(());
            }
            Some(Next::To(to)) => (to.clone(), false),
            Some(Next::Edges(edges)) => {
                let mut chosen = None;
                for edge in edges {
                    let holds = match &edge.when {
                        None => true,
                        Some(text) => Condition::parse(text)?.eval(&self.order.vars),
                    };
                    if holds {
                        chosen = Some((edge.to.clone(), edge.reopen));
                        break;
                    }
                }
                chosen.ok_or_else(|| {
                    self.reject(format!("no edge out of `{node_id}` matches the variables"))
                })?
            }
        };
        if reopen {
            self.push(Change::Reopened);
        }
        self.enter(token, &to)
    }

    fn resolve(&self, assign: &Assign) -> Result<Vec<Assignee>, FlowError> {
        let parse = |s: &str| s.parse::<Assignee>().map_err(|e| self.reject(e));
        let from_value = |v: &Value| -> Result<Vec<Assignee>, FlowError> {
            match v {
                Value::String(s) => Ok(vec![parse(s)?]),
                Value::Array(list) => list
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .ok_or_else(|| self.reject("assignee list holds a non-string"))
                            .and_then(parse)
                    })
                    .collect(),
                _ => Ok(Vec::new()),
            }
        };
        let out = match assign {
            Assign::Role(r) => vec![Assignee::Role(r.clone())],
            Assign::Department(d) => vec![Assignee::Department(d.clone())],
            Assign::Person(p) => vec![Assignee::Person(p.clone())],
            Assign::Each(list) => list.iter().map(|s| parse(s)).collect::<Result<_, _>>()?,
            Assign::Var(name) => match self.order.vars.get(name) {
                Some(v) => from_value(v)?,
                None => Vec::new(),
            },
            Assign::Rule(rule) => {
                let key = match self.order.vars.get(&rule.var) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                };
                let target = key.and_then(|k| rule.map.get(&k).cloned()).or(rule.otherwise.clone());
                match target {
                    Some(t) => vec![parse(&t)?],
                    None => Vec::new(),
                }
            }
        };
        if out.is_empty() {
            return Err(self.reject(format!("the task's assignment {assign:?} names no one")));
        }
        Ok(out)
    }

    fn open_task(&mut self, token: u32, node: &'a Node) -> Result<(), FlowError> {
        let assignees = match &node.assign {
            Some(a) => self.resolve(a)?,
            None => return Err(self.reject(format!("task `{}` has no assignment", node.id))),
        };
        let span = self.def.deadline_span(node, &self.order.vars);
        let is_handle = node.phase == Some(Phase::Handle);
        let mut shared_deadline = None;
        if is_handle {
            if let Some(d) = self.order.deadline {
                shared_deadline = Some(d);
            } else if let Some(span) = span {
                let d = self.clock(assignees.first())?.add_span(self.now, span)?;
                self.push(Change::OrderDeadline { deadline: Some(d) });
                shared_deadline = Some(d);
            }
            if let Some(dept) = assignees.first().and_then(Assignee::department)
                && self.order.department.as_deref() != Some(dept)
            {
                self.push(Change::Department { department: dept.to_owned() });
            }
        }
        for (i, assignee) in assignees.into_iter().enumerate() {
            let deadline = match (shared_deadline, span) {
                (Some(d), _) => Some(d),
                (None, Some(span)) => Some(self.clock(Some(&assignee))?.add_span(self.now, span)?),
                (None, None) => None,
            };
            self.open_item(token, node, assignee, node.lead && i == 0, deadline)?;
        }
        Ok(())
    }

    fn open_item(
        &mut self,
        token: u32,
        node: &Node,
        assignee: Assignee,
        lead: bool,
        deadline: Option<Timestamp>,
    ) -> Result<u32, FlowError> {
        let id = self.new_id();
        self.push(Change::ItemOpened(WorkItem {
            id,
            node: node.id.clone(),
            phase: node.phase,
            token,
            assignee: assignee.clone(),
            lead,
            status: ItemStatus::Open,
            opened_at: self.now,
            deadline,
            closed_at: None,
            outcome: None,
            warned: Vec::new(),
            overdue: false,
            reminders: 0,
        }));
        self.push(Change::Notified(Notification {
            to: assignee,
            kind: "assigned".to_owned(),
            message: format!("new work: {} ({})", node.title_or_id(), self.order.id),
        }));
        if self.order.paused_since.is_none() {
            self.arm(id)?;
        }
        Ok(id)
    }

    /// Sets the warning and escalation timers of an open item (cancelling its old ones).
    fn arm(&mut self, item_id: u32) -> Result<(), FlowError> {
        self.disarm(item_id);
        let Some(item) = self.order.items.get(&item_id).cloned() else { return Ok(()) };
        let Some(deadline) = item.deadline else { return Ok(()) };
        let clock = self.clock(Some(&item.assignee))?;
        let total = clock.elapsed(item.opened_at, deadline);
        for (index, &fraction) in self.def.escalation.warn_at.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            if item.warned.contains(&index) {
                continue;
            }
            let due = clock.add(item.opened_at, total.mul_f64(fraction))?;
            let id = self.new_id();
            self.push(Change::TimerSet(Timer {
                id,
                due,
                kind: TimerKind::Warning { item: item_id, index, fraction: F64(fraction) },
            }));
        }
        if !item.overdue {
            let id = self.new_id();
            self.push(Change::TimerSet(Timer {
                id,
                due: deadline,
                kind: TimerKind::Escalation { item: item_id },
            }));
        } else if item.reminders < self.def.escalation.max_reminders
            && let Some(every) = self.def.escalation.remind_every
        {
            let due = clock.add_span(self.now.max(deadline), every)?;
            let id = self.new_id();
            self.push(Change::TimerSet(Timer {
                id,
                due,
                kind: TimerKind::Reminder { item: item_id, n: item.reminders + 1 },
            }));
        }
        Ok(())
    }

    fn disarm(&mut self, item_id: u32) {
        let ids: Vec<u32> = self
            .order
            .timers
            .values()
            .filter(|t| match t.kind {
                TimerKind::Warning { item, .. }
                | TimerKind::Escalation { item }
                | TimerKind::Reminder { item, .. } => item == item_id,
                TimerKind::Node { .. } => false,
            })
            .map(|t| t.id)
            .collect();
        for timer in ids {
            self.push(Change::TimerDone { timer, fired: false });
        }
    }

    fn cancel_item(&mut self, item: u32) {
        self.disarm(item);
        self.push(Change::ItemCancelled { item });
    }

    /// Marks an item done and, when its task's completion rule holds, moves its token on.
    fn complete_item(&mut self, item_id: u32, outcome: Option<String>) -> Result<(), FlowError> {
        self.disarm(item_id);
        self.push(Change::ItemDone { item: item_id, outcome });
        self.check_task(item_id)
    }

    fn check_task(&mut self, item_id: u32) -> Result<(), FlowError> {
        let Some(item) = self.order.items.get(&item_id).cloned() else { return Ok(()) };
        let node = self.node(&item.node)?;
        let siblings: Vec<WorkItem> = self
            .order
            .items
            .values()
            .filter(|i| {
                i.token == item.token
                    && i.node == item.node
                    && i.opened_at >= self.task_start(&item)
            })
            .filter(|i| i.status != ItemStatus::Cancelled)
            .cloned()
            .collect();
        let total = siblings.len();
        let done = siblings.iter().filter(|i| i.status == ItemStatus::Done).count();
        let rule = node.complete.unwrap_or(Completion::All);
        let lead_done = siblings.iter().filter(|i| i.lead).all(|i| i.status == ItemStatus::Done);
        if total == 0 || done < rule.required(total) || !lead_done {
            return Ok(());
        }
        if self.order.tokens.get(&item.token).is_none_or(|t| t.node != item.node) {
            return Ok(());
        }
        for open in siblings.iter().filter(|i| i.status == ItemStatus::Open) {
            self.cancel_item(open.id);
        }
        if node.phase == Some(Phase::Handle) {
            let department = self.order.department.clone();
            self.push(Change::Handled { department });
        }
        self.leave(item.token)
    }

    /// When the current visit of a token to a node began: items from earlier visits (before a
    /// return or reopen) do not count towards this visit's completion.
    fn task_start(&self, item: &WorkItem) -> Timestamp {
        self.order
            .items
            .values()
            .filter(|i| {
                i.token == item.token && i.node == item.node && i.status == ItemStatus::Open
            })
            .map(|i| i.opened_at)
            .min()
            .unwrap_or(item.opened_at)
            .min(item.opened_at)
    }

    // ----- commands ------------------------------------------------------------------------

    fn pick(&self, act: &Act, phase: Option<Phase>) -> Result<u32, FlowError> {
        let candidates: Vec<&WorkItem> =
            self.order.open_items().filter(|i| phase.is_none() || i.phase == phase).collect();
        let what = phase.map_or("task", Phase::as_str);
        if candidates.is_empty() {
            return Err(self.reject(format!("no open {what} item")));
        }
        if let Some(id) = act.item {
            return candidates
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.id)
                .ok_or_else(|| self.reject(format!("item {id} is not an open {what} item")));
        }
        if let Some(on) = &act.on {
            let who: Assignee = on.parse().map_err(|e: String| self.reject(e))?;
            return candidates
                .iter()
                .find(|i| i.assignee == who)
                .map(|i| i.id)
                .ok_or_else(|| self.reject(format!("{who} has no open {what} item")));
        }
        if candidates.len() == 1 {
            return Ok(candidates[0].id);
        }
        let leads: Vec<_> = candidates.iter().filter(|i| i.lead).collect();
        if leads.len() == 1 {
            return Ok(leads[0].id);
        }
        Err(self.reject(format!(
            "{} open {what} items; name one with `on` or `item`",
            candidates.len()
        )))
    }

    /// Records which department made a transfer or return (the assignee of its item).
    fn acted_by(&mut self, assignee: Option<&Assignee>) {
        if let Some(department) = assignee.and_then(Assignee::department) {
            self.push(Change::ActedBy { department: department.to_owned() });
        }
    }

    fn notify(&mut self, to: Assignee, kind: &str, message: String) {
        self.push(Change::Notified(Notification { to, kind: kind.to_owned(), message }));
    }

    fn notify_escalation(&mut self, kind: &str, message: &str) -> Result<(), FlowError> {
        if let Some(assign) = self.def.escalation.escalate_to.clone() {
            for to in self.resolve(&assign)? {
                self.notify(to, kind, message.to_owned());
            }
        }
        Ok(())
    }

    fn require_reason(&self, act: &Act) -> Result<(), FlowError> {
        match reason_of(act) {
            Some(_) => Ok(()),
            None => Err(self.reject("a reason is required")),
        }
    }

    fn not_paused(&self) -> Result<(), FlowError> {
        if self.order.paused_since.is_some() {
            return Err(self.reject("the order is paused, waiting on the caller; resume it first"));
        }
        Ok(())
    }

    fn set_var(&mut self, name: &str, value: Value) {
        let mut vars = Vars::new();
        vars.insert(name.to_owned(), value);
        self.push(Change::VarsSet { vars });
    }

    fn run(&mut self, act: &Act) -> Result<(), FlowError> {
        if self.order.version == 0 {
            return Err(FlowError::UnknownOrder(self.order.id.clone()));
        }
        let command = &act.command;
        let system = matches!(
            command,
            Command::Tick
                | Command::ChildStarted { .. }
                | Command::ChildFinished { .. }
                | Command::ParentNotified
        );
        if self.order.is_finished() && !matches!(command, Command::Reopen) && !system {
            return Err(self.reject("the order is finished"));
        }
        if !matches!(command, Command::Tick) {
            self.push(Change::Command(command.clone()));
        }
        match command {
            Command::Accept { vars } => {
                let item = self.pick(act, Some(Phase::Accept))?;
                if !vars.is_empty() {
                    self.push(Change::VarsSet { vars: vars.clone() });
                }
                self.complete_item(item, None)
            }
            Command::Dispatch { to } => {
                let to = to.trim();
                if to.is_empty() {
                    return Err(self.reject("dispatch needs a department"));
                }
                let item = self.pick(act, Some(Phase::Dispatch))?;
                self.set_var("department", Value::String(to.to_owned()));
                self.complete_item(item, Some(to.to_owned()))
            }
            Command::Transfer { to } => {
                self.not_paused()?;
                let to = to.trim().to_owned();
                let item = self.pick(act, Some(Phase::Handle))?;
                let current = self.order.items.get(&item).map(|i| i.assignee.clone());
                self.acted_by(current.as_ref());
                let target = Assignee::Department(to.clone());
                if to.is_empty() || current.as_ref() == Some(&target) {
                    return Err(self.reject("transfer needs a different department"));
                }
                self.push(Change::ItemReassigned { item, to: target.clone() });
                if self.order.items.get(&item).is_some_and(|i| {
                    i.lead
                        || self.order.department.as_deref()
                            == current.as_ref().and_then(Assignee::department)
                }) {
                    self.push(Change::Department { department: to.clone() });
                    self.set_var("department", Value::String(to.clone()));
                }
                self.arm(item)?;
                let reason = reason_of(act).unwrap_or("").to_owned();
                self.notify(
                    target,
                    "transfer",
                    format!("{} transferred to you: {reason}", self.order.id),
                );
                Ok(())
            }
            Command::Return => {
                self.require_reason(act)?;
                self.not_paused()?;
                let item = self.pick(act, Some(Phase::Handle))?;
                let by = self.order.items.get(&item).map(|i| i.assignee.clone());
                self.acted_by(by.as_ref());
                let token = self.order.items.get(&item).map_or(0, |i| i.token);
                let node = self.order.items.get(&item).map(|i| i.node.clone()).unwrap_or_default();
                let open: Vec<u32> = self
                    .order
                    .open_items()
                    .filter(|i| i.token == token && i.node == node)
                    .map(|i| i.id)
                    .collect();
                for id in open {
                    self.cancel_item(id);
                }
                let dispatch = self
                    .def
                    .phase_node(Phase::Dispatch)
                    .ok_or_else(|| self.reject("the process has no dispatch step to return to"))?;
                self.enter(token, &dispatch.id)
            }
            Command::Reply { text } => {
                self.not_paused()?;
                if text.trim().is_empty() {
                    return Err(self.reject("a reply needs text"));
                }
                let item = self.pick(act, Some(Phase::Handle))?;
                if self
                    .order
                    .items
                    .get(&item)
                    .is_some_and(|i| i.lead || !self.is_joint(i.token, &i.node))
                {
                    self.set_var("reply", Value::String(text.clone()));
                }
                self.complete_item(item, Some(text.clone()))
            }
            Command::Urge { note } | Command::Supervise { note } => {
                let kind = command.name();
                let open: Vec<Assignee> =
                    self.order.open_items().map(|i| i.assignee.clone()).collect();
                if open.is_empty() {
                    return Err(self.reject("nothing is open to urge or supervise"));
                }
                let message = format!("{kind}: {} {}", self.order.id, note.trim());
                for to in open {
                    self.notify(to, kind, message.clone());
                }
                if kind == "supervise" {
                    self.notify_escalation(kind, &message)?;
                }
                Ok(())
            }
            Command::RequestExtension { days } => {
                self.require_reason(act)?;
                if *days == 0 {
                    return Err(self.reject("an extension needs at least one working day"));
                }
                if *days > MAX_EXTENSION_DAYS {
                    return Err(self.reject(format!(
                        "an extension of {days} working days is more than the {MAX_EXTENSION_DAYS} \
                         allowed"
                    )));
                }
                self.pick(act, Some(Phase::Handle))?;
                if self.order.deadline.is_none() {
                    return Err(self.reject("the order has no deadline to extend"));
                }
                if self.order.requests.values().any(|r| {
                    r.status == RequestStatus::Pending
                        && matches!(r.kind, RequestKind::Extension { .. })
                }) {
                    return Err(self.reject("an extension request is already pending"));
                }
                self.open_request(act, RequestKind::Extension { days: *days })
            }
            Command::RequestJoint { departments } => {
                let departments: Vec<String> = departments
                    .iter()
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty())
                    .collect();
                if departments.is_empty() {
                    return Err(self.reject("joint handling needs assisting departments"));
                }
                self.pick(act, Some(Phase::Handle))?;
                self.open_request(act, RequestKind::Joint { departments })
            }
            Command::Approve { request } | Command::Reject { request } => {
                let approved = matches!(command, Command::Approve { .. });
                let Some(req) = self.order.requests.get(request).cloned() else {
                    return Err(self.reject(format!("no request {request}")));
                };
                if req.status != RequestStatus::Pending {
                    return Err(self.reject(format!("request {request} is already decided")));
                }
                if !approved {
                    self.require_reason(act)?;
                }
                self.push(Change::RequestDecided { request: *request, approved });
                if approved {
                    self.grant(&req)?;
                }
                Ok(())
            }
            Command::Close => {
                let item = self.pick(act, Some(Phase::Close))?;
                self.complete_item(item, None)
            }
            Command::FollowUp { satisfaction, comment } => {
                if !(1..=5).contains(satisfaction) {
                    return Err(self.reject("satisfaction is 1 to 5"));
                }
                let item = self.pick(act, Some(Phase::FollowUp))?;
                self.set_var("satisfaction", Value::from(*satisfaction));
                let outcome = (!comment.is_empty()).then(|| comment.clone());
                self.complete_item(item, outcome)
            }
            Command::Reopen => self.reopen(act),
            Command::Pause => {
                self.not_paused()?;
                if self.order.open_items().next().is_none() {
                    return Err(self.reject("nothing is open to pause"));
                }
                let open: Vec<u32> = self.order.open_items().map(|i| i.id).collect();
                for id in open {
                    self.disarm(id);
                }
                self.push(Change::Paused);
                Ok(())
            }
            Command::Resume => self.resume(),
            Command::Complete { vars } => {
                self.not_paused()?;
                let item = self.pick(act, None)?;
                if !vars.is_empty() {
                    self.push(Change::VarsSet { vars: vars.clone() });
                }
                self.complete_item(item, None)
            }
            Command::AddSigner { to } => {
                let who: Assignee = to.parse().map_err(|e: String| self.reject(e))?;
                let item = self.pick(act, None)?;
                let base =
                    self.order.items.get(&item).cloned().ok_or_else(|| self.reject("no item"))?;
                if self
                    .order
                    .open_items()
                    .any(|i| i.token == base.token && i.node == base.node && i.assignee == who)
                {
                    return Err(self.reject(format!("{who} already signs this task")));
                }
                let node = self.node(&base.node)?;
                self.open_item(base.token, node, who, false, base.deadline)?;
                Ok(())
            }
            Command::RemoveSigner { to } => {
                let who: Assignee = to.parse().map_err(|e: String| self.reject(e))?;
                let target = self
                    .order
                    .open_items()
                    .find(|i| i.assignee == who)
                    .cloned()
                    .ok_or_else(|| self.reject(format!("{who} has no open item")))?;
                if target.lead {
                    return Err(self.reject("the lead cannot be removed"));
                }
                let others = self
                    .order
                    .open_items()
                    .filter(|i| {
                        i.token == target.token && i.node == target.node && i.id != target.id
                    })
                    .count();
                let done_before = self.order.items.values().any(|i| {
                    i.token == target.token && i.node == target.node && i.status == ItemStatus::Done
                });
                if others == 0 && !done_before {
                    return Err(self.reject("cannot remove the last signer"));
                }
                self.cancel_item(target.id);
                // Removing a signer can satisfy the completion rule (e.g. "all" of the rest).
                let any = self
                    .order
                    .items
                    .values()
                    .find(|i| {
                        i.token == target.token
                            && i.node == target.node
                            && i.status != ItemStatus::Cancelled
                    })
                    .map(|i| i.id);
                match any {
                    Some(id) => self.check_task(id),
                    None => Ok(()),
                }
            }
            Command::SetVars { vars } => {
                self.push(Change::VarsSet { vars: vars.clone() });
                Ok(())
            }
            Command::Tick => self.tick(),
            Command::ChildStarted { token, child } => {
                if self.order.tokens.get(token).is_none_or(|t| t.child_requested.is_none()) {
                    return Err(
                        self.reject(format!("branch {token} is not waiting to start a child"))
                    );
                }
                self.push(Change::ChildStarted { token: *token, child: child.clone() });
                Ok(())
            }
            Command::ChildFinished { token, vars } => {
                let Some(t) = self.order.tokens.get(token).cloned() else {
                    return Err(self.reject(format!("no branch {token}")));
                };
                if t.child.is_none() {
                    return Err(self.reject(format!("branch {token} is not waiting on a child")));
                }
                let mut result = Vars::new();
                let object: serde_json::Map<String, Value> = vars.clone().into_iter().collect();
                result.insert(t.node.clone(), Value::Object(object));
                self.push(Change::VarsSet { vars: result });
                self.push(Change::ChildFinished { token: *token });
                self.leave(*token)
            }
            Command::ParentNotified => {
                if self.order.parent.is_none() || self.order.parent_notified {
                    return Err(self.reject("no parent to notify"));
                }
                self.push(Change::ParentNotified);
                Ok(())
            }
        }
    }

    fn is_joint(&self, token: u32, node: &str) -> bool {
        self.order.open_items().filter(|i| i.token == token && i.node == node).count() > 1
    }

    fn open_request(&mut self, act: &Act, kind: RequestKind) -> Result<(), FlowError> {
        let id = self.new_id();
        self.push(Change::RequestOpened(Request {
            id,
            kind,
            by: act.actor.clone(),
            at: self.now,
            reason: act.reason.clone(),
            status: RequestStatus::Pending,
        }));
        Ok(())
    }

    fn grant(&mut self, req: &Request) -> Result<(), FlowError> {
        let handle: Vec<WorkItem> =
            self.order.open_items().filter(|i| i.phase == Some(Phase::Handle)).cloned().collect();
        match &req.kind {
            RequestKind::Extension { days } => {
                let Some(old) = self.order.deadline else {
                    return Err(self.reject("the order has no deadline to extend"));
                };
                if *days > MAX_EXTENSION_DAYS {
                    return Err(self.reject(format!(
                        "the request asks for {days} working days, more than the \
                         {MAX_EXTENSION_DAYS} allowed"
                    )));
                }
                let department = self.order.department.clone().map(Assignee::Department);
                let new = self.clock(department.as_ref())?.add_working_days(old, *days)?;
                self.push(Change::OrderDeadline { deadline: Some(new) });
                for item in handle {
                    self.push(Change::ItemDeadline { item: item.id, deadline: Some(new) });
                    if self.order.paused_since.is_none() {
                        self.arm(item.id)?;
                    }
                }
                Ok(())
            }
            RequestKind::Joint { departments } => {
                let Some(lead) = handle.iter().find(|i| i.lead).or(handle.first()).cloned() else {
                    return Err(self.reject("no open handling item to join"));
                };
                if !lead.lead {
                    self.push(Change::ItemLead { item: lead.id });
                }
                let node = self.node(&lead.node)?;
                for d in departments {
                    let who = Assignee::Department(d.clone());
                    if handle.iter().any(|i| i.assignee == who) {
                        continue;
                    }
                    self.open_item(lead.token, node, who, false, lead.deadline)?;
                }
                Ok(())
            }
        }
    }

    fn reopen(&mut self, act: &Act) -> Result<(), FlowError> {
        self.require_reason(act)?;
        let handled = self.order.handled_at.is_some() || self.order.is_finished();
        let in_handling = self.order.open_items().any(|i| i.phase == Some(Phase::Handle));
        if !handled || in_handling {
            return Err(self.reject("only an order whose handling has finished can be reopened"));
        }
        let handle = self
            .def
            .phase_node(Phase::Handle)
            .ok_or_else(|| self.reject("the process has no handling step"))?;
        let open: Vec<u32> = self.order.open_items().map(|i| i.id).collect();
        for id in open {
            self.cancel_item(id);
        }
        let tokens: Vec<u32> = self.order.tokens.keys().copied().collect();
        for token in tokens {
            self.push(Change::TokenGone { token });
        }
        let node_timers: Vec<u32> = self.order.timers.keys().copied().collect();
        for timer in node_timers {
            self.push(Change::TimerDone { timer, fired: false });
        }
        self.push(Change::Reopened);
        let token = self.new_id();
        self.enter(token, &handle.id)
    }

    fn resume(&mut self) -> Result<(), FlowError> {
        let Some(since) = self.order.paused_since else {
            return Err(self.reject("the order is not paused"));
        };
        self.push(Change::Resumed);
        let department = self.order.department.clone().map(Assignee::Department);
        if let Some(old) = self.order.deadline {
            let clock = self.clock(department.as_ref())?;
            let paused = clock.elapsed(since, self.now);
            let new = clock.add(old, paused)?;
            self.push(Change::OrderDeadline { deadline: Some(new) });
        }
        let open: Vec<WorkItem> = self.order.open_items().cloned().collect();
        for item in open {
            if let Some(old) = item.deadline {
                let clock = self.clock(Some(&item.assignee))?;
                let paused: Duration = clock.elapsed(since, self.now);
                let new = if item.phase == Some(Phase::Handle) && self.order.deadline.is_some() {
                    self.order.deadline.unwrap_or(old)
                } else {
                    clock.add(old, paused)?
                };
                self.push(Change::ItemDeadline { item: item.id, deadline: Some(new) });
            }
            self.arm(item.id)?;
        }
        Ok(())
    }

    fn tick(&mut self) -> Result<(), FlowError> {
        loop {
            self.step()?;
            let due = self
                .order
                .timers
                .values()
                .filter(|t| t.due <= self.now)
                .min_by_key(|t| (t.due, t.id))
                .cloned();
            let Some(timer) = due else { return Ok(()) };
            self.push(Change::TimerDone { timer: timer.id, fired: true });
            match timer.kind {
                TimerKind::Node { token } => {
                    if self.order.tokens.contains_key(&token) {
                        self.leave(token)?;
                    }
                }
                TimerKind::Warning { item, index, fraction } => {
                    let Some(it) = self.open_item_ref(item) else { continue };
                    let to = it.assignee.clone();
                    let due = it.deadline.map(|d| d.to_string()).unwrap_or_default();
                    self.push(Change::ItemWarned { item, index });
                    let pct = (fraction.0 * 100.0).round();
                    self.notify(
                        to,
                        "warning",
                        format!("{}: {pct}% of the time used, due {due}", self.order.id),
                    );
                }
                TimerKind::Escalation { item } => {
                    let Some(it) = self.open_item_ref(item) else { continue };
                    let to = it.assignee.clone();
                    self.push(Change::ItemOverdue { item });
                    let message = format!("{}: overdue since {}", self.order.id, timer.due);
                    self.notify(to, "overdue", message.clone());
                    self.notify_escalation("overdue", &message)?;
                    self.next_reminder(item, 1, timer.due)?;
                }
                TimerKind::Reminder { item, n } => {
                    let Some(it) = self.open_item_ref(item) else { continue };
                    let to = it.assignee.clone();
                    self.push(Change::ItemReminded { item });
                    self.notify(
                        to,
                        "reminder",
                        format!("{}: still overdue (reminder {n})", self.order.id),
                    );
                    self.next_reminder(item, n + 1, timer.due)?;
                }
            }
        }
    }

    fn open_item_ref(&self, item: u32) -> Option<&WorkItem> {
        self.order.items.get(&item).filter(|i| i.status == ItemStatus::Open)
    }

    fn next_reminder(&mut self, item: u32, n: u32, from: Timestamp) -> Result<(), FlowError> {
        let esc = &self.def.escalation;
        let (Some(every), true) = (esc.remind_every, n <= esc.max_reminders) else {
            return Ok(());
        };
        let assignee = self.order.items.get(&item).map(|i| i.assignee.clone());
        let due = self.clock(assignee.as_ref())?.add_span(from, every)?;
        let id = self.new_id();
        self.push(Change::TimerSet(Timer { id, due, kind: TimerKind::Reminder { item, n } }));
        Ok(())
    }
}

impl Node {
    /// The title, or the id when there is none.
    pub fn title_or_id(&self) -> &str {
        if self.title.is_empty() { &self.id } else { &self.title }
    }
}
