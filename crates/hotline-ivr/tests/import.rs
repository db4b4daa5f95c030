//! The importers on real documents: FreeSWITCH's shipped demo IVR menu and a VoiceXML service
//! line, read in place from the shared test data. The converted flows compile and run in the
//! simulator.

use std::sync::Arc;

use hotline_ivr::import::{freeswitch, vxml};
use hotline_ivr::sim::{Script, run_call};

fn read(name: &str) -> Option<String> {
    let dir = hotline_testkit::testdata("ivr")?;
    Some(std::fs::read_to_string(dir.join(name)).expect("readable test data"))
}

fn compile(text: &str) -> Arc<hotline_ivr::Program> {
    match hotline_ivr::compile(text) {
        Ok((p, _)) => Arc::new(p),
        Err(hotline_ivr::CompileError::Invalid { diagnostics }) => {
            let shown: Vec<String> =
                diagnostics.iter().map(|d| d.render("imported", text)).collect();
            panic!("{}\n{text}", shown.join(""));
        }
        Err(e) => panic!("{e}"),
    }
}

fn call(program: &Arc<hotline_ivr::Program>, digits: &str) -> hotline_ivr::sim::Transcript {
    let script = Script { digits: digits.into(), ..Script::default() };
    run_call(program, &script).unwrap()
}

#[test]
fn freeswitch_demo_ivr() {
    let Some(xml) = read("freeswitch_demo_ivr.xml") else { return };
    let imported = freeswitch::convert(&xml).unwrap();
    println!("{}\n{:#?}", imported.text, imported.notes);
    let p = compile(&imported.text);
    // Both menus, with their timeouts and failure counts.
    let main = &p.nodes()[p.node_index("demo_ivr").unwrap()];
    let sub = &p.nodes()[p.node_index("demo_ivr_submenu").unwrap()];
    let input = |n: &hotline_ivr::program::CompiledNode| n.kind.input().cloned().unwrap();
    assert_eq!(input(main).timeout.unwrap().value, std::time::Duration::from_secs(10));
    assert_eq!(input(main).inter_digit_timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(input(main).retries, Some(3));
    assert_eq!(input(sub).timeout.unwrap().value, std::time::Duration::from_secs(15));
    // The regex entry /^(10[01][0-9])$/ became 20 options 1000..1019.
    let options = |n: &hotline_ivr::program::CompiledNode| {
        n.edges.iter().filter(|e| matches!(e.label, hotline_ivr::ast::EdgeLabel::Digits(_))).count()
    };
    assert_eq!(options(main), 7 + 20);
    assert!(imported.text.contains("number \"1010\""), "{}", imported.text);

    // 2: the echo test extension.
    let t = call(&p, "2");
    assert_eq!(t.outcome, "transferred", "{}", t.render());
    assert!(
        t.steps.iter().any(|s| s.text() == "demo_ivr_2 transfer number 9196"),
        "{}",
        t.render()
    );
    // 6 opens the sub menu, * returns to the top (menu-top), 1015 dials an extension.
    let t = call(&p, "6,*,1015");
    let text = t.render();
    assert!(
        text.contains("demo_ivr_submenu_greet_long [any] file phrase:demo_ivr_sub_menu"),
        "{text}"
    );
    assert!(t.steps.iter().any(|s| s.text() == "demo_ivr_1015 transfer number 1015"), "{text}");
    // Silence: three timeouts, then the exit sound and hang up.
    let t = call(&p, "");
    assert_eq!(t.outcome, "hangup", "{}", t.render());
    assert_eq!(t.steps.iter().filter(|s| s.action == "timeout").count(), 3, "{}", t.render());
    assert!(t.render().contains("file voicemail/vm-goodbye.wav"), "{}", t.render());
    // 1 alone waits for the inter-digit timeout (it is a prefix of 1000..1019), then bridges.
    let t = call(&p, "1");
    assert!(
        t.steps.iter().any(|s| s
            .text()
            .contains("transfer number sofia/$${domain}/888@conference.freeswitch.org")),
        "{}",
        t.render()
    );
}

#[test]
fn voicexml_account_menu() {
    let Some(xml) = read("vxml_account_menu.vxml") else { return };
    let imported = vxml::convert(&xml).unwrap();
    println!("{}\n{:#?}", imported.text, imported.notes);
    let p = compile(&imported.text);
    // Balance: a 6-digit account, then back to the menu; hang up after.
    let script = Script {
        digits: "1,123456#".into(),
        silence_after: Some("3s".into()),
        ..Script::default()
    };
    let t = run_call(&p, &script).unwrap();
    let text = t.render();
    assert!(text.contains("\"Welcome to the service line."), "{text}");
    assert!(text.contains("\"Thank you. Your balance will follow.\""), "{text}");
    assert!(t.steps.iter().any(|s| s.action == "goto" && s.detail.ends_with("-> main")), "{text}");
    // A longer account number takes the else branch.
    let script = Script {
        digits: "1,12345678#".into(),
        silence_after: Some("3s".into()),
        ..Script::default()
    };
    let text = run_call(&p, &script).unwrap().render();
    assert!(text.contains("\"Thank you.\""), "{text}");
    // Complaint: a recording with a beep, max 60s.
    let t = call(&p, "2");
    assert!(
        t.steps.iter().any(|s| s.text() == "complaint record max 60s beep on"),
        "{}",
        t.render()
    );
    // Agent: a transfer to the SIP queue.
    let t = call(&p, "0");
    assert_eq!(t.outcome, "transferred");
    assert!(
        t.steps.iter().any(|s| s.text() == "agent transfer number sip:queue-general@localhost"),
        "{}",
        t.render()
    );
    // Three wrong keys: nomatch count 3 goes to the agent; the second prompt is the short one.
    let t = call(&p, "7,8,9");
    let text = t.render();
    assert!(text.contains("That was not a valid choice."), "{text}");
    assert!(text.contains("Press 1 for balance, 2 for a complaint, or 0 for an agent."), "{text}");
    assert_eq!(t.outcome, "transferred", "{text}");
    // Too short an account number, twice: nomatch count 2 goes to the agent.
    let t = call(&p, "1,12#,34#");
    assert!(t.render().contains("Account numbers have six to ten digits."), "{}", t.render());
    assert_eq!(t.outcome, "transferred", "{}", t.render());
}

#[test]
fn deeply_nested_voicexml_is_bounded() {
    let inner = format!("{}{}", "<if cond=\"a == 1\">".repeat(5000), "</if>".repeat(5000));
    let doc = format!("<vxml version=\"2.1\"><form id=\"f\"><block>{inner}</block></form></vxml>");
    match vxml::convert(&doc) {
        Ok(imported) => {
            assert!(
                imported.notes.iter().any(|n| n.contains("nested deeper")),
                "{:?}",
                imported.notes
            );
            let _ = hotline_ivr::check_source(&imported.text);
        }
        Err(e) => assert!(e.to_string().contains("XML"), "{e}"),
    }
}

#[test]
fn malformed_documents_are_errors_with_positions() {
    let e = freeswitch::convert("<include><menu name=\"x\"></include>").unwrap_err();
    assert!(e.to_string().starts_with("1:"), "{e}");
    let e = vxml::convert("<form/>").unwrap_err();
    assert!(e.to_string().contains("not <vxml>"), "{e}");
    let e = freeswitch::convert("<include/>").unwrap_err();
    assert!(e.to_string().contains("no <menu>"), "{e}");
}
