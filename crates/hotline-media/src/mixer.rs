//! The mixer: who hears whom, per pair, with a gain.
//!
//! Each listener hears the sum of every talker's audio times the gain of that (listener, talker)
//! pair. Gains are Q15 fixed point (32,768 is unity, at most 4). A change of gain does not jump:
//! it moves linearly from the old value to the new one across the next mixed frame (a 10–20 ms
//! ramp), so switching a supervisor from listen to barge, or a caller to hold, makes no click.
//! Presets (bridge, hold, conference, listen, whisper, barge) are methods of
//! [`MediaSession`](crate::MediaSession) built on [`Mixer::set_gain`].

/// A gain moving to its target over one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Gain {
    current: i32,
    target: i32,
}

/// Unity gain in Q15.
pub const UNITY: i32 = 1 << 15;
/// The largest gain.
pub const MAX_GAIN: f32 = 4.0;

/// A square matrix of gains between parties (legs).
#[derive(Debug, Clone, Default)]
pub struct Mixer {
    n: usize,
    gains: Vec<Gain>,
}

impl Mixer {
    /// A mixer without parties.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of parties.
    pub fn parties(&self) -> usize {
        self.n
    }

    /// Adds a party that hears nobody and whom nobody hears; returns its index.
    pub fn add_party(&mut self) -> usize {
        let old = self.n;
        let n = old + 1;
        let mut gains = vec![Gain::default(); n * n];
        for l in 0..old {
            gains[l * n..l * n + old].copy_from_slice(&self.gains[l * old..l * old + old]);
        }
        self.gains = gains;
        self.n = n;
        old
    }

    /// Sets at once (no ramp) every gain to and from `party` to zero.
    pub fn remove_party(&mut self, party: usize) {
        if party >= self.n {
            return;
        }
        for i in 0..self.n {
            self.gains[party * self.n + i] = Gain::default();
            self.gains[i * self.n + party] = Gain::default();
        }
    }

    /// Sets how loud `talker` is in what `listener` hears (clamped to 0..=4; NaN is 0). The
    /// change is ramped over the next frame mixed. Returns `false` for a party that does not
    /// exist.
    pub fn set_gain(&mut self, listener: usize, talker: usize, gain: f32) -> bool {
        if listener >= self.n || talker >= self.n {
            return false;
        }
        let g = if gain.is_finite() { gain.clamp(0.0, MAX_GAIN) } else { 0.0 };
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let q = (g * UNITY as f32).round() as i32;
        self.gains[listener * self.n + talker].target = q;
        true
    }

