//! Strings as `JSON.stringify` quotes them: `"` and `\` escaped, the
//! control characters below U+0020 as `\n`-style or `\u00XX` escapes, and
//! everything else (U+2028, non-ASCII, DEL) copied as is.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// For each byte: 0 when it is copied as is, else the letter of its
/// two-character escape, or `u` for a `\u00XX` escape.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any byte of `w` is below 0x20, a quote or a backslash.
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    // Bytes >= 0x80 (UTF-8) must not count as "below 0x20".
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// Appends a string literal exactly as `JSON.stringify` quotes it.
///
/// Inline, so that each codegen unit has its own copy: the game model's
/// state writer calls it for every string, and from another codegen unit
/// `serialize/write_state` (`benches/game.rs`) measured 10% slower.
#[inline]
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight plain bytes at a time (no control character, quote or
        // backslash among them).
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !needs_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let c = bytes[i];
        let esc = ESCAPE[usize::from(c)];
        if esc == 0 {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.push(b'\\');
            out.push(esc);
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The length of what [`write_string`] appends for `s`, quotes included.
pub fn quoted_len(s: &str) -> usize {
    s.bytes()
        .map(|c| match ESCAPE[usize::from(c)] {
            0 => 1,
            b'u' => 6,
            _ => 2,
        })
        .sum::<usize>()
        + 2
}

/// `s` as a JSON string literal, escaped as [`write_string`] escapes it.
pub fn literal(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + s.len() / 8 + 2);
    write_string(&mut out, s);
    // Escaping keeps valid UTF-8 valid: only ASCII is inserted.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_escape_in_every_position() {
        for pos in 0..20 {
            for special in ['"', '\\', '\n', '\u{1f}', 'é'] {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.insert(pos, special);
                let expected = serde_json::to_string(&s).unwrap_or_default();
                assert_eq!(literal(&s), expected, "{s:?}");
                assert_eq!(quoted_len(&s), expected.len(), "{s:?}");
            }
        }
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        assert_eq!(
            literal("a\"b\\c\n\u{1}\u{7f}é\u{2028}"),
            "\"a\\\"b\\\\c\\n\\u0001\u{7f}é\u{2028}\""
        );
        assert_eq!(
            literal(r#"{"a":"b\"c","d":"\\"}"#),
            r#""{\"a\":\"b\\\"c\",\"d\":\"\\\\\"}""#
        );
        assert_eq!(literal(""), "\"\"");
        let back: String = serde_json::from_str(&literal("{\"k\":[1,2,\"ü\\n\"]}")).unwrap();
        assert_eq!(back, "{\"k\":[1,2,\"ü\\n\"]}");
    }
}
