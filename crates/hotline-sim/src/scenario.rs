//! Scenario files (TOML): the ACD configuration, agent groups, call types and run settings.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hotline_acd::{AgentConfig, Config, MembershipConfig, PolicyName, duration};
use serde::{Deserialize, Serialize};

use crate::dist::{CsvError, Distribution, DistributionError, numbers_from_csv};

/// What [`Scenario::from_toml_with`] asks for each CSV file a scenario names: given where it is
/// named and the name, the path to show in errors and the file's text.
pub type CsvReader<'a> = dyn FnMut(&str, &str) -> Result<(String, String), ScenarioError> + 'a;

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name for reports.
    pub name: String,
    /// Simulated time after which no call arrives (calls already in the system are played out).
    #[serde(with = "duration::text")]
    pub horizon: Duration,
    /// Calls arriving before this are left out of every KPI, and occupancy is measured from it.
    #[serde(default, with = "duration::text")]
    pub warmup: Duration,
    /// Default number of replications.
    #[serde(default = "default_replications")]
    pub replications: usize,
    /// The ACD configuration exactly as hotline-acd reads it (skills, languages, queues with
    /// policies and overflow rules, and any individually listed agents).
    pub acd: Config,
    /// Groups of identical agents, added to the ACD configuration as `<name>-<i>`.
    #[serde(default)]
    pub agent_groups: Vec<AgentGroup>,
    /// The call types.
    pub call_types: Vec<CallType>,
}

/// The most agents a scenario may have (so that a scenario file cannot ask for unbounded memory).
pub const MAX_AGENTS: usize = 1_000_000;

/// The largest scenario file [`Scenario::from_file`] reads: 1 MiB, as the other TOML readers of
/// the workspace (hotline-calendar's and hotline-ivr's files, the `hotline` command's TOML
/// inputs). Parsing TOML takes about fifty times the text's size in memory, so a larger file is
/// refused by its size before it is read ([`ScenarioError::TooLarge`]).
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// The largest CSV file a scenario names (arrival rates, empirical distributions) that
/// [`Scenario::from_file`] and [`Scenario::from_toml`] read: 64 MiB (a year of 15-minute
/// intervals is about 1 MB), as the `hotline` command's CSV limit.
pub const MAX_CSV_BYTES: u64 = 64 << 20;

/// Reads `path` as UTF-8 text, refusing a file larger than `limit` by its size on disk (unread)
/// or, for a file whose size is not known beforehand (a pipe), after `limit` bytes.
fn read_limited(path: &Path, limit: u64) -> Result<String, ScenarioError> {
    use std::io::Read as _;
    let shown = || path.display().to_string();
    let too_large = || ScenarioError::TooLarge { path: shown(), limit };
    let io = |source| ScenarioError::Io { path: shown(), source };
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error())))
}

fn default_replications() -> usize {
    30
}

/// A group of identical agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    /// Group name (agents are named `<name>-1`, `<name>-2`, ...).
    pub name: String,
    /// Number of agents.
    pub count: usize,
    /// Skills with proficiency 1–10.
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    /// Languages spoken.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Queue memberships (as in hotline-acd).
    #[serde(default)]
    pub queues: Vec<MembershipConfig>,
    /// Wrap-up time overriding the queue's.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub wrap_up: Option<Duration>,
    /// Probability that an offered agent does not answer (the offer rings out after
    /// `ring_time`).
    #[serde(default)]
    pub no_answer_probability: f64,
    /// Ring time of an unanswered offer.
    #[serde(default = "default_ring", with = "duration::text")]
    pub ring_time: Duration,
    /// Shifts: the agents are logged in during these spans only (none: the whole run).
    #[serde(default)]
    pub shifts: Vec<Span>,
    /// Breaks: the agents are not ready during these spans (taken when the current call ends).
    #[serde(default)]
    pub breaks: Vec<Span>,
    /// Speed factor: a call this group's agents answer takes the call type's handle time
    /// divided by `speed` (2: twice as fast). The handle time is drawn when the call arrives
    /// and scaled by the agent who answers it, so that common random numbers still pair the
    /// same calls across policies.
    #[serde(default = "default_speed", skip_serializing_if = "is_one")]
    pub speed: f64,
}

