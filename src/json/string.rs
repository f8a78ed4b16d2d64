//! JSON string literals, checked and decoded in one tight pass.
//!
//! The observer client double-encodes every event (`obs_data` carries the
//! JSON of the event as a JSON string), so each event is one long string
//! escaped every few bytes. It accepts and decodes exactly what
//! serde_json's `String` deserializer does (the tests hold it to that).

/// Why a JSON string literal is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrError {
    /// The text does not start with `"`.
    NotAString,
    /// No closing `"` before the end of the text.
    Unterminated,
    /// A raw control character (U+0000–U+001F) inside the quotes.
    ControlCharacter,
    /// A backslash not followed by one of `"\/bfnrt` or `u` and four hex digits.
    InvalidEscape,
    /// A `\u` surrogate without its other half (a Rust string cannot hold it).
    LoneSurrogate,
    /// Something other than whitespace after the closing quote.
    TrailingCharacters,
}

impl std::fmt::Display for StrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StrError::NotAString => "not a JSON string",
            StrError::Unterminated => "JSON string without its closing quote",
            StrError::ControlCharacter => "raw control character in a JSON string",
            StrError::InvalidEscape => "invalid escape in a JSON string",
            StrError::LoneSurrogate => "lone UTF-16 surrogate in a JSON string",
            StrError::TrailingCharacters => "characters after a JSON string",
        })
    }
}

impl std::error::Error for StrError {}

/// The length in bytes of the JSON string literal at the start of `s`,
/// quotes included. Escapes are checked (four hex digits after `\u`), not
/// decoded, as serde_json checks a string it skips.
pub fn literal_len(s: &str) -> Result<usize, StrError> {
    walk(s, None)
}

/// The length of the JSON string literal at the start of `s` when it has
/// no escapes, so that its content is its text between the quotes; `None`
/// for one with escapes, and for anything [`literal_len`] refuses.
pub fn plain_literal_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let end = 1 + run_len(b, 1);
    (b.get(end) == Some(&b'"')).then_some(end + 1)
}

/// The length of the JSON string literal at the start of `s`, as
/// [`literal_len`], with its content appended to `out` in the same pass.
pub fn decode_literal(s: &str, out: &mut String) -> Result<usize, StrError> {
    SCRATCH.with_borrow_mut(|bytes| {
        bytes.clear();
        let len = walk(s, Some(bytes))?;
        // Cut at ASCII bytes, escapes decoded to whole characters: always
        // UTF-8. Checked all the same, rather than trusted.
        out.push_str(std::str::from_utf8(bytes).map_err(|_| StrError::InvalidEscape)?);
        Ok(len)
    })
}

thread_local! {
    /// Where [`decode_literal`] decodes: whole words are copied into it and
    /// cut back, which a `String` cannot hold while a word ends inside a
    /// character.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Appends the content of `lit`, one JSON string literal (whitespace may
/// follow it), to `out`. On error `out` may hold part of the content.
pub fn unescape_into(lit: &str, out: &mut String) -> Result<(), StrError> {
    let end = decode_literal(lit, out)?;
    match lit.as_bytes().get(end..) {
        Some(rest)
            if rest
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) =>
        {
            Ok(())
        }
        _ => Err(StrError::TrailingCharacters),
    }
}

/// The bytes that end a run of literal text: the quote, the backslash and
/// the control characters.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Walks the literal at the start of `s`; decodes it into `out` when given.
/// Returns the literal's length.
fn walk(s: &str, mut out: Option<&mut Vec<u8>>) -> Result<usize, StrError> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return Err(StrError::NotAString);
    }
    let mut i = 1;
    loop {
        i = match out.as_deref_mut() {
            Some(out) => copy_run(b, i, out),
            None => i + run_len(b, i),
        };
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => {}
            Some(_) => return Err(StrError::ControlCharacter),
            None => return Err(StrError::Unterminated),
        }
        // A backslash.
        let esc = *b.get(i + 1).ok_or(StrError::Unterminated)?;
        let simple = match esc {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => return Err(StrError::InvalidEscape),
        };
        if let Some(c) = simple {
            if let Some(out) = out.as_deref_mut() {
                out.push(c);
            }
            i += 2;
            continue;
        }
        let unit = hex4(b, i + 2)?;
        i += 6;
        let Some(out) = out.as_deref_mut() else {
            continue;
        };
        let ch = match unit {
            0xD800..=0xDBFF => {
                if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
                    return Err(StrError::LoneSurrogate);
                }
                let low = hex4(b, i + 2)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(StrError::LoneSurrogate);
                }
                i += 6;
                0x1_0000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(StrError::LoneSurrogate),
            _ => u32::from(unit),
        };
        let ch = char::from_u32(ch).ok_or(StrError::LoneSurrogate)?;
        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// How many bytes from `b[start..]` come before the next [`STOP`] byte (or
