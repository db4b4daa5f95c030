//! Media workers: a few threads, each owning many calls' `MediaSession`s and their RTP/RTCP
//! sockets, all ticked on one 10 ms clock. A call's session stays on the worker that created it
//! (the call task holds a [`MediaHandle`] to that worker); workers share nothing but the global
//! counters, so no lock sits on the media path.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hotline_media::{
    LegConfig, LegId, MediaEvent, MediaSession, MusicOnHold, PacketKind, Prompt, Quality,
    WavRecording,
};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use crate::call::CallEvent;
use crate::metrics::Metrics;

/// What a call task asks its media worker.
#[derive(Debug)]
pub enum MediaCommand {
    /// Create the call's session.
    Open {
        /// The call.
        call: u64,
        /// Where the session's events go.
        events: mpsc::UnboundedSender<CallEvent>,
    },
    /// Bind an RTP/RTCP port pair for a new leg; answered with the RTP port.
    Bind {
        /// The call.
        call: u64,
        /// The answer.
        reply: oneshot::Sender<Result<u16, String>>,
    },
    /// Add the leg on the port bound last by [`MediaCommand::Bind`] for `port`.
    AddLeg {
        /// The call.
        call: u64,
        /// The port [`MediaCommand::Bind`] returned.
        port: u16,
        /// The leg's parameters.
        config: Box<LegConfig>,
        /// The answer.
        reply: oneshot::Sender<Result<LegId, String>>,
    },
    /// Point a leg at a new remote address (an answer or a re-INVITE).
    Relatch {
        /// The call.
        call: u64,
        /// The leg.
        leg: LegId,
        /// Its new address.
        remote: Option<SocketAddr>,
    },
    /// Queue prompts on a leg.
    Play {
        /// The call.
        call: u64,
        /// The leg.
        leg: LegId,
        /// The prompts, in order.
        prompts: Vec<Prompt>,
        /// Whether a digit interrupts them.
        barge_in: bool,
    },
    /// Stop what a leg is playing.
    Stop {
        /// The call.
        call: u64,
        /// The leg.
        leg: LegId,
    },
    /// Loop music on a leg.
    Music {
        /// The call.
        call: u64,
        /// The leg.
        leg: LegId,
        /// The music.
        music: Prompt,
    },
    /// Bridge two legs, and record them when `record` names a file.
    Bridge {
        /// The call.
        call: u64,
        /// The caller.
        caller: LegId,
        /// The agent.
        agent: LegId,
        /// The stereo WAV to write (caller left, agent right).
        record: Option<PathBuf>,
    },
    /// Take a leg out (an agent who hung up or was cancelled).
    RemoveLeg {
        /// The call.
        call: u64,
        /// The leg.
        leg: LegId,
    },
    /// End the call's media: finish the recording, free the ports, report each leg's quality.
    Close {
        /// The call.
        call: u64,
        /// Each leg's figures.
        reply: oneshot::Sender<Vec<(LegId, Quality)>>,
    },
}

/// A call task's way to its worker.
#[derive(Debug, Clone)]
pub struct MediaHandle {
    tx: mpsc::UnboundedSender<MediaCommand>,
}

impl MediaHandle {
    /// Sends `cmd`; a worker that has stopped (shutdown) drops it.
    pub fn send(&self, cmd: MediaCommand) {
        let _ = self.tx.send(cmd);
    }

    /// Binds a port pair.
    pub async fn bind(&self, call: u64) -> Result<u16, String> {
        let (reply, rx) = oneshot::channel();
        self.send(MediaCommand::Bind { call, reply });
        rx.await.map_err(|_| "the media worker stopped".to_owned())?
    }

    /// Adds a leg on `port`.
    pub async fn add_leg(&self, call: u64, port: u16, config: LegConfig) -> Result<LegId, String> {
        let (reply, rx) = oneshot::channel();
        self.send(MediaCommand::AddLeg { call, port, config: Box::new(config), reply });
        rx.await.map_err(|_| "the media worker stopped".to_owned())?
    }

