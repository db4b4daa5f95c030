//! Every building block's README, as the doc comment of a module of its own: `cargo test --doc`
//! compiles and runs each README's Rust examples as doctests of a crate outside the workspace,
//! the way a product engineer who copies them would (run `scripts/external-examples.sh`).
//!
//! The modules are empty; only their documentation matters.

/// The README of `hotline-acd`.
#[doc = include_str!("../../crates/hotline-acd/README.md")]
pub mod acd {}

/// The README of `hotline-calendar`.
#[doc = include_str!("../../crates/hotline-calendar/README.md")]
pub mod calendar {}

/// The README of `hotline-dialer`.
#[doc = include_str!("../../crates/hotline-dialer/README.md")]
pub mod dialer {}

/// The README of `hotline-dsp`.
#[doc = include_str!("../../crates/hotline-dsp/README.md")]
pub mod dsp {}

/// The README of `hotline-erlang`.
#[doc = include_str!("../../crates/hotline-erlang/README.md")]
pub mod erlang {}

/// The README of `hotline-flow`.
#[doc = include_str!("../../crates/hotline-flow/README.md")]
pub mod flow {}

/// The README of `hotline-ivr`.
#[doc = include_str!("../../crates/hotline-ivr/README.md")]
pub mod ivr {}

/// The README of `hotline-media`.
#[doc = include_str!("../../crates/hotline-media/README.md")]
pub mod media {}

/// The README of `hotline-rtp`.
#[doc = include_str!("../../crates/hotline-rtp/README.md")]
pub mod rtp {}

/// The README of `hotline-sim`.
#[doc = include_str!("../../crates/hotline-sim/README.md")]
pub mod sim {}

/// The README of `hotline-sip`.
#[doc = include_str!("../../crates/hotline-sip/README.md")]
pub mod sip {}

/// The README of `hotline-wfm`.
#[doc = include_str!("../../crates/hotline-wfm/README.md")]
pub mod wfm {}
