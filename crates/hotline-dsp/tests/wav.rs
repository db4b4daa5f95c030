//! WAV reading and writing: every supported format, and every kind of bad input named.

use hotline_dsp::g711::{self, Law};
use hotline_dsp::wav::{self, Encoding, WavError, WavReader, WavSpec};
use proptest::prelude::*;

/// A WAV file with the given `fmt ` body and data, plus optional extra chunks before `data`.
fn file(fmt: &[u8], extra: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(b"WAVE");
    body.extend_from_slice(b"fmt ");
    body.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    body.extend_from_slice(fmt);
    if fmt.len() % 2 == 1 {
        body.push(0);
    }
    body.extend_from_slice(extra);
    body.extend_from_slice(b"data");
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn fmt(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let align = (u32::from(channels) * u32::from(bits) / 8) as u16;
    let mut f = Vec::new();
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f
}

fn extensible(sub_tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let mut f = fmt(0xfffe, channels, rate, bits);
    f.extend_from_slice(&22u16.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes()); // valid bits
    f.extend_from_slice(&3u32.to_le_bytes()); // channel mask
    f.extend_from_slice(&sub_tag.to_le_bytes());
    f.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
    ]);
    f
}

#[test]
fn reads_float32_and_float64() {
    let values = [0.0f32, 0.5, -0.5, 1.0, -1.0, 2.0];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let wav = wav::read(&file(&fmt(3, 1, 16_000, 32), &[], &data)[..]).unwrap();
    assert_eq!(wav.spec.encoding, Encoding::Float32);
    assert_eq!(wav.samples, [0, 16384, -16384, 32767, -32768, 32767]);
    let data: Vec<u8> = [0.25f64, -0.25].iter().flat_map(|v| v.to_le_bytes()).collect();
    let wav = wav::read(&file(&fmt(3, 1, 8000, 64), &[], &data)[..]).unwrap();
    assert_eq!(wav.samples, [8192, -8192]);
}

