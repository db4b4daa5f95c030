//! Intraday staffing: a day of intervals (calls and handling time per 15, 30 or 60 minutes) to
//! required agents and scheduled staff per interval, with totals and agent-hours.
//!
//! The forecast is a small CSV file read by [`Forecast::parse_csv`]:
//!
//! ```text
//! # comments and blank lines are ignored
//! start,calls,aht
//! 08:00,120,180
//! 08:30,135,175.5
//! ```
//!
//! `start` is the interval's start as `HH:MM` (the columns may also be called `interval`/`time`,
//! `volume`/`offered` and `aht_s`; extra columns are ignored), `calls` the calls offered in the
//! interval and `aht` their average handling time in seconds. The interval length is the step
//! between consecutive starts and must be 15, 30 or 60 minutes, the same all day.

use std::fmt::Write as _;

use crate::erlang_c::Traffic;
use crate::error::{ErlangError, below_one};
use crate::staffing::{Model, Staffing, Targets, scheduled_staff};

/// One interval of a forecast.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ForecastInterval {
    /// Start time, `HH:MM`.
    pub start: String,
    /// Calls offered in the interval (0 or more).
    pub calls: f64,
    /// Average handling time in seconds.
    pub aht_s: f64,
}

/// A day of forecast intervals of one length.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Forecast {
    /// Interval length in minutes: 15, 30 or 60.
    pub interval_minutes: u32,
    /// The intervals, in time order.
    pub intervals: Vec<ForecastInterval>,
}

/// The interval lengths a forecast may use, in minutes.
pub const INTERVAL_MINUTES: [u32; 3] = [15, 30, 60];

fn forecast_error(line: usize, message: impl Into<String>) -> ErlangError {
    ErlangError::Forecast { line, message: message.into() }
}

