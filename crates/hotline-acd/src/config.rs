//! The engine's configuration (serde, TOML): skills, languages, queues, agents, policies and
//! overflow rules, with a validation that names every inconsistency.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration;
use crate::model::{MAX_PROFICIENCY, MIN_PROFICIENCY};
use crate::policy::{PolicyName, QueueSelectionName};

/// The whole configuration of one engine: read from TOML ([`Config::from_toml_checked`]) or
/// built with [`Config::new`] and its builder methods (the fields stay public for reading and
/// changing; the type is `#[non_exhaustive]`, so that new settings are not breaking changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Seed of the engine's random generator (random policies).
    #[serde(default)]
    pub seed: u64,
    /// Statistics interval: usually 15, 30 or 60 minutes.
    #[serde(default = "default_interval", with = "duration::text")]
    pub interval: Duration,
    /// How a freed agent chooses between queues of equal weight.
    #[serde(default)]
    pub queue_selection: QueueSelectionName,
    /// The skills agents may have and calls may need.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The languages agents may speak and calls may need.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The queues.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// The agents.
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
}

fn default_interval() -> Duration {
    Duration::from_secs(15 * 60)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 0,
            interval: default_interval(),
            queue_selection: QueueSelectionName::default(),
            skills: Vec::new(),
            languages: Vec::new(),
            queues: Vec::new(),
            agents: Vec::new(),
        }
    }
}

/// One queue: [`QueueConfig::new`] and its builder methods, or TOML (`#[non_exhaustive]`, as
/// [`Config`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct QueueConfig {
    /// Unique name.
    pub name: String,
    /// The agent-selection policy.
    #[serde(default = "default_policy")]
    pub policy: PolicyName,
    /// Weight (Asterisk's queue weight): a freed agent takes a call of its highest-weight
    /// queue first.
    #[serde(default)]
    pub weight: u32,
    /// Share for fixed-ratio queue selection.
    #[serde(default = "one")]
    pub share: u32,
    /// After-call work time (an agent's own `wrap_up` overrides it).
    #[serde(default, with = "duration::text")]
    pub wrap_up: Duration,
    /// Ring time after which the engine withdraws an unanswered offer (none: only the front
    /// end's `OfferTimedOut`).
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub offer_timeout: Option<Duration>,
    /// Each tier above the lowest may take a call only after it waited this much longer
    /// (FreeSWITCH tier rules; zero: a higher tier is used as soon as no lower tier is ready, as
    /// Asterisk penalties).
    #[serde(default, with = "duration::text")]
    pub tier_wait: Duration,
    /// Priority aging: a waiting call gains one priority point per this much waiting.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub aging: Option<Duration>,
    /// Ring-progressively's interval between adding agents.
    #[serde(default = "default_ring_every", with = "duration::text")]
    pub ring_every: Duration,
    /// Service-level threshold (answered within).
    #[serde(default = "default_service_level", with = "duration::text")]
    pub service_level: Duration,
    /// Maximum wait before the call takes `max_wait_exit`.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<Duration>,
    /// Where calls go after `max_wait`.
    #[serde(default = "default_exit")]
    pub max_wait_exit: ExitConfig,
    /// Maximum number of calls waiting; an arrival beyond it takes `full_exit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Where calls go when the queue is full.
    #[serde(default = "default_full_exit")]
    pub full_exit: ExitConfig,
    /// An abandoned caller who calls again within this window gets its place back.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub resume_window: Option<Duration>,
    /// Position and wait announcements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<AnnounceConfig>,
    /// Overflow steps, in order of `after`.
    #[serde(default)]
    pub overflow: Vec<OverflowStep>,
}

fn default_policy() -> PolicyName {
    PolicyName::LongestIdle
}
fn one() -> u32 {
    1
}
fn default_ring_every() -> Duration {
    Duration::from_secs(5)
}
fn default_service_level() -> Duration {
    Duration::from_secs(20)
}
fn default_exit() -> ExitConfig {
    ExitConfig::Voicemail
}
fn default_full_exit() -> ExitConfig {
    ExitConfig::Busy
}

