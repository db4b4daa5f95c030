//! Forecasting models and density forecasts.
//!
//! Three point models share one interface ([`Model`]): the seasonal naive, double-seasonal
//! Holt-Winters (Taylor 2003) and [`CalendarProfile`], a day-type model that knows public
//! holidays, make-up working days and the days around holidays from hotline-calendar. Any of them
//! becomes a density forecast through [`forecast`]: the model is backtested on the end of the
//! history and its errors by lead day give the interval and the variance, either as empirical
//! quantiles of standardised errors or as a Poisson–gamma (negative binomial) law (Taylor 2012).

use hotline_calendar::Calendar;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::day_type::{DayType, day_type};
use crate::distributions::{neg_binomial_quantile, normal_quantile};
use crate::error::{WfmError, invalid};
use crate::series::Series;

/// A point forecasting model: from a history of whole days, the next `horizon` intervals.
pub trait Model {
    /// A short name for tables (`seasonal-naive`, `holt-winters`, `calendar`).
    fn name(&self) -> &'static str;

    /// Estimates whatever the model fixes once (smoothing parameters); later calls to
    /// [`Model::predict`] on prefixes of `history` reuse it. The default does nothing.
    ///
    /// # Errors
    ///
    /// As [`Model::predict`].
    fn fit(&mut self, history: &Series) -> Result<(), WfmError> {
        let _ = history;
        Ok(())
    }

    /// The expected calls in the `horizon` intervals after `history`.
    ///
    /// # Errors
    ///
    /// [`WfmError::TooShort`] without enough history; [`WfmError::Invalid`] when the history does
    /// not hold whole days.
    fn predict(&self, history: &Series, horizon: usize) -> Result<Vec<f64>, WfmError>;
}

/// The seasonal naive forecast: each interval repeats the same interval `season_days` days earlier
/// (7: last week's same weekday and time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonalNaive {
    /// The season in days (7 for the week, 1 for the day).
    pub season_days: usize,
}

impl Default for SeasonalNaive {
    fn default() -> Self {
        SeasonalNaive { season_days: 7 }
    }
}

impl Model for SeasonalNaive {
    fn name(&self) -> &'static str {
        "seasonal-naive"
    }

    fn predict(&self, history: &Series, horizon: usize) -> Result<Vec<f64>, WfmError> {
        let m = self.season_days.max(1) * history.per_day();
        let y = &history.values;
        if y.len() < m {
            return Err(WfmError::TooShort { model: self.name(), needed: m, got: y.len() });
        }
        let n = y.len();
        Ok((0..horizon).map(|h| y[n - m + h % m]).collect())
    }
}

/// Smoothing parameters of [`HoltWinters`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoltWintersParams {
    /// Level smoothing α.
    pub alpha: f64,
    /// Intraday (daily) seasonal smoothing δ.
    pub delta: f64,
    /// Intraweek (weekly) seasonal smoothing ω.
    pub omega: f64,
    /// AR(1) coefficient φ of the one-step error (Taylor's adjustment); 0 turns it off.
    pub phi: f64,
}

/// Additive double-seasonal Holt-Winters with a daily and a weekly cycle and an AR(1) error
/// adjustment (Taylor 2003, 2008):
///
/// ```text
/// e_t = y_t − (l_{t−1} + d_{t−m1} + w_{t−m2})
/// l_t = l_{t−1} + α e_t,   d_t = d_{t−m1} + δ e_t,   w_t = w_{t−m2} + ω e_t
/// ŷ_{t+h} = l_t + d_{t+h−m1⌈h/m1⌉} + w_{t+h−m2⌈h/m2⌉} + φ^h e_t
/// ```
///
/// `m1` is the intervals in a day and `m2` in a week; the first two weeks initialise the states.
/// [`Model::fit`] picks the parameters on a grid by the in-sample one-step squared error.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HoltWinters {
    /// The parameters (`None` until fitted; [`Model::predict`] then fits on the history given).
    pub params: Option<HoltWintersParams>,
}