    /// Ends the call's media.
    pub async fn close(&self, call: u64) -> Vec<(LegId, Quality)> {
        let (reply, rx) = oneshot::channel();
        self.send(MediaCommand::Close { call, reply });
        rx.await.unwrap_or_default()
    }
}

/// The workers; calls are spread over them round robin.
#[derive(Debug)]
pub struct MediaPool {
    workers: Vec<MediaHandle>,
    next: std::sync::atomic::AtomicUsize,
}

impl MediaPool {
    /// Starts `n` worker threads sharing the port range `first..=last` (each gets its own slice).
    pub fn start(n: usize, ip: IpAddr, first: u16, last: u16, metrics: Arc<Metrics>) -> MediaPool {
        let n = n.max(1);
        let pairs = usize::from((last - first).div_ceil(2));
        let per = (pairs / n).max(1);
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = mpsc::unbounded_channel();
            let start = first as usize + 2 * per * i;
            let ports: Vec<u16> = (0..per)
                .map(|k| start + 2 * k)
                .filter(|&p| p < usize::from(last))
                .map(|p| p as u16)
                .collect();
            let metrics = Arc::clone(&metrics);
            std::thread::Builder::new()
                .name(format!("media-{i}"))
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    match rt {
                        Ok(rt) => rt.block_on(Worker::new(ip, ports, metrics).run(rx)),
                        Err(e) => tracing::error!("media worker {i}: no runtime: {e}"),
                    }
                })
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!("media worker {i}: no thread: {e}"));
            workers.push(MediaHandle { tx });
        }
        MediaPool { workers, next: std::sync::atomic::AtomicUsize::new(0) }
    }

    /// The worker for a new call.
    pub fn pick(&self) -> MediaHandle {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        self.workers[i].clone()
    }
}

struct Packet {
    call: u64,
    leg: LegId,
    kind: PacketKind,
    from: SocketAddr,
    bytes: Vec<u8>,
}

struct Port {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    readers: [tokio::task::JoinHandle<()>; 2],
    number: u16,
}

struct Call {
    session: MediaSession,
    events: mpsc::UnboundedSender<CallEvent>,
    /// Bound, not yet a leg.
    pending: Vec<(u16, Arc<UdpSocket>, Arc<UdpSocket>)>,
    legs: HashMap<LegId, Port>,
    recording: Option<(usize, WavRecording<BufWriter<File>>, PathBuf, bool)>,
    /// The final figures of legs already removed, for the close report.
    removed: Vec<(LegId, Quality)>,
}

struct Worker {
    ip: IpAddr,
    free: Vec<u16>,
    calls: HashMap<u64, Call>,
    metrics: Arc<Metrics>,
    packets_tx: mpsc::UnboundedSender<Packet>,
    packets_rx: Option<mpsc::UnboundedReceiver<Packet>>,
}

impl Worker {
    fn new(ip: IpAddr, mut free: Vec<u16>, metrics: Arc<Metrics>) -> Worker {
        free.reverse();
        let (packets_tx, packets_rx) = mpsc::unbounded_channel();
        Worker {
            ip,
            free,
            calls: HashMap::new(),
            metrics,
            packets_tx,
            packets_rx: Some(packets_rx),
        }
    }

