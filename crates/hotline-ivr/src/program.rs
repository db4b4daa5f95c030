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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Program {
    /// The flow's title.
    pub title: Option<String>,
    /// Declared languages; the first is the default.
    pub languages: Vec<String>,
    /// The time zone (IANA name) for time variables; UTC when the flow names none.
    pub timezone: String,
    /// The start node.
    pub start: usize,
    /// Initial variables.
    pub vars: BTreeMap<String, Value>,
    /// Prompts by index.
    pub prompts: Vec<CompiledPrompt>,
    /// Calendars by name.
    pub calendars: BTreeMap<String, CalendarDef>,
    /// Nodes by index.
    pub nodes: Vec<CompiledNode>,
    /// The calendars built with hotline-calendar, by name.
    #[serde(skip)]
    pub built_calendars: BTreeMap<String, hotline_calendar::Calendar>,
}

impl Program {
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
/// assert_eq!(program.nodes[program.start].id, "bye");
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
                    Some(p) => Some(regex_lite::Regex::new(&format!("^(?:{})$", p.value)).ok()?),
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
