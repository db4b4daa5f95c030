//! Commands and the act that carries one (who, why, idempotency key, expected version).

use serde::{Deserialize, Serialize};

use crate::condition::Vars;

/// A command: what someone (or the timer driver) asks a work order to do.
///
/// Hotline commands act on the open item of their phase (see [`crate::Phase`]); generic ones on any task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// 受理: accept the call as a work order, optionally adding variables (`category`, ...).
    Accept {
        /// Variables to set.
        #[serde(default)]
        vars: Vars,
    },
    /// 派单: send the order to a department.
    Dispatch {
        /// The department.
        to: String,
    },
    /// 转办: the handling department passes the order to another department.
    Transfer {
        /// The new department.
        to: String,
    },
    /// 退回: the handling department sends the order back to dispatch (a reason is required).
    Return,
    /// 答复: the department answers (completes its handling item).
    Reply {
        /// The answer.
        text: String,
    },
    /// 催办: remind the assignees of every open item.
    Urge {
        /// The message.
        #[serde(default)]
        note: String,
    },
    /// 督办: put the order under supervision; assignees and the escalation contact are told.
    Supervise {
        /// The message.
        #[serde(default)]
        note: String,
    },
    /// 延期申请: ask to move the handling deadline (a reason is required).
    RequestExtension {
        /// Working days asked for.
        days: u32,
    },
    /// 联办申请: ask to handle the order jointly with assisting departments.
    RequestJoint {
        /// The assisting departments.
        departments: Vec<String>,
    },
    /// Approve a pending request.
    Approve {
        /// The request's id.
        request: u32,
    },
    /// Reject a pending request.
    Reject {
        /// The request's id.
        request: u32,
    },
    /// 办结: close the order after the answer.
    Close,
    /// 回访: record the caller's satisfaction (1–5).
    FollowUp {
        /// 1 (very dissatisfied) to 5 (very satisfied).
        satisfaction: u8,
        /// What the caller said.
        #[serde(default)]
        comment: String,
    },
    /// 重办: reopen a closed order for handling again (a reason is required).
    Reopen,
    /// Stop the deadline clock while waiting on the caller.
    Pause,
    /// Restart the clock; deadlines move by the business time spent paused.
    Resume,
    /// Complete a generic task item, setting variables.
    Complete {
        /// Variables to set.
        #[serde(default)]
        vars: Vars,
    },
    /// 加签: add a signer to a multi-instance task.
    AddSigner {
        /// The new signer (`dept:X`, `person:y`, `role:z`).
        to: String,
    },
    /// 减签: remove a signer from a multi-instance task.
    RemoveSigner {
        /// The signer to remove.
        to: String,
    },
    /// Set variables.
    SetVars {
        /// The variables.
        vars: Vars,
    },
    /// Fire every timer due at the command's time (sent by the timer driver).
    Tick,
    /// The engine started the child order of a subprocess node.
    ChildStarted {
        /// The waiting token.
        token: u32,
        /// The child order.
        child: String,
    },
    /// The child order of a subprocess node finished with these variables.
    ChildFinished {
        /// The waiting token.
        token: u32,
        /// The child's final variables.
        vars: Vars,
    },
    /// The engine told this (child) order's parent that it finished.
    ParentNotified,
}

impl Command {
    /// The command's name (`accept`, `dispatch`, ...), used in counts and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::Dispatch { .. } => "dispatch",
            Command::Transfer { .. } => "transfer",
            Command::Return => "return",
            Command::Reply { .. } => "reply",
            Command::Urge { .. } => "urge",
            Command::Supervise { .. } => "supervise",
            Command::RequestExtension { .. } => "request_extension",
            Command::RequestJoint { .. } => "request_joint",
            Command::Approve { .. } => "approve",
            Command::Reject { .. } => "reject",
            Command::Close => "close",
            Command::FollowUp { .. } => "follow_up",
            Command::Reopen => "reopen",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Complete { .. } => "complete",
            Command::AddSigner { .. } => "add_signer",
            Command::RemoveSigner { .. } => "remove_signer",
            Command::SetVars { .. } => "set_vars",
            Command::Tick => "tick",
            Command::ChildStarted { .. } => "child_started",
            Command::ChildFinished { .. } => "child_finished",
            Command::ParentNotified => "parent_notified",
        }
    }
}

/// A command with who sent it, why, and the durability controls (its time is the `now` it is
/// handled at).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Act {
    /// The command.
    pub command: Command,
    /// Who acts (a person's id, or `system`).
    pub actor: String,
    /// Why (required for return, extension requests, rejections and reopening).
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key: a command retried with the same key is applied once.
    #[serde(default)]
    pub key: Option<String>,
    /// Optimistic concurrency: apply only if the order is at this version.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// The item to act on, when several are open.
    #[serde(default)]
    pub item: Option<u32>,
    /// The assignee whose item to act on (`dept:Water`), when several are open.
    #[serde(default)]
    pub on: Option<String>,
}

impl Act {
    /// A command by `actor`, with no reason, key, expected version or item. Its time is the `now`
    /// it is handled at ([`crate::Engine::handle_command`]).
    pub fn new(command: Command, actor: impl Into<String>) -> Act {
        Act {
            command,
            actor: actor.into(),
            reason: None,
            key: None,
            expected_version: None,
            item: None,
            on: None,
        }
    }

    /// With a reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Act {
        self.reason = Some(reason.into());
        self
    }

    /// With an idempotency key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Act {
        self.key = Some(key.into());
        self
    }

    /// With an expected version.
    #[must_use]
    pub fn expect(mut self, version: u64) -> Act {
        self.expected_version = Some(version);
        self
    }

    /// Acting on the item of this assignee.
    #[must_use]
    pub fn on(mut self, assignee: impl Into<String>) -> Act {
        self.on = Some(assignee.into());
        self
    }

    /// Acting on this item.
    #[must_use]
    pub fn item(mut self, item: u32) -> Act {
        self.item = Some(item);
        self
    }
}
