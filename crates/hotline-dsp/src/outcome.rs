//! Call outcome detection from the first seconds of an outbound call's audio: who or what
//! answered.
//!
//! * [`AmdDetector`]: answering-machine detection by the timing of speech and silence, with the
//!   parameters of Asterisk's `AMD()` application as the anchor ([`AmdParams`], same names and
//!   defaults): a person says a short "hello?" and waits; a machine plays a long greeting. The
//!   verdict is [`AmdResult::Human`], [`AmdResult::Machine`] or [`AmdResult::NotSure`], with the
//!   [`AmdCause`] that decided it.
//! * [`SitDetector`]: special information tones (ITU-T E.180; Telcordia's coding of the cause
//!   in the first two segments' frequencies, 913.8 or 985.2 Hz and 1370.6 or 1428.5 Hz, and the
//!   segments' lengths, 276 or 380 ms, before a 1776.7 Hz third segment): [`SitCode`].
//! * [`Fingerprint`] and [`AnnouncementLibrary`]: carriers that announce in speech (China's
//!   "the number you dialled does not exist" 空号, "is switched off" 关机, "is suspended" 停机)
//!   play the same recording every time; the library holds the fingerprints of known recordings
//!   and reports which one the early media is. The fingerprint is a sub-band energy-difference
//!   code after Haitsma and Kalker ("A highly robust audio fingerprinting system", ISMIR 2002):
//!   16 bits per 4 ms, the signs of energy differences between adjacent bands 300–3,000 Hz and
//!   successive frames, which survive level changes, G.711 and line noise; a match is a low
//!   share of differing bits at the best alignment.
//!
//! All work on 8 kHz 16-bit samples, stream in blocks of any size, and allocate nothing per
//! block once built (the fingerprint grows with the audio it is given).
//!
//! ```
//! use hotline_dsp::outcome::{AmdDetector, AmdParams, AmdResult, AmdCause};
//!
//! // 500 ms of silence, a 400 ms "hello" (a tone stands in for speech here), then silence.
//! let mut audio = vec![0i16; 4000];
//! audio.extend((0..3200).map(|n| (3000.0 * (n as f64 * 0.3).sin()) as i16));
//! audio.extend(vec![0i16; 8000]);
//! let mut amd = AmdDetector::new(AmdParams::default());
//! let verdict = amd.process(&audio).unwrap();
//! assert_eq!(verdict.result, AmdResult::Human);
//! assert_eq!(verdict.cause, AmdCause::AfterGreetingSilence);
//! ```

use std::f64::consts::PI;
use std::fmt;

use crate::SAMPLE_RATE;

/// Samples in one analysis frame of the AMD and SIT detectors (10 ms).
const FRAME: usize = 80;
/// Milliseconds in one frame.
const FRAME_MS: u32 = 10;

/// The parameters of answering-machine detection, named and defaulted as Asterisk's `AMD()`
/// application and `amd.conf` name them (milliseconds, except the word count and threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct AmdParams {
    /// The longest silence before the greeting; longer is a machine (2,500).
    pub initial_silence: u32,
    /// The longest greeting (voiced time from its first word); longer is a machine (1,500).
    pub greeting: u32,
    /// Silence after the greeting that makes it a person (800).
    pub after_greeting_silence: u32,
    /// The longest analysis; then the verdict is "not sure" (5,000).
    pub total_analysis_time: u32,
    /// The shortest voiced run that counts as a word (100).
    pub min_word_length: u32,
    /// The silence that ends a word (50).
    pub between_words_silence: u32,
    /// This many words is a machine (3), once the speech has gone on for
    /// `minimum_words_span` since the first word began.
    pub maximum_number_of_words: u32,
    /// The mean absolute sample value, 0–32,767, below which a 10 ms frame is silence (256).
    pub silence_threshold: u32,
    /// The longest single word; longer is a machine (5,000).
    pub maximum_word_length: u32,
    /// How long after the first word began the word count may first decide (1,500; not an
    /// Asterisk parameter, whose word count decides at the word that reaches it, as 0 does
    /// here). The count is of voiced runs, and in syllable-timed languages every syllable is
    /// one: a Mandarin "喂，你好" makes three to five runs within a second and then waits, as a
    /// person does. A word count reached while the voice is still going this long after the
    /// first word is a machine; a person's short answer is over by then.
    pub minimum_words_span: u32,
}

impl Default for AmdParams {
    fn default() -> Self {
        AmdParams {
            initial_silence: 2500,
            greeting: 1500,
            after_greeting_silence: 800,
            total_analysis_time: 5000,
            min_word_length: 100,
            between_words_silence: 50,
            maximum_number_of_words: 3,
            silence_threshold: 256,
            maximum_word_length: 5000,
            minimum_words_span: 1500,
        }
    }
}

impl AmdParams {
    /// What is wrong with the parameters, if anything (a zero length or word count, an
    /// analysis shorter than a frame, a threshold above full scale).
    pub fn problems(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (name, x) in [
            ("initial_silence", self.initial_silence),
            ("greeting", self.greeting),
            ("after_greeting_silence", self.after_greeting_silence),
            ("min_word_length", self.min_word_length),
            ("maximum_number_of_words", self.maximum_number_of_words),
            ("maximum_word_length", self.maximum_word_length),
        ] {
            if x == 0 {
                v.push(format!("{name} must be positive"));
            }
        }
        if self.total_analysis_time < FRAME_MS {
            v.push(format!("total_analysis_time must be at least {FRAME_MS} ms"));
        }
        if self.silence_threshold > 32_767 {
            v.push("silence_threshold is at most 32767".to_owned());
        }
        v
    }
}

