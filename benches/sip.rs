//! hotline-sip against rsip 0.4, ezk-sip-types and httparse, measured in the same run.
//!
//! * `head/invite466` and `head/corpus`: the head split with header classification. httparse
//!   reads the same bytes with the start line's `SIP/2.0` swapped for `HTTP/1.1`; rsip parses the
//!   message; ezk-sip-types pulls the lines and fills its header map, as its transport does.
//! * `head/corpus-common-N`: the N corpus messages that all four libraries parse, so that no
//!   library's total is lowered by stopping early on a message it rejects.
//! * `typed/invite466`: Via, From, To, CSeq and Call-ID typed from a message that was already
//!   split (each library's own split form).
//!
//! The torture corpus is read in place through hotline-testkit; without it the corpus group is
//! skipped. Ratios are recorded in the book chapter `book/src/sip.md`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use hotline_sip::Message;

const INVITE: &[u8] = include_bytes!("../crates/hotline-sip/tests/data/invite.sip");

/// The same bytes with an HTTP/1.1 start line (for httparse).
fn as_http(msg: &[u8]) -> Vec<u8> {
    let line_end = msg.windows(2).position(|w| w == b"\r\n").unwrap_or(msg.len());
    let line = &msg[..line_end];
    let mut out = Vec::with_capacity(msg.len() + 1);
    if line.starts_with(b"SIP/2.0") {
        out.extend_from_slice(b"HTTP/1.1");
        out.extend_from_slice(&line[7..]);
    } else if line.ends_with(b"SIP/2.0") {
        out.extend_from_slice(&line[..line.len() - 7]);
        out.extend_from_slice(b"HTTP/1.1");
    } else {
        out.extend_from_slice(line);
    }
    out.extend_from_slice(&msg[line_end..]);
    out
}

fn hotline_head(bytes: &[u8]) -> usize {
    match Message::parse(bytes) {
        Ok(msg) => msg.headers().len(),
        Err(_) => 0,
    }
}

fn httparse_head(bytes: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    if bytes.starts_with(b"HTTP/") {
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(bytes) {
            Ok(httparse::Status::Complete(_)) => resp.headers.len(),
            _ => 0,
        }
    } else {
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(bytes) {
            Ok(httparse::Status::Complete(_)) => req.headers.len(),
            _ => 0,
        }
    }
}

fn rsip_head(bytes: &[u8]) -> usize {
    use rsip::prelude::HasHeaders;
    match rsip::SipMessage::try_from(bytes) {
        Ok(msg) => msg.headers().iter().count(),
        Err(_) => 0,
    }
}

fn ezk_split(bytes: &Bytes) -> Option<ezk_sip_types::Headers> {
    use ezk_sip_types::msg::{Line, MessageLine, PullParser};
    use ezk_sip_types::parse::Parse;
    let mut lines = PullParser::new(bytes, 0);
    let first = std::str::from_utf8(lines.next()?.ok()?).ok()?;
    let (_, _start) = MessageLine::parse(bytes)(first).ok()?;
    let mut headers = ezk_sip_types::Headers::with_capacity(16);
    for line in lines {
        let line = std::str::from_utf8(line.ok()?).ok()?;
        let (_, line) = Line::parse(bytes, line).ok()?;
        headers.insert(line.name, line.value);
    }
    Some(headers)
}

fn ezk_head(bytes: &Bytes) -> usize {
    ezk_split(bytes).map_or(0, |h| h.iter().count())
}

fn head_invite(c: &mut Criterion) {
    let http = as_http(INVITE);
    let ezk = Bytes::from_static(INVITE);
    assert_eq!(hotline_head(INVITE), 9);
    assert_eq!(httparse_head(&http), 9);
    let mut g = c.benchmark_group("head/invite466");
    g.bench_function("hotline-sip", |b| b.iter(|| hotline_head(black_box(INVITE))));
    g.bench_function("httparse", |b| b.iter(|| httparse_head(black_box(&http))));
    g.bench_function("rsip", |b| b.iter(|| rsip_head(black_box(INVITE))));
    g.bench_function("ezk-sip-types", |b| b.iter(|| ezk_head(black_box(&ezk))));
    g.finish();
}

/// Every `accept` message of the corpus (RFC 4475 valid messages and the RFC 5118 ones).
fn corpus() -> Option<Vec<Vec<u8>>> {
    let dir = hotline_testkit::testdata("sip")?;
    let text = std::fs::read_to_string(dir.join("expectations.toml")).ok()?;
    let mut group = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(g) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = g.to_owned();
        } else if let Some((name, expect)) = line.split_once('=')
            && !line.starts_with('#')
            && expect.trim() == "\"accept\""
        {
            let name = name.trim().trim_matches('"');
            out.push(std::fs::read(dir.join(&group).join(format!("{name}.dat"))).ok()?);
        }
    }
    Some(out)
}

fn head_corpus(c: &mut Criterion) {
    let Some(messages) = corpus() else { return };
    head_group(c, "head/corpus", &messages);
}

