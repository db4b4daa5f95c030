//! Outbound campaigns: the real [`hotline_dialer::Dialer`] driven in virtual time against a
//! population of callees, with the key figures of every regulator window.
//!
//! The population answers with a probability that depends on the callee's local hour, after a
//! ring time drawn from a [`Distribution`]; machines answer too and are detected with the
//! campaign's answering-machine detection accuracy, and a share of people are taken for machines
//! (AMD false positives, dropped: Ofcom counts them as abandoned). A person left waiting hangs up
//! after a patience drawn from a distribution; talk and wrap-up times are distributions too. As
//! in [`crate::run_replication`], no decision is made here: every dial, connection and
//! abandonment is the engine's, and the simulator only plays out its actions and reports the
//! outcomes back through the engine's `handle_*` calls.
//!
//! Random draws come from this crate's [`Stream`]s, one per purpose (dial outcomes, talk,
//! wrap-up, patience, dispositions), so two pacers run under the same seed meet the same callees
//! in the same order as long as they dial them in the same order.
//!
//! Every pacing mode of the dialer runs here (preview, with the agent looking at the record for a
//! drawn time before dialling; progressive; predictive under the queueing-model, adaptive or
//! Vicidial-baseline pacer). [`sweep_point`] averages a pacer setting over seeds, the points of
//! the occupancy–abandonment frontier that the `outbound_frontier` example draws and tabulates
//! (the book's dialer figures) with `hotline_dialer::svg`.
//!
//! ```
//! use std::time::Duration;
//! use hotline_sim::outbound::{OutboundScenario, run_outbound};
//! let mut s = OutboundScenario::standard(1);
//! s.agents = 5;
//! s.shift = Duration::from_secs(3600);
//! let r = run_outbound(&s).unwrap();
//! assert!(r.talk_minutes_per_agent_hour > 0.0);
//! assert!(r.windows.iter().all(|w| !w.breach));
//! ```
//!
//! A scenario reads from TOML (`hotline dialer simulate` takes such a file): the campaign as the
//! dialer reads it under `[campaign]`, the population under `[population]` (any field left out
//! takes the standard scenario's value), and the day's settings at the top.
//!
//! ```
//! use hotline_sim::outbound::{OutboundScenario, run_outbound};
//! let s: OutboundScenario = toml::from_str(r#"
//!     agents = 4
//!     shift = "1h"
//!     [population]
//!     p_machine = 0.3
//!     talk = { dist = "lognormal", mean = 120, sd = 60 }
//!     [campaign]
//!     name = "reminders"
//!     [campaign.mode]
//!     mode = "progressive"
//! "#).unwrap();
//! assert_eq!(s.population.p_machine, 0.3);
//! assert_eq!(s.population.p_busy, 0.05); // the standard population's
//! let r = run_outbound(&s).unwrap();
//! assert_eq!(r.abandoned, 0); // progressive 1:1 abandons nobody
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use hotline_acd::duration;
use hotline_dialer::compliance::{AuditRecord, ComplianceReport, Profile};
use hotline_dialer::jiff::{Timestamp, tz::TimeZone};
use hotline_dialer::{
    Action, AgentId, CallId, Campaign, Dialer, DialerError, Disposition, Estimates, InputError,
    Mode, Outcome, PacerConfig, Record, RecordId,
};
use serde::{Deserialize, Serialize};

use crate::dist::Distribution;
use crate::rng::{Purpose, Stream};

/// The callees of a campaign. In a file, a field left out takes the standard population's value
/// ([`Population::standard`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Population {
    /// The callees' time zone (IANA name).
    pub time_zone: String,
    /// The probability that a dial reaches the right person, by the callee's local hour (24
    /// entries, hour 0 first).
    pub p_live_by_hour: Vec<f64>,
    /// The probability that an answering machine answers.
    pub p_machine: f64,
    /// The probability of a busy line.
    pub p_busy: f64,
    /// The probability that the call is rejected.
    pub p_rejected: f64,
    /// The share of numbers that are invalid.
    pub p_invalid: f64,
    /// Seconds from the dial to a person's answer (beyond the campaign's ring timeout: no
    /// answer).
    pub answer_delay: Distribution,
    /// Seconds from the dial to a machine's answer.
    pub machine_delay: Distribution,
    /// Talk time of a conversation, seconds.
    pub talk: Distribution,
    /// Wrap-up time after a conversation, seconds.
    pub wrap: Distribution,
    /// How long a person who answered waits for an agent before hanging up, seconds.
    pub patience: Distribution,
    /// The probability that a machine is detected as one (else it is put through to an agent,
    /// who hangs up after 10 s).
    pub amd_accuracy: f64,
    /// The probability that a person is taken for a machine and dropped.
    pub amd_false_positive: f64,
    /// The probability that the person refuses further calls at the end of the conversation.
    pub p_refuse: f64,
}

impl Population {
    /// The standard scenario's callees: in New York, 25% right-party contact varying by hour
    /// (0.85 of it at 9:00 to 1.1 at 16:00), a person answering after gamma(mean 7 s, shape 3),
    /// a machine after gamma(8 s, 3), machines 15%, busy 5%, rejected 2%, invalid numbers 3%,
    /// lognormal talk of 3 minutes (sd 108 s) and wrap-up of 15 s (sd 4.5 s), patience
    /// exponential(8 s), AMD 90% accurate with 1% false positives, 5% refusals.
    pub fn standard() -> Population {
        let mut p_live_by_hour = vec![0.25; 24];
        for (i, f) in [0.85, 0.95, 1.05, 1.1, 1.0, 0.95, 1.0, 1.1].into_iter().enumerate() {
            p_live_by_hour[9 + i] = 0.25 * f;
        }
        Population {
            time_zone: "America/New_York".into(),
            p_live_by_hour,
            p_machine: 0.15,
            p_busy: 0.05,
            p_rejected: 0.02,
            p_invalid: 0.03,
            answer_delay: Distribution::Gamma { mean: 7.0, shape: 3.0 },
            machine_delay: Distribution::Gamma { mean: 8.0, shape: 3.0 },
            talk: Distribution::Lognormal { mean: 180.0, sd: 108.0 },
            wrap: Distribution::Lognormal { mean: 15.0, sd: 4.5 },
            patience: Distribution::Exponential { mean: 8.0 },
            amd_accuracy: 0.9,
            amd_false_positive: 0.01,
            p_refuse: 0.05,
        }
    }

