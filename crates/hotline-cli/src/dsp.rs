//! `hotline dtmf`, `hotline g711`, `hotline tone` and `hotline audio`: the media DSP tools of
//! `hotline-dsp`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
use hotline_dsp::g711::Law;
use hotline_dsp::resample;
use hotline_dsp::tone::{Plan, ToneDetector, ToneKind};
use hotline_dsp::wav::{self, Encoding, Wav, WavReader, WavSpec};
use serde::Serialize;

use crate::report::{self, Failure, Outcome, Status};
use crate::units::parse_duration;

/// The media DSP subjects.
#[derive(Debug, Subcommand)]
pub enum DspCommand {
    /// DTMF digits: detect them in a WAV file or generate them.
    #[command(subcommand)]
    Dtmf(DtmfCommand),
    /// G.711 A-law and μ-law: encode 8 kHz PCM, decode to PCM.
    #[command(subcommand)]
    G711(G711Command),
    /// Call-progress tones: generate a plan's tone or detect tones in a file.
    #[command(subcommand)]
    Tone(ToneCommand),
    /// Audio files: convert any common WAV to 8 kHz mono.
    #[command(subcommand)]
    Audio(AudioCommand),
}

/// `hotline dtmf ...`
#[derive(Debug, Subcommand)]
pub enum DtmfCommand {
    /// Detect DTMF digits in a WAV file (any rate, mono or stereo).
    #[command(after_help = WAV_SIZE)]
    Detect(DtmfDetectArgs),
    /// Generate DTMF digits into a WAV file (8 kHz mono).
    Generate(DtmfGenerateArgs),
}

/// Arguments of `hotline dtmf detect`.
#[derive(Debug, Args)]
pub struct DtmfDetectArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The channel to listen to in a multi-channel file (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: u16,
    /// The WAV file.
    pub file: PathBuf,
}

/// How a written WAV file stores its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputEncoding {
    /// 16-bit linear PCM.
    Pcm16,
    /// G.711 A-law.
    Alaw,
    /// G.711 μ-law.
    Ulaw,
}

impl From<OutputEncoding> for Encoding {
    fn from(e: OutputEncoding) -> Self {
        match e {
            OutputEncoding::Pcm16 => Encoding::Pcm16,
            OutputEncoding::Alaw => Encoding::ALaw,
            OutputEncoding::Ulaw => Encoding::ULaw,
        }
    }
}

/// Arguments of `hotline dtmf generate`.
#[derive(Debug, Args)]
pub struct DtmfGenerateArgs {
    /// The digits: 0-9, *, #, A-D.
    pub digits: String,
    /// The WAV file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Tone duration of each digit, a duration (`50ms`, `0.1s`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "50ms")]
    pub on: std::time::Duration,
    /// Silence after each digit, a duration (`50ms`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "50ms")]
    pub off: std::time::Duration,
    /// Tone duration in milliseconds (the same as --on Nms; kept for scripts).
    #[arg(long, hide = true, conflicts_with = "on")]
    pub on_ms: Option<f64>,
    /// Silence in milliseconds (the same as --off Nms; kept for scripts).
    #[arg(long, hide = true, conflicts_with = "off")]
    pub off_ms: Option<f64>,
    /// Level of each tone, dBm0 (0 dBm0 peaks at 22,770).
    #[arg(long, default_value_t = -10.0, allow_negative_numbers = true)]
    pub level: f64,
    /// Twist: the high-group tone's level minus the low-group tone's, dB.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub twist: f64,
    /// How the file stores samples.
    #[arg(long, value_enum, default_value_t = OutputEncoding::Pcm16)]
    pub encoding: OutputEncoding,
}

/// A G.711 law on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LawArg {
    /// A-law.
    A,
    /// μ-law.
    U,
}

impl From<LawArg> for Law {
    fn from(l: LawArg) -> Self {
        match l {
            LawArg::A => Law::A,
            LawArg::U => Law::U,
        }
    }
}

