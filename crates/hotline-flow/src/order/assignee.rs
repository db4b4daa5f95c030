//! Who a work item is for.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who a work item is for: a person, a role or a department.
///
/// Written `person:alice`, `role:dispatcher` or `dept:Water Bureau`; a bare name is a department.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Assignee {
    /// One person.
    Person(String),
    /// Everyone holding a role.
    Role(String),
    /// A department.
    Department(String),
}

impl Assignee {
    /// The department, when the assignee is one.
    pub fn department(&self) -> Option<&str> {
        match self {
            Assignee::Department(d) => Some(d),
            _ => None,
        }
    }

    /// The bare name.
    pub fn name(&self) -> &str {
        match self {
            Assignee::Person(s) | Assignee::Role(s) | Assignee::Department(s) => s,
        }
    }
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignee::Person(s) => write!(f, "person:{s}"),
            Assignee::Role(s) => write!(f, "role:{s}"),
            Assignee::Department(s) => write!(f, "dept:{s}"),
        }
    }
}

impl FromStr for Assignee {
    type Err = String;

    fn from_str(s: &str) -> Result<Assignee, String> {
        let s = s.trim();
        let (kind, name) = match s.split_once(':') {
            Some((k, n)) if matches!(k, "person" | "role" | "dept") => (k, n.trim()),
            _ => ("dept", s),
        };
        if name.is_empty() {
            return Err(format!("`{s}` names no one"));
        }
        Ok(match kind {
            "person" => Assignee::Person(name.to_owned()),
            "role" => Assignee::Role(name.to_owned()),
            _ => Assignee::Department(name.to_owned()),
        })
    }
}

impl TryFrom<String> for Assignee {
    type Error = String;
    fn try_from(s: String) -> Result<Assignee, String> {
        s.parse()
    }
}

impl From<Assignee> for String {
    fn from(a: Assignee) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn assignee_forms() {
        assert_eq!("person:alice".parse::<Assignee>().unwrap(), Assignee::Person("alice".into()));
        assert_eq!("role:x".parse::<Assignee>().unwrap(), Assignee::Role("x".into()));
        assert_eq!("Water".parse::<Assignee>().unwrap(), Assignee::Department("Water".into()));
        assert_eq!("dept:Water".parse::<Assignee>().unwrap().to_string(), "dept:Water");
        assert!("role:".parse::<Assignee>().is_err());
        assert!("".parse::<Assignee>().is_err());
    }

    proptest! {
        #[test]
        fn assignee_round_trips(kind in 0..3u8, name in "[a-zA-Z0-9 ]{1,12}") {
            let name = name.trim().to_owned();
            prop_assume!(!name.is_empty());
            let a = match kind { 0 => Assignee::Person(name), 1 => Assignee::Role(name), _ => Assignee::Department(name) };
            prop_assert_eq!(a.to_string().parse::<Assignee>().unwrap(), a);
        }
    }
}
