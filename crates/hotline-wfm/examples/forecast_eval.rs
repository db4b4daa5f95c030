//! Rolling-origin evaluation of the three forecasting models on a generated two-year series
//! (1 January 2025 – 31 December 2026, 30-minute intervals, China's calendar).
//!
//! ```sh
//! cargo run --release -p hotline-wfm --example forecast_eval -- target/wfm-eval
//! python3 crates/hotline-wfm/scripts/compare_forecast.py target/wfm-eval
//! ```
//!
//! Prints MASE at lead days 1, 7 and 14 and the 95% interval coverage per model and window, and
//! writes `series.csv` and `forecasts.csv` (every forecast of every origin) into the directory
//! given, for the statsmodels comparison script.

use std::fmt::Write as _;
use std::io::Write as _;

use hotline_calendar::Calendar;
use hotline_wfm::{
    CalendarProfile, Density, ForecastOptions, GeneratorParams, HoltWinters, Model, SeasonalNaive,
    generate, rolling_forecasts, score,
};
use jiff::civil::{Date, date};

fn days(from: Date, to: Date, step: i64) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(d);
        d = d.checked_add(jiff::Span::new().days(step)).expect("date in range");
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args().nth(1).unwrap_or_else(|| "target/wfm-eval".into()),
    );
    std::fs::create_dir_all(&out)?;
    let cal = Calendar::china();
    let params = GeneratorParams::default();
    let g = generate(&params, &cal, date(2025, 1, 1), 730)?;
    std::fs::write(out.join("series.csv"), g.series.to_csv())?;
    let windows = [
        ("2026 weekly origins", days(date(2026, 1, 5), date(2026, 12, 14), 7)),
        ("Spring Festival 2026", days(date(2026, 2, 2), date(2026, 2, 24), 1)),
        ("National Day 2026", days(date(2026, 9, 17), date(2026, 10, 8), 1)),
    ];
    let mut csv = String::from("window,model,origin,timestamp,mean,lower,upper\n");
    println!(
        "| window | model | origins | MASE day 1 | MASE day 7 | MASE day 14 | MASE 1–14 | 95% coverage |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (window, origins) in &windows {
        let mut models: Vec<(Box<dyn Model>, Density)> = vec![
            (Box::new(SeasonalNaive::default()), Density::Empirical),
            (Box::new(HoltWinters::default()), Density::Empirical),
            (Box::new(CalendarProfile::new(cal.clone())), Density::Empirical),
            (Box::new(CalendarProfile::new(cal.clone())), Density::PoissonGamma),
        ];
        for (model, density) in &mut models {
            let started = std::time::Instant::now();
            let opts = ForecastOptions { density: *density, ..ForecastOptions::default() };
            let f = rolling_forecasts(model.as_mut(), &g.series, origins, 14, opts)?;
            let e = score(&g.series, &f)?;
            let name = match density {
                Density::PoissonGamma => format!("{} (Poisson–gamma)", e.model),
                _ => e.model.clone(),
            };
            println!(
                "| {window} | {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1}% |",
                e.origins,
                e.mase_by_lead[0],
                e.mase_by_lead[6],
                e.mase_by_lead[13],
                e.mase,
                100.0 * e.coverage
            );
            eprintln!("{window} {name}: {:.2} s", started.elapsed().as_secs_f64());
            if *density == Density::Empirical {
                for (origin, fc) in &f {
                    let s = fc.mean_series();
                    for i in 0..fc.mean.len() {
                        let _ = writeln!(
                            csv,
                            "{window},{},{origin},{},{:.3},{:.3},{:.3}",
                            fc.model,
                            s.time_of(i).strftime("%Y-%m-%dT%H:%M"),
                            fc.mean[i],
                            fc.lower[i],
                            fc.upper[i]
                        );
                    }
                }
            }
        }
    }
    std::fs::File::create(out.join("forecasts.csv"))?.write_all(csv.as_bytes())?;
    // Pictures: 14 days from Monday 9 February 2026 (Spring Festival 15–23 February).
    let origin = [date(2026, 2, 9)];
    let at = 404 * 48; // 9 February 2026 is day 404 of the series.
    let actual = &g.series.values[at..at + 14 * 48];
    for (file, mut model) in [
        (
            "forecast-spring-festival-calendar.svg",
            Box::new(CalendarProfile::new(cal.clone())) as Box<dyn Model>,
        ),
        ("forecast-spring-festival-holt-winters.svg", Box::new(HoltWinters::default())),
    ] {
        let f =
            rolling_forecasts(model.as_mut(), &g.series, &origin, 14, ForecastOptions::default())?;
        let title =
            format!("{} model from Monday 9 February 2026: calls per half hour", f[0].1.model);
        std::fs::write(out.join(file), hotline_wfm::forecast_svg(&f[0].1, Some(actual), &title))?;
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
