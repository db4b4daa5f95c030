//! The store thread: owns the SQLite connection (`<data_dir>/hotline.db`). CDR rows and agent
//! state changes arrive over a channel and are written in batched transactions (everything
//! waiting when the thread wakes goes into one). Queries from the API are answered on the same
//! thread, after the writes queued before them.
//!
//! Durability: a row is on disk when its batch commits (WAL mode, `synchronous = NORMAL`); a crash
//! loses at most the batch being written, never a committed row.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::metrics::Metrics;

/// One call detail record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cdr {
    /// The server's call number.
    pub call: u64,
    /// When the INVITE arrived (RFC 3339).
    pub started: String,
    /// The caller (From user part).
    pub caller: String,
    /// The number dialled.
    pub dialled: String,
    /// The IVR nodes visited, `>`-separated.
    pub ivr_path: String,
    /// The keys the caller pressed.
    pub ivr_inputs: String,
    /// The queue, if the call was queued.
    pub queue: String,
    /// Seconds in the queue.
    pub wait_s: f64,
    /// The agent who answered.
    pub agent: String,
    /// Seconds the answering agent's phone rang.
    pub ring_s: f64,
    /// Seconds caller and agent talked.
    pub talk_s: f64,
    /// The wrap-up the agent's queue grants, in seconds.
    pub wrap_up_s: f64,
    /// `answered`, `abandoned-in-ivr`, `abandoned-in-queue`, `abandoned-ringing`, `ivr-ended`,
    /// `queue-exit`, `rejected`, `shutdown`.
    pub outcome: String,
    /// The recording's file name under `<data_dir>/recordings`.
    pub recording: String,
    /// The caller leg's Call-ID.
    pub caller_call_id: String,
    /// The answering agent leg's Call-ID.
    pub agent_call_id: String,
    /// Caller leg: packets lost (%), and MOS (E-model).
    pub caller_loss_pct: f64,
    /// Caller leg MOS.
    pub caller_mos: f64,
    /// Agent leg: packets lost (%).
    pub agent_loss_pct: f64,
    /// Agent leg MOS.
    pub agent_mos: f64,
    /// The post-call survey score.
    pub survey: Option<u8>,
}

/// CDR columns, in order (also the CSV header).
pub const CDR_COLUMNS: &[&str] = &[
    "call",
    "started",
    "caller",
    "dialled",
    "ivr_path",
    "ivr_inputs",
    "queue",
    "wait_s",
    "agent",
    "ring_s",
    "talk_s",
    "wrap_up_s",
    "outcome",
    "recording",
    "caller_call_id",
    "agent_call_id",
    "caller_loss_pct",
    "caller_mos",
    "agent_loss_pct",
    "agent_mos",
    "survey",
];

/// Filters of a CDR query (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdrFilter {
    /// Rows started at or after (RFC 3339 prefix compare).
    pub from: Option<String>,
    /// Rows started before.
    pub to: Option<String>,
    /// One agent.
    pub agent: Option<String>,
    /// One queue.
    pub queue: Option<String>,
    /// One caller.
    pub caller: Option<String>,
    /// One outcome.
    pub outcome: Option<String>,
    /// At most this many rows (newest first; default 1,000, at most 100,000).
    pub limit: Option<u32>,
}

/// What the store thread is asked.
#[derive(Debug)]
pub enum StoreCommand {
    /// Append a CDR row.
    Cdr(Box<Cdr>),
    /// Append an agent state change.
    AgentState {
        /// When.
        at: String,
        /// Who.
        agent: String,
        /// The new state (as the ACD names it).
        state: String,
    },
    /// Query CDR rows.
    Query {
        /// The filters.
        filter: CdrFilter,
        /// The rows.
        reply: oneshot::Sender<Result<Vec<Cdr>, String>>,
    },
    /// Stop after writing everything queued.
    Stop(oneshot::Sender<()>),
}

/// Opens (creating) the database and starts the thread.
///
/// # Errors
///
/// When the file cannot be opened or its schema created.
pub fn start(
    dir: &Path,
    metrics: Arc<Metrics>,
) -> Result<std::sync::mpsc::Sender<StoreCommand>, String> {
    let path = dir.join("hotline.db");
    let conn = Connection::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    conn.execute_batch(SCHEMA).map_err(|e| format!("{}: {e}", path.display()))?;
    let (tx, rx) = std::sync::mpsc::channel::<StoreCommand>();
    std::thread::Builder::new()
        .name("store".into())
        .spawn(move || run(conn, rx, &metrics))
        .map_err(|e| e.to_string())?;
    Ok(tx)
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS cdr (
  call INTEGER NOT NULL, started TEXT NOT NULL, caller TEXT NOT NULL, dialled TEXT NOT NULL,
  ivr_path TEXT NOT NULL, ivr_inputs TEXT NOT NULL, queue TEXT NOT NULL, wait_s REAL NOT NULL,
  agent TEXT NOT NULL, ring_s REAL NOT NULL, talk_s REAL NOT NULL, wrap_up_s REAL NOT NULL,
  outcome TEXT NOT NULL, recording TEXT NOT NULL, caller_call_id TEXT NOT NULL,
  agent_call_id TEXT NOT NULL, caller_loss_pct REAL NOT NULL, caller_mos REAL NOT NULL,
  agent_loss_pct REAL NOT NULL, agent_mos REAL NOT NULL, survey INTEGER
);
CREATE INDEX IF NOT EXISTS cdr_started ON cdr(started);
CREATE TABLE IF NOT EXISTS agent_state (at TEXT NOT NULL, agent TEXT NOT NULL, state TEXT NOT NULL);
";

fn run(mut conn: Connection, rx: std::sync::mpsc::Receiver<StoreCommand>, metrics: &Metrics) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut after = Vec::new();
        let written = conn.transaction().and_then(|tx| {
            for cmd in batch {
                match cmd {
                    StoreCommand::Cdr(c) => {
                        insert(&tx, &c)?;
                        metrics.cdr_rows.fetch_add(1, Ordering::Relaxed);
                    }
                    StoreCommand::AgentState { at, agent, state } => {
                        tx.execute(
                            "INSERT INTO agent_state (at, agent, state) VALUES (?1, ?2, ?3)",
                            params![at, agent, state],
                        )?;
                    }
                    other => after.push(other),
                }
            }
            tx.commit()
        });
        if let Err(e) = written {
            tracing::error!("store: a batch was not written: {e}");
        }
        for cmd in after {
            match cmd {
                StoreCommand::Query { filter, reply } => {
                    let _ = reply.send(query(&conn, &filter).map_err(|e| e.to_string()));
                }
                StoreCommand::Stop(done) => {
                    let _ = done.send(());
                    return;
                }
                _ => {}
            }
        }
    }
}

