//! Importers: FreeSWITCH `ivr.conf` menu XML and a DTMF subset of VoiceXML 2.1, converted into
//! flow text.
//!
//! An importer writes flow text (which the user can read and edit) plus notes on everything it
//! had to approximate or leave out. The text is then parsed and checked like any other flow.

use std::collections::BTreeSet;
use std::fmt::Write as _;

pub mod freeswitch;
pub mod vxml;

/// The largest XML document an importer reads, in bytes.
pub const MAX_XML_BYTES: usize = 4 << 20;

/// Why a document could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The XML is not well formed.
    #[error("{line}:{column}: not well-formed XML: {message}")]
    Xml {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// The XML parser's message.
        message: String,
    },
    /// The document is well formed but not what the importer reads.
    #[error("{line}:{column}: {message}")]
    Unsupported {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong.
        message: String,
    },
    /// The document is larger than [`MAX_XML_BYTES`].
    #[error("the document is {0} bytes; the limit is {MAX_XML_BYTES}")]
    TooLarge(usize),
}

/// The result of an import: flow text and notes on what was approximated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The flow, as text in the hotline IVR language.
    pub text: String,
    /// What the importer approximated or dropped, one sentence each.
    pub notes: Vec<String>,
}

pub(crate) fn parse_xml(text: &str) -> Result<roxmltree::Document<'_>, ImportError> {
    if text.len() > MAX_XML_BYTES {
        return Err(ImportError::TooLarge(text.len()));
    }
    let opts =
        roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 200_000, ..Default::default() };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        ImportError::Xml { line: p.row, column: p.col, message: e.to_string() }
    })
}

pub(crate) fn position(doc: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> (u32, u32) {
    let p = doc.text_pos_at(node.range().start);
    (p.row, p.col)
}

/// Makes a valid, unused name from arbitrary text.
#[derive(Debug, Default)]
pub(crate) struct Names {
    used: BTreeSet<String>,
}

impl Names {
    pub(crate) fn fresh(&mut self, raw: &str) -> String {
        let mut base: String = raw
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect();
        base = base.trim_matches('_').to_owned();
        if base.is_empty() || !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base = format!("n_{base}");
        }
        if base == "return" {
            base.push('_');
        }
        let mut name = base.clone();
        let mut k = 2;
        while self.used.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

/// Quotes text as a flow-language string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Collapses runs of white space to one space.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prompt definitions collected while converting, deduplicated by content.
#[derive(Debug, Default)]
pub(crate) struct Prompts {
    pub(crate) defs: Vec<(String, String)>,
}

impl Prompts {
    /// The key of a prompt with the body `entry` (for example `any file "x.wav"`), defining it
    /// under a name made from `hint` the first time.
    pub(crate) fn key(&mut self, names: &mut Names, hint: &str, entry: String) -> String {
        if let Some((k, _)) = self.defs.iter().find(|(_, e)| *e == entry) {
            return k.clone();
        }
        let k = names.fresh(hint);
        self.defs.push((k.clone(), entry));
        k
    }

    pub(crate) fn write(&self, out: &mut String) {
        for (k, e) in &self.defs {
            let _ = writeln!(out, "prompt {k} {{ {e} }}");
        }
    }
}
