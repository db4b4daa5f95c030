//! The campaign configuration ([`Campaign`]) and its TOML file.
//!
//! ```toml
//! name = "Payment reminders"
//! ring_timeout = "20s"            # at least the profile's minimum ring
//! max_lines = 60                  # calls in progress at most
//!
//! [profile]                       # a jurisdiction's defaults, any field overridden
//! jurisdiction = "uk"
//! amd_false_positive_rate = 0.01
//! rolling = true                  # the cap over every trailing window (the default)
//!
//! [mode]                          # preview | progressive | predictive
//! mode = "predictive"
//! pacer = { pacer = "adaptive" }  # queue_model | adaptive | vicidial; memoryless = true: the
//!                                 # model that ignores elapsed times
//!
//! [retry]
//! busy = "10m"
//! no_answer = "2h"
//! max_attempts = 6
//!
//! [blend]                         # optional: outbound only while inbound allows
//! min_service_level = 0.8
//! max_inbound_waiting = 0
//! ```
//!
//! [`Campaign::from_toml`] lists every problem with its line, not only the first.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::compliance::{CallingHours, Jurisdiction, Profile};
use crate::duration_serde;
use crate::error::{InputError, Location, Problem};
use crate::pacing::{Estimates, PacerConfig};

/// The largest campaign file accepted, in bytes.
pub const MAX_CAMPAIGN_BYTES: usize = 1 << 20;

/// How the campaign dials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Mode {
    /// The agent sees the record first and dials it (or the engine does after `timeout`).
    Preview {
        /// How long the agent may look before the engine dials.
        #[serde(with = "duration_serde", default = "default_preview")]
        timeout: Duration,
    },
    /// Dial `ratio` lines per idle agent (1: never a call without an agent).
    Progressive {
        /// Lines per idle agent, at least 1.
        #[serde(default = "one")]
        ratio: f64,
    },
    /// Dial ahead of free agents, paced to a target abandonment rate.
    Predictive {
        /// The pacer.
        pacer: PacerConfig,
    },
}

fn default_preview() -> Duration {
    Duration::from_secs(30)
}
fn one() -> f64 {
    1.0
}

/// When a record is tried again, by outcome, and how often at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct RetryRules {
    /// After a busy line.
    #[serde(with = "duration_serde")]
    pub busy: Duration,
    /// After no answer.
    #[serde(with = "duration_serde")]
    pub no_answer: Duration,
    /// After an answering machine.
    #[serde(with = "duration_serde")]
    pub machine: Duration,
    /// After a rejected call.
    #[serde(with = "duration_serde")]
    pub rejected: Duration,
    /// After an abandoned call (the profile's redial ban applies on top).
    #[serde(with = "duration_serde")]
    pub abandoned: Duration,
    /// Attempts at most per record.
    pub max_attempts: u32,
}

impl Default for RetryRules {
    fn default() -> RetryRules {
        RetryRules {
            busy: Duration::from_secs(10 * 60),
            no_answer: Duration::from_secs(2 * 3600),
            machine: Duration::from_secs(4 * 3600),
            rejected: Duration::from_secs(3600),
            abandoned: Duration::from_secs(3600),
            max_attempts: 5,
        }
    }
}

/// Blending with inbound queues: outbound dials only while the inbound side is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Blend {
    /// The inbound service level below which outbound dialling stops.
    pub min_service_level: f64,
    /// Inbound calls waiting above which outbound dialling stops.
    #[serde(default)]
    pub max_inbound_waiting: u32,
}

impl Blend {
    /// Outbound while the service level is at least `min_service_level` and at most
    /// `max_inbound_waiting` inbound calls wait.
    pub fn new(min_service_level: f64, max_inbound_waiting: u32) -> Blend {
        Blend { min_service_level, max_inbound_waiting }
    }
}

/// Where a list comes from (read by the host: the engine reads no files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ListSource {
    /// The list's name in progress reports.
    pub name: String,
    /// The CSV file, relative to the campaign file.
    pub file: String,
    /// The time zone of records without one.
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// A campaign's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Campaign {
    /// A name for people.
    pub name: String,
    /// How it dials.
    pub mode: Mode,
    /// The rules it is held to.
    #[serde(default = "Profile::us")]
    pub profile: Profile,
    /// Retries.
    #[serde(default)]
    pub retry: RetryRules,
    /// How long a dial rings before it is given up (at least the profile's minimum ring).
    #[serde(with = "duration_serde", default = "default_ring")]
    pub ring_timeout: Duration,
    /// Calls in progress at most (trunk capacity).
    #[serde(default = "default_lines")]
    pub max_lines: u32,
    /// Blending with inbound queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blend: Option<Blend>,
    /// Where regulator window 0 starts (default: midnight UTC of the first input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_origin: Option<Timestamp>,
    /// The starting estimates, before outcomes teach better ones.
    #[serde(default)]
    pub initial_estimates: Estimates,
    /// The campaign's lists.
    #[serde(default, rename = "list", skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListSource>,
}

