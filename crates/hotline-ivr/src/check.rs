//! Static checks: everything that can be found wrong with a flow before a call is placed.
//!
//! Each check has a stable code (see [`crate::diag::codes`]); the book lists them with examples.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::ast::{EdgeLabel, Flow, NodeKind, PromptSource, TransferTarget};
use crate::diag::{Diagnostic, Span, Spanned, codes};
use crate::expr::{Expr, Value};

/// Variables every call has: the caller's and dialled numbers, the prompt language, and the
/// local time in the flow's time zone.
pub const BUILTIN_VARS: &[&str] =
    &["caller", "dialled", "lang", "hour", "minute", "weekday", "date", "time"];

/// The flow's nodes as a graph, with subflow calls and returns resolved.
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    /// Node index by id (first definition wins).
    pub index: HashMap<String, usize>,
    /// Successors of each node: (target, the edge's index in the node, or `usize::MAX` for a
    /// subflow's call into its entry, or `usize::MAX - 1` for a return to a caller's `next`).
    pub succ: Vec<Vec<(usize, usize)>>,
    /// The start node.
    pub start: Option<usize>,
    /// For each subflow node, the nodes with a `-> return` edge its entry can reach.
    pub returns_of: HashMap<usize, Vec<usize>>,
}

/// The pseudo edge index of a subflow's call into its entry.
pub(crate) const CALL_EDGE: usize = usize::MAX;
/// The pseudo edge index of a return to a calling subflow's `next`.
pub(crate) const RETURN_EDGE: usize = usize::MAX - 1;

impl Graph {
    pub(crate) fn build(flow: &Flow) -> Graph {
        let mut index = HashMap::new();
        for (i, n) in flow.nodes.iter().enumerate() {
            index.entry(n.id.value.clone()).or_insert(i);
        }
        let plain = |i: usize| -> Vec<(usize, usize)> {
            let node = &flow.nodes[i];
            let mut out: Vec<(usize, usize)> = node
                .edges
                .iter()
                .enumerate()
                .filter_map(|(k, e)| index.get(&e.target.value).map(|&t| (t, k)))
                .collect();
            if let NodeKind::Subflow { entry: Some(entry) } = &node.kind
                && let Some(&t) = index.get(&entry.value)
            {
                out.push((t, CALL_EDGE));
            }
            out
        };
        let mut succ: Vec<Vec<(usize, usize)>> = (0..flow.nodes.len()).map(plain).collect();
        // Which return sites does each subflow's entry reach (not descending into nested calls,
        // whose own `next` continues the walk)?
        let mut returns_of = HashMap::new();
        for (s, node) in flow.nodes.iter().enumerate() {
            let NodeKind::Subflow { entry: Some(entry) } = &node.kind else { continue };
            let Some(&e) = index.get(&entry.value) else { continue };
            let mut seen = vec![false; flow.nodes.len()];
            let mut queue = VecDeque::from([e]);
            seen[e] = true;
            let mut sites = Vec::new();
            while let Some(n) = queue.pop_front() {
                let nn = &flow.nodes[n];
                if nn.edges.iter().any(|ed| ed.target.value == "return") {
                    sites.push(n);
                }
                let nested_next = matches!(nn.kind, NodeKind::Subflow { .. });
                for (k, ed) in nn.edges.iter().enumerate() {
                    let _ = k;
                    if let Some(&t) = index.get(&ed.target.value)
                        && !seen[t]
                        && (!nested_next || ed.label == EdgeLabel::Next)
                    {
                        seen[t] = true;
                        queue.push_back(t);
                    }
                }
            }
            returns_of.insert(s, sites);
        }
        // Link return sites to the `next` of their callers; a subflow's `next` is reached only
        // through a return.
        for (&s, sites) in &returns_of {
            let node = &flow.nodes[s];
            let Some(next) = node.edge(&EdgeLabel::Next).and_then(|e| index.get(&e.target.value))
            else {
                continue;
            };
            succ[s].retain(|&(_, k)| k == CALL_EDGE);
            for &r in sites {
                if !succ[r].contains(&(*next, RETURN_EDGE)) {
                    succ[r].push((*next, RETURN_EDGE));
                }
            }
        }
        let start = flow.start.as_ref().and_then(|s| index.get(&s.value).copied());
        Graph { index, succ, start, returns_of }
    }

