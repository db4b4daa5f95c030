//! DTMF (dual-tone multi-frequency) detection and generation, to ITU-T Q.23 and Q.24.
//!
//! # Detector
//!
//! [`DtmfDetector`] takes 8 kHz 16-bit samples in blocks of any size and reports each digit once it
//! has ended, as a [`DtmfEvent`] with its start sample, duration and level. It meets the ITU-T
//! Q.24 receiver requirements:
//!
//! * frequencies within ±1.5% of nominal operate it, ±3.5% or more never do;
//! * tones of 40 ms or longer operate it, tones shorter than 23 ms never do, and no digit is ever
//!   reported shorter than [`MIN_DURATION_MS`] (40 ms), whatever the input;
//! * interruptions of up to 10 ms are bridged, whether the tone has been recognised yet or not (a
//!   digit broken by a dropout is one digit); a pause of 40 ms separates two digits. Longer
//!   interruptions are not bridged: a gap that spoils two blocks (25.5 ms) ends the digit;
//! * twist: the low-group tone may be up to 8 dB above the high-group tone, the high group up to
//!   4 dB above the low group;
//! * each tone from −3 dBm0 down to −38 dBm0 (35 dB of dynamic range), with white noise at 15 dB
//!   S/N, and after a G.711 round trip;
//! * no digit on speech or music (tested on two hours of real recordings in three languages,
//!   music on hold, and synthetic speech in eight languages).
//!
//! How: the signal is cut into blocks of 102 samples (12.75 ms). In each block a Hann-windowed
//! correlation with the eight DTMF frequencies gives each tone's complex amplitude (the products are
//! laid out so that the compiler vectorises them: this is the only per-sample work). A block is a
//! *candidate* for a digit when the strongest row and column tones hold most of the block's power,
//! lie within the level and twist limits, and the block's two halves hold similar energy (the
//! tone fills the block). A candidate is *strong* when the two tones hold 70% of its power, its
//! halves are within 1:2, no other tone of either group stands out more than a lone tone leaks
//! into it (a relative-peak test: next to the strongest −2.5 dB in the rows and −8 dB in the
//! columns, further away −10 dB; voiced speech puts harmonics on two frequencies of a group
//! at once), and it is within 10 dB of the run's strongest block (a tone keeps its level). A digit
//! starts once two candidate blocks of the same digit have been strong (a tone of 40 ms fills
//! two blocks at any alignment) and the frequency of both tones is confirmed within ±2.5% of
//! nominal from the phase advance of windowed correlations 17 and 51 samples apart (the first
//! resolves the second's ambiguity). One block that is not a candidate (a dropout of up to 10 ms spoils at most
//! one) is bridged before and after the digit is recognised; after such a gap an unrecognised
//! digit must verify its frequencies again. A digit ends after two blocks that are not candidates
//! (a 40 ms pause always spoils two). Its edges are then located to the sample from the envelopes
//! of its two tones (demodulated and summed over whole periods of their beat, counted only where
//! the two tones hold most of the energy), widened by the locating error (5 samples), and a digit
//! shorter than the minimum is dropped, at the end of input as anywhere else.
//!
//! # Generator
//!
//! [`DtmfGenerator`] writes digits with chosen on and off durations, level and twist.

use std::f64::consts::PI;

use crate::level;

/// The low-group (row) frequencies in Hz.
pub const ROW_HZ: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
/// The high-group (column) frequencies in Hz.
pub const COLUMN_HZ: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
/// The keypad, by row then column.
pub const KEYS: [[char; 4]; 4] =
    [['1', '2', '3', 'A'], ['4', '5', '6', 'B'], ['7', '8', '9', 'C'], ['*', '0', '#', 'D']];

/// The (row, column) frequencies in Hz of a digit (`0-9`, `*`, `#`, `A-D`, case-insensitive).
pub fn frequencies(digit: char) -> Option<(f64, f64)> {
    let digit = digit.to_ascii_uppercase();
    for (r, row) in KEYS.iter().enumerate() {
        for (c, &key) in row.iter().enumerate() {
            if key == digit {
                return Some((ROW_HZ[r], COLUMN_HZ[c]));
            }
        }
    }
    None
}

/// One detected digit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DtmfEvent {
    /// The digit: `0`-`9`, `*`, `#`, `A`-`D`.
    pub digit: char,
    /// The first sample of the tone, counted from the first sample given to the detector.
    pub start_sample: u64,
    /// The tone's length in samples.
    pub duration_samples: u64,
    /// The mean level of the two tones in dBm0 (a 0 dBm0 sine peaks at 22,770).
    pub level_dbm0: f64,
}

impl DtmfEvent {
    /// The start in milliseconds at 8 kHz.
    pub fn start_ms(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let start = self.start_sample as f64;
        start / 8.0
    }

    /// The duration in milliseconds at 8 kHz.
    pub fn duration_ms(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let duration = self.duration_samples as f64;
        duration / 8.0
    }
}

/// Samples per analysis block.
const N: usize = 102;
/// The block padded to a multiple of 8 for the vectorised sums.
const NP: usize = 104;
/// Half the block padded to a multiple of 8: the correlations fold the block about its centre.
const HP: usize = 56;
const HALF: usize = N / 2;
/// Offsets of the frequency-verification windows.
const COARSE_HOP: usize = 17;
const FINE_HOP: usize = 51;
/// History kept for verification: the block before the middle one and two more.
const HISTORY: usize = 3 * N;
/// Blocks kept for locating edges: a run may be confirmed up to five blocks after its first
/// candidate block (a bridged gap), and the block before that is searched too.
const RING: usize = 8;
/// How far (samples) an edge located by [`DtmfDetector::edge`] may lie inside the true one (the
/// largest error measured on every key at every alignment, clean and through G.711): the
/// reported span is widened by this much at each end, so that a tone of exactly the minimum
/// duration is never reported shorter than it.
const EDGE_TOLERANCE: f64 = 5.0;
/// Share of a window's energy the two tones must hold for the window to count as tone when
/// locating an edge.
const EDGE_PURITY: f64 = 0.45;
/// Samples searched for one edge of a digit.
const EDGE_SPAN: usize = 3 * N;

