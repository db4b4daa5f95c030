//! Error messages as users meet them (issue 25): prefixed once, naming the file and where, in
//! plain words, with a hint where the next step is obvious.

use std::path::Path;
use std::process::{Command, Output};

fn hotline(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run hotline")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scenario(name: &str) -> String {
    format!("{}/../hotline-sim/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_error_is_prefixed_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.toml"), "").unwrap();
    std::fs::write(d.join("x.sip"), "INVITE sip:x SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n").unwrap();
    std::fs::write(d.join("bad.toml"), "name = \"x\"\nhorizon = 3\n").unwrap();
    for (args, once) in [
        // Was `empty-sim.toml: empty-sim.toml: line 1`.
        (&["sim", "run", "empty.toml"][..], "empty.toml"),
        (&["sim", "run", "bad.toml"], "bad.toml"),
        // Was `hotline: error: x.sip: error: ...`.
        (&["sip", "fmt", "x.sip"], "error"),
    ] {
        let out = hotline(d, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.matches(once).count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("hotline: error: "), "{err}");
    }
    // The SIP error names the line and column.
    assert!(stderr(&hotline(d, &["sip", "fmt", "x.sip"])).contains("x.sip:2:"));
}

#[test]
fn empty_files_are_named_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.toml"), "").unwrap();
    std::fs::write(d.join("empty.csv"), "").unwrap();
    // Was `forecast line 0`.
    let err = stderr(&hotline(d, &["staff", "--forecast", "empty.csv"]));
    assert!(err.contains("empty.csv: the forecast is empty") && !err.contains("line 0"), "{err}");
    let err = stderr(&hotline(d, &["sim", "run", "empty.toml"]));
    assert!(err.contains("empty.toml is empty"), "{err}");
    // An empty calendar file was not named.
    let err = stderr(&hotline(d, &["calendar", "open", "--cal", "empty.toml", "--at", "now"]));
    assert!(err.contains("empty.toml: no time zone"), "{err}");
}

#[test]
fn no_rust_type_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("w.toml"), "[[queues]]\nname = \"a\"\nweight = \"x\"\n").unwrap();
    for args in [
        &["acd", "check", "w.toml"][..],
        &["erlang", "b", "--load", "x", "--agents", "3"],
        &["flow", "act", "X", "extend", "--days", "-1", "--store", "none.db"],
    ] {
        let err = stderr(&hotline(d, args));
        for rust in ["u32", "usize", "f64", "float literal", "..="] {
            assert!(!err.contains(rust), "{args:?}: {err}");
        }
    }
    let err = stderr(&hotline(d, &["acd", "check", "w.toml"]));
    assert!(err.contains("expected a whole number from 0 to 4294967295"), "{err}");
}

#[test]
fn a_bad_csv_is_blamed_by_its_own_name() {
    // Random bytes in a scenario's arrivals CSV were blamed on the scenario.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(scenario("day-shifts.toml")).unwrap();
    let csv = text
        .lines()
        .find_map(|l| {
            let rest = &l[l.find("csv = \"")? + 7..];
            Some(rest[..rest.find('"')?].to_owned())
        })
        .expect("day-shifts.toml names a CSV file");
    std::fs::write(d.join("s.toml"), &text).unwrap();
    std::fs::write(d.join(&csv), b"\x89PNG\r\n\x1a\n\xff\xfe garbage").unwrap();
    let out = hotline(d, &["sim", "run", "s.toml", "--replications", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&csv) && err.contains("not UTF-8"), "{err}");
    assert!(!err.contains("s.toml"), "{err}");
}

