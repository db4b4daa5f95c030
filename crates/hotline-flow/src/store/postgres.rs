//! The PostgreSQL store: one database server shared by several engine processes.
//!
//! Every table lives in the PostgreSQL schema `hotline_flow`, so that the store can share a
//! database with other applications. The schema is versioned: [`PostgresStore::migrate`] (what
//! `hotline flow migrate` runs) brings it to [`SCHEMA_VERSION`], and [`PostgresStore::connect`]
//! refuses a database whose schema is older (not migrated yet) or newer (migrated by a newer
//! hotline-flow) with [`FlowError::SchemaVersion`].
//!
//! Guarantees, the same as [`super::SqliteStore`]'s:
//!
//! * [`Store::append`] is one call of the stored function `append_events` (one round trip, one
//!   transaction): the expected version is checked by a conditional
//!   `UPDATE ... WHERE version = $expected` (or an `INSERT ... ON CONFLICT DO NOTHING` for a new
//!   order), so that of two racing commands exactly one changes the row and the other gets
//!   [`FlowError::Conflict`]; an idempotency key is a primary key, so that of two racing uses of
//!   one key exactly one commits and the other is reported as [`Appended::Duplicate`].
//! * Due timers are claimed with leases ([`Store::claim_due`]): `FOR UPDATE SKIP LOCKED` picks
//!   orders that no other process holds, the lease names this store and runs out after
//!   [`PostgresStore::with_lease`] (30 s by default, on the database server's clock), and an
//!   order whose process died is claimed again once its lease ran out. The version check above
//!   still decides: a process whose lease ran out while it was stalled loses its append.
//! * Every append notifies the channel [`CHANNEL`] with the order's id (`LISTEN`/`NOTIFY`), so
//!   another process learns of the change at once ([`PostgresStore::listen`],
//!   [`PostgresStore::changes`]).
//!
//! A connection that breaks (the server restarted, the network cut) fails the call in progress
//! with [`FlowError::Store`]; the next call connects again. A command whose commit was cut off
//! may or may not have been applied: retry it with the same idempotency key.

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls, Statement};

use super::{Appended, KpiFacts, OpenItem, Receipt, Snapshot, Store};
use crate::{Assignee, Definition, Event, FlowError, WorkCursor, WorkOrder};

/// The schema version this build of hotline-flow reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The `NOTIFY` channel every append is announced on; the payload is the order's id.
pub const CHANNEL: &str = "hotline_flow";

/// One step of the schema: applied in one transaction, recorded in `schema_version`.
struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. A released migration is never edited: a change is a new one.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "definitions, orders with timer leases, events, receipts, snapshots, query tables",
    sql: "