fn insert(tx: &rusqlite::Transaction<'_>, c: &Cdr) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO cdr VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)",
        params![
            c.call as i64, c.started, c.caller, c.dialled, c.ivr_path, c.ivr_inputs, c.queue,
            c.wait_s, c.agent, c.ring_s, c.talk_s, c.wrap_up_s, c.outcome, c.recording,
            c.caller_call_id, c.agent_call_id, c.caller_loss_pct, c.caller_mos, c.agent_loss_pct,
            c.agent_mos, c.survey
        ],
    )
}

fn query(conn: &Connection, f: &CdrFilter) -> rusqlite::Result<Vec<Cdr>> {
    let mut sql = format!("SELECT {} FROM cdr WHERE 1=1", CDR_COLUMNS.join(","));
    let mut args: Vec<String> = Vec::new();
    for (cond, value) in [
        ("started >= ?", &f.from),
        ("started < ?", &f.to),
        ("agent = ?", &f.agent),
        ("queue = ?", &f.queue),
        ("caller = ?", &f.caller),
        ("outcome = ?", &f.outcome),
    ] {
        if let Some(v) = value {
            sql.push_str(" AND ");
            sql.push_str(cond);
            args.push(v.clone());
        }
    }
    let limit = f.limit.unwrap_or(1000).min(100_000);
    sql.push_str(&format!(" ORDER BY started DESC, call DESC LIMIT {limit}"));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok(Cdr {
            call: r.get::<_, i64>(0)? as u64,
            started: r.get(1)?,
            caller: r.get(2)?,
            dialled: r.get(3)?,
            ivr_path: r.get(4)?,
            ivr_inputs: r.get(5)?,
            queue: r.get(6)?,
            wait_s: r.get(7)?,
            agent: r.get(8)?,
            ring_s: r.get(9)?,
            talk_s: r.get(10)?,
            wrap_up_s: r.get(11)?,
            outcome: r.get(12)?,
            recording: r.get(13)?,
            caller_call_id: r.get(14)?,
            agent_call_id: r.get(15)?,
            caller_loss_pct: r.get(16)?,
            caller_mos: r.get(17)?,
            agent_loss_pct: r.get(18)?,
            agent_mos: r.get(19)?,
            survey: r.get(20)?,
        })
    })?;
    rows.collect()
}

/// `rows` as CSV (RFC 4180: fields with a comma, quote or line break are quoted).
pub fn to_csv(rows: &[Cdr]) -> String {
    let mut out = CDR_COLUMNS.join(",");
    out.push_str("\r\n");
    for c in rows {
        let fields: [String; 21] = [
            c.call.to_string(),
            c.started.clone(),
            c.caller.clone(),
            c.dialled.clone(),
            c.ivr_path.clone(),
            c.ivr_inputs.clone(),
            c.queue.clone(),
            format!("{:.3}", c.wait_s),
            c.agent.clone(),
            format!("{:.3}", c.ring_s),
            format!("{:.3}", c.talk_s),
            format!("{:.0}", c.wrap_up_s),
            c.outcome.clone(),
            c.recording.clone(),
            c.caller_call_id.clone(),
            c.agent_call_id.clone(),
            format!("{:.2}", c.caller_loss_pct),
            format!("{:.2}", c.caller_mos),
            format!("{:.2}", c.agent_loss_pct),
            format!("{:.2}", c.agent_mos),
            c.survey.map(|s| s.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let tx = start(dir.path(), Arc::default()).unwrap();
        for (i, agent) in ["1001", "1002", "1001"].iter().enumerate() {
            let cdr = Cdr {
                call: i as u64,
                started: format!("2026-12-07T10:0{i}:00Z"),
                agent: (*agent).to_owned(),
                caller: "a,\"b\"".into(),
                outcome: "answered".into(),
                ..Cdr::default()
            };
            tx.send(StoreCommand::Cdr(Box::new(cdr))).unwrap();
        }
        let (reply, rx) = oneshot::channel();
        let filter = CdrFilter { agent: Some("1001".into()), ..CdrFilter::default() };
        tx.send(StoreCommand::Query { filter, reply }).unwrap();
        let rows = rx.blocking_recv().unwrap().unwrap();
        assert_eq!(rows.iter().map(|r| r.call).collect::<Vec<_>>(), [2, 0]);
        let csv = to_csv(&rows);
        assert!(csv.contains("\"a,\"\"b\"\"\""), "{csv}");
        assert_eq!(csv.lines().count(), 3);
    }
}
