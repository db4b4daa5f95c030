//! Counters for `/metrics` (Prometheus text format). Relaxed atomics: each is written by one
//! task or worker at a time and read only for reporting.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($name:ident: $help:literal),* $(,)?) => {
        /// Every counter the server keeps.
        #[derive(Debug, Default)]
        pub struct Metrics {
            $(#[doc = $help] pub $name: AtomicU64,)*
        }

        impl Metrics {
            /// The counters in Prometheus text format, each as `hotline_<name>_total`.
            pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
                let mut out = String::new();
                $(
                    let _ = writeln!(out, "# HELP hotline_{}_total {}", stringify!($name), $help);
                    let _ = writeln!(out, "# TYPE hotline_{}_total counter", stringify!($name));
                    let _ = writeln!(out, "hotline_{}_total {}", stringify!($name), self.$name.load(Ordering::Relaxed));
                )*
                for (name, help, value) in gauges {
                    let _ = writeln!(out, "# HELP hotline_{name} {help}");
                    let _ = writeln!(out, "# TYPE hotline_{name} gauge");
                    let _ = writeln!(out, "hotline_{name} {value}");
                }
                out
            }
        }
    };
}

counters! {
    sip_in: "SIP messages received.",
    sip_malformed: "SIP messages that could not be parsed (answered 400 where possible).",
    sip_out: "SIP messages sent.",
    calls_started: "Inbound calls answered.",
    calls_rejected: "Inbound calls refused (unknown number, no codec, shutting down).",
    calls_ended: "Calls ended with a CDR row.",
    agent_invites: "INVITEs sent to agents.",
    rtp_in: "RTP and RTCP packets taken by a media session.",
    rtp_refused: "RTP and RTCP packets refused (unexpected source, malformed).",
    rtp_out: "RTP and RTCP packets sent.",
    rtp_send_errors: "RTP and RTCP packets the socket would not send.",
    rtp_ports_exhausted: "Legs refused for want of a free RTP port.",
    cdr_rows: "CDR rows written.",
    flight_records: "Flight-log records written.",
}