/// Who or what answered, as far as the detector can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum AmdResult {
    /// A person.
    Human,
    /// An answering machine or voicemail.
    Machine,
    /// No decision within the analysis time, or the audio ended first.
    NotSure,
}

impl AmdResult {
    /// The name Asterisk sets in `AMDSTATUS` (`HUMAN`, `MACHINE`, `NOTSURE`).
    pub fn name(self) -> &'static str {
        match self {
            AmdResult::Human => "HUMAN",
            AmdResult::Machine => "MACHINE",
            AmdResult::NotSure => "NOTSURE",
        }
    }
}

/// What decided the verdict (Asterisk's `AMDCAUSE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum AmdCause {
    /// Silence before any word lasted `initial_silence` (machine).
    InitialSilence,
    /// Silence after the greeting lasted `after_greeting_silence` (human).
    AfterGreetingSilence,
    /// The greeting's voiced time reached `greeting` (machine).
    LongGreeting,
    /// One word lasted `maximum_word_length` (machine).
    MaxWordLength,
    /// `maximum_number_of_words` words were counted, and the voice went on
    /// `minimum_words_span` after the first word began (machine).
    MaxWords,
    /// `total_analysis_time` passed without a decision (not sure).
    TooLong,
    /// The audio ended before a decision (not sure).
    EndOfAudio,
}

impl AmdCause {
    /// A short name (`INITIALSILENCE`, `HUMAN`, `LONGGREETING`, `MAXWORDLENGTH`, `MAXWORDS`,
    /// `TOOLONG`, `HANGUP`), as Asterisk's `AMDCAUSE` begins.
    pub fn name(self) -> &'static str {
        match self {
            AmdCause::InitialSilence => "INITIALSILENCE",
            AmdCause::AfterGreetingSilence => "HUMAN",
            AmdCause::LongGreeting => "LONGGREETING",
            AmdCause::MaxWordLength => "MAXWORDLENGTH",
            AmdCause::MaxWords => "MAXWORDS",
            AmdCause::TooLong => "TOOLONG",
            AmdCause::EndOfAudio => "HANGUP",
        }
    }
}

/// An answering-machine detection verdict and the measurements behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AmdVerdict {
    /// Human, machine or not sure.
    pub result: AmdResult,
    /// What decided it.
    pub cause: AmdCause,
    /// When it was decided, milliseconds from the start of the audio.
    pub at_ms: u32,
    /// Words counted.
    pub words: u32,
    /// Silence before the first word, milliseconds.
    pub initial_silence_ms: u32,
    /// The greeting's voiced time, milliseconds.
    pub greeting_ms: u32,
}

impl fmt::Display for AmdVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) at {} ms: {} word(s), {} ms initial silence, {} ms greeting",
            self.result.name(),
            self.cause.name(),
            self.at_ms,
            self.words,
            self.initial_silence_ms,
            self.greeting_ms
        )
    }
}

/// Streaming answering-machine detection: feed the answered call's audio with
/// [`AmdDetector::process`] until it returns a verdict.
///
/// Each 10 ms frame is voice when its mean absolute sample value reaches `silence_threshold`.
/// A voiced run of `min_word_length` is a word, ended by `between_words_silence` of silence
/// (shorter gaps and shorter bursts do not count). The verdict is the first of: a machine when
/// the silence before the first word reaches `initial_silence`, when the words reach
/// `maximum_number_of_words` with the voice still going `minimum_words_span` after the first
/// word began, when one word lasts `maximum_word_length`, or when the voiced time
/// since the first word reaches `greeting`; a person when, after at least one word, silence
/// lasts `after_greeting_silence`; not sure at `total_analysis_time`.
#[derive(Debug, Clone)]
pub struct AmdDetector {
    params: AmdParams,
    frame: [i16; FRAME],
    filled: usize,
    elapsed_ms: u32,
    silence_ms: u32,
    voice_ms: u32,
    in_word: bool,
    words: u32,
    initial_silence_ms: u32,
    greeting_ms: u32,
    verdict: Option<AmdVerdict>,
}

impl AmdDetector {
    /// A detector with these parameters (invalid ones, see [`AmdParams::problems`], are raised
    /// to their smallest sensible values).
    pub fn new(params: AmdParams) -> Self {
        let mut p = params;
        p.total_analysis_time = p.total_analysis_time.max(FRAME_MS);
        p.maximum_number_of_words = p.maximum_number_of_words.max(1);
        p.min_word_length = p.min_word_length.max(1);
        p.silence_threshold = p.silence_threshold.min(32_767);
        AmdDetector {
            params: p,
            frame: [0; FRAME],
            filled: 0,
            elapsed_ms: 0,
            silence_ms: 0,
            voice_ms: 0,
            in_word: false,
            words: 0,
            initial_silence_ms: 0,
            greeting_ms: 0,
            verdict: None,
        }
    }

    /// The parameters in use.
    pub fn params(&self) -> &AmdParams {
        &self.params
    }

    /// Analyses `samples` (8 kHz); returns the verdict the first time one is reached (later calls
    /// return `None`; [`AmdDetector::verdict`] keeps it).
    pub fn process(&mut self, samples: &[i16]) -> Option<AmdVerdict> {
        if self.verdict.is_some() {
            return None;
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (FRAME - self.filled).min(rest.len());
            self.frame[self.filled..self.filled + take].copy_from_slice(&rest[..take]);
            self.filled += take;
            rest = &rest[take..];
            if self.filled == FRAME {
                self.filled = 0;
                let sum: u64 = self.frame.iter().map(|&s| u64::from(s.unsigned_abs())).sum();
                let voiced = sum >= u64::from(self.params.silence_threshold) * FRAME as u64;
                if let Some(v) = self.step(voiced) {
                    self.verdict = Some(v);
                    return Some(v);
                }
            }
        }
        None
    }

