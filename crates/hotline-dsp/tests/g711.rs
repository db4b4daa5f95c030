//! G.711 against a second formulation built from the standard's own segment tables.
//!
//! G.711 Tables 1a/2a give, per segment, the decision values on a 4096 (A-law) or 8192 (μ-law)
//! magnitude scale, and say that the decoder outputs the middle of each interval. G.191's tools
//! take the 16-bit sample, drop the low bits (3 for A-law's 13 bits, 2 for μ-law's 14 bits) and use
//! the one's complement of negative samples. This test builds the 128 decision intervals of each
//! law from the segment end points alone, finds each input's interval by search, and requires the
//! crate's encoder and decoder to agree for every 16-bit input and every code.

use hotline_dsp::g711::{self, Law};
use proptest::prelude::*;

/// Decision intervals (lower bound, upper bound) of the 128 magnitude codes in scale units.
fn intervals(law: Law) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    match law {
        Law::A => {
            // Segment 0 and 1: 0..32 and 32..64 in steps of 2; then 64..128 step 4, ... 2048..4096
            // step 128. Sixteen intervals a segment.
            let mut start = 0;
            for segment in 0..8 {
                let step = if segment == 0 { 2 } else { 2 << (segment - 1) };
                for i in 0..16 {
                    out.push((start + i * step, start + (i + 1) * step));
                }
                start += 16 * step;
            }
            assert_eq!(start, 4096);
        }
        Law::U => {
            // Segment end points 0, 31, 95, 223, 479, 991, 2015, 4063, 8159 with steps
            // 2, 4, ..., 256; the first interval of segment 1 is the half-width 0..1.
            out.push((0, 1));
            for i in 1..16 {
                out.push((1 + (i - 1) * 2, 1 + i * 2));
            }
            let mut start = 31;
            for segment in 1..8 {
                let step = 2 << segment;
                for i in 0..16 {
                    out.push((start + i * step, start + (i + 1) * step));
                }
                start += 16 * step;
            }
            assert_eq!(start, 8159);
        }
    }
    out
}

/// The reference encoder: magnitude on the law's scale, interval by search, sign, bit inversion.
fn reference_encode(law: Law, table: &[(i32, i32)], x: i16) -> u8 {
    let x = i32::from(x);
    let magnitude = if x < 0 { !x } else { x };
    let scaled = match law {
        Law::A => magnitude >> 3, // 4096 scale: 13 bits with the sign
        Law::U => magnitude >> 2, // 8192 scale: 14 bits with the sign
    };
    // The interval whose upper bound is above the magnitude; beyond the last one, the last.
    let index = table.iter().position(|&(_, hi)| scaled < hi).unwrap_or(127);
    let index = u8::try_from(index).unwrap();
    let positive = x >= 0;
    match law {
        // A-law: sign bit 1 for positive, then every even bit inverted.
        Law::A => (index | if positive { 0x80 } else { 0 }) ^ 0x55,
        // μ-law: sign bit 1 for positive, the seven magnitude bits inverted.
        Law::U => (0x7f - index) | if positive { 0x80 } else { 0 },
    }
}

/// The reference decoder: the middle of the interval, back on the 16-bit scale.
fn reference_decode(law: Law, table: &[(i32, i32)], code: u8) -> i16 {
    let (index, positive) = match law {
        Law::A => ((code ^ 0x55) & 0x7f, code & 0x80 != 0),
        Law::U => (0x7f - (code & 0x7f), code & 0x80 != 0),
    };
    let (lo, hi) = table[usize::from(index)];
    let middle = match law {
        Law::A => (lo + hi) * 4, // (lo + hi) / 2 * 8
        Law::U => {
            if index == 0 {
                0
            } else {
                (lo + hi) * 2 // (lo + hi) / 2 * 4
            }
        }
    };
    let value = if positive { middle } else { -middle };
    i16::try_from(value).unwrap()
}

#[test]
fn every_input_encodes_as_the_standard_tables_say() {
    for law in [Law::A, Law::U] {
        let table = intervals(law);
        for x in i16::MIN..=i16::MAX {
            assert_eq!(law.encode(x), reference_encode(law, &table, x), "{law} input {x}");
        }
    }
}

