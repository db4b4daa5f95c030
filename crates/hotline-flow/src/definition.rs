//! Process definitions: the versioned description of how a work order moves.
//!
//! A definition is TOML (see `definitions/hotline-12345.toml` for a complete one):
//!
//! ```toml
//! name = "complaint"
//! version = 1
//! start = "dispatch"
//!
//! [calendars]
//! default = "24x7"                     # the clock deadlines run on
//! departments = { Water = "24x7" }     # per-department clocks
//!
//! [categories]                          # deadline = "category" looks the order's category up here
//! consultation = { working_days = 3 }
//! complaint = { working_days = 13 }
//!
//! [escalation]
//! warn_at = [0.5, 0.8]                 # warnings at these fractions of each deadline
//! escalate_to = { role = "supervisor" } # who hears when a deadline passes
//! remind_every = { hours = 4 }         # then reminders, at most max_reminders
//! max_reminders = 3
//!
//! [[node]]
//! id = "dispatch"
//! phase = "dispatch"
//! assign = { role = "dispatcher" }
//! next = "handle"
//!
//! [[node]]
//! id = "handle"
//! phase = "handle"
//! assign = { var = "department" }      # the department chosen at dispatch
//! deadline = "category"
//! next = [{ when = "approved == false", to = "dispatch" }, { to = "done" }]
//!
//! [[node]]
//! id = "done"
//! kind = "end"
//! ```
//!
//! Node kinds: `task` (the default: work items for people, roles or departments; several
//! assignees make it multi-instance, completing on `complete = "all" | "any" | { n = 2 } |
//! { ratio = 0.5 }`, optionally with a `lead` who must finish), `decision` (routes at once),
//! `parallel` (starts `branches` that meet again at its `join` node), `join`, `timer` (waits
//! `after` a business-time span), `subprocess` (runs `process` as a child order and continues when
//! it ends) and `end`. `next` is one node id or a list of edges whose `when` conditions (see
//! [`crate::Condition`]) are tried in order.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::clock::BusinessSpan;
use crate::condition::{Condition, Vars};
use crate::{FlowError, Position};

/// A versioned process definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The process name; instances are started by name.
    pub name: String,
    /// The version; each instance is pinned to the version it started with.
    pub version: u32,
    /// What the process is for.
    #[serde(default)]
    pub description: String,
    /// The first node.
    pub start: String,
    /// Which calendars deadlines run on.
    #[serde(default)]
    pub calendars: CalendarChoice,
    /// Deadlines by order category (the `category` variable), for nodes with
    /// `deadline = "category"`.
    #[serde(default)]
    pub categories: BTreeMap<String, BusinessSpan>,
    /// The deadline for a category that is missing from `categories`.
    #[serde(default)]
    pub default_deadline: Option<BusinessSpan>,
    /// Warnings, escalation and reminders.
    #[serde(default)]
    pub escalation: Escalation,
    /// Follow-up scores at or above this count as satisfied (default 4 on the 1–5 scale).
    #[serde(default = "default_satisfied_at")]
    pub satisfied_at: u8,
    /// The nodes.
    #[serde(rename = "node", default)]
    pub nodes: Vec<Node>,
}

fn default_satisfied_at() -> u8 {
    4
}

/// Which calendar the deadlines of each department run on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarChoice {
    /// The calendar for everyone not listed (a name registered in [`crate::Calendars`]); empty
    /// means the engine's default.
    #[serde(default)]
    pub default: String,
    /// Department name → calendar name.
    #[serde(default)]
    pub departments: BTreeMap<String, String>,
    /// Calendars defined in the definition itself, by name (registered when it is deployed or
    /// loaded).
    #[serde(default)]
    pub custom: BTreeMap<String, CustomCalendar>,
}

/// A calendar written inside a definition, in hotline-calendar's TOML format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCalendar {
    /// A bundled calendar (`china`, `us`, `eu-berlin`) this one is layered on.
    #[serde(default)]
    pub extends: Option<String>,
    /// The calendar (or layer) as TOML.
    pub toml: String,
}