    /// The verdict, once reached.
    pub fn verdict(&self) -> Option<AmdVerdict> {
        self.verdict
    }

    /// The verdict at the end of the audio: the one reached, or not sure
    /// ([`AmdCause::EndOfAudio`]).
    pub fn finish(&mut self) -> AmdVerdict {
        if let Some(v) = self.verdict {
            return v;
        }
        let v = self.decide(AmdResult::NotSure, AmdCause::EndOfAudio);
        self.verdict = Some(v);
        v
    }

    fn decide(&self, result: AmdResult, cause: AmdCause) -> AmdVerdict {
        AmdVerdict {
            result,
            cause,
            at_ms: self.elapsed_ms,
            words: self.words,
            initial_silence_ms: self.initial_silence_ms,
            greeting_ms: self.greeting_ms,
        }
    }

    fn step(&mut self, voiced: bool) -> Option<AmdVerdict> {
        let p = self.params;
        self.elapsed_ms += FRAME_MS;
        if voiced {
            self.voice_ms += FRAME_MS;
            if self.words > 0 || self.in_word {
                self.greeting_ms += FRAME_MS;
            }
            if !self.in_word && self.voice_ms >= p.min_word_length {
                // A new word: its voiced time so far belongs to the greeting.
                self.in_word = true;
                if self.words == 0 {
                    self.initial_silence_ms = self.elapsed_ms - self.voice_ms;
                    self.greeting_ms = self.voice_ms;
                }
                self.words += 1;
                self.silence_ms = 0;
            }
            // The word count decides while the voice goes on `minimum_words_span` after the
            // first word began (at once with 0, as Asterisk does).
            if self.words >= p.maximum_number_of_words
                && self.elapsed_ms - self.initial_silence_ms >= p.minimum_words_span
            {
                return Some(self.decide(AmdResult::Machine, AmdCause::MaxWords));
            }
            if self.in_word {
                self.silence_ms = 0;
                if self.voice_ms >= p.maximum_word_length {
                    return Some(self.decide(AmdResult::Machine, AmdCause::MaxWordLength));
                }
                if self.greeting_ms >= p.greeting {
                    return Some(self.decide(AmdResult::Machine, AmdCause::LongGreeting));
                }
            }
        } else {
            self.silence_ms += FRAME_MS;
            if self.silence_ms >= p.between_words_silence {
                self.in_word = false;
                self.voice_ms = 0;
            }
            if self.words == 0 && self.silence_ms >= p.initial_silence {
                self.initial_silence_ms = self.silence_ms;
                return Some(self.decide(AmdResult::Machine, AmdCause::InitialSilence));
            }
            if self.words > 0 && self.silence_ms >= p.after_greeting_silence {
                return Some(self.decide(AmdResult::Human, AmdCause::AfterGreetingSilence));
            }
        }
        if self.elapsed_ms >= p.total_analysis_time {
            return Some(self.decide(AmdResult::NotSure, AmdCause::TooLong));
        }
        None
    }
}

/// Runs [`AmdDetector`] over a whole recording.
pub fn detect_machine(samples: &[i16], params: AmdParams) -> AmdVerdict {
    let mut d = AmdDetector::new(params);
    match d.process(samples) {
        Some(v) => v,
        None => d.finish(),
    }
}

// ---- special information tones ----------------------------------------------------------------

/// The SIT segment frequencies (Telcordia / ANSI T1.401): first segment low or high, second low
/// or high, third.
const SIT_FREQS: [f64; 5] = [913.8, 985.2, 1370.6, 1428.5, 1776.7];
/// The Goertzel window of the SIT detector (30 ms, Hann).
const SIT_WINDOW: usize = 240;

/// The cause a special information tone announces, from Telcordia's coding of its first two
/// segments (frequency low/high, length short 276 ms / long 380 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SitCode {
    /// IC, intercept (low short, low short): the number is not in service as dialled.
    Intercept,
    /// VC, vacant code (high long, low short): no such number.
    VacantCode,
    /// NC, no circuit, inter-network (high long, high long): try later.
    NoCircuit,
    /// NC, no circuit, local network (low long, low long): try later.
    NoCircuitLocal,
    /// RO, reorder, inter-network (low short, high long): try later.
    Reorder,
    /// RO, reorder, local network (high short, low long): try later.
    ReorderLocal,
    /// IO, ineffective other (low long, high short).
    IneffectiveOther,
    /// A SIT whose segments fit no code (an ITU-T E.180 tone of 330 ms segments, or the
    /// reserved high short, high short).
    Unclassified,
}

impl SitCode {
    /// Whether the number itself is bad (intercept, vacant code), so that dialling it again is
    /// pointless, as opposed to a network condition worth a later retry.
    pub fn number_is_bad(self) -> bool {
        matches!(self, SitCode::Intercept | SitCode::VacantCode)
    }

    /// The two-letter Telcordia name (`IC`, `VC`, `NC`, `RO`, `IO`; `?` unclassified).
    pub fn name(self) -> &'static str {
        match self {
            SitCode::Intercept => "IC",
            SitCode::VacantCode => "VC",
            SitCode::NoCircuit | SitCode::NoCircuitLocal => "NC",
            SitCode::Reorder | SitCode::ReorderLocal => "RO",
            SitCode::IneffectiveOther => "IO",
            SitCode::Unclassified => "?",
        }
    }
}

/// A detected special information tone.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SitEvent {
    /// The cause it announces.
    pub code: SitCode,
    /// Where its first segment starts, milliseconds from the start of the audio.
    pub start_ms: u32,
    /// The three segments' lengths, milliseconds.
    pub segments_ms: [u32; 3],
    /// The three segments' frequencies, Hz (the nearest of the five SIT frequencies).
    pub frequencies: [f64; 3],
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Index into `SIT_FREQS`.
    freq: usize,
    start_ms: u32,
    len_ms: u32,
}

