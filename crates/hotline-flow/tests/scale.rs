//! Work lists and KPIs over a large store (issue 27), in SQLite and in PostgreSQL (a server the
//! test starts itself, hotline-testkit). Ignored: they build the store first, through the engine,
//! which takes minutes. Run in release, once:
//!
//! ```text
//! HOTLINE_FLOW_SCALE_ORDERS=1000000 cargo test -p hotline-flow --release --features postgres \
//!     --test scale -- --ignored --nocapture --test-threads 1
//! ```
//!
//! It prints the time of one department's work list and of a month's KPIs; tests never assert
//! times (the figures go in the book), but it asserts that the answers are right.
//!
//! `HOTLINE_FLOW_SCALE_DB=PATH` keeps the SQLite store at `PATH`: a later run with the same
//! order count measures it again without building it (the build of a million orders takes about
//! an hour).

use std::time::Instant;

use hotline_flow::jiff::{SignedDuration, Timestamp};
use hotline_flow::store::{SqliteStore, Store};
use hotline_flow::{Act, Assignee, Calendars, Command, Engine, HOTLINE_12345, Vars, WorkFilter};

const DEPARTMENTS: [&str; 20] = [
    "Water",
    "Roads",
    "Parks",
    "Housing",
    "Transport",
    "Health",
    "Education",
    "Police",
    "Environment",
    "Market",
    "Labour",
    "Tax",
    "Civil Affairs",
    "Culture",
    "Sports",
    "Planning",
    "Fire",
    "Agriculture",
    "Ports",
    "Energy",
];

fn orders() -> usize {
    std::env::var("HOTLINE_FLOW_SCALE_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

#[test]
#[ignore = "builds a large store; run in release with HOTLINE_FLOW_SCALE_ORDERS"]
fn worklist_and_kpis_on_a_large_store() {
    let dir = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("HOTLINE_FLOW_SCALE_DB").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| dir.path().join("scale.db"));
    let built = kept.is_some() && path.exists();
    let store = SqliteStore::open(&path).unwrap();
    let n = orders();
    if built {
        let count: i64 =
            store.connection().query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).unwrap();
        assert_eq!(
            count,
            i64::try_from(n).unwrap(),
            "{} holds another order count",
            path.display()
        );
        eprintln!("SQLite: measuring the kept store {} ({n} orders)", path.display());
        let e = Engine::new(store, Calendars::bundled()).with_snapshot_every(0);
        measure("SQLite", e, n);
        return;
    }
    // Building only: durability per command is not what is measured here.
    store.connection().pragma_update(None, "synchronous", "OFF").unwrap();
    build_and_measure("SQLite", store, n, |_| {});
}