#[test]
fn nan_and_infinity_are_errors_with_their_position() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let data: Vec<u8> = [0.1f32, 0.2, bad].iter().flat_map(|v| v.to_le_bytes()).collect();
        let err = wav::read(&file(&fmt(3, 1, 8000, 32), &[], &data)[..]).unwrap_err();
        match err {
            WavError::NonFinite { index, offset, .. } => {
                assert_eq!(index, 2);
                assert_eq!(offset, 44 + 8);
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn reads_extensible_pcm_float_and_g711() {
    let pcm: Vec<u8> = [1i16, -1, 300, -300].iter().flat_map(|v| v.to_le_bytes()).collect();
    let wav = wav::read(&file(&extensible(1, 2, 48_000, 16), &[], &pcm)[..]).unwrap();
    assert_eq!(wav.spec, WavSpec { sample_rate: 48_000, channels: 2, encoding: Encoding::Pcm16 });
    assert_eq!(wav.samples, [1, -1, 300, -300]);
    assert_eq!(wav.channel(1).unwrap(), [-1, -300]);
    assert_eq!(wav.mono(), [0, 0]);
    let float: Vec<u8> = [0.5f32].iter().flat_map(|v| v.to_le_bytes()).collect();
    let wav = wav::read(&file(&extensible(3, 1, 44_100, 32), &[], &float)[..]).unwrap();
    assert_eq!(wav.samples, [16384]);
    let wav = wav::read(&file(&extensible(7, 1, 8000, 8), &[], &[0xff, 0x80])[..]).unwrap();
    assert_eq!(wav.samples, [0, 32124]);
    let mut bad_guid = extensible(1, 1, 8000, 16);
    bad_guid[30] ^= 1;
    assert!(matches!(
        wav::read(&file(&bad_guid, &[], &[0, 0])[..]),
        Err(WavError::BadFormat { .. })
    ));
}

#[test]
fn reads_8_24_and_32_bit_pcm() {
    let wav = wav::read(&file(&fmt(1, 1, 8000, 8), &[], &[128, 255, 0])[..]).unwrap();
    assert_eq!(wav.samples, [0, 127 << 8, -32768]);
    let wav = wav::read(&file(&fmt(1, 1, 8000, 24), &[], &[0xff, 0x34, 0x12])[..]).unwrap();
    assert_eq!(wav.samples, [0x1234]);
    let wav = wav::read(&file(&fmt(1, 1, 8000, 32), &[], &[0, 0, 0x34, 0x12])[..]).unwrap();
    assert_eq!(wav.samples, [0x1234]);
}

#[test]
fn g711_files_read_as_codes_and_as_samples() {
    let codes = [0x00, 0x55, 0xd5, 0xff];
    let mut bytes = Vec::new();
    wav::write_codes(&mut bytes, Law::A, 8000, 1, &codes).unwrap();
    let wav = wav::read(&bytes[..]).unwrap();
    assert_eq!(wav.samples, g711::decode_to_vec(Law::A, &codes));
    let mut reader = WavReader::new(&bytes[..]).unwrap();
    assert_eq!(reader.read_all_codes().unwrap(), codes);
    let mut pcm = Vec::new();
    wav::write(&mut pcm, WavSpec::TELEPHONE, &[1, 2]).unwrap();
    let mut reader = WavReader::new(&pcm[..]).unwrap();
    assert!(matches!(reader.read_all_codes(), Err(WavError::WrongEncoding(_))));
}

#[test]
fn unknown_chunks_are_skipped_and_odd_chunks_padded() {
    let mut extra = b"LIST".to_vec();
    extra.extend_from_slice(&3u32.to_le_bytes());
    extra.extend_from_slice(b"abc\0");
    let data: Vec<u8> = [7i16, 8].iter().flat_map(|v| v.to_le_bytes()).collect();
    let wav = wav::read(&file(&fmt(1, 1, 8000, 16), &extra, &data)[..]).unwrap();
    assert_eq!(wav.samples, [7, 8]);
}

#[test]
fn lying_headers_are_named() {
    let data = [0u8; 8];
    // Not RIFF, not WAVE.
    assert!(matches!(wav::read(&b"RIFX\0\0\0\0WAVE"[..]), Err(WavError::NotWav { offset: 0, .. })));
    assert!(matches!(wav::read(&b"RIFF\0\0\0\0AVI "[..]), Err(WavError::NotWav { offset: 8, .. })));
    // Zero channels, zero rate, inconsistent block alignment, unsupported bits and tags.
    let mut zero_channels = fmt(1, 1, 8000, 16);
    zero_channels[2] = 0;
    assert!(matches!(
        wav::read(&file(&zero_channels, &[], &data)[..]),
        Err(WavError::BadFormat { .. })
    ));
    assert!(matches!(
        wav::read(&file(&fmt(1, 1, 0, 16), &[], &data)[..]),
        Err(WavError::BadFormat { .. })
    ));
    let mut bad_align = fmt(1, 2, 8000, 16);
    bad_align[12] = 3;
    let err = wav::read(&file(&bad_align, &[], &data)[..]).unwrap_err();
    assert!(err.to_string().contains("block align 3"), "{err}");
    assert!(matches!(
        wav::read(&file(&fmt(1, 1, 8000, 12), &[], &data)[..]),
        Err(WavError::BadFormat { .. })
    ));
    assert!(matches!(
        wav::read(&file(&fmt(0x55, 1, 8000, 16), &[], &data)[..]),
        Err(WavError::BadFormat { .. })
    ));
    assert!(matches!(
        wav::read(&file(&fmt(1, 1, 8000, 16)[..10], &[], &data)[..]),
        Err(WavError::BadFormat { .. })
    ));
    // A data chunk before the fmt chunk.
    let mut no_fmt = b"RIFF\0\0\0\0WAVEdata".to_vec();
    no_fmt.extend_from_slice(&4u32.to_le_bytes());
    no_fmt.extend_from_slice(&[0; 4]);
    assert!(matches!(wav::read(&no_fmt[..]), Err(WavError::MissingFormat { offset: 12 })));
    // A data chunk that claims more than the file holds.
    let mut long = file(&fmt(1, 1, 8000, 16), &[], &data);
    let at = long.len() - data.len() - 4;
    long[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
    assert!(matches!(wav::read(&long[..]), Err(WavError::Truncated { .. })));
    // An odd number of bytes of 16-bit samples.
    let err = wav::read(&file(&fmt(1, 1, 8000, 16), &[], &[1, 2, 3])[..]).unwrap_err();
    assert!(matches!(err, WavError::PartialFrame { bytes: 3, frame: 2, .. }), "{err}");
    // Stereo with a half frame.
    let err = wav::read(&file(&fmt(1, 2, 8000, 16), &[], &[1, 2, 3, 4, 5, 6])[..]).unwrap_err();
    assert!(matches!(err, WavError::PartialFrame { frame: 4, .. }), "{err}");
    // An unknown chunk longer than the file.
    let mut extra = b"junk".to_vec();
    extra.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        wav::read(&file(&fmt(1, 1, 8000, 16), &extra, &data)[..]),
        Err(WavError::Truncated { .. })
    ));
}

#[test]
fn zero_length_file_and_empty_data() {
    let err = wav::read(&[][..]).unwrap_err();
    assert!(matches!(err, WavError::Empty));
    assert!(err.to_string().contains("empty"));
    let wav = wav::read(&file(&fmt(1, 1, 8000, 16), &[], &[])[..]).unwrap();
    assert!(wav.samples.is_empty());
}

#[test]
fn writing_refuses_what_it_cannot_write() {
    let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::Float32 };
    assert!(matches!(wav::write(Vec::new(), spec, &[0]), Err(WavError::Unwritable(_))));
    let spec = WavSpec { sample_rate: 8000, channels: 0, encoding: Encoding::Pcm16 };
    assert!(matches!(wav::write(Vec::new(), spec, &[0]), Err(WavError::Unwritable(_))));
}

