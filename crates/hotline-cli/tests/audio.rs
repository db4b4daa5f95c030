//! `hotline audio repair` on a recording cut off before its header was finalised.

use std::io::Cursor;
use std::process::Command;

use hotline_media::{Layout, RecordingChunk, WavRecording};

fn hotline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().unwrap()
}

#[test]
fn repair_restores_a_crash_cut_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.wav");
    // 2.5 s written 20 ms at a time, then the process dies: the header still says 2 s.
    let mut rec = WavRecording::stereo(Cursor::new(Vec::new())).unwrap();
    let mut paused = false;
    let frame: Vec<i16> = (0..320).map(|i| (i * 11 % 2000) as i16).collect();
    for _ in 0..125 {
        let chunk = RecordingChunk {
            recorder: 0,
            layout: Layout::Stereo,
            samples: &frame,
            first_frame: 0,
            paused: false,
        };
        rec.write(&chunk, &mut paused).unwrap();
    }
    // Take the bytes as they are, without `finish`: a crash.
    let WavRecording::Stereo(stream) = rec else { unreachable!() };
    let cut = stream.get_ref().get_ref().clone();
    std::fs::write(&path, &cut).unwrap();
    let before =
        hotline_dsp::wav::read(&std::fs::read(&path).unwrap()[..]).map(|w| w.frames()).unwrap_or(0);
    assert!(before <= 16_000, "{before}");
    let out = hotline(&["audio", "repair", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("repaired"));
    let wav = hotline_dsp::wav::read(&std::fs::read(&path).unwrap()[..]).unwrap();
    assert_eq!(wav.frames(), 20_000);
    let out = hotline(&["audio", "repair", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("needs no repair"));
    std::fs::write(&path, b"not a wav").unwrap();
    let out = hotline(&["audio", "repair", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = hotline(&["audio", "repair", "/no/such/file.wav"]);
    assert_eq!(out.status.code(), Some(2));
}
