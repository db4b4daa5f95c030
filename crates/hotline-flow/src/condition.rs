//! Conditions on process variables: `category == "complaint"`, `satisfaction <= 2`,
//! `amount > 1000 and not urgent`, `(a or b) and c != "x"`.
//!
//! Operands are variable names (dotted paths into JSON objects: `caller.district`), strings in
//! double quotes, numbers, `true`, `false` and `null`. Operators: `==`, `!=`, `<`, `<=`, `>`, `>=`,
//! `and`, `or`, `not`, parentheses. A missing variable is `null`; an operand alone is true when it
//! is `true`, a non-zero number or a non-empty string. Comparing values of different types with `<`
//! and friends is false, never an error.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::FlowError;

/// The process variables a condition reads.
pub type Vars = BTreeMap<String, Value>;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    text: String,
    root: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Var(Vec<String>),
    Lit(Value),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Box<Expr>, Op, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

/// The deepest nesting accepted, so that a hostile expression cannot overflow the stack.
const MAX_DEPTH: usize = 64;

impl Condition {
    /// Parses a condition.
    ///
    /// # Errors
    ///
    /// [`FlowError::Condition`] with the byte offset of the problem.
    pub fn parse(text: &str) -> Result<Condition, FlowError> {
        let tokens = lex(text)?;
        let mut parser = Parser { text, tokens, pos: 0, depth: 0 };
        let root = parser.or()?;
        if parser.pos < parser.tokens.len() {
            let offset = parser.tokens[parser.pos].0;
            return Err(err(text, offset, "unexpected text after the condition"));
        }
        Ok(Condition { text: text.to_owned(), root })
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates the condition on `vars`.
    pub fn eval(&self, vars: &Vars) -> bool {
        truthy(&eval(&self.root, vars))
    }
}

fn err(text: &str, offset: usize, message: &str) -> FlowError {
    FlowError::Condition { text: text.to_owned(), offset, message: message.to_owned() }
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, FlowError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push((start, Tok::Open));
                i += 1;
            }
            b')' => {
                out.push((start, Tok::Close));
                i += 1;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = bytes.get(i + 1) == Some(&b'=');
                let op = match (c, two) {
                    (b'=', true) => Op::Eq,
                    (b'!', true) => Op::Ne,
                    (b'<', true) => Op::Le,
                    (b'>', true) => Op::Ge,
                    (b'<', false) => Op::Lt,
                    (b'>', false) => Op::Gt,
                    _ => return Err(err(text, start, "expected `==` or `!=`")),
                };
                i += if two { 2 } else { 1 };
                out.push((start, Tok::Op(op)));
            }
            b'"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match text[i..].chars().next() {
                        None => return Err(err(text, start, "unterminated string")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let next = text[i + 1..].chars().next();
                            match next {
                                Some(ch @ ('"' | '\\')) => s.push(ch),
                                Some('n') => s.push('\n'),
                                _ => return Err(err(text, i, "unknown escape")),
                            }
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((start, Tok::Str(s)));
            }
            b'0'..=b'9' | b'-' | b'.' => {
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E') {
                    i += 1;
                }
                let n: f64 =
                    text[start..i].parse().map_err(|_| err(text, start, "not a number"))?;
                out.push((start, Tok::Num(n)));
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                if !(ch.is_alphabetic() || ch == '_') {
                    return Err(err(text, start, "unexpected character"));
                }
                while let Some(ch) = text[i..].chars().next() {
                    if ch.is_alphanumeric() || ch == '_' || ch == '.' {
                        i += ch.len_utf8();
                    } else {
                        break;
                    }
                }
                let word = &text[start..i];
                let tok = match word {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    other => Tok::Ident(other.to_owned()),
                };
                out.push((start, tok));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.text.len(), |(o, _)| *o)
    }

    fn deeper(&mut self) -> Result<(), FlowError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.text, self.offset(), "condition nested too deeply"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FlowError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FlowError> {
        let mut left = self.not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, FlowError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, FlowError> {
        let left = self.operand()?;
        if let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right = self.operand()?;
            return Ok(Expr::Cmp(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    fn operand(&mut self) -> Result<Expr, FlowError> {
        let offset = self.offset();
        let Some(tok) = self.peek().cloned() else {
            return Err(err(self.text, offset, "expected a value"));
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(err(self.text, self.offset(), "expected `)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::Str(s) => Ok(Expr::Lit(Value::String(s))),
            Tok::Num(n) => {
                Ok(Expr::Lit(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)))
            }
            Tok::Ident(word) => Ok(match word.as_str() {
                "true" => Expr::Lit(Value::Bool(true)),
                "false" => Expr::Lit(Value::Bool(false)),
                "null" => Expr::Lit(Value::Null),
                _ => Expr::Var(word.split('.').map(str::to_owned).collect()),
            }),
            _ => Err(err(self.text, offset, "expected a value")),
        }
    }
}

fn eval(expr: &Expr, vars: &Vars) -> Value {
    match expr {
        Expr::Lit(v) => v.clone(),
        Expr::Var(path) => {
            let mut value = vars.get(&path[0]).cloned().unwrap_or(Value::Null);
            for key in &path[1..] {
                value = value.get(key).cloned().unwrap_or(Value::Null);
            }
            value
        }
        Expr::Not(e) => Value::Bool(!truthy(&eval(e, vars))),
        Expr::And(a, b) => Value::Bool(truthy(&eval(a, vars)) && truthy(&eval(b, vars))),
        Expr::Or(a, b) => Value::Bool(truthy(&eval(a, vars)) || truthy(&eval(b, vars))),
        Expr::Cmp(a, op, b) => Value::Bool(compare(&eval(a, vars), *op, &eval(b, vars))),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A whole number: a JSON integer, or text that reads as one (`"0042"`, `" 7 "`).
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number: a JSON number, or text that is a decimal number (`-1.5`; no exponent, `inf` or
/// `NaN`).
fn decimal(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
            let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if ok(whole) && ok(fraction) { t.parse().ok() } else { None }
        }
        _ => None,
    }
}

/// The comparison semantics shared with hotline-ivr's expressions (the book's flow chapter,
/// "Comparing values"; the cases in `tests/data/comparisons.json` run against both):
///
/// 1. when both sides read as numbers (a number, or text that reads as one: `"0042" == 42`), they
///    compare as numbers;
/// 2. otherwise two texts compare as text (by code point), two booleans with `false < true`;
/// 3. any other pair (text that is not a number against a number, a boolean against anything
///    else) is incomparable: `==` is false, `!=` true, and every ordering is false.
fn compare(a: &Value, op: Op, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (integer(a), integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => match (a, b) {
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
                _ if a == b => Some(Ordering::Equal),
                _ => None,
            },
        },
    };
    match op {
        Op::Eq => ordering == Some(Ordering::Equal),
        Op::Ne => ordering != Some(Ordering::Equal),
        Op::Lt => ordering == Some(Ordering::Less),
        Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => ordering == Some(Ordering::Greater),
        Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison table shared with hotline-ivr (`tests/data/comparisons.json`).
    #[test]
    fn the_shared_comparison_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/comparisons.json");
        let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 30);
        for case in cases {
            let (left, op, right) = (&case[0], case[1].as_str().unwrap(), &case[2]);
            let vars: Vars =
                [("a".to_owned(), left.clone()), ("b".to_owned(), right.clone())].into();
            let cond = Condition::parse(&format!("a {op} b")).unwrap();
            assert_eq!(cond.eval(&vars), case[3].as_bool().unwrap(), "{case}");
        }
    }
    use proptest::prelude::*;
    use serde_json::json;

    fn vars(v: Value) -> Vars {
        v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn comparisons_and_logic() {
        let v = vars(
            json!({"category": "complaint", "satisfaction": 2, "caller": {"district": "east"}, "urgent": false}),
        );
        let yes = [
            r#"category == "complaint""#,
            "satisfaction <= 2",
            "satisfaction < 3 and not urgent",
            r#"caller.district == "east" or urgent"#,
            "(satisfaction > 4 or satisfaction == 2) and category",
            "missing == null",
            "satisfaction != 3",
        ];
        for text in yes {
            assert!(Condition::parse(text).unwrap().eval(&v), "{text}");
        }
        let no = ["urgent", "satisfaction > 2", r#"category < 3"#, "missing", "not category"];
        for text in no {
            assert!(!Condition::parse(text).unwrap().eval(&v), "{text}");
        }
    }

    #[test]
    fn errors_carry_offsets() {
        for (text, offset) in
            [("a = 1", 2), ("a == ", 5), ("(a", 2), ("\"x", 0), ("a b", 2), ("#", 0)]
        {
            match Condition::parse(text) {
                Err(FlowError::Condition { offset: o, .. }) => assert_eq!(o, offset, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(Condition::parse(&deep).is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errors(text in ".{0,60}") {
            if let Ok(c) = Condition::parse(&text) {
                let _ = c.eval(&Vars::new());
            }
        }
    }
}
