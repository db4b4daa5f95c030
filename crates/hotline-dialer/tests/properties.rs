//! Invariants under random event sequences: no number is dialled outside its calling hours, no
//! number is dialled while a call to it is in progress, a refused number is never dialled again,
//! and no input sequence panics. (Abandonment within the cap on every window is a property of
//! whole campaign days: hotline-sim's `tests/outbound.rs` checks it across a grid of campaigns.)

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use hotline_calendar::Calendar;
use hotline_dialer::compliance::AuditEvent;
use hotline_dialer::{
    Action, AgentId, CallId, Campaign, Dialer, Disposition, Mode, Outcome, PacerConfig, Profile,
    Record, RecordId,
};
use jiff::Timestamp;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Available(u8),
    Busy(u8),
    LogOut(u8),
    WrapUp(u8),
    Outcome(u8, u8),
    Dispose(u8, u8),
    PreviewDial(u8),
    Advance(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6).prop_map(Op::Available),
        (0u8..6).prop_map(Op::Busy),
        (0u8..6).prop_map(Op::LogOut),
        (0u8..6).prop_map(Op::WrapUp),
        (any::<u8>(), 0u8..7).prop_map(|(c, o)| Op::Outcome(c, o)),
        (any::<u8>(), 0u8..5).prop_map(|(r, d)| Op::Dispose(r, d)),
        (0u8..6).prop_map(Op::PreviewDial),
        (1u32..20_000).prop_map(Op::Advance),
    ]
}

const ZONES: [&str; 5] =
    ["America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/London", "Asia/Shanghai"];

fn outcome(o: u8) -> Outcome {
    [
        Outcome::Human,
        Outcome::Machine,
        Outcome::Busy,
        Outcome::NoAnswer,
        Outcome::InvalidNumber,
        Outcome::Rejected,
        Outcome::Abandoned,
    ][o as usize % 7]
}