fn default_ring() -> Duration {
    Duration::from_secs(20)
}
fn default_lines() -> u32 {
    1000
}

impl Campaign {
    /// A campaign with defaults: US profile, default retries, 20 s ring, 1000 lines.
    pub fn new(name: impl Into<String>, mode: Mode) -> Campaign {
        Campaign {
            name: name.into(),
            mode,
            profile: Profile::us(),
            retry: RetryRules::default(),
            ring_timeout: default_ring(),
            max_lines: default_lines(),
            blend: None,
            window_origin: None,
            initial_estimates: Estimates::default(),
            lists: Vec::new(),
        }
    }

    /// The same campaign under `profile`.
    pub fn with_profile(mut self, profile: Profile) -> Campaign {
        self.profile = profile;
        self
    }

    /// Every problem, each naming its field (`profile.abandon_cap`).
    pub fn problems(&self) -> Vec<Problem> {
        let mut v = Vec::new();
        let mut push = |field: &str, message: String| {
            v.push(Problem { location: None, field: Some(field.to_owned()), message });
        };
        if self.name.trim().is_empty() {
            push("name", "the campaign has no name".into());
        }
        let p = &self.profile;
        if !p.abandon_cap.is_finite() || !(0.0..=1.0).contains(&p.abandon_cap) {
            push(
                "profile.abandon_cap",
                format!("{} is not a share between 0 and 1", p.abandon_cap),
            );
        }
        if p.window < Duration::from_secs(60) {
            push("profile.window", "a regulator window is at least a minute".into());
        }
        if p.connect_limit.is_zero() || p.connect_limit > Duration::from_secs(60) {
            push("profile.connect_limit", "the connect limit must be between 0 and 60 s".into());
        }
        if let Some(fp) = p.amd_false_positive_rate
            && (!fp.is_finite() || !(0.0..=1.0).contains(&fp))
        {
            push("profile.amd_false_positive_rate", format!("{fp} is not a share between 0 and 1"));
        }
        if self.ring_timeout < p.min_ring {
            push(
                "ring_timeout",
                format!(
                    "{} is shorter than the profile's minimum ring of {}",
                    duration_serde::format(self.ring_timeout),
                    duration_serde::format(p.min_ring)
                ),
            );
        }
        if self.ring_timeout > Duration::from_secs(600) {
            push("ring_timeout", "a ring timeout is at most 10 minutes".into());
        }
        if self.max_lines == 0 {
            push("max_lines", "at least one line".into());
        }
        match &self.mode {
            Mode::Preview { timeout } => {
                if timeout.is_zero() {
                    push("mode.timeout", "the preview timeout must be positive".into());
                }
            }
            Mode::Progressive { ratio } => {
                if !ratio.is_finite() || *ratio < 1.0 || *ratio > 100.0 {
                    push("mode.ratio", format!("{ratio} is not a ratio between 1 and 100"));
                }
            }
            Mode::Predictive { pacer } => {
                for m in pacer.problems() {
                    push("mode.pacer", m);
                }
            }
        }
        if self.retry.max_attempts == 0 {
            push("retry.max_attempts", "at least one attempt".into());
        }
        if let Some(b) = &self.blend
            && (!b.min_service_level.is_finite() || !(0.0..=1.0).contains(&b.min_service_level))
        {
            push(
                "blend.min_service_level",
                format!("{} is not a share between 0 and 1", b.min_service_level),
            );
        }
        let e = &self.initial_estimates;
        if !e.p_live.is_finite() || !(0.0..=1.0).contains(&e.p_live) {
            push("initial_estimates.p_live", format!("{} is not a probability", e.p_live));
        }
        for (name, x) in [("answer_delay", e.answer_delay), ("talk", e.talk), ("wrap", e.wrap)] {
            if !x.is_finite() || !(0.0..=86_400.0).contains(&x) {
                push(
                    &format!("initial_estimates.{name}"),
                    format!("{x} is not a number of seconds"),
                );
            }
        }
        for (i, l) in self.lists.iter().enumerate() {
            if jiff::tz::TimeZone::get(&l.time_zone).is_err() {
                push(
                    &format!("list.{i}.time_zone"),
                    format!("`{}` is not an IANA time zone", l.time_zone),
                );
            }
        }
        v
    }

