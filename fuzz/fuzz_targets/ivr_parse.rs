//! The IVR flow language: any text gives a flow or diagnostics, and a flow that compiles runs a
//! simulated call to its end, without panics.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (_, diags) = hotline_ivr::check_source(text);
    for d in &diags {
        assert!(d.span.line >= 1 && d.span.end <= text.len());
        let _ = d.render("fuzz.ivr", text);
    }
    if let Ok((program, _)) = hotline_ivr::compile(text) {
        let script = hotline_ivr::sim::Script {
            digits: "1,2,_,3".into(),
            silence_after: Some("30s".into()),
            ..Default::default()
        };
        let _ = hotline_ivr::sim::run_call(&Arc::new(program), &script);
    }
});
