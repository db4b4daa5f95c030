//! Two legs bridged over loopback UDP, recorded to a stereo WAV file, for two seconds.
//!
//! Three `MediaSession`s, each with its own sockets on 127.0.0.1: the "switch" bridges a caller
//! leg and an agent leg and records the caller leg; the caller phone plays a 440 Hz tone and
//! dials `42#` as RFC 4733 events; the agent phone plays 1 kHz. One thread drives all three
//! from the wall clock: read what arrived, run the timers, send what they produced.
//!
//! `cargo run -p hotline-media --example bridge`

use std::fs::File;
use std::io::BufWriter;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use hotline_dsp::tone::{Plan, Step, ToneKind};
use hotline_media::{
    Codec, Layout, LegConfig, LegId, MediaEvent, MediaSession, PacketKind, WavRecording,
};

struct Endpoint {
    session: MediaSession,
    /// One RTP socket per leg (RTCP is multiplexed on it, RFC 5761).
    sockets: Vec<(LegId, UdpSocket)>,
    name: &'static str,
}

fn socket() -> std::io::Result<UdpSocket> {
    let s = UdpSocket::bind("127.0.0.1:0")?;
    s.set_nonblocking(true)?;
    Ok(s)
}

fn leg(remote: SocketAddr, telephone_event: bool) -> LegConfig {
    let mut c = LegConfig::new(Codec::Pcma);
    c.remote = Some(remote);
    c.rtcp_mux = true;
    c.telephone_event = telephone_event.then_some(101);
    c
}

fn tone(hz: f64) -> hotline_dsp::tone::ToneSpec {
    let mut spec = Plan::Itu.tone(ToneKind::Dial);
    spec.steps = vec![Step { frequencies: vec![hz], ms: 1000.0 }];
    spec
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let (sw_caller, sw_agent, caller_sock, agent_sock) =
        (socket()?, socket()?, socket()?, socket()?);
    let mut switch =
        Endpoint { session: MediaSession::new(t0), sockets: Vec::new(), name: "switch" };
    let mut caller =
        Endpoint { session: MediaSession::new(t0), sockets: Vec::new(), name: "caller" };
    let mut agent = Endpoint { session: MediaSession::new(t0), sockets: Vec::new(), name: "agent" };
    let c_leg = switch.session.add_leg(t0, leg(caller_sock.local_addr()?, true))?;
    let a_leg = switch.session.add_leg(t0, leg(agent_sock.local_addr()?, false))?;
    let caller_leg = caller.session.add_leg(t0, leg(sw_caller.local_addr()?, true))?;
    let agent_leg = agent.session.add_leg(t0, leg(sw_agent.local_addr()?, false))?;
    switch.sockets = vec![(c_leg, sw_caller), (a_leg, sw_agent)];
    caller.sockets = vec![(caller_leg, caller_sock)];
    agent.sockets = vec![(agent_leg, agent_sock)];

    switch.session.bridge(c_leg, a_leg)?;
    let recorder = switch.session.start_recording(c_leg, Layout::Stereo)?;
    let path = std::env::temp_dir().join(format!("hotline-bridge-{}.wav", std::process::id()));
    let mut recording = WavRecording::stereo(BufWriter::new(File::create(&path)?))?;
    let mut paused = false;
    caller.session.play_tone(caller_leg, &tone(440.0), -12.0)?;
    agent.session.play_tone(agent_leg, &tone(1000.0), -12.0)?;
    caller.session.send_digits(caller_leg, "42#")?;

    let end = t0 + Duration::from_secs(2);
    let mut buf = [0u8; 1500];
    let mut endpoints = [switch, caller, agent];
    while Instant::now() < end {
        let now = Instant::now();
        for e in &mut endpoints {
            for (leg, socket) in &e.sockets {
                while let Ok((n, from)) = socket.recv_from(&mut buf) {
                    // RFC 5761: RTCP packet types 200-204 in the second byte.
                    let result = if n > 1 && (200..=204).contains(&buf[1]) {
                        e.session.handle_rtcp(now, *leg, from, &buf[..n])
                    } else {
                        e.session.handle_rtp(now, *leg, from, &buf[..n])
                    };
                    if let Err(err) = result {
                        eprintln!("{}: {err}", e.name);
                    }
                }
            }
            if e.session.poll_timeout().is_some_and(|t| t <= now) {
                e.session.handle_timeout(now);
            }
            while let Some(t) = e.session.poll_transmit() {
                let socket =
                    &e.sockets.iter().find(|(l, _)| *l == t.leg).expect("a socket per leg").1;
                debug_assert!(t.kind == PacketKind::Rtp || t.kind == PacketKind::Rtcp);
                socket.send_to(t.contents, t.destination)?;
            }
            while let Some(event) = e.session.poll_event() {
                match event {
                    MediaEvent::Digit { digit, via, .. } => {
                        println!("{}: digit {digit} ({via:?})", e.name)
                    }
                    MediaEvent::SourceLatched { leg, from, .. } => {
                        println!("{}: {leg} latched {from}", e.name)
                    }
                    other => println!("{}: {other:?}", e.name),
                }
            }
            while let Some(chunk) = e.session.poll_recording() {
                assert_eq!(chunk.recorder, recorder);
                recording.write(&chunk, &mut paused)?;
            }
        }
        let next = endpoints.iter().filter_map(|e| e.session.poll_timeout()).min().unwrap_or(end);
        std::thread::sleep(
            next.saturating_duration_since(Instant::now()).min(Duration::from_millis(2)),
        );
    }
    recording.finish()?;
    for (leg, name) in [(c_leg, "caller"), (a_leg, "agent")] {
        let q = endpoints[0].session.quality(leg)?;
        println!(
            "switch {name} leg: received {}, sent {}, lost {}, jitter {:.2} ms, MOS {:.2}",
            q.packets_received, q.packets_sent, q.lost, q.jitter_ms, q.mos
        );
    }
    let wav = hotline_dsp::wav::read(File::open(&path)?)?;
    let left = wav.channel(0).unwrap_or_default();
    let right = wav.channel(1).unwrap_or_default();
    println!(
        "recording {}: {:.2} s stereo, caller (left) {:.1} dBm0, agent (right) {:.1} dBm0",
        path.display(),
        wav.seconds(),
        hotline_dsp::level::dbm0_of_samples(&left),
        hotline_dsp::level::dbm0_of_samples(&right)
    );
    std::fs::remove_file(&path)?;
    Ok(())
}
