//! WAV files: a reader over any [`io::Read`] and a writer over any [`io::Write`].
//!
//! Reading accepts linear PCM of 8, 16, 24 and 32 bits, A-law (format tag 6), μ-law (format tag 7),
//! 32- and 64-bit IEEE float (format tag 3) and `WAVE_FORMAT_EXTENSIBLE` (0xfffe) wrapping any of
//! them. Every format reads as 16-bit linear samples, interleaved by channel; G.711 files can also
//! be read code by code ([`WavReader::read_codes`]). Float samples are scaled by 32,768 and
//! clipped; NaN and infinity are errors.
//!
//! Writing produces 16-bit PCM (format tag 1, 16-byte `fmt `), or A-law and μ-law (format tags 6
//! and 7 with an 18-byte `fmt ` and a `fact` chunk holding the sample count).
//!
//! A header that lies (a chunk longer than the file, a block alignment that does not match the
//! channels and sample size, a data chunk that does not hold whole frames) is an error naming the
//! byte offset; nothing is allocated beyond what the input actually holds.
//!
//! ```
//! use hotline_dsp::wav::{self, Encoding, WavSpec};
//! let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::ALaw };
//! let mut file = Vec::new();
//! wav::write(&mut file, spec, &[0, 1000, -1000]).unwrap();
//! let audio = wav::read(&file[..]).unwrap();
//! assert_eq!(audio.spec, spec);
//! assert_eq!(audio.samples, [8, 1008, -1008]);
//! ```

use std::io::{self, Read, Write};

use crate::g711::{self, Law};

/// How the samples of a WAV file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Encoding {
    /// Linear PCM, 8-bit unsigned.
    Pcm8,
    /// Linear PCM, 16-bit signed little-endian.
    Pcm16,
    /// Linear PCM, 24-bit signed little-endian.
    Pcm24,
    /// Linear PCM, 32-bit signed little-endian.
    Pcm32,
    /// G.711 A-law, one byte a sample (format tag 6).
    #[cfg_attr(feature = "serde", serde(rename = "alaw"))]
    ALaw,
    /// G.711 μ-law, one byte a sample (format tag 7).
    #[cfg_attr(feature = "serde", serde(rename = "ulaw"))]
    ULaw,
    /// IEEE float, 32-bit, nominal range ±1.0 (format tag 3).
    Float32,
    /// IEEE float, 64-bit, nominal range ±1.0 (format tag 3).
    Float64,
}

impl Encoding {
    /// Bytes per sample of one channel.
    pub fn bytes_per_sample(self) -> u16 {
        match self {
            Encoding::Pcm8 | Encoding::ALaw | Encoding::ULaw => 1,
            Encoding::Pcm16 => 2,
            Encoding::Pcm24 => 3,
            Encoding::Pcm32 | Encoding::Float32 => 4,
            Encoding::Float64 => 8,
        }
    }

    /// The G.711 law of an A-law or μ-law encoding.
    pub fn law(self) -> Option<Law> {
        match self {
            Encoding::ALaw => Some(Law::A),
            Encoding::ULaw => Some(Law::U),
            _ => None,
        }
    }

    /// Whether [`write()`] can produce this encoding (16-bit PCM, A-law, μ-law).
    pub fn is_writable(self) -> bool {
        matches!(self, Encoding::Pcm16 | Encoding::ALaw | Encoding::ULaw)
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoding::Pcm8 => "8-bit PCM",
            Encoding::Pcm16 => "16-bit PCM",
            Encoding::Pcm24 => "24-bit PCM",
            Encoding::Pcm32 => "32-bit PCM",
            Encoding::ALaw => "A-law",
            Encoding::ULaw => "μ-law",
            Encoding::Float32 => "32-bit float",
            Encoding::Float64 => "64-bit float",
        })
    }
}

/// The format of a WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WavSpec {
    /// Samples per second of each channel.
    pub sample_rate: u32,
    /// Number of interleaved channels.
    pub channels: u16,
    /// How each sample is stored.
    pub encoding: Encoding,
}