/// The filtered state of [`HoltWinters`] at the end of a history.
struct HwState {
    level: f64,
    day: Vec<f64>,
    week: Vec<f64>,
    last_error: f64,
    sse: f64,
}

impl HoltWinters {
    fn filter(y: &[f64], m1: usize, p: HoltWintersParams) -> HwState {
        let m2 = 7 * m1;
        // Initial states from the first two weeks.
        let level = y[..2 * m2].iter().sum::<f64>() / (2 * m2) as f64;
        let mut day = vec![0.0; m1];
        for (s, d) in day.iter_mut().enumerate() {
            *d = (0..14).map(|k| y[k * m1 + s]).sum::<f64>() / 14.0 - level;
        }
        let mut week = vec![0.0; m2];
        for (i, w) in week.iter_mut().enumerate() {
            *w = (y[i] + y[i + m2]) / 2.0 - level - day[i % m1];
        }
        let mut st = HwState { level, day, week, last_error: 0.0, sse: 0.0 };
        for (t, &obs) in y.iter().enumerate().skip(2 * m2) {
            let (i1, i2) = (t % m1, t % m2);
            let fitted = st.level + st.day[i1] + st.week[i2] + p.phi * st.last_error;
            let e = obs - fitted;
            st.sse += e * e;
            // Taylor's form: the AR(1)-adjusted error drives the updates.
            let e0 = obs - (st.level + st.day[i1] + st.week[i2]);
            st.level += p.alpha * e;
            st.day[i1] += p.delta * e;
            st.week[i2] += p.omega * e;
            st.last_error = e0;
        }
        st
    }

    /// Picks the parameters on a grid, minimising the in-sample one-step squared error.
    ///
    /// # Errors
    ///
    /// [`WfmError::TooShort`] with less than three weeks.
    pub fn fit_params(history: &Series) -> Result<HoltWintersParams, WfmError> {
        history.check_whole_days()?;
        let m1 = history.per_day();
        let needed = 21 * m1;
        if history.len() < needed {
            return Err(WfmError::TooShort { model: "holt-winters", needed, got: history.len() });
        }
        // Fit on at most the last 26 weeks: enough to see every parameter's effect.
        let y = &history.values[history.len().saturating_sub(26 * 7 * m1)..];
        let mut best =
            (f64::INFINITY, HoltWintersParams { alpha: 0.01, delta: 0.1, omega: 0.1, phi: 0.0 });
        for &alpha in &[0.002, 0.01, 0.03, 0.1] {
            for &delta in &[0.0, 0.02, 0.1, 0.25] {
                for &omega in &[0.02, 0.1, 0.25, 0.45] {
                    for &phi in &[0.0, 0.5, 0.85] {
                        let p = HoltWintersParams { alpha, delta, omega, phi };
                        let sse = HoltWinters::filter(y, m1, p).sse;
                        if sse < best.0 {
                            best = (sse, p);
                        }
                    }
                }
            }
        }
        Ok(best.1)
    }
}

impl Model for HoltWinters {
    fn name(&self) -> &'static str {
        "holt-winters"
    }

    fn fit(&mut self, history: &Series) -> Result<(), WfmError> {
        self.params = Some(HoltWinters::fit_params(history)?);
        Ok(())
    }

    fn predict(&self, history: &Series, horizon: usize) -> Result<Vec<f64>, WfmError> {
        history.check_whole_days()?;
        let m1 = history.per_day();
        let needed = 21 * m1;
        if history.len() < needed {
            return Err(WfmError::TooShort { model: self.name(), needed, got: history.len() });
        }
        let p = match self.params {
            Some(p) => p,
            None => HoltWinters::fit_params(history)?,
        };
        let n = history.len();
        let st = HoltWinters::filter(&history.values, m1, p);
        let m2 = 7 * m1;
        let mut ar = st.last_error;
        Ok((0..horizon)
            .map(|h| {
                let t = n + h;
                ar *= p.phi;
                (st.level + st.day[t % m1] + st.week[t % m2] + ar).max(0.0)
            })
            .collect())
    }
}

