//! `hotline rtp ...` as a user runs it, and `hotline rtp analyze` against tshark's RTP statistics.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hotline_rtp::packet::RtpBuilder;
use hotline_rtp::pcap::PcapWriter;
use serde_json::Value;

fn hotline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

/// One stream as tshark's `-z rtp,streams` prints it.
#[derive(Debug)]
struct TsharkStream {
    src_port: u16,
    dst_port: u16,
    ssrc: u32,
    packets: u64,
    lost: i64,
    mean_jitter: f64,
    max_jitter: f64,
}

fn tshark_streams(tshark: &Path, file: &Path) -> Vec<TsharkStream> {
    let out = Command::new(tshark)
        .args(["-o", "rtp.heuristic_rtp:TRUE", "-q", "-z", "rtp,streams", "-r"])
        .arg(file)
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut streams = Vec::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(ssrc_at) = tokens.iter().position(|t| t.starts_with("0x")) else { continue };
        let Some(pct_at) = tokens.iter().position(|t| t.starts_with('(') && t.ends_with(')'))
        else {
            continue;
        };
        let num = |i: usize| tokens[i].parse::<f64>().unwrap();
        streams.push(TsharkStream {
            src_port: tokens[ssrc_at - 3].parse().unwrap(),
            dst_port: tokens[ssrc_at - 1].parse().unwrap(),
            ssrc: u32::from_str_radix(&tokens[ssrc_at][2..], 16).unwrap(),
            packets: tokens[pct_at - 2].parse().unwrap(),
            lost: tokens[pct_at - 1].parse().unwrap(),
            mean_jitter: num(pct_at + 5),
            max_jitter: num(pct_at + 6),
        });
    }
    streams
}

