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
//!   no-answer. Time is then followed through three answer slots (ending at 0.4, 1 and 2.8 mean
//!   answer delays; five slots predict a little closer and decide at about 0.6 times the speed,
//!   and the controller's figures are the same): the answers of a slot are served by the agents
//!   idle or left over from earlier slots and those free by the slot's middle plus the connect
//!   limit; answers beyond them are abandoned, agents beyond them carry on. With `U` the agents
//!   carried into a slot (a distribution), `V = U + freed` and `A` the slot's answers, the slot
//!   abandons `E[(A − V)⁺]` and leaves `U' = (V − A)⁺`: the expected abandonments are their
//!   sum, which the pacer keeps under `target × E[answers]`. One call's answers in different
//!   slots are taken as independent, which over-counts a little (the adaptive controller's
//!   learned bias takes that out), and a dial for an idle agent with no call on its way is
//!   always allowed. Until 30 times of a kind (100 for ringing) are learned, the memoryless
//!   model's chances stand in.
//!
//!   For speed the model is computed in a fast form: every agent's and call's chances in each
//!   slot come from tables over the elapsed time, built from the learned distributions and
//!   built again only when these have learned a 32nd more samples (at least 16) or the mean
//!   answer delay has moved by 1%; a slot's count of agents freed (or of live answers) is the
//!   exact Poisson-binomial distribution up to 16 agents (calls), beyond that the chances over
//!   0.2 exactly and the rest by the binomial of the same mean and variance; the slot's
//!   `free − ring` is built once a decision, when an evaluation first reaches the slot, and
//!   only `U + G ≥ 1` is summed at each evaluation (the abandonments are
//!   `E[U'] − E[U] − E[G]`, `G` the slot's freed agents less its answers). The tests hold its
//!   predictions within 1% of the expected live answers (5% of a prediction over 0.01) of the
//!   model computed directly, on random states of 1 to 120 agents.
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
    /// The conditioned model's chances, tabulated from the three.
    tables: Tables,
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
    /// The conditioned model's slots.
    slots: Vec<Slot>,
    last_n: u32,
    /// Decide with the reference implementation of the conditioned model (tests only), and its
    /// slots.
    #[cfg(test)]
    reference: bool,
    #[cfg(test)]
    horizons: Vec<reference::Horizon>,
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
    /// Samples pushed, ever.
    pushes: u64,
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
            pushes: 0,
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
        self.pushes += 1;
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

    /// `P(T ≤ e + x | T > e)`, with the samples at most `e` (`below`) and longer (`beyond`)
    /// already counted; where fewer than 50 samples are longer than `e`, blended towards the
    /// exponential with mean `mean` (two samples' worth of prior). (The reference implementation
    /// of the tests; the model tabulates it.)
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
            tables: Tables::default(),
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
                #[cfg(test)]
                if self.scratch.reference {
                    self.talk_times.refresh();
                    self.wrap_times.refresh();
                    self.ring_times.refresh();
                    let learned = reference::Learned {
                        talk: &self.talk_times,
                        wrap: &self.wrap_times,
                        ring: &self.ring_times,
                    };
                    let model = Model::Reference(learned);
                    return queue_model(view, target, max_new, &mut self.scratch, model);
                }
                self.tables.refresh(
                    view,
                    [&mut self.talk_times, &mut self.wrap_times, &mut self.ring_times],
                );
                let known = [
                    self.talk_times.len() >= MIN_TIMES,
                    self.wrap_times.len() >= MIN_TIMES,
                    self.ring_times.len() >= MIN_RINGS,
                ];
                let model = Model::Conditioned(&self.tables, known);
                return queue_model(view, target, max_new, &mut self.scratch, model);
            }
            return queue_model(view, target, max_new, &mut self.scratch, Model::Memoryless);
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
const HORIZONS: [f64; 3] = [0.4, 1.0, 2.8];

#[cfg(test)]
#[path = "pacing_reference.rs"]
mod reference;

/// The number of answer slots of the conditioned model.
const S: usize = HORIZONS.len();

/// A table row: a value per slot, then [`BEYOND`] and [`MARKED`].
const ROW: usize = S + 2;
/// A table row's samples longer than the elapsed time (ring rows: calls still ringing).
const BEYOND: usize = S;
/// A ring row's live answers among the calls still ringing.
const MARKED: usize = S + 1;

/// The tables' mean answer delay is laid again when the estimate has moved by more than this
/// share of it.
const DELAY_TOLERANCE: f64 = 0.01;

/// A table is built again once its distribution has learned this many new samples, or a 64th of
/// those it holds if more.
const REBUILD_SAMPLES: u64 = 16;

/// The conditioned model's chances for one kind of agent or call as functions of the elapsed
/// time, tabulated from a learned distribution as sample counts: row `i` holds them at
/// `i · step` seconds (an eighth of a bin, or an end over [`MAX_ROWS`] where that is longer:
/// a quarter bin for talk times put the predictions 1.2% of the answers off with three slots),
/// the last row from then on (no learned sample lasts longer), and a lookup interpolates
/// linearly. The chances are ratios of these counts, worked
/// out at the lookup: counts interpolate well (they are piecewise linear in the elapsed time,
/// as the histogram is within a bin), ratios do not (at the ring timeout, a bin holding a
/// thousand calls that rang out, the calls still ringing fall from a thousand to a few within
/// a bin).
///
/// Talk and wrap-up rows: `row[j]` the samples longer than the elapsed time that end in slot
/// `j` (by its boundary and not by the one before; a talker: averaged over four wrap-up
/// quantiles), `row[BEYOND]` the samples longer than the elapsed time. Ring rows: `row[j]`
/// the live answers in slot `j` among the calls still ringing at the elapsed time,
/// `row[BEYOND]` the calls still ringing, `row[MARKED]` the live answers among them. Each is
/// nondecreasing by the slot's end, so its increments interpolate as the totals do.
#[derive(Debug, Clone, Default)]
struct Table {
    inv_step: f64,
    rows: Vec<[f64; ROW]>,
    /// The distribution's push count when the table was built (None: not built).
    pushes: Option<u64>,
}