/// Streaming detection of special information tones: every 10 ms, a Hann-windowed 30 ms
/// Goertzel bank at the five SIT frequencies labels the frame with the frequency holding at
/// least 60% of its energy (and at least -40 dBm0); runs of one label are segments, and three
/// segments in order (913.8 or 985.2, then 1370.6 or 1428.5, then 1776.7 Hz, each 200–450 ms
/// with gaps under 60 ms) are a SIT.
#[derive(Debug, Clone)]
pub struct SitDetector {
    window: [i16; SIT_WINDOW],
    hann: [f64; SIT_WINDOW],
    coeffs: [f64; 5],
    pos: usize,
    samples: u64,
    current: Option<Segment>,
    gap_ms: u32,
    segments: [Option<Segment>; 3],
}

impl Default for SitDetector {
    fn default() -> Self {
        SitDetector::new()
    }
}

impl SitDetector {
    /// A detector.
    pub fn new() -> Self {
        let mut hann = [0.0; SIT_WINDOW];
        for (n, h) in hann.iter_mut().enumerate() {
            *h = 0.5 - 0.5 * (2.0 * PI * n as f64 / (SIT_WINDOW as f64 - 1.0)).cos();
        }
        let mut coeffs = [0.0; 5];
        for (c, f) in coeffs.iter_mut().zip(SIT_FREQS) {
            *c = 2.0 * (2.0 * PI * f / f64::from(SAMPLE_RATE)).cos();
        }
        SitDetector {
            window: [0; SIT_WINDOW],
            hann,
            coeffs,
            pos: 0,
            samples: 0,
            current: None,
            gap_ms: 0,
            segments: [None; 3],
        }
    }

