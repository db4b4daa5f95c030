//! The sans-IO dialer engine: [`Dialer`].
//!
//! # Driving it
//!
//! ```text
//! dialer.handle_<input>(now, input) -> Result<(), DialerError>   // an input that does not apply is an error
//! dialer.handle_timeout(now)                                      // at or after poll_timeout()
//! dialer.poll_timeout() -> Option<Timestamp>
//! dialer.poll_action() -> Option<Action>                          // drained until None after every call
//! dialer.poll_audit() -> Option<AuditRecord>                      // the audit record, in order
//! ```
//!
//! # Time
//!
//! The engine takes `now` as a [`jiff::Timestamp`]: calling hours are wall-clock hours in each
//! callee's own time zone, with holidays and make-up working days, so every decision to dial needs
//! the absolute instant and a zone database, which a `Duration` since an unnamed epoch cannot give.
//! A `Timestamp` is still only a number the host passes in: the simulator advances it virtually
//! (start + simulated seconds), exactly as hotline-acd's virtual `Duration`, and the engine never
//! reads a clock.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::Duration;

use hotline_calendar::Calendar;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, Mode};
use crate::compliance::{AuditEvent, AuditRecord, DialMode, SkipReason};
use crate::error::DialerError;
use crate::pacing::{Decision, Estimates, Pacer, PacingView, WindowCounts};
use crate::record::{Record, RecordId};

/// An agent, as the host numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentId(pub u32);

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a{}", self.0)
    }
}

/// A call placed by the dialer (numbered by the engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// What became of a dial, as the network (and answering-machine detection) reports it. (Ordered
/// as declared, so that a host can keep it in ordered collections.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// A person answered (the greeting started now).
    Human,
    /// An answering machine answered (as detected).
    Machine,
    /// The line was busy.
    Busy,
    /// Nobody answered within the ring timeout.
    NoAnswer,
    /// The number does not exist or is out of service.
    InvalidNumber,
    /// The callee or the network rejected the call.
    Rejected,
    /// A person who answered hung up while waiting for an agent.
    Abandoned,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Human => "human",
            Outcome::Machine => "machine",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::InvalidNumber => "invalid_number",
            Outcome::Rejected => "rejected",
            Outcome::Abandoned => "abandoned",
        }
    }
}

/// The agent's disposition of a record after a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "disposition", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Disposition {
    /// Done; never call again.
    Completed,
    /// The callee refused further calls: the number goes on the campaign's refusal list.
    Refused,
    /// The callee asked not to be called by the organisation again: the do-not-call list.
    DoNotCall,
    /// An appointment (预约回访): call again at exactly this time.
    Callback {
        /// When.
        at: Timestamp,
    },
    /// Try again after the given time (wrong person answered, bad moment).
    Retry {
        /// How long to wait.
        #[serde(with = "crate::duration_serde")]
        after: Duration,
    },
}

/// What the host must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Dial this record now; give up after `ring_timeout` unanswered (report
    /// [`Outcome::NoAnswer`]). `agent` is set when an agent is reserved for the call (preview).
    Dial {
        /// The new call.
        call: CallId,
        /// The record to dial ([`Dialer::record`] gives its number).
        record: RecordId,
        /// How long it may ring.
        #[serde(with = "crate::duration_serde")]
        ring_timeout: Duration,
        /// The reserved agent, if any.
        agent: Option<AgentId>,
    },
    /// Show this record to the agent (preview mode); the agent dials it
    /// ([`Dialer::handle_preview_dial`]) or skips it ([`Dialer::handle_preview_skip`]) before
    /// `deadline`, when the engine dials it.
    Preview {
        /// The agent.
        agent: AgentId,
        /// The record.
        record: RecordId,
        /// When it is dialled without the agent's word.
        deadline: Timestamp,
    },
    /// Put the answered call through to the agent; the agent is now on the call.
    Connect {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// No agent came in time: play the abandonment message (identifying the caller) and hang up.
    PlayAbandonMessage {
        /// The call.
        call: CallId,
    },
    /// Hang up the call (an answering machine).
    Drop {
        /// The call.
        call: CallId,
    },
}

/// The inbound side's state for blended campaigns, as the host reads it from its ACD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundSignal {
    /// The inbound queues' current service level, 0..=1.
    pub service_level: f64,
    /// Inbound calls waiting now.
    pub waiting: u32,
}

impl InboundSignal {
    /// A signal.
    pub fn new(service_level: f64, waiting: u32) -> InboundSignal {
        InboundSignal { service_level, waiting }
    }
}

