//! Outbound campaigns for call centers: preview, progressive and predictive dialing under an
//! abandonment cap, with calling hours in the callee's time zone, retries, appointments,
//! do-not-call and refusal lists, and the audit record and per-window report a regulator asks for.
//!
//! The [`Dialer`] is a sans-IO engine: the host tells it what happened (`handle_*`), asks when it
//! next needs the clock ([`Dialer::poll_timeout`]) and takes its actions ([`Dialer::poll_action`]:
//! dial this record, connect this call to that agent, play the abandonment message, drop), and
//! its audit lines ([`Dialer::poll_audit`]). It owns no clock, socket or thread; `now` is a
//! [`jiff::Timestamp`] the host passes in (virtual in a simulator: hotline-sim's `outbound`
//! module drives this engine against a simulated population, and makes the book's figures).
//!
//! ```
//! use hotline_dialer::{Action, AgentId, Campaign, Dialer, Mode, Outcome, Record};
//! use jiff::Timestamp;
//!
//! let campaign = Campaign::new("Survey", Mode::Progressive { ratio: 1.0 });
//! let mut dialer = Dialer::new(campaign, None)?;
//! dialer.add_records("list-1", vec![Record::new("c1", "+12125550100", "America/New_York")])?;
//! // Monday 2 March 2026, 10:00 in New York.
//! let now: Timestamp = "2026-03-02T15:00:00Z".parse()?;
//! dialer.handle_agent_available(now, AgentId(7))?;
//! let Some(Action::Dial { call, record, .. }) = dialer.poll_action() else { panic!() };
//! assert_eq!(dialer.record(record).unwrap().phone, "+12125550100");
//! dialer.handle_call_outcome(now, call, Outcome::Human)?;
//! assert_eq!(dialer.poll_action(), Some(Action::Connect { call, agent: AgentId(7) }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Pacers ([`pacing`]): a queueing-model pacer after Samuelson (1999) and Koole & Mandelbaum
//! (2002), an adaptive controller that keeps each regulator window under the cap, and a
//! re-implementation of Vicidial's adaptive dial level as the baseline. Compliance
//! ([`compliance`]): US, UK, CN and custom profiles. Lists ([`record`]) from CSV; campaigns
//! ([`campaign`]) from TOML.

pub mod campaign;
pub mod compliance;
mod duration_serde;
pub mod engine;
mod error;
pub mod pacing;
pub mod record;
pub mod svg;

pub use campaign::{Blend, Campaign, ListSource, Mode, RetryRules};
pub use compliance::{
    AuditEvent, AuditRecord, CallingHours, ComplianceReport, DialMode, Jurisdiction, Profile,
};
pub use engine::{Action, AgentId, CallId, Dialer, Disposition, InboundSignal, Outcome, Progress};
pub use error::{DialerError, InputError, Location, Problem};
pub use pacing::{
    Decision, Estimates, Pacer, PacerConfig, PacingView, VicidialMethod, WindowCounts,
};
pub use record::{Record, RecordId};

pub use jiff;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