fn run(
    profile_kind: u8,
    mode_kind: u8,
    start_offset: u32,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let (profile, calendar) = match profile_kind % 3 {
        0 => (Profile::us(), None),
        1 => (Profile::uk(0.01), None),
        _ => (Profile::cn(), Some(Calendar::china())),
    };
    let mode = match mode_kind % 4 {
        0 => Mode::Preview { timeout: Duration::from_secs(20) },
        1 => Mode::Progressive { ratio: 1.5 },
        2 => Mode::Predictive { pacer: PacerConfig::adaptive() },
        _ => Mode::Predictive {
            pacer: PacerConfig::vicidial(hotline_dialer::VicidialMethod::AdaptTapered),
        },
    };
    let mut campaign = Campaign::new("prop", mode).with_profile(profile.clone());
    campaign.retry.busy = Duration::from_secs(60);
    campaign.retry.no_answer = Duration::from_secs(600);
    campaign.retry.max_attempts = 4;
    let mut d = Dialer::new(campaign, calendar.clone()).unwrap();
    // 24 records, two of each number, in five zones; some without consent.
    let records: Vec<Record> = (0..24u32)
        .map(|i| {
            Record::new(format!("k{i}"), format!("+100000{:04}", i / 2), ZONES[(i % 5) as usize])
                .with_consent(i % 7 != 0)
        })
        .collect();
    d.add_records("l", records).unwrap();
    // Around the Spring Festival 2026 and a US weekend.
    let mut now: Timestamp =
        Timestamp::from_second(1_771_000_000 + i64::from(start_offset)).unwrap();
    let mut live: HashMap<CallId, (RecordId, String)> = HashMap::new();
    let mut live_phones: HashMap<String, u32> = HashMap::new();
    let mut on_call: HashMap<u8, CallId> = HashMap::new();
    let mut refused: HashSet<String> = HashSet::new();
    let mut need_dispo: Vec<RecordId> = Vec::new();

    for op in ops {
        match op {
            Op::Available(a) => drop(d.handle_agent_available(now, AgentId(a.into()))),
            Op::Busy(a) => drop(d.handle_agent_busy(now, AgentId(a.into()))),
            Op::LogOut(a) => drop(d.handle_agent_logged_out(now, AgentId(a.into()))),
            Op::PreviewDial(a) => drop(d.handle_preview_dial(now, AgentId(a.into()))),
            Op::WrapUp(a) => {
                if d.handle_agent_wrap_up(now, AgentId(a.into())).is_ok()
                    && let Some(c) = on_call.remove(&a)
                    && let Some((r, p)) = live.remove(&c)
                {
                    *live_phones.entry(p).or_default() -= 1;
                    need_dispo.push(r);
                }
            }
            Op::Outcome(c, o) => {
                let mut ids: Vec<CallId> = live.keys().copied().collect();
                ids.sort();
                if ids.is_empty() {
                    continue;
                }
                let call = ids[c as usize % ids.len()];
                let o = outcome(o);
                if d.handle_call_outcome(now, call, o).is_ok() && !matches!(o, Outcome::Human) {
                    let (_, p) = live.remove(&call).unwrap();
                    *live_phones.entry(p).or_default() -= 1;
                }
            }
            Op::Dispose(r, k) => {
                if need_dispo.is_empty() {
                    continue;
                }
                let rec = need_dispo[r as usize % need_dispo.len()];
                let disp = match k {
                    0 => Disposition::Completed,
                    1 => Disposition::Refused,
                    2 => Disposition::Retry { after: Duration::from_secs(300) },
                    3 => Disposition::Callback {
                        at: now.checked_add(Duration::from_secs(3600)).unwrap(),
                    },
                    _ => Disposition::DoNotCall,
                };
                if d.handle_disposition(now, rec, disp).is_ok() {
                    need_dispo.retain(|&x| x != rec);
                    if matches!(disp, Disposition::Refused | Disposition::DoNotCall) {
                        refused.insert(d.record(rec).unwrap().phone.clone());
                    }
                }
            }
            Op::Advance(s) => {
                let target = now.checked_add(Duration::from_secs(s.into())).unwrap();
                // Fire every timer on the way, as a host would.
                while let Some(t) = d.poll_timeout().filter(|&t| t <= target) {
                    now = t.max(now);
                    d.handle_timeout(now);
                    settle(&mut d, &mut live, &mut live_phones, &mut on_call, &refused)?;
                }
                now = target;
                d.handle_timeout(now);
            }
        }
        settle(&mut d, &mut live, &mut live_phones, &mut on_call, &refused)?;
        // Every dial in the audit is inside the callee's calling hours.
        while let Some(rec) = d.poll_audit() {
            if let AuditEvent::Dialed { local_time, .. } = rec.event {
                prop_assert!(
                    profile.calling_hours.allows(local_time, calendar.as_ref()),
                    "dialled at local {local_time} ({:?})",
                    profile.jurisdiction
                );
                let r = d.record(rec.record).unwrap();
                prop_assert!(!profile.consent_required || r.consent, "dialled without consent");
            }
        }
    }
    Ok(())
}

/// Takes the engine's actions, checking the per-dial invariants.
fn settle(
    d: &mut Dialer,
    live: &mut HashMap<CallId, (RecordId, String)>,
    live_phones: &mut HashMap<String, u32>,
    on_call: &mut HashMap<u8, CallId>,
    refused: &HashSet<String>,
) -> Result<(), TestCaseError> {
    while let Some(a) = d.poll_action() {
        match a {
            Action::Dial { call, record, .. } => {
                let phone = d.record(record).unwrap().phone.clone();
                prop_assert!(!refused.contains(&phone), "refused number {phone} dialled");
                let n = live_phones.entry(phone.clone()).or_default();
                prop_assert_eq!(*n, 0, "{} dialled while a call to it is in progress", phone);
                *n += 1;
                live.insert(call, (record, phone));
            }
            Action::Connect { call, agent } => {
                on_call.insert(agent.0 as u8, call);
            }
            Action::PlayAbandonMessage { call } | Action::Drop { call } => {
                if let Some((_, p)) = live.remove(&call) {
                    *live_phones.entry(p).or_default() -= 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn dialling_invariants_hold(profile in 0u8..3, mode in 0u8..4, start in 0u32..(14 * 86_400), ops in prop::collection::vec(op(), 1..160)) {
        run(profile, mode, start, ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The list and campaign readers never panic and report locations inside the text.
    #[test]
    fn parsers_never_panic(text in "[a-z_=\"\\[\\]{},.0-9+: \n\r-]{0,300}") {
        if let Err(e) = hotline_dialer::record::parse_csv(&text, "UTC") {
            for p in e.problems() {
                if let Some(l) = p.location {
                    prop_assert!(l.line <= text.lines().count().max(1) + 1);
                }
            }
        }
        let _ = Campaign::from_toml(&text);
    }
}