/// `hotline g711 ...`
#[derive(Debug, Subcommand)]
pub enum G711Command {
    /// Encode an 8 kHz mono 16-bit PCM WAV file to A-law or μ-law.
    #[command(after_help = WAV_SIZE)]
    Encode(G711Args),
    /// Decode an A-law or μ-law WAV file to 8 kHz mono 16-bit PCM.
    #[command(after_help = WAV_SIZE)]
    Decode(G711Args),
}

/// Arguments of `hotline g711 encode|decode`.
#[derive(Debug, Args)]
pub struct G711Args {
    /// The law: a (A-law) or u (μ-law).
    #[arg(long, value_enum)]
    pub law: LawArg,
    /// The input WAV file.
    pub input: PathBuf,
    /// The output WAV file.
    #[command(flatten)]
    pub output: OutputArg,
}

/// The file a media command writes: `-o FILE` (a second positional file is still taken, as
/// before).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct OutputArg {
    /// The WAV file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The WAV file to write, as a second positional file (kept for scripts; use -o).
    #[arg(value_name = "OUTPUT", hide = true)]
    positional: Option<PathBuf>,
}

impl OutputArg {
    /// The file to write.
    pub fn path(&self) -> &Path {
        self.output.as_deref().or(self.positional.as_deref()).unwrap_or(Path::new(""))
    }
}

/// `hotline tone ...`
#[derive(Debug, Subcommand)]
pub enum ToneCommand {
    /// Generate a call-progress tone of a regional plan.
    Generate(ToneGenerateArgs),
    /// Detect call-progress tones in a WAV file.
    #[command(after_help = WAV_SIZE)]
    Detect(ToneDetectArgs),
}

/// A tone plan on the command line (named as the bundled calendars are, too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanArg {
    /// China (also `china`).
    #[value(alias = "china")]
    Cn,
    /// North America (also `us`).
    #[value(alias = "us")]
    Na,
    /// ITU / Europe, 425 Hz (also `eu`, `eu-berlin`).
    #[value(alias = "eu", alias = "eu-berlin")]
    Itu,
}

/// A tone on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToneArg {
    /// Dial tone.
    Dial,
    /// Busy tone.
    Busy,
    /// Ringback tone.
    Ringback,
    /// Congestion (reorder) tone.
    Congestion,
    /// Special information tone.
    Sit,
    /// Fax calling tone.
    Cng,
}

/// Arguments of `hotline tone generate`.
#[derive(Debug, Args)]
pub struct ToneGenerateArgs {
    /// The regional plan.
    #[arg(long, value_enum)]
    pub plan: PlanArg,
    /// The tone.
    #[arg(long, value_enum)]
    pub tone: ToneArg,
    /// Length of the file, a duration (`5s`, `500ms`; at most 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub duration: std::time::Duration,
    /// Length in seconds (the same as --duration Ns; kept for scripts).
    #[arg(long, hide = true, conflicts_with = "duration")]
    pub seconds: Option<f64>,
    /// Level of each frequency, dBm0.
    #[arg(long, default_value_t = -13.0, allow_negative_numbers = true)]
    pub level: f64,
    /// The WAV file to write (8 kHz mono 16-bit PCM).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Arguments of `hotline tone detect`.
#[derive(Debug, Args)]
pub struct ToneDetectArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The WAV file (any rate; channels are mixed).
    pub file: PathBuf,
}

/// `hotline audio ...`
#[derive(Debug, Subcommand)]
pub enum AudioCommand {
    /// Convert a WAV file (any common format, mono or stereo, 8-48 kHz) to 8 kHz mono.
    #[command(after_help = WAV_SIZE)]
    Convert(AudioConvertArgs),
    /// Repair a recording cut off by a crash (header sizes not finalised), in place.
    #[command(after_help = "The file is repaired in place, any size (only its header is \
                            rewritten).")]
    Repair(crate::audio::AudioRepairArgs),
    /// Who answered a call: answering machine, special information tone, known announcement.
    Amd(crate::amd::AudioAmdArgs),
}

