//! Typed header field values, parsed on demand from the raw values of a [`Message`](crate::Message).
//!
//! Every type here borrows from the message and parses without allocating. Each implements
//! [`HeaderValue`], so that [`Message::parse_first`](crate::Message::parse_first) and
//! [`Message::parse_all`](crate::Message::parse_all) can type any header field, and errors are
//! positioned in the message.

mod addr;
mod auth;
mod scalar;
mod via;

pub use addr::{Contact, NameAddr};
pub use auth::{AuthParams, Challenge, Credentials};
pub use scalar::{
    CSeq, CallId, ContentLength, Date, Event, Expires, MaxForwards, MediaType, OptionTag, Reason,
    SubscriptionState,
};
pub use via::Via;

use crate::config::Leniency;
use crate::error::ParseError;

/// A header field value type that can be parsed from one value (one element of a list header).
pub trait HeaderValue<'a>: Sized {
    /// Parses `value` (already trimmed; may contain folded lines) with the given leniency.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] positioned in `value`.
    fn parse(value: &'a str, leniency: &Leniency) -> Result<Self, ParseError>;
}
