//! The server's configuration: embedded defaults (`config/default.toml`), an optional file that
//! replaces any of them, and flags over both. Everything is checked before a socket is opened: a
//! bad configuration is reported with its file, line and reason, and the process exits 2.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

/// The embedded defaults.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// IVR flows compiled into the server, by the name a `[[numbers]]` entry uses.
pub const BUILTIN_FLOWS: &[(&str, &str)] =
    &[("gov12345", include_str!("../../../crates/hotline-ivr/flows/gov12345.ivr"))];

/// The whole configuration, as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listeners, folders and limits.
    pub server: ServerConfig,
    /// Service numbers and their flows.
    pub numbers: Vec<NumberConfig>,
    /// Call recording.
    pub recording: RecordingConfig,
    /// API users who are not agents.
    pub users: Vec<UserConfig>,
    /// Agents' SIP accounts and API tokens.
    pub agents: Vec<AgentAccount>,
    /// hotline-acd's configuration.
    pub acd: hotline_acd::Config,
}

/// `[server]`; keys left out keep the embedded default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The address every listener binds.
    pub bind: IpAddr,
    /// The address written into SDP and Contact headers ("" for the bind address).
    #[serde(default)]
    pub advertise: String,
    /// SIP over UDP and TCP.
    pub sip_port: u16,
    /// The HTTP API.
    pub http_port: u16,
    /// `FIRST-LAST`.
    pub rtp_ports: String,
    /// Where the database, recordings and flight log go.
    pub data_dir: PathBuf,
    /// SIP domain and digest realm.
    pub domain: String,
    /// Digest algorithms offered, in order (`MD5`, `SHA-256`).
    #[serde(default = "default_digest")]
    pub digest_algorithms: Vec<String>,
    /// Media worker threads (0: one per core).
    #[serde(default)]
    pub media_workers: usize,
    /// SIGTERM's grace period.
    #[serde(with = "hotline_acd::duration::text")]
    pub shutdown_grace: Duration,
    /// The prompt folder.
    pub prompts: PathBuf,
}

/// `[[numbers]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberConfig {
    /// The dialled number (the Request-URI's user part).
    pub number: String,
    /// A built-in flow's name or a path to an `.ivr` file (not used when `media` is false).
    #[serde(default)]
    pub flow: String,
    /// The language the flow starts in.
    #[serde(default)]
    pub language: Option<String>,
    /// `false`: a signalling-only number, answered at once with an inactive SDP, no media and no
    /// flow, held until the caller hangs up (for measuring the SIP path on its own).
    #[serde(default = "yes")]
    pub media: bool,
}

fn yes() -> bool {
    true
}

/// `[recording]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingConfig {
    /// Record every bridged call to a stereo WAV (caller left, agent right).
    pub enabled: bool,
}

/// An API user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Acts on their own agent only.
    Agent,
    /// Reads everything and changes any agent's state.
    Supervisor,
    /// Everything.
    Admin,
}

/// `[[users]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The user's name.
    pub name: String,
    /// Supervisor or admin.
    pub role: Role,
    /// The bearer token.
    pub token: String,
}

/// `[[agents]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentAccount {
    /// The agent's name: the SIP user name and the name in `[[acd.agents]]`.
    pub name: String,
    /// The digest password of the agent's phone.
    pub password: String,
    /// The agent's API token.
    pub token: String,
    /// A fixed contact (`sip:user@host:port`) for a phone that does not REGISTER.
    #[serde(default)]
    pub contact: Option<String>,
}

fn default_digest() -> Vec<String> {
    vec!["MD5".into()]
}

