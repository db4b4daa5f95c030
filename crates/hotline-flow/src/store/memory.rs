//! An in-memory store.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Appended, KpiFacts, OpenItem, Receipt, Snapshot, Store};
use crate::{Assignee, Definition, Event, FlowError, WorkOrder};

#[derive(Debug, Clone, Default)]
struct Log {
    events: Vec<Event>,
    next_due: Option<Timestamp>,
    snapshot: Option<Snapshot>,
    open: Vec<OpenItem>,
    kpi: Option<KpiFacts>,
}

/// A store that keeps everything in memory (tests, or embedding without persistence).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    definitions: BTreeMap<(String, u32), Definition>,
    logs: BTreeMap<String, Log>,
    order_ids: Vec<String>,
    receipts: BTreeMap<String, Receipt>,
    next_number: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Direct access to an order's stored events, bypassing every check: for tests and tools
    /// that need to simulate tampering or corruption.
    pub fn raw_events_mut(&mut self, order: &str) -> Option<&mut Vec<Event>> {
        self.logs.get_mut(order).map(|l| &mut l.events)
    }
}

impl Store for MemoryStore {
    fn put_definition(&mut self, def: &Definition) -> Result<bool, FlowError> {
        let key = (def.name.clone(), def.version);
        match self.definitions.get(&key) {
            Some(existing) if existing == def => Ok(false),
            Some(_) => {
                Err(FlowError::DefinitionExists { name: def.name.clone(), version: def.version })
            }
            None => {
                self.definitions.insert(key, def.clone());
                Ok(true)
            }
        }
    }

    fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Option<Definition>, FlowError> {
        Ok(match version {
            Some(v) => self.definitions.get(&(name.to_owned(), v)).cloned(),
            None => self
                .definitions
                .iter()
                .filter(|((n, _), _)| n == name)
                .max_by_key(|((_, v), _)| *v)
                .map(|(_, d)| d.clone()),
        })
    }

    fn definitions(&mut self) -> Result<Vec<(String, u32)>, FlowError> {
        Ok(self.definitions.keys().cloned().collect())
    }

    fn allocate_order_number(&mut self) -> Result<u64, FlowError> {
        self.next_number += 1;
        Ok(self.next_number)
    }

    fn append(
        &mut self,
        order: &str,
        expected: u64,
        events: &[Event],
        key: Option<&str>,
        state: &WorkOrder,
    ) -> Result<Appended, FlowError> {
        if let Some(receipt) = key.and_then(|k| self.receipts.get(k)) {
            return Ok(Appended::Duplicate(receipt.clone()));
        }
        let actual = self.logs.get(order).map_or(0, |l| l.events.len() as u64);
        if actual != expected {
            return Err(FlowError::Conflict { order: order.to_owned(), expected, actual });
        }
        if !self.logs.contains_key(order) {
            self.order_ids.push(order.to_owned());
        }
        let log = self.logs.entry(order.to_owned()).or_default();
        log.events.extend_from_slice(events);
        log.next_due = state.next_due();
        log.open = OpenItem::of(state);
        log.kpi = KpiFacts::of(state);
        if let Some(k) = key {
            let receipt = Receipt {
                order: order.to_owned(),
                from_version: expected,
                version: expected + events.len() as u64,
            };
            self.receipts.insert(k.to_owned(), receipt);
        }
        Ok(Appended::Written)
    }

    fn open_items(&mut self, assignees: &[Assignee]) -> Result<Vec<OpenItem>, FlowError> {
        Ok(self
            .logs
            .values()
            .flat_map(|l| &l.open)
            .filter(|o| assignees.is_empty() || assignees.contains(&o.item.assignee))
            .cloned()
            .collect())
    }

    fn kpi_facts(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<KpiFacts>, FlowError> {
        Ok(self
            .order_ids
            .iter()
            .filter_map(|id| self.logs.get(id)?.kpi.as_ref())
            .filter(|k| k.times().iter().any(|t| *t >= from && *t < to))
            .cloned()
            .collect())
    }

    fn receipt(&mut self, key: &str) -> Result<Option<Receipt>, FlowError> {
        Ok(self.receipts.get(key).cloned())
    }

    fn events(&mut self, order: &str, after: u64) -> Result<Vec<Event>, FlowError> {
        Ok(self
            .logs
            .get(order)
            .map(|l| l.events.iter().filter(|e| e.seq > after).cloned().collect())
            .unwrap_or_default())
    }

    fn version(&mut self, order: &str) -> Result<Option<u64>, FlowError> {
        Ok(self.logs.get(order).map(|l| l.events.len() as u64))
    }

    fn snapshot(&mut self, order: &str) -> Result<Option<Snapshot>, FlowError> {
        Ok(self.logs.get(order).and_then(|l| l.snapshot.clone()))
    }

    fn put_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), FlowError> {
        if let Some(log) = self.logs.get_mut(&snapshot.state.id) {
            log.snapshot = Some(snapshot.clone());
        }
        Ok(())
    }

    fn orders(&mut self) -> Result<Vec<String>, FlowError> {
        Ok(self.order_ids.clone())
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>, FlowError> {
        Ok(self.logs.values().filter_map(|l| l.next_due).min())
    }

    fn due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        let mut due: Vec<(Timestamp, String)> = self
            .logs
            .iter()
            .filter_map(|(id, l)| l.next_due.filter(|d| *d <= now).map(|d| (d, id.clone())))
            .collect();
        due.sort();
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }
}