    /// Analyses `samples`; returns the SITs completed in them.
    pub fn process(&mut self, samples: &[i16]) -> Vec<SitEvent> {
        let mut out = Vec::new();
        for &s in samples {
            self.window[self.pos] = s;
            self.pos = (self.pos + 1) % SIT_WINDOW;
            self.samples += 1;
            if self.samples >= SIT_WINDOW as u64 && self.samples.is_multiple_of(FRAME as u64) {
                let label = self.label();
                if let Some(e) = self.frame(label) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// Ends the audio: a SIT whose last segment runs to the end is reported.
    pub fn finish(&mut self) -> Vec<SitEvent> {
        self.frame(None).into_iter().chain(self.frame(None)).collect()
    }

    /// The time at the centre of the current window, milliseconds.
    fn now_ms(&self) -> u32 {
        u32::try_from((self.samples.saturating_sub(SIT_WINDOW as u64 / 2)) / 8).unwrap_or(u32::MAX)
    }

    fn label(&self) -> Option<usize> {
        let mut energy = 0.0;
        let mut power = [0.0f64; 5];
        let mut s1 = [0.0f64; 5];
        let mut s2 = [0.0f64; 5];
        for k in 0..SIT_WINDOW {
            let x = f64::from(self.window[(self.pos + k) % SIT_WINDOW]) * self.hann[k];
            energy += x * x;
            for i in 0..5 {
                let s0 = x + self.coeffs[i] * s1[i] - s2[i];
                s2[i] = s1[i];
                s1[i] = s0;
            }
        }
        for i in 0..5 {
            power[i] = s1[i] * s1[i] + s2[i] * s2[i] - self.coeffs[i] * s1[i] * s2[i];
        }
        // A sine of amplitude A gives Goertzel power (A·Σw/2)² and energy A²·Σw²/2; with the
        // Hann window Σw = N/2, Σw² = 3N/8: the share of a pure tone is N/3.
        let (best, &p) = power.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        let share = if energy > 0.0 { p / (energy * SIT_WINDOW as f64 / 3.0) } else { 0.0 };
        // -40 dBm0: amplitude about 228, mean square about 26,000, windowed energy × 3/8 N.
        let floor = 26_000.0 * 3.0 / 8.0 * SIT_WINDOW as f64;
        (share >= 0.6 && energy >= floor).then_some(best)
    }

    fn frame(&mut self, label: Option<usize>) -> Option<SitEvent> {
        let now = self.now_ms();
        match (self.current, label) {
            (Some(mut c), Some(f)) if c.freq == f => {
                c.len_ms += FRAME_MS;
                self.current = Some(c);
                self.gap_ms = 0;
                None
            }
            (cur, Some(f)) => {
                let done = cur.and_then(|c| self.end_segment(c));
                self.current = Some(Segment { freq: f, start_ms: now, len_ms: FRAME_MS });
                self.gap_ms = 0;
                done
            }
            (Some(c), None) => {
                self.current = None;
                self.gap_ms = 0;
                self.end_segment(c)
            }
            (None, None) => {
                self.gap_ms = self.gap_ms.saturating_add(FRAME_MS);
                if self.gap_ms >= 60 {
                    self.segments = [None; 3];
                }
                None
            }
        }
    }

    fn end_segment(&mut self, seg: Segment) -> Option<SitEvent> {
        if !(200..=450).contains(&seg.len_ms) {
            // Too short or long for a SIT segment; a short glitch does not break a sequence
            // only when it is under 30 ms.
            if seg.len_ms >= 30 {
                self.segments = [None; 3];
            }
            return None;
        }
        let stage = match seg.freq {
            0 | 1 => 0,
            2 | 3 => 1,
            _ => 2,
        };
        let follows = |prev: Option<Segment>| {
            prev.is_some_and(|p| seg.start_ms.saturating_sub(p.start_ms + p.len_ms) < 60)
        };
        match stage {
            0 => {
                self.segments = [Some(seg), None, None];
                None
            }
            1 if follows(self.segments[0]) => {
                self.segments[1] = Some(seg);
                None
            }
            2 if follows(self.segments[1]) && self.segments[0].is_some() => {
                let (Some(a), Some(b)) = (self.segments[0], self.segments[1]) else {
                    return None;
                };
                self.segments = [None; 3];
                Some(SitEvent {
                    code: sit_code(a, b),
                    start_ms: a.start_ms,
                    segments_ms: [a.len_ms, b.len_ms, seg.len_ms],
                    frequencies: [SIT_FREQS[a.freq], SIT_FREQS[b.freq], SIT_FREQS[seg.freq]],
                })
            }
            _ => {
                self.segments = [None; 3];
                None
            }
        }
    }
}

/// Telcordia's code from the first two segments.
fn sit_code(a: Segment, b: Segment) -> SitCode {
    // Short 276 ms, long 380 ms; in between (ITU-T E.180's 330 ms) is neither.
    let len = |s: Segment| match s.len_ms {
        0..=315 => Some(false),
        345.. => Some(true),
        _ => None,
    };
    let (Some(la), Some(lb)) = (len(a), len(b)) else { return SitCode::Unclassified };
    let (ha, hb) = (a.freq == 1, b.freq == 3);
    match (ha, la, hb, lb) {
        (false, false, false, false) => SitCode::Intercept,
        (true, true, false, false) => SitCode::VacantCode,
        (true, true, true, true) => SitCode::NoCircuit,
        (false, true, false, true) => SitCode::NoCircuitLocal,
        (false, false, true, true) => SitCode::Reorder,
        (true, false, false, true) => SitCode::ReorderLocal,
        (false, true, true, false) => SitCode::IneffectiveOther,
        _ => SitCode::Unclassified,
    }
}

/// The samples of a Telcordia SIT with `code` (not [`SitCode::Unclassified`]) at `level_dbm0`
/// per segment: three segments and no gaps, as the network plays it once; for tests and
/// simulators.
pub fn sit_samples(code: SitCode, level_dbm0: f64) -> Vec<i16> {
    let (a, b) = match code {
        SitCode::Intercept => ((0, 276), (2, 276)),
        SitCode::VacantCode | SitCode::Unclassified => ((1, 380), (2, 276)),
        SitCode::NoCircuit => ((1, 380), (3, 380)),
        SitCode::NoCircuitLocal => ((0, 380), (2, 380)),
        SitCode::Reorder => ((0, 276), (3, 380)),
        SitCode::ReorderLocal => ((1, 276), (2, 380)),
        SitCode::IneffectiveOther => ((0, 380), (3, 276)),
    };
    let amp = crate::level::amplitude(level_dbm0);
    let mut out = Vec::new();
    for (f, ms) in [a, b, (4, 380)] {
        let n = ms * 8;
        let w = 2.0 * PI * SIT_FREQS[f] / f64::from(SAMPLE_RATE);
        out.extend((0..n).map(|k| (amp * (w * f64::from(k)).sin()).round() as i16));
    }
    out
}

// ---- announcement fingerprints ----------------------------------------------------------------

/// Samples in a fingerprint frame (32 ms).
const FP_FRAME: usize = 256;
/// Samples between fingerprint frames (4 ms).
const FP_HOP: usize = 32;
/// Band edges, Hz: 17 bands, logarithmically spaced, 300–3,000 Hz.
const FP_BANDS: usize = 17;

/// The fingerprint of a recording: 16 bits every 4 ms, and which frames are loud enough to
/// count.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fingerprint {
    /// One 16-bit code per frame (in the low bits).
    pub codes: Vec<u16>,
    /// Whether each frame is above the quiet floor (-50 dBm0 of band energy); quiet frames are
    /// left out of comparisons, as their bits are noise.
    pub loud: Vec<bool>,
    /// For each frame, the bits whose energy difference is at least 2% of the four band
    /// energies it is made of and above a -60 dBm0 floor: the others flip with any noise and
    /// are left out of comparisons (Haitsma and Kalker's weak bits).
    pub strong: Vec<u16>,
}

/// Precomputed DFT rows for the bins 300–3,000 Hz, a Hann window and the band of each bin.
#[derive(Debug)]
struct Spectrum {
    hann: Vec<f64>,
    cos: Vec<f64>,
    sin: Vec<f64>,
    bins: Vec<(usize, usize)>, // (bin, band)
}

impl Spectrum {
    fn new() -> Spectrum {
        let hann = (0..FP_FRAME)
            .map(|n| 0.5 - 0.5 * (2.0 * PI * n as f64 / FP_FRAME as f64).cos())
            .collect();
        let cos = (0..FP_FRAME).map(|n| (2.0 * PI * n as f64 / FP_FRAME as f64).cos()).collect();
        let sin = (0..FP_FRAME).map(|n| (2.0 * PI * n as f64 / FP_FRAME as f64).sin()).collect();
        let hz = f64::from(SAMPLE_RATE) / FP_FRAME as f64;
        let (lo, hi) = (300.0f64, 3000.0f64);
        let mut bins = Vec::new();
        for k in 1..FP_FRAME / 2 {
            let f = k as f64 * hz;
            if f < lo || f >= hi {
                continue;
            }
            let band = ((f / lo).ln() / (hi / lo).ln() * FP_BANDS as f64) as usize;
            bins.push((k, band.min(FP_BANDS - 1)));
        }
        Spectrum { hann, cos, sin, bins }
    }

    fn bands(&self, frame: &[f64], out: &mut [f64; FP_BANDS]) {
        *out = [0.0; FP_BANDS];
        for &(k, band) in &self.bins {
            let (mut re, mut im) = (0.0, 0.0);
            let mut idx = 0usize;
            for &x in frame {
                re += x * self.cos[idx];
                im -= x * self.sin[idx];
                idx = (idx + k) % FP_FRAME;
            }
            out[band] += re * re + im * im;
        }
    }
}

impl Fingerprint {
    /// The fingerprint of `samples` (8 kHz). Shorter than one frame: empty.
    pub fn of(samples: &[i16]) -> Fingerprint {
        let spec = Spectrum::new();
        let mut codes = Vec::new();
        let mut loud = Vec::new();
        let mut strong = Vec::new();
        let mut frame = vec![0.0; FP_FRAME];
        let mut prev = [0.0; FP_BANDS];
        let mut cur = [0.0; FP_BANDS];
        // Band energy of a -50 dBm0 signal spread over the band (a rough quiet floor).
        let quiet = {
            let a = crate::level::amplitude(-50.0);
            a * a * (FP_FRAME as f64 * 3.0 / 8.0) * FP_FRAME as f64 / 2.0
        };
        // A difference under a -60 dBm0 band's energy is noise whatever the bands hold.
        let weak = quiet / 100.0;
        let mut first = true;
        let mut start = 0;
        while start + FP_FRAME <= samples.len() {
            for (n, f) in frame.iter_mut().enumerate() {
                *f = f64::from(samples[start + n]) * spec.hann[n];
            }
            spec.bands(&frame, &mut cur);
            if !first {
                let mut code = 0u16;
                let mut mask = 0u16;
                for m in 0..FP_BANDS - 1 {
                    let d = (cur[m] - cur[m + 1]) - (prev[m] - prev[m + 1]);
                    if d > 0.0 {
                        code |= 1 << m;
                    }
                    let floor = 0.02 * (cur[m] + cur[m + 1] + prev[m] + prev[m + 1]);
                    if d.abs() >= floor.max(weak) {
                        mask |= 1 << m;
                    }
                }
                codes.push(code);
                strong.push(mask);
                loud.push(cur.iter().sum::<f64>() > quiet);
            }
            first = false;
            prev = cur;
            start += FP_HOP;
        }
        Fingerprint { codes, loud, strong }
    }

    /// Frames in the fingerprint.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether it has no frame.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The share of differing bits when frame `i` of `self` is laid over frame `i + offset` of
    /// `reference`, over the frames loud in both and the bits strong in both, and how many
    /// frames that was.
    pub fn bit_error_rate(&self, reference: &Fingerprint, offset: isize) -> (f64, usize) {
        let mut bits = 0u32;
        let mut compared = 0u32;
        let mut frames = 0usize;
        for (i, &c) in self.codes.iter().enumerate() {
            let Some(j) = i.checked_add_signed(offset) else { continue };
            let Some(&r) = reference.codes.get(j) else { continue };
            if self.loud[i] && reference.loud[j] {
                let m = self.strong[i] & reference.strong[j];
                bits += ((c ^ r) & m).count_ones();
                compared += m.count_ones();
                frames += 1;
            }
        }
        if compared == 0 { (1.0, 0) } else { (f64::from(bits) / f64::from(compared), frames) }
    }
}

/// A known recording found in the audio.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AnnouncementMatch {
    /// The recording's name in the library (e.g. `空号`, `switched_off`).
    pub name: String,
    /// Where in the recording the audio begins, milliseconds (negative: the audio begins before
    /// the recording does).
    pub offset_ms: f64,
    /// The share of differing fingerprint bits at that alignment.
    pub bit_error_rate: f64,
    /// Frames compared (4 ms each).
    pub frames: usize,
    /// The next best recording's bit error rate (1 when the library holds one recording).
    pub runner_up_bit_error_rate: f64,
}

/// Known recordings (carrier announcements) by name, to recognise in early media.
#[derive(Debug, Clone)]
pub struct AnnouncementLibrary {
    entries: Vec<(String, Fingerprint)>,
    threshold: f64,
    min_frames: usize,
}

impl Default for AnnouncementLibrary {
    fn default() -> Self {
        AnnouncementLibrary::new()
    }
}

impl AnnouncementLibrary {
    /// An empty library: a match needs a bit error rate under 0.25 over at least 1 s of loud
    /// audio.
    pub fn new() -> Self {
        AnnouncementLibrary { entries: Vec::new(), threshold: 0.25, min_frames: 250 }
    }

