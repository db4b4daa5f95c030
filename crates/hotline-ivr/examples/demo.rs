//! Checks the shipped 12345 flow, then simulates one call that asks for the progress of a work
//! order, and prints the transcript.
//!
//! Run with `cargo run -p hotline-ivr --example demo`.

use std::sync::Arc;

use hotline_ivr::sim::{LookupAnswer, LookupMock, Script, run_call};

fn main() {
    let source = include_str!("../flows/gov12345.ivr");
    let (program, warnings) = match hotline_ivr::compile(source) {
        Ok(ok) => ok,
        Err(hotline_ivr::CompileError::Invalid { diagnostics }) => {
            for d in diagnostics {
                eprint!("{}", d.render("gov12345.ivr", source));
            }
            std::process::exit(1);
        }
        Err(e) => panic!("{e}"),
    };
    for w in &warnings {
        eprint!("{}", w.render("gov12345.ivr", source));
    }
    let program = Arc::new(program);

    // The caller chooses English (2), then progress enquiry (3), types the order number,
    // confirms it (1), hears the status and hangs up after ten seconds of silence.
    let mut script = Script {
        name: "progress enquiry".into(),
        digits: "2,3,20261123,1".into(),
        silence_after: Some("10s".into()),
        ..Script::default()
    };
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("status".into(), hotline_ivr::expr::Value::Text("in progress".into()));
    fields.insert("department".into(), hotline_ivr::expr::Value::Text("Housing Bureau".into()));
    script.lookups.insert(
        "work_order_status".into(),
        LookupMock::One(LookupAnswer { result: Some(fields), error: None, delay: None }),
    );
    let transcript = run_call(&program, &script).expect("the script is valid");
    print!("{}", transcript.render());
}
