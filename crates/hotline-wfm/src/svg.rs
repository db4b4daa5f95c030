//! SVG charts written by hand (no plotting dependency): a forecast against actuals with its
//! intervals, requirement against scheduled coverage, a roster as a Gantt chart, and adherence as
//! a heat map.

use std::fmt::Write as _;

use crate::adherence::AdherenceReport;
use crate::forecast::Forecast;
use crate::requirement::Requirement;
use crate::roster::{Agent, Roster};
use crate::schedule::{Schedule, ScheduleProblem};

const W: f64 = 960.0;
const H: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn header(out: &mut String, width: f64, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(out, r#"<rect width="{width}" height="{height}" fill="white"/>"#);
    let _ = write!(
        out,
        r#"<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{}</text>"#,
        esc(title)
    );
}

/// A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`.
fn nice(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|v| *v >= max).unwrap_or(10.0 * p)
}

/// Y gridlines and labels for `0..=ymax`, and day separators for `n` points of `per_day`.
fn axes(
    out: &mut String,
    ymax: f64,
    n: usize,
    per_day: usize,
    day_label: &dyn Fn(usize) -> String,
) {
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    for k in 0..=4 {
        let v = ymax * f64::from(k) / 4.0;
        let y = TOP + ph - ph * f64::from(k) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##,
            LEFT + pw
        );
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"#,
            LEFT - 4.0,
            y + 4.0
        );
    }
    if per_day > 0 && n > 0 {
        let days = n.div_ceil(per_day);
        for d in 0..=days {
            let x = LEFT + pw * (d * per_day) as f64 / n as f64;
            let _ = write!(
                out,
                r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#bbb"/>"##,
                TOP + ph
            );
            if d < days && days <= 31 {
                let xm = LEFT + pw * ((d as f64 + 0.5) * per_day as f64) / n as f64;
                let _ = write!(
                    out,
                    r#"<text x="{xm:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    H - 14.0,
                    esc(&day_label(d))
                );
            }
        }
    }
}

