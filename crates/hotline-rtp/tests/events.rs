//! RFC 4733 receiver behaviour against each fault real endpoints commit, one test a fault.

use std::time::Duration;

use hotline_rtp::event::{
    EventEnd, EventPayload, EventReceiver, EventReceiverConfig, EventSender, ReceivedEvent,
};
use hotline_rtp::jitter::PacketInfo;
use hotline_rtp::{RtpBuilder, RtpPacket};

const SSRC: u32 = 0x1234_5678;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// One packet: arrival ms, SSRC, marker, timestamp, event, end, duration.
type Pkt = (u64, u32, bool, u32, u8, bool, u16);

fn run(packets: &[Pkt], finish_at: Option<u64>) -> Vec<ReceivedEvent> {
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    let mut out = Vec::new();
    for &(at, ssrc, marker, ts, event, end, duration) in packets {
        let payload = EventPayload { event, end, volume: 10, duration }.to_bytes();
        r.handle_packet(ms(at), ssrc, marker, ts, &payload).unwrap();
        while let Some(d) = r.poll_digit() {
            out.push(d);
        }
    }
    if let Some(at) = finish_at {
        r.handle_timeout(ms(at));
    }
    while let Some(d) = r.poll_digit() {
        out.push(d);
    }
    out
}

/// A well-formed event: marker first, updates every 20 ms, three end packets.
fn proper(event: u8, ts: u32, start_ms: u64, updates: u16) -> Vec<Pkt> {
    let mut v = Vec::new();
    for i in 0..updates {
        v.push((start_ms + 20 * u64::from(i), SSRC, i == 0, ts, event, false, 160 * i));
    }
    for k in 0..3 {
        v.push((
            start_ms + 20 * u64::from(updates + k),
            SSRC,
            false,
            ts,
            event,
            true,
            160 * updates,
        ));
    }
    v
}

fn digits(events: &[ReceivedEvent]) -> String {
    events.iter().map(ReceivedEvent::name).collect()
}

#[test]
fn well_formed_events_give_each_digit_once() {
    let mut packets = proper(1, 1000, 0, 5);
    packets.extend(proper(2, 3000, 200, 5));
    packets.extend(proper(2, 5000, 400, 5));
    let got = run(&packets, None);
    assert_eq!(digits(&got), "122");
    assert!(got.iter().all(|e| e.ended_by == EventEnd::EndPacket));
    assert!(got.iter().all(|e| e.duration == 800));
    assert_eq!(got[1].timestamp, 3000);
    assert_eq!(got[1].start, ms(200));
}

#[test]
fn missing_marker_still_starts_the_event() {
    let mut packets = proper(7, 1000, 0, 4);
    for p in &mut packets {
        p.2 = false;
    }
    let got = run(&packets, None);
    assert_eq!(digits(&got), "7");
    assert_eq!(got[0].duration, 640);
}

#[test]
fn zero_durations_are_accepted() {
    // Every update says duration 0, the end packets too.
    let packets: Vec<Pkt> = (0..6).map(|i| (20 * i, SSRC, i == 0, 1000, 3, i >= 3, 0)).collect();
    let got = run(&packets, None);
    assert_eq!(digits(&got), "3");
    assert_eq!(got[0].duration, 0);
}

#[test]
fn lost_end_packets_end_by_timeout() {
    let packets: Vec<Pkt> =
        (0..5).map(|i| (20 * i, SSRC, i == 0, 1000, 9, false, 160 * i as u16)).collect();
    // Nothing before the timeout.
    let got = run(&packets, Some(80 + 249));
    assert!(got.is_empty());
    let got = run(&packets, Some(80 + 250));
    assert_eq!(digits(&got), "9");
    assert_eq!(got[0].ended_by, EventEnd::Timeout);
    assert_eq!(got[0].duration, 640);
    // The deadline is handed out.
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    r.handle_packet(
        ms(10),
        SSRC,
        true,
        1,
        &EventPayload { event: 1, end: false, volume: 0, duration: 0 }.to_bytes(),
    )
    .unwrap();
    assert_eq!(r.poll_timeout(), Some(ms(260)));
}

#[test]
fn lost_end_then_a_later_packet_after_timeout_is_not_a_second_digit() {
    let mut packets: Vec<Pkt> =
        (0..5).map(|i| (20 * i, SSRC, i == 0, 1000, 9, false, 160 * i as u16)).collect();
    // The end packet finally arrives, far too late.
    packets.push((900, SSRC, false, 1000, 9, true, 800));
    let got = run(&packets, None);
    assert_eq!(digits(&got), "9");
}

#[test]
fn unrepeated_end_packet_ends_once() {
    let mut packets = proper(5, 1000, 0, 4);
    packets.truncate(5); // 4 updates and a single end packet.
    let got = run(&packets, Some(10_000));
    assert_eq!(digits(&got), "5");
    assert_eq!(got[0].ended_by, EventEnd::EndPacket);
}

