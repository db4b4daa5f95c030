//! Queries: work lists (待办), near-due and overdue lists, and KPIs per department.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::{OpenItem, Store};
use crate::{Assignee, BusinessClock, Engine, FlowError, Handling, Phase};

/// Which open items a work list shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkFilter {
    /// Items for any of these assignees (a person's list: the person, their roles and their
    /// department). Empty: everyone's.
    #[serde(default)]
    pub assignees: Vec<Assignee>,
    /// Only items of this phase.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// Only orders of this category.
    #[serde(default)]
    pub category: Option<String>,
    /// Only orders of this definition.
    #[serde(default)]
    pub definition: Option<String>,
    /// Only items past their deadline.
    #[serde(default)]
    pub overdue: bool,
    /// Only items due within this much business time (near-due), not yet overdue.
    #[serde(default)]
    pub due_within: Option<Duration>,
    /// At most this many entries: one page of the list. `None`: the whole list.
    ///
    /// A department of a large line can have thousands of open items; a screen shows a page.
    /// With a limit the store reads the page through its index instead of every open item.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only entries after this one: the next page starts after the last entry of the previous
    /// one ([`WorkEntry::cursor`]). An item that closed in between does not disturb the paging.
    #[serde(default)]
    pub after: Option<WorkCursor>,
}

/// A place in a work list: the list is ordered by deadline (soonest first, to the millisecond;
/// items without a deadline last), then by order id and item, and a cursor names the entry a
/// page ends on. Two cursors are equal when they name the same place in the list (deadlines
/// equal to the millisecond), as their order says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkCursor {
    /// The entry's deadline.
    pub deadline: Option<Timestamp>,
    /// The entry's order.
    pub order: String,
    /// The entry's item.
    pub item: u32,
}

impl WorkCursor {
    /// The sort key: stores keep deadlines in milliseconds, so the list orders by those.
    fn key(&self) -> (bool, i64, &str, u32) {
        (
            self.deadline.is_none(),
            self.deadline.map_or(0, |d| d.as_millisecond()),
            &self.order,
            self.item,
        )
    }

    /// Whether `self` comes before `other` in a work list.
    pub fn is_before(&self, other: &WorkCursor) -> bool {
        self < other
    }
}

