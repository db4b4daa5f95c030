//! A synthetic call-volume generator: intraday and weekly profiles, trend, Poisson–gamma noise,
//! public holidays and make-up working days from a [`Calendar`], and outliers.
//!
//! No public call-volume data set can be fetched from here, so the forecasting models are
//! evaluated on series this generator makes. Its structure follows what the literature reports of
//! real call centers (Taylor 2008, 2012; Ibrahim et al. 2016): a strong intraday profile that
//! differs between working days and weekends, a weekly cycle, a slow trend, over-dispersion
//! relative to Poisson (a gamma-distributed day effect and interval effect: the Poisson–gamma
//! model of Taylor 2012), low volumes on public holidays, a surge on the first working day after a
//! holiday, and rare bursts (an outage, a news event).

use hotline_calendar::Calendar;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::day_type::{DayType, day_type};
use crate::distributions::Sampler;
use crate::error::{WfmError, invalid};
use crate::series::{INTERVALS, Series};

/// One bump of an intraday profile: a Gaussian centred at `hour` (local time, e.g. 10.5 for
/// 10:30) with standard deviation `width_h` hours and relative `weight`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    /// Centre, in hours after midnight.
    pub hour: f64,
    /// Standard deviation in hours.
    pub width_h: f64,
    /// Relative height.
    pub weight: f64,
}

/// The generator's parameters. [`GeneratorParams::default`] describes a city service hotline
/// (12345-like) with about 20,000 calls on a regular weekday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorParams {
    /// Interval length in minutes: 15, 30 or 60.
    pub interval_minutes: u32,
    /// Expected calls on a regular day with weekly factor 1, at the first date.
    pub daily_volume: f64,
    /// Growth per year, as a fraction (0.08: +8% a year, compounded continuously).
    pub trend_per_year: f64,
    /// Daily factors, Monday to Sunday.
    pub weekly: [f64; 7],
    /// Intraday shape of working days (regular Monday–Friday and make-up working days).
    pub workday_profile: Vec<Peak>,
    /// Intraday shape of weekends and holidays.
    pub weekend_profile: Vec<Peak>,
    /// Night-time floor added to every profile, relative to a peak of weight 1.
    pub night_floor: f64,
    /// Daily factor on a public holiday (other than Spring Festival).
    pub holiday_factor: f64,
    /// Daily factor on a Spring Festival holiday day (a holiday whose name contains
    /// `Spring Festival` or `春节`).
    pub spring_festival_factor: f64,
    /// Daily factor on a make-up working day (applied to the mean Monday–Friday factor).
    pub makeup_factor: f64,
    /// Extra factor on the last working day before a holiday.
    pub before_holiday_factor: f64,
    /// Extra factor on the first working day after a holiday (the backlog).
    pub after_holiday_factor: f64,
    /// Shape of the gamma day effect (mean 1, variance 1/shape); `0` turns it off.
    pub day_shape: f64,
    /// Shape of the gamma interval effect (mean 1, variance 1/shape); `0` turns it off.
    pub interval_shape: f64,
    /// Whether counts are Poisson around the mean (else the mean itself, for exact tests).
    pub poisson: bool,
    /// Expected outlier bursts per day.
    pub outlier_rate: f64,
    /// Multiplier range of a burst, uniform in `[lo, hi]`; a burst lasts 1 to 3 hours between 08:00
    /// and 20:00.
    pub outlier_multiplier: (f64, f64),
    /// Seed: the same parameters and seed always make the same series.
    pub seed: u64,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        GeneratorParams {
            interval_minutes: 30,
            daily_volume: 20_000.0,
            trend_per_year: 0.06,
            weekly: [1.12, 1.04, 1.0, 0.98, 0.95, 0.62, 0.55],
            workday_profile: vec![
                Peak { hour: 10.0, width_h: 1.6, weight: 1.0 },
                Peak { hour: 15.0, width_h: 1.9, weight: 0.85 },
                Peak { hour: 20.0, width_h: 1.5, weight: 0.25 },
            ],
            weekend_profile: vec![
                Peak { hour: 11.0, width_h: 2.2, weight: 1.0 },
                Peak { hour: 16.0, width_h: 2.5, weight: 0.8 },
            ],
            night_floor: 0.03,
            holiday_factor: 0.5,
            spring_festival_factor: 0.3,
            makeup_factor: 1.0,
            before_holiday_factor: 1.08,
            after_holiday_factor: 1.35,
            day_shape: 250.0,
            interval_shape: 150.0,
            poisson: true,
            outlier_rate: 0.01,
            outlier_multiplier: (1.5, 3.0),
            seed: 2026,
        }
    }
}