/// A day-type model with calendar effects.
///
/// Each day is a [`DayType`]: a regular weekday, a public holiday, a make-up working day (调休),
/// or the working day just before or after a holiday, from hotline-calendar. A day's volume is
/// `level × factor(type) × share(type, interval)`:
///
/// - `factor` is the mean ratio of a day's total to the local level (a centred 29-day trimmed
///   mean of de-seasonalised totals) over the history's days of that type; holidays are told apart
///   by name, so the Spring Festival learns from last year's Spring Festival;
/// - `share` is the intraday profile of the type's most recent days (a holiday with too little
///   history borrows the weekend's, a make-up day the working days');
/// - `level` is the trimmed mean of the last 21 de-seasonalised daily totals, grown by the
///   year-on-year trend when the history spans more than a year.
#[derive(Debug, Clone)]
pub struct CalendarProfile {
    calendar: Calendar,
    /// Days of a type whose profiles are averaged (the most recent ones).
    pub profile_days: usize,
}

impl CalendarProfile {
    /// The model on `calendar`'s days.
    pub fn new(calendar: Calendar) -> CalendarProfile {
        CalendarProfile { calendar, profile_days: 12 }
    }
}

/// The key a day's factor is learned under: its type, and the holiday's name on a holiday.
fn factor_key(t: DayType, name: &Option<String>) -> (usize, String) {
    match t {
        DayType::Holiday => (t.index(), name.clone().unwrap_or_default()),
        _ => (t.index(), String::new()),
    }
}

/// The mean after dropping the largest and the smallest value (when there are at least 5).
fn trimmed_mean(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = if v.len() >= 5 { 1 } else { 0 };
    let inner = &v[k..v.len() - k];
    inner.iter().sum::<f64>() / inner.len() as f64
}

