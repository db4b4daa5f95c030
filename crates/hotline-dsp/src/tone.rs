//! Call-progress tones: regional tone plans, a generator and a detector.
//!
//! Plans ([`Plan`]):
//!
//! | tone | China (`cn`) | North America (`na`) | ITU / Europe (`itu`) |
//! |---|---|---|---|
//! | dial | 450 Hz continuous | 350+440 Hz continuous | 425 Hz continuous |
//! | ringback | 450 Hz 1 s on, 4 s off | 440+480 Hz 2 s on, 4 s off | 425 Hz 1 s on, 4 s off |
//! | busy | 450 Hz 0.35 s / 0.35 s | 480+620 Hz 0.5 s / 0.5 s | 425 Hz 0.5 s / 0.5 s |
//! | congestion | 450 Hz 0.7 s / 0.7 s | reorder 480+620 Hz 0.25 s / 0.25 s | 425 Hz 0.25 s / 0.25 s |
//! | SIT | 913.8, 1370.6, 1776.7 Hz, 330 ms each, then 1 s silence | same | same |
//! | fax CNG | 1100 Hz 0.5 s on, 3 s off | same | same |
//!
//! The [`ToneDetector`] needs no plan: it analyses 40 ms Hann windows every 10 ms, decides which
//! family of frequencies (if any) holds at least 70% of the power, joins the frames into on and off
//! segments, and classifies each run of segments of one family by its cadence, with room for
//! cadences 10% longer or shorter than nominal. Between the bursts of a cadenced tone the signal
//! must fall at least 12 dB, so that speech or music that happens to hold a note is not a tone.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use crate::level;

/// A regional tone plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Plan {
    /// China (YD/T 1970): 450 Hz tones.
    Cn,
    /// North America (Bellcore precise tone plan).
    Na,
    /// ITU-T E.180 / European 425 Hz tones.
    Itu,
}

/// A call-progress tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum ToneKind {
    /// Dial tone: continuous.
    Dial,
    /// Busy (engaged) tone.
    Busy,
    /// Ringback (ringing) tone.
    Ringback,
    /// Congestion (North America: reorder) tone.
    Congestion,
    /// Special information tone: the 913.8 / 1370.6 / 1776.7 Hz triplet.
    Sit,
    /// Fax calling tone (CNG): 1100 Hz.
    Cng,
}

impl ToneKind {
    /// Every tone kind.
    pub const ALL: [ToneKind; 6] = [
        ToneKind::Dial,
        ToneKind::Busy,
        ToneKind::Ringback,
        ToneKind::Congestion,
        ToneKind::Sit,
        ToneKind::Cng,
    ];

    /// The lowercase name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ToneKind::Dial => "dial",
            ToneKind::Busy => "busy",
            ToneKind::Ringback => "ringback",
            ToneKind::Congestion => "congestion",
            ToneKind::Sit => "sit",
            ToneKind::Cng => "cng",
        }
    }
}

impl fmt::Display for ToneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Plan {
    /// Every plan.
    pub const ALL: [Plan; 3] = [Plan::Cn, Plan::Na, Plan::Itu];

