//! `hotline dtmf`, `hotline g711`, `hotline tone` and `hotline audio` as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

use hotline_dsp::dtmf::DtmfGenerator;
use hotline_dsp::g711::{self, Law};
use hotline_dsp::wav::{self, Encoding, WavSpec};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

fn write(p: &str, spec: WavSpec, samples: &[i16]) {
    wav::write(std::fs::File::create(p).unwrap(), spec, samples).unwrap();
}

#[test]
fn dtmf_generate_then_detect() {
    let dir = tempfile::tempdir().unwrap();
    let file = path(&dir, "digits.wav");
    let out = hotline(&["dtmf", "generate", "5#", "-o", &file, "--on-ms", "60", "--off-ms", "70"]);
    assert!(out.status.success(), "{}", err(&out));
    assert!(text(&out).starts_with("wrote "), "{}", text(&out));

    let out = hotline(&["dtmf", "detect", &file]);
    assert!(out.status.success(), "{}", err(&out));
    let lines: Vec<String> = text(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], "t=0.000s digit=5 duration=60ms level=-10.0dBm0");
    assert!(lines[1].starts_with("t=0.130s digit=# duration="), "{}", lines[1]);
    assert_eq!(lines[2], "digits: 5#");

    let out = hotline(&["dtmf", "detect", "--json", &file]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["digits"], "5#");
    let events = json["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["digit"], "#");
    assert!((events[1]["start_ms"].as_f64().unwrap() - 130.0).abs() < 1.0);
    assert!((events[0]["duration_ms"].as_f64().unwrap() - 60.0).abs() < 2.0);
    assert!((events[0]["level_dbm0"].as_f64().unwrap() + 10.0).abs() < 0.5);
}