    /// Every [`Distribution::Empirical`] of the population that names a CSV file, with the
    /// field's name: the host reads the file and fills `values` (the simulator reads no files).
    pub fn empirical_csv_mut(&mut self) -> Vec<(&'static str, &mut Distribution)> {
        [
            ("answer_delay", &mut self.answer_delay),
            ("machine_delay", &mut self.machine_delay),
            ("talk", &mut self.talk),
            ("wrap", &mut self.wrap),
            ("patience", &mut self.patience),
        ]
        .into_iter()
        .filter(|(_, d)| matches!(d, Distribution::Empirical { csv: Some(_), .. }))
        .collect()
    }
}

impl Default for Population {
    fn default() -> Population {
        Population::standard()
    }
}

/// An outbound campaign day to simulate. In a file (TOML), every field but `campaign` may be
/// left out: 20 agents, 8 hours from 09:00 New York on Monday 2 March 2026, the standard
/// population, seed 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OutboundScenario {
    /// Agents logged in for the whole shift.
    #[serde(default = "default_agents")]
    pub agents: u32,
    /// The shift's start.
    #[serde(default = "default_start")]
    pub start: Timestamp,
    /// The shift's length (agents log out after their call at its end); `"8h"` in a file.
    #[serde(default = "default_shift", with = "duration::text")]
    pub shift: Duration,
    /// Records in the list (0: 1,500 per agent).
    #[serde(default)]
    pub records: u32,
    /// How long an agent looks at a previewed record before dialling it, seconds (preview
    /// mode only; the campaign's preview timeout dials or skips it first if shorter).
    #[serde(default = "default_preview_time")]
    pub preview_time: Distribution,
    /// Who is called.
    #[serde(default)]
    pub population: Population,
    /// The campaign (mode, pacer, jurisdiction profile, retries), as the dialer takes it; its
    /// lists are not read (the population is the list).
    pub campaign: Campaign,
    /// The seed of the random streams.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_agents() -> u32 {
    20
}
fn default_start() -> Timestamp {
    // 2026-03-02T14:00Z, 09:00 in New York.
    Timestamp::from_second(1_772_460_000).unwrap_or(Timestamp::UNIX_EPOCH)
}
fn default_shift() -> Duration {
    Duration::from_secs(8 * 3600)
}
fn default_preview_time() -> Distribution {
    // Mean 12.5 s, spread as a uniform draw between 5 and 20 s.
    Distribution::Lognormal { mean: 12.5, sd: 4.33 }
}
fn default_seed() -> u64 {
    1
}

impl OutboundScenario {
    /// The standard scenario of the dialer's book chapter: 20 agents, 8 hours from 09:00 in
    /// New York on Monday 2 March 2026, the [`Population::standard`] callees (25% right-party
    /// contact varying by hour, 3-minute talk, AMD 90% accurate with 1% false positives), the UK
    /// profile (3% per 24 hours, the AMD estimate of 1% counted) and the adaptive pacer.
    pub fn standard(seed: u64) -> OutboundScenario {
        let mut campaign =
            Campaign::new("standard", Mode::Predictive { pacer: PacerConfig::adaptive() })
                .with_profile(Profile::uk(0.01));
        // 25% live, 10 s to answer, 180 s talk, 15 s wrap-up until learned.
        campaign.initial_estimates = Estimates::default();
        campaign.window_origin = Timestamp::from_second(1_772_409_600).ok(); // 2026-03-02T00:00Z
        OutboundScenario {
            agents: 20,
            start: default_start(),
            shift: default_shift(),
            records: 0,
            preview_time: default_preview_time(),
            population: Population::standard(),
            campaign,
            seed,
        }
    }

