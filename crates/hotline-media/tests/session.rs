//! MediaSessions talking over a simulated network with a simulated clock.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Link, Net, addr, best_lag, channel, frequency, test_signal, tone_share};
use hotline_dsp::tone::{Plan, Step, ToneKind, ToneSpec};
use hotline_media::{
    Codec, DigitVia, InbandDtmf, Layout, LegConfig, LegId, MediaError, MediaEvent, MusicOnHold,
    Prompt, WavRecording,
};
use hotline_rtp::RtpBuilder;

fn sine(hz: f64) -> ToneSpec {
    let mut spec = Plan::Itu.tone(ToneKind::Dial);
    spec.steps = vec![Step { frequencies: vec![hz], ms: 1000.0 }];
    spec
}

fn config(codec: Codec, remote: u16) -> LegConfig {
    let mut c = LegConfig::new(codec);
    c.remote = Some(addr(remote));
    c
}

/// A phone session (one leg at `phone_port`) and a leg of the hub at `hub_port` talking to it.
fn pair(
    net: &mut Net,
    hub: usize,
    hub_port: u16,
    phone_port: u16,
    codec: Codec,
) -> (usize, LegId, LegId) {
    let phone = net.add_session();
    let t0 = net.t0;
    let p = net.sessions[phone].add_leg(t0, config(codec, hub_port)).unwrap();
    let h = net.sessions[hub].add_leg(t0, config(codec, phone_port)).unwrap();
    net.bind(phone, p, addr(phone_port));
    net.bind(hub, h, addr(hub_port));
    (phone, p, h)
}

#[test]
fn a_tone_arrives_at_its_level_and_frequency_over_a_lossy_jittery_network() {
    let mut net = Net::new();
    let hub = net.add_session();
    let (phone, p, h) = pair(&mut net, hub, 20_000, 10_000, Codec::Pcma);
    let mut link = Link::profile("internet", 7, 10);
    link.duplicate_every = 37;
    net.link(addr(10_000), addr(20_000), link);
    net.sessions[phone].play_tone(p, &sine(1004.0), -10.0).unwrap();
    let rec = net.sessions[hub].start_recording(h, Layout::Stereo).unwrap();
    net.run_until(Duration::from_secs(6));
    let said = channel(&net.recordings[&(hub, rec)], 0);
    let window = &said[8000 * 2..8000 * 5];
    let level = hotline_dsp::level::dbm0_of_samples(window);
    assert!((level + 10.0).abs() < 1.0, "level {level:.2} dBm0");
    let f = frequency(window);
    assert!((f - 1004.0).abs() < 3.0, "frequency {f:.1} Hz");
    let q = net.sessions[hub].quality(h).unwrap();
    assert!(q.duplicates > 0, "{q:?}");
    assert!(q.concealed_frames > 0 && q.expected > 290, "{q:?}");
    assert!(q.packets_received > 250, "{q:?}");
    assert!(q.mos > 3.5 && q.mos < 4.42, "{q:?}");
}