    pub(crate) fn reachable_from(&self, from: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; self.succ.len()];
        let mut queue: VecDeque<usize> = from.iter().copied().collect();
        for &f in from {
            seen[f] = true;
        }
        while let Some(n) = queue.pop_front() {
            for &(t, _) in &self.succ[n] {
                if !seen[t] {
                    seen[t] = true;
                    queue.push_back(t);
                }
            }
        }
        seen
    }
}

/// Whether the call can end at this node (hang up, transfer, or an answered queue with no
/// post-call steps).
fn ends_call(kind: &NodeKind, node: &crate::ast::Node) -> bool {
    match kind {
        NodeKind::Hangup | NodeKind::Transfer(_) => true,
        NodeKind::Queue { .. } => node.edge(&EdgeLabel::Answered).is_none(),
        _ => false,
    }
}

/// Runs every check on a parsed flow.
///
/// ```
/// let (flow, _) = hotline_ivr::parse("start a\nsay a { prompt p }\n");
/// let diags = hotline_ivr::check::check(&flow);
/// assert!(diags.iter().any(|d| d.code == "dead-end"));
/// ```
pub fn check(flow: &Flow) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    ids(flow, &mut d);
    settings(flow, &mut d);
    let graph = Graph::build(flow);
    targets(flow, &graph, &mut d);
    edges(flow, &mut d);
    digits(flow, &mut d);
    prompts(flow, &mut d);
    calendars(flow, &mut d);
    if let Some(start) = graph.start {
        let reach = graph.reachable_from(&[start]);
        for (i, n) in flow.nodes.iter().enumerate() {
            if !reach[i] && graph.index.get(&n.id.value) == Some(&i) {
                d.push(Diagnostic::warning(
                    codes::UNREACHABLE,
                    n.id.span,
                    format!(
                        "no path from the start node `{}` reaches `{}`",
                        flow.start.as_ref().map_or("", |s| s.value.as_str()),
                        n.id.value
                    ),
                ));
            }
        }
        returns(flow, &graph, &reach, &mut d);
        loops(flow, &graph, &reach, &mut d);
        variables(flow, &graph, &reach, start, &mut d);
    }
    d.sort_by_key(|x| (x.span.start, x.severity));
    d
}

fn ids(flow: &Flow, d: &mut Vec<Diagnostic>) {
    let mut check = |what: &str, items: Vec<&Spanned<String>>| {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for id in items {
            if let Some(first) = seen.get(id.value.as_str()) {
                d.push(Diagnostic::error(
                    codes::DUPLICATE_ID,
                    id.span,
                    format!("{what} `{}` is already defined on line {}", id.value, first.line),
                ));
            } else {
                seen.insert(&id.value, id.span);
            }
        }
    };
    check("node", flow.nodes.iter().map(|n| &n.id).collect());
    check("prompt", flow.prompts.iter().map(|p| &p.id).collect());
    check("calendar", flow.calendars.iter().map(|c| &c.id).collect());
    for n in &flow.nodes {
        if n.id.value == "return" {
            d.push(Diagnostic::error(
                codes::DUPLICATE_ID,
                n.id.span,
                "`return` is reserved: it means \"return from the subflow\"",
            ));
        }
    }
}

fn missing(d: &mut Vec<Diagnostic>, span: Span, msg: String) {
    d.push(Diagnostic::error(codes::SYNTAX, span, msg));
}

