//! Properties: any text gives a flow or diagnostics (never a panic); simulated calls are
//! deterministic and always end.

use std::sync::Arc;

use hotline_ivr::sim::{Script, run_call};
use proptest::prelude::*;

const FLOWS: [&str; 3] = [
    include_str!("../flows/gov12345.ivr"),
    include_str!("../flows/bank.ivr"),
    include_str!("../flows/utility.ivr"),
];

/// Words and symbols of the language, so that random text often gets deep into the parser.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "start",
            "menu",
            "say",
            "collect",
            "queue",
            "if",
            "set",
            "switch",
            "lookup",
            "subflow",
            "hangup",
            "schedule",
            "calendar",
            "prompt",
            "languages",
            "next",
            "exhausted",
            "error",
            "when",
            "else",
            "case",
            "on",
            "->",
            "{",
            "}",
            "(",
            ")",
            "=",
            "==",
            "+",
            ";",
            "\n",
            "1",
            "#",
            "*",
            "5s",
            "a",
            "b",
            "return",
            "zh-CN",
            "any",
            "\"x\"",
            "\"",
            "hours",
            "mon-fri",
            "09:00-17:00",
            "2026-10-01..2026-10-07",
            "len",
            "not",
            "and",
            "//",
        ])
        .prop_map(str::to_owned),
        "[a-z0-9 ]{1,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gives_flow_or_diagnostics(text in ".{0,400}") {
        let (_, diags) = hotline_ivr::check_source(&text);
        for d in diags {
            prop_assert!(d.span.line >= 1 && d.span.column >= 1);
            prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
            let _ = d.render("x", &text);
        }
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(token(), 0..120)) {
        let text = tokens.join(" ");
        let (_, diags) = hotline_ivr::check_source(&text);
        if !hotline_ivr::diag::has_errors(&diags)
            && let Ok((p, _)) = hotline_ivr::compile(&text) {
                let t = run_call(&Arc::new(p), &Script::default()).unwrap();
                prop_assert!(t.outcome != "stuck", "{}", t.render());
            }
    }

    #[test]
    fn damaged_flows_never_panic(which in 0usize..3, at in 0usize..6000, len in 0usize..40, junk in "[{}#>\n\"a-z ]{0,5}") {
        let src = FLOWS[which];
        let mut cut = at.min(src.len());
        while !src.is_char_boundary(cut) { cut -= 1; }
        let mut end = (cut + len).min(src.len());
        while !src.is_char_boundary(end) { end -= 1; }
        let text = format!("{}{junk}{}", &src[..cut], &src[end..]);
        let (_, diags) = hotline_ivr::check_source(&text);
        if let Ok((p, _)) = hotline_ivr::compile(&text) {
            prop_assert!(!hotline_ivr::diag::has_errors(&diags));
            let t = run_call(&Arc::new(p), &Script { digits: "1,2".into(), silence_after: Some("30s".into()), ..Script::default() }).unwrap();
            prop_assert!(!t.steps.is_empty());
        }
    }

    #[test]
    fn calls_are_deterministic_and_end(which in 0usize..3, keys in prop::collection::vec("[0-9#*_]|[0-9]{4,10}", 0..8)) {
        let p = Arc::new(hotline_ivr::compile(FLOWS[which]).unwrap().0);
        let script = Script { digits: keys.join(","), silence_after: Some("20s".into()), ..Script::default() };
        let a = run_call(&p, &script).unwrap();
        let b = run_call(&p, &script).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert!(a.outcome != "stuck" && a.outcome != "limit", "{}", a.render());
        prop_assert!(!a.outcome.starts_with("failed"), "{}", a.render());
        // Time never goes backwards.
        prop_assert!(a.steps.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));
    }
}

#[test]
fn huge_and_deep_inputs_are_bounded() {
    let deep = format!(
        "start a\nset a {{ x = {}1{} ; next -> b }}\nhangup b {{}}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let (_, d) = hotline_ivr::check_source(&deep);
    assert!(d.iter().any(|d| d.code == "limit"), "{d:?}");
    let huge = "say a { next -> a }\n".repeat(60_000);
    let (_, d) = hotline_ivr::check_source(&huge);
    assert!(d.iter().any(|d| d.code == "limit"), "{:?}", &d[..1]);
    let many = "hangup a {}\n".repeat(12_000);
    let (_, d) = hotline_ivr::check_source(&many);
    assert!(d.iter().any(|d| d.code == "limit"));
}