/// Minimum level of the stronger tone, dBm0.
const MIN_LEVEL_DBM0: f64 = -42.0;
/// Accepted twist, high group minus low group, dB (Q.24: −8 to +4, plus margin for deviation).
const TWIST_MIN_DB: f64 = -9.5;
const TWIST_MAX_DB: f64 = 5.5;
/// Share of the block's (windowed) power the two tones must hold in the middle block of the three
/// that start a digit, and in any block (one only partly filled by the tone loses some to the
/// window's edge).
const MIN_PURITY: f64 = 0.7;
const MIN_PURITY_EDGE: f64 = 0.45;
/// Relative peaks in a strong block: the largest power of another tone of the same group, as a
/// share of the group's strongest, for a tone next to it in the rows (−2.5 dB), next to it in
/// the columns (−8 dB), and two or more places away in either group (−10 dB). The Hann window of
/// 102 samples leaks a tone of a block full of it into its neighbours by up to −3.4 dB in the rows
/// and −11.1 dB in the columns (at ±1.5% and 8 dB twist), and two places away by −27 dB at most:
/// more than that is a second tone in the group, as voiced speech puts harmonics on two row or
/// two column frequencies at once.
const MAX_NEAR_ROW: f64 = 0.562;
const MAX_NEAR_COLUMN: f64 = 0.158;
const MAX_FAR_PEAK: f64 = 0.1;
/// Strong blocks a run needs before it is a digit: a tone of 40 ms fills two blocks whatever
/// its alignment, and speech rarely passes the strong tests twice in a row.
const MIN_STRONG_BLOCKS: u32 = 2;
/// A block counts as strong for a run only if its tone power is within 10 dB of the run's
/// strongest block: a tone keeps its level through a digit and across a dropout, speech does not.
const MAX_LEVEL_DROP: f64 = 0.1;
/// Smallest accepted ratio of the energies of the block's two halves.
const MIN_HALF_RATIO: f64 = 0.1;
/// Largest accepted frequency deviation from nominal (Q.24: operate ±1.5%, reject ±3.5%).
const MAX_DEVIATION: f64 = 0.025;
/// A block whose energy is at least this share of a full block's counts as full of the tone (the
/// beat of the two tones moves a full block's energy by a few percent).
const FULL: f64 = 0.9;
/// The shortest digit reported: 40 ms (Q.24: tones of 40 ms or longer must operate the receiver).
pub const MIN_DURATION_MS: f64 = 40.0;
/// [`MIN_DURATION_MS`] in samples at 8 kHz.
const MIN_DURATION_SAMPLES: u64 = 320;

/// Windowed correlation tables.
#[derive(Clone)]
struct Tables {
    /// For each sample of the first half of the block, the windowed cosine and sine of the eight
    /// frequencies, with the phase measured from the block's centre (even and odd about it).
    /// Lanes 0-7 the cosines, 8-15 the sines.
    waves: [[f32; 16]; HALF],
    /// The same for the four row frequencies alone: lanes 0-3 the cosines, 4-7 the sines.
    row_waves: [[f32; 8]; HALF],
    /// For each of the eight frequencies, the cosine and sine of its phase at each sample of an
    /// edge search (what [`DtmfDetector::edge`] demodulates with), computed once: 39 KB shared
    /// by every detector instead of four libm calls per sample per search.
    edge_waves: [[[f64; 2]; EDGE_SPAN]; 8],
    window_sum: f64,
    window_energy: f64,
    window_sq: [f32; NP],
    /// `MIN_LEVEL_DBM0` and the twist limits as power and power ratios.
    min_power: f64,
    twist_min: f64,
    twist_max: f64,
    /// The most any tone's measured power can be per unit of the block's windowed power (by the
    /// Cauchy–Schwarz inequality, 2·N·Σw²/(Σw)², about 3 for the Hann window), with 1% to spare
    /// for the rounding of the single-precision sums.
    power_bound: f64,
}

impl Tables {
    fn new() -> Self {
        let mut waves = [[0f32; 16]; HALF];
        #[allow(clippy::cast_precision_loss)]
        let centre = (N as f64 - 1.0) / 2.0;
        let mut window_sq = [0f32; NP];
        let mut window_sum = 0.0;
        let mut window_energy = 0.0;
        #[allow(clippy::cast_precision_loss)]
        for n in 0..N {
            let w = hann(n, N);
            window_sum += w;
            window_energy += w * w;
            window_sq[n] = (w * w) as f32;
            if n < HALF {
                for (k, &f) in ROW_HZ.iter().chain(COLUMN_HZ.iter()).enumerate() {
                    let phase = 2.0 * PI * f * (n as f64 - centre) / 8000.0;
                    waves[n][k] = (w * phase.cos()) as f32;
                    waves[n][8 + k] = (w * phase.sin()) as f32;
                }
            }
        }
        let min_power =
            level::DBM0_PEAK * level::DBM0_PEAK / 2.0 * 10f64.powf(MIN_LEVEL_DBM0 / 10.0);
        let mut row_waves = [[0f32; 8]; HALF];
        for (r, w) in row_waves.iter_mut().zip(&waves) {
            r[..4].copy_from_slice(&w[..4]);
            r[4..].copy_from_slice(&w[8..12]);
        }
        #[allow(clippy::cast_precision_loss)]
        let power_bound = 1.01 * 2.0 * N as f64 * window_energy / (window_sum * window_sum);
        let mut edge_waves = [[[0f64; 2]; EDGE_SPAN]; 8];
        for (waves, &f) in edge_waves.iter_mut().zip(ROW_HZ.iter().chain(COLUMN_HZ.iter())) {
            let w = 2.0 * PI * f / 8000.0;
            for (i, cs) in waves.iter_mut().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let m = i as f64;
                *cs = [(w * m).cos(), (w * m).sin()];
            }
        }
        Tables {
            waves,
            row_waves,
            edge_waves,
            power_bound,
            window_sum,
            window_energy,
            window_sq,
            min_power,
            twist_min: 10f64.powf(TWIST_MIN_DB / 10.0),
            twist_max: 10f64.powf(TWIST_MAX_DB / 10.0),
        }
    }
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tables").finish_non_exhaustive()
    }
}

/// The correlation tables, computed once per process.
fn shared_tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    TABLES.get_or_init(Tables::new)
}

#[allow(clippy::cast_precision_loss)]
fn hann(n: usize, len: usize) -> f64 {
    0.5 - 0.5 * (2.0 * PI * (n as f64 + 0.5) / len as f64).cos()
}