impl Model for CalendarProfile {
    fn name(&self) -> &'static str {
        "calendar"
    }

    fn predict(&self, history: &Series, horizon: usize) -> Result<Vec<f64>, WfmError> {
        use std::collections::HashMap;
        history.check_whole_days()?;
        let per_day = history.per_day();
        let needed = 28 * per_day;
        if history.len() < needed {
            return Err(WfmError::TooShort { model: self.name(), needed, got: history.len() });
        }
        let totals = history.daily_totals();
        let first = history.first_date();
        let date = |j: usize| -> Date {
            first.checked_add(jiff::Span::new().days(j as i64)).unwrap_or(Date::MAX)
        };
        let days = totals.len();
        let types: Vec<(DayType, Option<String>)> =
            (0..days).map(|j| day_type(&self.calendar, date(j))).collect();
        let keys: Vec<(usize, String)> = types.iter().map(|(t, n)| factor_key(*t, n)).collect();
        // Two passes: factors from a raw local level, then from a de-seasonalised one.
        let mut factor: HashMap<(usize, String), f64> = HashMap::new();
        let mut type_factor = [f64::NAN; DayType::COUNT];
        for _pass in 0..2 {
            let deseason: Vec<f64> = (0..days)
                .map(|j| {
                    let f = factor.get(&keys[j]).copied().unwrap_or(1.0);
                    if f > 0.0 { totals[j] / f } else { totals[j] }
                })
                .collect();
            let regular: Vec<bool> = (0..days)
                .map(|j| factor.contains_key(&keys[j]) || matches!(types[j].0, DayType::Regular(_)))
                .collect();
            let local: Vec<f64> = (0..days)
                .map(|j| {
                    let lo = j.saturating_sub(14);
                    let hi = (j + 15).min(days);
                    let mut v: Vec<f64> =
                        (lo..hi).filter(|&i| regular[i]).map(|i| deseason[i]).collect();
                    trimmed_mean(&mut v)
                })
                .collect();
            let mut sums: HashMap<(usize, String), (f64, f64)> = HashMap::new();
            let mut type_sums = [(0.0, 0.0); DayType::COUNT];
            for j in 0..days {
                if local[j] > 0.0 {
                    let r = totals[j] / local[j];
                    let e = sums.entry(keys[j].clone()).or_insert((0.0, 0.0));
                    e.0 += r;
                    e.1 += 1.0;
                    let i = types[j].0.index();
                    type_sums[i].0 += r;
                    type_sums[i].1 += 1.0;
                }
            }
            factor = sums.into_iter().map(|(k, (s, n))| (k, s / n)).collect();
            for (i, (s, n)) in type_sums.iter().enumerate() {
                type_factor[i] = if *n > 0.0 { s / n } else { f64::NAN };
            }
        }
        let weekday_mean =
            (0..5).map(|w| type_factor[w]).filter(|f| f.is_finite()).sum::<f64>() / 5.0;
        let factor_of = |t: DayType, name: &Option<String>, weekday: usize| -> f64 {
            if let Some(f) = factor.get(&factor_key(t, name)) {
                return *f;
            }
            let f = type_factor[t.index()];
            if f.is_finite() {
                return f;
            }
            match t {
                DayType::Holiday => type_factor[6].min(type_factor[5]),
                DayType::MakeUpWorkday => weekday_mean,
                _ => type_factor[weekday],
            }
        };
        // Level: trimmed mean of the last 21 de-seasonalised totals, with the yearly trend.
        let deseason: Vec<f64> = (0..days)
            .map(|j| {
                let f = factor_of(
                    types[j].0,
                    &types[j].1,
                    date(j).weekday().to_monday_zero_offset() as usize,
                );
                if f > 0.0 { totals[j] / f } else { f64::NAN }
            })
            .collect();
        let mut recent: Vec<f64> =
            deseason[days - 21..].iter().copied().filter(|v| v.is_finite()).collect();
        let level = trimmed_mean(&mut recent);
        let growth_per_day = if days >= 365 + 56 {
            let mut now: Vec<f64> =
                deseason[days - 56..].iter().copied().filter(|v| v.is_finite()).collect();
            let mut then: Vec<f64> = deseason[days - 365 - 56..days - 365]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            let g = (trimmed_mean(&mut now) / trimmed_mean(&mut then)).ln() / 365.0;
            if g.is_finite() { g.clamp(-0.01, 0.01) } else { 0.0 }
        } else {
            0.0
        };
        // Profiles: shares of the most recent days of each type.
        let profile = |want: &dyn Fn(usize) -> bool| -> Option<Vec<f64>> {
            let mut acc = vec![0.0; per_day];
            let mut total = 0.0;
            let mut used = 0;
            for j in (0..days).rev() {
                if used == self.profile_days {
                    break;
                }
                if want(j) && totals[j] > 0.0 {
                    for (a, v) in
                        acc.iter_mut().zip(&history.values[j * per_day..(j + 1) * per_day])
                    {
                        *a += v;
                    }
                    total += totals[j];
                    used += 1;
                }
            }
            (used >= 2 && total > 0.0).then(|| acc.iter().map(|a| a / total).collect())
        };
        let weekday_of = |j: usize| date(j).weekday().to_monday_zero_offset() as usize;
        let mut shares: Vec<Option<Vec<f64>>> = Vec::with_capacity(DayType::COUNT);
        for w in 0..7 {
            shares.push(profile(&|j| types[j].0 == DayType::Regular(w as u8)));
        }
        let workday = profile(&|j| matches!(types[j].0, DayType::Regular(w) if w < 5));
        let weekend = profile(&|j| matches!(types[j].0, DayType::Regular(w) if w >= 5));
        shares.push(profile(&|j| types[j].0 == DayType::Holiday).or_else(|| weekend.clone()));
        shares.push(profile(&|j| types[j].0 == DayType::MakeUpWorkday).or_else(|| workday.clone()));
        let flat = vec![1.0 / per_day as f64; per_day];
        let horizon_days = horizon.div_ceil(per_day);
        let mut out = Vec::with_capacity(horizon_days * per_day);
        for k in 0..horizon_days {
            let j = days + k;
            let d = date(j);
            let (t, name) = day_type(&self.calendar, d);
            let weekday = weekday_of(j);
            let f = factor_of(t, &name, weekday);
            let day_total = level
                * (growth_per_day * (k as f64 + 1.0)).exp()
                * if f.is_finite() { f } else { 1.0 };
            let share = match t {
                DayType::Regular(w) => shares[usize::from(w)].as_ref(),
                DayType::Holiday => shares[7].as_ref(),
                DayType::MakeUpWorkday => shares[8].as_ref(),
                DayType::BeforeHoliday | DayType::AfterHoliday => shares[weekday].as_ref(),
            }
            .or(workday.as_ref())
            .unwrap_or(&flat);
            out.extend(share.iter().map(|s| (day_total * s).max(0.0)));
        }
        out.truncate(horizon);
        Ok(out)
    }
}