impl PartialEq for WorkCursor {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for WorkCursor {}

impl Ord for WorkCursor {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for WorkCursor {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One line of a work list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkEntry {
    /// The order.
    pub order: String,
    /// The item.
    pub item: u32,
    /// The task node.
    pub node: String,
    /// The phase.
    pub phase: Option<Phase>,
    /// Who it is for.
    pub assignee: Assignee,
    /// The order's category.
    pub category: Option<String>,
    /// When the item was opened.
    pub opened_at: Timestamp,
    /// When it is due.
    pub deadline: Option<Timestamp>,
    /// Business time left until the deadline (zero when overdue).
    pub remaining_secs: Option<u64>,
    /// Past its deadline.
    pub overdue: bool,
    /// The order is paused (waiting on the caller).
    pub paused: bool,
}

impl WorkEntry {
    /// This entry's place in the list: pass it as [`WorkFilter::after`] for the next page.
    pub fn cursor(&self) -> WorkCursor {
        WorkCursor { deadline: self.deadline, order: self.order.clone(), item: self.item }
    }
}

/// KPIs of one department (or of all, `department = "*"`) for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentKpi {
    /// The department that answered (`*` for the total).
    pub department: String,
    /// Orders whose handling finished in the period.
    pub handled: u32,
    /// Of those, finished by their deadline.
    pub on_time: u32,
    /// 按期办结率: `on_time / handled`.
    pub on_time_rate: Option<f64>,
    /// Mean handling time (first dispatch to answer, pauses excluded) in business hours of the
    /// department's calendar.
    pub mean_handling_hours: Option<f64>,
    /// Transfers the department made in the period (an act counts against the department whose
    /// item it moved on, not the one that answered later).
    pub transfers: u32,
    /// Returns the department made in the period.
    pub returns: u32,
    /// `transfers / handled`.
    pub transfers_per_order: Option<f64>,
    /// `returns / handled`.
    pub returns_per_order: Option<f64>,
    /// Handled orders with a follow-up score.
    pub rated: u32,
    /// Of those, scored at or above the definition's `satisfied_at`.
    pub satisfied: u32,
    /// Satisfaction rate: `satisfied / rated`.
    pub satisfaction_rate: Option<f64>,
    /// Handled orders that had been reopened at least once.
    pub reopened: u32,
    /// Reopen rate: `reopened / handled`.
    pub reopen_rate: Option<f64>,
}

fn ratio(a: f64, b: u32) -> Option<f64> {
    (b > 0).then(|| a / f64::from(b))
}

#[derive(Default)]
struct Acc {
    handled: u32,
    on_time: u32,
    handling: Duration,
    timed: u32,
    transfers: u32,
    returns: u32,
    rated: u32,
    satisfied: u32,
    reopened: u32,
}

impl Acc {
    fn finish(self, department: String) -> DepartmentKpi {
        DepartmentKpi {
            department,
            handled: self.handled,
            on_time: self.on_time,
            on_time_rate: ratio(f64::from(self.on_time), self.handled),
            transfers: self.transfers,
            returns: self.returns,
            mean_handling_hours: ratio(self.handling.as_secs_f64() / 3600.0, self.timed),
            transfers_per_order: ratio(f64::from(self.transfers), self.handled),
            returns_per_order: ratio(f64::from(self.returns), self.handled),
            rated: self.rated,
            satisfied: self.satisfied,
            satisfaction_rate: ratio(f64::from(self.satisfied), self.rated),
            reopened: self.reopened,
            reopen_rate: ratio(f64::from(self.reopened), self.handled),
        }
    }
}

impl<S: Store> Engine<S> {
    /// The open items matching `filter` at `now`, soonest deadline first.
    ///
    /// Reads the store's index of open items (by assignee), not the orders: the cost grows with
    /// the open items listed, not with the orders kept.
    ///
    /// # Errors
    ///
    /// Store errors.
    pub fn worklist(
        &mut self,
        filter: &WorkFilter,
        now: Timestamp,
    ) -> Result<Vec<WorkEntry>, FlowError> {
        let Some(limit) = filter.limit else {
            let open = self.store().open_items(&filter.assignees)?;
            let mut out = Vec::new();
            for entry in open {
                self.push_entry(filter, now, entry, &mut out)?;
            }
            out.sort_by_cached_key(WorkEntry::cursor);
            if let Some(after) = &filter.after {
                out.retain(|e| after.is_before(&e.cursor()));
            }
            return Ok(out);
        };
        // Pages of the store's index until the filters have let `limit` entries through.
        let chunk = limit.clamp(16, 1000);
        let mut out = Vec::new();
        let mut cursor = filter.after.clone();
        while out.len() < limit {
            let page = self.store().open_items_page(&filter.assignees, cursor.as_ref(), chunk)?;
            let full = page.len() == chunk;
            cursor = page.last().map(OpenItem::cursor).or(cursor);
            for entry in page {
                self.push_entry(filter, now, entry, &mut out)?;
                if out.len() == limit {
                    break;
                }
            }
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// Adds `entry` to `out` when it passes `filter`'s other conditions.
    fn push_entry(
        &mut self,
        filter: &WorkFilter,
        now: Timestamp,
        entry: OpenItem,
        out: &mut Vec<WorkEntry>,
    ) -> Result<(), FlowError> {
        let item = &entry.item;
        if filter.definition.as_ref().is_some_and(|d| d != &entry.definition) {
            return Ok(());
        }
        if filter.category.is_some() && filter.category != entry.category {
            return Ok(());
        }
        if filter.phase.is_some() && filter.phase != item.phase {
            return Ok(());
        }
        let overdue = item.deadline.is_some_and(|d| d <= now);
        if filter.overdue && !overdue {
            return Ok(());
        }
        let def = self.definition(&entry.definition, Some(entry.definition_version))?;
        let clock = self.calendars().for_definition(&def, item.assignee.department())?;
        let remaining = item.deadline.map(|d| clock.elapsed(now, d));
        if let Some(within) = filter.due_within
            && (overdue || remaining.is_none_or(|r| r > within))
        {
            return Ok(());
        }
        out.push(WorkEntry {
            order: entry.order.clone(),
            item: item.id,
            node: item.node.clone(),
            phase: item.phase,
            assignee: item.assignee.clone(),
            category: entry.category.clone(),
            opened_at: item.opened_at,
            deadline: item.deadline,
            remaining_secs: remaining.map(|r| r.as_secs()),
            overdue,
            paused: entry.paused,
        });
        Ok(())
    }

    /// KPIs per department for `[from, to)`, with a total row (`*`) first, from the store's
    /// KPI index (only the orders with something in the period are read).
    ///
    /// Handling figures count orders whose handling finished in the period: each order once, for
    /// its last handling round that ended in the period (a reopened order is handled again in a
    /// new round), under the department that answered; its satisfaction is the latest follow-up
    /// score. Transfers and returns count the acts made in the period, each under the department
    /// that made it (so a department that only returned orders has a row too).
    ///
    /// # Errors
    ///
    /// Store errors.
    pub fn kpi(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<DepartmentKpi>, FlowError> {
        let orders = self.store().kpi_facts(from, to)?;
        let mut by_department: BTreeMap<String, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for order in &orders {
            // The order's last handling round that ended in the period.
            let Some(round) =
                order.handlings.iter().rev().find(|h| h.handled_at >= from && h.handled_at < to)
            else {
                continue;
            };
            let def = self.definition(&order.definition, Some(order.definition_version))?;
            let department = round.department.clone().unwrap_or_else(|| "(none)".to_owned());
            let clock = self.calendars().for_definition(&def, Some(&department))?;
            let handling = handling_time(&*clock, &order.pauses, round);
            let satisfied_at = def.satisfied_at;
            for acc in [by_department.entry(department).or_default(), &mut total] {
                acc.handled += 1;
                acc.on_time += u32::from(round.on_time() == Some(true));
                if let Some(h) = handling {
                    acc.handling += h;
                    acc.timed += 1;
                }
                if let Some(s) = order.satisfaction {
                    acc.rated += 1;
                    acc.satisfied += u32::from(s >= satisfied_at);
                }
                acc.reopened += u32::from(order.reopened);
            }
        }
        for order in &orders {
            for act in order.acts.iter().filter(|a| a.at >= from && a.at < to) {
                let department = act.department.clone().unwrap_or_else(|| "(none)".to_owned());
                for acc in [by_department.entry(department).or_default(), &mut total] {
                    match act.command.as_str() {
                        "transfer" => acc.transfers += 1,
                        _ => acc.returns += 1,
                    }
                }
            }
        }
        let mut out = vec![total.finish("*".to_owned())];
        out.extend(by_department.into_iter().map(|(d, acc)| acc.finish(d)));
        Ok(out)
    }
}

fn handling_time(
    clock: &dyn BusinessClock,
    pauses: &[(Timestamp, Timestamp)],
    round: &Handling,
) -> Option<Duration> {
    let start = round.started_at?;
    let end = round.handled_at;
    let gross = clock.elapsed(start, end);
    let paused: Duration =
        pauses.iter().map(|(a, b)| clock.elapsed((*a).max(start), (*b).min(end))).sum();
    Some(gross.saturating_sub(paused))
}