impl QueueConfig {
    /// A queue with every default: longest-idle, no wrap-up, no limits.
    pub fn new(name: impl Into<String>) -> Self {
        QueueConfig {
            name: name.into(),
            policy: default_policy(),
            weight: 0,
            share: 1,
            wrap_up: Duration::ZERO,
            offer_timeout: None,
            tier_wait: Duration::ZERO,
            aging: None,
            ring_every: default_ring_every(),
            service_level: default_service_level(),
            max_wait: None,
            max_wait_exit: default_exit(),
            max_length: None,
            full_exit: default_full_exit(),
            resume_window: None,
            announce: None,
            overflow: Vec::new(),
        }
    }

    /// Sets the agent-selection policy.
    #[must_use]
    pub fn policy(mut self, policy: PolicyName) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the weight (a freed agent serves its highest-weight queues first).
    #[must_use]
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// Sets the share for fixed-ratio queue selection.
    #[must_use]
    pub fn share(mut self, share: u32) -> Self {
        self.share = share;
        self
    }

    /// Sets the wrap-up time.
    #[must_use]
    pub fn wrap_up(mut self, wrap_up: Duration) -> Self {
        self.wrap_up = wrap_up;
        self
    }

    /// Sets the engine's ring time-out for offers.
    #[must_use]
    pub fn offer_timeout(mut self, timeout: Duration) -> Self {
        self.offer_timeout = Some(timeout);
        self
    }

    /// Sets the tier wait.
    #[must_use]
    pub fn tier_wait(mut self, wait: Duration) -> Self {
        self.tier_wait = wait;
        self
    }

    /// Sets priority aging (one point per `every` of waiting).
    #[must_use]
    pub fn aging(mut self, every: Duration) -> Self {
        self.aging = Some(every);
        self
    }

    /// Sets ring-progressively's interval.
    #[must_use]
    pub fn ring_every(mut self, every: Duration) -> Self {
        self.ring_every = every;
        self
    }

    /// Sets the service-level threshold.
    #[must_use]
    pub fn service_level(mut self, threshold: Duration) -> Self {
        self.service_level = threshold;
        self
    }

    /// Sets the maximum wait and where calls go after it.
    #[must_use]
    pub fn max_wait(mut self, max: Duration, exit: ExitConfig) -> Self {
        self.max_wait = Some(max);
        self.max_wait_exit = exit;
        self
    }

    /// Sets the maximum length and where calls go when the queue is full.
    #[must_use]
    pub fn max_length(mut self, max: usize, exit: ExitConfig) -> Self {
        self.max_length = Some(max);
        self.full_exit = exit;
        self
    }

    /// Sets the window within which an abandoned caller who calls again gets its place back.
    #[must_use]
    pub fn resume_window(mut self, window: Duration) -> Self {
        self.resume_window = Some(window);
        self
    }

    /// Sets position and wait announcements.
    #[must_use]
    pub fn announce(mut self, announce: AnnounceConfig) -> Self {
        self.announce = Some(announce);
        self
    }

    /// Adds an overflow step (steps are kept in the order added).
    #[must_use]
    pub fn overflow(mut self, after: Duration, then: OverflowAction) -> Self {
        self.overflow.push(OverflowStep { after, then });
        self
    }
}

/// Where a call goes when it leaves a queue unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ExitConfig {
    /// Voicemail.
    Voicemail,
    /// Callback in queue.
    Callback,
    /// Busy.
    Busy,
    /// Another queue, by name: `{ queue = "general" }`.
    Queue(String),
}

/// Position and estimated-wait announcements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnounceConfig {
    /// First announcement after this much waiting.
    #[serde(default, with = "duration::text")]
    pub first_after: Duration,
    /// Then again every so often (none: once).
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub every: Option<Duration>,
    /// How to estimate the wait.
    #[serde(default)]
    pub method: EwtMethod,
}

