//! Work-order workflow engine for hotlines, with deadlines in business time.
#![doc = include_str!("../README.md")]

mod clock;
mod condition;
mod decide;
mod definition;
mod error;
mod order;
mod sha256;

pub use clock::{AlwaysOpen, BusinessClock, BusinessSpan, Calendars, bundled_calendar_text};
pub use condition::{Condition, Vars};
pub use decide::MAX_STEPS;
pub use definition::{
    Assign, CalendarChoice, Completion, CustomCalendar, Deadline, Definition, Edge, Escalation,
    Next, Node, NodeKind, Phase, Rule,
};
pub use error::{FlowError, Position};
pub use order::{
    Act, Assignee, Change, Command, DepartmentAct, Event, Handling, ItemStatus, Notification,
    ParentLink, Request, RequestKind, RequestStatus, Timer, TimerKind, Token, WorkItem, WorkOrder,
    f64_bits, genesis_hash, verify_chain,
};

mod engine;
pub mod store;

pub use engine::{Ack, Engine, SYSTEM, TickReport, Verified};
mod query;

pub use query::{DepartmentKpi, WorkEntry, WorkFilter};
