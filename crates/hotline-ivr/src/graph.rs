//! The flow as a graph: Graphviz DOT text, or a self-contained SVG drawn without Graphviz.
//!
//! The SVG layout is layered: each node sits on the row of its shortest distance from the start
//! node (unreachable nodes on a last row), rows are centred, and edges are straight lines (curves
//! for edges that go back up) labelled with their condition.

use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::ast::NodeKind;
use crate::program::{Program, Target};

fn shape(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Menu(_) | NodeKind::Collect { .. } | NodeKind::Survey { .. } => "box",
        NodeKind::If | NodeKind::Switch(_) | NodeKind::Schedule { .. } => "diamond",
        NodeKind::Hangup | NodeKind::Transfer(_) => "doubleoctagon",
        NodeKind::Queue { .. } => "cylinder",
        NodeKind::Lookup { .. } | NodeKind::Subflow { .. } => "component",
        _ => "ellipse",
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The program as Graphviz DOT.
///
/// ```
/// let (p, _) = hotline_ivr::compile("start a\nsay a { next -> b }\nhangup b {}\n").unwrap();
/// let dot = hotline_ivr::graph::to_dot(&p);
/// assert!(dot.contains("\"a\" -> \"b\" [label=\"next\"]"));
/// ```
pub fn to_dot(program: &Program) -> String {
    let mut out =
        String::from("digraph flow {\n  rankdir=TB;\n  node [fontname=\"sans-serif\"];\n");
    if let Some(t) = &program.title {
        let _ = writeln!(out, "  label=\"{}\";", dot_escape(t));
    }
    let _ = writeln!(
        out,
        "  \"start\" [shape=point];\n  \"start\" -> \"{}\";",
        dot_escape(&program.nodes[program.start].id)
    );
    for n in &program.nodes {
        let _ = writeln!(
            out,
            "  \"{}\" [shape={}, label=\"{}\\n({})\"];",
            dot_escape(&n.id),
            shape(&n.kind),
            dot_escape(&n.id),
            n.kind.keyword()
        );
    }
    for n in &program.nodes {
        if let Some(entry) = n.call {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"call\", style=dashed];",
                dot_escape(&n.id),
                dot_escape(&program.nodes[entry].id)
            );
        }
        for e in &n.edges {
            let to = match e.target {
                Target::Node(t) => dot_escape(&program.nodes[t].id),
                Target::Return => "return".to_owned(),
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{to}\" [label=\"{}\"];",
                dot_escape(&n.id),
                dot_escape(&e.label.describe())
            );
        }
    }
    if program.nodes.iter().any(|n| n.edges.iter().any(|e| e.target == Target::Return)) {
        out.push_str("  \"return\" [shape=plaintext];\n");
    }
    out.push_str("}\n");
    out
}

