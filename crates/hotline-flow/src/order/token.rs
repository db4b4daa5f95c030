//! Tokens (branches of execution) and the link from a child order to its parent.

use serde::{Deserialize, Serialize};

/// A branch of execution: where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token's id.
    pub id: u32,
    /// The node it is at.
    pub node: String,
    /// A subprocess node waits for this child process (`None` until the child is started).
    pub child: Option<String>,
    /// The process a subprocess node asked to start, until it is started.
    pub child_requested: Option<String>,
}

/// Where a child order reports back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent order.
    pub order: String,
    /// The parent's waiting token.
    pub token: u32,
}
