//! Arbitrary scripts of datagrams and commands into a `MediaSession` (the fuzz target
//! `media_session` runs the same interpreter under libFuzzer): never a panic.

mod script;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_scripts_never_panic(data in prop::collection::vec(any::<u8>(), 0..3000)) {
        script::run_script(&data);
    }

    /// Scripts that start by adding legs and then mostly feed RTP-looking datagrams.
    #[test]
    fn rtp_heavy_scripts_never_panic(
        body in prop::collection::vec((prop::sample::select(vec![1u8, 2, 3, 5, 6, 7, 8, 9]), any::<u8>(), any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..200)), 0..60),
    ) {
        let mut data = vec![0, 0, 0x82, 0, 1, 0x93];
        for (op, a, b, bytes) in body {
            data.extend_from_slice(&[op, a, b]);
            if op <= 3 {
                // An RTP header (version 2) before the arbitrary rest.
                let mut p = vec![0x80, if a % 2 == 0 { 0 } else { 8 }, 0, b, 0, 0, 1, b, 0, 0, 0, 1];
                p.extend_from_slice(&bytes);
                p.resize(usize::from(b) * 2, 0xd5);
                data.extend_from_slice(&p);
            }
        }
        script::run_script(&data);
    }
}