/// the end). Eight bytes at a time: escapes come every few bytes in a
/// double-encoded event, and a byte-wise or `memchr` walk paid per byte or
/// per call what this pays per word.
fn run_len(b: &[u8], start: usize) -> usize {
    let mut i = start;
    while let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let stops = stop_bytes(u64::from_le_bytes(word));
        if stops != 0 {
            return i - start + (stops.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&c| !STOP[usize::from(c)]) {
        i += 1;
    }
    i - start
}

/// [`run_len`] that also appends the run to `out`; returns where the run
/// ends. Each word is copied whole and the bytes past a stop cut off again:
/// one fixed-size store per word instead of a `memcpy` call per run, which
/// for runs of a few bytes cost more than the copying. Words whose only
/// stops are `\"` escapes inside them are decoded whole ([`unquote_word`]).
fn copy_run(b: &[u8], start: usize, out: &mut Vec<u8>) -> usize {
    let mut i = start;
    while let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let w = u64::from_le_bytes(word);
        let stops = stop_bytes(w);
        if stops == 0 {
            out.extend_from_slice(&word);
            i += 8;
            continue;
        }
        if let Some((decoded, kept, used)) = unquote_word(w) {
            out.extend_from_slice(&decoded.to_le_bytes());
            out.truncate(out.len() - (8 - kept));
            i += used;
            continue;
        }
        out.extend_from_slice(&word);
        let keep = (stops.trailing_zeros() / 8) as usize;
        out.truncate(out.len() - (8 - keep));
        return i + keep;
    }
    while let Some(&c) = b.get(i).filter(|&&c| !STOP[usize::from(c)]) {
        out.push(c);
        i += 1;
    }
    i
}

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const TOP_BYTE: u64 = 0x80 << 56;

