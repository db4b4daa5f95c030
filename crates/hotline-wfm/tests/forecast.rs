//! Forecasting models on series with known answers, and the density forecasts' coverage.

use hotline_calendar::Calendar;
use hotline_wfm::{
    CalendarProfile, Density, ForecastOptions, GeneratorParams, HoltWinters, HoltWintersParams,
    Model, SeasonalNaive, Series, WfmError, forecast, generate, rolling_origin,
};
use jiff::civil::date;

/// A pure weekly-periodic series: every week repeats the same 7 × 24 hourly values.
fn periodic(weeks: usize) -> Series {
    let week: Vec<f64> = (0..168)
        .map(|i| (10.0 + 8.0 * ((i % 24) as f64 / 3.0).sin() + (i / 24) as f64).round())
        .collect();
    let values = (0..weeks).flat_map(|_| week.iter().copied()).collect();
    Series::new("2026-03-02T00:00".parse().unwrap(), 60, values).unwrap()
}

#[test]
fn seasonal_naive_repeats_last_week_exactly() {
    let s = periodic(4);
    let f = SeasonalNaive::default().predict(&s, 200).unwrap();
    assert_eq!(f[..168], s.values[..168]);
    assert_eq!(f[168..], s.values[..32]);
    // A one-day season repeats yesterday.
    let f = SeasonalNaive { season_days: 1 }.predict(&s, 24).unwrap();
    assert_eq!(f, s.values[s.len() - 24..]);
}

#[test]
fn holt_winters_forecasts_a_pure_double_seasonal_series_exactly() {
    let s = periodic(6);
    let fixed = HoltWinters {
        params: Some(HoltWintersParams { alpha: 0.1, delta: 0.2, omega: 0.3, phi: 0.5 }),
    };
    let f = fixed.predict(&s, 336).unwrap();
    for (h, v) in f.iter().enumerate() {
        assert!((v - s.values[h % 168]).abs() < 1e-9, "h {h}: {v} vs {}", s.values[h % 168]);
    }
    // Fitted parameters too (every grid point fits a pure series perfectly).
    let f = HoltWinters::default().predict(&s, 48).unwrap();
    assert!(f.iter().zip(&s.values).all(|(a, b)| (a - b).abs() < 1e-9));
}

#[test]
fn holt_winters_follows_a_level_shift() {
    // The same week, then every value doubled for four weeks: the forecast moves towards the new
    // level (the seasonal naive would too; the point is that the filter adapts).
    let mut s = periodic(8);
    for v in &mut s.values[4 * 168..] {
        *v += 20.0;
    }
    let f = HoltWinters::default().predict(&s, 168).unwrap();
    let mean_f = f.iter().sum::<f64>() / 168.0;
    let mean_new = s.values[7 * 168..].iter().sum::<f64>() / 168.0;
    assert!((mean_f - mean_new).abs() < 1.0, "{mean_f} vs {mean_new}");
}

fn noiseless() -> GeneratorParams {
    GeneratorParams {
        day_shape: 0.0,
        interval_shape: 0.0,
        poisson: false,
        outlier_rate: 0.0,
        trend_per_year: 0.0,
        ..GeneratorParams::default()
    }
}

#[test]
fn calendar_model_forecasts_a_noiseless_spring_festival_within_two_percent() {
    let cal = Calendar::china();
    // History: 1 January 2025 to 8 February 2026 (it saw Spring Festival 2025, 28 January – 4
    // February); forecast 9 February – 1 March 2026 (make-up Saturday 14 February, the holiday
    // 15–23 February, the day after on 24 February, make-up Saturday 28 February).
    let g = generate(&noiseless(), &cal, date(2025, 1, 1), 425).unwrap();
    let per_day = 48;
    let history_days = 404;
    let history =
        Series { values: g.series.values[..history_days * per_day].to_vec(), ..g.series.clone() };
    let model = CalendarProfile::new(cal.clone());
    let f = model.predict(&history, 21 * per_day).unwrap();
    let actual = &g.series.values[history_days * per_day..];
    for day in 0..21 {
        let fd: f64 = f[day * per_day..(day + 1) * per_day].iter().sum();
        let ad: f64 = actual[day * per_day..(day + 1) * per_day].iter().sum();
        assert!((fd / ad - 1.0).abs() < 0.02, "day {day}: forecast {fd:.0}, actual {ad:.0}");
    }
    // The seasonal naive gets the holiday wrong by a factor of about 3.
    let naive = SeasonalNaive::default().predict(&history, 21 * per_day).unwrap();
    let nd: f64 = naive[8 * per_day..9 * per_day].iter().sum();
    let ad: f64 = actual[8 * per_day..9 * per_day].iter().sum();
    assert!(nd / ad > 2.5, "{nd} vs {ad}");
}

