//! One flag vocabulary across every subcommand (issue 25): this suite walks every subcommand's
//! `--help` as a user reads it, and the command definition behind it, and enforces the rules the
//! book's "Command line" chapter writes down:
//!
//! * durations in one syntax: no flag names its unit (`--on-ms`, `--seconds`); every `DURATION`
//!   value goes through the shared parser (`60ms`, `1m 30s`, `20`; `-30s` refused as negative);
//! * one time parser: every `TIME` value takes `now`, RFC 3339 and a local time;
//! * `-o/--output FILE` for the file a command writes, never a second positional file;
//! * negative numbers are values wherever a value is expected;
//! * runs with replications take `--threads` and `--progress`;
//! * every `check` takes `--json`; every `--json` prints JSON, also on failure;
//! * exit codes 0/1/2 as `hotline --help` says.

use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

/// Every leaf subcommand's path (`["calendar", "add"]`) with its definition.
fn leaves() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
        let subs: Vec<&clap::Command> =
            cmd.get_subcommands().filter(|s| s.get_name() != "help").collect();
        if subs.is_empty() {
            out.push((path, cmd.clone()));
            return;
        }
        for sub in subs {
            let mut p = path.clone();
            p.push(sub.get_name().to_owned());
            walk(sub, p, out);
        }
    }
    let mut root = hotline_cli::command();
    root.build();
    let mut out = Vec::new();
    walk(&root, Vec::new(), &mut out);
    out
}

/// The help text of a subcommand, as `hotline PATH --help` prints it.
fn help(path: &[String]) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let out = hotline(&args);
    assert_eq!(out.status.code(), Some(0), "{path:?} --help");
    String::from_utf8(out.stdout).expect("help is text")
}

/// The long flags a help text lists (`--near-due`).
fn flags(help: &str) -> Vec<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let long = l.split_whitespace().find(|w| w.starts_with("--"))?;
            Some(long.trim_end_matches(',').split(['=', '<', ' ']).next()?.to_owned())
        })
        .collect()
}

/// Whether the subcommand takes `value` for `arg` (given alone: every other argument and group
/// made optional), through the flag's own value parser.
fn parses(cmd: &clap::Command, arg: &clap::Arg, value: &str) -> Result<(), String> {
    let groups: Vec<String> = cmd.get_groups().map(|g| g.get_id().to_string()).collect();
    let mut lone = cmd.clone().mut_args(|a| a.required(false));
    for g in groups {
        lone = lone.mut_group(g, |g| g.required(false));
    }
    let long = format!("--{}", arg.get_long().expect("a flag"));
    lone.try_get_matches_from(["hotline", long.as_str(), value]).map(|_| ()).map_err(|e| {
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{long} {value}: {e}");
        e.to_string()
    })
}

#[test]
fn every_subcommand_is_walked() {
    let leaves = leaves();
    // A floor, so that a broken walk cannot pass by finding nothing.
    assert!(leaves.len() >= 35, "{} subcommands", leaves.len());
    for (path, _) in &leaves {
        assert!(help(path).contains("Usage: hotline"), "{path:?}");
    }
}

#[test]
fn durations_have_one_syntax() {
    for (path, cmd) in leaves() {
        let text = help(&path);
        for flag in flags(&text) {
            for unit in ["-ms", "-seconds", "-secs", "-minutes", "-hours", "-millis"] {
                assert!(!flag.ends_with(unit), "{path:?}: {flag} names its unit; take a DURATION");
            }
            assert!(flag != "--seconds", "{path:?}: {flag}; take a DURATION");
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let names = arg.get_value_names().unwrap_or_default();
            if names.iter().any(|n| n.as_str() == "DURATION") {
                for good in ["60ms", "1m 30s", "20", "1.5s"] {
                    parses(&cmd, arg, good).unwrap_or_else(|e| panic!("{path:?} {arg}: {e}"));
                }
                let err = parses(&cmd, arg, "-30s").expect_err("a negative duration");
                assert!(err.contains("negative"), "{path:?} {arg}: {err}");
            }
        }
    }
}

