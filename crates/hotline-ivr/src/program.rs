//! The compiled form of a checked flow: names resolved to indices, prompts to their versions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ast::{CalendarDef, EdgeLabel, Flow, NodeKind, PromptSource};
use crate::diag::{self, Diagnostic};
use crate::expr::Value;

/// Why a flow could not be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The flow has error diagnostics; all diagnostics (warnings too) are attached.
    #[error("the flow has {} error(s); the first: {}", count_errors(.diagnostics), first_error(.diagnostics))]
    Invalid {
        /// Every diagnostic, sorted by position.
        diagnostics: Vec<Diagnostic>,
    },
}

fn count_errors(d: &[Diagnostic]) -> usize {
    d.iter().filter(|x| x.is_error()).count()
}

fn first_error(d: &[Diagnostic]) -> String {
    d.iter().find(|x| x.is_error()).map_or_else(String::new, ToString::to_string)
}

/// Where an edge leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// A node, by index.
    Node(usize),
    /// Back from a subflow to the calling `subflow` node's `next`.
    Return,
}

/// A compiled edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompiledEdge {
    /// When it is taken.
    pub label: EdgeLabel,
    /// Where it leads.
    pub target: Target,
}

/// A compiled node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompiledNode {
    /// The node's id.
    pub id: String,
    /// The source line it was defined on.
    pub line: u32,
    /// What it does (settings as written).
    pub kind: NodeKind,
    /// Prompts by first attempt: `(from_attempt, prompt index)`, in source order.
    pub prompts: Vec<(u32, usize)>,
    /// Whether key presses interrupt its prompts.
    pub barge_in: bool,
    /// Its edges, in source order.
    pub edges: Vec<CompiledEdge>,
    /// `invalid` prompt index.
    pub invalid: Option<usize>,
    /// `no-input` prompt index.
    pub no_input: Option<usize>,
    /// `confirm` prompt index (collect).
    pub confirm: Option<usize>,
    /// `music` prompt index (queue).
    pub music: Option<usize>,
    /// `into` variable (collect, survey, record, lookup).
    pub into: Option<String>,
    /// The `subflow` entry node.
    pub call: Option<usize>,
    /// The compiled validation pattern (collect), anchored at both ends.
    #[serde(skip)]
    pub pattern: Option<regex_lite::Regex>,
}

impl CompiledNode {
    /// The index of the first edge with `label`.
    pub fn edge(&self, label: &EdgeLabel) -> Option<usize> {
        self.edges.iter().position(|e| &e.label == label)
    }
}

/// A compiled prompt: its versions by language (`any` for every language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledPrompt {
    /// The prompt key.
    pub key: String,
    /// Versions by language tag.
    pub versions: BTreeMap<String, PromptSource>,
}

/// A checked, compiled flow, ready to run in a [`crate::Session`].
///
/// Only the compiler ([`compile`]) and deserialisation build one. Deserialising (for example a
/// program stored as JSON) checks everything the compiler guarantees and rebuilds what is not
/// stored: every node, prompt and subflow index is in range, the start node exists, every
/// `collect` pattern compiles, every calendar builds and every `schedule` node names one, and the
/// time zone exists; anything else is a [`ProgramError`] (through the deserialiser's error), so a
/// [`crate::Session`] never meets an index out of range or a missing calendar.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ProgramData")]
pub struct Program {
    pub(crate) title: Option<String>,
    pub(crate) languages: Vec<String>,
    pub(crate) timezone: String,
    pub(crate) start: usize,
    pub(crate) vars: BTreeMap<String, Value>,
    pub(crate) prompts: Vec<CompiledPrompt>,
    pub(crate) calendars: BTreeMap<String, CalendarDef>,
    pub(crate) nodes: Vec<CompiledNode>,
    #[serde(skip)]
    pub(crate) built_calendars: BTreeMap<String, hotline_calendar::Calendar>,
}

