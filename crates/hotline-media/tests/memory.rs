//! Memory per leg and per call, measured: a counting global allocator keeps the bytes live on the
//! heap, and sessions are driven for 20 s of audio (in-band DTMF detection on, one packet in nine
//! lost so that the concealer and the jitter buffer's loss paths run, a stereo recording) before
//! their heap is read. A leg's share is the difference between sessions of four and of two legs;
//! a jitter-buffer packet slot's is the difference between buffers of 60 and of 50 packets.
//!
//! The figures are printed (`cargo test -p hotline-media --test memory -- --nocapture`) and the
//! issue's target is asserted: at most 16 KiB per leg besides the jitter buffer's packet slots.
//! [`MediaSession::memory_bytes`] is checked against the measurement too.
//!
//! This test binary holds a single test, so that no other test thread allocates while it counts.
// A global allocator can only be written with `unsafe impl GlobalAlloc`; it forwards to `System`
// and counts. Reviewed exception to the workspace's `deny(unsafe_code)`, for this test only.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use hotline_dsp::g711::{self, Law};
use hotline_media::{Codec, InbandDtmf, Layout, LegConfig, LegId, MediaSession};
use hotline_rtp::RtpBuilder;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the arguments it was given, so the allocator
// contract is `System`'s; the counter is an atomic and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        LIVE.fetch_add(signed(layout.size()), Ordering::SeqCst);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        LIVE.fetch_sub(signed(layout.size()), Ordering::SeqCst);
        // SAFETY: `ptr` was allocated by `System` through `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(signed(new_size) - signed(layout.size()), Ordering::SeqCst);
        // SAFETY: forwarded unchanged; `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A session of `legs` legs (each pair bridged, the first recorded in stereo) with jitter
/// buffers of `capacity` packets, driven for 20 s; returns it with the heap bytes it holds.
fn driven_session(legs: usize, capacity: usize, audio: &[u8]) -> (MediaSession, usize) {
    let mut packet = RtpBuilder::new(8, 0, 0, 0).payload(&audio[..160]).to_vec().unwrap();
    let t0 = Instant::now();
    let before = LIVE.load(Ordering::SeqCst);
    let mut session = MediaSession::new(t0);
    let mut ids: Vec<LegId> = Vec::with_capacity(legs);
    for i in 0..legs {
        let mut c = LegConfig::new(Codec::Pcma);
        c.remote = Some(addr(10_000 + 2 * i as u16));
        c.inband_dtmf = InbandDtmf::On;
        c.jitter.capacity = capacity;
        ids.push(session.add_leg(t0, c).unwrap());
    }
    for pair in ids.chunks_exact(2) {
        session.bridge(pair[0], pair[1]).unwrap();
    }
    session.start_recording(ids[0], Layout::Stereo).unwrap();
    for f in 0..1000u32 {
        let now = t0 + Duration::from_millis(u64::from(f) * 20);
        let at = (f as usize % 50) * 160;
        for (i, &leg) in ids.iter().enumerate() {
            if (f + i as u32).is_multiple_of(9) {
                continue;
            }
            packet[1] = 8;
            packet[2..4].copy_from_slice(&(f as u16).to_be_bytes());
            packet[4..8].copy_from_slice(&(f * 160).to_be_bytes());
            packet[8..12].copy_from_slice(&(100 + i as u32).to_be_bytes());
            packet[12..].copy_from_slice(&audio[at..at + 160]);
            let arrival = now + Duration::from_millis(u64::from(f % 7));
            session.handle_rtp(arrival, leg, addr(20_000 + i as u16), &packet).unwrap();
        }
        session.handle_timeout(now + Duration::from_millis(7));
        while session.poll_transmit().is_some() {}
        while session.poll_recording().is_some() {}
        while session.poll_event().is_some() {}
    }
    let after = LIVE.load(Ordering::SeqCst);
    (session, usize::try_from(after - before).unwrap())
}

#[test]
fn memory_per_leg_and_per_call_measured() {
    // One second of speech-level audio (two tones), A-law.
    let pcm: Vec<i16> = (0..8000)
        .map(|i| {
            let t = f64::from(i) / 8000.0;
            (3000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 1500.0 * (2.0 * std::f64::consts::PI * 1020.0 * t).sin()) as i16
        })
        .collect();
    let audio = g711::encode_to_vec(Law::A, &pcm);
    let call_struct = std::mem::size_of::<MediaSession>();

    // A first run takes the process's one-time allocations out of the measurements.
    drop(driven_session(2, 50, &audio));
    let (call, call_heap) = driven_session(2, 50, &audio);
    let (_four, four_heap) = driven_session(4, 50, &audio);
    let (_wide, wide_heap) = driven_session(2, 60, &audio);
    let per_leg = (four_heap - call_heap) / 2;
    let per_slot = (wide_heap - call_heap) / 20;
    let per_leg_besides_packets = per_leg - 50 * per_slot;
    let estimate = call.memory_bytes();
    println!(
        "memory: per leg {per_leg} bytes, of which {} in 50 jitter-buffer packet slots \
         ({per_slot} bytes each): {per_leg_besides_packets} bytes besides the packets",
        50 * per_slot
    );
    println!(
        "memory: bridged call with recording {} bytes ({call_heap} on the heap, \
         {call_struct} inline); memory_bytes() says {estimate}",
        call_heap + call_struct
    );
    assert!(per_slot >= 480, "a slot holds a 60 ms payload: {per_slot}");
    assert!(per_leg_besides_packets <= 16 * 1024, "{per_leg_besides_packets} bytes per leg");
    // The estimate the session gives for capacity planning (packet slots included) is within 10%
    // of the measurement.
    let measured = call_heap + call_struct;
    assert!(
        estimate.abs_diff(measured) * 10 <= measured,
        "memory_bytes() {estimate}, measured {measured}"
    );
}