fn typed(c: &mut Criterion) {
    let msg = Message::parse(INVITE).unwrap();
    let rsip_msg = rsip::SipMessage::try_from(INVITE).unwrap();
    let ezk_bytes = Bytes::from_static(INVITE);
    let ezk = ezk_split(&ezk_bytes).unwrap();
    let mut g = c.benchmark_group("typed/invite466");
    g.bench_function("hotline-sip", |b| {
        b.iter(|| {
            let m = black_box(&msg);
            let via = m.top_via().unwrap();
            let from = m.from().unwrap();
            let to = m.to().unwrap();
            let cseq = m.cseq().unwrap();
            let call_id = m.call_id().unwrap();
            black_box((via.branch(), from.tag(), to.uri(), cseq.seq, call_id.as_str()));
        })
    });
    g.bench_function("rsip", |b| {
        use rsip::prelude::{HeadersExt, ToTypedHeader, UntypedHeader};
        b.iter(|| {
            let m = black_box(&rsip_msg);
            let via = m.via_header().unwrap().typed().unwrap();
            let from = m.from_header().unwrap().typed().unwrap();
            let to = m.to_header().unwrap().typed().unwrap();
            let cseq = m.cseq_header().unwrap().typed().unwrap();
            let call_id = m.call_id_header().unwrap().value().to_owned();
            black_box((via, from, to, cseq, call_id));
        })
    });
    g.bench_function("ezk-sip-types", |b| {
        use ezk_sip_types::Name;
        use ezk_sip_types::header::typed::{CSeq, CallID, FromTo, Via};
        b.iter(|| {
            let h = black_box(&ezk);
            let via = h.get_named::<Via>().unwrap();
            let from = h.get::<FromTo>(Name::FROM).unwrap();
            let to = h.get::<FromTo>(Name::TO).unwrap();
            let cseq = h.get_named::<CSeq>().unwrap();
            let call_id = h.get_named::<CallID>().unwrap();
            black_box((via, from, to, cseq, call_id));
        })
    });
    g.finish();
}

/// The corpus messages that every library parses (httparse and rsip reject some of them early,
/// which makes `head/corpus` cheaper for them): the same work for all four, on fewer messages.
fn head_corpus_common(c: &mut Criterion) {
    let Some(messages) = corpus() else { return };
    let messages: Vec<Vec<u8>> = messages
        .into_iter()
        .filter(|m| {
            hotline_head(m) > 0
                && httparse_head(&as_http(m)) > 0
                && rsip_head(m) > 0
                && ezk_head(&Bytes::from(m.clone())) > 0
        })
        .collect();
    head_group(c, &format!("head/corpus-common-{}", messages.len()), &messages);
}

/// One criterion group splitting the heads of `messages` with each of the four libraries.
fn head_group(c: &mut Criterion, name: &str, messages: &[Vec<u8>]) {
    let http: Vec<Vec<u8>> = messages.iter().map(|m| as_http(m)).collect();
    let ezk: Vec<Bytes> = messages.iter().map(|m| Bytes::from(m.clone())).collect();
    let mut g = c.benchmark_group(name);
    g.bench_function("hotline-sip", |b| {
        b.iter(|| messages.iter().map(|m| hotline_head(black_box(m))).sum::<usize>())
    });
    g.bench_function("httparse", |b| {
        b.iter(|| http.iter().map(|m| httparse_head(black_box(m))).sum::<usize>())
    });
    g.bench_function("rsip", |b| {
        b.iter(|| messages.iter().map(|m| rsip_head(black_box(m))).sum::<usize>())
    });
    g.bench_function("ezk-sip-types", |b| {
        b.iter(|| ezk.iter().map(|m| ezk_head(black_box(m))).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, head_invite, head_corpus, head_corpus_common, typed);

/// Criterion's usual entry, unless `HOTLINE_SIP_REPEAT` is set to `LIBRARY WORKLOAD N` (library
/// `hotline-sip`, `httparse`, `rsip` or `ezk-sip-types`; workload `invite` or `corpus`): then it
/// runs that library's head split over the workload N times, with the functions measured above,
/// and exits. `scripts/sip-instructions.sh` runs it under callgrind at two values of N, whose
/// difference is the instruction count of the passes alone, free of set-up and of the machine's
/// load.
fn main() {
    match std::env::var("HOTLINE_SIP_REPEAT") {
        Ok(spec) => {
            if let Err(e) = repeat(&spec) {
                eprintln!("HOTLINE_SIP_REPEAT={spec:?}: {e}");
                std::process::exit(2);
            }
        }
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}

fn repeat(spec: &str) -> Result<(), String> {
    let [library, workload, n] = spec.split_whitespace().collect::<Vec<_>>()[..] else {
        return Err("expected three words: LIBRARY WORKLOAD N".into());
    };
    let n: usize = n.parse().map_err(|_| format!("N must be a count, not {n:?}"))?;
    let messages = match workload {
        "invite" => vec![INVITE.to_vec()],
        "corpus" => corpus().ok_or("the SIP corpus was not found (set HOTLINE_TESTDATA)")?,
        _ => return Err(format!("unknown workload {workload:?} (invite, corpus)")),
    };
    let http: Vec<Vec<u8>> = messages.iter().map(|m| as_http(m)).collect();
    let ezk: Vec<Bytes> = messages.iter().map(|m| Bytes::from(m.clone())).collect();
    let mut total = 0;
    for _ in 0..n {
        total += match library {
            "hotline-sip" => messages.iter().map(|m| hotline_head(black_box(m))).sum::<usize>(),
            "httparse" => http.iter().map(|m| httparse_head(black_box(m))).sum(),
            "rsip" => messages.iter().map(|m| rsip_head(black_box(m))).sum(),
            "ezk-sip-types" => ezk.iter().map(|m| ezk_head(black_box(m))).sum(),
            _ => return Err(format!("unknown library {library:?}")),
        };
    }
    println!("{library} {workload} x{n}: {total} headers");
    Ok(())
}
