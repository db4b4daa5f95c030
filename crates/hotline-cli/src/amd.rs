//! `hotline audio amd FILE`: who or what answered an outbound call, from its recording
//! (hotline-dsp's `outcome` module).
//!
//! The file is the answered call's audio (any common WAV; the chosen channel, resampled to
//! 8 kHz). The command reports the answering-machine verdict (Asterisk's `AMD()` parameters,
//! each a flag), any special information tone with its Telcordia code, and, with `--library DIR`
//! (a folder of WAV recordings named for the outcome they announce, e.g. `空号.wav`), the known
//! announcement the audio is.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use hotline_dsp::outcome::{
    AmdParams, AmdVerdict, AnnouncementLibrary, AnnouncementMatch, SitDetector, SitEvent,
    detect_machine,
};
use hotline_dsp::{resample, wav};
use serde::Serialize;

use crate::report::{self, Failure, Outcome, Status};

/// Arguments of `hotline audio amd`.
#[derive(Debug, Args)]
pub struct AudioAmdArgs {
    /// The answered call's audio (WAV, at most 512 MiB).
    pub file: PathBuf,
    /// The channel to analyse in a multi-channel file (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: u16,
    /// A folder of known announcements (WAV files of at most 512 MiB each; the name without
    /// `.wav` is reported).
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// Longest silence before the greeting (more: machine). Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "2500ms", value_parser = crate::units::parse_duration)]
    pub initial_silence: Duration,
    /// Longest greeting (more: machine). Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "1500ms", value_parser = crate::units::parse_duration)]
    pub greeting: Duration,
    /// Silence after the greeting that makes it a person. Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "800ms", value_parser = crate::units::parse_duration)]
    pub after_greeting_silence: Duration,
    /// Longest analysis (then: not sure). Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::units::parse_duration)]
    pub total_analysis_time: Duration,
    /// Shortest voiced run that is a word. Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = crate::units::parse_duration)]
    pub min_word_length: Duration,
    /// Silence that ends a word. Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "50ms", value_parser = crate::units::parse_duration)]
    pub between_words_silence: Duration,
    /// Words that make it a machine (once the voice goes on `--minimum-words-span` after the
    /// first word began).
    #[arg(long, default_value_t = 3)]
    pub maximum_number_of_words: u32,
    /// How long after the first word began the word count may first decide (not an Asterisk
    /// parameter: `0ms` decides at the word that reaches the count, as Asterisk does).
    #[arg(long, value_name = "DURATION", default_value = "1500ms", value_parser = crate::units::parse_duration)]
    pub minimum_words_span: Duration,
    /// Mean absolute sample value (0-32767) below which a 10 ms frame is silence.
    #[arg(long, default_value_t = 256)]
    pub silence_threshold: u32,
    /// Longest single word (more: machine). Asterisk's AMD() takes it in milliseconds: write the unit (`2500ms`).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::units::parse_duration)]
    pub maximum_word_length: Duration,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Whole milliseconds, as AMD's parameters are kept (saturating: a parameter that long is refused
/// by [`AmdParams::problems`]).
fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

impl AudioAmdArgs {
    fn params(&self) -> AmdParams {
        let mut p = AmdParams::default();
        p.initial_silence = ms(self.initial_silence);
        p.greeting = ms(self.greeting);
        p.after_greeting_silence = ms(self.after_greeting_silence);
        p.total_analysis_time = ms(self.total_analysis_time);
        p.min_word_length = ms(self.min_word_length);
        p.between_words_silence = ms(self.between_words_silence);
        p.maximum_number_of_words = self.maximum_number_of_words;
        p.minimum_words_span = ms(self.minimum_words_span);
        p.silence_threshold = self.silence_threshold;
        p.maximum_word_length = ms(self.maximum_word_length);
        p
    }
}

#[derive(Debug, Serialize)]
struct AmdJson {
    amd: AmdVerdict,
    sit: Vec<SitEvent>,
    announcement: Option<AnnouncementMatch>,
}

fn read_8k(path: &Path, channel: u16) -> Result<Vec<i16>, Failure> {
    crate::input::check_size(path, crate::input::MAX_WAV_BYTES, "WAV")?;
    let file = File::open(path).map_err(|e| Failure::unreadable(path, &e))?;
    // A file that is not a WAV we can read is rejected content (exit 1), as everywhere else.
    let wav = wav::read(BufReader::new(file)).map_err(|e| {
        Failure::rejected(format!("{}: not a WAV file we can read: {e}", path.display()))
    })?;
    resample::channel_to_8k(&wav, channel)
        .map_err(|e| Failure::rejected(format!("{}: {e}", path.display())))
}

/// The announcements of a library folder: every `.wav` in it, by file stem, sorted by name.
fn library(dir: &Path) -> Result<AnnouncementLibrary, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::unreadable(dir, &e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure::usage(format!("{}: no .wav recordings", dir.display())));
    }
    let mut lib = AnnouncementLibrary::new();
    for f in files {
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        lib.add(name, &read_8k(&f, 0)?);
    }
    Ok(lib)
}

