//! Predictive pacers: how many numbers to dial now.
//!
//! Every pacer sees the same [`PacingView`] (agents idle, talking, in wrap-up; calls ringing and
//! answered-but-waiting; the learned answer probability and times; the current regulator
//! window's counts) and answers with a [`Decision`]: how many new dials to place now.
//!
//! * [`PacerConfig::QueueModel`]: the queueing-model pacer after Samuelson (1999) and Koole &
//!   Mandelbaum (2002). Over the horizon `h` (mean time from dial to a person's answer plus the
//!   connect limit), the agents free at the end of it are `F = idle + Bin(talking, q_t) +
//!   Bin(wrapping, q_w)`, where `q_t` and `q_w` are the chances that a talking (resp. wrapping)
//!   agent is free within `h` with exponential remaining talk and wrap-up times; the people who
//!   answer are `A = waiting + Bin(ringing + n, p)`. The pacer places the largest `n` for which
//!   the expected abandonments `E[(A − F)⁺]` are at most `target × E[A]`. The
//!   expectations are exact sums over the two distributions (no normal approximation), which
//!   matters on small campaigns.
//!
//!   Unless the pacer is `memoryless`, it conditions on what the engine knows of every agent and
//!   call, as Samuelson's dialer does: the time each agent has talked or been in wrap-up so far,
//!   and the time each call has rung. It learns the distributions of talk, wrap-up and
//!   dial-to-outcome times from the last few thousand calls ([`Pacer::on_talk_time`],
//!   [`Pacer::on_wrap_time`], [`Pacer::on_ring_outcome`]): an agent `e` seconds into a wrap-up
//!   is free by `x` with chance `P(W ≤ e + x | W > e)`, one `e` seconds into a call when the
//!   rest of the call and a wrap-up fit in `x`; a call that has rung `e` seconds is answered by a
//!   person in `(e, e + t]` with the share of calls still ringing at `e` that were. A wrap-up
//!   nearly over makes an agent almost surely free; a call that has rung 15 s is most often a
//!   no-answer. Time is then followed through five answer slots (ending at 0.3, 0.6, 1, 1.6 and
//!   2.8 mean answer delays): the answers of a slot are served by the agents idle or left over
//!   from earlier slots and those free by the slot's middle plus the connect limit; answers
//!   beyond them are abandoned, agents beyond them carry on. With `U` the agents carried into a
//!   slot (a distribution), `V = U + freed` and `A` the slot's answers, the slot abandons
//!   `E[(A − V)⁺]` and leaves `U' = (V − A)⁺`: the expected abandonments are their sum, which the
//!   pacer keeps under `target × E[answers]`. One call's answers in different slots are taken
//!   as independent, which over-counts a little (the adaptive controller's learned bias takes
//!   that out), and a dial for an idle agent with no call on its way is always allowed. Until
//!   30 times of a kind (100 for ringing) are learned, the memoryless model's chances stand in.
//! * [`PacerConfig::Adaptive`]: the same model, with its target set before every decision by a
//!   controller that keeps the abandonment of the regulator's own window under the cap with
//!   high probability: over the next `horizon` it expects `N_h` live answers (agents ÷ handling
//!   time × horizon) and chooses the largest target `α` with
//!   `X + α·N_h + z·√(φ·α·N_h) ≤ cap·(N + N_h)`, where `N` and `X` are the window's live answers
//!   and abandonments so far and `φ` the dispersion of abandonments (they come in clusters). Early in a window (small `N`) it is careful; as the window fills it
//!   spends the budget left. The model's bias (measured ÷ predicted abandonments) is learned
//!   and divided out.
//! * [`PacerConfig::Vicidial`]: a re-implementation, from its public description and source, of
//!   Vicidial's adaptive dial level (`AST_VDadapt.pl`), the baseline: every second it samples
//!   ready agents and waiting calls; every 15 s it scales the dial level by
//!   `1 + (avg ready − avg waiting) / avg agents` (with the intensity modifier), clamps it to
//!   `[1, max_level]`, halves it when more than half of more than 20 answered calls in the last
//!   minute dropped, and, when the drop rate since the window start (Vicidial: since midnight)
//!   is above the cap after 50 calls, sets it to 1 (`AdaptHardLimit`), halves it
//!   (`AdaptAverage`) or scales it by the hours left to the latest calling time ÷ 10
//!   (`AdaptTapered`). It dials `round(level × (ready + talking)) − (ringing + waiting +
//!   talking)` lines.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::duration_serde;

/// What the engine knows, learned from outcomes so far (or the campaign's initial values).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Estimates {
    /// The probability that a dial is answered by a person (right-party contact rate).
    pub p_live: f64,
    /// Mean seconds from dial to a person's answer.
    pub answer_delay: f64,
    /// Mean talk time, seconds.
    pub talk: f64,
    /// Mean wrap-up time, seconds.
    pub wrap: f64,
}

impl Default for Estimates {
    fn default() -> Estimates {
        Estimates { p_live: 0.25, answer_delay: 10.0, talk: 180.0, wrap: 15.0 }
    }
}

/// The counts of the current regulator window, as the regulator counts them (the AMD
/// false-positive estimate included in both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowCounts {
    /// Live answers (plus the AMD false-positive estimate).
    pub live: f64,
    /// Abandoned live answers (plus the AMD false-positive estimate).
    pub abandoned: f64,
    /// Dials placed.
    pub dials: u64,
}

/// What a pacer sees at a decision.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PacingView<'a> {
    /// The time of the decision.
    pub now: Timestamp,
    /// Agents idle and not yet claimed by a waiting call.
    pub idle: u32,
    /// Agents talking on a call of this campaign.
    pub talking: u32,
    /// Agents in wrap-up after a call of this campaign.
    pub wrapping: u32,
    /// Calls ringing (dialled, no outcome yet).
    pub ringing: u32,
    /// Calls answered by a person and waiting for an agent.
    pub waiting: u32,
    /// The connect limit in seconds (the 2-second rule).
    pub connect_limit: f64,
    /// What is known about the population and the agents.
    pub estimates: Estimates,
    /// The regulator window so far.
    pub window: WindowCounts,
    /// The regulator's cap (0.03).
    pub cap: f64,
    /// Seconds each talking agent has talked so far (one per talking agent, or empty when
    /// unknown).
    pub talk_elapsed: &'a [f64],
    /// Seconds each agent in wrap-up has been in it (one per wrapping agent, or empty).
    pub wrap_elapsed: &'a [f64],
    /// Seconds each ringing call has rung (one per ringing call, or empty).
    pub ring_elapsed: &'a [f64],
}

impl<'a> PacingView<'a> {
    /// A view with the given agent and call counts and defaults elsewhere (cap 3%, connect limit
    /// 2 s, default estimates, an empty window).
    pub fn new(
        now: Timestamp,
        idle: u32,
        talking: u32,
        wrapping: u32,
        ringing: u32,
        waiting: u32,
    ) -> PacingView<'a> {
        PacingView {
            now,
            idle,
            talking,
            wrapping,
            ringing,
            waiting,
            connect_limit: 2.0,
            estimates: Estimates::default(),
            window: WindowCounts::default(),
            cap: 0.03,
            talk_elapsed: &[],
            wrap_elapsed: &[],
            ring_elapsed: &[],
        }
    }

    /// The same view with other estimates.
    pub fn with_estimates(mut self, e: Estimates) -> PacingView<'a> {
        self.estimates = e;
        self
    }

    /// The same view with other window counts.
    pub fn with_window(mut self, w: WindowCounts) -> PacingView<'a> {
        self.window = w;
        self
    }

    /// The same view with the elapsed seconds of each talking agent, each agent in wrap-up and
    /// each ringing call. A slice whose length differs from its count (`talking`, `wrapping`,
    /// `ringing`) is ignored: the pacer then treats those agents or calls as memoryless.
    pub fn with_elapsed<'b>(
        self,
        talk: &'b [f64],
        wrap: &'b [f64],
        ring: &'b [f64],
    ) -> PacingView<'b>
    where
        'a: 'b,
    {
        PacingView { talk_elapsed: talk, wrap_elapsed: wrap, ring_elapsed: ring, ..self }
    }

    /// Agents logged in to the campaign (idle, talking, wrapping).
    pub fn agents(&self) -> u32 {
        self.idle + self.talking + self.wrapping
    }
}

