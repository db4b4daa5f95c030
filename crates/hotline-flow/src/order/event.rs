//! The log: changes, sealed events and the SHA-256 hash chain over them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::FlowError;
use crate::condition::Vars;

use super::{Assignee, Command, Notification, ParentLink, Request, Timer, WorkItem};

/// One fact in a work order's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The order was created from a definition version.
    Created {
        /// Definition name.
        definition: String,
        /// Definition version (the order is pinned to it).
        version: u32,
        /// Initial variables.
        vars: Vars,
        /// The parent, for a subprocess's child.
        parent: Option<ParentLink>,
    },
    /// A command was accepted: who, when and why are in the event. Counted by name.
    Command(Command),
    /// Variables set.
    VarsSet {
        /// The variables.
        vars: Vars,
    },
    /// A token was created at, or moved to, a node.
    TokenAt {
        /// The token.
        token: u32,
        /// The node.
        node: String,
    },
    /// A token ended.
    TokenGone {
        /// The token.
        token: u32,
    },
    /// A work item was opened.
    ItemOpened(WorkItem),
    /// A work item was done.
    ItemDone {
        /// The item.
        item: u32,
        /// The answer or outcome.
        outcome: Option<String>,
    },
    /// A work item was cancelled.
    ItemCancelled {
        /// The item.
        item: u32,
    },
    /// A work item passed to another assignee (transfer).
    ItemReassigned {
        /// The item.
        item: u32,
        /// The new assignee.
        to: Assignee,
    },
    /// A work item became the lead of its task.
    ItemLead {
        /// The item.
        item: u32,
    },
    /// A work item's deadline moved (extension, resume).
    ItemDeadline {
        /// The item.
        item: u32,
        /// The new deadline.
        deadline: Option<Timestamp>,
    },
    /// A warning was sent for an item.
    ItemWarned {
        /// The item.
        item: u32,
        /// Index into `warn_at`.
        index: u32,
    },
    /// An item's deadline passed.
    ItemOverdue {
        /// The item.
        item: u32,
    },
    /// A reminder was sent for an overdue item.
    ItemReminded {
        /// The item.
        item: u32,
    },
    /// A timer was set.
    TimerSet(Timer),
    /// A timer fired or was cancelled.
    TimerDone {
        /// The timer.
        timer: u32,
        /// Fired (true) or cancelled (false).
        fired: bool,
    },
    /// A parallel node started branches that meet at `join`.
    JoinArmed {
        /// The join node.
        join: String,
        /// How many branches.
        count: u32,
    },
    /// A branch reached a join.
    JoinArrived {
        /// The join node.
        join: String,
    },
    /// A request was made.
    RequestOpened(Request),
    /// A request was decided.
    RequestDecided {
        /// The request.
        request: u32,
        /// Approved or not.
        approved: bool,
    },
    /// The order's handling deadline (办理时限) was set or moved.
    OrderDeadline {
        /// The deadline.
        deadline: Option<Timestamp>,
    },
    /// The handling department changed.
    Department {
        /// The department.
        department: String,
    },
    /// Handling finished (the handle task completed).
    Handled {
        /// The department that answered.
        department: Option<String>,
    },
    /// The clock stopped (waiting on the caller).
    Paused,
    /// The clock restarted.
    Resumed,
    /// The order was reopened (重办): counted, handling starts again with a new deadline.
    Reopened,
    /// Someone was told something.
    Notified(Notification),
    /// A subprocess node asked for a child order.
    ChildRequested {
        /// The waiting token.
        token: u32,
        /// The process to start.
        process: String,
    },
    /// The child order was started.
    ChildStarted {
        /// The waiting token.
        token: u32,
        /// The child order.
        child: String,
    },
    /// The child's result arrived; the waiting token moves on.
    ChildFinished {
        /// The token.
        token: u32,
    },
    /// This child order's parent has been told it finished.
    ParentNotified,
    /// No branch is left: the order is finished.
    Finished,
    /// The department that made the transfer or return of this event's command (the assignee of
    /// the item it acted on), so that KPIs count the act against it. Logs written before this
    /// change existed attribute the act to the order's handling department at the time.
    ActedBy {
        /// The department.
        department: String,
    },
}

/// One sealed entry of a work order's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based position in the order's log; the order's version after this event.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: String,
    /// Why (from the command).
    #[serde(default)]
    pub reason: Option<String>,
    /// The idempotency key of the command that produced it.
    #[serde(default)]
    pub key: Option<String>,
    /// The fact.
    pub change: Change,
    /// The hash of the previous event (or of the order id for the first).
    pub prev: String,
    /// SHA-256 over this event's content and `prev`, in the encoding of `hash_version`.
    pub hash: String,
    /// How `hash` was computed: 1 for events written before hotline-flow 0.2's canonical
    /// encoding (the JSON of the sealed fields; read so that old logs still verify), 2 for the
    /// canonical encoding ([`Event::canonical_bytes`]). New events are always version 2, and a
    /// chain never goes back from 2 to 1.
    #[serde(default = "hash_version_1")]
    pub hash_version: u8,
}

