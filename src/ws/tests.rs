//! Tests across the WebSocket layer: one per RFC rule and class of bad
//! input, plus round-trips through real deflate streams.

use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use super::client::{client_read_response, client_request, encode_masked};
use super::*;
use crate::http::{Limits, Request, parse_request};

const TEXT: OpCode = OpCode::Data(Data::Text);
const BINARY: OpCode = OpCode::Data(Data::Binary);
const CONT: OpCode = OpCode::Data(Data::Continue);
const PING: OpCode = OpCode::Control(Control::Ping);
const PONG: OpCode = OpCode::Control(Control::Pong);
const CLOSE: OpCode = OpCode::Control(Control::Close);
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const LIMIT: usize = 64 * 1024;

fn masked(fin: bool, op: OpCode, payload: &[u8]) -> Bytes {
    encode_masked(fin, false, op, payload, MASK)
}

fn server() -> Decoder {
    Decoder::new(None, LIMIT)
}

fn deflate_server() -> Decoder {
    Decoder::new(Some(DeflateConfig::default()), LIMIT)
}

/// Feeds all of `wire` and collects messages until the first error.
fn decode_all(dec: &mut Decoder, wire: &[u8]) -> Result<Vec<Message>, WsError> {
    let mut buf = BytesMut::from(wire);
    let mut out = Vec::new();
    while let Some(m) = dec.decode(&mut buf)? {
        out.push(m);
    }
    Ok(out)
}

fn err_of(dec: &mut Decoder, wire: &[u8]) -> WsError {
    decode_all(dec, wire).unwrap_err()
}

fn text(s: &str) -> Message {
    Message::Text(s.to_owned())
}

/// What a client with context takeover sends: one raw-deflate stream over
/// all its messages, each sync-flushed and stripped of `00 00 ff ff`.
struct ClientDeflater(Compress);

impl ClientDeflater {
    fn new() -> Self {
        ClientDeflater(Compress::new(Compression::new(6), false))
    }

    fn message(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 64);
        let start = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start) as usize;
            self.0
                .compress_vec(&payload[done..], &mut out, FlushCompress::Sync)
                .unwrap();
            if (self.0.total_in() - start) as usize == payload.len() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity());
        }
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        out
    }
}

fn inflate_standalone(compressed: &[u8], window_bits: u8) -> Vec<u8> {
    let mut d = Decompress::new_with_window_bits(false, window_bits);
    let mut input = compressed.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(1 << 20);
    d.decompress_vec(&input, &mut out, FlushDecompress::Sync)
        .unwrap();
    assert_eq!(d.total_in() as usize, input.len());
    out
}

fn json_event(len: usize) -> Vec<u8> {
    let mut s = String::from("42[\"match_data\",\"{");
    let mut i = 0;
    while s.len() < len {
        s.push_str(&format!(
            "\\\"player{i}\\\":{{\\\"kills\\\":{},\\\"alive\\\":true}},",
            i * 7 % 13
        ));
        i += 1;
    }
    s.push_str("}\"]");
    s.into_bytes()
}

// ---------------------------------------------------------------- handshake

fn request(raw: &str) -> Request {
    parse_request(&mut BytesMut::from(raw.as_bytes()), &Limits::default())
        .unwrap()
        .unwrap()
}

const UPGRADE: &str = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: h\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

#[test]
fn handshake_answers_the_rfc_example_key() {
    let (resp, deflate) = accept(&request(&format!("{UPGRADE}\r\n")), true).unwrap();
    assert_eq!(deflate, None);
    assert_eq!(
        &resp.encode(true)[..],
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
           Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"[..]
    );
}