impl GeneratorParams {
    /// Checks every parameter, naming the first out of range.
    ///
    /// # Errors
    ///
    /// [`WfmError::Invalid`] naming the parameter.
    pub fn check(&self) -> Result<(), WfmError> {
        let finite_pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(invalid(name, format!("{v} must be finite and > 0")))
            }
        };
        let finite_nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(invalid(name, format!("{v} must be finite and >= 0")))
            }
        };
        if !INTERVALS.contains(&self.interval_minutes) {
            return Err(invalid(
                "interval_minutes",
                format!("{} is not 15, 30 or 60", self.interval_minutes),
            ));
        }
        finite_pos("daily_volume", self.daily_volume)?;
        if !(self.trend_per_year.is_finite()
            && self.trend_per_year > -1.0
            && self.trend_per_year < 10.0)
        {
            return Err(invalid("trend_per_year", "must lie in (-1, 10)"));
        }
        for (i, w) in self.weekly.iter().enumerate() {
            finite_nonneg(&format!("weekly[{i}]"), *w)?;
        }
        for (name, profile) in
            [("workday_profile", &self.workday_profile), ("weekend_profile", &self.weekend_profile)]
        {
            if profile.len() > 16 {
                return Err(invalid(name, "at most 16 peaks"));
            }
            for p in profile {
                if !(p.hour.is_finite()
                    && p.width_h.is_finite()
                    && p.width_h > 0.0
                    && p.weight.is_finite()
                    && p.weight >= 0.0)
                {
                    return Err(invalid(
                        name,
                        "a peak needs a finite hour, a width > 0 and a weight >= 0",
                    ));
                }
            }
        }
        finite_nonneg("night_floor", self.night_floor)?;
        for (name, v) in [
            ("holiday_factor", self.holiday_factor),
            ("spring_festival_factor", self.spring_festival_factor),
            ("makeup_factor", self.makeup_factor),
            ("before_holiday_factor", self.before_holiday_factor),
            ("after_holiday_factor", self.after_holiday_factor),
            ("day_shape", self.day_shape),
            ("interval_shape", self.interval_shape),
            ("outlier_rate", self.outlier_rate),
        ] {
            finite_nonneg(name, v)?;
        }
        let (lo, hi) = self.outlier_multiplier;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
            return Err(invalid("outlier_multiplier", "need 0 < lo <= hi"));
        }
        if self.outlier_rate > 1.0 {
            return Err(invalid("outlier_rate", "at most 1 burst a day"));
        }
        Ok(())
    }

    /// The intraday shares of `profile` (sum 1) at this interval length.
    pub fn shares(&self, profile: &[Peak]) -> Vec<f64> {
        let per_day = (1440 / self.interval_minutes) as usize;
        let step_h = f64::from(self.interval_minutes) / 60.0;
        let raw: Vec<f64> = (0..per_day)
            .map(|i| {
                let h = (i as f64 + 0.5) * step_h;
                self.night_floor
                    + profile
                        .iter()
                        .map(|p| {
                            p.weight * (-(h - p.hour).powi(2) / (2.0 * p.width_h * p.width_h)).exp()
                        })
                        .sum::<f64>()
            })
            .collect();
        let total: f64 = raw.iter().sum();
        if total > 0.0 {
            raw.iter().map(|r| r / total).collect()
        } else {
            vec![1.0 / per_day as f64; per_day]
        }
    }

    /// The expected daily volume of `date` (before noise and outliers), `first` being the date
    /// the trend starts from.
    pub fn expected_daily(&self, cal: &Calendar, first: Date, date: Date) -> f64 {
        let years = first.until(date).map(|s| f64::from(s.get_days())).unwrap_or(0.0) / 365.25;
        let trend = ((1.0 + self.trend_per_year).ln() * years).exp();
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        let work_mean = self.weekly[..5].iter().sum::<f64>() / 5.0;
        let (kind, name) = day_type(cal, date);
        let factor = match kind {
            DayType::Regular(_) => self.weekly[weekday],
            DayType::Holiday => {
                let name = name.unwrap_or_default();
                if name.contains("Spring Festival") || name.contains("春节") {
                    self.spring_festival_factor
                } else {
                    self.holiday_factor
                }
            }
            DayType::MakeUpWorkday => work_mean * self.makeup_factor,
            DayType::BeforeHoliday => self.weekly[weekday] * self.before_holiday_factor,
            DayType::AfterHoliday => self.weekly[weekday] * self.after_holiday_factor,
        };
        self.daily_volume * trend * factor
    }

    /// Whether `date` follows the working-day profile.
    fn workday_shape(cal: &Calendar, date: Date) -> bool {
        match day_type(cal, date).0 {
            DayType::Regular(w) => w < 5,
            DayType::Holiday => false,
            _ => true,
        }
    }
}