/// How far a list has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Progress {
    /// Records in the list.
    pub total: u64,
    /// Waiting to be dialled (now or later).
    pub pending: u64,
    /// Being previewed, dialled or talked to, or waiting for a disposition.
    pub in_progress: u64,
    /// Completed.
    pub completed: u64,
    /// Refused further calls.
    pub refused: u64,
    /// On the do-not-call list.
    pub do_not_call: u64,
    /// Never dialled for want of consent.
    pub no_consent: u64,
    /// Reached the maximum number of attempts.
    pub max_attempts: u64,
    /// Invalid numbers.
    pub invalid: u64,
    /// No calling window within a year.
    pub no_window: u64,
    /// Dial attempts made.
    pub attempts: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecState {
    Queued,
    Previewing,
    Dialing,
    Talking,
    AwaitingDisposition,
    Done(Final),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Final {
    Completed,
    Refused,
    DoNotCall,
    NoConsent,
    MaxAttempts,
    Invalid,
    NoWindow,
}

impl RecState {
    fn name(self) -> &'static str {
        match self {
            RecState::Queued => "queued",
            RecState::Previewing => "previewing",
            RecState::Dialing => "dialling",
            RecState::Talking => "talking",
            RecState::AwaitingDisposition => "awaiting a disposition",
            RecState::Done(_) => "done",
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    rec: Record,
    zone: u32,
    list: u32,
    state: RecState,
    attempts: u32,
    due: Timestamp,
    appointment: bool,
    ban_until: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgentState {
    Idle,
    Reserved { record: u32, generation: u64 },
    PreviewDialing,
    OnCall { call: CallId, since: Timestamp },
    WrapUp { since: Timestamp },
    Busy,
    LoggedOut,
}

impl AgentState {
    fn name(self) -> &'static str {
        match self {
            AgentState::Idle => "idle",
            AgentState::Reserved { .. } => "previewing a record",
            AgentState::PreviewDialing => "dialling a previewed record",
            AgentState::OnCall { .. } => "on a call",
            AgentState::WrapUp { .. } => "in wrap-up",
            AgentState::Busy => "busy elsewhere",
            AgentState::LoggedOut => "logged out",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Agent {
    state: AgentState,
    idle_since: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CallState {
    Ringing,
    Waiting { answered: Timestamp, deadline: Timestamp },
    Connected,
}

#[derive(Debug, Clone, Copy)]
struct Call {
    record: u32,
    dialed: Timestamp,
    state: CallState,
    agent: Option<AgentId>,
    predicted: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Connect(CallId),
    Preview(AgentId, u64),
    PacerTick,
}

/// A running step average: the mean of the first `n` values, then an exponential average over
/// about the last 500.
#[derive(Debug, Clone, Copy)]
struct Learned {
    value: f64,
    n: u32,
}

impl Learned {
    fn new(value: f64) -> Learned {
        Learned { value, n: 0 }
    }
    fn push(&mut self, x: f64) {
        // The prior counts as 20 observations.
        self.n = self.n.saturating_add(1);
        let w = 1.0 / f64::from((self.n + 20).min(500));
        self.value += w * (x - self.value);
    }
}

/// The outbound dialer: one campaign, its records, its agents and its calls. See the
/// [module documentation](self) for the driving vocabulary and the time type.
#[derive(Debug)]
pub struct Dialer {
    campaign: Campaign,
    calendar: Option<Calendar>,
    pacer: Option<Pacer>,
    zones: Vec<TimeZone>,
    zone_index: HashMap<String, u32>,
    lists: Vec<String>,
    records: Vec<Slot>,
    ready: BinaryHeap<(bool, i32, Reverse<Timestamp>, Reverse<u32>)>,
    pending: BinaryHeap<Reverse<(Timestamp, u32)>>,
    agents: HashMap<AgentId, Agent>,
    idle: BTreeSet<(Timestamp, AgentId)>,
    calls: HashMap<CallId, Call>,
    waiting: VecDeque<CallId>,
    timers: BinaryHeap<Reverse<(Timestamp, Timer)>>,
    actions: VecDeque<Action>,
    audit: VecDeque<AuditRecord>,
    phones_in_flight: HashSet<String>,
    refused: HashSet<String>,
    dnc: HashSet<String>,
    inbound: Option<InboundSignal>,
    next_call: u64,
    generation: u64,
    ringing: u32,
    talking: u32,
    wrapping: u32,
    last_now: Option<Timestamp>,
    origin: Option<Timestamp>,
    window_index: i64,
    window: WindowCounts,
    p_live: Learned,
    answer_delay: Learned,
    talk: Learned,
    wrap: Learned,
    tick_armed: bool,
    decisions: u64,
    /// Agents neither logged out nor busy elsewhere.
    active_agents: u32,
    /// Elapsed seconds of talking agents, agents in wrap-up and ringing calls, filled before a
    /// decision of a pacer that conditions on them.
    elapsed: [Vec<f64>; 3],
    /// The calls ringing (state [`CallState::Ringing`]) and when each was dialled, kept with
    /// the calls' states, so that a decision walks a short vector rather than every call.
    ringing_calls: Vec<(CallId, Timestamp)>,
    /// The agents talking and in wrap-up, with when they began, kept likewise with the
    /// agents' states.
    talking_agents: Vec<(AgentId, Timestamp)>,
    wrapping_agents: Vec<(AgentId, Timestamp)>,
    /// A rolling profile's counts by time (live, abandoned, dials), to leave the window.
    trail: VecDeque<(Timestamp, f64, f64, u64)>,
}

/// `t + d`, saturating.
pub(crate) fn plus(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// `b − a` as a non-negative duration (zero when `b` is before `a`).
///
/// Computed from the seconds and nanoseconds in integers: the same duration as through jiff's
/// spans, at a fraction of the cost (it runs for every agent and call at every decision).
pub(crate) fn since(b: Timestamp, a: Timestamp) -> Duration {
    // Both timestamps lie within jiff's range (about ±2.5e11 s) and their nanoseconds carry
    // the sign of their seconds (|n| < 1e9): no overflow.
    let nanos = b.subsec_nanosecond() - a.subsec_nanosecond();
    let secs = b.as_second() - a.as_second() + i64::from(nanos.div_euclid(1_000_000_000));
    let nanos = nanos.rem_euclid(1_000_000_000);
    match (u64::try_from(secs), u32::try_from(nanos)) {
        (Ok(s), Ok(n)) => Duration::new(s, n),
        _ => Duration::ZERO,
    }
}

/// `since(b, a).as_secs_f64()`, the same bits without building the duration.
#[inline]
fn since_secs(b: Timestamp, a: Timestamp) -> f64 {
    let nanos = b.subsec_nanosecond() - a.subsec_nanosecond();
    let secs = b.as_second() - a.as_second() + i64::from(nanos.div_euclid(1_000_000_000));
    if secs < 0 {
        return 0.0;
    }
    // As `Duration::as_secs_f64`: whole seconds plus the nanoseconds over 1e9.
    secs as f64 + f64::from(nanos.rem_euclid(1_000_000_000)) / 1e9
}

impl Dialer {
    /// A dialer for `campaign` (already checked by [`Campaign::from_toml`] or
    /// [`Campaign::check`]); `calendar` gives holidays and make-up working days for calling hours.
    ///
    /// # Errors
    ///
    /// The campaign's problems, as [`Campaign::check`] lists them.
    pub fn new(
        campaign: Campaign,
        calendar: Option<Calendar>,
    ) -> Result<Dialer, crate::InputError> {
        campaign.check()?;
        let pacer = match &campaign.mode {
            Mode::Predictive { pacer } => Some(Pacer::new(pacer)),
            _ => None,
        };
        let initial = campaign.initial_estimates;
        Ok(Dialer {
            origin: campaign.window_origin,
            campaign,
            calendar,
            pacer,
            zones: Vec::new(),
            zone_index: HashMap::new(),
            lists: Vec::new(),
            records: Vec::new(),
            ready: BinaryHeap::new(),
            pending: BinaryHeap::new(),
            agents: HashMap::new(),
            idle: BTreeSet::new(),
            calls: HashMap::new(),
            waiting: VecDeque::new(),
            timers: BinaryHeap::new(),
            actions: VecDeque::new(),
            audit: VecDeque::new(),
            phones_in_flight: HashSet::new(),
            refused: HashSet::new(),
            dnc: HashSet::new(),
            inbound: None,
            next_call: 1,
            generation: 0,
            ringing: 0,
            talking: 0,
            wrapping: 0,
            last_now: None,
            window_index: i64::MIN,
            window: WindowCounts::default(),
            p_live: Learned::new(initial.p_live),
            answer_delay: Learned::new(initial.answer_delay),
            talk: Learned::new(initial.talk),
            wrap: Learned::new(initial.wrap),
            tick_armed: false,
            decisions: 0,
            active_agents: 0,
            elapsed: [Vec::new(), Vec::new(), Vec::new()],
            ringing_calls: Vec::new(),
            talking_agents: Vec::new(),
            wrapping_agents: Vec::new(),
            trail: VecDeque::new(),
        })
    }

    /// The campaign.
    pub fn campaign(&self) -> &Campaign {
        &self.campaign
    }

    /// Adds records as the list `list` (a name for progress reports); returns their ids.
    ///
    /// # Errors
    ///
    /// [`DialerError::Invalid`] when a record's time zone is unknown or its phone number is not
    /// one; no record is added then.
    pub fn add_records(
        &mut self,
        list: &str,
        records: Vec<Record>,
    ) -> Result<Vec<RecordId>, DialerError> {
        for r in &records {
            if !crate::record::valid_phone(&r.phone) {
                return Err(DialerError::Invalid {
                    what: "record",
                    message: format!("`{}` is not a phone number", r.phone),
                });
            }
            if !self.zone_index.contains_key(&r.time_zone) && TimeZone::get(&r.time_zone).is_err() {
                return Err(DialerError::Invalid {
                    what: "record",
                    message: format!(
                        "record `{}`: `{}` is not an IANA time zone",
                        r.key, r.time_zone
                    ),
                });
            }
        }
        if self.records.len() + records.len() > u32::MAX as usize {
            return Err(DialerError::Invalid {
                what: "record",
                message: "too many records".into(),
            });
        }
        let list_id = match self.lists.iter().position(|l| l == list) {
            Some(i) => i as u32,
            None => {
                self.lists.push(list.to_owned());
                (self.lists.len() - 1) as u32
            }
        };
        let mut ids = Vec::with_capacity(records.len());
        for r in records {
            let zone = match self.zone_index.get(&r.time_zone) {
                Some(&z) => z,
                None => {
                    let tz = TimeZone::get(&r.time_zone).unwrap_or(TimeZone::UTC);
                    self.zones.push(tz);
                    let z = (self.zones.len() - 1) as u32;
                    self.zone_index.insert(r.time_zone.clone(), z);
                    z
                }
            };
            let idx = self.records.len() as u32;
            let (due, appointment) = match r.callback_at {
                Some(t) => (t, true),
                None => (Timestamp::MIN, false),
            };
            self.records.push(Slot {
                rec: r,
                zone,
                list: list_id,
                state: RecState::Queued,
                attempts: 0,
                due,
                appointment,
                ban_until: None,
            });
            self.pending.push(Reverse((due, idx)));
            ids.push(RecordId(idx));
        }
        Ok(ids)
    }

    /// Adds numbers to the do-not-call list (never dialled).
    pub fn add_do_not_call<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, phones: I) {
        self.dnc.extend(phones.into_iter().map(Into::into));
    }

    /// Adds numbers to the campaign's refusal list (never dialled again by this campaign).
    pub fn add_refusals<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, phones: I) {
        self.refused.extend(phones.into_iter().map(Into::into));
    }

    /// The campaign's refusal list.
    pub fn refusals(&self) -> impl Iterator<Item = &str> {
        self.refused.iter().map(String::as_str)
    }

    /// A record.
    pub fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(id.0 as usize).map(|s| &s.rec)
    }

    /// A record's attempts so far.
    pub fn attempts(&self, id: RecordId) -> Option<u32> {
        self.records.get(id.0 as usize).map(|s| s.attempts)
    }

    /// The estimates learned so far.
    pub fn estimates(&self) -> Estimates {
        Estimates {
            p_live: self.p_live.value.clamp(0.0, 1.0),
            answer_delay: self.answer_delay.value.max(0.0),
            talk: self.talk.value.max(1.0),
            wrap: self.wrap.value.max(0.0),
        }
    }

    /// The current regulator window's counts (the trailing window for a rolling profile).
    pub fn window(&self) -> WindowCounts {
        self.window
    }

    /// Calls ringing now.
    pub fn ringing(&self) -> u32 {
        self.ringing
    }

    /// Pacing decisions taken so far.
    pub fn decisions(&self) -> u64 {
        self.decisions
    }

    /// The pacer (predictive campaigns).
    pub fn pacer(&self) -> Option<&Pacer> {
        self.pacer.as_ref()
    }

    /// Progress per list, in the order lists were added.
    pub fn progress(&self) -> Vec<(String, Progress)> {
        let mut out: Vec<(String, Progress)> =
            self.lists.iter().map(|l| (l.clone(), Progress::default())).collect();
        for s in &self.records {
            let p = &mut out[s.list as usize].1;
            p.total += 1;
            p.attempts += u64::from(s.attempts);
            match s.state {
                RecState::Queued => p.pending += 1,
                RecState::Previewing
                | RecState::Dialing
                | RecState::Talking
                | RecState::AwaitingDisposition => p.in_progress += 1,
                RecState::Done(f) => match f {
                    Final::Completed => p.completed += 1,
                    Final::Refused => p.refused += 1,
                    Final::DoNotCall => p.do_not_call += 1,
                    Final::NoConsent => p.no_consent += 1,
                    Final::MaxAttempts => p.max_attempts += 1,
                    Final::Invalid => p.invalid += 1,
                    Final::NoWindow => p.no_window += 1,
                },
            }
        }
        out
    }

    // ---- the driving vocabulary -------------------------------------------------------------

    /// The agent is ready for calls of this campaign (logged in, back from wrap-up, back from
    /// an inbound call or a pause).
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] when the agent is already idle, previewing, or on a call.
    pub fn handle_agent_available(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let state = self.agents.get(&agent).map(|a| a.state);
        match state {
            None | Some(AgentState::LoggedOut | AgentState::Busy) => {}
            Some(AgentState::WrapUp { since: s }) => {
                self.wrapping -= 1;
                let secs = since(now, s).as_secs_f64();
                self.wrap.push(secs);
                if let Some(p) = &mut self.pacer {
                    p.on_wrap_time(secs);
                }
            }
            Some(st) => return Err(self.agent_err(agent, "available", st)),
        }
        self.set_idle(now, agent);
        self.serve_waiting(now);
        self.pace(now);
        Ok(())
    }

    /// The agent is busy with something else (an inbound call, a pause). A record being
    /// previewed goes back to the list.
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] when the agent is on a call of this campaign or already busy.
    pub fn handle_agent_busy(&mut self, now: Timestamp, agent: AgentId) -> Result<(), DialerError> {
        self.begin(now)?;
        self.leave(now, agent, "busy", AgentState::Busy)?;
        self.pace(now);
        Ok(())
    }

    /// The agent logged out. A record being previewed goes back to the list.
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] when the agent is on a call of this campaign or already out.
    pub fn handle_agent_logged_out(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        self.leave(now, agent, "logged_out", AgentState::LoggedOut)?;
        self.pace(now);
        Ok(())
    }

    /// The agent's conversation ended and wrap-up began; the record now waits for its
    /// disposition ([`Dialer::handle_disposition`]).
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] unless the agent is on a call of this campaign.
    pub fn handle_agent_wrap_up(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let a = self.agents.get(&agent).copied().ok_or(DialerError::UnknownAgent(agent))?;
        let AgentState::OnCall { call, since: s } = a.state else {
            return Err(self.agent_err(agent, "wrap_up", a.state));
        };
        let secs = since(now, s).as_secs_f64();
        self.talk.push(secs);
        if let Some(p) = &mut self.pacer {
            p.on_talk_time(secs);
        }
        if let Some(c) = self.calls.remove(&call) {
            if c.state == CallState::Ringing {
                self.unring(call);
            }
            let slot = &mut self.records[c.record as usize];
            slot.state = RecState::AwaitingDisposition;
            self.phones_in_flight.remove(&slot.rec.phone);
        }
        self.talking -= 1;
        self.wrapping += 1;
        self.set_agent_state(agent, AgentState::WrapUp { since: now });
        self.pace(now);
        Ok(())
    }

    /// The agent's disposition of a record after its conversation.
    ///
    /// # Errors
    ///
    /// [`DialerError::UnknownRecord`], or [`DialerError::NoDispositionDue`] unless the record's
    /// conversation has ended (wrap-up began) and it has no disposition yet.
    pub fn handle_disposition(
        &mut self,
        now: Timestamp,
        record: RecordId,
        disposition: Disposition,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let idx = record.0;
        let slot = self.records.get(idx as usize).ok_or(DialerError::UnknownRecord(record))?;
        if slot.state != RecState::AwaitingDisposition {
            return Err(DialerError::NoDispositionDue { record, state: slot.state.name() });
        }
        if let Disposition::Callback { at } = disposition
            && at < now
        {
            return Err(DialerError::Invalid {
                what: "callback",
                message: format!("{at} is before now ({now})"),
            });
        }
        let phone = slot.rec.phone.clone();
        self.audit.push_back(AuditRecord {
            at: now,
            record,
            event: AuditEvent::Disposition { disposition },
        });
        match disposition {
            Disposition::Completed => {
                self.records[idx as usize].state = RecState::Done(Final::Completed)
            }
            Disposition::Refused => {
                self.refused.insert(phone);
                self.records[idx as usize].state = RecState::Done(Final::Refused);
            }
            Disposition::DoNotCall => {
                self.dnc.insert(phone);
                self.records[idx as usize].state = RecState::Done(Final::DoNotCall);
            }
            Disposition::Callback { at } => {
                self.records[idx as usize].appointment = true;
                self.requeue(idx, at);
            }
            Disposition::Retry { after } => {
                self.records[idx as usize].appointment = false;
                self.requeue(idx, plus(now, after));
            }
        }
        self.pace(now);
        Ok(())
    }

    /// The outcome of a dial (or of an answered call waiting for an agent:
    /// [`Outcome::Abandoned`]).
    ///
    /// # Errors
    ///
    /// [`DialerError::UnknownCall`]; [`DialerError::CallState`] for an outcome that does not
    /// apply (a second outcome for a ringing call's answer, `Abandoned` for a call still ringing
    /// or already with an agent).
    pub fn handle_call_outcome(
        &mut self,
        now: Timestamp,
        call: CallId,
        outcome: Outcome,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let c = *self.calls.get(&call).ok_or(DialerError::UnknownCall(call))?;
        let state_name = match c.state {
            CallState::Ringing => "ringing",
            CallState::Waiting { .. } => "waiting for an agent",
            CallState::Connected => "connected",
        };
        let applies =
            matches!(
                (c.state, outcome),
                (CallState::Ringing, o) if o != Outcome::Abandoned
            ) || matches!((c.state, outcome), (CallState::Waiting { .. }, Outcome::Abandoned));
        if !applies {
            return Err(DialerError::CallState { call, input: outcome.name(), state: state_name });
        }
        let record = RecordId(c.record);
        if c.state == CallState::Ringing {
            self.ringing -= 1;
            self.audit.push_back(AuditRecord {
                at: now,
                record,
                event: AuditEvent::Outcome { call, outcome, after: since(now, c.dialed) },
            });
            self.p_live.push(if outcome == Outcome::Human { 1.0 } else { 0.0 });
            if let Some(p) = &mut self.pacer {
                p.on_ring_outcome(since(now, c.dialed).as_secs_f64(), outcome == Outcome::Human);
            }
        }
        let retry = self.campaign.retry;
        match outcome {
            Outcome::Human => {
                self.answer_delay.push(since(now, c.dialed).as_secs_f64());
                self.count(now, 1.0, 0.0, 0);
                if let Some(p) = &mut self.pacer {
                    p.on_live_answer(now, c.predicted);
                }
                if let Some(agent) = c.agent {
                    self.connect(now, call, agent, now);
                } else if let Some(&(_, agent)) = self.idle.iter().next() {
                    self.connect(now, call, agent, now);
                } else {
                    let deadline = plus(now, self.campaign.profile.connect_limit);
                    if let Some(cc) = self.calls.get_mut(&call) {
                        let was_ringing = cc.state == CallState::Ringing;
                        cc.state = CallState::Waiting { answered: now, deadline };
                        if was_ringing {
                            self.unring(call);
                        }
                    }
                    self.waiting.push_back(call);
                    self.timers.push(Reverse((deadline, Timer::Connect(call))));
                }
            }
            Outcome::Machine => {
                let fp = self.campaign.profile.amd_false_positive_rate.unwrap_or(0.0);
                self.count(now, fp, fp, 0);
                self.actions.push_back(Action::Drop { call });
                self.end_call(now, call, c, Some(retry.machine));
            }
            Outcome::Busy => self.end_call(now, call, c, Some(retry.busy)),
            Outcome::NoAnswer => self.end_call(now, call, c, Some(retry.no_answer)),
            Outcome::Rejected => self.end_call(now, call, c, Some(retry.rejected)),
            Outcome::InvalidNumber => {
                self.end_call(now, call, c, None);
                self.records[c.record as usize].state = RecState::Done(Final::Invalid);
            }
            Outcome::Abandoned => {
                if let CallState::Waiting { answered, .. } = c.state {
                    self.waiting.retain(|&w| w != call);
                    self.abandon(now, call, c, answered, false);
                }
            }
        }
        self.pace(now);
        Ok(())
    }

    /// The agent dials the previewed record now.
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] unless the agent is previewing a record;
    /// [`DialerError::NotDialled`] when the record may no longer be dialled: its calling hours
    /// closed, or its number went on the do-not-call or refusal list, while the agent previewed
    /// it (the record then goes back to the list for its next window, or is finished; the agent is
    /// idle again: the preview is over either way).
    pub fn handle_preview_dial(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let a = self.agents.get(&agent).copied().ok_or(DialerError::UnknownAgent(agent))?;
        let AgentState::Reserved { record, .. } = a.state else {
            return Err(self.agent_err(agent, "preview_dial", a.state));
        };
        let dialled = self.preview_dial(now, agent, record);
        self.pace(now);
        if dialled {
            Ok(())
        } else {
            Err(DialerError::NotDialled { record: RecordId(record), now })
        }
    }

    /// The agent skips the previewed record: it goes back to the list (no attempt counted) and
    /// the agent gets the next one.
    ///
    /// # Errors
    ///
    /// [`DialerError::AgentState`] unless the agent is previewing a record.
    pub fn handle_preview_skip(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), DialerError> {
        self.begin(now)?;
        let a = self.agents.get(&agent).copied().ok_or(DialerError::UnknownAgent(agent))?;
        let AgentState::Reserved { record, .. } = a.state else {
            return Err(self.agent_err(agent, "preview_skip", a.state));
        };
        // Back to the list after the busy retry interval, so the agent does not see it again at once.
        let due = plus(now, self.campaign.retry.busy);
        self.requeue(record, due);
        self.set_idle(now, agent);
        self.pace(now);
        Ok(())
    }

    /// The inbound side's service level and queue, for blended campaigns: outbound dials are
    /// placed only while the service level is at least the campaign's `min_service_level` and no
    /// more than `max_inbound_waiting` calls wait.
    ///
    /// # Errors
    ///
    /// [`DialerError::Invalid`] for a service level outside 0..=1.
    pub fn handle_inbound(
        &mut self,
        now: Timestamp,
        signal: InboundSignal,
    ) -> Result<(), DialerError> {
        if !(0.0..=1.0).contains(&signal.service_level) {
            return Err(DialerError::Invalid {
                what: "service level",
                message: format!("{} is not within 0..=1", signal.service_level),
            });
        }
        self.begin(now)?;
        self.inbound = Some(signal);
        self.pace(now);
        Ok(())
    }

    /// Runs the timers due at `now` (connect deadlines, preview deadlines, the pacer's tick,
    /// records becoming due). A call before the next deadline does nothing harmful.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.begin(now).is_err() {
            return;
        }
        self.pace(now);
    }

    /// When the engine next needs [`Dialer::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let t = self.timers.peek().map(|Reverse((t, _))| *t);
        let r = if self.has_dialing_agents() {
            self.pending.peek().map(|Reverse((t, _))| *t)
        } else {
            None
        };
        match (t, r) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next action for the host.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next line of the audit record.
    pub fn poll_audit(&mut self) -> Option<AuditRecord> {
        self.audit.pop_front()
    }

    // ---- internals ----------------------------------------------------------------------------

    fn has_dialing_agents(&self) -> bool {
        self.active_agents > 0
    }

    fn agent_err(&self, agent: AgentId, input: &'static str, st: AgentState) -> DialerError {
        DialerError::AgentState { agent, input, state: st.name() }
    }

    /// Checks the clock, rolls the window, and fires every timer due at `now`.
    fn begin(&mut self, now: Timestamp) -> Result<(), DialerError> {
        if let Some(last) = self.last_now
            && now < last
        {
            return Err(DialerError::TimeWentBackwards { now, last });
        }
        self.last_now = Some(now);
        self.roll_window(now);
        while let Some(&Reverse((t, timer))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            match timer {
                Timer::Connect(call) => {
                    let Some(c) = self.calls.get(&call).copied() else { continue };
                    if let CallState::Waiting { answered, deadline } = c.state
                        && deadline == t
                    {
                        self.waiting.retain(|&w| w != call);
                        self.actions.push_back(Action::PlayAbandonMessage { call });
                        self.abandon(t, call, c, answered, true);
                    }
                }
                Timer::Preview(agent, generation) => {
                    if let Some(a) = self.agents.get(&agent).copied()
                        && let AgentState::Reserved { record, generation: g } = a.state
                        && g == generation
                    {
                        // A record no longer dialable is requeued or finished (audited): nothing
                        // to report to the host.
                        let _ = self.preview_dial(t, agent, record);
                    }
                }
                Timer::PacerTick => {
                    self.tick_armed = false;
                    let view = self.view(t);
                    if let Some(p) = &mut self.pacer {
                        p.on_tick(&view);
                    }
                }
            }
        }
        // A conditioning pacer's tick is armed after the decision (`pace`), when it knows
        // whether anything is in progress.
        if !self.pacer.as_ref().is_some_and(Pacer::conditions_on_elapsed) {
            self.arm_tick(now);
        }
        Ok(())
    }

    fn arm_tick(&mut self, now: Timestamp) {
        if self.tick_armed || !self.has_dialing_agents() {
            return;
        }
        // A pacer conditioning on elapsed times decides again as time passes, while anything
        // it conditions on is in progress.
        if self.pacer.as_ref().is_some_and(Pacer::conditions_on_elapsed)
            && self.talking + self.wrapping + self.ringing == 0
        {
            return;
        }
        if let Some(iv) = self.pacer.as_ref().and_then(Pacer::tick_interval) {
            self.timers.push(Reverse((plus(now, iv), Timer::PacerTick)));
            self.tick_armed = true;
        }
    }

    fn roll_window(&mut self, now: Timestamp) {
        let origin = *self.origin.get_or_insert_with(|| {
            // The first time seen, at the start of its UTC day.
            Timestamp::from_second(now.as_second().div_euclid(86_400) * 86_400).unwrap_or(now)
        });
        let len = self.campaign.profile.window.as_secs().max(1) as i64;
        let idx = (now.as_second() - origin.as_second()).div_euclid(len);
        if idx != self.window_index {
            self.window_index = idx;
            if !self.campaign.profile.rolling {
                self.window = WindowCounts::default();
            }
            let start = Timestamp::from_second(origin.as_second() + idx * len).unwrap_or(now);
            if let Some(p) = &mut self.pacer {
                p.on_window_start(start);
            }
        }
        if self.campaign.profile.rolling {
            // The trailing window: what happened more than a window ago leaves it.
            let horizon = now.checked_sub(self.campaign.profile.window).unwrap_or(Timestamp::MIN);
            while let Some(&(t, live, abandoned, dials)) = self.trail.front() {
                if t > horizon {
                    break;
                }
                self.trail.pop_front();
                self.window.live = (self.window.live - live).max(0.0);
                self.window.abandoned = (self.window.abandoned - abandoned).max(0.0);
                self.window.dials = self.window.dials.saturating_sub(dials);
            }
            if self.trail.is_empty() {
                self.window = WindowCounts::default();
            }
        }
    }

    /// Counts live answers, abandonments and dials in the regulator window (and, for a rolling
    /// profile, remembers when, to take them out a window later).
    fn count(&mut self, now: Timestamp, live: f64, abandoned: f64, dials: u64) {
        self.window.live += live;
        self.window.abandoned += abandoned;
        self.window.dials += dials;
        if self.campaign.profile.rolling {
            match self.trail.back_mut() {
                Some(last) if last.0 == now => {
                    last.1 += live;
                    last.2 += abandoned;
                    last.3 += dials;
                }
                _ => self.trail.push_back((now, live, abandoned, dials)),
            }
        }
    }

    fn set_idle(&mut self, now: Timestamp, agent: AgentId) {
        let a = self
            .agents
            .entry(agent)
            .or_insert(Agent { state: AgentState::LoggedOut, idle_since: now });
        if matches!(a.state, AgentState::LoggedOut | AgentState::Busy) {
            self.active_agents += 1;
        }
        let from = std::mem::replace(&mut a.state, AgentState::Idle);
        a.idle_since = now;
        self.idle.insert((now, agent));
        self.moved(agent, from, AgentState::Idle);
    }

    fn unidle(&mut self, agent: AgentId) {
        if let Some(a) = self.agents.get(&agent)
            && a.state == AgentState::Idle
        {
            self.idle.remove(&(a.idle_since, agent));
        }
    }

    /// The agent leaves for `to` (busy or logged out).
    fn leave(
        &mut self,
        now: Timestamp,
        agent: AgentId,
        input: &'static str,
        to: AgentState,
    ) -> Result<(), DialerError> {
        let st = self.agents.get(&agent).map(|a| a.state);
        match st {
            None => {}
            Some(AgentState::Idle) => {
                self.unidle(agent);
                self.active_agents -= 1;
            }
            Some(AgentState::WrapUp { since: s }) => {
                self.wrapping -= 1;
                self.wrap.push(since(now, s).as_secs_f64());
                self.active_agents -= 1;
            }
            Some(AgentState::Reserved { record, .. }) => {
                self.requeue(record, now);
                self.active_agents -= 1;
            }
            Some(AgentState::Busy) if to == AgentState::LoggedOut => {}
            Some(AgentState::LoggedOut) if to == AgentState::Busy => {}
            Some(s) => return Err(self.agent_err(agent, input, s)),
        }
        let a = self.agents.entry(agent).or_insert(Agent { state: to, idle_since: now });
        let from = std::mem::replace(&mut a.state, to);
        self.moved(agent, from, to);
        Ok(())
    }

    fn requeue(&mut self, record: u32, due: Timestamp) {
        let slot = &mut self.records[record as usize];
        if slot.state == RecState::Previewing {
            self.phones_in_flight.remove(&slot.rec.phone);
        }
        slot.state = RecState::Queued;
        slot.due = due;
        self.pending.push(Reverse((due, record)));
    }

    fn connect(&mut self, now: Timestamp, call: CallId, agent: AgentId, answered: Timestamp) {
        self.unidle(agent);
        self.set_agent_state(agent, AgentState::OnCall { call, since: now });
        let Some(c) = self.calls.get_mut(&call) else { return };
        let was_ringing = c.state == CallState::Ringing;
        c.state = CallState::Connected;
        c.agent = Some(agent);
        let record = c.record;
        if was_ringing {
            self.unring(call);
        }
        self.records[record as usize].state = RecState::Talking;
        self.talking += 1;
        self.actions.push_back(Action::Connect { call, agent });
        self.audit.push_back(AuditRecord {
            at: now,
            record: RecordId(record),
            event: AuditEvent::Connected { call, agent, wait: since(now, answered) },
        });
    }

    /// Connects waiting calls to idle agents, oldest call to the longest-idle agent.
    fn serve_waiting(&mut self, now: Timestamp) {
        while !self.waiting.is_empty() {
            let Some(&(_, agent)) = self.idle.iter().next() else { break };
            let Some(call) = self.waiting.pop_front() else { break };
            if let Some(CallState::Waiting { answered, .. }) =
                self.calls.get(&call).map(|c| c.state)
            {
                self.connect(now, call, agent, answered);
            }
        }
    }

    fn abandon(
        &mut self,
        now: Timestamp,
        call: CallId,
        c: Call,
        answered: Timestamp,
        message_played: bool,
    ) {
        self.count(now, 0.0, 1.0, 0);
        if let Some(p) = &mut self.pacer {
            p.on_abandon(now);
        }
        self.audit.push_back(AuditRecord {
            at: now,
            record: RecordId(c.record),
            event: AuditEvent::Abandoned { call, wait: since(now, answered), message_played },
        });
        let retry = self.campaign.retry.abandoned;
        if let Some(ban) = self.campaign.profile.redial_ban_after_abandon {
            self.records[c.record as usize].ban_until = Some(plus(now, ban));
        }
        self.end_call(now, call, c, Some(retry));
    }

    /// Removes a call that ended without a conversation; requeues its record after `retry`
    /// (None: the caller sets the final state).
    fn end_call(&mut self, now: Timestamp, call: CallId, c: Call, retry: Option<Duration>) {
        if self.calls.remove(&call).is_some_and(|c| c.state == CallState::Ringing) {
            self.unring(call);
        }
        let slot = &mut self.records[c.record as usize];
        self.phones_in_flight.remove(&slot.rec.phone);
        if let Some(agent) = c.agent
            && let Some(a) = self.agents.get(&agent)
            && a.state == AgentState::PreviewDialing
        {
            self.set_idle(now, agent);
        }
        if let Some(after) = retry {
            let slot = &mut self.records[c.record as usize];
            if slot.attempts >= self.campaign.retry.max_attempts {
                slot.state = RecState::Done(Final::MaxAttempts);
            } else {
                let mut due = plus(now, after);
                if let Some(b) = slot.ban_until {
                    due = due.max(b);
                }
                self.requeue(c.record, due);
            }
        }
    }

    /// Dials a previewed record, unless something changed while the agent previewed it (a preview
    /// can last past the end of the calling window, and a disposition of another record with the
    /// same number can put it on the do-not-call or refusal list meanwhile): the checks made when
    /// the record was chosen are made again at the dial. A record whose calling hours closed goes
    /// back to the list for its next window (or is finished if there is none); a number now on the
    /// do-not-call or refusal list finishes the record. The agent is then idle, and `false` is
    /// returned.
    fn preview_dial(&mut self, now: Timestamp, agent: AgentId, record: u32) -> bool {
        let slot = &self.records[record as usize];
        let phone = slot.rec.phone.clone();
        let barred = if self.dnc.contains(&phone) {
            Some((Final::DoNotCall, SkipReason::DoNotCall))
        } else if self.refused.contains(&phone) {
            Some((Final::Refused, SkipReason::Refused))
        } else {
            None
        };
        let zone = &self.zones[slot.zone as usize];
        let hours = &self.campaign.profile.calling_hours;
        let open = hours.allows_at(now, zone, self.calendar.as_ref());
        if barred.is_none() && open {
            self.set_agent_state(agent, AgentState::PreviewDialing);
            self.dial(now, record, Some(agent), 0.0, DialMode::Preview);
            return true;
        }
        let next = if barred.is_none() {
            hours.next_allowed(now, zone, self.calendar.as_ref(), 366)
        } else {
            None
        };
        match (barred, next) {
            (None, Some(t)) => self.requeue(record, t),
            (barred, _) => {
                let (f, reason) = barred.unwrap_or((Final::NoWindow, SkipReason::NoCallingWindow));
                self.phones_in_flight.remove(&phone);
                self.finish(now, record, f, reason);
            }
        }
        self.set_idle(now, agent);
        false
    }

    fn dial(
        &mut self,
        now: Timestamp,
        idx: u32,
        agent: Option<AgentId>,
        predicted: f64,
        mode: DialMode,
    ) {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let slot = &mut self.records[idx as usize];
        slot.state = RecState::Dialing;
        slot.attempts += 1;
        slot.appointment = false;
        let attempt = slot.attempts;
        self.phones_in_flight.insert(slot.rec.phone.clone());
        let local_time = self.zones[slot.zone as usize].to_datetime(now);
        let ring_timeout = self.campaign.ring_timeout;
        self.calls.insert(
            call,
            Call { record: idx, dialed: now, state: CallState::Ringing, agent, predicted },
        );
        self.ringing_calls.push((call, now));
        self.ringing += 1;
        self.count(now, 0.0, 0.0, 1);
        self.actions.push_back(Action::Dial { call, record: RecordId(idx), ring_timeout, agent });
        self.audit.push_back(AuditRecord {
            at: now,
            record: RecordId(idx),
            event: AuditEvent::Dialed { call, attempt, local_time, ring_timeout, mode },
        });
    }

    fn finish(&mut self, now: Timestamp, idx: u32, f: Final, reason: SkipReason) {
        self.records[idx as usize].state = RecState::Done(f);
        self.audit.push_back(AuditRecord {
            at: now,
            record: RecordId(idx),
            event: AuditEvent::Skipped { reason },
        });
    }

    /// Moves records that became due into the ready queue.
    fn release_due(&mut self, now: Timestamp) {
        while let Some(&Reverse((due, idx))) = self.pending.peek() {
            if due > now {
                break;
            }
            self.pending.pop();
            let slot = &self.records[idx as usize];
            if slot.state != RecState::Queued || slot.due != due {
                continue; // stale entry
            }
            self.ready.push((slot.appointment, slot.rec.priority, Reverse(due), Reverse(idx)));
        }
    }

    /// The next record that may be dialled now, or None.
    fn next_dialable(&mut self, now: Timestamp) -> Option<u32> {
        while let Some((_, _, Reverse(due), Reverse(idx))) = self.ready.pop() {
            let slot = &self.records[idx as usize];
            if slot.state != RecState::Queued || slot.due != due {
                continue;
            }
            let phone = &slot.rec.phone;
            if self.dnc.contains(phone) {
                self.finish(now, idx, Final::DoNotCall, SkipReason::DoNotCall);
                continue;
            }
            if self.refused.contains(phone) {
                self.finish(now, idx, Final::Refused, SkipReason::Refused);
                continue;
            }
            if self.campaign.profile.consent_required && !slot.rec.consent {
                self.finish(now, idx, Final::NoConsent, SkipReason::NoConsent);
                continue;
            }
            if slot.attempts >= self.campaign.retry.max_attempts {
                self.finish(now, idx, Final::MaxAttempts, SkipReason::MaxAttempts);
                continue;
            }
            if let Some(b) = slot.ban_until
                && b > now
            {
                self.requeue(idx, b);
                continue;
            }
            if self.phones_in_flight.contains(phone) {
                self.requeue(idx, plus(now, Duration::from_secs(60)));
                continue;
            }
            let zone = &self.zones[slot.zone as usize];
            match self.campaign.profile.calling_hours.next_allowed(
                now,
                zone,
                self.calendar.as_ref(),
                366,
            ) {
                Some(t) if t <= now => return Some(idx),
                Some(t) => self.requeue(idx, t),
                None => self.finish(now, idx, Final::NoWindow, SkipReason::NoCallingWindow),
            }
        }
        None
    }

    fn blend_allows(&self) -> bool {
        match (&self.campaign.blend, &self.inbound) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(b), Some(s)) => {
                s.service_level >= b.min_service_level && s.waiting <= b.max_inbound_waiting
            }
        }
    }

    fn view(&self, now: Timestamp) -> PacingView<'static> {
        let idle_free = (self.idle.len() as u32).saturating_sub(self.waiting.len() as u32);
        let mut v = PacingView::new(
            now,
            idle_free,
            self.talking,
            self.wrapping,
            self.ringing,
            self.waiting.len() as u32,
        )
        .with_estimates(self.estimates())
        .with_window(self.window);
        v.connect_limit = self.campaign.profile.connect_limit.as_secs_f64();
        v.cap = self.campaign.profile.abandon_cap;
        v
    }

    /// Places the dials the mode asks for now.
    fn pace(&mut self, now: Timestamp) {
        self.release_due(now);
        self.arm_tick(now);
        if !self.blend_allows() {
            return;
        }
        self.dial_appointments(now);
        let in_use = self.calls.len() as u32;
        let max_new = self.campaign.max_lines.saturating_sub(in_use);
        match self.campaign.mode.clone() {
            Mode::Preview { timeout } => {
                while let Some(&(_, agent)) = self.idle.iter().next() {
                    let Some(idx) = self.next_dialable(now) else { break };
                    self.unidle(agent);
                    self.generation += 1;
                    let deadline = plus(now, timeout);
                    let reserved =
                        AgentState::Reserved { record: idx, generation: self.generation };
                    self.set_agent_state(agent, reserved);
                    self.records[idx as usize].state = RecState::Previewing;
                    // The number is taken while previewed: no other record with it is dialled.
                    self.phones_in_flight.insert(self.records[idx as usize].rec.phone.clone());
                    self.timers.push(Reverse((deadline, Timer::Preview(agent, self.generation))));
                    self.actions.push_back(Action::Preview {
                        agent,
                        record: RecordId(idx),
                        deadline,
                    });
                }
            }
            Mode::Progressive { ratio } => {
                let free = (self.idle.len() as u32).saturating_sub(self.waiting.len() as u32);
                let target = (ratio * f64::from(free)).ceil() as u32;
                let n = target.saturating_sub(self.ringing).min(max_new);
                self.decisions += 1;
                self.dial_n(now, n, 0.0, DialMode::Progressive);
            }
            Mode::Predictive { .. } => {
                if self.pacer.as_ref().is_some_and(Pacer::conditions_on_elapsed) {
                    self.fill_elapsed(now);
                } else {
                    self.elapsed.iter_mut().for_each(Vec::clear);
                }
                let [talk, wrap, ring] = &self.elapsed;
                let view = self.view(now).with_elapsed(talk, wrap, ring);
                let Decision { dials, predicted_abandon } = match &mut self.pacer {
                    Some(p) => p.decide(&view, max_new),
                    None => return,
                };
                self.decisions += 1;
                // With no agent logged in, never dial.
                let n = if view.agents() == 0 { 0 } else { dials };
                self.dial_n(now, n, predicted_abandon, DialMode::Predictive);
                self.arm_tick(now);
            }
        }
    }

    /// The elapsed seconds of every talking agent, agent in wrap-up and ringing call.
    fn fill_elapsed(&mut self, now: Timestamp) {
        let [talk, wrap, ring] = &mut self.elapsed;
        talk.clear();
        wrap.clear();
        ring.clear();
        talk.extend(self.talking_agents.iter().map(|&(_, s)| since_secs(now, s)));
        wrap.extend(self.wrapping_agents.iter().map(|&(_, s)| since_secs(now, s)));
        debug_assert!(
            self.agents.iter().all(|(id, a)| match a.state {
                AgentState::OnCall { since: s, .. } => self.talking_agents.contains(&(*id, s)),
                AgentState::WrapUp { since: s } => self.wrapping_agents.contains(&(*id, s)),
                _ => true,
            }) && talk.len() + wrap.len()
                == self
                    .agents
                    .values()
                    .filter(|a| matches!(
                        a.state,
                        AgentState::OnCall { .. } | AgentState::WrapUp { .. }
                    ))
                    .count(),
            "the talking and wrapping agents' lists follow the agents' states"
        );
        ring.extend(self.ringing_calls.iter().map(|&(_, dialed)| since_secs(now, dialed)));
        debug_assert!(
            ring.len() == self.calls.values().filter(|c| c.state == CallState::Ringing).count()
                && self.ringing_calls.iter().all(|(c, t)| {
                    self.calls
                        .get(c)
                        .is_some_and(|x| x.state == CallState::Ringing && x.dialed == *t)
                }),
            "the ringing calls' list follows the calls' states"
        );
    }

    /// Sets a known agent's state (keeping the lists of talking and wrapping agents).
    fn set_agent_state(&mut self, agent: AgentId, to: AgentState) {
        if let Some(a) = self.agents.get_mut(&agent) {
            let from = std::mem::replace(&mut a.state, to);
            self.moved(agent, from, to);
        }
    }

    /// Keeps the lists of talking and wrapping agents as an agent's state goes `from` → `to`.
    fn moved(&mut self, agent: AgentId, from: AgentState, to: AgentState) {
        let list = match from {
            AgentState::OnCall { .. } => Some(&mut self.talking_agents),
            AgentState::WrapUp { .. } => Some(&mut self.wrapping_agents),
            _ => None,
        };
        if let Some(l) = list
            && let Some(i) = l.iter().position(|&(a, _)| a == agent)
        {
            l.swap_remove(i);
        }
        match to {
            AgentState::OnCall { since: s, .. } => self.talking_agents.push((agent, s)),
            AgentState::WrapUp { since: s } => self.wrapping_agents.push((agent, s)),
            _ => {}
        }
    }

    /// Takes a call off the list of ringing calls (as its state leaves ringing or it ends).
    fn unring(&mut self, call: CallId) {
        if let Some(i) = self.ringing_calls.iter().position(|&(c, _)| c == call) {
            self.ringing_calls.swap_remove(i);
        }
    }

    /// Appointments due now are dialled at once with an agent reserved for each, while agents
    /// are idle, whatever the pacer says, so that the callee hears an agent at the agreed time.
    fn dial_appointments(&mut self, now: Timestamp) {
        while self.ready.peek().is_some_and(|top| top.0)
            && self.calls.len() < self.campaign.max_lines as usize
        {
            let free = (self.idle.len() as u32).saturating_sub(self.waiting.len() as u32);
            if free == 0 {
                break;
            }
            let Some(idx) = self.next_dialable(now) else { break };
            let slot = &self.records[idx as usize];
            if !slot.appointment {
                // The appointment was deferred (calling hours, a ban); this one is ordinary.
                self.ready.push((false, slot.rec.priority, Reverse(slot.due), Reverse(idx)));
                break;
            }
            let Some(&(_, agent)) = self.idle.iter().next_back() else { break };
            self.unidle(agent);
            self.set_agent_state(agent, AgentState::PreviewDialing);
            self.dial(now, idx, Some(agent), 0.0, DialMode::Appointment);
        }
    }

    fn dial_n(&mut self, now: Timestamp, n: u32, predicted: f64, mode: DialMode) {
        for _ in 0..n {
            let Some(idx) = self.next_dialable(now) else { break };
            self.dial(now, idx, None, predicted, mode);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_the_duration_jiff_gives() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut stamp = |range: i64| {
            let s = (next() % (2 * range as u64)) as i64 - range;
            let n = (next() % 1_000_000_000) as i32;
            // Nanoseconds carry the sign of the seconds (either sign at second 0).
            let negative = s < 0 || (s == 0 && next() % 2 == 0);
            let n = if negative { -n } else { n };
            Timestamp::new(s, n).expect("in range")
        };
        for range in [2, 100, 1_000_000_000] {
            for _ in 0..20_000 {
                let (a, b) = (stamp(range), stamp(range));
                let want = Duration::try_from(b.duration_since(a)).unwrap_or_default();
                assert_eq!(since(b, a), want, "{b} - {a}");
                assert_eq!(since_secs(b, a).to_bits(), want.as_secs_f64().to_bits(), "{b} - {a}");
            }
        }
        let (min, max) = (Timestamp::MIN, Timestamp::MAX);
        assert_eq!(since(max, min), Duration::try_from(max.duration_since(min)).unwrap());
        assert_eq!(since(min, max), Duration::ZERO);
    }
}