/// A file as written: every table optional, and `[server]` and `[recording]` key by key (a key
/// left out keeps its embedded default). Read straight from the text, so that every error has
/// its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    server: Option<PartialServer>,
    numbers: Option<Vec<NumberConfig>>,
    recording: Option<PartialRecording>,
    users: Option<Vec<UserConfig>>,
    agents: Option<Vec<AgentAccount>>,
    acd: Option<hotline_acd::Config>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialServer {
    bind: Option<IpAddr>,
    advertise: Option<String>,
    sip_port: Option<u16>,
    http_port: Option<u16>,
    rtp_ports: Option<String>,
    data_dir: Option<PathBuf>,
    domain: Option<String>,
    digest_algorithms: Option<Vec<String>>,
    media_workers: Option<usize>,
    #[serde(default, with = "hotline_acd::duration::option")]
    shutdown_grace: Option<Duration>,
    prompts: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialRecording {
    enabled: Option<bool>,
}

impl FileConfig {
    fn into_config(self) -> Config {
        let d = embedded();
        let s = self.server.unwrap_or_default();
        let ds = d.server;
        Config {
            server: ServerConfig {
                bind: s.bind.unwrap_or(ds.bind),
                advertise: s.advertise.unwrap_or(ds.advertise),
                sip_port: s.sip_port.unwrap_or(ds.sip_port),
                http_port: s.http_port.unwrap_or(ds.http_port),
                rtp_ports: s.rtp_ports.unwrap_or(ds.rtp_ports),
                data_dir: s.data_dir.unwrap_or(ds.data_dir),
                domain: s.domain.unwrap_or(ds.domain),
                digest_algorithms: s.digest_algorithms.unwrap_or(ds.digest_algorithms),
                media_workers: s.media_workers.unwrap_or(ds.media_workers),
                shutdown_grace: s.shutdown_grace.unwrap_or(ds.shutdown_grace),
                prompts: s.prompts.unwrap_or(ds.prompts),
            },
            numbers: self.numbers.unwrap_or(d.numbers),
            recording: RecordingConfig {
                enabled: self.recording.and_then(|r| r.enabled).unwrap_or(d.recording.enabled),
            },
            users: self.users.unwrap_or(d.users),
            agents: self.agents.unwrap_or(d.agents),
            acd: self.acd.unwrap_or(d.acd),
        }
    }
}

fn embedded() -> Config {
    // The embedded file is checked by a unit test and at every start; it cannot fail to parse.
    toml::from_str(DEFAULT_TOML).unwrap_or_else(|e| panic!("config/default.toml: {e}"))
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {reason}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file (or `<embedded default.toml>`).
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

/// Flags that override the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--bind`.
    pub bind: Option<IpAddr>,
    /// `--sip-port`.
    pub sip_port: Option<u16>,
    /// `--http-port`.
    pub http_port: Option<u16>,
    /// `--rtp-ports`.
    pub rtp_ports: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--prompts`.
    pub prompts: Option<PathBuf>,
    /// `--media-workers`.
    pub media_workers: Option<usize>,
}

/// Largest configuration file read (the defaults are 3 KB).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Largest IVR flow file read (as `hotline_ivr`'s own limit for flow files).
pub const MAX_FLOW_BYTES: u64 = 1 << 20;

/// Reads `path` as UTF-8 text of at most `limit` bytes: a regular file larger than that is
/// refused by its size, unread; anything else (a pipe) is read no further than the limit.
fn read_limited(path: &Path, limit: u64, what: &str) -> Result<String, String> {
    use std::io::Read as _;
    let too_large = |size: String| {
        format!("{size} is more than the {limit} bytes {what} may have; it was not read")
    };
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(format!("{} bytes", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_large("the file".to_owned()));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to()))
}

/// One flow, compiled, with the source it came from.
#[derive(Debug)]
pub struct FlowDef {
    /// Its source text (kept for the flight log).
    pub source: String,
    /// The compiled program.
    pub program: Arc<hotline_ivr::Program>,
}

/// A configuration checked and ready to run.
#[derive(Debug)]
pub struct Settings {
    /// What was read (after overrides).
    pub config: Config,
    /// The file the settings came from.
    pub origin: String,
    /// The RTP port range, first and last.
    pub rtp_range: (u16, u16),
    /// The address in SDP and Contact.
    pub advertise: IpAddr,
    /// Flows by name.
    pub flows: BTreeMap<String, Arc<FlowDef>>,
    /// The prompt folder, resolved.
    pub prompt_dir: PathBuf,
}

impl Settings {
    /// Reads `file` (or the embedded defaults), applies `flags`, checks everything.
    ///
    /// The file may hold at most [`MAX_CONFIG_BYTES`] (1 MiB), and each IVR flow file it names
    /// at most [`MAX_FLOW_BYTES`] (1 MiB): a larger regular file is refused by its size, unread,
    /// and anything else (a pipe) is read no further than the limit. Parsing the configuration
    /// takes about fifty times its text in memory at its peak (the `toml` crate builds the whole
    /// document first).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file, the line where it can, and the reason.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> Result<Settings, ConfigError> {
        let (origin, text) = match file {
            None => ("<embedded config/default.toml>".to_owned(), DEFAULT_TOML.to_owned()),
            Some(path) => {
                let origin = path.display().to_string();
                let err = |reason: String| ConfigError { file: origin.clone(), line: None, reason };
                let text = read_limited(path, MAX_CONFIG_BYTES, "a configuration").map_err(err)?;
                (origin, text)
            }
        };
        Settings::from_text(&origin, &text, flags)
    }

    /// Like [`Settings::load`] on text already read; `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`].
    pub fn from_text(origin: &str, text: &str, flags: &Overrides) -> Result<Settings, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError {
            file: origin.to_owned(),
            line: e.span().map(|s| line_of_offset(text, s.start)),
            reason: e.message().trim().to_owned(),
        })?;
        let mut config = file.into_config();
        let fail = |needle: &str, reason: String| ConfigError {
            file: origin.to_owned(),
            line: find_line(text, needle),
            reason,
        };
        let s = &mut config.server;
        if let Some(v) = flags.bind {
            s.bind = v;
        }
        if let Some(v) = flags.sip_port {
            s.sip_port = v;
        }
        if let Some(v) = flags.http_port {
            s.http_port = v;
        }
        if let Some(v) = &flags.rtp_ports {
            s.rtp_ports.clone_from(v);
        }
        if let Some(v) = &flags.data_dir {
            s.data_dir.clone_from(v);
        }
        if let Some(v) = &flags.prompts {
            s.prompts.clone_from(v);
        }
        if let Some(v) = flags.media_workers {
            s.media_workers = v;
        }
        let rtp_range = parse_port_range(&s.rtp_ports)
            .map_err(|reason| fail("rtp_ports", format!("server.rtp_ports: {reason}")))?;
        let advertise = if s.advertise.is_empty() {
            s.bind
        } else {
            s.advertise.parse().map_err(|_| {
                fail(
                    "advertise",
                    format!("server.advertise: {:?} is not an IP address", s.advertise),
                )
            })?
        };
        if advertise.is_unspecified() {
            return Err(fail(
                "advertise",
                "server.advertise must name this host's address when bind is 0.0.0.0 or ::".into(),
            ));
        }
        if s.digest_algorithms.is_empty() {
            return Err(fail(
                "digest_algorithms",
                "server.digest_algorithms names no algorithm".into(),
            ));
        }
        for a in &s.digest_algorithms {
            if hotline_sip::auth::Algorithm::from_name(a).is_none() {
                return Err(fail(
                    "digest_algorithms",
                    format!("server.digest_algorithms: {a:?} is not MD5 or SHA-256"),
                ));
            }
        }
        if s.domain.is_empty() || s.domain.contains(|c: char| c.is_whitespace() || c == '"') {
            return Err(fail("domain", format!("server.domain: {:?} is not a domain", s.domain)));
        }

        // Tokens and names.
        let mut tokens = BTreeSet::new();
        for (name, token) in config
            .users
            .iter()
            .map(|u| (&u.name, &u.token))
            .chain(config.agents.iter().map(|a| (&a.name, &a.token)))
        {
            if token.len() < 8 {
                return Err(fail(
                    token,
                    format!("the token of {name} is shorter than 8 characters"),
                ));
            }
            if !tokens.insert(token.clone()) {
                return Err(fail(token, format!("the token of {name} is used twice")));
            }
        }
        let mut agent_names = BTreeSet::new();
        for a in &config.agents {
            if a.name.is_empty()
                || !a.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(fail(
                    &a.name,
                    format!("agent name {:?}: use letters, digits, '-', '_' or '.'", a.name),
                ));
            }
            if !agent_names.insert(a.name.clone()) {
                return Err(fail(&a.name, format!("agent {} is listed twice", a.name)));
            }
            if let Some(c) = &a.contact {
                hotline_sip::uri::Uri::parse(c).map_err(|e| {
                    fail(c, format!("agent {}: contact {c:?} is not a SIP URI: {e}", a.name))
                })?;
            }
        }
        let acd_names: BTreeSet<String> =
            config.acd.agents.iter().map(|a| a.name.clone()).collect();
        if let Some(missing) = acd_names.difference(&agent_names).next() {
            return Err(fail(
                missing,
                format!("[[acd.agents]] {missing} has no [[agents]] entry (password and token)"),
            ));
        }
        if let Some(missing) = agent_names.difference(&acd_names).next() {
            return Err(fail(
                missing,
                format!("[[agents]] {missing} has no [[acd.agents]] entry (queues and skills)"),
            ));
        }
        hotline_acd::Acd::new(&config.acd).map_err(|e| fail("[acd]", format!("[acd]: {e}")))?;

        // Flows and prompts.
        let prompt_dir = if s.prompts.is_absolute() || s.prompts.is_dir() {
            s.prompts.clone()
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&s.prompts)
        };
        let mut flows = BTreeMap::new();
        let mut numbers = BTreeSet::new();
        for n in &config.numbers {
            if n.number.is_empty() || !n.number.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(fail(
                    &n.number,
                    format!("number {:?} is not a dialable number", n.number),
                ));
            }
            if !numbers.insert(n.number.clone()) {
                return Err(fail(&n.number, format!("number {} is listed twice", n.number)));
            }
            if !n.media {
                continue;
            }
            if n.flow.is_empty() {
                return Err(fail(&n.number, format!("number {} names no flow", n.number)));
            }
            if flows.contains_key(&n.flow) {
                continue;
            }
            let source = match BUILTIN_FLOWS.iter().find(|(name, _)| *name == n.flow) {
                Some((_, src)) => (*src).to_owned(),
                None => read_limited(Path::new(&n.flow), MAX_FLOW_BYTES, "an IVR flow").map_err(
                    |e| {
                        fail(
                            &n.flow,
                            format!("flow {:?} is neither built in nor a usable file: {e}", n.flow),
                        )
                    },
                )?,
            };
            let (program, _warnings) = hotline_ivr::compile(&source)
                .map_err(|e| fail(&n.flow, format!("flow {}: {e}", n.flow)))?;
            if let Some(lang) = &n.language
                && !program.languages().iter().any(|l| l == lang)
            {
                return Err(fail(
                    lang,
                    format!("number {}: flow {} has no language {lang}", n.number, n.flow),
                ));
            }
            for p in program.prompts() {
                for lang in program.languages() {
                    if let Some(path) =
                        crate::prompts::missing_wav(&prompt_dir, &p.key, lang, &p.versions)
                    {
                        return Err(fail(
                            "prompts",
                            format!(
                                "flow {}: prompt {} ({lang}) is missing: {} (regenerate with \
                                 examples/reference-server/prompts/make.sh)",
                                n.flow,
                                p.key,
                                path.display()
                            ),
                        ));
                    }
                }
            }
            flows.insert(n.flow.clone(), Arc::new(FlowDef { source, program: Arc::new(program) }));
        }
        Ok(Settings { config, origin: origin.to_owned(), rtp_range, advertise, flows, prompt_dir })
    }
}

/// `FIRST-LAST`, even first, at least 2 ports.
fn parse_port_range(text: &str) -> Result<(u16, u16), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("{text:?} is not FIRST-LAST (for example 20000-20999)"))?;
    let first: u16 = a.trim().parse().map_err(|_| format!("{a:?} is not a port"))?;
    let last: u16 = b.trim().parse().map_err(|_| format!("{b:?} is not a port"))?;
    if first < 1024 || last < first + 1 {
        return Err(format!("{text:?}: need 1024 <= FIRST < LAST"));
    }
    Ok((first + first % 2, last))
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The first line that contains `needle`, for errors found after deserialising.
fn find_line(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_are_valid() {
        let s = Settings::from_text("default.toml", DEFAULT_TOML, &Overrides::default()).unwrap();
        assert_eq!(s.config.server.sip_port, 5060);
        assert_eq!(s.rtp_range, (20000, 20999));
        assert!(s.flows.contains_key("gov12345"));
        assert_eq!(s.config.agents.len(), 4);
    }

    #[test]
    fn a_file_replaces_only_what_it_names() {
        let s =
            Settings::from_text("x.toml", "[recording]\nenabled = false\n", &Overrides::default())
                .unwrap();
        assert!(!s.config.recording.enabled);
        assert_eq!(s.config.agents.len(), 4);
    }

    #[test]
    fn a_partial_table_keeps_the_other_keys() {
        let s = Settings::from_text(
            "p.toml",
            "[server]\nshutdown_grace = \"2s\"\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(s.config.server.shutdown_grace, Duration::from_secs(2));
        assert_eq!(s.config.server.sip_port, 5060);
    }

    #[test]
    fn errors_name_the_line_and_reason() {
        let e = Settings::from_text(
            "x.toml",
            "[server]\nbind = \"127.0.0.1\"\nsip_port = \"x\"\n",
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().starts_with("x.toml:3: "), "{e}");
        let e = Settings::from_text(
            "y.toml",
            "[recording]\nenabled = true\ncolour = 1\n",
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let text = DEFAULT_TOML.replace("rtp_ports = \"20000-20999\"", "rtp_ports = \"9-8\"");
        let e = Settings::from_text("z.toml", &text, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("rtp_ports"), "{e}");
        assert!(e.line.is_some());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_unread() {
        // Issue 25: every file the server reads has a size limit, a pipe included.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let mut text = DEFAULT_TOML.to_owned();
        text.push('#');
        text.push_str(&"x".repeat(MAX_CONFIG_BYTES as usize + 1 - text.len()));
        std::fs::write(&path, &text).unwrap();
        let e = Settings::load(Some(&path), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("is more than the 1048576 bytes"), "{e}");
        assert!(e.to_string().starts_with(&path.display().to_string()), "{e}");
        // Read through something that is not a regular file, the limit still holds.
        let bytes = read_limited(Path::new("/dev/zero"), 1000, "a configuration").unwrap_err();
        assert!(bytes.contains("more than the 1000 bytes"), "{bytes}");
        // At the limit it is read.
        text.truncate(MAX_CONFIG_BYTES as usize);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_limited(&path, MAX_CONFIG_BYTES, "x").unwrap().len(), text.len());
        // A flow file named by a number is limited too.
        let flow = dir.path().join("big.ivr");
        std::fs::write(&flow, "#".repeat(MAX_FLOW_BYTES as usize + 1)).unwrap();
        let e = read_limited(&flow, MAX_FLOW_BYTES, "an IVR flow").unwrap_err();
        assert!(e.contains("an IVR flow may have"), "{e}");
    }

    #[test]
    fn a_missing_prompt_is_a_configuration_error() {
        let empty = tempfile::tempdir().unwrap();
        let flags = Overrides { prompts: Some(empty.path().to_owned()), ..Overrides::default() };
        let e = Settings::from_text("d.toml", DEFAULT_TOML, &flags).unwrap_err();
        assert!(e.to_string().contains("is missing"), "{e}");
        assert!(e.to_string().contains("welcome"), "{e}");
    }

    #[test]
    fn an_agent_without_acd_entry_is_refused() {
        let text = format!(
            "{DEFAULT_TOML}\n[[agents]]\nname = \"2001\"\npassword = \"p\"\ntoken = \"token-2001\"\n"
        );
        let e = Settings::from_text("a.toml", &text, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("2001"), "{e}");
    }
}
