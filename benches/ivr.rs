//! hotline-ivr: parse and check, compile, and simulated calls on the shipped 12345 flow.
//!
//! No in-process IVR engine exists to compare with, so these report throughput (flows checked
//! per second, simulated calls per second) on the machine they run on.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_ivr::sim::{LookupAnswer, LookupMock, Script, run_call};

const GOV: &str = include_str!("../crates/hotline-ivr/flows/gov12345.ivr");

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ivr");
    g.throughput(Throughput::Bytes(GOV.len() as u64));
    g.bench_function("parse_and_check_gov12345", |b| {
        b.iter(|| hotline_ivr::check_source(std::hint::black_box(GOV)))
    });
    g.bench_function("compile_gov12345", |b| {
        b.iter(|| hotline_ivr::compile(std::hint::black_box(GOV)).unwrap())
    });
    g.throughput(Throughput::Elements(1));
    let program = Arc::new(hotline_ivr::compile(GOV).unwrap().0);
    let mut script = Script {
        digits: "2,3,20261123,1".into(),
        silence_after: Some("10s".into()),
        ..Script::default()
    };
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("status".to_owned(), hotline_ivr::expr::Value::Text("open".into()));
    script.lookups.insert(
        "work_order_status".into(),
        LookupMock::One(LookupAnswer { result: Some(fields), error: None, delay: None }),
    );
    g.bench_function("simulated_call_gov12345", |b| {
        b.iter(|| run_call(&program, &script).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