#[test]
fn handshake_negotiates_deflate_only_when_we_offer_it() {
    let raw = format!(
        "{UPGRADE}Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    );
    let (resp, deflate) = accept(&request(&raw), true).unwrap();
    assert_eq!(
        deflate,
        Some(DeflateConfig {
            client_no_context_takeover: true,
            ..DeflateConfig::default()
        })
    );
    assert_eq!(
        resp.get_header("sec-websocket-extensions"),
        Some("permessage-deflate; client_no_context_takeover")
    );
    let (resp, deflate) = accept(&request(&raw), false).unwrap();
    assert_eq!(
        (deflate, resp.get_header("sec-websocket-extensions")),
        (None, None)
    );
}

#[test]
fn handshake_refusals_name_the_rule_and_status() {
    let cases = [
        (
            UPGRADE.replace("GET", "POST"),
            HandshakeError::MethodNotGet,
            405,
        ),
        (
            UPGRADE.replace("HTTP/1.1", "HTTP/1.0"),
            HandshakeError::Http10,
            400,
        ),
        (
            UPGRADE.replace("Upgrade: websocket", "Upgrade: h2c"),
            HandshakeError::MissingUpgradeWebsocket,
            400,
        ),
        (
            UPGRADE.replace("Connection: Upgrade", "Connection: keep-alive"),
            HandshakeError::MissingConnectionUpgrade,
            400,
        ),
        (
            UPGRADE.replace("Version: 13", "Version: 8"),
            HandshakeError::UnsupportedVersion,
            426,
        ),
        (
            UPGRADE.replace("dGhlIHNhbXBsZSBub25jZQ==", "short=="),
            HandshakeError::InvalidKey,
            400,
        ),
        (
            UPGRADE.replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ*="),
            HandshakeError::InvalidKey,
            400,
        ),
    ];
    for (raw, want, status) in cases {
        let err = accept(&request(&format!("{raw}\r\n")), true).unwrap_err();
        assert_eq!((err.clone(), err.status()), (want, status));
        assert_eq!(err.response().status, status);
    }
    let v = HandshakeError::UnsupportedVersion.response();
    assert_eq!(v.get_header("sec-websocket-version"), Some("13"));
}

#[test]
fn client_and_server_handshakes_agree() {
    let key = "AQIDBAUGBwgJCgsMDQ4PEA==";
    let req = client_request(
        "127.0.0.1:3000",
        "/socket.io/?EIO=4&transport=websocket",
        key,
        true,
    );
    let req = parse_request(&mut BytesMut::from(&req[..]), &Limits::default())
        .unwrap()
        .unwrap();
    assert!(req.is_websocket_upgrade());
    let (resp, cfg) = accept(&req, true).unwrap();
    let mut wire = BytesMut::from(&resp.encode(true)[..]);
    wire.extend_from_slice(b"\x81\x02hi");
    let got = client_read_response(&mut wire, key).unwrap().unwrap();
    assert_eq!(got, cfg);
    assert_eq!(&wire[..], b"\x81\x02hi");
    let mut wrong = BytesMut::from(&resp.encode(true)[..]);
    assert!(client_read_response(&mut wrong, "AAAAAAAAAAAAAAAAAAAAAA==").is_err());
}

// ------------------------------------------------------------------ framing

#[test]
fn single_frames_decode_to_messages() {
    let mut wire = masked(true, TEXT, "héllo".as_bytes()).to_vec();
    wire.extend_from_slice(&masked(true, BINARY, &[0, 1, 2]));
    wire.extend_from_slice(&masked(true, PING, b"p"));
    wire.extend_from_slice(&masked(true, PONG, b""));
    assert_eq!(
        decode_all(&mut server(), &wire).unwrap(),
        vec![
            text("héllo"),
            Message::Binary(Bytes::from_static(&[0, 1, 2])),
            Message::Ping(Bytes::from_static(b"p")),
            Message::Pong(Bytes::new()),
        ]
    );
}

#[test]
fn bytes_arriving_one_at_a_time_give_the_same_messages() {
    let big = vec![b'z'; 70_000];
    let mut wire = masked(false, TEXT, b"ab").to_vec();
    wire.extend_from_slice(&masked(true, PING, b"x"));
    wire.extend_from_slice(&masked(true, CONT, b"cd"));
    wire.extend_from_slice(&masked(true, BINARY, &big));
    let mut dec = Decoder::new(None, 100_000);
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for b in wire {
        buf.extend_from_slice(&[b]);
        while let Some(m) = dec.decode(&mut buf).unwrap() {
            got.push(m);
        }
    }
    assert_eq!(
        got,
        vec![
            Message::Ping(Bytes::from_static(b"x")),
            text("abcd"),
            Message::Binary(Bytes::from(big)),
        ]
    );
    assert!(buf.is_empty());
}

#[test]
fn client_frames_must_be_masked_and_server_frames_must_not() {
    let unmasked = encode_frame(TEXT, b"hi");
    assert_eq!(
        err_of(&mut server(), &unmasked),
        WsError::UnmaskedClientFrame
    );
    let mut client = Decoder::client(None, LIMIT);
    assert_eq!(
        decode_all(&mut client, &unmasked).unwrap(),
        vec![text("hi")]
    );
    assert_eq!(
        err_of(
            &mut Decoder::client(None, LIMIT),
            &masked(true, TEXT, b"hi")
        ),
        WsError::MaskedServerFrame
    );
    assert_eq!(WsError::UnmaskedClientFrame.close_code(), 1002);
}

#[test]
fn reserved_bits_are_protocol_errors() {
    for bit in [0x40u8, 0x20, 0x10] {
        let mut f = masked(true, TEXT, b"x").to_vec();
        f[0] |= bit;
        let e = err_of(&mut server(), &f);
        assert_eq!(
            (e.clone(), e.close_code()),
            (WsError::ReservedBitsSet, 1002)
        );
    }
    // RSV1 is only for the first frame of a data message under deflate.
    let ping = encode_masked(true, true, PING, b"", MASK);
    assert_eq!(
        err_of(&mut deflate_server(), &ping),
        WsError::ReservedBitsSet
    );
    let mut wire = masked(false, TEXT, b"a").to_vec();
    wire.extend_from_slice(&encode_masked(true, true, CONT, b"b", MASK));
    assert_eq!(
        err_of(&mut deflate_server(), &wire),
        WsError::ReservedBitsSet
    );
}

#[test]
fn reserved_opcodes_are_protocol_errors() {
    for op in (3..=7).chain(11..=15) {
        let f = masked(true, OpCode::from(op), b"");
        let e = err_of(&mut server(), &f);
        assert_eq!(
            (e.clone(), e.close_code()),
            (WsError::ReservedOpcode(op), 1002)
        );
    }
}

#[test]
fn control_frames_are_short_and_unfragmented() {
    let e = err_of(&mut server(), &masked(false, PING, b"x"));
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::FragmentedControlFrame, 1002)
    );
    let e = err_of(&mut server(), &masked(true, PING, &[0; 126]));
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::ControlFrameTooLong(126), 1002)
    );
    assert!(decode_all(&mut server(), &masked(true, PING, &[0; 125])).is_ok());
}