/// How [`forecast`] turns backtest errors into intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Density {
    /// Empirical quantiles of errors standardised by `√max(ŷ, 1)`, per lead day.
    Empirical,
    /// A negative binomial with mean `ŷ` and variance `ŷ + ŷ²/k`, `1/k` estimated by moments per
    /// lead day (the Poisson–gamma model).
    PoissonGamma,
}

/// Options of [`forecast`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForecastOptions {
    /// Central coverage of the intervals (0.95).
    pub level: f64,
    /// How the intervals are made.
    pub density: Density,
    /// Backtest origins (one a week, going back from the end of the history).
    pub backtest_origins: usize,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions { level: 0.95, density: Density::Empirical, backtest_origins: 12 }
    }
}

/// A density forecast: mean, variance and a central interval per interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The model's name.
    pub model: String,
    /// The local start of the first forecast interval.
    pub start: DateTime,
    /// The interval length in minutes.
    pub interval_minutes: u32,
    /// Expected calls.
    pub mean: Vec<f64>,
    /// Forecast-error variance.
    pub variance: Vec<f64>,
    /// Lower end of the central interval.
    pub lower: Vec<f64>,
    /// Upper end of the central interval.
    pub upper: Vec<f64>,
    /// The intervals' central coverage.
    pub level: f64,
}

impl Forecast {
    /// The mean as a [`Series`].
    pub fn mean_series(&self) -> Series {
        Series {
            start: self.start,
            interval_minutes: self.interval_minutes,
            values: self.mean.clone(),
        }
    }

    /// CSV: `timestamp,mean,lower,upper,variance` with a header row.
    pub fn to_csv(&self) -> String {
        let s = self.mean_series();
        let mut out = String::from("timestamp,mean,lower,upper,variance\n");
        for i in 0..self.mean.len() {
            out.push_str(&format!(
                "{},{:.3},{:.3},{:.3},{:.3}\n",
                s.time_of(i).strftime("%Y-%m-%dT%H:%M"),
                self.mean[i],
                self.lower[i],
                self.upper[i],
                self.variance[i]
            ));
        }
        out
    }
}

/// Backtest error statistics per lead day.
struct Calibration {
    /// Per lead day: sorted standardised errors.
    z: Vec<Vec<f64>>,
    /// Per lead day: the Poisson–gamma over-dispersion `1/k`.
    inv_k: Vec<f64>,
}

fn calibrate(
    model: &dyn Model,
    history: &Series,
    horizon_days: usize,
    origins: usize,
) -> Result<Calibration, WfmError> {
    let per_day = history.per_day();
    let days = history.len() / per_day;
    let mut z = vec![Vec::new(); horizon_days];
    let mut num = vec![0.0; horizon_days];
    let mut den = vec![0.0; horizon_days];
    for o in 0..origins {
        let Some(origin) = days.checked_sub(horizon_days + 7 * o) else { break };
        let prefix = Series {
            start: history.start,
            interval_minutes: history.interval_minutes,
            values: history.values[..origin * per_day].to_vec(),
        };
        let Ok(pred) = model.predict(&prefix, horizon_days * per_day) else { break };
        for (h, p) in pred.iter().enumerate() {
            let y = history.values[origin * per_day + h];
            let lead = h / per_day;
            z[lead].push((y - p) / p.max(1.0).sqrt());
            num[lead] += (y - p).powi(2) - p;
            den[lead] += p * p;
        }
    }
    if z[0].is_empty() {
        return Err(WfmError::TooShort { model: model.name(), needed: 0, got: history.len() });
    }
    for v in &mut z {
        v.sort_by(f64::total_cmp);
    }
    // Lead days without errors borrow the nearest shorter lead's.
    for lead in 1..horizon_days {
        if z[lead].is_empty() {
            z[lead] = z[lead - 1].clone();
            num[lead] = num[lead - 1];
            den[lead] = den[lead - 1];
        }
    }
    let inv_k =
        num.iter().zip(&den).map(|(n, d)| if *d > 0.0 { (n / d).max(0.0) } else { 0.0 }).collect();
    Ok(Calibration { z, inv_k })
}

