//! What several test files share: driving the engine's timers as a host does.

// Each test file uses a part of this; what one file leaves unused is not dead.
#![allow(dead_code)]

/// Runs the engine's timeout at `now` and drains its outputs: the orders that ran, the
/// notifications, the failures.
pub fn tick<S: hotline_flow::store::Store>(
    e: &mut hotline_flow::Engine<S>,
    now: hotline_flow::jiff::Timestamp,
) -> Result<Ticked, hotline_flow::FlowError> {
    e.handle_timeout(now)?;
    let mut out = Ticked::default();
    while let Some(o) = e.poll_output() {
        match o {
            hotline_flow::Output::Ticked { order } => out.orders.push(order),
            hotline_flow::Output::Notification { order, notification } => {
                out.notifications.push((order, notification));
            }
            hotline_flow::Output::Failed { order, error } => out.errors.push((order, error)),
            _ => {}
        }
    }
    Ok(out)
}

/// What one timeout did.
#[derive(Debug, Default)]
pub struct Ticked {
    pub orders: Vec<String>,
    pub notifications: Vec<(String, hotline_flow::Notification)>,
    pub errors: Vec<(String, hotline_flow::FlowError)>,
}

/// A fresh, migrated PostgreSQL database on the test process's server (hotline-testkit starts
/// it), named after `test`; `None` when PostgreSQL is missing outside CI (the test is skipped
/// with a message; in CI it fails).
#[cfg(feature = "postgres")]
pub fn postgres_store(test: &str) -> Option<hotline_flow::store::PostgresStore> {
    let url = postgres_url(test)?;
    Some(hotline_flow::store::PostgresStore::connect(&url).unwrap())
}

/// The connection string of a fresh, migrated database (see [`postgres_store`]).
#[cfg(feature = "postgres")]
pub fn postgres_url(test: &str) -> Option<String> {
    let server = hotline_testkit::postgres::shared()?;
    let url = server.create_database(test);
    hotline_flow::store::PostgresStore::migrate(&url).unwrap();
    Some(url)
}

/// One behaviour suite for every store: for each generic `fn name<S: Store>(store: S)`, a module
/// `name` with the tests `memory`, `sqlite` (feature `sqlite`) and `postgres` (feature
/// `postgres`), each running the same function on a fresh store of its kind.
#[allow(unused_macros)]
macro_rules! every_store {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[test]
            fn memory() {
                let _ = super::$test(hotline_flow::store::MemoryStore::new());
            }

            #[cfg(feature = "sqlite")]
            #[test]
            fn sqlite() {
                let _ = super::$test(hotline_flow::store::SqliteStore::in_memory().unwrap());
            }

            #[cfg(feature = "postgres")]
            #[test]
            fn postgres() {
                let Some(store) = crate::common::postgres_store(stringify!($test)) else { return };
                let _ = super::$test(store);
            }
        }
    )*};
}

#[allow(unused_imports)]
pub(crate) use every_store;