/// Runs `hotline audio amd`.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for an unreadable file or folder, or parameters that make no sense.
pub fn run(args: &AudioAmdArgs) -> Outcome {
    let params = args.params();
    let problems = params.problems();
    if !problems.is_empty() {
        return Err(Failure::usage(problems.join("; ")));
    }
    let samples = read_8k(&args.file, args.channel)?;
    let amd = detect_machine(&samples, params);
    let mut sit = SitDetector::new();
    let mut sits = sit.process(&samples);
    sits.extend(sit.finish());
    let announcement = match &args.library {
        Some(dir) => library(dir)?.find(&samples),
        None => None,
    };
    if args.json {
        report::print_json(&AmdJson { amd, sit: sits, announcement })
            .map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    } else {
        println!("{}: {amd}", args.file.display());
        for s in &sits {
            println!(
                "special information tone at {} ms: {} ({:?}), segments {:?} ms at {:?} Hz",
                s.start_ms,
                s.code.name(),
                s.code,
                s.segments_ms,
                s.frequencies
            );
        }
        match (&args.library, &announcement) {
            (Some(_), Some(m)) => println!(
                "announcement: {} (bit error rate {:.3} over {} frames, next best {:.3})",
                m.name, m.bit_error_rate, m.frames, m.runner_up_bit_error_rate
            ),
            (Some(_), None) => println!("announcement: none of the library's recordings"),
            _ => {}
        }
    }
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_dsp::outcome::{AmdResult, SitCode, sit_samples};
    use hotline_dsp::wav::{Encoding, WavSpec};

    fn write(path: &Path, samples: &[i16]) {
        let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: Encoding::Pcm16 };
        let mut f = std::io::BufWriter::new(File::create(path).unwrap());
        wav::write(&mut f, spec, samples).unwrap();
    }

    fn args(file: PathBuf) -> AudioAmdArgs {
        AudioAmdArgs {
            file,
            channel: 0,
            library: None,
            initial_silence: Duration::from_millis(2500),
            greeting: Duration::from_millis(1500),
            after_greeting_silence: Duration::from_millis(800),
            total_analysis_time: Duration::from_millis(5000),
            min_word_length: Duration::from_millis(100),
            between_words_silence: Duration::from_millis(50),
            maximum_number_of_words: 3,
            minimum_words_span: Duration::from_millis(1500),
            silence_threshold: 256,
            maximum_word_length: Duration::from_millis(5000),
            json: false,
        }
    }

    #[test]
    fn the_commands_defaults_are_the_detectors() {
        // The flags' defaults (clap's, copied in `args`) and AmdParams::default() agree, the
        // word-count span included.
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            amd: AudioAmdArgs,
        }
        let cli = Cli::try_parse_from(["amd", "x.wav"]).unwrap();
        assert_eq!(cli.amd.params(), AmdParams::default());
        assert_eq!(args(PathBuf::from("x.wav")).params(), AmdParams::default());
        let cli = Cli::try_parse_from(["amd", "x.wav", "--minimum-words-span", "0ms"]).unwrap();
        assert_eq!(cli.amd.params().minimum_words_span, 0);
    }

    #[test]
    fn a_sit_then_silence_and_a_library_match() {
        let dir = tempfile::tempdir().unwrap();
        let mut audio = vec![0i16; 1600];
        audio.extend(sit_samples(SitCode::VacantCode, -15.0));
        audio.extend(vec![0i16; 8000]);
        let f = dir.path().join("call.wav");
        write(&f, &audio);
        let a = args(f.clone());
        assert_eq!(run(&a).unwrap(), Status::Success);
        let samples = read_8k(&f, 0).unwrap();
        let v = detect_machine(&samples, a.params());
        // A tone of a second is one long "word": a greeting over 1.5 s it is not, and then
        // silence: AMD alone would call it a person, which is why the SIT is reported too.
        assert_eq!(v.result, AmdResult::Human);
        let mut d = SitDetector::new();
        assert_eq!(d.process(&samples)[0].code, SitCode::VacantCode);
        // The library folder: the same audio under a name is found.
        let lib = dir.path().join("lib");
        std::fs::create_dir(&lib).unwrap();
        write(&lib.join("vacant.wav"), &audio);
        assert_eq!(library(&lib).unwrap().len(), 1);
        let mut a = args(f);
        a.library = Some(lib);
        a.json = true;
        assert_eq!(run(&a).unwrap(), Status::Success);
        // Nonsense parameters and a missing file are usage errors.
        let mut bad = args(dir.path().join("missing.wav"));
        assert_eq!(run(&bad).unwrap_err().status, Status::Usage);
        bad.maximum_number_of_words = 0;
        assert!(run(&bad).unwrap_err().message.contains("maximum_number_of_words"));
    }
}