/// The `p`-quantile of sorted `v` (linear interpolation).
fn quantile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let x = p * (v.len() - 1) as f64;
    let i = x.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    v[i] + (v[j] - v[i]) * (x - i as f64)
}

/// A density forecast of the `horizon` intervals after `history` with `model` (fitted first).
///
/// ```
/// use hotline_calendar::Calendar;
/// use hotline_wfm::{CalendarProfile, ForecastOptions, GeneratorParams, forecast, generate};
/// let cal = Calendar::china();
/// let g = generate(&GeneratorParams::default(), &cal, jiff::civil::date(2025, 1, 1), 300)?;
/// let mut model = CalendarProfile::new(cal);
/// let f = forecast(&mut model, &g.series, 48 * 7, ForecastOptions::default())?;
/// assert_eq!(f.mean.len(), 48 * 7);
/// assert!(f.lower.iter().zip(&f.upper).all(|(l, u)| l <= u));
/// # Ok::<(), hotline_wfm::WfmError>(())
/// ```
///
/// # Errors
///
/// As the model's [`Model::predict`]; [`WfmError::Invalid`] naming `level` outside (0, 1) or a
/// horizon above 366 days.
pub fn forecast(
    model: &mut dyn Model,
    history: &Series,
    horizon: usize,
    options: ForecastOptions,
) -> Result<Forecast, WfmError> {
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(invalid("level", format!("{} is not in (0, 1)", options.level)));
    }
    history.check_whole_days()?;
    let per_day = history.per_day();
    if horizon == 0 || horizon > 366 * per_day {
        return Err(invalid("horizon", "between 1 interval and 366 days"));
    }
    model.fit(history)?;
    let mean = model.predict(history, horizon)?;
    let horizon_days = horizon.div_ceil(per_day);
    let cal = calibrate(model, history, horizon_days, options.backtest_origins.max(1))?;
    let (pl, pu) = ((1.0 - options.level) / 2.0, (1.0 + options.level) / 2.0);
    let mut lower = Vec::with_capacity(horizon);
    let mut upper = Vec::with_capacity(horizon);
    let mut variance = Vec::with_capacity(horizon);
    for (h, &m) in mean.iter().enumerate() {
        let lead = h / per_day;
        match options.density {
            Density::Empirical => {
                let z = &cal.z[lead];
                let s = m.max(1.0).sqrt();
                let zl = quantile(z, pl);
                let zu = quantile(z, pu);
                lower.push((m + zl * s).max(0.0));
                upper.push((m + zu * s).max(0.0));
                let n = z.len().max(1) as f64;
                let zm = z.iter().sum::<f64>() / n;
                variance.push(z.iter().map(|v| (v - zm).powi(2)).sum::<f64>() / n * m.max(1.0));
            }
            Density::PoissonGamma => {
                let inv_k = cal.inv_k[lead];
                let size = if inv_k > 0.0 { 1.0 / inv_k } else { f64::INFINITY };
                lower.push(neg_binomial_quantile(m, size, pl));
                upper.push(neg_binomial_quantile(m, size, pu));
                variance.push(m + m * m * inv_k);
            }
        }
    }
    let start = history.time_of(history.len());
    Ok(Forecast {
        model: model.name().to_owned(),
        start,
        interval_minutes: history.interval_minutes,
        mean,
        variance,
        lower,
        upper,
        level: options.level,
    })
}

/// The normal-approximation interval half-width factor for a central `level` (1.96 for 0.95).
pub fn z_for_level(level: f64) -> f64 {
    normal_quantile((1.0 + level) / 2.0)
}