#[test]
fn digits_sent_as_rfc4733_and_in_band_are_each_reported_once() {
    let mut net = Net::new();
    let hub = net.add_session();
    let phone = net.add_session();
    let t0 = net.t0;
    // Leg 1: telephone-event at dynamic type 101 on both sides; leg 2: none (in band).
    let mut a = config(Codec::Pcmu, 20_001);
    a.telephone_event = Some(101);
    let mut b = config(Codec::Pcmu, 10_001);
    b.telephone_event = Some(101);
    let p1 = net.sessions[phone].add_leg(t0, a).unwrap();
    let h1 = net.sessions[hub].add_leg(t0, b).unwrap();
    let p2 = net.sessions[phone].add_leg(t0, config(Codec::Pcma, 20_002)).unwrap();
    let mut c = config(Codec::Pcma, 10_002);
    c.inband_dtmf = InbandDtmf::On;
    let h2 = net.sessions[hub].add_leg(t0, c).unwrap();
    net.bind(phone, p1, addr(10_001));
    net.bind(phone, p2, addr(10_002));
    net.bind(hub, h1, addr(20_001));
    net.bind(hub, h2, addr(20_002));
    for (port, seed) in [(10_001, 3), (10_002, 4)] {
        let mut link = Link::profile("wifi", seed, 10);
        link.duplicate_every = 23;
        net.link(addr(port), addr(port + 10_000), link);
    }
    net.sessions[phone].send_digits(p1, "123#").unwrap();
    net.sessions[phone].send_digits(p2, "456*").unwrap();
    net.run_until(Duration::from_secs(3));
    let got = net.digits(hub);
    let rfc: String = got.iter().filter(|d| d.0 == h1).map(|d| d.1).collect();
    let inband: String = got.iter().filter(|d| d.0 == h2).map(|d| d.1).collect();
    assert_eq!(rfc, "123#", "{got:?}");
    assert_eq!(inband, "456*", "{got:?}");
    assert!(got.iter().filter(|d| d.0 == h1).all(|d| d.2 == DigitVia::Rfc4733));
    assert!(got.iter().filter(|d| d.0 == h2).all(|d| d.2 == DigitVia::InBand));
    let sent: Vec<_> = net
        .events
        .iter()
        .filter(|(s, _, e)| *s == phone && matches!(e, MediaEvent::DigitsSent { .. }))
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
}

#[test]
fn the_first_valid_packet_latches_and_others_are_ignored_and_counted() {
    let mut net = Net::new();
    let hub = net.add_session();
    let h = net.sessions[hub].add_leg(net.t0, LegConfig::new(Codec::Pcmu)).unwrap();
    let s = &mut net.sessions[hub];
    let now = net.t0 + Duration::from_millis(5);
    let pkt = |ssrc: u32, pt: u8, seq: u16| {
        RtpBuilder::new(pt, seq, u32::from(seq) * 160, ssrc).payload(&[0xff; 160]).to_vec().unwrap()
    };
    // Garbage and an unexpected payload type do not latch.
    assert!(matches!(s.handle_rtp(now, h, addr(1), b"xx"), Err(MediaError::Rtp { .. })));
    assert!(matches!(
        s.handle_rtp(now, h, addr(1), &pkt(9, 18, 0)),
        Err(MediaError::UnexpectedPayloadType { .. })
    ));
    assert_eq!(s.latched(h).unwrap(), None);
    s.handle_rtp(now, h, addr(5000), &pkt(42, 0, 1)).unwrap();
    assert_eq!(s.latched(h).unwrap(), Some(addr(5000)));
    assert!(matches!(s.poll_event(), Some(MediaEvent::SourceLatched { ssrc: 42, .. })));
    assert!(matches!(
        s.handle_rtp(now, h, addr(5002), &pkt(42, 0, 2)),
        Err(MediaError::ForeignSource { .. })
    ));
    assert!(matches!(
        s.handle_rtp(now, h, addr(5000), &pkt(43, 0, 2)),
        Err(MediaError::ForeignSsrc { .. })
    ));
    s.handle_rtp(now, h, addr(5000), &pkt(42, 0, 2)).unwrap();
    let q = s.quality(h).unwrap();
    assert_eq!((q.packets_received, q.foreign_source, q.foreign_ssrc, q.invalid), (2, 1, 1, 2));
    // Replies go to the latched address, not the (absent) SDP one.
    s.handle_timeout(now);
    let t = s.poll_transmit().unwrap();
    assert_eq!(t.destination, addr(5000));
    assert!(matches!(
        s.handle_rtp(now, LegId::from_index(7), addr(5000), &pkt(42, 0, 3)),
        Err(MediaError::NoSuchLeg(_))
    ));
}