/// A pacer's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Decision {
    /// New dials to place now.
    pub dials: u32,
    /// The model's expected share of the coming live answers that will be abandoned at this
    /// decision (0 for pacers without a model).
    pub predicted_abandon: f64,
}

/// Vicidial's three ways of reacting to a drop rate over the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VicidialMethod {
    /// `ADAPT_HARD_LIMIT`: dial level 1 while over the cap.
    AdaptHardLimit,
    /// `ADAPT_TAPERED`: over the cap, scale by the hours left to the latest calling time ÷ 10.
    AdaptTapered,
    /// `ADAPT_AVERAGE`: over the cap, halve the level at each adjustment.
    AdaptAverage,
}

/// Which predictive pacer, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "pacer", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PacerConfig {
    /// The queueing-model pacer at a fixed target abandonment share.
    QueueModel {
        /// The target expected share of live answers abandoned (0.03).
        target: f64,
        /// Treat every talking agent, agent in wrap-up and ringing call alike (exponential
        /// remaining times) instead of conditioning on their elapsed times.
        #[serde(default)]
        memoryless: bool,
    },
    /// The queueing-model pacer under the window controller.
    Adaptive {
        /// Safety in standard deviations (2.33: about 1% of windows over the cap when the model
        /// is right).
        #[serde(default = "default_z")]
        z: f64,
        /// How far ahead the controller guards the window's rate.
        #[serde(default = "default_horizon", with = "duration_serde")]
        horizon: Duration,
        /// The highest target it will set.
        #[serde(default = "default_max_target")]
        max_target: f64,
        /// The variance of a window's abandonments relative to a Poisson count of the same mean
        /// (2.25): abandonments come in clusters, when several answers meet no free agent at
        /// once, so the safety margin is `z·√(dispersion·α·N_h)`.
        #[serde(default = "default_dispersion")]
        dispersion: f64,
        /// As for [`PacerConfig::QueueModel`].
        #[serde(default)]
        memoryless: bool,
    },
    /// Vicidial's adaptive dial level (the baseline).
    Vicidial {
        /// How it reacts to a drop rate over the cap.
        method: VicidialMethod,
        /// The starting dial level (`auto_dial_level`).
        #[serde(default = "default_level")]
        initial_level: f64,
        /// The highest dial level (`adaptive_maximum_level`, default 3.0).
        #[serde(default = "default_max_level")]
        max_level: f64,
        /// `adaptive_intensity`, -40..=40 (0: neutral).
        #[serde(default)]
        intensity: f64,
        /// `adaptive_dl_diff_target`: agents waiting (negative) or calls waiting (positive) to aim
        /// at.
        #[serde(default)]
        dl_diff_target: f64,
        /// `adaptive_latest_server_time` for `AdaptTapered`, seconds after the window start
        /// (e.g. 13 h for 21:00 in a window starting at 08:00).
        #[serde(default = "default_latest", with = "duration_serde")]
        latest: Duration,
        /// `adaptive_dropped_percentage` as a share (None: the profile's cap).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drop_limit: Option<f64>,
    },
}

fn default_z() -> f64 {
    2.33
}
fn default_dispersion() -> f64 {
    2.25
}
fn default_horizon() -> Duration {
    Duration::from_secs(1800)
}
fn default_max_target() -> f64 {
    0.25
}
fn default_level() -> f64 {
    1.0
}
fn default_max_level() -> f64 {
    3.0
}
fn default_latest() -> Duration {
    Duration::from_secs(13 * 3600)
}

impl PacerConfig {
    /// The adaptive pacer with its defaults.
    pub fn adaptive() -> PacerConfig {
        PacerConfig::Adaptive {
            z: default_z(),
            horizon: default_horizon(),
            max_target: default_max_target(),
            dispersion: default_dispersion(),
            memoryless: false,
        }
    }

    /// The queueing-model pacer at `target`, conditioning on elapsed times.
    pub fn queue_model(target: f64) -> PacerConfig {
        PacerConfig::QueueModel { target, memoryless: false }
    }

    /// The same pacer without conditioning on elapsed times (the queueing-model pacers only;
    /// the others are returned as they are).
    pub fn memoryless(mut self) -> PacerConfig {
        if let PacerConfig::QueueModel { memoryless, .. }
        | PacerConfig::Adaptive { memoryless, .. } = &mut self
        {
            *memoryless = true;
        }
        self
    }

    /// The Vicidial baseline with its defaults.
    pub fn vicidial(method: VicidialMethod) -> PacerConfig {
        PacerConfig::Vicidial {
            method,
            initial_level: default_level(),
            max_level: default_max_level(),
            intensity: 0.0,
            dl_diff_target: 0.0,
            latest: default_latest(),
            drop_limit: None,
        }
    }

    /// What is wrong with the parameters, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut v = Vec::new();
        let bad = |x: f64| !x.is_finite();
        match *self {
            PacerConfig::QueueModel { target, .. } => {
                if bad(target) || !(0.0..=1.0).contains(&target) {
                    v.push(format!("target {target} is not a share between 0 and 1"));
                }
            }
            PacerConfig::Adaptive { z, horizon, max_target, dispersion, .. } => {
                if bad(z) || !(0.0..=10.0).contains(&z) {
                    v.push(format!("z {z} is not between 0 and 10"));
                }
                if bad(dispersion) || !(1.0..=100.0).contains(&dispersion) {
                    v.push(format!("dispersion {dispersion} is not between 1 and 100"));
                }
                if horizon < Duration::from_secs(60) {
                    v.push("horizon is shorter than a minute".into());
                }
                if bad(max_target) || !(0.0..=1.0).contains(&max_target) {
                    v.push(format!("max_target {max_target} is not a share between 0 and 1"));
                }
            }
            PacerConfig::Vicidial {
                initial_level,
                max_level,
                intensity,
                dl_diff_target,
                drop_limit,
                ..
            } => {
                if bad(max_level) || !(1.0..=100.0).contains(&max_level) {
                    v.push(format!("max_level {max_level} is not between 1 and 100"));
                }
                if bad(initial_level) || !(1.0..=100.0).contains(&initial_level) {
                    v.push(format!("initial_level {initial_level} is not between 1 and 100"));
                }
                if bad(intensity) || !(-40.0..=40.0).contains(&intensity) {
                    v.push(format!("intensity {intensity} is not between -40 and 40"));
                }
                if bad(dl_diff_target) || dl_diff_target.abs() > 100.0 {
                    v.push(format!("dl_diff_target {dl_diff_target} is not between -100 and 100"));
                }
                if let Some(d) = drop_limit
                    && (bad(d) || !(0.0..=1.0).contains(&d))
                {
                    v.push(format!("drop_limit {d} is not a share between 0 and 1"));
                }
            }
        }
        v
    }
}

/// A pacer with its state. Build one with [`Pacer::new`]; the engine owns one per predictive
/// campaign, and a host or benchmark may drive one directly.
#[derive(Debug, Clone)]
pub struct Pacer {
    kind: Kind,
    scratch: Scratch,
    /// Whether a queueing-model pacer conditions on elapsed times.
    conditioned: bool,
    talk_times: Histogram,
    wrap_times: Histogram,
    ring_times: Histogram,
}

#[derive(Debug, Clone)]
enum Kind {
    QueueModel { target: f64 },
    Adaptive(Adaptive),
    Vicidial(Vicidial),
}

#[derive(Debug, Clone)]
struct Adaptive {
    /// `z·√dispersion`.
    z: f64,
    horizon: f64,
    max_target: f64,
    /// Abandonments measured, and predicted by the model, over the campaign.
    measured: f64,
    predicted: f64,
}

#[derive(Debug, Clone)]
struct Vicidial {
    method: VicidialMethod,
    level: f64,
    max_level: f64,
    intensity: f64,
    dl_diff_target: f64,
    latest: f64,
    drop_limit: Option<f64>,
    /// The last 15 one-second samples: (ready agents, waiting calls, logged-in agents).
    samples: VecDeque<(u32, u32, u32)>,
    ticks: u64,
    /// Live answers and drops in the last minute, with their times.
    minute: VecDeque<(Timestamp, bool)>,
    window_start: Option<Timestamp>,
}

