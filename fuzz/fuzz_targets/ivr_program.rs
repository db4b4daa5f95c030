//! Stored IVR programs: any JSON, and any mutation of a real compiled program's JSON, gives a
//! program or an error (never a panic); a program that loads runs simulated calls to their end
//! without panics.
#![no_main]

use std::sync::{Arc, OnceLock};

use hotline_ivr::Program;
use hotline_ivr::fuzzing::mutate;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Compiled programs to mutate: the shipped flows and one with a schedule and a digit pattern.
fn seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            include_str!("../../crates/hotline-ivr/flows/gov12345.ivr"),
            include_str!("../../crates/hotline-ivr/flows/bank.ivr"),
            include_str!("../../crates/hotline-ivr/flows/utility.ivr"),
            "timezone \"Asia/Shanghai\"\nstart s\ncalendar cn { base china\n hours mon-fri 09:00-18:00 }\n\
             schedule s { calendar cn\n open -> c\n closed -> b\n holiday -> b }\n\
             prompt p { any \"Number?\" }\n\
             collect c { prompt p; into n; digits 4; pattern \"20[0-9]{2}\"; retries 2\n next -> b\n exhausted -> b }\n\
             hangup b {}\n",
        ]
        .iter()
        .map(|src| {
            let (program, _) = hotline_ivr::compile(src).expect("the seed flows compile");
            serde_json::to_value(&program).expect("a program serialises")
        })
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let loaded = if mode & 1 == 0 {
        serde_json::from_slice::<Program>(rest).ok()
    } else {
        let seeds = seeds();
        let mut v = seeds[usize::from(mode >> 1) % seeds.len()].clone();
        for chunk in rest.chunks_exact(3) {
            let mut k = usize::from(u16::from_le_bytes([chunk[0], chunk[1]]));
            mutate(&mut v, &mut k, chunk[2]);
        }
        serde_json::from_value::<Program>(v).ok()
    };
    let Some(program) = loaded else { return };
    let program = Arc::new(program);
    for digits in ["1,2,_,3", "2,3,20261123,1,9"] {
        let script = hotline_ivr::sim::Script {
            digits: digits.into(),
            silence_after: Some("30s".into()),
            ..Default::default()
        };
        let _ = hotline_ivr::sim::run_call(&program, &script);
    }
});