/// The windowed correlations of a folded block with the eight frequencies: the real parts from
/// the even half, the (negated) imaginary parts from the odd half. Eight lanes per sample, so that
/// the compiler keeps each in two vector registers.
// Not inlined: inlined, the compiler interleaves the lanes to suit the caller and loses the plain
// four-wide loads.
#[inline(never)]
fn correlations(t: &Tables, even: &[f32; HP], odd: &[f32; HP]) -> ([f32; 8], [f32; 8]) {
    let mut acc = [0f32; 16];
    for (w, (&e, &o)) in t.waves.iter().zip(even.iter().zip(odd)) {
        let m = [e, e, e, e, e, e, e, e, o, o, o, o, o, o, o, o];
        for ((a, &m), &w) in acc.iter_mut().zip(&m).zip(w) {
            *a += m * w;
        }
    }
    let mut re = [0f32; 8];
    let mut im = [0f32; 8];
    re.copy_from_slice(&acc[..8]);
    im.copy_from_slice(&acc[8..]);
    (re, im)
}

/// The windowed correlations with the four row frequencies alone, lane for lane the same sums as
/// [`correlations`] makes (so the same values to the bit): what the early rejection of a block
/// looks at.
#[inline(never)]
fn row_correlations(t: &Tables, even: &[f32; HP], odd: &[f32; HP]) -> ([f32; 4], [f32; 4]) {
    let mut re = [0f32; 4];
    let mut im = [0f32; 4];
    for (w, (&e, &o)) in t.row_waves.iter().zip(even.iter().zip(odd)) {
        for k in 0..4 {
            re[k] += e * w[k];
            im[k] += o * w[4 + k];
        }
    }
    (re, im)
}

/// Whether a block whose windowed power is `windowed` (folded into `even` and `odd`) fails the
/// candidate tests of [`DtmfDetector::measure_with`] whatever its column tones: its power cannot
/// reach the level floor, or its strongest row cannot, with the most column tone the twist
/// allows, reach the level floor or the purity share. Each bound implies that the exact test
/// fails (rounding is monotone, and the row powers are the very values the full measurement
/// computes), so skipping the full measurement changes no result.
fn cannot_be_candidate(t: &Tables, windowed: f64, even: &[f32; HP], odd: &[f32; HP]) -> bool {
    if windowed * t.power_bound < t.min_power {
        return true;
    }
    let (re, im) = row_correlations(t, even, odd);
    let mut rows = [0f64; 4];
    for (k, p) in rows.iter_mut().enumerate() {
        let re = f64::from(re[k]);
        let im = f64::from(im[k]);
        *p = 2.0 * (re * re + im * im) / (t.window_sum * t.window_sum);
    }
    let p_row = rows[argmax(&rows)];
    let most_column = t.twist_max * p_row;
    most_column < t.min_power || p_row + most_column < MIN_PURITY_EDGE * windowed
}

/// The sum of two four-lane partial sums.
#[inline]
fn horizontal(lo: [f32; 4], hi: [f32; 4]) -> f32 {
    let s = [lo[0] + hi[0], lo[1] + hi[1], lo[2] + hi[2], lo[3] + hi[3]];
    (s[0] + s[2]) + (s[1] + s[3])
}

/// What one block looked like.
#[derive(Debug, Clone, Copy, Default)]
struct BlockResult {
    /// Candidate digit: (row, column) indices.
    candidate: Option<(usize, usize)>,
    /// The candidate fills the block: purity of at least `MIN_PURITY`, halves within 1:2.
    strong: bool,
    /// Unwindowed energy of the whole block and of its halves.
    energy: f64,
    first_half: f64,
    /// Mean power of the two tones (A²/2 each, averaged); set for candidate blocks only.
    tone_power: f64,
}

/// A run of candidate blocks of one digit: pending until it is confirmed, then a digit sounding.
#[derive(Debug, Clone, Copy)]
struct Active {
    row: usize,
    column: usize,
    /// Whether the run has passed the tests that make it a digit (two strong candidate blocks,
    /// frequencies verified).
    confirmed: bool,
    verified: bool,
    candidates: u32,
    /// First sample of the first candidate block, its energy, and the block before it.
    first_block: u64,
    first_energy: f64,
    before: BlockResult,
    /// The first sample of the tone, set on confirmation.
    start: u64,
    /// End sample (exclusive) of the last candidate block, its energy, and how full it was.
    last_good_end: u64,
    last_good_energy: f64,
    last_good_fill: f64,
    misses: u32,
    /// Whether one of the candidate blocks was strong, and how many were.
    strong: bool,
    strong_blocks: u32,
    /// Energy of a block full of the tone, from the strongest tone power seen in the run.
    reference_energy: f64,
    power_sum: f64,
    power_blocks: u32,
}

