//! hotline-calendar: the questions an IVR and a work-order engine ask, on the bundled China
//! national calendar with a department layer. No peer knows make-up working days and business
//! hours together, so these are throughputs (see the book's calendar chapter for the machine).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hotline_calendar::jiff::Timestamp;
use hotline_calendar::{Calendar, CalendarSpec, Interval};

fn calendar() -> Calendar {
    let national = CalendarSpec::from_toml(hotline_calendar::bundled::CHINA).unwrap();
    let department = CalendarSpec::from_toml(
        "[weekly]\nsat = [\"09:00-12:00\"]\nmon = [\"08:30-12:00\", \"13:30-18:00\"]\n",
    )
    .unwrap();
    Calendar::from_layers(vec![national, department]).unwrap()
}

fn bench(c: &mut Criterion) {
    let cal = calendar();
    let t: Timestamp = "2026-09-30T16:00:00+08:00".parse().unwrap();
    let later: Timestamp = "2026-10-30T16:00:00+08:00".parse().unwrap();
    let pause: Interval = "2026-10-08T09:00:00+08:00/2026-10-08T11:00:00+08:00".parse().unwrap();
    let mut g = c.benchmark_group("calendar");
    g.bench_function("load_china_toml", |b| {
        b.iter(|| Calendar::from_toml(black_box(hotline_calendar::bundled::CHINA)).unwrap())
    });
    g.bench_function("is_open", |b| b.iter(|| cal.is_open(black_box(t))));
    g.bench_function("next_change", |b| b.iter(|| cal.next_change(black_box(t))));
    g.bench_function("add_8_working_hours", |b| {
        b.iter(|| cal.add(black_box(t), Duration::from_secs(8 * 3600)).unwrap())
    });
    g.bench_function("add_3_working_days", |b| {
        b.iter(|| cal.add_working_days(black_box(t), 3).unwrap())
    });
    g.bench_function("elapsed_30_days_paused", |b| {
        b.iter(|| cal.elapsed_paused(black_box(t), black_box(later), &[pause]))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