/// Estimated-wait methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EwtMethod {
    /// From the queue's state: position, agents serving, recent handle times.
    #[default]
    QueueState,
    /// Erlang C from the recent arrival rate and handle time (`hotline-erlang`).
    ErlangC,
    /// QL: departures ahead at the long-run service rate (Ibrahim and Whitt).
    Ql,
    /// QL_m: QL counting the callers ahead who abandon (`ql-m`).
    QlM,
    /// LES: the wait of the last caller to enter service.
    Les,
    /// HOL: the wait so far of the caller at the head of the line.
    Hol,
    /// The mean wait of the last 16 callers to enter service.
    RecentDelay,
    /// No estimate (announce position only).
    None,
}

/// One overflow step: `after` this much waiting in the queue, `then` change the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowStep {
    /// Time in the queue before the step.
    #[serde(with = "duration::text")]
    pub after: Duration,
    /// What the step does.
    pub then: OverflowAction,
}

/// What an overflow step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OverflowAction {
    /// The all-of skills become any-of.
    Widen,
    /// Drop a skill from the requirement: `{ drop-skill = "billing" }`.
    DropSkill(String),
    /// Lower every minimum proficiency by this much (not below 1): `{ lower-proficiency = 2 }`.
    LowerProficiency(u8),
    /// Let another queue's agents take the call too: `{ add-queue = "general" }`.
    AddQueue(String),
    /// Move the call to another queue: `{ move-to = "general" }`.
    MoveTo(String),
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Unique name.
    pub name: String,
    /// Skills with proficiency 1–10: `{ billing = 8, tech = 3 }`.
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    /// Languages spoken.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Queue memberships.
    #[serde(default)]
    pub queues: Vec<MembershipConfig>,
    /// Unanswered offers in a row before the engine makes the agent not ready (0: never).
    #[serde(default = "default_max_no_answer")]
    pub max_no_answer: u32,
    /// No offers for this long after the agent declines one.
    #[serde(default, with = "duration::text")]
    pub reject_delay: Duration,
    /// No offers for this long after the agent's device was busy.
    #[serde(default, with = "duration::text")]
    pub busy_delay: Duration,
    /// No offers for this long after an unanswered offer.
    #[serde(default, with = "duration::text")]
    pub no_answer_delay: Duration,
    /// Wrap-up time overriding the queue's.
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    pub wrap_up: Option<Duration>,
    /// Start logged in and ready (default: logged out).
    #[serde(default)]
    pub ready: bool,
    /// The agent's group (a team, a staffing pool, a simulator's agent group): routing
    /// policies see it in [`AgentView::group`](crate::AgentView::group) and can count the
    /// group's idle agents in O(1) ([`CenterView::idle_in_group`](crate::CenterView::idle_in_group)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// How fast the agent works relative to others (1 = the norm, 2 = twice as fast): the
    /// engine does not use it; routing policies see it as
    /// [`AgentView::speed`](crate::AgentView::speed) (fastest-server-first rules), and the
    /// simulator sets it from an agent group's `speed`.
    #[serde(default = "default_speed", skip_serializing_if = "is_default_speed")]
    pub speed: f64,
}

fn default_speed() -> f64 {
    1.0
}

#[allow(clippy::trivially_copy_pass_by_ref, clippy::float_cmp)]
fn is_default_speed(speed: &f64) -> bool {
    *speed == 1.0
}

fn default_max_no_answer() -> u32 {
    3
}

impl AgentConfig {
    /// An agent with no skills, member of nothing, logged out.
    pub fn new(name: impl Into<String>) -> Self {
        AgentConfig {
            name: name.into(),
            skills: BTreeMap::new(),
            languages: Vec::new(),
            queues: Vec::new(),
            max_no_answer: default_max_no_answer(),
            reject_delay: Duration::ZERO,
            busy_delay: Duration::ZERO,
            no_answer_delay: Duration::ZERO,
            wrap_up: None,
            ready: false,
            group: None,
            speed: default_speed(),
        }
    }

