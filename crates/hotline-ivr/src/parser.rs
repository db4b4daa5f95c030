//! The parser: tokens into a [`Flow`], collecting every syntax error it can recover from.
//!
//! The grammar is line based: a file is a list of items; a block item is `KIND ID { ... }` whose
//! body is statements separated by line ends or `;`. A statement is either a setting
//! (`timeout 5s`) or an edge (`1 -> consult`). The book chapter holds the full reference.

use std::time::Duration;

use jiff::civil::Date;

use crate::ast::{
    CalendarDef, DateRange, Edge, EdgeLabel, Flow, Hours, InputSpec, Node, NodeKind, PromptDef,
    PromptEntry, PromptSource, PromptUse, TransferTarget, VarDecl,
};
use crate::diag::{Diagnostic, Span, Spanned, codes};
use crate::expr::{Expr, ExprParser, Value, is_name};
use crate::lexer::{Tok, Token, lex};

/// The largest number of nodes, prompts and calendars together in one flow.
pub const MAX_ITEMS: usize = 10_000;

/// The keywords that start a node.
pub const NODE_KINDS: &[&str] = &[
    "say",
    "play",
    "menu",
    "collect",
    "queue",
    "transfer",
    "record",
    "voicemail",
    "callback",
    "survey",
    "schedule",
    "set",
    "if",
    "switch",
    "lookup",
    "subflow",
    "hangup",
];

/// Parses `src` into a flow and the syntax diagnostics found.
///
/// The flow holds everything that parsed; when the diagnostics hold an error it should not be
/// compiled. Never panics, whatever the input.
///
/// ```
/// let (flow, diags) = hotline_ivr::parse("start hello\nsay hello { prompt hi\n next -> bye }");
/// assert!(diags.is_empty());
/// assert_eq!(flow.nodes[0].id.value, "hello");
/// ```
pub fn parse(src: &str) -> (Flow, Vec<Diagnostic>) {
    let tokens = match lex(src) {
        Ok(t) => t,
        Err(d) => return (Flow::default(), vec![d]),
    };
    let mut p = Parser { toks: tokens, pos: 0, diags: Vec::new(), flow: Flow::default() };
    p.file();
    (p.flow, p.diags)
}

struct Parser<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    diags: Vec<Diagnostic>,
    flow: Flow,
}

type Res<T> = Result<T, Diagnostic>;

fn err<T>(span: Span, msg: impl Into<String>) -> Res<T> {
    Err(Diagnostic::error(codes::SYNTAX, span, msg))
}

