//! The conditioned model as first written, kept as the oracle of the tests: every agent's and
//! call's chances looked up in the learned distributions at each decision, exact
//! Poisson-binomial slot counts, and the carry-over of free agents as a convolution then a
//! scatter. The fast model in `pacing.rs` (tabulated chances, `free − ring` built once a
//! decision, only the positive part of the carry-over summed) must stay within the tolerances
//! its tests state.

use super::{
    HORIZONS, Histogram, MIN_RINGS, MIN_TIMES, PacingView, Scratch, convolve, fill_binomial_head,
    hypoexp_cdf,
};

/// The learned distributions a conditioning pacer decides with.
#[derive(Clone, Copy)]
pub(super) struct Learned<'h> {
    pub(super) talk: &'h Histogram,
    pub(super) wrap: &'h Histogram,
    pub(super) ring: &'h Histogram,
}

/// One answer slot `(t₋, t]` of the conditioned model: the agents who become free in it (by
/// its middle plus the connect limit), and the live answers in it among the ringing calls and
/// per new dial.
#[derive(Debug, Clone, Default)]
pub(super) struct Horizon {
    /// Distribution of the agents becoming free for the slot: free by its boundary and not by
    /// the previous slot's (the first slot: free by its boundary).
    pub(super) free: Vec<f64>,
    /// Distribution (head) of the live answers in the slot among the ringing calls.
    pub(super) ring: Vec<f64>,
    ring_mean: f64,
    /// A new dial's chance of a live answer in the slot.
    pub(super) p_new: f64,
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

/// Fills the slots of the conditioned model; returns the expected live answers among the
/// ringing calls, ever.
pub(super) fn prepare_conditioned(v: &PacingView<'_>, l: Learned<'_>, s: &mut Scratch) -> f64 {
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
    // An agent's chances of being free by each boundary, `q[j]` by `b[j]`.
    let free_by = |q: &mut [f64; S], talk_el: Option<f64>, wrap_el: Option<f64>| {
        match (talk_el, wrap_el) {
            (Some(el), _) if per_talker => {
                // P(T ≤ el + b − w | T > el), averaged over the wrap-up quantiles.
                let (below, _) = l.talk.at_most(el);
                let total = l.talk.cum_all[l.talk.all.len()];
                let beyond = (total - below).max(0.0);
                for (j, qj) in q.iter_mut().enumerate() {
                    let mut sum = 0.0;
                    for &w in &wq {
                        let x = b[j] - w;
                        if x > 0.0 {
                            sum += l.talk.finish_within_from(below, beyond, el, x, e.talk);
                        }
                    }
                    *qj = sum / 4.0;
                }
            }
            (Some(_), _) | (None, None) => {
                for (j, qj) in q.iter_mut().enumerate() {
                    *qj = hypoexp_cdf(b[j], e.talk, e.wrap);
                }
            }
            (None, Some(el)) if per_wrapper => {
                let (below, _) = l.wrap.at_most(el);
                let total = l.wrap.cum_all[l.wrap.all.len()];
                let beyond = (total - below).max(0.0);
                for (j, qj) in q.iter_mut().enumerate() {
                    *qj = l.wrap.finish_within_from(below, beyond, el, b[j], e.wrap);
                }
            }
            (None, Some(_)) => {
                for (j, qj) in q.iter_mut().enumerate() {
                    *qj = 1.0 - (-b[j] / e.wrap.max(1e-9)).exp();
                }
            }
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
    let prior = |h: f64| p * (1.0 - (-h / d).exp());
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
            if ring_known { l.ring.marked_within(0.0, t[j], prior(t[j])) } else { prior(t[j]) };
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
                let x = (((m2 - m).max(0.0) + 2.0 * prior(t[j])) / (all + 2.0)).clamp(0.0, 1.0);
                let dx = (x - before).max(0.0);
                before = before.max(x);
                hz.ring_mean += dx;
                add_bernoulli(&mut hz.ring, dx);
                hz.ring.truncate(hz.bmax + 1);
            }
        } else {
            ever += p;
            for (j, hz) in s.horizons.iter_mut().enumerate() {
                let x = prior(t[j]);
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
pub(super) fn excess_conditioned(v: &PacingView<'_>, n: u32, s: &mut Scratch, limit: f64) -> f64 {
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
        // Lost: E[(A − V)⁺]; new U = (V − A)⁺.
        s.free.clear();
        s.free.resize(vv.len(), 0.0);
        for (m, &pm) in s.conv.iter().enumerate() {
            if pm < 1e-15 {
                continue;
            }
            let mut below = 0.0;
            let mut mass = 0.0;
            for (a, &pa) in s.answered.iter().enumerate().take(m) {
                below += (m - a) as f64 * pa;
                mass += pa;
                s.free[m - a] += pm * pa;
            }
            s.free[0] += pm * (1.0 - mass).max(0.0);
            lost += pm * (mean_a - m as f64 + below).max(0.0);
        }
        if lost > limit {
            return lost;
        }
        while s.free.len() > 1 && s.free.last().is_some_and(|&x| x < 1e-15) {
            s.free.pop();
        }
    }
    lost
}

/// Adds an independent Bernoulli(`x`) to the distribution `dist` (Poisson-binomial, in place).
fn add_bernoulli(dist: &mut Vec<f64>, x: f64) {
    if x <= 1e-12 {
        return;
    }
    dist.push(0.0);
    for k in (1..dist.len()).rev() {
        dist[k] = dist[k] * (1.0 - x) + dist[k - 1] * x;
    }
    dist[0] *= 1.0 - x;
}
