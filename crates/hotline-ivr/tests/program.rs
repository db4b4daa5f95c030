//! Stored programs: a compiled program survives a JSON round trip with its calendars and digit
//! patterns, and a stored program that the compiler could not have produced is refused.

use std::sync::Arc;

use hotline_ivr::Program;
use hotline_ivr::sim::{Script, Suite, run_call, run_suite};
use serde_json::{Value, json};

fn compiled(src: &str) -> Program {
    hotline_ivr::compile(src).unwrap_or_else(|e| panic!("{e}")).0
}

fn stored(program: &Program) -> Value {
    serde_json::to_value(program).unwrap()
}

fn load(v: Value) -> Result<Program, String> {
    serde_json::from_value::<Program>(v).map_err(|e| e.to_string())
}

const SCHEDULE: &str = r#"timezone "Asia/Shanghai"
start s
calendar cn { base china }
schedule s { calendar cn
 open -> o
 closed -> c
 holiday -> h }
hangup o {}
hangup c {}
hangup h {}
"#;

const PATTERN: &str = r#"start c
prompt p { any "Your order number?" }
collect c { prompt p; into n; digits 4; pattern "20[0-9]{2}"; retries 1
 next -> ok
 exhausted -> bad }
hangup ok {}
hangup bad {}
"#;

/// The old code skipped the calendars and patterns when deserialising: every schedule node
/// failed (`calendar ... is not defined`) and a collect accepted any digits.
#[test]
fn a_stored_program_keeps_its_calendars_and_patterns() {
    for (src, digits, at) in [
        (SCHEDULE, "", "2026-10-02T10:00:00+08:00"),
        (SCHEDULE, "", "2026-11-23T10:00:00+08:00"),
        (PATTERN, "1234", "2026-11-23T10:00:00+08:00"),
        (PATTERN, "2026", "2026-11-23T10:00:00+08:00"),
    ] {
        let original = Arc::new(compiled(src));
        let reloaded = Arc::new(load(stored(&original)).unwrap());
        let script = Script { digits: digits.into(), at: Some(at.into()), ..Script::default() };
        let a = run_call(&original, &script).unwrap();
        let b = run_call(&reloaded, &script).unwrap();
        assert_eq!(a.render(), b.render());
        assert!(!b.outcome.starts_with("failed"), "{}", b.render());
    }
    let wrong = run_call(
        &Arc::new(load(stored(&compiled(PATTERN))).unwrap()),
        &Script { digits: "1234".into(), ..Script::default() },
    )
    .unwrap();
    assert!(wrong.render().contains("exhausted -> bad"), "{}", wrong.render());
}

#[test]
fn shipped_flows_round_trip() {
    for (src, calls) in [
        (include_str!("../flows/gov12345.ivr"), include_str!("../flows/gov12345.calls.toml")),
        (include_str!("../flows/bank.ivr"), include_str!("../flows/bank.calls.toml")),
        (include_str!("../flows/utility.ivr"), include_str!("../flows/utility.calls.toml")),
    ] {
        let original = Arc::new(compiled(src));
        let text = serde_json::to_string(&*original).unwrap();
        let reloaded = Arc::new(serde_json::from_str::<Program>(&text).unwrap());
        assert_eq!(serde_json::to_string(&*reloaded).unwrap(), text);
        let suite = Suite::from_toml(calls).unwrap();
        let a = run_suite(&original, &suite).unwrap();
        let b = run_suite(&reloaded, &suite).unwrap();
        assert_eq!(a, b);
        assert!(b.passed());
    }
}

/// The old code deserialised this program, and the session then indexed out of range (a panic).
#[test]
fn an_out_of_range_edge_is_refused() {
    let mut v = stored(&compiled("start a\nsay a { next -> b }\nhangup b {}\n"));
    v["nodes"][0]["edges"][0]["target"] = json!({ "Node": 99 });
    let err = load(v).unwrap_err();
    assert!(err.contains("node `a`: its edge 1 is node 99, but the program has 2 nodes"), "{err}");
}

#[test]
fn every_index_is_checked() {
    let base = stored(&compiled(PATTERN));
    type Change = fn(&mut Value);
    let cases: [(&str, Change); 8] = [
        ("the start node is 7", |v| v["start"] = json!(7)),
        ("its prompt is prompt 3", |v| v["nodes"][0]["prompts"][0] = json!([1, 3])),
        ("its invalid is prompt 5", |v| v["nodes"][0]["invalid"] = json!(5)),
        ("its subflow entry is node 9", |v| v["nodes"][0]["call"] = json!(9)),
        ("the program has no nodes", |v| v["nodes"] = json!([])),
        ("is not valid", |v| {
            v["nodes"][0]["kind"]["Collect"]["pattern"]["value"] = json!("(unclosed")
        }),
        ("time zone `Mars/Olympus` is not known", |v| v["timezone"] = json!("Mars/Olympus")),
        ("missing field", |v| {
            v.as_object_mut().unwrap().remove("nodes");
        }),
    ];
    for (want, change) in cases {
        let mut v = base.clone();
        change(&mut v);
        let err = load(v).unwrap_err();
        assert!(err.contains(want), "want `{want}`, got `{err}`");
    }
}

#[test]
fn calendars_are_checked() {
    let base = stored(&compiled(SCHEDULE));
    let mut v = base.clone();
    v["calendars"].as_object_mut().unwrap().clear();
    let err = load(v).unwrap_err();
    assert!(err.contains("node `s`: calendar `cn` is not defined"), "{err}");
    let mut v = base.clone();
    v["calendars"]["cn"]["hours"] = json!([{ "days": [1], "ranges": [[600, 500]], "span": { "start": 0, "end": 0, "line": 1, "column": 1 } }]);
    let err = load(v).unwrap_err();
    assert!(err.contains("calendar `cn` is not valid"), "{err}");
}

// The mutation property (any mutation of a real program loads or is refused, and runs) is a
// unit test beside `hotline_ivr::fuzzing::mutate`, which the `ivr_program` fuzz target shares.
