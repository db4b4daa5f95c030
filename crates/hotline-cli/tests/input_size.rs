//! Every file a command reads has a size limit (issue 25: 200 MB TOML files took 10–16 GB). A file
//! over its limit is refused before it is read, so the command's peak memory stays below the file's
//! own size; `scripts/bench-input-size.sh` does the same with 200 MB files.

use std::path::Path;
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

/// 8 MiB of valid-looking TOML: eight times the limit.
fn big_toml(path: &Path, table: &str) {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 8 << 20 {
        text.push_str(&format!("[[{table}]]\nname = \"item-{i:08}\"\n\n"));
        i += 1;
    }
    std::fs::write(path, text).unwrap();
}

/// Every command that reads TOML, given the file `F`.
fn commands(f: &str) -> Vec<Vec<String>> {
    let cases: [&[&str]; 12] = [
        &["acd", "check", "F"],
        &["acd", "check", "F", "--json"],
        &["calendar", "check", "F"],
        &["calendar", "open", "--cal", "F", "--at", "now"],
        &["sim", "run", "F"],
        &["sim", "check", "F"],
        &["ivr", "test", "FLOW", "F"],
        &["flow", "deploy", "F", "--store", "STORE"],
        &["flow", "check", "F"],
        &["wfm", "forecast", "HISTORY", "--horizon", "1d", "--cal", "F"],
        &["wfm", "schedule", "DAY", "--config", "F"],
        &["dialer", "check", "F"],
    ];
    cases
        .iter()
        .map(|c| c.iter().map(|a| if *a == "F" { f.to_owned() } else { (*a).to_owned() }).collect())
        .collect()
}

