//! Work lists, near-due and overdue lists, and KPIs per department.

mod common;

use common::{every_store, tick};
use hotline_flow::store::Store;
use hotline_flow::{Act, Assignee, Calendars, Command, Engine, Phase, Vars, WorkEntry, WorkFilter};
use jiff::Timestamp;
use serde_json::json;
use std::time::Duration;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn run<S: Store>(e: &mut Engine<S>, order: &str, c: Command, at: &str) {
    e.handle_command(t(at), order, &Act::new(c, "x").reason("because")).unwrap();
}

fn order<S: Store>(e: &mut Engine<S>, category: &str, dept: &str, at: &str) -> String {
    let data: Vars = [("category".to_owned(), json!(category))].into_iter().collect();
    let o = e.handle_start(t(at), "hotline-12345", None, data, "agent", None).unwrap().order;
    run(e, &o, Command::Accept { vars: Vars::new() }, at);
    run(e, &o, Command::Dispatch { to: dept.into() }, at);
    o
}

fn finish<S: Store>(e: &mut Engine<S>, o: &str, reply_at: &str, satisfaction: u8) {
    run(e, o, Command::Reply { text: "ok".into() }, reply_at);
    run(e, o, Command::Close, reply_at);
    let later = t(reply_at).checked_add(jiff::SignedDuration::from_hours(24 * 5)).unwrap();
    tick(e, later).unwrap();
    e.handle_command(
        later,
        o,
        &Act::new(Command::FollowUp { satisfaction, comment: String::new() }, "c"),
    )
    .unwrap();
}

// The same tests on every store (memory, SQLite, PostgreSQL).
every_store!(
    work_lists_filter_by_assignee_phase_and_deadline,
    kpis_per_department,
    work_list_pages_are_the_whole_list_in_order
);

fn work_lists_filter_by_assignee_phase_and_deadline<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    let a = order(&mut e, "consultation", "Water", "2026-03-02T10:00:00+08:00"); // due Thu 5th 10:00
    let b = order(&mut e, "complaint", "Water", "2026-03-02T10:00:00+08:00"); // due 19th
    let c = order(&mut e, "consultation", "Roads", "2026-03-03T10:00:00+08:00"); // due Fri 6th 10:00
    let waiting = e
        .handle_start(
            t("2026-03-02T10:00:00+08:00"),
            "hotline-12345",
            None,
            Vars::new(),
            "agent",
            None,
        )
        .unwrap()
        .order;
    let now = t("2026-03-05T09:00:00+08:00");

    let water = WorkFilter {
        assignees: vec![Assignee::Department("Water".into())],
        ..WorkFilter::default()
    };
    let list = e.worklist(&water, now).unwrap();
    let orders: Vec<&str> = list.iter().map(|w| w.order.as_str()).collect();
    assert_eq!(orders, [a.as_str(), b.as_str()], "soonest deadline first");
    assert_eq!(list[0].remaining_secs, Some(3600));

    // A person's list: their own items, their roles' and their department's.
    let agent = WorkFilter {
        assignees: vec![Assignee::Person("li".into()), Assignee::Role("agent".into())],
        ..WorkFilter::default()
    };
    let list = e.worklist(&agent, now).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].order, waiting);
    assert!(list[0].overdue, "accepting was due within an hour");

    let near = WorkFilter {
        due_within: Some(Duration::from_secs(8 * 3600)),
        phase: Some(Phase::Handle),
        ..WorkFilter::default()
    };
    let list = e.worklist(&near, now).unwrap();
    let orders: Vec<&str> = list.iter().map(|w| w.order.as_str()).collect();
    // a: 1 working hour left; c: 8 working hours left (Thu 09–17 less lunch is 7 h, plus Fri 09–10).
    assert_eq!(orders, [a.as_str(), c.as_str()]);

    let overdue = WorkFilter { overdue: true, phase: Some(Phase::Handle), ..WorkFilter::default() };
    assert!(e.worklist(&overdue, now).unwrap().is_empty());
    let list = e.worklist(&overdue, t("2026-03-06T12:00:00+08:00")).unwrap();
    assert_eq!(list.len(), 2);
    let complaints = WorkFilter { category: Some("complaint".into()), ..WorkFilter::default() };
    assert_eq!(e.worklist(&complaints, now).unwrap().len(), 1);
}

