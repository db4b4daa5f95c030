//! Reading TOML in memory proportional to the text, and finding every error of a file.
//!
//! `toml::from_str` builds the whole document first (every token, every parser event, and every
//! table as a map with the position of each key and value) and only then fills the types: about
//! sixty times the text's size at its peak (issue 25). Here the items of the large arrays of
//! tables (`[[agents]]`, `[[holiday]]`, `[[call]]`, ...) are each parsed on their own, when the
//! type being filled asks for them, and dropped once read; the rest of the file (its other keys
//! and tables, small) is parsed as one document. The types see the same values as with
//! `toml::from_str`, and errors keep their place in the text.
//!
//! [`from_str_all`] goes on after an error: it blanks out the entry at fault (the key and its
//! value, or the whole item for an item's missing field) and reads again, so a file with several
//! mistakes, even in one item, is reported whole.

use std::cell::Cell;
use std::ops::Range;

use serde::de::value::{CowStrDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer as _, MapAccess, SeqAccess, Visitor,
};
use toml::de::{DeTable, DeValue, Error, ValueDeserializer};
use toml_parser::lexer::TokenKind;

/// At most this many errors are collected from one file; the message says when there were more.
pub const MAX_ERRORS: usize = 50;

/// An error of a TOML text: its byte range in the text (when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlError {
    /// Where, in bytes of the text.
    pub span: Option<Range<usize>>,
    /// What is wrong, as the deserialiser says it.
    pub message: String,
}