#[test]
fn every_code_decodes_to_the_middle_of_its_interval() {
    for law in [Law::A, Law::U] {
        let table = intervals(law);
        for code in 0..=255u8 {
            assert_eq!(
                law.decode(code),
                reference_decode(law, &table, code),
                "{law} code {code:#04x}"
            );
        }
    }
}

#[test]
fn published_end_points() {
    // G.711 Table 1a/2a: the largest decoded magnitudes and the smallest ones.
    assert_eq!(g711::alaw_to_linear(0xaa), 32256);
    assert_eq!(g711::alaw_to_linear(0x2a), -32256);
    assert_eq!(g711::alaw_to_linear(0xd5), 8);
    assert_eq!(g711::alaw_to_linear(0x55), -8);
    assert_eq!(g711::ulaw_to_linear(0x80), 32124);
    assert_eq!(g711::ulaw_to_linear(0x00), -32124);
    assert_eq!(g711::ulaw_to_linear(0xfe), 8);
    assert_eq!(g711::ulaw_to_linear(0xff), 0);
    // The digital milliwatt: the eight μ-law codes of G.711 Table 5 repeat a 1 kHz sine at 0 dBm0.
    let dmw_u = [0x1e, 0x0b, 0x0b, 0x1e, 0x9e, 0x8b, 0x8b, 0x9e];
    let pcm: Vec<f64> = dmw_u.iter().map(|&c| f64::from(g711::ulaw_to_linear(c))).collect();
    let power = pcm.iter().map(|x| x * x).sum::<f64>() / 8.0;
    let dbm0 = hotline_dsp::level::dbm0_of_power(power);
    assert!(dbm0.abs() < 0.1, "digital milliwatt at {dbm0} dBm0");
    // And the A-law digital milliwatt of Table 6.
    let dmw_a = [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4];
    let pcm: Vec<f64> = dmw_a.iter().map(|&c| f64::from(g711::alaw_to_linear(c))).collect();
    let power = pcm.iter().map(|x| x * x).sum::<f64>() / 8.0;
    let dbm0 = hotline_dsp::level::dbm0_of_power(power);
    assert!(dbm0.abs() < 0.1, "A-law digital milliwatt at {dbm0} dBm0");
}

#[test]
fn slice_apis_agree_with_the_scalar_ones() {
    let pcm: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    for law in [Law::A, Law::U] {
        let codes = g711::encode_to_vec(law, &pcm);
        assert!(codes.iter().zip(&pcm).all(|(&c, &x)| c == law.encode(x)));
        let back = g711::decode_to_vec(law, &codes);
        assert!(back.iter().zip(&codes).all(|(&x, &c)| x == law.decode(c)));
        let mut short = [0u8; 3];
        assert_eq!(
            g711::encode(law, &pcm[..10], &mut short),
            Err(g711::G711Error::LengthMismatch { samples: 10, codes: 3 })
        );
        assert_eq!(short, [0; 3], "nothing written");
        let mut exact = [0u8; 10];
        assert_eq!(g711::encode(law, &pcm[..10], &mut exact), Ok(10));
    }
}

#[test]
fn unequal_buffers_are_an_error_not_a_truncation() {
    // Issue 27: `encode` and `decode` used to write the shorter length and say nothing.
    let pcm = [1000i16; 160];
    for law in [Law::A, Law::U] {
        let mut codes = [0u8; 80];
        assert_eq!(
            g711::encode(law, &pcm, &mut codes),
            Err(g711::G711Error::LengthMismatch { samples: 160, codes: 80 })
        );
        let mut long = [0u8; 200];
        assert!(g711::encode(law, &pcm, &mut long).is_err());
        let mut pcm_out = [0i16; 100];
        assert_eq!(
            g711::decode(law, &long, &mut pcm_out),
            Err(g711::G711Error::LengthMismatch { samples: 100, codes: 200 })
        );
        assert!(pcm_out.iter().all(|&x| x == 0), "nothing written");
        let encode_one = if law == Law::A { g711::encode_alaw } else { g711::encode_ulaw };
        assert!(encode_one(&pcm, &mut codes).is_err());
        let err = g711::encode(law, &pcm, &mut codes).unwrap_err();
        assert_eq!(err.to_string(), "160 samples and 80 codes: G.711 needs one code per sample");
    }
}

