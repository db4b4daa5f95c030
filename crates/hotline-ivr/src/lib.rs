//! An IVR flow language for call centers: a parser with precise diagnostics, static checks, a
//! compiler, a deterministic sans-IO interpreter, a simulator for scripted test calls with
//! coverage, and importers for FreeSWITCH menus and VoiceXML.
//!
//! A flow is a text file a call-center supervisor can read:
//!
//! ```text
//! flow "Support line"
//! languages en, zh-CN
//! start main
//!
//! prompt greet { en "For sales press 1, for support press 2."
//!                zh-CN "销售请按1，技术支持请按2。" }
//! prompt again { any "Sorry?" }
//!
//! menu main {
//!   prompt greet
//!   timeout 5s
//!   invalid again
//!   1 -> sales
//!   2 -> support
//!   exhausted -> support
//! }
//! transfer sales { number "+4930123456" }
//! queue support { to "support"; error -> sales }
//! ```
//!
//! The pipeline:
//!
//! * [`parse`] turns text into an [`ast::Flow`] and syntax [`Diagnostic`]s (line, column, source
//!   line shown by [`Diagnostic::render`]); [`check::check`] finds undefined targets, duplicate ids,
//!   unreachable nodes, dead ends, loops with no exit, conflicting menu digits, missing timeouts
//!   and error handling, variables read before they are set, prompts missing in a language,
//!   schedules that leave hours uncovered and lookups or queues without an error edge, each with
//!   a stable code ([`diag::codes`]); [`check_source`] does both.
//! * [`compile`] turns a flow without errors into a [`Program`].
//! * A [`Session`] runs one call: [`Session::start`], a `handle_*` method per input
//!   ([`Session::handle_digit`], [`Session::handle_prompt_finished`], queue events, lookup and
//!   recording results, hang-up; an input that does not apply is a [`SessionError`]),
//!   [`Session::handle_timeout`] at [`Session::poll_timeout`], and [`Session::poll_output`] for
//!   the [`Output`]s in order: the [`Action`]s to carry out (play, collect digits, enqueue,
//!   transfer, record, lookup, hang up, ...) and, for transcripts, the edges taken. It owns no
//!   clock or socket: the same inputs at the same times give the same outputs. Its time is a
//!   [`jiff::Timestamp`], because `schedule` nodes read business calendars (see [`session`]).
//! * [`sim`] runs scripted calls in virtual time with mocked lookups and queues, and measures
//!   node and edge coverage; [`graph`] draws a flow; [`import`] converts FreeSWITCH and
//!   VoiceXML documents.
//!
//! ```
//! use std::sync::Arc;
//! use hotline_ivr::{Action, Call, Output, Session};
//!
//! let src = "start main\nprompt p { any \"Press 1 to hear this again.\" }\n\
//!            menu main { prompt p; timeout 5s; invalid p\n 1 -> main\n exhausted -> bye }\n\
//!            hangup bye {}\n";
//! let (program, warnings) = hotline_ivr::compile(src).unwrap();
//! assert!(warnings.is_empty());
//!
//! let t0: jiff::Timestamp = "2026-11-23T09:00:00+08:00".parse().unwrap();
//! let mut call = Session::new(Arc::new(program));
//! call.start(t0, Call::default()).unwrap();
//! assert!(matches!(call.poll_output().and_then(Output::into_action), Some(Action::CollectDigits { .. })));
//! assert!(matches!(call.poll_output().and_then(Output::into_action), Some(Action::Play { .. })));
//! call.handle_prompt_finished(t0).unwrap();
//! // A second "prompt finished" does not apply: no prompt plays.
//! assert!(call.handle_prompt_finished(t0).is_err());
//! // Nobody presses anything: after the timeout the prompt repeats.
//! let deadline = call.poll_timeout().unwrap();
//! call.handle_timeout(deadline);
//! assert!(matches!(call.poll_output().and_then(Output::into_action), Some(Action::Play { .. })));
//! ```
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
#[cfg(any(test, fuzzing, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod program;
pub mod schedule;
pub mod session;
pub mod sim;

pub use program::{CompileError, Program, compile};
pub use session::{Action, Call, Input, Outcome, Output, QueueEvent, Session, SessionError, Step};

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
