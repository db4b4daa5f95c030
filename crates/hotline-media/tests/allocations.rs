//! No allocation per packet or frame in steady state, shown with a counting global allocator:
//! a bridged call with recording, in-band DTMF detection and RFC 4733 digits, and the two phones
//! at its ends, all `MediaSession`s, run for three seconds after twelve seconds of warm-up, with
//! one packet in eleven lost on the way (so that loss concealment runs too) and RTCP reports
//! both ways every 500 ms.
//!
//! This test binary holds a single test, so that no other test thread allocates while it counts.
// A global allocator can only be written with `unsafe impl GlobalAlloc`; it forwards to `System`
// and counts. Reviewed exception to the workspace's `deny(unsafe_code)`, for this test only.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hotline_dsp::tone::{Plan, Step, ToneKind};
use hotline_media::{
    Codec, InbandDtmf, Layout, LegConfig, LegId, MediaEvent, MediaSession, PacketKind,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the arguments it was given, so the allocator
// contract is `System`'s; the counter is an atomic and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: `ptr` was allocated by `System` through `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// (session, leg) owning a local port.
fn route(port: u16, legs: &[(usize, LegId, u16)]) -> Option<(usize, LegId)> {
    legs.iter().find(|l| l.2 == port).map(|l| (l.0, l.1))
}

struct Packet {
    to: SocketAddr,
    from: SocketAddr,
    kind: PacketKind,
    bytes: [u8; 600],
    len: usize,
}

#[test]
fn steady_state_allocates_nothing_per_packet_or_frame() {
    let t0 = Instant::now();
    let mut sessions = [MediaSession::new(t0), MediaSession::new(t0), MediaSession::new(t0)];
    let (hub, a, c) = (0, 1, 2);
    let leg = |remote: u16, te: bool| {
        let mut config = LegConfig::new(Codec::Pcma);
        config.remote = Some(addr(remote));
        config.inband_dtmf = InbandDtmf::On;
        config.telephone_event = te.then_some(101);
        // RTCP every 500 ms, so that reports go both ways in the window (written and read in
        // place: they allocate nothing either).
        config.rtcp_interval = Duration::from_millis(500);
        config
    };
    let caller = sessions[hub].add_leg(t0, leg(10_000, true)).unwrap();
    let agent = sessions[hub].add_leg(t0, leg(10_001, false)).unwrap();
    let pa = sessions[a].add_leg(t0, leg(20_000, true)).unwrap();
    let pc = sessions[c].add_leg(t0, leg(20_001, false)).unwrap();
    let legs = [(hub, caller, 20_000), (hub, agent, 20_001), (a, pa, 10_000), (c, pc, 10_001)];
    sessions[hub].bridge(caller, agent).unwrap();
    let _recorder = sessions[hub].start_recording(caller, Layout::Stereo).unwrap();
    let mut spec = Plan::Itu.tone(ToneKind::Dial);
    spec.steps = vec![Step { frequencies: vec![440.0], ms: 1000.0 }];
    sessions[a].play_tone(pa, &spec, -15.0).unwrap();
    spec.steps = vec![
        Step { frequencies: vec![697.0, 1209.0], ms: 150.0 },
        Step { frequencies: vec![], ms: 350.0 },
    ];
    sessions[c].play_tone(pc, &spec, -10.0).unwrap();
    let mut flight: Vec<Packet> = Vec::with_capacity(64);
    let mut sent_rtp = 0usize;
    let mut digits = [0usize; 2];
    let mut recorded = 0usize;
    let mut run = |sessions: &mut [MediaSession; 3],
                   from_ms: u64,
                   to_ms: u64,
                   digits: &mut [usize; 2]| {
        for ms in from_ms..to_ms {
            let now = t0 + Duration::from_millis(ms);
            if ms % 1000 == 500 {
                sessions[a].send_digits(pa, "5").unwrap();
            }
            for (s, session) in sessions.iter_mut().enumerate() {
                if session.poll_timeout().is_some_and(|t| t <= now) {
                    session.handle_timeout(now);
                }
                while let Some(t) = session.poll_transmit() {
                    // One RTP packet in eleven is lost on the way.
                    if t.kind == PacketKind::Rtp {
                        sent_rtp += 1;
                        if sent_rtp.is_multiple_of(11) {
                            continue;
                        }
                    }
                    let from =
                        legs.iter().find(|l| l.0 == s && l.1 == t.leg).map(|l| addr(l.2)).unwrap();
                    let mut p = Packet {
                        to: t.destination,
                        from,
                        kind: t.kind,
                        bytes: [0; 600],
                        len: t.contents.len(),
                    };
                    p.bytes[..p.len].copy_from_slice(t.contents);
                    flight.push(p);
                }
                while let Some(c) = session.poll_recording() {
                    recorded += c.samples.len();
                }
            }
            // What was sent arrives at the same instant, after every session's tick: each packet
            // lands exactly on its receiver's playout point (hotline-rtp's jitter buffer used to
            // take every such packet as late).
            for p in flight.drain(..) {
                let mut to = p.to;
                if p.kind == PacketKind::Rtcp {
                    to.set_port(to.port() - 1);
                }
                let (s, l) = route(to.port(), &legs).unwrap();
                let r = match p.kind {
                    PacketKind::Rtp => sessions[s].handle_rtp(now, l, p.from, &p.bytes[..p.len]),
                    PacketKind::Rtcp => sessions[s].handle_rtcp(now, l, p.from, &p.bytes[..p.len]),
                };
                r.unwrap();
            }
            for (s, session) in sessions.iter_mut().enumerate() {
                while let Some(e) = session.poll_event() {
                    if let MediaEvent::Digit { leg, .. } = e
                        && s == hub
                    {
                        digits[usize::from(leg == agent)] += 1;
                    }
                }
            }
        }
    };
    // Warm-up: long enough for the RFC 4733 receiver's memory of ended events (hotline-rtp's
    // `EventReceiver`, 16 entries in a `VecDeque` that grows by doubling) to reach its bound.
    run(&mut sessions, 0, 12_000, &mut digits);
    let warm = digits;
    let concealed_before = sessions[hub].quality(agent).unwrap().concealed_frames;
    let rtcp_before = sessions[hub].quality(caller).unwrap();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    run(&mut sessions, 12_000, 15_000, &mut digits);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(allocations, 0, "allocations in 3 s of steady state");
    // The window did real work: digits both ways, frames recorded, packets exchanged.
    assert_eq!(digits[0] - warm[0], 3, "RFC 4733 digits in the window");
    assert!(digits[1] - warm[1] >= 5, "in-band digits in the window: {}", digits[1] - warm[1]);
    assert!(recorded >= 2 * 15_000 * 8);
    let q = sessions[hub].quality(caller).unwrap();
    // RTCP went both ways in the window, and the round trip was measured from it.
    assert!(q.rtcp_received - rtcp_before.rtcp_received >= 5, "{q:?}");
    assert!(q.rtcp_sent - rtcp_before.rtcp_sent >= 5, "{q:?}");
    assert!(q.rtt_ms.is_some(), "{q:?}");
    // 15 s of 20 ms packets, one in eleven lost.
    assert!(q.packets_received >= 670 && q.packets_sent >= 740, "{q:?}");
    let q = sessions[hub].quality(agent).unwrap();
    assert!(q.played_frames >= 670 && q.late == 0, "{q:?}");
    // Losses were concealed in the window (the agent's phone sends no RFC 4733 events, so every
    // lost frame of its stream goes through the concealer).
    assert!(q.concealed_frames - concealed_before >= 10, "{q:?}");
}