/// Warnings before a deadline, escalation after it, and repeated reminders.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Fractions of each deadline (0–1, exclusive) at which the assignee is warned.
    #[serde(default)]
    pub warn_at: Vec<f64>,
    /// Who is told when a deadline passes (besides the assignee).
    #[serde(default)]
    pub escalate_to: Option<Assign>,
    /// The interval between reminders after a deadline passed.
    #[serde(default)]
    pub remind_every: Option<BusinessSpan>,
    /// The most reminders sent for one deadline.
    #[serde(default)]
    pub max_reminders: u32,
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Work for people, roles or departments.
    #[default]
    Task,
    /// Routes at once by its `next` edges.
    Decision,
    /// Starts its `branches` in parallel; they meet at its `join`.
    Parallel,
    /// Waits for every branch of the parallel node that names it.
    Join,
    /// Waits a business-time span (`after`).
    Timer,
    /// Runs another process (`process`) as a child order.
    Subprocess,
    /// Ends the branch; the order finishes when no branch is left.
    End,
}

/// The hotline phase a task node stands for; it says which hotline commands act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 受理: an agent accepts the call as a work order (`accept`).
    Accept,
    /// 派单: a dispatcher sends it to a department (`dispatch`).
    Dispatch,
    /// 办理: a department handles it (`reply`, `transfer`, `return`, extension and joint
    /// requests, pause and resume).
    Handle,
    /// 审核/办结: the answer is checked and the order closed (`close`).
    Close,
    /// 回访: the caller is called back and rates the answer (`follow_up`).
    FollowUp,
}

impl Phase {
    /// The phase's name as written in definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Accept => "accept",
            Phase::Dispatch => "dispatch",
            Phase::Handle => "handle",
            Phase::Close => "close",
            Phase::FollowUp => "follow_up",
        }
    }
}

/// Who a task is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Assign {
    /// Everyone holding a role.
    Role(String),
    /// A department.
    Department(String),
    /// One person.
    Person(String),
    /// Several fixed assignees (`["dept:Water", "role:legal"]`): a multi-instance task.
    Each(Vec<String>),
    /// The assignee(s) named by a variable (a string such as `"Water"` — a department — or
    /// `"person:alice"`, or a list of them for a multi-instance task).
    Var(String),
    /// A rule: look a variable's value up in a table (`{ rule = { var = "district", map = {
    /// east = "East Office" }, otherwise = "City Office" } }`).
    Rule(Rule),
}

/// A lookup rule for assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The variable whose value is looked up.
    pub var: String,
    /// Value → assignee.
    pub map: BTreeMap<String, String>,
    /// The assignee when the value is missing from the table.
    #[serde(default)]
    pub otherwise: Option<String>,
}

/// When a multi-instance task is complete.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// Every item done (会签: countersign).
    All,
    /// The first item done (或签).
    Any,
    /// N items done.
    N(u32),
    /// At least this fraction of the items done (rounded up).
    Ratio(f64),
}

impl Completion {
    /// How many of `total` items must be done.
    pub fn required(self, total: usize) -> usize {
        match self {
            Completion::All => total,
            Completion::Any => total.min(1),
            Completion::N(n) => (n as usize).min(total),
            Completion::Ratio(r) => {
                let needed = (r.clamp(0.0, 1.0) * total as f64).ceil();
                // `needed` is in 0..=total, so the conversion is exact.
                (needed as usize).min(total)
            }
        }
    }
}

/// The deadline of a task node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deadline {
    /// `"category"`: the order's category deadline from `[categories]`.
    Named(String),
    /// A fixed business-time span.
    Span(BusinessSpan),
}

/// Where a node goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Next {
    /// Always this node.
    To(String),
    /// The first edge whose condition holds.
    Edges(Vec<Edge>),
}

/// A conditional edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// The condition; none means always.
    #[serde(default)]
    pub when: Option<String>,
    /// The target node.
    pub to: String,
    /// Taking this edge reopens the order (counted as a reopen, new deadline).
    #[serde(default)]
    pub reopen: bool,
}

/// One node of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The node's id, unique in the definition.
    pub id: String,
    /// What the node is.
    #[serde(default)]
    pub kind: NodeKind,
    /// The hotline phase of a task.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// A human title.
    #[serde(default)]
    pub title: String,
    /// Who a task is for.
    #[serde(default)]
    pub assign: Option<Assign>,
    /// When a multi-instance task completes (default: all).
    #[serde(default)]
    pub complete: Option<Completion>,
    /// In a multi-instance task, the first assignee is the lead and must finish (主办).
    #[serde(default)]
    pub lead: bool,
    /// A task's deadline.
    #[serde(default)]
    pub deadline: Option<Deadline>,
    /// Where to go next (not for `end`).
    #[serde(default)]
    pub next: Option<Next>,
    /// A parallel node's branches.
    #[serde(default)]
    pub branches: Vec<String>,
    /// A parallel node's join node.
    #[serde(default)]
    pub join: Option<String>,
    /// A timer's wait.
    #[serde(default)]
    pub after: Option<BusinessSpan>,
    /// A subprocess node's process name.
    #[serde(default)]
    pub process: Option<String>,
}