    /// The lowercase name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Plan::Cn => "cn",
            Plan::Na => "na",
            Plan::Itu => "itu",
        }
    }

    /// How `kind` sounds in this plan.
    pub fn tone(self, kind: ToneKind) -> ToneSpec {
        let single = match self {
            Plan::Cn => 450.0,
            Plan::Na => 0.0,
            Plan::Itu => 425.0,
        };
        let steps = match (self, kind) {
            (_, ToneKind::Sit) => vec![
                Step::tone(&[913.8], 330.0),
                Step::tone(&[1370.6], 330.0),
                Step::tone(&[1776.7], 330.0),
                Step::silence(1000.0),
            ],
            (_, ToneKind::Cng) => vec![Step::tone(&[1100.0], 500.0), Step::silence(3000.0)],
            (Plan::Na, ToneKind::Dial) => vec![Step::tone(&[350.0, 440.0], 1000.0)],
            (Plan::Na, ToneKind::Ringback) => {
                vec![Step::tone(&[440.0, 480.0], 2000.0), Step::silence(4000.0)]
            }
            (Plan::Na, ToneKind::Busy) => {
                vec![Step::tone(&[480.0, 620.0], 500.0), Step::silence(500.0)]
            }
            (Plan::Na, ToneKind::Congestion) => {
                vec![Step::tone(&[480.0, 620.0], 250.0), Step::silence(250.0)]
            }
            (_, ToneKind::Dial) => vec![Step::tone(&[single], 1000.0)],
            (_, ToneKind::Ringback) => vec![Step::tone(&[single], 1000.0), Step::silence(4000.0)],
            (Plan::Cn, ToneKind::Busy) => vec![Step::tone(&[single], 350.0), Step::silence(350.0)],
            (_, ToneKind::Busy) => vec![Step::tone(&[single], 500.0), Step::silence(500.0)],
            (Plan::Cn, ToneKind::Congestion) => {
                vec![Step::tone(&[single], 700.0), Step::silence(700.0)]
            }
            (_, ToneKind::Congestion) => vec![Step::tone(&[single], 250.0), Step::silence(250.0)],
        };
        ToneSpec { plan: self, kind, steps }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a plan or tone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`: expected one of {expected}")]
pub struct UnknownName {
    what: &'static str,
    name: String,
    expected: &'static str,
}

impl FromStr for Plan {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cn" | "china" => Ok(Plan::Cn),
            "na" | "us" | "north-america" => Ok(Plan::Na),
            "itu" | "eu" | "europe" => Ok(Plan::Itu),
            _ => {
                Err(UnknownName { what: "tone plan", name: s.to_owned(), expected: "cn, na, itu" })
            }
        }
    }
}

impl FromStr for ToneKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.to_ascii_lowercase();
        ToneKind::ALL
            .into_iter()
            .find(|k| k.name() == name || (name == "reorder" && *k == ToneKind::Congestion))
            .ok_or(UnknownName {
                what: "tone",
                name: s.to_owned(),
                expected: "dial, busy, ringback, congestion, sit, cng",
            })
    }
}

/// One step of a cadence: the frequencies sounding (none: silence) and for how long.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Step {
    /// Frequencies in Hz, summed at equal level; empty for silence.
    pub frequencies: Vec<f64>,
    /// Duration in milliseconds.
    pub ms: f64,
}

impl Step {
    fn tone(frequencies: &[f64], ms: f64) -> Self {
        Step { frequencies: frequencies.to_vec(), ms }
    }

    fn silence(ms: f64) -> Self {
        Step { frequencies: Vec::new(), ms }
    }
}

/// A tone of a plan: its cadence, repeated for as long as the tone plays.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ToneSpec {
    /// The plan.
    pub plan: Plan,
    /// The tone.
    pub kind: ToneKind,
    /// One period of the cadence (a single step for a continuous tone).
    pub steps: Vec<Step>,
}

impl ToneSpec {
    /// Generates `seconds` of the tone at 8 kHz, each frequency at `level_dbm0`, with the cadence
    /// durations multiplied by `stretch` (1.0 for nominal). Each burst starts at phase 0.
    pub fn generate(&self, seconds: f64, level_dbm0: f64, stretch: f64) -> Vec<i16> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let total = (seconds.clamp(0.0, 86_400.0) * 8000.0).round() as usize;
        let amplitude = level::amplitude(level_dbm0);
        let mut out = Vec::with_capacity(total);
        while out.len() < total {
            for step in &self.steps {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let n = ((step.ms * stretch * 8.0).round() as usize).max(1).min(total - out.len());
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                out.extend((0..n).map(|i| {
                    let t = i as f64 / 8000.0;
                    let v: f64 =
                        step.frequencies.iter().map(|f| amplitude * (2.0 * PI * f * t).sin()).sum();
                    v.round().clamp(-32768.0, 32767.0) as i16
                }));
                if out.len() >= total {
                    break;
                }
            }
        }
        out
    }
}

/// A detected call-progress tone.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ToneEvent {
    /// What the tone is.
    pub tone: ToneKind,
    /// First sample of the tone's first burst.
    pub start_sample: u64,
    /// From the start to the end of the last burst, in samples.
    pub duration_samples: u64,
}

impl ToneEvent {
    /// The start in milliseconds at 8 kHz.
    pub fn start_ms(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.start_sample as f64 / 8.0;
        v
    }

    /// The duration in milliseconds at 8 kHz.
    pub fn duration_ms(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.duration_samples as f64 / 8.0;
        v
    }
}

/// Analysis window and hop, samples.
const WINDOW: usize = 320;
const HOP: usize = 80;
/// The frequencies measured in every frame.
const FREQS: [f64; 11] =
    [350.0, 425.0, 440.0, 450.0, 480.0, 620.0, 913.8, 1100.0, 1370.6, 1776.7, 400.0];
const F350: usize = 0;
const F425: usize = 1;
const F440: usize = 2;
const F450: usize = 3;
const F480: usize = 4;
const F620: usize = 5;
const F914: usize = 6;
const F1100: usize = 7;
const F1371: usize = 8;
const F1777: usize = 9;

/// Which group of frequencies a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// A single 425 or 450 Hz tone (China, ITU).
    Single,
    /// 350 + 440 Hz.
    NaDial,
    /// 440 + 480 Hz.
    NaRing,
    /// 480 + 620 Hz.
    NaBusy,
    /// One of the SIT frequencies (0, 1, 2).
    Sit(u8),
    /// 1100 Hz.
    Cng,
}

impl Family {
    /// SIT segments are one family for grouping.
    fn group(self) -> Family {
        match self {
            Family::Sit(_) => Family::Sit(0),
            other => other,
        }
    }
}

/// Share of the frame's power the family must hold.
const MIN_PURITY: f64 = 0.7;
/// Minimum frame level, dBm0 (summed over the family's tones).
const MIN_LEVEL_DBM0: f64 = -42.0;
/// On segments shorter than this are ignored (samples).
const MIN_ON: u64 = 60 * 8;
/// Drop-outs up to this long inside a burst are bridged (samples).
const BRIDGE: u64 = 40 * 8;
/// Gaps longer than this end a run of bursts (samples).
const MAX_GAP: u64 = 5500 * 8;
/// Between bursts the level must fall this far below the bursts' level (dB).
const OFF_DROP_DB: f64 = 12.0;

#[derive(Debug, Clone, Copy)]
struct Segment {
    family: Family,
    start: u64,
    end: u64,
    /// Mean power of the segment's frames.
    power: f64,
}

#[derive(Debug, Clone)]
struct OpenSegment {
    family: Family,
    /// Centre sample and power of each frame from just before the segment to now, and whether
    /// the frame was classified as the segment's family.
    frames: Vec<(u64, f64, bool)>,
    /// Centre of the last frame of the family.
    last: u64,
}

/// A streaming call-progress tone detector for 8 kHz audio (see the [module documentation](self)).
///
/// ```
/// use hotline_dsp::tone::{Plan, ToneDetector, ToneKind};
/// let audio = Plan::Na.tone(ToneKind::Busy).generate(4.0, -15.0, 1.0);
/// let mut detector = ToneDetector::new();
/// let mut events = detector.process(&audio);
/// events.extend(detector.finish());
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].tone, ToneKind::Busy);
/// ```
#[derive(Debug, Clone)]
pub struct ToneDetector {
    /// Windowed cos/sin tables per frequency.
    tables: Vec<[f32; WINDOW]>,
    window_sum: f64,
    window_energy: f64,
    window_sq: Box<[f32; WINDOW]>,
    /// Recent samples; the last `WINDOW` are analysed every `HOP`.
    buffer: Vec<f32>,
    /// Samples seen.
    samples: u64,
    since_hop: usize,
    open: Option<OpenSegment>,
    /// The run of segments of one family group being collected, and the peak power of the
    /// frames in its gaps.
    run: Vec<Segment>,
    gap_power: f64,
    /// Centre and power of the frames since the last on segment ended (for the gap check).
    pending_gap: Vec<(u64, f64)>,
    /// The last few frames, for a new segment's leading edge.
    recent: [(u64, f64); 3],
    /// The family of the previous frame: a segment starts on two frames in a row.
    previous: Option<Family>,
}