#[test]
fn a_silent_peer_is_reported_dead_once_and_then_resumed() {
    let mut net = Net::new();
    let hub = net.add_session();
    let mut c = config(Codec::Pcma, 10_000);
    c.dead_peer_after = Duration::from_secs(1);
    let h = net.sessions[hub].add_leg(net.t0, c).unwrap();
    net.bind(hub, h, addr(20_000));
    net.run_until(Duration::from_millis(2500));
    let dead: Vec<_> =
        net.events.iter().filter(|e| matches!(e.2, MediaEvent::DeadPeer { .. })).collect();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1 >= Duration::from_secs(1) && dead[0].1 < Duration::from_millis(1100));
    let p = RtpBuilder::new(8, 1, 0, 5).payload(&[0xd5; 160]).to_vec().unwrap();
    let now = net.now;
    net.sessions[hub].handle_rtp(now, h, addr(10_000), &p).unwrap();
    let mut evs = Vec::new();
    while let Some(e) = net.sessions[hub].poll_event() {
        evs.push(e);
    }
    assert!(evs.contains(&MediaEvent::MediaResumed { leg: h }), "{evs:?}");
}

#[test]
fn prompts_play_in_order_and_a_digit_barges_in() {
    let mut net = Net::new();
    let hub = net.add_session();
    let (phone, p, h) = pair(&mut net, hub, 20_000, 10_000, Codec::Pcmu);
    let s = &mut net.sessions[hub];
    s.play(h, Prompt::from_samples(vec![1000i16; 1600])).unwrap();
    s.play(h, Prompt::from_samples(vec![-1000i16; 800])).unwrap();
    net.run_until(Duration::from_millis(500));
    let hub_events: Vec<_> = net.events.iter().filter(|e| e.0 == hub).map(|e| (e.1, e.2)).collect();
    let finished: Vec<_> =
        hub_events.iter().filter(|e| matches!(e.1, MediaEvent::PromptFinished { .. })).collect();
    assert_eq!(finished.len(), 2, "{hub_events:?}");
    // The first prompt's last samples are mixed in the tick at 180 ms (they play until 200 ms).
    assert!(
        finished[0].0 >= Duration::from_millis(180) && finished[0].0 <= Duration::from_millis(200)
    );
    assert!(
        hub_events.iter().any(|e| e.1 == MediaEvent::QueueFinished { leg: h, interrupted: false })
    );
    // A long prompt with barge-in, stopped by an in-band digit (the legs have no telephone-event).
    let long = Prompt::from_samples(vec![500i16; 8000 * 20]);
    net.sessions[hub].play(h, long).unwrap();
    net.sessions[hub].set_barge_in(h, true).unwrap();
    net.sessions[phone].send_digits(p, "9").unwrap();
    net.run_until(Duration::from_millis(1500));
    let e: Vec<_> = net.events.iter().filter(|e| e.0 == hub).map(|e| e.2).collect();
    assert!(e.contains(&MediaEvent::QueueFinished { leg: h, interrupted: true }), "{e:?}");
    assert_eq!(net.digits(hub).iter().map(|d| d.1).collect::<String>(), "9");
}

const CALLER_HZ: f64 = 600.0;
const AGENT_HZ: f64 = 1000.0;
const SUP_HZ: f64 = 1400.0;
const MUSIC_HZ: f64 = 300.0;

/// Who each hub leg hears, from the audio it sends (decoded), over the last 400 ms.
fn heard(net: &Net, hub: usize, legs: [LegId; 3]) -> Vec<BTreeSet<&'static str>> {
    legs.iter()
        .map(|&l| {
            let codes = &net.sent_audio[&(hub, l)];
            let codes = &codes[codes.len() - 3200..];
            let pcm = hotline_dsp::g711::decode_to_vec(hotline_dsp::g711::Law::A, codes);
            let mut set = BTreeSet::new();
            for (name, hz) in
                [("caller", CALLER_HZ), ("agent", AGENT_HZ), ("sup", SUP_HZ), ("music", MUSIC_HZ)]
            {
                if tone_share(&pcm, hz) > 0.05 {
                    set.insert(name);
                }
            }
            set
        })
        .collect()
}