fn kpis_per_department<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    // Water: one on time (reply after 2 working hours), one late that Roads returned and Parks
    // transferred to Water first: the return counts against Roads, the transfer against Parks.
    let a = order(&mut e, "consultation", "Water", "2026-03-02T10:00:00+08:00");
    finish(&mut e, &a, "2026-03-02T13:00:00+08:00", 5);
    let b = order(&mut e, "consultation", "Roads", "2026-03-02T10:00:00+08:00");
    run(&mut e, &b, Command::Return, "2026-03-02T11:00:00+08:00");
    run(&mut e, &b, Command::Dispatch { to: "Parks".into() }, "2026-03-02T11:00:00+08:00");
    run(&mut e, &b, Command::Transfer { to: "Water".into() }, "2026-03-02T12:00:00+08:00");
    finish(&mut e, &b, "2026-03-10T10:00:00+08:00", 2);
    // Roads: on time, reply while paused in between.
    let c = order(&mut e, "complaint", "Roads", "2026-03-02T10:00:00+08:00");
    run(&mut e, &c, Command::Pause, "2026-03-02T11:00:00+08:00");
    run(&mut e, &c, Command::Resume, "2026-03-03T11:00:00+08:00");
    finish(&mut e, &c, "2026-03-03T12:00:00+08:00", 3);
    // Outside the period.
    let d = order(&mut e, "consultation", "Roads", "2026-04-01T10:00:00+08:00");
    finish(&mut e, &d, "2026-04-01T11:00:00+08:00", 5);

    let rows = e.kpi(t("2026-03-01T00:00:00+08:00"), t("2026-04-01T00:00:00+08:00")).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.department.as_str()).collect();
    assert_eq!(names, ["*", "Parks", "Roads", "Water"]);
    let total = &rows[0];
    assert_eq!(total.handled, 3);
    assert_eq!((total.transfers, total.returns), (1, 1));
    let parks = &rows[1];
    assert_eq!((parks.handled, parks.transfers, parks.returns), (0, 1, 0));
    assert_eq!(parks.transfers_per_order, None);
    let water = &rows[3];
    assert_eq!(water.handled, 2);
    assert_eq!(water.on_time, 1);
    assert_eq!(water.on_time_rate, Some(0.5));
    assert_eq!((water.transfers, water.returns), (0, 0));
    assert_eq!(water.transfers_per_order, Some(0.0));
    assert_eq!(water.returns_per_order, Some(0.0));
    assert_eq!((water.rated, water.satisfied), (2, 1));
    // The dissatisfied follow-up reopened b.
    assert_eq!(water.reopened, 1);
    let roads = &rows[2];
    assert_eq!((roads.handled, roads.transfers, roads.returns), (1, 0, 1));
    assert_eq!(roads.returns_per_order, Some(1.0));
    assert_eq!(roads.on_time_rate, Some(1.0));
    // Dispatched 10:00 Mon, paused 11:00 Mon to 11:00 Tue, answered 12:00 Tue: 2 working hours.
    assert_eq!(roads.mean_handling_hours, Some(2.0));
    assert_eq!(roads.satisfaction_rate, Some(0.0));
    // a: 10:00–13:00 with lunch 12–13: 2 h.
    let a_state = e.load(&a).unwrap();
    assert_eq!(a_state.on_time(), Some(true));
}

/// Every page size, for several filters, gives the whole list when the pages are put together,
/// in the whole list's order; deadlines tie (four orders an hour), some items have no deadline,
/// and an item closing between two pages does not disturb the next one.
fn work_list_pages_are_the_whole_list_in_order<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    let depts = ["Water", "Roads", "Parks"];
    let mut orders = Vec::new();
    for i in 0..30 {
        let at = format!("2026-03-02T{:02}:00:00+08:00", 9 + i / 4);
        let category = if i % 5 == 0 { "complaint" } else { "consultation" };
        orders.push(order(&mut e, category, depts[i % 3], &at));
    }
    // The same process with no deadline on acceptance: started, not yet accepted, these
    // items have no deadline and come last.
    let undated = DEF
        .replace("name = \"hotline-12345\"", "name = \"undated\"")
        .replace("deadline = { hours = 1 }\n", "");
    e.deploy(&undated).unwrap();
    for _ in 0..3 {
        e.handle_start(t("2026-03-02T09:30:00+08:00"), "undated", None, Vars::new(), "a", None)
            .unwrap();
    }
    let now = t("2026-03-03T09:00:00+08:00");
    let water = Assignee::Department("Water".into());
    let roads = Assignee::Department("Roads".into());
    let filters = [
        WorkFilter::default(),
        WorkFilter { assignees: vec![water.clone()], ..WorkFilter::default() },
        WorkFilter { assignees: vec![roads.clone(), water.clone()], ..WorkFilter::default() },
        WorkFilter { category: Some("complaint".into()), ..WorkFilter::default() },
        WorkFilter {
            assignees: vec![water, roads],
            phase: Some(Phase::Handle),
            ..WorkFilter::default()
        },
    ];
    for filter in &filters {
        let whole = e.worklist(filter, now).unwrap();
        assert!(!whole.is_empty());
        if filter.assignees.is_empty() && filter.category.is_none() {
            assert!(whole.iter().any(|w| w.deadline.is_none()), "items without a deadline too");
        }
        let mut sorted = whole.clone();
        sorted.sort_by_key(WorkEntry::cursor);
        assert_eq!(whole, sorted, "the whole list is in cursor order");
        for size in [1, 2, 3, 7, 100] {
            let mut paged: Vec<WorkEntry> = Vec::new();
            let mut f = WorkFilter { limit: Some(size), ..filter.clone() };
            loop {
                let page = e.worklist(&f, now).unwrap();
                assert!(page.len() <= size);
                paged.extend(page.iter().cloned());
                if page.len() < size {
                    break;
                }
                f.after = page.last().map(WorkEntry::cursor);
            }
            assert_eq!(paged, whole, "pages of {size} with {filter:?}");
        }
    }
    // An item that closes between two pages: the next page goes on after the cursor.
    let filter = WorkFilter { limit: Some(4), ..filters[1].clone() };
    let first = e.worklist(&filter, now).unwrap();
    let whole = e.worklist(&filters[1], now).unwrap();
    run(&mut e, &first[3].order, Command::Reply { text: "ok".into() }, "2026-03-02T20:00:00+08:00");
    let next = e.worklist(&WorkFilter { after: Some(first[3].cursor()), ..filter }, now).unwrap();
    assert_eq!(next, whole[4..8].to_vec());
    let _ = orders;
}