    // ANCHOR: worker
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<MediaCommand>) {
        let Some(mut packets) = self.packets_rx.take() else { return };
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.command(cmd).await,
                    None => break,
                },
                Some(p) = packets.recv() => self.packet(p),
                _ = tick.tick() => self.tick(Instant::now()),
            }
        }
    }
    // ANCHOR_END: worker

    async fn bind_pair(&mut self) -> Result<(u16, UdpSocket, UdpSocket), String> {
        // Try each free pair once; a port another program holds is skipped (and not returned to
        // the free list, so it is not tried again for every call).
        for _ in 0..self.free.len() {
            let Some(port) = self.free.pop() else { break };
            let rtp = UdpSocket::bind(SocketAddr::new(self.ip, port)).await;
            let rtcp = UdpSocket::bind(SocketAddr::new(self.ip, port + 1)).await;
            if let (Ok(rtp), Ok(rtcp)) = (rtp, rtcp) {
                return Ok((port, rtp, rtcp));
            }
            tracing::warn!(port, "RTP port pair in use; skipped");
        }
        self.metrics.rtp_ports_exhausted.fetch_add(1, Ordering::Relaxed);
        Err("no free RTP port".into())
    }

    async fn command(&mut self, cmd: MediaCommand) {
        match cmd {
            MediaCommand::Open { call, events } => {
                let session = MediaSession::new(Instant::now());
                self.calls.insert(
                    call,
                    Call {
                        session,
                        events,
                        pending: Vec::new(),
                        legs: HashMap::new(),
                        recording: None,
                        removed: Vec::new(),
                    },
                );
            }
            MediaCommand::Bind { call, reply } => {
                let result = match self.bind_pair().await {
                    Ok((port, rtp, rtcp)) => match self.calls.get_mut(&call) {
                        Some(c) => {
                            c.pending.push((port, Arc::new(rtp), Arc::new(rtcp)));
                            Ok(port)
                        }
                        None => {
                            self.free.push(port);
                            Err("no such call".into())
                        }
                    },
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            MediaCommand::AddLeg { call, port, config, reply } => {
                let result = self.add_leg(call, port, *config);
                let _ = reply.send(result);
            }
            MediaCommand::Relatch { call, leg, remote } => {
                if let Some(c) = self.calls.get_mut(&call)
                    && let Err(e) = c.session.relatch(leg, remote)
                {
                    tracing::warn!(call, "relatch: {e}");
                }
            }
            MediaCommand::Play { call, leg, prompts, barge_in } => {
                if let Some(c) = self.calls.get_mut(&call) {
                    let _ = c.session.set_barge_in(leg, barge_in);
                    for p in prompts {
                        if let Err(e) = c.session.play(leg, p) {
                            tracing::warn!(call, "play: {e}");
                        }
                    }
                }
            }
            MediaCommand::Stop { call, leg } => {
                if let Some(c) = self.calls.get_mut(&call) {
                    let _ = c.session.stop_playing(leg);
                }
            }
            MediaCommand::Music { call, leg, music } => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.session.set_music_on_hold(MusicOnHold::new(music));
                    if let Err(e) = c.session.start_music(leg) {
                        tracing::warn!(call, "music: {e}");
                    }
                }
            }
            MediaCommand::Bridge { call, caller, agent, record } => {
                if let Some(c) = self.calls.get_mut(&call) {
                    let _ = c.session.stop_playing(caller);
                    if let Err(e) = c.session.bridge(caller, agent) {
                        tracing::warn!(call, "bridge: {e}");
                    }
                    if let Some(path) = record {
                        match start_recording(&mut c.session, caller, &path) {
                            Ok((id, rec)) => c.recording = Some((id, rec, path, false)),
                            Err(e) => {
                                tracing::error!(call, path = %path.display(), "recording: {e}")
                            }
                        }
                    }
                }
            }
            MediaCommand::RemoveLeg { call, leg } => {
                if let Some(c) = self.calls.get_mut(&call) {
                    if let Ok(q) = c.session.quality(leg) {
                        c.removed.push((leg, q));
                    }
                    let _ = c.session.remove_leg(leg);
                    if let Some(port) = c.legs.remove(&leg) {
                        release(port, &mut self.free);
                    }
                }
            }
            MediaCommand::Close { call, reply } => {
                let mut report = Vec::new();
                if let Some(mut c) = self.calls.remove(&call) {
                    report.append(&mut c.removed);
                    Self::drain(call, &mut c, &self.metrics);
                    for (leg, port) in c.legs.drain() {
                        if let Ok(q) = c.session.quality(leg) {
                            report.push((leg, q));
                        }
                        release(port, &mut self.free);
                    }
                    for (port, ..) in c.pending.drain(..) {
                        self.free.push(port);
                    }
                    if let Some((_, rec, path, _)) = c.recording.take()
                        && let Err(e) = rec.finish()
                    {
                        tracing::error!(call, path = %path.display(), "finishing the recording: {e}");
                    }
                }
                let _ = reply.send(report);
            }
        }
    }

    fn add_leg(&mut self, call: u64, port: u16, config: LegConfig) -> Result<LegId, String> {
        let c = self.calls.get_mut(&call).ok_or("no such call")?;
        let i = c.pending.iter().position(|(p, ..)| *p == port).ok_or("port not bound")?;
        let (number, rtp, rtcp) = c.pending.swap_remove(i);
        let leg = match c.session.add_leg(Instant::now(), config) {
            Ok(leg) => leg,
            Err(e) => {
                self.free.push(number);
                return Err(e.to_string());
            }
        };
        let readers = [
            spawn_reader(call, leg, PacketKind::Rtp, Arc::clone(&rtp), self.packets_tx.clone()),
            spawn_reader(call, leg, PacketKind::Rtcp, Arc::clone(&rtcp), self.packets_tx.clone()),
        ];
        c.legs.insert(leg, Port { rtp, rtcp, readers, number });
        Ok(leg)
    }

    fn packet(&mut self, p: Packet) {
        let Some(c) = self.calls.get_mut(&p.call) else { return };
        let now = Instant::now();
        let result = match p.kind {
            PacketKind::Rtp => c.session.handle_rtp(now, p.leg, p.from, &p.bytes),
            PacketKind::Rtcp => c.session.handle_rtcp(now, p.leg, p.from, &p.bytes),
        };
        match result {
            Ok(_) => {
                self.metrics.rtp_in.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.metrics.rtp_refused.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(call = p.call, from = %p.from, "RTP refused: {e}");
            }
        }
        Self::drain(p.call, c, &self.metrics);
    }

    fn tick(&mut self, now: Instant) {
        for (&call, c) in &mut self.calls {
            if c.session.poll_timeout().is_some_and(|due| due <= now) {
                c.session.handle_timeout(now);
            }
            Self::drain(call, c, &self.metrics);
        }
    }

    fn drain(call: u64, c: &mut Call, metrics: &Metrics) {
        while let Some(t) = c.session.poll_transmit() {
            if let Some(port) = c.legs.get(&t.leg) {
                let socket = match t.kind {
                    PacketKind::Rtp => &port.rtp,
                    PacketKind::Rtcp => &port.rtcp,
                };
                match socket.try_send_to(t.contents, t.destination) {
                    Ok(_) => metrics.rtp_out.fetch_add(1, Ordering::Relaxed),
                    Err(_) => metrics.rtp_send_errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        }
        while let Some(ev) = c.session.poll_event() {
            if let MediaEvent::SourceLatched { .. } = ev {
                continue;
            }
            let _ = c.events.send(CallEvent::Media(ev));
        }
        while let Some(chunk) = c.session.poll_recording() {
            if let Some((id, rec, path, was_paused)) = &mut c.recording
                && chunk.recorder == *id
                && let Err(e) = rec.write(&chunk, was_paused)
            {
                tracing::error!(call, path = %path.display(), "writing the recording: {e}");
            }
        }
    }
}

fn start_recording(
    session: &mut MediaSession,
    caller: LegId,
    path: &std::path::Path,
) -> Result<(usize, WavRecording<BufWriter<File>>), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let file = File::create(path).map_err(|e| e.to_string())?;
    let rec = WavRecording::stereo(BufWriter::new(file)).map_err(|e| e.to_string())?;
    let id = session
        .start_recording(caller, hotline_media::Layout::Stereo)
        .map_err(|e| e.to_string())?;
    Ok((id, rec))
}

fn release(port: Port, free: &mut Vec<u16>) {
    for r in &port.readers {
        r.abort();
    }
    free.insert(0, port.number);
}

fn spawn_reader(
    call: u64,
    leg: LegId,
    kind: PacketKind,
    socket: Arc<UdpSocket>,
    tx: mpsc::UnboundedSender<Packet>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        loop {
            match socket.recv_from(&mut buf).await {
                Ok((n, from)) => {
                    let bytes = buf[..n].to_vec();
                    if tx.send(Packet { call, leg, kind, from, bytes }).is_err() {
                        break;
                    }
                }
                // ICMP port unreachable from a peer that went away shows up here on Linux.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    })
}