    /// The gain `listener` hears `talker` at (or is ramping to); 0 for a party that does not
    /// exist.
    pub fn gain(&self, listener: usize, talker: usize) -> f32 {
        if listener >= self.n || talker >= self.n {
            return 0.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let g = self.gains[listener * self.n + talker].target as f32 / UNITY as f32;
        g
    }

    /// Whether `listener` hears `talker` (a gain above zero, or ramping down from one).
    pub fn hears(&self, listener: usize, talker: usize) -> bool {
        listener < self.n && talker < self.n && {
            let g = self.gains[listener * self.n + talker];
            g.target > 0 || g.current > 0
        }
    }

    /// Adds what `listener` hears to `out`: `talk` holds each party's frame at `stride` samples
    /// from the previous one (party `t` at `talk[t * stride..t * stride + out.len()]`). Gains
    /// that changed ramp linearly across `out`, reaching their target at its last sample.
    pub fn mix(&mut self, listener: usize, talk: &[i16], stride: usize, out: &mut [i32]) {
        if listener >= self.n {
            return;
        }
        let len = out.len();
        for t in 0..self.n {
            let g = &mut self.gains[listener * self.n + t];
            if g.current == 0 && g.target == 0 {
                continue;
            }
            let Some(frame) = talk.get(t * stride..t * stride + len) else { continue };
            if g.current == g.target {
                let gain = g.current;
                if gain == UNITY {
                    for (m, &s) in out.iter_mut().zip(frame) {
                        *m += i32::from(s);
                    }
                } else {
                    for (m, &s) in out.iter_mut().zip(frame) {
                        // Gains up to 4 (2^17) times a sample overflow i32.
                        #[allow(clippy::cast_possible_truncation)]
                        let v = ((i64::from(s) * i64::from(gain)) >> 15) as i32;
                        *m += v;
                    }
                }
            } else {
                let (from, to) = (i64::from(g.current), i64::from(g.target));
                let n = len.max(1) as i64;
                for (k, (m, &s)) in out.iter_mut().zip(frame).enumerate() {
                    let gk = from + (to - from) * (k as i64 + 1) / n;
                    #[allow(clippy::cast_possible_truncation)]
                    let v = ((i64::from(s) * gk) >> 15) as i32;
                    *m += v;
                }
                g.current = g.target;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact(gains: &[f32], talk: &[i16], stride: usize, k: usize) -> f64 {
        gains
            .iter()
            .enumerate()
            .map(|(t, &g)| {
                let q = f64::from((g.clamp(0.0, MAX_GAIN) * UNITY as f32).round() as i32)
                    / f64::from(UNITY);
                q * f64::from(talk[t * stride + k])
            })
            .sum()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// After a change of gains the output ramps from the old mix to the new one without
        /// overshoot, ends on the new mix, and stays there.
        #[test]
        #[allow(clippy::needless_range_loop)]
        fn gain_changes_ramp_between_the_old_and_new_mix(
            parties in 2usize..5,
            len in prop::sample::select(vec![80usize, 160, 240, 480]),
            old in prop::collection::vec(0.0f32..2.0, 25),
            new in prop::collection::vec(0.0f32..2.0, 25),
            seed in any::<u64>(),
        ) {
            let mut m = Mixer::new();
            for _ in 0..parties {
                m.add_party();
            }
            let stride = 480;
            let mut state = seed | 1;
            let talk: Vec<i16> = (0..parties * stride).map(|_| {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                (state >> 48) as i16
            }).collect();
            let listener = 0;
            let old = &old[..parties];
            let new = &new[..parties];
            for t in 0..parties {
                m.set_gain(listener, t, old[t]);
            }
            let mut out = vec![0i32; len];
            m.mix(listener, &talk, stride, &mut out);
            for t in 0..parties {
                m.set_gain(listener, t, new[t]);
            }
            let mut out = vec![0i32; len];
            m.mix(listener, &talk, stride, &mut out);
            for k in 0..len {
                let a = exact(old, &talk, stride, k);
                let b = exact(new, &talk, stride, k);
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                let v = f64::from(out[k]);
                prop_assert!(v >= lo - parties as f64 - 1.0 && v <= hi + parties as f64 + 1.0,
                    "sample {k}: {v} outside {lo}..{hi}");
            }
            let last = exact(new, &talk, stride, len - 1);
            prop_assert!((f64::from(out[len - 1]) - last).abs() <= parties as f64 + 1.0);
            let mut again = vec![0i32; len];
            m.mix(listener, &talk, stride, &mut again);
            for k in 0..len {
                prop_assert!((f64::from(again[k]) - exact(new, &talk, stride, k)).abs() <= parties as f64 + 1.0);
            }
            // Nobody is heard at zero gain.
            for t in 0..parties {
                prop_assert_eq!(m.hears(listener, t), new[t] * UNITY as f32 >= 0.5);
            }
        }
    }

    #[test]
    fn the_largest_gain_on_a_full_scale_sample_does_not_overflow() {
        // Regression: found by the script property test (i32 multiply overflow at gain 4).
        let mut m = Mixer::new();
        m.add_party();
        m.add_party();
        m.set_gain(0, 1, MAX_GAIN);
        let talk = [0i16, 0, i16::MIN, i16::MAX];
        let mut out = [0i32; 2];
        m.mix(0, &talk, 2, &mut out);
        m.mix(0, &talk, 2, &mut out);
        assert_eq!(out[1], 2 * 4 * i32::from(i16::MAX));
    }

    #[test]
    fn parties_added_keep_the_existing_gains() {
        let mut m = Mixer::new();
        let a = m.add_party();
        let b = m.add_party();
        m.set_gain(a, b, 1.0);
        let c = m.add_party();
        assert_eq!(m.gain(a, b), 1.0);
        assert_eq!(m.gain(b, a), 0.0);
        assert_eq!(m.gain(c, a), 0.0);
        assert!(!m.set_gain(a, 9, 1.0));
        m.set_gain(c, a, f32::NAN);
        assert_eq!(m.gain(c, a), 0.0);
        m.remove_party(a);
        assert_eq!(m.gain(a, b), 0.0);
    }
}