#[test]
fn fragmentation_rules() {
    assert_eq!(
        err_of(&mut server(), &masked(true, CONT, b"x")),
        WsError::ContinuationWithoutStart
    );
    let mut wire = masked(false, TEXT, b"a").to_vec();
    wire.extend_from_slice(&masked(true, TEXT, b"b"));
    let e = err_of(&mut server(), &wire);
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::DataFrameInsideFragmentedMessage, 1002)
    );
    // Empty fragments are legal.
    let mut wire = masked(false, BINARY, b"").to_vec();
    wire.extend_from_slice(&masked(false, CONT, b""));
    wire.extend_from_slice(&masked(true, CONT, b"z"));
    assert_eq!(
        decode_all(&mut server(), &wire).unwrap(),
        vec![Message::Binary(Bytes::from_static(b"z"))]
    );
}

#[test]
fn invalid_utf8_is_1007_and_fails_on_the_breaking_fragment() {
    let e = err_of(&mut server(), &masked(true, TEXT, b"\xff"));
    assert_eq!((e.clone(), e.close_code()), (WsError::InvalidUtf8, 1007));
    // The first fragment already holds an impossible sequence: no need to
    // wait for the end of the message.
    let mut dec = server();
    assert_eq!(
        decode_all(&mut dec, &masked(false, TEXT, b"ok\xce\xba\xe1\x80")),
        Ok(vec![])
    );
    assert_eq!(
        decode_all(&mut server(), &masked(false, TEXT, b"ok\xed\xa0\x80")),
        Err(WsError::InvalidUtf8)
    );
    // A code point split across fragments is fine...
    let mut wire = masked(false, TEXT, b"\xce").to_vec();
    wire.extend_from_slice(&masked(true, CONT, b"\xba"));
    assert_eq!(decode_all(&mut server(), &wire).unwrap(), vec![text("κ")]);
    // ...but not one left unfinished at the end.
    let mut wire = masked(false, TEXT, b"a").to_vec();
    wire.extend_from_slice(&masked(true, CONT, b"\xce"));
    assert_eq!(err_of(&mut server(), &wire), WsError::InvalidUtf8);
}

