//! Hooks shared by the `ivr_program` fuzz target and this crate's tests, built only under
//! `cfg(fuzzing)` (which cargo-fuzz sets), `cfg(test)` or the hidden `fuzzing` feature (the fuzz
//! crate's plain `cargo check`): they have no place in the public API.

use serde_json::Value;

/// Replaces the `k`-th value (depth first) of `v`, a stored program's JSON, by what `byte` picks:
/// a small or huge number, -1, an empty or unclosed string, null, an empty array or a boolean.
/// False when `v` has fewer than `k + 1` values.
pub fn mutate(v: &mut Value, k: &mut usize, byte: u8) -> bool {
    if *k == 0 {
        *v = match byte % 8 {
            0 => Value::from(u64::from(byte / 8)),
            1 => Value::from(u64::MAX - u64::from(byte)),
            2 => Value::from(-1),
            3 => Value::from(""),
            4 => Value::from("(unclosed"),
            5 => Value::Null,
            6 => Value::Array(Vec::new()),
            _ => Value::Bool(byte & 1 == 1),
        };
        return true;
    }
    *k -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|x| mutate(x, k, byte)),
        Value::Object(map) => map.values_mut().any(|x| mutate(x, k, byte)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::mutate;
    use crate::Program;
    use crate::sim::{Script, run_call};

    #[test]
    fn mutate_replaces_the_kth_value_depth_first() {
        let mut v = json!({ "a": [1, 2], "b": "x" });
        // Depth first: the object (0), "a" (1), 1 (2), 2 (3), "b" (4).
        assert!(mutate(&mut v, &mut 3, 5));
        assert_eq!(v, json!({ "a": [1, null], "b": "x" }));
        assert!(mutate(&mut v, &mut 4, 3));
        assert_eq!(v, json!({ "a": [1, null], "b": "" }));
        assert!(!mutate(&mut v, &mut 5, 0), "there is no sixth value");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

        /// Any mutation of a real program loads as a program or is refused; a program that loads
        /// runs a call to its end without a panic.
        #[test]
        fn mutated_programs_load_or_are_refused(
            changes in proptest::collection::vec((0usize..4000, proptest::num::u8::ANY), 1..4),
            digits in "([0-9#*]{1,8}|_)(,([0-9#*]{1,8}|_)){0,4}",
        ) {
            static SEED: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
            let seed = SEED.get_or_init(|| {
                let (program, _) = crate::compile(include_str!("../flows/gov12345.ivr"))
                    .expect("the shipped flow compiles");
                serde_json::to_value(&program).expect("a program serialises")
            });
            let mut v = seed.clone();
            for (k, byte) in changes {
                let mut k = k;
                mutate(&mut v, &mut k, byte);
            }
            if let Ok(program) = serde_json::from_value::<Program>(v) {
                let script =
                    Script { digits, silence_after: Some("20s".into()), ..Script::default() };
                let t = run_call(&Arc::new(program), &script).unwrap();
                proptest::prop_assert!(!t.outcome.is_empty());
            }
        }
    }
}