/// Reused buffers, so that a decision allocates nothing once warm.
#[derive(Debug, Clone, Default)]
struct Scratch {
    free: Vec<f64>,
    tmp: Vec<f64>,
    conv: Vec<f64>,
    answered: Vec<f64>,
    /// The conditioned model's horizons.
    horizons: Vec<Horizon>,
    last_n: u32,
    /// Decide with the reference implementation of the conditioned model (tests only).
    #[cfg(test)]
    reference: bool,
}

/// The last `cap` durations of a kind, as a histogram of `width`-second bins (the last bin
/// holds everything longer), each sample possibly marked (a live answer among dial outcomes).
#[derive(Debug, Clone)]
struct Histogram {
    width: f64,
    cap: usize,
    all: Vec<u32>,
    marked: Vec<u32>,
    recent: VecDeque<(u16, bool)>,
    /// `cum_all[i]`: samples in bins below `i` (`bins + 1` entries); the same for the marked.
    cum_all: Vec<f64>,
    cum_marked: Vec<f64>,
    n_marked: u32,
    dirty: bool,
}

impl Histogram {
    fn new(width: f64, bins: usize, cap: usize) -> Histogram {
        Histogram {
            width,
            cap,
            all: vec![0; bins],
            marked: vec![0; bins],
            recent: VecDeque::with_capacity(cap),
            cum_all: vec![0.0; bins + 1],
            cum_marked: vec![0.0; bins + 1],
            n_marked: 0,
            dirty: false,
        }
    }

    fn len(&self) -> usize {
        self.recent.len()
    }

    fn push(&mut self, secs: f64, mark: bool) {
        if !secs.is_finite() {
            return;
        }
        let bins = self.all.len();
        let b = ((secs.max(0.0) / self.width) as usize).min(bins - 1) as u16;
        if self.recent.len() == self.cap
            && let Some((old, m)) = self.recent.pop_front()
        {
            self.all[old as usize] -= 1;
            if m {
                self.marked[old as usize] -= 1;
                self.n_marked -= 1;
            }
        }
        self.all[b as usize] += 1;
        if mark {
            self.marked[b as usize] += 1;
            self.n_marked += 1;
        }
        self.recent.push_back((b, mark));
        self.dirty = true;
    }

    fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let (mut a, mut m) = (0.0, 0.0);
        for i in 0..self.all.len() {
            self.cum_all[i] = a;
            self.cum_marked[i] = m;
            a += f64::from(self.all[i]);
            m += f64::from(self.marked[i]);
        }
        let n = self.all.len();
        self.cum_all[n] = a;
        self.cum_marked[n] = m;
    }

    /// Samples (all, marked) at most `x` seconds, linear within a bin.
    #[inline]
    fn at_most(&self, x: f64) -> (f64, f64) {
        let n = self.all.len();
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        let pos = x / self.width;
        if pos >= n as f64 {
            return (self.cum_all[n], self.cum_marked[n]);
        }
        let i = pos as usize;
        let f = pos - i as f64;
        (
            self.cum_all[i] + f * f64::from(self.all[i]),
            self.cum_marked[i] + f * f64::from(self.marked[i]),
        )
    }

    /// The smallest `x` with at least `u` of the samples at most `x` (`0 < u < 1`).
    fn quantile(&self, u: f64) -> f64 {
        let n = self.all.len();
        let goal = u * self.cum_all[n];
        let i = self.cum_all.partition_point(|&c| c < goal).saturating_sub(1).min(n - 1);
        let inside = f64::from(self.all[i]);
        let f =
            if inside > 0.0 { ((goal - self.cum_all[i]) / inside).clamp(0.0, 1.0) } else { 0.0 };
        (i as f64 + f) * self.width
    }

    /// [`Histogram::finish_within_from`] with the exponential prior's chance `expo` of ending
    /// within `x` (`1 − exp(−x / mean)`) worked out by the caller.
    fn finish_within_pre(&self, below: f64, beyond: f64, e: f64, x: f64, expo: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let (below_ex, _) = self.at_most(e + x);
        let inside = (below_ex - below).max(0.0);
        if beyond >= 50.0 {
            return (inside / beyond).min(1.0);
        }
        (inside + 2.0 * expo) / (beyond + 2.0)
    }

    /// `P(T ≤ e + x | T > e)`, with the samples at most `e` (`below`) and longer (`beyond`)
    /// already counted; where fewer than 50 samples are longer than `e`, blended towards the
    /// exponential with mean `mean` (two samples' worth of prior). (The model uses
    /// [`Histogram::finish_within_pre`]; the tests' reference implementation uses this.)
    #[cfg(test)]
    fn finish_within_from(&self, below: f64, beyond: f64, e: f64, x: f64, mean: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let (below_ex, _) = self.at_most(e + x);
        let inside = (below_ex - below).max(0.0);
        if beyond >= 50.0 {
            return (inside / beyond).min(1.0);
        }
        let expo = 1.0 - (-x / mean.max(1e-9)).exp();
        (inside + 2.0 * expo) / (beyond + 2.0)
    }
}

/// Samples needed before a learned distribution replaces the memoryless model.
const MIN_TIMES: usize = 30;
const MIN_RINGS: usize = 100;

impl Pacer {
    /// A pacer from its configuration.
    pub fn new(cfg: &PacerConfig) -> Pacer {
        let conditioned = matches!(
            *cfg,
            PacerConfig::QueueModel { memoryless: false, .. }
                | PacerConfig::Adaptive { memoryless: false, .. }
        );
        let kind = match *cfg {
            PacerConfig::QueueModel { target, .. } => Kind::QueueModel { target },
            PacerConfig::Adaptive { z, horizon, max_target, dispersion, .. } => {
                Kind::Adaptive(Adaptive {
                    z: z * dispersion.max(1.0).sqrt(),
                    horizon: horizon.as_secs_f64().max(1.0),
                    max_target,
                    measured: 0.0,
                    predicted: 0.0,
                })
            }
            PacerConfig::Vicidial {
                method,
                initial_level,
                max_level,
                intensity,
                dl_diff_target,
                latest,
                drop_limit,
            } => Kind::Vicidial(Vicidial {
                method,
                level: initial_level.clamp(1.0, max_level.max(1.0)),
                max_level: max_level.max(1.0),
                intensity,
                dl_diff_target,
                latest: latest.as_secs_f64(),
                drop_limit,
                samples: VecDeque::with_capacity(16),
                ticks: 0,
                minute: VecDeque::new(),
                window_start: None,
            }),
        };
        Pacer {
            kind,
            scratch: Scratch::default(),
            conditioned,
            talk_times: Histogram::new(2.0, 2048, 2000),
            wrap_times: Histogram::new(0.5, 1024, 2000),
            ring_times: Histogram::new(0.25, 1024, 5000),
        }
    }

    /// How often the pacer wants [`Pacer::on_tick`] and a new decision (Vicidial: every second
    /// for its samples; a conditioning pacer every second, as its agents' and calls' chances
    /// change with time alone), if at all.
    pub fn tick_interval(&self) -> Option<Duration> {
        match self.kind {
            Kind::Vicidial(_) => Some(Duration::from_secs(1)),
            _ if self.conditioned => Some(Duration::from_secs(1)),
            _ => None,
        }
    }

    /// Whether the pacer uses the elapsed times of a [`PacingView`] (a queueing-model pacer
    /// that is not memoryless).
    pub fn conditions_on_elapsed(&self) -> bool {
        self.conditioned
    }

    /// An agent's conversation lasted `secs` seconds.
    pub fn on_talk_time(&mut self, secs: f64) {
        if self.conditioned {
            self.talk_times.push(secs, false);
        }
    }

    /// An agent's wrap-up lasted `secs` seconds.
    pub fn on_wrap_time(&mut self, secs: f64) {
        if self.conditioned {
            self.wrap_times.push(secs, false);
        }
    }

    /// A dial's outcome came `secs` seconds after the dial; `live` when a person answered.
    pub fn on_ring_outcome(&mut self, secs: f64, live: bool) {
        if self.conditioned {
            self.ring_times.push(secs, live);
        }
    }

    /// Vicidial's current dial level (None for the other pacers).
    pub fn dial_level(&self) -> Option<f64> {
        match &self.kind {
            Kind::Vicidial(v) => Some(v.level),
            _ => None,
        }
    }

