//! Pending timers: warnings, escalations, reminders and timer nodes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum TimerKind {
    /// A timer node's wait is over: move the token on.
    Node {
        /// The waiting token.
        token: u32,
    },
    /// Warn the assignee that a fraction of the deadline is used.
    Warning {
        /// The item.
        item: u32,
        /// Index into the definition's `warn_at`.
        index: u32,
        /// The fraction, for the message.
        fraction: f64_bits::F64,
    },
    /// The deadline passed: escalate.
    Escalation {
        /// The item.
        item: u32,
    },
    /// A repeated reminder after the deadline.
    Reminder {
        /// The item.
        item: u32,
        /// The reminder's number (1-based).
        n: u32,
    },
}

/// A float that compares by bits, so that timer kinds can be `Eq`.
pub mod f64_bits {
    use serde::{Deserialize, Serialize};

    /// An `f64` compared by its bits.
    #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct F64(pub f64);

    impl PartialEq for F64 {
        fn eq(&self, other: &F64) -> bool {
            self.0.to_bits() == other.0.to_bits()
        }
    }

    impl Eq for F64 {}
}

/// A pending timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The timer's id within its order.
    pub id: u32,
    /// When it falls due.
    pub due: Timestamp,
    /// What it does.
    pub kind: TimerKind,
}
