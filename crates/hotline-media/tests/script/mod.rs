// A script interpreter feeding a `MediaSession` arbitrary datagrams and host commands, shared by
// the fuzz target `media_session` (which includes this file) and the property test
// `tests/scripts.rs`. Each step takes an opcode byte and its arguments from the data.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_media::{Codec, InbandDtmf, Layout, LegConfig, LegId, MediaSession, Prompt};

/// Runs the script in `data`: never a panic, an unbounded allocation or a hang.
pub fn run_script(data: &[u8]) {
    let t0 = Instant::now();
    let mut now = t0;
    let mut session = MediaSession::new(t0);
    let mut next = data.iter().copied();
    let mut take = |n: usize| -> Vec<u8> { (&mut next).take(n).collect() };
    let from = |b: u8| SocketAddr::from(([127, 0, 0, 1], 4000 + u16::from(b % 4)));
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > 400 {
            break;
        }
        let op = take(1);
        let Some(&op) = op.first() else { break };
        let arg = take(2);
        let (a, b) = (arg.first().copied().unwrap_or(0), arg.get(1).copied().unwrap_or(0));
        let leg = LegId::from_index(usize::from(a % 4));
        match op % 12 {
            0 => {
                let mut c = LegConfig::new(if a % 2 == 0 { Codec::Pcmu } else { Codec::Pcma });
                c.ptime = Duration::from_millis(u64::from(b % 8) * 10);
                c.telephone_event = (b & 0x80 != 0).then_some(96 + b % 32);
                c.inband_dtmf =
                    [InbandDtmf::On, InbandDtmf::Off, InbandDtmf::Auto][usize::from(a % 3)];
                c.remote = Some(from(a));
                c.dead_peer_after = Duration::from_millis(u64::from(b) * 10);
                let _ = session.add_leg(now, c);
            }
            1..=3 => {
                let len = usize::from(b) * 2;
                let bytes = take(len);
                let _ = session.handle_rtp(now, leg, from(a >> 2), &bytes);
            }
            4 => {
                let bytes = take(usize::from(b));
                let _ = session.handle_rtcp(now, leg, from(a >> 2), &bytes);
            }
            5 => {
                now += Duration::from_millis(u64::from(b) * 4);
                session.handle_timeout(now);
            }
            6 => {
                let other = LegId::from_index(usize::from(b % 4));
                let _ = match b >> 5 {
                    0 => session.bridge(leg, other),
                    1 => session.hold(leg),
                    2 => session.isolate(leg),
                    3 => session.conference(&[leg, other]),
                    4 => session.whisper(leg, other, LegId::from_index(usize::from(a >> 4))),
                    5 => session.barge(leg, other, LegId::from_index(usize::from(a >> 4))),
                    _ => session.set_gain(leg, other, f32::from(b) / 50.0),
                };
            }
            7 => {
                let digits = String::from_utf8_lossy(&take(usize::from(b % 8))).into_owned();
                let _ = session.send_digits(leg, &digits);
            }
            8 => {
                let _ = session
                    .play(leg, Prompt::from_samples(vec![i16::from(b) * 64; usize::from(b) * 8]));
                let _ = session.set_barge_in(leg, a & 1 == 1);
            }
            9 => {
                let _ = session.start_recording(
                    leg,
                    if b % 2 == 0 { Layout::Stereo } else { Layout::TwoMono },
                );
                let _ = session.pause_recording(usize::from(b % 3), a & 1 == 1);
            }
            10 => {
                let _ = session.remove_leg(leg);
            }
            _ => {
                let _ = session.quality(leg);
                let _ = session.relatch(leg, None);
            }
        }
        while session.poll_transmit().is_some() {}
        while session.poll_event().is_some() {}
        while session.poll_recording().is_some() {}
        assert!(session.memory_bytes() < 16 << 20);
    }
}
