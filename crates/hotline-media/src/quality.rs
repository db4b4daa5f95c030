//! Call quality per leg: counters and the ITU-T G.107 E-model estimate of the MOS.
//!
//! The E-model here is G.107's with every parameter at its default except the two a receiver can
//! measure: the packet loss (through the equipment impairment `Ie,eff` of G.107 §7.5 with G.711's
//! `Ie` = 0 and the `Bpl` of G.113 Appendix I) and the absolute one-way delay `Ta` (through the
//! delay impairment `Idd` of G.107 §7.4). With every default the rating is `R` = 93.2 and the MOS
//! 4.41. The one-way delay a leg estimates is half the RTCP round-trip time plus the jitter
//! buffer's current delay plus one packet time (packetisation); without a round-trip time it is
//! the buffer delay and packet time alone.

use serde::{Deserialize, Serialize};

/// The rating of G.107 with every parameter at its default value.
pub const R_DEFAULT: f64 = 93.2;

/// G.113 Appendix I's packet-loss robustness of G.711 with packet-loss concealment.
pub const BPL_G711_PLC: f64 = 25.1;

/// G.113 Appendix I's packet-loss robustness of G.711 without concealment.
pub const BPL_G711: f64 = 4.3;

/// The effective equipment impairment `Ie,eff` (G.107 eq. 7-29) for a codec of impairment `ie`
/// and robustness `bpl` at `loss_percent` random loss (`BurstR` = 1).
pub fn ie_eff(ie: f64, bpl: f64, loss_percent: f64) -> f64 {
    let ppl = loss_percent.clamp(0.0, 100.0);
    if ppl + bpl <= 0.0 {
        return ie;
    }
    ie + (95.0 - ie) * ppl / (ppl + bpl)
}

/// The delay impairment `Idd` (G.107 eq. 7-27/7-28) for an absolute one-way delay of `ta_ms`.
pub fn idd(ta_ms: f64) -> f64 {
    if ta_ms <= 100.0 || ta_ms.is_nan() {
        return 0.0;
    }
    let x = (ta_ms / 100.0).log2();
    25.0 * ((1.0 + x.powi(6)).powf(1.0 / 6.0) - 3.0 * (1.0 + (x / 3.0).powi(6)).powf(1.0 / 6.0)
        + 2.0)
}

/// The rating `R` for G.711 (with concealment) at `loss_percent` random loss and a one-way delay
/// of `ta_ms`, every other parameter at G.107's default.
pub fn r_factor(loss_percent: f64, ta_ms: f64) -> f64 {
    R_DEFAULT - idd(ta_ms) - ie_eff(0.0, BPL_G711_PLC, loss_percent)
}

/// G.107 Annex B: the MOS (conversational quality, 1 to 4.5) of a rating `r`.
pub fn mos(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6
    }
}

/// The figures of one leg, as a wallboard or a CDR shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quality {
    /// RTP packets accepted (audio and telephone-events, from the latched source).
    pub packets_received: u64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Packets lost (RFC 3550 cumulative loss of the latched source; duplicates make it lower).
    pub lost: i64,
    /// Packets expected from the latched source (RFC 3550).
    pub expected: u64,
    /// Interarrival jitter in milliseconds (RFC 3550).
    pub jitter_ms: f64,
    /// Packets that came after their frame had been played.
    pub late: u64,
    /// Duplicate packets.
    pub duplicates: u64,
    /// Frames concealed (lost, late or stretched).
    pub concealed_frames: u64,
    /// Frames played from packets.
    pub played_frames: u64,
    /// The jitter buffer's current delay, ms.
    pub jitter_buffer_ms: f64,
    /// Packets from another address than the latched one (ignored).
    pub foreign_source: u64,
    /// Packets with another SSRC than the latched one (ignored).
    pub foreign_ssrc: u64,
    /// Datagrams that were not RTP, or had a payload type not negotiated.
    pub invalid: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
    /// RTCP packets sent.
    pub rtcp_sent: u64,
    /// The last round-trip time from RTCP, ms.
    pub rtt_ms: Option<f64>,
    /// The peer's view of our stream: the fraction it lost in its last report (0 to 1).
    pub remote_fraction_lost: Option<f64>,
    /// The estimated one-way delay used for the MOS, ms.
    pub one_way_delay_ms: f64,
    /// E-model rating R.
    pub r_factor: f64,
    /// E-model MOS (1 to 4.5).
    pub mos: f64,
}

impl Quality {
    /// The loss percentage of the received stream (0 when nothing was expected).
    pub fn loss_percent(&self) -> f64 {
        if self.expected == 0 {
            return 0.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let p = self.lost.max(0) as f64 / self.expected as f64 * 100.0;
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rating_gives_g107_mos() {
        // G.107: with all defaults R = 93.2, MOS 4.41.
        assert!((mos(R_DEFAULT) - 4.41).abs() < 0.005, "{}", mos(R_DEFAULT));
        assert!((r_factor(0.0, 0.0) - 93.2).abs() < 1e-9);
        // G.107 Annex B / G.109 category bounds: R 90 -> 4.34, 80 -> 4.03, 70 -> 3.60,
        // 60 -> 3.10, 50 -> 2.58.
        for (r, m) in [(90.0, 4.34), (80.0, 4.03), (70.0, 3.60), (60.0, 3.10), (50.0, 2.58)] {
            assert!((mos(r) - m).abs() < 0.01, "R {r}: {} vs {m}", mos(r));
        }
        assert!((mos(0.0) - 1.0).abs() < 1e-12);
        assert!((mos(100.0) - 4.5).abs() < 1e-12);
    }

    #[test]
    fn delay_impairment_follows_g107() {
        assert!(idd(100.0).abs() < 1e-12);
        assert!(idd(50.0).abs() < 1e-12);
        // X = log2(2) = 1: 25 * ((2)^(1/6) - 3 (1 + 1/729)^(1/6) + 2).
        let expect =
            25.0 * (2f64.powf(1.0 / 6.0) - 3.0 * (1.0 + 1.0 / 729.0f64).powf(1.0 / 6.0) + 2.0);
        assert!((idd(200.0) - expect).abs() < 1e-9);
        // G.107's delay curve: about 3 points at 200 ms, 15 at 300 ms, 24 at 400 ms.
        assert!((2.9..3.2).contains(&idd(200.0)), "{}", idd(200.0));
        assert!((14.0..15.5).contains(&idd(300.0)), "{}", idd(300.0));
        assert!((23.5..25.0).contains(&idd(400.0)), "{}", idd(400.0));
        assert!(idd(400.0) > idd(300.0));
    }

    #[test]
    fn loss_impairment_follows_g113_bpl() {
        // Ie,eff = 95 Ppl / (Ppl + Bpl) for Ie = 0.
        assert!(ie_eff(0.0, BPL_G711_PLC, 0.0).abs() < 1e-12);
        assert!((ie_eff(0.0, BPL_G711_PLC, 1.0) - 95.0 / 26.1).abs() < 1e-9);
        assert!((ie_eff(0.0, BPL_G711, 2.0) - 95.0 * 2.0 / 6.3).abs() < 1e-9);
        // 5 % loss with PLC: R = 93.2 - 15.9 = 77.3, MOS about 3.9.
        let r = r_factor(5.0, 0.0);
        assert!((r - (93.2 - 95.0 * 5.0 / 30.1)).abs() < 1e-9);
        assert!((3.85..3.95).contains(&mos(r)), "{}", mos(r));
    }
}