fn default_speed() -> f64 {
    1.0
}

#[allow(clippy::trivially_copy_pass_by_ref, clippy::float_cmp)]
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

fn default_ring() -> Duration {
    Duration::from_secs(15)
}

/// A span of simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// Start.
    #[serde(with = "duration::text")]
    pub start: Duration,
    /// End.
    #[serde(with = "duration::text")]
    pub end: Duration,
}

/// A type of call: how it arrives, which queue it enters, what it needs and how long it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallType {
    /// Name.
    pub name: String,
    /// The queue it enters (a name from `acd.queues`).
    pub queue: String,
    /// The arrival process.
    pub arrivals: Arrivals,
    /// Handle time (talk) distribution.
    pub handle: Distribution,
    /// Patience (none: callers never hang up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<Distribution>,
    /// Skills an agent needs (all of them) with minimum proficiency.
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    /// Language the caller needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Priority (higher first).
    #[serde(default)]
    pub priority: i32,
    /// Probability that a caller who abandoned calls again.
    #[serde(default)]
    pub retrial_probability: f64,
    /// Delay before calling again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrial_delay: Option<Distribution>,
    /// Probability that a waiting caller accepts a callback offer after `callback_after`.
    #[serde(default)]
    pub callback_probability: f64,
    /// When a callback is offered to a waiting caller.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub callback_after: Option<Duration>,
}

/// A Poisson arrival process: `{ rate_per_hour = 280 }` or per-interval rates
/// `{ rates_per_hour = [..], interval = "30m" }` or `{ csv = "day.csv", interval = "15m" }`. After
/// the last interval the last rate holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// A constant rate, calls per hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_hour: Option<f64>,
    /// Rates per interval, calls per hour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rates_per_hour: Vec<f64>,
    /// A CSV file of per-interval rates (calls per hour, the last number of each line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// Interval length of `rates_per_hour`.
    #[serde(default = "default_interval", with = "duration::text")]
    pub interval: Duration,
}

fn default_interval() -> Duration {
    Duration::from_secs(15 * 60)
}

impl Arrivals {
    /// The rate in calls per second at time `t` (seconds), and when that rate next changes.
    pub fn rate_at(&self, t: f64) -> (f64, f64) {
        if let Some(r) = self.rate_per_hour {
            return (r / 3600.0, f64::INFINITY);
        }
        let len = self.interval.as_secs_f64().max(1e-9);
        let i = (t / len).floor().max(0.0) as usize;
        match self.rates_per_hour.get(i) {
            Some(&r) if i + 1 < self.rates_per_hour.len() => (r / 3600.0, (i + 1) as f64 * len),
            _ => (self.rates_per_hour.last().copied().unwrap_or(0.0) / 3600.0, f64::INFINITY),
        }
    }
}

/// A scenario could not be read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The TOML does not describe a scenario.
    #[error("{path}: line {line}, column {column}: {message}")]
    Parse {
        /// File (or `<text>`).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A CSV file has a bad line.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The line and what is wrong with it.
        source: CsvError,
    },
    /// A scenario given as text names a CSV file, but no scenario path says where to find it
    /// (CSV files are read relative to the scenario file, never the current directory).
    #[error(
        "{place}: CSV file `{file}` but no scenario path to read it relative to (use Scenario::from_file, or give from_toml the scenario's path)"
    )]
    CsvWithoutBase {
        /// Where it is named (`call_types[0].arrivals.csv`).
        place: String,
        /// The file named.
        file: String,
    },
    /// A distribution's parameters are unusable.
    #[error("{place}: {source}")]
    Distribution {
        /// Where (`call_types[2] (billing).handle`).
        place: String,
        /// What is wrong.
        source: DistributionError,
    },
    /// A replication did not finish (its worker thread panicked).
    #[error("replication {replication} did not finish")]
    Unfinished {
        /// The replication.
        replication: u64,
    },
    /// The scenario is inconsistent.
    #[error("{place}: {message}")]
    Invalid {
        /// Where (`call_types[2].handle`, `agent_groups.team`, ...).
        place: String,
        /// What is wrong.
        message: String,
    },
    /// A file is larger than its limit ([`MAX_SCENARIO_BYTES`] for a scenario,
    /// [`MAX_CSV_BYTES`] for a CSV file it names); it was not read.
    #[error("{path} is larger than {limit} bytes, the limit for this file; it was not read")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The ACD configuration (with the agent groups added) is invalid.
    #[error("acd configuration: {0}")]
    Acd(#[from] hotline_acd::ConfigError),
}