/// A streaming DTMF detector for 8 kHz 16-bit audio (see the [module documentation](self)).
///
/// ```
/// use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
/// let audio = DtmfGenerator::new().generate("147").unwrap();
/// let mut detector = DtmfDetector::new();
/// let mut digits = String::new();
/// for block in audio.chunks(80) {
///     digits.extend(detector.process(block).iter().map(|e| e.digit));
/// }
/// digits.extend(detector.finish().iter().map(|e| e.digit));
/// assert_eq!(digits, "147");
/// ```
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    tables: &'static Tables,
    /// Samples of the block being filled, as f32, padded with zeros to `NP`.
    block: [f32; NP],
    filled: usize,
    /// The last `RING` blocks, block `b` in slot `b % RING`, for frequency verification and
    /// for locating a digit's edges to the sample: the samples as given (16-bit, half the room
    /// of floats), written as they come; the slot of the block being filled holds it so far.
    history: Box<[[i16; N]; RING]>,
    /// Samples given so far.
    samples_in: u64,
    /// Results of the last four complete blocks, oldest first.
    recent: [BlockResult; 4],
    blocks_done: u64,
    active: Option<Active>,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl DtmfDetector {
    /// A detector with the Q.24 settings described in the [module documentation](self).
    pub fn new() -> Self {
        DtmfDetector {
            tables: shared_tables(),
            block: [0.0; NP],
            filled: 0,
            history: Box::new([[0; N]; RING]),
            samples_in: 0,
            recent: [BlockResult::default(); 4],
            blocks_done: 0,
            active: None,
        }
    }

    /// Bytes it holds on the heap besides itself (its history of recent blocks), for capacity
    /// planning.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<[[i16; N]; RING]>()
    }

    /// Forgets everything: the next sample is sample 0 again.
    pub fn reset(&mut self) {
        *self = DtmfDetector::new();
    }

    /// The digit being received right now, if a tone has been recognised and has not ended yet.
    ///
    /// A digit counts as received once it has sounded for the minimum duration (40 ms).
    pub fn active_digit(&self) -> Option<char> {
        self.active
            .filter(|a| {
                a.confirmed && a.last_good_end.saturating_sub(a.start) >= MIN_DURATION_SAMPLES
            })
            .map(|a| KEYS[a.row][a.column])
    }

    /// Feeds samples; returns the digits that ended within them (usually none).
    pub fn process(&mut self, samples: &[i16]) -> Vec<DtmfEvent> {
        let mut events = Vec::new();
        self.process_into(samples, &mut events);
        events
    }

    /// Feeds samples, appending the digits that ended to `events` (no allocation when none did).
    pub fn process_into(&mut self, samples: &[i16], events: &mut Vec<DtmfEvent>) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (N - self.filled).min(rest.len());
            for (slot, &x) in self.block[self.filled..self.filled + take].iter_mut().zip(rest) {
                *slot = f32::from(x);
            }
            // The slot of the block being filled held block `blocks_done - RING`, which nothing
            // reads any more (the oldest block read is `blocks_done + 1 - RING`, once this one
            // is complete).
            #[allow(clippy::cast_possible_truncation)]
            let slot = (self.blocks_done % RING as u64) as usize;
            self.history[slot][self.filled..self.filled + take].copy_from_slice(&rest[..take]);
            self.filled += take;
            self.samples_in += take as u64;
            rest = &rest[take..];
            if self.filled == N {
                self.filled = 0;
                self.analyse_block(events);
            }
        }
    }

    /// Ends the stream: pads the last partial block with silence and reports a digit still sounding.
    pub fn finish(&mut self) -> Vec<DtmfEvent> {
        let mut events = Vec::new();
        if self.filled > 0 {
            self.block[self.filled..N].fill(0.0);
            #[allow(clippy::cast_possible_truncation)]
            let slot = (self.blocks_done % RING as u64) as usize;
            self.history[slot][self.filled..].fill(0);
            self.filled = 0;
            self.analyse_block(&mut events);
        }
        if let Some(active) = self.active.take()
            && active.confirmed
        {
            self.emit(&active, None, &mut events);
        }
        events
    }

    fn analyse_block(&mut self, events: &mut Vec<DtmfEvent>) {
        let block_start = self.blocks_done * N as u64;
        self.blocks_done += 1;

        let result = self.measure();
        self.recent = [self.recent[1], self.recent[2], self.recent[3], result];

        let digit = result.candidate;
        // A run continues, counts a miss, or ends.
        if let Some(mut active) = self.active {
            if digit == Some((active.row, active.column)) {
                active.misses = 0;
                active.candidates += 1;
                active.last_good_end = block_start + N as u64;
                active.last_good_energy = result.energy;
                if result.strong
                    && full_block_energy(result.tone_power)
                        >= MAX_LEVEL_DROP * active.reference_energy
                {
                    active.strong = true;
                    active.strong_blocks += 1;
                }
                active.reference_energy =
                    active.reference_energy.max(full_block_energy(result.tone_power));
                if active.strong {
                    active.last_good_fill = (result.energy / active.reference_energy).min(1.0);
                    if result.energy >= 0.8 * active.reference_energy {
                        active.power_sum += result.tone_power;
                        active.power_blocks += 1;
                    }
                }
                if !active.verified {
                    active.verified = self.verify_recent((active.row, active.column));
                }
                self.active = Some(active);
                if !active.confirmed {
                    self.try_confirm();
                }
            } else {
                active.misses += 1;
                // A weak candidate of another digit in a pending run is a spoilt block (a dropout
                // with a phase jump can look like one); a strong one starts that digit's run.
                if active.misses >= 2 || (!active.confirmed && result.strong) {
                    // Ended: a digit if it was confirmed (and long enough), else forgotten.
                    self.active = None;
                    if active.confirmed {
                        let next = self.recent[2];
                        self.emit(&active, Some(next), events);
                    }
                } else {
                    if !active.confirmed {
                        // The run so far may be a digit already (this block its end or a
                        // dropout): confirmed now, with the block after its start received.
                        self.active = Some(active);
                        self.try_confirm();
                        if let Some(now) = self.active {
                            active = now;
                        }
                    }
                    if !active.confirmed {
                        // A run bridged over a gap before it is confirmed must verify its
                        // frequencies again after the gap, over two candidate blocks in a row.
                        active.verified = false;
                    }
                    self.active = Some(active);
                }
            }
        }

        // A new run starts at a candidate block.
        if self.active.is_none()
            && let Some((row, column)) = digit
        {
            self.active = Some(Active {
                row,
                column,
                confirmed: false,
                verified: false,
                candidates: 1,
                first_block: block_start,
                first_energy: result.energy,
                before: self.recent[2],
                start: block_start,
                last_good_end: block_start + N as u64,
                last_good_energy: result.energy,
                last_good_fill: 1.0,
                misses: 0,
                strong: result.strong,
                strong_blocks: u32::from(result.strong),
                reference_energy: full_block_energy(result.tone_power),
                power_sum: if result.strong { result.tone_power } else { 0.0 },
                power_blocks: u32::from(result.strong),
            });
        }
    }

    /// Confirms the pending run when two of its candidate blocks were strong, its frequencies are
    /// verified and the blocks around its start have been received; sets its start.
    fn try_confirm(&mut self) {
        let Some(active) = &mut self.active else { return };
        // The rising edge is searched from the block before the run's first to two blocks after
        // it: those must have been received.
        let from = active.first_block.saturating_sub(N as u64);
        if active.candidates < 2
            || active.strong_blocks < MIN_STRONG_BLOCKS
            || !active.verified
            || self.blocks_done * (N as u64) < from + EDGE_SPAN as u64
        {
            return;
        }
        let reference = active.reference_energy;
        let fill_first = (active.first_energy / reference).min(1.0);
        let digit = (active.row, active.column);
        let precise = self
            .edge(digit, from, from + EDGE_SPAN as u64, Edge::Rising)
            .map(|at| at - EDGE_TOLERANCE);
        let Some(active) = &mut self.active else { return };
        #[allow(clippy::cast_precision_loss)]
        let mut start = if let Some(at) = precise {
            at
        } else if fill_first > FULL {
            // The tone may have begun in the second half of the block before.
            active.first_block as f64
                - edge_samples(
                    active.before.energy - active.before.first_half,
                    active.before.energy,
                    reference,
                )
        } else {
            active.first_block as f64 + (1.0 - fill_first) * N as f64
        };
        start = start.max(0.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let start = start.round() as u64;
        active.start = start;
        active.confirmed = true;
        active.last_good_fill = (active.last_good_energy / reference).min(1.0);
    }

    /// Appends the event of a digit that has ended, unless it lasted less than the minimum.
    fn emit(&self, active: &Active, after: Option<BlockResult>, events: &mut Vec<DtmfEvent>) {
        let event = self.event_of(active, after);
        if event.duration_samples >= MIN_DURATION_SAMPLES {
            events.push(event);
        }
    }

    /// The event of a digit that has ended; `after` is the block that followed its last good one.
    fn event_of(&self, active: &Active, after: Option<BlockResult>) -> DtmfEvent {
        #[allow(clippy::cast_precision_loss)]
        let to = active.last_good_end + N as u64;
        let precise = self.edge(
            (active.row, active.column),
            to.saturating_sub(EDGE_SPAN as u64),
            to,
            Edge::Falling,
        );
        let mut end = active.last_good_end as f64;
        if let Some(at) = precise {
            end = (at + EDGE_TOLERANCE).min(self.samples_in as f64);
        } else if active.last_good_fill > FULL {
            if let Some(next) = after {
                // The tone may run on into the first half of the next block.
                end += edge_samples(next.first_half, next.energy, active.reference_energy);
            }
        } else {
            end -= (1.0 - active.last_good_fill) * N as f64;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let end = (end.round().max(active.start as f64)) as u64;
        let power = active.power_sum / f64::from(active.power_blocks.max(1));
        DtmfEvent {
            digit: KEYS[active.row][active.column],
            start_sample: active.start,
            duration_samples: end - active.start,
            level_dbm0: level::dbm0_of_power(power),
        }
    }

    /// Measures the block in `self.block`.
    fn measure(&self) -> BlockResult {
        self.measure_with(true)
    }

    /// Measures the block in `self.block`; `early` rejects blocks that cannot be candidates
    /// before correlating them with all eight frequencies (the result is the same either way:
    /// a test compares the two).
    ///
    /// Most blocks of a call are no digit: silence, speech, music. Two cheap bounds turn them
    /// away first, each implying that a test below would fail. The windowed power bounds every
    /// tone's measured power (`power_bound`): below the level floor, nothing can pass. Then the
    /// four row correlations alone (half the work): the column tone may be at most `twist_max`
    /// times the strongest row, so if even that much could not reach the level floor, or the
    /// purity share with the row, the block is no candidate. (The decisions are made on the
    /// same sums in the same order as below, so a block that passes them is measured exactly as
    /// before.)
    fn measure_with(&self, early: bool) -> BlockResult {
        let x = &self.block;
        let t = self.tables;
        let (first, second) = half_energies(x);
        let windowed = f64::from(dot_sq(x, &t.window_sq)) / t.window_energy;
        let first = f64::from(first);
        let second = f64::from(second);
        let energy = first + second;
        // `tone_power` is only read for candidate blocks.
        let mut result = BlockResult {
            candidate: None,
            strong: false,
            energy,
            first_half: first,
            tone_power: 0.0,
        };
        let (even, odd) = fold(x[..N].try_into().unwrap_or(&[0.0; N]));
        if early && cannot_be_candidate(t, windowed, &even, &odd) {
            return result;
        }
        let (re, im) = correlations(t, &even, &odd);
        let mut power = [0f64; 8];
        for (k, p) in power.iter_mut().enumerate() {
            let re = f64::from(re[k]);
            let im = f64::from(im[k]);
            // A sine of amplitude A at the table's frequency gives |X| = A·Σw/2: A²/2 = 2|X|²/(Σw)².
            *p = 2.0 * (re * re + im * im) / (t.window_sum * t.window_sum);
        }

        let row = argmax(&power[..4]);
        let column = argmax(&power[4..]);
        let p_row = power[row];
        let p_column = power[4 + column];
        result.tone_power = (p_row + p_column) / 2.0;
        let strongest = p_row.max(p_column);
        if strongest <= 0.0 || strongest < t.min_power {
            return result;
        }
        // Twist in the power domain: p_column / p_row within the limits.
        if p_column < t.twist_min * p_row || p_column > t.twist_max * p_row {
            return result;
        }
        if p_row + p_column < MIN_PURITY_EDGE * windowed {
            return result;
        }
        let halves = first.min(second) / first.max(second);
        if halves < MIN_HALF_RATIO {
            return result;
        }
        result.candidate = Some((row, column));
        result.strong = p_row + p_column >= MIN_PURITY * windowed
            && halves >= 0.5
            && single_peak(&power[..4], row, MAX_NEAR_ROW)
            && single_peak(&power[4..], column, MAX_NEAR_COLUMN);
        result
    }

    /// The sample at which a digit's tone rises or falls within `[from, to)` (clipped to the
    /// samples kept), to a fraction of a sample: where the envelopes of its two tones cross half
    /// their largest value in the span. Each envelope is the magnitude of the signal demodulated at
    /// the tone's frequency and summed over whole periods of the two tones' beat, so that it does
    /// not see the other tone, and rises linearly over that length at an edge. `None` when the span
    /// is too short or holds no tone.
    fn edge(&self, (row, column): (usize, usize), from: u64, to: u64, edge: Edge) -> Option<f64> {
        let oldest = self.blocks_done.saturating_sub(RING as u64) * N as u64;
        let from = from.max(oldest);
        let to = to.min(self.blocks_done * N as u64).min(self.samples_in.max(from));
        #[allow(clippy::cast_possible_truncation)]
        let len = (to.saturating_sub(from) as usize).min(EDGE_SPAN);
        let beat = COLUMN_HZ[column] - ROW_HZ[row];
        let period = 8000.0 / beat;
        let periods = (24.0 / period).round().max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let t = (periods * period).round() as usize;
        if len < t + 2 {
            return None;
        }
        // Running sums of the demodulated signal, both tones: [re_row, im_row, re_col, im_col],
        // and of the energy.
        let mut sums = [[0f64; 5]; EDGE_SPAN + 1];
        // cos and sin of 2π·f·i/8000 for the row and column tones, i = 0..len.
        let (wr, wc) = (&self.tables.edge_waves[row], &self.tables.edge_waves[4 + column]);
        for i in 0..len {
            let n = from + i as u64;
            #[allow(clippy::cast_possible_truncation)]
            let x = f64::from(
                self.history[((n / N as u64) % RING as u64) as usize][(n % N as u64) as usize],
            );
            let mut next = sums[i];
            next[0] += x * wr[i][0];
            next[1] -= x * wr[i][1];
            next[2] += x * wc[i][0];
            next[3] -= x * wc[i][1];
            next[4] += x * x;
            sums[i + 1] = next;
        }
        let windows = len - t + 1;
        let mut amp = [[0f64; 2]; EDGE_SPAN + 1];
        let mut pure = [false; EDGE_SPAN + 1];
        let mut full = [0f64; 2];
        #[allow(clippy::cast_precision_loss)]
        let tf = t as f64;
        for (n, a) in amp.iter_mut().enumerate().take(windows) {
            let mut tone_energy = 0.0;
            for k in 0..2 {
                let re = sums[n + t][2 * k] - sums[n][2 * k];
                let im = sums[n + t][2 * k + 1] - sums[n][2 * k + 1];
                // The magnitude by its square root (the sums stay below 10^8: no overflow for
                // `hypot` to guard against, and a square root is one instruction).
                let sq = re * re + im * im;
                a[k] = sq.sqrt();
                full[k] = full[k].max(a[k]);
                // A sine of amplitude A gives |sum| = A·t/2: its energy over t samples is
                // A²·t/2 = 2|sum|²/t.
                tone_energy += 2.0 * sq / tf;
            }
            let energy = sums[n + t][4] - sums[n][4];
            pure[n] = tone_energy >= EDGE_PURITY * energy;
        }
        if full[0] <= 0.0 || full[1] <= 0.0 {
            return None;
        }
        let level = |n: usize| 0.5 * (amp[n][0] / full[0] + amp[n][1] / full[1]);
        // A window holds the tone when both envelopes are high and the tones hold most of its
        // energy (speech near the tones' frequencies does not stretch a digit).
        let holds = |n: usize| level(n) >= 0.5 && pure[n];
        #[allow(clippy::cast_precision_loss)]
        let (half, start) = (tf / 2.0, from as f64);
        // Walk out from a window known to hold the tone (the end of the first candidate block, the
        // start of the last one) to the edge.
        #[allow(clippy::cast_precision_loss)]
        match edge {
            Edge::Rising => {
                let anchor = (2 * N - t).min(windows - 1);
                if !holds(anchor) {
                    return None;
                }
                let n = (0..=anchor).rev().take_while(|&n| holds(n)).last()?;
                if n == 0 {
                    return Some(start);
                }
                let (a, b) = (level(n - 1), level(n));
                if a >= 0.5 || b <= a {
                    return Some(start + n as f64 + half);
                }
                Some(start + (n - 1) as f64 + (0.5 - a) / (b - a) + half)
            }
            Edge::Falling => {
                let anchor = N.min(windows - 1);
                if !holds(anchor) {
                    return None;
                }
                let n = (anchor..windows).take_while(|&n| holds(n)).last()?;
                if n + 1 == windows {
                    return Some(start + len as f64);
                }
                let (a, b) = (level(n), level(n + 1));
                if b >= 0.5 || a <= b {
                    return Some(start + n as f64 + half);
                }
                Some(start + n as f64 + (a - 0.5) / (a - b) + half)
            }
        }
    }

    /// Confirms a candidate's frequencies over the last blocks: centred on the middle one of three
    /// when all three are candidates of the digit, else across the last two.
    fn verify_recent(&self, digit: (usize, usize)) -> bool {
        let [_, a, b, c] = self.recent;
        if b.candidate != Some(digit) || c.candidate != Some(digit) {
            return false;
        }
        if a.candidate == Some(digit) {
            // The middle block starts at N in the history; the windows start at N - 51,
            // N - 34 and N.
            self.verify(digit, N - FINE_HOP)
        } else {
            // Windows centred on the boundary of the last two blocks.
            self.verify(digit, 2 * N - (FINE_HOP + N) / 2)
        }
    }

    /// Confirms both tones' frequencies from the phase advance of windowed correlations `N` long
    /// starting at `base`, `base + 17` and `base + 51` in the last three blocks.
    fn verify(&self, (row, column): (usize, usize), base: usize) -> bool {
        let mut history = [0f32; HISTORY];
        for (i, part) in history.chunks_exact_mut(N).enumerate() {
            let block = (self.blocks_done + RING as u64 + i as u64 - 3) % RING as u64;
            #[allow(clippy::cast_possible_truncation)]
            let block = block as usize;
            for (h, &x) in part.iter_mut().zip(&self.history[block]) {
                *h = f32::from(x);
            }
        }
        [(row, ROW_HZ[row]), (column + 4, COLUMN_HZ[column])].iter().all(|&(k, f)| {
            let y0 = self.correlate(&history, base, k);
            let y_coarse = self.correlate(&history, base + COARSE_HOP, k);
            let y_fine = self.correlate(&history, base + FINE_HOP, k);
            let coarse = offset_hz(y0, y_coarse, f, COARSE_HOP);
            let fine = offset_hz(y0, y_fine, f, FINE_HOP);
            // Resolve the fine estimate's ambiguity (multiples of 8000/51 Hz) with the coarse one.
            #[allow(clippy::cast_precision_loss)]
            let period = 8000.0 / FINE_HOP as f64;
            let k = ((coarse - fine) / period).round();
            let deviation = fine + k * period;
            deviation.abs() <= MAX_DEVIATION * f
        })
    }

    /// Hann-windowed complex correlation of the `N` history samples from `start` with
    /// `e^{-j2πfn/8000}` for frequency index `k`, phase relative to their centre.
    fn correlate(&self, history: &[f32; HISTORY], start: usize, k: usize) -> (f64, f64) {
        let block: &[f32; N] = history[start..start + N].try_into().unwrap_or(&[0.0; N]);
        let (even, odd) = fold(block);
        let (mut re, mut im) = (0f32, 0f32);
        for i in 0..HALF {
            re += even[i] * self.tables.waves[i][k];
            im += odd[i] * self.tables.waves[i][8 + k];
        }
        (f64::from(re), -f64::from(im))
    }
}

/// Which edge of a tone [`DtmfDetector::edge`] looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Rising,
    Falling,
}