#[test]
fn toml_over_the_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    big_toml(&big, "queues");
    let flow = dir.path().join("ok.ivr");
    std::fs::write(&flow, "flow \"x\"\nstart a\nhangup a {}\n").unwrap();
    let store = dir.path().join("orders.db");
    assert!(hotline(&["flow", "init", "--store", store.to_str().unwrap()]).status.success());
    let history = dir.path().join("history.csv").display().to_string();
    let out = hotline(&[
        "wfm",
        "generate",
        "--first",
        "2025-03-03",
        "--days",
        "14",
        "--daily-volume",
        "2000",
        "-o",
        &history,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let day = dir.path().join("day.csv");
    let rows: String =
        (0..48).map(|i| format!("2026-03-02T{:02}:{:02},2\n", i / 2, 30 * (i % 2))).collect();
    std::fs::write(&day, format!("timestamp,scheduled\n{rows}")).unwrap();
    for mut args in commands(big.to_str().unwrap()) {
        for a in &mut args {
            match a.as_str() {
                "FLOW" => *a = flow.display().to_string(),
                "STORE" => *a = store.display().to_string(),
                "HISTORY" => a.clone_from(&history),
                "DAY" => *a = day.display().to_string(),
                _ => {}
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = hotline(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(text.contains("larger than"), "{args:?}: {text}");
        // Every limit in the same words (`calendar add --cal` said `1048576 bytes`).
        assert!(text.contains(" MiB"), "{args:?}: {text}");
        assert!(!text.contains("valid"), "{args:?}: {text}");
    }
}

#[test]
fn the_limits_are_in_the_help() {
    for path in [
        &["acd", "check"][..],
        &["calendar", "check"],
        &["sim", "run"],
        &["ivr", "test"],
        &["flow", "deploy"],
        &["staff"],
        &["sip", "check"],
    ] {
        let mut args = path.to_vec();
        args.push("--help");
        let text = String::from_utf8(hotline(&args).stdout).unwrap();
        assert!(text.contains("MiB"), "{path:?} --help names no size limit:\n{text}");
    }
}

/// GNU time, which measures the peak memory; outside CI without it the test is skipped, saying
/// so.
fn gnu_time() -> Option<&'static Path> {
    let time = Path::new("/usr/bin/time");
    if time.is_file() {
        Some(time)
    } else {
        hotline_testkit::missing("/usr/bin/time", "install it with `apt-get install time`");
        None
    }
}

/// Reading a valid file of `file_kib` costs at most 12 times the file above the command's
/// `baseline` peak (the whole-document TOML parse took 25 to 65 times).
fn assert_small_multiple(what: &str, peak: u64, baseline: u64, file_kib: u64) {
    assert!(
        peak < baseline + 12 * file_kib,
        "{what}: peak {peak} KiB, baseline {baseline} KiB, file {file_kib} KiB"
    );
}

/// The peak memory (maximum resident set, KiB) of `hotline ARGS`, by `/usr/bin/time -v`.
fn peak_kib(time: &Path, args: &[&str]) -> u64 {
    let out = Command::new(time)
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .output()
        .expect("run /usr/bin/time");
    let report = String::from_utf8_lossy(&out.stderr);
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {report}"))
}

#[test]
fn peak_memory_stays_below_the_file_size() {
    let Some(time) = gnu_time() else { return };
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    big_toml(&big, "agents");
    let file_kib = std::fs::metadata(&big).unwrap().len() / 1024;
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "[[queues]]\nname = \"a\"\n").unwrap();
    let baseline = peak_kib(time, &["acd", "check", small.to_str().unwrap()]);
    for args in [
        vec!["acd", "check", big.to_str().unwrap()],
        vec!["calendar", "check", big.to_str().unwrap()],
        vec!["sim", "run", big.to_str().unwrap()],
    ] {
        let peak = peak_kib(time, &args);
        // At most the 1 MiB read, a copy, and the baseline; far below the 8 MiB file.
        assert!(
            peak < baseline + 3 * 1024 && peak < file_kib,
            "{args:?}: peak {peak} KiB, baseline {baseline} KiB, file {file_kib} KiB"
        );
    }
}

/// A valid file of about `bytes`: `head`, then `item(i)` for i = 0, 1, ... while it fits.
fn valid_file(path: &Path, bytes: usize, head: &str, item: impl Fn(usize) -> String) {
    let mut text = head.to_owned();
    for i in 0.. {
        let next = item(i);
        if text.len() + next.len() > bytes {
            break;
        }
        text.push_str(&next);
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn reading_a_valid_file_takes_a_small_multiple_of_its_size() {
    // Issue 25: a valid 1 MiB ACD configuration took 72 MB, about 65 times its size (the `toml`
    // crate's document of it); a calendar about 35 times. `scripts/bench-toml-memory.sh` prints
    // the figures.
    let Some(time) = gnu_time() else { return };
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "[[queues]]\nname = \"a\"\n").unwrap();
    let acd = dir.path().join("acd.toml");
    valid_file(
        &acd,
        1_000_000,
        "skills = [\"billing\", \"tech\"]\n[[queues]]\nname = \"billing\"\n[[queues]]\nname = \"tech\"\n",
        |i| {
            format!(
                "[[agents]]\nname = \"agent-{i:06}\"\nskills = {{ billing = {}, tech = 5 }}\n\
                 queues = [{{ queue = \"billing\", tier = 1 }}, {{ queue = \"tech\", tier = 2 }}]\n\n",
                i % 10 + 1
            )
        },
    );
    let calendar = dir.path().join("calendar.toml");
    valid_file(&calendar, 1_000_000, "name = \"big\"\ntime_zone = \"UTC\"\n\n", |i| {
        let day = jiff::civil::date(2000, 1, 1).checked_add(jiff::Span::new().days(i as i64));
        format!("[[holiday]]\nname = \"holiday {i:06}\"\nfrom = {}\n\n", day.unwrap())
    });
    let baseline = peak_kib(time, &["acd", "check", small.to_str().unwrap()]);
    for args in
        [["acd", "check", acd.to_str().unwrap()], ["calendar", "check", calendar.to_str().unwrap()]]
    {
        let file_kib = std::fs::metadata(args[2]).unwrap().len() / 1024;
        let out = Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let peak = peak_kib(time, &args);
        assert_small_multiple(&format!("{args:?}"), peak, baseline, file_kib);
    }
}

#[test]
fn wfm_reads_its_calendar_and_configuration_in_a_small_multiple_of_their_size() {
    // `hotline wfm forecast --cal FILE` and `wfm schedule --config FILE` read their TOML with the
    // `toml` crate's whole document: 36 and 26 times the file above the command's own peak.
    // Both now read item by item, as the other commands (about 10 and 8 times).
    let Some(time) = gnu_time() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    // A calendar of 1 MB, its holidays after the history, and the same forecast on a bundled
    // calendar as the baseline.
    valid_file(
        Path::new(&p("cal.toml")),
        1_000_000,
        "name = \"big\"\ntime_zone = \"UTC\"\n\n",
        |i| {
            let day = jiff::civil::date(2100, 1, 1).checked_add(jiff::Span::new().days(i as i64));
            format!("[[holiday]]\nname = \"holiday {i:06}\"\nfrom = {}\n\n", day.unwrap())
        },
    );
    let out = hotline(&[
        "wfm",
        "generate",
        "--first",
        "2025-03-03",
        "--days",
        "70",
        "--daily-volume",
        "2000",
        "-o",
        &p("history.csv"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let forecast = |cal: &str| {
        vec!["wfm", "forecast", &p("history.csv"), "--horizon", "1d", "--cal", cal, "--json"]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };
    let cal = p("cal.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline")).args(forecast(&cal)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fn args(a: &[String]) -> Vec<&str> {
        a.iter().map(String::as_str).collect()
    }
    let (us, big) = (forecast("us"), forecast(&cal));
    let baseline = peak_kib(time, &args(&us));
    let peak = peak_kib(time, &args(&big));
    let file_kib = 1_000_000 / 1024;
    assert_small_multiple("wfm forecast --cal", peak, baseline, file_kib);
    // A configuration of 1 MB, and one of 128 KB as the baseline: both have more than the 1,000
    // templates `check` allows, so both are read whole and then refused, after the same work.
    let template = |i: usize| {
        format!(
            "[[templates]]\nname = \"t{i:06}\"\nearliest_start = \"07:00\"\nlatest_start = \
             \"12:00\"\nstart_step_minutes = 30\nlengths_minutes = [480]\n\n"
        )
    };
    valid_file(Path::new(&p("big.toml")), 1_000_000, "", template);
    let small: String = (0..1001).map(template).collect();
    std::fs::write(p("small.toml"), &small).unwrap();
    let day: String = std::iter::once("timestamp,scheduled\n".to_owned())
        .chain((0..48).map(|i| format!("2026-03-02T{:02}:{:02},2\n", i / 2, 30 * (i % 2))))
        .collect();
    std::fs::write(p("day.csv"), day).unwrap();
    let schedule = |config: &str| {
        let args = ["wfm", "schedule", &p("day.csv"), "--config", config];
        let out = hotline(&args);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("at most 1,000"));
        peak_kib(time, &args)
    };
    let baseline = schedule(&p("small.toml"));
    let peak = schedule(&p("big.toml"));
    let more_kib = (1_000_000 - small.len() as u64) / 1024;
    assert_small_multiple("wfm schedule --config", peak, baseline, more_kib);
}

#[test]
fn dialer_reads_a_campaign_in_a_small_multiple_of_its_size() {
    // `hotline dialer check` and `simulate` read a campaign with the `toml` crate's whole
    // document first (about 50 times the file) and item by item only on an error; both now read
    // item by item from the start.
    let Some(time) = gnu_time() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(p("list.csv"), "id,phone\nwo-1,+12125550101\n").unwrap();
    let head = "name = \"survey\"\nring_timeout = \"20s\"\nmax_lines = 30\n\n[profile]\n\
                jurisdiction = \"us\"\n\n[mode]\nmode = \"progressive\"\n\n";
    let list = |i: usize| {
        format!(
            "[[list]]\nname = \"list {i:06}\"\nfile = \"list.csv\"\ntime_zone = \
             \"America/New_York\"\n\n"
        )
    };
    std::fs::write(p("small.toml"), format!("{head}{}", list(0))).unwrap();
    valid_file(Path::new(&p("big.toml")), 1_000_000, head, list);
    let check = |file: &str| {
        let args = ["dialer", "check", file];
        let out = hotline(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        peak_kib(time, &args)
    };
    let baseline = check(&p("small.toml"));
    let peak = check(&p("big.toml"));
    let file_kib = 1_000_000 / 1024;
    assert_small_multiple("dialer check", peak, baseline, file_kib);
}
