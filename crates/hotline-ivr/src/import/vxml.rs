//! A DTMF subset of VoiceXML 2.1 into flow text.
//!
//! Read: `<menu>` with `<choice dtmf next>`; `<form>` with `<field>` (builtin `digits` and
//! `boolean` DTMF grammars, `minlength`/`maxlength`), `<record>`, `<transfer>`, `<subdialog>` and
//! `<block>`; counted `<prompt count>` (with `<value expr>` read out and `<audio src>` files);
//! `<noinput>`/`<nomatch>` with counts; `<filled>`; `<goto next="#id">`; `<var>`, `<assign>`,
//! `<if>/<elseif>/<else>`; `<disconnect>`, `<exit>`, `<return>`; `<property name="timeout">`.
//!
//! Counted handlers map onto the language's retry model: handlers that only re-prompt give the
//! `invalid` / `no-input` prompts; the lowest count of a handler that leaves (`goto`,
//! `disconnect`) gives `retries`, and its content becomes the `exhausted` branch. VoiceXML
//! counts no-input and no-match separately; the language has one counter, so when both leave,
//! the no-match branch is kept and a note says so. ECMAScript conditions are converted for
//! the simple forms (`a == 'x'`, `&&`, `||`, `!`, `x.length`); others become `false` with a note.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use roxmltree::Node;

use super::{ImportError, Imported, Names, Prompts, parse_xml, position, quote, squash};

type XNode<'a> = Node<'a, 'a>;

/// A placeholder for the end node, replaced once the whole document is converted.
const END: &str = "@end@";

struct Conv<'a> {
    doc: &'a roxmltree::Document<'a>,
    names: Names,
    prompts: Prompts,
    lang: String,
    out: String,
    notes: Vec<String>,
    dialogs: BTreeMap<String, String>,
    timeout: String,
    depth: usize,
}

/// The deepest `<if>` nesting converted.
pub const MAX_IF_DEPTH: usize = 32;

fn children<'a>(n: XNode<'a>) -> Vec<XNode<'a>> {
    n.children().filter(Node::is_element).collect()
}

/// Converts ECMAScript of the simple kinds into a flow-language expression.
fn js_expr(js: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = js.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && chars[j] != c {
                    s.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return None;
                }
                out.push_str(&quote(&s));
                i = j + 1;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                out.push_str(" and ");
                i += 2;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                out.push_str(" or ");
                i += 2;
            }
            '=' | '!' if chars.get(i + 1) == Some(&'=') => {
                out.push_str(if c == '=' { " == " } else { " != " });
                i += if chars.get(i + 2) == Some(&'=') { 3 } else { 2 };
            }
            '!' => {
                out.push_str(" not ");
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut j = i;
                let mut w = String::new();
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '.' | '$'))
                {
                    w.push(chars[j]);
                    j += 1;
                }
                match w.strip_suffix(".length") {
                    Some(base) => out.push_str(&format!("len({base})")),
                    None => out.push_str(&w),
                }
                i = j;
            }
            '-' | '*' | '/' | '%' | '?' | ':' | '[' => return None,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    let out = squash(&out);
    // Keep it only if the language's own parser reads it.
    let src = format!("start a\nset a {{ x = {out}\n next -> b }}\nhangup b {{}}\n");
    let (_, d) = crate::parse(&src);
    d.is_empty().then_some(out)
}

fn literal(js: &str) -> Option<String> {
    let t = js.trim();
    if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() && t.len() < 18 {
        return Some(t.to_owned());
    }
    let inner = t
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| t.strip_prefix('"').and_then(|s| s.strip_suffix('"')))?;
    Some(quote(inner))
}

impl<'a> Conv<'a> {
    fn line(&self, n: XNode<'a>) -> u32 {
        position(self.doc, n).0
    }

    /// The node where the document ends (a hangup), written only if something leads to it.
    fn end(&mut self) -> String {
        END.to_owned()
    }