impl Table {
    /// The row at `el` seconds, interpolated.
    #[inline(always)]
    fn at(&self, el: f64) -> [f64; ROW] {
        let last = self.rows.len() - 1;
        let pos = el.max(0.0) * self.inv_step;
        // (A NaN elapsed time takes the last row.)
        if pos.is_nan() || pos >= last as f64 {
            return self.rows[last];
        }
        let i = pos as usize;
        let f = pos - i as f64;
        let (a, b) = (&self.rows[i], &self.rows[i + 1]);
        let mut r = [0.0; ROW];
        for k in 0..ROW {
            r[k] = a[k] + f * (b[k] - a[k]);
        }
        r
    }

    /// Whether the table must be built again for `h`.
    fn stale(&self, h: &Histogram) -> bool {
        self.pushes.is_none_or(|p| h.pushes - p >= REBUILD_SAMPLES.max(h.len() as u64 / 32))
    }

    /// Rows at every `step` seconds from 0 to past the last learned sample, each from `row(el)`.
    fn build(&mut self, step: f64, h: &Histogram, mut row: impl FnMut(f64) -> [f64; ROW]) {
        self.inv_step = 1.0 / step;
        self.rows.clear();
        let end = h.end();
        let nodes = ((end / step).ceil() as usize).saturating_add(1).max(2);
        self.rows.extend((0..nodes).map(|i| increments(row(i as f64 * step))));
        self.pushes = Some(h.pushes);
    }
}

/// A row whose first `S` values are by each slot's boundary (each nondecreasing in the slot:
/// more samples end, or more chance has passed, by a later boundary) turned into each slot's
/// increment over the one before, as the model takes them; the values after the slots (a table
/// row's [`BEYOND`] and [`MARKED`]) are kept.
fn increments<const N: usize>(mut r: [f64; N]) -> [f64; N] {
    for j in (1..S).rev() {
        r[j] = (r[j] - r[j - 1]).max(0.0);
    }
    r
}

/// The most rows a table has: longer distributions get a coarser step.
const MAX_ROWS: f64 = 1024.0;

/// The fast form of the conditioned model's inputs: the slots' geometry for the current
/// mean answer delay, the three tables, and the chances that depend on the estimates alone.
#[derive(Debug, Clone, Default)]
struct Tables {
    /// The mean answer delay and connect limit the slots were laid for (0: not yet).
    delay: f64,
    connect: f64,
    /// Slot ends and the times by which an agent must be free to serve a slot's answers.
    t: [f64; S],
    b: [f64; S],
    /// The exponential prior's share of the answers in slot `j` (`1 − exp(−t / delay)` by
    /// its end less by its start).
    kappa: [f64; S],
    /// The wrap-up quantiles the talk table was built with, and the wrap-up mean they came
    /// from when no wrap-up had been learned (NaN otherwise).
    wq: [f64; 4],
    wq_mean: f64,
    talk: Table,
    wrap: Table,
    ring: Table,
    /// The estimates the following were worked out for (talk and wrap-up means).
    consts_for: Option<(f64, f64)>,
    /// Exponential priors: a talker's chance averaged over the wrap-up quantiles, a wrapping
    /// agent's chance, and the memoryless chance of a talker (talk then wrap-up), of being
    /// free by `b[j]` and not by `b[j − 1]`.
    talk_prior: [f64; S],
    wrap_prior: [f64; S],
    hypo: [f64; S],
}

impl Tables {
    /// Builds what has moved since the last decision.
    fn refresh(&mut self, v: &PacingView<'_>, h: [&mut Histogram; 3]) {
        let e = &v.estimates;
        let d = e.answer_delay.max(0.5);
        let c = v.connect_limit.max(0.0);
        let [talk, wrap, ring] = h;
        let mut moved = false;
        if self.delay == 0.0
            || (d - self.delay).abs() > DELAY_TOLERANCE * self.delay
            || c != self.connect
        {
            self.delay = d;
            self.connect = c;
            let mut prev = 0.0;
            for (j, &h) in HORIZONS.iter().enumerate() {
                self.t[j] = h * d;
                self.b[j] = 0.5 * (prev + self.t[j]) + c;
                self.kappa[j] = 1.0 - (-h).exp();
                prev = self.t[j];
            }
            self.kappa = increments(self.kappa);
            self.talk.pushes = None;
            self.wrap.pushes = None;
            self.ring.pushes = None;
            moved = true;
        }
        let wrap_known = wrap.len() >= MIN_TIMES;
        if wrap_known && self.wrap.stale(wrap) {
            wrap.refresh();
            let step = (wrap.width / 8.0).max(wrap.end() / MAX_ROWS);
            let b = self.b;
            self.wrap.build(step, wrap, |el| {
                let (below, beyond) = wrap.below_beyond(el);
                let mut r = [0.0; ROW];
                for j in 0..S {
                    r[j] = (wrap.at_most(el + b[j]).0 - below).max(0.0);
                }
                r[BEYOND] = beyond;
                r
            });
            // The talk table's wrap-up quantiles came from the old one.
            self.talk.pushes = None;
            moved = true;
        }
        if !wrap_known && self.wq_mean.to_bits() != e.wrap.to_bits() {
            // Quantiles from the exponential prior while no wrap-up is learned.
            self.talk.pushes = None;
        }
        if talk.len() >= MIN_TIMES && self.talk.stale(talk) {
            talk.refresh();
            for (k, w) in self.wq.iter_mut().enumerate() {
                let u = (k as f64 + 0.5) / 4.0;
                *w = if wrap_known { wrap.quantile(u) } else { -e.wrap.max(0.0) * (1.0 - u).ln() };
            }
            self.wq_mean = if wrap_known { f64::NAN } else { e.wrap };
            let step = (talk.width / 8.0).max(talk.end() / MAX_ROWS);
            let (b, wq) = (self.b, self.wq);
            self.talk.build(step, talk, |el| {
                let (below, beyond) = talk.below_beyond(el);
                let mut r = [0.0; ROW];
                for j in 0..S {
                    let mut sum = 0.0;
                    for &w in &wq {
                        let x = b[j] - w;
                        if x > 0.0 {
                            sum += (talk.at_most(el + x).0 - below).max(0.0);
                        }
                    }
                    r[j] = sum / 4.0;
                }
                r[BEYOND] = beyond;
                r
            });
            moved = true;
        }
        if ring.len() >= MIN_RINGS && self.ring.stale(ring) {
            ring.refresh();
            let step = (ring.width / 8.0).max(ring.end() / MAX_ROWS);
            let t = self.t;
            let n = ring.all.len();
            self.ring.build(step, ring, |el| {
                let (a, m) = ring.at_most(el);
                let all = (ring.cum_all[n] - a).max(0.0);
                let marked = (ring.cum_marked[n] - m).max(0.0);
                let mut r = [0.0; ROW];
                for j in 0..S {
                    r[j] = (ring.at_most(el + t[j]).1 - m).max(0.0);
                }
                r[BEYOND] = all;
                r[MARKED] = marked;
                r
            });
        }
        if moved || self.consts_for != Some((e.talk, e.wrap)) {
            self.consts_for = Some((e.talk, e.wrap));
            let (tm, wm) = (e.talk.max(1e-9), e.wrap.max(1e-9));
            for j in 0..S {
                let mut sum = 0.0;
                for &w in &self.wq {
                    let x = self.b[j] - w;
                    if x > 0.0 {
                        sum += 1.0 - (-x / tm).exp();
                    }
                }
                self.talk_prior[j] = sum / 4.0;
                self.wrap_prior[j] = 1.0 - (-self.b[j] / wm).exp();
                self.hypo[j] = hypoexp_cdf(self.b[j], e.talk, e.wrap);
            }
            self.talk_prior = increments(self.talk_prior);
            self.wrap_prior = increments(self.wrap_prior);
            self.hypo = increments(self.hypo);
        }
    }
}

