//! Any text as the forecast or requirement CSV `hotline wfm requirement` and `hotline wfm
//! schedule` read (a `timestamp` header, regular rows, number columns): a value or an error with
//! line and column, never a panic; every value read is a finite number at least 0.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let wanted: &[&[&str]] = &[&["mean", "volume", "calls"], &["variance"], &["scheduled:en"]];
    if let Ok((interval, columns)) = hotline_cli::wfm::read_csv_table(text, wanted) {
        assert!([15, 30, 60].contains(&interval));
        let rows = columns.iter().flatten().map(Vec::len).max();
        for c in columns.iter().flatten() {
            assert_eq!(Some(c.len()), rows);
            assert!(c.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }
});
