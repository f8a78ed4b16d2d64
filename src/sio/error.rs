//! Socket.IO protocol violations. Each one closes the client's Engine.IO
//! session, as socket.io does on a decoder error or an invalid state.

use std::fmt;

/// A Socket.IO packet that breaks the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SioError {
    /// A packet must carry at least its type digit.
    Empty,
    /// The type must be a digit from 0 to 6.
    UnknownType(u8),
    /// A binary packet must start with `<count>-` (count at most
    /// [`super::packet::MAX_ATTACHMENTS`]).
    IllegalAttachments,
    /// The namespace must be valid UTF-8 text up to `,`.
    InvalidNamespace,
    /// An ack id must fit in 64 bits.
    InvalidAckId,
    /// The JSON payload is missing, malformed, or not the shape the type requires.
    InvalidPayload,
    /// Clients may not emit socket.io's reserved event names.
    ReservedEvent,
    /// A text packet arrived while binary attachments were awaited.
    TextDuringAttachments,
    /// A binary message arrived while no attachment was awaited.
    UnexpectedBinary,
    /// CONNECT for a namespace already connected, or another packet for a
    /// namespace not connected.
    InvalidState,
}

impl fmt::Display for SioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty packet"),
            Self::UnknownType(b) => write!(f, "unknown packet type byte 0x{b:02x}"),
            Self::IllegalAttachments => write!(f, "illegal attachments count"),
            Self::InvalidNamespace => write!(f, "invalid namespace"),
            Self::InvalidAckId => write!(f, "invalid ack id"),
            Self::InvalidPayload => write!(f, "invalid payload"),
            Self::ReservedEvent => write!(f, "reserved event name"),
            Self::TextDuringAttachments => {
                write!(f, "text packet while reconstructing a binary packet")
            }
            Self::UnexpectedBinary => write!(f, "binary data while not reconstructing a packet"),
            Self::InvalidState => write!(f, "packet invalid in the namespace's state"),
        }
    }
}

impl std::error::Error for SioError {}
