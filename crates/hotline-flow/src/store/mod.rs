//! Durable storage of definitions and event logs, behind one trait.
//!
//! A [`Store`] keeps, for every work order, its append-only log of [`Event`]s, the receipt of
//! every idempotency key, the latest snapshot, and when the order next needs its timers fired.
//! [`Store::append`] is the one write and it is atomic: it checks the expected version and the
//! idempotency key and writes all events of one command, or nothing. Two writers holding the
//! same version therefore never both succeed ([`FlowError::Conflict`]), and a retried command is
//! reported as a duplicate instead of being applied again.
//!
//! Implementations: [`MemoryStore`] (tests, embedding without persistence), with the default
//! `sqlite` feature [`SqliteStore`] (one machine), and with the `postgres` feature
//! `PostgresStore` (several engine processes on one database server: the `postgres` module).
//!
//! Several processes driving timers on one store claim the due orders first
//! ([`Store::claim_due`], [`Store::release`]); stores without claims (memory, SQLite) hand every
//! due order to every caller, and the expected-version check still lets only one of them apply a
//! timer.

mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    Assignee, Definition, DepartmentAct, Event, FlowError, Handling, WorkCursor, WorkItem,
    WorkOrder,
};

/// One open work item as a store indexes it: what a work list shows, without loading the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenItem {
    /// The order.
    pub order: String,
    /// The order's definition.
    pub definition: String,
    /// The definition version the order is pinned to.
    pub definition_version: u32,
    /// The order's category variable.
    pub category: Option<String>,
    /// The order is paused.
    pub paused: bool,
    /// The item.
    pub item: WorkItem,
}

/// How the SQL stores answer [`Store::open_items_page`]: `page` adds one page of one assignee's
/// items (`None`: everyone's) to its second argument, in work-list order; the pages of several
/// assignees are merged into one.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn merged_pages(
    assignees: &[Assignee],
    limit: usize,
    mut page: impl FnMut(Option<&str>, &mut Vec<OpenItem>) -> Result<(), FlowError>,
) -> Result<Vec<OpenItem>, FlowError> {
    let mut out = Vec::new();
    if assignees.is_empty() {
        page(None, &mut out)?;
        return Ok(out);
    }
    for a in assignees {
        page(Some(&a.to_string()), &mut out)?;
    }
    if assignees.len() > 1 {
        out.sort_by_cached_key(OpenItem::cursor);
        out.truncate(limit);
    }
    Ok(out)
}

impl OpenItem {
    /// The item's place in a work list.
    pub fn cursor(&self) -> WorkCursor {
        WorkCursor { deadline: self.item.deadline, order: self.order.clone(), item: self.item.id }
    }

    /// The open items of an order's state.
    pub fn of(state: &WorkOrder) -> Vec<OpenItem> {
        let category = state.var_str("category").map(str::to_owned);
        state
            .open_items()
            .map(|item| OpenItem {
                order: state.id.clone(),
                definition: state.definition.clone(),
                definition_version: state.definition_version,
                category: category.clone(),
                paused: state.paused_since.is_some(),
                item: item.clone(),
            })
            .collect()
    }
}

/// What the KPIs need of one order, kept by the store beside the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiFacts {
    /// The order.
    pub order: String,
    /// The order's definition.
    pub definition: String,
    /// The definition version the order is pinned to.
    pub definition_version: u32,
    /// Every finished handling round.
    pub handlings: Vec<Handling>,
    /// Every finished pause.
    pub pauses: Vec<(Timestamp, Timestamp)>,
    /// Every transfer and return, with the department that made it.
    pub acts: Vec<DepartmentAct>,
    /// The latest follow-up score.
    pub satisfaction: Option<u8>,
    /// Reopened at least once.
    pub reopened: bool,
}

