//! One echo connection, sans-IO, on the crate's public `ws` and `http`
//! API: what the Autobahn suite (`scripts/autobahn.sh`) tests the WebSocket
//! layer through. Every text and binary message comes back as sent
//! (compressed, standalone, when the client negotiated permessage-deflate),
//! pings are answered, and a Close is echoed.

use bytes::{Bytes, BytesMut};
use spectra_server::http::{Limits, Response, parse_request};
use spectra_server::ws::{
    Control, Data, Decoder, Deflater, Message, OpCode, accept, close_reply, encode_frame,
};

/// One echo connection: the HTTP upgrade first, then frames.
pub struct EchoConn {
    ws: Option<(Decoder, Option<Deflater>)>,
    max_message: usize,
}

impl EchoConn {
    pub fn new(max_message: usize) -> Self {
        EchoConn {
            ws: None,
            max_message,
        }
    }

    /// Consumes what it can from `input`, appending the bytes to send to
    /// `out`. Returns `true` when the connection is to be closed once `out`
    /// is written.
    pub fn on_input(&mut self, input: &mut BytesMut, out: &mut Vec<Bytes>) -> bool {
        let (decoder, deflater) = match &mut self.ws {
            Some((d, z)) => (d, z),
            None => match parse_request(input, &Limits::default()) {
                Ok(None) => return false,
                Ok(Some(req)) => match accept(&req, true) {
                    Ok((resp, cfg)) => {
                        out.push(resp.encode(true));
                        let z =
                            cfg.map(|c| Deflater::with_window_bits(3, c.server_max_window_bits));
                        let (d, z) = self.ws.insert((Decoder::new(cfg, self.max_message), z));
                        (d, z)
                    }
                    Err(e) => {
                        out.push(e.response().encode(false));
                        return true;
                    }
                },
                Err(e) => {
                    out.push(Response::new(e.status()).encode(false));
                    return true;
                }
            },
        };
        loop {
            let (opcode, payload) = match decoder.decode(input) {
                Ok(None) => return false,
                Ok(Some(Message::Text(s))) => (OpCode::Data(Data::Text), Bytes::from(s)),
                Ok(Some(Message::Binary(b))) => (OpCode::Data(Data::Binary), b),
                Ok(Some(Message::Ping(p))) => {
                    out.push(encode_frame(OpCode::Control(Control::Pong), &p));
                    continue;
                }
                Ok(Some(Message::Pong(_))) => continue,
                Ok(Some(Message::Close(c))) => {
                    out.push(close_reply(c.map(|(code, _)| code)));
                    return true;
                }
                Err(e) => {
                    out.push(e.close_frame());
                    return true;
                }
            };
            let compressed = match deflater {
                Some(z) if !payload.is_empty() => z.compressed_frame(opcode, &payload),
                _ => None,
            };
            out.push(compressed.unwrap_or_else(|| encode_frame(opcode, &payload)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectra_server::ws::client::{client_read_response, client_request, encode_masked};
    use spectra_server::ws::{DeflateConfig, WsError};

    const KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

    fn open(deflate: bool) -> (EchoConn, Option<DeflateConfig>) {
        let mut echo = EchoConn::new(1 << 20);
        let mut out = Vec::new();
        let mut input = BytesMut::from(&client_request("h", "/", KEY, deflate)[..]);
        assert!(!echo.on_input(&mut input, &mut out));
        let mut answer = BytesMut::from(&out.concat()[..]);
        let cfg = client_read_response(&mut answer, KEY).unwrap().unwrap();
        (echo, cfg)
    }

    fn exchange(
        echo: &mut EchoConn,
        wire: &[u8],
        cfg: Option<DeflateConfig>,
    ) -> (Vec<Message>, bool, Vec<u8>) {
        let mut out = Vec::new();
        let close = echo.on_input(&mut BytesMut::from(wire), &mut out);
        let raw = out.concat();
        let mut dec = Decoder::client(cfg, 1 << 20);
        let mut buf = BytesMut::from(&raw[..]);
        let mut msgs = Vec::new();
        while let Some(m) = dec.decode(&mut buf).unwrap() {
            msgs.push(m);
        }
        (msgs, close, raw)
    }

    #[test]
    fn echoes_messages_answers_pings_and_closes() {
        let (mut echo, cfg) = open(false);
        assert_eq!(cfg, None);
        let mut wire =
            encode_masked(true, false, OpCode::Data(Data::Text), b"hi", [1, 2, 3, 4]).to_vec();
        wire.extend_from_slice(&encode_masked(
            true,
            false,
            OpCode::Control(Control::Ping),
            b"p",
            [5; 4],
        ));
        wire.extend_from_slice(&encode_masked(
            true,
            false,
            OpCode::Control(Control::Close),
            &[3, 0xe8],
            [6; 4],
        ));
        let (msgs, close, _) = exchange(&mut echo, &wire, cfg);
        assert_eq!(
            msgs,
            vec![
                Message::Text("hi".into()),
                Message::Pong(Bytes::from_static(b"p")),
                Message::Close(Some((1000, String::new()))),
            ]
        );
        assert!(close);
    }

    #[test]
    fn echoes_compressed_when_deflate_was_negotiated() {
        let (mut echo, cfg) = open(true);
        assert!(cfg.is_some());
        let payload = "compress me ".repeat(200);
        let wire = encode_masked(
            true,
            false,
            OpCode::Data(Data::Text),
            payload.as_bytes(),
            [9; 4],
        );
        let (msgs, close, raw) = exchange(&mut echo, &wire, cfg);
        assert_eq!(msgs, vec![Message::Text(payload.clone())]);
        assert!(!close);
        assert_eq!(raw[0], 0xc1, "FIN + RSV1 + text");
        assert!(raw.len() < payload.len() / 4);
    }

    #[test]
    fn protocol_errors_close_with_their_code() {
        let (mut echo, cfg) = open(false);
        let wire = encode_frame(OpCode::Data(Data::Text), b"unmasked");
        let (msgs, close, _) = exchange(&mut echo, &wire, cfg);
        let code = WsError::UnmaskedClientFrame.close_code();
        assert_eq!(msgs, vec![Message::Close(Some((code, String::new())))]);
        assert!(close);
    }

    #[test]
    fn bad_upgrades_are_answered_and_closed() {
        let mut echo = EchoConn::new(1024);
        let mut out = Vec::new();
        let mut input = BytesMut::from(&b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"[..]);
        assert!(echo.on_input(&mut input, &mut out));
        assert!(out.concat().starts_with(b"HTTP/1.1 400 "));
    }
}