#[test]
fn repeated_end_packets_give_one_digit() {
    let mut packets = proper(0, 1000, 0, 3);
    // Two more end packets than usual, and a late reordered update.
    packets.push((140, SSRC, false, 1000, 0, true, 480));
    packets.push((150, SSRC, false, 1000, 0, false, 320));
    let got = run(&packets, Some(10_000));
    assert_eq!(digits(&got), "0");
}

#[test]
fn changing_timestamps_within_one_event() {
    // The sender stamps every packet with the audio clock instead of the event's start.
    let packets: Vec<Pkt> = (0..8u32)
        .map(|i| (20 * u64::from(i), SSRC, i == 0, 1000 + 160 * i, 4, i >= 5, (160 * i) as u16))
        .collect();
    let got = run(&packets, Some(10_000));
    assert_eq!(digits(&got), "4");
    assert_eq!(got[0].timestamp, 1000);
    // The first end packet ends it; the two repeats (with yet other timestamps) are dropped.
    assert_eq!(got[0].duration, 160 * 5);
}

#[test]
fn events_on_their_own_ssrc() {
    // Audio on one SSRC, events on another: the receiver does not care.
    let mut packets = proper(11, 1000, 0, 3);
    for p in &mut packets {
        p.1 = 0xdead_beef;
    }
    let got = run(&packets, None);
    assert_eq!(digits(&got), "#");
    assert_eq!(got[0].ssrc, 0xdead_beef);
}

#[test]
fn same_digit_twice_with_lost_ends_is_two_digits() {
    // "11" where both end packets were lost: the marker and new timestamp start the second.
    let mut packets: Vec<Pkt> =
        (0..3).map(|i| (20 * i, SSRC, i == 0, 1000, 1, false, 160 * i as u16)).collect();
    packets.extend((0..3).map(|i| (100 + 20 * i, SSRC, i == 0, 2000, 1, false, 160 * i as u16)));
    let got = run(&packets, Some(10_000));
    assert_eq!(digits(&got), "11");
    assert_eq!(got[0].ended_by, EventEnd::Superseded);
    assert_eq!(got[1].ended_by, EventEnd::Timeout);
}

#[test]
fn a_new_event_ends_the_previous_one() {
    let mut packets: Vec<Pkt> =
        (0..3).map(|i| (20 * i, SSRC, i == 0, 1000, 1, false, 160 * i as u16)).collect();
    packets.extend(proper(2, 2000, 60, 3));
    let got = run(&packets, None);
    assert_eq!(digits(&got), "12");
    assert_eq!(got[0].ended_by, EventEnd::Superseded);
}

#[test]
fn truncated_payload_is_an_error() {
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    assert!(r.handle_packet(ms(0), SSRC, true, 0, &[1, 2]).is_err());
    assert!(r.poll_digit().is_none());
}

#[test]
fn finish_reports_active_events() {
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    let p = EventPayload { event: 12, end: false, volume: 3, duration: 320 };
    r.handle_packet(ms(0), SSRC, true, 9, &p.to_bytes()).unwrap();
    r.finish();
    let e = r.poll_digit().unwrap();
    assert_eq!((e.digit(), e.ended_by, e.volume), (Some('A'), EventEnd::Finished, 3));
    assert_eq!(e.name(), "A");
}

#[test]
fn sender_and_receiver_agree_with_lost_packets() {
    let sender = EventSender::new(160);
    let packets: Vec<_> = sender.packets(8, 77, 1600).collect();
    // Lose the marker packet and two of the three end packets.
    let n = packets.len();
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    for (i, p) in packets.iter().enumerate() {
        if i == 0 || i >= n - 2 {
            continue;
        }
        let at = ms(u64::from(p.send_at) / 8);
        r.handle_packet(at, SSRC, p.marker, p.timestamp, &p.payload.to_bytes()).unwrap();
    }
    let e = r.poll_digit().unwrap();
    assert_eq!((e.digit(), e.duration), (Some('8'), 1600));
    assert!(r.poll_digit().is_none());
}

#[test]
fn parsed_packets_go_in_whole_and_digits_are_chars() {
    // Flash (16) has a name but is no digit; the parsed packet carries SSRC, marker and timestamp.
    let mut r = EventReceiver::new(EventReceiverConfig::default());
    for (seq, event) in [(0u16, 11u8), (1, 16)] {
        let payload = EventPayload { event, end: true, volume: 10, duration: 800 }.to_bytes();
        let ts = 8000 * u32::from(seq);
        let datagram = RtpBuilder::new(101, seq, ts, SSRC).marker(true).payload(&payload).to_vec();
        let packet = RtpPacket::parse(datagram.as_ref().unwrap()).unwrap();
        r.handle_rtp(ms(100 * u64::from(seq)), &packet).unwrap();
        let info = PacketInfo::from(&packet);
        assert_eq!((info.seq, info.timestamp, info.ssrc, info.marker), (seq, ts, SSRC, true));
    }
    let hash = r.poll_digit().unwrap();
    assert_eq!((hash.digit(), hash.ssrc, hash.timestamp), (Some('#'), SSRC, 0));
    let flash = r.poll_digit().unwrap();
    assert_eq!((flash.digit(), flash.name().as_str(), flash.timestamp), (None, "flash", 8000));
}