#[cfg(feature = "postgres")]
#[test]
#[ignore = "builds a large store; run in release with HOTLINE_FLOW_SCALE_ORDERS"]
fn worklist_and_kpis_on_a_large_postgres_store() {
    use hotline_flow::store::PostgresStore;
    let Some(pg) = hotline_testkit::postgres::shared() else { return };
    let url = pg.create_database("scale");
    PostgresStore::migrate(&url).unwrap();
    // Building only, as for SQLite: commits do not wait for the WAL flush. The server takes
    // commands from several connections at once, so the store is built by
    // HOTLINE_FLOW_SCALE_THREADS writers (default 4), each with its own share of the orders.
    let connect = || {
        let mut store = PostgresStore::connect(&url).unwrap();
        store.client().unwrap().batch_execute("SET synchronous_commit = off").unwrap();
        store
    };
    let writers =
        std::env::var("HOTLINE_FLOW_SCALE_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let n = orders();
    // Deployed once before the writers start (each then finds it there).
    Engine::new(connect(), Calendars::bundled()).deploy(HOTLINE_12345).unwrap();
    let built = Instant::now();
    std::thread::scope(|scope| {
        for w in 0..writers {
            let connect = &connect;
            scope.spawn(move || build(&format!("PostgreSQL writer {w}"), connect(), n, w, writers));
        }
    });
    eprintln!("PostgreSQL: built {n} orders in {:.1} s", built.elapsed().as_secs_f64());
    let mut store = connect();
    // The planner's statistics are refreshed before measuring, as autovacuum's analyse does on a
    // live server.
    store.client().unwrap().batch_execute("ANALYZE").unwrap();
    let e = Engine::new(store, Calendars::bundled()).with_snapshot_every(0);
    measure("PostgreSQL", e, n);
}

fn build_and_measure<S: Store>(label: &str, store: S, n: usize, settle: impl FnOnce(&mut S)) {
    let built = Instant::now();
    let mut e = build(label, store, n, 0, 1);
    eprintln!("{label}: built {n} orders in {:.1} s", built.elapsed().as_secs_f64());
    settle(e.store());
    measure(label, e, n);
}

/// Builds orders `share`, `share + shares`, ... below `n` through the engine.
fn build<S: Store>(label: &str, store: S, n: usize, share: usize, shares: usize) -> Engine<S> {
    let mut e = Engine::new(store, Calendars::bundled()).with_snapshot_every(0);
    e.deploy(HOTLINE_12345).unwrap();
    let start: Timestamp = "2025-01-06T09:00:00+08:00".parse().unwrap();
    let built = Instant::now();
    for i in (share..n).step_by(shares) {
        // One order a minute (about 43,000 a month); 1 in 50 stays open.
        let at =
            start.checked_add(SignedDuration::from_secs(i64::try_from(i).unwrap() * 60)).unwrap();
        let dept = DEPARTMENTS[i % DEPARTMENTS.len()];
        let data: Vars = [("category".to_owned(), "consultation".into())].into_iter().collect();
        let order = e.handle_start(at, "hotline-12345", None, data, "agent", None).unwrap().order;
        e.handle_command(at, &order, &Act::new(Command::Accept { vars: Vars::new() }, "agent"))
            .unwrap();
        e.handle_command(at, &order, &Act::new(Command::Dispatch { to: dept.into() }, "d"))
            .unwrap();
        if i > share && (i - share) % 100_000 < shares {
            eprintln!("{label}: order {i} after {:.0} s", built.elapsed().as_secs_f64());
        }
        if i % 50 == 0 {
            continue;
        }
        let later = at.checked_add(SignedDuration::from_hours(2)).unwrap();
        e.handle_command(later, &order, &Act::new(Command::Reply { text: "done".into() }, dept))
            .unwrap();
        if (i / 1000) % 10 == 0 {
            e.handle_command(later, &order, &Act::new(Command::Close, "d")).unwrap();
        }
    }
    e
}

/// Times Water's work list and March's KPIs on a store built by [`build_and_measure`].
fn measure<S: Store>(label: &str, mut e: Engine<S>, n: usize) {
    let start: Timestamp = "2025-01-06T09:00:00+08:00".parse().unwrap();
    // Order i stays open when i % 50 == 0, and goes to Water when i % 20 == 0.
    let open_water = (0..n).filter(|i| i % 100 == 0).count();
    let now = start.checked_add(SignedDuration::from_secs(i64::try_from(n).unwrap() * 60)).unwrap();
    let filter = WorkFilter {
        assignees: vec![Assignee::Department("Water".into())],
        ..WorkFilter::default()
    };
    let mut best = f64::MAX;
    let mut list = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        list = e.worklist(&filter, now).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    assert_eq!(list.len(), open_water);
    eprintln!("{label}: Water's work list: {} items, best of 5: {:.2} ms", list.len(), best * 1e3);
    // What a screen shows: the first page of 100, and a page from the middle of the list.
    for (name, after) in [("first", None), ("middle", list.get(list.len() / 2))] {
        let paged = WorkFilter {
            limit: Some(100),
            after: after.map(hotline_flow::WorkEntry::cursor),
            ..filter.clone()
        };
        let mut best = f64::MAX;
        let mut page = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            page = e.worklist(&paged, now).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        let from = after.map_or(0, |_| list.len() / 2 + 1);
        let want = &list[from.min(list.len())..(from + 100).min(list.len())];
        assert_eq!(page, want, "the {name} page of 100 is that part of the whole list");
        eprintln!(
            "{label}: Water's work list, {name} page of 100: best of 5: {:.2} ms",
            best * 1e3
        );
    }
    let from: Timestamp = "2025-03-01T00:00:00+08:00".parse().unwrap();
    let to: Timestamp = "2025-04-01T00:00:00+08:00".parse().unwrap();
    let mut best = f64::MAX;
    let mut rows = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        rows = e.kpi(from, to).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "{label}: KPIs for March 2025: {} handled, best of 3: {:.1} ms",
        rows[0].handled,
        best * 1e3
    );
}
