//! hotline-media: the whole media chain per leg and 20 ms frame, and a bridged call with
//! recording, against Asterisk's published rule of thumb of about 100 G.711 calls per GHz of CPU.
//!
//! Each iteration is one 20 ms frame of a bridged call: one RTP packet arrives on each of the two
//! legs (parse, latch checks, RFC 3550 statistics, jitter buffer), then the session's tick plays
//! out both jitter buffers, decodes, runs loss concealment and in-band DTMF detection on both
//! legs, mixes, records the caller leg (stereo, written through `WavRecording` to a writer that
//! discards), encodes and packetises both legs. So one iteration is two leg-frames and one call
//! frame. The incoming packets are made by patching sequence number and timestamp into a
//! prepared packet (a few ns).
//!
//! The audio is a two-tone signal at a speech-like level (440 and 1020 Hz), which the DTMF
//! detector turns away after its cheap row test, as it does most speech; a second figure runs
//! the same chain on DTMF digits (60 ms on, 40 ms off), where most blocks are measured in full.
//!
//! Before the timings the bench prints the derived figures: µs per leg-frame (thread CPU time:
//! on a shared machine wall time counts other processes' turns), real-time legs and bridged
//! calls per core, and the ratio to Asterisk's 100 calls per GHz at this machine's clock
//! (`/proc/cpuinfo` "cpu MHz", the clock `lscpu` reports).
//!
//! `cargo bench -p hotline-benches --bench media -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::io::{self, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_dsp::g711::{self, Law};
use hotline_media::{Codec, InbandDtmf, Layout, LegConfig, LegId, MediaSession, WavRecording};
use hotline_rtp::RtpBuilder;

/// A writer that discards, and seeks anywhere (the recorder's file stand-in).
struct Discard(u64);

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Discard {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if let SeekFrom::Start(p) = pos {
            self.0 = p;
        }
        Ok(self.0)
    }
}

struct Call {
    session: MediaSession,
    legs: [LegId; 2],
    peers: [SocketAddr; 2],
    packets: [Vec<u8>; 2],
    audio: Vec<u8>,
    frame: u32,
    now: Instant,
    recording: WavRecording<Discard>,
    paused: bool,
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// One second of a two-tone signal at a speech-like level (440 Hz and 1020 Hz).
fn speech_like() -> Vec<i16> {
    (0..8000)
        .map(|i| {
            let t = f64::from(i) / 8000.0;
            (3000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 1500.0 * (2.0 * std::f64::consts::PI * 1020.0 * t).sin()) as i16
        })
        .collect()
}

/// One second of DTMF digits (60 ms on, 40 ms off, −10 dBm0): the detector's worst case, where
/// most blocks pass its early rejection and are measured at all eight frequencies.
fn digits() -> Vec<i16> {
    let mut pcm = hotline_dsp::dtmf::DtmfGenerator::new()
        .on_ms(60.0)
        .off_ms(40.0)
        .level_dbm0(-10.0)
        .generate("1593574862")
        .unwrap();
    pcm.resize(8000, 0);
    pcm
}

impl Call {
    fn new(pcm: &[i16]) -> Self {
        let t0 = Instant::now();
        let mut session = MediaSession::new(t0);
        let mut legs = [LegId::from_index(0); 2];
        let peers = [addr(10_000), addr(10_002)];
        for (i, leg) in legs.iter_mut().enumerate() {
            let mut c = LegConfig::new(Codec::Pcma);
            c.remote = Some(peers[i]);
            c.inband_dtmf = InbandDtmf::On;
            c.telephone_event = Some(101);
            *leg = session.add_leg(t0, c).unwrap();
        }
        session.bridge(legs[0], legs[1]).unwrap();
        session.start_recording(legs[0], Layout::Stereo).unwrap();
        // One second of audio, A-law, cycled.
        let audio = g711::encode_to_vec(Law::A, pcm);
        let packet = |ssrc| RtpBuilder::new(8, 0, 0, ssrc).payload(&audio[..160]).to_vec().unwrap();
        let mut call = Call {
            session,
            legs,
            peers,
            packets: [packet(1), packet(2)],
            audio,
            frame: 0,
            now: t0,
            recording: WavRecording::stereo(Discard(0)).unwrap(),
            paused: false,
        };
        // Warm up past the jitter buffers' start and first estimates.
        for _ in 0..500 {
            call.frame();
        }
        call
    }

