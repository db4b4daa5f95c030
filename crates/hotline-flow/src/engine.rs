//! The engine: the sans-IO core driven against a [`Store`].
//!
//! [`Engine`] loads an order (snapshot plus later events), asks the core to decide a command,
//! seals the resulting events into the hash chain and appends them atomically with the command's
//! idempotency key and expected version. It also drives what the core cannot do alone: firing
//! due timers, starting the child orders of subprocess nodes and reporting their end to the
//! parent.
//!
//! # Driving it
//!
//! The engine follows the workspace's one driving vocabulary (the book's design chapter):
//!
//! | call | what |
//! |---|---|
//! | [`Engine::handle_start`]`(now, ...)`, [`Engine::handle_command`]`(now, order, act)` | inputs; a command that does not apply is an error ([`FlowError::Rejected`]), never dropped; the [`Ack`] carries the command's notifications |
//! | [`Engine::poll_timeout`]`() -> Result<Option<Timestamp>>` | the earliest stored due time of any order; an error when the store cannot be read |
//! | [`Engine::handle_timeout`]`(now)` | fires everything due at `now` |
//! | [`Engine::poll_output`]`() -> Option<Output>` | what the timeout did, drained until `None` |
//!
//! The time type is [`jiff::Timestamp`], not `Instant` or a `Duration` since an epoch: deadlines
//! are business time (working hours and holidays of a calendar in a time zone) and are written
//! into a durable log that must replay identically years later, on another machine, so they need
//! an absolute, zone-free instant that a calendar can convert to local civil time. The engine
//! owns no clock: every call takes the time.
//!
//! ```
//! # use hotline_flow::{Calendars, Engine, Output, store::MemoryStore};
//! # let mut engine = Engine::new(MemoryStore::new(), Calendars::bundled());
//! # let now = hotline_flow::jiff::Timestamp::UNIX_EPOCH;
//! // A host's loop: sleep until poll_timeout() (or an input arrives), then
//! if engine.poll_timeout()?.is_some_and(|due| due <= now) {
//!     engine.handle_timeout(now)?;
//!     while let Some(output) = engine.poll_output() {
//!         match output {
//!             Output::Notification { order, notification } => { /* deliver */ }
//!             Output::Failed { order, error } => { /* log, back off */ }
//!             _ => {}
//!         }
//!     }
//! }
//! # Ok::<(), hotline_flow::FlowError>(())
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::{Appended, Snapshot, Store};
use crate::{
    Act, Calendars, Change, Command, Definition, Event, FlowError, Notification, ParentLink, Vars,
    WorkOrder, verify_chain,
};

/// What a command did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    /// The order.
    pub order: String,
    /// The order's version after the command.
    pub version: u64,
    /// False when the idempotency key had been used: nothing was applied this time.
    pub applied: bool,
    /// The notifications the command produced (empty for a duplicate).
    pub notifications: Vec<Notification>,
}

/// What [`Engine::poll_output`] hands out after [`Engine::handle_timeout`], in the order it
/// happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Output {
    /// A notification produced by a timer (warning, overdue, reminder) or by child bookkeeping.
    Notification {
        /// The order.
        order: String,
        /// What to deliver.
        notification: Notification,
    },
    /// An order whose due timers or child bookkeeping ran.
    Ticked {
        /// The order.
        order: String,
    },
    /// An order whose timeout failed; the others still ran. It stays due, so the next
    /// [`Engine::handle_timeout`] tries it again (a host should log this and back off); on a
    /// store with claims ([`crate::store::Store::claim_due`]) only after its claim ran out.
    Failed {
        /// The order.
        order: String,
        /// Why.
        error: FlowError,
    },
}

/// The result of verifying one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The order.
    pub order: String,
    /// Events checked.
    pub events: u64,
    /// Hash of the last event.
    pub head: String,
    /// Whether the stored snapshot (if any) matched the replayed state.
    pub snapshot_checked: bool,
}

/// The work-order engine over a store.
#[derive(Debug)]
pub struct Engine<S> {
    store: S,
    calendars: Calendars,
    definitions: BTreeMap<(String, u32), Arc<Definition>>,
    snapshot_every: u64,
    id_prefix: String,
    max_retries: u32,
    outputs: VecDeque<Output>,
}

