//! A network model that makes packet arrival traces, with five named profiles.
//!
//! A trace is a 20 ms voice stream (8 kHz timestamps) sent through a path with:
//!
//! * a base one-way delay and per-packet jitter, either exponential or heavy-tailed (Pareto);
//! * jitter bursts: periods during which every packet gets an extra uniform delay;
//! * delay spikes: the path stalls and then drains, so the delay jumps to a height and decreases
//!   at one second per second, packets queueing up and arriving in a burst;
//! * Gilbert–Elliott bursty loss: a good and a bad state with their own loss probabilities;
//! * reordering: a packet overtaken by the next one(s);
//! * clock drift: the sender's clock runs fast or slow by some parts per million.
//!
//! Otherwise the path is first-in first-out: a packet never arrives before the one sent before it.
//! Traces are deterministic for a seed.
//!
//! | profile | base | jitter | bursts / spikes | loss | reorder | drift |
//! |---|---|---|---|---|---|---|
//! | `lan` | 1 ms | exp., mean 0.2 ms | none | none | none | 0 |
//! | `wifi` | 5 ms | exp., mean 2 ms | bursts every ~8 s, 1–3 s long, +20–60 ms | 0.5 % (GE) | none | 0 |
//! | `internet` | 40 ms | Pareto α 2.5, scale 4 ms | spikes every ~20 s, 50–150 ms | 1 % (GE, bursts of ~2) | 0.1 % | +20 ppm |
//! | `mobile` | 60 ms | Pareto α 2.2, scale 8 ms | spikes every ~7 s, 200–500 ms | 3 % (GE, bursts of ~3) | 1 % | −40 ppm |
//! | `congested` | 80 ms | Pareto α 2.0, scale 10 ms | bursts every ~6 s +30–90 ms; spikes every ~10 s, 300–800 ms | 5 % (GE, bursts of ~4) | 0.5 % | ±100 ppm |

use std::time::Duration;

use rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The draws a trace is made of, from one xoshiro256++ generator seeded with
/// `SeedableRng::seed_from_u64`: `rand_xoshiro` keeps the generator's output for a seed fixed
/// (a change would be a breaking release), so a profile and a seed give the same trace from one
/// version of hotline to the next.
#[derive(Debug, Clone)]
struct Draw(Xoshiro256PlusPlus);

impl Draw {
    /// A generator for a seed.
    fn new(seed: u64) -> Self {
        Draw(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Exponential with the given mean.
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Pareto with shape `alpha` and scale `scale`, shifted to start at 0.
    fn pareto(&mut self, alpha: f64, scale: f64) -> f64 {
        scale * ((1.0 - self.uniform()).powf(-1.0 / alpha) - 1.0)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// Per-packet jitter distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Jitter {
    /// Exponential with the given mean, in ms.
    Exponential {
        /// Mean in ms.
        mean_ms: f64,
    },
    /// Pareto (heavy-tailed) with shape `alpha` and scale in ms.
    Pareto {
        /// Shape (smaller is heavier).
        alpha: f64,
        /// Scale in ms.
        scale_ms: f64,
    },
}

/// Gilbert–Elliott two-state loss.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GilbertElliott {
    /// Probability per packet of moving from the good state to the bad one.
    pub p_good_to_bad: f64,
    /// Probability per packet of moving from the bad state to the good one.
    pub p_bad_to_good: f64,
    /// Loss probability in the good state.
    pub loss_good: f64,
    /// Loss probability in the bad state.
    pub loss_bad: f64,
}

impl GilbertElliott {
    /// No loss.
    pub const NONE: GilbertElliott =
        GilbertElliott { p_good_to_bad: 0.0, p_bad_to_good: 1.0, loss_good: 0.0, loss_bad: 0.0 };

    /// The long-run loss rate.
    pub fn mean_loss(&self) -> f64 {
        let total = self.p_good_to_bad + self.p_bad_to_good;
        if total == 0.0 {
            return self.loss_good;
        }
        let bad = self.p_good_to_bad / total;
        (1.0 - bad) * self.loss_good + bad * self.loss_bad
    }
}

/// Periods of extra delay: they start at random (a rate per second) and last a while.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Episodes {
    /// Mean number of episodes per second.
    pub rate_per_s: f64,
    /// Extra delay (bursts: per-packet uniform range; spikes: height range), in ms.
    pub height_ms: (f64, f64),
    /// Duration range of a jitter burst, in ms (unused for spikes, which drain at 1 s/s).
    pub duration_ms: (f64, f64),
}

impl Episodes {
    /// No episodes.
    pub const NONE: Episodes =
        Episodes { rate_per_s: 0.0, height_ms: (0.0, 0.0), duration_ms: (0.0, 0.0) };
}

/// A named network profile.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Base one-way delay in ms.
    pub base_delay_ms: f64,
    /// Per-packet jitter.
    pub jitter: Jitter,
    /// Jitter bursts: each packet during one gets a uniform extra delay in `height_ms`.
    pub bursts: Episodes,
    /// Delay spikes: the delay jumps to a height in `height_ms` and drains at 1 s/s.
    pub spikes: Episodes,
    /// Bursty loss.
    pub loss: GilbertElliott,
    /// Probability that a packet is overtaken by the next one.
    pub reorder: f64,
    /// Sender clock drift in parts per million (positive: the sender's clock runs fast).
    pub drift_ppm: f64,
}

