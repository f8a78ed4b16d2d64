//! Frame headers (RFC 6455 5.2): parsing, and encoding of whole frames.

use bytes::{BufMut, Bytes, BytesMut};
use tungstenite::protocol::frame::coding::{Control, OpCode};

use super::WsError;

/// Largest header: 2 bytes + 8-byte length + 4-byte mask.
pub const MAX_HEADER: usize = 14;

/// A parsed frame header; the payload follows `header_len` bytes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The frame ends its message.
    pub fin: bool,
    /// Set on the first frame of a compressed message (permessage-deflate).
    pub rsv1: bool,
    /// Reserved; no extension of ours uses it.
    pub rsv2: bool,
    /// Reserved; no extension of ours uses it.
    pub rsv3: bool,
    /// Data (text, binary, continuation) or control.
    pub opcode: OpCode,
    /// The masking key; clients must mask, servers must not.
    pub mask: Option<[u8; 4]>,
    /// Payload bytes after the header.
    pub payload_len: u64,
    /// Header bytes, mask included.
    pub header_len: usize,
}

impl FrameHeader {
    /// `Ok(None)` until the whole header is in `buf`.
    pub fn parse(buf: &[u8]) -> Result<Option<FrameHeader>, WsError> {
        let (Some(&b0), Some(&b1)) = (buf.first(), buf.get(1)) else {
            return Ok(None);
        };
        let masked = b1 & 0x80 != 0;
        let (payload_len, mut header_len) = match b1 & 0x7f {
            126 => match buf.get(2..4) {
                Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
                _ => return Ok(None),
            },
            127 => match buf.get(2..10).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
                Some(b) => {
                    let n = u64::from_be_bytes(b);
                    if n >> 63 != 0 {
                        return Err(WsError::LengthHighBitSet);
                    }
                    (n, 10)
                }
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        let mask = if masked {
            match buf
                .get(header_len..header_len + 4)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
            {
                Some(m) => {
                    header_len += 4;
                    Some(m)
                }
                None => return Ok(None),
            }
        } else {
            None
        };
        Ok(Some(FrameHeader {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode: OpCode::from(b0 & 0x0f),
            mask,
            payload_len,
            header_len,
        }))
    }
}

/// Header length for a payload of `len` bytes (unmasked).
pub fn header_len(len: usize) -> usize {
    match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}

/// Writes a header into `out`, which must be exactly `header_len(len)`
/// (+4 when masked) bytes.
fn fill_header(
    out: &mut [u8],
    fin: bool,
    rsv1: bool,
    opcode: OpCode,
    len: usize,
    mask: Option<[u8; 4]>,
) {
    let mut b0 = u8::from(opcode);
    if fin {
        b0 |= 0x80;
    }
    if rsv1 {
        b0 |= 0x40;
    }
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut pos = 2;
    let b1 = match len {
        0..=125 => len as u8,
        126..=65535 => {
            out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            pos = 4;
            126
        }
        _ => {
            out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            pos = 10;
            127
        }
    };
    out[0] = b0;
    out[1] = b1 | mask_bit;
    if let Some(m) = mask {
        out[pos..pos + 4].copy_from_slice(&m);
    }
}

/// XORs `buf` with the masking key (RFC 6455 5.3), 8 bytes at a time.
pub fn apply_mask(buf: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// A whole frame with the given flags; `mask` for client frames.
pub fn encode(
    fin: bool,
    rsv1: bool,
    opcode: OpCode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) -> Bytes {
    let h = header_len(payload.len()) + if mask.is_some() { 4 } else { 0 };
    let mut out = BytesMut::zeroed(h);
    fill_header(&mut out, fin, rsv1, opcode, payload.len(), mask);
    out.reserve(payload.len());
    out.put_slice(payload);
    if let Some(m) = mask {
        apply_mask(&mut out[h..], m);
    }
    out.freeze()
}

/// A whole unmasked server frame, FIN set.
pub fn encode_frame(opcode: OpCode, payload: &[u8]) -> Bytes {
    encode(true, false, opcode, payload, None)
}

/// Turns `out` — `MAX_HEADER - 4` reserved bytes followed by a payload —
/// into a whole unmasked frame without copying the payload: the header is
/// written just before it and the front of the buffer is sliced off.
pub fn frame_in_place(mut out: Vec<u8>, rsv1: bool, opcode: OpCode) -> Bytes {
    const ROOM: usize = MAX_HEADER - 4;
    let len = out.len().saturating_sub(ROOM);
    let h = header_len(len);
    let start = ROOM - h;
    if let Some(head) = out.get_mut(start..ROOM) {
        fill_header(head, true, rsv1, opcode, len, None);
    }
    Bytes::from(out).slice(start..)
}

/// The space [`frame_in_place`] expects in front of the payload.
pub const FRAME_ROOM: usize = MAX_HEADER - 4;

/// A Close frame with a status code and a reason (cut to the 123 bytes a
/// control frame leaves for it, on a character boundary).
pub fn close_frame(code: u16, reason: &str) -> Bytes {
    let mut cut = reason.len().min(123);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut payload = Vec::with_capacity(2 + cut);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..cut]);
    encode_frame(OpCode::Control(Control::Close), &payload)
}