/// A learned chance of ending within a stretch is the samples ending in it over those still
/// going at its start (`beyond`); with fewer than 50 of those, two samples' worth of the
/// exponential prior are blended in. Returns what multiplies the samples ending in the stretch
/// and what multiplies the prior's chance.
fn learned_weights(beyond: f64) -> (f64, f64) {
    // (Without a branch: the elapsed times of a decision fall either side of it at random.)
    let blend = if beyond >= 50.0 { 0.0 } else { 2.0 };
    let w = 1.0 / (beyond + blend);
    (w, blend * w)
}

impl Histogram {
    /// Samples at most `el` seconds, and longer.
    fn below_beyond(&self, el: f64) -> (f64, f64) {
        let (below, _) = self.at_most(el);
        (below, (self.cum_all[self.all.len()] - below).max(0.0))
    }

    /// The end of the last bin holding a sample, seconds (0 when empty).
    fn end(&self) -> f64 {
        self.all.iter().rposition(|&c| c > 0).map_or(0.0, |i| (i + 1) as f64 * self.width)
    }
}

/// One answer slot of the fast conditioned model, for a decision.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// Each agent's chance of being freed for the slot, and each ringing call's of a live
    /// answer in it, that count exactly (all over 1e-12 in a small campaign, else those over
    /// [`EXACT_ABOVE`]).
    pf: Vec<f64>,
    pr: Vec<f64>,
    /// Distribution of the agents freed for the slot (Poisson-binomial).
    free: Vec<f64>,
    /// Distribution of the live answers in the slot among the ringing calls.
    ring: Vec<f64>,
    /// Distribution of `free − ring`: value `h_lo + i` at `h[i]`, and its mean.
    h: Vec<f64>,
    h_lo: i64,
    h_mean: f64,
    /// A new dial's chance of a live answer in the slot.
    p_new: f64,
    /// The sums of the chances not in `pf` (`pr`) and of their squares.
    mf: [f64; 2],
    mr: [f64; 2],
    /// Whether `free`, `ring` and `h` are built for this decision: a slot is built when an
    /// evaluation first reaches it (one that stops early, over its limit, may never).
    built: bool,
}

impl Slot {
    /// Builds the counts, and `free − ring` once a decision (a new dial's answers are taken off
    /// at each evaluation).
    fn build(&mut self) {
        poisson_binomial(&self.pf, self.mf[0], self.mf[1], &mut self.free);
        poisson_binomial(&self.pr, self.mr[0], self.mr[1], &mut self.ring);
        let lr = self.ring.len();
        self.h_lo = 1 - lr as i64;
        self.h.clear();
        self.h.resize(self.free.len() + lr - 1, 0.0);
        // Value f − r at index f − r + lr − 1: for each f, the ring counts from the top run
        // up `h` from index f.
        for (f, &pf) in self.free.iter().enumerate() {
            for (x, &pr) in self.h[f..f + lr].iter_mut().zip(self.ring.iter().rev()) {
                *x += pf * pr;
            }
        }
        self.h_mean = mean(&self.free) - mean(&self.ring);
        // Without its negligible ends (the mean is kept: only values above 0 are summed).
        trim_top(&mut self.h, TRIM);
        let first = self.h.iter().position(|&x| x >= TRIM).unwrap_or(0);
        self.h.drain(..first);
        self.h_lo += first as i64;
        self.built = true;
    }
}