impl Default for ToneDetector {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(clippy::cast_precision_loss)]
fn hann(n: usize) -> f64 {
    0.5 - 0.5 * (2.0 * PI * (n as f64 + 0.5) / WINDOW as f64).cos()
}

impl ToneDetector {
    /// A new detector.
    pub fn new() -> Self {
        let mut tables = Vec::with_capacity(2 * FREQS.len());
        let mut window_sq = Box::new([0f32; WINDOW]);
        let mut window_sum = 0.0;
        let mut window_energy = 0.0;
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        for &f in &FREQS {
            let mut c = [0f32; WINDOW];
            let mut s = [0f32; WINDOW];
            for n in 0..WINDOW {
                let w = hann(n);
                let phase = 2.0 * PI * f * n as f64 / 8000.0;
                c[n] = (w * phase.cos()) as f32;
                s[n] = (w * phase.sin()) as f32;
            }
            tables.push(c);
            tables.push(s);
        }
        #[allow(clippy::cast_possible_truncation)]
        for n in 0..WINDOW {
            let w = hann(n);
            window_sum += w;
            window_energy += w * w;
            window_sq[n] = (w * w) as f32;
        }
        ToneDetector {
            tables,
            window_sum,
            window_energy,
            window_sq,
            buffer: Vec::with_capacity(4 * WINDOW),
            samples: 0,
            since_hop: 0,
            open: None,
            run: Vec::new(),
            gap_power: 0.0,
            pending_gap: Vec::new(),
            recent: [(0, 0.0); 3],
            previous: None,
        }
    }

