//! Any text as a call-volume history CSV: parse, and when it parses, write it back and read it
//! again (the same series), and forecast from whole days; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = hotline_wfm::CsvLimits { max_bytes: 1 << 20, max_rows: 20_000 };
    if let Ok(series) = hotline_wfm::Series::parse_csv(text, limits) {
        let again =
            hotline_wfm::Series::parse_csv(&series.to_csv(), limits).expect("own CSV reads back");
        assert_eq!(again.values.len(), series.values.len());
        let days = series.whole_days();
        use hotline_wfm::Model as _;
        let _ = hotline_wfm::SeasonalNaive::default().predict(&days, 48);
    }
});
