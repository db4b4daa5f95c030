//! hotline's criterion benchmarks.
//!
//! Each subject has one file in this folder (`sip.rs`, `dsp.rs`, `erlang.rs`, ...), declared as a
//! `[[bench]]` with `harness = false` in this package's `Cargo.toml`. A claim of speed is a ratio
//! against a named peer measured in the same run; where no peer exists, the benchmark reports a
//! throughput and the book names the machine it ran on.
//!
//! This library holds what the benchmarks share: the FFI shims for C peers (behind cargo features,
//! so that a default build needs no C library). Run one subject with
//! `cargo bench -p hotline-benches --bench NAME`.
