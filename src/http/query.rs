/// Decodes a query-string component the way Node's `querystring` and
/// `URLSearchParams` do (engine.io reads `EIO`, `transport`, `sid` through
/// them): `+` is a space, `%XX` is a byte, a `%` not followed by two hex
/// digits stays literal, and bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                bytes.get(i + 1).and_then(|&c| hex(c)),
                bytes.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The `(name, value)` pairs of a raw query string, decoded, in order.
/// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` has an
/// empty value, as in Node.
pub fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|seg| !seg.is_empty()).map(|seg| {
        let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
        (percent_decode(k), percent_decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_plus_and_keeps_broken_percent() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%E2%82%AC"), "€");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn pairs_skip_empty_segments_and_allow_missing_values() {
        let got: Vec<_> = pairs("EIO=4&&transport=polling&flag&t=a%3Db").collect();
        assert_eq!(
            got,
            vec![
                ("EIO".into(), "4".into()),
                ("transport".into(), "polling".into()),
                ("flag".into(), "".into()),
                ("t".into(), "a=b".into()),
            ]
        );
    }
}
