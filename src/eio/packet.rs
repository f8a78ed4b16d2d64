//! Engine.IO v4 packets: one type digit followed by optional data.
//!
//! Text packets travel as `<type><data>`. A binary message travels as raw bytes
//! in a WebSocket binary frame, and as `b<base64>` inside a polling payload
//! (polling bodies are text in protocol v4).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use bytes::Bytes;

use super::error::DecodeError;

/// Decoding is as lenient as Node's `Buffer.from(s, "base64")` about padding,
/// so every payload a JavaScript client produces decodes.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The seven Engine.IO packet types, numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// `0`: the handshake's answer (sid, intervals, upgrades).
    Open,
    /// `1`: the session ends.
    Close,
    /// `2`: the server's heartbeat (or an upgrade probe's `2probe`).
    Ping,
    /// `3`: the answer to a ping.
    Pong,
    /// `4`: application data.
    Message,
    /// `5`: the client switches to the probed WebSocket.
    Upgrade,
    /// `6`: nothing; releases a held poll during an upgrade.
    Noop,
}

impl PacketType {
    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            b'0' => Self::Open,
            b'1' => Self::Close,
            b'2' => Self::Ping,
            b'3' => Self::Pong,
            b'4' => Self::Message,
            b'5' => Self::Upgrade,
            b'6' => Self::Noop,
            _ => return None,
        })
    }

    pub(crate) fn as_byte(self) -> u8 {
        match self {
            Self::Open => b'0',
            Self::Close => b'1',
            Self::Ping => b'2',
            Self::Pong => b'3',
            Self::Message => b'4',
            Self::Upgrade => b'5',
            Self::Noop => b'6',
        }
    }
}

/// A packet's data: text, or binary (binary data only ever rides a message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

/// A decoded Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub(crate) kind: PacketType,
    /// `None` when nothing follows the type digit.
    pub data: Option<Data>,
}

impl Packet {
    /// A packet with no data.
    pub fn new(kind: PacketType) -> Self {
        Packet { kind, data: None }
    }

    /// A packet carrying `text`.
    pub fn text(kind: PacketType, text: &str) -> Self {
        Packet {
            kind,
            data: Some(Data::Text(text.to_owned())),
        }
    }

    /// Decodes a text-encoded packet (a WebSocket text frame or one polling
    /// record). A leading `b` marks a base64 binary message.
    pub fn decode_text(s: &str) -> Result<Packet, DecodeError> {
        let bytes = s.as_bytes();
        let first = *bytes.first().ok_or(DecodeError::EmptyPacket)?;
        let rest = s.get(1..).unwrap_or("");
        if first == b'b' {
            let raw = BASE64_LENIENT
                .decode(rest)
                .map_err(|_| DecodeError::InvalidBase64)?;
            return Ok(Packet {
                kind: PacketType::Message,
                data: Some(Data::Binary(Bytes::from(raw))),
            });
        }
        let kind = PacketType::from_byte(first).ok_or(DecodeError::UnknownPacketType(first))?;
        let data = if rest.is_empty() {
            None
        } else {
            Some(Data::Text(rest.to_owned()))
        };
        Ok(Packet { kind, data })
    }

    /// A WebSocket binary frame is always a binary message.
    pub fn from_binary(data: Bytes) -> Packet {
        Packet {
            kind: PacketType::Message,
            data: Some(Data::Binary(data)),
        }
    }
}

/// Encodes a text packet: the type digit, then the text.
pub fn encode_text(kind: PacketType, text: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(kind.as_byte());
    out.extend_from_slice(text);
    Bytes::from(out)
}

/// Encodes a binary message for a polling payload: `b` and standard base64.
pub fn encode_binary_polling(data: &[u8]) -> Bytes {
    let mut out = String::with_capacity(1 + data.len().div_ceil(3) * 4);
    out.push('b');
    general_purpose::STANDARD.encode_string(data, &mut out);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_type() {
        for (i, kind) in [
            PacketType::Open,
            PacketType::Close,
            PacketType::Ping,
            PacketType::Pong,
            PacketType::Message,
            PacketType::Upgrade,
            PacketType::Noop,
        ]
        .into_iter()
        .enumerate()
        {
            let s = i.to_string();
            assert_eq!(Packet::decode_text(&s).unwrap(), Packet::new(kind));
            assert_eq!(kind.as_byte(), s.as_bytes()[0]);
        }
    }

    #[test]
    fn decodes_text_data() {
        assert_eq!(
            Packet::decode_text("2probe").unwrap(),
            Packet::text(PacketType::Ping, "probe")
        );
        assert_eq!(
            Packet::decode_text("4hello é").unwrap(),
            Packet::text(PacketType::Message, "hello é")
        );
    }

    #[test]
    fn decodes_base64_binary() {
        assert_eq!(
            Packet::decode_text("bAQIDBA==").unwrap(),
            Packet::from_binary(Bytes::from_static(&[1, 2, 3, 4]))
        );
        // Node accepts missing padding; so do we.
        assert_eq!(
            Packet::decode_text("bAQIDBA").unwrap(),
            Packet::from_binary(Bytes::from_static(&[1, 2, 3, 4]))
        );
        assert_eq!(
            Packet::decode_text("b").unwrap(),
            Packet::from_binary(Bytes::new())
        );
    }

    #[test]
    fn rejects_bad_packets() {
        assert_eq!(Packet::decode_text(""), Err(DecodeError::EmptyPacket));
        assert_eq!(
            Packet::decode_text("abc"),
            Err(DecodeError::UnknownPacketType(b'a'))
        );
        assert_eq!(
            Packet::decode_text("7"),
            Err(DecodeError::UnknownPacketType(b'7'))
        );
        assert_eq!(Packet::decode_text("b!!!"), Err(DecodeError::InvalidBase64));
    }

    #[test]
    fn encodes() {
        assert_eq!(&encode_text(PacketType::Pong, b"probe")[..], b"3probe");
        assert_eq!(&encode_text(PacketType::Noop, b"")[..], b"6");
        assert_eq!(&encode_binary_polling(&[1, 2, 3, 4])[..], b"bAQIDBA==");
    }
}
