//! A simulated network joining several `MediaSession`s, with a simulated clock.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_media::{LegId, MediaEvent, MediaSession, PacketKind};
use hotline_rtp::network::Profile;

/// Per-link delays: the i-th packet on the link takes `delays[i % len]` (None: lost).
#[derive(Debug, Clone)]
pub struct Link {
    delays: Vec<Option<f64>>,
    sent: usize,
    /// Every n-th packet is also delivered a second time, 7 ms later (0: never).
    pub duplicate_every: usize,
}

impl Link {
    /// A link with a fixed delay and no loss.
    pub fn fixed(ms: f64) -> Self {
        Link { delays: vec![Some(ms)], sent: 0, duplicate_every: 0 }
    }

    /// A link following a trace of hotline-rtp's network model.
    pub fn profile(name: &str, seed: u64, seconds: u64) -> Self {
        let trace = Profile::named(name).unwrap().trace(Duration::from_secs(seconds), seed);
        let delays = trace.packets.iter().map(|p| p.arrival_ms.map(|a| a - p.sent_ms)).collect();
        Link { delays, sent: 0, duplicate_every: 0 }
    }

    fn next(&mut self) -> (Option<f64>, bool) {
        let d = self.delays[self.sent % self.delays.len()];
        self.sent += 1;
        let dup = self.duplicate_every > 0 && self.sent.is_multiple_of(self.duplicate_every);
        (d, dup)
    }
}

struct InFlight {
    to: SocketAddr,
    from: SocketAddr,
    kind: PacketKind,
    bytes: Vec<u8>,
}

/// The sessions, their legs' addresses and the packets in flight.
pub struct Net {
    pub t0: Instant,
    pub now: Instant,
    pub sessions: Vec<MediaSession>,
    /// Local address of each (session, leg).
    addresses: BTreeMap<SocketAddr, (usize, LegId)>,
    local: BTreeMap<(usize, LegId), SocketAddr>,
    links: BTreeMap<(SocketAddr, SocketAddr), Link>,
    flight: BTreeMap<(Instant, u64), InFlight>,
    serial: u64,
    pub events: Vec<(usize, Duration, MediaEvent)>,
    /// Recorded interleaved samples per (session, recorder).
    pub recordings: BTreeMap<(usize, usize), Vec<i16>>,
    /// Decoded audio each (session, leg) sent, in order of sending (RTP audio only).
    pub sent_audio: BTreeMap<(usize, LegId), Vec<u8>>,
    pub keep_sent: bool,
    pub errors: usize,
}

impl Net {
    pub fn new() -> Self {
        let t0 = Instant::now();
        Net {
            t0,
            now: t0,
            sessions: Vec::new(),
            addresses: BTreeMap::new(),
            local: BTreeMap::new(),
            links: BTreeMap::new(),
            flight: BTreeMap::new(),
            serial: 0,
            events: Vec::new(),
            recordings: BTreeMap::new(),
            sent_audio: BTreeMap::new(),
            keep_sent: false,
            errors: 0,
        }
    }

    pub fn add_session(&mut self) -> usize {
        self.sessions.push(MediaSession::new(self.t0));
        self.sessions.len() - 1
    }

    /// Declares the local address of a leg.
    pub fn bind(&mut self, session: usize, leg: LegId, addr: SocketAddr) {
        self.addresses.insert(addr, (session, leg));
        self.local.insert((session, leg), addr);
    }

    /// Sets the link from `a` to `b` (both directions need one; default 1 ms).
    pub fn link(&mut self, from: SocketAddr, to: SocketAddr, link: Link) {
        self.links.insert((from, to), link);
    }

    fn drain(&mut self, s: usize) {
        let now = self.now;
        let elapsed = now - self.t0;
        while let Some(t) = self.sessions[s].poll_transmit() {
            let Some(&from) = self.local.get(&(s, t.leg)) else { continue };
            // RTCP travels to port+1 of a leg; map it back to the leg's address.
            let mut to = t.destination;
            if t.kind == PacketKind::Rtcp && !self.addresses.contains_key(&to) {
                to.set_port(to.port() - 1);
            }
            if self.keep_sent && t.kind == PacketKind::Rtp && t.contents.len() > 16 {
                self.sent_audio.entry((s, t.leg)).or_default().extend_from_slice(&t.contents[12..]);
            }
            let link = self.links.entry((from, to)).or_insert_with(|| Link::fixed(1.0));
            let (delay, dup) =
                if t.kind == PacketKind::Rtp { link.next() } else { (Some(30.0), false) };
            let Some(delay) = delay else { continue };
            let at = now + Duration::from_secs_f64(delay.max(0.0) / 1000.0);
            for extra in [Some(0.0), dup.then_some(7.0)].into_iter().flatten() {
                self.serial += 1;
                let at = at + Duration::from_secs_f64(extra / 1000.0);
                self.flight.insert(
                    (at, self.serial),
                    InFlight { to, from, kind: t.kind, bytes: t.contents.to_vec() },
                );
            }
        }
        while let Some(e) = self.sessions[s].poll_event() {
            self.events.push((s, elapsed, e));
        }
        while let Some(c) = self.sessions[s].poll_recording() {
            self.recordings.entry((s, c.recorder)).or_default().extend_from_slice(c.samples);
        }
    }

