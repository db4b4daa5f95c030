//! A `MediaSession` fed arbitrary datagrams and host commands: never a panic, an unbounded
//! allocation or a hang, whatever the order. The interpreter of the script in the data is shared
//! with hotline-media's property test `tests/scripts.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/hotline-media/tests/script/mod.rs");

fuzz_target!(|data: &[u8]| run_script(data));
