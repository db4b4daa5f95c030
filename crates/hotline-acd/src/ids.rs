//! Identifiers of the things the engine routes between.
//!
//! Agents, queues and skills are numbered densely by the engine when it is built from a
//! [`Config`](crate::Config) (look them up by name with [`Acd::agent_id`](crate::Acd::agent_id) and
//! friends); calls are numbered by the caller of the engine, who knows them first.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            /// The identifier as an index into the engine's tables.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}#{}", stringify!($name), self.0)
            }
        }
    };
}

id!(
    /// An agent, numbered in the order of the configuration's `[[agents]]`.
    AgentId(u32)
);
id!(
    /// A queue, numbered in the order of the configuration's `[[queues]]`.
    QueueId(u32)
);
id!(
    /// A group of agents (the configuration's `group` names, numbered in order of first
    /// appearance): what a routing policy counts idle agents by.
    GroupId(u32)
);
id!(
    /// A skill (or a language, which the engine keeps as a skill named `language:<code>`).
    SkillId(u32)
);
id!(
    /// A call, numbered by whoever feeds calls to the engine (a telephony front end or a
    /// simulator). Each id may be in the engine only once at a time.
    CallId(u64)
);