/// Arguments of `hotline audio convert`.
#[derive(Debug, Args)]
pub struct AudioConvertArgs {
    /// The input WAV file.
    pub input: PathBuf,
    /// The output WAV file.
    #[command(flatten)]
    pub output: OutputArg,
    /// How the output stores samples.
    #[arg(long, value_enum, default_value_t = OutputEncoding::Pcm16)]
    pub encoding: OutputEncoding,
}

/// Runs a media DSP command.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for an unreadable, non-WAV or wrongly formatted input or a bad argument.
pub fn run(command: DspCommand) -> Outcome {
    match command {
        DspCommand::Dtmf(DtmfCommand::Detect(args)) => dtmf_detect(&args),
        DspCommand::Dtmf(DtmfCommand::Generate(args)) => dtmf_generate(&args),
        DspCommand::G711(G711Command::Encode(args)) => g711_encode(&args),
        DspCommand::G711(G711Command::Decode(args)) => g711_decode(&args),
        DspCommand::Tone(ToneCommand::Generate(args)) => tone_generate(&args),
        DspCommand::Tone(ToneCommand::Detect(args)) => tone_detect(&args),
        DspCommand::Audio(AudioCommand::Convert(args)) => audio_convert(&args),
        DspCommand::Audio(AudioCommand::Repair(args)) => crate::audio::repair(&args),
        DspCommand::Audio(AudioCommand::Amd(args)) => crate::amd::run(&args),
    }
}

/// Opens a WAV file to read whole, refusing one over [`crate::input::MAX_WAV_BYTES`].
fn open(path: &Path) -> Result<BufReader<File>, Failure> {
    crate::input::check_size(path, crate::input::MAX_WAV_BYTES, "WAV")?;
    File::open(path).map(BufReader::new).map_err(|e| Failure::unreadable(path, &e))
}

/// What the help of every command reading a WAV file says about its size.
const WAV_SIZE: &str = "WAV files are at most 512 MiB (read whole). Exit status: 0 done, 1 a \
                        file that is not an acceptable WAV file (or over the limit), 2 a usage \
                        error or a file that cannot be read.";

/// A WAV error: I/O is an unreadable file (exit 2), anything else a file that is not an
/// acceptable WAV file (exit 1).
fn wav_failure(path: &Path, e: wav::WavError) -> Failure {
    match e {
        wav::WavError::Io(io) => Failure::unreadable(path, &io),
        other => Failure::rejected(format!("{}: {other}", path.display())),
    }
}

fn read_wav(path: &Path) -> Result<Wav, Failure> {
    wav::read(open(path)?).map_err(|e| wav_failure(path, e))
}

fn write_wav(path: &Path, spec: WavSpec, samples: &[i16]) -> Result<(), Failure> {
    let file = File::create(path)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    let mut out = BufWriter::new(file);
    wav::write(&mut out, spec, samples)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    out.flush().map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}

fn resample_failure(path: &Path, e: &resample::ResampleError) -> Failure {
    match e {
        resample::ResampleError::NoSuchChannel { .. } => {
            Failure::usage(format!("{}: {e}", path.display()))
        }
        _ => Failure::rejected(format!("{}: {e}", path.display())),
    }
}

#[derive(Debug, Serialize)]
struct DigitJson {
    digit: String,
    start_ms: f64,
    duration_ms: f64,
    level_dbm0: f64,
}

#[derive(Debug, Serialize)]
struct DtmfJson {
    digits: String,
    events: Vec<DigitJson>,
}

