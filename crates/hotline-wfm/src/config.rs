//! A scheduling configuration file (TOML or JSON): templates, weights, rules and agents.

use serde::{Deserialize, Serialize};

use crate::error::{WfmError, invalid};
use crate::roster::{Agent, Rules};
use crate::schedule::{ScheduleProblem, ShiftTemplate, Weights};

/// Largest configuration file accepted, in bytes (4 MiB); parsing TOML takes about fifty times
/// the text in memory, so the limit bounds what a file can cost.
pub const MAX_CONFIG_BYTES: usize = 4 << 20;

/// Everything but the requirement: what [`ScheduleConfig::problem`] turns into a
/// [`ScheduleProblem`] once the requirement is known.
///
/// ```toml
/// seed = 1
/// [weights]
/// under = 2.0
/// over = 1.0
///
/// [rules]
/// min_rest_hours = 11
/// max_consecutive_days = 5
/// max_weekly_hours = 40
///
/// [[templates]]
/// name = "day"
/// earliest_start = "07:00"
/// latest_start = "12:00"
/// start_step_minutes = 30
/// lengths_minutes = [480]
/// breaks = [
///   { name = "break", length_minutes = 15, earliest_after_minutes = 90, latest_after_minutes = 150, paid = true },
///   { name = "lunch", length_minutes = 30, earliest_after_minutes = 210, latest_after_minutes = 270 },
/// ]
///
/// [[agents]]
/// name = "Li Na"
/// unavailable_days = [6]
/// preferred_start_minute = 480
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Shift templates.
    pub templates: Vec<ShiftTemplate>,
    /// Objective weights.
    #[serde(default)]
    pub weights: Weights,
    /// Cap on agents on shift in an interval.
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// Working-time rules for rostering.
    #[serde(default)]
    pub rules: Rules,
    /// Agents to roster.
    #[serde(default)]
    pub agents: Vec<Agent>,
    /// Search effort (see [`ScheduleProblem::effort`]).
    #[serde(default = "default_effort")]
    pub effort: u32,
    /// Search seed.
    #[serde(default)]
    pub seed: u64,
}