impl WavSpec {
    /// 8 kHz mono 16-bit PCM, the working format of this crate.
    pub const TELEPHONE: WavSpec =
        WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::Pcm16 };
}

/// Why a WAV file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The input is empty.
    #[error("the file is empty (0 bytes)")]
    Empty,
    /// The input ends inside a header or chunk.
    #[error("the file ends at byte {offset} inside {what}")]
    Truncated {
        /// Byte offset where the input ended.
        offset: u64,
        /// What was being read.
        what: &'static str,
    },
    /// The input is not a RIFF/WAVE file.
    #[error("not a WAV file: {reason} at byte {offset}")]
    NotWav {
        /// Byte offset of the offending bytes.
        offset: u64,
        /// What was expected.
        reason: &'static str,
    },
    /// The `fmt ` chunk describes something inconsistent or unsupported.
    #[error("bad fmt chunk at byte {offset}: {reason}")]
    BadFormat {
        /// Byte offset of the `fmt ` chunk.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file has no `fmt ` chunk before its `data` chunk.
    #[error("the data chunk at byte {offset} comes before any fmt chunk")]
    MissingFormat {
        /// Byte offset of the `data` chunk.
        offset: u64,
    },
    /// The data chunk does not hold a whole number of frames.
    #[error(
        "the data chunk at byte {offset} holds {bytes} bytes, not a multiple of the {frame}-byte frame"
    )]
    PartialFrame {
        /// Byte offset of the `data` chunk.
        offset: u64,
        /// Bytes of sample data present.
        bytes: u64,
        /// Bytes per frame (all channels of one sample).
        frame: u16,
    },
    /// A float sample is NaN or infinite.
    #[error("sample {index} (byte {offset}) is {value}, not a finite number")]
    NonFinite {
        /// Index of the sample (counting every channel).
        index: u64,
        /// Byte offset of the sample in the file.
        offset: u64,
        /// The value found.
        value: f64,
    },
    /// The operation needs a different encoding than the file has.
    #[error("{0}")]
    WrongEncoding(String),
    /// The spec cannot be written (unsupported encoding, zero channels or rate).
    #[error("cannot write {0}")]
    Unwritable(String),
}

/// A whole WAV file read into memory: its format and its samples as 16-bit linear, interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav {
    /// The file's format.
    pub spec: WavSpec,
    /// Samples as 16-bit linear PCM, interleaved by channel.
    pub samples: Vec<i16>,
}

impl Wav {
    /// The number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.spec.channels.max(1))
    }

    /// The samples of one channel (0-based); `None` when the file has fewer channels.
    pub fn channel(&self, channel: u16) -> Option<Vec<i16>> {
        if channel >= self.spec.channels {
            return None;
        }
        let n = usize::from(self.spec.channels);
        Some(self.samples.iter().skip(usize::from(channel)).step_by(n).copied().collect())
    }

    /// All channels mixed down to one (the mean of the channels, rounded).
    pub fn mono(&self) -> Vec<i16> {
        let n = usize::from(self.spec.channels.max(1));
        if n == 1 {
            return self.samples.clone();
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        self.samples
            .chunks_exact(n)
            .map(|frame| {
                let sum: i64 = frame.iter().map(|&x| i64::from(x)).sum();
                (sum as f64 / n as f64).round() as i16
            })
            .collect()
    }

    /// The duration in seconds.
    pub fn seconds(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let frames = self.frames() as f64;
        frames / f64::from(self.spec.sample_rate.max(1))
    }
}

/// Reads a whole WAV file.
///
/// # Errors
///
/// [`WavError`] saying what is wrong and where.
pub fn read(reader: impl Read) -> Result<Wav, WavError> {
    let mut wav = WavReader::new(reader)?;
    let samples = wav.read_all()?;
    Ok(Wav { spec: wav.spec(), samples })
}

