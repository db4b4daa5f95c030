//! Start and stop: opens the store, the flight log and every listener, starts the tasks, prints
//! where each thing listens, and on SIGTERM or Ctrl-C stops taking calls, lets calls in progress
//! finish for the grace period, then ends the rest with their CDR rows written.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::acd::AcdHandle;
use crate::config::Settings;
use crate::flight::{FlightLog, Record};
use crate::media::MediaPool;
use crate::metrics::Metrics;
use crate::prompts::Library;
use crate::sip::{SipInput, SipTask};
use crate::store::StoreCommand;
use crate::transport::{Outbound, bind_error};

/// What every task may read; nothing in it is locked.
#[derive(Debug)]
pub struct Shared {
    /// The checked configuration.
    pub settings: Settings,
    /// Every prompt, loaded.
    pub prompts: Library,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// The flight recorder.
    pub flight: FlightLog,
    /// When the server started (the ACD's clock starts here).
    pub epoch: Instant,
    /// The sip task.
    pub sip: mpsc::UnboundedSender<SipInput>,
    /// The ACD task.
    pub acd: AcdHandle,
    /// The media workers.
    pub media: MediaPool,
    /// The store thread.
    pub store: std::sync::mpsc::Sender<StoreCommand>,
    /// The last call number given.
    pub next_call: AtomicU64,
    /// Calls in progress.
    pub live_calls: AtomicU64,
    /// Set to true when calls must end now.
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// `<data_dir>/recordings`.
    pub fn recordings_dir(&self) -> PathBuf {
        self.settings.config.server.data_dir.join("recordings")
    }
}

/// Runs the server until SIGTERM or Ctrl-C (or `stop` resolves, in tests).
///
/// # Errors
///
/// A message for anything that stops it from starting (a port in use, an unwritable folder).
pub async fn run(
    settings: Settings,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let cfg = settings.config.server.clone();
    std::fs::create_dir_all(cfg.data_dir.join("recordings"))
        .map_err(|e| format!("cannot create {}: {e}", cfg.data_dir.display()))?;
    let prompts = Library::load(&settings.prompt_dir, settings.flows.values().map(|f| &*f.program))
        .and_then(|l| l.with_announcements(crate::prompts::announcements()?))
        .map_err(|e| format!("a prompt cannot be loaded: {e} (regenerate with examples/reference-server/prompts/make.sh)"))?;
    let metrics = Arc::new(Metrics::default());
    let header = Record::Header {
        acd: Box::new(settings.config.acd.clone()),
        flows: settings.flows.iter().map(|(k, v)| (k.clone(), v.source.clone())).collect(),
    };
    let flight = FlightLog::open(&cfg.data_dir.join("flight.jsonl"), header, Arc::clone(&metrics))?;
    let store = crate::store::start(&cfg.data_dir, Arc::clone(&metrics))?;

    let sip_addr = SocketAddr::new(cfg.bind, cfg.sip_port);
    let (udp, tcp) = crate::transport::bind(sip_addr).await?;
    let sip_local = udp.local_addr().map_err(|e| e.to_string())?;
    let http_addr = SocketAddr::new(cfg.bind, cfg.http_port);
    let http = tokio::net::TcpListener::bind(http_addr)
        .await
        .map_err(|e| bind_error("HTTP", http_addr, &e))?;
    let http_local = http.local_addr().map_err(|e| e.to_string())?;

    let epoch = Instant::now();
    let workers = if cfg.media_workers == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        cfg.media_workers
    };
    let (first, last) = settings.rtp_range;
    // ANCHOR: wiring
    let media = MediaPool::start(workers, cfg.bind, first, last, Arc::clone(&metrics));
    let acd = crate::acd::start(&settings.config.acd, epoch, flight.clone(), store.clone())?;
    let (sip_tx, sip_rx) = mpsc::unbounded_channel();
    let (shutdown_tx, shutdown) = watch::channel(false);
    let shared = Arc::new(Shared {
        settings,
        prompts,
        metrics,
        flight,
        epoch,
        sip: sip_tx.clone(),
        acd,
        media,
        store: store.clone(),
        next_call: AtomicU64::new(0),
        live_calls: AtomicU64::new(0),
        shutdown,
    });
    let outbound = Outbound { udp: Arc::clone(&udp), tcp: Default::default() };
    let task = SipTask::new(Arc::clone(&shared), outbound, sip_local);
    tokio::spawn(task.run(sip_rx));
    crate::transport::spawn_udp(udp, sip_tx.clone());
    crate::transport::spawn_tcp(tcp, sip_tx.clone());
    let app = crate::api::router(Arc::clone(&shared));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(http, app).await {
            tracing::error!("HTTP server: {e}");
        }
    });
    // ANCHOR_END: wiring

    banner(&shared, sip_local, http_local, workers);

    stop.await;
    let grace = shared.settings.config.server.shutdown_grace;
    let live = shared.live_calls.load(Ordering::Relaxed);
    tracing::info!(live, ?grace, "stopping: no new calls; calls in progress may finish");
    eprintln!("stopping: {live} call(s) in progress get {} s to finish", grace.as_secs());
    let _ = sip_tx.send(SipInput::StopAccepting);
    let deadline = Instant::now() + grace;
    while shared.live_calls.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = shutdown_tx.send(true);
    let deadline = Instant::now() + Duration::from_secs(5);
    while shared.live_calls.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the BYEs go out before the runtime stops.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (done, wait) = tokio::sync::oneshot::channel();
    let _ = store.send(StoreCommand::Stop(done));
    let _ = wait.await;
    eprintln!("stopped");
    Ok(())
}

fn banner(shared: &Shared, sip: SocketAddr, http: SocketAddr, workers: usize) {
    let s = &shared.settings;
    let (first, last) = s.rtp_range;
    let adv = s.advertise;
    eprintln!("hotline reference server, configuration from {}", s.origin);
    eprintln!("  SIP      udp+tcp {sip} (domain {})", s.config.server.domain);
    eprintln!("  RTP      {adv} ports {first}-{last}, {workers} media worker(s)");
    eprintln!("  HTTP     http://{http}/  (health: /health, metrics: /metrics)");
    eprintln!(
        "  data     {} (hotline.db, recordings/, flight.jsonl)",
        s.config.server.data_dir.display()
    );
    for n in &s.config.numbers {
        eprintln!("  number   {} -> flow {}", n.number, n.flow);
    }
    for a in &s.config.agents {
        match &a.contact {
            Some(c) => eprintln!("  agent    {} at {c}", a.name),
            None => eprintln!(
                "  agent    {} registers as sip:{}@{} (password in the config)",
                a.name, a.name, s.config.server.domain
            ),
        }
    }
    if let Some(n) = s.config.numbers.first() {
        eprintln!(
            "call in:  sip:{}@{}:{}  (for example: baresip, then `/dial sip:{}@{}:{}`)",
            n.number,
            adv,
            sip.port(),
            n.number,
            adv,
            sip.port()
        );
    }
    eprintln!(
        "agents go ready with: curl -X POST -H 'Authorization: Bearer <token>' http://{http}/api/agents/<name>/state -d '{{\"state\":\"ready\"}}'"
    );
}

/// Sleeps until `due`, or forever when there is nothing to wait for: the timer arm of every
/// task's `select!` loop (the engines' `poll_timeout` answers `None` when idle).
pub async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