/// The energy of a block full of two tones whose mean power (A²/2 each) is `tone_power`.
fn full_block_energy(tone_power: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = N as f64;
    (2.0 * tone_power * n).max(1.0)
}

/// How many samples of a tone of block energy `reference` a neighbouring block holds at its edge
/// next to the tone: `near` is the energy of its half next to the tone, `whole` its total energy.
fn edge_samples(near: f64, whole: f64, reference: f64) -> f64 {
    let near_fill = (near / (reference / 2.0)).clamp(0.0, 1.0);
    #[allow(clippy::cast_precision_loss)]
    let samples = if near_fill > 0.9 {
        (whole / reference).min(1.0) * N as f64
    } else {
        near_fill * HALF as f64
    };
    if samples < 3.0 { 0.0 } else { samples }
}

/// Folds a block about its centre: `x[i] + x[N-1-i]` and `x[i] - x[N-1-i]` for the first half,
/// padded with zeros. Against the even cosine and odd sine tables this halves the products.
#[inline]
fn fold(x: &[f32; N]) -> ([f32; HP], [f32; HP]) {
    let mut even = [0f32; HP];
    let mut odd = [0f32; HP];
    for i in 0..HALF {
        let (a, b) = (x[i], x[N - 1 - i]);
        even[i] = a + b;
        odd[i] = a - b;
    }
    (even, odd)
}