/// Whether a stored snapshot carries everything the state now has: snapshots written before
/// [`WorkOrder::acts`] existed lack the transfers and returns before them, so such an order is
/// replayed from its log instead (and its snapshot is not compared by [`Engine::verify`]).
fn snapshot_usable(state: &WorkOrder) -> bool {
    let acts = state.count("transfer") + state.count("return");
    usize::try_from(acts).is_ok_and(|n| n == state.acts.len())
        && (state.version == 0 || state.last_event_at.is_some())
}

/// The actor name the engine uses for timer and subprocess bookkeeping.
pub const SYSTEM: &str = "system";

impl<S: Store> Engine<S> {
    /// An engine over `store` computing deadlines with `calendars`.
    pub fn new(store: S, calendars: Calendars) -> Engine<S> {
        Engine {
            store,
            calendars,
            definitions: BTreeMap::new(),
            snapshot_every: 64,
            id_prefix: "WO-".to_owned(),
            max_retries: 16,
            outputs: VecDeque::new(),
        }
    }

    /// Takes a snapshot after every `n` events of an order (0: never).
    #[must_use]
    pub fn with_snapshot_every(mut self, n: u64) -> Engine<S> {
        self.snapshot_every = n;
        self
    }

    /// Order ids are this prefix and a number (default `WO-`).
    #[must_use]
    pub fn with_id_prefix(mut self, prefix: impl Into<String>) -> Engine<S> {
        self.id_prefix = prefix.into();
        self
    }

    /// The store.
    pub fn store(&mut self) -> &mut S {
        &mut self.store
    }

    /// The calendars.
    pub fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// Deploys a definition (TOML), checking that every calendar it names is registered.
    /// Deploying the same text again is harmless; a changed definition needs a new version.
    ///
    /// # Errors
    ///
    /// Definition errors, [`FlowError::UnknownCalendar`], [`FlowError::DefinitionExists`].
    pub fn deploy(&mut self, toml: &str) -> Result<Definition, FlowError> {
        let def = Definition::from_toml(toml)?;
        self.deploy_definition(&def)?;
        Ok(def)
    }

    /// Deploys a parsed definition (see [`Engine::deploy`]).
    ///
    /// # Errors
    ///
    /// As [`Engine::deploy`].
    pub fn deploy_definition(&mut self, def: &Definition) -> Result<bool, FlowError> {
        def.validate()?;
        self.register_calendars(def)?;
        let names = std::iter::once(&def.calendars.default)
            .chain(def.calendars.departments.values())
            .filter(|n| !n.is_empty());
        for name in names {
            self.calendars.get(name)?;
        }
        self.store.put_definition(def)
    }

    fn register_calendars(&mut self, def: &Definition) -> Result<(), FlowError> {
        for (name, custom) in &def.calendars.custom {
            self.calendars.insert_toml(name, custom.extends.as_deref(), &custom.toml)?;
        }
        Ok(())
    }

