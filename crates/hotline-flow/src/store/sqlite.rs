//! The SQLite store: one file, WAL mode, one transaction per append.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Appended, KpiFacts, OpenItem, Receipt, Snapshot, Store};
use crate::{Assignee, Definition, Event, FlowError, WorkCursor, WorkOrder};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS definitions (
    name TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, next_due INTEGER, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS orders_next_due ON orders (next_due);
CREATE INDEX IF NOT EXISTS orders_created ON orders (created);
CREATE TABLE IF NOT EXISTS events (
    order_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipts (
    key TEXT PRIMARY KEY, order_id TEXT NOT NULL, from_version INTEGER NOT NULL,
    version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    order_id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_numbers (n INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER);
CREATE TABLE IF NOT EXISTS open_items (
    order_id TEXT NOT NULL, item INTEGER NOT NULL, assignee TEXT NOT NULL, deadline INTEGER,
    body TEXT NOT NULL, PRIMARY KEY (order_id, item)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS open_items_assignee ON open_items (assignee, deadline);
CREATE INDEX IF NOT EXISTS open_items_deadline ON open_items (deadline);
CREATE TABLE IF NOT EXISTS kpi_orders (order_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kpi_times (
    at INTEGER NOT NULL, order_id TEXT NOT NULL, PRIMARY KEY (at, order_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kpi_times_order ON kpi_times (order_id);
";

/// Statements through the connection's statement cache: a command runs the same dozen statements,
/// and parsing them again for every command was an eighth of an append's time.
trait Cached {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// The version of the query tables (`PRAGMA user_version`): a store opened with a lower one has
/// them rebuilt from its logs once.
const INDEX_VERSION: i64 = 1;

/// Rewrites the query tables of one order from its state (inside the caller's transaction).
fn index_order(tx: &rusqlite::Transaction<'_>, state: &WorkOrder) -> Result<(), FlowError> {
    tx.exec("DELETE FROM open_items WHERE order_id = ?1", params![state.id]).map_err(db)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO open_items (order_id, item, assignee, deadline, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        for open in OpenItem::of(state) {
            insert
                .execute(params![
                    state.id,
                    open.item.id,
                    open.item.assignee.to_string(),
                    open.item.deadline.map(|d| d.as_millisecond()),
                    to_json(&open)?
                ])
                .map_err(db)?;
        }
    }
    tx.exec("DELETE FROM kpi_times WHERE order_id = ?1", params![state.id]).map_err(db)?;
    match KpiFacts::of(state) {
        None => {
            tx.exec("DELETE FROM kpi_orders WHERE order_id = ?1", params![state.id]).map_err(db)?;
        }
        Some(facts) => {
            tx.prepare_cached("INSERT OR REPLACE INTO kpi_orders (order_id, body) VALUES (?1, ?2)")
                .map_err(db)?
                .execute(params![state.id, to_json(&facts)?])
                .map_err(db)?;
            let mut insert = tx
                .prepare_cached("INSERT INTO kpi_times (at, order_id) VALUES (?1, ?2)")
                .map_err(db)?;
            for t in facts.times() {
                insert.execute(params![t.as_millisecond(), state.id]).map_err(db)?;
            }
        }
    }
    Ok(())
}

/// A store in one SQLite file (bundled SQLite: no system library needed), in WAL mode with full
/// synchronous writes, so that an acknowledged command survives a crash. Several processes may
/// open the same file: writes are serialised by SQLite's lock (`BEGIN IMMEDIATE`) and a writer
/// that finds the order moved on gets [`FlowError::Conflict`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

fn db(e: rusqlite::Error) -> FlowError {
    FlowError::store("SQLite", e)
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

impl SqliteStore {
    /// Opens (creating if needed) the store in `path`.
    ///
    /// # Errors
    ///
    /// [`FlowError::Store`] when the file cannot be opened or is not a store.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, FlowError> {
        let conn = Connection::open(path).map_err(db)?;
        SqliteStore::init(conn)
    }

    /// A private in-memory database (for tests).
    ///
    /// # Errors
    ///
    /// [`FlowError::Store`] when SQLite fails.
    pub fn in_memory() -> Result<SqliteStore, FlowError> {
        SqliteStore::init(Connection::open_in_memory().map_err(db)?)
    }

    fn init(conn: Connection) -> Result<SqliteStore, FlowError> {
        conn.busy_timeout(Duration::from_secs(30)).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(db)?;
        // 64 MiB of page cache instead of SQLite's 2 MiB: with a million orders the indexes an
        // append touches no longer fit in 2 MiB, and every command read its pages back from the
        // file. Change it through `connection()` where memory is tight.
        conn.pragma_update(None, "cache_size", -65_536).map_err(db)?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA).map_err(db)?;
        let mut store = SqliteStore { conn };
        store.build_index()?;
        Ok(store)
    }

    /// Builds the query tables from the logs when the file predates them (once).
    fn build_index(&mut self) -> Result<(), FlowError> {
        let version: i64 = self.conn.row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        if version >= INDEX_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let ids: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT id FROM orders").map_err(db)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)?
        };
        for id in ids {
            let events: Vec<Event> = {
                let mut stmt = tx
                    .prepare_cached("SELECT body FROM events WHERE order_id = ?1 ORDER BY seq")
                    .map_err(db)?;
                let rows = stmt.query_map(params![id], |r| r.get::<_, String>(0)).map_err(db)?;
                let bodies: Vec<String> = rows.collect::<Result<_, _>>().map_err(db)?;
                bodies.iter().map(|b| json("event", b)).collect::<Result<_, _>>()?
            };
            let state = WorkOrder::replay(&id, &events)?;
            index_order(&tx, &state)?;
        }
        tx.pragma_update(None, "user_version", INDEX_VERSION).map_err(db)?;
        tx.commit().map_err(db)
    }

    /// The underlying connection, for inspection and tools (bypasses every check).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl Store for SqliteStore {
    fn put_definition(&mut self, def: &Definition) -> Result<bool, FlowError> {
        let body = to_json(def)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let existing: Option<String> = tx
            .row(
                "SELECT body FROM definitions WHERE name = ?1 AND version = ?2",
                params![def.name, def.version],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if let Some(existing) = existing {
            let existing: Definition = json("definition", &existing)?;
            return if &existing == def {
                Ok(false)
            } else {
                Err(FlowError::DefinitionExists { name: def.name.clone(), version: def.version })
            };
        }
        tx.exec(
            "INSERT INTO definitions (name, version, body) VALUES (?1, ?2, ?3)",
            params![def.name, def.version, body],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(true)
    }

    fn definition(
        &mut self,
        name: &str,
        version: Option<u32>,
    ) -> Result<Option<Definition>, FlowError> {
        let body: Option<String> = match version {
            Some(v) => self.conn.row(
                "SELECT body FROM definitions WHERE name = ?1 AND version = ?2",
                params![name, v],
                |r| r.get(0),
            ),
            None => self.conn.row(
                "SELECT body FROM definitions WHERE name = ?1 ORDER BY version DESC LIMIT 1",
                params![name],
                |r| r.get(0),
            ),
        }
        .optional()
        .map_err(db)?;
        body.map(|b| json("definition", &b)).transpose()
    }

    fn definitions(&mut self) -> Result<Vec<(String, u32)>, FlowError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, version FROM definitions ORDER BY name, version")
            .map_err(db)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn allocate_order_number(&mut self) -> Result<u64, FlowError> {
        self.conn.exec("INSERT INTO order_numbers (at) VALUES (NULL)", []).map_err(db)?;
        Ok(u(self.conn.last_insert_rowid()))
    }

    fn append(
        &mut self,
        order: &str,
        expected: u64,
        events: &[Event],
        key: Option<&str>,
        state: &WorkOrder,
    ) -> Result<Appended, FlowError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        if let Some(k) = key {
            let receipt = tx
                .row(
                    "SELECT order_id, from_version, version FROM receipts WHERE key = ?1",
                    params![k],
                    |r| {
                        Ok(Receipt {
                            order: r.get(0)?,
                            from_version: u(r.get(1)?),
                            version: u(r.get(2)?),
                        })
                    },
                )
                .optional()
                .map_err(db)?;
            if let Some(receipt) = receipt {
                return Ok(Appended::Duplicate(receipt));
            }
        }
        let actual: Option<i64> = tx
            .row("SELECT version FROM orders WHERE id = ?1", params![order], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let actual = actual.map_or(0, u);
        if actual != expected {
            return Err(FlowError::Conflict { order: order.to_owned(), expected, actual });
        }
        let version = expected + events.len() as u64;
        let due = state.next_due().map(|t| t.as_millisecond());
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO events (order_id, seq, body) VALUES (?1, ?2, ?3)")
                .map_err(db)?;
            for event in events {
                insert.execute(params![order, i(event.seq), to_json(event)?]).map_err(db)?;
            }
        }
        if expected == 0 {
            let created: i64 = tx
                .row("SELECT COALESCE(MAX(created), 0) + 1 FROM orders", [], |r| r.get(0))
                .map_err(db)?;
            tx.exec(
                "INSERT INTO orders (id, version, next_due, created) VALUES (?1, ?2, ?3, ?4)",
                params![order, i(version), due, created],
            )
            .map_err(db)?;
        } else {
            tx.exec(
                "UPDATE orders SET version = ?2, next_due = ?3 WHERE id = ?1",
                params![order, i(version), due],
            )
            .map_err(db)?;
        }
        index_order(&tx, state)?;
        if let Some(k) = key {
            tx.exec(
                "INSERT INTO receipts (key, order_id, from_version, version) VALUES (?1, ?2, ?3, ?4)",
                params![k, order, i(expected), i(version)],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(Appended::Written)
    }

    fn open_items(&mut self, assignees: &[Assignee]) -> Result<Vec<OpenItem>, FlowError> {
        let mut out = Vec::new();
        let mut read = |stmt: &mut rusqlite::Statement<'_>, p: &[&dyn rusqlite::ToSql]| {
            let rows = stmt.query_map(p, |r| r.get::<_, String>(0)).map_err(db)?;
            for body in rows {
                out.push(json::<OpenItem>("open item", &body.map_err(db)?)?);
            }
            Ok::<(), FlowError>(())
        };
        if assignees.is_empty() {
            let mut stmt = self.conn.prepare_cached("SELECT body FROM open_items").map_err(db)?;
            read(&mut stmt, &[])?;
        } else {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT body FROM open_items WHERE assignee = ?1")
                .map_err(db)?;
            for a in assignees {
                read(&mut stmt, &[&a.to_string()])?;
            }
        }
        Ok(out)
    }

    fn open_items_page(
        &mut self,
        assignees: &[Assignee],
        after: Option<&WorkCursor>,
        limit: usize,
    ) -> Result<Vec<OpenItem>, FlowError> {
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        // Each assignee's page comes off the (assignee, deadline) index in list order (the index
        // carries the primary key, order and item, after the deadline); pages of several
        // assignees are merged. Items with a deadline come first, then those without.
        let (ms, order, item) = match after {
            Some(c) => (c.deadline.map(|d| d.as_millisecond()), c.order.as_str(), c.item),
            None => (Some(i64::MIN), "", 0),
        };
        super::merged_pages(assignees, limit, |name, out| {
            // Two statements each, so that the one for an assignee is planned on its index.
            // ?1 the assignee (NULL: anyone), then the cursor, then the limit.
            let who = if name.is_some() { "assignee = ?1" } else { "?1 IS NULL" };
            let mut got = 0usize;
            if let Some(ms) = ms {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT body FROM open_items WHERE {who} \
                         AND deadline IS NOT NULL AND (deadline, order_id, item) > (?2, ?3, ?4) \
                         ORDER BY deadline, order_id, item LIMIT ?5"
                    ))
                    .map_err(db)?;
                let rows = stmt
                    .query_map(params![name, ms, order, item, limit_sql], |r| r.get::<_, String>(0))
                    .map_err(db)?;
                for body in rows {
                    out.push(json::<OpenItem>("open item", &body.map_err(db)?)?);
                    got += 1;
                }
            }
            if got < limit {
                let (order, item) = if ms.is_some() { ("", 0) } else { (order, item) };
                let rest = i64::try_from(limit - got).unwrap_or(i64::MAX);
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT body FROM open_items WHERE {who} \
                         AND deadline IS NULL AND (order_id, item) > (?2, ?3) \
                         ORDER BY order_id, item LIMIT ?4"
                    ))
                    .map_err(db)?;
                let rows = stmt
                    .query_map(params![name, order, item, rest], |r| r.get::<_, String>(0))
                    .map_err(db)?;
                for body in rows {
                    out.push(json::<OpenItem>("open item", &body.map_err(db)?)?);
                }
            }
            Ok(())
        })
    }

    fn kpi_facts(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<KpiFacts>, FlowError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT body FROM kpi_orders WHERE order_id IN \
                 (SELECT order_id FROM kpi_times WHERE at >= ?1 AND at < ?2) ORDER BY order_id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![from.as_millisecond(), to.as_millisecond()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for body in rows {
            out.push(json::<KpiFacts>("KPI facts", &body.map_err(db)?)?);
        }
        Ok(out)
    }

    fn receipt(&mut self, key: &str) -> Result<Option<Receipt>, FlowError> {
        self.conn
            .row(
                "SELECT order_id, from_version, version FROM receipts WHERE key = ?1",
                params![key],
                |r| {
                    Ok(Receipt {
                        order: r.get(0)?,
                        from_version: u(r.get(1)?),
                        version: u(r.get(2)?),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn events(&mut self, order: &str, after: u64) -> Result<Vec<Event>, FlowError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM events WHERE order_id = ?1 AND seq > ?2 ORDER BY seq")
            .map_err(db)?;
        let rows =
            stmt.query_map(params![order, i(after)], |r| r.get::<_, String>(0)).map_err(db)?;
        let mut out = Vec::new();
        for body in rows {
            out.push(json("event", &body.map_err(db)?)?);
        }
        Ok(out)
    }

    fn version(&mut self, order: &str) -> Result<Option<u64>, FlowError> {
        let v: Option<i64> = self
            .conn
            .row("SELECT version FROM orders WHERE id = ?1", params![order], |r| r.get(0))
            .optional()
            .map_err(db)?;
        Ok(v.map(u))
    }

    fn snapshot(&mut self, order: &str) -> Result<Option<Snapshot>, FlowError> {
        let body: Option<String> = self
            .conn
            .row("SELECT body FROM snapshots WHERE order_id = ?1", params![order], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| json("snapshot", &b)).transpose()
    }

    fn put_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), FlowError> {
        self.conn
            .exec(
                "INSERT INTO snapshots (order_id, version, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, body = excluded.body
                 WHERE excluded.version > snapshots.version",
                params![snapshot.state.id, i(snapshot.state.version), to_json(snapshot)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn orders(&mut self) -> Result<Vec<String>, FlowError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id FROM orders ORDER BY created").map_err(db)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>, FlowError> {
        let ms: Option<i64> =
            self.conn.row("SELECT min(next_due) FROM orders", [], |r| r.get(0)).map_err(db)?;
        ms.map(|ms| {
            Timestamp::from_millisecond(ms).map_err(|e| FlowError::store("corrupt next_due", e))
        })
        .transpose()
    }

    fn due(&mut self, now: Timestamp) -> Result<Vec<String>, FlowError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM orders WHERE next_due IS NOT NULL AND next_due <= ?1 ORDER BY next_due")
            .map_err(db)?;
        let rows = stmt.query_map(params![now.as_millisecond()], |r| r.get(0)).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }
}
