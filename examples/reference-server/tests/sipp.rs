//! The reference server against real SIP peers: SIPp (Debian's `sip-tester`) as callers, with
//! its `uac_pcap` scenario (G.711 A-law audio and an RFC 2833 digit from the pcaps the package
//! ships) or with a pcap of in-band DTMF made here with hotline's own tools, and as agents (UAS
//! instances at static contacts: answering, ringing until cancelled, busy). Each fault that
//! FreeSWITCH's mod_callcenter is known for has a named test: no call is left open on either side
//! (SIPp fails a call whose scenario does not complete: a ringing agent must get its CANCEL, an
//! answered one its BYE), and no agent is left reserved.
//!
//! Without `sipp` the tests are skipped, in CI they fail.

mod common;

use std::time::Duration;

use common::{
    Agent, Baresip, OFFER_PCMA_EVENTS, OFFER_PCMA_ONLY, Server, Sipp, baresip, call_with,
    caller_scenario, callers_with, config, context, finish, free_port, sine, sipp, sipp_file,
    tone_share, write_alaw_pcap, write_wav,
};
use serde_json::Value;

fn row_by_outcome<'a>(rows: &'a [Value], outcome: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["outcome"] == outcome)
}

fn wait_for_agents(
    server: &Server,
    want: &[(&str, &str)],
    within: Duration,
) -> Vec<(String, String)> {
    let until = std::time::Instant::now() + within;
    loop {
        let states = server.agent_states();
        let ok = want.iter().all(|(n, s)| states.iter().any(|(an, st)| an == n && st == s));
        if ok || std::time::Instant::now() > until {
            return states;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_caller_reaches_an_agent_through_the_ivr_and_the_call_is_recorded() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let mut server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    let agent = Sipp::agent(&sipp, agent_port, "uas", 1);
    let callers = Sipp::callers(&sipp, server.sip, 1, 1, 1);
    let f = finish(&server, callers, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!(code, Some(0), "SIPp's caller failed\n{ctx}");
    assert_eq!(agent_code, Some(0), "SIPp's agent did not complete its call (no BYE?)\n{ctx}");
    assert_eq!(rows.len(), 1, "{rows:?}\n{ctx}");
    let r = &rows[0];
    assert_eq!(r["outcome"], "answered", "{r}\n{ctx}");
    assert_eq!(r["agent"], "1001");
    assert_eq!(r["dialled"], "100");
    assert_eq!(r["caller"], "sipp");
    assert_eq!(r["ivr_inputs"], "1", "the RFC 2833 digit from dtmf_2833_1.pcap");
    assert_eq!(r["ivr_path"], "menu>queue");
    assert_eq!(r["queue"], "gov-consult");
    assert!(r["talk_s"].as_f64().unwrap() > 0.2, "{r}");
    assert!(r["caller_call_id"].as_str().unwrap().contains('@'));
    assert!(!r["agent_call_id"].as_str().unwrap().is_empty());
    assert!(r["caller_mos"].as_f64().unwrap() > 4.0, "{r}");
    // The recording: a stereo WAV, the caller's A-law audio on the left.
    let file = r["recording"].as_str().unwrap();
    let (status, _) = server.get(&format!("/api/recordings/{file}"));
    assert_eq!(status, 200);
    let path = server.dir.path().join("data/recordings").join(file);
    let wav = hotline_dsp::wav::read(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(wav.spec.channels, 2);
    assert_eq!(wav.spec.sample_rate, 8000);
    // The agent is free again after the 1 s wrap-up.
    let states = wait_for_agents(&server, &[("1001", "ready")], Duration::from_secs(5));
    assert!(states.iter().any(|(n, s)| n == "1001" && s == "ready"), "{states:?}");
    // SIGTERM: a clean stop.
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn replay_of_a_clean_log_finds_no_divergence() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    let agent = Sipp::agent(&sipp, agent_port, "uas", 2);
    let callers = Sipp::callers(&sipp, server.sip, 2, 1, 2);
    let (code, screen) = callers.wait(Duration::from_secs(60));
    drop(agent);
    assert_eq!(code, Some(0), "{}", context(&server, &screen));
    server.wait_cdr(2, Duration::from_secs(10));
    let log = server.dir.path().join("data/flight.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .arg("replay")
        .arg(&log)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("no divergence"), "{text}");
    // A log whose recorded output was altered is caught at that line.
    let original = std::fs::read_to_string(&log).unwrap();
    let tampered_at = original.lines().position(|l| l.contains("\"kind\":\"acd-output\"")).unwrap();
    let tampered: String = original
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == tampered_at {
                l.replace("\"agent\":0", "\"agent\":7")
            } else {
                l.to_owned()
            };
            format!("{l}\n")
        })
        .collect();
    let bad = server.dir.path().join("tampered.jsonl");
    std::fs::write(&bad, tampered).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .arg("replay")
        .arg(&bad)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("line {}", tampered_at + 1)), "{text}");
    // So is a SIP datagram the transaction layer sent.
    let sip_at = original
        .lines()
        .position(|l| l.contains("\"kind\":\"sip-output\"") && l.contains("transmit UDP"))
        .unwrap();
    let tampered: String = original
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == sip_at {
                format!("{}\n", l.replacen("transmit UDP", "transmit TCP", 1))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&bad, tampered).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .arg("replay")
        .arg(&bad)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("line {}: SIP", sip_at + 1)), "{text}");
}