    /// Feeds samples; returns the tones whose run ended within them.
    pub fn process(&mut self, samples: &[i16]) -> Vec<ToneEvent> {
        let mut events = Vec::new();
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (HOP - self.since_hop).min(rest.len());
            self.buffer.extend(rest[..take].iter().map(|&x| f32::from(x)));
            rest = &rest[take..];
            self.samples += take as u64;
            self.since_hop += take;
            if self.since_hop == HOP {
                self.since_hop = 0;
                if self.buffer.len() >= WINDOW {
                    self.frame(&mut events);
                }
                if self.buffer.len() >= 4 * WINDOW {
                    self.buffer.drain(..self.buffer.len() - WINDOW);
                }
            }
        }
        events
    }

    /// Ends the stream and reports a tone still in progress.
    pub fn finish(&mut self) -> Vec<ToneEvent> {
        let mut events = Vec::new();
        self.close_segment(&mut events);
        let end = self.samples;
        self.close_run(end, true, &mut events);
        events
    }

    /// Analyses the window ending at the current sample.
    fn frame(&mut self, events: &mut Vec<ToneEvent>) {
        let x = &self.buffer[self.buffer.len() - WINDOW..];
        let mut power = [0f64; FREQS.len()];
        for (k, p) in power.iter_mut().enumerate() {
            let (c, s) = (&self.tables[2 * k], &self.tables[2 * k + 1]);
            let mut re = [0f32; 8];
            let mut im = [0f32; 8];
            for ((xc, cc), sc) in x.chunks_exact(8).zip(c.chunks_exact(8)).zip(s.chunks_exact(8)) {
                for i in 0..8 {
                    re[i] += xc[i] * cc[i];
                    im[i] += xc[i] * sc[i];
                }
            }
            let re = f64::from(re.iter().sum::<f32>());
            let im = f64::from(im.iter().sum::<f32>());
            *p = 2.0 * (re * re + im * im) / (self.window_sum * self.window_sum);
        }
        let mut acc = [0f32; 8];
        for (xc, wc) in x.chunks_exact(8).zip(self.window_sq.chunks_exact(8)) {
            for i in 0..8 {
                acc[i] += xc[i] * xc[i] * wc[i];
            }
        }
        let total = f64::from(acc.iter().sum::<f32>()) / self.window_energy;
        let family = classify(&power, total);
        // The frame describes the middle of the window.
        let centre = self.samples - (WINDOW as u64) / 2;
        let confirmed = family.is_some() && family == self.previous;
        match (family, &mut self.open) {
            (Some(f), Some(open)) if open.family == f => {
                open.frames.push((centre, total, true));
                open.last = centre;
            }
            (Some(f), _) if confirmed => {
                // A new family, seen twice in a row: the open segment (if any) ends here.
                self.close_segment(events);
                let mut frames: Vec<(u64, f64, bool)> =
                    self.recent.iter().filter(|r| r.0 > 0).map(|&(c, p)| (c, p, false)).collect();
                frames.push((centre, total, true));
                self.open = Some(OpenSegment { family: f, frames, last: centre });
            }
            (_, Some(open)) => {
                open.frames.push((centre, total, false));
                if centre > open.last + BRIDGE {
                    self.close_segment(events);
                    self.note_gap(centre, total);
                }
            }
            (_, None) => {
                self.note_gap(centre, total);
                if let Some(last) = self.run.last()
                    && centre > last.end + MAX_GAP
                {
                    self.close_run(centre, false, events);
                }
            }
        }
        self.previous = family;
        self.recent = [self.recent[1], self.recent[2], (centre, total)];
    }

    /// Ends the open segment and adds it to the run (or starts a new run).
    ///
    /// The segment's edges are where its frames' power crosses half the segment's peak (a window
    /// centred on a tone's edge holds half its power), interpolated between frames.
    fn close_segment(&mut self, events: &mut Vec<ToneEvent>) {
        let Some(open) = self.open.take() else { return };
        let frames: Vec<(u64, f64)> = open.frames.iter().map(|f| (f.0, f.1)).collect();
        let peak = open.frames.iter().filter(|f| f.2).map(|f| f.1).fold(0.0, f64::max);
        let half = peak / 2.0;
        let Some(first) = frames.iter().position(|f| f.1 >= half) else { return };
        let last = frames.iter().rposition(|f| f.1 >= half).unwrap_or(first);
        let edge = |inside: (u64, f64), outside: Option<&(u64, f64)>, rising: bool| -> u64 {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            match outside {
                Some(&(c, p)) if inside.1 > p => {
                    let t = (half - p) / (inside.1 - p);
                    let (a, b) = (c as f64, inside.0 as f64);
                    (a + t * (b - a)).round().max(0.0) as u64
                }
                _ => {
                    if rising {
                        inside.0.saturating_sub(HOP as u64 / 2)
                    } else {
                        inside.0 + HOP as u64 / 2
                    }
                }
            }
        };
        let start = edge(frames[first], first.checked_sub(1).map(|i| &frames[i]), true);
        let end = edge(frames[last], frames.get(last + 1), false).max(start);
        let inside = &frames[first..=last];
        #[allow(clippy::cast_precision_loss)]
        let power = inside.iter().map(|f| f.1).sum::<f64>() / inside.len() as f64;
        if end - start < MIN_ON {
            for &(c, p) in &frames {
                self.note_gap(c, p);
            }
            return;
        }
        let segment = Segment { family: open.family, start, end, power };
        if let Some(last) = self.run.last()
            && (last.family.group() != segment.family.group() || start > last.end + MAX_GAP)
        {
            self.close_run(start, false, events);
        }
        if let Some(last) = self.run.last() {
            let gap = gap_peak(&self.pending_gap, last.end, start);
            self.gap_power = self.gap_power.max(gap);
        }
        self.pending_gap.clear();
        self.run.push(segment);
    }

    /// Remembers a frame outside any segment (only while a run is open: it may be a gap).
    fn note_gap(&mut self, centre: u64, power: f64) {
        if self.run.is_empty() && self.open.is_none() {
            self.pending_gap.clear();
        } else if self.pending_gap.len() < 2 * (MAX_GAP as usize / HOP) {
            self.pending_gap.push((centre, power));
        }
    }

    /// Classifies and reports the run of segments; `now` is the end of the observed signal.
    fn close_run(&mut self, now: u64, at_end: bool, events: &mut Vec<ToneEvent>) {
        let run = std::mem::take(&mut self.run);
        let gap_power = std::mem::replace(&mut self.gap_power, 0.0);
        let trailing_power =
            run.last().map_or(0.0, |last| gap_peak(&self.pending_gap, last.end, u64::MAX));
        self.pending_gap.clear();
        if run.is_empty() {
            return;
        }
        let on_power = run.iter().map(|s| s.power).fold(f64::MAX, f64::min);
        let limit = on_power * 10f64.powf(-OFF_DROP_DB / 10.0);
        let quiet_gaps = gap_power <= limit;
        let quiet_after = trailing_power <= limit;
        if let Some(tone) = classify_run(&run, now, at_end, quiet_gaps, quiet_after) {
            let start = run[0].start;
            let end = run[run.len() - 1].end;
            events.push(ToneEvent { tone, start_sample: start, duration_samples: end - start });
        }
    }
}

