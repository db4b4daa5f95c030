//! The lexer: source text into words, strings, symbols and line ends, each with its span.
//!
//! A *word* is a run of letters, digits and `_ . : -` (so `zh-CN`, `inter-digit-timeout`,
//! `acct.balance`, `09:00-12:00`, `2026-10-01..2026-10-07` and `5s` are single words); `#` and
//! `*` are one-character words (DTMF keys). `//` starts a comment that runs to the end of the line.

use crate::diag::{Diagnostic, Span, codes};

/// The largest source the lexer accepts, in bytes.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// The largest number of tokens the lexer produces.
pub const MAX_TOKENS: usize = 200_000;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok<'a> {
    /// A word: a name, number, duration, DTMF key, date or time range.
    Word(&'a str),
    /// A double-quoted string, escapes resolved.
    Str(String),
    /// Punctuation: `{ } ( ) , ; = == != < <= > >= -> +`.
    Sym(&'static str),
    /// The end of a line.
    Newline,
    /// The end of the input.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// What it is.
    pub tok: Tok<'a>,
    /// Where it is.
    pub span: Span,
}

impl Token<'_> {
    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("string \"{}\"", s.chars().take(20).collect::<String>()),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Newline => "end of line".to_owned(),
            Tok::Eof => "end of file".to_owned(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')
}

struct Cursor<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }
    fn here(&self) -> Span {
        Span { start: self.pos, end: self.pos, line: self.line, column: self.column }
    }
}

/// Splits `src` into tokens. The last token is always [`Tok::Eof`].
///
/// # Errors
///
/// A [`Diagnostic`] with code `syntax` for an unterminated string or a stray character, or
/// `limit` when the source or token count is over the limits.
pub fn lex(src: &str) -> Result<Vec<Token<'_>>, Diagnostic> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(Diagnostic::error(
            codes::LIMIT,
            Span { start: 0, end: 0, line: 1, column: 1 },
            format!("the flow is {} bytes; the limit is {MAX_SOURCE_BYTES}", src.len()),
        ));
    }
    let mut cur = Cursor { src, pos: 0, line: 1, column: 1 };
    let mut out = Vec::new();
    loop {
        if out.len() > MAX_TOKENS {
            return Err(Diagnostic::error(
                codes::LIMIT,
                cur.here(),
                format!("more than {MAX_TOKENS} tokens"),
            ));
        }
        let start = cur.here();
        let Some(c) = cur.peek() else {
            out.push(Token { tok: Tok::Eof, span: start });
            return Ok(out);
        };
        let finish = |cur: &Cursor<'_>| Span { end: cur.pos, ..start };
        match c {
            '\n' => {
                cur.bump();
                out.push(Token { tok: Tok::Newline, span: finish(&cur) });
            }
            c if c.is_whitespace() || c == '\u{feff}' => {
                cur.bump();
            }
            '/' if cur.peek2() == Some('/') => {
                while cur.peek().is_some_and(|c| c != '\n') {
                    cur.bump();
                }
            }
            '"' => {
                cur.bump();
                let mut text = String::new();
                loop {
                    match cur.bump() {
                        None | Some('\n') => {
                            return Err(Diagnostic::error(
                                codes::SYNTAX,
                                finish(&cur),
                                "unterminated string: a closing `\"` is missing on this line",
                            ));
                        }
                        Some('"') => break,
                        Some('\\') => match cur.bump() {
                            Some('n') => text.push('\n'),
                            Some('t') => text.push('\t'),
                            Some('"') => text.push('"'),
                            Some('\\') => text.push('\\'),
                            _ => {
                                return Err(Diagnostic::error(
                                    codes::SYNTAX,
                                    finish(&cur),
                                    "unknown escape in string: use \\\" \\\\ \\n or \\t",
                                ));
                            }
                        },
                        Some(c) => text.push(c),
                    }
                }
                out.push(Token { tok: Tok::Str(text), span: finish(&cur) });
            }
            '#' | '*' => {
                cur.bump();
                let w = &src[start.start..cur.pos];
                out.push(Token { tok: Tok::Word(w), span: finish(&cur) });
            }
            c if is_word_char(c) && !(c == '-' && cur.peek2() == Some('>')) => {
                while let Some(c) = cur.peek() {
                    if !is_word_char(c) || (c == '-' && cur.peek2() == Some('>')) {
                        break;
                    }
                    cur.bump();
                }
                let w = &src[start.start..cur.pos];
                out.push(Token { tok: Tok::Word(w), span: finish(&cur) });
            }
            _ => {
                let two = src.get(cur.pos..cur.pos + 2);
                let sym: &'static str = match (two, c) {
                    (Some("->"), _) => "->",
                    (Some("=="), _) => "==",
                    (Some("!="), _) => "!=",
                    (Some("<="), _) => "<=",
                    (Some(">="), _) => ">=",
                    (_, '{') => "{",
                    (_, '}') => "}",
                    (_, '(') => "(",
                    (_, ')') => ")",
                    (_, ',') => ",",
                    (_, ';') => ";",
                    (_, '=') => "=",
                    (_, '<') => "<",
                    (_, '>') => ">",
                    (_, '+') => "+",
                    _ => {
                        cur.bump();
                        return Err(Diagnostic::error(
                            codes::SYNTAX,
                            finish(&cur),
                            format!("unexpected character `{}`", c.escape_default()),
                        ));
                    }
                };
                for _ in 0..sym.len() {
                    cur.bump();
                }
                out.push(Token { tok: Tok::Sym(sym), span: finish(&cur) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Tok<'_>> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_symbols_and_strings() {
        assert_eq!(
            words("1->main // x\nzh-CN \"a\\\"b\" #"),
            vec![
                Tok::Word("1"),
                Tok::Sym("->"),
                Tok::Word("main"),
                Tok::Newline,
                Tok::Word("zh-CN"),
                Tok::Str("a\"b".into()),
                Tok::Word("#"),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let toks = lex("\"欢迎\" x").unwrap();
        assert_eq!(toks[1].span.column, 6);
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let err = lex("say \"abc\n").unwrap_err();
        assert_eq!(err.code, codes::SYNTAX);
        assert_eq!(err.span.line, 1);
    }
}