fn three_party() -> (Net, usize, [LegId; 3]) {
    let mut net = Net::new();
    net.keep_sent = true;
    let hub = net.add_session();
    let mut legs = [LegId::from_index(0); 3];
    for (i, hz) in [CALLER_HZ, AGENT_HZ, SUP_HZ].into_iter().enumerate() {
        let (phone, p, h) = pair(&mut net, hub, 20_000 + i as u16, 10_000 + i as u16, Codec::Pcma);
        net.sessions[phone].play_tone(p, &sine(hz), -12.0).unwrap();
        legs[i] = h;
    }
    net.sessions[hub].set_music_on_hold(MusicOnHold::new(Prompt::tone(&sine(MUSIC_HZ), -12.0)));
    (net, hub, legs)
}

#[test]
fn mixer_modes_as_a_matrix_of_who_hears_whom() {
    let (mut net, hub, legs) = three_party();
    let [caller, agent, sup] = legs;
    let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<_>>();
    let mut t = 0;
    let mut step = |net: &mut Net, f: &dyn Fn(&mut hotline_media::MediaSession)| {
        f(&mut net.sessions[hub]);
        t += 600;
        net.run_until(Duration::from_millis(t));
        heard(net, hub, legs)
    };
    let m = step(&mut net, &|s| s.bridge(caller, agent).unwrap());
    assert_eq!(m, [set(&["agent"]), set(&["caller"]), set(&[])]);
    let m = step(&mut net, &|s| s.listen(sup, agent, caller).unwrap());
    assert_eq!(m, [set(&["agent"]), set(&["caller"]), set(&["caller", "agent"])]);
    let m = step(&mut net, &|s| s.whisper(sup, agent, caller).unwrap());
    assert_eq!(m, [set(&["agent"]), set(&["caller", "sup"]), set(&["caller", "agent"])]);
    let m = step(&mut net, &|s| s.barge(sup, agent, caller).unwrap());
    assert_eq!(m, [set(&["agent", "sup"]), set(&["caller", "sup"]), set(&["caller", "agent"])]);
    let m = step(&mut net, &|s| s.hold(caller).unwrap());
    assert_eq!(m, [set(&["music"]), set(&["sup"]), set(&["agent"])]);
    let m = step(&mut net, &|s| {
        s.stop_playing(caller).unwrap();
        s.isolate(sup).unwrap();
        s.bridge(caller, agent).unwrap();
    });
    assert_eq!(m, [set(&["agent"]), set(&["caller"]), set(&[])]);
    let m = step(&mut net, &|s| s.conference(&[caller, agent, sup]).unwrap());
    assert_eq!(m, [set(&["agent", "sup"]), set(&["caller", "sup"]), set(&["caller", "agent"])]);
}

#[test]
fn mode_changes_make_no_click() {
    let (mut net, hub, legs) = three_party();
    let [caller, agent, _] = legs;
    for i in 0..20u64 {
        let s = &mut net.sessions[hub];
        match i % 4 {
            0 => s.bridge(caller, agent).unwrap(),
            1 => s.hold(agent).unwrap(),
            2 => {
                s.stop_playing(agent).unwrap();
                s.bridge(caller, agent).unwrap();
            }
            _ => s.isolate(agent).unwrap(),
        }
        net.run_until(Duration::from_millis(100 * (i + 1)));
    }
    let codes = &net.sent_audio[&(hub, agent)];
    let pcm = hotline_dsp::g711::decode_to_vec(hotline_dsp::g711::Law::A, codes);
    // The signals' own largest step: a -12 dBm0 sine at 600 Hz (the caller) or 300 Hz (music).
    let amplitude = hotline_dsp::level::amplitude(-12.0);
    let own = amplitude * 2.0 * std::f64::consts::PI * CALLER_HZ / 8000.0;
    let (at, max_step) = pcm
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .enumerate()
        .max_by_key(|x| x.1)
        .unwrap();
    let _ = at;
    assert!(
        f64::from(max_step) <= own * 1.1 + 64.0,
        "step {max_step} against the signal's own {own:.0}"
    );
    // Without the ramp, switching the caller on at a peak would step by up to the amplitude.
    assert!(amplitude > own * 2.0);
}

