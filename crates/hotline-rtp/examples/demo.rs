//! A tour of hotline-rtp: build and parse RTP, keep RFC 3550 statistics, send and receive a DTMF
//! digit as RFC 4733 events, report with RTCP, and play through the jitter buffer.
//!
//! `cargo run -p hotline-rtp --example demo`

use std::time::Duration;

use hotline_rtp::event::{EventReceiver, EventReceiverConfig, EventSender};
use hotline_rtp::jitter::{JitterBuffer, JitterConfig, PacketInfo, Playout};
use hotline_rtp::rtcp::{
    ReceiverReport, ReportBlock, RtcpPacket, SdesChunk, SdesItem, parse_compound, write_compound,
};
use hotline_rtp::stats::SourceStats;
use hotline_rtp::{RtpBuilder, RtpPacket};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ssrc = 0x4854_4c4e;
    let ms = Duration::from_millis;

    // 1. Fifty 20 ms G.711 packets; packet 20 is lost and 30 arrives late.
    let audio = [0xd5u8; 160];
    let mut datagrams = Vec::new();
    for i in 0..50u16 {
        if i == 20 {
            continue;
        }
        let bytes = RtpBuilder::new(8, 1000 + i, 160 * u32::from(i), ssrc)
            .marker(i == 0)
            .payload(&audio)
            .to_vec()?;
        let late = if i == 30 { 45 } else { u64::from(i % 3) };
        datagrams.push((ms(20 * u64::from(i) + late), bytes));
    }
    datagrams.sort_by_key(|d| d.0);

    // 2. Receive: statistics and the jitter buffer.
    let mut stats = SourceStats::new(ssrc, 8000);
    let mut jb = JitterBuffer::new(JitterConfig::default())?;
    let mut next = 0;
    let (mut played, mut concealed) = (0, 0);
    for tick in 0..60u64 {
        let now = ms(20 * tick + 10);
        while next < datagrams.len() && datagrams[next].0 <= now {
            let (at, bytes) = &datagrams[next];
            let p = RtpPacket::parse(bytes)?;
            stats.update(*at, p.sequence_number(), p.timestamp());
            let info = PacketInfo {
                seq: p.sequence_number(),
                timestamp: p.timestamp(),
                ssrc: p.ssrc(),
                marker: p.marker(),
            };
            jb.push(*at, info, p.payload().to_vec());
            next += 1;
        }
        match jb.pop(now) {
            Playout::Frame(_) => played += 1,
            Playout::Lost { .. } => concealed += 1,
            Playout::Empty => {}
        }
    }
    println!(
        "RFC 3550: received {}, cumulative lost {}, jitter {} units",
        stats.received(),
        stats.cumulative_lost(),
        stats.jitter()
    );
    let s = jb.stats();
    println!(
        "jitter buffer: played {played}, concealed {concealed}, late {}, target {:.1} ms",
        s.late, s.target_delay_ms
    );

    // 3. An RTCP receiver report with a CNAME, as bytes and back.
    let block = ReportBlock::from_stats(&mut stats, None, ms(1200));
    let rtcp = vec![
        RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 0x1111, reports: vec![block] }),
        RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: 0x1111,
            items: vec![SdesItem::cname("agent-7@hotline")],
        }]),
    ];
    let mut bytes = Vec::new();
    write_compound(&rtcp, &mut bytes)?;
    assert_eq!(parse_compound(&bytes)?, rtcp);
    println!("RTCP: {} bytes, fraction lost {}/256", bytes.len(), block.fraction_lost);

    // 4. The digit 5 as RFC 4733 events, 100 ms long, end packet sent three times.
    let mut receiver = EventReceiver::new(EventReceiverConfig::default());
    for p in EventSender::new(160).packets(5, 8000, 800) {
        let at = ms(u64::from(p.send_at) / 8);
        receiver.handle_packet(at, ssrc, p.marker, p.timestamp, &p.payload.to_bytes())?;
    }
    while let Some(digit) = receiver.poll_digit() {
        println!("DTMF: {} lasting {} ms", digit.name(), digit.duration / 8);
    }
    Ok(())
}
