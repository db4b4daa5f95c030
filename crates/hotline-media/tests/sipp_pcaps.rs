//! SIPp's shipped captures (Debian's `sip-tester`) fed through a leg: the RFC 2833 digit of each
//! `dtmf_2833_*.pcap` is reported once, and `g711a.pcap` decodes with the packet counts that
//! `hotline rtp analyze` gives for it.

use std::path::Path;
use std::time::{Duration, Instant};

use hotline_media::{Codec, DigitVia, Layout, LegConfig, MediaEvent, MediaSession};
use hotline_rtp::RtpPacket;
use hotline_rtp::analyze::{AnalyzeConfig, analyze_capture};
use hotline_rtp::pcap::{CaptureReader, udp_datagram};

struct Fed {
    digits: Vec<(char, DigitVia)>,
    session: MediaSession,
    leg: hotline_media::LegId,
    recorded: Vec<i16>,
    payloads: Vec<u8>,
}

/// Feeds the capture's RTP stream to `dst_port` through one leg, ticking the session on the
/// capture's clock.
fn feed(path: &Path, codec: Codec, telephone_event: Option<u8>) -> Fed {
    let t0 = Instant::now();
    let mut session = MediaSession::new(t0);
    let mut config = LegConfig::new(codec);
    config.telephone_event = telephone_event;
    let leg = session.add_leg(t0, config).unwrap();
    let rec = session.start_recording(leg, Layout::Stereo).unwrap();
    let mut reader = CaptureReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut first: Option<Duration> = None;
    let mut fed =
        Fed { digits: Vec::new(), session, leg, recorded: Vec::new(), payloads: Vec::new() };
    let drain = |fed: &mut Fed| {
        while let Some(e) = fed.session.poll_event() {
            if let MediaEvent::Digit { digit, via, .. } = e {
                fed.digits.push((digit, via));
            }
        }
        while let Some(c) = fed.session.poll_recording() {
            assert_eq!(c.recorder, rec);
            fed.recorded.extend(c.samples.chunks(2).map(|p| p[0]));
        }
        while fed.session.poll_transmit().is_some() {}
    };
    let mut last = t0;
    while let Some(record) = reader.next_record().unwrap() {
        let Ok(Some(udp)) = udp_datagram(record.link_type, record.data) else { continue };
        let Ok(packet) = RtpPacket::parse(udp.payload) else { continue };
        if udp.dst.port() % 2 == 1 || packet.version() != 2 {
            continue;
        }
        let since = record.timestamp - *first.get_or_insert(record.timestamp);
        let now = t0 + since;
        while let Some(at) = fed.session.poll_timeout().filter(|&at| at <= now) {
            fed.session.handle_timeout(at);
            drain(&mut fed);
        }
        if Some(packet.payload_type()) != telephone_event {
            fed.payloads.extend_from_slice(packet.payload());
        }
        fed.session.handle_rtp(now, fed.leg, udp.src, udp.payload).unwrap();
        drain(&mut fed);
        last = now;
    }
    // Run on for a second after the last packet.
    while let Some(at) =
        fed.session.poll_timeout().filter(|&at| at <= last + Duration::from_secs(1))
    {
        fed.session.handle_timeout(at);
        drain(&mut fed);
    }
    fed
}

#[test]
fn each_rfc2833_capture_reports_its_digit_once() {
    let Some(dir) = hotline_testkit::system_path("/usr/share/sip-tester", "sip-tester") else {
        return;
    };
    let mut seen = 0;
    for (name, digit) in [
        ("0", '0'),
        ("1", '1'),
        ("2", '2'),
        ("3", '3'),
        ("4", '4'),
        ("5", '5'),
        ("6", '6'),
        ("7", '7'),
        ("8", '8'),
        ("9", '9'),
        ("pound", '#'),
        ("star", '*'),
    ] {
        let path = dir.join(format!("dtmf_2833_{name}.pcap"));
        let fed = feed(&path, Codec::Pcmu, Some(101));
        assert_eq!(fed.digits, [(digit, DigitVia::Rfc4733)], "{}", path.display());
        let q = fed.session.quality(fed.leg).unwrap();
        let analysis =
            analyze_capture(std::fs::File::open(&path).unwrap(), AnalyzeConfig::default()).unwrap();
        let packets: u64 = analysis.streams.iter().map(|s| s.packets).sum();
        assert_eq!(q.packets_received, packets, "{}", path.display());
        seen += 1;
    }
    assert_eq!(seen, 12);
}

#[test]
fn the_g711a_capture_decodes_through_a_leg() {
    let Some(path) = hotline_testkit::system_path("/usr/share/sip-tester/g711a.pcap", "sip-tester")
    else {
        return;
    };
    // The capture's packets carry 30 ms; the leg negotiated the default 20 ms and follows the
    // peer's packet time from its first packet (before that change, 21 packets came late and
    // 243 frames were concealed).
    let fed = feed(&path, Codec::Pcma, None);
    let analysis =
        analyze_capture(std::fs::File::open(&path).unwrap(), AnalyzeConfig::default()).unwrap();
    let stream = &analysis.streams[0];
    let q = fed.session.quality(fed.leg).unwrap();
    assert_eq!(q.packets_received, stream.packets);
    assert_eq!(q.lost, stream.lost);
    assert_eq!(stream.packets, 236);
    // The audio the leg played is the capture's audio: the same level as decoding the payloads
    // directly, and no in-band digit in it.
    let direct = hotline_dsp::g711::decode_to_vec(hotline_dsp::g711::Law::A, &fed.payloads);
    let direct_level = hotline_dsp::level::dbm0_of_samples(&direct);
    let played_level = hotline_dsp::level::dbm0_of_samples(&fed.recorded);
    let played_ms = fed.recorded.len() as f64 / 8.0;
    let direct_ms = direct.len() as f64 / 8.0;
    // Level over the recording, which also holds the jitter-buffer delay and the second after.
    let expect = direct_level + 10.0 * (direct_ms / played_ms).log10();
    assert!(
        (played_level - expect).abs() < 0.5,
        "{played_level:.2} vs {expect:.2} dBm0, {played_ms} vs {direct_ms} ms, {q:?}"
    );
    assert!(q.played_frames >= 230, "{q:?}");
    assert!(fed.digits.is_empty(), "{:?}", fed.digits);
}