fn polyline(out: &mut String, values: &[f64], ymax: f64, n: usize, color: &str, width: f64) {
    polyline_at(out, values, ymax, n, color, width, 0);
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    let mut x = W - RIGHT - 150.0 * items.len() as f64;
    for (color, label) in items {
        let _ = write!(out, r#"<rect x="{x:.1}" y="8" width="14" height="10" fill="{color}"/>"#);
        let _ = write!(out, r#"<text x="{:.1}" y="17">{}</text>"#, x + 18.0, esc(label));
        x += 150.0;
    }
}

/// A forecast's mean and central interval (shaded), with the actual calls if given.
pub fn forecast_svg(forecast: &Forecast, actual: Option<&[f64]>, title: &str) -> String {
    let n = forecast.mean.len();
    let per_day = (1440 / forecast.interval_minutes.max(1)) as usize;
    let peak = forecast
        .upper
        .iter()
        .chain(actual.unwrap_or(&[]).iter())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ymax = nice(peak);
    let mut out = String::with_capacity(64 * n + 2048);
    header(&mut out, W, H, title);
    let start = forecast.start.date();
    let label = |d: usize| {
        start
            .checked_add(jiff::Span::new().days(d as i64))
            .map(|x| x.strftime("%a %m-%d").to_string())
            .unwrap_or_default()
    };
    axes(&mut out, ymax, n, per_day, &label);
    // The band: upper left to right, lower right to left.
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let mut pts = String::new();
    let xy = |i: usize, v: f64| {
        (LEFT + pw * (i as f64 + 0.5) / n.max(1) as f64, TOP + ph - ph * (v / ymax).clamp(0.0, 1.0))
    };
    for (i, v) in forecast.upper.iter().enumerate() {
        let (x, y) = xy(i, *v);
        let _ = write!(pts, "{x:.1},{y:.1} ");
    }
    for (i, v) in forecast.lower.iter().enumerate().rev() {
        let (x, y) = xy(i, *v);
        let _ = write!(pts, "{x:.1},{y:.1} ");
    }
    let _ = write!(
        out,
        r##"<polygon points="{}" fill="#9ecae1" fill-opacity="0.6"/>"##,
        pts.trim_end()
    );
    polyline(&mut out, &forecast.mean, ymax, n, "#08519c", 1.5);
    if let Some(actual) = actual {
        polyline(&mut out, &actual[..actual.len().min(n)], ymax, n, "#d94801", 1.0);
    }
    let band = format!("{:.0}% interval", 100.0 * forecast.level);
    let mut items = vec![("#9ecae1", band.as_str()), ("#08519c", "forecast")];
    if actual.is_some() {
        items.push(("#d94801", "actual"));
    }
    legend(&mut out, &items);
    out.push_str("</svg>\n");
    out
}

/// Required agents (a line) against scheduled coverage (bars) per interval, over every day.
pub fn coverage_svg(problem: &ScheduleProblem, schedule: &Schedule, title: &str) -> String {
    let required: Vec<f64> = problem.required.iter().flatten().map(|&v| f64::from(v)).collect();
    let coverage: Vec<f64> =
        schedule.days.iter().flat_map(|d| d.coverage.iter()).map(|&v| f64::from(v)).collect();
    let n = required.len().max(coverage.len());
    let per_day = (1440 / problem.interval_minutes.max(1)) as usize;
    let ymax = nice(required.iter().chain(&coverage).copied().fold(0.0, f64::max));
    let mut out = String::with_capacity(96 * n + 2048);
    header(&mut out, W, H, title);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let label = |d: usize| {
        format!("day {} ({})", d + 1, DAYS[(usize::from(problem.first_weekday) + d) % 7])
    };
    axes(&mut out, ymax, n, per_day, &label);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let bw = pw / n.max(1) as f64;
    for (i, c) in coverage.iter().enumerate() {
        let h = ph * (c / ymax).clamp(0.0, 1.0);
        let _ = write!(
            out,
            r##"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{h:.1}" fill="#a1d99b"/>"##,
            LEFT + bw * i as f64,
            TOP + ph - h,
            bw
        );
    }
    polyline(&mut out, &required, ymax, n, "#cb181d", 1.2);
    legend(&mut out, &[("#a1d99b", "scheduled on the phones"), ("#cb181d", "required")]);
    out.push_str("</svg>\n");
    out
}

/// A requirement per interval: agents to schedule (bars), agents needed on the phones (a line),
/// and the calls staffed for (a thin line on its own scale, labelled at the right).
pub fn requirement_svg(req: &Requirement, title: &str) -> String {
    let n = req.calls.len();
    let iv = req.interval_minutes.max(1);
    let per_day = (1440 / iv) as usize;
    // Intervals before the first one in its day (a requirement need not start at midnight).
    let offset = ((u32::from(req.start.hour() as u8) * 60 + u32::from(req.start.minute() as u8))
        / iv) as usize;
    let slots = offset + n;
    let scheduled: Vec<f64> = req.scheduled.iter().map(|&v| f64::from(v)).collect();
    let agents: Vec<f64> = req.agents.iter().map(|&v| f64::from(v)).collect();
    let ymax = nice(scheduled.iter().chain(&agents).copied().fold(0.0, f64::max));
    let cmax = nice(req.calls.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max));
    let mut out = String::with_capacity(160 * n + 2048);
    header(&mut out, W, H, title);
    let start = req.start.date();
    let label = |d: usize| {
        start
            .checked_add(jiff::Span::new().days(d as i64))
            .map(|x| x.strftime("%a %m-%d").to_string())
            .unwrap_or_default()
    };
    axes(&mut out, ymax, slots, per_day, &label);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let bw = pw / slots.max(1) as f64;
    for (i, c) in scheduled.iter().enumerate() {
        let h = ph * (c / ymax).clamp(0.0, 1.0);
        let _ = write!(
            out,
            r##"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{h:.1}" fill="#c6dbef"/>"##,
            LEFT + bw * (offset + i) as f64,
            TOP + ph - h,
            bw
        );
    }
    polyline_at(&mut out, &req.calls, cmax, slots, "#969696", 0.8, offset);
    polyline_at(&mut out, &agents, ymax, slots, "#08519c", 1.4, offset);
    // The calls' scale, right-aligned inside the plot.
    for k in 1..=4 {
        let y = TOP + ph - ph * f64::from(k) / 4.0;
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#737373">{:.0} calls</text>"##,
            LEFT + pw - 2.0,
            y + 12.0,
            cmax * f64::from(k) / 4.0
        );
    }
    legend(
        &mut out,
        &[("#c6dbef", "agents to schedule"), ("#08519c", "on the phones"), ("#969696", "calls")],
    );
    out.push_str("</svg>\n");
    out
}

