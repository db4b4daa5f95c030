//! Prompts: WAV files under `<prompts>/<language>/`, loaded once at start and shared by every
//! call (`hotline_media::Prompt` holds its samples in an `Arc`).
//!
//! A flow's text prompt becomes files by its key: `welcome` is `zh-CN/welcome.wav`. A text with
//! variables (`您输入的工单号是 {order_no}，确认请按1`) is cut at each `{...}`: the fixed parts are
//! `read_back_order.0.wav`, `read_back_order.1.wav`, ..., and a variable's value is spoken digit
//! by digit from `digits/0.wav` ... `digits/9.wav` between them, as IVRs have always read out
//! numbers. A value that is not made of digits (a lookup's text) is skipped and logged: the
//! server has no speech synthesiser. `any file "moh/x.wav"` prompts name a file under
//! `<prompts>/`.
//!
//! `reference-server make-prompts` writes every file from the flows' own texts with espeak-ng
//! (the Debian package), resampled to 8 kHz by hotline-dsp: translate a flow, run it again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use hotline_ivr::ast::PromptSource;
use hotline_media::Prompt;

/// A text template cut at its `{var}` placeholders: the fixed parts, one more than the variables.
pub fn segments(template: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        if let Some(last) = parts.last_mut() {
            last.push_str(&rest[..open]);
        }
        parts.push(String::new());
        rest = &rest[open + close + 1..];
    }
    if let Some(last) = parts.last_mut() {
        last.push_str(rest);
    }
    parts
}

/// Whether a fixed part has anything to say.
fn speakable(part: &str) -> bool {
    part.chars().any(char::is_alphanumeric)
}

fn version<'a>(
    versions: &'a BTreeMap<String, PromptSource>,
    lang: &str,
) -> Option<&'a PromptSource> {
    versions.get(lang).or_else(|| versions.get("any"))
}

/// Every file prompt `key` needs in `lang`.
pub fn wav_paths(
    dir: &Path,
    key: &str,
    lang: &str,
    versions: &BTreeMap<String, PromptSource>,
) -> Vec<PathBuf> {
    match version(versions, lang) {
        None => Vec::new(),
        Some(PromptSource::File(f)) => vec![dir.join(f)],
        Some(PromptSource::Text(t)) => {
            let parts = segments(t);
            if parts.len() == 1 {
                return vec![dir.join(lang).join(format!("{key}.wav"))];
            }
            let mut out: Vec<PathBuf> = parts
                .iter()
                .enumerate()
                .filter(|(_, p)| speakable(p))
                .map(|(i, _)| dir.join(lang).join(format!("{key}.{i}.wav")))
                .collect();
            out.extend((0..10).map(|d| digit_path(dir, lang, d)));
            out
        }
    }
}

/// The first missing file of prompt `key` in `lang` (what the configuration check names), if any.
pub fn missing_wav(
    dir: &Path,
    key: &str,
    lang: &str,
    versions: &BTreeMap<String, PromptSource>,
) -> Option<PathBuf> {
    wav_paths(dir, key, lang, versions).into_iter().find(|p| !p.is_file())
}

fn digit_path(dir: &Path, lang: &str, d: u32) -> PathBuf {
    dir.join(lang).join("digits").join(format!("{d}.wav"))
}

/// Every prompt of every flow, loaded.
#[derive(Debug, Default)]
pub struct Library {
    files: HashMap<PathBuf, Prompt>,
    dir: PathBuf,
    announcements: Option<Arc<hotline_ivr::Program>>,
}

/// The server's own prompts (queue position and wait), compiled in.
pub const ANNOUNCEMENTS: &str = include_str!("../config/announcements.ivr");

/// The announcements flow, compiled.
///
/// # Errors
///
/// Never for the embedded text (a unit test compiles it).
pub fn announcements() -> Result<hotline_ivr::Program, String> {
    hotline_ivr::compile(ANNOUNCEMENTS)
        .map(|(p, _)| p)
        .map_err(|e| format!("announcements.ivr: {e}"))
}