/// A streaming WAV reader: the header is parsed by [`WavReader::new`], samples are read on demand.
#[derive(Debug)]
pub struct WavReader<R> {
    input: R,
    spec: WavSpec,
    /// Bytes of sample data left in the data chunk (`None`: to the end of the input).
    remaining: Option<u64>,
    /// Byte offset of the next unread data byte.
    offset: u64,
    data_offset: u64,
    samples_read: u64,
    /// The `fact` chunk's sample count, when present.
    fact_samples: Option<u32>,
    scratch: Vec<u8>,
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_ALAW: u16 = 6;
const WAVE_FORMAT_MULAW: u16 = 7;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xfffe;
/// The tail shared by the `KSDATAFORMAT_SUBTYPE_*` GUIDs; the first two bytes are the format tag.
const GUID_TAIL: [u8; 14] =
    [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/// Reads exactly `buf.len()` bytes, or reports truncation at the offset reached.
fn read_exact_at(
    input: &mut impl Read,
    buf: &mut [u8],
    offset: &mut u64,
    what: &'static str,
) -> Result<(), WavError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => {
                if *offset == 0 && filled == 0 {
                    return Err(WavError::Empty);
                }
                return Err(WavError::Truncated { offset: *offset + filled as u64, what });
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    *offset += buf.len() as u64;
    Ok(())
}

/// Reads into `buf` until it is full or the input ends; returns the bytes read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> Result<usize, WavError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Parses a `fmt ` chunk body.
fn parse_format(body: &[u8], offset: u64) -> Result<WavSpec, WavError> {
    let bad = |reason: String| WavError::BadFormat { offset, reason };
    if body.len() < 16 {
        return Err(bad(format!("{} bytes long, at least 16 needed", body.len())));
    }
    let mut tag = u16_at(body, 0);
    let channels = u16_at(body, 2);
    let sample_rate = u32_at(body, 4);
    let block_align = u16_at(body, 12);
    let bits = u16_at(body, 14);
    let mut container_bits = bits;
    if tag == WAVE_FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(bad(format!(
                "WAVE_FORMAT_EXTENSIBLE needs 40 bytes, the chunk has {}",
                body.len()
            )));
        }
        let valid_bits = u16_at(body, 18);
        if valid_bits > bits {
            return Err(bad(format!("{valid_bits} valid bits in a {bits}-bit container")));
        }
        if body[26..40] != GUID_TAIL {
            return Err(bad("unknown sub-format GUID".to_owned()));
        }
        tag = u16_at(body, 24);
        container_bits = bits;
    }
    if channels == 0 {
        return Err(bad("0 channels".to_owned()));
    }
    if sample_rate == 0 {
        return Err(bad("sample rate 0".to_owned()));
    }
    let encoding = match (tag, container_bits) {
        (WAVE_FORMAT_PCM, 8) => Encoding::Pcm8,
        (WAVE_FORMAT_PCM, 16) => Encoding::Pcm16,
        (WAVE_FORMAT_PCM, 24) => Encoding::Pcm24,
        (WAVE_FORMAT_PCM, 32) => Encoding::Pcm32,
        (WAVE_FORMAT_IEEE_FLOAT, 32) => Encoding::Float32,
        (WAVE_FORMAT_IEEE_FLOAT, 64) => Encoding::Float64,
        (WAVE_FORMAT_ALAW, 8) => Encoding::ALaw,
        (WAVE_FORMAT_MULAW, 8) => Encoding::ULaw,
        (WAVE_FORMAT_PCM | WAVE_FORMAT_IEEE_FLOAT | WAVE_FORMAT_ALAW | WAVE_FORMAT_MULAW, _) => {
            return Err(bad(format!("{container_bits} bits per sample with format tag {tag}")));
        }
        _ => return Err(bad(format!("unsupported format tag {tag:#06x}"))),
    };
    let expected = u32::from(channels) * u32::from(encoding.bytes_per_sample());
    if u32::from(block_align) != expected {
        return Err(bad(format!(
            "block align {block_align} does not match {channels} channel(s) of {}",
            encoding
        )));
    }
    Ok(WavSpec { sample_rate, channels, encoding })
}