/// Fills the slots of the conditioned model from the tables; returns the expected live answers
/// among the ringing calls, ever.
fn prepare_fast(v: &PacingView<'_>, tb: &Tables, known: [bool; 3], s: &mut Scratch) -> f64 {
    let p = v.estimates.p_live.clamp(0.0, 1.0);
    let [talk_known, wrap_known, ring_known] = known;
    let per_talker = talk_known && v.talk_elapsed.len() == v.talking as usize;
    let per_wrapper = wrap_known && v.wrap_elapsed.len() == v.wrapping as usize;
    let per_call = ring_known && v.ring_elapsed.len() == v.ringing as usize;
    s.slots.resize_with(S, Slot::default);
    for sl in &mut s.slots {
        sl.pf.clear();
        sl.pr.clear();
    }
    let slots = &mut s.slots[..];
    // Small counts are exact; larger ones keep the large chances and the sums of the others
    // and of their squares (`mf`, `mr`: agents freed, live answers).
    let exact_free = v.talking + v.wrapping <= EXACT_TERMS;
    let exact_ring = v.ringing <= EXACT_TERMS;
    let mut mf = [[0.0f64; 2]; S];
    let mut mr = [[0.0f64; 2]; S];
    // One agent's (call's) chances in each slot, `d`, in the counts (free in slot j: free by
    // b[j] and not by b[j − 1]; the tables and priors hold these increments).
    #[inline(always)]
    fn add(
        d: &[f64; S],
        exact: bool,
        slots: &mut [Slot],
        list: fn(&mut Slot) -> &mut Vec<f64>,
        m: &mut [[f64; 2]; S],
    ) {
        let big = d.iter().any(|&x| x > EXACT_ABOVE);
        if exact || big {
            for (j, sl) in slots.iter_mut().enumerate() {
                if d[j] > EXACT_ABOVE || (exact && d[j] > 1e-12) {
                    list(sl).push(d[j]);
                } else {
                    m[j][0] += d[j];
                    m[j][1] += d[j] * d[j];
                }
            }
        } else {
            for j in 0..S {
                m[j][0] += d[j];
                m[j][1] += d[j] * d[j];
            }
        }
    }
    fn free_list(sl: &mut Slot) -> &mut Vec<f64> {
        &mut sl.pf
    }
    fn ring_list(sl: &mut Slot) -> &mut Vec<f64> {
        &mut sl.pr
    }
    let mut d = [0.0; S];
    // Talking agents, then agents in wrap-up: each from its table and the exponential prior
    // blended in, or (nothing learned or no elapsed times) the memoryless chances.
    let agents = [
        (per_talker, v.talk_elapsed, &tb.talk, &tb.talk_prior, v.talking, &tb.hypo),
        (per_wrapper, v.wrap_elapsed, &tb.wrap, &tb.wrap_prior, v.wrapping, &tb.wrap_prior),
    ];
    for (per_agent, elapsed, table, prior, count, memoryless) in agents {
        if per_agent {
            for &el in elapsed {
                let r = table.at(el);
                let (wl, wp) = learned_weights(r[BEYOND]);
                for j in 0..S {
                    d[j] = r[j] * wl + wp * prior[j];
                }
                add(&d, exact_free, slots, free_list, &mut mf);
            }
        } else {
            for _ in 0..count {
                add(memoryless, exact_free, slots, free_list, &mut mf);
            }
        }
    }
    // A new dial's chance of a live answer in each slot: of the calls that rang, the share
    // answered by a person in the slot, with two calls' worth of the prior (the chance by a
    // slot's end is at most 1, as the live answers are at most the calls: no clamp).
    let prior = tb.kappa.map(|k| p * k);
    let r0 = if ring_known { tb.ring.rows[0] } else { [0.0; ROW] };
    let w0 = 1.0 / (r0[BEYOND] + 2.0);
    for (j, sl) in slots.iter_mut().enumerate() {
        sl.p_new = if ring_known { (r0[j] + 2.0 * prior[j]) * w0 } else { prior[j] };
    }
    // Each ringing call's chance of a live answer in each slot.
    let mut ever = 0.0;
    if per_call {
        for &el in v.ring_elapsed {
            let r = tb.ring.at(el);
            let w = 1.0 / (r[BEYOND] + 2.0);
            ever += ((r[MARKED] + 2.0 * p) * w).clamp(0.0, 1.0);
            for j in 0..S {
                d[j] = (r[j] + 2.0 * prior[j]) * w;
            }
            add(&d, exact_ring, slots, ring_list, &mut mr);
        }
    } else {
        ever = f64::from(v.ringing) * p;
        for _ in 0..v.ringing {
            add(&prior, exact_ring, slots, ring_list, &mut mr);
        }
    }
    // The counts are built when an evaluation first needs them (`Slot::build`).
    for (j, sl) in slots.iter_mut().enumerate() {
        (sl.mf, sl.mr, sl.built) = (mf[j], mr[j], false);
    }
    ever
}

/// The chances under which the fast model drops the ends of a distribution.
const TRIM: f64 = 1e-12;

/// Up to this many agents (calls), a slot's count of agents freed (live answers) is the exact
/// Poisson-binomial distribution; beyond, partly the binomial with the same mean and variance.
const EXACT_TERMS: u32 = 16;

/// Of the chances of a slot's count taken over by the binomial approximation, those above this
/// still count exactly.
const EXACT_ABOVE: f64 = 0.2;

/// `out` = the distribution of the number of successes among independent trials: those whose
/// chances sum to `mu` and their squares to `nu` by the binomial of the same mean and
/// variance (see [`binomial_matched`]), then those of chances `ps` exactly, one trial at a time
/// (in place: no convolution, nothing allocated once warm).
fn poisson_binomial(ps: &[f64], mu: f64, nu: f64, out: &mut Vec<f64>) {
    out.clear();
    if mu > 1e-12 {
        binomial_matched(mu, nu, out);
    } else {
        out.push(1.0);
    }
    // Trimmed as it grows far below TRIM only, so that the order of the trials (the engine's
    // order of its agents and calls) moves the result by rounding only.
    for &x in ps {
        add_bernoulli(out, x);
        trim_top(out, 1e-18);
    }
    trim_top(out, TRIM);
}