fn hash_version_1() -> u8 {
    1
}

/// The hash version new events are sealed with.
pub const HASH_VERSION: u8 = 2;

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Appends `bytes` with its length (u64, big-endian) in front, so that no two field sequences
/// encode alike.
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            field(out, v.as_bytes());
        }
    }
}

#[derive(Serialize)]
struct Sealed<'a> {
    order: &'a str,
    seq: u64,
    at: Timestamp,
    actor: &'a str,
    reason: &'a Option<String>,
    key: &'a Option<String>,
    change: &'a Change,
    prev: &'a str,
}

/// The hash that the first event of `order` chains from.
pub fn genesis_hash(order: &str) -> String {
    sha256_hex(format!("hotline-flow order {order}").as_bytes())
}

impl Event {
    /// Builds and seals an event (hash version [`HASH_VERSION`]).
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the change cannot be encoded (a float that is not finite in
    /// its variables, for example): nothing is sealed then.
    pub fn seal(
        order: &str,
        seq: u64,
        act: (&Timestamp, &str, &Option<String>, &Option<String>),
        change: Change,
        prev: String,
    ) -> Result<Event, FlowError> {
        let (at, actor, reason, key) = act;
        let mut event = Event {
            seq,
            at: *at,
            actor: actor.to_owned(),
            reason: reason.clone(),
            key: key.clone(),
            change,
            prev,
            hash: String::new(),
            hash_version: HASH_VERSION,
        };
        event.hash = event.compute_hash(order)?;
        Ok(event)
    }

    /// The canonical, versioned encoding that hash version 2 hashes: a domain tag, then every
    /// sealed field length-prefixed in a fixed order — order id, seq (u64 big-endian), time
    /// (RFC 3339 in UTC with nanoseconds), actor, reason and key (0 for none, 1 and the text),
    /// the change as JSON (object keys sorted: every map in it is ordered), and `prev`.
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the change cannot be encoded as JSON.
    pub fn canonical_bytes(&self, order: &str) -> Result<Vec<u8>, FlowError> {
        let change = serde_json::to_vec(&self.change).map_err(|e| FlowError::Encoding {
            order: order.to_owned(),
            seq: self.seq,
            source: crate::error::Source::new(e),
        })?;
        let mut out = Vec::with_capacity(128 + change.len());
        field(&mut out, b"hotline-flow/event/v2");
        field(&mut out, order.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        field(&mut out, format!("{:.9}", self.at).as_bytes());
        field(&mut out, self.actor.as_bytes());
        optional(&mut out, self.reason.as_deref());
        optional(&mut out, self.key.as_deref());
        field(&mut out, &change);
        field(&mut out, self.prev.as_bytes());
        Ok(out)
    }

    /// The hash this event should carry, in its `hash_version`'s encoding.
    ///
    /// # Errors
    ///
    /// [`FlowError::Encoding`] when the event cannot be encoded; [`FlowError::Tampered`] for an
    /// unknown hash version.
    pub fn compute_hash(&self, order: &str) -> Result<String, FlowError> {
        match self.hash_version {
            1 => self.hash_v1(order),
            2 => Ok(sha256_hex(&self.canonical_bytes(order)?)),
            v => Err(FlowError::Tampered {
                order: order.to_owned(),
                seq: self.seq,
                message: format!("unknown hash version {v}"),
            }),
        }
    }

    /// Hash version 1: SHA-256 of the sealed fields' JSON (kept so that logs written before
    /// version 2 still verify).
    fn hash_v1(&self, order: &str) -> Result<String, FlowError> {
        let sealed = Sealed {
            order,
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            reason: &self.reason,
            key: &self.key,
            change: &self.change,
            prev: &self.prev,
        };
        let bytes = serde_json::to_vec(&sealed).map_err(|e| FlowError::Encoding {
            order: order.to_owned(),
            seq: self.seq,
            source: crate::error::Source::new(e),
        })?;
        Ok(sha256_hex(&bytes))
    }
}

/// Checks that `events` (the whole log of `order`, from seq 1) form an unbroken hash chain.
///
/// # Errors
///
/// [`FlowError::Tampered`] naming the first event that does not verify.
pub fn verify_chain(order: &str, events: &[Event]) -> Result<(), FlowError> {
    let mut prev = genesis_hash(order);
    let mut version = 1;
    for (i, event) in events.iter().enumerate() {
        let tampered = |message: &str| FlowError::Tampered {
            order: order.to_owned(),
            seq: event.seq,
            message: message.to_owned(),
        };
        if event.seq != i as u64 + 1 {
            return Err(tampered("sequence number out of place (event missing or inserted)"));
        }
        if event.prev != prev {
            return Err(tampered("does not chain to the previous event"));
        }
        if event.hash_version < version {
            return Err(tampered("hash version goes back (an old encoding after a newer one)"));
        }
        version = event.hash_version;
        if event.compute_hash(order)? != event.hash {
            return Err(tampered("content does not match its hash"));
        }
        prev.clone_from(&event.hash);
    }
    Ok(())
}