#[test]
fn caller_hangs_up_while_queued() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: false }],
        "longest-idle",
        "15s",
        3,
    ));
    let callers = Sipp::callers(&sipp, server.sip, 1, 1, 1);
    let f = finish(&server, callers, Vec::new(), 1);
    let (code, rows, ctx) = (f.caller, f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    let r =
        row_by_outcome(&rows, "abandoned-in-queue").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["agent"], "");
    assert!(r["wait_s"].as_f64().unwrap() > 0.0, "{r}");
    let (_, queues) = server.get("/api/queues");
    assert!(queues.contains("\"abandoned\":1"), "{queues}");
    assert!(queues.contains("\"waiting\":0"), "{queues}");
}

#[test]
fn caller_hangs_up_while_the_agent_phone_rings_and_the_agent_gets_a_cancel() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "30s",
        3,
    ));
    let ring = sipp_file("agent-ring-until-cancel.xml");
    let agent = Sipp::agent(&sipp, agent_port, ring.to_str().unwrap(), 1);
    let callers = Sipp::callers(&sipp, server.sip, 1, 1, 1);
    let f = finish(&server, callers, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    assert_eq!(
        agent_code,
        Some(0),
        "the ringing agent phone must get a CANCEL (no zombie call)\n{ctx}"
    );
    assert!(row_by_outcome(&rows, "abandoned-ringing").is_some(), "{rows:?}\n{ctx}");
    let states = wait_for_agents(&server, &[("1001", "ready")], Duration::from_secs(5));
    assert!(
        states.iter().any(|(n, s)| n == "1001" && s == "ready"),
        "the agent must not stay reserved: {states:?}\n{ctx}"
    );
}