#[test]
fn the_recording_holds_both_sides_in_their_channels_and_in_time() {
    let mut net = Net::new();
    let hub = net.add_session();
    let (a, pa, caller) = pair(&mut net, hub, 20_000, 10_000, Codec::Pcmu);
    let (c, pc, agent) = pair(&mut net, hub, 20_001, 10_001, Codec::Pcma);
    net.link(addr(10_000), addr(20_000), Link::profile("internet", 11, 10));
    net.link(addr(10_001), addr(20_001), Link::profile("internet", 12, 10));
    net.link(addr(20_001), addr(10_001), Link::profile("internet", 13, 10));
    net.sessions[hub].bridge(caller, agent).unwrap();
    let rec = net.sessions[hub].start_recording(caller, Layout::Stereo).unwrap();
    let x = test_signal(2.0, 1, 6000.0);
    let y = test_signal(2.0, 2, 6000.0);
    net.sessions[a].play(pa, Prompt::from_samples(x.clone())).unwrap();
    net.sessions[c].play(pc, Prompt::from_samples(y.clone())).unwrap();
    net.run_until(Duration::from_secs(3));
    let stereo = &net.recordings[&(hub, rec)];
    let left = channel(stereo, 0);
    let right = channel(stereo, 1);
    // Window by window (the jitter buffers may move their delay by a frame between windows).
    for start in [2000, 6000, 10_000] {
        let (lag_l, corr_l) = best_lag(&x[start..start + 3200], &left[start..], 2400);
        let (lag_r, corr_r) = best_lag(&y[start..start + 3200], &right[start..], 2400);
        let (_, cross) = best_lag(&y[start..start + 3200], &left[start..], 2400);
        assert!(corr_l > 0.8, "caller in the left channel: {corr_l:.3} at {lag_l}");
        assert!(corr_r > 0.8, "agent in the right channel: {corr_r:.3} at {lag_r}");
        assert!(cross < 0.2, "the agent leaks into the left channel: {cross:.3}");
        // In time: each side comes after its network delay (40 ms base) plus buffering, and
        // within 250 ms.
        for lag in [lag_l, lag_r] {
            assert!((320..2000).contains(&lag), "lag {lag} samples");
        }
    }
    // The same chunks through the two-mono writer give the two channels.
    let mut w =
        WavRecording::two_mono(std::io::Cursor::new(Vec::new()), std::io::Cursor::new(Vec::new()))
            .unwrap();
    let mut paused = false;
    let chunk = hotline_media::RecordingChunk {
        recorder: rec,
        layout: Layout::TwoMono,
        samples: stereo,
        first_frame: 0,
        paused: false,
    };
    w.write(&chunk, &mut paused).unwrap();
    let (said, heard) = w.finish().unwrap();
    let said = hotline_dsp::wav::read(&said.into_inner()[..]).unwrap();
    let heard = hotline_dsp::wav::read(&heard.unwrap().into_inner()[..]).unwrap();
    assert_eq!(said.samples, left);
    assert_eq!(heard.samples, right);
}

#[test]
fn a_paused_recording_is_silent_and_marked() {
    let mut net = Net::new();
    let hub = net.add_session();
    let (phone, p, h) = pair(&mut net, hub, 20_000, 10_000, Codec::Pcmu);
    net.sessions[phone].play_tone(p, &sine(1004.0), -10.0).unwrap();
    let rec = net.sessions[hub].start_recording(h, Layout::Stereo).unwrap();
    net.run_until(Duration::from_millis(500));
    net.sessions[hub].pause_recording(rec, true).unwrap();
    net.run_until(Duration::from_millis(1000));
    net.sessions[hub].pause_recording(rec, false).unwrap();
    net.run_until(Duration::from_millis(1500));
    let left = channel(&net.recordings[&(hub, rec)], 0);
    // Ticks at 0, 20, ..., 1500 ms.
    assert_eq!(left.len(), 76 * 160);
    // Paused from the tick after 500 ms through the tick at 1000 ms.
    assert!(left[4160..8160].iter().all(|&s| s == 0));
    assert!(left[3900..4160].iter().any(|&s| s != 0) && left[8160..8400].iter().any(|&s| s != 0));
    assert!(hotline_dsp::level::dbm0_of_samples(&left[8800..11_900]) > -11.0);
}