#[test]
fn calendar_model_beats_seasonal_naive_and_holt_winters_around_national_day() {
    let cal = Calendar::china();
    let g = generate(&GeneratorParams::default(), &cal, date(2025, 1, 1), 310 + 365).unwrap();
    let origins = [date(2026, 9, 21), date(2026, 9, 28), date(2026, 10, 5)];
    let opts = ForecastOptions::default();
    let cal_e =
        rolling_origin(&mut CalendarProfile::new(cal.clone()), &g.series, &origins, 14, opts)
            .unwrap();
    let naive_e =
        rolling_origin(&mut SeasonalNaive::default(), &g.series, &origins, 14, opts).unwrap();
    let hw_e = rolling_origin(&mut HoltWinters::default(), &g.series, &origins, 14, opts).unwrap();
    assert!(cal_e.mase < 0.6 * naive_e.mase, "calendar {} vs naive {}", cal_e.mase, naive_e.mase);
    assert!(cal_e.mase < 0.6 * hw_e.mase, "calendar {} vs holt-winters {}", cal_e.mase, hw_e.mase);
}

#[test]
fn intervals_cover_about_their_level_on_regular_weeks() {
    let cal = Calendar::china();
    let g = generate(&GeneratorParams::default(), &cal, date(2025, 1, 1), 500).unwrap();
    // Weekly origins in March–April 2026 (Qingming 4–6 April inside).
    let origins: Vec<_> = (0..6)
        .map(|k| date(2026, 3, 2).checked_add(jiff::Span::new().days(7 * k)).unwrap())
        .collect();
    for density in [Density::Empirical, Density::PoissonGamma] {
        let opts = ForecastOptions { density, ..ForecastOptions::default() };
        let e =
            rolling_origin(&mut CalendarProfile::new(cal.clone()), &g.series, &origins, 7, opts)
                .unwrap();
        assert!(e.coverage > 0.85 && e.coverage < 0.995, "{density:?}: coverage {}", e.coverage);
    }
}

#[test]
fn density_forecast_shapes_and_errors() {
    let s = periodic(6);
    let f = forecast(&mut SeasonalNaive::default(), &s, 48, ForecastOptions::default()).unwrap();
    assert_eq!((f.mean.len(), f.lower.len(), f.upper.len(), f.variance.len()), (48, 48, 48, 48));
    assert_eq!(f.start.to_string(), "2026-04-13T00:00:00");
    // A perfectly periodic series: zero-width intervals around the exact forecast.
    assert!(f.lower.iter().zip(&f.mean).all(|(l, m)| (l - m).abs() < 1e-9));
    let e = forecast(
        &mut SeasonalNaive::default(),
        &s,
        48,
        ForecastOptions { level: 1.5, ..Default::default() },
    );
    assert!(matches!(e, Err(WfmError::Invalid { ref field, .. }) if field == "level"));
    let short = Series::new("2026-03-02T00:00".parse().unwrap(), 60, vec![1.0; 24 * 10]).unwrap();
    assert!(matches!(HoltWinters::default().predict(&short, 24), Err(WfmError::TooShort { .. })));
    let partial = Series::new("2026-03-02T01:00".parse().unwrap(), 60, vec![1.0; 24 * 30]).unwrap();
    assert!(SeasonalNaive::default().predict(&partial.whole_days(), 24).is_ok());
    assert!(matches!(
        CalendarProfile::new(Calendar::china()).predict(&partial, 24),
        Err(WfmError::Invalid { .. })
    ));
}

/// MASE and interval coverage worked by hand: two weeks of hourly history (10 calls an hour,
/// then 12: the weekly naive's in-sample error, the scale, is 2), then two days of 14 calls;
/// the forecast says 12 (error 2: MASE 1) inside 11–13 (missed) on day 1, and 13 (error 1: MASE
/// 0.5) inside 0–20 (covered) on day 2.
#[test]
fn mase_and_coverage_have_their_hand_computed_values() {
    use hotline_wfm::{Forecast, mase_scale, score};
    assert_eq!(mase_scale(&[1.0, 2.0, 4.0, 7.0], 1), 2.0);
    assert!(mase_scale(&[1.0], 1).is_nan());
    let values: Vec<f64> =
        [vec![10.0; 168], vec![12.0; 168], vec![14.0; 48]].into_iter().flatten().collect();
    let series = Series::new("2026-03-02T00:00".parse().unwrap(), 60, values).unwrap();
    let day = |a: f64, b: f64| [vec![a; 24], vec![b; 24]].concat();
    let f = Forecast {
        model: "by hand".into(),
        start: "2026-03-16T00:00".parse().unwrap(),
        interval_minutes: 60,
        mean: day(12.0, 13.0),
        variance: vec![1.0; 48],
        lower: day(11.0, 0.0),
        upper: day(13.0, 20.0),
        level: 0.95,
    };
    let e = score(&series, &[(date(2026, 3, 16), f.clone())]).unwrap();
    assert_eq!(e.origins, 1);
    assert_eq!(e.mase_by_lead, vec![1.0, 0.5]);
    assert_eq!(e.coverage_by_lead, vec![0.0, 1.0]);
    assert_eq!((e.mase, e.coverage), (0.75, 0.5));
    // An origin outside the series, or a forecast running past it, is an error.
    assert!(score(&series, &[(date(2026, 3, 17), f.clone())]).is_err());
    assert!(score(&series, &[(date(2026, 3, 2), f)]).is_err());
    assert!(score(&series, &[]).is_err());
}