    /// The same library with another bit-error-rate threshold (0–0.5) and minimum overlap.
    pub fn with_threshold(mut self, threshold: f64, min_overlap_ms: u32) -> Self {
        self.threshold = threshold.clamp(0.0, 0.5);
        self.min_frames = (min_overlap_ms as usize / 4).max(1);
        self
    }

    /// Adds a recording (8 kHz samples) under `name`.
    pub fn add(&mut self, name: impl Into<String>, samples: &[i16]) {
        self.entries.push((name.into(), Fingerprint::of(samples)));
    }

    /// The recordings' names, in the order added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Recordings in the library.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the library is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The recording `samples` (8 kHz early media) is, if any. Every recording is laid over
    /// the audio at every alignment leaving enough loud frames in common; an alignment's
    /// evidence is the frames compared times `1 − 2·BER` (a frame of noise is worth nothing, a
    /// frame that agrees bit for bit is worth one), so that of two announcements beginning with
    /// the same words the one that also matches the rest wins; a second play of a looped
    /// announcement, a whole recording away, adds its evidence. The best is reported when its
    /// bit error rate is under the threshold and no other recording has nearly (90%) as much
    /// evidence.
    pub fn find(&self, samples: &[i16]) -> Option<AnnouncementMatch> {
        self.find_fingerprint(&Fingerprint::of(samples))
    }