/// A generated series with the mean it was drawn around.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    /// The calls per interval.
    pub series: Series,
    /// The expected calls per interval (profile × daily volume, before noise and outliers).
    pub mean: Vec<f64>,
    /// Indexes of the intervals inside an outlier burst.
    pub outliers: Vec<usize>,
}

/// Generates `days` whole days of calls from `first` (local midnight) on `cal`'s days.
///
/// ```
/// use hotline_calendar::Calendar;
/// use hotline_wfm::{GeneratorParams, generate};
/// let cal = Calendar::china();
/// let g = generate(&GeneratorParams::default(), &cal, jiff::civil::date(2026, 2, 9), 14)?;
/// assert_eq!(g.series.values.len(), 14 * 48);
/// let days = g.series.daily_totals();
/// // Tuesday 17 February 2026 is in the Spring Festival holiday: far fewer calls than a week before.
/// assert!(days[8] < 0.5 * days[1]);
/// # Ok::<(), hotline_wfm::WfmError>(())
/// ```
///
/// # Errors
///
/// [`WfmError::Invalid`] naming a parameter out of range, or `days` above 36,600.
pub fn generate(
    params: &GeneratorParams,
    cal: &Calendar,
    first: Date,
    days: usize,
) -> Result<Generated, WfmError> {
    params.check()?;
    if days > 36_600 {
        return Err(invalid("days", "at most 36,600 (100 years)"));
    }
    let per_day = (1440 / params.interval_minutes) as usize;
    let workday = params.shares(&params.workday_profile);
    let weekend = params.shares(&params.weekend_profile);
    let mut rng = Sampler::new(params.seed);
    let mut values = Vec::with_capacity(days * per_day);
    let mut mean = Vec::with_capacity(days * per_day);
    let mut outliers = Vec::new();
    let mut date = first;
    for d in 0..days {
        let daily = params.expected_daily(cal, first, date);
        let shares = if GeneratorParams::workday_shape(cal, date) { &workday } else { &weekend };
        let day_effect = if params.day_shape > 0.0 {
            rng.gamma(params.day_shape) / params.day_shape
        } else {
            1.0
        };
        // An outlier burst: [from, to) slots and its multiplier.
        let mut burst = (0, 0, 1.0);
        if params.outlier_rate > 0.0 && rng.uniform() < params.outlier_rate {
            let slot_h = f64::from(params.interval_minutes) / 60.0;
            let start_h = 8.0 + 12.0 * rng.uniform();
            let len_h = 1.0 + 2.0 * rng.uniform();
            let from = (start_h / slot_h) as usize;
            let to = (((start_h + len_h) / slot_h) as usize).min(per_day);
            let (lo, hi) = params.outlier_multiplier;
            burst = (from, to, lo + (hi - lo) * rng.uniform());
        }
        for (slot, share) in shares.iter().enumerate() {
            let mu = daily * share;
            let interval_effect = if params.interval_shape > 0.0 {
                rng.gamma(params.interval_shape) / params.interval_shape
            } else {
                1.0
            };
            let mut rate = mu * day_effect * interval_effect;
            if slot >= burst.0 && slot < burst.1 {
                rate *= burst.2;
                outliers.push(d * per_day + slot);
            }
            values.push(if params.poisson { rng.poisson(rate) } else { rate });
            mean.push(mu);
        }
        date = date.tomorrow().map_err(|_| invalid("days", "runs past the last date"))?;
    }
    let start = DateTime::from(first);
    let series = Series::new(start, params.interval_minutes, values)?;
    Ok(Generated { series, mean, outliers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn same_seed_same_series_other_seed_other_series() {
        let cal = Calendar::china();
        let p = GeneratorParams::default();
        let a = generate(&p, &cal, date(2025, 1, 1), 21).unwrap();
        let b = generate(&p, &cal, date(2025, 1, 1), 21).unwrap();
        assert_eq!(a, b);
        let c = generate(&GeneratorParams { seed: 1, ..p }, &cal, date(2025, 1, 1), 21).unwrap();
        assert_ne!(a.series.values, c.series.values);
    }

    #[test]
    fn noiseless_series_equals_its_mean_and_daily_totals_follow_the_calendar() {
        let cal = Calendar::china();
        let p = GeneratorParams {
            day_shape: 0.0,
            interval_shape: 0.0,
            poisson: false,
            outlier_rate: 0.0,
            trend_per_year: 0.0,
            ..GeneratorParams::default()
        };
        let g = generate(&p, &cal, date(2026, 2, 9), 21).unwrap();
        assert_eq!(g.series.values, g.mean);
        let days = g.series.daily_totals();
        // Monday 9 February 2026: a regular Monday.
        assert!((days[0] - 20_000.0 * 1.12).abs() < 1e-6);
        // Saturday 14 February: a make-up working day, the mean Monday–Friday volume.
        assert!((days[5] - 20_000.0 * (1.12 + 1.04 + 1.0 + 0.98 + 0.95) / 5.0).abs() < 1e-6);
        // 15–23 February: Spring Festival.
        assert!((days[6] - 20_000.0 * 0.3).abs() < 1e-6);
        // Tuesday 24 February: the day after, with the backlog.
        assert!((days[15] - 20_000.0 * 1.04 * 1.35).abs() < 1e-6);
    }

    #[test]
    fn over_dispersed_counts_and_outliers() {
        let cal = Calendar::china();
        let p = GeneratorParams { outlier_rate: 0.2, ..GeneratorParams::default() };
        let g = generate(&p, &cal, date(2025, 3, 3), 60).unwrap();
        assert!(!g.outliers.is_empty());
        // Pearson dispersion of counts against the mean, away from outliers: above 1 (Poisson).
        let mut num = 0.0;
        let mut n = 0.0;
        for (i, (&y, &m)) in g.series.values.iter().zip(&g.mean).enumerate() {
            if m > 50.0 && !g.outliers.contains(&i) {
                num += (y - m).powi(2) / m;
                n += 1.0;
            }
        }
        assert!(num / n > 1.5, "dispersion {}", num / n);
    }

    #[test]
    fn bad_parameters_are_named() {
        let cal = Calendar::china();
        let p = GeneratorParams { interval_minutes: 20, ..GeneratorParams::default() };
        let e = generate(&p, &cal, date(2025, 1, 1), 1).unwrap_err();
        assert!(e.to_string().contains("interval_minutes"), "{e}");
        let p = GeneratorParams { daily_volume: f64::NAN, ..GeneratorParams::default() };
        assert!(
            generate(&p, &cal, date(2025, 1, 1), 1)
                .unwrap_err()
                .to_string()
                .contains("daily_volume")
        );
    }
}
