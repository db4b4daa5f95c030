//! G.711 A-law and μ-law companding, bit-exact with the ITU-T G.191 Software Tool Library.
//!
//! Linear samples are 16-bit two's complement. As in G.191's `alaw_compress` and
//! `ulaw_compress`, the encoder keeps the 13 (A-law) or 14 (μ-law) most significant bits and takes
//! the one's complement of negative samples, so that the quantiser is symmetric about −½ and a
//! small negative sample keeps its sign. The decoders return the middle of each quantisation
//! interval, scaled to 16 bits (A-law ±8 … ±32,256; μ-law 0 … ±32,124).
//!
//! The encoders compute the segment from the exponent of the magnitude converted to `f32` (exact
//! for every 13- or 14-bit value), which needs no branch and no table, and keep every other step
//! in 16-bit arithmetic, so that the slice encoders vectorise eight samples to an SSE2 register on
//! any x86-64 (without `-C target-cpu`). The decoders read a 256-entry table built at compile time
//! from G.191's expansion rule. The tests check every one of the 65,536 inputs and 256 codes
//! against a separate formulation built from the segment tables of G.711 itself.
//!
//! A-law ↔ μ-law transcoding ([`alaw_to_ulaw`], [`ulaw_to_alaw`], [`transcode`]) follows G.711's
//! own conversion Tables 3 and 4, which differ from decoding and re-encoding for some codes (see
//! [`ULAW_TO_ALAW`]); the tests check all 256 codes each way against the tables and the
//! double-conversion properties the standard states.
//!
//! ```
//! use hotline_dsp::g711::{self, Law};
//! let pcm = [0i16, 1000, -1000, 32767, -32768];
//! let mut codes = [0u8; 5];
//! g711::encode(Law::A, &pcm, &mut codes);
//! assert_eq!(codes, [0xd5, 0xfa, 0x7a, 0xaa, 0x2a]);
//! let mut back = [0i16; 5];
//! g711::decode(Law::A, &codes, &mut back);
//! assert_eq!(back, [8, 1008, -1008, 32256, -32256]);
//! ```

/// A G.711 companding law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Law {
    /// A-law (Europe, China and most of the world; WAV format tag 6, RTP payload type 8).
    #[cfg_attr(feature = "serde", serde(alias = "alaw"))]
    A,
    /// μ-law (North America and Japan; WAV format tag 7, RTP payload type 0).
    #[cfg_attr(feature = "serde", serde(alias = "ulaw", alias = "mu"))]
    U,
}

impl Law {
    /// The code a silent (all-zero) linear signal encodes to: `0xd5` for A-law, `0xff` for μ-law.
    pub fn silence(self) -> u8 {
        match self {
            Law::A => 0xd5,
            Law::U => 0xff,
        }
    }

    /// Encodes one linear sample with this law.
    #[inline]
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::A => linear_to_alaw(sample),
            Law::U => linear_to_ulaw(sample),
        }
    }

    /// Decodes one code with this law.
    #[inline]
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::A => alaw_to_linear(code),
            Law::U => ulaw_to_linear(code),
        }
    }
}

impl std::fmt::Display for Law {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Law::A => "A-law",
            Law::U => "μ-law",
        })
    }
}

/// Encodes one 16-bit linear sample to A-law (G.191 `alaw_compress`).
#[inline]
pub fn linear_to_alaw(sample: i16) -> u8 {
    // All arithmetic stays in 16 bits except the conversion to `f32`, so that the slice loop
    // vectorises eight samples to an SSE2 register (the 32-bit lanes are only needed for the
    // conversion itself).
    let sign = sample >> 15; // 0 for sample >= 0, -1 for sample < 0
    // One's complement of negatives, then the 12-bit magnitude 0..=2047.
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)]
    let ix = ((sample ^ sign) as u16 >> 4) as i16;
    // For ix >= 16 the float's biased exponent is 127 + floor(log2 ix) and its four leading
    // mantissa bits are the quantisation step, so bits >> 19 = (exponent << 4 | step), which is
    // 2096 + (segment << 4 | step) - 16. Below 32 the code is ix itself (segments 0 and 1 share a
    // step size): taking the float of max(ix, 16) and adding min(ix, 16) - 16 covers 0..16 too.
    #[allow(clippy::cast_possible_truncation)]
    let high = ((f32::from(ix.max(16))).to_bits() >> 19) as i16;
    let magnitude = high + ix.min(16) - 2096;
    let code = (magnitude | (!sign & 0x80)) ^ 0x55;
    // The code is 0..=255 already; the clamp tells the compiler so, which lets it narrow with
    // one saturating pack instead of a mask and a pack.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let code = code.clamp(0, 255) as u8;
    code
}