#[test]
fn invalid_utf8_fails_before_the_rest_of_its_frame_arrives() {
    let mut payload = "κόσμε".as_bytes().to_vec();
    payload.extend_from_slice(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80");
    payload.extend_from_slice(b"edited");
    let frame = masked(true, TEXT, &payload);
    let bad_at = 2 + 4 + "κόσμε".len() + 10 + 2;
    let mut dec = server();
    let mut buf = BytesMut::new();
    for (i, b) in frame.iter().enumerate() {
        buf.extend_from_slice(&[*b]);
        match dec.decode(&mut buf) {
            Ok(None) => assert!(i < bad_at, "still waiting at byte {i}"),
            Err(WsError::InvalidUtf8) => {
                assert_eq!(i, bad_at);
                return;
            }
            other => panic!("{other:?} at byte {i}"),
        }
    }
    panic!("never failed");
}

#[test]
fn a_valid_frame_arriving_in_pieces_passes_the_early_check() {
    let text_msg = "ab κόσμε €𝄞 ".repeat(50);
    let mut wire = masked(false, TEXT, &text_msg.as_bytes()[..301]).to_vec();
    wire.extend_from_slice(&masked(true, CONT, &text_msg.as_bytes()[301..]));
    for step in [1, 2, 3, 5, 7, 64] {
        let mut dec = server();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for chunk in wire.chunks(step) {
            buf.extend_from_slice(chunk);
            while let Some(m) = dec.decode(&mut buf).unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, vec![text(&text_msg)], "step {step}");
    }
}

#[test]
fn close_frames_are_validated() {
    assert_eq!(
        decode_all(&mut server(), &masked(true, CLOSE, b"")).unwrap(),
        vec![Message::Close(None)]
    );
    let mut ok = 1000u16.to_be_bytes().to_vec();
    ok.extend_from_slice("bye é".as_bytes());
    assert_eq!(
        decode_all(&mut server(), &masked(true, CLOSE, &ok)).unwrap(),
        vec![Message::Close(Some((1000, "bye é".into())))]
    );
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ] {
        assert!(
            decode_all(&mut server(), &masked(true, CLOSE, &code.to_be_bytes())).is_ok(),
            "{code}"
        );
    }
    for code in [
        0u16, 999, 1004, 1005, 1006, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        let e = err_of(&mut server(), &masked(true, CLOSE, &code.to_be_bytes()));
        assert_eq!(
            (e.clone(), e.close_code()),
            (WsError::InvalidCloseCode(code), 1002)
        );
    }
    let e = err_of(&mut server(), &masked(true, CLOSE, &[3]));
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::CloseBodyTooShort, 1002)
    );
    let e = err_of(&mut server(), &masked(true, CLOSE, b"\x03\xe8\xff"));
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::InvalidCloseReason, 1007)
    );
}

#[test]
fn nothing_is_decoded_after_close() {
    let mut wire = masked(true, CLOSE, b"").to_vec();
    wire.extend_from_slice(&masked(true, TEXT, b"late"));
    wire.extend_from_slice(b"\xff\xff garbage");
    let mut buf = BytesMut::from(&wire[..]);
    let mut dec = server();
    assert_eq!(dec.decode(&mut buf), Ok(Some(Message::Close(None))));
    assert_eq!(dec.decode(&mut buf), Ok(None));
    assert!(buf.is_empty());
}

#[test]
fn size_limit_is_1009_before_the_payload_arrives() {
    let mut dec = Decoder::new(None, 1000);
    // Only the header of a 64-bit length frame: refused without buffering.
    let mut header = vec![0x82, 0xff];
    header.extend_from_slice(&(1u64 << 40).to_be_bytes());
    header.extend_from_slice(&MASK);
    let e = err_of(&mut dec, &header);
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::MessageTooBig { limit: 1000 }, 1009)
    );
    // Fragments that add up past the limit.
    let mut wire = masked(false, BINARY, &[0; 600]).to_vec();
    wire.extend_from_slice(&masked(true, CONT, &[0; 600]));
    assert_eq!(
        err_of(&mut Decoder::new(None, 1000), &wire),
        WsError::MessageTooBig { limit: 1000 }
    );
    assert!(
        decode_all(
            &mut Decoder::new(None, 1000),
            &masked(true, BINARY, &[0; 1000])
        )
        .is_ok()
    );
}