#[test]
fn times_have_one_parser() {
    for (path, cmd) in leaves() {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let long = arg.get_long().unwrap_or_default();
            let names = arg.get_value_names().unwrap_or_default();
            let is_time = names.iter().any(|n| n.as_str() == "TIME");
            // `flow act --to WHO` names a department, not a time.
            let named = names.iter().any(|n| n.as_str() == "WHO");
            if ["now", "at", "from", "to"].contains(&long) && !named {
                assert!(is_time, "{path:?} --{long} is a time flag; its value is TIME");
            }
            if is_time {
                for good in ["now", "2026-09-30T16:45", "2026-09-30", "2026-09-30T16:45:00+08:00"] {
                    parses(&cmd, arg, good).unwrap_or_else(|e| panic!("{path:?} --{long}: {e}"));
                }
                assert!(parses(&cmd, arg, "2026-09-30T25:00").is_err(), "{path:?} --{long}");
            }
        }
    }
}

#[test]
fn files_written_are_dash_o() {
    for (path, cmd) in leaves() {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "output" {
                assert_eq!(arg.get_short(), Some('o'), "{path:?}: -o");
                assert_eq!(arg.get_long(), Some("output"), "{path:?}: --output");
            }
            if arg.is_positional() && !arg.is_hide_set() {
                let names = arg.get_value_names().unwrap_or_default();
                assert!(
                    !["output", "out"].contains(&id)
                        && !names.iter().any(|n| ["OUTPUT", "OUT"].contains(&n.as_str())),
                    "{path:?}: the file written is -o/--output, not a positional {id}"
                );
            }
        }
    }
}

#[test]
fn negative_numbers_are_values() {
    let mut root = hotline_cli::command();
    root.build();
    fn all(cmd: &clap::Command) {
        assert!(cmd.is_allow_negative_numbers_set(), "{}", cmd.get_name());
        cmd.get_subcommands().filter(|s| s.get_name() != "help").for_each(all);
    }
    all(&root);
    // The library's check refuses the value, not the parser's flag syntax: exit 1.
    let out = hotline(&["erlang", "b", "--load", "-1", "--agents", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("load"), "{err}");
}

#[test]
fn runs_with_replications_take_threads_and_progress() {
    let mut seen = 0;
    for (path, _) in leaves() {
        let flags = flags(&help(&path));
        if flags.iter().any(|f| f == "--replications") {
            seen += 1;
            for need in ["--threads", "--progress", "--seed"] {
                assert!(flags.iter().any(|f| f == need), "{path:?} lacks {need}");
            }
        }
    }
    assert_eq!(seen, 3, "sim run, compare and sweep");
}

#[test]
fn every_check_takes_json() {
    let checks: Vec<Vec<String>> =
        leaves().into_iter().map(|(p, _)| p).filter(|p| p.last().unwrap() == "check").collect();
    assert_eq!(checks.len(), 7, "{checks:?}");
    for path in checks {
        assert!(flags(&help(&path)).iter().any(|f| f == "--json"), "{path:?}");
    }
}

#[test]
fn help_names_no_rust_types() {
    for (path, _) in leaves() {
        let text = help(&path);
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            assert!(
                !["u8", "u16", "u32", "u64", "usize", "i64", "f64", "String", "PathBuf"]
                    .contains(&word),
                "{path:?} help shows the Rust type {word}"
            );
        }
    }
}

