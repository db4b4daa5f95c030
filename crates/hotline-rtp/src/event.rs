//! RFC 4733 telephone-events (DTMF over RTP): payload, sender and a tolerant receiver.
//!
//! The [`EventSender`] follows RFC 4733 §2.5.1: one RTP timestamp per event (the event's start),
//! the marker bit on the first packet, an update every packet interval with the growing
//! duration, the end packet sent three times, and segmentation of events longer than 0xFFFF
//! timestamp units (§2.5.1.3).
//!
//! The [`EventReceiver`] is written for real endpoints, which break these rules. It keys events by
//! RTP timestamp and event code, and reports each digit once, when the event ends:
//!
//! * a missing marker bit starts an event all the same;
//! * zero durations are accepted (the duration is the largest one seen);
//! * repeated (or unrepeated) end packets end the event once; late retransmissions are ignored;
//! * a lost end packet is replaced by a timeout ([`EventReceiverConfig::timeout`]) after the last
//!   packet, driven by [`EventReceiver::handle_timeout`];
//! * a timestamp that changes within one event (the same code, before an end packet, within the
//!   timeout) continues the event instead of starting a new one;
//! * events may come on any SSRC, whether or not it is the audio's.
//!
//! ```
//! use std::time::Duration;
//! use hotline_rtp::event::{EventReceiver, EventReceiverConfig, EventSender};
//! use hotline_rtp::{RtpBuilder, RtpPacket};
//! let sender = EventSender::new(160);
//! let mut receiver = EventReceiver::new(EventReceiverConfig::default());
//! for (i, event) in sender.packets(5, 8000, 800).enumerate() {
//!     let now = Duration::from_millis(20 * i as u64);
//!     let payload = event.payload.to_bytes();
//!     let datagram = RtpBuilder::new(101, i as u16, event.timestamp, 0x1234)
//!         .marker(event.marker)
//!         .payload(&payload)
//!         .to_vec()
//!         .unwrap();
//!     // A packet as it came off the network, parsed:
//!     receiver.handle_rtp(now, &RtpPacket::parse(&datagram).unwrap()).unwrap();
//! }
//! let digit = receiver.poll_digit().unwrap();
//! assert_eq!(digit.digit(), Some('5'));
//! assert_eq!(digit.duration, 800);
//! assert!(receiver.poll_digit().is_none());
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use crate::RtpPacket;

/// Why a telephone-event payload was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The payload is shorter than the 4-byte event block.
    #[error("telephone-event payload of {len} bytes: the event block needs 4")]
    Truncated {
        /// The payload length.
        len: usize,
    },
}

/// One RFC 4733 event block: event code, end bit, volume and duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventPayload {
    /// The event code (0–9 digits, 10 `*`, 11 `#`, 12–15 `A`–`D`, 16 flash, ...).
    pub event: u8,
    /// The end bit: the event is over.
    pub end: bool,
    /// The volume in −dBm0 (0–63; 0 is loudest).
    pub volume: u8,
    /// The duration so far, in timestamp units, from the event's (or segment's) timestamp.
    pub duration: u16,
}

impl EventPayload {
    /// Parses the first event block of a payload (further bytes are ignored).
    ///
    /// # Errors
    ///
    /// [`EventError::Truncated`] when the payload has fewer than 4 bytes.
    pub fn parse(payload: &[u8]) -> Result<Self, EventError> {
        let [event, flags, d0, d1, ..] = *payload else {
            return Err(EventError::Truncated { len: payload.len() });
        };
        Ok(EventPayload {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The 4 bytes of the block (the reserved bit is 0; the volume is cut to 6 bits).
    pub fn to_bytes(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [self.event, (u8::from(self.end) << 7) | (self.volume & 0x3f), d[0], d[1]]
    }
}

/// The name of an event code: `0`–`9`, `*`, `#`, `A`–`D`, `flash`, or `event N` for others.
pub fn event_name(event: u8) -> String {
    if let Some(digit) = event_digit(event) {
        return digit.to_string();
    }
    match event {
        16 => "flash".to_owned(),
        other => format!("event {other}"),
    }
}

/// The DTMF digit of RFC 4733 event code `event`: `0`-`9` for 0-9, `*` for 10, `#` for 11,
/// `A`-`D` for 12-15; `None` for every other code.
pub fn event_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// One packet an [`EventSender`] sends: put it in an RTP packet with the next sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventPacket {
    /// When to send it, in timestamp units after the event's start.
    pub send_at: u32,
    /// The marker bit (first packet of the event only).
    pub marker: bool,
    /// The RTP timestamp (the event's or segment's start).
    pub timestamp: u32,
    /// The event block.
    pub payload: EventPayload,
}

/// Makes the packets of RFC 4733 events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventSender {
    /// The update interval in timestamp units (160 = 20 ms at 8 kHz).
    pub interval: u32,
    /// The volume in −dBm0 (default 10).
    pub volume: u8,
    /// How many times the end packet is sent (default 3).
    pub end_repeats: u8,
}

impl EventSender {
    /// A sender updating every `interval` timestamp units, at volume 10, with three end packets.
    pub fn new(interval: u32) -> Self {
        EventSender { interval: interval.max(1), volume: 10, end_repeats: 3 }
    }

