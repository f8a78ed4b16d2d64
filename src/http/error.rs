use std::fmt;

/// Why a request was refused. Each variant names the rule the peer broke and
/// maps to the status the connection is answered with before it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The request line or a header line is not HTTP/1.x syntax.
    MalformedHead(&'static str),
    /// Only HTTP/1.0 and HTTP/1.1 are spoken.
    UnsupportedVersion,
    /// The head grew past `Limits::max_head` without ending.
    HeadTooLarge {
        /// `Limits::max_head`.
        limit: usize,
    },
    /// More header lines than `Limits::max_headers`.
    TooManyHeaders {
        /// `Limits::max_headers`.
        limit: usize,
    },
    /// The request target is neither origin-form (`/path`), absolute-form
    /// nor `*`.
    InvalidTarget,
    /// `Content-Length` is not a plain decimal number.
    InvalidContentLength,
    /// Several `Content-Length` headers that disagree (request smuggling).
    ConflictingContentLength,
    /// `Content-Length` beyond `Limits::max_body`.
    BodyTooLarge {
        /// The `Content-Length` sent.
        length: u64,
        /// `Limits::max_body`.
        limit: usize,
    },
    /// `Transfer-Encoding` (chunked or otherwise) on a request: not
    /// implemented, no client of ours sends it.
    TransferEncodingUnsupported,
}

impl HttpError {
    /// The status to answer with before closing the connection.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::MalformedHead(_)
            | HttpError::InvalidTarget
            | HttpError::InvalidContentLength
            | HttpError::ConflictingContentLength => 400,
            HttpError::UnsupportedVersion => 505,
            HttpError::HeadTooLarge { .. } | HttpError::TooManyHeaders { .. } => 431,
            HttpError::BodyTooLarge { .. } => 413,
            HttpError::TransferEncodingUnsupported => 501,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::MalformedHead(what) => write!(f, "malformed request head: {what}"),
            HttpError::UnsupportedVersion => f.write_str("HTTP version other than 1.0/1.1"),
            HttpError::HeadTooLarge { limit } => {
                write!(f, "request head larger than {limit} bytes")
            }
            HttpError::TooManyHeaders { limit } => write!(f, "more than {limit} header lines"),
            HttpError::InvalidTarget => f.write_str("request target is not a path"),
            HttpError::InvalidContentLength => f.write_str("Content-Length is not a number"),
            HttpError::ConflictingContentLength => {
                f.write_str("several Content-Length headers disagree")
            }
            HttpError::BodyTooLarge { length, limit } => {
                write!(f, "body of {length} bytes exceeds the limit of {limit}")
            }
            HttpError::TransferEncodingUnsupported => {
                f.write_str("Transfer-Encoding (chunked request bodies) is not supported")
            }
        }
    }
}

impl std::error::Error for HttpError {}