/// A [`Program`] as stored: what deserialisation reads before it checks it.
#[derive(Deserialize)]
struct ProgramData {
    title: Option<String>,
    languages: Vec<String>,
    timezone: String,
    start: usize,
    vars: BTreeMap<String, Value>,
    prompts: Vec<CompiledPrompt>,
    calendars: BTreeMap<String, CalendarDef>,
    nodes: Vec<CompiledNode>,
}

/// Why a stored program was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// The program has no nodes.
    #[error("the program has no nodes")]
    NoNodes,
    /// The start node does not exist.
    #[error("the start node is {start}, but the program has {len} nodes")]
    Start {
        /// The start index.
        start: usize,
        /// How many nodes there are.
        len: usize,
    },
    /// A node refers to a node that does not exist.
    #[error("node `{node}`: its {field} is node {index}, but the program has {len} nodes")]
    NodeIndex {
        /// The node's id.
        node: String,
        /// Which reference (`edge 2`, `subflow entry`).
        field: String,
        /// The index.
        index: usize,
        /// How many nodes there are.
        len: usize,
    },
    /// A node refers to a prompt that does not exist.
    #[error("node `{node}`: its {field} is prompt {index}, but the program has {len} prompts")]
    PromptIndex {
        /// The node's id.
        node: String,
        /// Which reference (`prompt`, `invalid`, `no-input`, `confirm`, `music`).
        field: &'static str,
        /// The index.
        index: usize,
        /// How many prompts there are.
        len: usize,
    },
    /// A `collect` node's pattern is not a valid regular expression.
    #[error("node `{node}`: pattern {pattern:?} is not valid: {source}")]
    Pattern {
        /// The node's id.
        node: String,
        /// The pattern.
        pattern: String,
        /// The regex engine's error.
        source: regex_lite::Error,
    },
    /// A calendar does not build.
    #[error("calendar `{name}` is not valid: {source}")]
    Calendar {
        /// The calendar's name.
        name: String,
        /// Why.
        source: crate::schedule::ScheduleError,
    },
    /// A calendar is stored under a name other than its own.
    #[error("calendar `{id}` is stored under the name `{name}`")]
    CalendarName {
        /// The name it is stored under.
        name: String,
        /// Its id.
        id: String,
    },
    /// A `schedule` node names a calendar the program does not have (or none).
    #[error("node `{node}`: calendar `{name}` is not defined")]
    UnknownCalendar {
        /// The node's id.
        node: String,
        /// The calendar's name (empty when the node names none).
        name: String,
    },
    /// The time zone is not in the time-zone database.
    #[error("time zone `{name}` is not known: {source}")]
    TimeZone {
        /// The name.
        name: String,
        /// jiff's error.
        source: jiff::Error,
    },
}

impl TryFrom<ProgramData> for Program {
    type Error = ProgramError;

