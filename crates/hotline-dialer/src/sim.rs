//! A campaign simulator: drives the real [`Dialer`] in virtual time against a population with
//! answer probabilities that vary by the callee's local hour, ring and answer times, talk and
//! wrap-up times, callers who hang up while waiting, and answering-machine detection with its
//! errors. Seeded ([`rand_xoshiro::Xoshiro256PlusPlus`], whose stream is stable across
//! versions) and deterministic: the same [`Scenario`] gives the same [`SimReport`].
//!
//! ```
//! use hotline_dialer::sim::{Scenario, run};
//! let mut s = Scenario::standard(1);
//! s.agents = 5;
//! s.shift = std::time::Duration::from_secs(3600);
//! let r = run(&s).unwrap();
//! assert!(r.talk_minutes_per_agent_hour > 0.0);
//! assert_eq!(r.report.windows.iter().map(|w| w.outside_hours).sum::<u64>(), 0);
//! ```
//!
//! (The simulator lives in this crate for now; hotline-sim is meant to drive the dialer in its
//! own event loop later.)

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use jiff::Timestamp;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, Mode};
use crate::compliance::{AuditRecord, ComplianceReport, Profile};
use crate::engine::{Action, AgentId, CallId, Dialer, Disposition, Outcome};
use crate::error::InputError;
use crate::pacing::{Estimates, PacerConfig};
use crate::record::{Record, RecordId};

/// What the simulated world looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Scenario {
    /// Agents logged in for the whole shift.
    pub agents: u32,
    /// The shift's start (agents log in).
    pub start: Timestamp,
    /// The shift's length (agents log out after their call at its end).
    #[serde(with = "crate::duration_serde")]
    pub shift: Duration,
    /// The callees' time zone.
    pub time_zone: String,
    /// Records in the list.
    pub records: u32,
    /// The average probability that a dial reaches the right person (right-party contact).
    pub p_live: f64,
    /// Multipliers of `p_live` by the callee's local hour, starting at `hourly_from` (hours
    /// outside the table use 1).
    pub hourly: Vec<f64>,
    /// The local hour of `hourly[0]`.
    pub hourly_from: u8,
    /// Probability that an answering machine answers.
    pub p_machine: f64,
    /// Probability of a busy line.
    pub p_busy: f64,
    /// Probability of a rejected call.
    pub p_rejected: f64,
    /// Share of records whose number is invalid.
    pub p_invalid: f64,
    /// Mean seconds from dial to a person's answer (3 s plus an exponential; longer than the
    /// ring timeout means no answer).
    pub answer_delay: f64,
    /// Mean talk time, seconds (lognormal, coefficient of variation `talk_cv`).
    pub talk: f64,
    /// The talk time's coefficient of variation.
    pub talk_cv: f64,
    /// Mean wrap-up time, seconds (lognormal, coefficient of variation 0.3).
    pub wrap: f64,
    /// Mean patience of a person waiting for an agent after answering, seconds (exponential).
    pub patience: f64,
    /// Probability that a machine is detected as a machine (else it is put through to an agent,
    /// who hangs up after 10 s).
    pub amd_accuracy: f64,
    /// Probability that a person is taken for a machine and dropped (a false positive).
    pub amd_false_positive: f64,
    /// Probability that the person refuses further calls at the end of the conversation.
    pub p_refuse: f64,
    /// The campaign (mode, profile, retries).
    pub campaign: Campaign,
    /// The seed.
    pub seed: u64,
}