    /// The packets of one event `event` starting at RTP timestamp `timestamp` and lasting
    /// `duration` timestamp units, in sending order.
    pub fn packets(&self, event: u8, timestamp: u32, duration: u32) -> EventPackets {
        EventPackets {
            sender: *self,
            event,
            start: timestamp,
            total: duration,
            elapsed: 0,
            segment_start: 0,
            first: true,
            end_sent: 0,
            done: false,
        }
    }
}

/// The packets of one event, from [`EventSender::packets`].
#[derive(Debug, Clone)]
pub struct EventPackets {
    sender: EventSender,
    event: u8,
    start: u32,
    total: u32,
    elapsed: u32,
    segment_start: u32,
    first: bool,
    end_sent: u8,
    done: bool,
}

impl Iterator for EventPackets {
    type Item = EventPacket;

    fn next(&mut self) -> Option<EventPacket> {
        if self.done {
            return None;
        }
        let interval = self.sender.interval;
        let packet = |this: &Self, end: bool, marker: bool, duration: u32| EventPacket {
            send_at: this.elapsed,
            marker,
            timestamp: this.start.wrapping_add(this.segment_start),
            payload: EventPayload {
                event: this.event,
                end,
                volume: this.sender.volume,
                duration: duration.min(0xffff) as u16,
            },
        };
        let updating = self.first || self.elapsed < self.total;
        let upto = if updating { self.elapsed } else { self.total };
        if !self.first && upto - self.segment_start > 0xffff
            || (updating && !self.first && upto - self.segment_start == 0xffff)
        {
            // Close the segment at the maximum duration (no end bit); the next one starts at a
            // timestamp 0xFFFF later, without the marker (RFC 4733 §2.5.1.3).
            let p = packet(self, false, false, 0xffff);
            self.segment_start += 0xffff;
            return Some(p);
        }
        if updating {
            let p = packet(self, false, self.first, self.elapsed - self.segment_start);
            self.first = false;
            self.elapsed = self.elapsed.saturating_add(interval).min(self.total.max(1));
            if self.total == 0 {
                self.elapsed = 0;
            }
            return Some(p);
        }
        let p = packet(self, true, false, self.total - self.segment_start);
        self.end_sent += 1;
        if self.end_sent >= self.sender.end_repeats.max(1) {
            self.done = true;
        } else {
            self.elapsed = self.elapsed.saturating_add(interval);
        }
        Some(p)
    }
}

/// Settings of an [`EventReceiver`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventReceiverConfig {
    /// How long after an event's last packet it is taken as ended when no end packet came.
    pub timeout: Duration,
    /// How many ended events are remembered to ignore their late retransmissions.
    pub memory: usize,
}

impl Default for EventReceiverConfig {
    fn default() -> Self {
        EventReceiverConfig { timeout: Duration::from_millis(250), memory: 16 }
    }
}

/// How a received event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum EventEnd {
    /// An end packet came.
    EndPacket,
    /// No packet came for the timeout.
    Timeout,
    /// Another event started on the same SSRC.
    Superseded,
    /// The stream was finished ([`EventReceiver::finish`]).
    Finished,
}

/// A digit (or other event) the receiver recognised, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceivedEvent {
    /// The event code.
    pub event: u8,
    /// The SSRC it came on.
    pub ssrc: u32,
    /// The RTP timestamp of its first packet.
    pub timestamp: u32,
    /// Its duration in timestamp units (segments added up).
    pub duration: u32,
    /// The volume of its last packet.
    pub volume: u8,
    /// When its first packet arrived.
    pub start: Duration,
    /// How it ended.
    pub ended_by: EventEnd,
}

impl ReceivedEvent {
    /// The DTMF digit, `0`-`9`, `*`, `#` or `A`-`D` (events 0-15), as hotline-dsp's detector
    /// reports it; `None` for the other events (flash, modem and fax tones).
    pub fn digit(&self) -> Option<char> {
        event_digit(self.event)
    }