    /// Checks the campaign.
    ///
    /// # Errors
    ///
    /// [`InputError::Problems`] listing every problem.
    pub fn check(&self) -> Result<(), InputError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InputError::Problems { what: "the campaign", problems })
        }
    }

    /// Reads a campaign from TOML and checks it.
    ///
    /// Memory: the `toml` crate builds the whole document before the type is filled, about fifty
    /// times the text at its peak. Text over [`MAX_CAMPAIGN_BYTES`] (1 MiB) is refused before it is
    /// parsed; the crate reads no files itself, so a host reading one bounds what it reads to
    /// that limit.
    ///
    /// # Errors
    ///
    /// [`InputError::TooLarge`] above [`MAX_CAMPAIGN_BYTES`]; [`InputError::Problems`] with the
    /// line of each problem: the syntax or type error, or every failed check.
    pub fn from_toml(text: &str) -> Result<Campaign, InputError> {
        const WHAT: &str = "the campaign file";
        if text.len() > MAX_CAMPAIGN_BYTES {
            return Err(InputError::TooLarge {
                what: WHAT,
                size: text.len(),
                limit: MAX_CAMPAIGN_BYTES,
            });
        }
        let campaign: Campaign = toml::from_str(text).map_err(|e| InputError::Problems {
            what: WHAT,
            problems: vec![Problem {
                location: e.span().map(|s| crate::error::location_of(text, s.start)),
                field: None,
                message: e.message().to_owned(),
            }],
        })?;
        campaign.checked_in(text)
    }

    /// Checks a campaign already read from `text` (by [`Campaign::from_toml`], or by a host's
    /// own reader that fills the type without building the whole document): every failed
    /// check, each placed at the line of its key in `text`, in the order of the file.
    ///
    /// # Errors
    ///
    /// [`InputError::Problems`] with every failed check.
    pub fn checked_in(self, text: &str) -> Result<Campaign, InputError> {
        let mut problems = self.problems();
        if problems.is_empty() {
            return Ok(self);
        }
        for p in &mut problems {
            if let Some(f) = &p.field {
                p.location = find_key(text, f);
            }
        }
        problems.sort_by_key(|p| p.location);
        Err(InputError::Problems { what: "the campaign file", problems })
    }

    /// The campaign as TOML.
    ///
    /// # Errors
    ///
    /// A serialisation error (only for values TOML cannot hold).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

/// The line of `path` (`section.key`, or `key` at the top) in a TOML text, found by reading
/// table headers and keys line by line; the section's header line when the key is not written
/// (a default that failed a check), or None.
fn find_key(text: &str, path: &str) -> Option<Location> {
    let (section, key) = match path.split_once('.') {
        Some((s, rest)) => (s, rest.split('.').next_back().unwrap_or(rest)),
        None => ("", path),
    };
    let section = if section == "list" { "" } else { section };
    let mut current = String::new();
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[') {
            current = h.trim_start_matches('[').trim_end_matches(']').trim().to_owned();
            if current == section {
                header_line = Some(i + 1);
            }
            continue;
        }
        let in_section = current == section || (section.is_empty() && current.is_empty());
        let Some((k, _)) = t.split_once('=') else { continue };
        let k = k.trim().trim_matches('"');
        let k_last = k.rsplit('.').next().unwrap_or(k);
        if (in_section && k_last == key) || (section.is_empty() && current.is_empty() && k == path)
        {
            return Some(Location {
                line: i + 1,
                column: line.len() - line.trim_start().len() + 1,
            });
        }
        // `pacer = { ... }` inside [mode] holds the pacer's keys.
        if in_section && t.contains('{') && t.contains(key) {
            return Some(Location { line: i + 1, column: 0 });
        }
    }
    header_line.map(|line| Location { line, column: 0 })
}