    /// Every problem of the scenario, each naming its field as a file writes it
    /// (`population.p_busy`, `campaign.ring_timeout`): at most [`MAX_AGENTS`] agents,
    /// [`MAX_RECORDS`] records and a shift of 31 days, the hourly table is 24 probabilities,
    /// every other chance is one and an hour's outcomes add up to at most 1, the time zone is
    /// known, the distributions can be sampled, and the campaign's own checks.
    pub fn problems(&self) -> Vec<hotline_dialer::Problem> {
        let mut out = Vec::new();
        let mut push = |field: String, message: String| {
            out.push(hotline_dialer::Problem { location: None, field: Some(field), message });
        };
        if !(1..=MAX_AGENTS).contains(&self.agents) {
            push("agents".into(), format!("{} is not between 1 and {MAX_AGENTS}", self.agents));
        }
        let records = if self.records == 0 {
            u64::from(self.agents).saturating_mul(1500)
        } else {
            u64::from(self.records)
        };
        if records > MAX_RECORDS {
            push(
                "records".into(),
                format!(
                    "{records} records (0 means 1,500 an agent) is more than the {MAX_RECORDS} a run holds"
                ),
            );
        }
        if self.shift.is_zero() || self.shift > MAX_SHIFT {
            push("shift".into(), "must be longer than 0 and at most 31 days".into());
        }
        let pop = &self.population;
        let chance = |p: f64| (0.0..=1.0).contains(&p);
        if pop.p_live_by_hour.len() != 24 || !pop.p_live_by_hour.iter().all(|p| chance(*p)) {
            push(
                "population.p_live_by_hour".into(),
                "must be 24 probabilities between 0 and 1, hour 0 first".into(),
            );
        }
        for (name, p) in [
            ("p_machine", pop.p_machine),
            ("p_busy", pop.p_busy),
            ("p_rejected", pop.p_rejected),
            ("p_invalid", pop.p_invalid),
            ("amd_accuracy", pop.amd_accuracy),
            ("amd_false_positive", pop.amd_false_positive),
            ("p_refuse", pop.p_refuse),
        ] {
            if !chance(p) {
                push(
                    format!("population.{name}"),
                    format!("{p} is not a probability between 0 and 1"),
                );
            }
        }
        let others = pop.p_machine + pop.p_busy + pop.p_rejected;
        if let Some((hour, p)) =
            pop.p_live_by_hour.iter().enumerate().find(|(_, p)| **p + others > 1.0 + 1e-9)
        {
            push(
                "population.p_live_by_hour".into(),
                format!(
                    "hour {hour}: {p} live plus p_machine, p_busy and p_rejected ({others}) is more than 1"
                ),
            );
        }
        if TimeZone::get(&pop.time_zone).is_err() {
            push(
                "population.time_zone".into(),
                format!("`{}` is not an IANA time zone", pop.time_zone),
            );
        }
        for (name, d) in [
            ("preview_time", &self.preview_time),
            ("population.answer_delay", &pop.answer_delay),
            ("population.machine_delay", &pop.machine_delay),
            ("population.talk", &pop.talk),
            ("population.wrap", &pop.wrap),
            ("population.patience", &pop.patience),
        ] {
            if let Some(e) = d.problem() {
                push(name.into(), e.to_string());
            }
        }
        for p in self.campaign.problems() {
            let field = p.field.map_or_else(|| "campaign".into(), |f| format!("campaign.{f}"));
            push(field, p.message);
        }
        out
    }

    /// Checks the scenario ([`OutboundScenario::problems`]).
    ///
    /// # Errors
    ///
    /// [`InputError::Problems`] listing every problem.
    pub fn check(&self) -> Result<(), InputError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InputError::Problems { what: "the outbound scenario", problems })
        }
    }

    /// The same scenario with another pacing mode.
    pub fn with_mode(mut self, mode: Mode) -> OutboundScenario {
        self.campaign.mode = mode;
        self
    }
}

/// The key figures of one regulator window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowKpis {
    /// The window's start (None for a window before the campaign's origin).
    pub start: Option<Timestamp>,
    /// Dials placed in the window.
    pub dials: u64,
    /// Live answers, as the engine was told (people, and machines taken for people).
    pub live_answers: u64,
    /// Live answers abandoned.
    pub abandoned: u64,
    /// The profile's estimate of AMD false positives, counted as abandoned live answers.
    pub amd_false_positive_estimate: f64,
    /// Abandonment as the regulator counts it.
    pub abandon_rate: f64,
    /// Whether the window is over the profile's cap.
    pub breach: bool,
    /// Conversations with people that began in the window.
    pub conversations: u64,
    /// Their talk time, minutes.
    pub talk_minutes: f64,
    /// People taken for machines and dropped in the window (the simulator knows; the engine
    /// does not).
    pub amd_false_positives: u64,
}

/// What a simulated campaign day gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboundReport {
    /// Dials placed.
    pub dials: u64,
    /// Live answers reported to the engine.
    pub live_answers: u64,
    /// Conversations with people.
    pub conversations: u64,
    /// Live answers abandoned, as the engine's audit record counts them: people who hung up
    /// waiting and calls the engine gave the abandonment message (no agent within the connect
    /// limit).
    pub abandoned: u64,
    /// People taken for machines.
    pub amd_false_positives: u64,
    /// Agent-hours logged in.
    pub agent_hours: f64,
    /// Talk minutes with people per agent-hour.
    pub talk_minutes_per_agent_hour: f64,
    /// (talk + wrap-up) ÷ logged-in time.
    pub occupancy: f64,
    /// The key figures of each regulator window, in order.
    pub windows: Vec<WindowKpis>,
    /// The engine's compliance report, from its audit record.
    pub compliance: ComplianceReport,
    /// Pacing decisions the engine took.
    pub decisions: u64,
    /// Inputs the engine refused (0 unless the simulator is wrong).
    pub refused_inputs: u64,
}

/// The most agents a run takes.
pub const MAX_AGENTS: u32 = 10_000;
/// The most records a run holds (the list is built in memory: about 100 bytes a record).
pub const MAX_RECORDS: u64 = 2_000_000;
/// The longest shift a run takes.
const MAX_SHIFT: Duration = Duration::from_secs(31 * 86_400);