CREATE TABLE definitions (
    name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE orders (
    id TEXT PRIMARY KEY, version BIGINT NOT NULL, next_due BIGINT,
    created BIGINT GENERATED ALWAYS AS IDENTITY,
    lease_owner TEXT, lease_until TIMESTAMPTZ);
CREATE INDEX orders_next_due ON orders (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX orders_created ON orders (created);
CREATE TABLE events (
    order_id TEXT NOT NULL, seq BIGINT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (order_id, seq));
CREATE TABLE receipts (
    key TEXT PRIMARY KEY, order_id TEXT NOT NULL, from_version BIGINT NOT NULL,
    version BIGINT NOT NULL);
CREATE TABLE snapshots (order_id TEXT PRIMARY KEY, version BIGINT NOT NULL, body TEXT NOT NULL);
CREATE SEQUENCE order_numbers;
CREATE TABLE open_items (
    order_id TEXT NOT NULL, item BIGINT NOT NULL, assignee TEXT NOT NULL, deadline BIGINT,
    body TEXT NOT NULL, PRIMARY KEY (order_id, item));
CREATE INDEX open_items_assignee ON open_items (assignee, deadline);
CREATE TABLE kpi_orders (order_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE kpi_times (at BIGINT NOT NULL, order_id TEXT NOT NULL, PRIMARY KEY (at, order_id));
CREATE INDEX kpi_times_order ON kpi_times (order_id);
-- One append is one call (one round trip, one implicit transaction): the receipt, the version
-- check, the events, the query tables, the receipt and the notification. Tables are named with
-- their schema instead of a `SET search_path` clause, which would make every call plan its
-- statements again (a third more server CPU per command).
CREATE FUNCTION hotline_flow.append_events(
    p_order TEXT, p_expected BIGINT, p_version BIGINT, p_due BIGINT,
    p_seqs BIGINT[], p_bodies TEXT[], p_key TEXT,
    p_items BIGINT[], p_assignees TEXT[], p_deadlines BIGINT[], p_item_bodies TEXT[],
    p_kpi TEXT, p_kpi_times BIGINT[])
RETURNS TABLE (o_outcome TEXT, o_order TEXT, o_from BIGINT, o_to BIGINT)
LANGUAGE plpgsql AS $fn$
DECLARE
    changed INTEGER;
BEGIN
    IF p_key IS NOT NULL THEN
        RETURN QUERY SELECT 'duplicate'::TEXT, r.order_id, r.from_version, r.version
            FROM hotline_flow.receipts r WHERE r.key = p_key;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    IF p_expected = 0 THEN
        INSERT INTO hotline_flow.orders (id, version, next_due) VALUES (p_order, p_version, p_due)
            ON CONFLICT (id) DO NOTHING;
    ELSE
        UPDATE hotline_flow.orders SET version = p_version, next_due = p_due
            WHERE id = p_order AND version = p_expected;
    END IF;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed <> 1 THEN
        -- The writer that got there first may have used the same key (a client's retry racing
        -- its first try): then this command is a duplicate, not a conflict. This statement sees
        -- what committed while the version check waited.
        IF p_key IS NOT NULL THEN
            RETURN QUERY SELECT 'duplicate'::TEXT, r.order_id, r.from_version, r.version
                FROM hotline_flow.receipts r WHERE r.key = p_key;
            IF FOUND THEN
                RETURN;
            END IF;
        END IF;
        RETURN QUERY SELECT 'conflict'::TEXT, p_order, p_expected,
            COALESCE((SELECT o.version FROM hotline_flow.orders o WHERE o.id = p_order), 0);
        RETURN;
    END IF;
    INSERT INTO hotline_flow.events (order_id, seq, body)
        SELECT p_order, t.s, t.b FROM unnest(p_seqs, p_bodies) AS t(s, b);
    DELETE FROM hotline_flow.open_items WHERE order_id = p_order;
    INSERT INTO hotline_flow.open_items (order_id, item, assignee, deadline, body)
        SELECT p_order, t.i, t.a, t.d, t.b
        FROM unnest(p_items, p_assignees, p_deadlines, p_item_bodies) AS t(i, a, d, b);
    DELETE FROM hotline_flow.kpi_times WHERE order_id = p_order;
    IF p_kpi IS NULL THEN
        DELETE FROM hotline_flow.kpi_orders WHERE order_id = p_order;
    ELSE
        INSERT INTO hotline_flow.kpi_orders (order_id, body) VALUES (p_order, p_kpi)
            ON CONFLICT (order_id) DO UPDATE SET body = excluded.body;
        INSERT INTO hotline_flow.kpi_times (at, order_id)
            SELECT DISTINCT t.a, p_order FROM unnest(p_kpi_times) AS t(a);
    END IF;
    -- A key used meanwhile by a transaction that committed first fails here (unique violation):
    -- the whole call is rolled back and the client reports the first receipt.
    IF p_key IS NOT NULL THEN
        INSERT INTO hotline_flow.receipts (key, order_id, from_version, version)
            VALUES (p_key, p_order, p_expected, p_version);
    END IF;
    PERFORM pg_notify('hotline_flow', p_order);
    RETURN QUERY SELECT 'written'::TEXT, p_order, p_expected, p_version;
END
$fn$;
",
}];

/// What [`PostgresStore::migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Migrated {
    /// The schema version found (0: an empty database).
    pub from: u32,
    /// The schema version now ([`SCHEMA_VERSION`]).
    pub to: u32,
    /// The names of the migrations applied, oldest first (empty when it was current).
    pub applied: Vec<String>,
}