#[test]
fn error_close_frames_carry_the_code() {
    assert_eq!(
        &WsError::InvalidUtf8.close_frame()[..],
        &[0x88, 2, 0x03, 0xef]
    );
}

// ---------------------------------------------------------- permessage-deflate

#[test]
fn inflater_is_allocated_on_the_first_compressed_frame_only() {
    let mut dec = deflate_server();
    decode_all(&mut dec, &masked(true, TEXT, b"plain")).unwrap();
    assert!(!dec.has_inflater());
    let mut c = ClientDeflater::new();
    let wire = encode_masked(true, true, TEXT, &c.message(b"squeezed"), MASK);
    assert_eq!(decode_all(&mut dec, &wire).unwrap(), vec![text("squeezed")]);
    assert!(dec.has_inflater());
}

#[test]
fn inflates_a_client_stream_with_context_takeover() {
    let mut dec = deflate_server();
    let mut c = ClientDeflater::new();
    let msgs: Vec<Vec<u8>> = (0..5).map(|i| json_event(3000 + i * 10)).collect();
    let mut wire = Vec::new();
    let mut sizes = Vec::new();
    for m in &msgs {
        let z = c.message(m);
        sizes.push(z.len());
        wire.extend_from_slice(&encode_masked(true, true, TEXT, &z, MASK));
    }
    // Later messages lean on earlier ones: they are much smaller.
    assert!(sizes[1] * 3 < sizes[0], "{sizes:?}");
    let got = decode_all(&mut dec, &wire).unwrap();
    let want: Vec<Message> = msgs
        .iter()
        .map(|m| Message::Text(String::from_utf8(m.clone()).unwrap()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn inflates_without_context_takeover_when_agreed() {
    let cfg = DeflateConfig {
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let mut dec = Decoder::new(Some(cfg), LIMIT);
    let mut wire = Vec::new();
    for i in 0..3 {
        let z = Deflater::new(3).compress(format!("message {i} {}", "x".repeat(2000)).as_bytes());
        wire.extend_from_slice(&encode_masked(true, true, BINARY, &z.unwrap(), MASK));
    }
    let got = decode_all(&mut dec, &wire).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[2],
        Message::Binary(Bytes::from(format!("message 2 {}", "x".repeat(2000))))
    );
}

#[test]
fn connections_without_context_takeover_share_one_inflater_and_hold_none() {
    let cfg = DeflateConfig {
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let (mut a, mut b) = (
        Decoder::new(Some(cfg), 1 << 20),
        Decoder::new(Some(cfg), 1 << 20),
    );
    let long = json_event(6000);
    let z = Deflater::new(3).compress(&long).unwrap();
    let (first, second) = z.split_at(z.len() / 2);
    // A's message is half in when B's whole one arrives, then A's ends.
    let got = decode_all(&mut a, &encode_masked(false, true, TEXT, first, MASK)).unwrap();
    assert!(got.is_empty());
    let zb = Deflater::new(3).compress(b"from b, compressed").unwrap();
    let got = decode_all(&mut b, &encode_masked(true, true, TEXT, &zb, MASK)).unwrap();
    assert_eq!(got, vec![text("from b, compressed")]);
    let got = decode_all(&mut a, &masked(true, CONT, second)).unwrap();
    assert_eq!(got, vec![Message::Text(String::from_utf8(long).unwrap())]);
    // A deflate bomb fails its connection and leaves the shared inflater clean.
    let bomb = Deflater::new(3).compress(&vec![0u8; 4 << 20]).unwrap();
    let e = err_of(&mut b, &encode_masked(true, true, BINARY, &bomb, MASK));
    assert_eq!(e, WsError::MessageTooBig { limit: 1 << 20 });
    let got = decode_all(&mut a, &encode_masked(true, true, TEXT, &zb, MASK)).unwrap();
    assert_eq!(got, vec![text("from b, compressed")]);
    assert!(!a.has_inflater() && !b.has_inflater());
}

#[test]
fn inflates_a_compressed_message_split_over_fragments() {
    let payload = json_event(5000);
    let z = Deflater::new(3).compress(&payload).unwrap();
    let (a, rest) = z.split_at(z.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let mut wire = encode_masked(false, true, TEXT, a, MASK).to_vec();
    wire.extend_from_slice(&masked(true, PING, b""));
    wire.extend_from_slice(&masked(false, CONT, b));
    wire.extend_from_slice(&masked(true, CONT, c));
    let got = decode_all(&mut deflate_server(), &wire).unwrap();
    assert_eq!(got[1], Message::Text(String::from_utf8(payload).unwrap()));
}

#[test]
fn deflate_bomb_stops_at_the_message_limit() {
    let zeros = vec![0u8; 10 << 20];
    let z = Deflater::new(3).compress(&zeros).unwrap();
    assert!(z.len() < 20_000, "{}", z.len());
    let wire = encode_masked(true, true, BINARY, &z, MASK);
    let e = err_of(
        &mut Decoder::new(Some(DeflateConfig::default()), 1 << 20),
        &wire,
    );
    assert_eq!(
        (e.clone(), e.close_code()),
        (WsError::MessageTooBig { limit: 1 << 20 }, 1009)
    );
}

#[test]
fn messages_filling_the_output_buffer_exactly_inflate() {
    // 4096 is the inflater's first output reservation for small input.
    for len in [4095, 4096, 4097, 8192, 12288] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 7) as u8).collect();
        let z = Deflater::new(3).compress(&payload).unwrap();
        let wire = encode_masked(true, true, BINARY, &z, MASK);
        let got = decode_all(&mut deflate_server(), &wire).unwrap();
        assert_eq!(got, vec![Message::Binary(Bytes::from(payload))], "{len}");
    }
}

#[test]
fn data_that_does_not_inflate_is_1007() {
    let wire = encode_masked(true, true, TEXT, &[0xff, 0xff, 0xff, 0xff, 0x00], MASK);
    let e = err_of(&mut deflate_server(), &wire);
    assert_eq!((e.clone(), e.close_code()), (WsError::InflateFailed, 1007));
}

#[test]
fn compressed_text_is_utf8_checked_after_inflating() {
    let z = Deflater::new(3).compress(b"ab\xffcd").unwrap();
    let wire = encode_masked(true, true, TEXT, &z, MASK);
    assert_eq!(err_of(&mut deflate_server(), &wire), WsError::InvalidUtf8);
}

#[test]
fn standalone_messages_inflate_alone() {
    let mut d = Deflater::new(3);
    let a = json_event(4096);
    let b = json_event(4200);
    let za = d.compress(&a).unwrap();
    let zb = d.compress(&b).unwrap();
    assert!(
        zb.len() * 2 > za.len(),
        "no back-reference into the previous message"
    );
    assert_eq!(inflate_standalone(&zb, 15), b);
    assert_eq!(inflate_standalone(&za, 15), a);
    // Reuse gives the same bytes as a fresh compressor.
    assert_eq!(Deflater::new(3).compress(&b).unwrap(), zb);
}

#[test]
fn standalone_message_inflates_in_an_inflater_holding_earlier_context() {
    // The client first receives messages from a context-takeover stream (a
    // room stream), then a standalone one: its inflater still holds the
    // earlier window, which the standalone message simply never refers to.
    let mut room = ClientDeflater::new();
    let mut dec = Decoder::client(Some(DeflateConfig::default()), LIMIT);
    let mut wire = Vec::new();
    for i in 0..3 {
        let z = room.message(&json_event(4000 + i));
        wire.extend_from_slice(&super::frame::encode(true, true, TEXT, &z, None));
    }
    let last = json_event(4100);
    let out = Deflater::new(3).compressed_frame(TEXT, &last).unwrap();
    wire.extend_from_slice(&out);
    let got = decode_all(&mut dec, &wire).unwrap();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3], Message::Text(String::from_utf8(last).unwrap()));
}

#[test]
fn narrow_window_deflater_suits_a_narrow_inflater() {
    let payload = json_event(8000);
    let mut d = Deflater::with_window_bits(3, 9);
    let z = d.compress(&payload).unwrap();
    assert_eq!(inflate_standalone(&z, 9), payload);
}
