use std::fmt;

use crate::http::Response;

/// Why a WebSocket connection must be closed. Each variant names the RFC
/// 6455 / 7692 rule the peer broke; [`WsError::close_code`] is the code
/// sent in our Close frame before the connection is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsError {
    /// RSV2/RSV3 set, or RSV1 set without permessage-deflate, or RSV1 on a
    /// control or continuation frame (RFC 6455 5.2, RFC 7692 6).
    ReservedBitsSet,
    /// Opcodes 3-7 and 11-15 are reserved (RFC 6455 5.2).
    ReservedOpcode(u8),
    /// Client-to-server frames must be masked (RFC 6455 5.1).
    UnmaskedClientFrame,
    /// Server-to-client frames must not be masked (RFC 6455 5.1).
    MaskedServerFrame,
    /// Control frames must not be fragmented (RFC 6455 5.5).
    FragmentedControlFrame,
    /// Control frame payloads are at most 125 bytes (RFC 6455 5.5).
    ControlFrameTooLong(u64),
    /// The most significant bit of a 64-bit length must be 0 (RFC 6455 5.2).
    LengthHighBitSet,
    /// A continuation frame with no fragmented message open (RFC 6455 5.4).
    ContinuationWithoutStart,
    /// A new text/binary frame while a fragmented message is open
    /// (RFC 6455 5.4).
    DataFrameInsideFragmentedMessage,
    /// A Close payload of exactly one byte (RFC 6455 5.5.1).
    CloseBodyTooShort,
    /// A close code that may not be sent on the wire (RFC 6455 7.4).
    InvalidCloseCode(u16),
    /// Text message payload is not UTF-8 (RFC 6455 8.1).
    InvalidUtf8,
    /// Close reason is not UTF-8 (RFC 6455 5.5.1).
    InvalidCloseReason,
    /// The message (after inflation) exceeds the configured limit: this is
    /// also how deflate bombs end.
    MessageTooBig {
        /// The largest message allowed, in bytes.
        limit: usize,
    },
    /// A compressed message that is not valid raw DEFLATE data.
    InflateFailed,
}

impl WsError {
    /// The RFC 6455 close code for this violation.
    pub fn close_code(&self) -> u16 {
        match self {
            WsError::InvalidUtf8 | WsError::InvalidCloseReason | WsError::InflateFailed => 1007,
            WsError::MessageTooBig { .. } => 1009,
            _ => 1002,
        }
    }

    /// The Close frame (server side, unmasked) to send before dropping.
    pub fn close_frame(&self) -> bytes::Bytes {
        super::close_frame(self.close_code(), "")
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WsError::ReservedBitsSet => f.write_str("reserved bits set"),
            WsError::ReservedOpcode(op) => write!(f, "reserved opcode {op}"),
            WsError::UnmaskedClientFrame => f.write_str("unmasked client frame"),
            WsError::MaskedServerFrame => f.write_str("masked server frame"),
            WsError::FragmentedControlFrame => f.write_str("fragmented control frame"),
            WsError::ControlFrameTooLong(n) => write!(f, "control frame of {n} bytes"),
            WsError::LengthHighBitSet => f.write_str("64-bit length with the high bit set"),
            WsError::ContinuationWithoutStart => f.write_str("continuation without a message"),
            WsError::DataFrameInsideFragmentedMessage => {
                f.write_str("data frame inside a fragmented message")
            }
            WsError::CloseBodyTooShort => f.write_str("close payload of one byte"),
            WsError::InvalidCloseCode(c) => write!(f, "invalid close code {c}"),
            WsError::InvalidUtf8 => f.write_str("text message is not UTF-8"),
            WsError::InvalidCloseReason => f.write_str("close reason is not UTF-8"),
            WsError::MessageTooBig { limit } => write!(f, "message larger than {limit} bytes"),
            WsError::InflateFailed => f.write_str("compressed message does not inflate"),
        }
    }
}

impl std::error::Error for WsError {}

/// Why an upgrade request was refused (RFC 6455 4.2.1). The connection is
/// answered with [`HandshakeError::response`] and closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The opening handshake must be a GET.
    MethodNotGet,
    /// The opening handshake needs HTTP/1.1 or later.
    Http10,
    /// `Upgrade` does not list `websocket`.
    MissingUpgradeWebsocket,
    /// `Connection` does not list `Upgrade`.
    MissingConnectionUpgrade,
    /// `Sec-WebSocket-Version` is not 13.
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing or not 16 base64-encoded bytes.
    InvalidKey,
    /// (client side) the server's answer is not a valid 101 for our key.
    BadServerResponse(&'static str),
}

impl HandshakeError {
    pub(crate) fn status(&self) -> u16 {
        match self {
            HandshakeError::MethodNotGet => 405,
            HandshakeError::UnsupportedVersion => 426,
            _ => 400,
        }
    }

    /// The HTTP answer to the refused upgrade; a version mismatch lists the
    /// version we speak, as RFC 6455 4.4 asks.
    pub fn response(&self) -> Response {
        let resp = Response::new(self.status())
            .header("Content-Type", "text/plain")
            .body(self.to_string());
        match self {
            HandshakeError::UnsupportedVersion => resp.header("Sec-WebSocket-Version", "13"),
            _ => resp,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::MethodNotGet => f.write_str("WebSocket handshake must be a GET"),
            HandshakeError::Http10 => f.write_str("WebSocket handshake needs HTTP/1.1"),
            HandshakeError::MissingUpgradeWebsocket => {
                f.write_str("missing Upgrade: websocket header")
            }
            HandshakeError::MissingConnectionUpgrade => {
                f.write_str("missing Connection: Upgrade header")
            }
            HandshakeError::UnsupportedVersion => {
                f.write_str("unsupported Sec-WebSocket-Version (13 is spoken)")
            }
            HandshakeError::InvalidKey => f.write_str("missing or invalid Sec-WebSocket-Key"),
            HandshakeError::BadServerResponse(why) => write!(f, "bad handshake answer: {why}"),
        }
    }
}

impl std::error::Error for HandshakeError {}
