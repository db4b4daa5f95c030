//! Work items (待办): one piece of work for one assignee at one task node.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::definition::Phase;

use super::Assignee;

/// Whether a work item is still to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// To do.
    Open,
    /// Done.
    Done,
    /// No longer needed (the task completed without it, it was returned, or its signer removed).
    Cancelled,
}

/// One piece of work for one assignee at one task node (待办).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// The item's id within its order.
    pub id: u32,
    /// The task node.
    pub node: String,
    /// The hotline phase of the node.
    pub phase: Option<Phase>,
    /// The token (branch) the item belongs to.
    pub token: u32,
    /// Who it is for.
    pub assignee: Assignee,
    /// The lead (主办) of a joint or countersigned task.
    pub lead: bool,
    /// Open, done or cancelled.
    pub status: ItemStatus,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it is due.
    pub deadline: Option<Timestamp>,
    /// When it was done or cancelled.
    pub closed_at: Option<Timestamp>,
    /// The answer or outcome given when done.
    pub outcome: Option<String>,
    /// Which warnings (indexes into `warn_at`) have been sent.
    pub warned: Vec<u32>,
    /// The deadline passed while it was open.
    pub overdue: bool,
    /// Reminders sent since it became overdue.
    pub reminders: u32,
}
