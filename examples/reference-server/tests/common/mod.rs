//! The interop tests' harness: starts the server binary on free ports with a configuration made
//! for the test, runs SIPp as callers and as agents, and reads the CDR, agents and metrics over
//! the HTTP API.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SUPERVISOR: &str = "supervisor-token-change-me";

/// SIPp, or `None` (skipped outside CI; a failure in CI).
pub fn sipp() -> Option<PathBuf> {
    hotline_testkit::program("sipp", "sip-tester")
}

/// A free UDP port on 127.0.0.1 (bound and released; the tests run on one machine).
pub fn free_port() -> u16 {
    loop {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = s.local_addr().unwrap().port();
        // Keep SIPp's media port (port + 2 and its RTCP) clear of other allocations.
        if p < 60000 && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

static RTP_NEXT: AtomicU16 = AtomicU16::new(0);

/// A distinct RTP range of 400 ports (200 legs) for each server the test process starts, below
/// Linux's ephemeral ports (32768 and up), where `free_port` and SIPp's media ports live.
fn rtp_range() -> String {
    let n = RTP_NEXT.fetch_add(1, Ordering::Relaxed) % 30;
    let first = 20000 + n * 400;
    format!("{first}-{}", first + 399)
}

/// One agent of a test configuration.
pub struct Agent {
    pub name: &'static str,
    /// A static contact port (a SIPp UAS), or `None` for a phone that registers.
    pub port: Option<u16>,
    pub ready: bool,
}

/// Builds a configuration: the press1 test flow on number 100, the agents given, one queue.
pub fn config(agents: &[Agent], policy: &str, offer_timeout: &str, max_no_answer: u32) -> String {
    let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/press1.ivr");
    let mut s = format!(
        "[[numbers]]\nnumber = \"100\"\nflow = \"{}\"\n\n[recording]\nenabled = true\n\n",
        flow.display()
    );
    for a in agents {
        s.push_str(&format!(
            "[[agents]]\nname = \"{0}\"\npassword = \"pw{0}\"\ntoken = \"agent-{0}-token\"\n",
            a.name
        ));
        if let Some(p) = a.port {
            s.push_str(&format!("contact = \"sip:{}@127.0.0.1:{p}\"\n", a.name));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "[acd]\nskills = [\"consult\"]\nlanguages = [\"zh-CN\"]\n\n[[acd.queues]]\nname = \"gov-consult\"\n\
         policy = \"{policy}\"\nwrap_up = \"1s\"\noffer_timeout = \"{offer_timeout}\"\nservice_level = \"20s\"\n\n"
    ));
    for a in agents {
        s.push_str(&format!(
            "[[acd.agents]]\nname = \"{}\"\nready = {}\nlanguages = [\"zh-CN\"]\nqueues = [{{ queue = \"gov-consult\" }}]\nmax_no_answer = {max_no_answer}\n\n",
            a.name, a.ready
        ));
    }
    s
}

/// A running server.
pub struct Server {
    child: Child,
    pub dir: tempfile::TempDir,
    pub sip: SocketAddr,
    pub http: SocketAddr,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the server with `config` and waits for its banner.
    pub fn start(config: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("server.toml");
        std::fs::write(&cfg, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_reference-server"))
            .arg("--config")
            .arg(&cfg)
            .args(["--sip-port", "0", "--http-port", "0", "--media-workers", "2", "--rtp-ports"])
            .arg(rtp_range())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .env("HOTLINE_LOG", "debug")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log2 = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = log2.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
                if !sent && line.starts_with("call in:") {
                    let _ = tx.send(l.clone());
                    sent = true;
                }
            }
            if !sent {
                let _ = tx.send(log2.lock().unwrap().clone());
            }
        });
        let banner =
            rx.recv_timeout(Duration::from_secs(30)).expect("the server printed its banner");
        let find = |prefix: &str| -> SocketAddr {
            let line = banner
                .lines()
                .find(|l| l.trim_start().starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} line in the banner:\n{banner}"));
            let word = line.split_whitespace().find(|w| w.contains("127.0.0.1:")).unwrap();
            word.trim_start_matches("http://").trim_end_matches('/').parse().unwrap()
        };
        let sip = find("SIP");
        let http = find("HTTP");
        Server { child, dir, sip, http, log }
    }

    /// `GET path` with the supervisor's token: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, Some(SUPERVISOR), "")
    }

    /// Any request.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(self.http).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// The CDR rows, as JSON values.
    pub fn cdr(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.get("/api/cdr");
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["rows"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until `n` CDR rows exist (calls end a moment after SIPp).
    pub fn wait_cdr(&self, n: usize, within: Duration) -> Vec<serde_json::Value> {
        let until = Instant::now() + within;
        loop {
            let rows = self.cdr();
            if rows.len() >= n || Instant::now() > until {
                return rows;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Each agent's state by name.
    pub fn agent_states(&self) -> Vec<(String, String)> {
        let (_, body) = self.get("/api/agents");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (a["name"].as_str().unwrap().to_owned(), a["state"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    /// The metric `name`'s value.
    pub fn metric(&self, name: &str) -> f64 {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no metric {name} in\n{body}"))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM, then wait for the exit (within 60 s).
    pub fn stop(&mut self) -> (Option<i32>, String) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), self.log());
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("the server did not stop within 60 s after SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SIPp instance in the background.
pub struct Sipp {
    child: Child,
    pub dir: PathBuf,
    pub command: String,
}

impl Sipp {
    /// Starts SIPp with `args` in a scratch folder that has `pcap/` (SIPp's pcap scenarios read
    /// `pcap/g711a.pcap` relative to their folder).
    pub fn spawn(sipp: &Path, name: &str, args: &[String]) -> Sipp {
        let dir = std::env::temp_dir().join(format!(
            "hotline-rs-sipp-{}-{name}-{}",
            std::process::id(),
            free_port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::os::unix::fs::symlink("/usr/share/sip-tester", dir.join("pcap"));
        let mut cmd = Command::new(sipp);
        cmd.current_dir(&dir)
            .args(args)
            .args(["-nostdin", "-trace_err", "-trace_screen"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let command = format!("{} {}", sipp.display(), args.join(" "));
        Sipp { child: cmd.spawn().unwrap(), dir, command }
    }

    /// A UAS agent on `port` running `scenario` (a built-in name or an XML file), for at most
    /// `calls` calls.
    pub fn agent(sipp: &Path, port: u16, scenario: &str, calls: u32) -> Sipp {
        let mut args: Vec<String> = if scenario.ends_with(".xml") {
            vec!["-sf".into(), scenario.into()]
        } else {
            vec!["-sn".into(), scenario.into()]
        };
        args.extend(
            [
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-mp",
                &free_port().to_string(),
                "-m",
                &calls.to_string(),
                "-timeout",
                "120",
            ]
            .map(String::from),
        );
        Sipp::spawn(sipp, &format!("uas{port}"), &args)
    }

    /// Callers: SIPp's `uac_pcap` (G.711 A-law audio, then an RFC 2833 digit 1, then BYE).
    pub fn callers(sipp: &Path, server: SocketAddr, calls: u32, rate: u32, limit: u32) -> Sipp {
        let args: Vec<String> = [
            "-sn",
            "uac_pcap",
            &server.to_string(),
            "-s",
            "100",
            "-i",
            "127.0.0.1",
            "-p",
            &free_port().to_string(),
            "-mp",
            &free_port().to_string(),
            "-m",
            &calls.to_string(),
            "-r",
            &rate.to_string(),
            "-l",
            &limit.to_string(),
            "-timeout",
            "120",
        ]
        .map(String::from)
        .to_vec();
        Sipp::spawn(sipp, "uac", &args)
    }

    /// Waits for the exit (at most `within`); the exit code and SIPp's last screen.
    pub fn wait(mut self, within: Duration) -> (Option<i32>, String) {
        let until = Instant::now() + within;
        let status = loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                break s.code();
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut screen = String::new();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with("_screen.log") || name.ends_with("_errors.log") {
                    screen.push_str(&format!("--- {name}\n"));
                    screen.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        (status, format!("{}\n{screen}", self.command))
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes a SIPp scenario into a temp file and returns its path.
pub fn scenario(name: &str, xml: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("hotline-rs-{}-{name}.xml", std::process::id()));
    std::fs::write(&path, xml).unwrap();
    path
}

/// Every test fact about one run, for failure messages.
pub fn context(server: &Server, sipp: &str) -> String {
    format!("server log:\n{}\nSIPp:\n{sipp}", server.log())
}

/// A caller scenario: INVITE offering `codecs` (an `m=` format list and its `a=rtpmap` lines),
/// play each pcap in turn (waiting `gap_ms` after each), then BYE.
pub fn caller_scenario(offer: &str, pcaps: &[(&str, u32)]) -> String {
    let mut plays = String::new();
    for (pcap, wait) in pcaps {
        // An empty name is a pause alone.
        if !pcap.is_empty() {
            plays.push_str(&format!(
                "  <nop><action><exec play_pcap_audio=\"{pcap}\"/></action></nop>\n"
            ));
        }
        plays.push_str(&format!("  <pause milliseconds=\"{wait}\"/>\n"));
    }
    let template = std::fs::read_to_string(sipp_file("caller.xml")).unwrap();
    template.replace("@OFFER@", offer).replace("@PLAYS@", &plays)
}

/// A SIPp scenario file of `tests/sipp/`.
pub fn sipp_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp").join(name)
}

/// PCMA with RFC 4733 events at 101.
pub const OFFER_PCMA_EVENTS: &str = "m=audio [auto_media_port] RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15";
/// PCMA only: digits must be heard in band.
pub const OFFER_PCMA_ONLY: &str = "m=audio [auto_media_port] RTP/AVP 8\na=rtpmap:8 PCMA/8000";

/// Runs callers with a scenario of our own: `calls` calls at `rate` a second, at most `limit`
/// at once, to number 100.
pub fn callers_with(
    sipp: &Path,
    server: SocketAddr,
    xml: &str,
    calls: u32,
    rate: u32,
    limit: u32,
) -> Sipp {
    let (calls, rate, limit) = (calls.to_string(), rate.to_string(), limit.to_string());
    call_with(sipp, server, xml, "100", &["-m", &calls, "-r", &rate, "-l", &limit])
}

/// Runs a caller scenario to `service` with SIPp options `extra` (one call unless they say).
pub fn call_with(
    sipp: &Path,
    server: SocketAddr,
    xml: &str,
    service: &str,
    extra: &[&str],
) -> Sipp {
    let file = scenario(&format!("caller{}", free_port()), xml);
    let mut args: Vec<String> = [
        "-sf",
        file.to_str().unwrap(),
        &server.to_string(),
        "-s",
        service,
        "-i",
        "127.0.0.1",
        "-p",
        &free_port().to_string(),
        "-mp",
        &free_port().to_string(),
        "-timeout",
        "120",
    ]
    .map(String::from)
    .to_vec();
    if !extra.contains(&"-m") {
        args.extend(["-m".to_owned(), "1".to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    Sipp::spawn(sipp, "uacx", &args)
}

/// Writes a pcap of one RTP stream (PCMA, payload type 8, 20 ms packets) of `samples`, made with
/// hotline's own G.711 encoder, RTP builder and pcap writer.
pub fn write_alaw_pcap(path: &Path, samples: &[i16]) {
    use hotline_rtp::packet::RtpBuilder;
    use hotline_rtp::pcap::PcapWriter;
    let mut w = PcapWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    let src: SocketAddr = "192.0.2.1:4000".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:4000".parse().unwrap();
    let mut codes = [0u8; 160];
    let mut buf = [0u8; 256];
    for (i, frame) in samples.chunks(160).enumerate() {
        let mut pcm = [0i16; 160];
        pcm[..frame.len()].copy_from_slice(frame);
        hotline_dsp::g711::encode_alaw(&pcm, &mut codes).unwrap();
        let n = RtpBuilder::new(8, i as u16, (i * 160) as u32, 0x1234_5678)
            .marker(i == 0)
            .payload(&codes)
            .write(&mut buf)
            .unwrap();
        w.write_udp(Duration::from_millis(1_000_000 + 20 * i as u64), src, dst, &buf[..n]).unwrap();
    }
}

/// `seconds` of a sine at `hz`, -12 dBm0-ish.
pub fn sine(hz: f64, seconds: f64) -> Vec<i16> {
    (0..(seconds * 8000.0) as usize)
        .map(|n| ((2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin() * 6000.0) as i16)
        .collect()
}

/// The power of `hz` in `x` relative to its total power (Goertzel), 0 to 1.
pub fn tone_share(x: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0;
    for &v in x {
        let v = f64::from(v);
        let s0 = v + c * s1 - s2;
        s2 = s1;
        s1 = s0;
        total += v * v;
    }
    let power = s1 * s1 + s2 * s2 - c * s1 * s2;
    if total == 0.0 { 0.0 } else { 2.0 * power / (x.len() as f64 * total) }
}

/// baresip (Debian's `baresip-core`), or `None` (skipped outside CI; a failure in CI).
pub fn baresip() -> Option<PathBuf> {
    hotline_testkit::program("baresip", "baresip-core")
}

/// A baresip agent phone: registers `name` with digest authentication through the server,
/// answers every call at once and sends `source` (a WAV file) as its audio.
pub struct Baresip {
    child: Child,
    pub dir: tempfile::TempDir,
}

impl Baresip {
    pub fn start(
        baresip: &Path,
        server: SocketAddr,
        name: &str,
        password: &str,
        source: &Path,
    ) -> Baresip {
        let dir = tempfile::tempdir().unwrap();
        let sip = free_port();
        let rtp = free_port() & !1;
        let config = format!(
            "poll_method\t\tepoll\nsip_listen\t\t127.0.0.1:{sip}\nsip_trans_def\tudp\n\
             audio_player\t\taufile,{heard}\naudio_source\t\taufile,{src}\naudio_alert\t\taufile,{alert}\n\
             audio_srate\t\t8000\naudio_channels\t\t1\nrtp_ports\t\t{rtp}-{}\n\
             module_path\t\t/usr/lib/baresip/modules\nmodule\t\t\tg711.so\nmodule\t\t\taufile.so\n\
             module\t\t\taccount.so\nmodule\t\t\tmenu.so\n",
            rtp + 40,
            heard = dir.path().join("heard.wav").display(),
            src = source.display(),
            alert = dir.path().join("alert.wav").display(),
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        let account = format!(
            "<sip:{name}@hotline.local;transport=udp>;auth_pass={password};outbound=\"sip:{server};transport=udp\";\
             regint=600;answermode=auto;audio_codecs=PCMA,PCMU\n"
        );
        std::fs::write(dir.path().join("accounts"), account).unwrap();
        let child = Command::new(baresip)
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Baresip { child, dir }
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `samples` as an 8 kHz mono 16-bit WAV.
pub fn write_wav(path: &Path, samples: &[i16]) {
    let f = std::fs::File::create(path).unwrap();
    hotline_dsp::wav::write(
        std::io::BufWriter::new(f),
        hotline_dsp::wav::WavSpec::TELEPHONE,
        samples,
    )
    .unwrap();
}

/// What a test call left behind: SIPp's exit codes (caller, then each agent in order), their
/// screens, the CDR rows, and the context for failure messages.
pub struct Finished {
    pub caller: Option<i32>,
    pub agents: Vec<Option<i32>>,
    pub screens: Vec<String>,
    pub rows: Vec<serde_json::Value>,
    pub ctx: String,
}

/// Waits for the caller's SIPp (up to 120 s), then each agent's (up to 20 s), then for `rows` CDR
/// rows (up to 20 s).
pub fn finish(server: &Server, caller: Sipp, agents: Vec<Sipp>, rows: usize) -> Finished {
    let (code, screen) = caller.wait(Duration::from_secs(120));
    let mut codes = Vec::new();
    let mut screens = vec![screen];
    for a in agents {
        let (c, s) = a.wait(Duration::from_secs(20));
        codes.push(c);
        screens.push(s);
    }
    let rows = server.wait_cdr(rows, Duration::from_secs(20));
    let ctx = context(server, &screens.join("\n"));
    Finished { caller: code, agents: codes, screens, rows, ctx }
}