    /// Puts the agent in a group.
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// Adds a membership of `queue` at `tier`, positioned after the agent's other entries.
    pub fn member(mut self, queue: &str, tier: u32, position: u32) -> Self {
        self.queues.push(MembershipConfig { queue: queue.to_owned(), tier, position, weight: 1 });
        self
    }

    /// Adds a skill.
    pub fn skill(mut self, skill: &str, proficiency: u8) -> Self {
        self.skills.insert(skill.to_owned(), proficiency);
        self
    }
}

/// An agent's membership of a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipConfig {
    /// The queue's name.
    pub queue: String,
    /// Tier level (Asterisk penalty), 1 = first.
    #[serde(default = "one")]
    pub tier: u32,
    /// Position for linear and round-robin (lower first).
    #[serde(default)]
    pub position: u32,
    /// Weight for weighted random.
    #[serde(default = "one")]
    pub weight: u32,
}

/// A configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not valid TOML for a configuration.
    #[error("line {line}, column {column}: {message}")]
    Parse {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The configuration parsed but is inconsistent.
    #[error("{} problem(s): {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// One inconsistency in a configuration; `at` says where (`queues[2].overflow[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Problem {
    /// Two items of a list share a name.
    #[error("{at}: duplicate name `{name}`")]
    DuplicateName {
        /// Where.
        at: String,
        /// The name.
        name: String,
    },
    /// A skill not declared in `skills`.
    #[error("{at}: unknown skill `{skill}`")]
    UnknownSkill {
        /// Where.
        at: String,
        /// The skill.
        skill: String,
    },
    /// A language not declared in `languages`.
    #[error("{at}: unknown language `{language}`")]
    UnknownLanguage {
        /// Where.
        at: String,
        /// The language.
        language: String,
    },
    /// A queue not declared in `queues`.
    #[error("{at}: unknown queue `{queue}`")]
    UnknownQueue {
        /// Where.
        at: String,
        /// The queue.
        queue: String,
    },
    /// A proficiency outside 1–10.
    #[error("{at}: proficiency {value} is outside 1–10")]
    ProficiencyOutOfRange {
        /// Where.
        at: String,
        /// The value.
        value: u8,
    },
    /// A queue no agent is a member of.
    #[error("queues[{index}] `{queue}`: no agent is a member of this queue")]
    QueueWithoutAgents {
        /// The queue's index.
        index: usize,
        /// The queue.
        queue: String,
    },
    /// An overflow or exit rule that can never work as written.
    #[error("{at}: impossible overflow: {why}")]
    ImpossibleOverflow {
        /// Where.
        at: String,
        /// Why.
        why: String,
    },
    /// Any other invalid value.
    #[error("{at}: {why}")]
    InvalidValue {
        /// Where.
        at: String,
        /// Why.
        why: String,
    },
}

impl Config {
    /// An empty configuration (seed 0, 15-minute intervals, oldest-call queue selection), to
    /// fill with the builder methods below.
    pub fn new() -> Self {
        Config::default()
    }

    /// Sets the seed of the engine's random generator.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the statistics interval.
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets how a freed agent chooses between queues of equal weight.
    #[must_use]
    pub fn queue_selection(mut self, selection: QueueSelectionName) -> Self {
        self.queue_selection = selection;
        self
    }

    /// Declares a skill.
    #[must_use]
    pub fn skill(mut self, name: impl Into<String>) -> Self {
        self.skills.push(name.into());
        self
    }

    /// Declares a language.
    #[must_use]
    pub fn language(mut self, name: impl Into<String>) -> Self {
        self.languages.push(name.into());
        self
    }

    /// Adds a queue.
    #[must_use]
    pub fn queue(mut self, queue: QueueConfig) -> Self {
        self.queues.push(queue);
        self
    }

    /// Adds an agent.
    #[must_use]
    pub fn agent(mut self, agent: AgentConfig) -> Self {
        self.agents.push(agent);
        self
    }

