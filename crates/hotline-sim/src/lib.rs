//! A discrete-event call-center simulator that runs the real [`hotline_acd`] router under
//! virtual time, for benchmarking routing policies and testing routing changes before they go
//! live.
//!
//! * [`Scenario`]: a TOML file with the ACD configuration (exactly as hotline-acd reads it),
//!   agent groups (skills, shifts, breaks, wrap-up, no-answer probability) and call types
//!   (Poisson arrivals at a constant or per-interval rate, handle-time and patience
//!   [`Distribution`]s, retrials and callbacks).
//! * [`run_replication`]: one replication — a binary-heap event list in virtual time that feeds
//!   arrivals, answers, hang-ups and abandonments into [`hotline_acd::Acd`] and plays out its
//!   actions. No routing logic lives here: every decision is the engine's.
//! * [`run()`]: independent replications in parallel (each with its own seeded xoshiro256++ streams per
//!   call type and purpose, so policies compared under the same seed see the same calls), warm-up
//!   deletion, and a [`Report`] with 95% confidence intervals for every KPI.
//! * [`ewt`]: how accurate hotline-acd's wait estimators are caller by caller (RASE and the share
//!   within ±25%, per method and per queue position), from
//!   [`run_replication_with_records`].
//! * [`outbound`]: outbound campaigns — the real [`hotline_dialer::Dialer`] against a population
//!   whose answer chance follows the callee's local hour, with ring, talk, wrap-up, patience and
//!   preview-time distributions and the AMD's accuracy and false positives; key figures per
//!   regulator window ([`outbound::run_outbound`]), frontier points averaged over seeds
//!   ([`outbound::sweep_point`]), scenarios from TOML (`hotline dialer simulate`). The
//!   `outbound_frontier` example makes the dialer chapter's figures.
//! * [`plan`]: a hotline-wfm plan in the simulator: shifts and rosters as agent groups
//!   ([`plan::schedule_groups`], [`plan::roster_groups`]), a forecast as arrivals
//!   ([`plan::forecast_arrivals`]), and schedule adherence of the simulated agents interval by
//!   interval ([`plan::interval_adherence`], from the ACD's agent-state log that
//!   [`run_replication_with_states`] records) or in total ([`plan::adherence`]).
//!
//! ```
//! use hotline_sim::{RunOptions, Scenario, run};
//! let scenario = Scenario::from_toml(r#"
//!     name = "M/M/3"
//!     horizon = "2h"
//!     warmup = "15m"
//!     [acd]
//!     [[acd.queues]]
//!     name = "support"
//!     service_level = "20s"
//!     [[agent_groups]]
//!     name = "team"
//!     count = 3
//!     queues = [{ queue = "support" }]
//!     [[call_types]]
//!     name = "support"
//!     queue = "support"
//!     arrivals = { rate_per_hour = 40 }
//!     handle = { dist = "exponential", mean = 180 }
//! "#, None)?;
//! let report = run(&scenario, &RunOptions::new().replications(4))?;
//! let sl = report.overall.service_level.unwrap();
//! println!("service level {:.1}% ± {:.1}", 100.0 * sl.mean, 100.0 * sl.ci95);
//! # Ok::<(), hotline_sim::ScenarioError>(())
//! ```

pub mod dist;
pub mod ewt;
pub mod outbound;
pub mod plan;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod stats;

pub use dist::Distribution;
/// This crate's version, as reports carry it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use dist::{CsvError, DistributionError};
pub use run::{
    Comparison, Difference, GroupKpis, KpiValues, Kpis, ReplicationKpis, Report, RunOptions,
    compare, run, run_each, run_each_with_records, run_replications, run_summarised,
    run_with_progress, run_with_records,
};
pub use scenario::{
    AgentGroup, Arrivals, CallType, CsvReader, MAX_CSV_BYTES, MAX_SCENARIO_BYTES, Scenario,
    ScenarioError, Span,
};
pub use sim::{
    CallRecord, Disposition, Outcome, PolicyChoice, PolicyFactory, SelectionFactory, Tally,
    run_replication, run_replication_streaming, run_replication_with_records,
    run_replication_with_states,
};
pub use stats::{Estimate, WaitHistogram, jain_index, t_quantile};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
