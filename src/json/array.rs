//! A JSON array split into the texts of its elements, checked as
//! serde_json checks it. String elements, the bulk of Socket.IO traffic,
//! are skipped with [`super::string::literal_len`]; other elements go
//! through serde_json.

use serde_json::value::RawValue;

use super::string::literal_len;

/// JSON's insignificant whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// The elements of the JSON array `s` (surrounding whitespace allowed), as
/// slices of `s`; `None` when `s` is not exactly one well-formed array.
pub fn elements(s: &str) -> Option<Vec<&str>> {
    let b = s.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            let rest = s.get(i..)?;
            let len = if rest.starts_with('"') {
                literal_len(rest).ok()?
            } else {
                let mut de = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
                de.next()?.ok()?;
                de.byte_offset()
            };
            out.push(rest.get(..len)?);
            i = skip_ws(b, i + len);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_strings_and_other_values() {
        assert_eq!(
            elements(r#" ["obs_data", "a\"b" ,{"x":[1,"]"]}, 2.5e3,null ,[] ] "#),
            Some(vec![
                r#""obs_data""#,
                r#""a\"b""#,
                r#"{"x":[1,"]"]}"#,
                "2.5e3",
                "null",
                "[]"
            ])
        );
        assert_eq!(elements("[]"), Some(vec![]));
        assert_eq!(elements("[ ]"), Some(vec![]));
    }

    #[test]
    fn rejects_what_is_not_one_array() {
        for bad in [
            "",
            "{}",
            "[",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1]x",
            "[1][2]",
            r#"["a]"#,
            r#"["\x"]"#,
            "[tru]",
            "[\"\u{1}\"]",
        ] {
            assert_eq!(elements(bad), None, "{bad:?}");
        }
    }

    fn arrays() -> impl Strategy<Value = String> {
        let el = prop_oneof![
            Just(r#""x\"y""#),
            Just(r#""\u00e9\\""#),
            Just(r#""\ud800""#),
            Just(r#"{"a":"]"}"#),
            Just("[1,[2]]"),
            Just("-0.5"),
            Just("true"),
            Just("nul"),
            Just("\""),
            Just(","),
            Just(" "),
            Just("]"),
        ];
        proptest::collection::vec(el, 0..8).prop_map(|v| format!("[{}]", v.concat()))
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(s in arrays()) {
            let theirs: Option<Vec<&str>> = serde_json::from_str::<Vec<&RawValue>>(&s)
                .ok()
                .map(|v| v.iter().map(|r| r.get()).collect());
            prop_assert_eq!(elements(&s), theirs);
        }
    }
}
