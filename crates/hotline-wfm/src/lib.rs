//! Workforce management for call centers: how many calls will come, how many agents each interval
//! needs, and who works when.
//!
//! - [`generate`]: a seeded synthetic call-volume generator ([`GeneratorParams`]) that knows
//!   China's holidays and make-up working days through hotline-calendar.
//! - [`Series::parse_csv`]: history CSV (`timestamp,volume`, 15/30/60-minute intervals).
//! - [`Model`]s: [`SeasonalNaive`], [`HoltWinters`] (double-seasonal, Taylor 2003) and
//!   [`CalendarProfile`] (holidays, make-up working days, days around holidays); [`forecast`] for
//!   density forecasts, [`rolling_origin`] for MASE and interval coverage.
//! - [`requirement`]: required agents per interval through hotline-erlang.
//! - [`solve`]: shift scheduling with breaks ([`ScheduleProblem`], [`ShiftTemplate`]);
//!   [`solve_coverage`] on raw coverage patterns. With the cargo feature `highs` (off by
//!   default; needs cmake, a C++ compiler and libclang), `solve_milp` and `solve_coverage_milp`
//!   solve the same models exactly with the HiGHS MILP solver.
//! - [`roster`]: named agents under working-time [`Rules`]; [`check_roster`] names every broken
//!   [`Rule`].
//! - [`adherence()`]: schedule adherence and conformance interval by
//!   interval and agent by agent, from the states an ACD reports ([`AgentTimeline`]).
//! - [`forecast_svg`], [`coverage_svg`], [`requirement_svg`], [`roster_svg`],
//!   [`adherence_svg`]: pictures.
//!
//! Everything is sans-IO: functions take text or values and return values; the examples and the
//! scripts under `scripts/` do the file handling.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod day_type;
mod distributions;
mod error;
mod generator;
mod series;

pub use day_type::{DayType, day_type};
pub use distributions::{Variates, gamma_variate};
pub use error::{Rule, WfmError};
pub use generator::{Generated, GeneratorParams, Peak, generate};
pub use series::{CsvLimits, INTERVALS, Series};
mod evaluation;
mod forecast;

pub use evaluation::{Evaluation, mase_scale, rolling_forecasts, rolling_origin, score};
pub use forecast::{
    CalendarProfile, Density, Forecast, ForecastOptions, HoltWinters, HoltWintersParams, Model,
    SeasonalNaive, forecast, z_for_level,
};
mod lp;
mod requirement;

pub use requirement::{Requirement, RequirementOptions, requirement, requirement_from_calls};
mod schedule;

pub use schedule::{
    BreakRule, CoverageSolution, DaySchedule, MAX_PATTERNS, MAX_SKILLS, Pattern, Schedule,
    ScheduleProblem, Shift, ShiftTemplate, SkillRequirement, Weights, check_schedule, solve,
    solve_coverage,
};
#[cfg(feature = "highs")]
mod milp;
#[cfg(feature = "highs")]
#[cfg_attr(docsrs, doc(cfg(feature = "highs")))]
pub use milp::{solve_coverage_milp, solve_milp};
mod roster;

pub use roster::{Agent, Assignment, Roster, Rules, Violation, check_roster, roster};
mod svg;

pub use svg::{adherence_svg, coverage_svg, forecast_svg, requirement_svg, roster_svg};
mod config;

pub use config::{MAX_CONFIG_BYTES, ScheduleConfig};
mod adherence;

pub use adherence::{
    AdherenceReport, AdherenceTime, AgentAdherence, AgentTimeline, IntervalAdherence,
    MAX_ADHERENCE_CELLS, MAX_ADHERENCE_INTERVALS, Observed, ObservedChange, OutOfAdherence,
    Planned, PlannedSpan, adherence,
};