#[test]
fn dtmf_generate_in_every_encoding_with_twist() {
    let dir = tempfile::tempdir().unwrap();
    for (encoding, tag) in [("pcm16", 1u16), ("alaw", 6), ("ulaw", 7)] {
        let file = path(&dir, &format!("{encoding}.wav"));
        let out = hotline(&[
            "dtmf",
            "generate",
            "159D",
            "-o",
            &file,
            "--level",
            "-12",
            "--twist",
            "-4",
            "--encoding",
            encoding,
        ]);
        assert!(out.status.success(), "{}", err(&out));
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(u16::from_le_bytes([bytes[20], bytes[21]]), tag);
        let out = hotline(&["dtmf", "detect", &file]);
        assert!(text(&out).ends_with("digits: 159D\n"), "{encoding}: {}", text(&out));
    }
    let out = hotline(&["dtmf", "generate", "12x", "-o", &path(&dir, "bad.wav")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("`x` at position 2"), "{}", err(&out));
}

#[test]
fn dtmf_detect_resamples_and_picks_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    let digits = DtmfGenerator::new().on_ms(80.0).off_ms(80.0).generate("42").unwrap();
    // 48 kHz stereo: digits on channel 1 only, by repeating each 8 kHz sample six times.
    let mut stereo = Vec::new();
    for &x in &digits {
        for _ in 0..6 {
            stereo.extend([0, x]);
        }
    }
    let file = path(&dir, "stereo.wav");
    write(&file, WavSpec { sample_rate: 48_000, channels: 2, encoding: Encoding::Pcm16 }, &stereo);
    let out = hotline(&["dtmf", "detect", "--json", &file]);
    assert!(out.status.success(), "{}", err(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["digits"], "", "channel 0 is silent");
    assert_eq!(json["events"].as_array().unwrap().len(), 0);
    let out = hotline(&["dtmf", "detect", "--channel", "1", &file]);
    assert!(text(&out).ends_with("digits: 42\n"), "{}", text(&out));
    let out = hotline(&["dtmf", "detect", "--channel", "2", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("channel 2"), "{}", err(&out));
}

#[test]
fn dtmf_detect_bridges_a_dropout_and_reports_nothing_under_40_ms_at_any_rate() {
    // Issue 19 through the command line: a 30 ms + 8 ms gap + 30 ms digit is one digit, and of
    // bursts from 24 to 39.5 ms none is reported shorter than 40 ms, in files at 8, 16, 44.1 and
    // 48 kHz (the command resamples them to 8 kHz).
    let dir = tempfile::tempdir().unwrap();
    let half = DtmfGenerator::new().on_ms(30.0).off_ms(0.0).level_dbm0(-10.0);
    let mut audio = vec![0i16; 400];
    for digit in ["7", "#"] {
        audio.extend(half.generate(digit).unwrap());
        audio.extend(vec![0i16; 64]);
        audio.extend(half.generate(digit).unwrap());
        audio.extend(vec![0i16; 800]);
    }
    for ms in [24.0, 30.0, 35.0, 39.5] {
        for lead in [0usize, 37, 71] {
            audio.extend(vec![0i16; lead]);
            audio.extend(DtmfGenerator::new().on_ms(ms).off_ms(100.0).generate("C").unwrap());
        }
    }
    for rate in [8000u32, 16_000, 44_100, 48_000] {
        let samples = if rate == 8000 {
            audio.clone()
        } else {
            hotline_dsp::resample::resample(&audio, 8000, rate).unwrap()
        };
        let file = path(&dir, &format!("dropout-{rate}.wav"));
        write(
            &file,
            WavSpec { sample_rate: rate, channels: 1, encoding: Encoding::Pcm16 },
            &samples,
        );
        let out = hotline(&["dtmf", "detect", "--json", &file]);
        assert!(out.status.success(), "{}", err(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let digits = json["digits"].as_str().unwrap();
        assert!(digits.starts_with("7#"), "{rate} Hz: {json}");
        for event in json["events"].as_array().unwrap() {
            let duration = event["duration_ms"].as_f64().unwrap();
            assert!(duration >= 40.0, "{rate} Hz: {event}");
        }
    }
}

#[test]
fn unreadable_files_exit_2_and_non_wav_files_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = path(&dir, "missing.wav");
    let out = hotline(&["dtmf", "detect", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("missing.wav"));
    let text_file = path(&dir, "notes.wav");
    std::fs::write(&text_file, "this is not a WAV file at all").unwrap();
    // A file that opens but is not a WAV file is rejected input, 1, as a corrupt capture is in
    // `hotline rtp analyze` (issue 25: it was 2 here and 1 there).
    let out = hotline(&["dtmf", "detect", &text_file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("not a WAV file"), "{}", err(&out));
    let empty = path(&dir, "empty.wav");
    std::fs::write(&empty, "").unwrap();
    let out = hotline(&["tone", "detect", &empty]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("empty"), "{}", err(&out));
}

#[test]
fn g711_encode_writes_format_6_or_7_with_fact_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<i16> = (0..1001).map(|i| ((i * 977) % 65_536 - 32_768) as i16).collect();
    let input = path(&dir, "in.wav");
    write(&input, WavSpec::TELEPHONE, &samples);
    for (law, flag, tag) in [(Law::A, "a", 6u16), (Law::U, "u", 7)] {
        let output = path(&dir, &format!("{flag}.wav"));
        let out = hotline(&["g711", "encode", "--law", flag, &input, &output]);
        assert!(out.status.success(), "{}", err(&out));
        let b = std::fs::read(&output).unwrap();
        assert_eq!(&b[12..16], b"fmt ");
        assert_eq!(u32::from_le_bytes([b[16], b[17], b[18], b[19]]), 18);
        assert_eq!(u16::from_le_bytes([b[20], b[21]]), tag);
        assert_eq!(&b[38..42], b"fact");
        assert_eq!(u32::from_le_bytes([b[46], b[47], b[48], b[49]]), 1001);
        assert_eq!(&b[50..54], b"data");
        assert_eq!(&b[58..58 + 1001], g711::encode_to_vec(law, &samples).as_slice());

        let decoded = path(&dir, &format!("{flag}-back.wav"));
        let out = hotline(&["g711", "decode", "--law", flag, &output, &decoded]);
        assert!(out.status.success(), "{}", err(&out));
        let back = wav::read(std::fs::File::open(&decoded).unwrap()).unwrap();
        assert_eq!(back.spec, WavSpec::TELEPHONE);
        assert_eq!(back.samples, g711::decode_to_vec(law, &g711::encode_to_vec(law, &samples)));

        // Decoding with the other law is refused.
        let other = if flag == "a" { "u" } else { "a" };
        let out = hotline(&["g711", "decode", "--law", other, &output, &decoded]);
        assert_eq!(out.status.code(), Some(2));
        assert!(err(&out).contains("format tag"), "{}", err(&out));
    }
    // Decoding PCM is refused too.
    let out = hotline(&["g711", "decode", "--law", "a", &input, &path(&dir, "x.wav")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn g711_encode_names_what_is_wrong_with_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = path(&dir, "wide.wav");
    write(
        &input,
        WavSpec { sample_rate: 16_000, channels: 2, encoding: Encoding::Pcm16 },
        &[0; 64],
    );
    let out = hotline(&["g711", "encode", "--law", "u", &input, "-o", &path(&dir, "o.wav")]);
    assert_eq!(out.status.code(), Some(1));
    let message = err(&out);
    assert!(message.contains("16000 Hz") && message.contains("2 channels"), "{message}");
    let alaw = path(&dir, "alaw.wav");
    write(&alaw, WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::ALaw }, &[0; 64]);
    let out = hotline(&["g711", "encode", "--law", "u", &alaw, "-o", &path(&dir, "o.wav")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("A-law"), "{}", err(&out));
}

#[test]
fn tone_generate_then_detect() {
    let dir = tempfile::tempdir().unwrap();
    for (plan, tone) in [
        ("cn", "busy"),
        ("na", "congestion"),
        ("itu", "dial"),
        ("na", "sit"),
        ("cn", "ringback"),
        ("itu", "cng"),
    ] {
        let file = path(&dir, &format!("{plan}-{tone}.wav"));
        let out = hotline(&[
            "tone",
            "generate",
            "--plan",
            plan,
            "--tone",
            tone,
            "--seconds",
            "5",
            "-o",
            &file,
        ]);
        assert!(out.status.success(), "{}", err(&out));
        let out = hotline(&["tone", "detect", "--json", &file]);
        assert!(out.status.success(), "{}", err(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tones = json["tones"].as_array().unwrap();
        assert_eq!(tones.len(), 1, "{plan} {tone}: {json}");
        assert_eq!(tones[0]["tone"], tone);
        assert!(tones[0]["start_ms"].as_f64().unwrap() < 30.0);
        assert!(tones[0]["duration_ms"].as_f64().unwrap() > 300.0);
    }
    let silent = path(&dir, "silent.wav");
    write(&silent, WavSpec::TELEPHONE, &[0; 8000]);
    let out = hotline(&["tone", "detect", "--json", &silent]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tones"].as_array().unwrap().len(), 0);
}

#[test]
fn audio_convert_to_8k_mono() {
    let dir = tempfile::tempdir().unwrap();
    let input = path(&dir, "cd.wav");
    // One second of 44.1 kHz stereo: a 1 kHz sine on both channels.
    let samples: Vec<i16> = (0..44_100)
        .flat_map(|n| {
            let v = (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 44_100.0).sin())
                as i16;
            [v, v]
        })
        .collect();
    write(
        &input,
        WavSpec { sample_rate: 44_100, channels: 2, encoding: Encoding::Pcm16 },
        &samples,
    );
    for (encoding, expected) in [("pcm16", Encoding::Pcm16), ("ulaw", Encoding::ULaw)] {
        let output = path(&dir, &format!("out-{encoding}.wav"));
        let out = hotline(&["audio", "convert", &input, &output, "--encoding", encoding]);
        assert!(out.status.success(), "{}", err(&out));
        let back = wav::read(std::fs::File::open(Path::new(&output)).unwrap()).unwrap();
        assert_eq!(back.spec, WavSpec { sample_rate: 8000, channels: 1, encoding: expected });
        assert_eq!(back.samples.len(), 8000);
        let peak = back.samples[1000..7000].iter().map(|x| x.unsigned_abs()).max().unwrap();
        assert!((7800..=8200).contains(&peak), "{peak}");
    }
}
