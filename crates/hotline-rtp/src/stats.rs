//! Receiver statistics exactly as RFC 3550 appendix A computes them.
//!
//! * A.1: sequence number validation with probation ([`MIN_SEQUENTIAL`] packets in sequence before
//!   a source is valid), [`MAX_DROPOUT`] and [`MAX_MISORDER`], cycle counting across the wrap
//!   0xFFFF→0, and the restart after two sequential packets following a large jump;
//! * A.3: cumulative packets lost (signed: duplicates make it negative) and the fraction lost
//!   since the previous report;
//! * A.8: the interarrival jitter, in RTP timestamp units, computed with wrapping 32-bit
//!   arithmetic so that the timestamp wrap 2^32→0 (and a wrap of the arrival clock) changes nothing.
//!
//! [`SourceStats`] follows one SSRC; [`ReceiverStats`] keeps one per SSRC, so that an SSRC change
//! starts a new source in probation, as the RFC requires.
//!
//! ```
//! use std::time::Duration;
//! use hotline_rtp::stats::SourceStats;
//! let mut s = SourceStats::new(0x1234, 8000);
//! for i in 0..10u16 {
//!     let now = Duration::from_millis(20 * u64::from(i));
//!     s.update(now, 100 + i, 160 * u32::from(i));
//! }
//! assert_eq!(s.cumulative_lost(), 0);
//! assert_eq!(s.jitter(), 0);
//! ```

use std::collections::HashMap;
use std::time::Duration;

/// Sequential packets needed before a new source is valid (RFC 3550 A.1).
pub const MIN_SEQUENTIAL: u32 = 2;
/// The largest forward jump taken as packet loss rather than a restart (RFC 3550 A.1).
pub const MAX_DROPOUT: u16 = 3000;
/// The largest backward step taken as a late or duplicate packet (RFC 3550 A.1).
pub const MAX_MISORDER: u16 = 100;
const RTP_SEQ_MOD: u32 = 1 << 16;

/// What [`SourceStats::update`] made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SequenceVerdict {
    /// The packet counts (in sequence, after a gap, late or duplicate).
    Valid,
    /// The source is still in probation: the packet does not count yet.
    Probation,
    /// A jump beyond [`MAX_DROPOUT`] (or back beyond [`MAX_MISORDER`]): the packet is dropped
    /// unless the next one follows it, which restarts the sequence.
    BadJump,
    /// The packet followed a bad jump, and the sequence restarted from it.
    Restarted,
}

/// RFC 3550 statistics for one synchronization source.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SourceStats {
    ssrc: u32,
    clock_rate: u32,
    validated: bool,
    started: bool,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<u32>,
    /// Jitter scaled by 16, as in A.8's integer form.
    jitter_q4: u32,
}

