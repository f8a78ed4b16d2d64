//! Sans-IO WebSocket (RFC 6455) with permessage-deflate (RFC 7692).
//!
//! Inbound: [`accept`] answers the upgrade and negotiates deflate; a
//! per-connection [`Decoder`] turns socket bytes into [`Message`]s and
//! enforces the framing rules (masking, control frames, fragmentation,
//! UTF-8, size limit, deflate bombs), failing with a [`WsError`] that
//! carries the close code. Outbound: [`encode_frame`] / [`close_frame`]
//! build frames, and a reusable [`Deflater`] compresses messages, standalone
//! or with context takeover (what a room's output is built from, see
//! [`crate::room`]). The [`client`] helpers speak the other side, for tests
//! and load tools ([`Decoder::client`] decodes server frames).

mod decoder;
mod deflate;
mod error;
mod extension;
mod frame;
mod handshake;
mod inflate;
mod message;

pub use decoder::Decoder;
pub use deflate::Deflater;
pub use error::{HandshakeError, WsError};
pub use extension::{DeflateConfig, negotiate};
pub use frame::{FrameHeader, apply_mask, close_frame, close_reply, encode_frame, is_compressed};
pub use handshake::accept;
pub use inflate::Inflater;
pub use message::{COMPRESS_THRESHOLD, Message};
pub use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};

/// The client side of the protocol, for tests and the load generator.
pub mod client {
    pub use super::extension::parse_answer;
    pub use super::handshake::{client_read_response, client_request};

    use bytes::Bytes;

    use super::OpCode;
    use crate::http::{Method, Request};

    /// A browser's WebSocket upgrade request for `target` (path and query),
    /// as parsed, offering permessage-deflate when `deflate` is set.
    pub fn upgrade_request(target: &str, deflate: bool) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = [
            ("host", "localhost"),
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        if deflate {
            headers.push((
                "sec-websocket-extensions".into(),
                "permessage-deflate; client_max_window_bits".into(),
            ));
        }
        Request {
            method: Method::Get,
            path: path.into(),
            query: query.into(),
            headers,
            body: Bytes::new(),
            http10: false,
        }
    }

    /// A whole masked client frame. `rsv1` marks a compressed message
    /// (payload from [`super::Deflater::compress`]).
    pub fn encode_masked(
        fin: bool,
        rsv1: bool,
        opcode: OpCode,
        payload: &[u8],
        mask: [u8; 4],
    ) -> Bytes {
        super::frame::encode(fin, rsv1, opcode, payload, Some(mask))
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