fn invalid(place: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid { place: place.into(), message: message.into() }
}

impl Scenario {
    /// Parses a scenario from TOML text. `base` is the path of the scenario file the text came
    /// from: CSV files named in it are read relative to that file's directory. Without a base,
    /// a scenario that names a CSV file is an error ([`ScenarioError::CsvWithoutBase`]): files
    /// are never looked for in the current directory.
    ///
    /// Memory: the `toml` crate builds the whole document first, about fifty times the text at
    /// its peak; bound untrusted text first ([`Scenario::from_file`] reads at most
    /// [`MAX_SCENARIO_BYTES`]).
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] naming the line, file or field at fault.
    pub fn from_toml(text: &str, base: Option<&Path>) -> Result<Scenario, ScenarioError> {
        let origin = base.map_or_else(|| "<text>".to_owned(), |b| b.display().to_string());
        match base {
            Some(base) => {
                let dir = base.parent().unwrap_or(Path::new(""));
                Scenario::from_toml_with(text, &origin, &mut |_, name| {
                    let path = dir.join(name);
                    let text = read_limited(&path, MAX_CSV_BYTES)?;
                    Ok((path.display().to_string(), text))
                })
            }
            None => Scenario::from_toml_with(text, &origin, &mut |place, name| {
                Err(ScenarioError::CsvWithoutBase {
                    place: place.to_owned(),
                    file: name.to_owned(),
                })
            }),
        }
    }

    /// Parses a scenario from TOML text, asking `read_csv(place, name)` for each CSV file it
    /// names (`place` says where: `call_types[0].arrivals.csv`) and getting back the path to
    /// show in errors and the file's text. The parsing itself does no I/O: this is the adapter
    /// point for scenarios kept in a database, an archive or a test's memory. `origin` names the
    /// text in errors.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] naming the line, file or field at fault, or `read_csv`'s error.
    pub fn from_toml_with(
        text: &str,
        origin: &str,
        read_csv: &mut CsvReader<'_>,
    ) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| {
                    let before = text.get(..span.start.min(text.len())).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    (line, column)
                })
                .unwrap_or((0, 0));
            ScenarioError::Parse {
                path: origin.to_owned(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        s.resolve(read_csv)
    }

    /// Finishes a scenario deserialised by any reader (as [`Scenario::from_toml_with`] does
    /// after parsing): reads the CSV files it names through `read_csv` and validates it. For a
    /// host with its own TOML reader (the `hotline` command reads each call type and agent
    /// group on its own, in memory proportional to the file).
    ///
    /// # Errors
    ///
    /// `read_csv`'s error, [`ScenarioError::Csv`] or the scenario's own problems.
    pub fn resolve(mut self, read_csv: &mut CsvReader<'_>) -> Result<Scenario, ScenarioError> {
        self.read_csv_files(read_csv)?;
        self.validate()?;
        Ok(self)
    }

    /// Reads the CSV files the scenario names (arrival rates, empirical distributions) through
    /// `read_csv`, filling in their numbers, without validating: [`Scenario::resolve`] is this
    /// and [`Scenario::validate`]; a host that reports every problem calls this and then
    /// [`Scenario::problems`].
    ///
    /// # Errors
    ///
    /// `read_csv`'s error, or [`ScenarioError::Csv`] for a file that is not a CSV of numbers.
    pub fn read_csv_files(&mut self, read_csv: &mut CsvReader<'_>) -> Result<(), ScenarioError> {
        let mut read = |place: String, name: &str| -> Result<Vec<f64>, ScenarioError> {
            let (path, text) = read_csv(&place, name)?;
            numbers_from_csv(&text).map_err(|source| ScenarioError::Csv { path, source })
        };
        for (i, c) in self.call_types.iter_mut().enumerate() {
            if let Some(csv) = c.arrivals.csv.clone() {
                c.arrivals.rates_per_hour = read(format!("call_types[{i}].arrivals.csv"), &csv)?;
            }
            for (field, d) in [
                ("handle", Some(&mut c.handle)),
                ("patience", c.patience.as_mut()),
                ("retrial_delay", c.retrial_delay.as_mut()),
            ] {
                if let Some(Distribution::Empirical { values, csv: Some(csv) }) = d {
                    *values = read(format!("call_types[{i}].{field}.csv"), csv)?;
                }
            }
        }
        Ok(())
    }

    /// The scenario with one parameter changed: `path` names it by its place in the scenario's
    /// TOML, dotted, with list indexes or names (`agent_groups.flexible.count`,
    /// `call_types.0.arrivals.rate_per_hour`, `acd.queues.a.tier_wait`), and `value` is a TOML
    /// value (`12`, `2.5`, `"30s"`, `true`). For sweeps over any parameter (`hotline sim sweep
    /// --set`). The result is validated as a whole.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] naming the path when it does not lead to a value or the value
    /// does not parse; the scenario's own errors when the changed scenario is invalid.
    pub fn with_value(&self, path: &str, value: &str) -> Result<Scenario, ScenarioError> {
        let bad = |message: String| invalid(path, message);
        let mut root = toml::Value::try_from(self).map_err(|e| bad(e.to_string()))?;
        let new: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .ok_or_else(|| bad(format!("`{value}` is not a TOML value")))?;
        let mut at = &mut root;
        let keys: Vec<&str> = path.split('.').collect();
        for (k, &key) in keys.iter().enumerate() {
            at = match at {
                toml::Value::Table(t) => {
                    // A setting left at its default may be absent: the last key is added.
                    if k + 1 == keys.len() && !t.contains_key(key) {
                        t.insert(key.to_owned(), toml::Value::Boolean(false));
                    }
                    t.get_mut(key).ok_or_else(|| bad(format!("no `{key}` here")))?
                }
                toml::Value::Array(items) => {
                    let i = match key.parse::<usize>() {
                        Ok(i) => Some(i),
                        Err(_) => items
                            .iter()
                            .position(|v| v.get("name").and_then(toml::Value::as_str) == Some(key)),
                    };
                    i.and_then(|i| items.get_mut(i))
                        .ok_or_else(|| bad(format!("no item `{key}` in the list")))?
                }
                _ => return Err(bad(format!("`{key}` is inside a value, not a table"))),
            };
        }
        *at = new;
        let changed: Scenario = root.try_into().map_err(|e: toml::de::Error| bad(e.to_string()))?;
        changed.validate()?;
        Ok(changed)
    }

    /// SHA-256 of the scenario as it runs (its TOML form, with the CSV data read in), in hex:
    /// the fingerprint reports carry, so that a published result names exactly what produced
    /// it.
    pub fn sha256(&self) -> String {
        use sha2::Digest;
        // TOML serialisation of a parsed scenario does not fail; should it ever, the debug
        // form (also complete and deterministic) is hashed rather than nothing.
        let text = toml::to_string(self).unwrap_or_else(|_| format!("{self:?}"));
        let digest = sha2::Sha256::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a scenario file of at most [`MAX_SCENARIO_BYTES`] (1 MiB), and the CSV files it
    /// names (at most [`MAX_CSV_BYTES`] each). A file over its limit is refused by its size
    /// before it is read (a pipe is read no further than the limit). Parsing takes about fifty
    /// times the scenario's text in memory at its peak (some 50 MB for a 1 MiB file), as
    /// [`Scenario::from_toml`].
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_toml`], [`ScenarioError::Io`], or [`ScenarioError::TooLarge`] for a
    /// file over its limit (refused by its size, unread).
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = read_limited(path, MAX_SCENARIO_BYTES)?;
        Scenario::from_toml(&text, Some(path))
    }

    /// Checks the scenario (and builds its ACD configuration once to check that too).
    ///
    /// # Errors
    ///
    /// The first problem found ([`Scenario::problems`] lists every one).
    pub fn validate(&self) -> Result<(), ScenarioError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem [`Scenario::validate`] checks for, not only the first, in the order of the
    /// file: run settings, then each call type, the agent groups, and last the ACD configuration
    /// with the groups added (one [`ScenarioError::Acd`] holding every problem hotline-acd
    /// finds). Each is a [`ScenarioError::Invalid`] or [`ScenarioError::Distribution`] whose
    /// `place` names the key (`call_types[2] (billing).queue`, `agent_groups.team.speed`).
    /// Empty for a valid scenario. The ACD configuration is not built when the agent groups have
    /// a problem (it would come back for every agent made from the group) or the agent count is
    /// over [`MAX_AGENTS`].
    pub fn problems(&self) -> Vec<ScenarioError> {
        let mut found = Vec::new();
        if self.horizon.is_zero() {
            found.push(invalid("horizon", "must be positive"));
        } else if self.warmup >= self.horizon {
            found.push(invalid("warmup", "must be shorter than the horizon"));
        }
        if self.call_types.is_empty() {
            found.push(invalid("call_types", "at least one call type is needed"));
        }
        if self.call_types.len() > u16::MAX as usize {
            found.push(invalid("call_types", "too many"));
        }
        for (i, c) in self.call_types.iter().enumerate() {
            let place = |f: &str| format!("call_types[{i}] ({}).{f}", c.name);
            if !self.acd.queues.iter().any(|q| q.name == c.queue) {
                found.push(invalid(place("queue"), format!("no queue `{}`", c.queue)));
            }
            let a = &c.arrivals;
            let rates: Vec<f64> =
                a.rate_per_hour.into_iter().chain(a.rates_per_hour.iter().copied()).collect();
            if rates.is_empty() || rates.iter().any(|r| !r.is_finite() || *r < 0.0) {
                found.push(invalid(
                    place("arrivals"),
                    "give a non-negative rate_per_hour, rates_per_hour or csv",
                ));
            }
            if a.rate_per_hour.is_some() && !a.rates_per_hour.is_empty() {
                found.push(invalid(
                    place("arrivals"),
                    "give either a constant rate or per-interval rates",
                ));
            }
            if a.interval.is_zero() {
                found.push(invalid(place("arrivals.interval"), "must be positive"));
            }
            for (field, d) in [
                ("handle", Some(&c.handle)),
                ("patience", c.patience.as_ref()),
                ("retrial_delay", c.retrial_delay.as_ref()),
            ] {
                if let Some(source) = d.and_then(Distribution::problem) {
                    found.push(ScenarioError::Distribution { place: place(field), source });
                }
            }
            for (field, p) in [
                ("retrial_probability", c.retrial_probability),
                ("callback_probability", c.callback_probability),
            ] {
                if !(0.0..=1.0).contains(&p) {
                    found.push(invalid(place(field), "must be between 0 and 1"));
                }
            }
            for skill in c.skills.keys() {
                if !self.acd.skills.contains(skill) {
                    found.push(invalid(place("skills"), format!("no skill `{skill}`")));
                }
            }
            if let Some(l) = &c.language
                && !self.acd.languages.contains(l)
            {
                found.push(invalid(place("language"), format!("no language `{l}`")));
            }
        }
        let agents: usize = self
            .agent_groups
            .iter()
            .map(|g| g.count)
            .fold(self.acd.agents.len(), usize::saturating_add);
        let before_groups = found.len();
        if agents > MAX_AGENTS {
            found.push(invalid("agent_groups", format!("{agents} agents; at most {MAX_AGENTS}")));
        }
        for g in &self.agent_groups {
            if !g.speed.is_finite() || g.speed <= 0.0 {
                found.push(invalid(
                    format!("agent_groups.{}.speed", g.name),
                    "must be a positive number",
                ));
            }
            if !(0.0..=1.0).contains(&g.no_answer_probability) {
                found.push(invalid(
                    format!("agent_groups.{}.no_answer_probability", g.name),
                    "must be between 0 and 1",
                ));
            }
            if g.shifts.iter().chain(&g.breaks).any(|s| s.end <= s.start) {
                found.push(invalid(
                    format!("agent_groups.{}", g.name),
                    "a span ends before it starts",
                ));
            }
        }
        // A problem of the agent groups would come back once for every agent made from them
        // (or, for the agent count, the agents would not fit in memory): the ACD configuration
        // is built when the groups are sound.
        if found.len() == before_groups
            && let Err(e) = hotline_acd::Acd::new(&self.acd_config(None, 0))
        {
            found.push(ScenarioError::Acd(e));
        }
        found
    }

    /// The ACD configuration with the agent groups expanded, every queue's policy replaced by
    /// `policy` when given, and the engine's random seed set.
    pub fn acd_config(&self, policy: Option<PolicyName>, engine_seed: u64) -> Config {
        let mut config = self.acd.clone();
        config.seed = engine_seed;
        if let Some(p) = policy {
            for q in &mut config.queues {
                q.policy = p;
            }
        }
        for g in &self.agent_groups {
            for i in 0..g.count {
                let mut a = AgentConfig::new(format!("{}-{}", g.name, i + 1));
                a.skills = g.skills.clone();
                a.languages = g.languages.clone();
                a.queues = g.queues.clone();
                a.wrap_up = g.wrap_up;
                a.max_no_answer = 0;
                a.ready = g.shifts.is_empty() || g.shifts.iter().any(|s| s.start.is_zero());
                a.group = Some(g.name.clone());
                a.speed = g.speed;
                config.agents.push(a);
            }
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MM14: &str = r#"
        name = "M/M/14"
        horizon = "10h"
        warmup = "1h"
        [acd]
        [[acd.queues]]
        name = "q"
        [[agent_groups]]
        name = "a"
        count = 14
        queues = [{ queue = "q" }]
        [[call_types]]
        name = "c"
        queue = "q"
        arrivals = { rate_per_hour = 240 }
        handle = { dist = "exponential", mean = 180 }
    "#;

    #[test]
    fn parses_and_expands() {
        let s = Scenario::from_toml(MM14, None).unwrap();
        assert_eq!(s.replications, 30);
        let c = s.acd_config(Some(PolicyName::RoundRobin), 5);
        assert_eq!(c.agents.len(), 14);
        assert_eq!(c.queues[0].policy, PolicyName::RoundRobin);
    }

    #[test]
    fn errors_name_the_place() {
        let bad =
            MM14.replace("queue = \"q\"\n        arrivals", "queue = \"nope\"\n        arrivals");
        let e = Scenario::from_toml(&bad, None).unwrap_err().to_string();
        assert!(e.contains("call_types[0]") && e.contains("nope"), "{e}");
        let e = Scenario::from_toml("name = 3", None).unwrap_err();
        assert!(matches!(e, ScenarioError::Parse { line: 1, .. }), "{e}");
    }

    #[test]
    fn every_problem_is_listed() {
        let bad = MM14
            .replace("queue = \"q\"\n        arrivals", "queue = \"nope\"\n        arrivals")
            .replace("count = 14", "count = 14\n        speed = 0")
            .replace("warmup = \"1h\"", "warmup = \"11h\"");
        let s: Scenario = toml::from_str(&bad).unwrap();
        let found: Vec<String> = s.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "warmup: must be shorter than the horizon",
                "call_types[0] (c).queue: no queue `nope`",
                "agent_groups.a.speed: must be a positive number",
            ]
        );
        // The first is the one `validate` and `from_toml` give.
        let e = Scenario::from_toml(&bad, None).unwrap_err().to_string();
        assert_eq!(e, found[0]);
        assert!(Scenario::from_toml(MM14, None).unwrap().problems().is_empty());
    }

    #[test]
    fn agent_count_is_bounded() {
        let huge = MM14.replace("count = 14", "count = 100000000000");
        let e = Scenario::from_toml(&huge, None).unwrap_err().to_string();
        assert!(e.contains("at most"), "{e}");
    }

    #[test]
    fn piecewise_rates() {
        let a = Arrivals {
            rate_per_hour: None,
            rates_per_hour: vec![3600.0, 7200.0],
            csv: None,
            interval: Duration::from_secs(60),
        };
        assert_eq!(a.rate_at(10.0), (1.0, 60.0));
        assert_eq!(a.rate_at(70.0), (2.0, f64::INFINITY));
    }
}