/// `out` = the binomial `Bin(N, p̄)` with the mean `μ = Σp` and the variance `μ − ν`
/// (`ν = Σp²`) of the count of successes among independent trials of chances `p`:
/// `p̄ = ν / μ` and `N = μ / p̄` (not a whole number: the terms are those of the binomial
/// series, cut where `N − k` turns negative). The binomial approximation of a sum of unlike
/// Bernoulli trials (Ehm, 1991) errs by the spread of the chances, which taking the large ones
/// out narrows; the tests bound what it does to the predictions.
fn binomial_matched(mu: f64, nu: f64, out: &mut Vec<f64>) {
    out.clear();
    if mu <= 0.0 {
        out.push(1.0);
        return;
    }
    let pbar = nu / mu;
    if !(pbar > 0.0 && mu.is_finite()) {
        // (Not a number: no count rather than a loop that never ends.)
        out.push(1.0);
        return;
    }
    if pbar >= 1.0 - 1e-12 {
        let k = mu.round() as usize;
        out.resize(k + 1, 0.0);
        out[k] = 1.0;
        return;
    }
    let nf = mu / pbar;
    let r = pbar / (1.0 - pbar);
    if mu < 20.0 {
        // Up from 0 (P(0) = (1 − p̄)^N ≥ e^(−μ / (1 − p̄)) is far from underflow).
        let mut x = (nf * (-pbar).ln_1p()).exp();
        out.push(x);
        let mut k = 0usize;
        while nf - (k as f64) > 0.0 && k < RECIPROCALS.len() {
            x *= (nf - k as f64) * RECIPROCALS[k] * r;
            if x < TRIM && k as f64 > mu {
                break;
            }
            out.push(x);
            k += 1;
        }
        if k < RECIPROCALS.len() {
            // (N is not a whole number: the terms kept do not sum to 1 exactly.)
            let norm = 1.0 / out.iter().sum::<f64>();
            for x in out.iter_mut() {
                *x *= norm;
            }
            return;
        }
        out.clear();
    }
    let mode = ((nf + 1.0) * pbar).floor().min(nf.floor()).max(0.0) as usize;
    // Terms relative to the mode's, down then up.
    out.resize(mode + 1, 0.0);
    out[mode] = 1.0;
    let mut x = 1.0;
    for k in (1..=mode).rev() {
        x *= k as f64 / ((nf - k as f64 + 1.0) * r);
        if x < TRIM {
            break;
        }
        out[k - 1] = x;
    }
    let mut x = 1.0;
    let mut k = mode as f64;
    while nf - k > 0.0 {
        x *= (nf - k) / (k + 1.0) * r;
        if x < TRIM {
            break;
        }
        out.push(x);
        k += 1.0;
    }
    let norm = 1.0 / out.iter().sum::<f64>();
    for x in out.iter_mut() {
        *x *= norm;
    }
}

/// The mean of a distribution over 0, 1, 2, ...
fn mean(d: &[f64]) -> f64 {
    d.iter().enumerate().map(|(i, &x)| i as f64 * x).sum()
}

/// Drops the top entries of a distribution under `eps` (keeps at least one).
fn trim_top(d: &mut Vec<f64>, eps: f64) {
    while d.len() > 1 && d.last().is_some_and(|&x| x < eps) {
        d.pop();
    }
}

/// The fast conditioned model's expected abandonments for `n` new dials.
///
/// The slots in turn: with `U` the agents unused so far (a distribution; the idle agents at
/// first), `F` those freed in the slot and `A` its answers, `G = F − A` (the ringing calls' part
/// `free − ring` is built once a decision, a new dial's binomial taken off here), the slot
/// abandons `E[(−(U + G))⁺]` and leaves `U' = (U + G)⁺`. As `x⁻ = x⁺ − x`, the abandonments are
/// `E[U'] − E[U] − E[G]` with `E[G]` known: only `U + G ≥ 1` is ever summed, so only the values
/// of `G` above `−max U` are built.
///
/// As in the reference model, `U + F` counts no more agents than are logged in (the slots take
/// an agent's chances in different slots as independent, so more could be counted): where that
/// bound may bind (a chance over 1e-12), the slot adds `F` to `U`, caps it, and takes `A` off
/// after.
///
/// Once the abandonments pass `limit` the later slots are skipped.
fn excess_fast(v: &PacingView<'_>, n: u32, s: &mut Scratch, limit: f64) -> f64 {
    let Scratch { slots, free: u, tmp: bin, conv: g, answered: next, .. } = s;
    let cap = i64::from(v.idle) + i64::from(v.talking) + i64::from(v.wrapping);
    u.clear();
    u.push(1.0);
    let mut u_lo = i64::from(v.idle);
    let mut eu = f64::from(v.idle);
    let mut lost = 0.0;
    let last = slots.len() - 1;
    for (j, sl) in slots.iter_mut().enumerate() {
        if !sl.built {
            sl.build();
        }
        let sl = &*sl;
        let w = if j == 0 { i64::from(v.waiting) } else { 0 };
        let b_lo = i64::from(binomial_window(n, sl.p_new, bin));
        let b_hi = b_lo + bin.len() as i64 - 1;
        let new_mean = f64::from(n) * sl.p_new;
        let f_hi = sl.free.len() as i64 - 1;
        let u_hi = u_lo + u.len() as i64 - 1;
        // The chance that U + F passes the cap.
        let mut over = 0.0;
        if u_hi + f_hi > cap {
            for (ui, &pu) in u.iter().enumerate() {
                let from = (cap - u_lo - ui as i64 + 1).max(0) as usize;
                over += pu * sl.free.get(from..).map_or(0.0, |t| t.iter().sum::<f64>());
            }
        }
        let (g_lo, eg);
        let gs: &[f64];
        if over <= 1e-12 && n == 0 {
            // G = H − w: H itself, from the first value that meets some U to make 1 or more.
            eg = sl.h_mean - w as f64;
            let skip = (1 - u_hi + w - sl.h_lo).clamp(0, sl.h.len() as i64 - 1);
            g_lo = sl.h_lo + skip - w;
            gs = &sl.h[skip as usize..];
        } else if over <= 1e-12 {
            // G = H − B − w, from g_lo (no lower value meets any U to make 1 or more) up.
            eg = sl.h_mean - new_mean - w as f64;
            let g_hi = sl.h_lo + sl.h.len() as i64 - 1 - b_lo - w;
            g_lo = (sl.h_lo - b_hi - w).max(1 - u_hi).min(g_hi);
            g.clear();
            g.resize((g_hi - g_lo + 1) as usize, 0.0);
            // G(g) = Σ_b B(b) H(g + b + w).
            for (bi, &pb) in bin.iter().enumerate() {
                let shift = b_lo + bi as i64 + w - sl.h_lo; // H's index of g is g + shift
                let start = (g_lo + shift).max(0);
                let end = (g_hi + shift).min(sl.h.len() as i64 - 1);
                if start > end {
                    continue;
                }
                let off = (start - shift - g_lo) as usize;
                for (x, &ph) in g[off..].iter_mut().zip(&sl.h[start as usize..=end as usize]) {
                    *x += pb * ph;
                }
            }
            gs = g;
        } else {
            // U = min(U + F, cap) first.
            next.clear();
            next.resize((u_hi + f_hi - u_lo + 1) as usize, 0.0);
            for (ui, &pu) in u.iter().enumerate() {
                for (x, &pf) in next[ui..].iter_mut().zip(&sl.free) {
                    *x += pu * pf;
                }
            }
            let keep = (cap - u_lo + 1).max(1) as usize;
            if next.len() > keep {
                let tail: f64 = next[keep..].iter().sum();
                next.truncate(keep);
                next[keep - 1] += tail;
            }
            std::mem::swap(u, next);
            eu = u_lo as f64 + mean(u);
            // G = −(R ⊗ B) − w: value −(r + b) − w at index r_hi + b_hi − (r + b).
            let r_hi = sl.ring.len() as i64 - 1;
            eg = -(mean(&sl.ring) + new_mean + w as f64);
            g_lo = -(r_hi + b_hi) - w;
            g.clear();
            g.resize((r_hi + b_hi - b_lo + 1) as usize, 0.0);
            let top = g.len() - 1;
            for (r, &pr) in sl.ring.iter().enumerate() {
                for (bi, &pb) in bin.iter().enumerate() {
                    g[top - r - bi] += pr * pb;
                }
            }
            gs = g;
        }
        let g = gs;
        let u_hi = u_lo + u.len() as i64 - 1;
        let g_hi = g_lo + g.len() as i64 - 1;
        if u_hi + g_hi < 1 {
            // U + G ≤ 0 surely: every agent is used, the answers beyond them abandoned.
            lost += (-eu - eg).max(0.0);
            if lost > limit || j == last {
                return lost;
            }
            u.clear();
            u.push(1.0);
            u_lo = 0;
            eu = 0.0;
            continue;
        }
        if j == last {
            // E[(U + G)⁺] = Σ_u U(u) (u · P(G ≥ 1 − u) + E[G; G ≥ 1 − u]), from the suffix
            // sums of G (in `next`: P(G ≥ g) then E[G; G ≥ g] at g − g_lo).
            let len = g.len();
            next.clear();
            next.resize(2 * len + 2, 0.0);
            let (tail_p, tail_e) = next.split_at_mut(len + 1);
            let (mut sp, mut se) = (0.0, 0.0);
            for (k, ((&x, p), e)) in g.iter().zip(&mut *tail_p).zip(&mut *tail_e).enumerate().rev()
            {
                sp += x;
                se += (g_lo + k as i64) as f64 * x;
                *p = sp;
                *e = se;
            }
            let mut pos = 0.0;
            for (ui, &pu) in u.iter().enumerate() {
                let uu = u_lo + ui as i64;
                let k = (1 - uu - g_lo).clamp(0, len as i64) as usize;
                pos += pu * (uu as f64 * tail_p[k] + tail_e[k]);
            }
            return lost + (pos - eu - eg).max(0.0);
        }
        // U'(y) = Σ_u U(u) G(y − u) for y ≥ 1, and U'(0) the rest.
        next.clear();
        next.resize((u_hi + g_hi + 1) as usize, 0.0);
        for (ui, &pu) in u.iter().enumerate() {
            if pu < 1e-300 {
                continue;
            }
            let uu = u_lo + ui as i64;
            let from = (1 - uu - g_lo).max(0) as usize;
            if from >= g.len() {
                continue;
            }
            let y0 = (uu + g_lo + from as i64) as usize;
            for (x, &pg) in next[y0..].iter_mut().zip(&g[from..]) {
                *x += pu * pg;
            }
        }
        let (mut mass, mut e_next) = (0.0, 0.0);
        for (y, &x) in next.iter().enumerate().skip(1) {
            mass += x;
            e_next += y as f64 * x;
        }
        next[0] = (1.0 - mass).max(0.0);
        lost += (e_next - eu - eg).max(0.0);
        if lost > limit {
            return lost;
        }
        // The next U, without its negligible ends (its mean is that of the whole).
        trim_top(next, TRIM);
        let first = next.iter().position(|&x| x >= TRIM).unwrap_or(0);
        next.drain(..first);
        std::mem::swap(u, next);
        u_lo = first as i64;
        eu = e_next;
    }
    lost
}