impl<R: Read> WavReader<R> {
    /// Parses the RIFF header and the chunks up to the start of the sample data.
    ///
    /// # Errors
    ///
    /// [`WavError`] saying what is wrong and at which byte.
    pub fn new(mut input: R) -> Result<Self, WavError> {
        let mut offset = 0u64;
        let mut header = [0u8; 12];
        read_exact_at(&mut input, &mut header, &mut offset, "the RIFF header")?;
        if &header[0..4] != b"RIFF" {
            let reason = if &header[0..4] == b"RIFX" {
                "big-endian RIFX is not supported"
            } else if &header[0..4] == b"RF64" {
                "RF64 is not supported"
            } else {
                "no RIFF signature"
            };
            return Err(WavError::NotWav { offset: 0, reason });
        }
        if &header[8..12] != b"WAVE" {
            return Err(WavError::NotWav { offset: 8, reason: "the RIFF form is not WAVE" });
        }
        let mut spec = None;
        let mut fact_samples = None;
        loop {
            let chunk_offset = offset;
            let mut chunk = [0u8; 8];
            read_exact_at(&mut input, &mut chunk, &mut offset, "a chunk header")?;
            let size = u32_at(&chunk, 4);
            match &chunk[0..4] {
                b"fmt " => {
                    if size > 1024 {
                        return Err(WavError::BadFormat {
                            offset: chunk_offset,
                            reason: format!("fmt chunk of {size} bytes (at most 1024 accepted)"),
                        });
                    }
                    let mut body = vec![0u8; size as usize + (size as usize & 1)];
                    read_exact_at(&mut input, &mut body, &mut offset, "the fmt chunk")?;
                    spec = Some(parse_format(&body[..size as usize], chunk_offset)?);
                }
                b"fact" if size >= 4 => {
                    let mut body = [0u8; 4];
                    read_exact_at(&mut input, &mut body, &mut offset, "the fact chunk")?;
                    fact_samples = Some(u32_at(&body, 0));
                    skip(&mut input, u64::from(size - 4) + u64::from(size & 1), &mut offset)?;
                }
                b"data" => {
                    let Some(spec) = spec else {
                        return Err(WavError::MissingFormat { offset: chunk_offset });
                    };
                    // 0xffffffff (and 0, when written by a streaming recorder that never came
                    // back to fix the header) mean "to the end of the file".
                    let remaining = if size == u32::MAX { None } else { Some(u64::from(size)) };
                    return Ok(WavReader {
                        input,
                        spec,
                        remaining,
                        offset,
                        data_offset: chunk_offset,
                        samples_read: 0,
                        fact_samples,
                        scratch: Vec::new(),
                    });
                }
                _ => skip(&mut input, u64::from(size) + u64::from(size & 1), &mut offset)?,
            }
        }
    }

    /// The file's format.
    pub fn spec(&self) -> WavSpec {
        self.spec
    }

    /// The sample count of the `fact` chunk, when the file has one.
    pub fn fact_samples(&self) -> Option<u32> {
        self.fact_samples
    }

    /// Reads up to `max_bytes` of raw sample data (whole frames) into the scratch buffer.
    fn fill(&mut self, max_bytes: usize) -> Result<usize, WavError> {
        let frame =
            usize::from(self.spec.channels) * usize::from(self.spec.encoding.bytes_per_sample());
        let want = match self.remaining {
            Some(left) => max_bytes.min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => max_bytes,
        };
        let want = want - want % frame;
        self.scratch.resize(want, 0);
        let got = read_up_to(&mut self.input, &mut self.scratch[..want])?;
        self.scratch.truncate(got);
        if let Some(left) = &mut self.remaining {
            *left -= got as u64;
            if got < want {
                return Err(WavError::Truncated {
                    offset: self.offset + got as u64,
                    what: "the data chunk",
                });
            }
        } else if got % frame != 0 {
            return Err(WavError::PartialFrame {
                offset: self.data_offset,
                bytes: self.offset + got as u64 - self.data_offset - 8,
                frame: u16::try_from(frame).unwrap_or(u16::MAX),
            });
        }
        self.offset += got as u64;
        Ok(got)
    }

