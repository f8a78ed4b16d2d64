//! The game layer's error type: every variant names the rule an input broke.
//! None of them is fatal; the caller logs them and carries on.

use std::fmt;

use super::limits::Oversize;

/// Why an ingest event was not applied, or not applied in full.
#[derive(Debug, Clone, PartialEq)]
pub enum GameError {
    /// The payload is not valid JSON (`JSON.parse` would throw).
    InvalidJson(String),
    /// The payload parsed, but is not a JSON object.
    NotAnObject,
    /// A payload part kept as sent (logon, toast) is nested too deeply or
    /// has too many keys or values.
    TooLarge,
    /// Data must carry `obsName` or `playerId`, `groupCode` or `matchId`,
    /// `type` and `data`; the reference drops anything else silently.
    NotAuthedData,
    /// A data `type` the model does not handle. The serialized state is
    /// unchanged, but the event counter advances as in the reference, so
    /// the next send-loop tick rebroadcasts.
    UnknownType(String),
    /// A known data type whose payload lacks a field or has the wrong type.
    WrongShape {
        /// The data `type`.
        kind: &'static str,
        /// The field at fault.
        field: &'static str,
    },
    /// Data from a connection that has not logged on successfully.
    NotLoggedOn,
    /// Data naming a group code with no live match.
    UnknownMatch(String),
    /// An observer's data named another match than the one its connection
    /// logged on to (a deliberate deviation: the reference trusts the payload).
    ForeignGroupCode {
        /// The group the connection logged on to.
        own: String,
        /// The group the data named.
        named: String,
    },
    /// A second `obs_logon` / `aux_logon` on one connection; the reference
    /// listens for each only once.
    LogonAlreadyUsed,
    /// A logon on a connection that is already logged on.
    AlreadyLoggedOn,
    /// The reference would throw a TypeError at this point; the changes made
    /// before it stay and the event counter does not advance.
    ReferenceThrows(&'static str),
    /// The connection was closed; nothing more is accepted from it.
    ConnectionClosed,
    /// Something one client sent is larger than a limit of
    /// [`crate::game::limits`] allows: the event was rejected whole.
    OverLimit(Oversize),
}

impl fmt::Display for GameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GameError::InvalidJson(e) => write!(f, "payload is not valid JSON: {e}"),
            GameError::NotAnObject => write!(f, "payload is not a JSON object"),
            GameError::TooLarge => write!(f, "payload is nested too deeply or has too many values"),
            GameError::NotAuthedData => write!(
                f,
                "data needs obsName or playerId, groupCode or matchId, type and data"
            ),
            GameError::UnknownType(t) => write!(f, "unknown data type {t:?}"),
            GameError::WrongShape { kind, field } => {
                write!(f, "{kind} data has a missing or mistyped field {field:?}")
            }
            GameError::NotLoggedOn => write!(f, "data from a connection that is not logged on"),
            GameError::UnknownMatch(code) => write!(f, "no live match with group code {code:?}"),
            GameError::ForeignGroupCode { own, named } => write!(
                f,
                "connection logged on to group {own:?} sent data for group {named:?}"
            ),
            GameError::LogonAlreadyUsed => {
                write!(f, "this connection already sent this logon event once")
            }
            GameError::AlreadyLoggedOn => write!(f, "this connection is already logged on"),
            GameError::ReferenceThrows(what) => {
                write!(f, "processing stopped midway, as in the reference: {what}")
            }
            GameError::ConnectionClosed => write!(f, "the connection is closed"),
            GameError::OverLimit(o) => write!(f, "{o}; the event was rejected whole"),
        }
    }
}

impl std::error::Error for GameError {}