impl Definition {
    /// Parses and validates a TOML definition.
    ///
    /// Memory: the `toml` crate builds the whole document first, about fifty times the text at
    /// its peak; bound untrusted text first (the `hotline` command reads at most 1 MiB).
    ///
    /// # Errors
    ///
    /// [`FlowError::DefinitionSyntax`] with line and column for TOML or format errors;
    /// [`FlowError::DefinitionInvalid`] or [`FlowError::Condition`] for inconsistencies.
    pub fn from_toml(text: &str) -> Result<Definition, FlowError> {
        let def: Definition = toml::from_str(text).map_err(|e| FlowError::DefinitionSyntax {
            position: Position::of_offset(text, e.span().map_or(0, |s| s.start)),
            message: e.message().to_owned(),
        })?;
        def.validate()?;
        Ok(def)
    }

    /// The definition as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The node called `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The first task node of a phase.
    pub fn phase_node(&self, phase: Phase) -> Option<&Node> {
        self.nodes.iter().find(|n| n.kind == NodeKind::Task && n.phase == Some(phase))
    }

    fn invalid(&self, node: &str, message: impl Into<String>) -> FlowError {
        FlowError::DefinitionInvalid {
            definition: self.name.clone(),
            node: node.to_owned(),
            message: message.into(),
        }
    }

    /// Checks that the definition is consistent: ids unique, every reference resolves, every
    /// condition parses, each node has the fields its kind needs.
    ///
    /// # Errors
    ///
    /// The first problem found ([`Definition::problems`] lists every one).
    pub fn validate(&self) -> Result<(), FlowError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem [`Definition::validate`] checks for, not only the first, in the order of
    /// the definition: the name, node ids, `start`, escalation and survey settings, then each
    /// node. Each is a [`FlowError::DefinitionInvalid`] naming the node (or section), or a
    /// [`FlowError::Condition`] for an edge's condition that does not parse. Empty for a
    /// consistent definition.
    pub fn problems(&self) -> Vec<FlowError> {
        let mut found = Vec::new();
        if self.name.trim().is_empty() {
            found.push(self.invalid("name", "the name is empty"));
        }
        let mut ids = BTreeSet::new();
        for node in &self.nodes {
            if !ids.insert(node.id.as_str()) {
                found.push(self.invalid(&node.id, "duplicate node id"));
            }
        }
        if !ids.contains(self.start.as_str()) {
            found.push(self.invalid("start", format!("no node `{}`", self.start)));
        }
        for &f in &self.escalation.warn_at {
            if !(f > 0.0 && f < 1.0) {
                found.push(self.invalid("escalation", format!("warn_at {f} is not in (0, 1)")));
            }
        }
        if !(1..=5).contains(&self.satisfied_at) {
            found.push(self.invalid("satisfied_at", "must be 1 to 5"));
        }
        let known = |id: &str| ids.contains(id);
        for node in &self.nodes {
            let id = node.id.as_str();
            match &node.next {
                Some(Next::To(to)) if !known(to) => {
                    found.push(self.invalid(id, format!("next: no node `{to}`")));
                }
                Some(Next::Edges(edges)) => {
                    if edges.is_empty() {
                        found.push(self.invalid(id, "next has no edges"));
                    }
                    for edge in edges {
                        if !known(&edge.to) {
                            found.push(self.invalid(id, format!("next: no node `{}`", edge.to)));
                        }
                        if let Some(when) = &edge.when
                            && let Err(e) = Condition::parse(when)
                        {
                            found.push(e);
                        }
                    }
                }
                _ => {}
            }
            let needs_next = !matches!(node.kind, NodeKind::End | NodeKind::Parallel);
            if needs_next && node.next.is_none() {
                found.push(self.invalid(id, "needs `next`"));
            }
            if let Some(Deadline::Named(name)) = &node.deadline
                && name != "category"
            {
                found.push(self.invalid(id, "deadline must be \"category\" or a span"));
            }
            if let Some(Completion::Ratio(r)) = node.complete
                && !(r > 0.0 && r <= 1.0)
            {
                found.push(self.invalid(id, "complete ratio must be in (0, 1]"));
            }
            match node.kind {
                NodeKind::Task if node.assign.is_none() => {
                    found.push(self.invalid(id, "a task needs `assign`"));
                }
                NodeKind::Parallel => {
                    if node.branches.len() < 2 {
                        found.push(self.invalid(id, "a parallel node needs two or more branches"));
                    }
                    for b in &node.branches {
                        if !known(b) {
                            found.push(self.invalid(id, format!("branch: no node `{b}`")));
                        }
                    }
                    match &node.join {
                        Some(j) if self.node(j).is_some_and(|n| n.kind == NodeKind::Join) => {}
                        _ => found.push(self.invalid(id, "a parallel node needs a `join` node")),
                    }
                }
                NodeKind::Timer if node.after.is_none() => {
                    found.push(self.invalid(id, "a timer needs `after`"));
                }
                NodeKind::Subprocess if node.process.is_none() => {
                    found.push(self.invalid(id, "a subprocess needs `process`"));
                }
                _ => {}
            }
        }
        found
    }

