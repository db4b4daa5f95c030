//! Expressions in `set`, `if`, `switch`, `lookup` and `callback`: values, parsing and evaluation.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
//! sum     := atom ("+" atom)*
//! atom    := STRING | NUMBER | "true" | "false" | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"
//! ```
//!
//! Values are text, whole numbers or booleans. Comparisons follow the semantics hotline-flow's
//! conditions share (the book's flow chapter, "Comparing values"): numerically when both sides
//! read as numbers (so `"0042" == 42`), as text when both are text, booleans with `false < true`;
//! any other pair is incomparable (`==` false, `!=` true, every ordering false). `+` adds numbers and joins text.
//! Functions: `len(x)` (characters), `starts-with(x, prefix)`, `matches(x, "regex")`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Span, codes};
use crate::lexer::{Tok, Token};

/// The deepest expression nesting the parser accepts.
pub const MAX_DEPTH: usize = 32;

/// A run-time value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A whole number.
    Number(i64),
    /// A truth value.
    Bool(bool),
    /// Text (collected digits are text, so that leading zeros survive).
    Text(String),
}

impl Value {
    /// The value as a whole number, when it is one or is text that reads as one.
    pub fn as_number(&self) -> Option<i64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Bool(_) => None,
        }
    }

    /// Truthiness: `false`, `0` and empty text are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0,
            Value::Text(t) => !t.is_empty(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `and`
    And,
    /// `or`
    Or,
}

/// An expression tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expr {
    /// A literal value.
    Literal(Value),
    /// A variable read, with where it is read.
    Var(String, Span),
    /// `not x`.
    Not(Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `name(args)`.
    Call(String, Vec<Expr>, Span),
}

impl Expr {
    /// Every variable the expression reads, with where.
    pub fn reads(&self, out: &mut Vec<(String, Span)>) {
        match self {
            Expr::Literal(_) => {}
            Expr::Var(name, span) => out.push((name.clone(), *span)),
            Expr::Not(e) => e.reads(out),
            Expr::Binary(_, a, b) => {
                a.reads(out);
                b.reads(out);
            }
            Expr::Call(_, args, _) => args.iter().for_each(|a| a.reads(out)),
        }
    }

    /// Evaluates the expression; an unset variable reads as empty text.
    pub fn eval(&self, vars: &BTreeMap<String, Value>) -> Value {
        match self {
            Expr::Literal(v) => v.clone(),
            Expr::Var(name, _) => vars.get(name).cloned().unwrap_or(Value::Text(String::new())),
            Expr::Not(e) => Value::Bool(!e.eval(vars).truthy()),
            Expr::Binary(BinOp::And, a, b) => {
                Value::Bool(a.eval(vars).truthy() && b.eval(vars).truthy())
            }
            Expr::Binary(BinOp::Or, a, b) => {
                Value::Bool(a.eval(vars).truthy() || b.eval(vars).truthy())
            }
            Expr::Binary(op, a, b) => binary(*op, &a.eval(vars), &b.eval(vars)),
            Expr::Call(name, args, _) => {
                let args: Vec<Value> = args.iter().map(|a| a.eval(vars)).collect();
                call(name, &args)
            }
        }
    }
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    use std::cmp::Ordering;
    if op == BinOp::Add {
        return match (a.as_number(), b.as_number()) {
            (Some(x), Some(y)) if !matches!(a, Value::Text(_)) || !matches!(b, Value::Text(_)) => {
                Value::Number(x.saturating_add(y))
            }
            _ => Value::Text(format!("{a}{b}")),
        };
    }
    let ord = compare(a, b);
    Value::Bool(match op {
        BinOp::Eq => ord == Some(Ordering::Equal),
        BinOp::Ne => ord != Some(Ordering::Equal),
        BinOp::Lt => ord == Some(Ordering::Less),
        BinOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        BinOp::Gt => ord == Some(Ordering::Greater),
        BinOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        BinOp::Add | BinOp::And | BinOp::Or => false,
    })
}