    /// The periodic sample (Vicidial: every second; its level is adjusted every 15th).
    pub fn on_tick(&mut self, view: &PacingView<'_>) {
        if let Kind::Vicidial(v) = &mut self.kind {
            v.tick(view);
        }
    }

    /// A person answered a call whose dial decision predicted `predicted` abandonment.
    pub fn on_live_answer(&mut self, now: Timestamp, predicted: f64) {
        match &mut self.kind {
            Kind::Adaptive(a) => a.predicted += predicted,
            Kind::Vicidial(v) => v.minute.push_back((now, false)),
            Kind::QueueModel { .. } => {}
        }
    }

    /// A live answer was abandoned.
    pub fn on_abandon(&mut self, now: Timestamp) {
        match &mut self.kind {
            Kind::Adaptive(a) => a.measured += 1.0,
            Kind::Vicidial(v) => v.minute.push_back((now, true)),
            Kind::QueueModel { .. } => {}
        }
    }

    /// A new regulator window began at `start`.
    pub fn on_window_start(&mut self, start: Timestamp) {
        if let Kind::Vicidial(v) = &mut self.kind {
            v.window_start = Some(start);
        }
    }

    /// How many new dials to place now, at most `max_new`.
    pub fn decide(&mut self, view: &PacingView<'_>, max_new: u32) -> Decision {
        let target = match &self.kind {
            Kind::QueueModel { target } => Some(*target),
            Kind::Adaptive(a) => Some(a.target(view)),
            Kind::Vicidial(_) => None,
        };
        if let Some(target) = target {
            if self.conditioned {
                self.talk_times.refresh();
                self.wrap_times.refresh();
                self.ring_times.refresh();
                let learned = Learned {
                    talk: &self.talk_times,
                    wrap: &self.wrap_times,
                    ring: &self.ring_times,
                };
                return queue_model(view, target, max_new, &mut self.scratch, Some(learned));
            }
            return queue_model(view, target, max_new, &mut self.scratch, None);
        }
        match &self.kind {
            Kind::QueueModel { .. } | Kind::Adaptive(_) => {
                Decision { dials: 0, predicted_abandon: 0.0 }
            }
            Kind::Vicidial(v) => {
                let goal = (v.level * f64::from(view.idle + view.talking)).round() as i64;
                let existing =
                    i64::from(view.ringing) + i64::from(view.waiting) + i64::from(view.talking);
                let n = (goal - existing).clamp(0, i64::from(max_new)) as u32;
                Decision { dials: n, predicted_abandon: 0.0 }
            }
        }
    }
}

impl Adaptive {
    /// The target abandonment share for the next decision.
    fn target(&self, v: &PacingView<'_>) -> f64 {
        let e = &v.estimates;
        let handle = (e.talk + e.wrap).max(1.0);
        let n_h = (f64::from(v.agents()) / handle * self.horizon).max(1.0);
        let budget = v.cap * (v.window.live + n_h) - v.window.abandoned;
        if budget <= 0.0 {
            return 0.0;
        }
        let z = self.z;
        let x = (-z * n_h.sqrt() + (z * z * n_h + 4.0 * n_h * budget).sqrt()) / (2.0 * n_h);
        let alpha = (x * x).min(self.max_target);
        // The model's bias, with five abandonments' worth of prior belief that it is right.
        let bias = ((self.measured + 5.0) / (self.predicted + 5.0)).clamp(0.25, 4.0);
        (alpha / bias).min(self.max_target)
    }
}

impl Vicidial {
    fn tick(&mut self, v: &PacingView<'_>) {
        if self.samples.len() == 15 {
            self.samples.pop_front();
        }
        self.samples.push_back((v.idle, v.waiting, v.agents()));
        self.ticks += 1;
        if !self.ticks.is_multiple_of(15) {
            return;
        }
        let n = self.samples.len().max(1) as f64;
        let ready = self.samples.iter().map(|s| f64::from(s.0)).sum::<f64>() / n;
        let waiting = self.samples.iter().map(|s| f64::from(s.1)).sum::<f64>() / n;
        let agents = self.samples.iter().map(|s| f64::from(s.2)).sum::<f64>() / n;
        let diff = ready - waiting + self.dl_diff_target;
        let mul = if diff != 0.0 && agents != 0.0 { diff / agents } else { 0.0 };
        let intensity = self.intensity / 100.0;
        let adj = if mul < 0.0 { mul * (intensity - 1.0).abs() } else { mul * (intensity + 1.0) };
        let mut level = (self.level * (1.0 + adj)).clamp(1.0, self.max_level);
        // The last minute's answered calls and drops.
        while let Some(&(t, _)) = self.minute.front() {
            if v.now.duration_since(t).as_secs() >= 60 {
                self.minute.pop_front();
            } else {
                break;
            }
        }
        let calls_minute = self.minute.iter().filter(|e| !e.1).count();
        let drops_minute = self.minute.iter().filter(|e| e.1).count();
        if calls_minute > 20 && drops_minute * 2 > calls_minute {
            level /= 2.0;
        }
        let drops = v.window.abandoned;
        let answers = v.window.live;
        if v.window.dials > 50
            && answers > 0.0
            && drops / answers > self.drop_limit.unwrap_or(v.cap)
        {
            match self.method {
                VicidialMethod::AdaptHardLimit => level = 1.0,
                VicidialMethod::AdaptAverage => level /= 2.0,
                VicidialMethod::AdaptTapered => {
                    let elapsed =
                        self.window_start.map_or(0.0, |s| v.now.duration_since(s).as_secs_f64());
                    let hours_left = (self.latest - elapsed) / 3600.0;
                    if hours_left < 0.0 {
                        level = 1.0;
                    } else {
                        level *= (hours_left / 10.0).min(1.0);
                    }
                }
            }
        }
        self.level = level.max(1.0);
    }
}

/// `P(T ≤ h)` for `T` exponential with mean `a` followed by exponential with mean `b`.
fn hypoexp_cdf(h: f64, a: f64, b: f64) -> f64 {
    let (a, b) = (a.max(1e-9), b.max(1e-9));
    let (m1, m2) = (1.0 / a, 1.0 / b);
    if (m1 - m2).abs() < 1e-9 * m1.max(m2) {
        let x = m1 * h;
        return 1.0 - (-x).exp() * (1.0 + x);
    }
    (1.0 - (m2 * (-m1 * h).exp() - m1 * (-m2 * h).exp()) / (m2 - m1)).clamp(0.0, 1.0)
}

/// Fills `out` with the binomial(`n`, `p`) probabilities of 0..=n, stably (from the mode).
fn binomial_pmf(n: u32, p: f64, out: &mut Vec<f64>) {
    out.clear();
    out.resize(n as usize + 1, 0.0);
    if p <= 0.0 || n == 0 {
        out[0] = 1.0;
        return;
    }
    if p >= 1.0 {
        out[n as usize] = 1.0;
        return;
    }
    let mode = ((f64::from(n) + 1.0) * p).floor().min(f64::from(n)) as usize;
    let r = p / (1.0 - p);
    out[mode] = 1.0;
    // Terms below 1e-18 of the mode's are left at zero (and cut off at the top), which keeps
    // a decision for a large campaign short.
    let mut top = n as usize;
    for k in mode..n as usize {
        out[k + 1] = out[k] * (f64::from(n) - k as f64) / (k as f64 + 1.0) * r;
        if out[k + 1] < 1e-18 {
            top = k + 1;
            break;
        }
    }
    out.truncate(top + 1);
    for k in (0..mode).rev() {
        out[k] = out[k + 1] * (k as f64 + 1.0) / ((f64::from(n) - k as f64) * r);
        if out[k] < 1e-18 {
            break;
        }
    }
    let s: f64 = out.iter().sum();
    if s > 0.0 && s.is_finite() {
        for x in out.iter_mut() {
            *x /= s;
        }
    }
}

/// The learned distributions a conditioning pacer decides with.
#[derive(Clone, Copy)]
struct Learned<'h> {
    talk: &'h Histogram,
    wrap: &'h Histogram,
    ring: &'h Histogram,
}

