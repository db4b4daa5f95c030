//! Packet-loss concealment for G.711 audio, in the spirit of G.711 Appendix I.
//!
//! A [`Concealer`] sits after the decoder. Each 8 kHz frame (any length; 10 or 20 ms in practice)
//! goes through [`Concealer::good_frame`] when it arrived, or [`Concealer::lost_frame`] when it did
//! not; both work in place and return the audio to play. The output is delayed by
//! [`Concealer::DELAY`] samples (3.75 ms), which leaves room to smooth the end of a loss. Received
//! frames are never altered, only delayed.
//!
//! How a loss is filled:
//!
//! 1. At the first lost frame the pitch period is found by normalised cross-correlation of the
//!    last 7.5 ms against the signal 5 to 15 ms earlier (lags of 40 to 120 samples).
//! 2. The last pitch period is repeated. Its last quarter is overlap-added with the quarter period
//!    before it, so that the loop joins without a click.
//! 3. After 10 ms the repetition widens to the last two and then three periods (switching with an
//!    overlap-add at the join), which sounds less buzzy, and from 10 ms the level falls (along a
//!    cubic) to silence at 60 ms. The starting level is the square of the pitch correlation, so
//!    that an unvoiced or noisy stretch is concealed quietly rather than with a wrong waveform at
//!    full level.
//! 4. When the next frame arrives, the last 3.75 ms of the concealment (not yet played) are
//!    cross-faded into the signal that precedes the new frame, estimated by repeating the new
//!    frame's first pitch period backwards: the join is smooth and the received frame intact.
//!
//! [`GilbertElliott`] and [`segmental_snr`] are the tools of the evaluation in the book.
//!
//! ```
//! use hotline_dsp::plc::Concealer;
//! let mut plc = Concealer::new();
//! let mut frame = [1000i16; 160];
//! plc.good_frame(&mut frame);
//! let mut missing = [0i16; 160];
//! plc.lost_frame(&mut missing); // filled from the history instead of silence
//! assert!(missing.iter().any(|&x| x != 0));
//! ```

/// Shortest and longest pitch period searched, samples (200 Hz and 66.7 Hz).
const MIN_PITCH: usize = 40;
const MAX_PITCH: usize = 120;
/// Length of the correlation window, samples (7.5 ms: the pitch that matters is the latest).
const CORRELATION: usize = 60;
/// History kept: enough for three periods of the longest pitch, the window and the delay.
const HISTORY: usize = 3 * MAX_PITCH + CORRELATION + 160;
/// Room kept after the history for the next frame by [`Concealer::new`]: frames of up to 60 ms.
const FRAME_ROOM: usize = 480;
/// Samples of loss before the level starts to fall, and by which it is silent.
const FADE_START: usize = 80;
const FADE_END: usize = 480;

/// A streaming packet-loss concealer (see the [module documentation](self)).
///
/// It allocates its buffers once, in [`Concealer::new`] (5,680 bytes): frames of up to 60 ms
/// (480 samples), received or lost, allocate nothing. [`Concealer::with_frame`] sizes them for
/// frames of a known length (4,400 bytes for 20 ms). A longer frame than the room grows the
/// history buffer once.
#[derive(Debug, Clone)]
pub struct Concealer {
    /// The reconstructed signal, oldest first; its last `DELAY` samples are not yet played.
    stream: Vec<f32>,
    /// Samples of the current loss so far (0: not in a loss).
    lost: usize,
    /// The pitch period found at the start of the loss.
    pitch: usize,
    /// The periods being repeated (1 to 3 periods, looped); its room for three of the longest
    /// periods is reserved once.
    pattern: Vec<f32>,
    /// Read position in `pattern`.
    position: usize,
    /// Level at the start of the loss (0 to 1).
    voicing: f32,
    /// The last `DELAY` samples received, as given (valid when `exact_tail >= DELAY`).
    tail: [i16; Concealer::DELAY],
    /// How many of the stream's last samples are received samples exactly as given (not
    /// concealment, nor cross-faded): when they cover the `DELAY` samples due next, a received
    /// frame's output is a plain copy of samples in hand (no float rounding).
    exact_tail: usize,
}

impl Default for Concealer {
    fn default() -> Self {
        Self::new()
    }
}

impl Concealer {
    /// The delay of the output behind the input, samples (3.75 ms at 8 kHz).
    pub const DELAY: usize = 30;

    /// A concealer with silent history, with room for frames of up to 60 ms (480 samples).
    pub fn new() -> Self {
        Self::with_frame(FRAME_ROOM)
    }