impl Library {
    /// Loads every file the flows need.
    ///
    /// # Errors
    ///
    /// The file and the reason, when one is missing or not a WAV.
    pub fn load<'a>(
        dir: &Path,
        programs: impl Iterator<Item = &'a hotline_ivr::Program>,
    ) -> Result<Library, String> {
        let mut files = HashMap::new();
        for program in programs {
            for p in program.prompts() {
                for lang in program.languages() {
                    for path in wav_paths(dir, &p.key, lang, &p.versions) {
                        if files.contains_key(&path) {
                            continue;
                        }
                        let file = std::fs::File::open(&path)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        let prompt = Prompt::from_wav(std::io::BufReader::new(file))
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        files.insert(path, prompt);
                    }
                }
            }
        }
        Ok(Library { files, dir: dir.to_owned(), announcements: None })
    }

    /// Adds the announcements (loading their files).
    ///
    /// # Errors
    ///
    /// As [`Library::load`].
    pub fn with_announcements(mut self, program: hotline_ivr::Program) -> Result<Library, String> {
        let more = Library::load(&self.dir, std::iter::once(&program))?;
        self.files.extend(more.files);
        self.announcements = Some(Arc::new(program));
        Ok(self)
    }

    /// Announcement `key` (`queue_position`, `queue_wait`) with the number `n`.
    pub fn announce(&self, lang: &str, key: &str, n: u64) -> Vec<Prompt> {
        let Some(program) = &self.announcements else { return Vec::new() };
        let Some(def) = program.prompts().iter().find(|p| p.key == key) else { return Vec::new() };
        let Some(PromptSource::Text(t)) = version(&def.versions, lang) else { return Vec::new() };
        let filled = t.replace("{n}", &n.to_string());
        self.resolve(program, key, lang, &PromptSource::Text(filled))
    }

    /// The prompts that say `filled` (the session's text with its variables filled in) for prompt
    /// `key` in `lang`, in order.
    pub fn resolve(
        &self,
        program: &hotline_ivr::Program,
        key: &str,
        lang: &str,
        filled: &PromptSource,
    ) -> Vec<Prompt> {
        let Some(def) = program.prompts().iter().find(|p| p.key == key) else {
            tracing::warn!(prompt = key, "the flow has no such prompt");
            return Vec::new();
        };
        let get = |path: PathBuf| self.files.get(&path).cloned();
        match (version(&def.versions, lang), filled) {
            (Some(PromptSource::File(f)), _) | (_, PromptSource::File(f)) => {
                get(self.dir.join(f)).into_iter().collect()
            }
            (Some(PromptSource::Text(template)), PromptSource::Text(text)) => {
                let parts = segments(template);
                if parts.len() == 1 {
                    return get(self.dir.join(lang).join(format!("{key}.wav")))
                        .into_iter()
                        .collect();
                }
                let values = fill_values(&parts, text);
                let mut out = Vec::new();
                for (i, part) in parts.iter().enumerate() {
                    if speakable(part) {
                        out.extend(get(self.dir.join(lang).join(format!("{key}.{i}.wav"))));
                    }
                    if let Some(value) = values.get(i) {
                        if !value.chars().all(|c| c.is_ascii_digit()) {
                            tracing::info!(
                                prompt = key,
                                value,
                                "a value that is not digits is not spoken"
                            );
                        }
                        for d in value.chars().filter_map(|c| c.to_digit(10)) {
                            out.extend(get(digit_path(&self.dir, lang, d)));
                        }
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

/// The variables' values in `text`, given the fixed parts around them.
fn fill_values(parts: &[String], text: &str) -> Vec<String> {
    let mut values = Vec::new();
    let Some(mut rest) = text.strip_prefix(parts[0].as_str()) else { return values };
    for next in &parts[1..] {
        let end = if next.is_empty() {
            rest.len()
        } else {
            rest.find(next.as_str()).unwrap_or(rest.len())
        };
        values.push(rest[..end].to_owned());
        rest = rest.get(end + next.len()..).unwrap_or("");
    }
    values
}

/// The espeak-ng voice for a flow language.
fn voice(lang: &str) -> &str {
    match lang {
        "zh-CN" | "zh" => "cmn",
        "en" => "en-us",
        other => other,
    }
}

const DIGIT_WORDS: [(&str, [&str; 10]); 2] = [
    ("zh-CN", ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]),
    ("en", ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]),
];

/// Writes every text prompt of `program` in every language under `dir` with espeak-ng, and a
/// short music-on-hold loop for `File` prompts under `moh/` that do not exist. Returns the files
/// written.
///
/// # Errors
///
/// When espeak-ng is missing or fails, or a file cannot be written.
pub fn make(dir: &Path, program: &hotline_ivr::Program) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for lang in program.languages() {
        for p in program.prompts() {
            match version(&p.versions, lang) {
                Some(PromptSource::Text(t)) => {
                    let parts = segments(t);
                    if parts.len() == 1 {
                        let path = dir.join(lang).join(format!("{}.wav", p.key));
                        speak(lang, t, &path)?;
                        written.push(path);
                    } else {
                        for (i, part) in parts.iter().enumerate().filter(|(_, p)| speakable(p)) {
                            let path = dir.join(lang).join(format!("{}.{i}.wav", p.key));
                            speak(lang, part, &path)?;
                            written.push(path);
                        }
                    }
                }
                Some(PromptSource::File(f)) => {
                    let path = dir.join(f);
                    if !path.is_file() && f.starts_with("moh/") {
                        write_wav(&path, &music())?;
                        written.push(path);
                    }
                }
                None => {}
            }
        }
        let words =
            DIGIT_WORDS.iter().find(|(l, _)| *l == lang).map_or(DIGIT_WORDS[1].1, |(_, w)| *w);
        for (d, word) in words.iter().enumerate() {
            let path = digit_path(dir, lang, d as u32);
            speak(lang, word, &path)?;
            written.push(path);
        }
    }
    Ok(written)
}

fn speak(lang: &str, text: &str, path: &Path) -> Result<(), String> {
    // `-w FILE` (not `--stdout`, whose WAV header has no length) into a scratch file.
    let scratch = std::env::temp_dir().join(format!("hotline-prompt-{}.wav", std::process::id()));
    let out = Command::new("espeak-ng")
        .args(["-v", voice(lang), "-s", "150", "-w"])
        .arg(&scratch)
        .arg(text)
        .output()
        .map_err(|e| format!("cannot run espeak-ng (Debian package espeak-ng): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "espeak-ng failed on {text:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bytes = std::fs::read(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let _ = std::fs::remove_file(&scratch);
    let wav = hotline_dsp::wav::read(&bytes[..]).map_err(|e| format!("espeak-ng output: {e}"))?;
    let mono = wav.mono();
    let samples = hotline_dsp::resample::resample(&mono, wav.spec.sample_rate, 8000)
        .map_err(|e| format!("resampling {text:?}: {e}"))?;
    write_wav(path, &samples)
}

fn write_wav(path: &Path, samples: &[i16]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    hotline_dsp::wav::write(
        std::io::BufWriter::new(file),
        hotline_dsp::wav::WavSpec::TELEPHONE,
        samples,
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}

/// Eight seconds of a quiet arpeggio (C major, then F and G), the default music on hold.
fn music() -> Vec<i16> {
    let notes = [261.63, 329.63, 392.0, 523.25, 349.23, 440.0, 523.25, 392.0];
    let mut out = Vec::with_capacity(8 * 8000);
    for f in notes.iter().cycle().take(16) {
        for n in 0..4000 {
            let t = n as f64 / 8000.0;
            let envelope = (1.0 - t * 2.0).max(0.0) * (t * 200.0).min(1.0);
            let s = (2.0 * std::f64::consts::PI * f * t).sin() * 0.5
                + (4.0 * std::f64::consts::PI * f * t).sin() * 0.15;
            out.push((s * envelope * 4000.0) as i16);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_announcements_compile() {
        let p = announcements().unwrap();
        assert!(p.prompts().iter().any(|p| p.key == "queue_wait"));
    }

    #[test]
    fn templates_are_cut_at_variables_and_values_found_again() {
        let parts = segments("You entered {order_no}. Press 1 to confirm.");
        assert_eq!(parts, ["You entered ", ". Press 1 to confirm."]);
        assert_eq!(fill_values(&parts, "You entered 12345678. Press 1 to confirm."), ["12345678"]);
        let parts = segments("{a}{b} end");
        assert_eq!(parts, ["", "", " end"]);
        assert_eq!(segments("no vars"), ["no vars"]);
        let parts = segments("call {caller}");
        assert_eq!(fill_values(&parts, "call 10086"), ["10086"]);
    }
}