/// Rows of nodes by shortest distance from the start.
fn layers(program: &Program) -> Vec<Vec<usize>> {
    let n = program.nodes.len();
    let mut depth = vec![usize::MAX; n];
    let mut queue = VecDeque::from([program.start]);
    depth[program.start] = 0;
    while let Some(i) = queue.pop_front() {
        let node = &program.nodes[i];
        let targets = node.edges.iter().filter_map(|e| match e.target {
            Target::Node(t) => Some(t),
            Target::Return => None,
        });
        for t in targets.chain(node.call) {
            if depth[t] == usize::MAX {
                depth[t] = depth[i] + 1;
                queue.push_back(t);
            }
        }
    }
    let max = depth.iter().filter(|&&d| d != usize::MAX).max().copied().unwrap_or(0);
    let mut rows = vec![Vec::new(); max + 2];
    for (i, d) in depth.iter().enumerate() {
        rows[if *d == usize::MAX { max + 1 } else { *d }].push(i);
    }
    rows.retain(|r| !r.is_empty());
    // Fewer crossings: order each row by the mean position of its parents in the rows above
    // (the barycentre heuristic, one pass down).
    let mut order = vec![0.0f64; n];
    for row in &mut rows {
        let key = |i: usize| -> f64 {
            let parents: Vec<f64> = (0..n)
                .filter(|&p| depth[p] != usize::MAX && depth[p] < depth[i])
                .filter(|&p| {
                    let node = &program.nodes[p];
                    node.call == Some(i) || node.edges.iter().any(|e| e.target == Target::Node(i))
                })
                .map(|p| order[p])
                .collect();
            if parents.is_empty() {
                f64::MAX
            } else {
                parents.iter().sum::<f64>() / parents.len() as f64
            }
        };
        let mut keyed: Vec<(f64, usize)> = row.iter().map(|&i| (key(i), i)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *row = keyed.into_iter().map(|(_, i)| i).collect();
        for (k, &i) in row.iter().enumerate() {
            order[i] = k as f64 - row.len() as f64 / 2.0;
        }
    }
    rows
}

/// The program as a standalone SVG image.
///
/// ```
/// let (p, _) = hotline_ivr::compile("start a\nsay a { next -> b }\nhangup b {}\n").unwrap();
/// let svg = hotline_ivr::graph::to_svg(&p);
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains(">next</text>"));
/// ```
pub fn to_svg(program: &Program) -> String {
    const W: f64 = 150.0;
    const H: f64 = 44.0;
    const GAP_X: f64 = 40.0;
    const GAP_Y: f64 = 80.0;
    let rows = layers(program);
    let widest = rows.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let width = widest * (W + GAP_X) + GAP_X + 160.0;
    let height = rows.len() as f64 * (H + GAP_Y) + GAP_Y;
    let mut pos = vec![(0.0, 0.0); program.nodes.len()];
    for (r, row) in rows.iter().enumerate() {
        let row_w = row.len() as f64 * (W + GAP_X) - GAP_X;
        let x0 = (width - 160.0 - row_w) / 2.0;
        for (k, &i) in row.iter().enumerate() {
            pos[i] = (x0 + k as f64 * (W + GAP_X), GAP_Y / 2.0 + r as f64 * (H + GAP_Y));
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    if let Some(t) = &program.title {
        let _ = writeln!(out, "<title>{}</title>", xml_escape(t));
    }
    let mut labels: Vec<Label> = Vec::new();
    for (i, n) in program.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        // Parallel edges to the same node share one line with their labels joined.
        let mut targets: Vec<(Option<usize>, String)> = Vec::new();
        let all = n
            .edges
            .iter()
            .map(|e| match e.target {
                Target::Node(t) => (Some(t), e.label.describe()),
                Target::Return => (None, format!("{} (return)", e.label.describe())),
            })
            .chain(n.call.map(|c| (Some(c), "call".to_owned())));
        for (t, label) in all {
            match targets.iter_mut().find(|(x, _)| t.is_some() && *x == t) {
                Some((_, l)) => {
                    l.push_str(", ");
                    l.push_str(&label);
                }
                None => targets.push((t, label)),
            }
        }
        for (k, (t, label)) in targets.iter().enumerate() {
            let (x1, y1) = (x + W / 2.0, y + H);
            let Some(t) = t else {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\">{}</text>",
                    x1 + 4.0,
                    y1 + 14.0 + 12.0 * k as f64,
                    xml_escape(label)
                );
                continue;
            };
            let (tx, ty) = pos[*t];
            let (x2, y2) = (tx + W / 2.0, ty);
            let (lx, ly);
            if ty > y {
                let _ = writeln!(
                    out,
                    "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#333\" marker-end=\"url(#arrow)\"/>"
                );
                lx = (x1 + x2) / 2.0;
                ly = (y1 + y2) / 2.0;
            } else if (ty - y).abs() < 1.0 && *t != i {
                // Same row: an arc above both boxes.
                let (sx, ex) = (x + W / 2.0, tx + W / 2.0);
                let lift = 28.0 + 8.0 * k as f64;
                let _ = writeln!(
                    out,
                    "<path d=\"M {sx:.1} {y:.1} C {sx:.1} {:.1}, {ex:.1} {:.1}, {ex:.1} {y:.1}\" fill=\"none\" stroke=\"#888\" stroke-dasharray=\"4 3\" marker-end=\"url(#arrow)\"/>",
                    y - lift,
                    y - lift
                );
                lx = (sx + ex) / 2.0;
                ly = y - lift * 0.75 - 2.0;
            } else {
                // Back edge (or a loop to itself): a curve out to the right and up into the target's side.
                let (sx, sy) = (x + W, y + H / 2.0);
                let (ex, ey) = (tx + W, ty + H / 2.0);
                let bulge = 40.0 + 10.0 * k as f64;
                let _ = writeln!(
                    out,
                    "<path d=\"M {sx:.1} {sy:.1} C {:.1} {sy:.1}, {:.1} {ey:.1}, {ex:.1} {ey:.1}\" fill=\"none\" stroke=\"#888\" stroke-dasharray=\"4 3\" marker-end=\"url(#arrow)\"/>",
                    sx + bulge,
                    ex + bulge
                );
                lx = sx.max(ex) + bulge * 0.75;
                ly = (sy + ey) / 2.0;
            }
            labels.push(Label::centred(lx, ly, label));
        }
    }
    // Edge labels are placed last, each moved down (then up) off any label already placed: labels
    // of edges leaving one node at their midpoints overlapped (issue 25).
    let mut placed: Vec<Label> = Vec::new();
    for mut label in labels {
        let start = label.y;
        for attempt in 0..40 {
            if !placed.iter().any(|p| p.overlaps(&label)) {
                break;
            }
            let step = LABEL_H * f64::from((attempt / 2 + 1) as u8);
            label.y = if attempt % 2 == 0 { start + step } else { start - step };
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#036\">{}</text>",
            label.x,
            label.y,
            xml_escape(&label.text)
        );
        placed.push(label);
    }
    for (i, n) in program.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        let fill = match shape(&n.kind) {
            "box" => "#e8f0fe",
            "diamond" => "#fff4d6",
            "doubleoctagon" => "#fde7e7",
            "cylinder" => "#e6f4ea",
            _ => "#f3f3f3",
        };
        let stroke = if i == program.start { "#000" } else { "#666" };
        let _ = writeln!(
            out,
            "<g><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{W}\" height=\"{H}\" rx=\"8\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text></g>",
            x + W / 2.0,
            y + 18.0,
            xml_escape(&n.id),
            x + W / 2.0,
            y + 34.0,
            n.kind.keyword()
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The height of an edge label's line, in pixels.
const LABEL_H: f64 = 14.0;

/// An edge label: its text centred at `x`, baseline at `y`.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) text: String,
}

impl Label {
    fn centred(x: f64, y: f64, text: &str) -> Label {
        Label { x, y, text: text.to_owned() }
    }

    /// The label's box: about 7 pixels a character at font size 12.
    fn extent(&self) -> (f64, f64, f64, f64) {
        let w = 7.0 * self.text.chars().count() as f64;
        (self.x - w / 2.0, self.y - LABEL_H + 3.0, self.x + w / 2.0, self.y + 3.0)
    }

    pub(crate) fn overlaps(&self, other: &Label) -> bool {
        let (a0, b0, a1, b1) = self.extent();
        let (c0, d0, c1, d1) = other.extent();
        a0 < c1 && c0 < a1 && b0 < d1 && d0 < b1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edge labels of a drawing, read back from its SVG.
    fn labels(svg: &str) -> Vec<Label> {
        svg.lines()
            .filter(|l| l.contains("fill=\"#036\""))
            .filter_map(|l| {
                let num = |key: &str| -> Option<f64> {
                    let rest = &l[l.find(key)? + key.len()..];
                    rest[..rest.find('"')?].parse().ok()
                };
                let text = l[l.find('>')? + 1..l.rfind("</text>")?].to_owned();
                Some(Label { x: num(" x=\"")?, y: num(" y=\"")?, text })
            })
            .collect()
    }

    #[test]
    fn edge_labels_do_not_overlap() {
        for src in [
            include_str!("../flows/gov12345.ivr"),
            include_str!("../flows/bank.ivr"),
            include_str!("../flows/utility.ivr"),
        ] {
            let (program, _) = crate::compile(src).expect("the example flows compile");
            let svg = to_svg(&program);
            let labels = labels(&svg);
            assert!(labels.len() > 5, "{}", labels.len());
            for (i, a) in labels.iter().enumerate() {
                for b in &labels[i + 1..] {
                    assert!(
                        !a.overlaps(b),
                        "`{}` at {},{} overlaps `{}` at {},{}",
                        a.text,
                        a.x,
                        a.y,
                        b.text,
                        b.x,
                        b.y
                    );
                }
            }
        }
    }
}