    /// Runs the clock to `t0 + until`, 1 ms at a time.
    pub fn run_until(&mut self, until: Duration) {
        let end = self.t0 + until;
        while self.now < end {
            self.now += Duration::from_millis(1);
            let now = self.now;
            // Deliver what has arrived.
            while let Some(entry) = self.flight.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let p = entry.remove();
                let Some(&(s, leg)) = self.addresses.get(&p.to) else { continue };
                let r = match p.kind {
                    PacketKind::Rtp => self.sessions[s].handle_rtp(now, leg, p.from, &p.bytes),
                    PacketKind::Rtcp => self.sessions[s].handle_rtcp(now, leg, p.from, &p.bytes),
                };
                if r.is_err() {
                    self.errors += 1;
                }
                self.drain(s);
            }
            for s in 0..self.sessions.len() {
                if self.sessions[s].poll_timeout().is_some_and(|t| t <= now) {
                    self.sessions[s].handle_timeout(now);
                }
                self.drain(s);
            }
        }
    }

    pub fn digits(&self, session: usize) -> Vec<(LegId, char, hotline_media::DigitVia)> {
        self.events
            .iter()
            .filter(|(s, ..)| *s == session)
            .filter_map(|(_, _, e)| match *e {
                MediaEvent::Digit { leg, digit, via, .. } => Some((leg, digit, via)),
                _ => None,
            })
            .collect()
    }
}

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// One channel of interleaved stereo.
pub fn channel(stereo: &[i16], c: usize) -> Vec<i16> {
    stereo.chunks_exact(2).map(|p| p[c]).collect()
}

/// Goertzel power of `f` Hz relative to the signal's power (0 to 1 for a pure tone: 0.5).
pub fn tone_share(x: &[i16], f: f64) -> f64 {
    let n = x.len() as f64;
    let w = 2.0 * std::f64::consts::PI * f / 8000.0;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &s) in x.iter().enumerate() {
        let s = f64::from(s);
        re += s * (w * i as f64).cos();
        im += s * (w * i as f64).sin();
    }
    let p: f64 = x.iter().map(|&s| f64::from(s).powi(2)).sum();
    if p == 0.0 {
        return 0.0;
    }
    2.0 * (re * re + im * im) / (n * p)
}

/// The frequency of a tone: where its spectral peak lies.
pub fn frequency(x: &[i16]) -> f64 {
    // The frequency of the strongest spectral line between 300 and 3,400 Hz (the telephone band),
    // found by Goertzel power on a 1 Hz grid over the first quarter second (whose main lobe, 8 Hz
    // wide, a 1 Hz grid cannot miss), then on a 0.05 Hz grid over the whole signal around it. A spectral
    // peak, unlike a zero-crossing count, is not moved by the phase jumps and short silences that
    // loss concealment and jitter-buffer playout adjustments put into a received tone, so the
    // test measures where the tone's energy is, which is what a listener or a detector hears.
    let power = |x: &[i16], hz: f64| {
        let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
        let coeff = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in x {
            let s0 = f64::from(v) + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        s1 * s1 + s2 * s2 - coeff * s1 * s2
    };
    let best = |x: &[i16], from: f64, to: f64, step: f64| {
        let mut hz = from;
        let (mut arg, mut max) = (from, f64::MIN);
        while hz <= to {
            let p = power(x, hz);
            if p > max {
                (arg, max) = (hz, p);
            }
            hz += step;
        }
        arg
    };
    let coarse = best(&x[..x.len().min(2000)], 300.0, 3400.0, 1.0);
    best(x, coarse - 4.0, coarse + 4.0, 0.05)
}

/// The lag (in samples) of the best normalised cross-correlation of `y` against `x` in
/// `0..max_lag`, and its value.
pub fn best_lag(x: &[i16], y: &[i16], max_lag: usize) -> (usize, f64) {
    let mut best = (0, f64::MIN);
    for lag in 0..max_lag.min(y.len()) {
        let n = x.len().min(y.len() - lag);
        if n < 800 {
            break;
        }
        let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let a = f64::from(x[i]);
            let b = f64::from(y[i + lag]);
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }
        let c = if xx > 0.0 && yy > 0.0 { xy / (xx * yy).sqrt() } else { 0.0 };
        if c > best.1 {
            best = (lag, c);
        }
    }
    best
}

/// Deterministic noise-like speech stand-in: a sum of a few tones with a slow envelope.
pub fn test_signal(seconds: f64, seed: u32, amplitude: f64) -> Vec<i16> {
    let n = (seconds * 8000.0) as usize;
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut out = Vec::with_capacity(n);
    let mut lp = 0.0f64;
    for _ in 0..n {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let white = f64::from(state as i32) / f64::from(i32::MAX);
        lp = 0.7 * lp + 0.3 * white;
        out.push((lp * amplitude).round() as i16);
    }
    out
}