/// The five profile names.
pub const PROFILE_NAMES: [&str; 5] = ["lan", "wifi", "internet", "mobile", "congested"];

impl Profile {
    /// A named profile (`lan`, `wifi`, `internet`, `mobile`, `congested`), or `None`.
    pub fn named(name: &str) -> Option<Profile> {
        let ge = |mean_burst: f64, rate: f64| {
            // Loss happens only in the bad state; bursts of `mean_burst` packets on average.
            let p_bad_to_good = 1.0 / mean_burst;
            let p_good_to_bad = rate * p_bad_to_good / (1.0 - rate);
            GilbertElliott { p_good_to_bad, p_bad_to_good, loss_good: 0.0, loss_bad: 1.0 }
        };
        let p = match name {
            "lan" => Profile {
                name: name.to_owned(),
                base_delay_ms: 1.0,
                jitter: Jitter::Exponential { mean_ms: 0.2 },
                bursts: Episodes::NONE,
                spikes: Episodes::NONE,
                loss: GilbertElliott::NONE,
                reorder: 0.0,
                drift_ppm: 0.0,
            },
            "wifi" => Profile {
                name: name.to_owned(),
                base_delay_ms: 5.0,
                jitter: Jitter::Exponential { mean_ms: 2.0 },
                bursts: Episodes {
                    rate_per_s: 1.0 / 8.0,
                    height_ms: (20.0, 60.0),
                    duration_ms: (1000.0, 3000.0),
                },
                spikes: Episodes::NONE,
                loss: ge(1.5, 0.005),
                reorder: 0.0,
                drift_ppm: 0.0,
            },
            "internet" => Profile {
                name: name.to_owned(),
                base_delay_ms: 40.0,
                jitter: Jitter::Pareto { alpha: 2.5, scale_ms: 4.0 },
                bursts: Episodes::NONE,
                spikes: Episodes {
                    rate_per_s: 1.0 / 20.0,
                    height_ms: (50.0, 150.0),
                    duration_ms: (0.0, 0.0),
                },
                loss: ge(2.0, 0.01),
                reorder: 0.001,
                drift_ppm: 20.0,
            },
            "mobile" => Profile {
                name: name.to_owned(),
                base_delay_ms: 60.0,
                jitter: Jitter::Pareto { alpha: 2.2, scale_ms: 8.0 },
                bursts: Episodes::NONE,
                spikes: Episodes {
                    rate_per_s: 1.0 / 7.0,
                    height_ms: (200.0, 500.0),
                    duration_ms: (0.0, 0.0),
                },
                loss: ge(3.0, 0.03),
                reorder: 0.01,
                drift_ppm: -40.0,
            },
            "congested" => Profile {
                name: name.to_owned(),
                base_delay_ms: 80.0,
                jitter: Jitter::Pareto { alpha: 2.0, scale_ms: 10.0 },
                bursts: Episodes {
                    rate_per_s: 1.0 / 6.0,
                    height_ms: (30.0, 90.0),
                    duration_ms: (1000.0, 2500.0),
                },
                spikes: Episodes {
                    rate_per_s: 1.0 / 10.0,
                    height_ms: (300.0, 800.0),
                    duration_ms: (0.0, 0.0),
                },
                loss: ge(4.0, 0.05),
                reorder: 0.005,
                drift_ppm: 100.0,
            },
            _ => return None,
        };
        Some(p)
    }

