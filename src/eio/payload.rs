//! Polling payloads: packets joined by the record separator `\x1e`.

use bytes::Bytes;

use super::error::DecodeError;
use super::packet::Packet;

/// The record separator between packets of a polling payload.
pub const SEPARATOR: u8 = 0x1e;

/// Decodes a polling body into its packets, in order. Decoding stops at the
/// first bad record: engine.io delivers the packets before it, then closes.
/// The body is read as UTF-8 the way Node's `setEncoding("utf8")` does
/// (invalid sequences become U+FFFD) so no body is refused for its encoding
/// alone; the caller has already bounded its size by `maxPayload`.
pub fn decode_payload(body: &[u8]) -> impl Iterator<Item = Result<Packet, DecodeError>> + '_ {
    let mut failed = false;
    body.split(|&b| b == SEPARATOR).map_while(move |record| {
        if failed {
            return None;
        }
        let text = String::from_utf8_lossy(record);
        let packet = Packet::decode_text(&text);
        failed = packet.is_err();
        Some(packet)
    })
}

/// Joins already-encoded packets with the record separator.
pub fn encode_payload<'a>(records: impl Iterator<Item = &'a Bytes> + Clone) -> Bytes {
    let len: usize = records.clone().map(|r| r.len() + 1).sum();
    let mut out = Vec::with_capacity(len);
    for (i, r) in records.enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.extend_from_slice(r);
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eio::packet::{Data, PacketType};

    fn all(body: &[u8]) -> Vec<Result<Packet, DecodeError>> {
        decode_payload(body).collect()
    }

    #[test]
    fn one_packet() {
        assert_eq!(
            all(b"4hello"),
            vec![Ok(Packet::text(PacketType::Message, "hello"))]
        );
    }

    #[test]
    fn several_packets_text_and_binary() {
        let got = all(b"4hello\x1ebAQIDBA==\x1e3");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Ok(Packet::text(PacketType::Message, "hello")));
        assert_eq!(
            got[1],
            Ok(Packet {
                kind: PacketType::Message,
                data: Some(Data::Binary(Bytes::from_static(&[1, 2, 3, 4])))
            })
        );
        assert_eq!(got[2], Ok(Packet::new(PacketType::Pong)));
    }

    #[test]
    fn stops_at_first_bad_record() {
        let got = all(b"4a\x1ex\x1e4b");
        assert_eq!(
            got,
            vec![
                Ok(Packet::text(PacketType::Message, "a")),
                Err(DecodeError::UnknownPacketType(b'x'))
            ]
        );
        assert_eq!(all(b""), vec![Err(DecodeError::EmptyPacket)]);
        assert_eq!(
            all(b"4a\x1e"),
            vec![
                Ok(Packet::text(PacketType::Message, "a")),
                Err(DecodeError::EmptyPacket)
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_refused() {
        let got = all(b"4\xff");
        assert_eq!(got, vec![Ok(Packet::text(PacketType::Message, "\u{fffd}"))]);
    }

    #[test]
    fn encodes_with_separators() {
        let recs = [
            Bytes::from_static(b"4test1"),
            Bytes::from_static(b"4test2"),
            Bytes::from_static(b"bAQ=="),
        ];
        assert_eq!(
            &encode_payload(recs.iter())[..],
            b"4test1\x1e4test2\x1ebAQ=="
        );
        assert_eq!(&encode_payload([].iter())[..], b"");
    }
}
