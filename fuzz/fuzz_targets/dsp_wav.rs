//! The WAV reader: any bytes give samples or an error, never a panic or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(wav) = hotline_dsp::wav::read(data) {
        // Whatever was read is consistent with the header and no larger than the input.
        assert!(wav.spec.channels > 0 && wav.spec.sample_rate > 0);
        assert_eq!(wav.samples.len() % usize::from(wav.spec.channels), 0);
        assert!(wav.samples.len() <= data.len());
    }
    if let Ok(mut reader) = hotline_dsp::wav::WavReader::new(data) {
        if reader.spec().encoding.law().is_some() {
            let _ = reader.read_all_codes();
        }
    }
});