/// Minutes after midnight of `HH:MM` (00:00 to 24:00).
fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl Forecast {
    /// Reads a forecast from CSV text (see the module documentation for the format).
    ///
    /// `interval_minutes` gives the interval length when the file cannot show it (a single
    /// interval); when given, it must also agree with the file.
    ///
    /// # Errors
    ///
    /// [`ErlangError::Forecast`] with the 1-based line number: no header or a missing column,
    /// a bad time, calls or handling time, starts not increasing by one interval length, an
    /// interval length other than 15, 30 or 60 minutes, or no intervals at all.
    pub fn parse_csv(text: &str, interval_minutes: Option<u32>) -> Result<Forecast, ErlangError> {
        if let Some(minutes) = interval_minutes
            && !INTERVAL_MINUTES.contains(&minutes)
        {
            return Err(forecast_error(
                0,
                format!("interval of {minutes} minutes: use 15, 30 or 60"),
            ));
        }
        let mut columns: Option<(usize, usize, usize)> = None;
        let mut intervals = Vec::new();
        let mut starts = Vec::new();
        let mut last_line = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            last_line = line;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = content.split(',').map(str::trim).collect();
            let Some((start_col, calls_col, aht_col)) = columns else {
                let find = |names: &[&str]| {
                    fields.iter().position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)))
                };
                let start = find(&["start", "interval", "time"]);
                let calls = find(&["calls", "volume", "offered"]);
                let aht = find(&["aht", "aht_s"]);
                match (start, calls, aht) {
                    (Some(s), Some(c), Some(a)) => columns = Some((s, c, a)),
                    _ => {
                        return Err(forecast_error(
                            line,
                            format!(
                                "expected a header naming the columns start, calls and aht, got `{content}`"
                            ),
                        ));
                    }
                }
                continue;
            };
            let field = |col: usize, name: &str| {
                fields.get(col).copied().ok_or_else(|| {
                    forecast_error(line, format!("missing the {name} column (column {})", col + 1))
                })
            };
            let start_text = field(start_col, "start")?;
            let start = parse_time(start_text).ok_or_else(|| {
                forecast_error(line, format!("start `{start_text}` is not a time HH:MM"))
            })?;
            let number = |col: usize, name: &str| -> Result<f64, ErlangError> {
                let text = field(col, name)?;
                text.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| forecast_error(line, format!("{name} `{text}` is not a number")))
            };
            let calls = number(calls_col, "calls")?;
            if calls < 0.0 {
                return Err(forecast_error(line, format!("calls {calls} is negative")));
            }
            let aht_s = number(aht_col, "aht")?;
            if aht_s <= 0.0 {
                return Err(forecast_error(line, format!("aht {aht_s} must be greater than 0")));
            }
            if let Some(&previous) = starts.last()
                && start <= previous
            {
                return Err(forecast_error(
                    line,
                    format!("start {start_text} does not follow the previous interval"),
                ));
            }
            starts.push(start);
            intervals.push((line, ForecastInterval { start: start_text.to_owned(), calls, aht_s }));
        }
        if intervals.is_empty() {
            return Err(forecast_error(last_line, "the forecast has no intervals"));
        }
        let minutes = match (starts.get(1).map(|s| s - starts[0]), interval_minutes) {
            (Some(step), Some(given)) if step != given => {
                return Err(forecast_error(
                    intervals[1].0,
                    format!("intervals are {step} minutes apart, but {given} were given"),
                ));
            }
            (Some(step), _) => step,
            (None, Some(given)) => given,
            (None, None) => {
                return Err(forecast_error(
                    intervals[0].0,
                    "a single interval does not show its length: give the interval length",
                ));
            }
        };
        if !INTERVAL_MINUTES.contains(&minutes) {
            return Err(forecast_error(
                intervals[1].0,
                format!("intervals are {minutes} minutes apart: use 15, 30 or 60"),
            ));
        }
        for (i, pair) in starts.windows(2).enumerate() {
            if pair[1] - pair[0] != minutes {
                return Err(forecast_error(
                    intervals[i + 1].0,
                    format!(
                        "start {} is {} minutes after the previous interval, expected {minutes}",
                        intervals[i + 1].1.start,
                        pair[1] - pair[0]
                    ),
                ));
            }
        }
        if starts.last().is_some_and(|&last| last + minutes > 24 * 60) {
            return Err(forecast_error(
                intervals[intervals.len() - 1].0,
                "the last interval runs past midnight",
            ));
        }
        Ok(Forecast {
            interval_minutes: minutes,
            intervals: intervals.into_iter().map(|(_, i)| i).collect(),
        })
    }
}

/// The staffing of one interval.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IntervalPlan {
    /// Start time, `HH:MM`.
    pub start: String,
    /// Calls offered.
    pub calls: f64,
    /// Average handling time in seconds.
    pub aht_s: f64,
    /// Offered load in erlangs.
    pub offered_erlangs: f64,
    /// Fewest agents meeting every target (0 without calls).
    pub required_agents: u64,
    /// Staff to schedule after shrinkage.
    pub scheduled_staff: u64,
    /// Service level at the required agents (`None` without calls or service-level target).
    pub service_level: Option<f64>,
    /// ASA at the required agents, in seconds.
    pub asa_s: Option<f64>,
    /// Abandonment at the required agents (Erlang A only).
    pub p_abandon: Option<f64>,
    /// Occupancy at the required agents.
    pub occupancy: Option<f64>,
}

/// Totals over the day.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DayTotals {
    /// Calls offered over the day.
    pub calls: f64,
    /// Hours of handling work offered (calls × AHT).
    pub workload_hours: f64,
    /// Agent-hours of the required agents.
    pub required_agent_hours: f64,
    /// Agent-hours of the scheduled staff.
    pub scheduled_agent_hours: f64,
    /// Largest required agents in any interval.
    pub peak_required: u64,
    /// Largest scheduled staff in any interval.
    pub peak_scheduled: u64,
}

/// An intraday staffing plan: every interval and the day's totals.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DayPlan {
    /// `erlang-c` or `erlang-a`.
    pub model: String,
    /// Interval length in minutes.
    pub interval_minutes: u32,
    /// Shrinkage applied for the scheduled staff.
    pub shrinkage: f64,
    /// The intervals, in time order.
    pub intervals: Vec<IntervalPlan>,
    /// Totals over the day.
    pub totals: DayTotals,
}