    /// A concealer with silent history and room for frames of up to `samples` (the packet time
    /// of the stream): the history is trimmed whenever a frame would not fit, so the buffer is
    /// allocated once, `samples` floats beyond the 580 of history.
    pub fn with_frame(samples: usize) -> Self {
        let mut stream = Vec::with_capacity(HISTORY + samples.max(1));
        stream.resize(HISTORY, 0.0);
        Concealer {
            stream,
            lost: 0,
            pitch: MAX_PITCH,
            pattern: Vec::with_capacity(3 * MAX_PITCH),
            position: 0,
            voicing: 0.0,
            tail: [0; Self::DELAY],
            exact_tail: HISTORY,
        }
    }

    /// Bytes it holds on the heap (its history and pattern buffers), for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        (self.stream.capacity() + self.pattern.capacity()) * std::mem::size_of::<f32>()
    }

    /// Whether the last frame was lost.
    pub fn in_loss(&self) -> bool {
        self.lost > 0
    }

    /// A frame arrived: it is stored as history (its start cross-faded with the concealment when
    /// it ends a loss), and replaced by the output, [`Concealer::DELAY`] samples behind.
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        if self.lost > 0 {
            // The last DELAY samples of the concealment are not played yet: cross-fade them into
            // the signal that precedes this frame, estimated by one pitch period of the frame
            // itself. The received frame stays untouched.
            let pitch = self.pitch;
            let len = self.stream.len();
            let d = Self::DELAY.min(len);
            let span = d.div_ceil(pitch) * pitch;
            if frame.len() >= span {
                for i in 0..d {
                    #[allow(clippy::cast_precision_loss)]
                    let w = (i as f32 + 0.5) / d as f32;
                    let back = f32::from(frame[span - d + i]);
                    let at = len - d + i;
                    self.stream[at] = (1.0 - w) * self.stream[at] + w * back;
                }
            }
            self.lost = 0;
            self.exact_tail = 0;
        }
        self.make_room(frame.len());
        self.stream.extend(frame.iter().map(|&x| f32::from(x)));
        let n = frame.len();
        // The output is the stream DELAY samples back: the last DELAY samples of the stream
        // before this frame, then the frame's start. When those were received as they are, it is
        // the saved tail and the frame itself, moved along by DELAY (what `emit` would give,
        // since a received sample rounds to itself).
        let exact = self.exact_tail >= Self::DELAY;
        if n >= Self::DELAY {
            let mut tail = [0i16; Self::DELAY];
            tail.copy_from_slice(&frame[n - Self::DELAY..]);
            if exact {
                frame.copy_within(..n - Self::DELAY, Self::DELAY);
                frame[..Self::DELAY].copy_from_slice(&self.tail);
            } else {
                self.emit(frame);
            }
            self.tail = tail;
        } else {
            let mut joined = [0i16; 2 * Self::DELAY];
            joined[..Self::DELAY].copy_from_slice(&self.tail);
            joined[Self::DELAY..Self::DELAY + n].copy_from_slice(frame);
            if exact {
                frame.copy_from_slice(&joined[..n]);
            } else {
                self.emit(frame);
            }
            self.tail.copy_from_slice(&joined[n..n + Self::DELAY]);
        }
        self.exact_tail = self.exact_tail.saturating_add(n).min(HISTORY);
    }

    /// A frame was lost: it is filled with the concealment and replaced by the output,
    /// [`Concealer::DELAY`] samples behind.
    pub fn lost_frame(&mut self, frame: &mut [i16]) {
        if self.lost == 0 {
            self.start_loss();
        }
        self.exact_tail = 0;
        self.make_room(frame.len());
        for _ in 0..frame.len() {
            let s = self.next_synthetic();
            self.stream.push(s);
        }
        self.emit(frame);
    }

    /// Trims the history to its last `HISTORY` samples when `n` more would not fit in the room
    /// allocated (so that it never reallocates for frames of up to `FRAME_ROOM`). Everything the
    /// concealment reads lies in those samples: the pitch search and the widest pattern need
    /// 3 × 120 + 30 real samples, and at most 160 concealed ones precede the last widening.
    fn make_room(&mut self, n: usize) {
        let len = self.stream.len();
        if len + n > self.stream.capacity() && len > HISTORY {
            self.stream.drain(..len - HISTORY);
        }
    }

    /// Copies the samples due for playing into `frame`.
    fn emit(&mut self, frame: &mut [i16]) {
        let end = self.stream.len() - Self::DELAY;
        let start = end - frame.len();
        for (out, &v) in frame.iter_mut().zip(&self.stream[start..end]) {
            *out = to_sample(v);
        }
    }

    /// Finds the pitch, smooths the tail into the first repeated period and builds the pattern.
    fn start_loss(&mut self) {
        let x = &self.stream;
        let len = x.len();
        let target = &x[len - CORRELATION..];
        let target_energy: f32 = target.iter().map(|v| v * v).sum();
        let mut best = (MAX_PITCH, 0.0f32);
        for lag in MIN_PITCH..=MAX_PITCH {
            let earlier = &x[len - CORRELATION - lag..len - lag];
            let mut cross = 0.0f32;
            let mut energy = 0.0f32;
            for (a, b) in target.iter().zip(earlier) {
                cross += a * b;
                energy += b * b;
            }
            let score =
                if energy > 0.0 { cross / (energy * target_energy).sqrt().max(1e-9) } else { 0.0 };
            if score > best.1 {
                best = (lag, score);
            }
        }
        let pitch = best.0;
        self.pitch = pitch;
        self.voicing = best.1.clamp(0.0, 1.0);
        // The loop joins the end of the last period to its start: overlap-add the period's last
        // quarter with the quarter before the period, which is what naturally precedes its start.
        self.pattern.clear();
        self.pattern.extend_from_slice(&self.stream[len - pitch..]);
        let quarter = pitch / 4;
        for i in 0..quarter {
            #[allow(clippy::cast_precision_loss)]
            let w = (i as f32 + 0.5) / quarter as f32;
            let at = pitch - quarter + i;
            self.pattern[at] =
                (1.0 - w) * self.pattern[at] + w * self.stream[len - pitch - quarter + i];
        }
        self.position = 0;
    }

    /// Widens the pattern to `periods` pitch periods, overlap-adding at the join.
    fn widen(&mut self, periods: usize) {
        let len = self.stream.len();
        let pitch = self.pitch;
        // The history as it stood when the loss began: the stream minus the synthetic part.
        let real_end = len - self.lost;
        if real_end < periods * pitch + pitch / 4 {
            return;
        }
        self.pattern.clear();
        self.pattern.extend_from_slice(&self.stream[real_end - periods * pitch..real_end]);
        // The end of the wider pattern was smoothed at the start of the loss; smooth its start
        // against the period before, for the loop join.
        let quarter = pitch / 4;
        let plen = self.pattern.len();
        for i in 0..quarter {
            #[allow(clippy::cast_precision_loss)]
            let w = (i as f32 + 0.5) / quarter as f32;
            let before = self.stream[real_end - periods * pitch - quarter + i];
            let at = plen - quarter + i;
            self.pattern[at] = (1.0 - w) * self.pattern[at] + w * before;
        }
        // Keep the phase: continue from the same point within the period.
        self.position %= pitch;
        self.position += (periods - 1) * pitch;
    }

    /// The next concealment sample (advancing the loss).
    fn next_synthetic(&mut self) -> f32 {
        if self.lost == 10 * 8 {
            self.widen(2);
        } else if self.lost == 20 * 8 {
            self.widen(3);
        }
        let v = self.pattern.get(self.position).copied().unwrap_or(0.0);
        self.position += 1;
        if self.position >= self.pattern.len() {
            self.position = 0;
        }
        #[allow(clippy::cast_precision_loss)]
        let fade = if self.lost < FADE_START {
            1.0
        } else if self.lost >= FADE_END {
            0.0
        } else {
            (1.0 - (self.lost - FADE_START) as f32 / (FADE_END - FADE_START) as f32).powi(3)
        };
        self.lost += 1;
        v * fade * self.voicing * self.voicing
    }
}