    fn check_whole_frames(&self) -> Result<(), WavError> {
        let frame =
            u64::from(self.spec.channels) * u64::from(self.spec.encoding.bytes_per_sample());
        if let Some(left) = self.remaining
            && left > 0
            && left < frame
        {
            return Err(WavError::PartialFrame {
                offset: self.data_offset,
                bytes: self.offset - self.data_offset - 8 + left,
                frame: u16::try_from(frame).unwrap_or(u16::MAX),
            });
        }
        Ok(())
    }

    /// Reads samples as 16-bit linear PCM (interleaved) into `out`; returns how many were read,
    /// 0 at the end of the data. `out` should hold a whole number of frames.
    ///
    /// # Errors
    ///
    /// [`WavError`] for truncated data, a partial last frame or a non-finite float.
    pub fn read_samples(&mut self, out: &mut [i16]) -> Result<usize, WavError> {
        let channels = usize::from(self.spec.channels);
        let frames = out.len() / channels;
        if frames == 0 {
            return Ok(0);
        }
        self.check_whole_frames()?;
        let bytes = usize::from(self.spec.encoding.bytes_per_sample());
        let start_offset = self.offset;
        let got = self.fill(frames * channels * bytes)?;
        self.check_whole_frames()?;
        let n = got / bytes;
        let data = &self.scratch[..got];
        match self.spec.encoding {
            Encoding::Pcm8 => {
                for (o, &b) in out.iter_mut().zip(data) {
                    *o = (i16::from(b) - 128) << 8;
                }
            }
            Encoding::Pcm16 => {
                for (o, b) in out.iter_mut().zip(data.chunks_exact(2)) {
                    *o = i16::from_le_bytes([b[0], b[1]]);
                }
            }
            Encoding::Pcm24 => {
                for (o, b) in out.iter_mut().zip(data.chunks_exact(3)) {
                    *o = i16::from_le_bytes([b[1], b[2]]);
                }
            }
            Encoding::Pcm32 => {
                for (o, b) in out.iter_mut().zip(data.chunks_exact(4)) {
                    *o = i16::from_le_bytes([b[2], b[3]]);
                }
            }
            Encoding::ALaw => {
                if let Some(out) = out.get_mut(..data.len()) {
                    // Equal lengths by construction: cannot fail.
                    let _ = g711::decode(Law::A, data, out);
                }
            }
            Encoding::ULaw => {
                if let Some(out) = out.get_mut(..data.len()) {
                    // Equal lengths by construction: cannot fail.
                    let _ = g711::decode(Law::U, data, out);
                }
            }
            Encoding::Float32 | Encoding::Float64 => {
                for (i, (o, b)) in out.iter_mut().zip(data.chunks_exact(bytes)).enumerate() {
                    let value = if bytes == 4 {
                        f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    } else {
                        f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                    };
                    if !value.is_finite() {
                        return Err(WavError::NonFinite {
                            index: self.samples_read + i as u64,
                            offset: start_offset + (i * bytes) as u64,
                            value,
                        });
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    let sample = (value * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
                    *o = sample;
                }
            }
        }
        self.samples_read += n as u64;
        Ok(n)
    }

    /// Reads raw G.711 codes (A-law or μ-law files only) into `out`; returns how many were read.
    ///
    /// # Errors
    ///
    /// [`WavError::WrongEncoding`] for other encodings; truncation as for
    /// [`WavReader::read_samples`].
    pub fn read_codes(&mut self, out: &mut [u8]) -> Result<usize, WavError> {
        if self.spec.encoding.law().is_none() {
            return Err(WavError::WrongEncoding(format!(
                "the file holds {}, not G.711 codes",
                self.spec.encoding
            )));
        }
        let channels = usize::from(self.spec.channels);
        let want = out.len() - out.len() % channels;
        if want == 0 {
            return Ok(0);
        }
        self.check_whole_frames()?;
        let got = self.fill(want)?;
        self.check_whole_frames()?;
        out[..got].copy_from_slice(&self.scratch[..got]);
        self.samples_read += got as u64;
        Ok(got)
    }

    /// A read size of whole frames: about 16,384 samples, at least one frame, so that a header
    /// claiming thousands of channels cannot make the reader allocate much before data arrives.
    fn chunk_samples(&self) -> usize {
        let channels = usize::from(self.spec.channels);
        (16_384 / channels).max(1) * channels
    }

    /// Reads every remaining sample as 16-bit linear PCM.
    ///
    /// # Errors
    ///
    /// As [`WavReader::read_samples`].
    pub fn read_all(&mut self) -> Result<Vec<i16>, WavError> {
        let mut all = Vec::new();
        let mut buf = vec![0i16; self.chunk_samples()];
        loop {
            let n = self.read_samples(&mut buf)?;
            if n == 0 {
                return Ok(all);
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    /// Reads every remaining G.711 code.
    ///
    /// # Errors
    ///
    /// As [`WavReader::read_codes`].
    pub fn read_all_codes(&mut self) -> Result<Vec<u8>, WavError> {
        let mut all = Vec::new();
        let mut buf = vec![0u8; self.chunk_samples()];
        loop {
            let n = self.read_codes(&mut buf)?;
            if n == 0 {
                return Ok(all);
            }
            all.extend_from_slice(&buf[..n]);
        }
    }
}

fn skip(input: &mut impl Read, mut bytes: u64, offset: &mut u64) -> Result<(), WavError> {
    let mut buf = [0u8; 4096];
    while bytes > 0 {
        let want = usize::try_from(bytes.min(buf.len() as u64)).unwrap_or(buf.len());
        let got = read_up_to(input, &mut buf[..want])?;
        *offset += got as u64;
        if got < want {
            return Err(WavError::Truncated { offset: *offset, what: "a chunk" });
        }
        bytes -= got as u64;
    }
    Ok(())
}

fn check_writable(spec: WavSpec) -> Result<(), WavError> {
    if !spec.encoding.is_writable() {
        return Err(WavError::Unwritable(format!(
            "{}: only 16-bit PCM, A-law and μ-law are written",
            spec.encoding
        )));
    }
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(WavError::Unwritable(
            "a file with 0 channels or a sample rate of 0".to_owned(),
        ));
    }
    Ok(())
}

fn write_header(out: &mut impl Write, spec: WavSpec, samples: usize) -> Result<(), WavError> {
    check_writable(spec)?;
    let bytes_per_sample = u32::from(spec.encoding.bytes_per_sample());
    let data_len = u32::try_from(samples)
        .ok()
        .and_then(|n| n.checked_mul(bytes_per_sample))
        .filter(|&n| n < u32::MAX - 64)
        .ok_or_else(|| {
            WavError::Unwritable(format!("{samples} samples: too many for a WAV file"))
        })?;
    let pad = data_len & 1;
    let (tag, fmt_len, fact) = match spec.encoding {
        Encoding::ALaw => (WAVE_FORMAT_ALAW, 18u32, true),
        Encoding::ULaw => (WAVE_FORMAT_MULAW, 18, true),
        _ => (WAVE_FORMAT_PCM, 16, false),
    };
    let riff_len = 4 + (8 + fmt_len) + if fact { 12 } else { 0 } + 8 + data_len + pad;
    let block_align = spec.channels * spec.encoding.bytes_per_sample();
    let mut h = Vec::with_capacity(64);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&riff_len.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&fmt_len.to_le_bytes());
    h.extend_from_slice(&tag.to_le_bytes());
    h.extend_from_slice(&spec.channels.to_le_bytes());
    h.extend_from_slice(&spec.sample_rate.to_le_bytes());
    h.extend_from_slice(&(spec.sample_rate.saturating_mul(u32::from(block_align))).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&(spec.encoding.bytes_per_sample() * 8).to_le_bytes());
    if fmt_len == 18 {
        h.extend_from_slice(&0u16.to_le_bytes());
    }
    if fact {
        h.extend_from_slice(b"fact");
        h.extend_from_slice(&4u32.to_le_bytes());
        let frames = u32::try_from(samples / usize::from(spec.channels)).unwrap_or(u32::MAX);
        h.extend_from_slice(&frames.to_le_bytes());
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    out.write_all(&h)?;
    Ok(())
}

/// Writes a WAV file of 16-bit linear samples (interleaved), encoded as `spec.encoding`
/// (16-bit PCM, A-law or μ-law).
///
/// # Errors
///
/// [`WavError::Unwritable`] for another encoding, zero channels or rate, or more than 4 GiB of
/// data; [`WavError::Io`] when writing fails.
pub fn write(mut out: impl Write, spec: WavSpec, samples: &[i16]) -> Result<(), WavError> {
    write_header(&mut out, spec, samples.len())?;
    let mut buf = Vec::with_capacity(8192);
    for chunk in samples.chunks(4096) {
        buf.clear();
        match spec.encoding.law() {
            Some(law) => buf.extend(chunk.iter().map(|&x| law.encode(x))),
            None => {
                for &x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        out.write_all(&buf)?;
    }
    if spec.encoding.law().is_some() && samples.len() % 2 == 1 {
        out.write_all(&[0])?;
    }
    Ok(())
}

/// Writes a WAV file of G.711 codes as they are (one byte a sample, interleaved), with format tag
/// 6 or 7, an 18-byte `fmt ` chunk and a `fact` chunk.
///
/// # Errors
///
/// As [`write()`].
pub fn write_codes(
    mut out: impl Write,
    law: Law,
    sample_rate: u32,
    channels: u16,
    codes: &[u8],
) -> Result<(), WavError> {
    let encoding = match law {
        Law::A => Encoding::ALaw,
        Law::U => Encoding::ULaw,
    };
    write_header(&mut out, WavSpec { sample_rate, channels, encoding }, codes.len())?;
    out.write_all(codes)?;
    if codes.len() % 2 == 1 {
        out.write_all(&[0])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm16_round_trip() {
        let samples: Vec<i16> = (0..1001).map(|i| (i * 37 - 10_000) as i16).collect();
        let mut file = Vec::new();
        write(&mut file, WavSpec::TELEPHONE, &samples).unwrap();
        assert_eq!(file.len(), 44 + 2002);
        let wav = read(&file[..]).unwrap();
        assert_eq!(wav.spec, WavSpec::TELEPHONE);
        assert_eq!(wav.samples, samples);
    }

    #[test]
    fn g711_layout() {
        let mut file = Vec::new();
        write_codes(&mut file, Law::U, 8000, 1, &[1, 2, 3]).unwrap();
        assert_eq!(u32_at(&file, 16), 18, "fmt chunk length");
        assert_eq!(u16_at(&file, 20), 7, "format tag");
        assert_eq!(&file[38..42], b"fact");
        assert_eq!(u32_at(&file, 46), 3);
        assert_eq!(&file[50..54], b"data");
        assert_eq!(u32_at(&file, 54), 3);
        assert_eq!(file.len(), 58 + 4, "odd data is padded");
        assert_eq!(u32_at(&file, 4) as usize, file.len() - 8);
        let mut reader = WavReader::new(&file[..]).unwrap();
        assert_eq!(reader.fact_samples(), Some(3));
        assert_eq!(reader.read_all_codes().unwrap(), [1, 2, 3]);
    }

    #[test]
    fn empty_and_truncated() {
        assert!(matches!(read(&[][..]), Err(WavError::Empty)));
        let mut file = Vec::new();
        write(&mut file, WavSpec::TELEPHONE, &[1, 2, 3, 4]).unwrap();
        for cut in 1..file.len() {
            let err = read(&file[..cut]).unwrap_err();
            assert!(
                matches!(err, WavError::Truncated { .. } | WavError::PartialFrame { .. }),
                "{cut}: {err}"
            );
        }
    }
}