    /// The deadline span of `node` for an order with these variables.
    pub fn deadline_span(&self, node: &Node, vars: &Vars) -> Option<BusinessSpan> {
        match node.deadline.as_ref()? {
            Deadline::Span(span) => Some(*span),
            Deadline::Named(_) => {
                let category = vars.get("category").and_then(|v| v.as_str());
                category.and_then(|c| self.categories.get(c).copied()).or(self.default_deadline)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
name = "mini"
version = 1
start = "a"
[[node]]
id = "a"
assign = { role = "agent" }
next = "b"
[[node]]
id = "b"
kind = "end"
"#;

    #[test]
    fn parses_and_round_trips() {
        let def = Definition::from_toml(MINI).unwrap();
        assert_eq!(def.nodes.len(), 2);
        let again = Definition::from_toml(&def.to_toml()).unwrap();
        assert_eq!(def, again);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let bad = MINI.replace("kind = \"end\"", "kind = \"nope\"");
        match Definition::from_toml(&bad) {
            Err(FlowError::DefinitionSyntax { position, .. }) => assert_eq!(position.line, 11),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inconsistencies_name_the_node() {
        let bad = MINI.replace("next = \"b\"", "next = \"zz\"");
        assert!(matches!(
            Definition::from_toml(&bad),
            Err(FlowError::DefinitionInvalid { node, .. }) if node == "a"
        ));
        let bad = MINI.replace("next = \"b\"", "next = [{ when = \"x ==\", to = \"b\" }]");
        assert!(matches!(Definition::from_toml(&bad), Err(FlowError::Condition { .. })));
    }

    #[test]
    fn every_problem_is_listed() {
        let bad = MINI
            .replace("start = \"a\"", "start = \"zz\"")
            .replace("next = \"b\"", "next = [{ when = \"x ==\", to = \"b\" }, { to = \"c\" }]")
            .replace("kind = \"end\"", "kind = \"timer\"\nnext = \"a\"");
        let def: Definition = toml::from_str(&bad).unwrap();
        let found: Vec<String> = def.problems().iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("node `start`: no node `zz`"), "{found:?}");
        assert!(found[1].starts_with("condition `x ==`"), "{found:?}");
        assert!(found[2].contains("node `a`: next: no node `c`"), "{found:?}");
        assert!(found[3].contains("node `b`: a timer needs `after`"), "{found:?}");
        // The first is the one `validate` and `from_toml` give.
        assert_eq!(Definition::from_toml(&bad).unwrap_err().to_string(), found[0]);
        assert!(Definition::from_toml(MINI).unwrap().problems().is_empty());
    }

    #[test]
    fn completion_rules() {
        assert_eq!(Completion::All.required(3), 3);
        assert_eq!(Completion::Any.required(3), 1);
        assert_eq!(Completion::N(2).required(3), 2);
        assert_eq!(Completion::N(5).required(3), 3);
        assert_eq!(Completion::Ratio(0.5).required(3), 2);
        assert_eq!(Completion::Ratio(0.5).required(4), 2);
        assert_eq!(Completion::Ratio(1.0).required(4), 4);
    }
}