    /// As [`AnnouncementLibrary::find`], for a fingerprint already taken.
    pub fn find_fingerprint(&self, query: &Fingerprint) -> Option<AnnouncementMatch> {
        // (evidence, ber, frames, offset, index)
        let mut scores: Vec<(f64, f64, usize, isize, usize)> = Vec::new();
        let evidence = |ber: f64, frames: usize| frames as f64 * (1.0 - 2.0 * ber).max(0.0);
        let mut scan: Vec<(isize, f64, f64, usize)> = Vec::new();
        for (idx, (_, reference)) in self.entries.iter().enumerate() {
            let q = query.len() as isize;
            let r = reference.len() as isize;
            // Alignments leaving at least a fifth of `min_frames` of overlap (a looped
            // announcement's second play may be short), coarse (every 2nd frame).
            let min_part = (self.min_frames / 5).max(1);
            let lo = -(q - min_part as isize).max(0);
            let hi = (r - min_part as isize).max(0);
            scan.clear();
            let mut off = lo;
            while off <= hi {
                let (ber, frames) = query.bit_error_rate(reference, off);
                if frames >= min_part {
                    scan.push((off, evidence(ber, frames), ber, frames));
                }
                off += 2;
            }
            // The best alignment with `min_frames`, refined; then the best other play of a
            // looped announcement (an alignment a whole recording away) adds its evidence.
            let Some(&(mut o1, mut e1, mut b1, mut f1)) =
                scan.iter().filter(|a| a.3 >= self.min_frames).max_by(|a, b| a.1.total_cmp(&b.1))
            else {
                scores.push((0.0, 1.0, 0, 0, idx));
                continue;
            };
            for off in [o1 - 1, o1 + 1] {
                let (ber, frames) = query.bit_error_rate(reference, off);
                if frames >= self.min_frames && evidence(ber, frames) > e1 {
                    (o1, e1, b1, f1) = (off, evidence(ber, frames), ber, frames);
                }
            }
            let e2 = scan
                .iter()
                .filter(|a| (a.0 - o1).abs() >= r && a.2 < self.threshold)
                .map(|a| a.1)
                .fold(0.0, f64::max);
            scores.push((e1 + e2, b1, f1, o1, idx));
        }
        scores.sort_by(|a, b| b.0.total_cmp(&a.0));
        let &(ev, ber, frames, off, idx) = scores.first()?;
        if frames < self.min_frames || ber >= self.threshold {
            return None;
        }
        let runner_up = scores.get(1).copied();
        if runner_up.is_some_and(|r| r.0 >= 0.9 * ev) {
            return None;
        }
        Some(AnnouncementMatch {
            name: self.entries[idx].0.clone(),
            offset_ms: off as f64 * (FP_HOP as f64 / 8.0),
            bit_error_rate: ber,
            frames,
            runner_up_bit_error_rate: runner_up.map_or(1.0, |r| r.1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, ms: u32, amp: f64) -> Vec<i16> {
        let w = 2.0 * PI * freq / 8000.0;
        (0..ms * 8).map(|k| (amp * (w * f64::from(k)).sin()) as i16).collect()
    }

    fn silence(ms: u32) -> Vec<i16> {
        vec![0; (ms * 8) as usize]
    }

    /// "Speech": voiced bursts of `word_ms` separated by `gap_ms`.
    fn words(n: usize, word_ms: u32, gap_ms: u32) -> Vec<i16> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.extend(tone(300.0, word_ms, 4000.0));
            v.extend(silence(gap_ms));
        }
        v
    }

    #[test]
    fn short_answer_then_silence_is_human() {
        let mut a = silence(600);
        a.extend(words(1, 500, 0));
        a.extend(silence(2000));
        let v = detect_machine(&a, AmdParams::default());
        assert_eq!((v.result, v.cause), (AmdResult::Human, AmdCause::AfterGreetingSilence));
        assert_eq!(v.at_ms, 600 + 500 + 800);
        assert_eq!((v.words, v.initial_silence_ms, v.greeting_ms), (1, 600, 500));
    }

    #[test]
    fn each_machine_rule_fires() {
        let p = AmdParams::default();
        let v = detect_machine(&silence(3000), p);
        assert_eq!(
            (v.result, v.cause, v.at_ms),
            (AmdResult::Machine, AmdCause::InitialSilence, 2500)
        );
        // Words of 200 ms every 350 ms: the third begins at 700 ms, but the count decides only
        // while the voice goes on 1,500 ms after the first word began (the fifth word).
        let v = detect_machine(&words(6, 200, 150), p);
        assert_eq!((v.result, v.cause, v.at_ms), (AmdResult::Machine, AmdCause::MaxWords, 1500));
        assert_eq!(v.words, 5);
        // With no span (Asterisk's rule), at the third word's 100th millisecond.
        let asterisk = AmdParams { minimum_words_span: 0, ..p };
        let v = detect_machine(&words(6, 200, 150), asterisk);
        assert_eq!((v.result, v.cause, v.at_ms), (AmdResult::Machine, AmdCause::MaxWords, 800));
        assert_eq!(v.words, 3);
        // One long word: the greeting limit (1,500) comes before the word limit (5,000).
        let v = detect_machine(&words(1, 3000, 0), p);
        assert_eq!((v.cause, v.at_ms), (AmdCause::LongGreeting, 1500));
        let long_greeting = AmdParams { greeting: 10_000, total_analysis_time: 10_000, ..p };
        let v = detect_machine(&words(1, 6000, 0), long_greeting);
        assert_eq!((v.cause, v.at_ms), (AmdCause::MaxWordLength, 5000));
        // Two words with short gaps and a greeting under the limit, then no silence long enough
        // and no third word: not sure at the end of the analysis.
        let mut a = words(2, 300, 300);
        a.extend(silence(400));
        let v = detect_machine(&a, p);
        assert_eq!((v.result, v.cause), (AmdResult::NotSure, AmdCause::EndOfAudio));
    }

    #[test]
    fn three_syllables_then_silence_is_a_person_and_asterisks_count_takes_it_for_a_machine() {
        // Regression: a Mandarin "喂，你好" is three (or more) voiced runs within a second, then
        // the silence of someone waiting; Asterisk's word count called it a machine.
        let mut a = silence(400);
        a.extend(words(3, 180, 90));
        a.extend(silence(2000));
        let v = detect_machine(&a, AmdParams::default());
        assert_eq!(
            (v.result, v.cause, v.words),
            (AmdResult::Human, AmdCause::AfterGreetingSilence, 3)
        );
        let asterisk = AmdParams { minimum_words_span: 0, ..AmdParams::default() };
        let v = detect_machine(&a, asterisk);
        assert_eq!((v.result, v.cause), (AmdResult::Machine, AmdCause::MaxWords));
    }

    #[test]
    fn gaps_shorter_than_between_words_silence_do_not_split_a_word_and_clicks_are_not_words() {
        // 4 × 200 ms with 30 ms gaps: one word of 920 ms, then silence: a person.
        let mut a = words(4, 200, 30);
        a.extend(silence(1000));
        let v = detect_machine(&a, AmdParams::default());
        assert_eq!((v.result, v.words), (AmdResult::Human, 1), "{v}");
        // Clicks of 50 ms in 3 s of silence never make a word: initial silence.
        let mut b = Vec::new();
        for _ in 0..6 {
            b.extend(silence(450));
            b.extend(tone(300.0, 50, 4000.0));
        }
        let v = detect_machine(&b, AmdParams::default());
        assert_eq!(v.cause, AmdCause::InitialSilence, "{v}");
    }

    #[test]
    fn block_size_does_not_change_the_verdict() {
        let mut a = silence(300);
        a.extend(words(2, 250, 120));
        a.extend(silence(900));
        let whole = detect_machine(&a, AmdParams::default());
        for block in [1, 7, 80, 161, 1000] {
            let mut d = AmdDetector::new(AmdParams::default());
            let v = a.chunks(block).find_map(|c| d.process(c)).unwrap_or_else(|| d.finish());
            assert_eq!(v, whole, "block {block}");
        }
    }

    #[test]
    fn every_telcordia_sit_is_classified() {
        for code in [
            SitCode::Intercept,
            SitCode::VacantCode,
            SitCode::NoCircuit,
            SitCode::NoCircuitLocal,
            SitCode::Reorder,
            SitCode::ReorderLocal,
            SitCode::IneffectiveOther,
        ] {
            let mut a = silence(200);
            a.extend(sit_samples(code, -20.0));
            a.extend(silence(1000));
            let mut d = SitDetector::new();
            let mut ev = d.process(&a);
            ev.extend(d.finish());
            assert_eq!(ev.len(), 1, "{code:?}: {ev:?}");
            assert_eq!(ev[0].code, code, "{ev:?}");
            assert!((190..=230).contains(&ev[0].start_ms), "{ev:?}");
        }
    }

    #[test]
    fn the_e180_sit_is_a_sit_and_single_tones_are_not() {
        let mut a = tone(913.8, 330, 3000.0);
        a.extend(tone(1370.6, 330, 3000.0));
        a.extend(tone(1776.7, 330, 3000.0));
        a.extend(silence(500));
        let mut d = SitDetector::new();
        let ev = d.process(&a);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(ev[0].code, SitCode::Unclassified);
        // 1776.7 Hz alone, or the segments in the wrong order, is no SIT.
        let mut b = tone(1776.7, 2000, 3000.0);
        b.extend(tone(1370.6, 330, 3000.0));
        b.extend(tone(913.8, 330, 3000.0));
        b.extend(silence(500));
        let mut d = SitDetector::new();
        assert!(d.process(&b).is_empty());
    }

    #[test]
    fn a_recording_is_found_in_itself_despite_level_and_offset() {
        // A speech-like "announcement": a gliding tone pair, amplitude-modulated at syllable
        // rate (a steady tone would leave the time differences to rounding noise).
        let rec: Vec<i16> = (0..24_000)
            .map(|k| {
                let t = f64::from(k) / 8000.0;
                let env = 0.55 + 0.45 * (2.0 * PI * 4.3 * t).sin() * (2.0 * PI * 0.7 * t).cos();
                let f1 = 2.0 * PI * (400.0 * t + 150.0 * (2.0 * PI * 0.9 * t).sin());
                let f2 = 2.0 * PI * (1300.0 * t + 300.0 * (2.0 * PI * 0.45 * t).cos());
                (3000.0 * env * (f1.sin() + 0.6 * f2.sin())) as i16
            })
            .collect();
        let mut lib = AnnouncementLibrary::new();
        lib.add("chirps", &rec);
        // Half level, starting 400 ms into the recording.
        let q: Vec<i16> = rec[3200..].iter().map(|&s| s / 2).collect();
        let m = lib.find(&q).unwrap();
        assert_eq!(m.name, "chirps");
        assert!((m.offset_ms - 400.0).abs() <= 8.0, "{m:?}");
        assert!(m.bit_error_rate < 0.1, "{m:?}");
        // Something else is not it.
        let other: Vec<i16> = (0..16000).map(|k| tone(333.0, 2000, 3000.0)[k]).collect();
        assert!(lib.find(&other).is_none());
    }
}