/// Adds an independent Bernoulli(`x`) to the distribution `dist` (Poisson-binomial, in place).
fn add_bernoulli(dist: &mut Vec<f64>, x: f64) {
    if x <= 1e-12 {
        return;
    }
    // dist'[k] = dist[k] (1 − x) + dist[k − 1] x, from the bottom with the old value carried
    // (no bounds checks in the loop).
    let y = 1.0 - x;
    dist.push(0.0);
    let mut prev = dist[0];
    dist[0] = prev * y;
    for d in &mut dist[1..] {
        let cur = *d;
        *d = cur * y + prev * x;
        prev = cur;
    }
}

/// The ends of the answer slots of the conditioned model, as multiples of the mean answer delay.
const HORIZONS: [f64; 5] = [0.3, 0.6, 1.0, 1.6, 2.8];

/// One answer slot `(t₋, t]` of the conditioned model: the agents who become free in it (by
/// its middle plus the connect limit), and the live answers in it among the ringing calls and
/// per new dial.
#[derive(Debug, Clone, Default)]
struct Horizon {
    /// Distribution of the agents becoming free for the slot: free by its boundary and not by
    /// the previous slot's (the first slot: free by its boundary).
    free: Vec<f64>,
    /// Distribution (head) of the live answers in the slot among the ringing calls.
    ring: Vec<f64>,
    ring_mean: f64,
    /// A new dial's chance of a live answer in the slot.
    p_new: f64,
    /// The most agents that can serve the slot's answers (idle, and freed by then).
    bmax: usize,
}

impl Histogram {
    /// The share of samples longer than `e` that end marked within `(e, e + h]`, with two
    /// samples' worth of prior at `prior`.
    fn marked_within(&self, e: f64, h: f64, prior: f64) -> f64 {
        let n = self.all.len();
        let (a, m) = self.at_most(e);
        let (_, m2) = self.at_most(e + h);
        let all = (self.cum_all[n] - a).max(0.0);
        (((m2 - m).max(0.0) + 2.0 * prior) / (all + 2.0)).clamp(0.0, 1.0)
    }
}

/// The most agents a slot's distributions follow (answers beyond the agents that could be free
/// only add to the mean).
const HEAD: usize = 64;

#[cfg(test)]
#[path = "pacing_reference.rs"]
mod reference;

/// [`prepare_conditioned`], or in the tests the reference implementation when asked for.
fn prepare(v: &PacingView<'_>, l: Learned<'_>, s: &mut Scratch) -> f64 {
    #[cfg(test)]
    if s.reference {
        return reference::prepare_conditioned(v, l, s);
    }
    prepare_conditioned(v, l, s)
}

/// [`excess_conditioned`], or in the tests the reference implementation when asked for.
fn excess(v: &PacingView<'_>, n: u32, s: &mut Scratch, limit: f64) -> f64 {
    #[cfg(test)]
    if s.reference {
        return reference::excess_conditioned(v, n, s, limit);
    }
    excess_conditioned(v, n, s, limit)
}

/// Fills the slots of the conditioned model; returns the expected live answers among the
/// ringing calls, ever.
fn prepare_conditioned(v: &PacingView<'_>, l: Learned<'_>, s: &mut Scratch) -> f64 {
    const S: usize = HORIZONS.len();
    let e = &v.estimates;
    let p = e.p_live.clamp(0.0, 1.0);
    let d = e.answer_delay.max(0.5);
    let c = v.connect_limit.max(0.0);
    let talk_known = l.talk.len() >= MIN_TIMES;
    let wrap_known = l.wrap.len() >= MIN_TIMES;
    let ring_known = l.ring.len() >= MIN_RINGS;
    let per_talker = talk_known && v.talk_elapsed.len() == v.talking as usize;
    let per_wrapper = wrap_known && v.wrap_elapsed.len() == v.wrapping as usize;
    let per_call = ring_known && v.ring_elapsed.len() == v.ringing as usize;
    // Slot j holds the answers in (t[j-1], t[j]]; the agents free by b[j] (the slot's middle
    // plus the connect limit) serve them.
    let mut t = [0.0; S];
    let mut b = [0.0; S];
    let mut prev = 0.0;
    for j in 0..S {
        t[j] = HORIZONS[j] * d;
        b[j] = 0.5 * (prev + t[j]) + c;
        prev = t[j];
    }
    // Quantiles of the wrap-up that follows a conversation.
    let mut wq = [0.0; 4];
    for (k, w) in wq.iter_mut().enumerate() {
        let u = (k as f64 + 0.5) / 4.0;
        *w = if wrap_known { l.wrap.quantile(u) } else { -e.wrap.max(0.0) * (1.0 - u).ln() };
    }
    // What does not depend on the agent or the call, worked out once a decision: the memoryless
    // chances by each boundary, and for a talker the time left for the call at each boundary and
    // wrap-up quantile with its exponential prior.
    let mut hypo = [0.0; S];
    let mut wrap_expo = [0.0; S];
    let mut talk_x = [[0.0; 4]; S];
    let mut talk_expo = [[0.0; 4]; S];
    for j in 0..S {
        hypo[j] = hypoexp_cdf(b[j], e.talk, e.wrap);
        wrap_expo[j] = 1.0 - (-b[j] / e.wrap.max(1e-9)).exp();
        if per_talker && v.talking > 0 {
            for (k, &w) in wq.iter().enumerate() {
                let x = b[j] - w;
                talk_x[j][k] = x;
                if x > 0.0 {
                    talk_expo[j][k] = 1.0 - (-x / e.talk.max(1e-9)).exp();
                }
            }
        }
    }
    // The longest time a talker's call may have left to count (the last boundary less the
    // shortest wrap-up quantile).
    let talk_reach = talk_x[S - 1].iter().fold(0.0f64, |m, &x| m.max(x));
    // An agent's chances of being free by each boundary, `q[j]` by `b[j]`.
    let free_by = |q: &mut [f64; S], talk_el: Option<f64>, wrap_el: Option<f64>| {
        match (talk_el, wrap_el) {
            (Some(el), _) if per_talker => {
                // P(T ≤ el + b − w | T > el), averaged over the wrap-up quantiles.
                let (below, _) = l.talk.at_most(el);
                let total = l.talk.cum_all[l.talk.all.len()];
                let beyond = (total - below).max(0.0);
                // No call learned ends within reach (and no prior is blended in): never free.
                if beyond >= 50.0 && l.talk.at_most(el + talk_reach).0 <= below {
                    *q = [0.0; S];
                    return;
                }
                for (j, qj) in q.iter_mut().enumerate() {
                    let mut sum = 0.0;
                    for k in 0..4 {
                        let x = talk_x[j][k];
                        if x > 0.0 {
                            sum += l.talk.finish_within_pre(below, beyond, el, x, talk_expo[j][k]);
                        }
                    }
                    *qj = sum / 4.0;
                }
            }
            (Some(_), _) | (None, None) => *q = hypo,
            (None, Some(el)) if per_wrapper => {
                let (below, _) = l.wrap.at_most(el);
                let total = l.wrap.cum_all[l.wrap.all.len()];
                let beyond = (total - below).max(0.0);
                for (j, qj) in q.iter_mut().enumerate() {
                    *qj = l.wrap.finish_within_pre(below, beyond, el, b[j], wrap_expo[j]);
                }
            }
            (None, Some(_)) => *q = wrap_expo,
        }
    };
    s.horizons.resize_with(S, Horizon::default);
    for hz in &mut s.horizons {
        hz.free.clear();
        hz.free.push(1.0);
        hz.ring.clear();
        hz.ring.push(1.0);
        hz.ring_mean = 0.0;
    }
    let mut q = [0.0; S];
    // The mean number of agents free by each boundary.
    let mut mean_free = [0.0; S];
    let agents = v.talking as usize + v.wrapping as usize;
    for i in 0..agents {
        if i < v.talking as usize {
            free_by(&mut q, Some(v.talk_elapsed.get(i).copied().unwrap_or(0.0)), None);
        } else {
            let k = i - v.talking as usize;
            free_by(&mut q, None, Some(v.wrap_elapsed.get(k).copied().unwrap_or(0.0)));
        }
        let mut before = 0.0;
        for (j, hz) in s.horizons.iter_mut().enumerate() {
            mean_free[j] += q[j].max(before);
            add_bernoulli(&mut hz.free, (q[j] - before).max(0.0));
            before = before.max(q[j]);
            // Tails under 1e-13 are dropped as they appear (a hundred agents each a little
            // likely to be free make a distribution a hundred long, nearly all of it nothing).
            while hz.free.len() > 1 && hz.free.last().is_some_and(|&x| x < 1e-13) {
                hz.free.pop();
            }
        }
    }
    // The answers a slot can meet with agents: at most those idle or freed by then, which
    // (a Poisson-binomial count of mean μ) exceed μ + 6√μ + 6 with a chance under 1e-8.
    let idle = v.idle as usize;
    let mut prior_t = [0.0; S];
    for j in 0..S {
        prior_t[j] = p * (1.0 - (-t[j] / d).exp());
    }
    let mut new_before = 0.0;
    // Nor more than the slots' distributions (trimmed) reach.
    let mut support = idle;
    for (j, hz) in s.horizons.iter_mut().enumerate() {
        let mu = mean_free[j];
        support += hz.free.len() - 1;
        hz.bmax = (idle + (mu + 6.0 * mu.sqrt() + 6.0).ceil() as usize)
            .min(support)
            .min(idle + agents)
            .min(HEAD);
        let within_new =
            if ring_known { l.ring.marked_within(0.0, t[j], prior_t[j]) } else { prior_t[j] };
        hz.p_new = (within_new - new_before).max(0.0);
        new_before = within_new.max(new_before);
    }
    // Each ringing call's chance of a live answer in each slot.
    let mut ever = 0.0;
    for i in 0..v.ringing as usize {
        let mut before = 0.0;
        if per_call {
            let el = v.ring_elapsed[i];
            let n = l.ring.all.len();
            let (a, m) = l.ring.at_most(el);
            let all = (l.ring.cum_all[n] - a).max(0.0);
            let marked = (l.ring.cum_marked[n] - m).max(0.0);
            ever += ((marked + 2.0 * p) / (all + 2.0)).clamp(0.0, 1.0);
            for (j, hz) in s.horizons.iter_mut().enumerate() {
                let (_, m2) = l.ring.at_most(el + t[j]);
                let x = (((m2 - m).max(0.0) + 2.0 * prior_t[j]) / (all + 2.0)).clamp(0.0, 1.0);
                let dx = (x - before).max(0.0);
                before = before.max(x);
                hz.ring_mean += dx;
                add_bernoulli(&mut hz.ring, dx);
                hz.ring.truncate(hz.bmax + 1);
            }
        } else {
            ever += p;
            for (j, hz) in s.horizons.iter_mut().enumerate() {
                let x = prior_t[j];
                let dx = (x - before).max(0.0);
                before = x;
                hz.ring_mean += dx;
                add_bernoulli(&mut hz.ring, dx);
                hz.ring.truncate(hz.bmax + 1);
            }
        }
    }
    ever
}