/// `v.round().clamp(-32768.0, 32767.0) as i16` (halves away from zero), without `f32::round`,
/// which on x86-64's baseline (no SSE4.1 `roundss`) is a call into the soft-float library for
/// every sample, and without a float-to-integer `as` (saturating, so checked and scalar). It
/// vectorises.
#[inline]
fn to_sample(v: f32) -> i16 {
    /// 1.5 × 2²³: adding it to a float below 2²² in magnitude leaves the value rounded to an
    /// integer (halves to even) in the low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    const MAGIC_BITS: i32 = 0x4B40_0000;
    // NaN plays as 0 (as `NaN as i16` does); beyond ±40,000 the result is clamped either way.
    let v = if v.is_nan() { 0.0 } else { v.clamp(-40_000.0, 40_000.0) };
    #[allow(clippy::cast_possible_wrap)]
    let even = (v + MAGIC).to_bits() as i32 - MAGIC_BITS;
    // A half rounded towards zero (to even) goes one further away from zero instead. Both the
    // conversion back and the difference are exact at these magnitudes.
    #[allow(clippy::cast_precision_loss)]
    let diff = v - even as f32;
    let r = even + i32::from(diff == 0.5 && v > 0.0) - i32::from(diff == -0.5 && v < 0.0);
    #[allow(clippy::cast_possible_truncation)]
    let sample = r.clamp(-32768, 32767) as i16;
    sample
}

