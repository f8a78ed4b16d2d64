//! Per-connection frame decoder: bytes in, complete messages out.

use bytes::{Buf, BytesMut};
use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};

use super::frame::{FrameHeader, apply_mask};
use super::inflate::{Inflater, inflate_message};
use super::{DeflateConfig, Message, WsError};

/// Which side of the connection we are: a server requires masked frames, a
/// client (tests, load generator) requires unmasked ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Server,
    Client,
}

/// A fragmented message being assembled.
struct Partial {
    text: bool,
    compressed: bool,
    /// Payload so far (inflated when compressed).
    data: Vec<u8>,
    /// Prefix of `data` known to be complete, valid UTF-8 (text only), so
    /// invalid text fails on the fragment that breaks it.
    utf8_checked: usize,
    /// Compressed bytes received so far (bounded by the limit too).
    wire_len: usize,
    /// The compressed fragments so far of a message inflated whole at its
    /// end (a peer without context takeover).
    wire: Vec<u8>,
}

/// Decodes one connection's frames. Enforces RFC 6455 framing rules, joins
/// fragments, validates UTF-8 and inflates permessage-deflate messages.
/// The inflater is created on the first compressed frame, so connections
/// that never send one (most frontends) hold no inflate state.
///
/// After an error the connection must be closed (send
/// [`WsError::close_frame`]); after a Close message further bytes are
/// discarded.
pub struct Decoder {
    role: Role,
    deflate: Option<DeflateConfig>,
    inflater: Option<Box<Inflater>>,
    max_message: usize,
    partial: Option<Partial>,
    /// Early UTF-8 check of a text frame still arriving: payload bytes of
    /// the frame at the front of the buffer already checked, and the
    /// unfinished code point they end with.
    early_checked: usize,
    early_carry: Vec<u8>,
    closed: bool,
}

impl Decoder {
    /// Server side: decodes what a client sends.
    pub fn new(deflate: Option<DeflateConfig>, max_message: usize) -> Self {
        Decoder {
            role: Role::Server,
            deflate,
            inflater: None,
            max_message,
            partial: None,
            early_checked: 0,
            early_carry: Vec::new(),
            closed: false,
        }
    }

    /// Client side: decodes what a server sends (unmasked frames; inflates
    /// with the server's context-takeover agreement).
    pub fn client(deflate: Option<DeflateConfig>, max_message: usize) -> Self {
        Decoder {
            role: Role::Client,
            ..Decoder::new(deflate, max_message)
        }
    }

    /// Whether the inflater has been allocated (it is, lazily, on the first
    /// compressed frame).
    pub fn has_inflater(&self) -> bool {
        self.inflater.is_some()
    }

