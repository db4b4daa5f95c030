//! Rolling-origin evaluation: MASE by lead day and interval coverage.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{WfmError, invalid};
use crate::forecast::{Forecast, ForecastOptions, Model, forecast};
use crate::series::Series;

/// The scores of one model over a set of forecast origins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The model's name.
    pub model: String,
    /// Number of origins scored.
    pub origins: usize,
    /// Mean absolute scaled error per lead day (index 0 = the first day after the origin), averaged
    /// over origins; the scale is each origin's in-sample mean absolute error of the weekly
    /// seasonal naive forecast.
    pub mase_by_lead: Vec<f64>,
    /// Fraction of actuals inside the forecast's central interval, per lead day.
    pub coverage_by_lead: Vec<f64>,
    /// MASE over every lead day.
    pub mase: f64,
    /// Coverage over every lead day.
    pub coverage: f64,
}

/// The forecasts of `model` from each origin (a date: the history ends at its midnight), each
/// `horizon_days` long, with the history before the origin.
///
/// # Errors
///
/// [`WfmError::Invalid`] when an origin's forecast would run past the end of `series` or starts
/// before it; the model's errors.
pub fn rolling_forecasts(
    model: &mut dyn Model,
    series: &Series,
    origins: &[Date],
    horizon_days: usize,
    options: ForecastOptions,
) -> Result<Vec<(Date, Forecast)>, WfmError> {
    series.check_whole_days()?;
    let per_day = series.per_day();
    let days = series.len() / per_day;
    let mut out = Vec::with_capacity(origins.len());
    for &origin in origins {
        let j = series
            .first_date()
            .until(origin)
            .ok()
            .map(|s| s.get_days())
            .filter(|&d| d > 0 && d as usize + horizon_days <= days)
            .ok_or_else(|| {
                invalid("origin", format!("{origin}: the forecast must lie inside the series"))
            })? as usize;
        let history = Series {
            start: series.start,
            interval_minutes: series.interval_minutes,
            values: series.values[..j * per_day].to_vec(),
        };
        out.push((origin, forecast(model, &history, horizon_days * per_day, options)?));
    }
    Ok(out)
}

/// The in-sample mean absolute error of the seasonal naive forecast at lag `m` over `y`.
pub fn mase_scale(y: &[f64], m: usize) -> f64 {
    if y.len() <= m {
        return f64::NAN;
    }
    y[m..].iter().zip(y).map(|(a, b)| (a - b).abs()).sum::<f64>() / (y.len() - m) as f64
}

/// Scores forecasts (from [`rolling_forecasts`]) against `series`.
///
/// # Errors
///
/// [`WfmError::Invalid`] when a forecast lies outside `series` or `forecasts` is empty.
pub fn score(series: &Series, forecasts: &[(Date, Forecast)]) -> Result<Evaluation, WfmError> {
    let per_day = series.per_day();
    let first = forecasts.first().ok_or_else(|| invalid("forecasts", "no forecast to score"))?;
    let horizon_days = first.1.mean.len().div_ceil(per_day);
    let mut mase = vec![0.0; horizon_days];
    let mut covered = vec![0.0; horizon_days];
    let mut counts = vec![0.0; horizon_days];
    for (origin, f) in forecasts {
        let j = series.first_date().until(*origin).map(|s| s.get_days()).unwrap_or(-1);
        if j <= 0 {
            return Err(invalid("origin", format!("{origin} is not inside the series")));
        }
        let at = j as usize * per_day;
        if at + f.mean.len() > series.len() {
            return Err(invalid("origin", format!("{origin}: the forecast runs past the series")));
        }
        let scale = mase_scale(&series.values[..at], 7 * per_day);
        for lead in 0..f.mean.len().div_ceil(per_day) {
            let range = lead * per_day..((lead + 1) * per_day).min(f.mean.len());
            let n = range.len() as f64;
            let mut abs = 0.0;
            let mut inside = 0.0;
            for h in range {
                let y = series.values[at + h];
                abs += (y - f.mean[h]).abs();
                if y >= f.lower[h] && y <= f.upper[h] {
                    inside += 1.0;
                }
            }
            if lead < horizon_days {
                mase[lead] += abs / n / scale;
                covered[lead] += inside / n;
                counts[lead] += 1.0;
            }
        }
    }
    let mase_by_lead: Vec<f64> = mase.iter().zip(&counts).map(|(m, c)| m / c).collect();
    let coverage_by_lead: Vec<f64> = covered.iter().zip(&counts).map(|(m, c)| m / c).collect();
    Ok(Evaluation {
        model: first.1.model.clone(),
        origins: forecasts.len(),
        mase: mase_by_lead.iter().sum::<f64>() / horizon_days as f64,
        coverage: coverage_by_lead.iter().sum::<f64>() / horizon_days as f64,
        mase_by_lead,
        coverage_by_lead,
    })
}

/// [`rolling_forecasts`] then [`score`].
///
/// ```
/// use hotline_calendar::Calendar;
/// use hotline_wfm::{ForecastOptions, GeneratorParams, SeasonalNaive, generate, rolling_origin};
/// use jiff::civil::date;
/// let cal = Calendar::china();
/// let g = generate(&GeneratorParams::default(), &cal, date(2025, 3, 3), 120)?;
/// let origins = [date(2025, 5, 19), date(2025, 5, 26)];
/// let e = rolling_origin(&mut SeasonalNaive::default(), &g.series, &origins, 7, ForecastOptions::default())?;
/// assert_eq!((e.origins, e.mase_by_lead.len()), (2, 7));
/// # Ok::<(), hotline_wfm::WfmError>(())
/// ```
///
/// # Errors
///
/// As [`rolling_forecasts`] and [`score`].
pub fn rolling_origin(
    model: &mut dyn Model,
    series: &Series,
    origins: &[Date],
    horizon_days: usize,
    options: ForecastOptions,
) -> Result<Evaluation, WfmError> {
    let f = rolling_forecasts(model, series, origins, horizon_days, options)?;
    score(series, &f)
}