    /// Every named profile, in [`PROFILE_NAMES`] order.
    pub fn all() -> Vec<Profile> {
        PROFILE_NAMES.iter().filter_map(|n| Profile::named(n)).collect()
    }

    /// Makes a trace of `duration` of 20 ms packets for a seed. For `congested` the drift's sign
    /// alternates with the seed, so that both directions of ±100 ppm are exercised.
    pub fn trace(&self, duration: Duration, seed: u64) -> Trace {
        let mut rng = Draw::new(seed ^ hash(&self.name));
        let frame_ms = 20.0;
        let count = (duration.as_secs_f64() * 1000.0 / frame_ms) as usize;
        let drift = if self.name == "congested" && seed % 2 == 1 {
            -self.drift_ppm
        } else {
            self.drift_ppm
        };
        let scale = 1.0 / (1.0 + drift * 1e-6);
        let mut packets = Vec::with_capacity(count);
        let mut burst_until = -1.0;
        let mut next_burst = next_episode(&mut rng, self.bursts.rate_per_s, 0.0);
        let mut spike: Option<(f64, f64)> = None; // (start ms, height ms)
        let mut next_spike = next_episode(&mut rng, self.spikes.rate_per_s, 0.0);
        let mut bad = false;
        let mut last_arrival = f64::NEG_INFINITY;
        for i in 0..count {
            let send = i as f64 * frame_ms * scale;
            if send >= next_burst {
                burst_until =
                    send + rng.range(self.bursts.duration_ms.0, self.bursts.duration_ms.1);
                next_burst = next_episode(&mut rng, self.bursts.rate_per_s, burst_until);
            }
            if send >= next_spike {
                spike = Some((send, rng.range(self.spikes.height_ms.0, self.spikes.height_ms.1)));
                next_spike = next_episode(&mut rng, self.spikes.rate_per_s, send + 1000.0);
            }
            let mut delay = self.base_delay_ms
                + match self.jitter {
                    Jitter::Exponential { mean_ms } => rng.exponential(mean_ms),
                    Jitter::Pareto { alpha, scale_ms } => rng.pareto(alpha, scale_ms).min(2000.0),
                };
            if send < burst_until {
                delay += rng.range(self.bursts.height_ms.0, self.bursts.height_ms.1);
            }
            if let Some((start, height)) = spike {
                let left = height - (send - start);
                if left > 0.0 {
                    delay += left;
                } else {
                    spike = None;
                }
            }
            // Gilbert–Elliott state, then loss.
            bad = if bad {
                !rng.chance(self.loss.p_bad_to_good)
            } else {
                rng.chance(self.loss.p_good_to_bad)
            };
            let lost = rng.chance(if bad { self.loss.loss_bad } else { self.loss.loss_good });
            let mut arrival = send + delay;
            let overtaken = rng.chance(self.reorder);
            if overtaken {
                arrival += rng.range(frame_ms, 3.0 * frame_ms);
            } else {
                arrival = arrival.max(last_arrival);
                last_arrival = arrival;
            }
            packets.push(TracePacket {
                seq: i as u16,
                timestamp: (i as u32).wrapping_mul(160),
                sent_ms: send,
                arrival_ms: (!lost).then_some(arrival),
            });
        }
        Trace { profile: self.name.clone(), seed, frame_ms, packets }
    }
}

fn next_episode(rng: &mut Draw, rate_per_s: f64, after_ms: f64) -> f64 {
    if rate_per_s <= 0.0 {
        return f64::INFINITY;
    }
    after_ms + rng.exponential(1000.0 / rate_per_s)
}