    /// Parses TOML text (without validating it; see [`Config::validate`]).
    ///
    /// Memory: the `toml` crate builds the whole document before the type is filled, about fifty
    /// times the text at its peak. The crate reads no files: a host reading an untrusted file bounds its
    /// size first (the `hotline` command refuses files over 1 MiB unread, and reads the rest
    /// queue by queue and agent by agent).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Parse`] with the line and column.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |span| line_column(text, span.start));
            ConfigError::Parse { line, column, message: e.message().to_owned() }
        })
    }

    /// Parses and validates TOML text.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Parse`] or [`ConfigError::Invalid`] with every problem.
    pub fn from_toml_checked(text: &str) -> Result<Config, ConfigError> {
        let config = Config::from_toml(text)?;
        let problems = config.validate();
        if problems.is_empty() { Ok(config) } else { Err(ConfigError::Invalid { problems }) }
    }

    /// Writes the configuration as TOML.
    ///
    /// # Errors
    ///
    /// Only if serialisation fails, which the types here do not cause.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// Every inconsistency, in order of appearance (empty when the configuration is usable).
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let skills = names(&self.skills, "skills", &mut problems);
        let languages = names(&self.languages, "languages", &mut problems);
        let queue_names: Vec<String> = self.queues.iter().map(|q| q.name.clone()).collect();
        let queues = names(&queue_names, "queues", &mut problems);
        let agent_names: Vec<String> = self.agents.iter().map(|a| a.name.clone()).collect();
        names(&agent_names, "agents", &mut problems);
        if self.interval.is_zero() {
            problems.push(Problem::InvalidValue {
                at: "interval".to_owned(),
                why: "the statistics interval must be longer than zero".to_owned(),
            });
        }

        let mut members: HashMap<&str, usize> = HashMap::new();
        for (i, agent) in self.agents.iter().enumerate() {
            let at = format!("agents[{i}] `{}`", agent.name);
            if !agent.speed.is_finite() || agent.speed <= 0.0 {
                problems.push(Problem::InvalidValue {
                    at: format!("{at}.speed"),
                    why: format!("the speed must be a positive number, not {}", agent.speed),
                });
            }
            for (skill, &value) in &agent.skills {
                if !skills.contains(skill.as_str()) {
                    problems.push(Problem::UnknownSkill { at: at.clone(), skill: skill.clone() });
                }
                if !(MIN_PROFICIENCY..=MAX_PROFICIENCY).contains(&value) {
                    problems.push(Problem::ProficiencyOutOfRange {
                        at: format!("{at}.skills.{skill}"),
                        value,
                    });
                }
            }
            for language in &agent.languages {
                if !languages.contains(language.as_str()) {
                    problems.push(Problem::UnknownLanguage {
                        at: at.clone(),
                        language: language.clone(),
                    });
                }
            }
            let mut seen = BTreeSet::new();
            for (j, m) in agent.queues.iter().enumerate() {
                let mat = format!("{at}.queues[{j}]");
                if !queues.contains(m.queue.as_str()) {
                    problems
                        .push(Problem::UnknownQueue { at: mat.clone(), queue: m.queue.clone() });
                } else {
                    *members.entry(m.queue.as_str()).or_insert(0) += 1;
                }
                if !seen.insert(m.queue.as_str()) {
                    problems
                        .push(Problem::DuplicateName { at: mat.clone(), name: m.queue.clone() });
                }
                if m.tier == 0 {
                    problems.push(Problem::InvalidValue {
                        at: mat,
                        why: "tier levels start at 1".to_owned(),
                    });
                }
            }
        }

        for (i, q) in self.queues.iter().enumerate() {
            let at = format!("queues[{i}] `{}`", q.name);
            if members.get(q.name.as_str()).copied().unwrap_or(0) == 0 {
                problems.push(Problem::QueueWithoutAgents { index: i, queue: q.name.clone() });
            }
            let zero = |what: &str, d: Option<Duration>, problems: &mut Vec<Problem>| {
                if d.is_some_and(|d| d.is_zero()) {
                    problems.push(Problem::InvalidValue {
                        at: format!("{at}.{what}"),
                        why: "must be longer than zero (leave it out to turn it off)".to_owned(),
                    });
                }
            };
            zero("offer_timeout", q.offer_timeout, &mut problems);
            zero("aging", q.aging, &mut problems);
            zero("resume_window", q.resume_window, &mut problems);
            if q.policy == PolicyName::RingProgressively && q.ring_every.is_zero() {
                problems.push(Problem::InvalidValue {
                    at: format!("{at}.ring_every"),
                    why: "ring-progressively needs an interval longer than zero".to_owned(),
                });
            }
            if self.queue_selection == QueueSelectionName::FixedRatio && q.share == 0 {
                problems.push(Problem::InvalidValue {
                    at: format!("{at}.share"),
                    why: "fixed-ratio selection needs a share of at least 1".to_owned(),
                });
            }
            if let Some(a) = &q.announce
                && a.every.is_some_and(|d| d.is_zero())
            {
                problems.push(Problem::InvalidValue {
                    at: format!("{at}.announce.every"),
                    why: "must be longer than zero (leave it out to announce once)".to_owned(),
                });
            }
            if q.max_length == Some(0) && q.full_exit == ExitConfig::Callback {
                problems.push(Problem::ImpossibleOverflow {
                    at: format!("{at}.full_exit"),
                    why: "a queue of maximum length 0 cannot keep callbacks".to_owned(),
                });
            }
            for (what, exit) in [("max_wait_exit", &q.max_wait_exit), ("full_exit", &q.full_exit)] {
                if let ExitConfig::Queue(target) = exit {
                    let eat = format!("{at}.{what}");
                    if !queues.contains(target.as_str()) {
                        problems.push(Problem::UnknownQueue { at: eat, queue: target.clone() });
                    } else if *target == q.name {
                        problems.push(Problem::ImpossibleOverflow {
                            at: eat,
                            why: "exits into its own queue".to_owned(),
                        });
                    }
                }
            }
            if q.max_wait.is_some_and(|d| d.is_zero()) {
                problems.push(Problem::InvalidValue {
                    at: format!("{at}.max_wait"),
                    why: "must be longer than zero (leave it out for no limit)".to_owned(),
                });
            }
            let mut previous = None;
            let mut moved = false;
            for (j, step) in q.overflow.iter().enumerate() {
                let sat = format!("{at}.overflow[{j}]");
                let impossible = |why: String| Problem::ImpossibleOverflow { at: sat.clone(), why };
                if previous.is_some_and(|p| step.after < p) {
                    problems.push(impossible(format!(
                        "steps must be in order of `after`, but {} comes after {}",
                        duration::format(step.after),
                        duration::format(previous.unwrap_or_default())
                    )));
                }
                previous = Some(step.after);
                if let Some(max) = q.max_wait
                    && step.after >= max
                {
                    problems.push(impossible(format!(
                        "after {} is never reached: the queue's max_wait is {}",
                        duration::format(step.after),
                        duration::format(max)
                    )));
                }
                if moved {
                    problems.push(impossible(
                        "follows a move-to step, which ends this queue's steps".to_owned(),
                    ));
                }
                match &step.then {
                    OverflowAction::Widen => {}
                    OverflowAction::LowerProficiency(by) => {
                        if *by == 0 {
                            problems.push(impossible("lowers proficiency by 0".to_owned()));
                        }
                    }
                    OverflowAction::DropSkill(skill) => {
                        if !skills.contains(skill.as_str()) {
                            problems.push(Problem::UnknownSkill {
                                at: sat.clone(),
                                skill: skill.clone(),
                            });
                        }
                    }
                    OverflowAction::AddQueue(target) | OverflowAction::MoveTo(target) => {
                        if !queues.contains(target.as_str()) {
                            problems.push(Problem::UnknownQueue {
                                at: sat.clone(),
                                queue: target.clone(),
                            });
                        } else if *target == q.name {
                            problems.push(impossible(format!("`{target}` is this queue itself")));
                        }
                        if matches!(step.then, OverflowAction::MoveTo(_)) {
                            moved = true;
                        }
                    }
                }
            }
        }
        problems.extend(exit_cycles(self));
        problems
    }

    /// A summary for `hotline acd check`.
    pub fn summary(&self) -> Summary {
        let mut agents_per_queue: HashMap<&str, usize> = HashMap::new();
        for agent in &self.agents {
            for m in &agent.queues {
                *agents_per_queue.entry(m.queue.as_str()).or_insert(0) += 1;
            }
        }
        let mut policies: BTreeSet<&'static str> = BTreeSet::new();
        let queues = self
            .queues
            .iter()
            .map(|q| {
                policies.insert(q.policy.as_str());
                QueueSummary {
                    name: q.name.clone(),
                    policy: q.policy.as_str().to_owned(),
                    agents: agents_per_queue.get(q.name.as_str()).copied().unwrap_or(0),
                    weight: q.weight,
                    overflow_steps: q.overflow.len(),
                }
            })
            .collect();
        Summary {
            queues,
            agents: self.agents.len(),
            skills: self.skills.clone(),
            languages: self.languages.clone(),
            policies: policies.into_iter().map(str::to_owned).collect(),
            queue_selection: self.queue_selection.as_str().to_owned(),
        }
    }
}