fn dtmf_detect(args: &DtmfDetectArgs) -> Outcome {
    let wav = read_wav(&args.file)?;
    let samples = resample::channel_to_8k(&wav, args.channel)
        .map_err(|e| resample_failure(&args.file, &e))?;
    let mut detector = DtmfDetector::new();
    let mut events = detector.process(&samples);
    events.extend(detector.finish());
    let digits: String = events.iter().map(|e| e.digit).collect();
    if args.json {
        let json = DtmfJson {
            digits,
            events: events
                .iter()
                .map(|e| DigitJson {
                    digit: e.digit.to_string(),
                    start_ms: e.start_ms(),
                    duration_ms: e.duration_ms(),
                    level_dbm0: e.level_dbm0,
                })
                .collect(),
        };
        report::print_json(&json).map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    } else {
        for e in &events {
            println!(
                "t={:.3}s digit={} duration={:.0}ms level={:.1}dBm0",
                e.start_ms() / 1000.0,
                e.digit,
                e.duration_ms(),
                e.level_dbm0
            );
        }
        println!("digits: {digits}");
    }
    Ok(Status::Success)
}

fn dtmf_generate(args: &DtmfGenerateArgs) -> Outcome {
    let on_ms = args.on_ms.unwrap_or(args.on.as_secs_f64() * 1000.0);
    let off_ms = args.off_ms.unwrap_or(args.off.as_secs_f64() * 1000.0);
    let samples = DtmfGenerator::new()
        .on_ms(on_ms)
        .off_ms(off_ms)
        .level_dbm0(args.level)
        .twist_db(args.twist)
        .generate(&args.digits)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: args.encoding.into() };
    write_wav(&args.output, spec, &samples)?;
    println!(
        "wrote {} ({} digits, {:.3} s, {})",
        args.output.display(),
        args.digits.chars().count(),
        samples.len() as f64 / 8000.0,
        spec.encoding
    );
    Ok(Status::Success)
}

fn g711_encode(args: &G711Args) -> Outcome {
    let law: Law = args.law.into();
    let mut reader = WavReader::new(open(&args.input)?).map_err(|e| wav_failure(&args.input, e))?;
    let spec = reader.spec();
    let mut wrong = Vec::new();
    if spec.sample_rate != 8000 {
        wrong.push(format!("its sample rate is {} Hz, not 8000 Hz", spec.sample_rate));
    }
    if spec.channels != 1 {
        wrong.push(format!("it has {} channels, not 1", spec.channels));
    }
    if spec.encoding != Encoding::Pcm16 {
        wrong.push(format!("it holds {}, not 16-bit PCM", spec.encoding));
    }
    if !wrong.is_empty() {
        return Err(Failure::rejected(format!(
            "{} must be 8 kHz mono 16-bit PCM, but {} (use `hotline audio convert` first)",
            args.input.display(),
            wrong.join(", ")
        )));
    }
    let samples = reader.read_all().map_err(|e| wav_failure(&args.input, e))?;
    let codes = hotline_dsp::g711::encode_to_vec(law, &samples);
    let output = args.output.path();
    let file = File::create(output)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", output.display())))?;
    let mut out = BufWriter::new(file);
    wav::write_codes(&mut out, law, 8000, 1, &codes)
        .and_then(|()| out.flush().map_err(Into::into))
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} samples, {law})", output.display(), codes.len());
    Ok(Status::Success)
}

fn g711_decode(args: &G711Args) -> Outcome {
    let law: Law = args.law.into();
    let mut reader = WavReader::new(open(&args.input)?).map_err(|e| wav_failure(&args.input, e))?;
    let spec = reader.spec();
    if spec.encoding.law() != Some(law) {
        return Err(Failure::usage(format!(
            "{} holds {}, but --law {} asks for {law} (format tag {})",
            args.input.display(),
            spec.encoding,
            match law {
                Law::A => "a",
                Law::U => "u",
            },
            match law {
                Law::A => 6,
                Law::U => 7,
            }
        )));
    }
    if spec.sample_rate != 8000 || spec.channels != 1 {
        return Err(Failure::rejected(format!(
            "{} is {} Hz with {} channel(s); G.711 decoding expects 8 kHz mono",
            args.input.display(),
            spec.sample_rate,
            spec.channels
        )));
    }
    let codes = reader.read_all_codes().map_err(|e| wav_failure(&args.input, e))?;
    let samples = hotline_dsp::g711::decode_to_vec(law, &codes);
    let output = args.output.path();
    write_wav(output, WavSpec::TELEPHONE, &samples)?;
    println!("wrote {} ({} samples, 16-bit PCM)", output.display(), samples.len());
    Ok(Status::Success)
}