    /// The text of a `<prompt>` (or a handler's loose text), with `<value expr>` as `{var}`; or a
    /// file when it is a lone `<audio src>`.
    fn prompt_entry(&mut self, p: XNode<'a>) -> Option<String> {
        let mut text = String::new();
        let mut file = None;
        for c in p.descendants().skip(1) {
            if c.is_text() {
                // Text inside <audio> is the fallback for when the file cannot be played.
                if c.parent().is_some_and(|a| a.has_tag_name("audio")) {
                    continue;
                }
                text.push_str(c.text().unwrap_or(""));
            } else if c.has_tag_name("value") {
                match c.attribute("expr").map(str::trim) {
                    Some(v) if crate::expr::is_name(v) => {
                        let _ = write!(text, "{{{v}}}");
                    }
                    other => self.notes.push(format!(
                        "line {}: <value expr=\"{}\"> is not a plain variable; left out",
                        self.line(c),
                        other.unwrap_or("")
                    )),
                }
            } else if c.has_tag_name("audio")
                && let Some(src) = c.attribute("src")
            {
                file = Some(src.to_owned());
            }
        }
        let text = squash(&text);
        match (file, text.is_empty()) {
            (Some(f), true) => Some(format!("{} file {}", self.lang, quote(&f))),
            (_, false) => Some(format!("{} {}", self.lang, quote(&text))),
            (None, true) => None,
        }
    }

    fn prompt_key(&mut self, p: XNode<'a>, hint: &str) -> Option<String> {
        let entry = self.prompt_entry(p)?;
        Some(self.prompts.key(&mut self.names, hint, entry))
    }

    fn target(&mut self, n: XNode<'a>, next: &str) -> String {
        let line = self.line(n);
        match next.strip_prefix('#') {
            Some(id) => match self.dialogs.get(id) {
                Some(t) => t.clone(),
                None => {
                    self.notes.push(format!(
                        "line {line}: goto to unknown dialog {next}; the call ends there"
                    ));
                    self.end()
                }
            },
            None => {
                let id = self.names.fresh("external");
                let _ = writeln!(self.out, "transfer {id} {{ flow {} }}", quote(next));
                self.notes.push(format!(
                    "line {line}: goto to another document ({next}) became a transfer to that flow"
                ));
                id
            }
        }
    }