/// Staffs every interval of `forecast` for `targets` with `model`, and schedules staff for
/// `shrinkage`.
///
/// ```
/// use hotline_erlang::{Forecast, Model, ServiceLevel, Targets, plan_day};
/// let forecast = Forecast::parse_csv("start,calls,aht\n08:00,100,180\n08:30,160,180\n", None)?;
/// let targets = Targets { service_level: Some(ServiceLevel::new(0.8, 20.0)?), ..Targets::default() };
/// let plan = plan_day(&forecast, Model::ErlangC, targets, 0.3)?;
/// assert_eq!(plan.intervals[0].required_agents, 14);
/// assert_eq!(plan.intervals[0].scheduled_staff, 20);
/// assert_eq!(plan.totals.required_agent_hours, (14.0 + plan.intervals[1].required_agents as f64) / 2.0);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
///
/// # Errors
///
/// Names `shrinkage` or the target out of range; an interval that cannot be staffed is an
/// [`ErlangError::Interval`] naming its start.
pub fn plan_day(
    forecast: &Forecast,
    model: Model,
    targets: Targets,
    shrinkage: f64,
) -> Result<DayPlan, ErlangError> {
    below_one("shrinkage", shrinkage)?;
    targets.check()?;
    let interval_s = f64::from(forecast.interval_minutes) * 60.0;
    let hours = f64::from(forecast.interval_minutes) / 60.0;
    let mut intervals = Vec::with_capacity(forecast.intervals.len());
    let mut totals = DayTotals {
        calls: 0.0,
        workload_hours: 0.0,
        required_agent_hours: 0.0,
        scheduled_agent_hours: 0.0,
        peak_required: 0,
        peak_scheduled: 0,
    };
    for interval in &forecast.intervals {
        let in_interval = |e: ErlangError| ErlangError::Interval {
            start: interval.start.clone(),
            error: Box::new(e),
        };
        let mut plan = IntervalPlan {
            start: interval.start.clone(),
            calls: interval.calls,
            aht_s: interval.aht_s,
            offered_erlangs: interval.calls * interval.aht_s / interval_s,
            required_agents: 0,
            scheduled_staff: 0,
            service_level: None,
            asa_s: None,
            p_abandon: None,
            occupancy: None,
        };
        if interval.calls > 0.0 {
            let staffing = Staffing::from_calls(
                model,
                Traffic { calls: interval.calls, interval_s, aht_s: interval.aht_s },
                targets,
            )
            .map_err(in_interval)?;
            let required = staffing.required_agents().map_err(in_interval)?;
            let at = staffing.evaluate(required as f64).map_err(in_interval)?;
            plan.required_agents = required;
            plan.scheduled_staff = scheduled_staff(required, shrinkage)?;
            plan.service_level = at.service_level;
            plan.asa_s = at.asa_s;
            plan.p_abandon = at.p_abandon;
            plan.occupancy = Some(at.occupancy);
        }
        totals.calls += plan.calls;
        totals.workload_hours += plan.calls * plan.aht_s / 3600.0;
        totals.required_agent_hours += plan.required_agents as f64 * hours;
        totals.scheduled_agent_hours += plan.scheduled_staff as f64 * hours;
        totals.peak_required = totals.peak_required.max(plan.required_agents);
        totals.peak_scheduled = totals.peak_scheduled.max(plan.scheduled_staff);
        intervals.push(plan);
    }
    Ok(DayPlan {
        model: model.name().to_owned(),
        interval_minutes: forecast.interval_minutes,
        shrinkage,
        intervals,
        totals,
    })
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl DayPlan {
    /// The plan as CSV: one row per interval (empty cells for values that do not exist), then a
    /// `total` row with the calls and the agent-hours in the agents and staff columns.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "start,calls,aht_s,offered_erlangs,required_agents,scheduled_staff,service_level,asa_s,p_abandon,occupancy\n",
        );
        for i in &self.intervals {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                i.start,
                i.calls,
                i.aht_s,
                i.offered_erlangs,
                i.required_agents,
                i.scheduled_staff,
                optional(i.service_level),
                optional(i.asa_s),
                optional(i.p_abandon),
                optional(i.occupancy)
            );
        }
        let t = &self.totals;
        let _ = writeln!(
            out,
            "total,{},,,{},{},,,,",
            t.calls, t.required_agent_hours, t.scheduled_agent_hours
        );
        out
    }

    /// A line chart of required agents and scheduled staff over the day, as a standalone SVG
    /// document.
    pub fn to_svg(&self) -> String {
        let (width, height) = (900.0_f64, 420.0_f64);
        let (left, right, top, bottom) = (60.0, 20.0, 40.0, 60.0);
        let plot_w = width - left - right;
        let plot_h = height - top - bottom;
        let n = self.intervals.len().max(1) as f64;
        let peak = self.totals.peak_scheduled.max(self.totals.peak_required).max(1) as f64;
        let step = nice_step(peak / 5.0);
        // One grid step of room above the peak, so that the peak never touches the top edge
        // (issue 25: a peak that was a multiple of the step drew along the frame).
        let y_max = ((peak / step).floor() + 1.0) * step;
        let x = |i: f64| left + plot_w * i / n;
        let y = |v: f64| top + plot_h * (1.0 - v / y_max);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="24" text-anchor="middle" font-size="15">Staffing by interval ({}, {} minutes, shrinkage {}%)</text>"#,
            width / 2.0,
            self.model,
            self.interval_minutes,
            self.shrinkage * 100.0
        );
        // Horizontal grid lines and their labels.
        let mut v = 0.0;
        while v <= y_max + step * 0.5 {
            let _ = writeln!(
                svg,
                r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{v}</text>"##,
                left + plot_w,
                left - 6.0,
                y(v) + 4.0,
                y = y(v),
            );
            v += step;
        }
        // Time labels, about a dozen.
        let every = (self.intervals.len() / 12).max(1);
        for (i, interval) in self.intervals.iter().enumerate().step_by(every) {
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x(i as f64),
                top + plot_h + 18.0,
                interval.start
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">interval start</text>"#,
            left + plot_w / 2.0,
            height - 12.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">agents</text>"#,
            top + plot_h / 2.0,
            top + plot_h / 2.0
        );
        // Step lines: each interval holds its value for its whole length.
        let series = [
            (
                "required agents",
                "#1f77b4",
                self.intervals.iter().map(|i| i.required_agents).collect::<Vec<_>>(),
            ),
            (
                "scheduled staff",
                "#ff7f0e",
                self.intervals.iter().map(|i| i.scheduled_staff).collect(),
            ),
        ];
        for (k, (name, colour, values)) in series.iter().enumerate() {
            let mut points = String::new();
            for (i, &value) in values.iter().enumerate() {
                let vy = y(value as f64);
                let _ =
                    write!(points, "{:.1},{vy:.1} {:.1},{vy:.1} ", x(i as f64), x(i as f64 + 1.0));
            }
            let _ = writeln!(
                svg,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                points.trim_end()
            );
            let lx = left + 10.0 + 170.0 * k as f64;
            let _ = writeln!(
                svg,
                r#"<line x1="{lx}" x2="{}" y1="{}" y2="{}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{}">{name}</text>"#,
                lx + 24.0,
                top + 12.0,
                top + 12.0,
                lx + 30.0,
                top + 16.0
            );
        }
        let _ = writeln!(
            svg,
            r#"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>"#
        );
        svg.push_str("</svg>\n");
        svg
    }
}