/// One statement of a block: its tokens up to `->`, and the target after it.
struct Stmt<'t, 'a> {
    head: &'t [Token<'a>],
    target: Option<Spanned<String>>,
    span: Span,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token<'a> {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token<'a> {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at_end_of_stmt(&self) -> bool {
        matches!(self.peek().tok, Tok::Newline | Tok::Eof | Tok::Sym(";") | Tok::Sym("}"))
    }

    /// Skips to the end of the current line (error recovery at the top level).
    fn skip_line(&mut self) {
        while !matches!(self.peek().tok, Tok::Newline | Tok::Eof) {
            self.bump();
        }
    }

    /// Skips to the `}` closing the current block (or the end of input).
    fn skip_block(&mut self) {
        while !matches!(self.peek().tok, Tok::Sym("}") | Tok::Eof) {
            self.bump();
        }
        self.bump();
    }

    fn file(&mut self) {
        let mut items = 0usize;
        loop {
            let t = self.bump();
            let span = t.span;
            let kw = match t.tok {
                Tok::Eof => return,
                Tok::Newline | Tok::Sym(";") => continue,
                Tok::Word(w) => w,
                _ => {
                    self.diags.push(Diagnostic::error(
                        codes::SYNTAX,
                        span,
                        format!(
                            "expected a node, `prompt`, `calendar` or a header line, found {}",
                            t.describe()
                        ),
                    ));
                    self.skip_line();
                    continue;
                }
            };
            items += 1;
            if items > MAX_ITEMS {
                self.diags.push(Diagnostic::error(
                    codes::LIMIT,
                    span,
                    format!("more than {MAX_ITEMS} items in one flow"),
                ));
                return;
            }
            let result = match kw {
                "flow" => self.header_string().map(|s| self.flow.title = Some(s.value)),
                "timezone" => self.header_string().map(|s| self.flow.timezone = Some(s)),
                "start" => self.header_name().map(|s| self.flow.start = Some(s)),
                "languages" => self.languages(),
                "var" => self.var(),
                "prompt" => self.prompt_def(),
                "calendar" => self.calendar_def(span),
                k if NODE_KINDS.contains(&k) => self.node(k, span),
                other => {
                    let hint = if other.chars().all(|c| c.is_ascii_digit()) || other == "next" {
                        " (edges belong inside a node's `{ }`)"
                    } else {
                        ""
                    };
                    err(
                        span,
                        format!(
                            "unknown item `{other}`: expected flow, languages, start, timezone, \
                             var, prompt, calendar or a node kind ({}){hint}",
                            NODE_KINDS.join(", ")
                        ),
                    )
                }
            };
            if let Err(d) = result {
                self.diags.push(d);
                // Recover: if the error was inside a block, skip to its end; else skip the line.
                self.recover();
            }
        }
    }

    fn recover(&mut self) {
        // Look back on the current line for an opening brace not yet closed.
        let mut depth = 0i32;
        let mut i = self.pos;
        while i > 0 {
            i -= 1;
            match self.toks[i].tok {
                Tok::Sym("}") => depth -= 1,
                Tok::Sym("{") => depth += 1,
                _ => {}
            }
            if depth > 0 {
                break;
            }
            if depth < 0 {
                self.skip_line();
                return;
            }
            if matches!(self.toks[i].tok, Tok::Word(w) if NODE_KINDS.contains(&w) || w == "prompt" || w == "calendar")
                && i > 0
                && matches!(self.toks[i - 1].tok, Tok::Newline)
            {
                break;
            }
        }
        if depth > 0 { self.skip_block() } else { self.skip_line() }
    }

    fn end_stmt(&mut self) -> Res<()> {
        let t = self.peek();
        match t.tok {
            Tok::Newline | Tok::Eof | Tok::Sym(";") => {
                self.bump();
                Ok(())
            }
            _ => err(t.span, format!("expected the end of the line, found {}", t.describe())),
        }
    }

    fn header_string(&mut self) -> Res<Spanned<String>> {
        let t = self.bump();
        let Tok::Str(s) = t.tok else {
            return err(t.span, format!("expected a quoted string, found {}", t.describe()));
        };
        self.end_stmt()?;
        Ok(Spanned::new(s, t.span))
    }

    fn name(&mut self, what: &str) -> Res<Spanned<String>> {
        let t = self.bump();
        match t.tok {
            Tok::Word(w) if is_name(w) => Ok(Spanned::new(w.to_owned(), t.span)),
            _ => err(t.span, format!("expected {what}, found {}", t.describe())),
        }
    }

    fn header_name(&mut self) -> Res<Spanned<String>> {
        let n = self.name("a node id")?;
        self.end_stmt()?;
        Ok(n)
    }

    fn languages(&mut self) -> Res<()> {
        loop {
            let t = self.bump();
            match t.tok {
                Tok::Word(w) if is_language(w) => {
                    self.flow.languages.push(Spanned::new(w.to_owned(), t.span));
                }
                _ => {
                    return err(
                        t.span,
                        format!(
                            "expected a language tag such as zh-CN or en, found {}",
                            t.describe()
                        ),
                    );
                }
            }
            if self.peek().tok == Tok::Sym(",") {
                self.bump();
            } else if self.at_end_of_stmt() {
                return self.end_stmt();
            }
        }
    }

    fn var(&mut self) -> Res<()> {
        let name = self.name("a variable name")?;
        let t = self.bump();
        if t.tok != Tok::Sym("=") {
            return err(
                t.span,
                format!("expected `=` after the variable name, found {}", t.describe()),
            );
        }
        let t = self.bump();
        let value = literal(&t)?;
        self.end_stmt()?;
        self.flow.vars.push(VarDecl { name, value });
        Ok(())
    }

    fn open_brace(&mut self) -> Res<()> {
        let t = self.bump();
        if t.tok != Tok::Sym("{") {
            return err(t.span, format!("expected `{{` to open the block, found {}", t.describe()));
        }
        Ok(())
    }

    /// Reads the statements of a block up to its `}`, returning each statement's token range.
    fn block(&mut self, open: Span) -> Res<Vec<(usize, usize)>> {
        self.open_brace()?;
        let mut stmts = Vec::new();
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Newline | Tok::Sym(";") => {
                    self.bump();
                }
                Tok::Sym("}") => {
                    self.bump();
                    return Ok(stmts);
                }
                Tok::Eof => {
                    return err(open, "this block is never closed: a `}` is missing");
                }
                Tok::Sym("{") => return err(t.span, "blocks do not nest: a `}` is missing above"),
                _ => {
                    let start = self.pos;
                    while !self.at_end_of_stmt() {
                        if self.peek().tok == Tok::Sym("{") {
                            return err(
                                self.peek().span,
                                "blocks do not nest: a `}` is missing above",
                            );
                        }
                        self.bump();
                    }
                    stmts.push((start, self.pos));
                }
            }
        }
    }

    fn stmt(&self, range: (usize, usize)) -> Res<Stmt<'_, 'a>> {
        let toks = &self.toks[range.0..range.1];
        let span = toks[0].span.to(toks[toks.len() - 1].span);
        match toks.iter().position(|t| t.tok == Tok::Sym("->")) {
            None => Ok(Stmt { head: toks, target: None, span }),
            Some(i) => {
                let rest = &toks[i + 1..];
                if i == 0 {
                    return err(
                        toks[0].span,
                        "an edge needs a label before `->` (next, 1, error, ...)",
                    );
                }
                match rest {
                    [Token { tok: Tok::Word(w), span: ts }] if is_name(w) => Ok(Stmt {
                        head: &toks[..i],
                        target: Some(Spanned::new((*w).to_owned(), *ts)),
                        span,
                    }),
                    [] => err(toks[i].span, "expected a node id after `->`"),
                    [t, ..] => err(
                        t.span,
                        format!("expected one node id after `->`, found {}", t.describe()),
                    ),
                }
            }
        }
    }

    fn prompt_def(&mut self) -> Res<()> {
        let id = self.name("a prompt key")?;
        let stmts = self.block(id.span)?;
        let mut entries = Vec::new();
        for range in stmts {
            let s = self.stmt(range)?;
            match s.head {
                [Token { tok: Tok::Word(lang), span }, Token { tok: Tok::Str(text), .. }]
                    if is_language(lang) || *lang == "any" =>
                {
                    entries.push(PromptEntry {
                        lang: Spanned::new((*lang).to_owned(), *span),
                        source: PromptSource::Text(text.clone()),
                    });
                }
                [
                    Token { tok: Tok::Word(lang), span },
                    Token { tok: Tok::Word("file"), .. },
                    Token { tok: Tok::Str(path), .. },
                ] if is_language(lang) || *lang == "any" => {
                    entries.push(PromptEntry {
                        lang: Spanned::new((*lang).to_owned(), *span),
                        source: PromptSource::File(path.clone()),
                    });
                }
                _ => {
                    return err(
                        s.span,
                        "a prompt entry is `LANG \"text\"` or `LANG file \"path.wav\"` \
                         (LANG such as zh-CN, en, or any)",
                    );
                }
            }
        }
        self.flow.prompts.push(PromptDef { id, entries });
        Ok(())
    }

    fn calendar_def(&mut self, kw: Span) -> Res<()> {
        let id = self.name("a calendar name")?;
        let stmts = self.block(id.span)?;
        let mut cal = CalendarDef {
            id,
            base: None,
            timezone: None,
            hours: Vec::new(),
            holidays: Vec::new(),
            workdays: Vec::new(),
            span: kw,
        };
        for range in stmts {
            let s = self.stmt(range)?;
            if s.target.is_some() {
                return err(s.span, "a calendar has no edges");
            }
            let (key, args) = (s.head[0].clone(), &s.head[1..]);
            match key.tok {
                Tok::Word("timezone") => match args {
                    [Token { tok: Tok::Str(tz), span }] => {
                        cal.timezone = Some(Spanned::new(tz.clone(), *span));
                    }
                    _ => return err(s.span, "expected `timezone \"Area/City\"`"),
                },
                Tok::Word("hours") => cal.hours.push(hours(args, s.span)?),
                Tok::Word("base") => match args {
                    [Token { tok: Tok::Word(b @ ("china" | "us" | "eu-berlin")), span }] => {
                        cal.base = Some(Spanned::new((*b).to_owned(), *span));
                    }
                    _ => {
                        return err(s.span, "expected `base china`, `base us` or `base eu-berlin`");
                    }
                },
                Tok::Word(w @ ("holiday" | "workday")) => {
                    let r = date_range(args, s.span)?;
                    if w == "holiday" { cal.holidays.push(r) } else { cal.workdays.push(r) }
                }
                _ => {
                    return err(
                        key.span,
                        format!(
                            "unknown calendar statement {}: use base, timezone, hours, holiday or workday",
                            key.describe()
                        ),
                    );
                }
            }
        }
        self.flow.calendars.push(cal);
        Ok(())
    }

    fn node(&mut self, kw: &str, span: Span) -> Res<()> {
        let id = self.name("a node id")?;
        let mut node = Node {
            id,
            span,
            kind: initial_kind(kw),
            prompts: Vec::new(),
            barge_in: true,
            edges: Vec::new(),
        };
        let stmts = self.block(node.id.span)?;
        for range in stmts {
            let s = self.stmt(range)?;
            if let Err(d) = node_stmt(&mut node, &s) {
                self.diags.push(d);
            }
        }
        self.flow.nodes.push(node);
        Ok(())
    }
}

