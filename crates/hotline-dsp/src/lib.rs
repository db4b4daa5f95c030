//! Media DSP for call centers: G.711, packet-loss concealment, DTMF, call-progress tones and WAV
//! files.
//!
//! Everything here is a plain computation over samples: no threads, no clocks, no I/O except the
//! WAV reader and writer, which take any [`std::io::Read`] or [`std::io::Write`]. Audio is 16-bit
//! linear PCM at 8,000 samples per second unless a function says otherwise.
//!
//! * [`g711`]: A-law and μ-law encode and decode, bit-exact with the ITU-T G.191 reference for all
//!   65,536 inputs and 256 codes; whole-frame slice functions; A-law↔μ-law transcoding tables.
//! * [`plc`]: packet-loss concealment for G.711 frames by pitch-period repetition with overlap-add
//!   ([`plc::Concealer`]).
//! * [`dtmf`]: a streaming DTMF detector meeting ITU-T Q.24 ([`dtmf::DtmfDetector`]) and a
//!   generator ([`dtmf::DtmfGenerator`]).
//! * [`tone`]: call-progress tone plans (China, North America, ITU/Europe), a generator and a
//!   detector for dial, busy, ringback, congestion, special-information and fax CNG tones.
//! * [`wav`]: WAV reading (PCM 8/16/24/32-bit, A-law, μ-law, 32/64-bit float,
//!   `WAVE_FORMAT_EXTENSIBLE`) and writing (PCM16, A-law, μ-law).
//! * [`resample`]: a band-limited resampler to 8 kHz (passband ripple under 0.1 dB to 3.4 kHz,
//!   at least 60 dB of attenuation from 4 kHz).
//! * [`level`]: levels in dBm0 with the G.711 convention (a 0 dBm0 sine peaks at 22,770).
//!
//! ```
//! use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
//!
//! // Three digits, 60 ms on and 60 ms off, each tone at -10 dBm0.
//! let audio = DtmfGenerator::new().on_ms(60.0).off_ms(60.0).level_dbm0(-10.0).generate("5#1").unwrap();
//! let mut detector = DtmfDetector::new();
//! let mut events = Vec::new();
//! for block in audio.chunks(160) {
//!     events.extend(detector.process(block));
//! }
//! events.extend(detector.finish());
//! let digits: String = events.iter().map(|e| e.digit).collect();
//! assert_eq!(digits, "5#1");
//! ```
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod dtmf;
pub mod g711;
pub mod level;
pub mod outcome;
pub mod plc;
pub mod resample;
pub mod tone;
pub mod wav;

/// The sample rate every detector and generator in this crate works at, in samples per second.
pub const SAMPLE_RATE: u32 = 8000;