// ITU-T G.711 Table 3 (μ-law → A-law): for μ-law decoder output value numbers 0, 1, …, 127 (Table
// 2), the A-law decoder output value number (1..=128, Table 1) the conversion sends. Eight a row.
const G711_TABLE_3: [u8; 128] = [
    1, 1, 2, 2, 3, 3, 4, 4, //
    5, 5, 6, 6, 7, 7, 8, 8, //
    9, 10, 11, 12, 13, 14, 15, 16, //
    17, 18, 19, 20, 21, 22, 23, 24, //
    25, 27, 29, 31, 33, 34, 35, 36, //
    37, 38, 39, 40, 41, 42, 43, 44, //
    46, 48, 49, 50, 51, 52, 53, 54, //
    55, 56, 57, 58, 59, 60, 61, 62, //
    64, 65, 66, 67, 68, 69, 70, 71, //
    72, 73, 74, 75, 76, 77, 78, 79, //
    81, 82, 83, 84, 85, 86, 87, 88, //
    89, 90, 91, 92, 93, 94, 95, 96, //
    97, 98, 99, 100, 101, 102, 103, 104, //
    105, 106, 107, 108, 109, 110, 111, 112, //
    113, 114, 115, 116, 117, 118, 119, 120, //
    121, 122, 123, 124, 125, 126, 127, 128, //
];

// ITU-T G.711 Table 4 (A-law → μ-law): for A-law numbers 1, 2, …, 128, the μ-law number.
const G711_TABLE_4: [u8; 128] = [
    1, 3, 5, 7, 9, 11, 13, 15, //
    16, 17, 18, 19, 20, 21, 22, 23, //
    24, 25, 26, 27, 28, 29, 30, 31, //
    32, 32, 33, 33, 34, 34, 35, 35, //
    36, 37, 38, 39, 40, 41, 42, 43, //
    44, 45, 46, 47, 48, 48, 49, 49, //
    50, 51, 52, 53, 54, 55, 56, 57, //
    58, 59, 60, 61, 62, 63, 64, 64, //
    65, 66, 67, 68, 69, 70, 71, 72, //
    73, 74, 75, 76, 77, 78, 79, 79, //
    80, 81, 82, 83, 84, 85, 86, 87, //
    88, 89, 90, 91, 92, 93, 94, 95, //
    96, 97, 98, 99, 100, 101, 102, 103, //
    104, 105, 106, 107, 108, 109, 110, 111, //
    112, 113, 114, 115, 116, 117, 118, 119, //
    120, 121, 122, 123, 124, 125, 126, 127, //
];

/// μ-law character signal → (negative, decoder output value number 0..=127): G.711 Table 2a/2b,
/// all eight bits inverted (`0xff` is +0, `0x80` is +127, `0x7f` is −0).
fn ulaw_number(code: u8) -> (bool, u8) {
    let v = code ^ 0xff;
    (v & 0x80 != 0, v & 0x7f)
}

/// A-law character signal → (negative, number 1..=128): G.711 Table 1a/1b, sign bit 1 for
/// positive and the even bits inverted (`0xd5` is +1, `0xaa` is +128, `0x55` is −1).
fn alaw_number(code: u8) -> (bool, u8) {
    let v = code ^ 0xd5;
    (v & 0x80 != 0, (v & 0x7f) + 1)
}

fn ulaw_code(negative: bool, number: u8) -> u8 {
    (number | if negative { 0x80 } else { 0 }) ^ 0xff
}

fn alaw_code(negative: bool, number: u8) -> u8 {
    ((number - 1) | if negative { 0x80 } else { 0 }) ^ 0xd5
}

#[test]
fn number_conventions_match_the_standard_end_points() {
    assert_eq!(ulaw_number(0xff), (false, 0));
    assert_eq!(ulaw_number(0x80), (false, 127));
    assert_eq!(ulaw_number(0x00), (true, 127));
    assert_eq!(alaw_number(0xd5), (false, 1));
    assert_eq!(alaw_number(0xaa), (false, 128));
    assert_eq!(alaw_number(0x2a), (true, 128));
    for code in 0..=255u8 {
        let (n, u) = ulaw_number(code);
        assert_eq!(ulaw_code(n, u), code);
        let (n, a) = alaw_number(code);
        assert_eq!(alaw_code(n, a), code);
    }
    // The numbers agree with the decoders: larger numbers decode to larger magnitudes.
    assert_eq!(g711::ulaw_to_linear(ulaw_code(false, 127)), 32124);
    assert_eq!(g711::alaw_to_linear(alaw_code(true, 128)), -32256);
}