fn settings(flow: &Flow, d: &mut Vec<Diagnostic>) {
    if flow.nodes.is_empty() {
        d.push(Diagnostic::error(
            codes::DEAD_END,
            Span { line: 1, column: 1, ..Span::default() },
            "the flow has no nodes",
        ));
    }
    if flow.start.is_none() && !flow.nodes.is_empty() {
        d.push(Diagnostic::error(
            codes::UNDEFINED_TARGET,
            Span { line: 1, column: 1, ..Span::default() },
            "the flow has no `start NODE` line",
        ));
    }
    for n in &flow.nodes {
        let s = n.id.span;
        let id = &n.id.value;
        match &n.kind {
            NodeKind::Collect { into: None, .. } => {
                missing(d, s, format!("collect `{id}` needs `into VAR` to keep the digits"))
            }
            NodeKind::Collect { pattern: Some(p), .. } => {
                if let Err(e) = regex_lite::Regex::new(&p.value) {
                    d.push(Diagnostic::error(
                        codes::BAD_PATTERN,
                        p.span,
                        format!("invalid pattern: {e}"),
                    ));
                }
            }
            NodeKind::Queue { queue, .. } if queue.is_empty() => {
                missing(d, s, format!("queue `{id}` needs `to \"queue name\"`"))
            }
            NodeKind::Transfer(TransferTarget::Number(x)) if x.is_empty() => {
                missing(
                    d,
                    s,
                    format!(
                        "transfer `{id}` needs `agent \"..\"`, `number \"..\"` or `flow \"..\"`"
                    ),
                );
            }
            NodeKind::Callback { queue, .. } if queue.is_empty() => {
                missing(d, s, format!("callback `{id}` needs `queue \"name\"`"))
            }
            NodeKind::Lookup { function, .. } if function.is_empty() => {
                missing(d, s, format!("lookup `{id}` needs `function \"name\"`"))
            }
            NodeKind::Schedule { calendar: None } => {
                missing(d, s, format!("schedule `{id}` needs `calendar NAME`"))
            }
            NodeKind::Switch(None) => missing(d, s, format!("switch `{id}` needs `on EXPR`")),
            NodeKind::Subflow { entry: None } => {
                missing(d, s, format!("subflow `{id}` needs `call NODE`"))
            }
            _ => {}
        }
    }
}

fn targets(flow: &Flow, g: &Graph, d: &mut Vec<Diagnostic>) {
    let mut undefined = |t: &Spanned<String>, what: &str| {
        if !g.index.contains_key(&t.value) {
            d.push(Diagnostic::error(
                codes::UNDEFINED_TARGET,
                t.span,
                format!("{what} `{}` is not defined", t.value),
            ));
        }
    };
    if let Some(s) = &flow.start {
        undefined(s, "start node");
    }
    for n in &flow.nodes {
        for e in &n.edges {
            if e.target.value != "return" {
                undefined(&e.target, "node");
            }
        }
        if let NodeKind::Subflow { entry: Some(entry) } = &n.kind {
            undefined(entry, "subflow entry node");
        }
    }
}

