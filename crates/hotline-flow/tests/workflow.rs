//! The generic engine: multi-instance tasks, parallel branches, conditions, timers, subprocesses,
//! versions, per-department calendars across time zones and daylight-saving changes.

mod common;

use common::{every_store, tick};
use hotline_flow::store::{MemoryStore, Store};
use hotline_flow::{Act, Calendars, Command, Engine, FlowError, Vars};
use jiff::Timestamp;
use serde_json::json;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn vars(v: serde_json::Value) -> Vars {
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn engine(defs: &[&str]) -> Engine<MemoryStore> {
    engine_on(MemoryStore::new(), defs)
}

fn engine_on<S: Store>(store: S, defs: &[&str]) -> Engine<S> {
    let mut e = Engine::new(store, Calendars::bundled());
    for d in defs {
        e.deploy(d).unwrap();
    }
    e
}

const AT: &str = "2026-03-02T10:00:00+08:00";

fn countersign(rule: &str) -> String {
    format!(
        r#"
name = "sign"
version = 1
start = "sign"
[[node]]
id = "sign"
assign = {{ each = ["dept:A", "dept:B", "dept:C", "dept:D"] }}
complete = {rule}
next = "done"
[[node]]
id = "done"
kind = "end"
"#
    )
}

/// Completes items one by one and returns how many it took to finish the task.
fn signatures_needed(rule: &str) -> usize {
    let def = countersign(rule);
    let mut e = engine(&[&def]);
    let order = e.handle_start(t(AT), "sign", None, Vars::new(), "x", None).unwrap().order;
    for (i, who) in ["A", "B", "C", "D"].iter().enumerate() {
        e.handle_command(
            t(AT),
            &order,
            &Act::new(Command::Complete { vars: Vars::new() }, "x").on(*who),
        )
        .unwrap();
        let s = e.load(&order).unwrap();
        if s.is_finished() {
            assert!(s.open_items().next().is_none(), "remaining items are cancelled");
            return i + 1;
        }
    }
    usize::MAX
}

#[test]
fn multi_instance_completion_rules() {
    assert_eq!(signatures_needed("\"all\""), 4);
    assert_eq!(signatures_needed("\"any\""), 1);
    assert_eq!(signatures_needed("{ n = 2 }"), 2);
    assert_eq!(signatures_needed("{ ratio = 0.75 }"), 3);
    assert_eq!(signatures_needed("{ ratio = 0.6 }"), 3);
}

fn add_and_remove_signers<S: Store>(store: S) {
    let def = countersign("\"all\"");
    let mut e = engine_on(store, &[&def]);
    let order = e.handle_start(t(AT), "sign", None, Vars::new(), "x", None).unwrap().order;
    let add = |e: &mut Engine<S>, to: &str| {
        e.handle_command(
            t(AT),
            &order,
            &Act::new(Command::AddSigner { to: to.into() }, "x").on("A"),
        )
    };
    add(&mut e, "person:legal-1").unwrap();
    assert!(add(&mut e, "person:legal-1").is_err(), "no signer twice");
    assert_eq!(e.load(&order).unwrap().open_items().count(), 5);
    for who in ["A", "B", "person:legal-1"] {
        e.handle_command(
            t(AT),
            &order,
            &Act::new(Command::Complete { vars: Vars::new() }, "x").on(who),
        )
        .unwrap();
    }
    e.handle_command(t(AT), &order, &Act::new(Command::RemoveSigner { to: "C".into() }, "x"))
        .unwrap();
    assert!(!e.load(&order).unwrap().is_finished());
    // Removing the last missing signer completes an "all" task.
    e.handle_command(t(AT), &order, &Act::new(Command::RemoveSigner { to: "D".into() }, "x"))
        .unwrap();
    let s = e.load(&order).unwrap();
    assert!(s.is_finished());
    assert_eq!((s.count("add_signer"), s.count("remove_signer")), (1, 2));
}

fn lead_must_finish<S: Store>(store: S) {
    let def = r#"
name = "joint"
version = 1
start = "handle"
[[node]]
id = "handle"
assign = { var = "departments" }
lead = true
complete = "any"
next = "done"
[[node]]
id = "done"
kind = "end"
"#;
    let mut e = engine_on(store, &[def]);
    let order = e
        .handle_start(
            t(AT),
            "joint",
            None,
            vars(json!({"departments": ["Lead", "Helper"]})),
            "x",
            None,
        )
        .unwrap()
        .order;
    e.handle_command(
        t(AT),
        &order,
        &Act::new(Command::Complete { vars: Vars::new() }, "x").on("Helper"),
    )
    .unwrap();
    assert!(!e.load(&order).unwrap().is_finished(), "any, but the lead has not finished");
    assert!(
        e.handle_command(
            t(AT),
            &order,
            &Act::new(Command::RemoveSigner { to: "Lead".into() }, "x")
        )
        .is_err()
    );
    e.handle_command(t(AT), &order, &Act::new(Command::Complete { vars: Vars::new() }, "x"))
        .unwrap();
    assert!(e.load(&order).unwrap().is_finished());
}

const PARALLEL: &str = r#"
name = "par"
version = 1
start = "split"
[[node]]
id = "split"
kind = "parallel"
branches = ["legal", "finance"]
join = "meet"
[[node]]
id = "legal"
assign = { role = "legal" }
next = "meet"
[[node]]
id = "finance"
assign = { role = "finance" }
next = "wait"
[[node]]
id = "wait"
kind = "timer"
after = { hours = 2 }
next = "meet"
[[node]]
id = "meet"
kind = "join"
next = "route"
[[node]]
id = "route"
kind = "decision"
next = [
  { when = "amount > 1000 and not urgent", to = "director" },
  { to = "done" },
]
[[node]]
id = "director"
assign = { rule = { var = "district", map = { east = "person:chen", west = "person:wang" }, otherwise = "person:li" } }
next = "done"
[[node]]
id = "done"
kind = "end"
"#;

fn parallel_branches_timers_conditions_and_rules<S: Store>(store: S) {
    let mut e = engine_on(store, &[PARALLEL]);
    let data = vars(json!({"amount": 5000, "urgent": false, "district": "west"}));
    let order =
        e.handle_start(t("2026-03-02T10:00:00Z"), "par", None, data, "x", None).unwrap().order;
    let s = e.load(&order).unwrap();
    assert_eq!(s.open_items().count(), 2);
    e.handle_command(
        t("2026-03-02T10:00:00Z"),
        &order,
        &Act::new(Command::Complete { vars: Vars::new() }, "x").on("role:finance"),
    )
    .unwrap();
    e.handle_command(
        t("2026-03-02T10:30:00Z"),
        &order,
        &Act::new(Command::Complete { vars: Vars::new() }, "x").on("role:legal"),
    )
    .unwrap();
    // The finance branch waits two hours (24x7 default calendar) before the join.
    let s = e.load(&order).unwrap();
    assert_eq!(s.next_due(), Some(t("2026-03-02T12:00:00Z")));
    assert!(s.open_items().next().is_none());
    tick(&mut e, t("2026-03-02T12:00:00Z")).unwrap();
    let s = e.load(&order).unwrap();
    let open: Vec<String> = s.open_items().map(|i| i.assignee.to_string()).collect();
    assert_eq!(open, ["person:wang"]);
    e.handle_command(
        t("2026-03-02T13:00:00Z"),
        &order,
        &Act::new(Command::Complete { vars: Vars::new() }, "wang"),
    )
    .unwrap();
    assert!(e.load(&order).unwrap().is_finished());

    // Small amounts skip the director.
    let order = e
        .handle_start(
            t("2026-03-02T10:00:00Z"),
            "par",
            None,
            vars(json!({"amount": 10})),
            "x",
            None,
        )
        .unwrap()
        .order;
    for who in ["role:finance", "role:legal"] {
        e.handle_command(
            t("2026-03-02T10:00:00Z"),
            &order,
            &Act::new(Command::Complete { vars: Vars::new() }, "x").on(who),
        )
        .unwrap();
    }
    tick(&mut e, t("2026-03-03T00:00:00Z")).unwrap();
    assert!(e.load(&order).unwrap().is_finished());
}

fn subprocess_runs_as_a_child_order<S: Store>(store: S) {
    let child = r#"
name = "inspection"
version = 1
start = "inspect"
[[node]]
id = "inspect"
assign = { role = "inspector" }
next = "end"
[[node]]
id = "end"
kind = "end"
"#;
    let parent = r#"
name = "case"
version = 1
start = "sub"
[[node]]
id = "sub"
kind = "subprocess"
process = "inspection"
next = [{ when = "sub.passed", to = "end" }, { to = "fix" }]
[[node]]
id = "fix"
assign = { role = "fixer" }
next = "end"
[[node]]
id = "end"
kind = "end"
"#;
    let mut e = engine_on(store, &[child, parent]);
    let order =
        e.handle_start(t(AT), "case", None, vars(json!({"site": "X"})), "x", None).unwrap().order;
    // The driver starts the child.
    tick(&mut e, t(AT)).unwrap();
    let s = e.load(&order).unwrap();
    let child_id = s.tokens.values().find_map(|t| t.child.clone()).expect("child started");
    let c = e.load(&child_id).unwrap();
    assert_eq!(c.definition, "inspection");
    assert_eq!(c.var_str("site"), Some("X"), "the child starts with the parent's variables");
    // Ticking again does not start a second child.
    tick(&mut e, t(AT)).unwrap();
    assert_eq!(e.orders().unwrap().len(), 2);
    e.handle_command(
        t(AT),
        &child_id,
        &Act::new(Command::Complete { vars: vars(json!({"passed": false})) }, "i"),
    )
    .unwrap();
    tick(&mut e, t(AT)).unwrap();
    let s = e.load(&order).unwrap();
    let open: Vec<String> = s.open_items().map(|i| i.assignee.to_string()).collect();
    assert_eq!(open, ["role:fixer"], "the child's result routes the parent");
    assert!(e.load(&child_id).unwrap().parent_notified);
}

fn instances_stay_on_their_version<S: Store>(store: S) {
    let v1 = r#"
name = "p"
version = 1
start = "a"
[[node]]
id = "a"
assign = { role = "one" }
next = "z"
[[node]]
id = "z"
kind = "end"
"#;
    let v2 = v1.replace("version = 1", "version = 2").replace("role = \"one\"", "role = \"two\"");
    let mut e = engine_on(store, &[v1]);
    let old = e.handle_start(t(AT), "p", None, Vars::new(), "x", None).unwrap().order;
    e.deploy(&v2).unwrap();
    // Redeploying the same text is harmless; changing a deployed version is refused.
    e.deploy(&v2).unwrap();
    assert!(matches!(
        e.deploy(&v2.replace("two", "three")),
        Err(FlowError::DefinitionExists { .. })
    ));
    let new = e.handle_start(t(AT), "p", None, Vars::new(), "x", None).unwrap().order;
    let pinned = e.handle_start(t(AT), "p", Some(1), Vars::new(), "x", None).unwrap().order;
    let role = |e: &mut Engine<S>, o: &str| {
        e.load(o).unwrap().open_items().next().unwrap().assignee.to_string()
    };
    assert_eq!(role(&mut e, &old), "role:one");
    assert_eq!(role(&mut e, &new), "role:two");
    assert_eq!(role(&mut e, &pinned), "role:one");
    assert_eq!(e.load(&old).unwrap().definition_version, 1);
}

fn runaway_loops_are_stopped<S: Store>(store: S) {
    let def = r#"
name = "loop"
version = 1
start = "a"
[[node]]
id = "a"
kind = "decision"
next = "b"
[[node]]
id = "b"
kind = "decision"
next = "a"
"#;
    let mut e = engine_on(store, &[def]);
    assert!(matches!(
        e.handle_start(t(AT), "loop", None, Vars::new(), "x", None),
        Err(FlowError::RunawayProcess { .. })
    ));
}

const ZONES: &str = r#"
name = "zones"
version = 1
start = "handle"
[calendars]
default = "china"
departments = { "NYC Office" = "us", "Berlin Office" = "eu-berlin", "Night Desk" = "night" }
[calendars.custom.night]
extends = "china"
toml = '''
name = "Night desk"
[weekly]
mon = ["20:00-24:00"]
tue = ["20:00-24:00"]
wed = ["20:00-24:00"]
thu = ["20:00-24:00"]
fri = ["20:00-24:00"]
'''
[[node]]
id = "handle"
assign = { var = "to" }
deadline = { hours = 2 }
next = "done"
[[node]]
id = "done"
kind = "end"
"#;

fn due_for<S: Store>(e: &mut Engine<S>, to: &str, at: &str) -> Timestamp {
    let order =
        e.handle_start(t(at), "zones", None, vars(json!({"to": to})), "x", None).unwrap().order;
    e.load(&order).unwrap().open_items().next().unwrap().deadline.unwrap()
}

fn per_department_calendars_across_zones_and_daylight_saving<S: Store>(store: S) {
    let mut e = engine_on(store, &[ZONES]);
    // New York: Friday 6 March 2026 16:00 EST; DST starts Sunday 8 March. Two working hours:
    // one on Friday, one on Monday from 09:00 EDT, so 10:00 EDT = 14:00Z (not 15:00Z).
    assert_eq!(
        due_for(&mut e, "NYC Office", "2026-03-06T16:00:00-05:00"),
        t("2026-03-09T14:00:00Z")
    );
    // Berlin: Friday 23 October 2026 16:00 CEST (hours 08–12, 13–17); summer time ends Sunday 25
    // October. One hour on Friday, one on Monday from 08:00 CET: 09:00 CET = 08:00Z.
    assert_eq!(
        due_for(&mut e, "Berlin Office", "2026-10-23T16:00:00+02:00"),
        t("2026-10-26T08:00:00Z")
    );
    // China: Wednesday 30 September 16:00; closed 1–7 October; 8 October opens at 09:00.
    assert_eq!(
        due_for(&mut e, "Other", "2026-09-30T16:00:00+08:00"),
        t("2026-10-08T10:00:00+08:00")
    );
    // A department calendar defined inside the definition, layered on the China calendar.
    assert_eq!(
        due_for(&mut e, "Night Desk", "2026-03-02T23:00:00+08:00"),
        t("2026-03-03T21:00:00+08:00")
    );
}

fn set_vars_steers_routing_and_is_recorded<S: Store>(store: S) {
    let mut e = engine_on(store, &[PARALLEL]);
    let order = e
        .handle_start(
            t("2026-03-02T10:00:00Z"),
            "par",
            None,
            vars(json!({"amount": 5000})),
            "x",
            None,
        )
        .unwrap()
        .order;
    e.handle_command(
        t("2026-03-02T10:00:00Z"),
        &order,
        &Act::new(Command::SetVars { vars: vars(json!({"urgent": true})) }, "boss")
            .reason("fast track"),
    )
    .unwrap();
    for who in ["role:finance", "role:legal"] {
        e.handle_command(
            t("2026-03-02T10:00:00Z"),
            &order,
            &Act::new(Command::Complete { vars: Vars::new() }, "x").on(who),
        )
        .unwrap();
    }
    tick(&mut e, t("2026-03-02T12:00:00Z")).unwrap();
    let s = e.load(&order).unwrap();
    assert!(s.is_finished(), "urgent orders skip the director");
    assert_eq!(s.count("set_vars"), 1);
    let history = e.history(&order).unwrap();
    assert!(
        history.iter().any(|ev| ev.actor == "boss" && ev.reason.as_deref() == Some("fast track"))
    );
}

// The same tests on every store.
every_store!(
    add_and_remove_signers,
    lead_must_finish,
    parallel_branches_timers_conditions_and_rules,
    subprocess_runs_as_a_child_order,
    instances_stay_on_their_version,
    runaway_loops_are_stopped,
    per_department_calendars_across_zones_and_daylight_saving,
    set_vars_steers_routing_and_is_recorded,
);