fn compare_with_tshark(tshark: &Path, file: &Path) {
    let out = hotline(&["rtp", "analyze", "--json", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = ours["streams"].as_array().unwrap();
    let theirs = tshark_streams(tshark, file);
    assert!(!theirs.is_empty(), "tshark found no streams in {}", file.display());
    assert_eq!(ours.len(), theirs.len(), "{}: stream count", file.display());
    for t in &theirs {
        let port = |v: &Value| -> u16 { v.as_str().unwrap().parse::<SocketAddr>().unwrap().port() };
        let o = ours
            .iter()
            .find(|o| {
                o["ssrc"].as_u64() == Some(u64::from(t.ssrc))
                    && port(&o["src"]) == t.src_port
                    && port(&o["dst"]) == t.dst_port
            })
            .unwrap_or_else(|| panic!("{}: no stream like {t:?}", file.display()));
        let what = format!("{}: stream {:#x}", file.display(), t.ssrc);
        assert_eq!(o["packets"].as_u64().unwrap(), t.packets, "{what}: packets");
        assert_eq!(o["lost"].as_i64().unwrap(), t.lost, "{what}: lost");
        // tshark prints three decimals: agree within 0.01 ms.
        let mean = o["mean_jitter_ms"].as_f64().unwrap();
        let max = o["max_jitter_ms"].as_f64().unwrap();
        assert!(
            (mean - t.mean_jitter).abs() <= 0.01,
            "{what}: mean jitter {mean} vs {}",
            t.mean_jitter
        );
        assert!((max - t.max_jitter).abs() <= 0.01, "{what}: max jitter {max} vs {}", t.max_jitter);
    }
}

#[test]
fn analyze_matches_tshark_on_sip_tester_captures() {
    let Some(tshark) = hotline_testkit::program("tshark", "tshark") else { return };
    let Some(dir) = hotline_testkit::system_path("/usr/share/sip-tester", "sip-tester") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no pcaps in {}", dir.display());
    for file in &files {
        compare_with_tshark(&tshark, file);
    }
}

/// A small deterministic generator for the synthetic captures.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Scenario {
    name: &'static str,
    src: &'static str,
    dst: &'static str,
    pt: u8,
    ssrc: u32,
    seq0: u16,
    ts0: u32,
    count: u32,
    loss: f64,
    reorder: f64,
    duplicate: f64,
    jitter_ms: f64,
}

/// Writes a capture of one or more scenarios interleaved by arrival time.
fn write_capture(path: &Path, scenarios: &[Scenario], seed: u64) {
    write_capture_with(path, scenarios, seed, hotline_rtp::pcap::link::ETHERNET);
}

/// The same, with the given link type.
fn write_capture_with(path: &Path, scenarios: &[Scenario], seed: u64, link_type: u32) {
    let mut rng = Lcg(seed);
    let mut frames: Vec<(Duration, SocketAddr, SocketAddr, Vec<u8>)> = Vec::new();
    for s in scenarios {
        let mut packets: Vec<(f64, u32)> = Vec::new();
        for i in 0..s.count {
            if i > 2 && rng.next() < s.loss {
                continue;
            }
            let at = 1000.0 + 20.0 * f64::from(i) + rng.next() * s.jitter_ms;
            packets.push((at, i));
            if rng.next() < s.duplicate {
                packets.push((at + 0.3, i));
            }
        }
        // Reorder: swap neighbours (never the first two or the last two packets).
        let n = packets.len();
        let mut k = 2;
        while k + 3 < n {
            if rng.next() < s.reorder {
                let (a, b) = (packets[k].1, packets[k + 1].1);
                packets[k].1 = b;
                packets[k + 1].1 = a;
                k += 2;
            }
            k += 1;
        }
        for (at, i) in packets {
            let seq = s.seq0.wrapping_add(i as u16);
            let ts = s.ts0.wrapping_add(160 * i);
            let payload = [0xd5u8; 160];
            let bytes = RtpBuilder::new(s.pt, seq, ts, s.ssrc)
                .marker(i == 0)
                .payload(&payload)
                .to_vec()
                .unwrap();
            let time = Duration::from_secs(1_700_000_000) + Duration::from_secs_f64(at / 1000.0);
            frames.push((time, s.src.parse().unwrap(), s.dst.parse().unwrap(), bytes));
        }
        let _ = s.name;
    }
    frames.sort_by_key(|f| f.0);
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::with_link_type(std::io::BufWriter::new(file), link_type).unwrap();
    for (t, src, dst, bytes) in &frames {
        w.write_udp(*t, *src, *dst, bytes).unwrap();
    }
    w.finish().unwrap();
}

fn base(name: &'static str) -> Scenario {
    Scenario {
        name,
        src: "10.0.0.1:40000",
        dst: "10.0.0.2:50000",
        pt: 0,
        ssrc: 0x1111_0001,
        seq0: 1000,
        ts0: 12345,
        count: 300,
        loss: 0.0,
        reorder: 0.0,
        duplicate: 0.0,
        jitter_ms: 4.0,
    }
}

#[test]
fn analyze_matches_tshark_on_generated_captures() {
    let Some(tshark) = hotline_testkit::program("tshark", "tshark") else { return };
    let dir = std::env::temp_dir().join(format!("hotline-rtp-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: Vec<(&str, Vec<Scenario>)> = vec![
        ("sequence-wrap", vec![Scenario { seq0: 65400, ..base("seq") }]),
        ("timestamp-wrap", vec![Scenario { ts0: u32::MAX - 160 * 100, ..base("ts") }]),
        (
            "both-wraps-loss",
            vec![Scenario { seq0: 65450, ts0: u32::MAX - 160 * 60, loss: 0.05, ..base("both") }],
        ),
        ("loss", vec![Scenario { loss: 0.08, pt: 8, ..base("loss") }]),
        ("reordering", vec![Scenario { reorder: 0.05, jitter_ms: 2.0, ..base("reorder") }]),
        (
            "reordering-at-wrap",
            vec![Scenario { seq0: 65500, reorder: 0.08, jitter_ms: 2.0, ..base("rw") }],
        ),
        ("duplicates", vec![Scenario { duplicate: 0.05, ..base("dup") }]),
        (
            "two-streams-ipv6",
            vec![
                Scenario {
                    src: "[2001:db8::1]:40000",
                    dst: "[2001:db8::2]:50000",
                    loss: 0.03,
                    ..base("a")
                },
                Scenario {
                    src: "[2001:db8::2]:50000",
                    dst: "[2001:db8::1]:40000",
                    ssrc: 0x2222_0002,
                    pt: 8,
                    seq0: 7,
                    jitter_ms: 12.0,
                    ..base("b")
                },
            ],
        ),
    ];
    for (i, (name, scenarios)) in cases.iter().enumerate() {
        let path = dir.join(format!("{name}.pcap"));
        write_capture(&path, scenarios, 42 + i as u64);
        compare_with_tshark(&tshark, &path);
    }
    // Other link layers: Linux cooked capture and raw IP.
    use hotline_rtp::pcap::link;
    for (name, lt) in [("linux-sll", link::LINUX_SLL), ("raw-ip", link::RAW)] {
        let path = dir.join(format!("{name}.pcap"));
        write_capture_with(&path, &[Scenario { loss: 0.04, reorder: 0.03, ..base("link") }], 7, lt);
        compare_with_tshark(&tshark, &path);
    }
    if std::env::var_os("HOTLINE_KEEP").is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn analyze_reports_events_in_json() {
    let Some(file) =
        hotline_testkit::system_path("/usr/share/sip-tester/dtmf_2833_pound.pcap", "sip-tester")
    else {
        return;
    };
    let out = hotline(&["rtp", "analyze", "--json", file.to_str().unwrap()]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    assert_eq!(s["ssrc"], 0x0E05384E);
    assert_eq!(s["payload_type"], 101);
    assert_eq!(s["src"], "192.168.0.3:49176");
    assert_eq!(s["dst"], "192.168.0.1:10000");
    assert_eq!(s["duplicates"], 2);
    assert_eq!(s["out_of_order"], 0);
    let events = s["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["digit"], "#");
    assert_eq!(events[0]["start_ms"], 0.0);
    assert_eq!(events[0]["duration_ms"], 280.0);
}

#[test]
fn analyze_errors_have_exit_codes() {
    let out = hotline(&["rtp", "analyze", "/no/such/file.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("hotline-rtp-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.pcap");
    std::fs::write(&bad, b"this is not a capture").unwrap();
    let out = hotline(&["rtp", "analyze", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("magic"));
    let out = hotline(&["rtp", "analyze", "--clock-rate", "96", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn jitter_eval_reports_every_profile() {
    let out =
        hotline(&["rtp", "jitter-eval", "--all", "--json", "--duration", "10s", "--traces", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let profiles = v["profiles"].as_array().unwrap();
    let names: Vec<&str> = profiles.iter().map(|p| p["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["lan", "wifi", "internet", "mobile", "congested"]);
    for p in profiles {
        let late = p["late_loss_percent"].as_f64().unwrap();
        let mean = p["mean_delay_ms"].as_f64().unwrap();
        let score = p["score"].as_f64().unwrap();
        assert!((score - (mean + 20.0 * late)).abs() < 1e-9);
        assert!(p["p95_delay_ms"].as_f64().unwrap() >= 0.0);
        assert!(p["profile_parameters"]["base_delay_ms"].as_f64().is_some());
    }
    let out =
        hotline(&["rtp", "jitter-eval", "--profile", "lan", "--duration", "5s", "--traces", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("lan") && !text.contains("mobile"), "{text}");
    let out = hotline(&["rtp", "jitter-eval", "--profile", "5g"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pcapng_gives_the_same_analysis_as_pcap() {
    let Some(editcap) = hotline_testkit::program("editcap", "wireshark-common") else { return };
    let Some(pcap) = hotline_testkit::system_path("/usr/share/sip-tester/g711a.pcap", "sip-tester")
    else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("hotline-rtp-pcapng-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ng = dir.join("g711a.pcapng");
    let status = Command::new(editcap).args(["-F", "pcapng"]).arg(&pcap).arg(&ng).status().unwrap();
    assert!(status.success());
    let a = hotline(&["rtp", "analyze", "--json", pcap.to_str().unwrap()]);
    let b = hotline(&["rtp", "analyze", "--json", ng.to_str().unwrap()]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    let v: Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(v["streams"][0]["packets"], 236);
    std::fs::remove_dir_all(&dir).ok();
}
