//! A JSON array split into the texts of its elements, checked as
//! serde_json checks it. String elements, the bulk of Socket.IO traffic,
//! are skipped with [`super::string::literal_len`]; other elements go
//! through serde_json.

use serde_json::value::RawValue;

use super::string::{decode_literal, literal_len};

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
    elements_decoding(s, usize::MAX, &mut String::new()).map(|(list, _)| list)
}

/// [`elements`], and when element `decode` is a string that a Rust string
/// can hold (no lone surrogate), its content appended to `out`, decoded in
/// the same pass that checks it; the flag says whether it was.
pub fn elements_decoding<'a>(
    s: &'a str,
    decode: usize,
    out: &mut String,
) -> Option<(Vec<&'a str>, bool)> {
    let mut decoded = false;
    let b = s.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut list = Vec::new();
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            let rest = s.get(i..)?;
            let start = out.len();
            let len = if rest.starts_with('"') && list.len() == decode {
                match decode_literal(rest, out) {
                    Ok(len) => {
                        decoded = true;
                        len
                    }
                    Err(_) => {
                        // Checked again the way a skipped string is.
                        out.truncate(start);
                        literal_len(rest).ok()?
                    }
                }
            } else if rest.starts_with('"') {
                literal_len(rest).ok()?
            } else {
                let mut de = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
                de.next()?.ok()?;
                de.byte_offset()
            };
            list.push(rest.get(..len)?);
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
    (skip_ws(b, i) == b.len()).then_some((list, decoded))
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
    fn one_string_element_is_decoded_on_the_way() {
        let mut out = String::from(">");
        let (list, decoded) =
            elements_decoding(r#"["obs_data","a\"b\u00e9",5]"#, 1, &mut out).unwrap();
        assert_eq!(list, vec![r#""obs_data""#, r#""a\"b\u00e9""#, "5"]);
        assert!(decoded);
        assert_eq!(out, ">a\"bé");
        for (text, why) in [
            (r#"["x",{"a":1}]"#, "not a string"),
            (r#"["x","\ud800"]"#, "a lone surrogate: split, not decoded"),
            (r#"["x"]"#, "no such element"),
        ] {
            let mut out = String::new();
            let (_, decoded) = elements_decoding(text, 1, &mut out).unwrap();
            assert!(!decoded && out.is_empty(), "{why}");
        }
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
            prop_assert_eq!(elements(&s), theirs.clone());
            let mut out = String::new();
            let (list, decoded) = match elements_decoding(&s, 0, &mut out) {
                Some((l, d)) => (Some(l), d),
                None => (None, false),
            };
            prop_assert_eq!(list, theirs.clone());
            let first: Option<String> = theirs
                .as_ref()
                .and_then(|l| l.first())
                .and_then(|f| serde_json::from_str::<String>(f).ok());
            prop_assert_eq!(decoded.then_some(out), first);
        }
    }
}
