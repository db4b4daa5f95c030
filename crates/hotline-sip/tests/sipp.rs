//! Interop with SIPp (Debian's `sip-tester`): SIPp's built-in `uac` scenario (INVITE, 100, 180,
//! 200, ACK, pause, BYE, 200) places a bounded number of calls over real UDP sockets on 127.0.0.1
//! to the example UAS (`examples/uas.rs`), which is built on the sans-IO transaction layer,
//! dialogs and the 2xx retransmitter. SIPp must report every call successful and none failed,
//! through its exit code and its statistics file; a second run loses packets in both directions
//! (SIPp's `-lost` on its side, a seeded loss inside the UAS's socket wrapper) and retransmissions
//! must recover every call.
//!
//! Without `sipp` the tests are skipped, in CI they fail (see `hotline_testkit::program`).

#[path = "../examples/uas.rs"]
#[allow(dead_code)]
mod uas;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use uas::{Uas, UasStats};

/// What one SIPp run reported.
#[derive(Debug)]
struct SippRun {
    exit: Option<i32>,
    counters: HashMap<String, String>,
    screen: String,
    command: String,
}

impl SippRun {
    fn count(&self, name: &str) -> u64 {
        let value = self.counters.get(name).unwrap_or_else(|| {
            panic!("SIPp's statistics have no {name}: {:?}\n{}", self.counters, self.screen)
        });
        value.trim().parse().unwrap_or_else(|_| panic!("{name} = {value:?} is not a count"))
    }
}

/// A fresh scratch folder for one run's SIPp files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hotline-sipp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Parses the last line of SIPp's `-trace_stat` file against its header line.
fn read_stats(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("SIPp wrote no statistics to {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().expect("a header line").split(';').collect();
    let last: Vec<&str> = lines.next_back().expect("a data line").split(';').collect();
    header.iter().zip(last).map(|(k, v)| (k.trim().to_owned(), v.to_owned())).collect()
}

/// Runs the UAS on a free port in a thread with `uas_loss` of its datagrams dropped each way,
/// and SIPp's `uac` scenario against it for `calls` calls with `extra` arguments.
fn run(sipp: &Path, name: &str, calls: u32, uas_loss: f64, extra: &[&str]) -> (SippRun, UasStats) {
    let server = Uas::bind("127.0.0.1:0".parse().unwrap(), uas_loss, 0x5EED_0000 + calls as u64)
        .expect("bind the UAS");
    let target: SocketAddr = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || server.run(&flag));

    let dir = scratch(name);
    let stat = dir.join("stat.csv");
    let calls_arg = calls.to_string();
    let target_arg = target.to_string();
    let mut args: Vec<&str> = vec![
        &target_arg,
        "-sn",
        "uac",
        "-i",
        "127.0.0.1",
        "-bind_local",
        "-m",
        &calls_arg,
        "-r",
        "10",
        "-l",
        "20",
        "-timeout",
        "60s",
        "-timeout_error",
        "-recv_timeout",
        "30000",
        "-nostdin",
        "-trace_stat",
        "-stf",
        stat.to_str().unwrap(),
        "-fd",
        "1",
        "-trace_screen",
    ];
    args.extend_from_slice(extra);
    let command = format!("sipp {}", args.join(" "));
    let mut child = Command::new(sipp)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sipp");
    // SIPp bounds itself with -timeout; this is a second fence against a hung process.
    let fence = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > fence {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Let late retransmissions and BYEs drain before the UAS stops counting.
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let stats = thread.join().expect("the UAS thread").expect("the UAS socket");

    let screen = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with("_screen.log"))
        .and_then(|e| std::fs::read_to_string(e.path()).ok())
        .unwrap_or_default();
    let counters = read_stats(&stat);
    let _ = std::fs::remove_dir_all(&dir);
    (SippRun { exit: status.code(), counters, screen, command }, stats)
}

fn check(run: &SippRun, stats: &UasStats, calls: u64) {
    eprintln!("{}", run.command);
    eprintln!(
        "SIPp: exit {:?}, successful {}, failed {}, retransmissions {}, dead-call messages {}; \
         UAS: {stats:?}",
        run.exit,
        run.count("SuccessfulCall(C)"),
        run.count("FailedCall(C)"),
        run.count("Retransmissions(C)"),
        run.count("DeadCallMsgs(C)"),
    );
    let context = format!("{}\n{}", run.command, run.screen);
    assert_eq!(run.exit, Some(0), "SIPp exits 0 only when every call succeeded:\n{context}");
    assert_eq!(run.count("FailedCall(C)"), 0, "{context}");
    assert_eq!(run.count("SuccessfulCall(C)"), calls, "{context}");
    assert_eq!(run.count("OutgoingCall(C)"), calls, "{context}");
    assert_eq!(stats.calls, calls, "every INVITE made one call at the UAS");
    // SIPp's uac scenario matches the BYE's `200` by status code and the methods it sent so far,
    // so when its ACK and then its BYE are lost, a retransmission of the INVITE's 200 (still
    // unacknowledged) can stand in for the BYE's 200 and end the call on SIPp's side. Such a
    // call stays open at the UAS; any other open call is a failure.
    assert_eq!(stats.byes + stats.open, calls, "every call ended with a BYE or is open: {stats:?}");
    assert_eq!(stats.open, stats.open_unacked, "only calls with an unacknowledged 200 stay open");
    assert_eq!(stats.gave_up, 0, "no 2xx went unacknowledged for 64*T1");
    assert_eq!(stats.malformed, 0, "SIPp's messages all parse");
}