    fn try_from(d: ProgramData) -> Result<Program, ProgramError> {
        let len = d.nodes.len();
        let plen = d.prompts.len();
        if len == 0 {
            return Err(ProgramError::NoNodes);
        }
        if d.start >= len {
            return Err(ProgramError::Start { start: d.start, len });
        }
        if let Err(source) = jiff::tz::TimeZone::get(&d.timezone) {
            return Err(ProgramError::TimeZone { name: d.timezone, source });
        }
        let mut built_calendars = BTreeMap::new();
        for (name, def) in &d.calendars {
            if def.id.value != *name {
                return Err(ProgramError::CalendarName {
                    name: name.clone(),
                    id: def.id.value.clone(),
                });
            }
            let cal = crate::schedule::build(def, Some(&d.timezone))
                .map_err(|source| ProgramError::Calendar { name: name.clone(), source })?;
            built_calendars.insert(name.clone(), cal);
        }
        let mut nodes = d.nodes;
        for n in &mut nodes {
            let node_ref = |field: String, index: usize| {
                if index < len {
                    Ok(())
                } else {
                    Err(ProgramError::NodeIndex { node: n.id.clone(), field, index, len })
                }
            };
            for (k, e) in n.edges.iter().enumerate() {
                if let Target::Node(t) = e.target {
                    node_ref(format!("edge {}", k + 1), t)?;
                }
            }
            if let Some(c) = n.call {
                node_ref("subflow entry".into(), c)?;
            }
            let prompt_refs = n
                .prompts
                .iter()
                .map(|&(_, p)| ("prompt", p))
                .chain(n.invalid.map(|p| ("invalid", p)))
                .chain(n.no_input.map(|p| ("no-input", p)))
                .chain(n.confirm.map(|p| ("confirm", p)))
                .chain(n.music.map(|p| ("music", p)));
            for (field, index) in prompt_refs {
                if index >= plen {
                    return Err(ProgramError::PromptIndex {
                        node: n.id.clone(),
                        field,
                        index,
                        len: plen,
                    });
                }
            }
            n.pattern = match &n.kind {
                NodeKind::Collect { pattern: Some(p), .. } => {
                    Some(anchored(&p.value).map_err(|source| ProgramError::Pattern {
                        node: n.id.clone(),
                        pattern: p.value.clone(),
                        source,
                    })?)
                }
                _ => None,
            };
            if let NodeKind::Schedule { calendar } = &n.kind {
                let name = calendar.as_ref().map(|c| c.value.clone()).unwrap_or_default();
                if !built_calendars.contains_key(&name) {
                    return Err(ProgramError::UnknownCalendar { node: n.id.clone(), name });
                }
            }
        }
        Ok(Program {
            title: d.title,
            languages: d.languages,
            timezone: d.timezone,
            start: d.start,
            vars: d.vars,
            prompts: d.prompts,
            calendars: d.calendars,
            nodes,
            built_calendars,
        })
    }
}

/// A `collect` pattern compiled to match the whole entry.
fn anchored(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::Regex::new(&format!("^(?:{pattern})$"))
}

impl Program {
    /// The flow's title.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Declared languages; the first is the default.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// The time zone (IANA name) for time variables; UTC when the flow names none.
    pub fn timezone(&self) -> &str {
        &self.timezone
    }

    /// The start node's index.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Initial variables.
    pub fn vars(&self) -> &BTreeMap<String, Value> {
        &self.vars
    }

    /// Prompts by index.
    pub fn prompts(&self) -> &[CompiledPrompt] {
        &self.prompts
    }

    /// Calendar definitions by name.
    pub fn calendars(&self) -> &BTreeMap<String, CalendarDef> {
        &self.calendars
    }

    /// Nodes by index.
    pub fn nodes(&self) -> &[CompiledNode] {
        &self.nodes
    }

    /// The index of the node called `id`.
    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The hotline-calendar calendar called `name`.
    pub fn calendar(&self, name: &str) -> Option<&hotline_calendar::Calendar> {
        self.built_calendars.get(name)
    }

    /// Every edge as `(node index, edge index)`, for coverage.
    pub fn all_edges(&self) -> Vec<(usize, usize)> {
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| (0..n.edges.len()).map(move |k| (i, k)))
            .collect()
    }

    /// How an edge is written: `from --label--> to`.
    ///
    /// # Panics
    ///
    /// If `node` or `edge` is out of range (take them from [`Program::all_edges`]).
    pub fn describe_edge(&self, node: usize, edge: usize) -> String {
        let n = &self.nodes[node];
        let e = &n.edges[edge];
        let to = match e.target {
            Target::Node(t) => self.nodes[t].id.as_str(),
            Target::Return => "return",
        };
        format!("{} --{}--> {}", n.id, e.label.describe(), to)
    }
}

/// Parses, checks and compiles flow text.
///
/// Returns the program and the warnings.
///
/// # Errors
///
/// [`CompileError::Invalid`] with every diagnostic when there is at least one error.
///
/// ```
/// let src = "start bye\nhangup bye {}\n";
/// let (program, warnings) = hotline_ivr::compile(src).unwrap();
/// assert_eq!(program.nodes()[program.start()].id, "bye");
/// assert!(warnings.is_empty());
/// ```
pub fn compile(src: &str) -> Result<(Program, Vec<Diagnostic>), CompileError> {
    let (flow, diagnostics) = crate::check_source(src);
    if diag::has_errors(&diagnostics) {
        return Err(CompileError::Invalid { diagnostics });
    }
    compile_flow(&flow)
        .map(|p| (p, diagnostics.clone()))
        .ok_or(CompileError::Invalid { diagnostics })
}