/// A short description of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The queues.
    pub queues: Vec<QueueSummary>,
    /// Number of agents.
    pub agents: usize,
    /// The skills.
    pub skills: Vec<String>,
    /// The languages.
    pub languages: Vec<String>,
    /// The agent-selection policies in use.
    pub policies: Vec<String>,
    /// The queue-selection policy.
    pub queue_selection: String,
}

/// One queue in a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSummary {
    /// Name.
    pub name: String,
    /// Policy.
    pub policy: String,
    /// Number of member agents.
    pub agents: usize,
    /// Weight.
    pub weight: u32,
    /// Number of overflow steps.
    pub overflow_steps: usize,
}

fn names<'a>(list: &'a [String], what: &str, problems: &mut Vec<Problem>) -> BTreeSet<&'a str> {
    let mut set = BTreeSet::new();
    for (i, name) in list.iter().enumerate() {
        if name.trim().is_empty() {
            problems.push(Problem::InvalidValue {
                at: format!("{what}[{i}]"),
                why: "a name cannot be empty".to_owned(),
            });
        }
        if !set.insert(name.as_str()) {
            problems
                .push(Problem::DuplicateName { at: format!("{what}[{i}]"), name: name.clone() });
        }
    }
    set
}

/// Queue exits (full and max-wait) and move-to overflows that lead in a circle.
fn exit_cycles(config: &Config) -> Vec<Problem> {
    let index: HashMap<&str, usize> =
        config.queues.iter().enumerate().map(|(i, q)| (q.name.as_str(), i)).collect();
    // Edges for "a call arriving here may be sent on at once": the full exit only.
    let next = |i: usize| match &config.queues[i].full_exit {
        ExitConfig::Queue(t) if config.queues[i].max_length.is_some() => {
            index.get(t.as_str()).copied()
        }
        _ => None,
    };
    let mut problems = Vec::new();
    for start in 0..config.queues.len() {
        let mut at = start;
        let mut path = vec![config.queues[start].name.as_str()];
        for _ in 0..config.queues.len() {
            let Some(n) = next(at) else { break };
            path.push(config.queues[n].name.as_str());
            if n == start {
                problems.push(Problem::ImpossibleOverflow {
                    at: format!("queues[{start}] `{}`.full_exit", config.queues[start].name),
                    why: format!("full queues send calls in a circle: {}", path.join(" -> ")),
                });
                break;
            }
            at = n;
        }
    }
    problems
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