    /// One 20 ms frame of the call.
    fn frame(&mut self) {
        let f = self.frame;
        self.frame = self.frame.wrapping_add(1);
        let arrival = self.now + Duration::from_millis(3);
        let at = (f as usize % 50) * 160;
        for i in 0..2 {
            let p = &mut self.packets[i];
            p[2..4].copy_from_slice(&(f as u16).to_be_bytes());
            p[4..8].copy_from_slice(&(f.wrapping_mul(160)).to_be_bytes());
            p[12..].copy_from_slice(&self.audio[at..at + 160]);
            self.session.handle_rtp(arrival, self.legs[i], self.peers[i], p).unwrap();
        }
        self.now += Duration::from_millis(20);
        self.session.handle_timeout(self.now);
        let mut sent = 0;
        while let Some(t) = self.session.poll_transmit() {
            sent += t.contents.len();
        }
        black_box(sent);
        while let Some(chunk) = self.session.poll_recording() {
            self.recording.write(&chunk, &mut self.paused).unwrap();
        }
        while self.session.poll_event().is_some() {}
    }
}

fn cpu_mhz() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines().find(|l| l.starts_with("cpu MHz"))?.split(':').nth(1)?.trim().parse().ok()
}

/// CPU time per call frame, µs, over `frames` frames of `call`. (Not inlined: a symbol to split
/// a profile at, as in `valgrind --tool=callgrind --dump-after=media::cpu_per_call_frame`.)
#[inline(never)]
fn cpu_per_call_frame(call: &mut Call, frames: u32) -> f64 {
    let start = cpu_time::ThreadTime::now();
    for _ in 0..frames {
        call.frame();
    }
    start.elapsed().as_secs_f64() / f64::from(frames) * 1e6
}

fn figures() {
    let mut call = Call::new(&speech_like());
    let frames = 20_000u32;
    let per_call_frame_us = cpu_per_call_frame(&mut call, frames);
    let per_leg_frame_us = per_call_frame_us / 2.0;
    let legs_per_core = 20_000.0 / per_leg_frame_us;
    let calls_per_core = 20_000.0 / per_call_frame_us;
    println!(
        "media: {per_leg_frame_us:.3} µs per leg-frame (thread CPU time, {frames} call frames)"
    );
    println!(
        "media: {legs_per_core:.0} real-time legs per core (target 10,000), {calls_per_core:.0} bridged calls with recording per core (target 4,000)"
    );
    if let Some(mhz) = cpu_mhz() {
        let asterisk = 100.0 * mhz / 1000.0;
        println!(
            "media: Asterisk's rule of thumb at {mhz:.0} MHz: {asterisk:.0} calls per core; hotline-media {:.1}× that",
            calls_per_core / asterisk
        );
    }
    let mut dtmf_call = Call::new(&digits());
    let dtmf_leg_frame_us = cpu_per_call_frame(&mut dtmf_call, frames) / 2.0;
    println!(
        "media: {dtmf_leg_frame_us:.3} µs per leg-frame with DTMF digits as the audio (the detector's worst case)"
    );
    println!(
        "media: memory per call {} bytes (two legs, mixer, buffers), of which {} bytes per leg of jitter-buffer packet slots reserved",
        call.session.memory_bytes(),
        hotline_media::jitter_packet_bytes(call.session.leg_config(call.legs[0]).unwrap())
    );
}

fn bench(c: &mut Criterion) {
    figures();
    let mut group = c.benchmark_group("media");
    group.throughput(Throughput::Elements(2));
    let mut call = Call::new(&speech_like());
    group.bench_function("bridged call frame with recording (2 leg-frames)", |b| {
        b.iter(|| call.frame())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