#[test]
fn sipp_places_calls_and_none_fails() {
    let Some(sipp) = hotline_testkit::program("sipp", "sip-tester") else { return };
    let (run, stats) = run(&sipp, "clean", 50, 0.0, &["-d", "100"]);
    check(&run, &stats, 50);
    assert_eq!(stats.acked, 50, "on a clean link every 200 is acknowledged");
    assert_eq!(stats.byes, 50, "and every call ends with a BYE the UAS answered");
    assert_eq!(run.count("Retransmissions(C)"), 0, "nothing is lost, nothing retransmitted");
}

#[test]
fn sipp_calls_survive_packet_loss_in_both_directions() {
    let Some(sipp) = hotline_testkit::program("sipp", "sip-tester") else { return };
    // SIPp drops 10 % of what it sends and receives; the UAS drops 5 % each way. The pause
    // outlasts T1, so that a lost ACK shows up as a 2xx retransmission before the BYE.
    let extra =
        ["-d", "1000", "-lost", "10", "-max_invite_retrans", "10", "-max_non_invite_retrans", "10"];
    let (run, stats) = run(&sipp, "lossy", 40, 0.05, &extra);
    check(&run, &stats, 40);
    assert!(stats.dropped_in + stats.dropped_out > 0, "the UAS lost packets: {stats:?}");
    assert!(run.count("Retransmissions(C)") > 0, "SIPp had to retransmit:\n{}", run.screen);
}

/// Without SIPp: a raw UDP client that never sends the ACK. The UAS retransmits its 200 from T1
/// doubling, gives up after 64*T1 and ends the session with a BYE in the dialog (§13.3.1.4).
#[test]
fn uas_without_ack_retransmits_the_200_then_gives_up_with_a_bye() {
    use std::net::UdpSocket;

    use hotline_sip::Message;
    use hotline_sip::transaction::TimerConfig;

    let config = TimerConfig::new().with_t1(Duration::from_millis(50));
    let server = Uas::bind("127.0.0.1:0".parse().unwrap(), 0.0, 1).unwrap().with_timers(config);
    let target = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || server.run(&flag));

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = client.local_addr().unwrap();
    let invite = format!(
        "INVITE sip:uas@{target} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-noack\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:uas@{target}>\r\n\
         From: <sip:client@{me}>;tag=c1\r\n\
         Call-ID: noack-1\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:client@{me}>\r\n\
         Content-Length: 0\r\n\r\n"
    );
    client.send_to(invite.as_bytes(), target).unwrap();
    client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut oks = Vec::new();
    let mut buf = vec![0u8; 65_535];
    let bye = loop {
        let (n, _) = client.recv_from(&mut buf).expect("the UAS keeps talking");
        let msg = Message::parse(&buf[..n]).unwrap();
        if msg.status() == Some(200) {
            oks.push(started.elapsed());
        }
        if msg.method().is_some_and(|m| m.as_str() == "BYE") {
            break (buf[..n].to_vec(), started.elapsed());
        }
    };
    stop.store(true, Ordering::Relaxed);
    let stats = thread.join().unwrap().unwrap();
    // The 200 once, then retransmissions at T1, 3*T1, 7*T1, 15*T1, 31*T1 and 63*T1 (T2 is far):
    // six on an idle machine; a late wake-up of the loop may skip the last, so at least five.
    assert_eq!(stats.retransmitted_2xx as usize, oks.len() - 1, "{oks:?}");
    assert!((5..=6).contains(&stats.retransmitted_2xx), "{oks:?}");
    let gaps: Vec<Duration> = oks.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.windows(2).skip(1).all(|g| g[1] > g[0]), "the gaps grow: {gaps:?}");
    assert_eq!(stats.gave_up, 1);
    assert!(bye.1 >= Duration::from_millis(64 * 50), "the BYE comes at 64*T1: {:?}", bye.1);
    let bye = Message::parse(&bye.0).unwrap();
    assert_eq!(bye.call_id().unwrap().as_str(), "noack-1");
    assert_eq!(bye.request_uri_str(), Some(format!("sip:client@{me}").as_str()));
    assert_eq!(bye.from().unwrap().tag(), Some("uas1"), "the UAS's own tag");
    assert_eq!(bye.to().unwrap().tag(), Some("c1"));
}