#[test]
fn an_agent_who_does_not_answer_is_cancelled_and_the_next_agent_takes_the_call() {
    let Some(sipp) = sipp() else { return };
    let (p1, p2) = (free_port(), free_port());
    let server = Server::start(&config(
        &[
            Agent { name: "1001", port: Some(p1), ready: true },
            Agent { name: "1002", port: Some(p2), ready: true },
        ],
        "linear",
        "2s",
        1,
    ));
    let ring = sipp_file("agent-ring-until-cancel.xml");
    let a1 = Sipp::agent(&sipp, p1, ring.to_str().unwrap(), 1);
    let a2 = Sipp::agent(&sipp, p2, "uas", 1);
    // The digit at once, then 6 s: the 2 s offer timeout runs out while the caller waits.
    let xml = caller_scenario(OFFER_PCMA_EVENTS, &[("pcap/dtmf_2833_1.pcap", 6000)]);
    let callers = callers_with(&sipp, server.sip, &xml, 1, 1, 1);
    let f = finish(&server, callers, vec![a1, a2], 1);
    let (code, c1, c2) = (f.caller, f.agents[0], f.agents[1]);
    let (rows, ctx) = (f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    assert_eq!(c1, Some(0), "agent 1001 must be cancelled after the 2 s offer timeout\n{ctx}");
    assert_eq!(c2, Some(0), "{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["agent"], "1002", "{r}");
    // max_no_answer = 1: the agent who let it ring goes not-ready (the ACD's rule).
    let states = wait_for_agents(
        &server,
        &[("1001", "not-ready"), ("1002", "ready")],
        Duration::from_secs(5),
    );
    assert!(states.iter().any(|(n, s)| n == "1001" && s == "not-ready"), "{states:?}\n{ctx}");
}

#[test]
fn an_agent_who_rejects_is_skipped() {
    let Some(sipp) = sipp() else { return };
    let (p1, p2) = (free_port(), free_port());
    let server = Server::start(&config(
        &[
            Agent { name: "1001", port: Some(p1), ready: true },
            Agent { name: "1002", port: Some(p2), ready: true },
        ],
        "linear",
        "15s",
        3,
    ));
    let busy = sipp_file("agent-busy.xml");
    let a1 = Sipp::agent(&sipp, p1, busy.to_str().unwrap(), 1);
    let a2 = Sipp::agent(&sipp, p2, "uas", 1);
    let callers = Sipp::callers(&sipp, server.sip, 1, 1, 1);
    let f = finish(&server, callers, vec![a1, a2], 1);
    let (code, c1, c2) = (f.caller, f.agents[0], f.agents[1]);
    let (rows, ctx) = (f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    assert_eq!((c1, c2), (Some(0), Some(0)), "{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["agent"], "1002", "{r}");
}

#[test]
fn two_agents_race_for_a_ring_all_offer_and_neither_stays_reserved() {
    let Some(sipp) = sipp() else { return };
    let (p1, p2) = (free_port(), free_port());
    let server = Server::start(&config(
        &[
            Agent { name: "1001", port: Some(p1), ready: true },
            Agent { name: "1002", port: Some(p2), ready: true },
        ],
        "ring-all",
        "15s",
        3,
    ));
    let race = sipp_file("agent-answer-at-once.xml");
    let a1 = Sipp::agent(&sipp, p1, race.to_str().unwrap(), 1);
    let a2 = Sipp::agent(&sipp, p2, race.to_str().unwrap(), 1);
    let callers = Sipp::callers(&sipp, server.sip, 1, 1, 1);
    let f = finish(&server, callers, vec![a1, a2], 1);
    let (code, c1, c2) = (f.caller, f.agents[0], f.agents[1]);
    let (s1, s2, rows, ctx) = (&f.screens[1], &f.screens[2], f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    // A phone whose CANCEL arrives between SIPp's 180 and 200 steps (SIPp reads the socket between
    // two steps of a call) is aborted by SIPp as "unexpected CANCEL": it did get its CANCEL, which
    // is what this test is about, so that counts as ended too.
    let ended =
        |code: Option<i32>, screen: &str| code == Some(0) || screen.contains("unexpected CANCEL");
    assert!(ended(c1, s1) && ended(c2, s2), "both agent phones must see their call ended\n{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert!(r["agent"] == "1001" || r["agent"] == "1002", "{r}");
    let states =
        wait_for_agents(&server, &[("1001", "ready"), ("1002", "ready")], Duration::from_secs(5));
    assert!(
        states.iter().all(|(_, s)| s == "ready"),
        "no agent may stay reserved: {states:?}\n{ctx}"
    );
}

#[test]
fn bad_input_gets_clear_answers_and_never_stops_the_server() {
    let server = Server::start(&config(
        &[Agent { name: "1001", port: None, ready: false }],
        "longest-idle",
        "15s",
        3,
    ));
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let local = sock.local_addr().unwrap();
    let ask = |msg: String| -> String {
        sock.send_to(msg.as_bytes(), server.sip).unwrap();
        let mut buf = [0u8; 4096];
        let (n, _) = sock.recv_from(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let head = |method: &str, uri: &str, branch: &str, extra: &str| {
        format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK{branch}\r\nFrom: <sip:a@x>;tag=1\r\n\
             To: <sip:b@x>\r\nCall-ID: {branch}@x\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
        )
    };
    let r = ask(head("OPTIONS", "sip:100@127.0.0.1", "o1", ""));
    assert!(r.starts_with("SIP/2.0 200"), "{r}");
    assert!(r.contains("Allow: "), "{r}");
    let r = ask(head("SUBSCRIBE", "sip:100@127.0.0.1", "s1", "Event: presence\r\n"));
    assert!(r.starts_with("SIP/2.0 501"), "{r}");
    let r = ask(head("INVITE", "sip:999@127.0.0.1", "i1", "Contact: <sip:a@127.0.0.1>\r\n"));
    assert!(r.starts_with("SIP/2.0 100") || r.starts_with("SIP/2.0 404"), "{r}");
    let r = if r.starts_with("SIP/2.0 100") {
        let mut buf = [0u8; 4096];
        let (n, _) = sock.recv_from(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    } else {
        r
    };
    assert!(r.starts_with("SIP/2.0 404"), "an unknown number: {r}");
    // A request with a broken CSeq: 400 with the reason.
    let bad = head("OPTIONS", "sip:100@127.0.0.1", "b1", "")
        .replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS");
    let r = ask(bad);
    assert!(r.starts_with("SIP/2.0 400"), "{r}");
    // Garbage: dropped, and the server still answers.
    sock.send_to(b"\x00\x01garbage\r\n\r\n", server.sip).unwrap();
    let r = ask(head("OPTIONS", "sip:100@127.0.0.1", "o2", ""));
    assert!(r.starts_with("SIP/2.0 200"), "{r}");
    // REGISTER without credentials is challenged; the API refuses a missing token and one agent
    // acting for another.
    let r =
        ask(head("REGISTER", "sip:hotline.local", "r1", "Contact: <sip:1001@127.0.0.1:5999>\r\n"));
    assert!(r.starts_with("SIP/2.0 401") && r.contains("WWW-Authenticate: Digest"), "{r}");
    let (status, body) = server.request("GET", "/api/queues", None, "");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("error"), "{body}");
    let (status, _) = server.request("GET", "/health", None, "");
    assert_eq!(status, 200);
    let (status, body) = server.request(
        "POST",
        "/api/agents/1001/state",
        Some("agent-1001-token"),
        "{\"state\":\"dancing\"}",
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = server.request(
        "POST",
        "/api/agents/1001/state",
        Some("agent-1001-token"),
        "{\"state\":\"ready\"}",
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.request(
        "POST",
        "/api/agents/1002/state",
        Some("agent-1001-token"),
        "{\"state\":\"ready\"}",
    );
    assert_eq!(status, 403, "one agent may not act for another: {body}");
    let (status, body) = server.request("GET", "/api/cdr?limit=x", Some(common::SUPERVISOR), "");
    assert_eq!(status, 400, "{body}");
    assert!(server.metric("hotline_sip_malformed_total") >= 1.0);
}

#[test]
fn an_in_band_digit_reaches_the_queue_and_the_recording_has_each_side_on_its_channel() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    // The caller: a 100 ms in-band DTMF 1 (no telephone-event offered), a pause, then 3 s of
    // 440 Hz; made with hotline-dsp's generator and hotline-rtp's pcap writer.
    let mut audio =
        hotline_dsp::dtmf::DtmfGenerator::new().on_ms(100.0).off_ms(300.0).generate("1").unwrap();
    audio.extend(sine(440.0, 3.0));
    let pcap = server.dir.path().join("inband-1.pcap");
    write_alaw_pcap(&pcap, &audio);
    let xml = caller_scenario(OFFER_PCMA_ONLY, &[(pcap.to_str().unwrap(), 4500)]);
    let talk = sipp_file("agent-talk.xml");
    let agent = Sipp::agent(&sipp, agent_port, talk.to_str().unwrap(), 1);
    let callers = callers_with(&sipp, server.sip, &xml, 1, 1, 1);
    let f = finish(&server, callers, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    assert_eq!(agent_code, Some(0), "{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["ivr_inputs"], "1", "the in-band digit: {r}");
    assert_eq!(r["agent"], "1001");
    let file = r["recording"].as_str().unwrap();
    let path = server.dir.path().join("data/recordings").join(file);
    let wav = hotline_dsp::wav::read(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(wav.spec.channels, 2);
    let (left, right) = (wav.channel(0).unwrap(), wav.channel(1).unwrap());
    assert!(left.len() > 8000, "at least a second recorded: {}", left.len());
    let l440 = tone_share(&left, 440.0);
    let r440 = tone_share(&right, 440.0);
    let right_power = right.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / right.len() as f64;
    assert!(l440 > 0.5, "the caller's 440 Hz is on the left: share {l440:.3}");
    assert!(r440 < 0.1, "and not on the right: share {r440:.3}");
    assert!(
        right_power > 10_000.0,
        "the agent's speech is on the right (mean power {right_power:.0})"
    );
}

/// A bounded load in CI: 100 calls at 10 per second, at most 50 at once, each through the IVR
/// (an RFC 2833 digit), the queue and an agent (one SIPp UAS answering for 50 trunk-style
/// agents), 5 s each. Every call must succeed on both sides and every CDR row be written.
#[test]
fn bounded_load_of_50_concurrent_calls_at_10_per_second_fails_no_call() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let names: Vec<&'static str> =
        (1..=50).map(|i| &*Box::leak(format!("a{i:02}").into_boxed_str())).collect();
    let agents: Vec<Agent> =
        names.iter().map(|n| Agent { name: n, port: Some(agent_port), ready: true }).collect();
    let server = Server::start(&config(&agents, "longest-idle", "15s", 3));
    let agent = Sipp::agent(&sipp, agent_port, "uas", 100);
    let xml = caller_scenario(OFFER_PCMA_EVENTS, &[("pcap/dtmf_2833_1.pcap", 5000)]);
    let callers = callers_with(&sipp, server.sip, &xml, 100, 10, 50);
    let f = finish(&server, callers, vec![agent], 100);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!(code, Some(0), "SIPp reported failed calls\n{ctx}");
    assert_eq!(agent_code, Some(0), "the agents' SIPp reported failed calls\n{ctx}");
    assert_eq!(rows.len(), 100, "every call has its CDR row");
    let answered = rows.iter().filter(|r| r["outcome"] == "answered").count();
    assert_eq!(
        answered,
        100,
        "{:?}",
        rows.iter().map(|r| r["outcome"].to_string()).collect::<Vec<_>>()
    );
    assert_eq!(server.metric("hotline_rtp_ports_exhausted_total"), 0.0);
}

/// baresip registers as agent 1001 with digest authentication, answers automatically and plays a
/// 1 kHz tone; the caller (SIPp) presses 1 (RFC 2833) and then sends 440 Hz. The CDR names the
/// agent and the IVR path, and the recording has the caller's 440 Hz on the left and the agent's
/// 1 kHz on the right.
#[test]
fn baresip_registers_as_an_agent_answers_and_is_recorded_on_the_right() {
    let (Some(sipp), Some(baresip)) = (sipp(), baresip()) else { return };
    let server = Server::start(&config(
        &[Agent { name: "1001", port: None, ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    let tone = server.dir.path().join("agent-1k.wav");
    write_wav(&tone, &sine(1000.0, 30.0));
    let _phone = Baresip::start(&baresip, server.sip, "1001", "pw1001", &tone);
    let until = std::time::Instant::now() + Duration::from_secs(15);
    while !server.log().contains("registered agent=1001") {
        assert!(std::time::Instant::now() < until, "baresip did not register:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let pcap = server.dir.path().join("caller-440.pcap");
    write_alaw_pcap(&pcap, &sine(440.0, 4.0));
    let xml = caller_scenario(
        OFFER_PCMA_EVENTS,
        &[("pcap/dtmf_2833_1.pcap", 300), (pcap.to_str().unwrap(), 4500)],
    );
    let callers = callers_with(&sipp, server.sip, &xml, 1, 1, 1);
    let f = finish(&server, callers, Vec::new(), 1);
    let (code, rows, ctx) = (f.caller, f.rows, f.ctx);
    assert_eq!(code, Some(0), "{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["agent"], "1001");
    assert_eq!(r["ivr_path"], "menu>queue");
    assert_eq!(r["ivr_inputs"], "1");
    assert!(r["agent_mos"].as_f64().unwrap() > 4.0, "baresip's RTP was received: {r}");
    let path = server.dir.path().join("data/recordings").join(r["recording"].as_str().unwrap());
    let wav = hotline_dsp::wav::read(std::fs::File::open(&path).unwrap()).unwrap();
    let (left, right) = (wav.channel(0).unwrap(), wav.channel(1).unwrap());
    let (l440, l1k) = (tone_share(&left, 440.0), tone_share(&left, 1000.0));
    let (r440, r1k) = (tone_share(&right, 440.0), tone_share(&right, 1000.0));
    assert!(l440 > 0.4 && l1k < 0.05, "left is the caller: 440 Hz {l440:.3}, 1 kHz {l1k:.3}");
    assert!(r1k > 0.4 && r440 < 0.05, "right is the agent: 1 kHz {r1k:.3}, 440 Hz {r440:.3}");
}

/// SIGTERM stops taking calls (503 to a new INVITE), lets the call in progress go on for the
/// grace period, then ends it on both sides with its CDR row written, and exits 0.
#[test]
fn sigterm_lets_calls_finish_then_ends_them_with_their_cdr() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let mut cfg = config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    );
    cfg.push_str("[server]\nshutdown_grace = \"2s\"\n");
    let mut server = Server::start(&cfg);
    let agent = Sipp::agent(&sipp, agent_port, "uas", 1);
    let xml = caller_scenario(OFFER_PCMA_EVENTS, &[("pcap/dtmf_2833_1.pcap", 30_000)]);
    let caller = callers_with(&sipp, server.sip, &xml, 1, 1, 1);
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while !server.agent_states().iter().any(|(n, s)| n == "1001" && s == "on-call") {
        assert!(std::time::Instant::now() < until, "the call was not bridged:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let data = server.dir.path().join("data");
    let sip = server.sip;
    let pid = server.pid();
    std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A new call during the grace period is refused.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let me = sock.local_addr().unwrap();
    let invite = format!(
        "INVITE sip:100@{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKlate1\r\nFrom: <sip:late@x>;tag=9\r\n\
         To: <sip:100@x>\r\nCall-ID: late1@x\r\nCSeq: 1 INVITE\r\nContact: <sip:late@{me}>\r\nMax-Forwards: 70\r\n\
         Content-Type: application/sdp\r\nContent-Length: 0\r\n\r\n"
    );
    sock.send_to(invite.as_bytes(), sip).unwrap();
    let mut final_status = String::new();
    let mut buf = [0u8; 4096];
    while let Ok((n, _)) = sock.recv_from(&mut buf) {
        let r = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !r.starts_with("SIP/2.0 100") {
            final_status = r;
            break;
        }
    }
    assert!(final_status.starts_with("SIP/2.0 503"), "{final_status}");
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");
    let (agent_code, agent_screen) = agent.wait(Duration::from_secs(10));
    assert_eq!(
        agent_code,
        Some(0),
        "the agent leg must be ended with a BYE\n{agent_screen}\n{log}"
    );
    // The caller gets its BYE in the middle of its pause: SIPp aborts that call as "an unexpected
    // BYE", which it writes only when a BYE arrived (the screen names the BYE step regardless).
    let (_, caller_screen) = caller.wait(Duration::from_secs(5));
    assert!(
        caller_screen.contains("unexpected BYE"),
        "the caller must get a BYE:\n{caller_screen}\n{log}"
    );
    let db = rusqlite::Connection::open(data.join("hotline.db")).unwrap();
    let (outcome, agent_name): (String, String) =
        db.query_row("SELECT outcome, agent FROM cdr", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((outcome.as_str(), agent_name.as_str()), ("shutdown", "1001"), "{log}");
}

/// The same call with the caller's signalling over TCP.
#[test]
fn a_caller_over_tcp_reaches_an_agent() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    let agent = Sipp::agent(&sipp, agent_port, "uas", 1);
    let xml = caller_scenario(OFFER_PCMA_EVENTS, &[("pcap/dtmf_2833_1.pcap", 2000)]);
    let caller = call_with(&sipp, server.sip, &xml, "100", &["-t", "t1"]);
    let f = finish(&server, caller, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!((code, agent_code), (Some(0), Some(0)), "{ctx}");
    assert!(row_by_outcome(&rows, "answered").is_some(), "{rows:?}\n{ctx}");
}

/// The embedded defaults as a new user meets them: number 12345 with the 12345 flow (welcome,
/// language menu, main menu), agents logged out until they say they are ready over the API. The
/// caller presses 2 (English) and 1 (a consultation) and reaches agent 1002, who speaks English.
#[test]
fn the_default_configuration_takes_a_call_to_12345_through_to_an_agent() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    // The defaults with one change: agent 1002's phone is a SIPp UAS at a static contact.
    let mut cfg = String::new();
    for n in ["1001", "1002", "1003", "1004"] {
        cfg.push_str(&format!(
            "[[agents]]\nname = \"{n}\"\npassword = \"agent{n}\"\ntoken = \"agent-{n}-token\"\n"
        ));
        if n == "1002" {
            cfg.push_str(&format!("contact = \"sip:1002@127.0.0.1:{agent_port}\"\n"));
        }
        cfg.push('\n');
    }
    let server = Server::start(&cfg);
    let (status, body) = server.request(
        "POST",
        "/api/agents/1002/state",
        Some("agent-1002-token"),
        "{\"state\":\"ready\"}",
    );
    assert_eq!(status, 200, "{body}");
    let agent = Sipp::agent(&sipp, agent_port, "uas", 1);
    // The welcome prompt takes 8.8 s and cannot be interrupted; 2 (English) during the language
    // menu, 1 (a consultation) during the main menu, then time to queue and talk.
    let xml = caller_scenario(
        OFFER_PCMA_EVENTS,
        &[("", 10_000), ("pcap/dtmf_2833_2.pcap", 3_000), ("pcap/dtmf_2833_1.pcap", 14_000)],
    );
    let caller = call_with(&sipp, server.sip, &xml, "12345", &[]);
    let f = finish(&server, caller, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!((code, agent_code), (Some(0), Some(0)), "{ctx}");
    let r = row_by_outcome(&rows, "answered").unwrap_or_else(|| panic!("{rows:?}\n{ctx}"));
    assert_eq!(r["dialled"], "12345");
    assert_eq!(r["agent"], "1002", "the agent who speaks English: {r}");
    assert_eq!(r["ivr_inputs"], "21");
    assert!(
        r["ivr_path"].as_str().unwrap().starts_with("welcome>language>set_en>main>consult_queue"),
        "{r}"
    );
    assert!(!r["recording"].as_str().unwrap().is_empty());
}

/// A signalling-only number (`media = false`): SIPp's built-in `uac` calls it 50 times; every
/// call is answered, ended by the caller's BYE and has its CDR row.
#[test]
fn a_signalling_only_number_answers_without_media() {
    let Some(sipp) = sipp() else { return };
    let mut cfg =
        config(&[Agent { name: "1001", port: None, ready: false }], "longest-idle", "15s", 3);
    cfg.insert_str(0, "[[numbers]]\nnumber = \"300\"\nmedia = false\n\n");
    let server = Server::start(&cfg);
    let args: Vec<String> = [
        "-sn",
        "uac",
        &server.sip.to_string(),
        "-s",
        "300",
        "-i",
        "127.0.0.1",
        "-p",
        &free_port().to_string(),
        "-m",
        "50",
        "-r",
        "50",
        "-l",
        "20",
        "-timeout",
        "60",
    ]
    .map(String::from)
    .to_vec();
    let (code, screen) = Sipp::spawn(&sipp, "sig", &args).wait(Duration::from_secs(60));
    let rows = server.wait_cdr(50, Duration::from_secs(10));
    assert_eq!(code, Some(0), "{}", context(&server, &screen));
    assert_eq!(rows.len(), 50);
    assert!(
        rows.iter().all(|r| r["outcome"] == "answered-no-media" && r["dialled"] == "300"),
        "{rows:?}"
    );
}

/// The caller puts the call on hold (a re-INVITE with `a=sendonly`): the server answers
/// `recvonly` and mirrors the hold to the agent's phone, whose re-INVITE must offer `recvonly`
/// (SIPp's `check_it` fails the agent's call otherwise); the call then ends normally.
#[test]
fn a_hold_from_the_caller_is_answered_and_mirrored_to_the_agent() {
    let Some(sipp) = sipp() else { return };
    let agent_port = free_port();
    let server = Server::start(&config(
        &[Agent { name: "1001", port: Some(agent_port), ready: true }],
        "longest-idle",
        "15s",
        3,
    ));
    // The caller: the digit, a second of conversation, then a re-INVITE with a=sendonly whose
    // answer must be recvonly, then BYE.
    let hold = r#"  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: caller <sip:caller@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 INVITE
Contact: sip:caller@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[local_ip_type] [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=sendonly
]]></send>
  <recv response="100" optional="true"/>
  <recv response="200">
    <action><ereg regexp="a=recvonly" search_in="body" check_it="true" assign_to="answered_hold"/></action>
  </recv>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: caller <sip:caller@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="1500"/>
  <Reference variables="answered_hold"/>
"#;
    let base = caller_scenario(OFFER_PCMA_EVENTS, &[("pcap/dtmf_2833_1.pcap", 1500)]);
    let at = base.find("  <send retrans=\"500\"><![CDATA[\nBYE").unwrap();
    let xml = format!("{}{hold}{}", &base[..at], &base[at..]);
    let agent_file = sipp_file("agent-hold.xml");
    let agent = Sipp::agent(&sipp, agent_port, agent_file.to_str().unwrap(), 1);
    let caller = callers_with(&sipp, server.sip, &xml, 1, 1, 1);
    let f = finish(&server, caller, vec![agent], 1);
    let (code, agent_code, rows, ctx) = (f.caller, f.agents[0], f.rows, f.ctx);
    assert_eq!(code, Some(0), "the caller's hold must be answered recvonly\n{ctx}");
    assert_eq!(agent_code, Some(0), "the agent must get the hold, as recvonly\n{ctx}");
    assert!(row_by_outcome(&rows, "answered").is_some(), "{rows:?}\n{ctx}");
}