/// The statements of one connection, prepared once.
struct Statements {
    receipt: Statement,
    version: Statement,
    append: Statement,
    events: Statement,
    snapshot: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Statements, FlowError> {
        let mut p = |sql: &str| client.prepare(sql).map_err(db("preparing a statement"));
        Ok(Statements {
            receipt: p("SELECT order_id, from_version, version FROM receipts WHERE key = $1")?,
            version: p("SELECT version FROM orders WHERE id = $1")?,
            append: p("SELECT o_outcome, o_order, o_from, o_to FROM \
                 append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")?,
            events: p("SELECT body FROM events WHERE order_id = $1 AND seq > $2 ORDER BY seq")?,
            // The snapshot and the events after it, read in one statement (one round trip and
            // one consistent view): what `Engine::load` asks for next.
            snapshot: p("SELECT s.body, s.version, ARRAY(SELECT e.body FROM events e \
                 WHERE e.order_id = $1 AND e.seq > COALESCE(s.version, 0) ORDER BY e.seq) \
                 FROM (SELECT 1) AS one LEFT JOIN snapshots s ON s.order_id = $1")?,
        })
    }
}

/// One open connection and its statements.
struct Connection {
    client: Client,
    st: Statements,
}

/// A store in a PostgreSQL database (feature `postgres`), for several engine processes on one
/// database server. See the [module docs](self) for what it guarantees.
///
/// ```no_run
/// # use hotline_flow::{Calendars, Engine, store::PostgresStore};
/// let url = "postgres://hotline:secret@127.0.0.1:5432/hotline";
/// PostgresStore::migrate(url)?; // what `hotline flow migrate --store URL` runs
/// let mut engine = Engine::new(PostgresStore::connect(url)?, Calendars::bundled());
/// # Ok::<(), hotline_flow::FlowError>(())
/// ```
pub struct PostgresStore {
    config: Config,
    target: String,
    conn: Option<Connection>,
    owner: String,
    lease: Duration,
    claim_limit: i64,
    listening: bool,
    /// The events read with the last snapshot (order, after, events), for the very next call
    /// only: any other call clears it.
    prefetched: Option<(String, u64, Vec<String>)>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .field("connected", &self.conn.is_some())
            .field("owner", &self.owner)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

fn db(what: &'static str) -> impl Fn(postgres::Error) -> FlowError {
    move |e| FlowError::store(format!("PostgreSQL: {what}"), e)
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, FlowError> {
    serde_json::from_str(text).map_err(|e| FlowError::store(format!("corrupt {what}"), e))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, FlowError> {
    serde_json::to_string(value).map_err(|e| FlowError::store("cannot encode a row", e))
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn parse(url: &str) -> Result<(Config, String), FlowError> {
    let mut config = Config::from_str(url).map_err(|e| {
        // The string itself is not repeated: it may hold a password.
        FlowError::store(
            "bad PostgreSQL connection string (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE \
             or `host=... user=... dbname=...`)",
            e,
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("hotline-flow");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let target = format!(
        "{host}:{port}, database `{}`, user `{}`",
        config.get_dbname().or(config.get_user()).unwrap_or("?"),
        config.get_user().unwrap_or("?")
    );
    Ok((config, target))
}

/// Opens a connection with a message that says what failed: the server is not reachable, the
/// credentials were refused, or the database does not exist.
fn open(config: &Config, target: &str) -> Result<Client, FlowError> {
    let mut client = config.connect(NoTls).map_err(|e| {
        let what = match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD => {
                format!("PostgreSQL at {target} refused the password")
            }
            Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                format!("PostgreSQL at {target} refused the user (pg_hba.conf or a missing role)")
            }
            Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
                format!("PostgreSQL at {target}: the database does not exist")
            }
            Some(_) => format!("PostgreSQL at {target} refused the connection"),
            None => format!("cannot reach PostgreSQL at {target} (is the server running?)"),
        };
        FlowError::store(what, e)
    })?;
    client
        .batch_execute("SET search_path TO hotline_flow")
        .map_err(db("setting the search path"))?;
    Ok(client)
}

/// The schema version of the database behind `client` (0 when it has none).
fn schema_version(client: &mut Client) -> Result<u32, FlowError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('hotline_flow.schema_version') IS NOT NULL", &[])
        .map_err(db("reading the schema version"))?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = client
        .query_one("SELECT max(version) FROM hotline_flow.schema_version", &[])
        .map_err(db("reading the schema version"))?
        .get(0);
    Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
}

impl PostgresStore {
    /// Brings the database's schema to [`SCHEMA_VERSION`], applying each missing migration in a
    /// transaction of its own, under an advisory lock so that processes starting together
    /// migrate once. A database at the current version is left alone.
    ///
    /// # Errors
    ///
    /// [`FlowError::SchemaVersion`] when the database is newer than this build (it is never
    /// downgraded); [`FlowError::Store`] when the server cannot be reached, refuses the
    /// credentials or a migration fails (nothing of that migration is kept).
    pub fn migrate(url: &str) -> Result<Migrated, FlowError> {
        let (config, target) = parse(url)?;
        let mut client = open(&config, &target)?;
        let from = schema_version(&mut client)?;
        let mut applied = Vec::new();
        let mut at = from;
        for m in MIGRATIONS {
            let mut tx = client.transaction().map_err(db("starting a migration"))?;
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('hotline_flow.migrate'))", &[])
                .map_err(db("locking for a migration"))?;
            tx.batch_execute(
                "CREATE SCHEMA IF NOT EXISTS hotline_flow;
                 CREATE TABLE IF NOT EXISTS hotline_flow.schema_version (
                     version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .map_err(db("creating the schema"))?;
            // Read again under the lock: another process may have migrated meanwhile.
            let current: Option<i64> = tx
                .query_one("SELECT max(version) FROM hotline_flow.schema_version", &[])
                .map_err(db("reading the schema version"))?
                .get(0);
            let current = current.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
            if current > SCHEMA_VERSION {
                return Err(FlowError::SchemaVersion { found: current, supported: SCHEMA_VERSION });
            }
            at = current;
            if current >= m.version {
                continue;
            }
            tx.batch_execute(m.sql).map_err(|e| {
                FlowError::store(
                    format!("PostgreSQL: migration {} ({}) failed", m.version, m.name),
                    e,
                )
            })?;
            tx.execute(
                "INSERT INTO hotline_flow.schema_version (version, name) VALUES ($1, $2)",
                &[&i64::from(m.version), &m.name],
            )
            .map_err(db("recording a migration"))?;
            tx.commit().map_err(db("committing a migration"))?;
            applied.push(format!("{} {}", m.version, m.name));
            at = m.version;
        }
        if from > SCHEMA_VERSION {
            return Err(FlowError::SchemaVersion { found: from, supported: SCHEMA_VERSION });
        }
        Ok(Migrated { from, to: at, applied })
    }

    /// Connects to the store at `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`), checking
    /// that its schema is at [`SCHEMA_VERSION`].
    ///
    /// # Errors
    ///
    /// [`FlowError::Store`] for a bad connection string, a server that is down, refused
    /// credentials or a missing database; [`FlowError::SchemaVersion`] for a database that was
    /// not migrated (run `hotline flow migrate`) or was migrated by a newer hotline-flow.
    pub fn connect(url: &str) -> Result<PostgresStore, FlowError> {
        let (config, target) = parse(url)?;
        // Unique among the stores of every process: the process id, the time and a counter.
        static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut store = PostgresStore {
            config,
            target,
            conn: None,
            owner: format!("pid{}-{nanos:09}-{n}", std::process::id()),
            lease: Duration::from_secs(30),
            claim_limit: 256,
            listening: false,
            prefetched: None,
        };
        store.conn()?;
        Ok(store)
    }

    /// How long a claim on a due order lasts (default 30 s, on the database server's clock): an
    /// order claimed by a process that died is claimed by another once its lease ran out.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> PostgresStore {
        self.lease = lease;
        self
    }

    /// At most this many due orders are claimed by one [`Store::claim_due`] (default 256), so
    /// that the other processes find work too.
    #[must_use]
    pub fn with_claim_limit(mut self, limit: u32) -> PostgresStore {
        self.claim_limit = i64::from(limit.max(1));
        self
    }

    /// The name this store's leases carry (`pid<process id>-<nanoseconds>-<n>`).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The open connection, connecting again when the last one broke.
    fn conn(&mut self) -> Result<&mut Connection, FlowError> {
        self.prefetched = None;
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            let mut client = open(&self.config, &self.target)?;
            let found = schema_version(&mut client)?;
            if found != SCHEMA_VERSION {
                return Err(FlowError::SchemaVersion { found, supported: SCHEMA_VERSION });
            }
            if self.listening {
                client
                    .batch_execute(&format!("LISTEN {CHANNEL}"))
                    .map_err(db("listening for changes"))?;
            }
            let st = Statements::prepare(&mut client)?;
            return Ok(self.conn.insert(Connection { client, st }));
        }
        match &mut self.conn {
            Some(conn) => Ok(conn),
            None => unreachable!("connected above"),
        }
    }

    /// The underlying client, for inspection and tools (bypasses every check).
    ///
    /// # Errors
    ///
    /// Connection failures.
    pub fn client(&mut self) -> Result<&mut Client, FlowError> {
        Ok(&mut self.conn()?.client)
    }

    /// Subscribes this store's connection to [`CHANNEL`], so that [`PostgresStore::changes`]
    /// reports the orders other processes change (kept across reconnections; changes made while
    /// the connection was down are not reported: reload what you show after an error).
    ///
    /// # Errors
    ///
    /// Connection failures.
    pub fn listen(&mut self) -> Result<(), FlowError> {
        if !self.listening {
            self.listening = true;
            let conn = self.conn()?;
            conn.client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .map_err(db("listening for changes"))?;
        }
        Ok(())
    }

    /// The ids of the orders changed since the last call (by any process, this one included),
    /// waiting up to `wait` for the first when there is none yet; each id once, in the order
    /// the changes committed. Needs [`PostgresStore::listen`] first (empty otherwise).
    ///
    /// # Errors
    ///
    /// Connection failures.
    pub fn changes(&mut self, wait: Duration) -> Result<Vec<String>, FlowError> {
        if !self.listening {
            return Ok(Vec::new());
        }
        let conn = self.conn()?;
        let mut out: Vec<String> = Vec::new();
        let mut push = |n: postgres::Notification| {
            if n.channel() == CHANNEL && !out.iter().any(|o| o == n.payload()) {
                out.push(n.payload().to_owned());
            }
        };
        let mut notifications = conn.client.notifications();
        let first = notifications.timeout_iter(wait).next();
        if let Some(n) = first.map_err(db("waiting for changes"))? {
            push(n);
            let mut rest = notifications.iter();
            while let Some(n) = rest.next().map_err(db("reading changes"))? {
                push(n);
            }
        }
        Ok(out)
    }

    fn receipt_in(
        client: &mut impl postgres::GenericClient,
        st: &Statement,
        key: &str,
    ) -> Result<Option<Receipt>, FlowError> {
        let row = client.query_opt(st, &[&key]).map_err(db("reading a receipt"))?;
        Ok(row.map(|r| Receipt {
            order: r.get(0),
            from_version: u(r.get(1)),
            version: u(r.get(2)),
        }))
    }
}

impl Store for PostgresStore {
    fn put_definition(&mut self, def: &Definition) -> Result<bool, FlowError> {
        let body = to_json(def)?;
        let conn = self.conn()?;
        let version = i64::from(def.version);
        let inserted = conn
            .client
            .execute(
                "INSERT INTO definitions (name, version, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (name, version) DO NOTHING",
                &[&def.name, &version, &body],
            )
            .map_err(db("storing a definition"))?;
        if inserted == 1 {
            return Ok(true);
        }
        let existing: String = conn
            .client
            .query_one(
                "SELECT body FROM definitions WHERE name = $1 AND version = $2",
                &[&def.name, &version],
            )
            .map_err(db("reading a definition"))?
            .get(0);
        let existing: Definition = json("definition", &existing)?;
        if &existing == def {
            Ok(false)
        } else {
            Err(FlowError::DefinitionExists { name: def.name.clone(), version: def.version })
        }
    }

    fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Option<Definition>, FlowError> {
        let client = &mut self.conn()?.client;
        let row = match version {
            Some(v) => client.query_opt(
                "SELECT body FROM definitions WHERE name = $1 AND version = $2",
                &[&name, &i64::from(v)],
            ),
            None => client.query_opt(
                "SELECT body FROM definitions WHERE name = $1 ORDER BY version DESC LIMIT 1",
                &[&name],
            ),
        }
        .map_err(db("reading a definition"))?;
        row.map(|r| json("definition", r.get::<_, &str>(0))).transpose()
    }

    fn definitions(&mut self) -> Result<Vec<(String, u32)>, FlowError> {
        let rows = self
            .conn()?
            .client
            .query("SELECT name, version FROM definitions ORDER BY name, version", &[])
            .map_err(db("listing definitions"))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), u32::try_from(r.get::<_, i64>(1)).unwrap_or(u32::MAX)))
            .collect())
    }

    fn allocate_order_number(&mut self) -> Result<u64, FlowError> {
        let n: i64 = self
            .conn()?
            .client
            .query_one("SELECT nextval('order_numbers')", &[])
            .map_err(db("allocating an order number"))?
            .get(0);
        Ok(u(n))
    }

    fn append(
        &mut self,
        order: &str,
        expected: u64,
        events: &[Event],
        key: Option<&str>,
        state: &WorkOrder,
    ) -> Result<Appended, FlowError> {
        let mut seqs = Vec::with_capacity(events.len());
        let mut bodies = Vec::with_capacity(events.len());
        for event in events {
            seqs.push(i(event.seq));
            bodies.push(to_json(event)?);
        }
        let version = i(expected + events.len() as u64);
        let due = state.next_due().map(|t| t.as_millisecond());
        let open = OpenItem::of(state);
        let mut items = Vec::with_capacity(open.len());
        let mut assignees = Vec::with_capacity(open.len());
        let mut deadlines = Vec::with_capacity(open.len());
        let mut item_bodies = Vec::with_capacity(open.len());
        for o in &open {
            items.push(i64::from(o.item.id));
            assignees.push(o.item.assignee.to_string());
            deadlines.push(o.item.deadline.map(|d| d.as_millisecond()));
            item_bodies.push(to_json(o)?);
        }
        let facts = KpiFacts::of(state);
        let kpi = facts.as_ref().map(to_json).transpose()?;
        let kpi_times: Vec<i64> = facts
            .map(|f| f.times().iter().map(|t| t.as_millisecond()).collect())
            .unwrap_or_default();
        let Connection { client, st } = self.conn()?;
        let row = client.query_one(
            &st.append,
            &[
                &order,
                &i(expected),
                &version,
                &due,
                &seqs,
                &bodies,
                &key,
                &items,
                &assignees,
                &deadlines,
                &item_bodies,
                &kpi,
                &kpi_times,
            ],
        );
        let row = match row {
            Ok(row) => row,
            // The key was used by a transaction that committed first (a unique violation on the
            // receipts): nothing was written; report its receipt.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) && key.is_some() => {
                let receipt = key
                    .map(|k| PostgresStore::receipt_in(client, &st.receipt, k))
                    .transpose()?
                    .flatten();
                return match receipt {
                    Some(receipt) => Ok(Appended::Duplicate(receipt)),
                    None => Err(FlowError::store("PostgreSQL: writing an append", e)),
                };
            }
            Err(e) => return Err(FlowError::store("PostgreSQL: writing an append", e)),
        };
        let outcome: &str = row.get(0);
        match outcome {
            "written" => Ok(Appended::Written),
            "duplicate" => Ok(Appended::Duplicate(Receipt {
                order: row.get(1),
                from_version: u(row.get(2)),
                version: u(row.get(3)),
            })),
            _ => Err(FlowError::Conflict {
                order: order.to_owned(),
                expected,
                actual: u(row.get(3)),
            }),
        }
    }

    fn open_items(&mut self, assignees: &[Assignee]) -> Result<Vec<OpenItem>, FlowError> {
        let client = &mut self.conn()?.client;
        let rows = if assignees.is_empty() {
            client.query("SELECT body FROM open_items ORDER BY order_id, item", &[])
        } else {
            let names: Vec<String> = assignees.iter().map(ToString::to_string).collect();
            client.query(
                "SELECT body FROM open_items WHERE assignee = ANY($1) ORDER BY order_id, item",
                &[&names],
            )
        }
        .map_err(db("reading open items"))?;
        rows.iter().map(|r| json("open item", r.get::<_, &str>(0))).collect()
    }

    fn open_items_page(
        &mut self,
        assignees: &[Assignee],
        after: Option<&WorkCursor>,
        limit: usize,
    ) -> Result<Vec<OpenItem>, FlowError> {
        let client = &mut self.conn()?.client;
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        // Order ids compare byte-wise (COLLATE "C"), as the cursor and the other stores do,
        // whatever the database's collation. `deadline >= $2` is implied by the condition after
        // it, and is there so that the index scan starts at the cursor instead of filtering
        // every earlier item (a page from the middle of 10,000 items: 4.08 ms without it). Each assignee's page comes off the
        // (assignee, deadline) index; pages of several assignees are merged.
        let (ms, order, item) = match after {
            Some(c) => {
                (c.deadline.map(|d| d.as_millisecond()), c.order.as_str(), i64::from(c.item))
            }
            None => (Some(i64::MIN), "", -1),
        };
        super::merged_pages(assignees, limit, |name, out| {
            let who = if name.is_some() { "assignee = $1" } else { "$1::TEXT IS NULL" };
            let mut got = 0usize;
            if let Some(ms) = ms {
                let rows = client
                    .query(
                        &format!(
                            "SELECT body FROM open_items WHERE {who} AND deadline IS NOT NULL \
                             AND deadline >= $2 AND (deadline > $2 OR (deadline = $2 \
                             AND (order_id COLLATE \"C\", item) > ($3, $4))) \
                             ORDER BY deadline, order_id COLLATE \"C\", item LIMIT $5"
                        ),
                        &[&name, &ms, &order, &item, &limit_sql],
                    )
                    .map_err(db("reading open items"))?;
                for r in &rows {
                    out.push(json("open item", r.get::<_, &str>(0))?);
                    got += 1;
                }
            }
            if got < limit {
                let (order, item) = if ms.is_some() { ("", -1) } else { (order, item) };
                let rest = i64::try_from(limit - got).unwrap_or(i64::MAX);
                let rows = client
                    .query(
                        &format!(
                            "SELECT body FROM open_items WHERE {who} AND deadline IS NULL \
                             AND (order_id COLLATE \"C\", item) > ($2, $3) \
                             ORDER BY order_id COLLATE \"C\", item LIMIT $4"
                        ),
                        &[&name, &order, &item, &rest],
                    )
                    .map_err(db("reading open items"))?;
                for r in &rows {
                    out.push(json("open item", r.get::<_, &str>(0))?);
                }
            }
            Ok(())
        })
    }

    fn kpi_facts(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<KpiFacts>, FlowError> {
        let rows = self
            .conn()?
            .client
            .query(
                "SELECT body FROM kpi_orders WHERE order_id IN \
                 (SELECT order_id FROM kpi_times WHERE at >= $1 AND at < $2) ORDER BY order_id",
                &[&from.as_millisecond(), &to.as_millisecond()],
            )
            .map_err(db("reading KPI facts"))?;
        rows.iter().map(|r| json("KPI facts", r.get::<_, &str>(0))).collect()
    }

    fn receipt(&mut self, key: &str) -> Result<Option<Receipt>, FlowError> {
        let Connection { client, st } = self.conn()?;
        PostgresStore::receipt_in(client, &st.receipt, key)
    }

    fn events(&mut self, order: &str, after: u64) -> Result<Vec<Event>, FlowError> {
        if let Some((o, a, bodies)) = self.prefetched.take()
            && o == order
            && a == after
        {
            return bodies.iter().map(|b| json("event", b)).collect();
        }
        let Connection { client, st } = self.conn()?;
        let rows = client.query(&st.events, &[&order, &i(after)]).map_err(db("reading events"))?;
        rows.iter().map(|r| json("event", r.get::<_, &str>(0))).collect()
    }

    fn version(&mut self, order: &str) -> Result<Option<u64>, FlowError> {
        let Connection { client, st } = self.conn()?;
        let row = client.query_opt(&st.version, &[&order]).map_err(db("reading a version"))?;
        Ok(row.map(|r| u(r.get(0))))
    }

    /// The snapshot; the events after it are read in the same statement and kept for the next
    /// call, when it is [`Store::events`] after the snapshot's version (as in `Engine::load`).
    fn snapshot(&mut self, order: &str) -> Result<Option<Snapshot>, FlowError> {
        let Connection { client, st } = self.conn()?;
        let row = client.query_one(&st.snapshot, &[&order]).map_err(db("reading a snapshot"))?;
        let body: Option<String> = row.get(0);
        let version: Option<i64> = row.get(1);
        let tail: Vec<String> = row.get(2);
        let snapshot = body.map(|b| json::<Snapshot>("snapshot", &b)).transpose()?;
        self.prefetched = Some((order.to_owned(), version.map_or(0, u), tail));
        Ok(snapshot)
    }

    fn put_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), FlowError> {
        let body = to_json(snapshot)?;
        self.conn()?
            .client
            .execute(
                "INSERT INTO snapshots (order_id, version, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, \
                 body = excluded.body WHERE excluded.version > snapshots.version",
                &[&snapshot.state.id, &i(snapshot.state.version), &body],
            )
            .map_err(db("writing a snapshot"))?;
        Ok(())
    }

    fn orders(&mut self) -> Result<Vec<String>, FlowError> {
        let rows = self
            .conn()?
            .client
            .query("SELECT id FROM orders ORDER BY created", &[])
            .map_err(db("listing orders"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The earliest next due time; an order leased by a live process counts from its lease's
    /// end (so that a host does not spin on an order another process is firing, and wakes when a
    /// dead process's lease runs out).
    fn next_due(&mut self) -> Result<Option<Timestamp>, FlowError> {
        let ms: Option<i64> = self
            .conn()?
            .client
            .query_one(
                "SELECT min(CASE WHEN lease_until > clock_timestamp() \
                 THEN greatest(next_due, (extract(epoch FROM lease_until) * 1000)::bigint) \
                 ELSE next_due END) FROM orders WHERE next_due IS NOT NULL",
                &[],
            )
            .map_err(db("reading the next due time"))?
            .get(0);
        ms.map(|ms| {
            Timestamp::from_millisecond(ms).map_err(|e| FlowError::store("corrupt next_due", e))
        })
        .transpose()
    }

    fn due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        let rows = self
            .conn()?
            .client
            .query(
                "SELECT id FROM orders WHERE next_due IS NOT NULL AND next_due <= $1 \
                 ORDER BY next_due, id",
                &[&now.as_millisecond()],
            )
            .map_err(db("listing due orders"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Claims up to the claim limit of due orders that no live lease holds, with `FOR UPDATE
    /// SKIP LOCKED`, so that two processes never claim the same order at once.
    fn claim_due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        let lease = self.lease.as_secs_f64();
        let owner = self.owner.clone();
        let limit = self.claim_limit;
        let rows = self
            .conn()?
            .client
            .query(
                "UPDATE orders SET lease_owner = $1, \
                     lease_until = clock_timestamp() + make_interval(secs => $2::float8) \
                 WHERE id IN (SELECT id FROM orders \
                     WHERE next_due IS NOT NULL AND next_due <= $3 \
                     AND (lease_until IS NULL OR lease_until <= clock_timestamp()) \
                     ORDER BY next_due LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, next_due",
                &[&owner, &lease, &now.as_millisecond(), &limit],
            )
            .map_err(db("claiming due orders"))?;
        let mut due: Vec<(i64, String)> =
            rows.iter().map(|r| (r.get::<_, i64>(1), r.get::<_, String>(0))).collect();
        due.sort();
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }

    fn release(&mut self, order: &str) -> Result<(), FlowError> {
        let owner = self.owner.clone();
        self.conn()?
            .client
            .execute(
                "UPDATE orders SET lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2",
                &[&order, &owner],
            )
            .map_err(db("releasing a claim"))?;
        Ok(())
    }
}