    /// The event's name (`5`, `*`, `#`, `A`, `flash`, `event 40`; see [`event_name`]).
    pub fn name(&self) -> String {
        event_name(self.event)
    }
}

#[derive(Debug, Clone, Copy)]
struct Active {
    event: ReceivedEvent,
    /// Timestamp of the current segment (or of the last packet, for changing timestamps).
    segment_ts: u32,
    /// Duration accumulated in closed segments.
    closed: u32,
    /// The largest duration seen in the current segment.
    segment_max: u16,
    last_arrival: Duration,
}

/// A receiver of RFC 4733 events tolerant of broken senders; see the module documentation.
#[derive(Debug, Clone)]
pub struct EventReceiver {
    config: EventReceiverConfig,
    active: Vec<Active>,
    ended: VecDeque<(u32, u32, u8)>,
    /// The SSRC, code and arrival of the last event ended by an end packet.
    last_end: Option<(u32, u8, Duration)>,
    out: VecDeque<ReceivedEvent>,
}

impl EventReceiver {
    /// A receiver with the given settings.
    pub fn new(config: EventReceiverConfig) -> Self {
        EventReceiver {
            config,
            active: Vec::new(),
            ended: VecDeque::new(),
            last_end: None,
            out: VecDeque::new(),
        }
    }

    /// Takes a parsed telephone-event RTP packet that arrived at `now` (its SSRC, marker bit,
    /// timestamp and payload; the caller has checked its payload type).
    ///
    /// # Errors
    ///
    /// As [`EventReceiver::handle_packet`].
    pub fn handle_rtp(&mut self, now: Duration, packet: &RtpPacket<'_>) -> Result<(), EventError> {
        self.handle_packet(
            now,
            packet.ssrc(),
            packet.marker(),
            packet.timestamp(),
            packet.payload(),
        )
    }

    /// Takes the payload of a telephone-event RTP packet from SSRC `ssrc` that arrived at `now`:
    /// the fields one by one, for a packet not parsed by [`RtpPacket`] (see
    /// [`EventReceiver::handle_rtp`]).
    ///
    /// # Errors
    ///
    /// [`EventError::Truncated`] for a payload shorter than 4 bytes (the receiver is unchanged).
    pub fn handle_packet(
        &mut self,
        now: Duration,
        ssrc: u32,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
    ) -> Result<(), EventError> {
        let block = EventPayload::parse(payload)?;
        self.handle_timeout(now);
        if self.ended.contains(&(ssrc, timestamp, block.event)) {
            return Ok(()); // A retransmitted end packet or a late update of an ended event.
        }
        let found = self.active.iter().position(|a| {
            a.event.ssrc == ssrc
                && a.event.event == block.event
                && (a.segment_ts == timestamp || a.event.timestamp == timestamp || !marker)
        });
        let index = match found {
            Some(i) => i,
            None if block.end
                && self.last_end.is_some_and(|(s, e, at)| {
                    s == ssrc && e == block.event && now.saturating_sub(at) < self.config.timeout
                }) =>
            {
                // A repeated end packet whose timestamp the sender changed: already reported.
                self.remember(ssrc, timestamp, block.event);
                return Ok(());
            }
            None => {
                // A new event ends any other event still active on this SSRC.
                let mut i = 0;
                while i < self.active.len() {
                    if self.active[i].event.ssrc == ssrc {
                        let a = self.active.remove(i);
                        self.finish_event(a, EventEnd::Superseded);
                    } else {
                        i += 1;
                    }
                }
                self.active.push(Active {
                    event: ReceivedEvent {
                        event: block.event,
                        ssrc,
                        timestamp,
                        duration: 0,
                        volume: block.volume,
                        start: now,
                        ended_by: EventEnd::EndPacket,
                    },
                    segment_ts: timestamp,
                    closed: 0,
                    segment_max: 0,
                    last_arrival: now,
                });
                self.active.len() - 1
            }
        };
        let a = &mut self.active[index];
        if timestamp != a.segment_ts {
            if a.segment_max == 0xffff && timestamp == a.segment_ts.wrapping_add(0xffff) {
                // The next segment of a long event (RFC 4733 §2.5.1.3).
                a.closed = a.closed.saturating_add(0xffff);
                a.segment_max = 0;
            }
            // Otherwise a sender that changes the timestamp within one event: same event.
            a.segment_ts = timestamp;
        }
        a.segment_max = a.segment_max.max(block.duration);
        a.event.duration = a.event.duration.max(a.closed.saturating_add(u32::from(a.segment_max)));
        a.event.volume = block.volume;
        a.last_arrival = now;
        if block.end {
            let a = self.active.remove(index);
            self.remember(ssrc, timestamp, block.event);
            self.last_end = Some((ssrc, block.event, now));
            self.finish_event(a, EventEnd::EndPacket);
        }
        Ok(())
    }