fn edges(flow: &Flow, d: &mut Vec<Diagnostic>) {
    for n in &flow.nodes {
        let has = |l: &EdgeLabel| n.edge(l).is_some();
        let id = &n.id.value;
        let dead = |d: &mut Vec<Diagnostic>, what: &str| {
            d.push(Diagnostic::error(
                codes::DEAD_END,
                n.id.span,
                format!(
                    "{} `{id}` has no {what}: the call would stop here in silence",
                    n.kind.keyword()
                ),
            ));
        };
        match &n.kind {
            NodeKind::Say
            | NodeKind::Set(_)
            | NodeKind::Callback { .. }
            | NodeKind::Survey { .. }
            | NodeKind::Subflow { .. }
            | NodeKind::Record { .. }
            | NodeKind::Collect { .. }
            | NodeKind::Lookup { .. }
                if !has(&EdgeLabel::Next) =>
            {
                dead(d, "`next` edge")
            }
            _ => {}
        }
        match &n.kind {
            NodeKind::Menu(_)
                if !n.edges.iter().any(|e| matches!(e.label, EdgeLabel::Digits(_))) =>
            {
                dead(d, "digit options")
            }
            NodeKind::If | NodeKind::Switch(_) if !has(&EdgeLabel::Else) => {
                dead(d, "`else` edge (when no branch matches)")
            }
            NodeKind::Schedule { .. } if !has(&EdgeLabel::Open) => d.push(Diagnostic::error(
                codes::SCHEDULE_UNCOVERED,
                n.id.span,
                format!("schedule `{id}` has no `open` branch: business hours are not covered"),
            )),
            _ => {}
        }
        if let NodeKind::Schedule { .. } = n.kind
            && !has(&EdgeLabel::Closed)
        {
            d.push(Diagnostic::error(codes::SCHEDULE_UNCOVERED, n.id.span, format!("schedule `{id}` has no `closed` branch: the hours outside business hours are not covered")));
        }
        if matches!(n.kind, NodeKind::Lookup { .. } | NodeKind::Queue { .. })
            && !has(&EdgeLabel::Error)
        {
            d.push(Diagnostic::error(
                codes::NO_FAILURE_EDGE,
                n.id.span,
                format!(
                    "{} `{id}` has no `error` edge: where does the call go when it fails?",
                    n.kind.keyword()
                ),
            ));
        }
        if let NodeKind::Queue { max_wait: Some(_), .. } = n.kind
            && !has(&EdgeLabel::Timeout)
            && !has(&EdgeLabel::Error)
        {
            d.push(Diagnostic::error(
                codes::NO_FAILURE_EDGE,
                n.id.span,
                format!("queue `{id}` has `max-wait` but no `timeout` edge"),
            ));
        }
        if let NodeKind::Lookup { timeout: None, .. } = n.kind {
            d.push(Diagnostic::warning(
                codes::NO_TIMEOUT,
                n.id.span,
                format!("lookup `{id}` has no `timeout`: the default of 5s is used"),
            ));
        }
        if let Some(input) = n.kind.input() {
            if input.timeout.is_none() {
                d.push(Diagnostic::warning(
                    codes::NO_TIMEOUT,
                    n.id.span,
                    format!(
                        "{} `{id}` has no `timeout`: the default of 5s is used",
                        n.kind.keyword()
                    ),
                ));
            }
            if matches!(n.kind, NodeKind::Menu(_) | NodeKind::Collect { .. })
                && !has(&EdgeLabel::Exhausted)
            {
                d.push(Diagnostic::error(codes::NO_INVALID_HANDLING, n.id.span, format!("{} `{id}` has no `exhausted` edge: where does the call go when the retries run out?", n.kind.keyword())));
            }
            if input.invalid.is_none() {
                d.push(Diagnostic::warning(codes::NO_INVALID_HANDLING, n.id.span, format!("{} `{id}` has no `invalid` prompt: a wrong key is met with silence before the prompt repeats", n.kind.keyword())));
            }
        }
    }
}

fn digits(flow: &Flow, d: &mut Vec<Diagnostic>) {
    for n in &flow.nodes {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for e in &n.edges {
            let keys = match &e.label {
                EdgeLabel::Digits(k) | EdgeLabel::Leave(k) => k.as_str(),
                _ => continue,
            };
            for (other, span) in &seen {
                if *other == keys {
                    d.push(Diagnostic::error(
                        codes::CONFLICTING_DIGITS,
                        e.span,
                        format!("`{keys}` is already an option on line {}", span.line),
                    ));
                } else if keys.starts_with(other) || other.starts_with(keys) {
                    d.push(Diagnostic::warning(codes::AMBIGUOUS_DIGITS, e.span, format!("`{keys}` and `{other}` (line {}) share a prefix: the shorter one is taken only after the inter-digit timeout", span.line)));
                }
            }
            seen.push((keys, e.span));
        }
    }
}

fn prompt_keys(n: &crate::ast::Node) -> Vec<&Spanned<String>> {
    let mut keys: Vec<&Spanned<String>> = n.prompts.iter().map(|p| &p.key).collect();
    if let Some(i) = n.kind.input() {
        keys.extend(i.invalid.iter().chain(i.no_input.iter()));
    }
    match &n.kind {
        NodeKind::Collect { confirm: Some(c), .. } => keys.push(c),
        NodeKind::Queue { music: Some(m), .. } => keys.push(m),
        _ => {}
    }
    keys
}

