//! Property tests driving the decoder and deflate code with arbitrary
//! bytes: the same entry points as `fuzz/fuzz_targets/ws_decoder.rs`, run by
//! CI (cargo-fuzz needs nightly).

use bytes::BytesMut;
use proptest::prelude::*;

use super::client::encode_masked;
use super::*;

const TEXT: OpCode = OpCode::Data(Data::Text);
const BINARY: OpCode = OpCode::Data(Data::Binary);
const CONT: OpCode = OpCode::Data(Data::Continue);

/// Feeds `chunks` in order; checks that errors carry a close code the
/// decoder may send and that an incomplete frame consumes nothing.
fn drive(dec: &mut Decoder, chunks: &[Vec<u8>]) {
    let mut buf = BytesMut::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    assert!([1002, 1007, 1009].contains(&e.close_code()), "{e}");
                    return;
                }
            }
        }
    }
}

fn decoders() -> Vec<Decoder> {
    let cfg = DeflateConfig::default();
    let no_ctx = DeflateConfig {
        client_no_context_takeover: true,
        server_no_context_takeover: true,
        ..cfg
    };
    vec![
        Decoder::new(None, 4096),
        Decoder::new(Some(cfg), 4096),
        Decoder::new(Some(no_ctx), 300),
        Decoder::client(Some(cfg), 4096),
    ]
}

fn chunked(data: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    for &s in sizes.iter().cycle().take(data.len() + 1) {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at(s.clamp(1, rest.len()));
        out.push(a.to_vec());
        rest = b;
    }
    out
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..600),
        sizes in prop::collection::vec(1usize..50, 1..6),
    ) {
        for mut dec in decoders() {
            drive(&mut dec, &chunked(&data, &sizes));
        }
    }

    /// Garbage behind a valid compressed-frame header reaches the inflater.
    #[test]
    fn arbitrary_compressed_payloads_never_panic(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..4),
        fin_first in any::<bool>(),
    ) {
        let mut wire = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            let (fin, op) = if i == 0 { (fin_first, TEXT) } else { (i + 1 == payloads.len(), CONT) };
            wire.extend_from_slice(&encode_masked(fin, i == 0, op, p, [1, 2, 3, 4]));
        }
        for mut dec in decoders() {
            drive(&mut dec, &[wire.clone()]);
        }
    }

    #[test]
    fn messages_round_trip_through_fragments_and_deflate(
        payload in prop::collection::vec(any::<u8>(), 0..3000),
        as_text in any::<bool>(),
        compress in any::<bool>(),
        pieces in 1usize..5,
        mask in any::<[u8; 4]>(),
    ) {
        let payload = if as_text { String::from_utf8_lossy(&payload).into_owned().into_bytes() } else { payload };
        let body = if compress { Deflater::new(3).compress(&payload).unwrap().to_vec() } else { payload.clone() };
        let step = body.len().div_ceil(pieces).max(1);
        let parts: Vec<&[u8]> = if body.is_empty() { vec![&[][..]] } else { body.chunks(step).collect() };
        let mut wire = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let op = if i > 0 { CONT } else if as_text { TEXT } else { BINARY };
            wire.extend_from_slice(&encode_masked(i + 1 == parts.len(), compress && i == 0, op, part, mask));
        }
        let mut dec = Decoder::new(Some(DeflateConfig::default()), 1 << 20);
        let mut buf = BytesMut::from(&wire[..]);
        let got = dec.decode(&mut buf).unwrap().unwrap();
        let want = if as_text {
            Message::Text(String::from_utf8(payload).unwrap())
        } else {
            Message::Binary(payload.into())
        };
        prop_assert_eq!(got, want);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn server_frames_decode_to_their_payload(s in "[ -~]{0,3000}") {
        let text = OpCode::Data(Data::Text);
        let plain = encode_frame(text, s.as_bytes());
        let compressed = Deflater::new(3).compressed_frame(text, s.as_bytes()).unwrap();
        for frame in [plain, compressed] {
            let mut dec = Decoder::client(Some(DeflateConfig::default()), 1 << 20);
            let got = dec.decode(&mut BytesMut::from(&frame[..])).unwrap();
            prop_assert_eq!(got, Some(Message::Text(s.clone())));
        }
    }
}