#[test]
fn legs_of_different_packet_times_are_mixed() {
    let mut net = Net::new();
    let hub = net.add_session();
    let t0 = net.t0;
    let pa = net.add_session();
    let pb = net.add_session();
    let mut c30 = config(Codec::Pcmu, 20_000);
    c30.ptime = Duration::from_millis(30);
    let a = net.sessions[pa].add_leg(t0, c30).unwrap();
    let mut h30 = config(Codec::Pcmu, 10_000);
    h30.ptime = Duration::from_millis(30);
    let ha = net.sessions[hub].add_leg(t0, h30).unwrap();
    let b = net.sessions[pb].add_leg(t0, config(Codec::Pcma, 20_001)).unwrap();
    let hb = net.sessions[hub].add_leg(t0, config(Codec::Pcma, 10_001)).unwrap();
    net.bind(pa, a, addr(10_000));
    net.bind(hub, ha, addr(20_000));
    net.bind(pb, b, addr(10_001));
    net.bind(hub, hb, addr(20_001));
    net.sessions[hub].bridge(ha, hb).unwrap();
    net.sessions[pa].play_tone(a, &sine(1004.0), -10.0).unwrap();
    let rec = net.sessions[pb].start_recording(b, Layout::Stereo).unwrap();
    net.keep_sent = true;
    net.run_until(Duration::from_secs(2));
    let said = channel(&net.recordings[&(pb, rec)], 0);
    let w = &said[8000..15_000];
    assert!((frequency(w) - 1004.0).abs() < 3.0, "{}", frequency(w));
    assert!((hotline_dsp::level::dbm0_of_samples(w) + 10.0).abs() < 0.5);
    assert_eq!(net.sessions[hub].poll_timeout().map(|t| (t - t0).as_millis() % 10), Some(0));
    let q = net.sessions[hub].quality(ha).unwrap();
    assert!(q.packets_sent >= 60 && q.packets_sent <= 67, "{q:?}");
}

#[test]
fn rtcp_reports_give_the_round_trip_time() {
    let mut net = Net::new();
    let hub = net.add_session();
    let (_phone, _p, h) = pair(&mut net, hub, 20_000, 10_000, Codec::Pcmu);
    net.run_until(Duration::from_millis(11_000));
    let q = net.sessions[hub].quality(h).unwrap();
    // RTCP takes 30 ms each way in the simulated network.
    let rtt = q.rtt_ms.expect("an RTT after two report intervals");
    assert!((rtt - 60.0).abs() < 1.0, "{rtt}");
    assert!(q.rtcp_sent >= 2 && q.rtcp_received >= 2, "{q:?}");
    assert_eq!(q.remote_fraction_lost, Some(0.0));
}

#[test]
fn bad_parameters_are_refused() {
    let t0 = std::time::Instant::now();
    let mut s = hotline_media::MediaSession::new(t0);
    let mut c = LegConfig::new(Codec::Pcmu);
    c.ptime = Duration::from_millis(25);
    assert!(matches!(s.add_leg(t0, c), Err(MediaError::BadParameter { field: "ptime", .. })));
    c.ptime = Duration::from_millis(70);
    assert!(s.add_leg(t0, c).is_err());
    let mut c = LegConfig::new(Codec::Pcmu);
    c.telephone_event = Some(0);
    assert!(s.add_leg(t0, c).is_err());
    let l = s.add_leg(t0, LegConfig::new(Codec::Pcmu)).unwrap();
    assert!(matches!(s.send_digits(l, "12x"), Err(MediaError::BadDigit { digit: 'x' })));
    assert!(matches!(s.pause_recording(3, true), Err(MediaError::NoSuchRecorder(3))));
}
