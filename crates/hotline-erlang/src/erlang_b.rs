//! Erlang B: the loss system M/M/N/N.

use crate::error::{ErlangError, non_negative, positive};
use crate::special::reciprocal_b;

/// The Erlang B loss model: `agents` servers, no queue, a Poisson stream of `load` erlangs; a call
/// that finds every server busy is lost (blocked).
///
/// `agents` may be fractional: the blocking probability is then the continuous extension through
/// the incomplete gamma function, `1 / B(x, a) = e^a a^-x Γ(x + 1, a)`, which agrees with the
/// classic formula at whole numbers and is smooth and decreasing in between.
///
/// ```
/// use hotline_erlang::{ErlangB, ErlangBParams};
/// // 10 erlangs offered to 15 lines.
/// let b = ErlangB::from_params(ErlangBParams { load: 10.0, agents: 15.0 })?;
/// assert_eq!(ErlangB::new(10.0, 15.0)?, b); // positional: B(A, N)
/// assert!((b.blocking() - 0.036_496_945_472_3).abs() < 1e-12);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "ErlangBParams", into = "ErlangBParams"))]
pub struct ErlangB {
    load: f64,
    agents: f64,
}

/// The inputs of [`ErlangB`] by name: its primary constructor ([`ErlangB::from_params`]) and the
/// form it is stored and exchanged in (checked when read back).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErlangBParams {
    /// Offered load in erlangs (arrival rate × mean holding time), greater than 0.
    pub load: f64,
    /// Number of servers (lines, agents), at least 0, possibly fractional.
    pub agents: f64,
}

impl TryFrom<ErlangBParams> for ErlangB {
    type Error = ErlangError;
    fn try_from(p: ErlangBParams) -> Result<Self, ErlangError> {
        ErlangB::new(p.load, p.agents)
    }
}

impl From<ErlangB> for ErlangBParams {
    fn from(b: ErlangB) -> Self {
        ErlangBParams { load: b.load, agents: b.agents }
    }
}

impl ErlangB {
    /// A loss system with the named parameters `p`.
    ///
    /// # Errors
    ///
    /// As [`ErlangB::new`].
    pub fn from_params(p: ErlangBParams) -> Result<Self, ErlangError> {
        ErlangB::new(p.load, p.agents)
    }

    /// A loss system with `load` erlangs offered to `agents` servers: positional, in the order
    /// of the notation `B(A, N)`. [`ErlangB::from_params`] names them.
    ///
    /// # Errors
    ///
    /// [`ErlangError::NotPositive`] naming `load` unless it is finite and greater than 0;
    /// [`ErlangError::Negative`] naming `agents` unless it is finite and at least 0.
    pub fn new(load: f64, agents: f64) -> Result<Self, ErlangError> {
        Ok(ErlangB { load: positive("load", load)?, agents: non_negative("agents", agents)? })
    }

    /// The offered load in erlangs.
    pub fn load(&self) -> f64 {
        self.load
    }

    /// The number of servers.
    pub fn agents(&self) -> f64 {
        self.agents
    }

    /// The probability that a call is blocked (finds every server busy), `B(N, A)`.
    ///
    /// Accurate to about 1e-14 relative across the whole range of `f64` results (including
    /// probabilities far below the smallest normal double); a true value below the smallest
    /// subnormal double is 0.
    pub fn blocking(&self) -> f64 {
        reciprocal_b(self.agents, self.load).blocking()
    }

    /// The carried load (mean number of busy servers), `A (1 - B)`.
    pub fn carried_load(&self) -> f64 {
        self.load * (1.0 - self.blocking())
    }
}

/// The Erlang B blocking probability for `load` erlangs offered to `agents` servers.
///
/// # Errors
///
/// As [`ErlangB::new`].
pub fn erlang_b(load: f64, agents: f64) -> Result<f64, ErlangError> {
    Ok(ErlangB::new(load, agents)?.blocking())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_agents_block_everything() {
        assert_eq!(erlang_b(3.0, 0.0).unwrap(), 1.0);
    }

    #[test]
    fn one_agent() {
        // B(1, a) = a / (1 + a).
        for a in [0.001, 0.5, 1.0, 7.0, 1e6] {
            let b = erlang_b(a, 1.0).unwrap();
            assert!((b - a / (1.0 + a)).abs() <= 1e-15 * b, "a={a}");
        }
    }

    #[test]
    fn bad_inputs_are_named() {
        assert!(erlang_b(0.0, 1.0).unwrap_err().to_string().starts_with("load"));
        assert!(erlang_b(f64::NAN, 1.0).unwrap_err().to_string().starts_with("load"));
        assert!(erlang_b(1.0, -1.0).unwrap_err().to_string().starts_with("agents"));
        assert!(erlang_b(1.0, f64::INFINITY).unwrap_err().to_string().starts_with("agents"));
    }

    #[test]
    #[cfg(feature = "serde")]
    fn serde_round_trip_checks_inputs() {
        let b = ErlangB::new(2.5, 4.0).unwrap();
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, r#"{"load":2.5,"agents":4.0}"#);
        assert_eq!(serde_json::from_str::<ErlangB>(&json).unwrap(), b);
        assert!(serde_json::from_str::<ErlangB>(r#"{"load":0.0,"agents":4.0}"#).is_err());
    }
}
