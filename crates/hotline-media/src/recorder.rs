//! Call recording: what the session hands out ([`RecordingChunk`]) and the adapter that writes it
//! to WAV files as the call runs ([`WavRecording`], over any `io::Write + io::Seek`), plus
//! [`repair`] for a file whose header was never finalised (the process died mid-call).
//!
//! The session itself writes nothing: each frame it appends the recorded samples to a buffer the
//! host drains with [`MediaSession::poll_recording`](crate::MediaSession::poll_recording), and
//! the host (or a worker thread) passes each chunk to the adapter.
//!
//! **What a crash can lose.** The adapter writes every chunk straight through to its writer and
//! calls `flush` at least every 100 ms of audio; every second it also rewrites the header's sizes.
//! A file cut off anywhere is therefore complete up to its last flush (at most 100 ms before the
//! cut); [`repair`] recomputes the sizes from the file's length and keeps every whole frame.
//!
//! **Pauses** (PCI-DSS: no card numbers in recordings): while a recorder is paused the session
//! hands out silence, so both channels stay in time with the call, and the chunk says it is
//! paused. The adapter marks each gap with two cue points (RIFF `cue ` chunk, labelled `pause` and
//! `resume` in a `LIST adtl` chunk) written after the audio when the recording is finished.

use std::io::{self, Read, Seek, SeekFrom, Write};

use serde::{Deserialize, Serialize};

use crate::MediaError;

/// How a recorder lays out the two directions of its leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Layout {
    /// One stereo stream: left what the leg's party says (the caller), right what it hears (the
    /// agent, prompts, music).
    Stereo,
    /// Two mono streams of the same two directions, for two files.
    TwoMono,
}

/// Samples a recorder produced since the last poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingChunk<'a> {
    /// Which recorder (as [`MediaSession::start_recording`](crate::MediaSession::start_recording)
    /// returned it).
    pub recorder: usize,
    /// The layout: for both layouts `samples` is interleaved left, right.
    pub layout: Layout,
    /// Interleaved left/right samples at 8 kHz.
    pub samples: &'a [i16],
    /// The frame index (per channel) of the chunk's first sample since the recording started.
    pub first_frame: u64,
    /// Whether the recorder was paused for this chunk (the samples are silence).
    pub paused: bool,
}

const HEADER_LEN: u64 = 44;
/// Flush at least every 100 ms of audio.
const FLUSH_FRAMES: u64 = 800;
/// Rewrite the header every second of audio.
const HEADER_FRAMES: u64 = 8000;

/// A 16-bit PCM WAV file at 8 kHz written as samples arrive.
#[derive(Debug)]
pub struct WavStream<W: Write + Seek> {
    out: W,
    channels: u16,
    frames: u64,
    since_flush: u64,
    since_header: u64,
    cues: Vec<(u64, &'static str)>,
}

impl<W: Write + Seek> WavStream<W> {
    /// Starts a file: writes a header whose sizes say "unknown" (0) until updated.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn new(mut out: W, channels: u16) -> io::Result<Self> {
        out.write_all(&header(channels, 0))?;
        out.flush()?;
        Ok(WavStream {
            out,
            channels,
            frames: 0,
            since_flush: 0,
            since_header: 0,
            cues: Vec::new(),
        })
    }

    /// Appends interleaved samples (whole frames of `channels` samples).
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn write(&mut self, samples: &[i16]) -> io::Result<()> {
        let mut bytes = [0u8; 2048];
        for chunk in samples.chunks(bytes.len() / 2) {
            for (b, s) in bytes.chunks_exact_mut(2).zip(chunk) {
                b.copy_from_slice(&s.to_le_bytes());
            }
            self.out.write_all(&bytes[..chunk.len() * 2])?;
        }
        let frames = (samples.len() / usize::from(self.channels.max(1))) as u64;
        self.frames += frames;
        self.since_flush += frames;
        self.since_header += frames;
        if self.since_header >= HEADER_FRAMES {
            self.since_header = 0;
            self.write_sizes(0)?;
        }
        if self.since_flush >= FLUSH_FRAMES {
            self.since_flush = 0;
            self.out.flush()?;
        }
        Ok(())
    }