    /// A definition by name and version (latest when `None`).
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownDefinition`]; store errors.
    pub fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Arc<Definition>, FlowError> {
        if let Some(v) = version
            && let Some(def) = self.definitions.get(&(name.to_owned(), v))
        {
            return Ok(def.clone());
        }
        let def = self
            .store
            .definition(name, version)?
            .ok_or_else(|| FlowError::UnknownDefinition { name: name.to_owned(), version })?;
        self.register_calendars(&def)?;
        let def = Arc::new(def);
        self.definitions.insert((def.name.clone(), def.version), def.clone());
        Ok(def)
    }

    /// Starts an order of the latest version of `definition` (or `version`), with variables, at
    /// `now`.
    ///
    /// # Errors
    ///
    /// Unknown definition; the start rejected (for example an assignment that names no one);
    /// store errors.
    pub fn handle_start(
        &mut self,
        now: Timestamp,
        definition: &str,
        version: Option<u32>,
        vars: Vars,
        actor: &str,
        key: Option<&str>,
    ) -> Result<Ack, FlowError> {
        self.start_child(definition, version, vars, actor, now, key, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn start_child(
        &mut self,
        definition: &str,
        version: Option<u32>,
        vars: Vars,
        actor: &str,
        at: Timestamp,
        key: Option<&str>,
        parent: Option<ParentLink>,
    ) -> Result<Ack, FlowError> {
        if let Some(k) = key
            && let Some(receipt) = self.store.receipt(k)?
        {
            return Ok(Ack {
                order: receipt.order,
                version: receipt.version,
                applied: false,
                notifications: Vec::new(),
            });
        }
        let def = self.definition(definition, version)?;
        let number = self.store.allocate_order_number()?;
        let id = format!("{}{number:06}", self.id_prefix);
        let empty = WorkOrder::empty(&id);
        let changes = empty.decide_start(&def, &self.calendars, vars, parent, at)?;
        let act = Act::new(Command::Tick, actor);
        let act = Act { key: key.map(str::to_owned), ..act };
        self.commit(&empty, changes, &act, at)
    }

    /// Loads an order's current state (snapshot plus later events).
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownOrder`]; [`FlowError::Tampered`] when the events do not follow the
    /// snapshot; store errors.
    pub fn load(&mut self, order: &str) -> Result<WorkOrder, FlowError> {
        let mut state = match self.store.snapshot(order)? {
            Some(snapshot) if snapshot_usable(&snapshot.state) => snapshot.state,
            _ => WorkOrder::empty(order),
        };
        for event in self.store.events(order, state.version)? {
            state.apply(&event)?;
        }
        if state.version == 0 {
            return Err(FlowError::UnknownOrder(order.to_owned()));
        }
        Ok(state)
    }

    /// The order's whole log (its timeline).
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownOrder`]; store errors.
    pub fn history(&mut self, order: &str) -> Result<Vec<Event>, FlowError> {
        let events = self.store.events(order, 0)?;
        if events.is_empty() {
            return Err(FlowError::UnknownOrder(order.to_owned()));
        }
        Ok(events)
    }

    /// Applies a command to an order at `now` (the time the log records for it).
    ///
    /// With an idempotency key that was used before, nothing is applied and the first receipt is
    /// returned (`applied: false`), also when that first use commits while this call runs (a
    /// client's retry racing its first try gets the receipt, not a conflict). With an expected version, the command applies only at that
    /// version ([`FlowError::Conflict`] otherwise); without one, the engine retries a few times
    /// when another writer got there first.
    ///
    /// # Errors
    ///
    /// [`FlowError::Rejected`], [`FlowError::Conflict`], [`FlowError::UnknownOrder`], calendar
    /// and store errors.
    pub fn handle_command(
        &mut self,
        now: Timestamp,
        order: &str,
        act: &Act,
    ) -> Result<Ack, FlowError> {
        match self.try_command(now, order, act) {
            // The same command (same key) may have been applied by another writer after this one
            // looked for its receipt (a client's retry racing its first try): then it is a
            // duplicate, not a conflict or a rejection.
            Err(error) if act.key.is_some() && !matches!(error, FlowError::Store { .. }) => {
                match self.duplicate(act)? {
                    Some(ack) => Ok(ack),
                    None => Err(error),
                }
            }
            other => other,
        }
    }

    /// The acknowledgement of a command whose idempotency key was used before.
    fn duplicate(&mut self, act: &Act) -> Result<Option<Ack>, FlowError> {
        let Some(k) = &act.key else { return Ok(None) };
        Ok(self.store.receipt(k)?.map(|receipt| Ack {
            order: receipt.order,
            version: receipt.version,
            applied: false,
            notifications: Vec::new(),
        }))
    }

    fn try_command(&mut self, now: Timestamp, order: &str, act: &Act) -> Result<Ack, FlowError> {
        let mut attempts = 0;
        loop {
            if let Some(ack) = self.duplicate(act)? {
                return Ok(ack);
            }
            let state = self.load(order)?;
            if let Some(expected) = act.expected_version
                && expected != state.version
            {
                return Err(FlowError::Conflict {
                    order: order.to_owned(),
                    expected,
                    actual: state.version,
                });
            }
            if let Some(last) = state.last_event_at
                && now < last
            {
                return Err(FlowError::BeforeLastEvent { order: order.to_owned(), at: now, last });
            }
            let def = self.definition(&state.definition, Some(state.definition_version))?;
            let changes = state.decide(&def, &self.calendars, now, act)?;
            match self.commit(&state, changes, act, now) {
                Err(FlowError::Conflict { .. })
                    if act.expected_version.is_none() && attempts < self.max_retries =>
                {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    fn commit(
        &mut self,
        state: &WorkOrder,
        changes: Vec<Change>,
        act: &Act,
        now: Timestamp,
    ) -> Result<Ack, FlowError> {
        let mut next = state.clone();
        let mut events = Vec::with_capacity(changes.len());
        let mut notifications = Vec::new();
        for change in changes {
            if let Change::Notified(n) = &change {
                notifications.push(n.clone());
            }
            let event = Event::seal(
                &state.id,
                next.version + 1,
                (&now, &act.actor, &act.reason, &act.key),
                change,
                next.hash.clone(),
            )?;
            next.apply(&event)?;
            events.push(event);
        }
        if events.is_empty() {
            return Ok(Ack {
                order: state.id.clone(),
                version: state.version,
                applied: true,
                notifications,
            });
        }
        let appended =
            self.store.append(&state.id, state.version, &events, act.key.as_deref(), &next)?;
        if let Appended::Duplicate(receipt) = appended {
            return Ok(Ack {
                order: receipt.order,
                version: receipt.version,
                applied: false,
                notifications: Vec::new(),
            });
        }
        if self.snapshot_every > 0
            && next.version / self.snapshot_every > state.version / self.snapshot_every
        {
            // A failed snapshot only costs load time: the log is the truth.
            let _ = self.store.put_snapshot(&Snapshot { state: next.clone() });
        }
        Ok(Ack { order: state.id.clone(), version: next.version, applied: true, notifications })
    }

    /// Fires everything due at `now`: timers (including those that fell due while nothing ran),
    /// child orders of subprocess nodes waiting to start, and parents waiting on finished children.
    /// The host calls it at or after [`Engine::poll_timeout`], then drains [`Engine::poll_output`]
    /// until `None`: one [`Output::Ticked`] per order that ran (after its notifications), one
    /// [`Output::Failed`] per order that failed (the others still run).
    ///
    /// Several processes on one store: the orders are those this process claimed
    /// ([`crate::store::Store::claim_due`]); on PostgreSQL at most the store's claim limit (256 by
    /// default) at a time, so a host calls it again while [`Engine::poll_timeout`] says something
    /// is due. Each claim is released once its order ran; a failed order keeps its claim until the
    /// lease runs out, which is its back-off.
    ///
    /// # Errors
    ///
    /// Store errors claiming the due orders (nothing ran then).
    pub fn handle_timeout(&mut self, now: Timestamp) -> Result<(), FlowError> {
        for order in self.store.claim_due(now)? {
            match self.tick_order(&order, now) {
                Ok(notes) => {
                    self.outputs.extend(notes.into_iter().map(|notification| {
                        Output::Notification { order: order.clone(), notification }
                    }));
                    // A claim that cannot be given back runs out on its own.
                    let _ = self.store.release(&order);
                    self.outputs.push_back(Output::Ticked { order });
                }
                // The claim is kept: the order is tried again when it runs out (a back-off).
                Err(error) => self.outputs.push_back(Output::Failed { order, error }),
            }
        }
        Ok(())
    }

    /// The next output of [`Engine::handle_timeout`], oldest first; `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When the engine next needs [`Engine::handle_timeout`]: the earliest stored `next_due` of
    /// any order (a timer, a child order to start, a parent to tell), read from the store's index
    /// so that a host sleeps until then instead of ticking on a schedule. `None`: nothing is
    /// pending. A time in the past means "now".
    ///
    /// The store is the truth (another process may have added a deadline), so this reads it.
    /// Unlike the other engines' `poll_timeout`, it returns a `Result`: a store that cannot be
    /// read (a database server that is down) is an error the host sees here, logs and retries
    /// after a back-off, instead of a made-up time.
    ///
    /// # Errors
    ///
    /// Store errors.
    pub fn poll_timeout(&mut self) -> Result<Option<Timestamp>, FlowError> {
        self.store.next_due()
    }

    fn tick_order(&mut self, order: &str, now: Timestamp) -> Result<Vec<Notification>, FlowError> {
        let mut notes = Vec::new();
        let state = self.load(order)?;
        // Children to start.
        let waiting: Vec<(u32, String)> = state
            .tokens
            .values()
            .filter_map(|t| t.child_requested.clone().map(|p| (t.id, p)))
            .collect();
        for (token, process) in waiting {
            let key = format!("{order}/token-{token}/v{}/child", state.version);
            let link = ParentLink { order: order.to_owned(), token };
            let child = self.start_child(
                &process,
                None,
                state.vars.clone(),
                SYSTEM,
                now,
                Some(&key),
                Some(link),
            )?;
            notes.extend(child.notifications);
            let act = Act::new(Command::ChildStarted { token, child: child.order }, SYSTEM);
            notes.extend(self.handle_command(now, order, &act)?.notifications);
        }
        // A finished child tells its parent.
        let state = self.load(order)?;
        if let (Some(parent), true, false) =
            (&state.parent, state.is_finished(), state.parent_notified)
        {
            let key = format!("{order}/finished-v{}", state.version);
            let act = Act::new(
                Command::ChildFinished { token: parent.token, vars: state.vars.clone() },
                SYSTEM,
            )
            .key(key);
            match self.handle_command(now, &parent.order, &act) {
                Ok(ack) => notes.extend(ack.notifications),
                Err(FlowError::Rejected { .. }) => {}
                Err(e) => return Err(e),
            }
            self.handle_command(now, order, &Act::new(Command::ParentNotified, SYSTEM))?;
        }
        let state = self.load(order)?;
        if state.timers.values().any(|t| t.due <= now) {
            let tick = Act::new(Command::Tick, SYSTEM);
            notes.extend(self.handle_command(now, order, &tick)?.notifications);
        }
        // A child may have finished just now: tell its parent in the same tick.
        let state = self.load(order)?;
        if state.parent.is_some() && state.is_finished() && !state.parent_notified {
            notes.extend(self.tick_order(order, now)?);
        }
        Ok(notes)
    }

    /// Checks an order's whole hash chain, that its events replay, and that its snapshot (if
    /// any) equals the replayed state at the snapshot's version.
    ///
    /// # Errors
    ///
    /// [`FlowError::Tampered`] naming the first bad event; [`FlowError::UnknownOrder`].
    pub fn verify(&mut self, order: &str) -> Result<Verified, FlowError> {
        let events = self.history(order)?;
        verify_chain(order, &events)?;
        let snapshot = self.store.snapshot(order)?.filter(|s| snapshot_usable(&s.state));
        let mut state = WorkOrder::empty(order);
        let mut snapshot_checked = false;
        for event in &events {
            state.apply(event)?;
            if let Some(s) = &snapshot
                && s.state.version == state.version
            {
                if s.state != state {
                    return Err(FlowError::Tampered {
                        order: order.to_owned(),
                        seq: state.version,
                        message: "the snapshot differs from the replayed log".to_owned(),
                    });
                }
                snapshot_checked = true;
            }
        }
        if let Some(stored) = self.store.version(order)?
            && stored != state.version
        {
            return Err(FlowError::Tampered {
                order: order.to_owned(),
                seq: state.version,
                message: format!(
                    "the order says version {stored} but the log has {}",
                    state.version
                ),
            });
        }
        Ok(Verified {
            order: order.to_owned(),
            events: state.version,
            head: state.hash,
            snapshot_checked,
        })
    }

    /// Every order's id.
    ///
    /// # Errors
    ///
    /// Store errors.
    pub fn orders(&mut self) -> Result<Vec<String>, FlowError> {
        self.store.orders()
    }

    /// Every order's current state.
    ///
    /// # Errors
    ///
    /// Store errors, tampering.
    pub fn all(&mut self) -> Result<Vec<WorkOrder>, FlowError> {
        let ids = self.store.orders()?;
        ids.iter().map(|id| self.load(id)).collect()
    }
}
