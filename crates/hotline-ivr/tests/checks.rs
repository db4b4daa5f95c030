//! One test per static check: a small flow with exactly the expected diagnostics (code, severity,
//! line and column).

use hotline_ivr::{Severity, check_source};

/// Parses and checks `src`, and returns `(code, severity, line, column)` of every diagnostic.
fn diags(src: &str) -> Vec<(String, Severity, u32, u32)> {
    check_source(src)
        .1
        .into_iter()
        .map(|d| (d.code, d.severity, d.span.line, d.span.column))
        .collect()
}

fn has(src: &str, code: &str, severity: Severity, line: u32, column: u32) {
    let all = diags(src);
    assert!(
        all.iter().any(|d| d.0 == code && d.1 == severity && d.2 == line && d.3 == column),
        "expected {code} {severity} at {line}:{column}, got {all:?}"
    );
}

fn only(src: &str, expected: &[(&str, Severity, u32, u32)]) {
    let all = diags(src);
    let want: Vec<(String, Severity, u32, u32)> =
        expected.iter().map(|(c, s, l, k)| ((*c).to_owned(), *s, *l, *k)).collect();
    assert_eq!(all, want);
}

use Severity::{Error, Warning};

/// A menu with every handling in place, used as the clean base of several tests.
const CLEAN: &str = r#"start main
prompt p { any "Press 1." }
menu main {
  prompt p
  timeout 5s
  invalid p
  1 -> bye
  exhausted -> bye
}
hangup bye {}
"#;

#[test]
fn clean_flow_has_no_diagnostics() {
    only(CLEAN, &[]);
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    only("start a\nhangup a {\n  prompt\n}\n", &[("syntax", Error, 3, 3)]);
    only("start a\nhangup a {}\nsay b { next -> }\n", &[("syntax", Error, 3, 14)]);
    only("start a\nhangup a { \"x }\n", &[("syntax", Error, 2, 12)]);
}

#[test]
fn undefined_target() {
    let src = CLEAN.replace("1 -> bye", "1 -> nowhere");
    only(&src, &[("undefined-target", Error, 7, 8)]);
    only("start nowhere\nhangup a {}\n", &[("undefined-target", Error, 1, 7)]);
}

#[test]
fn duplicate_id() {
    let src = format!("{CLEAN}hangup bye {{}}\n");
    only(&src, &[("duplicate-id", Error, 11, 8)]);
    has(
        "start a\nprompt p { any \"x\" }\nprompt p { any \"y\" }\nhangup a { prompt p }\n",
        "duplicate-id",
        Error,
        3,
        8,
    );
}

#[test]
fn unreachable() {
    let src = format!("{CLEAN}hangup lonely {{}}\n");
    only(&src, &[("unreachable", Warning, 11, 8)]);
}

#[test]
fn dead_end() {
    only("start a\nsay a {}\n", &[("dead-end", Error, 2, 5)]);
    has("start a\nif a { when caller == \"1\" -> b }\nhangup b {}\n", "dead-end", Error, 2, 4);
}

#[test]
fn loop_with_no_exit() {
    let src = "start a\nprompt p { any \"x\" }\nsay a { prompt p; next -> b }\nsay b { prompt p; next -> a }\n";
    only(src, &[("loop-no-exit", Error, 3, 5)]);
    // A loop with a way out is fine.
    only(
        "start a\nprompt p { any \"x\" }\nsay a { prompt p; next -> m }\nmenu m { prompt p; timeout 3s; invalid p\n 1 -> a\n exhausted -> b }\nhangup b {}\n",
        &[],
    );
}

#[test]
fn conflicting_and_ambiguous_digits() {
    let src = CLEAN.replace("1 -> bye", "1 -> bye\n  1 -> main");
    only(&src, &[("conflicting-digits", Error, 8, 3)]);
    let src = CLEAN.replace("1 -> bye", "1 -> bye\n  12 -> main");
    only(&src, &[("ambiguous-digits", Warning, 8, 3)]);
}

#[test]
fn menus_and_collects_without_timeout_or_invalid_handling() {
    let src = CLEAN.replace("  timeout 5s\n", "");
    only(&src, &[("no-timeout", Warning, 3, 6)]);
    let src = CLEAN.replace("  invalid p\n", "");
    only(&src, &[("no-invalid-handling", Warning, 3, 6)]);
    let src = CLEAN.replace("  exhausted -> bye\n", "");
    only(&src, &[("no-invalid-handling", Error, 3, 6)]);
    let collect = "start c\nprompt p { any \"x\" }\ncollect c { prompt p; into n; digits 4\n next -> b }\nhangup b {}\n";
    only(
        collect,
        &[
            ("no-invalid-handling", Error, 3, 9),
            ("no-timeout", Warning, 3, 9),
            ("no-invalid-handling", Warning, 3, 9),
        ],
    );
}