impl KpiFacts {
    /// The facts of an order's state; `None` while it has neither a handling round nor an act.
    pub fn of(state: &WorkOrder) -> Option<KpiFacts> {
        (!state.handlings.is_empty() || !state.acts.is_empty()).then(|| KpiFacts {
            order: state.id.clone(),
            definition: state.definition.clone(),
            definition_version: state.definition_version,
            handlings: state.handlings.clone(),
            pauses: state.pauses.clone(),
            acts: state.acts.clone(),
            satisfaction: state.satisfaction,
            reopened: state.count("reopened") > 0,
        })
    }

    /// The times at which the facts count in a period: every handling's end and every act.
    pub fn times(&self) -> Vec<Timestamp> {
        let mut times: Vec<Timestamp> = self
            .handlings
            .iter()
            .map(|h| h.handled_at)
            .chain(self.acts.iter().map(|a| a.at))
            .collect();
        times.sort();
        times.dedup();
        times
    }
}

/// What an idempotency key was used for: the order and the versions before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The order.
    pub order: String,
    /// The order's version before the command.
    pub from_version: u64,
    /// The order's version after the command.
    pub version: u64,
}

/// The outcome of [`Store::append`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Appended {
    /// The events were written.
    Written,
    /// The idempotency key had been used: nothing was written; here is the first receipt.
    Duplicate(Receipt),
}

/// A saved state, so that loading a long log needs only the events after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The order's state at `state.version`.
    pub state: WorkOrder,
}

/// Durable storage for the engine.
///
/// Methods take `&mut self` so that a store may hold a single connection.
pub trait Store {
    /// Stores a definition. Storing the same definition again is a no-op returning `false`.
    ///
    /// # Errors
    ///
    /// [`FlowError::DefinitionExists`] when another definition has the same name and version.
    fn put_definition(&mut self, def: &Definition) -> Result<bool, FlowError>;

    /// A definition by name and version, or the highest version when `version` is `None`.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Option<Definition>, FlowError>;

    /// Every stored definition's name and version.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn definitions(&mut self) -> Result<Vec<(String, u32)>, FlowError>;

    /// A new, never used order number.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn allocate_order_number(&mut self) -> Result<u64, FlowError>;

    /// Appends the events of one command to `order`'s log, atomically: only if the log is at
    /// version `expected` (0 creates the order) and `key` (if any) was never used. Records, in
    /// the same transaction, the key's receipt and what queries need of `state` (the order after
    /// the events): its next due time, its open items ([`OpenItem`]) and its KPI facts
    /// ([`KpiFacts`]).
    ///
    /// # Errors
    ///
    /// [`FlowError::Conflict`] when the order is not at `expected`; backend failures.
    fn append(
        &mut self,
        order: &str,
        expected: u64,
        events: &[Event],
        key: Option<&str>,
        state: &WorkOrder,
    ) -> Result<Appended, FlowError>;

    /// The open items of any of `assignees` (every open item when empty), from the store's index.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn open_items(&mut self, assignees: &[Assignee]) -> Result<Vec<OpenItem>, FlowError>;