fn hash(name: &str) -> u64 {
    name.bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// One packet of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TracePacket {
    /// Sequence number.
    pub seq: u16,
    /// RTP timestamp (8 kHz, 160 a packet).
    pub timestamp: u32,
    /// When it was sent, in ms of the receiver's clock.
    pub sent_ms: f64,
    /// When it arrived, in ms of the receiver's clock, or `None` if the network lost it.
    pub arrival_ms: Option<f64>,
}

/// An arrival trace.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Trace {
    /// The profile it came from.
    pub profile: String,
    /// The seed.
    pub seed: u64,
    /// The packet interval in ms.
    pub frame_ms: f64,
    /// The packets in sending order.
    pub packets: Vec<TracePacket>,
}

impl Trace {
    /// The indices of the packets that arrived, in order of arrival.
    pub fn arrival_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> =
            (0..self.packets.len()).filter(|&i| self.packets[i].arrival_ms.is_some()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (
                self.packets[a].arrival_ms.unwrap_or(0.0),
                self.packets[b].arrival_ms.unwrap_or(0.0),
            );
            x.total_cmp(&y).then(a.cmp(&b))
        });
        order
    }

    /// The fraction of packets the network lost.
    pub fn network_loss(&self) -> f64 {
        if self.packets.is_empty() {
            return 0.0;
        }
        self.packets.iter().filter(|p| p.arrival_ms.is_none()).count() as f64
            / self.packets.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_have_their_loss_rates() {
        for (name, want) in [
            ("lan", 0.0),
            ("wifi", 0.005),
            ("internet", 0.01),
            ("mobile", 0.03),
            ("congested", 0.05),
        ] {
            let p = Profile::named(name).unwrap();
            assert!((p.loss.mean_loss() - want).abs() < 1e-9, "{name}");
            let mut lost = 0.0;
            for seed in 0..4 {
                lost += p.trace(Duration::from_secs(120), seed).network_loss();
            }
            let got = lost / 4.0;
            assert!((got - want).abs() <= want * 0.35 + 0.0005, "{name}: {got} vs {want}");
        }
        assert!(Profile::named("nope").is_none());
        assert_eq!(Profile::all().len(), 5);
    }

    #[test]
    fn traces_are_deterministic_and_fifo_apart_from_reordering() {
        let p = Profile::named("mobile").unwrap();
        let a = p.trace(Duration::from_secs(30), 7);
        assert_eq!(a, p.trace(Duration::from_secs(30), 7));
        assert_ne!(a, p.trace(Duration::from_secs(30), 8));
        let lan = Profile::named("lan").unwrap().trace(Duration::from_secs(30), 1);
        let arrivals: Vec<f64> = lan.packets.iter().filter_map(|p| p.arrival_ms).collect();
        assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(lan.packets.len(), 1500);
        let max_delay =
            lan.packets.iter().map(|p| p.arrival_ms.unwrap() - p.sent_ms).fold(0.0, f64::max);
        assert!(max_delay < 5.0, "{max_delay}");
    }

    #[test]
    fn mobile_has_spikes_of_200_ms_and_more() {
        let t = Profile::named("mobile").unwrap().trace(Duration::from_secs(60), 3);
        let max =
            t.packets.iter().filter_map(|p| Some(p.arrival_ms? - p.sent_ms)).fold(0.0, f64::max);
        assert!(max >= 60.0 + 200.0, "{max}");
        let reordered = t.arrival_order().windows(2).filter(|w| w[0] > w[1]).count();
        assert!(reordered > 0);
    }

    #[test]
    fn congested_drifts_both_ways() {
        let p = Profile::named("congested").unwrap();
        let fast = p.trace(Duration::from_secs(10), 0);
        let slow = p.trace(Duration::from_secs(10), 1);
        let last = |t: &Trace| t.packets.last().unwrap().sent_ms;
        assert!(last(&fast) < 499.0 * 20.0);
        assert!(last(&slow) > 499.0 * 20.0);
    }
}
