//! Extension and joint-handling requests.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestKind {
    /// 延期: move the handling deadline by this many working days.
    Extension {
        /// Working days.
        days: u32,
    },
    /// 联办: handle jointly with these assisting departments.
    Joint {
        /// The assisting departments.
        departments: Vec<String>,
    },
}

/// Whether a request has been decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// An extension or joint-handling request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The request's id within its order.
    pub id: u32,
    /// What it asks for.
    pub kind: RequestKind,
    /// Who asked.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: Option<String>,
    /// Pending, approved or rejected.
    pub status: RequestStatus,
}