/// Encodes one 16-bit linear sample to μ-law (G.191 `ulaw_compress`).
#[inline]
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let sign = sample >> 15;
    // 14-bit magnitude plus the bias of 33, limited to 13 bits: 33..=8191 (16-bit arithmetic).
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)]
    let magnitude = ((sample ^ sign) as u16 >> 2) as i16;
    let biased = (magnitude + 33).min(0x1fff);
    // floor(log2 biased) is 5..=12; segment - 1 = floor(log2) - 5, the step is the four bits
    // after the leading one: (segment - 1) << 4 | step = (bits >> 19) - (132 << 4), and the
    // μ-law code inverts those seven bits: 0x7f - that = 2239 - (bits >> 19).
    #[allow(clippy::cast_possible_truncation)]
    let high = ((f32::from(biased)).to_bits() >> 19) as i16;
    let code = (2239 - high) | (!sign & 0x80);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let code = code.clamp(0, 255) as u8;
    code
}

/// Decodes one A-law code to 16-bit linear (G.191 `alaw_expand`).
#[inline]
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_TO_LINEAR[usize::from(code)]
}

/// Decodes one μ-law code to 16-bit linear (G.191 `ulaw_expand`).
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_TO_LINEAR[usize::from(code)]
}

/// Converts an A-law code to μ-law by ITU-T G.711 Table 4 (A-law → μ-law conversion).
///
/// This is the standard's own table, which is not the same as decoding and re-encoding: see
/// [`ALAW_TO_ULAW`].
#[inline]
pub fn alaw_to_ulaw(code: u8) -> u8 {
    ALAW_TO_ULAW[usize::from(code)]
}

/// Converts a μ-law code to A-law by ITU-T G.711 Table 3 (μ-law → A-law conversion).
///
/// This is the standard's own table, which is not the same as decoding and re-encoding: see
/// [`ULAW_TO_ALAW`].
#[inline]
pub fn ulaw_to_alaw(code: u8) -> u8 {
    ULAW_TO_ALAW[usize::from(code)]
}

const fn alaw_expand(code: u8) -> i16 {
    let ix = (code ^ 0x55) & 0x7f;
    let exponent = ix >> 4;
    let mut mantissa = (ix & 0x0f) as i32;
    if exponent > 0 {
        mantissa += 16;
    }
    mantissa = (mantissa << 4) + 8;
    if exponent > 1 {
        mantissa <<= exponent - 1;
    }
    (if code > 127 { mantissa } else { -mantissa }) as i16
}

const fn ulaw_expand(code: u8) -> i16 {
    let inverted = !code;
    let exponent = ((inverted >> 4) & 0x07) as i32;
    let mantissa = (inverted & 0x0f) as i32;
    let step = 4 << (exponent + 1);
    let magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
    (if code < 0x80 { -magnitude } else { magnitude }) as i16
}

const fn expand_table(law_is_a: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = if law_is_a { alaw_expand(code as u8) } else { ulaw_expand(code as u8) };
        code += 1;
    }
    table
}

/// The A-law decoding table, indexed by code.
pub static ALAW_TO_LINEAR: [i16; 256] = expand_table(true);
/// The μ-law decoding table, indexed by code.
pub static ULAW_TO_LINEAR: [i16; 256] = expand_table(false);

/// G.191's `alaw_compress` and `ulaw_compress` loops, kept to check the fast encoders against.
#[cfg(test)]
const fn const_alaw(sample: i16) -> u8 {
    let x = sample as i32;
    let mut ix = if x < 0 { !x } else { x } >> 4;
    if ix > 15 {
        let mut exponent = 1;
        while ix > 31 {
            ix >>= 1;
            exponent += 1;
        }
        ix = ix - 16 + (exponent << 4);
    }
    if x >= 0 {
        ix |= 0x80;
    }
    (ix ^ 0x55) as u8
}

#[cfg(test)]
const fn const_ulaw(sample: i16) -> u8 {
    let x = sample as i32;
    let mut biased = (if x < 0 { !x } else { x } >> 2) + 33;
    if biased > 0x1fff {
        biased = 0x1fff;
    }
    let mut i = biased >> 6;
    let mut segment = 1;
    while i != 0 {
        segment += 1;
        i >>= 1;
    }
    let high = 8 - segment;
    let low = 0x0f - ((biased >> segment) & 0x0f);
    let mut code = (high << 4) | low;
    if x >= 0 {
        code |= 0x80;
    }
    code as u8
}

