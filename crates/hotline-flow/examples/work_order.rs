//! One 12345 work order through its whole life: accepted, dispatched, transferred, urged, granted
//! an extension, answered, closed, followed up with a dissatisfied caller, reopened, answered
//! again and closed for good — with every deadline in working days on the China national
//! calendar, stored in a SQLite file and verified at the end.
//!
//! Run with `cargo run -p hotline-flow --example work_order`.

use hotline_flow::jiff::Timestamp;
use hotline_flow::store::SqliteStore;
use hotline_flow::{Act, Calendars, Command, Engine, FlowError, HOTLINE_12345, Output, Vars};

// ANCHOR: setup
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile_dir()?;
    let store = SqliteStore::open(dir.join("orders.db"))?;
    // The bundled calendars: `china` (with holidays and make-up working days), `us`, `eu-berlin`.
    let mut engine = Engine::new(store, Calendars::bundled());
    engine.deploy(HOTLINE_12345)?;
    // ANCHOR_END: setup

    // ANCHOR: start
    let at = |s: &str| -> Timestamp { s.parse().expect("a valid time") };
    let mut data = Vars::new();
    data.insert("category".into(), "consultation".into());
    data.insert("caller".into(), "Ms Zhang, 138-0000-0000".into());
    // Wednesday 30 September 2026, the day before the National Day holiday.
    let order = engine
        .handle_start(
            at("2026-09-30T09:00:00+08:00"),
            "hotline-12345",
            None,
            data,
            "agent-li",
            None,
        )?
        .order;
    engine.handle_command(
        at("2026-09-30T09:05:00+08:00"),
        &order,
        &Act::new(Command::Accept { vars: Vars::new() }, "agent-li"),
    )?;
    engine.handle_command(
        at("2026-09-30T10:00:00+08:00"),
        &order,
        &Act::new(Command::Dispatch { to: "Housing Bureau".into() }, "dispatcher-wu"),
    )?;
    let state = engine.load(&order)?;
    // Three working days: 8 October, 9 October and the make-up working Saturday, 10 October.
    println!("{order}: dispatched to {:?}, due {:?}", state.department, state.deadline);
    // ANCHOR_END: start

    // ANCHOR: handle
    // The Housing Bureau says it belongs to the district office.
    let transfer = Act::new(Command::Transfer { to: "District Office".into() }, "housing-1")
        .reason("district matter");
    engine.handle_command(at("2026-10-08T09:30:00+08:00"), &order, &transfer)?;
    // The caller rings again: urge (催办); the district office is notified.
    let ack = engine.handle_command(
        at("2026-10-08T10:00:00+08:00"),
        &order,
        &Act::new(Command::Urge { note: "caller rang again".into() }, "agent-li"),
    )?;
    for n in &ack.notifications {
        println!("  notify {} [{}]: {}", n.to, n.kind, n.message);
    }
    // Ask for two more working days; the dispatcher approves; the deadline moves.
    let ask = Act::new(Command::RequestExtension { days: 2 }, "district-1").reason("site visit");
    engine.handle_command(at("2026-10-08T11:00:00+08:00"), &order, &ask)?;
    let request = *engine.load(&order)?.requests.keys().last().expect("the request");
    engine.handle_command(
        at("2026-10-08T14:00:00+08:00"),
        &order,
        &Act::new(Command::Approve { request }, "dispatcher-wu"),
    )?;
    println!("{order}: extended to {:?}", engine.load(&order)?.deadline);
    // Two agents act on the same version: only one wins.
    let version = engine.load(&order)?.version;
    let reply =
        Act::new(Command::Reply { text: "Repairs booked for 12 October".into() }, "district-1");
    engine.handle_command(
        at("2026-10-09T16:00:00+08:00"),
        &order,
        &reply.clone().expect(version).key("reply-1"),
    )?;
    match engine.handle_command(
        at("2026-10-09T16:00:00+08:00"),
        &order,
        &reply.clone().expect(version),
    ) {
        Err(FlowError::Conflict { .. }) => {
            println!("{order}: the second reply lost (expected version)")
        }
        other => println!("{order}: unexpected {other:?}"),
    }
    // A retry with the same idempotency key is acknowledged but not applied again.
    assert!(
        !engine
            .handle_command(at("2026-10-09T16:00:00+08:00"), &order, &reply.key("reply-1"))?
            .applied
    );
    engine.handle_command(
        at("2026-10-09T17:00:00+08:00"),
        &order,
        &Act::new(Command::Close, "dispatcher-wu"),
    )?;
    // ANCHOR_END: handle

    // ANCHOR: follow_up
    // The timer driver opens the follow-up one working day after closing (Saturday 10 October is
    // a working day this year).
    tick(&mut engine, at("2026-10-10T17:00:00+08:00"))?;
    let unhappy = Command::FollowUp { satisfaction: 2, comment: "nobody came".into() };
    engine.handle_command(
        at("2026-10-12T10:00:00+08:00"),
        &order,
        &Act::new(unhappy, "callback-zhao"),
    )?;
    let state = engine.load(&order)?;
    println!(
        "{order}: dissatisfied, reopened ({} times), back with {:?}, due {:?}",
        state.count("reopened"),
        state.department,
        state.deadline
    );
    engine.handle_command(
        at("2026-10-12T16:00:00+08:00"),
        &order,
        &Act::new(Command::Reply { text: "Repaired on 12 October".into() }, "district-1"),
    )?;
    engine.handle_command(
        at("2026-10-12T16:30:00+08:00"),
        &order,
        &Act::new(Command::Close, "dispatcher-wu"),
    )?;
    tick(&mut engine, at("2026-10-13T16:30:00+08:00"))?;
    let happy = Command::FollowUp { satisfaction: 5, comment: "fixed, thanks".into() };
    engine.handle_command(
        at("2026-10-14T10:00:00+08:00"),
        &order,
        &Act::new(happy, "callback-zhao"),
    )?;
    // ANCHOR_END: follow_up

    // ANCHOR: audit
    let state = engine.load(&order)?;
    println!(
        "{order}: {} after {} events; counts {:?}",
        state.status(),
        state.version,
        state.counts
    );
    let verified = engine.verify(&order)?;
    println!("{order}: hash chain verified, head {}", verified.head);
    for row in engine.kpi(at("2026-10-01T00:00:00+08:00"), at("2026-11-01T00:00:00+08:00"))? {
        println!(
            "  KPI {}: handled {}, on time {:?}, satisfied {:?}",
            row.department, row.handled, row.on_time_rate, row.satisfaction_rate
        );
    }
    Ok(())
}
// ANCHOR_END: audit

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("hotline-flow-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The host's side of a timeout: run it, then drain the outputs until `None`.
fn tick<S: hotline_flow::store::Store>(
    engine: &mut Engine<S>,
    now: Timestamp,
) -> Result<(), FlowError> {
    engine.handle_timeout(now)?;
    while let Some(output) = engine.poll_output() {
        match output {
            Output::Notification { order, notification: n } => {
                println!("  {order}: notify {} [{}]: {}", n.to, n.kind, n.message);
            }
            Output::Failed { order, error } => eprintln!("  {order}: {error}"),
            _ => {}
        }
    }
    Ok(())
}