#[test]
fn ulaw_to_alaw_is_g711_table_3_for_every_code() {
    for code in 0..=255u8 {
        let (negative, u) = ulaw_number(code);
        let expected = alaw_code(negative, G711_TABLE_3[usize::from(u)]);
        assert_eq!(g711::ulaw_to_alaw(code), expected, "μ-law {code:#04x} (value {u})");
        let mut frame = [code];
        g711::transcode(Law::U, Law::A, &mut frame);
        assert_eq!(frame[0], expected);
    }
}

#[test]
fn alaw_to_ulaw_is_g711_table_4_for_every_code() {
    for code in 0..=255u8 {
        let (negative, a) = alaw_number(code);
        let expected = ulaw_code(negative, G711_TABLE_4[usize::from(a - 1)]);
        assert_eq!(g711::alaw_to_ulaw(code), expected, "A-law {code:#04x} (value {a})");
        let mut frame = [code];
        g711::transcode(Law::A, Law::U, &mut frame);
        assert_eq!(frame[0], expected);
    }
}

/// The notes under G.711 Tables 3 and 4: a double conversion μ→A→μ changes only μ-law values 0, 2,
/// 4, …, 14 (each raised by one), A→μ→A only A-law values 26, 28, 30, 32, 45, 47, 63 and 80, and
/// in every case only bit 8 (the least significant bit) of the character changes.
#[test]
fn double_conversions_change_only_the_values_the_standard_names() {
    for code in 0..=255u8 {
        let back = g711::alaw_to_ulaw(g711::ulaw_to_alaw(code));
        let (_, u) = ulaw_number(code);
        if u < 16 && u % 2 == 0 {
            assert_eq!(back, code ^ 1, "μ-law {code:#04x}");
            assert_eq!(ulaw_number(back).1, u + 1);
        } else {
            assert_eq!(back, code, "μ-law {code:#04x}");
        }
        let back = g711::ulaw_to_alaw(g711::alaw_to_ulaw(code));
        let (_, a) = alaw_number(code);
        if [26, 28, 30, 32, 45, 47, 63, 80].contains(&a) {
            assert_eq!(back, code ^ 1, "A-law {code:#04x}");
        } else {
            assert_eq!(back, code, "A-law {code:#04x}");
        }
    }
}

/// Where G.711's conversion and decoding then re-encoding (with G.191's 16-bit scaling) part:
/// pinned so that a change to either side is noticed.
#[test]
fn the_standard_conversion_differs_from_decode_then_encode_on_known_codes() {
    let ua: Vec<u8> = (0..=255u8)
        .filter(|&c| g711::ulaw_to_alaw(c) != g711::linear_to_alaw(g711::ulaw_to_linear(c)))
        .map(|c| ulaw_number(c).1)
        .collect();
    assert_eq!(ua.len(), 46);
    let mut values: Vec<u8> = ua.clone();
    values.sort_unstable();
    values.dedup();
    let mut expected: Vec<u8> = vec![0, 2, 4, 6, 8, 10, 12, 14, 48, 49, 64];
    expected.extend(80..=95);
    assert_eq!(values, expected);
    let au: Vec<u8> = (0..=255u8)
        .filter(|&c| g711::alaw_to_ulaw(c) != g711::linear_to_ulaw(g711::alaw_to_linear(c)))
        .map(|c| alaw_number(c).1)
        .collect();
    assert_eq!(au.len(), 34);
    let mut values = au;
    values.sort_unstable();
    values.dedup();
    assert_eq!(values, (80..=96).collect::<Vec<u8>>());
}

proptest! {
    #[test]
    fn decoding_is_a_fixed_point_of_encoding(x in any::<i16>()) {
        for law in [Law::A, Law::U] {
            let y = law.decode(law.encode(x));
            prop_assert_eq!(law.decode(law.encode(y)), y);
            // The error is at most half a step: 1/32 of the magnitude above the first segments.
            let err = (i32::from(x) - i32::from(y)).abs();
            let bound = (i32::from(x).abs() / 16).max(16);
            prop_assert!(err <= bound, "{} {} {}", x, y, err);
        }
    }
}