    /// Executable content, in order, then on to `cont`; returns the first node's id.
    fn block(&mut self, items: &[XNode<'a>], cont: String, id_hint: &str) -> String {
        let mut current = cont;
        // Split off <if> branches first, since they are processed as units.
        for (idx, item) in items.iter().enumerate().rev() {
            let hint = if idx == 0 { id_hint.to_owned() } else { format!("{id_hint}_{idx}") };
            current = self.statement(*item, current, &hint);
        }
        current
    }

    fn statement(&mut self, n: XNode<'a>, cont: String, hint: &str) -> String {
        let line = self.line(n);
        match n.tag_name().name() {
            "prompt" | "audio" => match self.prompt_key(n, &format!("{hint}_prompt")) {
                Some(k) => {
                    let id = self.names.fresh(hint);
                    let _ = writeln!(self.out, "say {id} {{ prompt {k}; next -> {cont} }}");
                    id
                }
                None => cont,
            },
            "goto" => {
                match n.attribute("next") {
                    Some(next) => self.target(n, next),
                    None => {
                        self.notes.push(format!("line {line}: <goto> without next (expr forms are not supported); ignored"));
                        cont
                    }
                }
            }
            "disconnect" | "exit" => {
                let id = self.names.fresh(hint);
                let _ = writeln!(self.out, "hangup {id} {{}}");
                id
            }
            "return" => {
                let id = self.names.fresh(hint);
                let _ = writeln!(self.out, "say {id} {{ next -> return }}");
                id
            }
            "assign" | "var" => {
                let (Some(name), expr) = (n.attribute("name"), n.attribute("expr").unwrap_or("''"))
                else {
                    return cont;
                };
                let value = js_expr(expr).unwrap_or_else(|| {
                    self.notes.push(format!(
                        "line {line}: expression `{expr}` is not supported; `{name}` is set to \"\""
                    ));
                    "\"\"".to_owned()
                });
                let id = self.names.fresh(hint);
                let _ = writeln!(self.out, "set {id} {{ {name} = {value}; next -> {cont} }}");
                id
            }
            "if" if self.depth >= MAX_IF_DEPTH => {
                self.notes
                    .push(format!("line {line}: <if> nested deeper than {MAX_IF_DEPTH}; left out"));
                cont
            }
            "if" => {
                self.depth += 1;
                // Branches: the <if>'s own cond, then each <elseif cond>, then <else>.
                let mut branches: Vec<(Option<String>, Vec<XNode<'a>>)> =
                    vec![(n.attribute("cond").map(str::to_owned), Vec::new())];
                for c in children(n) {
                    match c.tag_name().name() {
                        "elseif" => {
                            branches.push((c.attribute("cond").map(str::to_owned), Vec::new()))
                        }
                        "else" => branches.push((None, Vec::new())),
                        _ => {
                            if let Some(b) = branches.last_mut() {
                                b.1.push(c);
                            }
                        }
                    }
                }
                let id = self.names.fresh(hint);
                let mut edges = String::new();
                let mut has_else = false;
                for (k, (cond, items)) in branches.iter().enumerate() {
                    let entry = self.block(items, cont.clone(), &format!("{id}_{}", k + 1));
                    match cond {
                        Some(c) => {
                            let e = js_expr(c).unwrap_or_else(|| {
                                self.notes.push(format!("line {line}: condition `{c}` is not supported; the branch is never taken"));
                                "false".to_owned()
                            });
                            let _ = writeln!(edges, "  when {e} -> {entry}");
                        }
                        None => {
                            has_else = true;
                            let _ = writeln!(edges, "  else -> {entry}");
                        }
                    }
                }
                if !has_else {
                    let _ = writeln!(edges, "  else -> {cont}");
                }
                let _ = writeln!(self.out, "if {id} {{\n{edges}}}");
                self.depth -= 1;
                id
            }
            "reprompt" | "log" | "clear" => cont,
            other => {
                self.notes.push(format!("line {line}: <{other}> is not supported; ignored"));
                cont
            }
        }
    }

    fn timeout_of(&self, n: XNode<'a>) -> String {
        children(n)
            .into_iter()
            .find(|p| p.has_tag_name("property") && p.attribute("name") == Some("timeout"))
            .and_then(|p| p.attribute("value"))
            .filter(|v| crate::parser::parse_duration(v).is_ok())
            .map_or_else(|| self.timeout.clone(), str::to_owned)
    }

    /// The prompts, retry settings and `exhausted` branch of a menu or field, as body lines.
    fn input_settings(&mut self, n: XNode<'a>, id: &str) -> String {
        let mut body = String::new();
        for p in children(n).into_iter().filter(|p| p.has_tag_name("prompt")) {
            let count =
                p.attribute("count").and_then(|c| c.parse::<u32>().ok()).unwrap_or(1).clamp(1, 20);
            if let Some(k) = self.prompt_key(
                p,
                &format!(
                    "{id}_prompt{}",
                    if count > 1 { count.to_string() } else { String::new() }
                ),
            ) {
                if count > 1 {
                    let _ = writeln!(body, "  prompt {count} {k}");
                } else {
                    let _ = writeln!(body, "  prompt {k}");
                }
            }
        }
        let _ = writeln!(body, "  timeout {}", self.timeout_of(n));
        let mut leave: Vec<(u32, &str, XNode<'a>)> = Vec::new();
        for kind in ["nomatch", "noinput"] {
            for h in children(n).into_iter().filter(|h| h.has_tag_name(kind)) {
                let count = h
                    .attribute("count")
                    .and_then(|c| c.parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, 20);
                let leaves = h.descendants().any(|d| {
                    matches!(d.tag_name().name(), "goto" | "disconnect" | "exit" | "return")
                });
                if leaves {
                    leave.push((count, kind, h));
                } else if let Some(p) = children(h).into_iter().find(|p| p.has_tag_name("prompt")) {
                    let key = self.prompt_key(p, &format!("{id}_{kind}"));
                    if let Some(k) = key {
                        let setting = if kind == "nomatch" { "invalid" } else { "no-input" };
                        let _ = writeln!(body, "  {setting} {k}");
                    }
                } else if kind == "nomatch" {
                    // A plain reprompt: no extra prompt, but the handling is explicit.
                }
            }
        }
        if !body.contains("  invalid ") {
            let k = self.prompts.key(
                &mut self.names,
                "no_match",
                format!("{} {}", self.lang, quote("Sorry, I did not understand.")),
            );
            let _ = writeln!(body, "  invalid {k}");
            self.notes.push(format!("dialog `{id}`: no nomatch prompt; a default one was added"));
        }
        // The exit: the no-match handler that leaves (else the no-input one).
        let chosen = leave.iter().find(|l| l.1 == "nomatch").or_else(|| leave.first()).copied();
        match chosen {
            Some((count, kind, h)) => {
                let sig = |h: XNode<'a>| -> String {
                    h.descendants()
                        .skip(1)
                        .map(|d| {
                            format!(
                                "{}{:?}{}",
                                d.tag_name().name(),
                                d.attributes().map(|a| (a.name(), a.value())).collect::<Vec<_>>(),
                                d.text().unwrap_or("").trim()
                            )
                        })
                        .collect()
                };
                let other =
                    leave.iter().find(|l| l.1 != kind && (sig(l.2) != sig(h) || l.0 != count));
                if let Some((c2, k2, h2)) = other {
                    self.notes.push(format!(
                        "line {}: <{k2} count=\"{c2}\"> leaves differently from <{kind} count=\"{count}\">; one retry counter is used and the {kind} branch is kept",
                        self.line(*h2)
                    ));
                }
                let _ = writeln!(body, "  retries {count}");
                let items = children(h);
                let end = self.end();
                let entry = self.block(&items, end, &format!("{id}_{kind}_exit"));
                let _ = writeln!(body, "  exhausted -> {entry}");
            }
            None => {
                let end = self.end();
                let _ = writeln!(body, "  retries 3\n  exhausted -> {end}");
                self.notes.push(format!(
                    "dialog `{id}`: no handler leaves after repeated errors; after 3 the call ends"
                ));
            }
        }
        body
    }

    fn menu(&mut self, n: XNode<'a>, id: &str) {
        let mut body = self.input_settings(n, id);
        let mut auto = 0;
        for c in children(n).into_iter().filter(|c| c.has_tag_name("choice")) {
            let line = self.line(c);
            let dtmf = match c.attribute("dtmf") {
                Some(d) if crate::parser::is_keys(d.trim()) => d.trim().to_owned(),
                Some(d) => {
                    self.notes.push(format!(
                        "line {line}: choice dtmf \"{d}\" is not DTMF keys; dropped"
                    ));
                    continue;
                }
                None if n.attribute("dtmf") == Some("true") && auto < 9 => {
                    auto += 1;
                    auto.to_string()
                }
                None => {
                    self.notes.push(format!("line {line}: choice without dtmf; dropped"));
                    continue;
                }
            };
            let Some(next) = c.attribute("next") else {
                self.notes.push(format!("line {line}: choice without next; dropped"));
                continue;
            };
            let t = self.target(c, next);
            let _ = writeln!(body, "  {dtmf} -> {t}");
        }
        let _ = writeln!(self.out, "menu {id} {{\n{body}}}");
    }

    fn form(&mut self, n: XNode<'a>, id: &str) {
        let items: Vec<XNode<'a>> = children(n)
            .into_iter()
            .filter(|c| {
                matches!(
                    c.tag_name().name(),
                    "field" | "record" | "transfer" | "subdialog" | "block"
                )
            })
            .collect();
        for c in children(n) {
            if !matches!(
                c.tag_name().name(),
                "field"
                    | "record"
                    | "transfer"
                    | "subdialog"
                    | "block"
                    | "filled"
                    | "property"
                    | "var"
                    | "catch"
                    | "noinput"
                    | "nomatch"
                    | "help"
                    | "error"
            ) {
                self.notes.push(format!(
                    "line {}: <{}> in a form is not supported; ignored",
                    self.line(c),
                    c.tag_name().name()
                ));
            }
        }
        // The form's own <filled> runs after the last item.
        let form_filled: Vec<XNode<'a>> = children(n)
            .into_iter()
            .find(|c| c.has_tag_name("filled"))
            .map(children)
            .unwrap_or_default();
        let end = self.end();
        let mut next = self.block(&form_filled, end, &format!("{id}_done"));
        // Item ids: the first is the form's own id (the target of gotos).
        let ids: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(k, it)| {
                if k == 0 {
                    id.to_owned()
                } else {
                    self.names.fresh(it.attribute("name").unwrap_or(it.tag_name().name()))
                }
            })
            .collect();
        if items.is_empty() {
            let _ = writeln!(self.out, "say {id} {{ next -> {next} }}");
            return;
        }
        for (it, iid) in items.iter().zip(&ids).rev() {
            next = self.item(*it, iid, next);
        }
    }

    /// One form item, going on to `next`; returns `iid`.
    fn item(&mut self, it: XNode<'a>, iid: &str, next: String) -> String {
        let line = self.line(it);
        let filled: Vec<XNode<'a>> = children(it)
            .into_iter()
            .find(|c| c.has_tag_name("filled"))
            .map(children)
            .unwrap_or_default();
        let after = if it.has_tag_name("transfer") {
            String::new()
        } else {
            self.block(&filled, next.clone(), &format!("{iid}_filled"))
        };
        let name = it.attribute("name").filter(|v| crate::expr::is_name(v)).map(str::to_owned);
        let prompts: Vec<String> = children(it)
            .into_iter()
            .filter(|p| p.has_tag_name("prompt"))
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|p| self.prompt_key(p, &format!("{iid}_prompt")))
            .collect();
        let prompt_lines: String = prompts.iter().map(|k| format!("  prompt {k}\n")).collect();
        match it.tag_name().name() {
            "field" => {
                let ty = it.attribute("type").unwrap_or("digits");
                let (base, params) = ty.split_once('?').unwrap_or((ty, ""));
                let mut min = 1u32;
                let mut max = 32u32;
                let mut pattern = None;
                for p in params.split(';') {
                    match p.split_once('=') {
                        Some(("minlength", v)) => min = v.parse().unwrap_or(min),
                        Some(("maxlength", v)) => max = v.parse().unwrap_or(max),
                        Some(("length", v)) => {
                            min = v.parse().unwrap_or(min);
                            max = min;
                        }
                        _ => {}
                    }
                }
                match base {
                    "digits" | "number" => {}
                    "boolean" => {
                        min = 1;
                        max = 1;
                        pattern = Some("[12]");
                    }
                    other => {
                        self.notes.push(format!("line {line}: field type `{other}` read as digits"))
                    }
                }
                if children(it).iter().any(|c| c.has_tag_name("grammar")) {
                    self.notes.push(format!("line {line}: <grammar> ignored; the builtin DTMF grammar of the type is used"));
                }
                let (min, max) = (min.clamp(1, 64), max.clamp(1, 64));
                let max = max.max(min);
                let settings = self.input_settings(it, iid);
                let var = name.unwrap_or_else(|| self.names.fresh(&format!("{iid}_value")));
                let mut body =
                    format!("{settings}  into {var}\n  digits {min}..{max}\n  terminator #\n");
                if let Some(p) = pattern {
                    let _ = writeln!(body, "  pattern {}", quote(p));
                }
                let _ = writeln!(self.out, "collect {iid} {{\n{body}  next -> {after}\n}}");
            }
            "record" => {
                let mut body = prompt_lines;
                if let Some(v) = name {
                    let _ = writeln!(body, "  into {v}");
                }
                if let Some(t) = it.attribute("maxtime").and_then(millis) {
                    let _ = writeln!(body, "  max {}s", t.div_ceil(1000).max(1));
                }
                let beep = it.attribute("beep") == Some("true");
                let _ = writeln!(body, "  beep {}", if beep { "on" } else { "off" });
                if let Some(t) = it.attribute("finalsilence").and_then(millis) {
                    let _ = writeln!(body, "  silence {t}ms");
                }
                if it.attribute("dtmfterm") != Some("false") {
                    let _ = writeln!(body, "  end-key #");
                }
                let _ = writeln!(self.out, "record {iid} {{\n{body}  next -> {after}\n}}");
            }
            "transfer" => {
                let dest = it.attribute("dest").unwrap_or("").to_owned();
                if !filled.is_empty()
                    && !filled.iter().all(|f| matches!(f.tag_name().name(), "disconnect" | "exit"))
                {
                    self.notes.push(format!("line {line}: the <filled> after a transfer is dropped: a transfer ends the flow"));
                }
                let _ = writeln!(
                    self.out,
                    "transfer {iid} {{\n{prompt_lines}  number {}\n}}",
                    quote(&dest)
                );
            }
            "subdialog" => match it
                .attribute("src")
                .and_then(|s| s.strip_prefix('#'))
                .and_then(|s| self.dialogs.get(s))
                .cloned()
            {
                Some(entry) => {
                    let _ = writeln!(self.out, "subflow {iid} {{ call {entry}; next -> {after} }}");
                }
                None => {
                    let src = it.attribute("src").unwrap_or("");
                    self.notes.push(format!("line {line}: subdialog to {src} (another document) became a transfer to that flow"));
                    let _ = writeln!(self.out, "transfer {iid} {{ flow {} }}", quote(src));
                }
            },
            _ => {
                // <block>: its content, then on.
                let items = children(it);
                let entry = self.block(&items, next, &format!("{iid}_body"));
                let _ = writeln!(self.out, "say {iid} {{ next -> {entry} }}");
            }
        }
        iid.to_owned()
    }
}