fn prompts(flow: &Flow, d: &mut Vec<Diagnostic>) {
    let defined: HashMap<&str, &crate::ast::PromptDef> =
        flow.prompts.iter().map(|p| (p.id.value.as_str(), p)).collect();
    let declared: Vec<&str> = flow.languages.iter().map(|l| l.value.as_str()).collect();
    let mut used = BTreeSet::new();
    for n in &flow.nodes {
        for key in prompt_keys(n) {
            if defined.contains_key(key.value.as_str()) {
                used.insert(key.value.as_str());
            } else {
                d.push(Diagnostic::error(
                    codes::UNDEFINED_PROMPT,
                    key.span,
                    format!("prompt `{}` is not defined", key.value),
                ));
            }
        }
        if let NodeKind::Set(assigns) = &n.kind {
            for (var, e) in assigns {
                if var.value == "lang"
                    && let Expr::Literal(Value::Text(l)) = e
                    && !declared.is_empty()
                    && !declared.contains(&l.as_str())
                {
                    d.push(Diagnostic::error(
                        codes::UNDECLARED_LANGUAGE,
                        var.span,
                        format!("language `{l}` is not in the flow's `languages` line"),
                    ));
                }
            }
        }
    }
    for p in &flow.prompts {
        for e in &p.entries {
            if e.lang.value != "any"
                && !declared.is_empty()
                && !declared.contains(&e.lang.value.as_str())
            {
                d.push(Diagnostic::warning(
                    codes::UNDECLARED_LANGUAGE,
                    e.lang.span,
                    format!("language `{}` is not in the flow's `languages` line", e.lang.value),
                ));
            }
        }
        if p.entries.iter().any(|e| e.lang.value == "any") {
            continue;
        }
        for lang in &declared {
            if !p.entries.iter().any(|e| e.lang.value == *lang) {
                let sev = if used.contains(p.id.value.as_str()) {
                    Diagnostic::error
                } else {
                    Diagnostic::warning
                };
                d.push(sev(
                    codes::MISSING_PROMPT,
                    p.id.span,
                    format!("prompt `{}` has no {lang} version", p.id.value),
                ));
            }
        }
        if p.entries.is_empty() {
            d.push(Diagnostic::error(
                codes::MISSING_PROMPT,
                p.id.span,
                format!("prompt `{}` is empty", p.id.value),
            ));
        }
    }
}

fn timezone_ok(tz: &Spanned<String>, d: &mut Vec<Diagnostic>) {
    if jiff::tz::TimeZone::get(&tz.value).is_err() {
        d.push(Diagnostic::error(
            codes::UNDEFINED_CALENDAR,
            tz.span,
            format!("unknown time zone `{}`: use an IANA name such as Asia/Shanghai", tz.value),
        ));
    }
}

fn calendars(flow: &Flow, d: &mut Vec<Diagnostic>) {
    if let Some(tz) = &flow.timezone {
        timezone_ok(tz, d);
    }
    for c in &flow.calendars {
        if let Some(tz) = &c.timezone {
            timezone_ok(tz, d);
        }
        let tz = flow.timezone.as_ref().map(|t| t.value.as_str());
        if let Err(e) = crate::schedule::build(c, tz) {
            d.push(Diagnostic::error(
                codes::UNDEFINED_CALENDAR,
                c.id.span,
                format!("calendar `{}` is not valid: {e}", c.id.value),
            ));
        }
        if c.hours.is_empty() && c.base.is_none() {
            d.push(Diagnostic::warning(
                codes::SCHEDULE_UNCOVERED,
                c.id.span,
                format!("calendar `{}` has no `hours`: it is always closed", c.id.value),
            ));
        }
    }
    for n in &flow.nodes {
        if let NodeKind::Schedule { calendar: Some(c) } = &n.kind
            && !flow.calendars.iter().any(|x| x.id.value == c.value)
        {
            d.push(Diagnostic::error(
                codes::UNDEFINED_CALENDAR,
                c.span,
                format!("calendar `{}` is not defined", c.value),
            ));
        }
    }
}

