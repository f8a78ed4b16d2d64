//! A room's output on the wire between an origin and its edges: the bytes
//! of one Redis message, sans-IO.
//!
//! ```text
//! magic "SPXR", version 1, type
//! type 1, a room's output:
//!   origin u64, group (u16 length + UTF-8), kind u8,
//!   plain frame, standalone frame, stream frame (each u32 length + bytes; 0: none),
//!   and with a stream frame: stream u64, seq u64, len u32
//! type 2, a room's end:
//!   origin u64, group, its last output (u32 length + a type 1 message; 0: none)
//! ```
//!
//! Integers are big-endian. The frames are whole unmasked WebSocket frames
//! as the origin's reactors write them, so an edge sends them as they are;
//! decoding checks their headers and the plain frame's UTF-8, and refuses
//! anything truncated, foreign or oversized, so nothing a client could not
//! read is ever delivered.

use bytes::{BufMut, Bytes, BytesMut};

use crate::ws::{Data, FrameHeader, OpCode};

const MAGIC: &[u8; 4] = b"SPXR";
const VERSION: u8 = 1;
const OUTPUT: u8 = 1;
const END: u8 = 2;

/// The largest message accepted: a state is tens of kilobytes; the
/// observers' payload limit is 1 MB.
pub const MAX_MESSAGE: usize = 4 << 20;
/// The longest group code (the registry refuses longer ones).
const MAX_GROUP: usize = 255;

/// A room's message on its origin's compression stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireStream {
    /// The stream, as its origin numbers them.
    pub id: u64,
    /// Position on the stream.
    pub seq: u64,
    /// Uncompressed length of the message.
    pub len: u32,
    /// Whole unmasked frame (FIN, RSV1, text).
    pub frame: Bytes,
}

/// A room's output for one tick, as relayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireOutput {
    /// The process that built it (a random number per start).
    pub origin: u64,
    pub(crate) group: String,
    /// Latest-wins kind.
    pub kind: u8,
    /// Whole unmasked frame (FIN, text); its payload is the Engine.IO packet.
    pub plain: Bytes,
    /// Whole unmasked frame (FIN, RSV1, text), compressed on its own.
    pub standalone: Option<Bytes>,
    pub(crate) stream: Option<WireStream>,
}

/// What travels from an origin to its edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A room's output.
    Output(WireOutput),
    /// The match is gone. `last`: its final output, for an edge that missed
    /// it (Redis was away when it went by).
    End {
        /// The origin the match ran on.
        origin: u64,
        /// The match's group code.
        group: String,
        /// Its final output, if it had one.
        last: Option<WireOutput>,
    },
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Longer than a message may be; the length.
    TooLarge(usize),
    /// Not ours: another magic, version or type.
    Foreign,
    /// The bytes end inside the message.
    Truncated,
    /// Bytes after the message's end.
    TrailingBytes,
    /// The group code is empty, too long or not UTF-8.
    BadGroup,
    /// A frame's header does not describe it (`which`: plain, standalone, stream).
    BadFrame(&'static str),
    /// The plain frame's text is not UTF-8.
    NotUtf8,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::TooLarge(n) => write!(f, "{n} bytes, more than {MAX_MESSAGE}"),
            WireError::Foreign => write!(f, "not a room message (magic, version or type)"),
            WireError::Truncated => write!(f, "truncated"),
            WireError::TrailingBytes => write!(f, "bytes after the end of the message"),
            WireError::BadGroup => write!(f, "the group code is empty, too long or not UTF-8"),
            WireError::BadFrame(which) => write!(f, "the {which} frame is not a whole text frame"),
            WireError::NotUtf8 => write!(f, "the plain frame's text is not UTF-8"),
        }
    }
}

impl std::error::Error for WireError {}

impl Message {
    /// The message's group code.
    pub fn group(&self) -> &str {
        match self {
            Message::Output(o) => &o.group,
            Message::End { group, .. } => group,
        }
    }

