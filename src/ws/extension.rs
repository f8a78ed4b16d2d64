//! permessage-deflate negotiation (RFC 7692 section 7.1).

/// What was agreed with one peer. Kept per connection: the room compression
/// stream (a later issue) needs to know whether the client keeps context
/// and how large a window it inflates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateConfig {
    /// The server resets its compressor after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message, so our
    /// inflater may too.
    pub client_no_context_takeover: bool,
    /// Window the client inflates with: our compressed frames may not refer
    /// further back than `1 << server_max_window_bits` bytes.
    pub server_max_window_bits: u8,
    /// Window the client compresses with (we always inflate with 15 bits,
    /// which reads any smaller window).
    pub client_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// Picks the first acceptable `permessage-deflate` offer from the values of
/// every `Sec-WebSocket-Extensions` header, and returns it with the value
/// of our `Sec-WebSocket-Extensions` answer.
///
/// Rules (RFC 7692 7.1): an offer with an unknown or repeated parameter or
/// an invalid value is declined and the next one tried.
/// `server_no_context_takeover` is answered only when the client asked for
/// it (we want context takeover for room streams). `client_no_context_takeover`
/// is always answered. `client_max_window_bits` is not answered: we inflate with
/// a 32 KiB window, which accepts any client window.
///
/// `server_max_window_bits` of 9..=14 is accepted and echoed: compressed
/// frames for that client must then come from a [`super::Deflater`] built
/// with [`super::Deflater::with_window_bits`]; the room's shared 15-bit
/// frames are not used for it (`crate::room::Output::frame_for` falls back
/// to the plain frame). `server_max_window_bits=8` is declined: zlib (and so
/// flate2) cannot produce raw deflate with a 256-byte window.
pub fn negotiate<'a>(
    header_values: impl IntoIterator<Item = &'a str>,
) -> Option<(DeflateConfig, String)> {
    header_values
        .into_iter()
        .flat_map(|v| v.split(','))
        .find_map(accept_offer)
}

fn accept_offer(offer: &str) -> Option<(DeflateConfig, String)> {
    let mut parts = offer.split(';').map(str::trim);
    if parts.next()? != "permessage-deflate" {
        return None;
    }
    let mut cfg = DeflateConfig::default();
    let mut seen = [false; 4];
    let mut server_bits_offered = false;
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (param, None),
        };
        let slot = match name {
            "server_no_context_takeover" => 0,
            "client_no_context_takeover" => 1,
            "server_max_window_bits" => 2,
            "client_max_window_bits" => 3,
            _ => return None,
        };
        if std::mem::replace(&mut seen[slot], true) {
            return None;
        }
        match (slot, value) {
            (0, None) => cfg.server_no_context_takeover = true,
            (1, None) => {}
            (2, Some(v)) => {
                let bits = window_bits(v)?;
                if bits < 9 {
                    return None;
                }
                cfg.server_max_window_bits = bits;
                server_bits_offered = true;
            }
            (3, None) => {}
            (3, Some(v)) => {
                window_bits(v)?;
            }
            _ => return None,
        }
    }
    // Always asked of the client (RFC 7692 7.1.1.1 lets a server ask unasked):
    // its messages then stand alone, so one inflater per thread serves every
    // connection and no connection keeps a 32 KiB window of its own.
    cfg.client_no_context_takeover = true;
    let mut answer = String::from("permessage-deflate");
    if cfg.server_no_context_takeover {
        answer.push_str("; server_no_context_takeover");
    }
    if cfg.client_no_context_takeover {
        answer.push_str("; client_no_context_takeover");
    }
    if server_bits_offered {
        answer.push_str("; server_max_window_bits=");
        answer.push_str(&cfg.server_max_window_bits.to_string());
    }
    Some((cfg, answer))
}

/// `1*DIGIT` without a leading zero, 8..=15.
fn window_bits(v: &str) -> Option<u8> {
    if v.starts_with('0') || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|b| (8..=15).contains(b))
}

/// Parses the server's answer (client side): `None` when it is not a
/// permessage-deflate answer we could have offered.
pub fn parse_answer(value: &str) -> Option<DeflateConfig> {
    let mut parts = value.split(';').map(str::trim);
    if parts.next()? != "permessage-deflate" {
        return None;
    }
    let mut cfg = DeflateConfig::default();
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (param, None),
        };
        match (name, value) {
            ("server_no_context_takeover", None) => cfg.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => cfg.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => cfg.server_max_window_bits = window_bits(v)?,
            ("client_max_window_bits", Some(v)) => cfg.client_max_window_bits = window_bits(v)?,
            _ => return None,
        }
    }
    Some(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neg(v: &str) -> Option<(DeflateConfig, String)> {
        negotiate([v])
    }

    #[test]
    fn browser_offer_is_accepted_without_server_no_context_takeover() {
        let (cfg, answer) = neg("permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(
            cfg,
            DeflateConfig {
                client_no_context_takeover: true,
                ..DeflateConfig::default()
            }
        );
        assert_eq!(answer, "permessage-deflate; client_no_context_takeover");
    }

    #[test]
    fn server_context_takeover_is_given_up_only_when_asked() {
        let (cfg, answer) =
            neg("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
                .unwrap();
        assert!(cfg.server_no_context_takeover && cfg.client_no_context_takeover);
        assert_eq!(
            answer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        );
    }

    #[test]
    fn server_window_bits_are_echoed_and_8_is_declined() {
        let (cfg, answer) = neg("permessage-deflate; server_max_window_bits=10").unwrap();
        assert_eq!(cfg.server_max_window_bits, 10);
        assert_eq!(
            answer,
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=10"
        );
        let (_, answer) = neg("permessage-deflate; server_max_window_bits=\"15\"").unwrap();
        assert_eq!(
            answer,
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=15"
        );
        assert_eq!(neg("permessage-deflate; server_max_window_bits=8"), None);
    }

    #[test]
    fn first_acceptable_offer_wins_over_later_ones() {
        let (cfg, _) = negotiate([
            "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; client_no_context_takeover, permessage-deflate",
        ])
        .unwrap();
        assert!(cfg.client_no_context_takeover);
    }

    #[test]
    fn invalid_offers_are_declined() {
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=abc",
            "deflate-frame",
            "",
        ] {
            assert_eq!(neg(bad), None, "{bad}");
        }
    }

    #[test]
    fn client_reads_answers() {
        let cfg = parse_answer(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=12",
        )
        .unwrap();
        assert!(cfg.server_no_context_takeover);
        assert_eq!(cfg.server_max_window_bits, 12);
        assert_eq!(parse_answer("permessage-deflate; bogus"), None);
    }
}
