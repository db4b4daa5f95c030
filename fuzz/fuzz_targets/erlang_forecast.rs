//! Any text given to the forecast CSV reader yields a forecast or an error, never a panic; a
//! forecast it accepts can be planned (or rejected) without a panic either.
#![no_main]

use hotline_erlang::{Forecast, Model, ServiceLevel, Targets, plan_day};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let interval = data.first().map(|b| [15, 30, 60, 7][usize::from(b % 4)]);
    if let Ok(forecast) = Forecast::parse_csv(text, interval) {
        assert!(!forecast.intervals.is_empty());
        // Keep the planning cheap: only small forecasts, and bounded loads.
        if forecast.intervals.len() <= 8
            && forecast.intervals.iter().all(|i| i.calls * i.aht_s <= 1e7)
        {
            let targets =
                Targets { service_level: ServiceLevel::new(0.8, 20.0).ok(), ..Targets::default() };
            let _ = plan_day(&forecast, Model::ErlangC, targets, 0.3);
        }
    }
});
