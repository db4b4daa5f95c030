//! hotline-dsp in one run: generate DTMF digits and a busy tone, send them through G.711 with
//! lost packets concealed, write and read back a WAV file, and detect what was sent.
//!
//! ```sh
//! cargo run -p hotline-dsp --example demo
//! ```

use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
use hotline_dsp::g711::{self, Law};
use hotline_dsp::plc::Concealer;
use hotline_dsp::tone::{Plan, ToneDetector, ToneKind};
use hotline_dsp::wav::{self, Encoding, WavSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A caller keys "2580#", then the line is busy (China: 450 Hz, 0.35 s on / 0.35 s off).
    let mut audio =
        DtmfGenerator::new().on_ms(70.0).off_ms(80.0).level_dbm0(-8.0).generate("2580#")?;
    audio.extend(Plan::Cn.tone(ToneKind::Busy).generate(3.0, -12.0, 1.0));

    // 2. Across the network: A-law in 20 ms packets, every 13th packet lost and concealed.
    let mut plc = Concealer::new();
    let mut received = Vec::with_capacity(audio.len());
    for (i, frame) in audio.chunks_exact(160).enumerate() {
        let mut codes = [0u8; 160];
        g711::encode(Law::A, frame, &mut codes)?;
        let mut pcm = [0i16; 160];
        if i % 13 == 12 {
            plc.lost_frame(&mut pcm);
        } else {
            g711::decode(Law::A, &codes, &mut pcm)?;
            plc.good_frame(&mut pcm);
        }
        received.extend_from_slice(&pcm);
    }

    // 3. Record the call as a μ-law WAV file and read it back.
    let mut file = Vec::new();
    let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::ULaw };
    wav::write(&mut file, spec, &received)?;
    let recording = wav::read(&file[..])?;
    println!(
        "recorded {:.2} s as {} ({} bytes)",
        recording.seconds(),
        recording.spec.encoding,
        file.len()
    );

    // 4. What the IVR hears.
    let mut dtmf = DtmfDetector::new();
    let mut digits = dtmf.process(&recording.samples);
    digits.extend(dtmf.finish());
    for d in &digits {
        println!(
            "digit {} at {:.0} ms for {:.0} ms, {:.1} dBm0",
            d.digit,
            d.start_ms(),
            d.duration_ms(),
            d.level_dbm0
        );
    }
    let mut tones = ToneDetector::new();
    let mut found = tones.process(&recording.samples);
    found.extend(tones.finish());
    for t in &found {
        println!("tone {} at {:.0} ms for {:.0} ms", t.tone, t.start_ms(), t.duration_ms());
    }
    let keyed: String = digits.iter().map(|d| d.digit).collect();
    assert_eq!(keyed, "2580#");
    assert_eq!(found.first().map(|t| t.tone), Some(ToneKind::Busy));
    Ok(())
}