    /// The message's bytes, as published on Redis.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        out.put_slice(MAGIC);
        out.put_u8(VERSION);
        match self {
            Message::Output(o) => {
                let frames = o.plain.len()
                    + o.standalone.as_ref().map_or(0, Bytes::len)
                    + o.stream.as_ref().map_or(0, |s| s.frame.len());
                out.reserve(frames + o.group.len() + 64);
                out.put_u8(OUTPUT);
                out.put_u64(o.origin);
                put_group(&mut out, &o.group);
                out.put_u8(o.kind);
                put_bytes(&mut out, &o.plain);
                put_bytes(&mut out, o.standalone.as_deref().unwrap_or_default());
                put_bytes(
                    &mut out,
                    o.stream.as_ref().map_or(&[][..], |s| &s.frame[..]),
                );
                if let Some(s) = &o.stream {
                    out.put_u64(s.id);
                    out.put_u64(s.seq);
                    out.put_u32(s.len);
                }
            }
            Message::End {
                origin,
                group,
                last,
            } => {
                out.put_u8(END);
                out.put_u64(*origin);
                put_group(&mut out, group);
                let last = last.clone().map(|o| Message::Output(o).encode());
                put_bytes(&mut out, last.as_deref().unwrap_or_default());
            }
        }
        out.freeze()
    }

    /// Decodes one message; its frames are slices of `bytes`, not copies.
    pub fn decode(bytes: &Bytes) -> Result<Message, WireError> {
        if bytes.len() > MAX_MESSAGE {
            return Err(WireError::TooLarge(bytes.len()));
        }
        let mut r = Reader { bytes, pos: 0 };
        if r.take(4)? != MAGIC || r.u8()? != VERSION {
            return Err(WireError::Foreign);
        }
        let msg = match r.u8()? {
            OUTPUT => {
                let origin = r.u64()?;
                let group = r.group()?;
                let kind = r.u8()?;
                let plain = r.bytes()?;
                let standalone = r.bytes()?;
                let stream_frame = r.bytes()?;
                check_frame(&plain, false, "plain")?;
                let text = &plain[plain.len() - payload_len(&plain)..];
                std::str::from_utf8(text).map_err(|_| WireError::NotUtf8)?;
                let standalone = match standalone.is_empty() {
                    true => None,
                    false => Some(check_frame(&standalone, true, "standalone")?),
                };
                let stream = match stream_frame.is_empty() {
                    true => None,
                    false => Some(WireStream {
                        frame: check_frame(&stream_frame, true, "stream")?,
                        id: r.u64()?,
                        seq: r.u64()?,
                        len: r.u32()?,
                    }),
                };
                Message::Output(WireOutput {
                    origin,
                    group,
                    kind,
                    plain,
                    standalone,
                    stream,
                })
            }
            END => {
                let origin = r.u64()?;
                let group = r.group()?;
                let last = r.bytes()?;
                // Only an output may be inside: no nesting, so no recursion.
                let last = match last.get(..6) {
                    None if last.is_empty() => None,
                    Some([m0, m1, m2, m3, VERSION, OUTPUT]) if [*m0, *m1, *m2, *m3] == *MAGIC => {
                        match Message::decode(&last)? {
                            Message::Output(o) if o.group == group => Some(o),
                            _ => return Err(WireError::Foreign),
                        }
                    }
                    _ => return Err(WireError::Foreign),
                };
                Message::End {
                    origin,
                    group,
                    last,
                }
            }
            _ => return Err(WireError::Foreign),
        };
        if r.pos != bytes.len() {
            return Err(WireError::TrailingBytes);
        }
        Ok(msg)
    }
}

fn put_group(out: &mut BytesMut, group: &str) {
    let g = &group.as_bytes()[..group.len().min(MAX_GROUP)];
    out.put_u16(g.len() as u16);
    out.put_slice(g);
}

fn put_bytes(out: &mut BytesMut, b: &[u8]) {
    out.put_u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
    out.put_slice(b);
}

/// The payload length a checked frame's header gives.
fn payload_len(frame: &[u8]) -> usize {
    FrameHeader::parse(frame)
        .ok()
        .flatten()
        .map_or(0, |h| usize::try_from(h.payload_len).unwrap_or(0))
}

/// `frame` is one whole unmasked final text frame, compressed or not as
/// `rsv1` says.
fn check_frame(frame: &Bytes, rsv1: bool, which: &'static str) -> Result<Bytes, WireError> {
    let bad = WireError::BadFrame(which);
    let h = FrameHeader::parse(frame)
        .map_err(|_| bad.clone())?
        .ok_or(bad.clone())?;
    let whole = usize::try_from(h.payload_len)
        .ok()
        .and_then(|n| n.checked_add(h.header_len))
        == Some(frame.len());
    let shape = h.fin
        && h.rsv1 == rsv1
        && !h.rsv2
        && !h.rsv3
        && h.mask.is_none()
        && h.opcode == OpCode::Data(Data::Text);
    if whole && shape {
        Ok(frame.clone())
    } else {
        Err(bad)
    }
}