/// Reading a profile: a jurisdiction's defaults, then any field written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileSpec {
    jurisdiction: Jurisdiction,
    abandon_cap: Option<f64>,
    #[serde(default, with = "duration_serde::option")]
    window: Option<Duration>,
    #[serde(default, with = "duration_serde::option")]
    connect_limit: Option<Duration>,
    #[serde(default, with = "duration_serde::option")]
    min_ring: Option<Duration>,
    calling_hours: Option<CallingHours>,
    #[serde(default, with = "duration_serde::option")]
    redial_ban_after_abandon: Option<Duration>,
    amd_false_positive_rate: Option<f64>,
    consent_required: Option<bool>,
    rolling: Option<bool>,
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        let s = ProfileSpec::deserialize(d)?;
        let mut p = Profile::for_jurisdiction(s.jurisdiction);
        if let Some(x) = s.abandon_cap {
            p.abandon_cap = x;
        }
        if let Some(x) = s.window {
            p.window = x;
        }
        if let Some(x) = s.connect_limit {
            p.connect_limit = x;
        }
        if let Some(x) = s.min_ring {
            p.min_ring = x;
        }
        if let Some(x) = s.calling_hours {
            p.calling_hours = x;
        }
        if s.redial_ban_after_abandon.is_some() {
            p.redial_ban_after_abandon = s.redial_ban_after_abandon;
        }
        if s.amd_false_positive_rate.is_some() {
            p.amd_false_positive_rate = s.amd_false_positive_rate;
        }
        if let Some(x) = s.consent_required {
            p.consent_required = x;
        }
        if let Some(x) = s.rolling {
            p.rolling = x;
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacing::VicidialMethod;

    #[test]
    fn reads_the_documented_example() {
        let text = r#"
name = "Payment reminders"
ring_timeout = "20s"
max_lines = 60

[profile]
jurisdiction = "uk"
amd_false_positive_rate = 0.01

[mode]
mode = "predictive"
pacer = { pacer = "adaptive" }

[retry]
busy = "10m"
no_answer = "2h"
max_attempts = 6

[blend]
min_service_level = 0.8
"#;
        let c = Campaign::from_toml(text).unwrap();
        assert_eq!(c.profile.jurisdiction, Jurisdiction::Uk);
        assert_eq!(c.profile.window, Duration::from_secs(86_400));
        assert_eq!(c.profile.redial_ban_after_abandon, Some(Duration::from_secs(72 * 3600)));
        assert_eq!(c.profile.amd_false_positive_rate, Some(0.01));
        assert_eq!(c.retry.max_attempts, 6);
        assert_eq!(
            c.retry.machine,
            Duration::from_secs(4 * 3600),
            "unwritten retry fields keep defaults"
        );
        assert_eq!(c.mode, Mode::Predictive { pacer: PacerConfig::adaptive() });
        // Round trip through TOML.
        let again = Campaign::from_toml(&c.to_toml().unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn lists_every_problem_with_its_line() {
        let text = "name = \"x\"\nring_timeout = \"5s\"\nmax_lines = 0\n\n[profile]\njurisdiction = \"us\"\nabandon_cap = 1.5\n\n[mode]\nmode = \"progressive\"\nratio = 0.5\n";
        let e = Campaign::from_toml(text).unwrap_err();
        let lines: Vec<(usize, &str)> = e
            .problems()
            .iter()
            .map(|p| (p.location.map_or(0, |l| l.line), p.field.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            lines,
            vec![
                (2, "ring_timeout"),
                (3, "max_lines"),
                (7, "profile.abandon_cap"),
                (11, "mode.ratio")
            ]
        );
    }

    #[test]
    fn syntax_errors_have_a_line_and_unknown_keys_are_refused() {
        let e = Campaign::from_toml("name = \"x\"\n[mode]\nmode = \"preview\"\nspeed = 3\n")
            .unwrap_err();
        // toml places an unknown key of a tagged table at the table's header.
        assert_eq!(e.problems()[0].location.map(|l| l.line), Some(2), "{e}");
        assert!(e.problems()[0].message.contains("speed"), "{e}");
        let e = Campaign::from_toml("name = \n").unwrap_err();
        assert_eq!(e.problems()[0].location.map(|l| l.line), Some(1));
        let big = "#".repeat(MAX_CAMPAIGN_BYTES + 1);
        assert!(matches!(Campaign::from_toml(&big), Err(InputError::TooLarge { .. })));
    }

    #[test]
    fn memoryless_dispersion_and_fixed_windows_from_toml() {
        let c = Campaign::from_toml(
            "name = \"m\"\n[profile]\njurisdiction = \"us\"\nrolling = false\n[mode]\nmode = \"predictive\"\npacer = { pacer = \"adaptive\", memoryless = true, dispersion = 1.5 }\n",
        )
        .unwrap();
        assert!(!c.profile.rolling);
        assert!(Profile::us().rolling, "rolling is the default");
        let Mode::Predictive { pacer: PacerConfig::Adaptive { memoryless, dispersion, .. } } =
            c.mode
        else {
            panic!()
        };
        assert_eq!((memoryless, dispersion), (true, 1.5));
        let e = Campaign::from_toml(
            "name = \"m\"\n[mode]\nmode = \"predictive\"\npacer = { pacer = \"adaptive\", dispersion = 0.5 }\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("dispersion"), "{e}");
    }

    #[test]
    fn vicidial_pacer_from_toml() {
        let c = Campaign::from_toml(
            "name = \"v\"\n[mode]\nmode = \"predictive\"\npacer = { pacer = \"vicidial\", method = \"adapt_tapered\", max_level = 4.0 }\n",
        )
        .unwrap();
        let Mode::Predictive { pacer: PacerConfig::Vicidial { method, max_level, .. } } = c.mode
        else {
            panic!()
        };
        assert_eq!((method, max_level), (VicidialMethod::AdaptTapered, 4.0));
    }
}