/// G.711 Table 3: μ-law decoder output value number (0..=127, G.711 Table 2) to the A-law decoder
/// output value number (1..=128, Table 1) that the conversion sends, per stretch of the table.
const fn g711_table3(u: u8) -> u8 {
    match u {
        0..=15 => u / 2 + 1,
        16..=32 => u - 7,
        33..=35 => 2 * u - 39,
        36..=47 => u - 3,
        48 => 46,
        49..=63 => u - 1,
        64..=79 => u,
        _ => u + 1,
    }
}

/// G.711 Table 4: A-law decoder output value number (1..=128) to μ-law number (0..=127).
const fn g711_table4(a: u8) -> u8 {
    match a {
        1..=8 => 2 * a - 1,
        9..=24 => a + 7,
        25..=32 => 32 + (a - 25) / 2,
        33..=44 => a + 3,
        45..=48 => 48 + (a - 45) / 2,
        49..=63 => a + 1,
        64 => 64,
        65..=79 => a,
        80 => 79,
        _ => a - 1,
    }
}

const fn transcode_table(from_a: bool) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = if from_a {
            // A-law character → (sign, number 1..=128): undo the even-bit inversion; bit 7 set
            // here means negative.
            let v = code as u8 ^ 0xd5;
            let number = (v & 0x7f) + 1;
            ((v & 0x80) | g711_table4(number)) ^ 0xff
        } else {
            // μ-law character → (sign, number 0..=127): all bits are inverted.
            let v = code as u8 ^ 0xff;
            let number = v & 0x7f;
            ((v & 0x80) | (g711_table3(number) - 1)) ^ 0xd5
        };
        code += 1;
    }
    table
}

/// A-law code → μ-law code, by ITU-T G.711 Table 4, keeping the sign.
///
/// G.711 does not convert by decoding and re-encoding: its tables pick, for each value, the
/// nearest value of the other law with both laws scaled to their overload points (A-law 4096,
/// μ-law 8159), with a few entries moved so that a double conversion A→μ→A changes at most the
/// least significant bit (it changes A-law values 26, 28, 30, 32, 45, 47, 63 and 80, G.711
/// Table 4 note). Decoding with G.191's 16-bit scaling (where the two laws' full scales differ by
/// 0.4%) and re-encoding gives a different code for 34 of the 256 A-law codes (A-law values 80 to
/// 96 of either sign). A negative zero is kept negative.
pub static ALAW_TO_ULAW: [u8; 256] = transcode_table(true);
/// μ-law code → A-law code, by ITU-T G.711 Table 3, keeping the sign.
///
/// As for [`ALAW_TO_ULAW`]: the standard's table, under which a double conversion μ→A→μ changes
/// only μ-law values 0, 2, 4, …, 14 (each by one). Decoding and re-encoding would differ for 46 of
/// the 256 μ-law codes (μ-law values 0, 2, …, 14, 48, 49, 64 and 80 to 95; the μ-law negative
/// zero `0x7f` becomes the negative A-law `0x55`, not the positive `0xd5`).
pub static ULAW_TO_ALAW: [u8; 256] = transcode_table(false);

/// Why a slice could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum G711Error {
    /// The input and output slices differ in length: one code per sample, nothing is truncated.
    #[error("{samples} samples and {codes} codes: G.711 needs one code per sample")]
    LengthMismatch {
        /// Length of the linear (sample) slice.
        samples: usize,
        /// Length of the code slice.
        codes: usize,
    },
}

fn check_lengths(samples: usize, codes: usize) -> Result<usize, G711Error> {
    if samples == codes { Ok(samples) } else { Err(G711Error::LengthMismatch { samples, codes }) }
}

/// Encodes `pcm` into `codes` with `law`, one code per sample; returns how many were written.
///
/// # Errors
///
/// [`G711Error::LengthMismatch`] when the slices differ in length (nothing is written).
pub fn encode(law: Law, pcm: &[i16], codes: &mut [u8]) -> Result<usize, G711Error> {
    match law {
        Law::A => encode_alaw(pcm, codes),
        Law::U => encode_ulaw(pcm, codes),
    }
}

/// Decodes `codes` into `pcm` with `law`, one sample per code; returns how many were written.
///
/// # Errors
///
/// [`G711Error::LengthMismatch`] when the slices differ in length (nothing is written).
pub fn decode(law: Law, codes: &[u8], pcm: &mut [i16]) -> Result<usize, G711Error> {
    let n = check_lengths(pcm.len(), codes.len())?;
    let table = match law {
        Law::A => &ALAW_TO_LINEAR,
        Law::U => &ULAW_TO_LINEAR,
    };
    for (out, &code) in pcm.iter_mut().zip(codes) {
        *out = table[usize::from(code)];
    }
    Ok(n)
}