impl Scenario {
    /// The standard scenario: 20 agents, an 8-hour shift from 09:00 New York on Monday
    /// 2 March 2026, 25% right-party contact varying by hour, 3-minute talk, 15 s wrap-up, 15%
    /// machines detected at 90% with 1% false positives (counted as abandoned, as Ofcom does),
    /// 3% cap on 24-hour windows, the adaptive pacer.
    pub fn standard(seed: u64) -> Scenario {
        let profile = Profile::uk(0.01);
        let mut campaign =
            Campaign::new("standard", Mode::Predictive { pacer: PacerConfig::adaptive() })
                .with_profile(profile);
        campaign.initial_estimates =
            Estimates { p_live: 0.25, answer_delay: 10.0, talk: 180.0, wrap: 15.0 };
        campaign.window_origin =
            Some(Timestamp::from_second(1_772_409_600).unwrap_or(Timestamp::UNIX_EPOCH)); // 2026-03-02T00:00Z
        Scenario {
            agents: 20,
            start: Timestamp::from_second(1_772_460_000).unwrap_or(Timestamp::UNIX_EPOCH), // 2026-03-02T14:00Z = 09:00 EST
            shift: Duration::from_secs(8 * 3600),
            time_zone: "America/New_York".into(),
            records: 0,
            p_live: 0.25,
            hourly: vec![0.85, 0.95, 1.05, 1.1, 1.0, 0.95, 1.0, 1.1],
            hourly_from: 9,
            p_machine: 0.15,
            p_busy: 0.05,
            p_rejected: 0.02,
            p_invalid: 0.03,
            answer_delay: 7.0,
            talk: 180.0,
            talk_cv: 0.6,
            wrap: 15.0,
            patience: 8.0,
            amd_accuracy: 0.9,
            amd_false_positive: 0.01,
            p_refuse: 0.05,
            campaign,
            seed,
        }
    }

    /// The same scenario with another pacing mode.
    pub fn with_mode(mut self, mode: Mode) -> Scenario {
        self.campaign.mode = mode;
        self
    }
}

/// Key figures of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SimReport {
    /// Dials placed.
    pub dials: u64,
    /// Live answers (reported to the dialer as a person).
    pub live_answers: u64,
    /// Conversations with the right person.
    pub conversations: u64,
    /// Live answers abandoned.
    pub abandoned: u64,
    /// People dropped as machines (AMD false positives).
    pub amd_false_positives: u64,
    /// Agent-hours logged in.
    pub agent_hours: f64,
    /// Talk minutes (with people) per agent-hour.
    pub talk_minutes_per_agent_hour: f64,
    /// (talk + wrap-up) ÷ logged-in time.
    pub occupancy: f64,
    /// Abandoned ÷ live answers over the run (without the AMD estimate).
    pub abandon_rate: f64,
    /// The regulator's windows (abandonment as the profile counts it).
    pub report: ComplianceReport,
    /// Pacing decisions the engine took.
    pub decisions: u64,
    /// Engine inputs the engine refused (should be 0: the simulator sends only valid ones).
    pub refused_inputs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Outcome(CallId, u8),
    Hangup(CallId),
    WrapUp(AgentId),
    Available(AgentId),
    PreviewDial(AgentId),
    ShiftEnd,
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Human => 0,
        Outcome::Machine => 1,
        Outcome::Busy => 2,
        Outcome::NoAnswer => 3,
        Outcome::InvalidNumber => 4,
        Outcome::Rejected => 5,
        _ => 6,
    }
}