/// Converts a VoiceXML document (the DTMF subset above) into flow text.
///
/// # Errors
///
/// [`ImportError::Xml`] for malformed XML, [`ImportError::Unsupported`] when the root is not
/// `<vxml>` or there is no dialog.
///
/// ```
/// let vxml = r##"<vxml version="2.1"><menu id="m"><prompt>Press 1</prompt>
///   <choice dtmf="1" next="#bye"/></menu>
///   <form id="bye"><block><prompt>Goodbye</prompt><disconnect/></block></form></vxml>"##;
/// let imported = hotline_ivr::import::vxml::convert(vxml).unwrap();
/// assert!(hotline_ivr::compile(&imported.text).is_ok(), "{}", imported.text);
/// ```
pub fn convert(xml: &str) -> Result<Imported, ImportError> {
    let doc = parse_xml(xml)?;
    let root = doc.root_element();
    if !root.has_tag_name("vxml") {
        let (line, column) = position(&doc, root);
        return Err(ImportError::Unsupported {
            line,
            column,
            message: format!("the root element is <{}>, not <vxml>", root.tag_name().name()),
        });
    }
    let lang =
        root.attributes().find(|a| a.name() == "lang").map(|a| a.value().to_owned()).filter(|l| {
            let src = format!("languages {l}\n");
            crate::parse(&src).1.is_empty()
        });
    let mut conv = Conv {
        doc: &doc,
        names: Names::default(),
        prompts: Prompts::default(),
        lang: lang.clone().unwrap_or_else(|| "any".to_owned()),
        out: String::new(),
        notes: Vec::new(),
        dialogs: BTreeMap::new(),
        timeout: "5s".to_owned(),
        depth: 0,
    };
    conv.timeout = conv.timeout_of(root);
    let dialogs: Vec<XNode<'_>> = children(root)
        .into_iter()
        .filter(|c| c.has_tag_name("menu") || c.has_tag_name("form"))
        .collect();
    if dialogs.is_empty() {
        let (line, column) = position(&doc, root);
        return Err(ImportError::Unsupported {
            line,
            column,
            message: "no <menu> or <form> in the document".into(),
        });
    }
    let mut ids = Vec::new();
    for d in &dialogs {
        let raw = d.attribute("id").unwrap_or(d.tag_name().name());
        let id = conv.names.fresh(raw);
        if let Some(x) = d.attribute("id") {
            conv.dialogs.insert(x.to_owned(), id.clone());
        }
        ids.push(id);
    }
    let mut header = String::from(
        "// Imported from VoiceXML by `hotline ivr import --from vxml`.\nflow \"VoiceXML service\"\n",
    );
    if let Some(l) = &lang {
        let _ = writeln!(header, "languages {l}");
    }
    let _ = writeln!(header, "start {}", ids[0]);
    for v in children(root).into_iter().filter(|c| c.has_tag_name("var")) {
        let line = conv.line(v);
        match (
            v.attribute("name").filter(|n| crate::expr::is_name(n)),
            v.attribute("expr").map_or(Some("\"\"".to_owned()), literal),
        ) {
            (Some(name), Some(value)) => {
                let _ = writeln!(header, "var {name} = {value}");
            }
            _ => conv.notes.push(format!(
                "line {line}: <var> with a computed value is not supported; ignored"
            )),
        }
    }
    for c in children(root) {
        if !matches!(c.tag_name().name(), "menu" | "form" | "var" | "property" | "meta" | "catch") {
            conv.notes.push(format!(
                "line {}: <{}> is not supported; ignored",
                conv.line(c),
                c.tag_name().name()
            ));
        }
    }
    for (d, id) in dialogs.iter().zip(&ids) {
        let _ = writeln!(
            conv.out,
            "\n// <{} id=\"{}\"> (line {})",
            d.tag_name().name(),
            d.attribute("id").unwrap_or(""),
            conv.line(*d)
        );
        if d.has_tag_name("menu") {
            conv.menu(*d, id);
        } else {
            conv.form(*d, id);
        }
    }
    let mut text = header;
    text.push('\n');
    conv.prompts.write(&mut text);
    if conv.out.contains(END) {
        let end = conv.names.fresh("end");
        conv.out = conv.out.replace(END, &end);
        let _ = writeln!(conv.out, "\n// The end of the document.\nhangup {end} {{}}");
    }
    text.push_str(&conv.out);
    Ok(Imported { text, notes: conv.notes })
}

/// A VoiceXML time (`5s`, `500ms`) in whole milliseconds.
fn millis(text: &str) -> Option<u128> {
    crate::parser::parse_duration(text).ok().map(|d| d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        assert_eq!(js_expr("attempts + 1").as_deref(), Some("attempts + 1"));
        assert_eq!(js_expr("account.length == 6").as_deref(), Some("len(account) == 6"));
        assert_eq!(js_expr("a === 'x' && !b").as_deref(), Some("a == \"x\" and not b"));
        assert_eq!(js_expr("a ? b : c"), None);
    }
}