/// A number read from text that is a decimal number (`-1.5`; no exponent, `inf` or `NaN`).
fn decimal(v: &Value) -> Option<f64> {
    match v {
        #[allow(clippy::cast_precision_loss)]
        Value::Number(n) => Some(*n as f64),
        Value::Text(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
            let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if ok(whole) && ok(fraction) { t.parse().ok() } else { None }
        }
        Value::Bool(_) => None,
    }
}

/// The comparison semantics shared with hotline-flow's conditions (the book's flow chapter,
/// "Comparing values"; `crates/hotline-flow/tests/data/comparisons.json` runs against both):
/// numbers (or text that reads as a number, `"0042" == 42`) compare as numbers; two texts as
/// text; two booleans with `false < true`; any other pair is incomparable (`None`: `==` false,
/// `!=` true, every ordering false).
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a.as_number(), b.as_number()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => match (a, b) {
                (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
                (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
                _ => None,
            },
        },
    }
}

/// The functions an expression may call, with their argument counts.
pub const FUNCTIONS: &[(&str, usize)] = &[("len", 1), ("starts-with", 2), ("matches", 2)];

fn call(name: &str, args: &[Value]) -> Value {
    match (name, args) {
        ("len", [x]) => Value::Number(x.to_string().chars().count() as i64),
        ("starts-with", [x, p]) => Value::Bool(x.to_string().starts_with(&p.to_string())),
        ("matches", [x, p]) => Value::Bool(
            regex_lite::Regex::new(&p.to_string()).is_ok_and(|re| re.is_match(&x.to_string())),
        ),
        _ => Value::Bool(false),
    }
}

/// Parses an expression from a slice of tokens (no line ends).
pub(crate) struct ExprParser<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
    depth: usize,
    end: Span,
}