/// Energies of the block's first and second halves (vectorised: 48 + 3 and 48 + 3 samples).
#[inline]
fn half_energies(x: &[f32; NP]) -> (f32, f32) {
    let sum_sq = |part: &[f32]| {
        let mut lo = [0f32; 4];
        let mut hi = [0f32; 4];
        let mut chunks = part.chunks_exact(8);
        for c in &mut chunks {
            for i in 0..4 {
                lo[i] += c[i] * c[i];
                hi[i] += c[i + 4] * c[i + 4];
            }
        }
        let tail: f32 = chunks.remainder().iter().map(|v| v * v).sum();
        horizontal(lo, hi) + tail
    };
    (sum_sq(&x[..HALF]), sum_sq(&x[HALF..N]))
}

#[inline]
fn dot_sq(x: &[f32; NP], w: &[f32; NP]) -> f32 {
    let mut lo = [0f32; 4];
    let mut hi = [0f32; 4];
    for (cx, cw) in x.chunks_exact(8).zip(w.chunks_exact(8)) {
        for i in 0..4 {
            lo[i] += cx[i] * cx[i] * cw[i];
            hi[i] += cx[i + 4] * cx[i + 4] * cw[i + 4];
        }
    }
    horizontal(lo, hi)
}

/// Whether the group's tones other than its strongest, `peak`, are at most `near` (next to it) or
/// [`MAX_FAR_PEAK`] (further away) of the strongest's power.
fn single_peak(group: &[f64], peak: usize, near: f64) -> bool {
    group.iter().enumerate().all(|(i, &p)| match i.abs_diff(peak) {
        0 => true,
        1 => p <= near * group[peak],
        _ => p <= MAX_FAR_PEAK * group[peak],
    })
}

fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// The frequency offset from `f` implied by the phase advance from `a` to `b`, `hop` samples later.
fn offset_hz(a: (f64, f64), b: (f64, f64), f: f64, hop: usize) -> f64 {
    // b · conj(a)
    let re = b.0 * a.0 + b.1 * a.1;
    let im = b.1 * a.0 - b.0 * a.1;
    #[allow(clippy::cast_precision_loss)]
    let hop = hop as f64;
    let expected = 2.0 * PI * f * hop / 8000.0;
    let mut phase = im.atan2(re) - expected;
    phase = (phase + PI).rem_euclid(2.0 * PI) - PI;
    phase * 8000.0 / (2.0 * PI * hop)
}

/// Why digits could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DtmfError {
    /// A character that is not a DTMF digit.
    #[error("`{character}` at position {position} is not a DTMF digit (0-9, *, #, A-D)")]
    NotADigit {
        /// The offending character.
        character: char,
        /// Its index (in characters) in the digit string.
        position: usize,
    },
    /// A duration, level or twist out of range.
    #[error("{0}")]
    OutOfRange(String),
}

/// A DTMF generator: digits with on and off durations, a level in dBm0 and a twist.
///
/// ```
/// use hotline_dsp::dtmf::DtmfGenerator;
/// let audio = DtmfGenerator::new().on_ms(50.0).off_ms(50.0).level_dbm0(-10.0).generate("12").unwrap();
/// assert_eq!(audio.len(), 2 * (400 + 400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DtmfGenerator {
    /// Tone duration of each digit, ms.
    pub on_ms: f64,
    /// Silence after each digit, ms.
    pub off_ms: f64,
    /// Level of the low-group tone, dBm0.
    pub level_dbm0: f64,
    /// High-group level minus low-group level, dB.
    pub twist_db: f64,
}

impl Default for DtmfGenerator {
    fn default() -> Self {
        DtmfGenerator { on_ms: 50.0, off_ms: 50.0, level_dbm0: -10.0, twist_db: 0.0 }
    }
}

impl DtmfGenerator {
    /// 50 ms on, 50 ms off, −10 dBm0 per tone, no twist.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the tone duration of each digit in milliseconds.
    #[must_use]
    pub fn on_ms(mut self, ms: f64) -> Self {
        self.on_ms = ms;
        self
    }

    /// Sets the silence after each digit in milliseconds.
    #[must_use]
    pub fn off_ms(mut self, ms: f64) -> Self {
        self.off_ms = ms;
        self
    }

    /// Sets the level of the low-group tone in dBm0.
    #[must_use]
    pub fn level_dbm0(mut self, dbm0: f64) -> Self {
        self.level_dbm0 = dbm0;
        self
    }

    /// Sets the twist: the high-group tone's level minus the low-group tone's, in dB.
    #[must_use]
    pub fn twist_db(mut self, db: f64) -> Self {
        self.twist_db = db;
        self
    }

    /// Generates `digits` at 8 kHz.
    ///
    /// # Errors
    ///
    /// [`DtmfError::NotADigit`] naming the first character that is not a digit;
    /// [`DtmfError::OutOfRange`] for a negative or non-finite duration (or one over an hour), or a
    /// level that would clip (a tone peak above 32,767).
    pub fn generate(&self, digits: &str) -> Result<Vec<i16>, DtmfError> {
        let mut out = Vec::new();
        self.generate_into(digits, &mut out)?;
        Ok(out)
    }

    /// Appends the samples of `digits` to `out`.
    ///
    /// # Errors
    ///
    /// As [`DtmfGenerator::generate`].
    pub fn generate_into(&self, digits: &str, out: &mut Vec<i16>) -> Result<(), DtmfError> {
        let on = samples_of_ms(self.on_ms, "on time")?;
        let off = samples_of_ms(self.off_ms, "off time")?;
        if !self.level_dbm0.is_finite() || !self.twist_db.is_finite() {
            return Err(DtmfError::OutOfRange("level and twist must be finite".to_owned()));
        }
        let low = level::amplitude(self.level_dbm0);
        let high = level::amplitude(self.level_dbm0 + self.twist_db);
        if low + high > 32767.0 {
            return Err(DtmfError::OutOfRange(format!(
                "level {} dBm0 with twist {} dB would clip (peak {:.0} > 32767)",
                self.level_dbm0,
                self.twist_db,
                low + high
            )));
        }
        let mut pairs = Vec::new();
        for (position, character) in digits.chars().enumerate() {
            match frequencies(character) {
                Some(pair) => pairs.push(pair),
                None => return Err(DtmfError::NotADigit { character, position }),
            }
        }
        out.reserve(pairs.len() * (on + off));
        for (f_low, f_high) in pairs {
            push_two_tones(out, on, (f_low, low), (f_high, high));
            out.resize(out.len() + off, 0);
        }
        Ok(())
    }
}