fn initial_kind(kw: &str) -> NodeKind {
    match kw {
        "menu" => NodeKind::Menu(InputSpec::default()),
        "collect" => NodeKind::Collect {
            input: InputSpec::default(),
            into: None,
            min: 1,
            max: 32,
            terminator: None,
            pattern: None,
            confirm: None,
        },
        "queue" => NodeKind::Queue {
            queue: String::new(),
            priority: 0,
            skills: Vec::new(),
            announce_position: false,
            announce_wait: false,
            announce_every: None,
            music: None,
            max_wait: None,
        },
        "transfer" => NodeKind::Transfer(TransferTarget::Number(String::new())),
        "record" | "voicemail" => NodeKind::Record {
            voicemail: kw == "voicemail",
            into: None,
            max: Duration::from_secs(60),
            beep: true,
            silence: None,
            end_key: None,
            mailbox: None,
        },
        "callback" => NodeKind::Callback { queue: String::new(), number: None },
        "survey" => NodeKind::Survey { input: InputSpec::default(), into: None },
        "schedule" => NodeKind::Schedule { calendar: None },
        "set" => NodeKind::Set(Vec::new()),
        "if" => NodeKind::If,
        "switch" => NodeKind::Switch(None),
        "lookup" => NodeKind::Lookup {
            function: String::new(),
            args: Vec::new(),
            into: None,
            timeout: None,
        },
        "subflow" => NodeKind::Subflow { entry: None },
        "hangup" => NodeKind::Hangup,
        _ => NodeKind::Say,
    }
}