/// The peak power of the gap frames whose window lies wholly between `after` and `before`, with
/// a frame's width to spare for the uncertainty of the edges.
fn gap_peak(frames: &[(u64, f64)], after: u64, before: u64) -> f64 {
    let half = (WINDOW + HOP) as u64 / 2;
    frames
        .iter()
        .filter(|&&(c, _)| c >= after + half && c + half <= before)
        .map(|&(_, p)| p)
        .fold(0.0, f64::max)
}

/// The family a frame belongs to, if any.
fn classify(power: &[f64; FREQS.len()], total: f64) -> Option<Family> {
    if total <= 0.0 {
        return None;
    }
    let single = |k: usize| (power[k] >= MIN_PURITY * total).then_some(power[k]);
    let pair = |a: usize, b: usize| {
        let (pa, pb) = (power[a], power[b]);
        (pa + pb >= MIN_PURITY * total && pa.min(pb) >= 0.2 * total).then_some(pa + pb)
    };
    let candidates = [
        (Family::Single, single(F425).or(single(F450))),
        (Family::NaDial, pair(F350, F440)),
        (Family::NaRing, pair(F440, F480)),
        (Family::NaBusy, pair(F480, F620)),
        (Family::Sit(0), single(F914)),
        (Family::Sit(1), single(F1371)),
        (Family::Sit(2), single(F1777)),
        (Family::Cng, single(F1100)),
    ];
    let (family, p) = candidates
        .into_iter()
        .filter_map(|(f, p)| p.map(|p| (f, p)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    // A single 440 Hz tone passes for 425/450 by leakage; a pair must not be mistaken either.
    if family == Family::Single && power[F440] > power[F425].max(power[F450]) {
        return None;
    }
    if level::dbm0_of_power(p) < MIN_LEVEL_DBM0 {
        return None;
    }
    Some(family)
}

/// Whether `x` samples lie within `lo..=hi` milliseconds.
fn within(x: u64, lo: f64, hi: f64) -> bool {
    #[allow(clippy::cast_precision_loss)]
    let ms = x as f64 / 8.0;
    (lo..=hi).contains(&ms)
}

/// Classifies a run of on segments of one family.
fn classify_run(
    run: &[Segment],
    now: u64,
    at_end: bool,
    quiet_gaps: bool,
    quiet_after: bool,
) -> Option<ToneKind> {
    let family = run[0].family.group();
    let last = run[run.len() - 1];
    let trailing = now.saturating_sub(last.end);
    let ons: Vec<u64> = run.iter().map(|s| s.end.saturating_sub(s.start)).collect();
    let offs: Vec<u64> = run.windows(2).map(|w| w[1].start.saturating_sub(w[0].end)).collect();
    let longest = ons.iter().copied().max().unwrap_or(0);
    // A final burst cut short by the end of the signal does not count against the cadence.
    let complete_ons: &[u64] =
        if at_end && trailing < 20 * 8 && ons.len() > 1 { &ons[..ons.len() - 1] } else { &ons };
    let cadence = |on: (f64, f64), off: (f64, f64)| {
        complete_ons.len() >= 2
            && quiet_gaps
            && complete_ons.iter().all(|&d| within(d, on.0, on.1))
            && offs.iter().all(|&d| within(d, off.0, off.1))
    };
    // Long bursts with long pauses (ringback, CNG): two bursts or more, or one followed by a
    // long enough quiet stretch.
    let single_burst = |on: (f64, f64), off: (f64, f64), min_after: f64| {
        quiet_gaps
            && complete_ons.iter().all(|&d| within(d, on.0, on.1))
            && offs.iter().all(|&d| within(d, off.0, off.1))
            && (ons.len() >= 2 || quiet_after && within(trailing, min_after, f64::MAX))
    };
    match family {
        Family::Single => {
            if longest >= 1500 * 8 && ons.len() == 1 {
                Some(ToneKind::Dial)
            } else if cadence((280.0, 420.0), (280.0, 420.0))
                || cadence((420.0, 600.0), (420.0, 600.0))
            {
                Some(ToneKind::Busy)
            } else if cadence((600.0, 850.0), (600.0, 850.0))
                || cadence((180.0, 290.0), (180.0, 290.0))
            {
                Some(ToneKind::Congestion)
            } else if single_burst((850.0, 1200.0), (3300.0, 4800.0), 2500.0) {
                Some(ToneKind::Ringback)
            } else {
                None
            }
        }
        Family::NaDial => (longest >= 1500 * 8 && ons.len() == 1).then_some(ToneKind::Dial),
        Family::NaRing => {
            single_burst((1700.0, 2300.0), (3300.0, 4800.0), 2500.0).then_some(ToneKind::Ringback)
        }
        Family::NaBusy => {
            if cadence((420.0, 600.0), (420.0, 600.0)) {
                Some(ToneKind::Busy)
            } else if cadence((180.0, 290.0), (180.0, 290.0)) {
                Some(ToneKind::Congestion)
            } else {
                None
            }
        }
        Family::Sit(_) => {
            // Cycles of the three frequencies in order, each 200-450 ms, back to back.
            let cycles_ok = run.chunks(3).all(|c| {
                c.iter().enumerate().all(|(i, s)| {
                    s.family == Family::Sit(u8::try_from(i).unwrap_or(9))
                        && (within(s.end.saturating_sub(s.start), 200.0, 450.0)
                            || at_end
                                && s.end == last.end
                                && s.end.saturating_sub(s.start) >= 100 * 8)
                })
            });
            let contiguous =
                run.chunks(3).all(|c| c.windows(2).all(|w| w[1].start <= w[0].end + BRIDGE));
            (run.len() >= 3 && cycles_ok && contiguous && quiet_gaps).then_some(ToneKind::Sit)
        }
        Family::Cng => {
            single_burst((400.0, 650.0), (2400.0, 3600.0), 1500.0).then_some(ToneKind::Cng)
        }
    }
}