    /// At most `limit` open items of any of `assignees` (everyone's when empty) in work-list
    /// order (soonest deadline first, items without a deadline last, then order and item; see
    /// [`WorkCursor`]), starting after `after`.
    ///
    /// The default reads every open item through [`Store::open_items`] and sorts them; the SQL
    /// stores read only the page, through their `(assignee, deadline)` index.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn open_items_page(
        &mut self,
        assignees: &[Assignee],
        after: Option<&WorkCursor>,
        limit: usize,
    ) -> Result<Vec<OpenItem>, FlowError> {
        let mut all = self.open_items(assignees)?;
        all.retain(|o| after.is_none_or(|c| c.is_before(&o.cursor())));
        all.sort_by_cached_key(OpenItem::cursor);
        all.truncate(limit);
        Ok(all)
    }

    /// The KPI facts of every order with a handling round ending, or a transfer or return made,
    /// in `[from, to)`, from the store's index.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn kpi_facts(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<KpiFacts>, FlowError>;

    /// The receipt of an idempotency key, if it was used.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn receipt(&mut self, key: &str) -> Result<Option<Receipt>, FlowError>;

    /// The order's events with `seq > after`, in order.
    ///
    /// # Errors
    ///
    /// Backend failures (an unknown order has no events).
    fn events(&mut self, order: &str, after: u64) -> Result<Vec<Event>, FlowError>;

    /// The order's current version, or `None` when it does not exist.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn version(&mut self, order: &str) -> Result<Option<u64>, FlowError>;

    /// The order's latest snapshot.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn snapshot(&mut self, order: &str) -> Result<Option<Snapshot>, FlowError>;

    /// Saves a snapshot (replacing an older one).
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn put_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), FlowError>;

    /// Every order id, in creation order.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn orders(&mut self) -> Result<Vec<String>, FlowError>;

    /// The earliest next due time of any order (what [`crate::Engine::poll_timeout`] answers).
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn next_due(&mut self) -> Result<Option<Timestamp>, FlowError>;

    /// The orders whose next due time is at or before `now`, earliest first.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError>;

    /// The due orders (as [`Store::due`]) that this process may fire now, claimed so that no
    /// other process fires them at the same time; [`crate::Engine::handle_timeout`] fires them
    /// and releases each that ran ([`Store::release`]). A claim that is not released (the
    /// process died, or the order failed) runs out after the store's lease, and the order is
    /// claimed again. The default claims nothing and returns every due order.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn claim_due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        self.due(now)
    }

    /// Gives up this process's claim on `order` (see [`Store::claim_due`]). The default does
    /// nothing.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn release(&mut self, order: &str) -> Result<(), FlowError> {
        let _ = order;
        Ok(())
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn put_definition(&mut self, def: &Definition) -> Result<bool, FlowError> {
        (**self).put_definition(def)
    }
    fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Option<Definition>, FlowError> {
        (**self).definition(name, version)
    }
    fn definitions(&mut self) -> Result<Vec<(String, u32)>, FlowError> {
        (**self).definitions()
    }
    fn allocate_order_number(&mut self) -> Result<u64, FlowError> {
        (**self).allocate_order_number()
    }
    fn append(
        &mut self,
        order: &str,
        expected: u64,
        events: &[Event],
        key: Option<&str>,
        state: &WorkOrder,
    ) -> Result<Appended, FlowError> {
        (**self).append(order, expected, events, key, state)
    }
    fn open_items(&mut self, assignees: &[Assignee]) -> Result<Vec<OpenItem>, FlowError> {
        (**self).open_items(assignees)
    }
    fn open_items_page(
        &mut self,
        assignees: &[Assignee],
        after: Option<&WorkCursor>,
        limit: usize,
    ) -> Result<Vec<OpenItem>, FlowError> {
        (**self).open_items_page(assignees, after, limit)
    }
    fn kpi_facts(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<KpiFacts>, FlowError> {
        (**self).kpi_facts(from, to)
    }
    fn receipt(&mut self, key: &str) -> Result<Option<Receipt>, FlowError> {
        (**self).receipt(key)
    }
    fn events(&mut self, order: &str, after: u64) -> Result<Vec<Event>, FlowError> {
        (**self).events(order, after)
    }
    fn version(&mut self, order: &str) -> Result<Option<u64>, FlowError> {
        (**self).version(order)
    }
    fn snapshot(&mut self, order: &str) -> Result<Option<Snapshot>, FlowError> {
        (**self).snapshot(order)
    }
    fn put_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), FlowError> {
        (**self).put_snapshot(snapshot)
    }
    fn orders(&mut self) -> Result<Vec<String>, FlowError> {
        (**self).orders()
    }
    fn due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        (**self).due(now)
    }
    fn next_due(&mut self) -> Result<Option<Timestamp>, FlowError> {
        (**self).next_due()
    }
    fn claim_due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        (**self).claim_due(now)
    }
    fn release(&mut self, order: &str) -> Result<(), FlowError> {
        (**self).release(order)
    }
}
