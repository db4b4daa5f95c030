//! One engine process of several on a PostgreSQL database: the host loop that fires due timers
//! (claimed, so that each fires once across the processes) and hears of other processes' changes.
//!
//! ```text
//! hotline flow migrate --store postgres://hotline:secret@db.example:5432/hotline   # once
//! cargo run -p hotline-flow --features postgres --example engine_process -- \
//!     postgres://hotline:secret@db.example:5432/hotline [SECONDS]
//! ```
//!
//! Start it on as many machines as you like. It runs for `SECONDS` (default: until killed).

use std::time::{Duration, Instant};

use hotline_flow::jiff::Timestamp;
use hotline_flow::store::PostgresStore;
use hotline_flow::{Calendars, Engine, FlowError, Output};

/// How long a claim on a due order lasts; a host never sleeps longer, so that it picks up the
/// orders of a process that died holding claims.
const LEASE: Duration = Duration::from_secs(30);

fn main() -> Result<(), FlowError> {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: engine_process postgres://USER:PASSWORD@HOST:PORT/DATABASE [SECONDS]");
        std::process::exit(2);
    };
    let run_for = args.next().and_then(|s| s.parse().ok()).map(Duration::from_secs);
    let started = Instant::now();

    let mut store = PostgresStore::connect(&url)?.with_lease(LEASE);
    store.listen()?;
    let mut engine = Engine::new(store, Calendars::bundled());

    while run_for.is_none_or(|d| started.elapsed() < d) {
        // Sleep until the next due time, a change by another process, or the lease: whichever
        // comes first. A store that cannot be read is logged and retried after a second.
        let wait = match engine.poll_timeout() {
            Ok(Some(due)) => {
                let ms = due.as_millisecond() - Timestamp::now().as_millisecond();
                Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(LEASE)
            }
            Ok(None) => LEASE,
            Err(e) => {
                eprintln!("store: {e}");
                Duration::from_secs(1)
            }
        };
        match engine.store().changes(wait) {
            // A work list showing these orders would be refreshed here.
            Ok(changed) if !changed.is_empty() => println!("changed: {}", changed.join(", ")),
            Ok(_) => {}
            Err(e) => {
                eprintln!("store: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        let now = Timestamp::now();
        if !engine.poll_timeout().is_ok_and(|due| due.is_some_and(|due| due <= now)) {
            continue;
        }
        if let Err(e) = engine.handle_timeout(now) {
            eprintln!("timeout: {e}");
        }
        while let Some(output) = engine.poll_output() {
            match output {
                Output::Notification { order, notification } => println!(
                    "{order}: tell {} [{}] {}",
                    notification.to, notification.kind, notification.message
                ),
                Output::Failed { order, error } => eprintln!("{order}: {error}"),
                _ => {}
            }
        }
    }
    Ok(())
}