impl SourceStats {
    /// A source seen for the first time, whose RTP clock runs at `clock_rate` Hz.
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        SourceStats {
            ssrc,
            clock_rate,
            validated: false,
            started: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
        }
    }

    /// A source already known to be valid (by signalling, or because a capture is analysed after
    /// the fact): no probation, so its first packet counts and sets the base sequence number.
    pub fn new_validated(ssrc: u32, clock_rate: u32) -> Self {
        SourceStats { validated: true, ..Self::new(ssrc, clock_rate) }
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// The SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The clock rate in Hz.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Takes a packet with sequence number `seq` and RTP timestamp `timestamp` that arrived at
    /// `now` (time since any fixed origin), running A.1's `update_seq` and, for counted packets,
    /// A.8's jitter update.
    pub fn update(&mut self, now: Duration, seq: u16, timestamp: u32) -> SequenceVerdict {
        if !self.started && self.validated {
            self.started = true;
            self.init_seq(seq);
            self.received = 1;
            self.update_jitter(now, timestamp);
            return SequenceVerdict::Valid;
        }
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let verdict = self.update_seq(seq);
        if matches!(verdict, SequenceVerdict::Valid | SequenceVerdict::Restarted) {
            self.update_jitter(now, timestamp);
        }
        verdict
    }

    fn update_seq(&mut self, seq: u16) -> SequenceVerdict {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SequenceVerdict::Valid;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SequenceVerdict::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += RTP_SEQ_MOD;
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= RTP_SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
                self.received += 1;
                return SequenceVerdict::Restarted;
            }
            self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
            return SequenceVerdict::BadJump;
        }
        // Otherwise a duplicate or reordered packet: counted, max_seq unchanged.
        self.received += 1;
        SequenceVerdict::Valid
    }

    /// The arrival time in RTP timestamp units, wrapping at 2^32.
    fn arrival_units(&self, now: Duration) -> u32 {
        let units = now.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000;
        (units & 0xffff_ffff) as u32
    }

    fn update_jitter(&mut self, now: Duration, timestamp: u32) {
        let transit = self.arrival_units(now).wrapping_sub(timestamp);
        if let Some(previous) = self.transit {
            let d = (transit.wrapping_sub(previous) as i32).unsigned_abs();
            // J += (|D| - J) / 16, in A.8's integer form with J scaled by 16.
            self.jitter_q4 = self.jitter_q4.wrapping_add(d).wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// The extended highest sequence number received (cycles in the top 16 bits).
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// The base (first valid) sequence number.
    pub fn base_seq(&self) -> u32 {
        self.base_seq
    }

    /// Packets counted as received (A.1: after probation, duplicates included).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Packets expected: extended highest minus base plus one (A.3).
    pub fn expected(&self) -> u32 {
        if self.received == 0 {
            return 0;
        }
        self.extended_max().wrapping_sub(self.base_seq).wrapping_add(1)
    }

    /// The cumulative number of packets lost (A.3): expected minus received, negative when
    /// duplicates outnumber losses.
    pub fn cumulative_lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// The cumulative loss clamped to the 24-bit signed field of a report block.
    pub fn cumulative_lost_24(&self) -> i32 {
        self.cumulative_lost().clamp(-0x80_0000, 0x7f_ffff) as i32
    }

    /// The fraction lost since the previous call (A.3), in 1/256 units, and moves the "prior"
    /// counters forward as generating a report does.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        }
    }

    /// The interarrival jitter in RTP timestamp units (A.8), as a report block carries it.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// The interarrival jitter in seconds.
    pub fn jitter_seconds(&self) -> f64 {
        if self.clock_rate == 0 {
            return 0.0;
        }
        f64::from(self.jitter_q4) / 16.0 / f64::from(self.clock_rate)
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.probation == 0 && self.received > 0
    }
}

/// Statistics for every source a receiver hears, keyed by SSRC.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceiverStats {
    sources: HashMap<u32, SourceStats>,
    order: Vec<u32>,
}

impl ReceiverStats {
    /// No sources yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a packet of SSRC `ssrc`; a new SSRC starts a new source (in probation) with the given
    /// clock rate.
    pub fn update(
        &mut self,
        now: Duration,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        clock_rate: u32,
    ) -> SequenceVerdict {
        let order = &mut self.order;
        self.sources
            .entry(ssrc)
            .or_insert_with(|| {
                order.push(ssrc);
                SourceStats::new(ssrc, clock_rate)
            })
            .update(now, seq, timestamp)
    }

    /// The statistics of one source.
    pub fn source(&self, ssrc: u32) -> Option<&SourceStats> {
        self.sources.get(&ssrc)
    }

    /// The statistics of one source, mutably (to take the fraction lost for a report).
    pub fn source_mut(&mut self, ssrc: u32) -> Option<&mut SourceStats> {
        self.sources.get_mut(&ssrc)
    }

    /// Every source, in order of first appearance.
    pub fn sources(&self) -> impl Iterator<Item = &SourceStats> {
        self.order.iter().filter_map(|ssrc| self.sources.get(ssrc))
    }