fn returns(flow: &Flow, g: &Graph, reach: &[bool], d: &mut Vec<Diagnostic>) {
    let sites: BTreeSet<usize> = g.returns_of.values().flatten().copied().collect();
    for (i, n) in flow.nodes.iter().enumerate() {
        if !reach[i] {
            continue;
        }
        for e in &n.edges {
            if e.target.value == "return" && !sites.contains(&i) {
                d.push(Diagnostic::error(
                    codes::RETURN_OUTSIDE_SUBFLOW,
                    e.target.span,
                    format!(
                        "`{}` is not inside any subflow, so there is nothing to return to",
                        n.id.value
                    ),
                ));
            }
        }
    }
}

fn loops(flow: &Flow, g: &Graph, reach: &[bool], d: &mut Vec<Diagnostic>) {
    let n = flow.nodes.len();
    // Reverse edges, then walk back from every node that can end the call.
    let mut pred = vec![Vec::new(); n];
    for (i, s) in g.succ.iter().enumerate() {
        for &(t, _) in s {
            pred[t].push(i);
        }
    }
    let mut exits = vec![false; n];
    let mut queue: VecDeque<usize> =
        (0..n).filter(|&i| ends_call(&flow.nodes[i].kind, &flow.nodes[i])).collect();
    for &i in &queue {
        exits[i] = true;
    }
    while let Some(i) = queue.pop_front() {
        for &p in &pred[i] {
            if !exits[p] {
                exits[p] = true;
                queue.push_back(p);
            }
        }
    }
    let stuck: Vec<bool> = (0..n).map(|i| reach[i] && !exits[i]).collect();
    let mut reported = vec![false; n];
    for i in 0..n {
        if !stuck[i] || reported[i] {
            continue;
        }
        // Nodes reachable from i's successors within the stuck set; i is on a loop if it is one.
        let mut seen = vec![false; n];
        let mut q: VecDeque<usize> =
            g.succ[i].iter().map(|&(t, _)| t).filter(|&t| stuck[t]).collect();
        for &t in &q {
            seen[t] = true;
        }
        while let Some(x) = q.pop_front() {
            for &(t, _) in &g.succ[x] {
                if stuck[t] && !seen[t] {
                    seen[t] = true;
                    q.push_back(t);
                }
            }
        }
        if seen[i] {
            // Mark the whole loop (nodes that reach i and are reached from it) as reported.
            let members: Vec<usize> = (0..n)
                .filter(|&x| seen[x])
                .filter(|&x| {
                    let back = g.reachable_from(&[x]);
                    back[i]
                })
                .collect();
            let names: Vec<&str> =
                members.iter().map(|&m| flow.nodes[m].id.value.as_str()).collect();
            for &m in &members {
                reported[m] = true;
            }
            d.push(Diagnostic::error(codes::LOOP_NO_EXIT, flow.nodes[i].id.span, format!("the loop through {} never ends the call: no path leads to a hangup, transfer or queue", names.join(", "))));
        }
    }
}