    /// Takes complete frames from the front of `buf` until one completes a
    /// message. `Ok(None)`: need more bytes (a partial frame stays in
    /// `buf`). Control messages may arrive between fragments of a data
    /// message, as RFC 6455 5.4 allows.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, WsError> {
        loop {
            if self.closed {
                buf.clear();
                return Ok(None);
            }
            let Some(h) = FrameHeader::parse(buf)? else {
                return Ok(None);
            };
            self.check_header(&h)?;
            // check_header bounded payload_len by max_message, so it fits.
            let total = h.header_len + h.payload_len as usize;
            if buf.len() < total {
                // No reserve here: a header alone must not make us allocate
                // the whole announced payload; the reader grows the buffer.
                self.check_arriving_text(&h, buf)?;
                return Ok(None);
            }
            self.early_checked = 0;
            self.early_carry.clear();
            let mut payload = buf.split_to(total);
            payload.advance(h.header_len);
            if let Some(mask) = h.mask {
                apply_mask(&mut payload, mask);
            }
            if let Some(msg) = self.on_frame(&h, payload)? {
                return Ok(Some(msg));
            }
        }
    }

    /// Fails an invalid text frame as soon as its bad bytes arrive, not
    /// when the whole (possibly large) frame is in (RFC 6455 8.1 "fail
    /// fast"). Only plain text: compressed data is checked after inflating.
    fn check_arriving_text(&mut self, h: &FrameHeader, buf: &[u8]) -> Result<(), WsError> {
        let text = match (h.opcode, &self.partial) {
            (OpCode::Data(Data::Text), None) => !h.rsv1,
            (OpCode::Data(Data::Continue), Some(p)) => p.text && !p.compressed,
            _ => false,
        };
        let Some(arrived) = buf.get(h.header_len + self.early_checked..) else {
            return Ok(());
        };
        if !text || arrived.is_empty() {
            return Ok(());
        }
        if self.early_checked == 0 {
            // Continue from the unfinished code point of earlier fragments.
            self.early_carry.clear();
            if let Some(p) = &self.partial {
                self.early_carry
                    .extend_from_slice(p.data.get(p.utf8_checked..).unwrap_or_default());
            }
        }
        let mut bytes = std::mem::take(&mut self.early_carry);
        let offset = self.early_checked;
        bytes.extend(arrived.iter().enumerate().map(|(i, b)| match h.mask {
            Some(m) => b ^ m[(offset + i) & 3],
            None => *b,
        }));
        self.early_checked += arrived.len();
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            Err(e) if e.error_len().is_some() => return Err(WsError::InvalidUtf8),
            Err(e) => self
                .early_carry
                .extend_from_slice(bytes.get(e.valid_up_to()..).unwrap_or_default()),
        }
        Ok(())
    }

    fn check_header(&self, h: &FrameHeader) -> Result<(), WsError> {
        if h.rsv2 || h.rsv3 {
            return Err(WsError::ReservedBitsSet);
        }
        match (self.role, h.mask.is_some()) {
            (Role::Server, false) => return Err(WsError::UnmaskedClientFrame),
            (Role::Client, true) => return Err(WsError::MaskedServerFrame),
            _ => {}
        }
        let limit = WsError::MessageTooBig {
            limit: self.max_message,
        };
        match h.opcode {
            OpCode::Control(Control::Reserved(op)) | OpCode::Data(Data::Reserved(op)) => {
                return Err(WsError::ReservedOpcode(op));
            }
            OpCode::Control(_) => {
                if !h.fin {
                    return Err(WsError::FragmentedControlFrame);
                }
                if h.payload_len > 125 {
                    return Err(WsError::ControlFrameTooLong(h.payload_len));
                }
                if h.rsv1 {
                    return Err(WsError::ReservedBitsSet);
                }
            }
            OpCode::Data(Data::Continue) => {
                let Some(p) = &self.partial else {
                    return Err(WsError::ContinuationWithoutStart);
                };
                if h.rsv1 {
                    return Err(WsError::ReservedBitsSet);
                }
                let so_far = if p.compressed {
                    p.wire_len
                } else {
                    p.data.len()
                };
                if h.payload_len > (self.max_message - so_far.min(self.max_message)) as u64 {
                    return Err(limit);
                }
            }
            OpCode::Data(_) => {
                if self.partial.is_some() {
                    return Err(WsError::DataFrameInsideFragmentedMessage);
                }
                if h.rsv1 && self.deflate.is_none() {
                    return Err(WsError::ReservedBitsSet);
                }
                if h.payload_len > self.max_message as u64 {
                    return Err(limit);
                }
            }
        }
        Ok(())
    }

    fn on_frame(&mut self, h: &FrameHeader, payload: BytesMut) -> Result<Option<Message>, WsError> {
        match h.opcode {
            OpCode::Control(Control::Ping) => Ok(Some(Message::Ping(payload.freeze()))),
            OpCode::Control(Control::Pong) => Ok(Some(Message::Pong(payload.freeze()))),
            OpCode::Control(_) => {
                let msg = parse_close(&payload)?;
                self.closed = true;
                Ok(Some(msg))
            }
            OpCode::Data(Data::Continue) => self.on_data(h.fin, &payload),
            OpCode::Data(kind) => {
                let text = kind == Data::Text;
                if h.fin && !h.rsv1 {
                    // The common case: one frame, no copy for binary.
                    return if text {
                        String::from_utf8(payload.to_vec())
                            .map(|s| Some(Message::Text(s)))
                            .map_err(|_| WsError::InvalidUtf8)
                    } else {
                        Ok(Some(Message::Binary(payload.freeze())))
                    };
                }
                self.partial = Some(Partial {
                    text,
                    compressed: h.rsv1,
                    data: Vec::new(),
                    utf8_checked: 0,
                    wire_len: 0,
                    wire: Vec::new(),
                });
                self.on_data(h.fin, &payload)
            }
        }
    }

    /// Adds one data frame's payload to the open message; completes it on FIN.
    fn on_data(&mut self, fin: bool, payload: &[u8]) -> Result<Option<Message>, WsError> {
        let Some(p) = self.partial.as_mut() else {
            return Err(WsError::ContinuationWithoutStart);
        };
        let limit = self.max_message;
        if p.compressed {
            p.wire_len += payload.len();
            let reset = match self.deflate {
                Some(cfg) if self.role == Role::Server => cfg.client_no_context_takeover,
                Some(cfg) => cfg.server_no_context_takeover,
                None => true,
            };
            if reset {
                // Inflated whole, by the thread's shared inflater, once the
                // last fragment is in.
                if !fin {
                    p.wire.extend_from_slice(payload);
                    return Ok(None);
                }
                if p.wire.is_empty() {
                    inflate_message(payload, &mut p.data, limit)?;
                } else {
                    p.wire.extend_from_slice(payload);
                    let wire = std::mem::take(&mut p.wire);
                    inflate_message(&wire, &mut p.data, limit)?;
                }
            } else {
                let inflater = self
                    .inflater
                    .get_or_insert_with(|| Box::new(Inflater::new(false)));
                inflater.feed(payload, &mut p.data, limit)?;
                if fin {
                    inflater.finish(&mut p.data, limit)?;
                }
            }
        } else {
            if p.data.len() + payload.len() > limit {
                return Err(WsError::MessageTooBig { limit });
            }
            p.data.extend_from_slice(payload);
        }
        if p.text {
            let unchecked = p.data.get(p.utf8_checked..).unwrap_or_default();
            match std::str::from_utf8(unchecked) {
                Ok(_) => p.utf8_checked = p.data.len(),
                Err(e) if e.error_len().is_some() => return Err(WsError::InvalidUtf8),
                Err(e) => p.utf8_checked += e.valid_up_to(),
            }
        }
        if !fin {
            return Ok(None);
        }
        let Some(p) = self.partial.take() else {
            return Ok(None);
        };
        if p.text {
            String::from_utf8(p.data)
                .map(|s| Some(Message::Text(s)))
                .map_err(|_| WsError::InvalidUtf8)
        } else {
            Ok(Some(Message::Binary(p.data.into())))
        }
    }
}

/// RFC 6455 5.5.1 and 7.4: empty, or a sendable code plus UTF-8 reason.
fn parse_close(payload: &[u8]) -> Result<Message, WsError> {
    match payload {
        [] => Ok(Message::Close(None)),
        [_] => Err(WsError::CloseBodyTooShort),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !CloseCode::from(code).is_allowed() {
                return Err(WsError::InvalidCloseCode(code));
            }
            let reason = std::str::from_utf8(reason).map_err(|_| WsError::InvalidCloseReason)?;
            Ok(Message::Close(Some((code, reason.to_owned()))))
        }
    }
}