/// The conditioned model's expected abandonments for `n` new dials: the slots in turn, the
/// agents unused so far (`U`, a distribution) plus those freed in a slot serve its answers; the
/// answers beyond them are abandoned, the agents left over carry on.
///
/// Once the abandonments pass `limit` the later slots are skipped (the answer is then only
/// known to be over it).
fn excess_conditioned(v: &PacingView<'_>, n: u32, s: &mut Scratch, limit: f64) -> f64 {
    // U starts at the idle agents; the calls waiting already are answers of the first slot.
    s.free.clear();
    s.free.resize(v.idle as usize + 1, 0.0);
    s.free[v.idle as usize] = 1.0;
    let mut lost = 0.0;
    for (j, hz) in s.horizons.iter().enumerate() {
        // V = U + freed in the slot.
        convolve(&s.free, &hz.free, &mut s.conv);
        let vv = &mut s.conv;
        // The answers in the slot: ring ⊗ Bin(n, p_new) (+ waiting in the first), head to the
        // largest V.
        // Agents beyond the slot's bound (a chance under 1e-13) count as at the bound.
        if vv.len() > hz.bmax + 1 {
            let tail: f64 = vv[hz.bmax + 1..].iter().sum();
            vv.truncate(hz.bmax + 1);
            vv[hz.bmax] += tail;
        }
        let waiting = if j == 0 { v.waiting as usize } else { 0 };
        let len = vv.len();
        fill_binomial_head(n, hz.p_new, len, &mut s.tmp);
        s.answered.clear();
        s.answered.resize(len, 0.0);
        for (i, &x) in hz.ring.iter().enumerate() {
            if i + waiting >= len {
                break;
            }
            if x < 1e-300 {
                continue;
            }
            for (k, &y) in s.tmp[..len - i - waiting].iter().enumerate() {
                s.answered[i + waiting + k] += x * y;
            }
        }
        let mean_a = waiting as f64 + hz.ring_mean + f64::from(n) * hz.p_new;
        // Lost: E[(A − V)⁺] = Σ_m P(V = m) (E[A] − m + Σ_{a<m} (m − a) P(A = a)) (the inner
        // sum written out, not carried from one m to the next, so that the rounding and the
        // decisions are those of the reference implementation).
        for (m, &pm) in s.conv.iter().enumerate() {
            if pm < 1e-15 {
                continue;
            }
            let mut below = 0.0;
            for (a, &pa) in s.answered[..m].iter().enumerate() {
                below += (m - a) as f64 * pa;
            }
            lost += pm * (mean_a - m as f64 + below).max(0.0);
        }
        if lost > limit {
            return lost;
        }
        if j + 1 == s.horizons.len() {
            break;
        }
        // New U = (V − A)⁺: P(U = u) = Σ_{m≥u} P(V = m) P(A = m − u) for u ≥ 1, the rest at 0.
        s.free.clear();
        s.free.resize(len, 0.0);
        let (mut mass, mut zero) = (0.0, 0.0);
        for (m, &pm) in s.conv.iter().enumerate() {
            if m > 0 {
                mass += s.answered[m - 1];
            }
            if pm >= 1e-15 {
                zero += pm * (1.0 - mass).max(0.0);
            }
        }
        s.free[0] = zero;
        for u in 1..len {
            let mut x = 0.0;
            for (&pm, &pa) in s.conv[u..].iter().zip(&s.answered) {
                if pm >= 1e-15 {
                    x += pm * pa;
                }
            }
            s.free[u] = x;
        }
        while s.free.len() > 1 && s.free.last().is_some_and(|&x| x < 1e-15) {
            s.free.pop();
        }
    }
    lost
}

/// The queueing-model decision at target `alpha`; `learned` conditions on the view's elapsed
/// times. Never fewer dials than idle agents without a call on its way to them (such a dial
/// cannot be abandoned).
fn queue_model(
    v: &PacingView<'_>,
    alpha: f64,
    max_new: u32,
    s: &mut Scratch,
    learned: Option<Learned<'_>>,
) -> Decision {
    let mut d = queue_model_search(v, alpha, max_new, s, learned);
    let sure = v.idle.saturating_sub(v.ringing + v.waiting).min(max_new);
    if d.dials < sure {
        d.dials = sure;
        s.last_n = sure;
    }
    d
}