    /// The SSRCs heard, in order of first appearance.
    pub fn ssrcs(&self) -> &[u32] {
        &self.order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// Feeds packets `(seq, ts, arrival_ms)`.
    fn feed(s: &mut SourceStats, packets: &[(u16, u32, u64)]) -> Vec<SequenceVerdict> {
        packets.iter().map(|&(seq, ts, at)| s.update(ms(at), seq, ts)).collect()
    }

    #[test]
    fn probation_needs_two_in_sequence() {
        let mut s = SourceStats::new(1, 8000);
        assert_eq!(s.update(ms(0), 10, 0), SequenceVerdict::Probation);
        assert!(!s.is_valid());
        assert_eq!(s.update(ms(20), 12, 320), SequenceVerdict::Probation);
        assert_eq!(s.update(ms(40), 13, 480), SequenceVerdict::Valid);
        assert!(s.is_valid());
        assert_eq!(s.base_seq(), 13);
        assert_eq!(s.received(), 1);
        assert_eq!(s.cumulative_lost(), 0);
    }

    fn run(start: u16) -> SourceStats {
        let mut s = SourceStats::new(1, 8000);
        for i in 0..20u16 {
            s.update(ms(20 * u64::from(i)), start.wrapping_add(i), 160 * u32::from(i));
        }
        s
    }

    #[test]
    fn sequence_wrap_counts_a_cycle() {
        let s = run(65530);
        assert_eq!(s.extended_max(), 65536 + 13);
        assert_eq!(s.received(), 19);
        assert_eq!(s.expected(), 19);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn loss_across_the_sequence_wrap() {
        let mut s = SourceStats::new(1, 8000);
        let seqs = [65533u16, 65534, 65535, 2, 3, 4];
        for (i, &seq) in seqs.iter().enumerate() {
            s.update(ms(20 * i as u64), seq, 160 * i as u32);
        }
        // Missing 0 and 1.
        assert_eq!(s.cumulative_lost(), 2);
        assert_eq!(s.extended_max(), 65536 + 4);
        // 7 expected since base 65534, 5 received: fraction 2/7 * 256.
        assert_eq!(s.take_fraction_lost(), (2 * 256 / 7) as u8);
        // No new packets: nothing lost in the interval.
        assert_eq!(s.take_fraction_lost(), 0);
    }

    #[test]
    fn duplicates_make_loss_negative() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(1, 0, 0), (2, 160, 20), (3, 320, 40), (3, 320, 41), (3, 320, 42)]);
        assert_eq!(s.cumulative_lost(), -2);
        assert_eq!(s.take_fraction_lost(), 0);
        assert_eq!(s.cumulative_lost_24(), -2);
    }

    #[test]
    fn duplicates_at_the_wrap() {
        let mut s = SourceStats::new(1, 8000);
        feed(
            &mut s,
            &[(65534, 0, 0), (65535, 160, 20), (0, 320, 40), (65535, 160, 41), (0, 320, 42)],
        );
        assert_eq!(s.cumulative_lost(), -2);
        assert_eq!(s.extended_max(), 65536);
    }

    #[test]
    fn reordering_is_not_loss() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(10, 0, 0), (11, 160, 20), (13, 480, 40), (12, 320, 41), (14, 640, 60)]);
        assert_eq!(s.cumulative_lost(), 0);
        assert_eq!(s.extended_max(), 14);
    }

    #[test]
    fn reordering_across_the_wrap() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(65534, 0, 0), (65535, 160, 20), (1, 480, 40), (0, 320, 41), (2, 640, 60)]);
        assert_eq!(s.cumulative_lost(), 0);
        assert_eq!(s.extended_max(), 65536 + 2);
        // The late 0 must not count a second cycle.
        assert_eq!(s.extended_max() >> 16, 1);
    }

    #[test]
    fn misorder_limit() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(1000, 0, 0), (1001, 160, 20)]);
        // 99 back is a late packet, counted.
        assert_eq!(s.update(ms(40), 902, 0), SequenceVerdict::Valid);
        // 100 back reaches MAX_MISORDER (udelta <= 2^16 - MAX_MISORDER): a bad jump.
        assert_eq!(s.update(ms(41), 901, 0), SequenceVerdict::BadJump);
    }

    #[test]
    fn dropout_limit_and_restart() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(1, 0, 0), (2, 160, 20)]);
        // 2999 ahead is loss.
        assert_eq!(s.update(ms(40), 2 + 2999, 320), SequenceVerdict::Valid);
        assert_eq!(s.cumulative_lost(), 2998);
        // 3000 ahead is a bad jump; the next in sequence restarts.
        assert_eq!(s.update(ms(60), 3001 + 3000, 480), SequenceVerdict::BadJump);
        assert_eq!(s.update(ms(80), 3001 + 3001, 640), SequenceVerdict::Restarted);
        assert_eq!(s.base_seq(), 6002);
        assert_eq!(s.received(), 1);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn dropout_limit_across_the_wrap() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(65000, 0, 0), (65001, 160, 20)]);
        // 65001 + 2999 wraps to 2464: loss, and a cycle.
        assert_eq!(s.update(ms(40), 65001u16.wrapping_add(2999), 320), SequenceVerdict::Valid);
        assert_eq!(s.extended_max(), 65536 + u32::from(65001u16.wrapping_add(2999)));
        assert_eq!(s.cumulative_lost(), 2998);
        assert_eq!(
            s.update(ms(60), 65001u16.wrapping_add(2999).wrapping_add(3000), 480),
            SequenceVerdict::BadJump
        );
    }

    #[test]
    fn jitter_of_a_steady_stream_is_zero_across_the_timestamp_wrap() {
        let mut s = SourceStats::new(1, 8000);
        let start = u32::MAX - 160 * 5;
        for i in 0..20u32 {
            s.update(ms(20 * u64::from(i)), i as u16, start.wrapping_add(160 * i));
        }
        assert_eq!(s.jitter(), 0);
    }

    #[test]
    fn jitter_follows_a8() {
        // Arrivals alternate 0 and +1 ms late (8 units at 8 kHz): |D| = 8 each packet after the
        // first pair, so J(n) = J + (8 - J)/16 in A.8's integer form.
        let mut s = SourceStats::new(1, 8000);
        let mut expect_q4: u32 = 0;
        let mut transit_prev: Option<i64> = None;
        for i in 0..50u32 {
            let late = if i % 2 == 1 { 1 } else { 0 };
            let at = 20 * u64::from(i) + late;
            let ts = 160 * i;
            s.update(ms(at), i as u16, ts);
            let transit = (at as i64) * 8 - i64::from(ts);
            if let Some(p) = transit_prev {
                let d = (transit - p).unsigned_abs() as u32;
                expect_q4 = expect_q4 + d - ((expect_q4 + 8) >> 4);
            }
            if i >= 1 {
                transit_prev = Some(transit);
            }
        }
        assert_eq!(s.jitter(), expect_q4 >> 4);
        assert!(s.jitter() >= 7, "{}", s.jitter());
    }

    #[test]
    fn jitter_identical_at_both_timestamp_positions() {
        let pattern = [0u64, 3, 1, 7, 0, 2, 9, 1, 0, 4];
        let mut a = SourceStats::new(1, 8000);
        let mut b = SourceStats::new(1, 8000);
        for (i, late) in pattern.iter().cycle().take(60).enumerate() {
            let at = ms(20 * i as u64 + late);
            a.update(at, i as u16, 1000u32.wrapping_add(160 * i as u32));
            b.update(at, i as u16, (u32::MAX - 2000).wrapping_add(160 * i as u32));
        }
        assert_eq!(a.jitter(), b.jitter());
        assert!(a.jitter() > 0);
    }

    #[test]
    fn jitter_survives_the_arrival_clock_wrap() {
        // 2^32 units at 8 kHz is about 149 hours; start just before that.
        let base = Duration::from_secs((1u64 << 32) / 8000) - ms(100);
        let mut s = SourceStats::new(1, 8000);
        for i in 0..20u32 {
            s.update(base + ms(20 * u64::from(i)), i as u16, 160 * i);
        }
        assert_eq!(s.jitter(), 0);
    }

    #[test]
    fn probation_across_the_sequence_wrap() {
        let mut s = SourceStats::new(1, 8000);
        assert_eq!(s.update(ms(0), 65535, 0), SequenceVerdict::Probation);
        assert_eq!(s.update(ms(20), 0, 160), SequenceVerdict::Valid);
        assert_eq!(s.base_seq(), 0);
        assert_eq!(s.update(ms(40), 1, 320), SequenceVerdict::Valid);
        assert_eq!(s.extended_max(), 1);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn misorder_limit_across_the_wrap() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(20, 0, 0), (21, 160, 20)]);
        // 99 back from 21 is 65458: late, counted, no cycle change.
        assert_eq!(s.update(ms(40), 21u16.wrapping_sub(99), 0), SequenceVerdict::Valid);
        assert_eq!(s.extended_max(), 21);
        // 100 back is a bad jump.
        assert_eq!(s.update(ms(41), 21u16.wrapping_sub(100), 0), SequenceVerdict::BadJump);
    }

    #[test]
    fn restart_across_the_wrap() {
        let mut s = SourceStats::new(1, 8000);
        feed(&mut s, &[(30000, 0, 0), (30001, 160, 20)]);
        // A jump to 65535 is bad; 0 follows it, so the sequence restarts at 0.
        assert_eq!(s.update(ms(40), 65535, 320), SequenceVerdict::BadJump);
        assert_eq!(s.update(ms(60), 0, 480), SequenceVerdict::Restarted);
        assert_eq!(s.base_seq(), 0);
        assert_eq!(s.update(ms(80), 1, 640), SequenceVerdict::Valid);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn jitter_with_reordering_across_the_timestamp_wrap() {
        // The same arrivals with timestamps far from and across the wrap give the same jitter.
        let order = [0u32, 1, 3, 2, 4, 5, 7, 6, 8, 9, 10, 11];
        let run = |ts0: u32| {
            let mut s = SourceStats::new(1, 8000);
            for (k, &i) in order.iter().enumerate() {
                s.update(ms(20 * k as u64 + 5), i as u16, ts0.wrapping_add(160 * i));
            }
            s.jitter()
        };
        assert_eq!(run(5000), run(u32::MAX - 160 * 5));
        assert!(run(5000) > 0);
    }

    #[test]
    fn validated_source_counts_its_first_packet() {
        let mut s = SourceStats::new_validated(1, 8000);
        assert_eq!(s.update(ms(0), 10, 0), SequenceVerdict::Valid);
        assert_eq!(s.update(ms(20), 12, 320), SequenceVerdict::Valid);
        assert_eq!(s.base_seq(), 10);
        assert_eq!(s.received(), 2);
        assert_eq!(s.cumulative_lost(), 1);
    }

    #[test]
    fn ssrc_change_starts_a_new_source() {
        let mut r = ReceiverStats::new();
        for i in 0..5u16 {
            r.update(ms(20 * u64::from(i)), 0xaaaa, 100 + i, 160 * u32::from(i), 8000);
        }
        assert_eq!(r.update(ms(100), 0xbbbb, 7, 0, 8000), SequenceVerdict::Probation);
        assert_eq!(r.update(ms(120), 0xbbbb, 8, 160, 8000), SequenceVerdict::Valid);
        assert_eq!(r.ssrcs(), &[0xaaaa, 0xbbbb]);
        assert_eq!(r.source(0xaaaa).unwrap().received(), 4);
        assert_eq!(r.source(0xbbbb).unwrap().base_seq(), 8);
        assert_eq!(r.sources().count(), 2);
    }

    proptest::proptest! {
        #[test]
        fn loss_counts_the_gaps_at_any_start(
            start: u16,
            ts0: u32,
            drops in proptest::collection::vec(proptest::bool::weighted(0.1), 2..400),
        ) {
            // Packets in order, some dropped (never the first two, so probation passes).
            let mut s = SourceStats::new(1, 8000);
            let mut dropped = 0i64;
            let mut last = 0u16;
            for (i, drop) in drops.iter().enumerate() {
                let seq = start.wrapping_add(i as u16);
                if *drop && i >= 2 {
                    dropped += 1;
                    continue;
                }
                last = seq;
                s.update(ms(20 * i as u64), seq, ts0.wrapping_add(160 * i as u32));
            }
            // Drops after the last packet received are not yet known as lost.
            let trailing = drops.iter().rev().take_while(|d| **d).count() as i64;
            proptest::prop_assert_eq!(s.cumulative_lost(), dropped - trailing.min(dropped));
            proptest::prop_assert_eq!(s.extended_max() as u16, last);
            proptest::prop_assert_eq!(s.jitter(), 0);
        }
    }
}