/// [`polyline`] with the first value in slot `offset` of the chart's `n`.
fn polyline_at(
    out: &mut String,
    values: &[f64],
    ymax: f64,
    n: usize,
    color: &str,
    width: f64,
    offset: usize,
) {
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let mut pts = String::new();
    for (i, v) in values.iter().enumerate() {
        let x = LEFT + pw * ((offset + i) as f64 + 0.5) / n.max(1) as f64;
        let y = TOP + ph - ph * (v / ymax).clamp(0.0, 1.0);
        let _ = write!(pts, "{x:.1},{y:.1} ");
    }
    let _ = write!(
        out,
        r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="{width}"/>"#,
        pts.trim_end()
    );
}

/// A roster as a Gantt chart: one row per agent (the first `max_agents`), shifts as bars with
/// breaks cut out, one column per day.
pub fn roster_svg(
    problem: &ScheduleProblem,
    roster: &Roster,
    agents: &[Agent],
    days: usize,
    max_agents: usize,
    title: &str,
) -> String {
    let rows = agents.len().min(max_agents);
    let row_h = 14.0;
    let height = TOP + BOTTOM + row_h * rows as f64;
    let left = 90.0;
    let pw = W - left - RIGHT;
    let mut out = String::with_capacity(200 * rows + 2048);
    header(&mut out, W, height, title);
    let days = days.max(1);
    let x_of = |day: usize, minute: u32| {
        left + pw * (day as f64 + f64::from(minute) / 1440.0) / days as f64
    };
    for d in 0..=days {
        let x = x_of(d, 0);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#bbb"/>"##,
            height - BOTTOM
        );
        if d < days {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">day {}</text>"#,
                x_of(d, 720),
                height - 14.0,
                d + 1
            );
        }
    }
    for (r, agent) in agents.iter().take(rows).enumerate() {
        let y = TOP + row_h * r as f64;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 4.0,
            y + 10.0,
            esc(&agent.name)
        );
    }
    for x in &roster.assignments {
        if x.agent >= rows || x.day >= days {
            continue;
        }
        let y = TOP + row_h * x.agent as f64 + 2.0;
        let s = &x.shift;
        let (x0, x1) = (x_of(x.day, s.start_minute), x_of(x.day, s.end_minute().min(1440)));
        let _ = write!(
            out,
            r##"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="#3182bd"/>"##,
            (x1 - x0).max(0.5),
            row_h - 4.0
        );
        if let Some(t) = problem.templates.get(s.template) {
            for (b, &bs) in t.breaks.iter().zip(&s.break_starts) {
                let (b0, b1) = (x_of(x.day, bs), x_of(x.day, (bs + b.length_minutes).min(1440)));
                let color = if b.paid { "#fdae6b" } else { "#e6550d" };
                let _ = write!(
                    out,
                    r#"<rect x="{b0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"/>"#,
                    (b1 - b0).max(0.5),
                    row_h - 4.0
                );
            }
        }
    }
    legend(
        &mut out,
        &[("#3182bd", "on the phones"), ("#fdae6b", "paid break"), ("#e6550d", "unpaid lunch")],
    );
    out.push_str("</svg>\n");
    out
}

/// The colour of an adherence from 0 (red) through 0.5 (yellow) to 1 (green).
fn adherence_colour(a: f64) -> String {
    let a = a.clamp(0.0, 1.0);
    let (r, g) = if a < 0.5 {
        (215.0, 48.0 + 2.0 * a * 170.0)
    } else {
        (215.0 - (a - 0.5) * 2.0 * 166.0, 218.0 - (a - 0.5) * 2.0 * 55.0)
    };
    format!("rgb({r:.0},{g:.0},60)")
}