/// The high bit of each byte of `w` equal to `c`, exactly (no borrows).
fn bytes_equal(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The high bit of each byte of `w` below 0x20, exactly.
fn control_bytes(w: u64) -> u64 {
    !(((w & LOW7) + ONES * 0x60) | w | LOW7)
}

/// Decodes a word whose stops are all `\"` pairs within it (a
/// double-encoded event has one every few bytes): the backslashes are
/// taken out. A backslash in the last byte is left for the next word.
/// Returns the decoded bytes (in the low end), how many of them count,
/// and how many input bytes were used; `None` for any other stop.
fn unquote_word(w: u64) -> Option<(u64, usize, usize)> {
    let mut backslashes = bytes_equal(w, b'\\');
    let mut quotes = bytes_equal(w, b'"');
    let mut controls = control_bytes(w);
    let mut used = 8;
    if backslashes & TOP_BYTE != 0 {
        used = 7;
        backslashes &= !TOP_BYTE;
        quotes &= !TOP_BYTE;
        controls &= !TOP_BYTE;
    }
    // Every backslash followed by a quote and every quote preceded by a
    // backslash: `\\` (whose second backslash is text) fails this too.
    if controls != 0 || backslashes == 0 || quotes != backslashes << 8 {
        return None;
    }
    let mut decoded = w;
    let mut left = backslashes;
    while left != 0 {
        // From the highest backslash down, so lower positions stay put.
        let bit = 63 - left.leading_zeros();
        let below = (1u64 << (bit - 7)) - 1;
        decoded = (decoded & below) | ((decoded >> 8) & !below);
        left &= !(1u64 << bit);
    }
    Some((decoded, used - backslashes.count_ones() as usize, used))
}

/// The high bit of each byte of `w` that is a [`STOP`] byte. Only the
/// lowest flagged byte is exact (a borrow may flag bytes above a real
/// one), which is the only one [`run_len`] reads.
fn stop_bytes(w: u64) -> u64 {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    (zero_quote | zero_backslash | below_space) & HIGHS
}

/// The four hex digits at `b[at..at + 4]`.
fn hex4(b: &[u8], at: usize) -> Result<u16, StrError> {
    let digits = b.get(at..at + 4).ok_or(StrError::Unterminated)?;
    let mut n = 0u16;
    for &d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(StrError::InvalidEscape),
        };
        n = (n << 4) | u16::from(v);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unescape(s: &str) -> Result<String, StrError> {
        let mut out = String::from("kept:");
        unescape_into(s, &mut out)?;
        Ok(out.strip_prefix("kept:").unwrap().to_owned())
    }

    #[test]
    fn decodes_every_escape() {
        assert_eq!(
            unescape(r#""a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\ud83d\ude00""#).unwrap(),
            "a\"b\\c/d\u{8}e\u{c}f\ng\rh\tié😀"
        );
        assert_eq!(unescape("\"plain é\" \n").unwrap(), "plain é");
        assert_eq!(literal_len(r#""a\"b" rest"#), Ok(6));
    }

    #[test]
    fn every_stop_byte_is_found_wherever_it_stands_in_a_word() {
        for stop in ["\\\"", "\\n", "\"", "\u{1}", "\u{1f}"] {
            for pos in 0..20 {
                let text = format!(
                    "\"{}{stop}{}\"",
                    "é".repeat(pos / 2) + &"a".repeat(pos % 2),
                    "z".repeat(9)
                );
                let ours = unescape(&text).ok();
                let theirs = serde_json::from_str::<String>(&text).ok();
                assert_eq!(ours, theirs, "{text:?}");
                let mut de = serde_json::Deserializer::from_str(&text)
                    .into_iter::<&serde_json::value::RawValue>();
                let skipped = match de.next() {
                    Some(Ok(_)) => Some(de.byte_offset()),
                    _ => None,
                };
                assert_eq!(literal_len(&text).ok(), skipped, "{text:?}");
            }
        }
        // Bytes just above the stops (space, '#', ']') and high bytes stop nothing.
        let plain = format!("\"{}\"", " #]\u{7f}é😀".repeat(5));
        assert_eq!(literal_len(&plain), Ok(plain.len()));
    }

    #[test]
    fn word_masks_are_exact_for_every_byte_at_every_place() {
        for place in 0..8 {
            for byte in 0..=255u8 {
                // The other bytes are the ones just around the tested values.
                let mut word = [b'!', b'[', 0x1f, b'#', b'"', b'\\', 0x20, 0x80];
                word.rotate_left(place);
                word[place] = byte;
                let w = u64::from_le_bytes(word);
                let check = |mask: u64, hit: &dyn Fn(u8) -> bool| {
                    for (k, &c) in word.iter().enumerate() {
                        assert_eq!(mask >> (8 * k + 7) & 1 == 1, hit(c), "{word:?} at {k}");
                    }
                };
                check(bytes_equal(w, b'"'), &|c| c == b'"');
                check(bytes_equal(w, b'\\'), &|c| c == b'\\');
                check(control_bytes(w), &|c| c < 0x20);
            }
        }
    }

    #[test]
    fn quote_escapes_decode_at_every_alignment_and_in_runs() {
        for lead in 0..9 {
            for run in 1..6 {
                let content = format!("{}{}x", "a".repeat(lead), "\"b".repeat(run));
                let lit = serde_json::to_string(&content).unwrap();
                assert_eq!(unescape(&lit).ok(), Some(content.clone()), "{lit}");
                // Neighbours that are not a quote escape leave the word to the
                // one-escape-at-a-time path.
                for other in ["\\\\", "\\n", "\\/", "\\u0041"] {
                    let lit = format!("\"{}\\\"{other}\\\"b\"", "a".repeat(lead));
                    let theirs = serde_json::from_str::<String>(&lit).ok();
                    assert_eq!(unescape(&lit).ok(), theirs, "{lit}");
                }
            }
        }
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        assert_eq!(unescape("\"abc"), Err(StrError::Unterminated));
        assert_eq!(unescape("\"a\\"), Err(StrError::Unterminated));
        assert_eq!(unescape("\"a\u{1}\""), Err(StrError::ControlCharacter));
        assert_eq!(unescape(r#""\x""#), Err(StrError::InvalidEscape));
        assert_eq!(unescape(r#""\u12g4""#), Err(StrError::InvalidEscape));
        assert_eq!(unescape(r#""\ud800""#), Err(StrError::LoneSurrogate));
        assert_eq!(unescape(r#""\udc00""#), Err(StrError::LoneSurrogate));
        assert_eq!(unescape(r#""\ud800\u0041""#), Err(StrError::LoneSurrogate));
        assert_eq!(unescape(r#""a"b"#), Err(StrError::TrailingCharacters));
        assert_eq!(unescape("5"), Err(StrError::NotAString));
        // Skipping checks the hex digits only, as serde_json does.
        assert_eq!(literal_len(r#""\ud800""#), Ok(8));
    }

    /// Strings made of the pieces where mistakes hide: quotes, backslashes,
    /// escapes whole and broken, surrogates, control and multi-byte chars.
    fn tricky() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\\\"".to_owned()),
            Just("\\\\".to_owned()),
            Just("\\n".to_owned()),
            Just("\\u00e9".to_owned()),
            Just("\\ud83d".to_owned()),
            Just("\\ude00".to_owned()),
            Just("\\uZZ".to_owned()),
            Just("\u{1}".to_owned()),
            Just("é😀".to_owned()),
            Just(" ".to_owned()),
            "[a-z{}:,]{0,12}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| format!("\"{}", v.concat()))
    }

    proptest! {
        #[test]
        fn unescaping_agrees_with_serde_json(s in tricky()) {
            let ours = unescape(&s).ok();
            let theirs = serde_json::from_str::<String>(&s).ok();
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn skipping_agrees_with_serde_json(s in tricky()) {
            let mut de = serde_json::Deserializer::from_str(&s)
                .into_iter::<&serde_json::value::RawValue>();
            let theirs = match de.next() {
                Some(Ok(_)) => Some(de.byte_offset()),
                _ => None,
            };
            prop_assert_eq!(literal_len(&s).ok(), theirs);
        }

        #[test]
        fn plain_literals_are_the_ones_without_escapes(s in tricky()) {
            let expected = literal_len(&s)
                .ok()
                .filter(|&len| !s[..len].contains('\\'));
            prop_assert_eq!(plain_literal_len(&s), expected);
        }

        #[test]
        fn any_string_round_trips(s in any::<String>()) {
            let lit = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(unescape(&lit).unwrap(), s.clone());
            prop_assert_eq!(literal_len(&lit).unwrap(), lit.len());
        }
    }
}
