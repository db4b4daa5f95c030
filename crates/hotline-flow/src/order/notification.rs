//! Notifications: messages for someone, recorded in the log and handed to the caller.

use serde::{Deserialize, Serialize};

use super::Assignee;

/// A message for someone, produced by urging, supervising, warnings, escalation and reminders.
///
/// The engine records notifications in the log (so that they are never lost) and hands them to the
/// caller in each [`crate::Ack`]; delivering them (SMS, e-mail, a screen pop) is the caller's job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Who is told.
    pub to: Assignee,
    /// `urge`, `supervise`, `warning`, `overdue`, `reminder`, `transfer`, `assigned`.
    pub kind: String,
    /// The text.
    pub message: String,
}