#[test]
fn variables_read_before_they_can_be_set() {
    // Never set anywhere: an error.
    let src = "start a\nif a { when pin == \"1\" -> b\n else -> b }\nhangup b {}\n";
    only(src, &[("unset-variable", Error, 2, 13)]);
    // Set on one path only: a warning.
    let src = r#"start m
prompt p { any "{n}" }
menu m { prompt p; timeout 1s; invalid p
 1 -> c
 2 -> s
 exhausted -> s }
collect c { prompt p; into n; timeout 1s; invalid p
 next -> s
 exhausted -> s }
say s { prompt p; next -> b }
hangup b {}
"#;
    let all = diags(src);
    assert!(all.contains(&("unset-variable".into(), Warning, 10, 16)), "{all:?}");
    // Lookup results exist only on the `next` edge.
    let src = r#"start l
prompt p { any "Balance {acct.balance}" }
lookup l { function "f"; into acct; timeout 1s
 next -> ok
 error -> bad }
say ok { prompt p; next -> b }
say bad { prompt p; next -> b }
hangup b {}
"#;
    only(src, &[("unset-variable", Warning, 7, 18)]);
}

#[test]
fn prompts_missing_in_a_declared_language() {
    let src = "languages zh-CN, en\nstart a\nprompt p { zh-CN \"你好\" }\nhangup a { prompt p }\n";
    only(src, &[("missing-prompt", Error, 3, 8)]);
    let src = "start a\nhangup a { prompt nope }\n";
    only(src, &[("undefined-prompt", Error, 2, 19)]);
    let src = "languages en\nstart a\nprompt p { en \"x\"\n fr \"y\" }\nhangup a { prompt p }\n";
    only(src, &[("undeclared-language", Warning, 4, 2)]);
}

#[test]
fn schedules_that_leave_hours_uncovered() {
    let src = "timezone \"Asia/Shanghai\"\nstart s\ncalendar c { hours mon-fri 09:00-17:00 }\nschedule s { calendar c\n open -> a }\nhangup a {}\n";
    only(src, &[("schedule-uncovered", Error, 4, 10)]);
    let src = "start s\ncalendar c { hours mon-fri 09:00-17:00 }\nschedule s { calendar nope\n open -> a\n closed -> a }\nhangup a {}\n";
    only(src, &[("undefined-calendar", Error, 3, 23)]);
    let src = "start s\ncalendar c { timezone \"Mars/Base\"\n hours mon 09:00-10:00 }\nschedule s { calendar c\n open -> a\n closed -> a }\nhangup a {}\n";
    has(src, "undefined-calendar", Error, 2, 23);
}

#[test]
fn lookups_and_queues_without_a_failure_edge() {
    let src =
        "start l\nlookup l { function \"f\"; timeout 1s\n next -> q }\nqueue q { to \"x\" }\n";
    only(src, &[("no-failure-edge", Error, 2, 8), ("no-failure-edge", Error, 4, 7)]);
}

#[test]
fn return_outside_a_subflow() {
    let src = "start a\nsay a { next -> return }\n";
    only(src, &[("return-outside-subflow", Error, 2, 17)]);
}

#[test]
fn bad_pattern() {
    let src = "start c\nprompt p { any \"x\" }\ncollect c { prompt p; into n; pattern \"[0-9\"; timeout 1s; invalid p\n next -> b\n exhausted -> b }\nhangup b {}\n";
    only(src, &[("bad-pattern", Error, 3, 39)]);
}

#[test]
fn rendering_shows_the_source_line_and_a_caret() {
    let src = "start a\nsay a {\n  next -> nowhere\n}\n";
    let (_, d) = check_source(src);
    let text = d[0].render("f.ivr", src);
    assert!(text.contains("error[undefined-target]: node `nowhere` is not defined"), "{text}");
    assert!(text.contains("--> f.ivr:3:11"), "{text}");
    assert!(text.contains("3 |   next -> nowhere"), "{text}");
    assert!(text.contains("  |           ^^^^^^^"), "{text}");
}

#[test]
fn shipped_flows_check_clean() {
    for (name, src) in [
        ("gov12345", include_str!("../flows/gov12345.ivr")),
        ("bank", include_str!("../flows/bank.ivr")),
        ("utility", include_str!("../flows/utility.ivr")),
    ] {
        let (_, d) = check_source(src);
        assert!(d.is_empty(), "{name}: {d:#?}");
    }
}