#[test]
fn exit_codes_are_documented_and_kept() {
    let text = help(&[]);
    for code in ["0 success", "1 the input was rejected", "2 a usage error"] {
        assert!(text.contains(code), "{text}");
    }
    // 2: a wrong flag, a wrong value, a file that cannot be opened.
    assert_eq!(hotline(&["erlang", "b", "--no-such"]).status.code(), Some(2));
    assert_eq!(hotline(&["sim", "run", "x.toml", "--replications", "0"]).status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, b"\x00\x01\x02 not what any command reads \xff\xfe").unwrap();
    let garbage = garbage.to_str().unwrap();
    let calls = dir.path().join("calls.toml");
    std::fs::write(&calls, "[[call]\nname = \n").unwrap();
    let calls = calls.to_str().unwrap();
    let flow = dir.path().join("ok.ivr");
    std::fs::write(&flow, "flow \"x\"\nstart a\nhangup a {}\n").unwrap();
    let flow = flow.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["sip", "check", "FILE"],
        vec!["sip", "fmt", "FILE"],
        vec!["rtp", "analyze", "FILE"],
        vec!["acd", "check", "FILE"],
        vec!["calendar", "check", "FILE"],
        vec!["calendar", "open", "--cal", "FILE", "--at", "now"],
        vec!["sim", "check", "FILE"],
        vec!["flow", "check", "FILE"],
        vec!["ivr", "check", "FILE"],
        vec!["sim", "run", "FILE"],
        vec!["dtmf", "detect", "FILE"],
        vec!["tone", "detect", "FILE"],
        vec!["audio", "convert", "FILE", "-o", "/dev/null"],
        vec!["g711", "encode", "--law", "a", "FILE", "-o", "/dev/null"],
        vec!["staff", "--forecast", "FILE"],
        vec!["wfm", "forecast", "FILE", "--cal", "us"],
        vec!["wfm", "requirement", "FILE"],
        vec!["wfm", "adherence", "FILE", "--states", "FILE"],
    ];
    for case in &cases {
        let run = |file: &str| {
            let args: Vec<&str> =
                case.iter().map(|a| if *a == "FILE" { file } else { a }).collect();
            hotline(&args)
        };
        let out = run(missing);
        assert_eq!(out.status.code(), Some(2), "{case:?} on a missing file");
        let out = run(garbage);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{case:?} on garbage: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A TOML error in an `ivr test` calls file is rejected input, as everywhere: 1 (it was 2).
    let out = hotline(&["ivr", "test", flow, calls]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_json_failure_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    let mut with_json = 0;
    for (path, cmd) in leaves() {
        if !cmd.get_arguments().any(|a| a.get_long() == Some("json")) {
            continue;
        }
        with_json += 1;
        // A usage error: the parser's message, as JSON on standard output.
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.extend(["--json", "--no-such-flag"]);
        let out = hotline(&args);
        assert_eq!(out.status.code(), Some(2), "{path:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path:?}: not JSON ({e}): {:?}", out.stdout));
        assert_eq!(v["error"]["status"], 2, "{path:?}");
        assert!(v["error"]["message"].as_str().unwrap().contains("--no-such-flag"), "{v}");
    }
    assert!(with_json >= 20, "{with_json}");
    // Failures after parsing: a file that cannot be read, a value the command refuses.
    let cases: Vec<Vec<&str>> = vec![
        vec!["calendar", "add", "--cal", missing, "--from", "now", "--working-days", "1"],
        vec!["calendar", "elapsed", "--cal", "china", "--from", "2026-10-02", "--to", "2026-10-01"],
        vec!["sim", "run", missing],
        vec!["sim", "compare", missing, "--policies", "random,longest-idle"],
        vec!["flow", "show", "X", "--store", missing],
        vec!["erlang", "c", "--load", "0", "--agents", "5", "--aht", "3m", "--target", "20s"],
        vec!["dtmf", "detect", missing],
        vec!["rtp", "analyze", missing],
        vec!["ivr", "test", missing, missing],
    ];
    for case in cases {
        let mut args = case.clone();
        args.push("--json");
        let out = hotline(&args);
        assert_ne!(out.status.code(), Some(0), "{case:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{case:?}: not JSON ({e}): {:?}", out.stdout));
        assert!(v["error"]["message"].is_string(), "{case:?}: {v}");
        assert_eq!(v["error"]["status"].as_i64(), out.status.code().map(i64::from), "{case:?}");
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn durations_where_numbers_of_a_unit_were() {
    // `dtmf generate --on-ms 60ms` was refused ("invalid float literal"); `tone --seconds 5`.
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("d.wav");
    let wav = wav.to_str().unwrap();
    let out = hotline(&["dtmf", "generate", "123", "--on", "60ms", "--off", "40ms", "-o", wav]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 3 digits of 60 ms tone and 40 ms silence: 0.3 s.
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.300 s"));
    let detected = hotline(&["dtmf", "detect", wav]);
    assert!(String::from_utf8_lossy(&detected.stdout).contains("digits: 123"));
    // The old spelling still works, in milliseconds.
    let out = hotline(&["dtmf", "generate", "1", "--on-ms", "60", "--off-ms", "40", "-o", wav]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.100 s"), "{}", stderr(&out));
    let out = hotline(&[
        "tone",
        "generate",
        "--plan",
        "us",
        "--tone",
        "busy",
        "--duration",
        "1.5s",
        "-o",
        wav,
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1.500 s"), "{}", stderr(&out));
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        "china",
        "--from",
        "2026-09-30T16:00",
        "--working-time",
        "1h 30m",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("due 2026-10-08T09:30:00+08:00"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_file_written_is_dash_o() {
    let dir = tempfile::tempdir().unwrap();
    let pcm = dir.path().join("pcm.wav");
    let alaw = dir.path().join("alaw.wav");
    let back = dir.path().join("back.wav");
    let p = |x: &std::path::Path| x.to_str().unwrap().to_owned();
    assert!(hotline(&["dtmf", "generate", "5", "-o", &p(&pcm)]).status.success());
    let out = hotline(&["g711", "encode", "--law", "a", &p(&pcm), "-o", &p(&alaw)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = hotline(&["g711", "decode", "--law", "a", &p(&alaw), "--output", &p(&back)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = hotline(&["audio", "convert", &p(&back), "-o", &p(&pcm)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The positional form of before still works; neither is a usage error.
    assert!(hotline(&["audio", "convert", &p(&back), &p(&pcm)]).status.success());
    assert_eq!(hotline(&["audio", "convert", &p(&back)]).status.code(), Some(2));
}

#[test]
fn bundled_calendars_by_name() {
    // `--cal china` failed: an installed binary has no calendar file to point at.
    let out =
        hotline(&["calendar", "open", "--cal", "china", "--at", "2026-10-01T10:00", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["open"], false);
    assert_eq!(v["next_change"], "2026-10-08T09:00:00+08:00");
    let out = hotline(&["calendar", "open", "--cal", "us", "--at", "now"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = hotline(&["calendar", "open", "--cal", "mars", "--at", "now"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("china, us, eu-berlin"), "{}", stderr(&out));
}

#[test]
fn ivr_run_at_takes_a_local_time_and_now() {
    // `ivr run --at` accepted neither a local time nor `now`.
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("f.ivr");
    std::fs::write(&flow, "flow \"x\"\ntimezone \"Asia/Shanghai\"\nstart a\nhangup a {}\n")
        .unwrap();
    let flow = flow.to_str().unwrap();
    for at in ["2026-11-23T10:00", "now", "2026-11-23T10:00:00+08:00"] {
        let out = hotline(&["ivr", "run", flow, "--at", at]);
        assert!(out.status.success(), "--at {at}: {}", stderr(&out));
    }
    assert_eq!(hotline(&["ivr", "run", flow, "--at", "tomorrow"]).status.code(), Some(2));
}

#[test]
fn sip_with_bare_lf_is_taken_leniently() {
    // Refused even with --lenient ("the header section does not end"); fmt had no --lenient.
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("lf.sip");
    std::fs::write(
        &msg,
        "OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\n\
         Max-Forwards: 70\nTo: <sip:bob@example.com>\nFrom: <sip:alice@example.com>;tag=1\n\
         Call-ID: a@h\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n",
    )
    .unwrap();
    let msg = msg.to_str().unwrap();
    assert_eq!(hotline(&["sip", "check", msg]).status.code(), Some(1));
    let out = hotline(&["sip", "check", "--lenient", msg]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    let out = hotline(&["sip", "fmt", "--lenient", msg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\r\nCall-ID: a@h\r\n"));
}

#[test]
fn progress_is_drawn_on_request_on_stderr_only() {
    let file = format!("{}/../hotline-sim/scenarios/single-small.toml", env!("CARGO_MANIFEST_DIR"));
    let out = hotline(&["sim", "run", &file, "--replications", "2", "--progress", "--json"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("replications [") && err.contains("2/2"), "{err}");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is still JSON");
    // Not a terminal and not asked: nothing.
    let out = hotline(&["sim", "run", &file, "--replications", "2", "--json"]);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let out = hotline(&[
        "sim",
        "sweep",
        &file,
        "--agents",
        "13..14",
        "--replications",
        "2",
        "--progress",
        "--threads",
        "1",
    ]);
    assert!(stderr(&out).contains("4/4"), "{}", stderr(&out));
}

#[test]
fn every_file_read_has_its_size_in_the_help() {
    let mut checked = 0;
    for (path, cmd) in leaves() {
        let reads = cmd.get_arguments().filter(|a| !a.is_hide_set()).find(|a| {
            let id = a.get_id().as_str();
            let names: Vec<String> =
                a.get_value_names().unwrap_or_default().iter().map(|n| n.to_string()).collect();
            let written = ["output", "plot", "records"].contains(&id);
            let store = names.iter().any(|n| n.contains("URL"));
            let file_value =
                names.iter().any(|n| n == "FILE" || n.ends_with(".toml") || n == "CAL");
            let named = ["digits", "order", "command"].contains(&id);
            !written && !store && (file_value || (a.is_positional() && !named))
        });
        if let Some(arg) = reads {
            checked += 1;
            let text = help(&path);
            assert!(
                text.contains("MiB") || text.contains("any size"),
                "{path:?} reads a file ({}) but its help names no size limit",
                arg.get_id()
            );
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn a_large_ivr_test_shows_progress() {
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("f.ivr");
    std::fs::write(&flow, "flow \"x\"\nstart a\nhangup a {}\n").unwrap();
    let calls = dir.path().join("calls.toml");
    let text: String = (0..150).map(|i| format!("[[call]]\nname = \"c{i}\"\n\n")).collect();
    std::fs::write(&calls, text).unwrap();
    let (flow, calls) = (flow.to_str().unwrap(), calls.to_str().unwrap());
    let out = hotline(&["ivr", "test", flow, calls, "--progress", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("calls [") && stderr(&out).contains("150/150"),
        "{}",
        stderr(&out)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is still JSON");
}

#[test]
fn every_check_prints_one_shape() {
    // `acd check` JSON had valid/problems/parse_error, `ivr check` ok/diagnostics and no file,
    // `calendar check --json` nothing for an invalid file.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let cases = [
        ("sip", write("bad.sip", "INVITE sip:x SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n")),
        ("calendar", write("bad-cal.toml", "time_zone = \"UTC\"\nopening = 1\n")),
        ("acd", write("bad-acd.toml", "[[queues]]\nname = \"q\"\npolicy = \"x\"\n")),
        ("ivr", write("bad.ivr", "start a\nsay a {\n  next -> nowhere\n}\n")),
        ("dialer", write("bad-campaign.toml", "name = \"c\"\nmode = 7\n")),
        ("sim", write("bad-scenario.toml", "name = \"s\"\nhorizon = 3\n")),
        ("flow", write("bad-def.toml", "name = \"d\"\nversion = 1\nstart = 5\n")),
    ];
    for (subject, file) in &cases {
        let out = hotline(&[subject, "check", file, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{subject}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let report = if *subject == "sip" { &v[0] } else { &v };
        assert_eq!(report["file"], file.as_str(), "{subject}: {report}");
        assert_eq!(report["ok"], false, "{subject}");
        let d = &report["diagnostics"][0];
        assert_eq!(d["severity"], "error", "{subject}: {d}");
        assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "{subject}: {d}");
        assert!(d["column"].as_u64().is_some_and(|c| c >= 1), "{subject}: {d}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{subject}: {d}");
    }
}