    /// Marks the current position with a cue point labelled `label`.
    pub fn cue(&mut self, label: &'static str) {
        self.cues.push((self.frames, label));
    }

    /// The writer (what has been written so far, for a `Cursor`).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    fn write_sizes(&mut self, trailer: u64) -> io::Result<()> {
        let data = self.frames * 2 * u64::from(self.channels);
        let at = self.out.stream_position()?;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&riff_size(data + trailer).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(40))?;
        self.out.write_all(&u32::try_from(data).unwrap_or(u32::MAX).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(at))?;
        Ok(())
    }

    /// Writes the cue points (if any) after the audio, finalises the header and returns the
    /// writer.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn finish(mut self) -> io::Result<W> {
        let mut trailer = Vec::new();
        if !self.cues.is_empty() {
            let data = self.frames * 2 * u64::from(self.channels);
            if data % 2 == 1 {
                trailer.push(0);
            }
            let n = u32::try_from(self.cues.len()).unwrap_or(u32::MAX);
            trailer.extend_from_slice(b"cue ");
            trailer.extend_from_slice(&(4 + 24 * n).to_le_bytes());
            trailer.extend_from_slice(&n.to_le_bytes());
            for (i, &(frame, _)) in self.cues.iter().enumerate() {
                let pos = u32::try_from(frame).unwrap_or(u32::MAX);
                trailer.extend_from_slice(&(i as u32 + 1).to_le_bytes());
                trailer.extend_from_slice(&pos.to_le_bytes());
                trailer.extend_from_slice(b"data");
                trailer.extend_from_slice(&0u32.to_le_bytes());
                trailer.extend_from_slice(&0u32.to_le_bytes());
                trailer.extend_from_slice(&pos.to_le_bytes());
            }
            let mut adtl = Vec::new();
            adtl.extend_from_slice(b"adtl");
            for (i, &(_, label)) in self.cues.iter().enumerate() {
                let text_len = label.len() + 1;
                adtl.extend_from_slice(b"labl");
                adtl.extend_from_slice(&((4 + text_len) as u32).to_le_bytes());
                adtl.extend_from_slice(&(i as u32 + 1).to_le_bytes());
                adtl.extend_from_slice(label.as_bytes());
                adtl.push(0);
                if text_len % 2 == 1 {
                    adtl.push(0);
                }
            }
            trailer.extend_from_slice(b"LIST");
            trailer.extend_from_slice(&(adtl.len() as u32).to_le_bytes());
            trailer.extend_from_slice(&adtl);
        }
        self.out.write_all(&trailer)?;
        self.write_sizes(trailer.len() as u64)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn riff_size(data_and_trailer: u64) -> u32 {
    u32::try_from(HEADER_LEN - 8 + data_and_trailer).unwrap_or(u32::MAX)
}

fn header(channels: u16, data_len: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let rate = 8000u32;
    let block = 2 * channels;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(if data_len == 0 { 0 } else { 36 + data_len }).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes());
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * u32::from(block)).to_le_bytes());
    h[32..34].copy_from_slice(&block.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Writes a recorder's chunks to one stereo file or two mono files.
#[derive(Debug)]
pub enum WavRecording<W: Write + Seek> {
    /// Caller left, agent right.
    Stereo(WavStream<W>),
    /// Caller in the first file, agent in the second.
    TwoMono(WavStream<W>, WavStream<W>),
}

impl<W: Write + Seek> WavRecording<W> {
    /// A stereo recording into `out`.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn stereo(out: W) -> io::Result<Self> {
        Ok(WavRecording::Stereo(WavStream::new(out, 2)?))
    }

    /// Two mono recordings: what the leg's party says into `said`, what it hears into `heard`.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn two_mono(said: W, heard: W) -> io::Result<Self> {
        Ok(WavRecording::TwoMono(WavStream::new(said, 1)?, WavStream::new(heard, 1)?))
    }

    /// Writes a chunk; a change between paused and not paused is marked with a cue point.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn write(&mut self, chunk: &RecordingChunk<'_>, was_paused: &mut bool) -> io::Result<()> {
        if chunk.paused != *was_paused {
            let label = if chunk.paused { "pause" } else { "resume" };
            match self {
                WavRecording::Stereo(s) => s.cue(label),
                WavRecording::TwoMono(a, b) => {
                    a.cue(label);
                    b.cue(label);
                }
            }
            *was_paused = chunk.paused;
        }
        match self {
            WavRecording::Stereo(s) => s.write(chunk.samples),
            WavRecording::TwoMono(a, b) => {
                let mut left = [0i16; 512];
                let mut right = [0i16; 512];
                for pair in chunk.samples.chunks(1024) {
                    let n = pair.len() / 2;
                    for (i, lr) in pair.chunks_exact(2).enumerate() {
                        left[i] = lr[0];
                        right[i] = lr[1];
                    }
                    a.write(&left[..n])?;
                    b.write(&right[..n])?;
                }
                Ok(())
            }
        }
    }

    /// Finalises the file(s) and returns the writer(s) (the second only for two mono files).
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn finish(self) -> io::Result<(W, Option<W>)> {
        match self {
            WavRecording::Stereo(s) => Ok((s.finish()?, None)),
            WavRecording::TwoMono(a, b) => Ok((a.finish()?, Some(b.finish()?))),
        }
    }
}