struct Reader<'a> {
    bytes: &'a Bytes,
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated)?;
        let s = self.bytes.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        self.take(N)?.try_into().map_err(|_| WireError::Truncated)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn group(&mut self) -> Result<String, WireError> {
        let n = usize::from(u16::from_be_bytes(self.array()?));
        let g = self.take(n)?;
        match std::str::from_utf8(g) {
            Ok(s) if !s.is_empty() && n <= MAX_GROUP => Ok(s.to_owned()),
            _ => Err(WireError::BadGroup),
        }
    }

    /// A length-prefixed run, as a slice of the message.
    fn bytes(&mut self) -> Result<Bytes, WireError> {
        let n = usize::try_from(self.u32()?).map_err(|_| WireError::Truncated)?;
        let start = self.pos;
        self.take(n)?;
        Ok(self.bytes.slice(start..start + n))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::room::RoomStream;
    use crate::sio;

    fn output() -> WireOutput {
        let mut room = RoomStream::default();
        let state = format!("\"{}\"", "{\\\"round\\\":3}".repeat(200));
        let msg = room.output(0, sio::event_packet("/", "match_data", &[&state]));
        let sf = msg.stream.clone().unwrap();
        WireOutput {
            origin: 7,
            group: "AB12".into(),
            kind: 0,
            plain: msg.plain.clone(),
            standalone: msg.standalone().cloned(),
            stream: Some(WireStream {
                id: sf.stream,
                seq: sf.seq,
                len: sf.len as u32,
                frame: sf.frame,
            }),
        }
    }

    #[test]
    fn outputs_and_ends_round_trip() {
        let full = Message::Output(output());
        assert_eq!(Message::decode(&full.encode()), Ok(full));
        let plain_only = Message::Output(WireOutput {
            standalone: None,
            stream: None,
            ..output()
        });
        assert_eq!(Message::decode(&plain_only.encode()), Ok(plain_only));
        let end = Message::End {
            origin: 9,
            group: "ÄÖ-1".into(),
            last: None,
        };
        assert_eq!(Message::decode(&end.encode()), Ok(end.clone()));
        assert_eq!(end.group(), "ÄÖ-1");
        let end_with_state = Message::End {
            origin: 7,
            group: "AB12".into(),
            last: Some(output()),
        };
        assert_eq!(
            Message::decode(&end_with_state.encode()),
            Ok(end_with_state)
        );
        let foreign_state = Message::End {
            origin: 7,
            group: "OTHER".into(),
            last: Some(output()),
        };
        assert_eq!(
            Message::decode(&foreign_state.encode()),
            Err(WireError::Foreign)
        );
    }

    #[test]
    fn frames_are_slices_of_the_message() {
        let bytes = Message::Output(output()).encode();
        let Ok(Message::Output(o)) = Message::decode(&bytes) else {
            panic!()
        };
        let inside = |b: &Bytes| bytes.as_ptr_range().contains(&b.as_ptr());
        assert!(inside(&o.plain) && inside(o.standalone.as_ref().unwrap()));
    }

    #[test]
    fn truncated_foreign_and_oversized_messages_are_refused() {
        let bytes = Message::Output(output()).encode();
        for cut in 0..bytes.len() {
            assert!(
                Message::decode(&bytes.slice(..cut)).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(
            Message::decode(&longer.into()),
            Err(WireError::TrailingBytes)
        );
        assert_eq!(
            Message::decode(&Bytes::from_static(b"hello world")),
            Err(WireError::Foreign)
        );
        let mut other_version = bytes.to_vec();
        other_version[4] = 2;
        assert_eq!(
            Message::decode(&other_version.into()),
            Err(WireError::Foreign)
        );
        let huge = Bytes::from(vec![0u8; MAX_MESSAGE + 1]);
        assert_eq!(
            Message::decode(&huge),
            Err(WireError::TooLarge(MAX_MESSAGE + 1))
        );
    }

    #[test]
    fn frames_that_do_not_describe_themselves_are_refused() {
        let o = output();
        let swapped = WireOutput {
            plain: o.standalone.clone().unwrap(),
            ..o.clone()
        };
        assert_eq!(
            Message::decode(&Message::Output(swapped).encode()),
            Err(WireError::BadFrame("plain"))
        );
        let short = WireOutput {
            standalone: Some(o.stream.as_ref().unwrap().frame.slice(..5)),
            ..o.clone()
        };
        assert_eq!(
            Message::decode(&Message::Output(short).encode()),
            Err(WireError::BadFrame("standalone"))
        );
        let not_utf8 = WireOutput {
            plain: crate::ws::encode_frame(OpCode::Data(Data::Text), b"42[\xff]"),
            ..o
        };
        assert_eq!(
            Message::decode(&Message::Output(not_utf8).encode()),
            Err(WireError::NotUtf8)
        );
    }

    #[test]
    fn an_end_holds_an_output_and_nothing_deeper() {
        let inner = Message::End {
            origin: 1,
            group: "AB12".into(),
            last: None,
        }
        .encode();
        let mut outer = BytesMut::new();
        outer.put_slice(MAGIC);
        outer.put_u8(VERSION);
        outer.put_u8(END);
        outer.put_u64(1);
        put_group(&mut outer, "AB12");
        put_bytes(&mut outer, &inner);
        assert_eq!(Message::decode(&outer.freeze()), Err(WireError::Foreign));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let bytes = Bytes::from(data);
            if let Ok(m) = Message::decode(&bytes) {
                prop_assert_eq!(m.encode(), bytes);
            }
        }

        #[test]
        fn a_valid_message_with_any_byte_changed_decodes_exactly_or_is_refused(at in 0usize..4096, to in any::<u8>()) {
            let mut bytes = Message::Output(output()).encode().to_vec();
            let at = at % bytes.len();
            bytes[at] = to;
            let bytes = Bytes::from(bytes);
            if let Ok(m) = Message::decode(&bytes) {
                prop_assert_eq!(m.encode(), bytes);
            }
        }
    }
}
