//! Engine.IO errors: packet decoding, and the request rules whose violation
//! is answered with the protocol's error bodies and status codes.

use bytes::Bytes;
use std::fmt;

/// Why a packet or payload did not decode. Any of these closes the session
/// (engine.io's "parse error").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A packet must carry at least its type digit.
    EmptyPacket,
    /// The type must be a digit from 0 to 6 (or `b` for base64 binary).
    UnknownPacketType(u8),
    /// A `b`-prefixed packet must carry base64.
    InvalidBase64,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyPacket => write!(f, "empty packet"),
            Self::UnknownPacketType(b) => write!(f, "unknown packet type byte 0x{b:02x}"),
            Self::InvalidBase64 => write!(f, "binary packet is not valid base64"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The error codes of the Engine.IO protocol, with engine.io's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `Transport unknown`.
    UnknownTransport = 0,
    /// `Session ID unknown`.
    UnknownSid = 1,
    /// `Bad handshake method`.
    BadHandshakeMethod = 2,
    /// `Bad request`.
    BadRequest = 3,
    /// `Unsupported protocol version`.
    UnsupportedProtocolVersion = 5,
}

impl ErrorCode {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::UnknownTransport => "Transport unknown",
            Self::UnknownSid => "Session ID unknown",
            Self::BadHandshakeMethod => "Bad handshake method",
            Self::BadRequest => "Bad request",
            Self::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }
}

/// An Engine.IO request that breaks a protocol rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// `transport` must be `polling` or `websocket`.
    UnknownTransport,
    /// `sid` names no open session.
    UnknownSid,
    /// A session is opened with GET only.
    BadHandshakeMethod,
    /// Only `EIO=4` is spoken.
    UnsupportedProtocolVersion,
    /// A request with a sid must use the session's current transport.
    TransportMismatch,
    /// `transport=websocket` without a sid must be a WebSocket upgrade.
    WebSocketWithoutUpgrade,
    /// A second poll GET while one is pending: the session is closed.
    PollOverlap,
    /// Polling bodies are text in protocol v4 (`application/octet-stream` is refused).
    BinaryContent,
    /// The POSTed payload did not decode: the session is closed.
    InvalidPayload(DecodeError),
    /// The POSTed body is larger than `maxPayload`.
    PayloadTooLarge,
    /// A polling request with a sid must be GET or POST.
    MethodNotAllowed,
    /// The operating system's random source failed while making a sid.
    IdGeneration,
}

/// What to answer for a [`RequestError`], independent of the HTTP types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Bytes,
    /// Close the HTTP connection after the answer (engine.io destroys it).
    pub close: bool,
}

impl RequestError {
    /// The protocol error code, when the answer carries one.
    pub fn code(self) -> Option<ErrorCode> {
        Some(match self {
            Self::UnknownTransport => ErrorCode::UnknownTransport,
            Self::UnknownSid => ErrorCode::UnknownSid,
            Self::BadHandshakeMethod => ErrorCode::BadHandshakeMethod,
            Self::UnsupportedProtocolVersion => ErrorCode::UnsupportedProtocolVersion,
            Self::TransportMismatch
            | Self::WebSocketWithoutUpgrade
            | Self::InvalidPayload(_)
            | Self::BinaryContent
            | Self::IdGeneration => ErrorCode::BadRequest,
            Self::PollOverlap | Self::PayloadTooLarge | Self::MethodNotAllowed => return None,
        })
    }

    /// The answer engine.io gives. `upgrade` says the request asked for a
    /// WebSocket upgrade: engine.io then answers a plain-text 400 and closes.
    pub fn reply(self, upgrade: bool) -> ErrorReply {
        let code = self.code();
        match (upgrade, code) {
            (true, Some(code)) => ErrorReply {
                status: 400,
                content_type: Some("text/html"),
                body: Bytes::from_static(code.message().as_bytes()),
                close: true,
            },
            (false, Some(code)) => ErrorReply {
                status: 400,
                content_type: Some("application/json"),
                body: Bytes::from(format!(
                    r#"{{"code":{},"message":"{}"}}"#,
                    code as u8,
                    code.message()
                )),
                close: matches!(self, Self::InvalidPayload(_) | Self::BinaryContent),
            },
            (_, None) => ErrorReply {
                status: match self {
                    Self::PayloadTooLarge => 413,
                    Self::MethodNotAllowed => 500,
                    _ => 400,
                },
                content_type: None,
                body: Bytes::new(),
                close: upgrade,
            },
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownTransport => write!(f, "unknown transport"),
            Self::UnknownSid => write!(f, "unknown session id"),
            Self::BadHandshakeMethod => write!(f, "handshake must be a GET"),
            Self::UnsupportedProtocolVersion => write!(f, "unsupported protocol version"),
            Self::TransportMismatch => write!(f, "transport differs from the session's"),
            Self::WebSocketWithoutUpgrade => write!(f, "transport=websocket without an upgrade"),
            Self::PollOverlap => write!(f, "overlapping poll requests"),
            Self::BinaryContent => write!(f, "binary polling body in protocol v4"),
            Self::InvalidPayload(e) => write!(f, "invalid payload: {e}"),
            Self::PayloadTooLarge => write!(f, "payload larger than maxPayload"),
            Self::MethodNotAllowed => write!(f, "polling method must be GET or POST"),
            Self::IdGeneration => write!(f, "random source failed"),
        }
    }
}

impl std::error::Error for RequestError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_match_engine_io() {
        let cases = [
            (
                RequestError::UnknownTransport,
                r#"{"code":0,"message":"Transport unknown"}"#,
            ),
            (
                RequestError::UnknownSid,
                r#"{"code":1,"message":"Session ID unknown"}"#,
            ),
            (
                RequestError::BadHandshakeMethod,
                r#"{"code":2,"message":"Bad handshake method"}"#,
            ),
            (
                RequestError::TransportMismatch,
                r#"{"code":3,"message":"Bad request"}"#,
            ),
            (
                RequestError::UnsupportedProtocolVersion,
                r#"{"code":5,"message":"Unsupported protocol version"}"#,
            ),
        ];
        for (err, body) in cases {
            let r = err.reply(false);
            assert_eq!(r.status, 400);
            assert_eq!(r.content_type, Some("application/json"));
            assert_eq!(&r.body[..], body.as_bytes());
            assert!(!r.close);
        }
    }

    #[test]
    fn upgrade_errors_are_plain_text_and_close() {
        let r = RequestError::UnknownSid.reply(true);
        assert_eq!(r.status, 400);
        assert_eq!(r.content_type, Some("text/html"));
        assert_eq!(&r.body[..], b"Session ID unknown");
        assert!(r.close);
    }

    #[test]
    fn codeless_errors() {
        assert_eq!(RequestError::PayloadTooLarge.reply(false).status, 413);
        assert_eq!(RequestError::MethodNotAllowed.reply(false).status, 500);
        let overlap = RequestError::PollOverlap.reply(false);
        assert_eq!((overlap.status, overlap.body.len()), (400, 0));
        let bad = RequestError::InvalidPayload(DecodeError::EmptyPacket).reply(false);
        assert_eq!(bad.status, 400);
        assert!(bad.close);
    }
}
