use std::fmt;

/// Why a call to an external service produced no usable answer. Every
/// variant names the rule that failed, so a log line says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The service's address (or token) is not configured; the variable is named.
    NotConfigured(&'static str),
    /// The bounded job queue is full: the workers are all busy with slow calls.
    QueueFull,
    /// The worker pool has been shut down.
    ShutDown,
    /// No answer within the configured time.
    Timeout(String),
    /// The service could not be reached (refused, reset, unknown host, TLS).
    Unreachable(String),
    /// The service answered with a status the call does not accept.
    Status(u16),
    /// The answer was larger than the configured limit.
    TooLarge(u64),
    /// The answer's body was not JSON.
    MalformedJson(String),
    /// The answer was JSON but lacked what the call needs.
    UnexpectedShape(&'static str),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::NotConfigured(var) => write!(f, "{var} is not set"),
            BackendError::QueueFull => write!(f, "backend job queue is full"),
            BackendError::ShutDown => write!(f, "backend workers are shut down"),
            BackendError::Timeout(what) => write!(f, "timed out: {what}"),
            BackendError::Unreachable(what) => write!(f, "unreachable: {what}"),
            BackendError::Status(code) => write!(f, "unexpected HTTP status {code}"),
            BackendError::TooLarge(limit) => {
                write!(f, "answer is larger than the {limit}-byte limit")
            }
            BackendError::MalformedJson(what) => write!(f, "answer is not valid JSON: {what}"),
            BackendError::UnexpectedShape(what) => write!(f, "unexpected answer: {what}"),
        }
    }
}

impl std::error::Error for BackendError {}