/// Compiles a flow that checked without errors; `None` if a name does not resolve.
fn compile_flow(flow: &Flow) -> Option<Program> {
    let index: BTreeMap<&str, usize> =
        flow.nodes.iter().enumerate().rev().map(|(i, n)| (n.id.value.as_str(), i)).collect();
    let pindex: BTreeMap<&str, usize> =
        flow.prompts.iter().enumerate().rev().map(|(i, p)| (p.id.value.as_str(), i)).collect();
    let prompt = |k: &Option<crate::diag::Spanned<String>>| -> Option<Option<usize>> {
        match k {
            None => Some(None),
            Some(k) => pindex.get(k.value.as_str()).map(|&i| Some(i)),
        }
    };
    let mut nodes = Vec::with_capacity(flow.nodes.len());
    for n in &flow.nodes {
        let mut edges = Vec::new();
        for e in &n.edges {
            let target = if e.target.value == "return" {
                Target::Return
            } else {
                Target::Node(*index.get(e.target.value.as_str())?)
            };
            edges.push(CompiledEdge { label: e.label.clone(), target });
        }
        let mut prompts = Vec::new();
        for p in &n.prompts {
            prompts.push((p.from_attempt, *pindex.get(p.key.value.as_str())?));
        }
        let input = n.kind.input();
        let (confirm, music, into, call, pattern) = match &n.kind {
            NodeKind::Collect { confirm, into, pattern, .. } => (
                prompt(confirm)?,
                None,
                into.as_ref().map(|v| v.value.clone()),
                None,
                match pattern {
                    Some(p) => Some(anchored(&p.value).ok()?),
                    None => None,
                },
            ),
            NodeKind::Queue { music, .. } => (None, prompt(music)?, None, None, None),
            NodeKind::Survey { into, .. }
            | NodeKind::Record { into, .. }
            | NodeKind::Lookup { into, .. } => {
                (None, None, into.as_ref().map(|v| v.value.clone()), None, None)
            }
            NodeKind::Subflow { entry: Some(e) } => {
                (None, None, None, Some(*index.get(e.value.as_str())?), None)
            }
            _ => (None, None, None, None, None),
        };
        nodes.push(CompiledNode {
            id: n.id.value.clone(),
            line: n.id.span.line,
            kind: n.kind.clone(),
            prompts,
            barge_in: n.barge_in,
            edges,
            invalid: prompt(&input.and_then(|i| i.invalid.clone()))?,
            no_input: prompt(&input.and_then(|i| i.no_input.clone()))?,
            confirm,
            music,
            into,
            call,
            pattern,
        });
    }
    let tz = flow.timezone.as_ref().map(|t| t.value.as_str());
    let mut built_calendars = BTreeMap::new();
    for c in &flow.calendars {
        built_calendars.insert(c.id.value.clone(), crate::schedule::build(c, tz).ok()?);
    }
    Some(Program {
        built_calendars,
        title: flow.title.clone(),
        languages: flow.languages.iter().map(|l| l.value.clone()).collect(),
        timezone: flow.timezone.as_ref().map_or_else(|| "UTC".to_owned(), |t| t.value.clone()),
        start: *index.get(flow.start.as_ref()?.value.as_str())?,
        vars: flow.vars.iter().map(|v| (v.name.value.clone(), v.value.clone())).collect(),
        prompts: flow
            .prompts
            .iter()
            .map(|p| CompiledPrompt {
                key: p.id.value.clone(),
                versions: p
                    .entries
                    .iter()
                    .map(|e| (e.lang.value.clone(), e.source.clone()))
                    .collect(),
            })
            .collect(),
        calendars: flow.calendars.iter().map(|c| (c.id.value.clone(), c.clone())).collect(),
        nodes,
    })
}