fn tone_generate(args: &ToneGenerateArgs) -> Outcome {
    let seconds = args.seconds.unwrap_or(args.duration.as_secs_f64());
    if !seconds.is_finite() || !(0.0..=3600.0).contains(&seconds) {
        return Err(Failure::usage(format!("--duration {seconds}s is out of range (0s to 1h)")));
    }
    if !args.level.is_finite() || args.level > 0.0 {
        return Err(Failure::usage(format!("--level {} must be at most 0 dBm0", args.level)));
    }
    let plan = match args.plan {
        PlanArg::Cn => Plan::Cn,
        PlanArg::Na => Plan::Na,
        PlanArg::Itu => Plan::Itu,
    };
    let kind = match args.tone {
        ToneArg::Dial => ToneKind::Dial,
        ToneArg::Busy => ToneKind::Busy,
        ToneArg::Ringback => ToneKind::Ringback,
        ToneArg::Congestion => ToneKind::Congestion,
        ToneArg::Sit => ToneKind::Sit,
        ToneArg::Cng => ToneKind::Cng,
    };
    let samples = plan.tone(kind).generate(seconds, args.level, 1.0);
    write_wav(&args.output, WavSpec::TELEPHONE, &samples)?;
    println!(
        "wrote {} ({plan} {kind}, {:.3} s)",
        args.output.display(),
        samples.len() as f64 / 8000.0
    );
    Ok(Status::Success)
}

#[derive(Debug, Serialize)]
struct ToneJson {
    tone: &'static str,
    start_ms: f64,
    duration_ms: f64,
}

#[derive(Debug, Serialize)]
struct TonesJson {
    tones: Vec<ToneJson>,
}

fn tone_detect(args: &ToneDetectArgs) -> Outcome {
    let wav = read_wav(&args.file)?;
    let samples = resample::to_8k_mono(&wav).map_err(|e| resample_failure(&args.file, &e))?;
    let mut detector = ToneDetector::new();
    let mut events = detector.process(&samples);
    events.extend(detector.finish());
    if args.json {
        let json = TonesJson {
            tones: events
                .iter()
                .map(|e| ToneJson {
                    tone: e.tone.name(),
                    start_ms: e.start_ms(),
                    duration_ms: e.duration_ms(),
                })
                .collect(),
        };
        report::print_json(&json).map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    } else {
        for e in &events {
            println!(
                "t={:.3}s tone={} duration={:.0}ms",
                e.start_ms() / 1000.0,
                e.tone,
                e.duration_ms()
            );
        }
        println!("tones: {}", events.len());
    }
    Ok(Status::Success)
}

fn audio_convert(args: &AudioConvertArgs) -> Outcome {
    let wav = read_wav(&args.input)?;
    let samples = resample::to_8k_mono(&wav).map_err(|e| resample_failure(&args.input, &e))?;
    let spec = WavSpec { sample_rate: 8000, channels: 1, encoding: args.encoding.into() };
    let output = args.output.path();
    write_wav(output, spec, &samples)?;
    println!(
        "wrote {} ({} samples, 8 kHz mono {}, from {} Hz {} channel(s) {})",
        output.display(),
        samples.len(),
        spec.encoding,
        wav.spec.sample_rate,
        wav.spec.channels,
        wav.spec.encoding
    );
    Ok(Status::Success)
}
