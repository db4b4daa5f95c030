//! RTP and RTCP for call centers: packets, statistics, DTMF events, a jitter buffer and captures.
//!
//! * [`packet`]: zero-copy RTP parsing and building (RFC 3550, RFC 8285 header extensions);
//! * [`stats`]: receiver statistics exactly per RFC 3550 appendix A (sequence validation, loss,
//!   jitter), correct across both wraps;
//! * [`rtcp`]: SR, RR, SDES, BYE, APP, XR VoIP metrics and compound packets; reports from
//!   statistics; round-trip time from LSR/DLSR;
//! * [`event`]: RFC 4733 telephone-events: a sender and a receiver tolerant of real endpoints'
//!   faults;
//! * [`jitter`]: a sans-IO adaptive (or fixed) jitter buffer;
//! * [`network`] and [`eval`]: a network model making arrival traces from five named profiles,
//!   and an evaluator of jitter buffers on them;
//! * [`pcap`]: classic pcap and pcapng reading (UDP over IPv4/IPv6), and [`analyze`]: per-stream
//!   analysis of RTP in a capture, as Wireshark's RTP stream statistics compute it.
//!
//! Everything here is sans-IO: time is passed in as a [`std::time::Duration`] since any fixed
//! origin, and nothing owns a socket, a thread or a clock. No input panics: every parser returns a
//! value or an error carrying where the input went wrong.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod analyze;
pub mod eval;
pub mod event;
pub mod jitter;
pub mod network;
pub mod packet;
pub mod pcap;
pub mod rtcp;
pub mod stats;

pub use packet::{RtpBuilder, RtpError, RtpPacket};
