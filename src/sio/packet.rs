//! Socket.IO v5 packets: `<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]`.
//!
//! Decoding follows socket.io-parser 4: the namespace runs from a leading `/`
//! to the first `,`; digits after it are the ack id; the rest must be JSON of
//! the shape the type requires (CONNECT: an object; EVENT: an array whose
//! first element is a non-reserved string or a number; ACK: an array;
//! DISCONNECT: nothing).

use crate::json;
use bytes::Bytes;
use serde_json::value::RawValue;

use super::error::SioError;

/// Event names a client may not emit (socket.io's `RESERVED_EVENTS`).
const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// More attachments than this in one packet is refused (a bound on what a
/// peer can make us hold; socket.io clients send one per binary argument).
pub const MAX_ATTACHMENTS: usize = 1000;

/// The seven Socket.IO packet types, numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// `0`: join a namespace (the server answers with the socket id).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event with JSON arguments.
    Event,
    /// `3`: the answer to an event that asked for one.
    Ack,
    /// `4`: a refused CONNECT.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an ack with binary attachments.
    BinaryAck,
}

impl PacketKind {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            b'0' => Self::Connect,
            b'1' => Self::Disconnect,
            b'2' => Self::Event,
            b'3' => Self::Ack,
            b'4' => Self::ConnectError,
            b'5' => Self::BinaryEvent,
            b'6' => Self::BinaryAck,
            _ => return None,
        })
    }

    pub(crate) fn as_byte(self) -> u8 {
        match self {
            Self::Connect => b'0',
            Self::Disconnect => b'1',
            Self::Event => b'2',
            Self::Ack => b'3',
            Self::ConnectError => b'4',
            Self::BinaryEvent => b'5',
            Self::BinaryAck => b'6',
        }
    }
}

/// What a decoded packet carries, already checked against its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Nothing: a CONNECT without auth, or a DISCONNECT.
    None,
    /// CONNECT's auth object / CONNECT_ERROR's data, as JSON text.
    Json(String),
    /// EVENT: the name (a number's text for numeric names) and the
    /// arguments as JSON texts; `text`: the first argument's content when
    /// it is a string (decoded while the array was checked).
    Event {
        /// The event name.
        name: String,
        /// The arguments after the name.
        args: Vec<String>,
        /// The first argument's content, when it is a string.
        text: Option<String>,
    },
    /// ACK: the arguments as JSON texts.
    Args(Vec<String>),
}

/// A decoded Socket.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SioPacket {
    pub(crate) kind: PacketKind,
    /// `/` unless the packet names another namespace.
    pub nsp: String,
    pub(crate) id: Option<u64>,
    /// Binary attachments that follow (BINARY_EVENT / BINARY_ACK).
    pub attachments: usize,
    pub(crate) payload: Payload,
}

/// Decodes the text of one Socket.IO packet (an Engine.IO message).
pub fn decode(s: &str) -> Result<SioPacket, SioError> {
    let b = s.as_bytes();
    let first = *b.first().ok_or(SioError::Empty)?;
    let kind = PacketKind::from_byte(first).ok_or(SioError::UnknownType(first))?;
    let mut i = 1;

    let mut attachments = 0;
    if matches!(kind, PacketKind::BinaryEvent | PacketKind::BinaryAck) {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start || b.get(i) != Some(&b'-') {
            return Err(SioError::IllegalAttachments);
        }
        attachments = s
            .get(start..i)
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|n| *n <= MAX_ATTACHMENTS)
            .ok_or(SioError::IllegalAttachments)?;
        i += 1;
    }

    let mut nsp = "/";
    if b.get(i) == Some(&b'/') {
        let start = i;
        while b.get(i).is_some_and(|c| *c != b',') {
            i += 1;
        }
        nsp = s.get(start..i).ok_or(SioError::InvalidNamespace)?;
        if b.get(i) == Some(&b',') {
            i += 1;
        }
    }

    let mut id = None;
    let start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i > start {
        let digits = s.get(start..i).ok_or(SioError::InvalidAckId)?;
        id = Some(digits.parse::<u64>().map_err(|_| SioError::InvalidAckId)?);
    }

    let data = s.get(i..).unwrap_or("");
    let payload = if data.is_empty() {
        match kind {
            PacketKind::Connect | PacketKind::Disconnect => Payload::None,
            // An event or ack must carry its array.
            _ => return Err(SioError::InvalidPayload),
        }
    } else {
        decode_payload(kind, data)?
    };
    Ok(SioPacket {
        kind,
        nsp: nsp.to_owned(),
        id,
        attachments,
        payload,
    })
}

