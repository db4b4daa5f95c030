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
//! * [`PacerConfig::Adaptive`]: the same model, with its target set before every decision by a
//!   controller that keeps the abandonment of the regulator's own window under the cap with
//!   high probability: over the next `horizon` it expects `N_h` live answers (agents ÷ handling
//!   time × horizon) and chooses the largest target `α` with
//!   `X + α·N_h + z·√(α·N_h) ≤ cap·(N + N_h)`, where `N` and `X` are the window's live answers and
//!   abandonments so far. Early in a window (small `N`) it is careful; as the window fills it
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
pub struct PacingView {
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
}

impl PacingView {
    /// A view with the given agent and call counts and defaults elsewhere (cap 3%, connect limit
    /// 2 s, default estimates, an empty window).
    pub fn new(
        now: Timestamp,
        idle: u32,
        talking: u32,
        wrapping: u32,
        ringing: u32,
        waiting: u32,
    ) -> PacingView {
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
        }
    }

    /// The same view with other estimates.
    pub fn with_estimates(mut self, e: Estimates) -> PacingView {
        self.estimates = e;
        self
    }

    /// The same view with other window counts.
    pub fn with_window(mut self, w: WindowCounts) -> PacingView {
        self.window = w;
        self
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
        }
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
            PacerConfig::QueueModel { target } => {
                if bad(target) || !(0.0..=1.0).contains(&target) {
                    v.push(format!("target {target} is not a share between 0 and 1"));
                }
            }
            PacerConfig::Adaptive { z, horizon, max_target } => {
                if bad(z) || !(0.0..=10.0).contains(&z) {
                    v.push(format!("z {z} is not between 0 and 10"));
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
}

#[derive(Debug, Clone)]
enum Kind {
    QueueModel { target: f64 },
    Adaptive(Adaptive),
    Vicidial(Vicidial),
}

#[derive(Debug, Clone)]
struct Adaptive {
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
    last_n: u32,
}

impl Pacer {
    /// A pacer from its configuration.
    pub fn new(cfg: &PacerConfig) -> Pacer {
        let kind = match *cfg {
            PacerConfig::QueueModel { target } => Kind::QueueModel { target },
            PacerConfig::Adaptive { z, horizon, max_target } => Kind::Adaptive(Adaptive {
                z,
                horizon: horizon.as_secs_f64().max(1.0),
                max_target,
                measured: 0.0,
                predicted: 0.0,
            }),
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
        Pacer { kind, scratch: Scratch::default() }
    }

    /// How often the pacer wants [`Pacer::on_tick`] (Vicidial: every second), if at all.
    pub fn tick_interval(&self) -> Option<Duration> {
        match self.kind {
            Kind::Vicidial(_) => Some(Duration::from_secs(1)),
            _ => None,
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
    pub fn on_tick(&mut self, view: &PacingView) {
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
    pub fn decide(&mut self, view: &PacingView, max_new: u32) -> Decision {
        match &self.kind {
            Kind::QueueModel { target } => {
                let target = *target;
                queue_model(view, target, max_new, &mut self.scratch)
            }
            Kind::Adaptive(a) => {
                let target = a.target(view);
                queue_model(view, target, max_new, &mut self.scratch)
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
    fn target(&self, v: &PacingView) -> f64 {
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
    fn tick(&mut self, v: &PacingView) {
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

/// The queueing-model decision at target `alpha`.
fn queue_model(v: &PacingView, alpha: f64, max_new: u32, s: &mut Scratch) -> Decision {
    let e = &v.estimates;
    let p = e.p_live.clamp(0.0, 1.0);
    if max_new == 0 || p <= 0.0 {
        return Decision { dials: 0, predicted_abandon: 0.0 };
    }
    let h = e.answer_delay.max(0.0) + v.connect_limit.max(0.0);
    let q_talk = hypoexp_cdf(h, e.talk, e.wrap);
    let q_wrap = 1.0 - (-h / e.wrap.max(1e-9)).exp();
    // The distribution of free agents beyond `idle`: Bin(talking, q_t) * Bin(wrapping, q_w).
    binomial_pmf(v.talking, q_talk, &mut s.free);
    binomial_pmf(v.wrapping, q_wrap, &mut s.tmp);
    if v.wrapping > 0 {
        let (a, b, c) = (&s.free, &s.tmp, &mut s.conv);
        c.clear();
        c.resize(a.len() + b.len() - 1, 0.0);
        for (i, &x) in a.iter().enumerate() {
            if x < 1e-15 {
                continue;
            }
            for (j, &y) in b.iter().enumerate() {
                c[i + j] += x * y;
            }
        }
        std::mem::swap(&mut s.free, &mut s.conv);
    }
    let idle = f64::from(v.idle);
    let waiting = f64::from(v.waiting);
    let kmax = s.free.len(); // extra free agents range over 0..kmax
    // excess(n) - alpha * E[A](n), for n new dials.
    let mut eval = |n: u32, s: &mut Scratch| -> (f64, f64) {
        let m = v.ringing + n;
        let mean_a = waiting + f64::from(m) * p;
        // E[(A − F)⁺] = Σ_f P(F = f) (E[A] − f + Σ_{a<f} (f − a) P(A = a)).
        // The answered count A = waiting + B, B ~ Bin(m, p); only P(B = b) for b below the
        // largest f − waiting is needed.
        let bmax = (idle + kmax as f64 - waiting).max(0.0) as usize;
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
        let mut p = Pacer::new(&PacerConfig::QueueModel { target: 0.0 });
        // Four idle agents, nobody else: with target 0 at most four calls may be in flight.
        let v = PacingView::new(t0(), 4, 0, 0, 0, 0);
        assert_eq!(p.decide(&v, 100).dials, 4);
        let v = PacingView::new(t0(), 4, 0, 0, 3, 0);
        assert_eq!(p.decide(&v, 100).dials, 1);
    }

    #[test]
    fn higher_target_dials_more_and_prediction_is_below_target() {
        let v = PacingView::new(t0(), 2, 14, 4, 0, 0);
        let mut lo = Pacer::new(&PacerConfig::QueueModel { target: 0.01 });
        let mut hi = Pacer::new(&PacerConfig::QueueModel { target: 0.10 });
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
        let mut warm = Pacer::new(&PacerConfig::QueueModel { target: 0.03 });
        for (idle, talk, ring) in [(0, 20, 5), (5, 15, 0), (1, 19, 30), (10, 10, 2), (0, 20, 0)] {
            let v = PacingView::new(t0(), idle, talk, 0, ring, 0);
            let mut cold = Pacer::new(&PacerConfig::QueueModel { target: 0.03 });
            assert_eq!(warm.decide(&v, 500), cold.decide(&v, 500));
        }
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