/// Variables a node's edge sets: (names, prefixes ending in `.`).
fn gen_vars(node: &crate::ast::Node, edge: usize) -> Vec<String> {
    if edge >= node.edges.len() || node.edges[edge].label != EdgeLabel::Next {
        return Vec::new();
    }
    match &node.kind {
        NodeKind::Collect { into: Some(v), .. }
        | NodeKind::Survey { into: Some(v), .. }
        | NodeKind::Record { into: Some(v), .. } => vec![v.value.clone()],
        NodeKind::Lookup { into: Some(v), .. } => vec![format!("{}.", v.value)],
        NodeKind::Set(assigns) => assigns.iter().map(|(v, _)| v.value.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Variables a node reads, with where, in order; `own` are set by the node before being read.
fn reads(flow: &Flow, node: &crate::ast::Node) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut local: Vec<String> = Vec::new();
    match &node.kind {
        NodeKind::Set(assigns) => {
            for (v, e) in assigns {
                let mut r = Vec::new();
                e.reads(&mut r);
                out.extend(r.into_iter().filter(|(x, _)| !local.contains(x)));
                local.push(v.value.clone());
            }
        }
        NodeKind::Switch(Some(e)) => e.reads(&mut out),
        NodeKind::Callback { number: Some(e), .. } => e.reads(&mut out),
        NodeKind::Lookup { args, .. } => args.iter().for_each(|(_, e)| e.reads(&mut out)),
        NodeKind::If => node.edges.iter().for_each(|e| {
            if let EdgeLabel::When(x) = &e.label {
                x.reads(&mut out)
            }
        }),
        _ => {}
    }
    if let NodeKind::Collect { into: Some(v), .. } = &node.kind {
        local.push(v.value.clone());
    }
    for key in prompt_keys(node) {
        let Some(p) = flow.prompts.iter().find(|p| p.id.value == key.value) else { continue };
        for e in &p.entries {
            if let PromptSource::Text(t) = &e.source {
                for var in interpolations(t) {
                    if !local.iter().any(|l| l == var) && !out.iter().any(|(x, _)| x == var) {
                        out.push((var.to_owned(), key.span));
                    }
                }
            }
        }
    }
    out
}

/// The `{var}` names in a prompt text.
pub fn interpolations(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        let Some(j) = rest.find('}') else { break };
        let name = &rest[..j];
        if crate::expr::is_name(name) {
            out.push(name);
        }
        rest = &rest[j + 1..];
    }
    out
}

fn is_set(set: &BTreeSet<String>, var: &str) -> bool {
    set.contains(var)
        || var.rfind('.').is_some_and(|i| {
            set.iter().any(|s| s.ends_with('.') && var.starts_with(s.as_str()) && s.len() <= i + 1)
        })
}

fn variables(flow: &Flow, g: &Graph, reach: &[bool], start: usize, d: &mut Vec<Diagnostic>) {
    let n = flow.nodes.len();
    let mut init: BTreeSet<String> = BUILTIN_VARS.iter().map(|s| (*s).to_owned()).collect();
    init.extend(flow.vars.iter().map(|v| v.name.value.clone()));
    let mut all_set: BTreeSet<String> = init.clone();
    for node in &flow.nodes {
        for k in 0..node.edges.len() {
            all_set.extend(gen_vars(node, k));
        }
    }
    // Must-be-set analysis: None is "not yet reached" (the top of the lattice).
    let mut input: Vec<Option<BTreeSet<String>>> = vec![None; n];
    input[start] = Some(init);
    let mut work: VecDeque<usize> = VecDeque::from([start]);
    let mut rounds = 0usize;
    while let Some(i) = work.pop_front() {
        rounds += 1;
        if rounds > 200_000 {
            break;
        }
        let Some(inp) = input[i].clone() else { continue };
        for &(t, k) in &g.succ[i] {
            let mut out = inp.clone();
            if k == RETURN_EDGE {
                let node = &flow.nodes[i];
                let mut common: Option<BTreeSet<String>> = None;
                for (idx, e) in node.edges.iter().enumerate() {
                    if e.target.value == "return" {
                        let g: BTreeSet<String> = gen_vars(node, idx).into_iter().collect();
                        common = Some(match common {
                            None => g,
                            Some(c) => c.intersection(&g).cloned().collect(),
                        });
                    }
                }
                out.extend(common.unwrap_or_default());
            } else {
                out.extend(gen_vars(&flow.nodes[i], k));
            }
            let new = match &input[t] {
                None => out,
                Some(old) => old.intersection(&out).cloned().collect(),
            };
            if input[t].as_ref() != Some(&new) {
                input[t] = Some(new);
                work.push_back(t);
            }
        }
    }
    for (i, node) in flow.nodes.iter().enumerate() {
        let (true, Some(set)) = (reach[i], &input[i]) else { continue };
        for (var, span) in reads(flow, node) {
            if is_set(set, &var) {
                continue;
            }
            if is_set(&all_set, &var) {
                d.push(Diagnostic::warning(codes::UNSET_VARIABLE, span, format!("`{var}` may be read before it is set: some path reaches `{}` without setting it", node.id.value)));
            } else {
                d.push(Diagnostic::error(
                    codes::UNSET_VARIABLE,
                    span,
                    format!(
                        "`{var}` is read but never set (a collect, set, lookup or var would set it)"
                    ),
                ));
            }
        }
    }
}