/// Stream indices under [`Purpose`]s of this module (the call-center streams use index = call
/// type, so these sit far above them).
const STREAM_BASE: u64 = 1 << 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A dial's outcome: what the engine is told.
    Outcome(CallId, Told),
    /// A waiting person's patience ran out.
    Hangup(CallId),
    /// A conversation ended: the agent begins wrap-up.
    WrapUp(AgentId),
    /// The wrap-up ended.
    Available(AgentId),
    /// A previewing agent dials the record (the preview's number, to tell a stale one).
    PreviewDial(AgentId, u64),
    ShiftEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Told {
    Person,
    /// A machine taken for a person.
    MachineAsPerson,
    Other(Outcome),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leg {
    Ringing,
    Waiting,
    Talking { machine: bool },
    Ended,
}

/// Milliseconds of `secs` seconds (negative and non-finite draws are 0).
fn ms(secs: f64) -> u64 {
    if secs.is_finite() { (secs.max(0.0) * 1000.0).round() as u64 } else { 0 }
}

/// The first whole millisecond at or after `ns` nanoseconds: the loop's clock, so that the engine's timer is
/// handled at or after its deadline (rounded down, a deadline between two milliseconds would
/// never fire and the loop would wait on it for ever).
fn ms_after(ns: i128) -> u64 {
    u64::try_from((ns.max(0) as u128).div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

fn problem(field: &str, message: String) -> InputError {
    InputError::Problems {
        what: "the outbound scenario",
        problems: vec![hotline_dialer::Problem {
            location: None,
            field: Some(field.into()),
            message,
        }],
    }
}

/// Runs one campaign day.
///
/// # Errors
///
/// The scenario's problems ([`OutboundScenario::problems`]: the campaign's, an unknown time
/// zone, a distribution that cannot be sampled, a chance that is not one).
pub fn run_outbound(s: &OutboundScenario) -> Result<OutboundReport, InputError> {
    run_outbound_with_audit(s, |_| {})
}

/// Runs one campaign day and hands every line of the engine's audit record to `on_audit`, in
/// order (to write the log that `hotline dialer report` reads).
///
/// # Errors
///
/// As [`run_outbound`].
pub fn run_outbound_with_audit(
    s: &OutboundScenario,
    mut on_audit: impl FnMut(&AuditRecord),
) -> Result<OutboundReport, InputError> {
    let pop = &s.population;
    s.check()?;
    let zone = TimeZone::get(&pop.time_zone).map_err(|e| problem("time_zone", e.to_string()))?;
    let stream = |purpose, k: u64| Stream::new(s.seed, 0, purpose, STREAM_BASE + k);
    let mut dial_rng = stream(Purpose::Arrivals, 0);
    let mut talk_rng = stream(Purpose::Handle, 1);
    let mut wrap_rng = stream(Purpose::Handle, 2);
    let mut patience_rng = stream(Purpose::Patience, 3);
    let mut disposition_rng = stream(Purpose::Retrial, 4);
    let mut preview_rng = stream(Purpose::Handle, 5);

    let mut dialer = Dialer::new(s.campaign.clone(), None)?;
    let n_records = if s.records == 0 { s.agents.saturating_mul(1500) } else { s.records };
    let invalid: Vec<bool> = (0..n_records).map(|_| dial_rng.bernoulli(pop.p_invalid)).collect();
    let records: Vec<Record> = (0..n_records)
        .map(|i| {
            Record::new(
                i.to_string(),
                format!("+1{:010}", 2_000_000_000u64 + u64::from(i)),
                pop.time_zone.clone(),
            )
        })
        .collect();
    dialer.add_records("population", records).map_err(|e| problem("records", e.to_string()))?;
    // Without an origin the engine counts windows from the midnight (UTC) of the first time it
    // sees, the shift's start: the report's windows are the same ones.
    let origin = s.campaign.window_origin.unwrap_or_else(|| {
        Timestamp::from_second(s.start.as_second().div_euclid(86_400) * 86_400).unwrap_or(s.start)
    });
    let window_ms = s.campaign.profile.window.as_millis().max(1) as i128;
    let window_of = |t: Timestamp| -> i64 {
        let d = t.duration_since(origin).as_millis();
        d.div_euclid(window_ms) as i64
    };
    let mut compliance = ComplianceReport::new(s.campaign.profile.clone(), origin, None);
    // Per window index: conversations, talk ms, AMD false positives.
    let mut per_window: HashMap<i64, (u64, u64, u64)> = HashMap::new();

    let at = |t: u64| s.start.checked_add(Duration::from_millis(t)).unwrap_or(Timestamp::MAX);
    let mut events: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |events: &mut BinaryHeap<Reverse<(u64, u64, Ev)>>, t: u64, e: Ev| {
        seq += 1;
        events.push(Reverse((t, seq, e)));
    };
    push(&mut events, s.shift.as_millis().try_into().unwrap_or(u64::MAX), Ev::ShiftEnd);
    let mut legs: HashMap<CallId, (Leg, RecordId)> = HashMap::new();
    let mut agent_call: HashMap<AgentId, CallId> = HashMap::new();
    let mut logged_out_at: HashMap<AgentId, u64> = HashMap::new();
    // Agents previewing a record, with the number of the preview.
    let mut previewing: HashMap<AgentId, u64> = HashMap::new();
    let mut previews = 0u64;
    let mut ended = false;
    let (mut talk_ms, mut wrap_ms) = (0u64, 0u64);
    let (mut dials, mut live, mut convs, mut hung_up, mut fps, mut refused) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let ring_timeout = s.campaign.ring_timeout.as_secs_f64();
    let mut now_ms = 0u64;

    for a in 0..s.agents {
        if dialer.handle_agent_available(at(0), AgentId(a)).is_err() {
            refused += 1;
        }
    }
    loop {
        while let Some(action) = dialer.poll_action() {
            match action {
                Action::Dial { call, record, agent, .. } => {
                    dials += 1;
                    // A previewed record dialled (by the agent, or by the engine at the
                    // preview's deadline): the preview is over.
                    if let Some(a) = agent {
                        previewing.remove(&a);
                    }
                    legs.insert(call, (Leg::Ringing, record));
                    let hour = zone.to_datetime(at(now_ms)).hour();
                    let p_live = usize::try_from(hour)
                        .ok()
                        .and_then(|h| pop.p_live_by_hour.get(h))
                        .copied()
                        .unwrap_or(0.0);
                    let u = dial_rng.uniform();
                    let (told, delay) = if invalid.get(record.0 as usize).copied().unwrap_or(false)
                    {
                        (Told::Other(Outcome::InvalidNumber), 2.0)
                    } else if u < p_live {
                        let d = pop.answer_delay.sample(&mut dial_rng);
                        if d > ring_timeout {
                            (Told::Other(Outcome::NoAnswer), ring_timeout)
                        } else if dial_rng.bernoulli(pop.amd_false_positive) {
                            fps += 1;
                            per_window.entry(window_of(at(now_ms))).or_default().2 += 1;
                            (Told::Other(Outcome::Machine), d + 2.5)
                        } else {
                            (Told::Person, d)
                        }
                    } else if u < p_live + pop.p_machine {
                        let d = pop.machine_delay.sample(&mut dial_rng);
                        if d > ring_timeout {
                            (Told::Other(Outcome::NoAnswer), ring_timeout)
                        } else if dial_rng.bernoulli(pop.amd_accuracy) {
                            (Told::Other(Outcome::Machine), d + 2.5)
                        } else {
                            (Told::MachineAsPerson, d)
                        }
                    } else if u < p_live + pop.p_machine + pop.p_busy {
                        (Told::Other(Outcome::Busy), 2.0 + 2.0 * dial_rng.uniform())
                    } else if u < p_live + pop.p_machine + pop.p_busy + pop.p_rejected {
                        (Told::Other(Outcome::Rejected), 3.0 + 7.0 * dial_rng.uniform())
                    } else {
                        (Told::Other(Outcome::NoAnswer), ring_timeout)
                    };
                    push(&mut events, now_ms + ms(delay), Ev::Outcome(call, told));
                }
                Action::Connect { call, agent } => {
                    if let Some((leg, _)) = legs.get_mut(&call) {
                        let machine = matches!(*leg, Leg::Talking { machine: true });
                        *leg = Leg::Talking { machine };
                        let talk = if machine { 10.0 } else { pop.talk.sample(&mut talk_rng) };
                        if !machine {
                            convs += 1;
                            talk_ms += ms(talk);
                            let w = per_window.entry(window_of(at(now_ms))).or_default();
                            w.0 += 1;
                            w.1 += ms(talk);
                        }
                        agent_call.insert(agent, call);
                        push(&mut events, now_ms + ms(talk), Ev::WrapUp(agent));
                    }
                }
                Action::PlayAbandonMessage { call } | Action::Drop { call } => {
                    if let Some((leg, _)) = legs.get_mut(&call) {
                        *leg = Leg::Ended;
                    }
                }
                // Preview campaigns: the agent looks at the record, then dials.
                // (A preview queued before the agent logged out at the shift's end is void.)
                Action::Preview { agent, .. } if !logged_out_at.contains_key(&agent) => {
                    previews += 1;
                    previewing.insert(agent, previews);
                    let look = s.preview_time.sample(&mut preview_rng);
                    push(&mut events, now_ms + ms(look), Ev::PreviewDial(agent, previews));
                }
                _ => {}
            }
        }
        while let Some(rec) = dialer.poll_audit() {
            compliance.push(&rec);
            on_audit(&rec);
        }
        let next_event = events.peek().map(|Reverse((t, _, _))| *t);
        let next_timer = dialer
            .poll_timeout()
            .map(|t| ms_after(t.duration_since(s.start).as_nanos()).max(now_ms));
        let (t, from_timer) = match (next_event, next_timer) {
            (None, None) => break,
            (Some(e), Some(tt)) if tt < e => (tt, true),
            (Some(e), _) => (e, false),
            (None, Some(tt)) => (tt, true),
        };
        if ended && from_timer && next_event.is_none() {
            // Only the engine's record timers are left after the shift.
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
            Ev::Outcome(call, told) => {
                let Some(&(Leg::Ringing, rec)) = legs.get(&call) else { continue };
                match told {
                    Told::Person => {
                        live += 1;
                        legs.insert(call, (Leg::Waiting, rec));
                        let p = pop.patience.sample(&mut patience_rng);
                        push(&mut events, now_ms + ms(p), Ev::Hangup(call));
                        dialer.handle_call_outcome(now, call, Outcome::Human)
                    }
                    Told::MachineAsPerson => {
                        live += 1;
                        legs.insert(call, (Leg::Talking { machine: true }, rec));
                        dialer.handle_call_outcome(now, call, Outcome::Human)
                    }
                    Told::Other(outcome) => {
                        legs.insert(call, (Leg::Ended, rec));
                        dialer.handle_call_outcome(now, call, outcome)
                    }
                }
            }
            Ev::Hangup(call) => match legs.get(&call) {
                Some(&(Leg::Waiting, rec)) => {
                    legs.insert(call, (Leg::Ended, rec));
                    hung_up += 1;
                    dialer.handle_call_outcome(now, call, Outcome::Abandoned)
                }
                _ => Ok(()),
            },
            Ev::WrapUp(agent) => {
                let r = dialer.handle_agent_wrap_up(now, agent);
                let wrap = pop.wrap.sample(&mut wrap_rng);
                wrap_ms += ms(wrap);
                push(&mut events, now_ms + ms(wrap), Ev::Available(agent));
                r
            }
            Ev::Available(agent) => {
                let mut r = Ok(());
                if let Some(call) = agent_call.remove(&agent)
                    && let Some(&(leg, rec)) = legs.get(&call)
                {
                    let disposition = if leg == (Leg::Talking { machine: true }) {
                        Disposition::Retry { after: Duration::from_secs(4 * 3600) }
                    } else if disposition_rng.bernoulli(pop.p_refuse) {
                        Disposition::Refused
                    } else {
                        Disposition::Completed
                    };
                    r = dialer.handle_disposition(now, rec, disposition);
                    legs.insert(call, (Leg::Ended, rec));
                }
                let r2 = if ended {
                    logged_out_at.insert(agent, now_ms);
                    dialer.handle_agent_logged_out(now, agent)
                } else {
                    dialer.handle_agent_available(now, agent)
                };
                r.and(r2)
            }
            Ev::PreviewDial(agent, n) => {
                // The engine may have dialled the record at the preview's deadline first (or
                // shown the agent another since): then there is nothing to dial.
                if previewing.get(&agent) == Some(&n) {
                    previewing.remove(&agent);
                    match dialer.handle_preview_dial(now, agent) {
                        // The record's calling hours closed while the agent looked at it: the
                        // engine put it back; not a refused input.
                        Err(DialerError::NotDialled { .. }) => Ok(()),
                        r => r,
                    }
                } else {
                    Ok(())
                }
            }
            Ev::ShiftEnd => {
                ended = true;
                Ok(())
            }
        };
        if r.is_err() {
            refused += 1;
        }
        if ended {
            // After the shift every agent not on a call logs out as soon as the engine allows.
            for a in 0..s.agents {
                let agent = AgentId(a);
                if !logged_out_at.contains_key(&agent)
                    && !agent_call.contains_key(&agent)
                    && dialer.handle_agent_logged_out(now, agent).is_ok()
                {
                    // A previewed record goes back to the list with the agent's logout.
                    previewing.remove(&agent);
                    logged_out_at.insert(agent, now_ms);
                }
            }
        }
    }
    while let Some(rec) = dialer.poll_audit() {
        compliance.push(&rec);
        on_audit(&rec);
    }
    let logged_ms: u64 =
        (0..s.agents).map(|a| logged_out_at.get(&AgentId(a)).copied().unwrap_or(now_ms)).sum();
    let agent_hours = logged_ms as f64 / 3_600_000.0;
    let windows = compliance
        .windows
        .iter()
        .map(|w| {
            let (c, t, f) = w
                .start
                .map(|st| per_window.get(&window_of(st)).copied().unwrap_or_default())
                .unwrap_or_default();
            WindowKpis {
                start: w.start,
                dials: w.dials,
                live_answers: w.live_answers,
                abandoned: w.abandoned,
                amd_false_positive_estimate: w.amd_false_positive_estimate,
                abandon_rate: w.abandon_rate,
                breach: w.breach,
                conversations: c,
                talk_minutes: t as f64 / 60_000.0,
                amd_false_positives: f,
            }
        })
        .collect();
    Ok(OutboundReport {
        dials,
        live_answers: live,
        conversations: convs,
        // The engine's count: a person still waiting at the connect limit is abandoned by the
        // engine (the abandonment message), not only one whose patience ran out first.
        abandoned: compliance.windows.iter().map(|w| w.abandoned).sum::<u64>().max(hung_up),
        amd_false_positives: fps,
        agent_hours,
        talk_minutes_per_agent_hour: if agent_hours > 0.0 {
            talk_ms as f64 / 60_000.0 / agent_hours
        } else {
            0.0
        },
        occupancy: if logged_ms > 0 { (talk_ms + wrap_ms) as f64 / logged_ms as f64 } else { 0.0 },
        windows,
        compliance,
        decisions: dialer.decisions(),
        refused_inputs: refused,
    })
}

/// One point of a frontier: a pacer setting and its figures averaged over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FrontierPoint {
    /// The pacer family (`queue_model`, `adaptive`, `vicidial_hard_limit`, ...).
    pub family: String,
    /// The setting swept (target, cap or drop limit).
    pub setting: f64,
    /// Mean abandonment rate over the windows (as the profile counts it).
    pub abandon_rate: f64,
    /// Mean talk minutes per agent-hour.
    pub talk_minutes_per_agent_hour: f64,
    /// Mean occupancy.
    pub occupancy: f64,
    /// Share of windows over the cap.
    pub breach_rate: f64,
    /// Seeds run.
    pub seeds: u64,
    /// Windows counted over all seeds.
    pub windows: u64,
}

/// Runs `scenario` under `mode` for `seeds` seeds (the scenario's seed and the next ones) and
/// averages: talk and occupancy per run, abandonment and breaches per window. The runs are
/// spread over the machine's cores; the result does not depend on how.
///
/// # Errors
///
/// As [`run_outbound`] (the first seed's error).
pub fn sweep_point(
    scenario: &OutboundScenario,
    family: &str,
    setting: f64,
    mode: Mode,
    seeds: u64,
) -> Result<FrontierPoint, InputError> {
    let base = scenario.clone().with_mode(mode);
    let reports = run_seeds(&base, seeds)?;
    let mut p = FrontierPoint {
        family: family.to_owned(),
        setting,
        abandon_rate: 0.0,
        talk_minutes_per_agent_hour: 0.0,
        occupancy: 0.0,
        breach_rate: 0.0,
        seeds,
        windows: 0,
    };
    let mut breaches = 0u64;
    for r in &reports {
        for w in &r.windows {
            p.windows += 1;
            breaches += u64::from(w.breach);
            p.abandon_rate += w.abandon_rate;
        }
        p.talk_minutes_per_agent_hour += r.talk_minutes_per_agent_hour;
        p.occupancy += r.occupancy;
    }
    let n = reports.len().max(1) as f64;
    p.abandon_rate /= p.windows.max(1) as f64;
    p.talk_minutes_per_agent_hour /= n;
    p.occupancy /= n;
    p.breach_rate = breaches as f64 / p.windows.max(1) as f64;
    Ok(p)
}

/// The reports of `seeds` runs of `s` (seeds `s.seed`, `s.seed + 1`, ...), in seed order, run
/// on as many threads as the machine has cores.
///
/// # Errors
///
/// As [`run_outbound`] (the lowest seed's error).
pub fn run_seeds(s: &OutboundScenario, seeds: u64) -> Result<Vec<OutboundReport>, InputError> {
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(seeds.max(1) as usize);
    let next = std::sync::atomic::AtomicU64::new(0);
    let mut results: Vec<(u64, Result<OutboundReport, InputError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= seeds {
                            break out;
                        }
                        let mut one = s.clone();
                        one.seed = s.seed.wrapping_add(k);
                        out.push((k, run_outbound(&one)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    results.sort_by_key(|(k, _)| *k);
    if results.len() as u64 != seeds {
        return Err(problem("seed", "a simulation thread failed".into()));
    }
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour_windows(mut s: OutboundScenario) -> OutboundScenario {
        s.campaign.profile.window = Duration::from_secs(3600);
        s.campaign.profile.rolling = false;
        s
    }

    #[test]
    fn a_seed_replays_the_same_day_and_another_seed_another() {
        let mut s = OutboundScenario::standard(7);
        s.agents = 8;
        s.shift = Duration::from_secs(2 * 3600);
        let a = run_outbound(&s).unwrap();
        let b = run_outbound(&s).unwrap();
        let key = |r: &OutboundReport| {
            (r.dials, r.live_answers, r.conversations, r.abandoned, r.decisions, r.windows.clone())
        };
        assert_eq!(key(&a), key(&b));
        s.seed = 8;
        let c = run_outbound(&s).unwrap();
        assert_ne!(a.dials, c.dials);
        assert_eq!(a.refused_inputs, 0);
    }

    #[test]
    fn the_standard_day_keeps_every_window_under_the_cap_and_inside_calling_hours() {
        let r = run_outbound(&OutboundScenario::standard(1)).unwrap();
        assert_eq!(r.refused_inputs, 0);
        assert!(!r.windows.is_empty());
        for w in &r.windows {
            assert!(!w.breach && w.abandon_rate <= 0.03, "{w:?}");
        }
        assert!(
            r.compliance.windows.iter().all(|w| w.outside_hours == 0 && w.late_connections == 0)
        );
        // The run's abandonments are the windows' (the engine's count, the 2-second rule's
        // included).
        assert_eq!(r.windows.iter().map(|w| w.abandoned).sum::<u64>(), r.abandoned);
        assert!(r.abandoned > 0);
        // The window's conversations are the run's (one 24-hour window holds the shift).
        assert_eq!(r.windows.iter().map(|w| w.conversations).sum::<u64>(), r.conversations);
        assert!(r.talk_minutes_per_agent_hour > 40.0, "{}", r.talk_minutes_per_agent_hour);
    }

    #[test]
    fn answers_follow_the_callees_hour_and_show_in_hourly_windows() {
        // 09:00–11:00 in New York: people answer four times as often in the second hour.
        let mut s = hour_windows(OutboundScenario::standard(3));
        s.agents = 10;
        s.shift = Duration::from_secs(2 * 3600);
        s.population.p_live_by_hour[9] = 0.08;
        s.population.p_live_by_hour[10] = 0.32;
        let r = run_outbound(&s).unwrap();
        let shares: Vec<f64> = r
            .windows
            .iter()
            .filter(|w| w.dials > 100)
            .map(|w| w.live_answers as f64 / w.dials as f64)
            .collect();
        assert_eq!(shares.len(), 2, "{:?}", r.windows);
        assert!(shares[1] > 2.5 * shares[0], "{shares:?}");
        // The conversations land in the window they began in.
        assert_eq!(r.windows.iter().map(|w| w.conversations).sum::<u64>(), r.conversations);
    }

    #[test]
    fn amd_false_positives_are_counted_and_a_worse_detector_costs_conversations() {
        let mut s = OutboundScenario::standard(5);
        s.agents = 10;
        s.shift = Duration::from_secs(2 * 3600);
        let good = run_outbound(&s).unwrap();
        s.population.amd_false_positive = 0.2;
        let bad = run_outbound(&s).unwrap();
        assert!(bad.amd_false_positives > 5 * good.amd_false_positives.max(1), "{good:?} {bad:?}");
        assert_eq!(
            bad.windows.iter().map(|w| w.amd_false_positives).sum::<u64>(),
            bad.amd_false_positives
        );
        // People dropped as machines do not reach agents: fewer conversations per dial.
        let per_dial = |r: &OutboundReport| r.conversations as f64 / r.dials as f64;
        assert!(per_dial(&bad) < per_dial(&good), "{} {}", per_dial(&bad), per_dial(&good));
    }

    fn small(seed: u64) -> OutboundScenario {
        let mut s = OutboundScenario::standard(seed);
        s.agents = 5;
        s.shift = Duration::from_secs(2 * 3600);
        s
    }

    #[test]
    fn every_mode_runs_clean_and_one_to_one_abandons_nobody() {
        use hotline_dialer::VicidialMethod;
        for mode in [
            Mode::Preview { timeout: Duration::from_secs(20) },
            Mode::Progressive { ratio: 1.0 },
            Mode::Predictive { pacer: PacerConfig::queue_model(0.03) },
            Mode::Predictive { pacer: PacerConfig::adaptive().memoryless() },
            Mode::Predictive { pacer: PacerConfig::vicidial(VicidialMethod::AdaptHardLimit) },
            Mode::Predictive { pacer: PacerConfig::vicidial(VicidialMethod::AdaptTapered) },
            Mode::Predictive { pacer: PacerConfig::vicidial(VicidialMethod::AdaptAverage) },
        ] {
            let r = run_outbound(&small(3).with_mode(mode.clone())).unwrap();
            assert_eq!(r.refused_inputs, 0, "{mode:?}");
            assert!(r.conversations > 0, "{mode:?}");
            let w = &r.compliance.windows[0];
            assert_eq!((w.outside_hours, w.short_rings, w.late_connections), (0, 0, 0), "{mode:?}");
            if matches!(mode, Mode::Preview { .. } | Mode::Progressive { .. }) {
                assert_eq!(r.abandoned, 0, "{mode:?}");
            }
        }
    }

    #[test]
    fn a_previewing_agent_looks_before_dialling() {
        // The longer the agents look at each record, the fewer dials in the same shift; with a
        // look longer than the preview timeout, the engine dials at the deadline.
        let preview = Mode::Preview { timeout: Duration::from_secs(30) };
        let mut quick = small(4).with_mode(preview.clone());
        quick.preview_time = Distribution::Constant { value: 2.0 };
        let mut slow = quick.clone();
        slow.preview_time = Distribution::Constant { value: 25.0 };
        let mut past = quick.clone();
        past.preview_time = Distribution::Constant { value: 60.0 };
        let (q, sl, p) = (
            run_outbound(&quick).unwrap(),
            run_outbound(&slow).unwrap(),
            run_outbound(&past).unwrap(),
        );
        assert!(q.dials > sl.dials && sl.dials > p.dials, "{} {} {}", q.dials, sl.dials, p.dials);
        assert!(p.dials > 0);
        for r in [&q, &sl, &p] {
            assert_eq!(r.refused_inputs, 0);
        }
    }

    #[test]
    fn predictive_talks_more_than_progressive() {
        let mut s = small(5);
        s.agents = 20;
        let prog = run_outbound(&s.clone().with_mode(Mode::Progressive { ratio: 1.0 })).unwrap();
        let pred = run_outbound(&s).unwrap();
        assert!(
            pred.talk_minutes_per_agent_hour > prog.talk_minutes_per_agent_hour * 1.08,
            "{} vs {}",
            pred.talk_minutes_per_agent_hour,
            prog.talk_minutes_per_agent_hour
        );
        assert!(pred.occupancy > prog.occupancy);
    }

    #[test]
    fn the_audit_record_is_handed_out_and_makes_the_same_report() {
        let s = small(6);
        let mut lines = Vec::new();
        let r = run_outbound_with_audit(&s, |rec| lines.push(rec.clone())).unwrap();
        let dials = lines
            .iter()
            .filter(|l| matches!(l.event, hotline_dialer::AuditEvent::Dialed { .. }))
            .count();
        assert_eq!(dials as u64, r.dials);
        let origin = s.campaign.window_origin.unwrap();
        let mut again = ComplianceReport::new(s.campaign.profile.clone(), origin, None);
        for l in &lines {
            again.push(l);
        }
        assert_eq!(again.windows, r.compliance.windows);
    }

    #[test]
    fn a_sweep_point_averages_its_seeds_in_order() {
        let s = small(9);
        let mode = Mode::Predictive { pacer: PacerConfig::adaptive() };
        let p = sweep_point(&s, "adaptive", 0.03, mode.clone(), 3).unwrap();
        let runs: Vec<OutboundReport> = (9..12)
            .map(|k| {
                let mut one = s.clone().with_mode(mode.clone());
                one.seed = k;
                run_outbound(&one).unwrap()
            })
            .collect();
        let talk = runs.iter().map(|r| r.talk_minutes_per_agent_hour).sum::<f64>() / 3.0;
        assert!((p.talk_minutes_per_agent_hour - talk).abs() < 1e-9, "{p:?} {talk}");
        let windows: Vec<&WindowKpis> = runs.iter().flat_map(|r| &r.windows).collect();
        assert_eq!(p.windows, windows.len() as u64);
        let rate = windows.iter().map(|w| w.abandon_rate).sum::<f64>() / windows.len() as f64;
        assert!((p.abandon_rate - rate).abs() < 1e-12);
        assert_eq!((p.seeds, p.family.as_str(), p.setting), (3, "adaptive", 0.03));
        assert_eq!(run_seeds(&s, 3).unwrap().len(), 3);
    }

    #[test]
    fn a_file_names_its_mistakes_and_leaves_out_what_it_does_not_change() {
        let text = "agents = 3\nshift = \"90m\"\n[campaign]\nname = \"c\"\n[campaign.mode]\nmode = \"progressive\"\n";
        let s: OutboundScenario = toml::from_str(text).unwrap();
        assert_eq!((s.agents, s.shift, s.seed), (3, Duration::from_secs(5400), 1));
        assert_eq!(s.population, Population::standard());
        let e = toml::from_str::<OutboundScenario>(&format!("{text}[population]\np_live = 0.3\n"))
            .unwrap_err();
        assert!(e.to_string().contains("p_live"), "{e}");
        let e = toml::from_str::<OutboundScenario>("agents = 3\n").unwrap_err();
        assert!(e.to_string().contains("campaign"), "{e}");
        // Round trip.
        let st = OutboundScenario::standard(4);
        let again: OutboundScenario = toml::from_str(&toml::to_string(&st).unwrap()).unwrap();
        assert_eq!(again, st);
    }

    #[test]
    fn a_bad_hourly_table_or_time_zone_is_an_error() {
        let mut s = OutboundScenario::standard(1);
        s.population.p_live_by_hour.pop();
        assert!(run_outbound(&s).unwrap_err().to_string().contains("p_live_by_hour"));
        let mut s = OutboundScenario::standard(1);
        s.population.time_zone = "Mars/Olympus".into();
        assert!(run_outbound(&s).is_err());
        // No run that would build an unbounded list.
        let mut s = OutboundScenario::standard(1);
        s.agents = 5_000;
        let e = run_outbound(&s).unwrap_err().to_string();
        assert!(e.contains("records") && !e.contains("agents"), "{e}");
        s.agents = u32::MAX;
        s.shift = Duration::ZERO;
        let e = run_outbound(&s).unwrap_err().to_string();
        assert!(e.contains("agents") && e.contains("shift"), "{e}");
    }
}