/// What [`repair`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Repaired {
    /// Whether the header had to be changed.
    pub changed: bool,
    /// Bytes of audio the repaired header declares.
    pub data_bytes: u64,
    /// Bytes dropped at the end (a partial frame).
    pub dropped_bytes: u64,
}

/// Repairs a WAV file whose header sizes were not finalised (a recording cut off by a crash):
/// the `data` chunk is taken to run to the end of the file (or to its declared size, when that
/// is plausible and shorter), rounded down to whole frames, and the RIFF and `data` sizes are
/// rewritten in place.
///
/// # Errors
///
/// [`MediaError::Repair`] for a file that is not a RIFF/WAVE file with a `fmt ` chunk followed by
/// a `data` chunk; [`MediaError::Io`] for the file's errors.
pub fn repair<F: Read + Write + Seek>(file: &mut F) -> Result<Repaired, MediaError> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 12];
    read_exact_or(file, &mut head, 0)?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(MediaError::Repair { reason: "not a RIFF/WAVE file", offset: 0 });
    }
    let mut at = 12u64;
    let mut block_align: Option<u64> = None;
    loop {
        let mut ch = [0u8; 8];
        read_exact_or(file, &mut ch, at)?;
        let size = u64::from(u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]));
        if &ch[0..4] == b"fmt " {
            if size < 16 {
                return Err(MediaError::Repair { reason: "fmt chunk shorter than 16", offset: at });
            }
            let mut fmt = [0u8; 16];
            read_exact_or(file, &mut fmt, at + 8)?;
            let align = u64::from(u16::from_le_bytes([fmt[12], fmt[13]]));
            if align == 0 {
                return Err(MediaError::Repair { reason: "block alignment 0", offset: at + 20 });
            }
            block_align = Some(align);
        } else if &ch[0..4] == b"data" {
            let Some(align) = block_align else {
                return Err(MediaError::Repair { reason: "data before fmt", offset: at });
            };
            let start = at + 8;
            let available = len.saturating_sub(start);
            // A declared size is kept only when a chunk (a finished file's cue list) follows it;
            // a crash-cut file's data runs to its end, past the last size written.
            let declared = if size == 0 || size >= available {
                available
            } else {
                let mut next = [0u8; 4];
                file.seek(SeekFrom::Start(start + size + (size % 2)))?;
                let chunk_follows = file.read_exact(&mut next).is_ok()
                    && next.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ');
                if chunk_follows { size } else { available }
            };
            let data = declared / align * align;
            let data = data.min(u64::from(u32::MAX) / align * align);
            let dropped = declared - data;
            let trailer = len.saturating_sub(start + declared);
            let riff = u32::try_from(start - 8 + data + trailer + (data % 2)).unwrap_or(u32::MAX);
            let data32 = u32::try_from(data).unwrap_or(u32::MAX);
            let changed =
                size != data || u32::from_le_bytes([head[4], head[5], head[6], head[7]]) != riff;
            if changed {
                file.seek(SeekFrom::Start(4))?;
                file.write_all(&riff.to_le_bytes())?;
                file.seek(SeekFrom::Start(at + 4))?;
                file.write_all(&data32.to_le_bytes())?;
                file.flush()?;
            }
            return Ok(Repaired { changed, data_bytes: data, dropped_bytes: dropped });
        }
        at = at.saturating_add(8 + size + (size % 2));
        if at >= len {
            return Err(MediaError::Repair { reason: "no data chunk", offset: at.min(len) });
        }
    }
}