/// How a text is laid out: the top-level headers and entries, found by lexing (not parsing).
#[derive(Debug, Default)]
struct Layout {
    /// Each top-level header: the start of its line, whether it is `[[...]]`, its dotted path.
    headers: Vec<(usize, bool, Vec<String>)>,
    /// The start of the line of each key-value entry outside values (a key at a line's start,
    /// not inside brackets), and of each header: the pieces errors are blanked by.
    entries: Vec<usize>,
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn layout(text: &str) -> Layout {
    let mut out = Layout::default();
    let mut depth = 0usize;
    let mut at_line_start = true;
    // A header being read: its start, whether `[[`, its path, brackets still to close.
    let mut header: Option<(usize, bool, Vec<String>, bool)> = None;
    let mut after_open = false;
    for token in toml_parser::Source::new(text).lex() {
        let span = token.span();
        let raw = &text[span.start()..span.end()];
        if let Some((start, array, path, closing)) = header.as_mut() {
            match token.kind() {
                TokenKind::LeftSquareBracket if after_open && path.is_empty() => *array = true,
                TokenKind::Atom => path.push(raw.to_owned()),
                TokenKind::BasicString | TokenKind::LiteralString => {
                    path.push(raw.get(1..raw.len().saturating_sub(1)).unwrap_or("").to_owned());
                }
                TokenKind::Dot | TokenKind::Whitespace => {}
                TokenKind::RightSquareBracket if *array && !*closing => *closing = true,
                TokenKind::RightSquareBracket => {
                    out.headers.push((*start, *array, std::mem::take(path)));
                    out.entries.push(*start);
                    header = None;
                    at_line_start = false;
                }
                // Not a header after all (the parser will say what it is): read on.
                _ => {
                    header = None;
                    at_line_start = token.kind() == TokenKind::Newline;
                }
            }
            after_open = false;
            continue;
        }
        match token.kind() {
            TokenKind::LeftSquareBracket if at_line_start && depth == 0 => {
                header = Some((line_start(text, span.start()), false, Vec::new(), false));
                after_open = true;
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                at_line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
                at_line_start = false;
            }
            TokenKind::Newline => at_line_start = depth == 0,
            TokenKind::Whitespace | TokenKind::Comment | TokenKind::Eof => {}
            _ => {
                if at_line_start && depth == 0 {
                    out.entries.push(line_start(text, span.start()));
                }
                at_line_start = false;
            }
        }
    }
    out
}

/// The items of the named arrays of tables: for each array, the byte ranges of its items, and
/// the text with those ranges blanked out (the rest, with every offset kept).
fn split(text: &str, arrays: &[&str]) -> (String, Vec<Vec<Range<usize>>>) {
    let layout = layout(text);
    let mut items: Vec<Vec<Range<usize>>> = vec![Vec::new(); arrays.len()];
    let mut current: Option<usize> = None;
    let mut rest = text.as_bytes().to_vec();
    let ends: Vec<usize> =
        layout.headers.iter().skip(1).map(|h| h.0).chain(std::iter::once(text.len())).collect();
    for ((start, array, path), end) in layout.headers.iter().zip(ends) {
        let new_item = if *array && path.len() == 1 {
            arrays.iter().position(|a| *a == path[0])
        } else {
            None
        };
        let continues = current.filter(|&a| path.len() > 1 && path[0] == arrays[a]);
        current = new_item.or(continues);
        let Some(a) = current else { continue };
        if new_item.is_some() {
            items[a].push(*start..end);
        } else if let Some(last) = items[a].last_mut() {
            last.end = end;
        }
        for b in &mut rest[*start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced, each whole character by spaces of its length, so the text
    // stays UTF-8; should that ever not hold, nothing is split out.
    match String::from_utf8(rest) {
        Ok(rest) => (rest, items),
        Err(_) => (text.to_owned(), vec![Vec::new(); arrays.len()]),
    }
}

/// Where the error being returned happened: the offset of the item's text it is relative to,
/// and the span of the last key read (for an error without a span of its own).
#[derive(Debug, Default)]
struct Trail {
    offset: Cell<usize>,
    key: Cell<Option<(usize, usize)>>,
    /// The item at fault, as the libraries name places: ``agents[3] `alice` ``.
    item: std::cell::RefCell<Option<String>>,
}

/// Reads `T` from `text`, parsing each item of the `arrays` (top-level arrays of tables, by
/// name) on its own. On error, the error's span is in bytes of `text`.
///
/// # Errors
///
/// The first error met, as `toml::from_str` would give it (possibly another of several).
pub fn from_str<T: DeserializeOwned>(text: &str, arrays: &[&str]) -> Result<T, TomlError> {
    let (rest, items) = split(text, arrays);
    let trail = Trail::default();
    let result = (|| {
        let root = DeTable::parse(&rest)?.into_inner();
        let arrays: Vec<(&str, Vec<(usize, &str)>)> = arrays
            .iter()
            .zip(items)
            .filter(|(_, ranges)| !ranges.is_empty())
            .map(|(name, ranges)| {
                (*name, ranges.into_iter().map(|r| (r.start, &text[r])).collect())
            })
            .collect();
        T::deserialize(Document { root, arrays, trail: &trail })
    })();
    result.map_err(|e| {
        let offset = trail.offset.get();
        let span = e
            .span()
            .map(|s| s.start + offset..s.end + offset)
            .or_else(|| trail.key.get().map(|(a, b)| a..b));
        let message = e.message().trim_end();
        let message = match trail.item.take() {
            Some(item) => format!("{item}: {message}"),
            None => message.to_owned(),
        };
        TomlError { span, message }
    })
}

/// Reads `T` from `text` as [`from_str`] does, and on error goes on reading to find the others:
/// each time, the entry at fault (a key and its value; a whole item for an item's missing field)
/// is blanked out and the text read again, up to [`MAX_ERRORS`] errors.
///
/// # Errors
///
/// Every error found, in the order of the text; a missing field that was blanked out for an
/// earlier error is not reported again.
pub fn from_str_all<T: DeserializeOwned>(text: &str, arrays: &[&str]) -> Result<T, Vec<TomlError>> {
    let first = match from_str::<T>(text, arrays) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let layout = layout(text);
    let mut blanked_keys: Vec<String> = Vec::new();
    let mut errors = vec![first];
    let mut current = text.to_owned();
    loop {
        let last =
            errors.last().cloned().unwrap_or(TomlError { span: None, message: String::new() });
        let Some(span) = last.span.clone() else { break };
        // The entry holding the error: a key-value line (and the lines of its value), or a header
        // (then the whole table up to the next header, for a missing field of that table).
        let Some(i) = layout.entries.iter().rposition(|&e| e <= span.start) else { break };
        let start = layout.entries[i];
        let is_header = layout.headers.iter().any(|h| h.0 == start);
        let end = if is_header {
            layout.headers.iter().map(|h| h.0).find(|&h| h > start).unwrap_or(text.len())
        } else {
            layout.entries.get(i + 1).copied().unwrap_or(text.len())
        };
        if current.as_bytes()[start..end].iter().all(|b| b.is_ascii_whitespace()) {
            break;
        }
        if !is_header {
            let key: String = current[start..end]
                .trim_start()
                .split(|c: char| c == '=' || c == '.' || c.is_whitespace())
                .next()
                .unwrap_or("")
                .trim_matches(|c| c == '"' || c == '\'')
                .to_owned();
            blanked_keys.push(key);
        }
        let blank: String = current[start..end]
            .chars()
            .map(|c| if c == '\n' { "\n".to_owned() } else { " ".repeat(c.len_utf8()) })
            .collect();
        current.replace_range(start..end, &blank);
        match from_str::<T>(&current, arrays) {
            Ok(_) => break,
            Err(e) => {
                let again = blanked_keys
                    .iter()
                    .any(|k| e.message.ends_with(&format!("missing field `{k}`")));
                if errors.len() >= MAX_ERRORS {
                    errors.push(TomlError {
                        span: None,
                        message: format!(
                            "more errors after these {MAX_ERRORS}; correct them first"
                        ),
                    });
                    break;
                }
                if again {
                    // Not reported: the field is there, with the error already given. The
                    // table is blanked next, as the error's place is its header.
                    errors.push(TomlError { span: e.span, message: String::new() });
                } else {
                    errors.push(e);
                }
            }
        }
        if errors.len() > MAX_ERRORS + 1 {
            break;
        }
    }
    errors.retain(|e| !e.message.is_empty());
    errors.sort_by_key(|e| e.span.as_ref().map_or(usize::MAX, |s| s.start));
    errors.dedup();
    Err(errors)
}

/// The diagnostics of a text that does not read as `T`: every syntax error when there is one
/// (the `toml_parser` parser recovers and goes on), otherwise every error of [`from_str_all`],
/// each at its line and column.
pub fn diagnostics(text: &str, errors: Vec<TomlError>) -> Vec<crate::report::Diagnostic> {
    use crate::report::Diagnostic;
    let syntax = crate::input::toml_syntax_errors(text);
    if !syntax.is_empty() {
        return syntax
            .into_iter()
            .map(|(l, c, m)| Diagnostic::error(Some(l), Some(c), m))
            .collect();
    }
    errors
        .into_iter()
        .map(|e| {
            let place = e.span.map(|s| crate::input::line_column(text, s.start));
            Diagnostic::error(place.map(|p| p.0), place.map(|p| p.1), e.message)
        })
        .collect()
}

/// A failure (exit 1) naming `file` and every error of [`diagnostics`]: `FILE: line L, column
/// C: message` for one, a list under `FILE: N errors:` for several.
pub fn failure(file: &std::path::Path, text: &str, errors: Vec<TomlError>) -> crate::Failure {
    let found = diagnostics(text, errors);
    let place = |d: &crate::report::Diagnostic| match (d.line, d.column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    };
    let message = match found.as_slice() {
        [one] => format!("{}: {}{}", file.display(), place(one), one.message),
        all => {
            let mut m = format!("{}: {} errors:", file.display(), all.len());
            for d in all {
                m.push_str(&format!("\n  {}{}", place(d), d.message));
            }
            m
        }
    };
    crate::Failure::rejected(message)
}

/// The whole document: the rest's table, then the arrays read item by item.
struct Document<'a> {
    root: DeTable<'a>,
    arrays: Vec<(&'a str, Vec<(usize, &'a str)>)>,
    trail: &'a Trail,
}

impl<'de> de::Deserializer<'de> for Document<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(DocumentMap {
            root: self.root.into_iter(),
            arrays: self.arrays.into_iter(),
            next: None,
            name: "",
            trail: self.trail,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

enum Next<'a> {
    Value(toml::Spanned<DeValue<'a>>),
    Items(Vec<(usize, &'a str)>),
}

struct DocumentMap<'a> {
    root: <DeTable<'a> as IntoIterator>::IntoIter,
    arrays: std::vec::IntoIter<(&'a str, Vec<(usize, &'a str)>)>,
    next: Option<Next<'a>>,
    name: &'a str,
    trail: &'a Trail,
}

impl<'de> MapAccess<'de> for DocumentMap<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        self.trail.offset.set(0);
        if let Some((key, value)) = self.root.next() {
            let span = key.span();
            self.trail.key.set(Some((span.start, span.end)));
            self.next = Some(Next::Value(value));
            let key: CowStrDeserializer<'de, Error> = key.into_inner().into_deserializer();
            return seed.deserialize(key).map(Some);
        }
        if let Some((name, items)) = self.arrays.next() {
            self.trail
                .key
                .set(items.first().map(|(o, t)| (*o, o + t.find('\n').unwrap_or(t.len()))));
            self.next = Some(Next::Items(items));
            self.name = name;
            let key: StrDeserializer<'_, Error> = name.into_deserializer();
            return seed.deserialize(key).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.next.take() {
            Some(Next::Value(value)) => {
                let span = value.span();
                self.trail.key.set(Some((span.start, span.end)));
                seed.deserialize(ValueDeserializer::from(value))
            }
            Some(Next::Items(items)) => {
                let name = self.name;
                seed.deserialize(Items { name, items, trail: self.trail })
            }
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}

/// One array of tables, each item parsed when it is asked for.
struct Items<'a> {
    name: &'a str,
    items: Vec<(usize, &'a str)>,
    trail: &'a Trail,
}

impl<'de> de::Deserializer<'de> for Items<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(ItemSeq {
            name: self.name,
            index: 0,
            items: self.items.into_iter(),
            trail: self.trail,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct ItemSeq<'a> {
    name: &'a str,
    index: usize,
    items: std::vec::IntoIter<(usize, &'a str)>,
    trail: &'a Trail,
}

impl<'de> SeqAccess<'de> for ItemSeq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((offset, text)) = self.items.next() else { return Ok(None) };
        // The item's text is `[[name]]` and its keys (and sub-tables): a document whose one key
        // holds a one-item array.
        let item = DeTable::parse(text).map(|t| {
            t.into_inner().into_iter().next().and_then(|(_, v)| match v.into_inner() {
                DeValue::Array(a) => a.into_iter().next(),
                _ => None,
            })
        });
        let index = self.index;
        self.index += 1;
        let result = match item {
            Ok(Some(value)) => {
                // The item's name, to name it in an error as the libraries do.
                let name = match value.get_ref() {
                    DeValue::Table(t) => t.iter().find_map(|(k, v)| match v.get_ref() {
                        DeValue::String(s) if k.get_ref() == "name" => Some(s.to_string()),
                        _ => None,
                    }),
                    _ => None,
                };
                seed.deserialize(ValueDeserializer::from(value)).map(Some).inspect_err(|_| {
                    let name = name.map(|n| format!(" `{n}`")).unwrap_or_default();
                    *self.trail.item.borrow_mut() = Some(format!("{}[{index}]{name}", self.name));
                })
            }
            Ok(None) => Err(de::Error::custom("an item that is not a table")),
            Err(e) => Err(e),
        };
        if result.is_err() {
            self.trail.offset.set(offset);
            self.trail.key.set(Some((offset, offset + text.find('\n').unwrap_or(text.len()))));
        }
        result
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[serde(default)]
        title: String,
        #[serde(default)]
        agents: Vec<Agent>,
        #[serde(default)]
        other: BTreeMap<String, u32>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Agent {
        name: String,
        #[serde(default)]
        level: u32,
        #[serde(default)]
        skills: BTreeMap<String, u8>,
    }

    const TEXT: &str = "title = \"x\"\n\n[[agents]]\nname = \"a\"\nlevel = 3\n[agents.skills]\n\
                        b = 1\n\n[other]\nk = 2\n\n[[agents]]\nname = \"[[agents]]\"\nskills = { c = 2 }\n";

    #[test]
    fn reads_what_toml_reads() {
        let whole: Doc = toml::from_str(TEXT).unwrap();
        let split: Doc = from_str(TEXT, &["agents"]).unwrap();
        assert_eq!(whole, split);
        assert_eq!(split.agents.len(), 2);
        assert_eq!(split.agents[0].skills["b"], 1);
        assert_eq!(split.agents[1].name, "[[agents]]");
        assert_eq!(split.other["k"], 2);
        // A multi-line value holding `[` at a line's start is not a header.
        let text = "title = \"\"\"\n[[agents]]\n\"\"\"\n[[agents]]\nname = \"z\"\n";
        let doc: Doc = from_str(text, &["agents"]).unwrap();
        assert_eq!((doc.title.as_str(), doc.agents.len()), ("[[agents]]\n", 1));
    }

    #[test]
    fn errors_keep_their_place() {
        let text = TEXT.replace("level = 3", "level = \"three\"");
        let e = from_str::<Doc>(&text, &["agents"]).unwrap_err();
        let at = e.span.clone().unwrap().start;
        assert_eq!(&text[at..at + 7], "\"three\"", "{e:?}");
        let text = TEXT.replace("k = 2", "k = -2");
        let e = from_str::<Doc>(&text, &["agents"]).unwrap_err();
        assert_eq!(&text[e.span.unwrap().start..][..2], "-2");
    }

    #[test]
    fn every_error_is_found_even_two_in_one_item() {
        let text = "title = 5\n[[agents]]\nname = \"a\"\nlevel = \"x\"\ncolour = 1\n\
                    [[agents]]\nlevel = 2\n[[agents]]\nname = \"c\"\nskills = { d = 300 }\n";
        let errors = from_str_all::<Doc>(text, &["agents"]).unwrap_err();
        let lines: Vec<usize> = errors
            .iter()
            .map(|e| text[..e.span.clone().unwrap().start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [1, 4, 5, 6, 10], "{errors:?}");
        assert!(errors[3].message.contains("missing field `name`"), "{errors:?}");
        assert!(from_str_all::<Doc>(TEXT, &["agents"]).is_ok());
        // A required field of the wrong type is not also reported missing.
        let errors = from_str_all::<Doc>("[[agents]]\nname = 1\n", &["agents"]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    /// Every TOML file of the repository reads as `toml::from_str` reads it, with each of its
    /// arrays of tables read item by item; and every prefix of it (cut at any line, or in the
    /// middle of one) gives a value or errors inside the text, never a panic.
    #[test]
    fn the_repository_s_files_read_as_toml_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["crates", "examples"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() && !p.ends_with("target") {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "toml") {
                        files.push(p);
                    }
                }
            }
        }
        assert!(files.len() > 20, "{files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut arrays: Vec<String> = layout(&text)
                .headers
                .into_iter()
                .filter(|h| h.1 && h.2.len() == 1)
                .map(|h| h.2[0].clone())
                .collect();
            arrays.sort();
            arrays.dedup();
            let arrays: Vec<&str> = arrays.iter().map(String::as_str).collect();
            let whole = toml::from_str::<toml::Table>(&text);
            let split = from_str::<toml::Table>(&text, &arrays);
            assert_eq!(whole.is_ok(), split.is_ok(), "{}: {split:?}", file.display());
            if let (Ok(a), Ok(b)) = (whole, split) {
                assert_eq!(a, b, "{}", file.display());
            }
            let cuts = text.char_indices().map(|(i, _)| i).step_by(97).chain([text.len()]);
            for cut in cuts {
                let part = &text[..cut];
                if let Err(errors) = from_str_all::<toml::Table>(part, &arrays) {
                    for e in errors {
                        assert!(e.span.is_none_or(|s| s.end <= part.len()), "{}", file.display());
                    }
                }
            }
        }
    }
}