/// `1 / (k + 1)` for `k` in `0..64`.
const RECIPROCALS: [f64; 64] = {
    let mut t = [0.0; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = 1.0 / (k as f64 + 1.0);
        k += 1;
    }
    t
};

/// Fills `out` with the binomial(`n`, `p`) probabilities: for up to 64 trials from 0 up, to
/// where they fall under 1e-17 past the mean; for more, around their mode, down to 1e-17 of
/// the mode's on both sides, normalised. Returns the count of the first (`out[0]`).
fn binomial_window(n: u32, p: f64, out: &mut Vec<f64>) -> u32 {
    out.clear();
    if n == 0 || p <= 0.0 {
        out.push(1.0);
        return 0;
    }
    if p >= 1.0 {
        out.push(1.0);
        return n;
    }
    if n == 1 {
        out.extend_from_slice(&[1.0 - p, p]);
        return 0;
    }
    if n <= 64 {
        // Up from 0: (1 − p)ⁿ is far from underflow for so few trials.
        let r = p / (1.0 - p);
        let mut x = (1.0 - p).powi(n as i32);
        out.push(x);
        for k in 0..n {
            x *= f64::from(n - k) * RECIPROCALS[k as usize] * r;
            if x < 1e-17 && f64::from(k) > f64::from(n) * p {
                break;
            }
            out.push(x);
        }
        return 0;
    }
    let nf = f64::from(n);
    let r = p / (1.0 - p);
    let mode = ((nf + 1.0) * p).floor().min(nf) as u32;
    // Down from the mode (into the front of `out`, reversed after), then up.
    out.push(1.0);
    let mut k = mode;
    let mut x = 1.0;
    while k > 0 {
        x *= f64::from(k) / ((nf - f64::from(k) + 1.0) * r);
        if x < 1e-17 {
            break;
        }
        out.push(x);
        k -= 1;
    }
    let lo = mode - (out.len() as u32 - 1);
    out.reverse();
    let mut x = 1.0;
    let mut k = mode;
    while k < n {
        x *= (nf - f64::from(k)) / (f64::from(k) + 1.0) * r;
        if x < 1e-17 {
            break;
        }
        out.push(x);
        k += 1;
    }
    let norm = 1.0 / out.iter().sum::<f64>();
    for x in out.iter_mut() {
        *x *= norm;
    }
    lo
}

