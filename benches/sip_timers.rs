//! The SIP transaction layer's timers with 10,000 and 100,000 live transactions: the timer queue
//! (`poll_timeout`, `handle_timeout`) against the scan of every transaction that the layer did
//! before (kept as `poll_timeout_by_scan` / `handle_timeout_by_scan`, the reference the property
//! test compares the queue with), measured in the same run.
//!
//! * `timers/poll_timeout/N`: asking for the next deadline.
//! * `timers/handle_timeout/N`: a host's loop in steady state, per timer fired: jump to the next
//!   deadline, fire what is due (timer E retransmissions, timer F timeouts), drain the output, and
//!   start a new transaction for each one that ended, so that N stay alive. The figure is the
//!   time per timer, not per turn of the loop: transactions restarted at the same instant share
//!   their deadlines, so one turn fires a growing number of timers as the run goes on, and a
//!   per-turn time would grow with the run's length rather than with N.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionLayer, Transport};

const SIZES: [usize; 2] = [10_000, 100_000];

fn options(branch: u64) -> Vec<u8> {
    format!(
        "OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{branch}\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:bob@example.com>\r\n\
         From: <sip:alice@example.com>;tag=a1\r\n\
         Call-ID: bench-{branch}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// A host driving one layer: the clock, the next branch number and the peer.
struct Host {
    layer: TransactionLayer,
    now: Instant,
    next_branch: u64,
    peer: Remote,
    by_scan: bool,
}

impl Host {
    /// `n` live non-INVITE client transactions over UDP, started 100 µs apart so that their
    /// timers spread over time.
    fn new(n: usize, by_scan: bool) -> Host {
        let peer = Remote::new(SocketAddr::from(([127, 0, 0, 1], 5060)), Transport::Udp);
        let mut host = Host {
            layer: TransactionLayer::new(TimerConfig::default()),
            now: Instant::now(),
            next_branch: 0,
            peer,
            by_scan,
        };
        for _ in 0..n {
            host.now += Duration::from_micros(100);
            host.start();
        }
        while host.layer.poll_transmit().is_some() {}
        host
    }

    fn start(&mut self) {
        self.next_branch += 1;
        self.layer.send_request(self.now, options(self.next_branch), self.peer).unwrap();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.by_scan { self.layer.poll_timeout_by_scan() } else { self.layer.poll_timeout() }
    }

    /// One turn of the loop; returns how many timers fired (datagrams retransmitted, and
    /// transactions ended by timer F).
    fn step(&mut self) -> u64 {
        let Some(at) = self.poll_timeout() else { return 0 };
        self.now = self.now.max(at);
        if self.by_scan {
            self.layer.handle_timeout_by_scan(self.now);
        } else {
            self.layer.handle_timeout(self.now);
        }
        let mut fired = 0;
        while self.layer.poll_transmit().is_some() {
            fired += 1;
        }
        while let Some(event) = self.layer.poll_event() {
            if let Event::Terminated { .. } = event {
                fired += 1;
                self.start();
            }
        }
        fired
    }

    /// Turns of the loop until at least `timers` timers fired; the time per timer, times
    /// `timers`.
    fn run(&mut self, timers: u64) -> Duration {
        let start = Instant::now();
        let mut fired = 0;
        while fired < timers {
            let n = self.step();
            assert!(n > 0, "every deadline fires a timer");
            fired += n;
        }
        start.elapsed().mul_f64(timers as f64 / fired as f64)
    }
}

fn poll_timeout(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers/poll_timeout");
    for n in SIZES {
        let host = Host::new(n, false);
        assert_eq!(host.layer.len(), n);
        assert_eq!(host.layer.poll_timeout(), host.layer.poll_timeout_by_scan());
        g.bench_with_input(BenchmarkId::new("queue", n), &host, |b, h| {
            b.iter(|| black_box(&h.layer).poll_timeout())
        });
        g.bench_with_input(BenchmarkId::new("scan", n), &host, |b, h| {
            b.iter(|| black_box(&h.layer).poll_timeout_by_scan())
        });
    }
    g.finish();
}

fn handle_timeout(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers/handle_timeout");
    for n in SIZES {
        for by_scan in [false, true] {
            let mut host = Host::new(n, by_scan);
            let name = if by_scan { "scan" } else { "queue" };
            g.bench_function(BenchmarkId::new(name, n), |b| b.iter_custom(|t| host.run(t)));
            assert_eq!(host.layer.len(), n, "the loop keeps {n} transactions alive");
        }
    }
    g.finish();
}

criterion_group!(benches, poll_timeout, handle_timeout);
criterion_main!(benches);