fn default_effort() -> u32 {
    400
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl ScheduleConfig {
    /// Reads a TOML configuration.
    ///
    /// Memory: the `toml` crate builds the whole document before the type is filled, about fifty
    /// times the text at its peak. Text over [`MAX_CONFIG_BYTES`] (4 MiB) is refused before it is
    /// parsed; the crate reads no files itself, so a host reading one bounds what it reads to
    /// that limit (the `hotline` command refuses a larger file unread, and reads the rest
    /// template by template and agent by agent).
    ///
    /// # Errors
    ///
    /// [`WfmError::Config`] with the line and column of a syntax or type error, or naming the
    /// template that [`ScheduleProblem::check`] rejects; [`WfmError::TooLarge`] above
    /// [`MAX_CONFIG_BYTES`].
    pub fn from_toml(text: &str) -> Result<ScheduleConfig, WfmError> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(WfmError::TooLarge { what: "bytes", limit: MAX_CONFIG_BYTES });
        }
        let config: ScheduleConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_column(text, s.start));
            WfmError::Config { line, column, message: e.message().to_owned() }
        })?;
        config.check()?;
        Ok(config)
    }

    /// Reads a JSON configuration.
    ///
    /// # Errors
    ///
    /// As [`ScheduleConfig::from_toml`].
    pub fn from_json(text: &str) -> Result<ScheduleConfig, WfmError> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(WfmError::TooLarge { what: "bytes", limit: MAX_CONFIG_BYTES });
        }
        let config: ScheduleConfig = serde_json::from_str(text).map_err(|e| WfmError::Config {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Checks the templates and rules without a requirement (on a 15-minute grid when every
    /// template allows it, else 30 or 60).
    ///
    /// # Errors
    ///
    /// As [`ScheduleProblem::check`]; [`WfmError::Invalid`] for more than 1,000 templates or
    /// 100,000 agents.
    pub fn check(&self) -> Result<(), WfmError> {
        if self.templates.len() > 1_000 {
            return Err(invalid("templates", "at most 1,000"));
        }
        if self.agents.len() > 100_000 {
            return Err(invalid("agents", "at most 100,000"));
        }
        // The 15-minute grid's error is the one to report: it is the finest.
        let mut first = None;
        for iv in [15, 30, 60] {
            match self.problem(vec![vec![0; (1440 / iv) as usize]], iv, 0).check() {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or_else(|| invalid("templates", "no interval fits")))
    }

    /// The scheduling problem for `required` (days × intervals of `interval_minutes`) from weekday
    /// `first_weekday` (0 = Monday).
    pub fn problem(
        &self,
        required: Vec<Vec<u32>>,
        interval_minutes: u32,
        first_weekday: u8,
    ) -> ScheduleProblem {
        ScheduleProblem {
            interval_minutes,
            first_weekday,
            required,
            templates: self.templates.clone(),
            weights: self.weights,
            max_concurrency: self.max_concurrency,
            effort: self.effort,
            seed: self.seed,
            skill_required: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
seed = 1
[weights]
under = 2.0
over = 1.0

[rules]
min_rest_hours = 11
max_consecutive_days = 5
max_weekly_hours = 40

[[templates]]
name = "day"
earliest_start = "07:00"
latest_start = "12:00"
start_step_minutes = 30
lengths_minutes = [480]
breaks = [
  { name = "break", length_minutes = 15, earliest_after_minutes = 90, latest_after_minutes = 150, paid = true },
  { name = "lunch", length_minutes = 30, earliest_after_minutes = 210, latest_after_minutes = 270 },
]

[[agents]]
name = "Li Na"
unavailable_days = [6]
preferred_start_minute = 480
"#;

    #[test]
    fn reads_the_documented_example_and_round_trips_through_json() {
        let c = ScheduleConfig::from_toml(EXAMPLE).unwrap();
        assert_eq!(c.templates[0].breaks.len(), 2);
        assert_eq!(c.rules.max_consecutive_days, 5);
        assert_eq!(c.rules.min_rest_hours, 11.0);
        assert_eq!(c.agents[0].unavailable_days, vec![6]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(ScheduleConfig::from_json(&json).unwrap(), c);
    }

    #[test]
    fn a_template_names_one_skill_or_several() {
        let one =
            EXAMPLE.replace("lengths_minutes = [480]", "lengths_minutes = [480]\nskill = \"en\"");
        assert_eq!(ScheduleConfig::from_toml(&one).unwrap().templates[0].skills, vec!["en"]);
        let two = EXAMPLE.replace(
            "lengths_minutes = [480]",
            "lengths_minutes = [480]\nskills = [\"en\", \"zh\"]",
        );
        let c = ScheduleConfig::from_toml(&two).unwrap();
        assert_eq!(c.templates[0].skills, vec!["en", "zh"]);
        // JSON written before the field was a list (`"skill": null`) still reads.
        let json = serde_json::to_string(&c)
            .unwrap()
            .replace(r#""skills":["en","zh"]"#, r#""skill":null"#);
        assert!(ScheduleConfig::from_json(&json).unwrap().templates[0].skills.is_empty());
        assert!(
            ScheduleConfig::from_toml(
                &EXAMPLE.replace("lengths_minutes = [480]", "lengths_minutes = [480]\nskills = 3")
            )
            .is_err()
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let bad = EXAMPLE.replace("start_step_minutes = 30", "start_step_minutes = \"x\"");
        match ScheduleConfig::from_toml(&bad).unwrap_err() {
            WfmError::Config { line, column, .. } => assert_eq!((line, column), (16, 22)),
            other => panic!("{other}"),
        }
        let bad = EXAMPLE.replace("latest_start = \"12:00\"", "latest_start = \"25:00\"");
        assert!(matches!(ScheduleConfig::from_toml(&bad), Err(WfmError::Config { line: 15, .. })));
        let bad = EXAMPLE.replace("seed = 1", "seeds = 1");
        assert!(matches!(ScheduleConfig::from_toml(&bad), Err(WfmError::Config { line: 2, .. })));
        // Semantically wrong: a lunch that cannot fit.
        let bad = EXAMPLE.replace("lengths_minutes = [480]", "lengths_minutes = [225]");
        assert!(matches!(ScheduleConfig::from_toml(&bad), Err(WfmError::Infeasible { .. })));
    }
}