/// Converts milliseconds at 8 kHz to samples, rejecting negative, non-finite or huge values.
pub(crate) fn samples_of_ms(ms: f64, what: &str) -> Result<usize, DtmfError> {
    if !ms.is_finite() || !(0.0..=3_600_000.0).contains(&ms) {
        return Err(DtmfError::OutOfRange(format!(
            "{what} of {ms} ms is out of range (0 to 1 hour)"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = (ms * 8.0).round() as usize;
    Ok(n)
}

/// Appends `count` samples of two summed sines (frequency Hz, amplitude), phases starting at 0.
pub(crate) fn push_two_tones(out: &mut Vec<i16>, count: usize, a: (f64, f64), b: (f64, f64)) {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    out.extend((0..count).map(|n| {
        let t = n as f64 / 8000.0;
        let v = a.1 * (2.0 * PI * a.0 * t).sin() + b.1 * (2.0 * PI * b.0 * t).sin();
        v.round().clamp(-32768.0, 32767.0) as i16
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_rejection_changes_no_block_measurement() {
        // The early rejection in `measure_with` may only skip work: on every block (digits at
        // every level and twist, off-nominal tones, pairs of arbitrary tones, harmonic series
        // like voiced speech, noise, silence) the result is the one of the full measurement.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let amplitude = |dbm0: f64| level::DBM0_PEAK * 10f64.powf(dbm0 / 20.0);
        let mut blocks: Vec<[f32; N]> = Vec::new();
        let tones = |parts: &[(f64, f64)], phase: f64, noise: f64, u: &mut dyn FnMut() -> f64| {
            let mut b = [0f32; N];
            for (n, v) in b.iter_mut().enumerate() {
                let t = (n as f64 + phase) / 8000.0;
                let x: f64 = parts.iter().map(|&(f, a)| a * (2.0 * PI * f * t).sin()).sum();
                *v = (x + noise * (u() - 0.5)).round().clamp(-32768.0, 32767.0) as f32;
            }
            b
        };
        for (r, &fr) in ROW_HZ.iter().enumerate() {
            for (c, &fc) in COLUMN_HZ.iter().enumerate() {
                for level in (-50..=0).step_by(3) {
                    for twist in [-10.0, -8.0, -4.0, 0.0, 4.0, 6.0] {
                        let dev = 1.0 + (uniform() - 0.5) * 0.08;
                        let a = amplitude(f64::from(level));
                        let parts = [(fr * dev, a), (fc * dev, a * 10f64.powf(twist / 20.0))];
                        let noise = if (r + c) % 2 == 0 { 0.0 } else { a * 0.3 };
                        blocks.push(tones(&parts, uniform() * 1000.0, noise, &mut uniform));
                    }
                }
            }
        }
        for _ in 0..3000 {
            let parts = [
                (100.0 + uniform() * 3400.0, amplitude(-45.0 + uniform() * 45.0)),
                (100.0 + uniform() * 3400.0, amplitude(-45.0 + uniform() * 45.0)),
            ];
            blocks.push(tones(&parts, uniform() * 1000.0, 0.0, &mut uniform));
            let f0 = 80.0 + uniform() * 250.0;
            let voiced: Vec<(f64, f64)> = (1..30)
                .map(|h| (f0 * f64::from(h), amplitude(-10.0 - uniform() * 30.0) / f64::from(h)))
                .filter(|&(f, _)| f < 3800.0)
                .collect();
            blocks.push(tones(&voiced, uniform() * 1000.0, amplitude(-40.0), &mut uniform));
            blocks.push(tones(&[], 0.0, amplitude(-60.0 + uniform() * 60.0), &mut uniform));
        }
        blocks.push([0.0; N]);
        let mut detector = DtmfDetector::new();
        let (mut candidates, mut strong, mut rejected) = (0, 0, 0);
        for (i, b) in blocks.iter().enumerate() {
            detector.block[..N].copy_from_slice(b);
            let fast = detector.measure_with(true);
            let full = detector.measure_with(false);
            let x = &detector.block;
            let windowed =
                f64::from(dot_sq(x, &detector.tables.window_sq)) / detector.tables.window_energy;
            let (even, odd) = fold(x[..N].try_into().unwrap());
            if cannot_be_candidate(detector.tables, windowed, &even, &odd) {
                rejected += 1;
            }
            assert_eq!(fast.candidate, full.candidate, "block {i}");
            assert_eq!(fast.strong, full.strong, "block {i}");
            assert_eq!(fast.energy.to_bits(), full.energy.to_bits(), "block {i}");
            assert_eq!(fast.first_half.to_bits(), full.first_half.to_bits(), "block {i}");
            if full.candidate.is_some() {
                assert_eq!(fast.tone_power.to_bits(), full.tone_power.to_bits(), "block {i}");
                candidates += 1;
                strong += usize::from(full.strong);
            }
        }
        // Both sides of the decision were exercised.
        assert!(candidates > 1000 && strong > 500, "{candidates} candidates, {strong} strong");
        assert!(blocks.len() - candidates > 8000, "{} blocks", blocks.len());
        eprintln!(
            "{candidates} candidates ({strong} strong), {rejected} of {} others rejected early",
            blocks.len() - candidates
        );
        assert!(rejected > 6000, "{rejected} of {} rejected early", blocks.len() - candidates);
    }

    #[test]
    fn every_digit_round_trips() {
        let digits = "0123456789*#ABCD";
        let audio = DtmfGenerator::new().generate(digits).unwrap();
        let mut detector = DtmfDetector::new();
        let mut events = detector.process(&audio);
        events.extend(detector.finish());
        let found: String = events.iter().map(|e| e.digit).collect();
        assert_eq!(found, digits);
        for e in &events {
            assert!((e.level_dbm0 + 10.0).abs() < 0.5, "{e:?}");
            assert!((e.duration_ms() - 50.0).abs() < 4.0, "{e:?}");
        }
    }

    #[test]
    fn bad_digit_is_named() {
        assert_eq!(
            DtmfGenerator::new().generate("12x"),
            Err(DtmfError::NotADigit { character: 'x', position: 2 })
        );
        assert!(DtmfGenerator::new().level_dbm0(3.0).generate("1").is_err());
        assert!(DtmfGenerator::new().on_ms(f64::NAN).generate("1").is_err());
    }
}
