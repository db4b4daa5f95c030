//! The progress bar of long runs (simulations, sweeps, large IVR tests).
//!
//! It is drawn on standard error, so it never mixes with output a script reads, and only when
//! standard error is a terminal or the command was given `--progress` (a log file then gets one
//! line per step).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Width of the bar in characters.
const WIDTH: usize = 30;

/// A progress bar counting steps up to a total.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: usize,
    /// Whether it is drawn, and whether in place (`\r`, a terminal) or one line a step.
    mode: Option<bool>,
    last: Mutex<usize>,
}

impl Progress {
    /// A bar for `total` steps of `label` (`replications`, `calls`), drawn when `forced` (the
    /// `--progress` flag) or when standard error is a terminal.
    pub fn new(label: impl Into<String>, total: usize, forced: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let mode = (forced || terminal).then_some(terminal);
        Progress { label: label.into(), total, mode, last: Mutex::new(0) }
    }

    /// Whether the bar is drawn at all.
    pub fn shown(&self) -> bool {
        self.mode.is_some()
    }

    /// The line drawn after `done` steps: `label [#####.....] done/total`.
    pub fn line(&self, done: usize) -> String {
        let filled = (done.min(self.total) * WIDTH).checked_div(self.total).unwrap_or(WIDTH);
        format!(
            "{} [{}{}] {done}/{}",
            self.label,
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            self.total
        )
    }

    /// Records that `done` steps are finished (steps may be reported out of order by worker
    /// threads; the bar never goes back).
    pub fn set(&self, done: usize) {
        let Some(in_place) = self.mode else { return };
        let Ok(mut last) = self.last.lock() else { return };
        if done < *last || (done == *last && done != 0) {
            return;
        }
        *last = done;
        let mut err = std::io::stderr().lock();
        let line = self.line(done);
        let _ = if in_place {
            write!(err, "\r{line}{}", if done >= self.total { "\n" } else { "" })
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_count() {
        let p = Progress { label: "replications".into(), total: 10, mode: None, last: 0.into() };
        assert_eq!(p.line(0), format!("replications [{}] 0/10", ".".repeat(30)));
        assert_eq!(p.line(5), format!("replications [{}{}] 5/10", "#".repeat(15), ".".repeat(15)));
        assert_eq!(p.line(10), format!("replications [{}] 10/10", "#".repeat(30)));
        let empty = Progress { label: "calls".into(), total: 0, mode: None, last: 0.into() };
        assert_eq!(empty.line(0), format!("calls [{}] 0/0", "#".repeat(30)));
        assert!(!p.shown());
    }
}