impl<'t, 'a> ExprParser<'t, 'a> {
    /// Parses all of `toks` as one expression; `end` is where to point when tokens run out.
    pub(crate) fn parse_all(toks: &'t [Token<'a>], end: Span) -> Result<Expr, Diagnostic> {
        let mut p = ExprParser { toks, pos: 0, depth: 0, end };
        let e = p.expr()?;
        if let Some(t) = p.toks.get(p.pos) {
            return Err(Diagnostic::error(
                codes::SYNTAX,
                t.span,
                format!("unexpected {} after the end of the expression", t.describe()),
            ));
        }
        Ok(e)
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn here(&self) -> Span {
        self.toks.get(self.pos).map_or(self.end, |t| t.span)
    }

    fn nest(&mut self) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::error(
                codes::LIMIT,
                self.here(),
                format!("expression nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, Diagnostic> {
        self.nest()?;
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Word("or")) {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.not()?;
        while self.peek() == Some(&Tok::Word("and")) {
            self.pos += 1;
            let right = self.not()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, Diagnostic> {
        if self.peek() == Some(&Tok::Word("not")) {
            self.pos += 1;
            self.nest()?;
            let e = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, Diagnostic> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some(Tok::Sym("==")) => BinOp::Eq,
            Some(Tok::Sym("!=")) => BinOp::Ne,
            Some(Tok::Sym("<")) => BinOp::Lt,
            Some(Tok::Sym("<=")) => BinOp::Le,
            Some(Tok::Sym(">")) => BinOp::Gt,
            Some(Tok::Sym(">=")) => BinOp::Ge,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.sum()?;
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.atom()?;
        while self.peek() == Some(&Tok::Sym("+")) {
            self.pos += 1;
            let right = self.atom()?;
            left = Expr::Binary(BinOp::Add, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, Diagnostic> {
        let span = self.here();
        let Some(tok) = self.toks.get(self.pos) else {
            return Err(Diagnostic::error(codes::SYNTAX, span, "expected a value or a variable"));
        };
        self.pos += 1;
        match &tok.tok {
            Tok::Str(s) => Ok(Expr::Literal(Value::Text(s.clone()))),
            Tok::Word("true") => Ok(Expr::Literal(Value::Bool(true))),
            Tok::Word("false") => Ok(Expr::Literal(Value::Bool(false))),
            Tok::Word(w) if w.chars().all(|c| c.is_ascii_digit()) => w
                .parse()
                .map(|n| Expr::Literal(Value::Number(n)))
                .map_err(|_| Diagnostic::error(codes::SYNTAX, span, "number too large")),
            Tok::Word(w) if is_name(w) => {
                if self.peek() == Some(&Tok::Sym("(")) {
                    self.pos += 1;
                    self.nest()?;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::Sym(")")) {
                        loop {
                            args.push(self.expr()?);
                            if self.peek() == Some(&Tok::Sym(",")) {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    if self.peek() != Some(&Tok::Sym(")")) {
                        return Err(Diagnostic::error(
                            codes::SYNTAX,
                            self.here(),
                            "expected `)` to close the function call",
                        ));
                    }
                    self.pos += 1;
                    self.depth -= 1;
                    match FUNCTIONS.iter().find(|(n, _)| n == w) {
                        Some((_, arity)) if *arity == args.len() => {
                            Ok(Expr::Call((*w).to_owned(), args, span))
                        }
                        Some((_, arity)) => Err(Diagnostic::error(
                            codes::SYNTAX,
                            span,
                            format!("`{w}` takes {arity} argument(s), not {}", args.len()),
                        )),
                        None => Err(Diagnostic::error(
                            codes::SYNTAX,
                            span,
                            format!("unknown function `{w}`: use len, starts-with or matches"),
                        )),
                    }
                } else {
                    Ok(Expr::Var((*w).to_owned(), span))
                }
            }
            Tok::Sym("(") => {
                let e = self.expr()?;
                if self.peek() != Some(&Tok::Sym(")")) {
                    return Err(Diagnostic::error(codes::SYNTAX, self.here(), "expected `)`"));
                }
                self.pos += 1;
                Ok(e)
            }
            _ => Err(Diagnostic::error(
                codes::SYNTAX,
                span,
                format!("expected a value or a variable, found {}", tok.describe()),
            )),
        }
    }
}

/// Whether `w` is a valid name (variable, node id, prompt key): a letter or `_` first, then
/// letters, digits, `_`, `-` or `.`.
pub fn is_name(w: &str) -> bool {
    let mut chars = w.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    /// The comparison table shared with hotline-flow, read from its crate by path.
    #[test]
    fn the_shared_comparison_table() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../hotline-flow/tests/data/comparisons.json");
        let table: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 30);
        let value = |v: &serde_json::Value| match v {
            serde_json::Value::Number(n) => Value::Number(n.as_i64().unwrap()),
            serde_json::Value::Bool(b) => Value::Bool(*b),
            other => Value::Text(other.as_str().unwrap().to_owned()),
        };
        for case in cases {
            let op = case[1].as_str().unwrap();
            let vars = [("a", value(&case[0])), ("b", value(&case[2]))];
            let got = eval(&format!("a {op} b"), &vars);
            assert_eq!(got, Value::Bool(case[3].as_bool().unwrap()), "{case}");
        }
    }

    fn eval(src: &str, vars: &[(&str, Value)]) -> Value {
        let toks = lex(src).unwrap();
        let toks: Vec<_> = toks.into_iter().filter(|t| t.tok != Tok::Eof).collect();
        let e = ExprParser::parse_all(&toks, Span::default()).unwrap();
        let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        e.eval(&vars)
    }

    #[test]
    fn arithmetic_and_comparison() {
        assert_eq!(eval("1 + 2 == 3", &[]), Value::Bool(true));
        assert_eq!(eval("x == 42", &[("x", Value::Text("0042".into()))]), Value::Bool(true));
        assert_eq!(eval("len(x) >= 6", &[("x", Value::Text("123456".into()))]), Value::Bool(true));
        assert_eq!(eval("\"a\" + \"b\"", &[]), Value::Text("ab".into()));
        assert_eq!(eval("not (1 < 2) or false", &[]), Value::Bool(false));
        assert_eq!(
            eval("starts-with(caller, \"+86\")", &[("caller", Value::Text("+8610".into()))]),
            Value::Bool(true)
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        let toks = lex(&src).unwrap();
        let toks: Vec<_> = toks.into_iter().filter(|t| t.tok != Tok::Eof).collect();
        let err = ExprParser::parse_all(&toks, Span::default()).unwrap_err();
        assert_eq!(err.code, codes::LIMIT);
    }
}