/// Whether a node kind plays prompts.
fn plays(kind: &NodeKind) -> bool {
    !matches!(
        kind,
        NodeKind::Schedule { .. }
            | NodeKind::Set(_)
            | NodeKind::If
            | NodeKind::Switch(_)
            | NodeKind::Lookup { .. }
            | NodeKind::Subflow { .. }
    )
}

fn is_language(w: &str) -> bool {
    let mut parts = w.split('-');
    parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Whether `k` is a DTMF key sequence (0-9, *, #, A-D).
pub fn is_keys(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'))
}

fn literal(t: &Token<'_>) -> Res<Value> {
    match &t.tok {
        Tok::Str(s) => Ok(Value::Text(s.clone())),
        Tok::Word("true") => Ok(Value::Bool(true)),
        Tok::Word("false") => Ok(Value::Bool(false)),
        Tok::Word(w) if w.chars().all(|c| c.is_ascii_digit()) => {
            w.parse().map(Value::Number).or_else(|_| err(t.span, "number too large"))
        }
        _ => err(t.span, format!("expected a quoted string or a number, found {}", t.describe())),
    }
}

/// The longest duration a flow or a calls file may give.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// Why a duration does not parse: hotline-calendar's error, the same for every hotline crate
/// that reads a duration a person wrote (its [`TooLong`](DurationError::TooLong) names
/// [`MAX_DURATION`] here).
pub use hotline_calendar::duration::DurationError;

/// Parses a duration as a user types it, in the forms every hotline crate reads
/// ([`hotline_calendar::duration`]: `30s`, `500ms`, `1m 30s`, `1m30s`, `2h`, `1.5s`,
/// `2 minutes`, or a bare number of seconds such as `5`); at most [`MAX_DURATION`].
///
/// # Errors
///
/// A [`DurationError`] saying what is wrong (and where, for a text that is not a duration).
///
/// ```
/// use std::time::Duration;
/// use hotline_ivr::parser::parse_duration;
/// assert_eq!(parse_duration("1m 30s").unwrap(), Duration::from_secs(90));
/// assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
/// assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
/// assert!(parse_duration("-30s").unwrap_err().to_string().contains("negative"));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    hotline_calendar::duration::parse_at_most(text, MAX_DURATION)
}

fn one<'t, 'a>(args: &'t [Token<'a>], span: Span, what: &str) -> Res<&'t Token<'a>> {
    match args {
        [t] => Ok(t),
        [] => err(span, format!("expected {what}")),
        [_, t, ..] => err(t.span, format!("expected only {what}, found {}", t.describe())),
    }
}