/// Encodes a whole frame to A-law; returns the number of codes written.
///
/// # Errors
///
/// [`G711Error::LengthMismatch`] when the slices differ in length (nothing is written).
pub fn encode_alaw(pcm: &[i16], codes: &mut [u8]) -> Result<usize, G711Error> {
    let n = check_lengths(pcm.len(), codes.len())?;
    for (out, &x) in codes.iter_mut().zip(pcm) {
        *out = linear_to_alaw(x);
    }
    Ok(n)
}

/// Encodes a whole frame to μ-law; returns the number of codes written.
///
/// # Errors
///
/// [`G711Error::LengthMismatch`] when the slices differ in length (nothing is written).
pub fn encode_ulaw(pcm: &[i16], codes: &mut [u8]) -> Result<usize, G711Error> {
    let n = check_lengths(pcm.len(), codes.len())?;
    for (out, &x) in codes.iter_mut().zip(pcm) {
        *out = linear_to_ulaw(x);
    }
    Ok(n)
}

/// Encodes `pcm` into a new vector of codes.
pub fn encode_to_vec(law: Law, pcm: &[i16]) -> Vec<u8> {
    let table: fn(i16) -> u8 = match law {
        Law::A => linear_to_alaw,
        Law::U => linear_to_ulaw,
    };
    pcm.iter().map(|&x| table(x)).collect()
}

/// Decodes `codes` into a new vector of samples.
pub fn decode_to_vec(law: Law, codes: &[u8]) -> Vec<i16> {
    let table = match law {
        Law::A => &ALAW_TO_LINEAR,
        Law::U => &ULAW_TO_LINEAR,
    };
    codes.iter().map(|&c| table[usize::from(c)]).collect()
}

/// Transcodes a frame in place between laws by table (`from` to the other law); a no-op when
/// `from == to`.
pub fn transcode(from: Law, to: Law, codes: &mut [u8]) {
    let table = match (from, to) {
        (Law::A, Law::U) => &ALAW_TO_ULAW,
        (Law::U, Law::A) => &ULAW_TO_ALAW,
        _ => return,
    };
    for code in codes {
        *code = table[usize::from(*code)];
    }
}

/// Encodes then decodes every sample of `pcm` in place: what the far end hears after a G.711 link.
pub fn round_trip(law: Law, pcm: &mut [i16]) {
    for x in pcm {
        *x = law.decode(law.encode(*x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_encoders_match_the_g191_loops() {
        for x in i16::MIN..=i16::MAX {
            assert_eq!(linear_to_alaw(x), const_alaw(x), "A-law {x}");
            assert_eq!(linear_to_ulaw(x), const_ulaw(x), "μ-law {x}");
        }
    }

    #[test]
    fn known_codes() {
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(linear_to_ulaw(-1), 0x7f);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(ulaw_to_linear(0x7f), 0);
        assert_eq!(alaw_to_linear(0xd5), 8);
        assert_eq!(alaw_to_linear(0xaa), 32256);
    }

    #[test]
    fn transcoding_keeps_the_sign_and_stays_within_a_step() {
        for code in 0..=255u8 {
            let a = i32::from(alaw_to_linear(code));
            let u = i32::from(ulaw_to_linear(alaw_to_ulaw(code)));
            assert_eq!(code & 0x80, alaw_to_ulaw(code) & 0x80, "A-law {code:#04x}");
            // Within 1/16 of the value (one step of the coarser law) or 16 near zero.
            assert!((a - u).abs() <= (a.abs() / 16).max(16), "A-law {code:#04x}: {a} {u}");
            let u = i32::from(ulaw_to_linear(code));
            let a = i32::from(alaw_to_linear(ulaw_to_alaw(code)));
            assert_eq!(code & 0x80, ulaw_to_alaw(code) & 0x80, "μ-law {code:#04x}");
            assert!((a - u).abs() <= (u.abs() / 16).max(16), "μ-law {code:#04x}: {u} {a}");
        }
        let mut frame: Vec<u8> = (0..=255).collect();
        transcode(Law::U, Law::A, &mut frame);
        transcode(Law::A, Law::A, &mut frame);
        assert_eq!(frame[0xff], 0xd5);
        assert_eq!(frame[0x7f], 0x55);
    }
}