    fn remember(&mut self, ssrc: u32, timestamp: u32, event: u8) {
        self.ended.push_back((ssrc, timestamp, event));
        while self.ended.len() > self.config.memory.max(1) {
            self.ended.pop_front();
        }
    }

    fn finish_event(&mut self, mut a: Active, how: EventEnd) {
        if how != EventEnd::EndPacket {
            self.remember(a.event.ssrc, a.segment_ts, a.event.event);
            if a.segment_ts != a.event.timestamp {
                self.remember(a.event.ssrc, a.event.timestamp, a.event.event);
            }
        }
        a.event.ended_by = how;
        self.out.push_back(a.event);
    }

    /// Ends events whose last packet is older than the timeout.
    pub fn handle_timeout(&mut self, now: Duration) {
        let timeout = self.config.timeout;
        let mut i = 0;
        while i < self.active.len() {
            if now.saturating_sub(self.active[i].last_arrival) >= timeout {
                let a = self.active.remove(i);
                self.finish_event(a, EventEnd::Timeout);
            } else {
                i += 1;
            }
        }
    }

    /// When [`EventReceiver::handle_timeout`] should next be called, if an event is active.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.active.iter().map(|a| a.last_arrival + self.config.timeout).min()
    }

    /// Ends every active event (the stream is over).
    pub fn finish(&mut self) {
        for a in std::mem::take(&mut self.active) {
            self.finish_event(a, EventEnd::Finished);
        }
    }

    /// The next recognised event, each reported once.
    pub fn poll_digit(&mut self) -> Option<ReceivedEvent> {
        self.out.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip_and_errors() {
        let p = EventPayload { event: 11, end: true, volume: 63, duration: 0xabcd };
        assert_eq!(EventPayload::parse(&p.to_bytes()).unwrap(), p);
        assert_eq!(EventPayload::parse(&[1, 2, 3]), Err(EventError::Truncated { len: 3 }));
        assert_eq!(event_name(10), "*");
        assert_eq!(event_name(11), "#");
        assert_eq!(event_name(15), "D");
        assert_eq!(event_name(16), "flash");
        assert_eq!(event_name(40), "event 40");
    }

    #[test]
    fn sender_follows_rfc4733() {
        let packets: Vec<_> = EventSender::new(160).packets(1, 1000, 800).collect();
        // Updates at 0, 160, ..., 640, then three end packets with duration 800.
        assert_eq!(packets.len(), 5 + 3);
        assert!(packets[0].marker);
        assert!(packets[1..].iter().all(|p| !p.marker));
        assert!(packets.iter().all(|p| p.timestamp == 1000));
        let durations: Vec<u16> = packets.iter().map(|p| p.payload.duration).collect();
        assert_eq!(durations, vec![0, 160, 320, 480, 640, 800, 800, 800]);
        assert!(packets[5..].iter().all(|p| p.payload.end));
        assert!(packets[..5].iter().all(|p| !p.payload.end));
        assert_eq!(packets[0].payload.volume, 10);
    }

    #[test]
    fn sender_segments_long_events() {
        let packets: Vec<_> = EventSender::new(8000).packets(0, 0, 150_000).collect();
        let segment_ends: Vec<_> =
            packets.iter().filter(|p| p.payload.duration == 0xffff && !p.payload.end).collect();
        assert_eq!(segment_ends.len(), 2);
        let timestamps: Vec<u32> = packets.iter().map(|p| p.timestamp).collect();
        assert!(timestamps.contains(&0xffff) && timestamps.contains(&(2 * 0xffff)));
        let last = packets.last().unwrap();
        assert!(last.payload.end);
        assert_eq!(u32::from(last.payload.duration), 150_000 - 2 * 0xffff);
        assert_eq!(packets.iter().filter(|p| p.marker).count(), 1);
        // The receiver adds the segments back up (updates come every second here).
        let config = EventReceiverConfig { timeout: Duration::from_secs(2), ..Default::default() };
        let mut r = EventReceiver::new(config);
        for p in &packets {
            let now = Duration::from_millis(u64::from(p.send_at) / 8);
            r.handle_packet(now, 1, p.marker, p.timestamp, &p.payload.to_bytes()).unwrap();
        }
        let e = r.poll_digit().unwrap();
        assert_eq!(e.duration, 150_000);
        assert!(r.poll_digit().is_none());
    }
}