proptest! {
    #[test]
    fn every_writable_encoding_round_trips(samples in proptest::collection::vec(any::<i16>(), 0..500),
                                           stereo in any::<bool>(), law in 0..3u8) {
        let channels = if stereo { 2 } else { 1 };
        let samples = &samples[..samples.len() - samples.len() % channels as usize];
        let encoding = [Encoding::Pcm16, Encoding::ALaw, Encoding::ULaw][usize::from(law)];
        let spec = WavSpec { sample_rate: 8000, channels, encoding };
        let mut bytes = Vec::new();
        wav::write(&mut bytes, spec, samples).unwrap();
        let back = wav::read(&bytes[..]).unwrap();
        prop_assert_eq!(back.spec, spec);
        let expected: Vec<i16> = match encoding.law() {
            Some(law) => samples.iter().map(|&x| law.decode(law.encode(x))).collect(),
            None => samples.to_vec(),
        };
        prop_assert_eq!(back.samples, expected);
    }

    #[test]
    fn any_bytes_give_samples_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = wav::read(&bytes[..]);
        // And the same bytes behind a valid header prefix.
        let mut prefixed = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        prefixed.extend(&bytes);
        let _ = wav::read(&prefixed[..]);
    }
}

#[test]
fn a_header_claiming_30000_channels_allocates_little() {
    // One frame of 30,000 channels is 60,000 bytes; the file holds 4 bytes of data: truncated,
    // after a buffer of one frame, not of 4096 frames (240 MiB).
    let err = wav::read(&file(&fmt(1, 30_000, 8000, 16), &[], &[0; 4])[..]).unwrap_err();
    assert!(matches!(err, WavError::Truncated { .. } | WavError::PartialFrame { .. }), "{err}");
}