fn decode_payload(kind: PacketKind, data: &str) -> Result<Payload, SioError> {
    match kind {
        PacketKind::Disconnect => Err(SioError::InvalidPayload),
        PacketKind::Connect | PacketKind::ConnectError => {
            let v: &RawValue = serde_json::from_str(data).map_err(|_| SioError::InvalidPayload)?;
            let text = v.get();
            let ok = text.starts_with('{')
                || (kind == PacketKind::ConnectError && text.starts_with('"'));
            if !ok {
                return Err(SioError::InvalidPayload);
            }
            Ok(Payload::Json(text.to_owned()))
        }
        PacketKind::Event | PacketKind::BinaryEvent => {
            // No decoded argument is longer than the array's text.
            let mut text = String::with_capacity(data.len());
            let (items, decoded) = json::array::elements_decoding(data, 1, &mut text)
                .ok_or(SioError::InvalidPayload)?;
            let (&raw, rest) = items.split_first().ok_or(SioError::InvalidPayload)?;
            let name = if raw.starts_with('"') {
                let mut name = String::new();
                json::string::unescape_into(raw, &mut name)
                    .map_err(|_| SioError::InvalidPayload)?;
                if RESERVED_EVENTS.contains(&name.as_str()) {
                    return Err(SioError::ReservedEvent);
                }
                name
            } else if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                raw.to_owned()
            } else {
                return Err(SioError::InvalidPayload);
            };
            Ok(Payload::Event {
                name,
                args: rest.iter().map(|r| (*r).to_owned()).collect(),
                text: decoded.then_some(text),
            })
        }
        PacketKind::Ack | PacketKind::BinaryAck => {
            let items = json::array::elements(data).ok_or(SioError::InvalidPayload)?;
            Ok(Payload::Args(
                items.iter().map(|r| (*r).to_owned()).collect(),
            ))
        }
    }
}

/// Encodes a packet as an Engine.IO message (`4` first), ready for a
/// WebSocket text frame or a polling payload. `data` is JSON text or empty.
pub fn encode(
    kind: PacketKind,
    nsp: &str,
    attachments: usize,
    id: Option<u64>,
    data: &str,
) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + nsp.len() + 24);
    out.push(b'4');
    out.push(kind.as_byte());
    if matches!(kind, PacketKind::BinaryEvent | PacketKind::BinaryAck) {
        out.extend_from_slice(attachments.to_string().as_bytes());
        out.push(b'-');
    }
    if nsp != "/" {
        out.extend_from_slice(nsp.as_bytes());
        out.push(b',');
    }
    if let Some(id) = id {
        out.extend_from_slice(id.to_string().as_bytes());
    }
    out.extend_from_slice(data.as_bytes());
    Bytes::from(out)
}

/// The EVENT packet `42[<event name>, args...]` (with the namespace when
/// not `/`), as an Engine.IO message: what a room's output is built from.
/// Each argument is JSON text.
pub fn event_packet(nsp: &str, event: &str, args_json: &[&str]) -> Bytes {
    encode(
        PacketKind::Event,
        nsp,
        0,
        None,
        &event_array(event, args_json),
    )
}

/// The JSON array `[<event name>, args...]` of an EVENT.
pub fn event_array(event: &str, args_json: &[&str]) -> String {
    let name = serde_json::to_string(event).unwrap_or_else(|_| "\"\"".to_owned());
    let len = name.len() + args_json.iter().map(|a| a.len() + 1).sum::<usize>() + 2;
    let mut out = String::with_capacity(len);
    out.push('[');
    out.push_str(&name);
    for a in args_json {
        out.push(',');
        out.push_str(a);
    }
    out.push(']');
    out
}

