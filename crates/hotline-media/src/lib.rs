#![doc = include_str!("../README.md")]

mod error;
pub mod leg;
pub mod mixer;
pub mod quality;
pub mod recorder;
mod session;
pub mod source;

pub use error::MediaError;
pub use leg::{Codec, InbandDtmf, LegConfig, LegId};
pub use mixer::Mixer;
pub use quality::Quality;
pub use recorder::{Layout, RecordingChunk, WavRecording, WavStream, repair};
pub use session::{
    DigitVia, MediaEvent, MediaSession, PacketKind, SSRC_RESTART_SILENCE, SessionConfig, Transmit,
    jitter_packet_bytes,
};
pub use source::{MusicOnHold, PlayQueue, Prompt, Source};
