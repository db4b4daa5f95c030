//! hotline-ivr: an IVR flow language with a parser, static checks, a compiler, a sans-IO
//! interpreter, a simulator and importers.
#![forbid(unsafe_code)]

pub mod ast;
pub mod diag;
pub mod expr;
pub mod graph;
pub mod import;
pub mod lexer;
pub mod parser;

pub use diag::{Diagnostic, Severity, Span, Spanned};
pub use parser::parse;
pub mod check;
pub mod program;
pub mod schedule;
pub mod session;
pub mod sim;

pub use program::{CompileError, Program, compile};
pub use session::{Action, Call, Event, Input, Outcome, QueueEvent, Session, Step};

/// Parses and checks a flow: the syntax tree and every diagnostic, sorted by position.
///
/// The checks run only when the text parsed without errors (so that one typo does not cascade
/// into a page of follow-on findings).
///
/// ```
/// let (_, diags) = hotline_ivr::check_source("start a\nhangup a {}\n");
/// assert!(diags.is_empty(), "{diags:?}");
/// ```
pub fn check_source(src: &str) -> (ast::Flow, Vec<Diagnostic>) {
    let (flow, mut diags) = parse(src);
    if !diag::has_errors(&diags) {
        diags.extend(check::check(&flow));
    }
    diags.sort_by_key(|d| (d.span.start, d.severity));
    (flow, diags)
}