/// The JSON array `[args...]` of an ACK.
pub fn args_array(args_json: &[&str]) -> String {
    let mut out = String::with_capacity(args_json.iter().map(|a| a.len() + 1).sum::<usize>() + 2);
    out.push('[');
    for (i, a) in args_json.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(a);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, args: &[&str]) -> Payload {
        Payload::Event {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            text: args
                .first()
                .and_then(|a| serde_json::from_str::<String>(a).ok()),
        }
    }

    #[test]
    fn connect_variants() {
        let p = decode("0").unwrap();
        assert_eq!(
            (p.kind, p.nsp.as_str(), p.payload),
            (PacketKind::Connect, "/", Payload::None)
        );
        let p = decode(r#"0{"token":"123"}"#).unwrap();
        assert_eq!(p.payload, Payload::Json(r#"{"token":"123"}"#.into()));
        let p = decode("0/custom,").unwrap();
        assert_eq!((p.nsp.as_str(), p.payload), ("/custom", Payload::None));
        let p = decode("0/custom").unwrap();
        assert_eq!(p.nsp, "/custom");
        let p = decode(r#"0/custom,{"token":"abc"}"#).unwrap();
        assert_eq!(
            (p.nsp.as_str(), p.payload),
            ("/custom", Payload::Json(r#"{"token":"abc"}"#.into()))
        );
        assert_eq!(decode("0[1]"), Err(SioError::InvalidPayload));
        assert_eq!(decode("0abc"), Err(SioError::InvalidPayload));
    }

    #[test]
    fn events_and_acks() {
        let p = decode(r#"2["message",1,"2",{"3":[true]}]"#).unwrap();
        assert_eq!(
            p.payload,
            ev("message", &["1", r#""2""#, r#"{"3":[true]}"#])
        );
        assert_eq!(p.id, None);
        let p = decode(r#"2456["message-with-ack",1]"#).unwrap();
        assert_eq!(p.id, Some(456));
        let p = decode(r#"2/admin,7["a\"b"]"#).unwrap();
        assert_eq!(
            (p.nsp.as_str(), p.id, p.payload),
            ("/admin", Some(7), ev("a\"b", &[]))
        );
        let p = decode("2[42,true]").unwrap();
        assert_eq!(p.payload, ev("42", &["true"]));
        let p = decode(r#"3456[1,"2"]"#).unwrap();
        assert_eq!(
            (p.kind, p.id, p.payload),
            (
                PacketKind::Ack,
                Some(456),
                Payload::Args(vec!["1".into(), r#""2""#.into()])
            )
        );
        let p = decode("1/custom").unwrap();
        assert_eq!(
            (p.kind, p.nsp.as_str()),
            (PacketKind::Disconnect, "/custom")
        );
    }

    #[test]
    fn binary_packets() {
        let p =
            decode(r#"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
                .unwrap();
        assert_eq!((p.kind, p.attachments), (PacketKind::BinaryEvent, 2));
        let p = decode(r#"62-789[{"_placeholder":true,"num":0}]"#).unwrap();
        assert_eq!(
            (p.kind, p.attachments, p.id),
            (PacketKind::BinaryAck, 2, Some(789))
        );
        assert_eq!(decode(r#"5["a"]"#), Err(SioError::IllegalAttachments));
        assert_eq!(decode(r#"5x-["a"]"#), Err(SioError::IllegalAttachments));
        assert_eq!(decode(r#"51001-["a"]"#), Err(SioError::IllegalAttachments));
        assert_eq!(
            decode("599999999999999999999999-[\"a\"]"),
            Err(SioError::IllegalAttachments)
        );
    }

    #[test]
    fn invalid_packets() {
        assert_eq!(decode(""), Err(SioError::Empty));
        assert_eq!(decode("abc"), Err(SioError::UnknownType(b'a')));
        assert_eq!(decode("7"), Err(SioError::UnknownType(b'7')));
        assert_eq!(decode("2{}"), Err(SioError::InvalidPayload));
        assert_eq!(decode("2"), Err(SioError::InvalidPayload));
        assert_eq!(decode("2[]"), Err(SioError::InvalidPayload));
        assert_eq!(decode("2[{}]"), Err(SioError::InvalidPayload));
        assert_eq!(
            decode(r#"2abc["message-with-ack",1]"#),
            Err(SioError::InvalidPayload)
        );
        assert_eq!(decode(r#"2["disconnect"]"#), Err(SioError::ReservedEvent));
        assert_eq!(decode(r#"2["a"] x"#), Err(SioError::InvalidPayload));
        assert_eq!(decode("1{}"), Err(SioError::InvalidPayload));
        assert_eq!(decode("3{}"), Err(SioError::InvalidPayload));
        assert_eq!(
            decode("299999999999999999999999[\"a\"]"),
            Err(SioError::InvalidAckId)
        );
    }

    #[test]
    fn encodes() {
        assert_eq!(
            &encode(PacketKind::Connect, "/", 0, None, r#"{"sid":"x"}"#)[..],
            br#"40{"sid":"x"}"#
        );
        assert_eq!(
            &encode(
                PacketKind::ConnectError,
                "/random",
                0,
                None,
                r#"{"message":"Invalid namespace"}"#
            )[..],
            br#"44/random,{"message":"Invalid namespace"}"#
        );
        assert_eq!(
            &encode(PacketKind::Ack, "/", 0, Some(456), "[1]")[..],
            b"43456[1]"
        );
        assert_eq!(
            &encode(PacketKind::BinaryAck, "/", 2, Some(789), "[]")[..],
            b"462-789[]"
        );
        assert_eq!(
            &encode(PacketKind::Disconnect, "/custom", 0, None, "")[..],
            b"41/custom,"
        );
        assert_eq!(event_array("a\"b", &["1", "{}"]), r#"["a\"b",1,{}]"#);
        assert_eq!(args_array(&["1", "2"]), "[1,2]");
        assert_eq!(args_array(&[]), "[]");
    }
}
