//! Staffing math for call centers: Erlang B, C and A, staffing targets and intraday plans.
//!
//! * [`ErlangB`]: the loss system M/M/N/N — the probability that a call finds every line busy.
//! * [`ErlangC`]: the delay system M/M/N — probability of waiting, service level, average speed of
//!   answer (ASA), queue length, occupancy and the waiting-time distribution.
//! * [`ErlangA`]: the M/M/N+M queue with exponential patience — the same measures plus
//!   abandonment, valid also with fewer agents than the load.
//!
//! Agent counts may be fractional everywhere (through the incomplete-gamma form of Erlang B), so
//! staffing can be interpolated and optimised continuously. Every result is accurate to 1e-12
//! relative or better against 60-digit references for 1 to 1,000,000 agents, occupancies up to
//! 0.9999 and probabilities down to the smallest normal double (see `tests/references.rs`).
//!
//! Durations (handling time, patience, answer-time targets, waits) are `f64` seconds; loads are in
//! erlangs (calls per second × handling time in seconds). Bad inputs are [`ErlangError`]s that name
//! the input.
//!
//! ```
//! use hotline_erlang::{ErlangC, ErlangB};
//! let c = ErlangC::new(10.0, 13.0, 180.0)?; // 10 erlangs, 13 agents, 3-minute calls
//! println!("{:.1}% answered within 20 s, ASA {:.1} s", 100.0 * c.service_level(20.0)?, c.asa());
//! assert!(ErlangB::new(10.0, 13.0)?.blocking() < c.p_wait());
//! # Ok::<(), hotline_erlang::ErlangError>(())
//! ```

mod erlang_a;
mod erlang_b;
mod erlang_c;
mod error;
mod intraday;
mod special;
mod staffing;

pub use erlang_a::{ErlangA, ErlangAMetrics, ErlangAParams, MAX_EXCESS_QUEUE, MAX_PATIENCE_LOAD};
pub use erlang_b::{ErlangB, ErlangBParams, erlang_b};
pub use erlang_c::{ErlangC, ErlangCMetrics, ErlangCParams, Traffic, erlang_c, offered_load};
pub use error::ErlangError;
pub use intraday::{
    DayPlan, DayTotals, Forecast, ForecastInterval, INTERVAL_MINUTES, IntervalPlan, plan_day,
};
pub use special::normal_quantile;
pub use staffing::{
    Evaluation, MAX_AGENTS, Model, ServiceLevel, Staffing, Targets, max_load, scheduled_staff,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