fn read_exact_or<F: Read>(file: &mut F, buf: &mut [u8], offset: u64) -> Result<(), MediaError> {
    file.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            MediaError::Repair { reason: "file ends inside a header", offset }
        } else {
            MediaError::Io(e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn chunk(samples: &[i16], paused: bool) -> RecordingChunk<'_> {
        RecordingChunk { recorder: 0, layout: Layout::Stereo, samples, first_frame: 0, paused }
    }

    #[test]
    fn stereo_file_reads_back_with_cues() {
        let mut rec = WavRecording::stereo(Cursor::new(Vec::new())).unwrap();
        let mut paused = false;
        let a: Vec<i16> = (0..320).map(|i| if i % 2 == 0 { 100 } else { -100 }).collect();
        rec.write(&chunk(&a, false), &mut paused).unwrap();
        rec.write(&chunk(&[0; 320], true), &mut paused).unwrap();
        rec.write(&chunk(&a, false), &mut paused).unwrap();
        let (file, _) = rec.finish().unwrap();
        let bytes = file.into_inner();
        let wav = hotline_dsp::wav::read(&bytes[..]).unwrap();
        assert_eq!(wav.spec.channels, 2);
        assert_eq!(wav.frames(), 480);
        assert_eq!(wav.channel(0).unwrap()[0], 100);
        assert_eq!(wav.channel(1).unwrap()[0], -100);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("cue ") && text.contains("pause") && text.contains("resume"));
    }

    #[test]
    fn crash_cut_recording_is_repaired_losing_at_most_100_ms() {
        // 1.23 s of audio, written 20 ms at a time; the process "dies" before finish: the
        // bytes are whatever reached the writer, cut at an arbitrary byte.
        let mut rec = WavRecording::stereo(Cursor::new(Vec::new())).unwrap();
        let mut paused = false;
        let frame: Vec<i16> = (0..320).map(|i| (i * 7) as i16).collect();
        for _ in 0..(1230 / 20) {
            rec.write(&chunk(&frame, false), &mut paused).unwrap();
        }
        let WavRecording::Stereo(stream) = rec else { unreachable!() };
        let mut bytes = stream.out.into_inner();
        bytes.truncate(bytes.len() - 3); // a torn last write
        // Before repair the header still gives the size written at 1 s.
        assert_eq!(u32::from_le_bytes(bytes[40..44].try_into().unwrap()), 8000 * 4);
        let mut file = Cursor::new(bytes);
        let r = repair(&mut file).unwrap();
        assert!(r.changed);
        assert_eq!(r.dropped_bytes, 1);
        let wav = hotline_dsp::wav::read(&file.get_ref()[..]).unwrap();
        let kept_ms = wav.frames() as f64 / 8.0;
        assert!(kept_ms >= 1230.0 - 100.0, "kept {kept_ms} ms");
        assert_eq!(&wav.samples[..4], &frame[..4]);
        // Repairing again changes nothing.
        let again = repair(&mut file).unwrap();
        assert!(!again.changed);
        assert_eq!(again.data_bytes, r.data_bytes);
    }

    #[test]
    fn repair_refuses_what_is_not_wav() {
        let mut f = Cursor::new(b"RIFX\0\0\0\0WAVE".to_vec());
        assert!(matches!(repair(&mut f), Err(MediaError::Repair { offset: 0, .. })));
        let mut f = Cursor::new(b"RIFF".to_vec());
        assert!(matches!(repair(&mut f), Err(MediaError::Repair { .. })));
    }
}