fn queue_model_search(
    v: &PacingView<'_>,
    alpha: f64,
    max_new: u32,
    s: &mut Scratch,
    learned: Option<Learned<'_>>,
) -> Decision {
    let e = &v.estimates;
    let p = e.p_live.clamp(0.0, 1.0);
    if max_new == 0 || p <= 0.0 {
        return Decision { dials: 0, predicted_abandon: 0.0 };
    }
    let idle = f64::from(v.idle);
    let waiting = f64::from(v.waiting);
    let (conditioned, ring_mean, bmax) = if let Some(l) = learned {
        (true, prepare(v, l, s), 0)
    } else {
        let h = e.answer_delay.max(0.0) + v.connect_limit.max(0.0);
        let q_talk = hypoexp_cdf(h, e.talk, e.wrap);
        let q_wrap = 1.0 - (-h / e.wrap.max(1e-9)).exp();
        // The distribution of free agents beyond `idle`: Bin(talking, q_t) * Bin(wrapping, q_w).
        binomial_pmf(v.talking, q_talk, &mut s.free);
        binomial_pmf(v.wrapping, q_wrap, &mut s.tmp);
        if v.wrapping > 0 {
            convolve(&s.free, &s.tmp, &mut s.conv);
            std::mem::swap(&mut s.free, &mut s.conv);
        }
        // Only P(B = b) for b below the largest f − waiting is needed.
        let bmax = (idle + s.free.len() as f64 - waiting).max(0.0) as usize;
        (false, f64::from(v.ringing) * p, bmax)
    };
    // excess(n) and E[A](n), for n new dials.
    let mut eval = |n: u32, s: &mut Scratch| -> (f64, f64) {
        let mean_a = waiting + ring_mean + f64::from(n) * p;
        if conditioned {
            return (excess(v, n, s, alpha * mean_a + 1e-12), mean_a);
        }
        // E[(A − F)⁺] = Σ_f P(F = f) (E[A] − f + Σ_{a<f} (f − a) P(A = a)), where the answered
        // count is A = waiting + B, B ~ Bin(ringing + n, p).
        let m = v.ringing + n;
        fill_binomial_head(m, p, bmax.min(m as usize) + 1, &mut s.answered);
        let mut excess = 0.0;
        for (k, &pf) in s.free.iter().enumerate() {
            if pf < 1e-15 {
                continue;
            }
            let f = idle + k as f64;
            let fb = f - waiting; // free agents left for the B new answers
            let mut below = 0.0;
            if fb > 0.0 {
                let top = (fb.ceil() as usize).min(s.answered.len());
                for (b, &pb) in s.answered[..top].iter().enumerate() {
                    below += (fb - b as f64) * pb;
                }
            }
            excess += pf * (mean_a - f + below).max(0.0);
        }
        (excess, mean_a)
    };
    let ok = |n: u32, s: &mut Scratch, eval: &mut dyn FnMut(u32, &mut Scratch) -> (f64, f64)| {
        let (x, a) = eval(n, s);
        (x <= alpha * a + 1e-12, if a > 0.0 { x / a } else { 0.0 })
    };
    // With the calls in flight already over the target, no dial (more dials can lower the
    // share by raising the answers expected, which is no reason to place them).
    let (ok0, r0) = ok(0, s, &mut eval);
    if !ok0 {
        s.last_n = 0;
        return Decision { dials: 0, predicted_abandon: r0 };
    }
    // Gallop from the last answer, then bisect: the predicate is true on 0..=n* and false after
    // (the excess minus alpha times the mean is convex in n).
    let start = s.last_n.clamp(1, max_new.max(1));
    let (mut lo, mut lo_r, mut hi);
    let (ok_s, r_s) = ok(start, s, &mut eval);
    if ok_s {
        lo = start;
        lo_r = r_s;
        let mut step = 1u32;
        loop {
            if lo >= max_new {
                s.last_n = max_new;
                return Decision { dials: max_new, predicted_abandon: lo_r };
            }
            let probe = lo.saturating_add(step).min(max_new);
            let (o, r) = ok(probe, s, &mut eval);
            if o {
                lo = probe;
                lo_r = r;
                step = step.saturating_mul(2);
            } else {
                hi = probe;
                break;
            }
        }
    } else {
        lo = 0;
        lo_r = r0;
        hi = start;
        let mut step = 1u32;
        loop {
            let probe = hi.saturating_sub(step);
            if probe <= lo {
                break;
            }
            let (o, r) = ok(probe, s, &mut eval);
            if o {
                lo = probe;
                lo_r = r;
                break;
            }
            hi = probe;
            step = step.saturating_mul(2);
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let (o, r) = ok(mid, s, &mut eval);
        if o {
            lo = mid;
            lo_r = r;
        } else {
            hi = mid;
        }
    }
    s.last_n = lo;
    Decision { dials: lo, predicted_abandon: lo_r }
}

/// Fills `out` with `P(B = b)` for `b` in `0..len`, `B ~ Bin(m, p)`, `0 < p ≤ 1`.
fn fill_binomial_head(m: u32, p: f64, len: usize, out: &mut Vec<f64>) {
    out.clear();
    if p >= 1.0 {
        out.resize(len, 0.0);
        if (m as usize) < len {
            out[m as usize] = 1.0;
        }
        return;
    }
    let mf = f64::from(m);
    let lp0 = mf * (-p).ln_1p();
    let r = p / (1.0 - p);
    if lp0 > -700.0 {
        let mut x = lp0.exp();
        for b in 0..len {
            out.push(x);
            x *= (mf - b as f64) / (b as f64 + 1.0) * r;
        }
    } else {
        let lr = r.ln();
        let mut lx = lp0;
        for b in 0..len {
            out.push(if lx > -745.0 { lx.exp() } else { 0.0 });
            lx += ((mf - b as f64) / (b as f64 + 1.0)).ln() + lr;
        }
    }
}

/// `out` = the distribution of the sum of two independent counts with distributions `a` and `b`
/// (their discrete convolution; terms of `a` under 1e-15 skipped). Both must be non-empty.
fn convolve(a: &[f64], b: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.resize(a.len() + b.len() - 1, 0.0);
    for (i, &x) in a.iter().enumerate() {
        if x < 1e-15 {
            continue;
        }
        for (j, &y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2026-03-02T14:00:00Z".parse().unwrap()
    }

    #[test]
    fn binomial_pmf_sums_to_one_and_matches_small_case() {
        let mut v = Vec::new();
        binomial_pmf(3, 0.5, &mut v);
        assert!((v[0] - 0.125).abs() < 1e-12 && (v[1] - 0.375).abs() < 1e-12);
        binomial_pmf(5000, 0.3, &mut v);
        assert!((v.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let mut h = Vec::new();
        fill_binomial_head(3, 0.5, 4, &mut h);
        assert!((h[3] - 0.125).abs() < 1e-12);
    }

    #[test]
    fn zero_target_never_dials_beyond_sure_free_agents() {
        let mut p = Pacer::new(&PacerConfig::queue_model(0.0));
        // Four idle agents, nobody else: with target 0 at most four calls may be in flight.
        let v = PacingView::new(t0(), 4, 0, 0, 0, 0);
        assert_eq!(p.decide(&v, 100).dials, 4);
        let v = PacingView::new(t0(), 4, 0, 0, 3, 0);
        assert_eq!(p.decide(&v, 100).dials, 1);
    }

    #[test]
    fn higher_target_dials_more_and_prediction_is_below_target() {
        let v = PacingView::new(t0(), 2, 14, 4, 0, 0);
        let mut lo = Pacer::new(&PacerConfig::queue_model(0.01));
        let mut hi = Pacer::new(&PacerConfig::queue_model(0.10));
        let a = lo.decide(&v, 1000);
        let b = hi.decide(&v, 1000);
        assert!(b.dials > a.dials, "{a:?} {b:?}");
        assert!(a.predicted_abandon <= 0.01 + 1e-9 && b.predicted_abandon <= 0.10 + 1e-9);
        assert!(
            a.dials >= 4,
            "2 idle agents and 4 in wrap-up at p = 0.25 allow more than 2 dials: {a:?}"
        );
    }

    #[test]
    fn warm_start_gives_the_same_answer_as_a_cold_one() {
        let mut warm = Pacer::new(&PacerConfig::queue_model(0.03));
        for (idle, talk, ring) in [(0, 20, 5), (5, 15, 0), (1, 19, 30), (10, 10, 2), (0, 20, 0)] {
            let v = PacingView::new(t0(), idle, talk, 0, ring, 0);
            let mut cold = Pacer::new(&PacerConfig::queue_model(0.03));
            assert_eq!(warm.decide(&v, 500), cold.decide(&v, 500));
        }
    }

    /// A conditioning pacer that has learned 2,000 calls: talk 72–288 s, wrap-up 12–18 s, 25%
    /// live answers 3 s + exponential(4 s) after the dial, the rest resolved within 10 s or
    /// ringing out at 20 s.
    fn trained(target: f64) -> Pacer {
        let mut p = Pacer::new(&PacerConfig::queue_model(target));
        let mut x = 1u64;
        let mut u = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..2000 {
            p.on_talk_time(180.0 * (0.4 + 1.2 * u()));
            p.on_wrap_time(12.0 + 6.0 * u());
            let r = u();
            if r < 0.25 {
                p.on_ring_outcome(3.0 - 4.0 * (1.0 - u()).ln(), true);
            } else if r < 0.5 {
                p.on_ring_outcome(2.0 + 8.0 * u(), false);
            } else {
                p.on_ring_outcome(20.0, false);
            }
        }
        p
    }

    fn view<'a>(idle: u32, talk: &'a [f64], wrap: &'a [f64], ring: &'a [f64]) -> PacingView<'a> {
        let v =
            PacingView::new(t0(), idle, talk.len() as u32, wrap.len() as u32, ring.len() as u32, 0);
        PacingView {
            estimates: Estimates { p_live: 0.25, answer_delay: 7.0, talk: 180.0, wrap: 15.0 },
            ..v.with_elapsed(talk, wrap, ring)
        }
    }

    #[test]
    fn conditioning_dials_for_a_wrap_up_nearly_over_and_not_for_one_just_begun() {
        let talk: Vec<f64> = (0..19).map(|i| f64::from(i) * 10.0).collect();
        let mut p = trained(0.1);
        // Wrap-ups take 12–18 s: one 17 s in frees its agent within the horizon for sure.
        let late = p.decide(&view(0, &talk, &[17.0], &[]), 100);
        let early = p.decide(&view(0, &talk, &[0.5], &[]), 100);
        assert!(late.dials >= 1, "{late:?}");
        assert_eq!(early.dials, 0, "{early:?}");
        // The memoryless model cannot tell them apart.
        let mut m = Pacer::new(&PacerConfig::queue_model(0.1).memoryless());
        assert_eq!(
            m.decide(&view(0, &talk, &[17.0], &[]), 100),
            m.decide(&view(0, &talk, &[0.5], &[]), 100)
        );
    }

    #[test]
    fn a_call_that_has_rung_long_counts_for_less() {
        let talk: Vec<f64> = (0..16).map(|i| f64::from(i) * 10.0).collect();
        let mut p = trained(0.03);
        // Four idle agents and four calls ringing: fresh calls will mostly still answer; calls
        // 18 s in are mostly no-answers, so more new dials fit.
        let fresh = p.decide(&view(4, &talk, &[], &[0.5, 0.5, 0.5, 0.5]), 100);
        let old = p.decide(&view(4, &talk, &[], &[18.0, 18.0, 18.0, 18.0]), 100);
        assert!(old.dials > fresh.dials, "{old:?} {fresh:?}");
    }

    #[test]
    fn a_conditioning_pacer_at_target_zero_still_dials_one_call_per_free_idle_agent() {
        // Regression: the slots treat a call's answers in different slots as independent, so
        // with no margin at all the model saw a risk in a single dial for a single idle agent
        // and dialled nothing; a dial with an idle agent waiting for it cannot be abandoned.
        let talk: Vec<f64> = (0..19).map(|i| f64::from(i) * 10.0).collect();
        let mut p = trained(0.0);
        assert_eq!(p.decide(&view(1, &talk, &[], &[]), 100).dials, 1);
        assert_eq!(p.decide(&view(3, &talk, &[], &[4.0]), 100).dials, 2);
    }

    #[test]
    fn the_fast_conditioned_model_decides_as_the_reference_one() {
        // Random states of campaigns of 1 to 120 agents, for trained pacers (and one that has
        // learned nothing, which falls back on the memoryless chances): the same dials and the
        // same predicted share, to the bit (the adaptive controller sums the predictions).
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut u = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut pacers: Vec<Pacer> = [0.0, 0.03, 0.1, 0.25].into_iter().map(trained).collect();
        pacers.push(Pacer::new(&PacerConfig::queue_model(0.03)));
        let (mut compared, mut dialling) = (0, 0);
        for p in &mut pacers {
            let mut r = p.clone();
            r.scratch.reference = true;
            for _ in 0..400 {
                let agents = 1 + (u() * 120.0) as u32;
                let idle = ((u() * 4.0) as u32).min(agents);
                let wrapping = ((u() * 6.0) as u32).min(agents - idle);
                let talking = agents - idle - wrapping;
                let ringing = (u() * f64::from(agents / 2 + 2)) as u32;
                let waiting = u32::from(u() < 0.15) * (1 + (u() * 2.0) as u32);
                let talk: Vec<f64> = (0..talking).map(|_| u() * 400.0).collect();
                let wrap: Vec<f64> = (0..wrapping).map(|_| u() * 20.0).collect();
                let ring: Vec<f64> = (0..ringing).map(|_| u() * 22.0).collect();
                let v = PacingView::new(t0(), idle, talking, wrapping, ringing, waiting);
                let v = PacingView {
                    estimates: Estimates {
                        p_live: 0.1 + 0.3 * u(),
                        answer_delay: 4.0 + 8.0 * u(),
                        talk: 180.0,
                        wrap: 15.0,
                    },
                    ..v.with_elapsed(&talk, &wrap, &ring)
                };
                let max_new = 1 + (u() * 200.0) as u32;
                let (a, b) = (p.decide(&v, max_new), r.decide(&v, max_new));
                assert_eq!(a.dials, b.dials, "{v:?}");
                assert_eq!(a.predicted_abandon.to_bits(), b.predicted_abandon.to_bits(), "{v:?}");
                compared += 1;
                dialling += usize::from(a.dials > 0);
            }
        }
        assert!(dialling * 4 > compared, "only {dialling} of {compared} states dial at all");
    }

    #[test]
    fn histogram_forgets_its_oldest_samples_and_interpolates() {
        let mut h = Histogram::new(1.0, 10, 3);
        for x in [0.5, 2.5, 2.5, 7.5] {
            h.push(x, x > 2.0);
        }
        h.refresh();
        // 0.5 was pushed out by the fourth sample.
        assert_eq!(h.len(), 3);
        assert_eq!(h.at_most(2.0), (0.0, 0.0));
        assert_eq!(h.at_most(2.5), (1.0, 1.0));
        assert_eq!(h.at_most(100.0), (3.0, 3.0));
        assert!((h.quantile(0.5) - 2.75).abs() < 1e-9, "{}", h.quantile(0.5));
    }

    #[test]
    fn adaptive_is_careful_when_the_budget_is_spent() {
        let mut p = Pacer::new(&PacerConfig::adaptive());
        let spent = WindowCounts { live: 100.0, abandoned: 10.0, dials: 400 };
        let v = PacingView::new(t0(), 2, 14, 4, 0, 0).with_window(spent);
        let fresh = PacingView::new(t0(), 2, 14, 4, 0, 0);
        assert!(p.decide(&v, 1000).dials < p.decide(&fresh, 1000).dials);
        // Spent budget: target 0, so no more lines than sure-free agents.
        assert_eq!(p.decide(&v, 1000).dials, 2);
    }

    #[test]
    fn vicidial_raises_its_level_when_agents_wait_and_hard_limit_resets_it() {
        let mut p = Pacer::new(&PacerConfig::vicidial(VicidialMethod::AdaptHardLimit));
        let mut now = t0();
        let idle = PacingView::new(now, 10, 10, 0, 0, 0);
        for _ in 0..15 {
            p.on_tick(&PacingView { now, ..idle });
            now = now.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
        }
        let level = p.dial_level().unwrap();
        assert!((level - 1.5).abs() < 1e-9, "1 × (1 + 10/20) = 1.5, got {level}");
        assert_eq!(p.decide(&idle, 100).dials, 20, "round(1.5 × 20) − 10 talking");
        let over = idle.with_window(WindowCounts { live: 100.0, abandoned: 5.0, dials: 400 });
        for _ in 0..15 {
            p.on_tick(&PacingView { now, ..over });
            now = now.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
        }
        assert_eq!(p.dial_level(), Some(1.0));
    }

    #[test]
    fn vicidial_tapered_scales_by_hours_left() {
        let cfg = PacerConfig::Vicidial {
            method: VicidialMethod::AdaptTapered,
            initial_level: 2.0,
            max_level: 3.0,
            intensity: 0.0,
            dl_diff_target: 0.0,
            latest: Duration::from_secs(5 * 3600),
            drop_limit: None,
        };
        let mut p = Pacer::new(&cfg);
        p.on_window_start(t0());
        let mut now = t0();
        // Balanced: no agents ready, no calls waiting, over the cap: 5 h left → × 0.5.
        let over = PacingView::new(now, 0, 20, 0, 0, 0).with_window(WindowCounts {
            live: 100.0,
            abandoned: 5.0,
            dials: 400,
        });
        for _ in 0..15 {
            p.on_tick(&PacingView { now, ..over });
            now = now.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
        }
        assert!((p.dial_level().unwrap() - 1.0).abs() < 1e-9, "2 × 0.5 = 1");
    }
}