/// A two-state Gilbert–Elliott loss model over frames: in the good state no frame is lost, in the
/// bad state every frame is, and a burst lasts at most `max_burst` frames.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GilbertElliott {
    /// Probability of moving from good to bad after a received frame.
    pub p: f64,
    /// Probability of moving from bad to good after a lost frame.
    pub r: f64,
    /// Longest burst, frames.
    pub max_burst: u32,
}

impl GilbertElliott {
    /// A model with average loss `rate` (0 to 1), bursts of 1 to 4 frames with
    /// P(1) = ½, P(2) = ¼, P(3) = P(4) = ⅛ (mean 1.875).
    pub fn with_loss_rate(rate: f64) -> Self {
        let rate = rate.clamp(0.0, 0.9);
        let mean_burst = 1.875;
        GilbertElliott { p: rate / (mean_burst * (1.0 - rate)), r: 0.5, max_burst: 4 }
    }

    /// The loss pattern of `frames` frames (`true`: lost), from xoshiro256++ seeded with `seed`
    /// (`rand_xoshiro`: the same pattern for a seed in every version).
    pub fn pattern(&self, frames: usize, seed: u64) -> Vec<bool> {
        use rand_xoshiro::Xoshiro256PlusPlus;
        use rand_xoshiro::rand_core::{Rng, SeedableRng};
        // The workspace's one seeded generator (xoshiro256++ through `rand_xoshiro`, whose output
        // for a seed is fixed across versions), not a private copy.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut uniform = move || {
            #[allow(clippy::cast_precision_loss)]
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            u
        };
        let mut out = Vec::with_capacity(frames);
        let mut bad = false;
        let mut burst = 0;
        for _ in 0..frames {
            if bad {
                if burst >= self.max_burst || uniform() < self.r {
                    bad = false;
                    burst = 0;
                }
            } else if uniform() < self.p {
                bad = true;
            }
            if bad {
                burst += 1;
            }
            out.push(bad);
        }
        out
    }
}

/// Segmental SNR of `test` against `reference` in dB: the mean over `frame`-sample segments of
/// each segment's SNR, clamped to −10…35 dB, counting only segments whose reference level is
/// above −50 dBm0 (silence says nothing about a concealment).
pub fn segmental_snr(reference: &[i16], test: &[i16], frame: usize) -> f64 {
    let mut sum = 0.0;
    let mut count = 0u32;
    for (r, t) in reference.chunks_exact(frame.max(1)).zip(test.chunks_exact(frame.max(1))) {
        let signal: f64 = r.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        #[allow(clippy::cast_precision_loss)]
        let level = crate::level::dbm0_of_power(signal / r.len() as f64);
        if level < -50.0 {
            continue;
        }
        let noise: f64 =
            r.iter().zip(t).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum();
        let snr =
            if noise == 0.0 { 35.0 } else { (10.0 * (signal / noise).log10()).clamp(-10.0, 35.0) };
        sum += snr;
        count += 1;
    }
    if count == 0 { 0.0 } else { sum / f64::from(count) }
}

/// Segmental SNRs (dB) of three ways to fill the same lost frames: see [`compare`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Comparison {
    /// Share of frames lost.
    pub loss_rate: f64,
    /// This module's [`Concealer`].
    pub concealer: f64,
    /// Lost frames replaced by silence.
    pub silence: f64,
    /// Lost frames replaced by the last received frame, repeated.
    pub repetition: f64,
    /// The same three, counting only the lost frames.
    pub lost_only: [f64; 3],
}