fn outcome_of(c: u8) -> Outcome {
    match c {
        0 => Outcome::Human,
        1 => Outcome::Machine,
        2 => Outcome::Busy,
        3 => Outcome::NoAnswer,
        4 => Outcome::InvalidNumber,
        5 => Outcome::Rejected,
        _ => Outcome::Abandoned,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SimCall {
    Ringing,
    Waiting,
    Talking { machine: bool },
    Ended,
}

struct World {
    rng: Xoshiro256PlusPlus,
}

impl World {
    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    fn lognormal(&mut self, mean: f64, cv: f64) -> f64 {
        let s2 = (1.0 + cv * cv).ln();
        let mu = mean.max(1e-9).ln() - s2 / 2.0;
        (mu + s2.sqrt() * self.normal()).exp()
    }
}

fn ms(d: f64) -> u64 {
    (d.max(0.0) * 1000.0).round() as u64
}

/// Runs a scenario.
///
/// # Errors
///
/// The campaign's problems, or a bad time zone.
pub fn run(s: &Scenario) -> Result<SimReport, InputError> {
    run_with_audit(s, |_| {})
}

/// Runs a scenario and hands every line of the engine's audit record to `on_audit`, in order
/// (to write the log that `hotline dialer report` reads).
///
/// # Errors
///
/// As [`run`].
pub fn run_with_audit(
    s: &Scenario,
    mut on_audit: impl FnMut(&AuditRecord),
) -> Result<SimReport, InputError> {
    let mut world = World { rng: Xoshiro256PlusPlus::seed_from_u64(s.seed) };
    let mut dialer = Dialer::new(s.campaign.clone(), None)?;
    let zone = jiff::tz::TimeZone::get(&s.time_zone).map_err(|e| InputError::Problems {
        what: "the scenario",
        problems: vec![crate::Problem {
            location: None,
            field: Some("time_zone".into()),
            message: e.to_string(),
        }],
    })?;
    let n_records = if s.records == 0 { s.agents.max(1) * 1500 } else { s.records };
    let mut invalid = Vec::with_capacity(n_records as usize);
    let recs: Vec<Record> = (0..n_records)
        .map(|i| {
            invalid.push(world.uniform() < s.p_invalid);
            Record::new(
                i.to_string(),
                format!("+1{:010}", 2_000_000_000u64 + u64::from(i)),
                s.time_zone.clone(),
            )
        })
        .collect();
    dialer.add_records("population", recs).map_err(|e| InputError::Problems {
        what: "the scenario",
        problems: vec![crate::Problem { location: None, field: None, message: e.to_string() }],
    })?;
    let origin = s.campaign.window_origin.unwrap_or(s.start);
    let mut report = ComplianceReport::new(s.campaign.profile.clone(), origin, None);

    let at = |t: u64| s.start.checked_add(Duration::from_millis(t)).unwrap_or(Timestamp::MAX);
    let mut events: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |events: &mut BinaryHeap<Reverse<(u64, u64, Ev)>>, t: u64, e: Ev| {
        seq += 1;
        events.push(Reverse((t, seq, e)));
    };
    let shift_end = s.shift.as_millis() as u64;
    push(&mut events, shift_end, Ev::ShiftEnd);
    let mut calls: HashMap<CallId, (SimCall, RecordId)> = HashMap::new();
    let mut agent_call: HashMap<AgentId, CallId> = HashMap::new();
    let mut logged_out_at: HashMap<AgentId, u64> = HashMap::new();
    let mut ended = false;
    let (mut talk_ms, mut wrap_ms) = (0u64, 0u64);
    let (mut dials, mut live, mut convs, mut abandoned, mut fps, mut refused_inputs) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let ring_timeout = s.campaign.ring_timeout.as_secs_f64();
    let mut now_ms = 0u64;

    for a in 0..s.agents {
        if dialer.handle_agent_available(at(0), AgentId(a)).is_err() {
            refused_inputs += 1;
        }
    }
    loop {
        // Actions first.
        while let Some(action) = dialer.poll_action() {
            match action {
                Action::Dial { call, record, .. } => {
                    dials += 1;
                    calls.insert(call, (SimCall::Ringing, record));
                    let local_hour = zone.to_datetime(at(now_ms)).hour();
                    let idx = i64::from(local_hour) - i64::from(s.hourly_from);
                    let factor = usize::try_from(idx)
                        .ok()
                        .and_then(|i| s.hourly.get(i))
                        .copied()
                        .unwrap_or(1.0);
                    let p_live = (s.p_live * factor).clamp(0.0, 1.0);
                    let u = world.uniform();
                    let (outcome, delay) = if invalid[record.0 as usize] {
                        (Outcome::InvalidNumber, 2.0)
                    } else if u < p_live {
                        let d = 3.0 + world.exp((s.answer_delay - 3.0).max(0.1));
                        if d > ring_timeout {
                            (Outcome::NoAnswer, ring_timeout)
                        } else if world.uniform() < s.amd_false_positive {
                            fps += 1;
                            (Outcome::Machine, d + 2.5)
                        } else {
                            (Outcome::Human, d)
                        }
                    } else if u < p_live + s.p_machine {
                        let d = 3.0 + world.exp(5.0);
                        if d > ring_timeout {
                            (Outcome::NoAnswer, ring_timeout)
                        } else if world.uniform() < s.amd_accuracy {
                            (Outcome::Machine, d + 2.5)
                        } else {
                            // Taken for a person: put through; the agent hangs up after 10 s.
                            (Outcome::Machine, -d)
                        }
                    } else if u < p_live + s.p_machine + s.p_busy {
                        (Outcome::Busy, 2.0 + world.uniform() * 2.0)
                    } else if u < p_live + s.p_machine + s.p_busy + s.p_rejected {
                        (Outcome::Rejected, 3.0 + world.uniform() * 7.0)
                    } else {
                        (Outcome::NoAnswer, ring_timeout)
                    };
                    if delay < 0.0 {
                        // A machine reported as a person.
                        push(&mut events, now_ms + ms(-delay), Ev::Outcome(call, 7));
                    } else {
                        push(
                            &mut events,
                            now_ms + ms(delay),
                            Ev::Outcome(call, outcome_code(outcome)),
                        );
                    }
                }
                Action::Connect { call, agent } => {
                    if let Some((st, _)) = calls.get_mut(&call) {
                        let machine = matches!(*st, SimCall::Talking { machine: true });
                        *st = SimCall::Talking { machine };
                        let talk = if machine { 10.0 } else { world.lognormal(s.talk, s.talk_cv) };
                        if !machine {
                            convs += 1;
                            talk_ms += ms(talk);
                        }
                        agent_call.insert(agent, call);
                        push(&mut events, now_ms + ms(talk), Ev::WrapUp(agent));
                    }
                }
                Action::PlayAbandonMessage { call } | Action::Drop { call } => {
                    if let Some((st, _)) = calls.get_mut(&call) {
                        *st = SimCall::Ended;
                    }
                }
                Action::Preview { agent, .. } => {
                    let look = 5.0 + world.uniform() * 15.0;
                    push(&mut events, now_ms + ms(look), Ev::PreviewDial(agent));
                }
            }
        }
        while let Some(rec) = dialer.poll_audit() {
            report.push(&rec);
            on_audit(&rec);
        }
        // The next thing to happen.
        let next_event = events.peek().map(|Reverse((t, _, _))| *t);
        let next_timer =
            dialer.poll_timeout().map(|t| ms(t.duration_since(s.start).as_secs_f64()).max(now_ms));
        let (t, from_timer) = match (next_event, next_timer) {
            (None, None) => break,
            (Some(e), Some(tt)) if tt < e => (tt, true),
            (Some(e), _) => (e, false),
            (None, Some(tt)) => (tt, true),
        };
        if ended && from_timer && next_event.is_none() {
            // Only the engine's record timers are left after the shift: stop.
            break;
        }
        now_ms = t;
        let now = at(t);
        if from_timer {
            dialer.handle_timeout(now);
            continue;
        }
        let Some(Reverse((_, _, ev))) = events.pop() else { break };
        let r = match ev {
            Ev::Outcome(call, code) => {
                let Some(&(state, _)) = calls.get(&call) else { continue };
                if state != SimCall::Ringing {
                    continue;
                }
                if code == 7 {
                    // A machine taken for a person.
                    calls.insert(call, (SimCall::Talking { machine: true }, calls[&call].1));
                    live += 1;
                    dialer.handle_call_outcome(now, call, Outcome::Human)
                } else {
                    let outcome = outcome_of(code);
                    match outcome {
                        Outcome::Human => {
                            live += 1;
                            calls.insert(call, (SimCall::Waiting, calls[&call].1));
                            let p = world.exp(s.patience);
                            push(&mut events, now_ms + ms(p), Ev::Hangup(call));
                        }
                        _ => {
                            calls.insert(call, (SimCall::Ended, calls[&call].1));
                        }
                    }
                    dialer.handle_call_outcome(now, call, outcome)
                }
            }
            Ev::Hangup(call) => {
                if let Some(&(SimCall::Waiting, rec)) = calls.get(&call) {
                    calls.insert(call, (SimCall::Ended, rec));
                    abandoned += 1;
                    dialer.handle_call_outcome(now, call, Outcome::Abandoned)
                } else {
                    Ok(())
                }
            }
            Ev::WrapUp(agent) => {
                let r = dialer.handle_agent_wrap_up(now, agent);
                let wrap = world.lognormal(s.wrap, 0.3);
                wrap_ms += ms(wrap);
                push(&mut events, now_ms + ms(wrap), Ev::Available(agent));
                r
            }
            Ev::Available(agent) => {
                let mut r = Ok(());
                if let Some(call) = agent_call.remove(&agent)
                    && let Some(&(st, rec)) = calls.get(&call)
                {
                    let disp = if matches!(st, SimCall::Talking { machine: true }) {
                        Disposition::Retry { after: Duration::from_secs(4 * 3600) }
                    } else if world.uniform() < s.p_refuse {
                        Disposition::Refused
                    } else {
                        Disposition::Completed
                    };
                    r = dialer.handle_disposition(now, rec, disp);
                    calls.insert(call, (SimCall::Ended, rec));
                }
                let r2 = if ended {
                    logged_out_at.insert(agent, now_ms);
                    dialer.handle_agent_logged_out(now, agent)
                } else {
                    dialer.handle_agent_available(now, agent)
                };
                r.and(r2)
            }
            Ev::PreviewDial(agent) => {
                // The preview may have timed out already: then the agent is not previewing.
                let _ = dialer.handle_preview_dial(now, agent);
                Ok(())
            }
            Ev::ShiftEnd => {
                ended = true;
                Ok(())
            }
        };
        if r.is_err() {
            refused_inputs += 1;
        }
        if ended {
            // After the shift, every agent not on a call logs out as soon as the engine allows
            // (an agent dialling a previewed record leaves when that call ends).
            for a in 0..s.agents {
                let agent = AgentId(a);
                if !logged_out_at.contains_key(&agent)
                    && !agent_call.contains_key(&agent)
                    && dialer.handle_agent_logged_out(now, agent).is_ok()
                {
                    logged_out_at.insert(agent, now_ms);
                }
            }
        }
    }
    while let Some(rec) = dialer.poll_audit() {
        report.push(&rec);
        on_audit(&rec);
    }
    let logged_ms: u64 =
        (0..s.agents).map(|a| logged_out_at.get(&AgentId(a)).copied().unwrap_or(now_ms)).sum();
    let agent_hours = logged_ms as f64 / 3_600_000.0;
    Ok(SimReport {
        dials,
        live_answers: live,
        conversations: convs,
        abandoned: report.windows.iter().map(|w| w.abandoned).sum::<u64>().max(abandoned),
        amd_false_positives: fps,
        agent_hours,
        talk_minutes_per_agent_hour: if agent_hours > 0.0 {
            talk_ms as f64 / 60_000.0 / agent_hours
        } else {
            0.0
        },
        occupancy: if logged_ms > 0 { (talk_ms + wrap_ms) as f64 / logged_ms as f64 } else { 0.0 },
        abandon_rate: {
            let ab: u64 = report.windows.iter().map(|w| w.abandoned).sum();
            let lv: u64 = report.windows.iter().map(|w| w.live_answers).sum();
            if lv > 0 { ab as f64 / lv as f64 } else { 0.0 }
        },
        decisions: dialer.decisions(),
        report,
        refused_inputs,
    })
}

/// One point of a frontier: a pacer setting and the mean figures over seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FrontierPoint {
    /// The pacer family (`queue_model`, `adaptive`, `vicidial_hard_limit`, ...).
    pub family: String,
    /// The setting swept (target, cap or maximum level).
    pub setting: f64,
    /// Mean abandonment rate over the windows (as the profile counts it).
    pub abandon_rate: f64,
    /// Mean talk minutes per agent-hour.
    pub talk_minutes_per_agent_hour: f64,
    /// Mean occupancy.
    pub occupancy: f64,
    /// Share of windows over the cap.
    pub breach_rate: f64,
}

/// Runs `scenario` under `mode` for `seeds` seeds (0..seeds offset by the scenario's seed) and
/// averages.
///
/// # Errors
///
/// As [`run`].
pub fn sweep_point(
    scenario: &Scenario,
    family: &str,
    setting: f64,
    mode: Mode,
    seeds: u64,
) -> Result<FrontierPoint, InputError> {
    let mut p = FrontierPoint {
        family: family.to_owned(),
        setting,
        abandon_rate: 0.0,
        talk_minutes_per_agent_hour: 0.0,
        occupancy: 0.0,
        breach_rate: 0.0,
    };
    let mut windows = 0usize;
    let mut breaches = 0usize;
    for k in 0..seeds {
        let mut s = scenario.clone().with_mode(mode.clone());
        s.seed = scenario.seed.wrapping_add(k);
        let r = run(&s)?;
        for w in &r.report.windows {
            windows += 1;
            breaches += usize::from(w.breach);
            p.abandon_rate += w.abandon_rate;
        }
        p.talk_minutes_per_agent_hour += r.talk_minutes_per_agent_hour;
        p.occupancy += r.occupancy;
    }
    let n = seeds.max(1) as f64;
    p.abandon_rate /= windows.max(1) as f64;
    p.talk_minutes_per_agent_hour /= n;
    p.occupancy /= n;
    p.breach_rate = breaches as f64 / windows.max(1) as f64;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> Scenario {
        let mut s = Scenario::standard(seed);
        s.agents = 5;
        s.shift = Duration::from_secs(2 * 3600);
        s
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = run(&small(7)).unwrap();
        let b = run(&small(7)).unwrap();
        assert_eq!((a.dials, a.live_answers, a.abandoned), (b.dials, b.live_answers, b.abandoned));
        let c = run(&small(8)).unwrap();
        assert_ne!((a.dials, a.live_answers), (c.dials, c.live_answers));
        assert_eq!(a.refused_inputs, 0);
    }

    #[test]
    fn every_mode_runs_clean() {
        for mode in [
            Mode::Preview { timeout: Duration::from_secs(20) },
            Mode::Progressive { ratio: 1.0 },
            Mode::Predictive { pacer: PacerConfig::queue_model(0.03) },
            Mode::Predictive {
                pacer: PacerConfig::vicidial(crate::VicidialMethod::AdaptHardLimit),
            },
        ] {
            let r = run(&small(3).with_mode(mode.clone())).unwrap();
            assert_eq!(r.refused_inputs, 0, "{mode:?}");
            assert!(r.conversations > 0, "{mode:?}");
            let w = &r.report.windows[0];
            assert_eq!((w.outside_hours, w.short_rings, w.late_connections), (0, 0, 0), "{mode:?}");
        }
        // Progressive at ratio 1 abandons nobody; preview neither.
        let r = run(&small(3).with_mode(Mode::Progressive { ratio: 1.0 })).unwrap();
        assert_eq!(r.report.windows[0].abandoned, 0);
    }

    #[test]
    fn predictive_talks_more_than_progressive() {
        let mut s = small(5);
        s.agents = 20;
        let prog = run(&s.clone().with_mode(Mode::Progressive { ratio: 1.0 })).unwrap();
        let pred = run(&s).unwrap();
        assert!(
            pred.talk_minutes_per_agent_hour > prog.talk_minutes_per_agent_hour * 1.08,
            "{} vs {}",
            pred.talk_minutes_per_agent_hour,
            prog.talk_minutes_per_agent_hour
        );
    }
}
