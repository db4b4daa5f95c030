//! Work-order workflow engine for hotlines, with deadlines in business time.
#![doc = include_str!("../README.md")]

pub use jiff;
#[cfg(feature = "postgres")]
pub use postgres;
#[cfg(feature = "sqlite")]
pub use rusqlite;
pub use serde_json;

/// The 12345 government-service hotline definition bundled with the crate
/// (`definitions/hotline-12345.toml`): accept, dispatch, handle, close, follow up, on the China
/// calendar. Deploy it with [`Engine::deploy`], or adjust a copy and deploy that as a new version.
pub const HOTLINE_12345: &str = include_str!("../definitions/hotline-12345.toml");

mod clock;
mod condition;
mod decide;
mod definition;
mod error;
mod order;

pub use clock::{AlwaysOpen, BusinessClock, BusinessSpan, Calendars, bundled_calendar_text};
pub use condition::{Condition, Vars};
pub use decide::{MAX_EXTENSION_DAYS, MAX_STEPS};
pub use definition::{
    Assign, CalendarChoice, Completion, CustomCalendar, Deadline, Definition, Edge, Escalation,
    Next, Node, NodeKind, Phase, Rule,
};
pub use error::{FlowError, Position, Source};
pub use order::{
    Act, Assignee, Change, Command, DepartmentAct, Event, HASH_VERSION, Handling, ItemStatus,
    Notification, ParentLink, Request, RequestKind, RequestStatus, Timer, TimerKind, Token,
    WorkItem, WorkOrder, f64_bits, genesis_hash, verify_chain,
};

mod engine;
pub mod store;

pub use engine::{Ack, Engine, Output, SYSTEM, Verified};
mod query;

pub use query::{DepartmentKpi, WorkCursor, WorkEntry, WorkFilter};
