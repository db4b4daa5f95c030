//! Any input gives a result: no panic for any samples, block sizes or loss patterns.

use hotline_dsp::dtmf::DtmfDetector;
use hotline_dsp::plc::Concealer;
use hotline_dsp::tone::ToneDetector;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn detectors_take_any_samples_in_any_blocks(
        samples in proptest::collection::vec(any::<i16>(), 0..4000),
        block in 1usize..700,
    ) {
        let mut dtmf = DtmfDetector::new();
        let mut tones = ToneDetector::new();
        let mut digits = Vec::new();
        let mut found = Vec::new();
        for chunk in samples.chunks(block) {
            digits.extend(dtmf.process(chunk));
            found.extend(tones.process(chunk));
        }
        digits.extend(dtmf.finish());
        found.extend(tones.finish());
        let total = samples.len() as u64 + 102;
        for pair in digits.windows(2) {
            prop_assert!(pair[0].start_sample + pair[0].duration_samples <= pair[1].start_sample + 1);
        }
        for d in &digits {
            prop_assert!(d.start_sample + d.duration_samples <= total);
            prop_assert!(d.level_dbm0.is_finite());
        }
        for t in &found {
            prop_assert!(t.start_sample + t.duration_samples <= total + 320);
        }
    }

    #[test]
    fn concealer_takes_any_frames_and_losses(
        frames in proptest::collection::vec((proptest::collection::vec(any::<i16>(), 0..400), any::<bool>()), 0..40),
    ) {
        let mut plc = Concealer::new();
        for (mut frame, lost) in frames {
            if lost { plc.lost_frame(&mut frame) } else { plc.good_frame(&mut frame) }
        }
    }
}

#[test]
fn a_long_loss_with_tiny_frames() {
    let mut plc = Concealer::new();
    let tone: Vec<i16> = (0..800).map(|i| ((i % 50) * 400 - 10_000) as i16).collect();
    for chunk in tone.chunks(7) {
        plc.good_frame(&mut chunk.to_vec());
    }
    for _ in 0..2000 {
        let mut one = [0i16; 1];
        plc.lost_frame(&mut one);
    }
    let mut frame = vec![5i16; 3];
    plc.good_frame(&mut frame);
}
