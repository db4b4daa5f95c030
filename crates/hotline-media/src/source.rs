//! What a leg hears besides other legs: prompts, call-progress tones, music on hold, silence.
//!
//! A [`Prompt`] is audio at 8 kHz held in an `Arc`: loaded (and resampled) once, then shared by
//! every call that plays it, so a thousand callers hearing the same greeting share one copy.
//! [`MusicOnHold`] and tones are prompts played in a loop, each listener at its own position.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;

use hotline_dsp::tone::ToneSpec;

use crate::MediaError;

/// Audio at 8 kHz mono, shared through an `Arc` (cloning is cheap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Arc<[i16]>,
}

impl Prompt {
    /// A prompt from samples at 8 kHz.
    pub fn from_samples(samples: impl Into<Arc<[i16]>>) -> Self {
        Prompt { samples: samples.into() }
    }

    /// Reads a WAV file of any rate, encoding and channel count (channels are mixed), resampled
    /// once to 8 kHz mono.
    ///
    /// # Errors
    ///
    /// [`MediaError::Wav`] for a file that cannot be read, [`MediaError::Resample`] for a rate
    /// the resampler refuses.
    pub fn from_wav(reader: impl Read) -> Result<Self, MediaError> {
        let wav = hotline_dsp::wav::read(reader)?;
        let samples = if wav.spec.sample_rate == hotline_dsp::SAMPLE_RATE && wav.spec.channels == 1
        {
            wav.samples
        } else {
            hotline_dsp::resample::to_8k_mono(&wav)?
        };
        Ok(Prompt::from_samples(samples))
    }

    /// One whole cadence of a call-progress tone at `level_dbm0`, to be played in a loop
    /// (continuous tones get one second, a whole number of periods of every plan's frequencies).
    pub fn tone(spec: &ToneSpec, level_dbm0: f64) -> Self {
        let cycle_ms: f64 = spec.steps.iter().map(|s| s.ms).sum();
        let seconds = if spec.steps.len() <= 1 { 1.0 } else { cycle_ms / 1000.0 };
        Prompt::from_samples(spec.generate(seconds.max(0.001), level_dbm0, 1.0))
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// The length in samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether it holds no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// How many `Arc` handles share these samples (for memory accounting and tests).
    pub fn shared_count(&self) -> usize {
        Arc::strong_count(&self.samples)
    }
}

/// Music on hold: one looping prompt shared by every listener, each at its own position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MusicOnHold {
    prompt: Prompt,
}

impl MusicOnHold {
    /// Music from a prompt.
    pub fn new(prompt: Prompt) -> Self {
        MusicOnHold { prompt }
    }

    /// The prompt looped.
    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }
}

/// A queue of prompts played one after another to one leg.
#[derive(Debug, Clone, Default)]
pub struct PlayQueue {
    queue: VecDeque<Prompt>,
    position: usize,
}

impl PlayQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a prompt at the end.
    pub fn push(&mut self, prompt: Prompt) {
        self.queue.push_back(prompt);
    }

    /// Whether nothing is left to play.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Prompts left (the one playing included).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Empties the queue.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.position = 0;
    }

    /// Adds the next `out.len()` samples to `out`; returns how many prompts finished.
    pub(crate) fn mix_into(&mut self, out: &mut [i32]) -> u32 {
        let mut done = 0;
        let mut at = 0;
        while at < out.len() {
            let Some(front) = self.queue.front() else { break };
            let rest = &front.samples()[self.position.min(front.len())..];
            let n = rest.len().min(out.len() - at);
            for (o, &s) in out[at..at + n].iter_mut().zip(rest) {
                *o += i32::from(s);
            }
            at += n;
            self.position += n;
            if self.position >= front.len() {
                self.queue.pop_front();
                self.position = 0;
                done += 1;
            }
        }
        done
    }
}

/// A looping prompt with a listener's own position (music on hold, a tone).
#[derive(Debug, Clone)]
pub struct Looping {
    prompt: Prompt,
    position: usize,
    /// Samples of fade-in left (a loop starts by fading in over one 20 ms frame, so that
    /// switching to music or a tone makes no click).
    fade: usize,
}

/// The fade-in of a looping source, samples.
const FADE_IN: usize = 160;

impl Looping {
    /// Starts `prompt` at `position` (taken modulo its length).
    pub fn new(prompt: Prompt, position: usize) -> Self {
        let position = if prompt.is_empty() { 0 } else { position % prompt.len() };
        Looping { prompt, position, fade: FADE_IN }
    }

    /// The current position in samples.
    pub fn position(&self) -> usize {
        self.position
    }

    pub(crate) fn mix_into(&mut self, out: &mut [i32]) {
        let samples = self.prompt.samples();
        if samples.is_empty() {
            return;
        }
        let mut at = 0;
        while at < out.len() {
            let rest = &samples[self.position..];
            let n = rest.len().min(out.len() - at);
            if self.fade > 0 {
                for (o, &s) in out[at..at + n].iter_mut().zip(rest) {
                    let done = (FADE_IN - self.fade) as i32;
                    *o += i32::from(s) * done / FADE_IN as i32;
                    self.fade = self.fade.saturating_sub(1);
                }
            } else {
                for (o, &s) in out[at..at + n].iter_mut().zip(rest) {
                    *o += i32::from(s);
                }
            }
            at += n;
            self.position = (self.position + n) % samples.len();
        }
    }
}

/// What a leg hears from the session itself, mixed with what the mixer gives it from other legs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Source {
    /// Nothing (silence).
    #[default]
    Silence,
    /// A queue of prompts.
    Prompts(PlayQueue),
    /// A looping tone or music on hold.
    Loop(Looping),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_plays_prompts_in_order_across_frames() {
        let mut q = PlayQueue::new();
        q.push(Prompt::from_samples(vec![1i16; 30]));
        q.push(Prompt::from_samples(vec![2i16; 30]));
        let mut out = [0i32; 40];
        assert_eq!(q.mix_into(&mut out), 1);
        assert!(out[..30].iter().all(|&s| s == 1) && out[30..].iter().all(|&s| s == 2));
        let mut out = [0i32; 40];
        assert_eq!(q.mix_into(&mut out), 1);
        assert!(out[..20].iter().all(|&s| s == 2) && out[20..].iter().all(|&s| s == 0));
        assert!(q.is_empty());
    }

    #[test]
    fn looping_wraps_and_listeners_keep_their_own_position() {
        let p = Prompt::from_samples((0..10).collect::<Vec<i16>>());
        let mut a = Looping::new(p.clone(), 0);
        let mut b = Looping::new(p.clone(), 5);
        a.fade = 0;
        b.fade = 0;
        assert_eq!(p.shared_count(), 3);
        let mut out = [0i32; 12];
        a.mix_into(&mut out);
        assert_eq!(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        let mut out = [0i32; 3];
        b.mix_into(&mut out);
        assert_eq!(out, [5, 6, 7]);
        assert_eq!(a.position(), 2);
    }

    #[test]
    fn wav_prompt_is_resampled_once_to_8k() {
        let spec = hotline_dsp::wav::WavSpec {
            sample_rate: 16_000,
            channels: 2,
            encoding: hotline_dsp::wav::Encoding::Pcm16,
        };
        let mut file = Vec::new();
        hotline_dsp::wav::write(&mut file, spec, &vec![1000i16; 2 * 16_000]).unwrap();
        let p = Prompt::from_wav(&file[..]).unwrap();
        assert!((7990..=8010).contains(&p.len()), "{}", p.len());
        assert!((900..1100).contains(&p.samples()[4000]));
    }
}