/// Drops the frames of `clean` (8 kHz) marked `true` in `lost` (`frame` samples each) and measures
/// the segmental SNR against `clean` of the [`Concealer`], of silence substitution and of
/// repeating the last good frame. The concealer's output is realigned by its delay.
pub fn compare(clean: &[i16], lost: &[bool], frame: usize) -> Comparison {
    let frame = frame.max(1);
    let frames = clean.len() / frame;
    let mut plc = Concealer::new();
    let mut concealed = Vec::with_capacity(clean.len());
    let mut silence = Vec::with_capacity(clean.len());
    let mut repetition = Vec::with_capacity(clean.len());
    let mut last_good = vec![0i16; frame];
    let mut count = 0usize;
    for (i, chunk) in clean.chunks_exact(frame).enumerate() {
        let mut buf = chunk.to_vec();
        if lost.get(i).copied().unwrap_or(false) {
            count += 1;
            plc.lost_frame(&mut buf);
            silence.extend(std::iter::repeat_n(0, frame));
            repetition.extend_from_slice(&last_good);
        } else {
            plc.good_frame(&mut buf);
            silence.extend_from_slice(chunk);
            repetition.extend_from_slice(chunk);
            last_good.copy_from_slice(chunk);
        }
        concealed.extend(buf);
    }
    // Flush the delay with a good frame of silence, then realign.
    let mut tail = vec![0i16; frame];
    plc.good_frame(&mut tail);
    concealed.extend(tail);
    let aligned = &concealed[Concealer::DELAY..Concealer::DELAY + frames * frame];
    let reference = &clean[..frames * frame];
    #[allow(clippy::cast_precision_loss)]
    let loss_rate = count as f64 / frames.max(1) as f64;
    let only_lost = |test: &[i16]| {
        let mut r = Vec::new();
        let mut t = Vec::new();
        for i in (0..frames).filter(|&i| lost.get(i).copied().unwrap_or(false)) {
            r.extend_from_slice(&reference[i * frame..(i + 1) * frame]);
            t.extend_from_slice(&test[i * frame..(i + 1) * frame]);
        }
        segmental_snr(&r, &t, frame)
    };
    Comparison {
        loss_rate,
        concealer: segmental_snr(reference, aligned, frame),
        silence: segmental_snr(reference, &silence, frame),
        repetition: segmental_snr(reference, &repetition, frame),
        lost_only: [only_lost(aligned), only_lost(&silence), only_lost(&repetition)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_frames_pass_through_delayed() {
        let mut plc = Concealer::new();
        let input: Vec<i16> = (0..480).map(|i| (i * 13 % 2000) as i16).collect();
        let mut output = Vec::new();
        for chunk in input.chunks(160) {
            let mut frame = chunk.to_vec();
            plc.good_frame(&mut frame);
            output.extend(frame);
        }
        assert_eq!(&output[Concealer::DELAY..], &input[..480 - Concealer::DELAY]);
    }

    #[test]
    fn a_long_loss_fades_to_silence() {
        let mut plc = Concealer::new();
        let tone: Vec<i16> = (0..1600)
            .map(|i| (8000.0 * (f64::from(i) * 2.0 * std::f64::consts::PI / 80.0).sin()) as i16)
            .collect();
        for chunk in tone.chunks(160) {
            plc.good_frame(&mut chunk.to_vec());
        }
        let mut first = [0i16; 160];
        plc.lost_frame(&mut first);
        assert!(first.iter().map(|x| x.unsigned_abs()).max().unwrap() > 6000, "{first:?}");
        for _ in 0..3 {
            plc.lost_frame(&mut [0; 160]);
        }
        let mut late = [0i16; 160];
        plc.lost_frame(&mut late);
        assert!(late[40..].iter().all(|&x| x == 0), "{late:?}");
        assert!(plc.in_loss());
    }

    #[test]
    fn to_sample_rounds_as_f32_round_and_clamps() {
        let reference = |v: f32| v.round().clamp(-32768.0, 32767.0) as i16;
        let mut values: Vec<f32> = (-140_000..=140_000).map(|k| k as f32 / 4.0).collect();
        values.extend((-70_000..=70_000).map(|k| k as f32 / 2.0 + 0.49999997));
        values.extend((-70_000..=70_000).map(|k| k as f32 / 2.0 - 0.50000006));
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(f32::from_bits((state >> 32) as u32));
        }
        values.extend([
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            32767.5,
            -32768.5,
            -32767.5,
            f32::EPSILON,
            0.49999997,
            -0.49999997,
        ]);
        for v in values {
            assert_eq!(to_sample(v), reference(v), "{v} ({:#x})", v.to_bits());
        }
    }

    #[test]
    fn buffers_are_allocated_once_for_frames_up_to_60_ms() {
        // Regression: the pattern was a new vector at every loss (and at each widening), and the
        // history grew to four times its length before it was trimmed.
        let mut plc = Concealer::new();
        let (stream, pattern) = (plc.stream.capacity(), plc.pattern.capacity());
        let tone = |i: usize| (6000.0 * (i as f64 * 0.3).sin()) as i16;
        let lost = GilbertElliott::with_loss_rate(0.2).pattern(3000, 7);
        let mut losses = 0;
        for (k, &l) in lost.iter().enumerate() {
            let len = [80, 160, 240, 480][k % 4];
            let mut frame: Vec<i16> = (0..len).map(|i| tone(k * 480 + i)).collect();
            if l {
                losses += 1;
                plc.lost_frame(&mut frame);
            } else {
                plc.good_frame(&mut frame);
            }
        }
        assert!(losses > 300, "{losses}");
        assert_eq!(plc.stream.capacity(), stream);
        assert_eq!(plc.pattern.capacity(), pattern);
        // Sized for 20 ms frames: the same with 20 ms frames, in less room.
        let mut plc = Concealer::with_frame(160);
        let (stream, pattern) = (plc.stream.capacity(), plc.pattern.capacity());
        assert_eq!(stream, HISTORY + 160);
        for (k, &l) in lost.iter().enumerate() {
            let mut frame: Vec<i16> = (0..160).map(|i| tone(k * 160 + i)).collect();
            if l {
                plc.lost_frame(&mut frame);
            } else {
                plc.good_frame(&mut frame);
            }
        }
        assert_eq!(plc.stream.capacity(), stream);
        assert_eq!(plc.pattern.capacity(), pattern);
    }

    #[test]
    fn output_is_unchanged_by_where_the_history_is_trimmed() {
        // The history is trimmed whenever a frame would not fit; a concealer whose history is
        // never trimmed (a huge room) gives the same output sample for sample.
        let mut a = Concealer::new();
        let mut b = Concealer::new();
        b.stream.reserve(400_000);
        let lost = GilbertElliott::with_loss_rate(0.3).pattern(1000, 3);
        for (k, &l) in lost.iter().enumerate() {
            let len = [80, 160, 100, 480, 240][k % 5];
            let input: Vec<i16> =
                (0..len).map(|i| (5000.0 * ((k * 480 + i) as f64 * 0.11).sin()) as i16).collect();
            let (mut x, mut y) = (input.clone(), input);
            if l {
                a.lost_frame(&mut x);
                b.lost_frame(&mut y);
            } else {
                a.good_frame(&mut x);
                b.good_frame(&mut y);
            }
            assert_eq!(x, y, "frame {k}");
        }
        assert!(b.stream.len() > 100_000, "the reference never trimmed");
    }

    #[test]
    fn received_frames_copied_in_hand_equal_the_rounded_stream() {
        // The fast path of a received frame (a copy of the saved tail and the frame) gives what
        // rounding the stream gives, for frames of every length around the delay, before and
        // after losses.
        let mut fast = Concealer::new();
        let mut slow = Concealer::new();
        let lost = GilbertElliott::with_loss_rate(0.2).pattern(3000, 11);
        let mut copied = 0;
        for (k, &l) in lost.iter().enumerate() {
            let len = [10, 29, 30, 31, 80, 160, 1, 480, 45][k % 9];
            let input: Vec<i16> =
                (0..len).map(|i| (7000.0 * ((k * 480 + i) as f64 * 0.07).sin()) as i16).collect();
            let (mut x, mut y) = (input.clone(), input);
            if l {
                fast.lost_frame(&mut x);
                slow.lost_frame(&mut y);
            } else {
                copied += usize::from(fast.exact_tail >= Concealer::DELAY);
                fast.good_frame(&mut x);
                slow.exact_tail = 0;
                slow.good_frame(&mut y);
            }
            assert_eq!(x, y, "frame {k} ({len} samples)");
        }
        assert!(copied > 1000, "{copied}");
    }

    #[test]
    fn loss_model_rates() {
        for rate in [0.03, 0.1, 0.2] {
            let pattern = GilbertElliott::with_loss_rate(rate).pattern(200_000, 1);
            let lost = pattern.iter().filter(|&&l| l).count() as f64 / pattern.len() as f64;
            assert!((lost - rate).abs() < 0.01, "{rate}: {lost}");
            let mut run = 0;
            for &l in &pattern {
                run = if l { run + 1 } else { 0 };
                assert!(run <= 4);
            }
        }
    }
}