/// The expected abandonments a decision may exceed its target by: more than the fast model's
/// rounding and trimmed tails (about 1e-11), so that no decision turns on them (nor on the
/// order in which the engine lists its agents and calls).
const MARGIN: f64 = 1e-9;

/// Which form of the queueing model decides.
#[derive(Clone, Copy)]
enum Model<'a> {
    /// Counts only, exponential remaining times.
    Memoryless,
    /// Conditioned on the elapsed times, with the tables and which distributions are learned
    /// (talk, wrap-up, ring).
    Conditioned(&'a Tables, [bool; 3]),
    /// The conditioned model's reference implementation (tests only).
    #[cfg(test)]
    Reference(reference::Learned<'a>),
}

/// The queueing-model decision at target `alpha`. Never fewer dials than idle agents without a
/// call on its way to them (such a dial cannot be abandoned).
fn queue_model(
    v: &PacingView<'_>,
    alpha: f64,
    max_new: u32,
    s: &mut Scratch,
    model: Model<'_>,
) -> Decision {
    let mut d = queue_model_search(v, alpha, max_new, s, model);
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
    model: Model<'_>,
) -> Decision {
    let e = &v.estimates;
    let p = e.p_live.clamp(0.0, 1.0);
    if max_new == 0 || p <= 0.0 {
        return Decision { dials: 0, predicted_abandon: 0.0 };
    }
    let idle = f64::from(v.idle);
    let waiting = f64::from(v.waiting);
    let (ring_mean, bmax) = match model {
        Model::Conditioned(tb, known) => (prepare_fast(v, tb, known, s), 0),
        #[cfg(test)]
        Model::Reference(l) => (reference::prepare_conditioned(v, l, s), 0),
        Model::Memoryless => {
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
            (f64::from(v.ringing) * p, bmax)
        }
    };
    // excess(n) and E[A](n), for n new dials.
    let mut eval = |n: u32, s: &mut Scratch| -> (f64, f64) {
        let mean_a = waiting + ring_mean + f64::from(n) * p;
        let limit = alpha * mean_a + MARGIN;
        match model {
            Model::Conditioned(..) => return (excess_fast(v, n, s, limit), mean_a),
            #[cfg(test)]
            Model::Reference(_) => return (reference::excess_conditioned(v, n, s, limit), mean_a),
            Model::Memoryless => {}
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
        (x <= alpha * a + MARGIN, if a > 0.0 { x / a } else { 0.0 })
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

    /// A random state of a campaign of 1 to `max_agents` agents: counts, elapsed times,
    /// estimates, and the most new dials allowed.
    struct RandomState {
        idle: u32,
        waiting: u32,
        talk: Vec<f64>,
        wrap: Vec<f64>,
        ring: Vec<f64>,
        estimates: Estimates,
        max_new: u32,
    }

    fn random_states(seed: u64, count: usize, max_agents: u32) -> Vec<RandomState> {
        let mut x = seed;
        let mut u = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..count)
            .map(|_| {
                let agents = 1 + (u() * f64::from(max_agents)) as u32;
                let idle = ((u() * 4.0) as u32).min(agents);
                let wrapping = ((u() * 6.0) as u32).min(agents - idle);
                let talking = agents - idle - wrapping;
                let ringing = (u() * f64::from(agents / 2 + 2)) as u32;
                let waiting = u32::from(u() < 0.15) * (1 + (u() * 2.0) as u32);
                RandomState {
                    idle,
                    waiting,
                    talk: (0..talking).map(|_| u() * 400.0).collect(),
                    wrap: (0..wrapping).map(|_| u() * 20.0).collect(),
                    ring: (0..ringing).map(|_| u() * 22.0).collect(),
                    estimates: Estimates {
                        p_live: 0.1 + 0.3 * u(),
                        answer_delay: 4.0 + 8.0 * u(),
                        talk: 180.0,
                        wrap: 15.0,
                    },
                    max_new: 1 + (u() * 200.0) as u32,
                }
            })
            .collect()
    }

    impl RandomState {
        fn view(&self) -> PacingView<'_> {
            let v = PacingView::new(
                t0(),
                self.idle,
                self.talk.len() as u32,
                self.wrap.len() as u32,
                self.ring.len() as u32,
                self.waiting,
            );
            PacingView {
                estimates: self.estimates,
                ..v.with_elapsed(&self.talk, &self.wrap, &self.ring)
            }
        }
    }

    /// The expected abandonments for each of `ns` new dials and the expected answers among
    /// the ringing calls, by the fast model (`reference` false) or the reference one.
    fn predictions(
        p: &mut Pacer,
        v: &PacingView<'_>,
        ns: &[u32],
        reference: bool,
    ) -> (Vec<f64>, f64) {
        let s = &mut p.scratch;
        if reference {
            p.talk_times.refresh();
            p.wrap_times.refresh();
            p.ring_times.refresh();
            let l = reference::Learned {
                talk: &p.talk_times,
                wrap: &p.wrap_times,
                ring: &p.ring_times,
            };
            let ever = reference::prepare_conditioned(v, l, s);
            let x =
                ns.iter().map(|&n| reference::excess_conditioned(v, n, s, f64::INFINITY)).collect();
            return (x, ever);
        }
        p.tables.refresh(v, [&mut p.talk_times, &mut p.wrap_times, &mut p.ring_times]);
        let known = [
            p.talk_times.len() >= MIN_TIMES,
            p.wrap_times.len() >= MIN_TIMES,
            p.ring_times.len() >= MIN_RINGS,
        ];
        let ever = prepare_fast(v, &p.tables, known, s);
        let x = ns.iter().map(|&n| excess_fast(v, n, s, f64::INFINITY)).collect();
        (x, ever)
    }

    #[test]
    fn the_fast_model_does_not_depend_on_the_order_of_agents_and_calls() {
        // The engine lists its agents and calls in a hash map's order, which changes from run
        // to run: a simulated day replays only if that order moves the predictions by rounding
        // alone, far under the margin a decision may turn on.
        let mut p = trained(0.03);
        let mut q = p.clone();
        let mut worst = 0.0f64;
        for st in random_states(77, 400, 120) {
            let v = st.view();
            let (a, _) = predictions(&mut p, &v, &[0, 1, 2, 5], false);
            let mut t2 = st.talk.clone();
            t2.reverse();
            let mut r2 = st.ring.clone();
            r2.reverse();
            let v2 = PacingView { talk_elapsed: &t2, ring_elapsed: &r2, ..v };
            let (b, _) = predictions(&mut q, &v2, &[0, 1, 2, 5], false);
            for (x, y) in a.iter().zip(&b) {
                worst = worst.max((x - y).abs());
            }
        }
        assert!(worst < 1e-12, "the order moved a prediction by {worst:e}");
    }

    #[test]
    fn the_slot_counts_sum_to_one_with_their_mean_and_variance() {
        // Regression: the abandonments are E[U'] − E[U] − E[G], which holds only for
        // distributions that sum to 1; the binomial with a fractional N, summed up from 0 and
        // cut where N − k turns negative, did not (the predictions fell to 0).
        let mut x = 11u64;
        let mut u = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut out, mut exact) = (Vec::new(), Vec::new());
        for count in [1, 5, 17, 40, 120, 400] {
            let ps: Vec<f64> = (0..count).map(|_| 0.3 * u() * u() + 1e-6).collect();
            let small: Vec<f64> = ps.iter().copied().filter(|&p| p <= EXACT_ABOVE).collect();
            let big: Vec<f64> = ps.iter().copied().filter(|&p| p > EXACT_ABOVE).collect();
            let mu: f64 = small.iter().sum();
            let nu: f64 = small.iter().map(|p| p * p).sum();
            poisson_binomial(&big, mu, nu, &mut out);
            poisson_binomial(&ps, 0.0, 0.0, &mut exact);
            let sum: f64 = out.iter().sum();
            let m = mean(&out);
            let var: f64 = out.iter().enumerate().map(|(i, &p)| (i as f64 - m).powi(2) * p).sum();
            let (em, ev) = (ps.iter().sum::<f64>(), ps.iter().map(|p| p * (1.0 - p)).sum::<f64>());
            assert!((sum - 1.0).abs() < 1e-9, "{count} trials: sums to {sum}");
            assert!((m - em).abs() < 1e-3 * (1.0 + em), "{count} trials: mean {m}, not {em}");
            assert!(
                (var - ev).abs() < 1e-3 * (1.0 + ev),
                "{count} trials: variance {var}, not {ev}"
            );
            // And close to the exact distribution (total variation).
            let tv: f64 = (0..out.len().max(exact.len()))
                .map(|k| (out.get(k).unwrap_or(&0.0) - exact.get(k).unwrap_or(&0.0)).abs())
                .sum::<f64>()
                / 2.0;
            assert!(tv < 0.01, "{count} trials: total variation {tv}");
        }
    }

    #[test]
    fn the_fast_conditioned_model_predicts_as_the_reference_one() {
        // Random states of campaigns of 1 to 120 agents, for trained pacers and one that has
        // learned nothing (the memoryless chances): the expected abandonments for 0 to 40 new
        // dials by the fast model (tabulated chances, the mean answer delay of the tables within
        // 1% of the state's) and by the reference one (every chance looked up). Tolerance: 1%
        // of the expected live answers (at least one), and 5% of the prediction where it is
        // over 0.01; the expected answers among the ringing calls to 1e-9.
        let mut pacers: Vec<Pacer> = [0.0, 0.03, 0.1, 0.25].into_iter().map(trained).collect();
        pacers.push(Pacer::new(&PacerConfig::queue_model(0.03)));
        let ns = [0, 1, 2, 3, 5, 8, 13, 21, 40];
        let (mut worst_abs, mut worst_rel, mut worst_ever) = (0.0f64, 0.0f64, 0.0f64);
        let (mut compared, mut weighty) = (0, 0);
        for (i, p) in pacers.iter_mut().enumerate() {
            let mut r = p.clone();
            for st in random_states(0x2545_f491_4f6c_dd1d + i as u64, 400, 120) {
                let v = st.view();
                let (fast, ever_f) = predictions(p, &v, &ns, false);
                let (exact, ever_r) = predictions(&mut r, &v, &ns, true);
                worst_ever = worst_ever.max((ever_f - ever_r).abs());
                for ((&n, &f), &x) in ns.iter().zip(&fast).zip(&exact) {
                    let mean_a = f64::from(v.waiting) + ever_r + f64::from(n) * v.estimates.p_live;
                    let d = (f - x).abs();
                    worst_abs = worst_abs.max(d / mean_a.max(1.0));
                    if x > 0.01 {
                        worst_rel = worst_rel.max(d / x);
                        weighty += 1;
                    }
                    compared += 1;
                }
            }
        }
        assert!(worst_ever < 1e-9, "answers among the ringing calls off by {worst_ever}");
        assert!(worst_abs < 0.01, "off by {worst_abs} of the expected answers");
        assert!(worst_rel < 0.05, "off by {worst_rel} of the prediction");
        assert!(weighty * 4 > compared, "only {weighty} of {compared} predictions over 0.01");
    }

    #[test]
    fn the_fast_conditioned_model_decides_as_the_reference_one_but_rarely() {
        // The same states through `decide`: the dials differ by at most one, in at most 3% of
        // the states.
        let mut pacers: Vec<Pacer> = [0.0, 0.03, 0.1, 0.25].into_iter().map(trained).collect();
        pacers.push(Pacer::new(&PacerConfig::queue_model(0.03)));
        let (mut compared, mut differ, mut dialling) = (0, 0, 0);
        for (i, p) in pacers.iter_mut().enumerate() {
            let mut r = p.clone();
            r.scratch.reference = true;
            for st in random_states(0x9e37_79b9 + i as u64, 400, 120) {
                let v = st.view();
                let (a, b) = (p.decide(&v, st.max_new), r.decide(&v, st.max_new));
                assert!(a.dials.abs_diff(b.dials) <= 1, "{a:?} {b:?} {v:?}");
                differ += usize::from(a.dials != b.dials);
                dialling += usize::from(b.dials > 0);
                compared += 1;
            }
        }
        assert!(differ * 100 <= compared * 3, "{differ} of {compared} decisions differ");
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