fn dur_arg(args: &[Token<'_>], span: Span) -> Res<Spanned<Duration>> {
    let Some(first) = args.first() else {
        return err(span, "expected a duration such as 5s or 500ms");
    };
    // `1m 30s` is several words: they make one duration.
    let mut words = Vec::with_capacity(args.len());
    for t in args {
        match t.tok {
            Tok::Word(w) => words.push(w),
            _ => {
                return err(
                    t.span,
                    format!("expected a duration such as 5s, found {}", t.describe()),
                );
            }
        }
    }
    let last = args.last().map_or(first.span, |t| t.span);
    let at = Span { end: last.end, ..first.span };
    match parse_duration(&words.join(" ")) {
        Ok(d) => Ok(Spanned::new(d, at)),
        Err(e) => err(at, e.to_string()),
    }
}

fn uint_arg(args: &[Token<'_>], span: Span, max: u32) -> Res<u32> {
    let t = one(args, span, "a whole number")?;
    match t.tok {
        Tok::Word(w) => match w.parse::<u32>() {
            Ok(n) if n <= max => Ok(n),
            _ => err(t.span, format!("expected a whole number from 0 to {max}, found `{w}`")),
        },
        _ => err(t.span, format!("expected a whole number, found {}", t.describe())),
    }
}

fn str_arg(args: &[Token<'_>], span: Span) -> Res<String> {
    let t = one(args, span, "a quoted string")?;
    match &t.tok {
        Tok::Str(s) => Ok(s.clone()),
        _ => err(t.span, format!("expected a quoted string, found {}", t.describe())),
    }
}

fn name_arg(args: &[Token<'_>], span: Span, what: &str) -> Res<Spanned<String>> {
    let t = one(args, span, what)?;
    match t.tok {
        Tok::Word(w) if is_name(w) => Ok(Spanned::new(w.to_owned(), t.span)),
        _ => err(t.span, format!("expected {what}, found {}", t.describe())),
    }
}

fn key_arg(args: &[Token<'_>], span: Span) -> Res<String> {
    let t = one(args, span, "a key (0-9, * or #)")?;
    match t.tok {
        Tok::Word(w) if is_keys(w) && w.len() == 1 => Ok(w.to_owned()),
        _ => err(t.span, format!("expected one key (0-9, * or #), found {}", t.describe())),
    }
}

fn onoff_arg(args: &[Token<'_>], span: Span) -> Res<bool> {
    let t = one(args, span, "on or off")?;
    match t.tok {
        Tok::Word("on" | "yes" | "true") => Ok(true),
        Tok::Word("off" | "no" | "false") => Ok(false),
        _ => err(t.span, format!("expected on or off, found {}", t.describe())),
    }
}

fn expr_arg(args: &[Token<'_>], span: Span) -> Res<Expr> {
    ExprParser::parse_all(args, Span { start: span.end, end: span.end, ..span })
}

/// Concatenates key tokens (`1`, `#`, `*`, `10`) into one digit string, if they all are keys.
fn keys_of(head: &[Token<'_>]) -> Option<String> {
    let mut out = String::new();
    for t in head {
        match t.tok {
            Tok::Word(w) if is_keys(w) => out.push_str(w),
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

fn allowed_labels(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Say | NodeKind::Set(_) | NodeKind::Callback { .. } | NodeKind::Survey { .. } => {
            "next"
        }
        NodeKind::Subflow { .. } => "next",
        NodeKind::Menu(_) => "a digit option (1, 2, *, #, 10, ...) or exhausted",
        NodeKind::Collect { .. } => "next or exhausted",
        NodeKind::Queue { .. } => "answered, error, timeout or leave KEY",
        NodeKind::Transfer(_) => "error",
        NodeKind::Record { .. } => "next or error",
        NodeKind::Schedule { .. } => "open, closed or holiday",
        NodeKind::If => "when EXPR or else",
        NodeKind::Switch(_) => "case VALUE or else",
        NodeKind::Lookup { .. } => "next or error",
        NodeKind::Hangup => "nothing: hangup ends the call",
    }
}

fn label_of(kind: &NodeKind, head: &[Token<'_>], span: Span) -> Res<EdgeLabel> {
    let first = &head[0];
    let label = match (&first.tok, kind) {
        (Tok::Word("next"), _) if head.len() == 1 => Some(EdgeLabel::Next),
        (Tok::Word("exhausted"), _) if head.len() == 1 => Some(EdgeLabel::Exhausted),
        (Tok::Word("error"), _) if head.len() == 1 => Some(EdgeLabel::Error),
        (Tok::Word("timeout"), _) if head.len() == 1 => Some(EdgeLabel::Timeout),
        (Tok::Word("answered"), _) if head.len() == 1 => Some(EdgeLabel::Answered),
        (Tok::Word("open"), _) if head.len() == 1 => Some(EdgeLabel::Open),
        (Tok::Word("closed"), _) if head.len() == 1 => Some(EdgeLabel::Closed),
        (Tok::Word("holiday"), _) if head.len() == 1 => Some(EdgeLabel::Holiday),
        (Tok::Word("else"), _) if head.len() == 1 => Some(EdgeLabel::Else),
        (Tok::Word("leave"), _) => Some(EdgeLabel::Leave(key_arg(&head[1..], first.span)?)),
        (Tok::Word("when"), _) => Some(EdgeLabel::When(expr_arg(&head[1..], first.span)?)),
        (Tok::Word("case"), _) => {
            Some(EdgeLabel::Case(literal(one(&head[1..], first.span, "a value")?)?))
        }
        (_, NodeKind::Menu(_)) => keys_of(head).map(EdgeLabel::Digits),
        _ => None,
    };
    let Some(label) = label else {
        return err(
            span,
            format!("unknown edge: a {} node's edges are {}", kind.keyword(), allowed_labels(kind)),
        );
    };
    let ok = matches!(
        (&label, kind),
        (
            EdgeLabel::Next,
            NodeKind::Say | NodeKind::Set(_) | NodeKind::Callback { .. } | NodeKind::Survey { .. }
        ) | (
            EdgeLabel::Next,
            NodeKind::Subflow { .. } | NodeKind::Collect { .. } | NodeKind::Record { .. }
        ) | (EdgeLabel::Next, NodeKind::Lookup { .. })
            | (EdgeLabel::Digits(_) | EdgeLabel::Exhausted, NodeKind::Menu(_))
            | (EdgeLabel::Exhausted, NodeKind::Collect { .. })
            | (
                EdgeLabel::Answered | EdgeLabel::Error | EdgeLabel::Timeout | EdgeLabel::Leave(_),
                NodeKind::Queue { .. }
            )
            | (
                EdgeLabel::Error,
                NodeKind::Transfer(_) | NodeKind::Record { .. } | NodeKind::Lookup { .. }
            )
            | (EdgeLabel::Open | EdgeLabel::Closed | EdgeLabel::Holiday, NodeKind::Schedule { .. })
            | (EdgeLabel::When(_) | EdgeLabel::Else, NodeKind::If)
            | (EdgeLabel::Case(_) | EdgeLabel::Else, NodeKind::Switch(_))
    );
    if !ok {
        return err(
            span,
            format!(
                "a {} node has no `{}` edge; its edges are {}",
                kind.keyword(),
                label.describe(),
                allowed_labels(kind)
            ),
        );
    }
    Ok(label)
}

fn input_setting(input: &mut InputSpec, key: &str, args: &[Token<'_>], span: Span) -> Res<bool> {
    match key {
        "timeout" | "first-digit-timeout" => input.timeout = Some(dur_arg(args, span)?),
        "inter-digit-timeout" => input.inter_digit_timeout = Some(dur_arg(args, span)?.value),
        "retries" => {
            let n = uint_arg(args, span, 20)?;
            if n == 0 {
                return err(span, "retries must be at least 1");
            }
            input.retries = Some(n);
        }
        "invalid" => input.invalid = Some(name_arg(args, span, "a prompt key")?),
        "no-input" => input.no_input = Some(name_arg(args, span, "a prompt key")?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn node_stmt(node: &mut Node, s: &Stmt<'_, '_>) -> Res<()> {
    if let Some(target) = &s.target {
        let label = label_of(&node.kind, s.head, s.span)?;
        node.edges.push(Edge { label, target: target.clone(), span: s.span });
        return Ok(());
    }
    let key_tok = &s.head[0];
    let args = &s.head[1..];
    let span = s.span;
    let Tok::Word(key) = key_tok.tok else {
        return err(
            key_tok.span,
            format!("expected a setting or an edge, found {}", key_tok.describe()),
        );
    };
    let plays = plays(&node.kind);
    match (key, &mut node.kind) {
        ("prompt", _) if plays => match args {
            [Token { tok: Tok::Word(n), span: nspan }, rest @ ..]
                if n.chars().all(|c| c.is_ascii_digit()) =>
            {
                let from_attempt = match n.parse::<u32>() {
                    Ok(a @ 1..=20) => a,
                    _ => return err(*nspan, "the attempt number must be from 1 to 20"),
                };
                let key = name_arg(rest, span, "a prompt key")?;
                node.prompts.push(PromptUse { key, from_attempt });
            }
            _ => node
                .prompts
                .push(PromptUse { key: name_arg(args, span, "a prompt key")?, from_attempt: 1 }),
        },
        ("barge-in", _) if plays => node.barge_in = onoff_arg(args, span)?,
        (k, NodeKind::Menu(input)) => {
            if !input_setting(input, k, args, span)? {
                return unknown_setting("menu", key_tok.span, key);
            }
        }
        (k, NodeKind::Survey { input, into }) => {
            if k == "into" {
                *into = Some(name_arg(args, span, "a variable name")?);
            } else if !input_setting(input, k, args, span)? {
                return unknown_setting(node_kw(&node.kind), key_tok.span, key);
            }
        }
        (k, NodeKind::Collect { input, into, min, max, terminator, pattern, confirm }) => match k {
            "into" => *into = Some(name_arg(args, span, "a variable name")?),
            "digits" => {
                let t = one(args, span, "a digit count such as 4 or 6..10")?;
                let Tok::Word(w) = t.tok else {
                    return err(t.span, "expected a digit count such as 6..10");
                };
                let (a, b) = w.split_once("..").unwrap_or((w, w));
                match (a.parse::<u32>(), b.parse::<u32>()) {
                    (Ok(a), Ok(b)) if a >= 1 && a <= b && b <= 64 => {
                        *min = a;
                        *max = b;
                    }
                    _ => {
                        return err(
                            t.span,
                            "expected a digit count from 1 to 64, such as 4 or 6..10 (min <= max)",
                        );
                    }
                }
            }
            "terminator" => *terminator = Some(key_arg(args, span)?),
            "pattern" => {
                let t = one(args, span, "a quoted regular expression")?;
                let Tok::Str(p) = &t.tok else {
                    return err(t.span, "expected a quoted regular expression");
                };
                *pattern = Some(Spanned::new(p.clone(), t.span));
            }
            "confirm" => *confirm = Some(name_arg(args, span, "a prompt key")?),
            _ if input_setting(input, k, args, span)? => {}
            _ => return unknown_setting("collect", key_tok.span, key),
        },
        (
            k,
            NodeKind::Queue {
                queue,
                priority,
                skills,
                announce_position,
                announce_wait,
                announce_every,
                music,
                max_wait,
            },
        ) => match k {
            "to" => *queue = str_arg(args, span)?,
            "priority" => *priority = i64::from(uint_arg(args, span, 1000)?),
            "skills" => {
                for t in args {
                    match t.tok {
                        Tok::Sym(",") => {}
                        Tok::Word(w) => skills.push(w.to_owned()),
                        Tok::Str(ref s) => skills.push(s.clone()),
                        _ => return err(t.span, "expected skill names separated by commas"),
                    }
                }
            }
            "announce" => {
                let mut i = 0;
                while i < args.len() {
                    match args[i].tok {
                        Tok::Word("position") => *announce_position = true,
                        Tok::Word("wait") => *announce_wait = true,
                        Tok::Sym(",") => {}
                        Tok::Word("every") => {
                            *announce_every = Some(
                                dur_arg(&args[i + 1..], args[i].span)?
                                    .value
                                    .max(Duration::from_secs(1)),
                            );
                            break;
                        }
                        _ => {
                            return err(
                                args[i].span,
                                "expected `announce position, wait every 30s`",
                            );
                        }
                    }
                    i += 1;
                }
                if announce_every.is_none() {
                    return err(span, "say how often: `announce position, wait every 30s`");
                }
            }
            "music" => *music = Some(name_arg(args, span, "a prompt key")?),
            "max-wait" => *max_wait = Some(dur_arg(args, span)?.value),
            _ => return unknown_setting("queue", key_tok.span, key),
        },
        (k, NodeKind::Transfer(target)) => match k {
            "agent" => *target = TransferTarget::Agent(str_arg(args, span)?),
            "number" => *target = TransferTarget::Number(str_arg(args, span)?),
            "flow" => *target = TransferTarget::Flow(str_arg(args, span)?),
            _ => return unknown_setting("transfer", key_tok.span, key),
        },
        (k, NodeKind::Record { into, max, beep, silence, end_key, mailbox, .. }) => match k {
            "into" => *into = Some(name_arg(args, span, "a variable name")?),
            "max" => *max = dur_arg(args, span)?.value.max(Duration::from_secs(1)),
            "beep" => *beep = onoff_arg(args, span)?,
            "silence" => *silence = Some(dur_arg(args, span)?.value),
            "end-key" => *end_key = Some(key_arg(args, span)?),
            "mailbox" => *mailbox = Some(str_arg(args, span)?),
            _ => return unknown_setting(node_kw(&node.kind), key_tok.span, key),
        },
        (k, NodeKind::Callback { queue, number }) => match k {
            "queue" => *queue = str_arg(args, span)?,
            "number" => *number = Some(expr_arg(args, span)?),
            _ => return unknown_setting("callback", key_tok.span, key),
        },
        ("calendar", NodeKind::Schedule { calendar }) => {
            *calendar = Some(name_arg(args, span, "a calendar name")?);
        }
        (k, NodeKind::Set(assigns)) if is_name(k) => match args {
            [Token { tok: Tok::Sym("="), .. }, rest @ ..] => {
                assigns.push((Spanned::new(k.to_owned(), key_tok.span), expr_arg(rest, span)?));
            }
            _ => return err(span, format!("expected `{k} = value`")),
        },
        ("on", NodeKind::Switch(on)) => *on = Some(expr_arg(args, span)?),
        (k, NodeKind::Lookup { function, args: largs, into, timeout }) => match k {
            "function" => *function = str_arg(args, span)?,
            "arg" => match args {
                [Token { tok: Tok::Word(n), .. }, Token { tok: Tok::Sym("="), .. }, rest @ ..]
                    if is_name(n) =>
                {
                    largs.push(((*n).to_owned(), expr_arg(rest, span)?));
                }
                _ => return err(span, "expected `arg NAME = value`"),
            },
            "into" => *into = Some(name_arg(args, span, "a variable name")?),
            "timeout" => *timeout = Some(dur_arg(args, span)?.value),
            _ => return unknown_setting("lookup", key_tok.span, key),
        },
        ("call", NodeKind::Subflow { entry }) => *entry = Some(name_arg(args, span, "a node id")?),
        _ => return unknown_setting(node_kw(&node.kind), key_tok.span, key),
    }
    Ok(())
}

fn node_kw(kind: &NodeKind) -> &'static str {
    kind.keyword()
}

fn unknown_setting(kind: &str, span: Span, key: &str) -> Res<()> {
    let known = match kind {
        "say" => "prompt, barge-in",
        "menu" => "prompt, barge-in, timeout, inter-digit-timeout, retries, invalid, no-input",
        "collect" => {
            "prompt, barge-in, into, digits, terminator, timeout, first-digit-timeout, inter-digit-timeout, pattern, confirm, retries, invalid, no-input"
        }
        "queue" => "prompt, to, priority, skills, announce, music, max-wait",
        "transfer" => "prompt, agent, number, flow",
        "record" | "voicemail" => "prompt, into, max, beep, silence, end-key, mailbox",
        "callback" => "prompt, queue, number",
        "survey" => "prompt, into, timeout, retries, invalid, no-input",
        "schedule" => "calendar",
        "set" => "NAME = value",
        "switch" => "on",
        "lookup" => "function, arg, into, timeout",
        "subflow" => "call",
        "hangup" => "prompt",
        _ => "none",
    };
    err(span, format!("unknown setting `{key}` in a {kind} node; its settings are: {known}"))
}

fn weekday(w: &str) -> Option<u8> {
    Some(match w {
        "mon" => 1,
        "tue" => 2,
        "wed" => 3,
        "thu" => 4,
        "fri" => 5,
        "sat" => 6,
        "sun" => 7,
        _ => return None,
    })
}

fn clock(w: &str) -> Option<u16> {
    let (h, m) = w.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

fn hours(args: &[Token<'_>], span: Span) -> Res<Hours> {
    let mut days = Vec::new();
    let mut ranges = Vec::new();
    for t in args {
        match t.tok {
            Tok::Sym(",") => {}
            Tok::Word(w) if w.contains(':') => {
                let parsed = w.split_once('-').and_then(|(a, b)| Some((clock(a)?, clock(b)?)));
                match parsed {
                    Some((a, b)) if a < b => ranges.push((a, b)),
                    _ => {
                        return err(
                            t.span,
                            format!("`{w}` is not a time range such as 09:00-12:00"),
                        );
                    }
                }
            }
            Tok::Word(w) => {
                let (a, b) = w.split_once('-').unwrap_or((w, w));
                match (weekday(a), weekday(b)) {
                    (Some(a), Some(b)) if a <= b => days.extend(a..=b),
                    _ => {
                        return err(
                            t.span,
                            format!("`{w}` is not a day or day range such as mon-fri"),
                        );
                    }
                }
            }
            _ => return err(t.span, "expected `hours mon-fri 09:00-12:00, 13:00-17:00`"),
        }
    }
    if days.is_empty() || ranges.is_empty() {
        return err(span, "expected days and times: `hours mon-fri 09:00-12:00, 13:00-17:00`");
    }
    Ok(Hours { days, ranges, span })
}

fn date_range(args: &[Token<'_>], span: Span) -> Res<DateRange> {
    let (first, name) = match args {
        [d] => (d, String::new()),
        [d, Token { tok: Tok::Str(n), .. }] => (d, n.clone()),
        _ => {
            return err(
                span,
                "expected a date or date range and an optional name: `2026-10-01..2026-10-07 \"National Day\"`",
            );
        }
    };
    let Tok::Word(w) = first.tok else {
        return err(first.span, "expected a date such as 2026-10-01");
    };
    let (a, b) = w.split_once("..").unwrap_or((w, w));
    match (a.parse::<Date>(), b.parse::<Date>()) {
        (Ok(from), Ok(to)) if from <= to && to.since(from).is_ok_and(|s| s.get_days() <= 366) => {
            Ok(DateRange { from, to, name, span })
        }
        _ => err(
            first.span,
            format!(
                "`{w}` is not a date or a date range (at most a year) such as 2026-10-01..2026-10-07"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_flow() {
        let src = r#"
flow "Demo"
languages zh-CN, en
start main
prompt hi {
  zh-CN "你好"
  en file "hi.wav"
}
menu main {
  prompt hi
  prompt 2 hi
  timeout 5s; retries 3
  1 -> main
  # -> main
  exhausted -> bye
}
hangup bye { prompt hi }
"#;
        let (flow, diags) = parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(flow.languages.len(), 2);
        assert_eq!(flow.nodes.len(), 2);
        assert_eq!(flow.nodes[0].edges.len(), 3);
        assert_eq!(flow.nodes[0].edges[1].label, EdgeLabel::Digits("#".into()));
        assert_eq!(flow.prompts[0].entries[1].source, PromptSource::File("hi.wav".into()));
    }

    #[test]
    fn errors_have_positions_and_recover() {
        let src = "start a\nsay a {\n  bogus 1\n  next -> b\n}\nhangup b {}\nwhat\n";
        let (flow, diags) = parse(src);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!((diags[0].span.line, diags[0].span.column), (3, 3));
        assert!(diags[0].message.contains("unknown setting `bogus`"));
        assert_eq!(diags[1].span.line, 7);
        assert_eq!(flow.nodes.len(), 2);
    }

    #[test]
    fn durations() {
        // Every form the IVR files use, and jiff's friendly forms.
        for (text, ms) in [
            ("500ms", 500),
            ("5", 5000),
            ("5s", 5000),
            ("2m", 120_000),
            ("1h", 3_600_000),
            ("1m 30s", 90_000),
            ("1m30s", 90_000),
            ("1.5s", 1500),
            ("2 minutes", 120_000),
            ("24h", 86_400_000),
        ] {
            assert_eq!(parse_duration(text).ok(), Some(Duration::from_millis(ms)), "{text}");
        }
        assert!(matches!(parse_duration("5x"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse_duration("-30s"), Err(DurationError::Negative { .. })));
        assert!(matches!(parse_duration("25h"), Err(DurationError::TooLong { .. })));
        assert!(parse_duration("99999999999999999h").is_err());
        assert!(matches!(
            parse_duration("99999999999999999999"),
            Err(DurationError::TooLong { .. })
        ));
        assert!(matches!(parse_duration(" "), Err(DurationError::Empty)));
    }

    #[test]
    fn unclosed_block() {
        let (_, diags) = parse("say a {\n prompt x\n");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("never closed"));
    }
}