#[test]
fn hints_say_the_next_step() {
    let file = scenario("single-small.toml");
    let dir = tempfile::tempdir().unwrap();
    // The same hint was given for both.
    let err = stderr(&hotline(dir.path(), &["sim", "sweep", &file, "--agents", "18..13"]));
    assert!(err.contains("did you mean 13..18"), "{err}");
    let err = stderr(&hotline(dir.path(), &["sim", "sweep", &file, "--agents", "1..100000"]));
    assert!(err.contains("at most 1001"), "{err}");
    let err = stderr(&hotline(dir.path(), &["flow", "list", "--store", "none.db"]));
    assert!(err.contains("hotline flow init --store none.db"), "{err}");
    assert!(hotline(dir.path(), &["flow", "init", "--store", "f.db"]).status.success());
    let err = stderr(&hotline(dir.path(), &["flow", "act", "WO-9", "accept", "--store", "f.db"]));
    assert!(err.contains("`hotline flow list`"), "{err}");
    let err = stderr(&hotline(dir.path(), &["flow", "start", "--def", "x", "--store", "f.db"]));
    assert!(err.contains("`hotline flow deploy DEF.toml`"), "{err}");
    let out = hotline(dir.path(), &["calendar", "add", "--cal", "china", "--from", "now"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--working-days N or --working-time DURATION"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_syntax_error_of_a_file_is_reported() {
    // Only one TOML error was reported.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "seed = 1\n[[queues]]\nname = \"a\"\nweight = = 3\n[[queues]]\nname = \"b\"\nx 5\n";
    std::fs::write(d.join("two.toml"), text).unwrap();
    let out = hotline(d, &["acd", "check", "two.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> =
        v["diagnostics"].as_array().unwrap().iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert!(lines.contains(&4) && lines.contains(&7), "{v}");
    for args in [&["sim", "run", "two.toml"][..], &["calendar", "check", "two.toml"]] {
        let err = stderr(&hotline(d, args));
        assert!(err.contains("line 7") || err.contains(":7:"), "{args:?}: {err}");
        assert!(err.contains("line 4") || err.contains(":4:"), "{args:?}: {err}");
    }
}

#[test]
fn semantic_problems_have_line_numbers() {
    // Semantic problems in scenarios had no line number.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(scenario("single-small.toml")).unwrap();
    assert!(text.contains("\nqueue = \"support\""));
    let bad = text.replace("\nqueue = \"support\"", "\nqueue = \"nowhere\"");
    let line = bad.lines().position(|l| l == "queue = \"nowhere\"").unwrap() + 1;
    std::fs::write(d.join("s.toml"), bad).unwrap();
    let err = stderr(&hotline(d, &["sim", "run", "s.toml"]));
    assert!(err.contains(&format!("s.toml:{line}:1: call_types[0]")), "{err}");
    assert!(err.contains("no queue `nowhere`"), "{err}");
}

#[test]
fn usage_lines_and_units_say_what_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `erlang c`/`erlang a` usage lines showed the required --target as optional.
    for model in ["c", "a"] {
        let out = hotline(d, &["erlang", model, "--help"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let usage = text.lines().find(|l| l.starts_with("Usage:")).unwrap();
        assert!(usage.contains(" --target <DURATION>") && !usage.contains("[--target"), "{usage}");
        assert!(usage.contains(" --aht <DURATION>"), "{usage}");
    }
    // `patience is too large: 1000000 (at most 10)` had no unit.
    let err = stderr(&hotline(
        d,
        &[
            "erlang",
            "a",
            "--load",
            "1000",
            "--agents",
            "10",
            "--aht",
            "3m",
            "--target",
            "20s",
            "--patience",
            "1e9",
        ],
    ));
    assert!(err.contains("patience is too large: 1000000000 s (at most"), "{err}");
    assert!(err.trim_end().ends_with("s for this load and handling time)"), "{err}");
    // `huge-fs.xml:the document...` lacked a space.
    std::fs::write(d.join("bad.xml"), "<?xml version=\"1.0\"?><vxml").unwrap();
    let err = stderr(&hotline(d, &["ivr", "import", "--format", "vxml", "bad.xml", "-o", "x.ivr"]));
    assert!(err.contains("bad.xml: "), "{err}");
}

#[test]
fn compare_prints_the_differences() {
    // `sim compare` text had no difference column.
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("single-small.toml");
    let out = hotline(
        dir.path(),
        &["sim", "compare", &file, "--policies", "longest-idle,random", "--replications", "3"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("difference from longest-idle"), "{text}");
    let row = text.lines().find(|l| l.starts_with("service_level_%")).unwrap();
    assert_eq!(row.matches('±').count(), 3, "{row}");
}

#[test]
fn definition_problems_have_line_numbers() {
    // Semantic problems in process definitions had no line number.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let def =
        format!("{}/../hotline-flow/definitions/hotline-12345.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(def).unwrap();
    assert!(text.contains("\nnext = \"close\"\n"));
    let bad = text.replace("\nnext = \"close\"\n", "\nnext = \"nowhere\"\n");
    let line = bad.lines().position(|l| l == "next = \"nowhere\"").unwrap() + 1;
    std::fs::write(d.join("def.toml"), bad).unwrap();
    assert!(hotline(d, &["flow", "init", "--store", "f.db"]).status.success());
    let out = hotline(d, &["flow", "deploy", "def.toml", "--store", "f.db"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("def.toml:{line}:1: ")) && err.contains("no node `nowhere`"),
        "{err}"
    );
}

#[test]
fn a_file_that_cannot_be_written_is_called_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("single-small.toml");
    let out = hotline(
        dir.path(),
        &["sim", "run", &file, "--replications", "1", "--records", "no/such/dir/x.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot write no/such/dir/x.csv"), "{}", stderr(&out));
}

#[test]
fn every_item_error_of_an_acd_file_is_reported() {
    // One error was reported, and not the first: the unknown field at line 10 came out while the
    // wrong types at lines 4 and 7 did not.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "seed = 1\n[[queues]]\nname = \"a\"\nweight = \"x\"\n[[queues]]\nname = \"b\"\n\
                weight = \"y\"\n[[agents]]\nname = \"z\"\nfoo = 1\n";
    std::fs::write(d.join("acd.toml"), text).unwrap();
    let out = hotline(d, &["acd", "check", "acd.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("acd.toml:10:1: error: agents[0] `z`: unknown field `foo`"), "{err}");
    assert!(
        err.contains("acd.toml:4:10: error: queues[0] `a`: invalid type: string \"x\""),
        "{err}"
    );
    assert!(err.contains("acd.toml:7:10: error: queues[1] `b`"), "{err}");
    assert!(err.contains("3 error(s)"), "{err}");
    // In text order.
    let at = |place: &str| err.find(place).unwrap_or_else(|| panic!("no {place} in {err}"));
    assert!(at(":4:10:") < at(":7:10:") && at(":7:10:") < at(":10:1:"), "{err}");
}

#[test]
fn every_error_of_one_item_is_reported() {
    // Issue 25: each item was read on its own, but only its first error was reported; and a
    // mistake in the file's own keys hid the items' ones.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "seed = \"one\"\n[[queues]]\nname = \"a\"\nweight = \"x\"\nshare = -1\n\
                colour = \"red\"\n[[agents]]\nname = \"z\"\nqueues = [{ queue = \"a\" }]\n";
    std::fs::write(d.join("acd.toml"), text).unwrap();
    let out = hotline(d, &["acd", "check", "acd.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(u64, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, [(1, 8), (4, 10), (5, 9), (6, 1)], "{report}");
    let messages = report["diagnostics"].to_string();
    assert!(messages.contains("unknown field `colour`"), "{messages}");
    assert!(!messages.contains("u32") && !messages.contains("u64"), "{messages}");
}

#[test]
fn every_item_error_of_a_scenario_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(scenario("single-small.toml")).unwrap();
    let bad = text
        .replacen("\nname = \"support\"\n", "\nname = \"support\"\nbogus = 1\n", 1)
        .replacen("\ncount = 14\n", "\ncount = \"many\"\n", 1);
    assert_ne!(bad, text);
    std::fs::write(d.join("s.toml"), &bad).unwrap();
    let err = stderr(&hotline(d, &["sim", "run", "s.toml"]));
    assert!(err.contains("2 errors:"), "{err}");
    assert!(err.contains("unknown field `bogus`"), "{err}");
    assert!(err.contains("agent_groups[0] `agent`: invalid type: string \"many\""), "{err}");
}

/// The 1-based line numbers that `FILE: N errors:` lists (`line L, column C: ...`).
fn listed_lines(err: &str) -> Vec<usize> {
    err.lines()
        .filter_map(|l| l.trim().strip_prefix("line "))
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect()
}

#[test]
fn every_type_error_of_an_ivr_calls_file_is_reported() {
    // Issue 25: a calls file reported its first type error only.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("x.ivr"), "flow \"x\"\nstart a\nhangup a {}\n").unwrap();
    let calls = "[[call]]\nname = \"one\"\ndigits = 5\nsilence_after = true\n\n\
                 [[call]]\nname = \"two\"\nexpect = \"a\"\n";
    std::fs::write(d.join("calls.toml"), calls).unwrap();
    let out = hotline(d, &["ivr", "test", "x.ivr", "calls.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("calls.toml: 3 errors:"), "{err}");
    assert_eq!(listed_lines(&err), [3, 4, 8], "{err}");
    assert!(err.contains("call[1] `two`: invalid type: string \"a\""), "{err}");
}

#[test]
fn every_type_error_of_a_calendar_is_reported() {
    // Issue 25: a calendar reported its first type error only.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cal = "name = \"x\"\ntime_zone = \"UTC\"\n\n[[holiday]]\nname = 1\nfrom = \"soon\"\n\n\
               [[workday]]\ndate = 2025-01-05\nname = \"w\"\nhours = 7\n";
    std::fs::write(d.join("cal.toml"), cal).unwrap();
    let out = hotline(d, &["calendar", "check", "cal.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6, 11], "{report}");
}

#[test]
fn every_type_error_of_a_process_definition_is_reported() {
    // Issue 25: a definition reported its first type error only.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let def = "name = \"d\"\nversion = \"one\"\nstart = \"a\"\n\n[[node]]\nid = \"a\"\n\
               title = 5\nphase = \"accept\"\n\n[[node]]\nid = \"b\"\ncolour = \"red\"\n";
    std::fs::write(d.join("def.toml"), def).unwrap();
    assert!(hotline(d, &["flow", "init", "--store", "f.db"]).status.success());
    let out = hotline(d, &["flow", "deploy", "def.toml", "--store", "f.db"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("def.toml: 3 errors:"), "{err}");
    assert_eq!(listed_lines(&err), [2, 7, 12], "{err}");
    assert!(err.contains("line 12, column 1: node[1]: unknown field `colour`"), "{err}");
}

/// The `(line, message)` of each diagnostic of a `check --json` report.
fn check_lines(out: &Output) -> Vec<(u64, String)> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["ok"], false, "{report}");
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap_or(0), d["message"].as_str().unwrap().to_owned()))
        .collect()
}

/// The `FILE:LINE:` lines of a failure listing every problem of `file`.
fn problem_lines(err: &str, file: &str) -> Vec<usize> {
    err.lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{file}:")))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect()
}

#[test]
fn every_problem_of_a_calendar_is_reported() {
    // Issue 25: after the types read, a calendar's check stopped at its first problem.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cal = "name = \"x\"\ntime_zone = \"UTC\"\n\n[[holiday]]\nname = \"a\"\nfrom = 2026-05-03\n\
               to = 2026-05-01\n\n[[holiday]]\nname = \"b\"\nfrom = 2026-10-01\nto = 2026-10-03\n\
               notice = \"nope\"\n\n[[workday]]\ndate = 2026-10-02\n";
    std::fs::write(d.join("cal.toml"), cal).unwrap();
    let out = hotline(d, &["calendar", "check", "cal.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = check_lines(&out);
    let lines: Vec<u64> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [7, 13, 16], "{found:?}");
    assert!(found[0].1.contains("holiday[1].to") && found[0].1.contains("before it starts"));
    assert!(found[1].1.contains("notice `nope` is not declared"), "{found:?}");
    assert!(found[2].1.contains("already given by holiday[2]"), "{found:?}");
    // The text form, and a command that uses the calendar, list them all too.
    let out = hotline(d, &["calendar", "check", "cal.toml"]);
    assert_eq!(problem_lines(&stderr(&out), "cal.toml"), [7, 13, 16], "{}", stderr(&out));
    let out = hotline(d, &["calendar", "open", "--cal", "cal.toml", "--at", "now"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cal.toml: 3 problems:"), "{err}");
    assert_eq!(problem_lines(&err, "cal.toml"), [7, 13, 16], "{err}");
}

#[test]
fn every_problem_of_a_scenario_is_reported() {
    // Issue 25: after the types read, a scenario's validation stopped at its first problem.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(scenario("single-small.toml")).unwrap();
    let bad = text
        .replace("warmup = \"1h\"", "warmup = \"11h\"")
        .replace("\nqueue = \"support\"", "\nqueue = \"nowhere\"")
        .replace("count = 14", "count = 14\nspeed = 0");
    let line = |l: &str| bad.lines().position(|x| x == l).unwrap() + 1;
    // In the order of the file: the agent group comes before the call type.
    let expected = [line("warmup = \"11h\""), line("speed = 0"), line("queue = \"nowhere\"")];
    std::fs::write(d.join("s.toml"), &bad).unwrap();
    let out = hotline(d, &["sim", "check", "s.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = check_lines(&out);
    let lines: Vec<usize> = found.iter().map(|f| f.0 as usize).collect();
    assert_eq!(lines, expected, "{found:?}");
    assert!(found[1].1.contains("speed"), "{found:?}");
    assert!(found[2].1.contains("no queue `nowhere`"), "{found:?}");
    let out = hotline(d, &["sim", "run", "s.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("s.toml: 3 problems:"), "{err}");
    assert_eq!(problem_lines(&err, "s.toml"), expected, "{err}");
    // The ACD configuration's problems, in `[[acd.queues]]`, have their lines too.
    let dup = text.replace(
        "service_level = \"20s\"\n",
        "service_level = \"20s\"\n[[acd.queues]]\nname = \"support\"\n",
    );
    std::fs::write(d.join("dup.toml"), &dup).unwrap();
    let found = check_lines(&hotline(d, &["sim", "check", "dup.toml", "--json"]));
    let second = dup.lines().enumerate().filter(|(_, l)| *l == "[[acd.queues]]").nth(1).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0 as usize, second.0 + 1, "{found:?}");
    assert!(found[0].1.contains("duplicate name `support`"), "{found:?}");
    // A valid scenario checks ok.
    let out = hotline(d, &["sim", "check", &scenario("single-small.toml")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn every_problem_of_a_process_definition_is_reported() {
    // Issue 25: after the types read, a definition's validation stopped at its first problem.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let def = "name = \"d\"\nversion = 1\nstart = \"zz\"\n\n[[node]]\nid = \"a\"\n\
               assign = { role = \"agent\" }\nnext = [{ when = \"x ==\", to = \"b\" }]\n\n\
               [[node]]\nid = \"b\"\nkind = \"timer\"\nnext = \"a\"\n";
    std::fs::write(d.join("def.toml"), def).unwrap();
    let out = hotline(d, &["flow", "check", "def.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = check_lines(&out);
    let lines: Vec<u64> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [3, 8, 11], "{found:?}");
    assert!(found[0].1.contains("no node `zz`"), "{found:?}");
    assert!(found[1].1.contains("condition `x ==`"), "{found:?}");
    assert!(found[2].1.contains("a timer needs `after`"), "{found:?}");
    assert!(hotline(d, &["flow", "init", "--store", "f.db"]).status.success());
    let out = hotline(d, &["flow", "deploy", "def.toml", "--store", "f.db"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("def.toml: 3 problems:"), "{err}");
    assert_eq!(problem_lines(&err, "def.toml"), [3, 8, 11], "{err}");
    // A valid definition checks ok, without a store.
    let good =
        format!("{}/../hotline-flow/definitions/hotline-12345.toml", env!("CARGO_MANIFEST_DIR"));
    let out = hotline(d, &["flow", "check", &good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn every_problem_of_a_definition_s_own_calendar_is_reported() {
    // A calendar written in a definition reported its first problem only, with no line in the
    // definition file.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let def = "name = \"d\"\nversion = 1\nstart = \"a\"\n\n[calendars]\ndefault = \"night\"\n\
               [calendars.custom.night]\nextends = \"china\"\ntoml = '''\nname = \"Night desk\"\n\
               [[holiday]]\nname = \"x\"\nfrom = 2026-05-03\nto = 2026-05-01\n[[workday]]\n\
               date = 2026-05-02\nnotice = \"nope\"\n'''\n\n[[node]]\nid = \"a\"\n\
               assign = { role = \"agent\" }\nnext = \"b\"\n\n[[node]]\nid = \"b\"\nkind = \"end\"\n";
    std::fs::write(d.join("def.toml"), def).unwrap();
    let line = |l: &str| def.lines().position(|x| x == l).unwrap() as u64 + 1;
    let out = hotline(d, &["flow", "check", "def.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = check_lines(&out);
    let lines: Vec<u64> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [line("to = 2026-05-01"), line("notice = \"nope\"")], "{found:?}");
    assert!(found.iter().all(|f| f.1.starts_with("calendars.custom.night: ")), "{found:?}");
    assert!(found[0].1.contains("ends (2026-05-01) before it starts"), "{found:?}");
    // Without the problems, the definition is accepted (its calendar extends a bundled one).
    let good = def.replace("to = 2026-05-01\n", "").replace("notice = \"nope\"\n", "");
    std::fs::write(d.join("good.toml"), good).unwrap();
    let out = hotline(d, &["flow", "check", "good.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_definition_s_calendar_error_says_what_is_wrong() {
    // `flow deploy` said only "calendar `night`" for a calendar it could not build.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let def = "name = \"d\"\nversion = 1\nstart = \"a\"\n\n[calendars]\ndefault = \"night\"\n\
               [calendars.custom.night]\ntoml = '''\nname = \"Night desk\"\n'''\n\n[[node]]\n\
               id = \"a\"\nassign = { role = \"agent\" }\nnext = \"b\"\n\n[[node]]\nid = \"b\"\n\
               kind = \"end\"\n";
    std::fs::write(d.join("def.toml"), def).unwrap();
    assert!(hotline(d, &["flow", "init", "--store", "f.db"]).status.success());
    let out = hotline(d, &["flow", "deploy", "def.toml", "--store", "f.db"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("calendar `night`: no time zone"), "{err}");
    let out = hotline(d, &["flow", "check", "def.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = check_lines(&out);
    assert!(found[0].1.contains("calendar `night`: no time zone"), "{found:?}");
}