/// Adherence as a heat map: a row per agent (the first `max_agents`) and a top row for all
/// agents, a cell per interval coloured by its adherence (red 0, yellow 0.5, green 1), grey
/// where the agent was logged in with nothing scheduled, blank where nothing was scheduled.
pub fn adherence_svg(report: &AdherenceReport, max_agents: usize, title: &str) -> String {
    let rows = report.agents.len().min(max_agents);
    let row_h = 14.0;
    let height = TOP + BOTTOM + row_h * (rows + 1) as f64 + 4.0;
    let left = 90.0;
    let pw = W - left - RIGHT;
    let n = report.intervals.len().max(1);
    let cell = pw / n as f64;
    let mut out = String::with_capacity(60 * n * (rows + 1) + 2048);
    header(&mut out, W, height, title);
    let row = |out: &mut String,
               y: f64,
               name: &str,
               cells: &mut dyn Iterator<Item = (Option<f64>, f64)>| {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 4.0,
            y + 10.0,
            esc(name)
        );
        for (k, (adherence, unscheduled)) in cells.enumerate() {
            let fill = match adherence {
                Some(a) => adherence_colour(a),
                None if unscheduled > 0.0 => "#bbb".to_owned(),
                None => continue,
            };
            let _ = write!(
                out,
                r#"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="{fill}"/>"#,
                left + cell * k as f64,
                y + 1.0,
                cell.max(0.3),
                row_h - 2.0
            );
        }
    };
    row(
        &mut out,
        TOP,
        "all agents",
        &mut report.intervals.iter().map(|i| (i.adherence, i.total.unscheduled_s)),
    );
    for (r, a) in report.agents.iter().take(rows).enumerate() {
        let y = TOP + 4.0 + row_h * (r + 1) as f64;
        row(
            &mut out,
            y,
            &a.name,
            &mut a.intervals.iter().map(|c| (c.adherence(), c.unscheduled_s)),
        );
    }
    // Hour labels (every 6 hours, or every day past two days) under the grid, the legend under
    // them (the title takes the top line).
    let grid_bottom = TOP + 4.0 + row_h * (rows + 1) as f64;
    let span_h = (report.to_s - report.from_s) / 3600.0;
    let step_h = if span_h > 48.0 { 24.0 } else { 6.0 };
    let mut h = 0.0;
    while h <= span_h + 1e-9 && span_h > 0.0 {
        let x = left + pw * h / span_h;
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{grid_bottom:.1}" stroke="#ddd"/>"##
        );
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{:.0} h</text>"#,
            grid_bottom + 14.0,
            h
        );
        h += step_h;
    }
    let mut x = left;
    for (colour, label) in [
        (adherence_colour(1.0), "in adherence"),
        (adherence_colour(0.5), "half out"),
        (adherence_colour(0.0), "out of adherence"),
        ("#bbb".to_owned(), "logged in, not scheduled"),
    ] {
        let y = grid_bottom + 22.0;
        let _ =
            write!(out, r#"<rect x="{x:.1}" y="{y:.1}" width="14" height="10" fill="{colour}"/>"#);
        let _ = write!(out, r#"<text x="{:.1}" y="{:.1}">{label}</text>"#, x + 18.0, y + 9.0);
        x += 160.0;
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adherence_colours_run_red_yellow_green() {
        assert_eq!(adherence_colour(0.0), "rgb(215,48,60)");
        assert_eq!(adherence_colour(0.5), "rgb(215,218,60)");
        assert_eq!(adherence_colour(1.0), "rgb(49,163,60)");
        assert_eq!(adherence_colour(7.0), adherence_colour(1.0));
    }

    #[test]
    fn nice_axis_bounds() {
        assert_eq!(nice(7.0), 10.0);
        assert_eq!(nice(120.0), 200.0);
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(f64::NAN), 1.0);
        assert_eq!(esc("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