/// A round axis step (1, 2 or 5 times a power of ten) near `raw`, at least 1.
fn nice_step(raw: f64) -> f64 {
    if raw <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceLevel;

    fn targets() -> Targets {
        Targets { service_level: Some(ServiceLevel::new(0.8, 20.0).unwrap()), ..Targets::default() }
    }

    #[test]
    fn parses_and_infers_the_interval() {
        let text = "# day\nStart, Calls, AHT, note\n08:00,10,180,x\n\n08:15,0,200,y\n";
        let f = Forecast::parse_csv(text, None).unwrap();
        assert_eq!(f.interval_minutes, 15);
        assert_eq!(f.intervals.len(), 2);
        assert_eq!(f.intervals[1].calls, 0.0);
    }

    #[test]
    fn errors_carry_the_line() {
        let cases = [
            ("calls,aht\n", 1, "header"),
            ("start,calls,aht\n08:00,ten,180\n", 2, "calls `ten`"),
            ("start,calls,aht\n8:00,10,180\n8:20,10,180\n", 3, "20 minutes"),
            ("start,calls,aht\n08:00,10,180\n08:30,10,180\n09:30,1,1\n", 4, "60 minutes"),
            ("start,calls,aht\n08:00,10,0\n", 2, "aht"),
            ("start,calls,aht\n25:00,10,10\n", 2, "not a time"),
            ("start,calls,aht\n08:00,10,180\n", 2, "single interval"),
            ("start,calls,aht\n23:30,1,1\n", 2, "midnight"),
            ("start,calls,aht\n", 1, "no intervals"),
            ("start,calls,aht\n08:00,-1,180\n", 2, "negative"),
            ("start,calls,aht\n08:00,1\n", 2, "missing"),
        ];
        for (text, line, words) in cases {
            let interval = if words == "midnight" { Some(60) } else { None };
            let err = Forecast::parse_csv(text, interval).unwrap_err();
            let message = err.to_string();
            assert!(message.starts_with(&format!("forecast line {line}:")), "{text:?}: {message}");
            assert!(message.contains(words), "{text:?}: {message}");
        }
        assert!(Forecast::parse_csv("start,calls,aht\n08:00,1,1\n", Some(20)).is_err());
        assert_eq!(
            Forecast::parse_csv("start,calls,aht\n08:00,1,1\n", Some(30)).unwrap().interval_minutes,
            30
        );
    }

    #[test]
    fn plans_a_day_with_totals() {
        let text = "start,calls,aht\n08:00,100,180\n09:00,0,180\n10:00,400,200\n";
        let f = Forecast::parse_csv(text, Some(60)).unwrap();
        let plan = plan_day(&f, Model::ErlangC, targets(), 0.25).unwrap();
        assert_eq!(plan.intervals[1].required_agents, 0);
        assert_eq!(plan.intervals[1].service_level, None);
        let required: u64 = plan.intervals.iter().map(|i| i.required_agents).sum();
        assert_eq!(plan.totals.required_agent_hours, required as f64);
        assert_eq!(plan.totals.calls, 500.0);
        assert!(
            (plan.totals.workload_hours - (100.0 * 180.0 + 400.0 * 200.0) / 3600.0).abs() < 1e-12
        );
        for i in &plan.intervals {
            assert_eq!(i.scheduled_staff, scheduled_staff(i.required_agents, 0.25).unwrap());
        }
        let csv = plan.to_csv();
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.lines().last().unwrap().starts_with("total,500,"));
        let svg = plan.to_svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        // The peak stays below the top grid line (y = 40) whatever its value.
        for peak in [1, 5, 10, 20, 37] {
            let mut plan = plan.clone();
            plan.totals.peak_scheduled = peak;
            plan.totals.peak_required = peak;
            let svg = plan.to_svg();
            let top_label: f64 = svg
                .lines()
                .filter(|l| l.contains("text-anchor=\"end\""))
                .filter_map(|l| l.rsplit_once("\">")?.1.strip_suffix("</text>")?.parse().ok())
                .fold(0.0, f64::max);
            assert!(top_label > peak as f64, "peak {peak}, top of the axis {top_label}");
        }
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(0.3), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(13.0), 20.0);
        assert_eq!(nice_step(70.0), 100.0);
    }
}