/// The answer to a peer's Close: its code echoed (RFC 6455 5.5.1), or an
/// empty Close when it sent none.
pub fn close_reply(code: Option<u16>) -> Bytes {
    match code {
        Some(c) => close_frame(c, ""),
        None => encode_frame(OpCode::Control(Control::Close), &[]),
    }
}

/// A frame's RSV1 bit: it carries a compressed message, which enters the
/// client's inflater window.
pub fn is_compressed(frame: &[u8]) -> bool {
    frame.first().is_some_and(|b| b & 0x40 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use tungstenite::protocol::frame::coding::Data;

    const TEXT: OpCode = OpCode::Data(Data::Text);
    const BINARY: OpCode = OpCode::Data(Data::Binary);

    #[test]
    fn header_lengths_use_the_three_encodings() {
        for (len, h) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let f = encode_frame(TEXT, &vec![b'a'; len]);
            assert_eq!(f.len(), h + len);
            let parsed = FrameHeader::parse(&f).unwrap().unwrap();
            assert_eq!((parsed.payload_len, parsed.header_len), (len as u64, h));
            assert!(parsed.fin && !parsed.rsv1 && parsed.mask.is_none());
            assert_eq!(parsed.opcode, TEXT);
        }
    }

    #[test]
    fn partial_headers_need_more_bytes() {
        let f = encode(true, false, BINARY, &[7; 70000], Some([1, 2, 3, 4]));
        for cut in 0..14 {
            assert_eq!(FrameHeader::parse(&f[..cut]), Ok(None), "cut {cut}");
        }
        let h = FrameHeader::parse(&f).unwrap().unwrap();
        assert_eq!((h.header_len, h.mask), (14, Some([1, 2, 3, 4])));
    }

    #[test]
    fn high_bit_of_64_bit_length_is_refused() {
        let mut f = vec![0x82, 127];
        f.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(FrameHeader::parse(&f), Err(WsError::LengthHighBitSet));
    }

    #[test]
    fn masking_twice_restores_every_length() {
        for len in 0..40 {
            let orig: Vec<u8> = (0..len as u8).collect();
            let mut b = orig.clone();
            apply_mask(&mut b, [0xde, 0xad, 0xbe, 0xef]);
            if len > 0 {
                assert_ne!(b, orig);
                assert_eq!(b[0], 0xde);
            }
            apply_mask(&mut b, [0xde, 0xad, 0xbe, 0xef]);
            assert_eq!(b, orig);
        }
    }

    #[test]
    fn in_place_framing_matches_plain_encoding() {
        for len in [0, 5, 125, 126, 1000, 70000] {
            let payload = vec![b'x'; len];
            let mut v = vec![0; FRAME_ROOM];
            v.extend_from_slice(&payload);
            assert_eq!(frame_in_place(v, false, TEXT), encode_frame(TEXT, &payload));
        }
    }

    #[test]
    fn close_reason_is_cut_on_a_char_boundary() {
        let f = close_frame(1000, &"é".repeat(100));
        assert_eq!(f.len(), 2 + 2 + 122);
        assert!(std::str::from_utf8(&f[4..]).is_ok());
        assert_eq!(&close_reply(None)[..], &[0x88, 0]);
        assert_eq!(&close_reply(Some(1001))[..], &[0x88, 2, 0x03, 0xe9]);
    }
}
