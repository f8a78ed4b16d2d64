//! Recognises payload text that is already what the replay log would write
//! for it. A replay event is `JSON.stringify` of the parsed payload with a
//! `timestamp` added ([`super::format::event`]); observer clients send
//! `JSON.stringify` output, so their text comes back unchanged and the writer
//! can append the timestamp to it instead of parsing and printing every
//! event. Anything this module is unsure of goes the slow way, which is the
//! definition; the tests hold the two to the same output.

use crate::json::string::{literal_len, plain_literal_len, unescape_into};
use crate::json::{escape, number};

/// Nesting this check follows; deeper text goes the slow way (serde_json
/// refuses nesting past 128).
const MAX_DEPTH: usize = 64;
/// Keys of one object checked for duplicates pairwise; an object with more
/// goes the slow way.
const MAX_KEYS: usize = 64;

/// Appends the replay line for `text` and `timestamp_ms` to `out` and
/// returns true, when `text` is a JSON object printed as `JSON.stringify`
/// prints it, with no `timestamp` key and no key twice in any object.
pub fn push_event_line(text: &str, timestamp_ms: u64, out: &mut String) -> bool {
    let Some(top) = check(text) else {
        return false;
    };
    let Some(body) = text.strip_suffix('}') else {
        return false;
    };
    if top.has_timestamp {
        return false;
    }
    out.reserve(text.len() + 32);
    out.push_str(body);
    if !top.empty {
        out.push(',');
    }
    out.push_str("\"timestamp\":");
    let mut digits = Vec::with_capacity(20);
    number::write_number(&mut digits, timestamp_ms as f64);
    out.extend(digits.iter().map(|&d| char::from(d)));
    out.push('}');
    true
}

/// What the check saw of the top-level object.
struct Top {
    empty: bool,
    has_timestamp: bool,
}

enum Frame {
    /// An object whose keys start at this index of the key list; `seen`
    /// has a bit set for each of its keys' [`key_bit`], so that most keys
    /// are known new without comparing them with the others.
    Object {
        keys_from: usize,
        seen: u64,
    },
    Array,
}

/// Walks `text`; `Some` when it is one object in `JSON.stringify`'s form.
fn check(text: &str) -> Option<Top> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut top = Top {
        empty: b.get(1) == Some(&b'}'),
        has_timestamp: false,
    };
    let mut stack: Vec<Frame> = Vec::with_capacity(8);
    let mut keys: Vec<&str> = Vec::with_capacity(16);
    let mut i = 0;
    // Each turn reads one value at `i`, then the separators after it.
    loop {
        match *b.get(i)? {
            b'{' => {
                if stack.len() == MAX_DEPTH {
                    return None;
                }
                if b.get(i + 1) == Some(&b'}') {
                    i += 2;
                } else {
                    let keys_from = keys.len();
                    let mut seen = 0;
                    i = key(text, i + 1, &mut keys, keys_from, &mut seen, &mut top)?;
                    stack.push(Frame::Object { keys_from, seen });
                    continue;
                }
            }
            b'[' => {
                if stack.len() == MAX_DEPTH {
                    return None;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 2;
                } else {
                    stack.push(Frame::Array);
                    i += 1;
                    continue;
                }
            }
            b'"' => i = string(text, i)?,
            b't' => i = literal(b, i, b"true")?,
            b'f' => i = literal(b, i, b"false")?,
            b'n' => i = literal(b, i, b"null")?,
            _ => i = number(text, i)?,
        }
        // After a value: close what ends here, then expect the next one.
        loop {
            let Some(frame) = stack.last_mut() else {
                return (i == b.len()).then_some(top);
            };
            match (frame, b.get(i)) {
                (Frame::Object { keys_from, .. }, Some(b'}')) => {
                    keys.truncate(*keys_from);
                    stack.pop();
                    i += 1;
                }
                (Frame::Array, Some(b']')) => {
                    stack.pop();
                    i += 1;
                }
                (Frame::Object { keys_from, seen }, Some(b',')) => {
                    i = key(text, i + 1, &mut keys, *keys_from, seen, &mut top)?;
                    break;
                }
                (Frame::Array, Some(b',')) => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
}

/// Reads `"key":` at `i` into the keys of the object whose keys start at
/// `from` (and whose [`key_bit`]s are `seen`); `None` for a key that object
/// has already.
fn key<'t>(
    text: &'t str,
    i: usize,
    keys: &mut Vec<&'t str>,
    from: usize,
    seen: &mut u64,
    top: &mut Top,
) -> Option<usize> {
    let end = string(text, i)?;
    let k = text.get(i..end)?;
    let own = keys.get(from..)?;
    let bit = key_bit(k);
    // Canonical literals are unique, so equal text is an equal key.
    if own.len() == MAX_KEYS || (*seen & bit != 0 && own.contains(&k)) {
        return None;
    }
    *seen |= bit;
    // A nested object starts after its parent's first key, so only the
    // top level's keys start at 0.
    if from == 0 && k == "\"timestamp\"" {
        top.has_timestamp = true;
    }
    keys.push(k);
    (text.as_bytes().get(end) == Some(&b':')).then_some(end + 1)
}

/// One of 64 bits for a key literal, from its length and two of its bytes.
fn key_bit(k: &str) -> u64 {
    let b = k.as_bytes();
    let (first, last) = (
        b.get(1).copied(),
        b.len().checked_sub(2).and_then(|i| b.get(i)),
    );
    let h = b.len()
        + 7 * usize::from(first.unwrap_or(0))
        + 13 * usize::from(last.copied().unwrap_or(0));
    1 << (h % 64)
}

/// The end of the string literal at `i`, when `JSON.stringify` would print
/// its content exactly so.
fn string(text: &str, i: usize) -> Option<usize> {
    let rest = text.get(i..)?;
    if let Some(len) = plain_literal_len(rest) {
        return Some(i + len);
    }
    let len = literal_len(rest).ok()?;
    let lit = &rest[..len];
    if lit.contains('\\') {
        // Escapes: canonical when printing the content gives them back.
        let mut content = String::with_capacity(len);
        unescape_into(lit, &mut content).ok()?;
        let mut printed = Vec::with_capacity(len);
        escape::write_string(&mut printed, &content);
        if printed != lit.as_bytes() {
            return None;
        }
    }
    Some(i + len)
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end)? == word).then_some(end)
}

/// The end of the number at `i`, when JavaScript prints its value exactly so.
fn number(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let end = i + b[i..]
        .iter()
        .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .unwrap_or(b.len() - i);
    let token = text.get(i..end)?;
    let digits = token.strip_prefix('-').unwrap_or(token);
    let plain_integer = !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && token != "-0";
    if plain_integer {
        return Some(end);
    }
    // Anything else is printed from its value, as the slow way does.
    let n: serde_json::Number = serde_json::from_str(token).ok()?;
    let mut printed = Vec::with_capacity(token.len());
    number::write_number(&mut printed, n.as_f64()?);
    (printed == token.as_bytes()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::format::reprinted_event;
    use proptest::prelude::*;

    const TS: u64 = 1_750_000_000_123;

    fn reprinted(text: &str) -> Result<String, crate::replay::format::FormatError> {
        let mut out = String::new();
        reprinted_event(text, TS, &mut out).map(|()| out)
    }

    fn line(text: &str) -> Option<String> {
        let mut out = String::new();
        push_event_line(text, TS, &mut out).then_some(out)
    }

    #[test]
    fn stringified_objects_get_the_timestamp_appended() {
        assert_eq!(
            line(r#"{"a":[1,-2,0.5,"x\"\\\n\u001f",true,false,null,{}],"b":{"c":[]}}"#).as_deref(),
            Some(
                r#"{"a":[1,-2,0.5,"x\"\\\n\u001f",true,false,null,{}],"b":{"c":[]},"timestamp":1750000000123}"#
            )
        );
        assert_eq!(
            line("{}").as_deref(),
            Some(r#"{"timestamp":1750000000123}"#)
        );
        // The same key in two different objects is no duplicate.
        assert!(line(r#"{"a":{"a":1},"b":{"a":2,"b":[{"a":3}]}}"#).is_some());
    }

    #[test]
    fn text_javascript_would_print_otherwise_goes_the_slow_way() {
        for text in [
            r#"{ "a":1}"#,
            r#"{"a": 1}"#,
            r#"{"a":1} "#,
            r#"{"a":1.0}"#,
            r#"{"a":1e2}"#,
            r#"{"a":-0}"#,
            r#"{"a":01}"#,
            r#"{"a":1234567890123456789}"#,
            r#"{"a":"\/"}"#,
            r#"{"a":"\u00e9"}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"a":"\u001F"}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"o":{"b":1,"b":1}}"#,
            r#"{"timestamp":5}"#,
            r#"{"a":1}{}"#,
            r#"{"a":1"#,
            r#"{"a":tru}"#,
            r#"{"a":[1,]}"#,
            r#"{"a"}"#,
            r#"[1]"#,
            r#""x""#,
            "",
        ] {
            assert_eq!(line(text), None, "{text}");
        }
        let deep = format!(
            r#"{{"a":{}1{}}}"#,
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(line(&deep), None);
        let wide: Vec<String> = (0..=MAX_KEYS).map(|i| format!("\"k{i}\":1")).collect();
        assert_eq!(line(&format!("{{{}}}", wide.join(","))), None);
    }

    #[test]
    fn a_nested_timestamp_is_just_a_key() {
        assert!(line(r#"{"a":{"timestamp":1}}"#).is_some());
    }

    #[test]
    fn recorded_observer_payloads_take_the_shortcut() {
        use spectra_recordings::{parse_inputs, read_text, recordings_dir};
        let dir = recordings_dir().expect("../shared/conformance beside the repository");
        let mut checked = 0;
        for game in [
            "game-01-regulation",
            "game-02-overtime-timeouts",
            "game-03-aux-and-tools",
        ] {
            let text = read_text(&dir.join(format!("{game}.input.jsonl"))).expect("recording");
            for input in parse_inputs(&text).expect("inputs") {
                if !matches!(input.event.as_str(), "obs_data" | "aux_data") {
                    continue;
                }
                let payload = input.payload;
                let fast = line(&payload);
                assert!(fast.is_some(), "{payload}");
                assert_eq!(fast.map(Ok), Some(reprinted(&payload)));
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} payloads");
    }

    /// A JSON value, printed in one of several ways.
    #[derive(Debug, Clone)]
    enum Json {
        Null,
        Bool(bool),
        /// A number token as written.
        Num(String),
        Str(String),
        Arr(Vec<Json>),
        /// Keys may repeat.
        Obj(Vec<(String, Json)>),
    }

    /// How to print strings.
    #[derive(Debug, Clone, Copy)]
    enum Escapes {
        /// As `JSON.stringify` does.
        Js,
        /// Every non-ASCII character and `/` as `\u` escapes.
        Ascii,
    }

    fn print(v: &Json, esc: Escapes, spaced: bool, out: &mut String) {
        let sep = if spaced { ", " } else { "," };
        match v {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(t) => out.push_str(t),
            Json::Str(s) => print_str(s, esc, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    print(item, esc, spaced, out);
                }
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push('{');
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    print_str(k, esc, out);
                    out.push_str(if spaced { ": " } else { ":" });
                    print(item, esc, spaced, out);
                }
                out.push('}');
            }
        }
    }

    fn print_str(s: &str, esc: Escapes, out: &mut String) {
        match esc {
            Escapes::Js => {
                let mut b = Vec::new();
                escape::write_string(&mut b, s);
                out.push_str(std::str::from_utf8(&b).unwrap());
            }
            Escapes::Ascii => {
                out.push('"');
                for unit in s.encode_utf16() {
                    match unit {
                        0x22 => out.push_str("\\\""),
                        0x5c => out.push_str("\\\\"),
                        0x20..=0x7e if unit != 0x2f => out.push(char::from(unit as u8)),
                        _ => out.push_str(&format!("\\u{unit:04x}")),
                    }
                }
                out.push('"');
            }
        }
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i32>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| f.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| {
                    let mut b = Vec::new();
                    number::write_number(&mut b, f);
                    String::from_utf8(b).unwrap()
                }),
            prop::sample::select(vec![
                "0",
                "-0",
                "1.0",
                "1e2",
                "1E+2",
                "0.1",
                "1e21",
                "1e-7",
                "-1.5e-300",
                "1e400",
                "9007199254740993",
                "123456789012345",
                "1234567890123456",
                "00",
                "1.",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn json() -> impl Strategy<Value = Json> {
        let key = prop::sample::select(vec!["a", "b", "timestamp", "é", "\"", "\u{1}", "/", "😀"])
            .prop_map(str::to_owned);
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            number().prop_map(Json::Num),
            "[a-z\"\\\\/\\x00-\\x1f\\x7f\u{e9}\u{2028}\u{1F600}]{0,6}".prop_map(Json::Str),
        ];
        leaf.prop_recursive(5, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Arr),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(Json::Obj),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Json> {
        prop::collection::vec(("[a-z]{1,3}|timestamp", json()), 0..6).prop_map(Json::Obj)
    }

    /// The value with each object's later duplicate keys dropped and its
    /// numbers as JavaScript prints them: `JSON.stringify` output.
    fn stringified(v: &Json) -> Json {
        match v {
            Json::Num(t) => match serde_json::from_str::<serde_json::Number>(t) {
                Ok(n) => {
                    let mut b = Vec::new();
                    number::write_number(&mut b, n.as_f64().unwrap_or(f64::NAN));
                    Json::Num(String::from_utf8(b).unwrap())
                }
                Err(_) => Json::Null,
            },
            Json::Arr(items) => Json::Arr(items.iter().map(stringified).collect()),
            Json::Obj(entries) => {
                let mut seen = Vec::new();
                let mut kept = Vec::new();
                for (k, item) in entries {
                    if !seen.contains(k) {
                        seen.push(k.clone());
                        kept.push((k.clone(), stringified(item)));
                    }
                }
                Json::Obj(kept)
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn the_shortcut_agrees_with_parsing_and_printing(
            v in object(),
            ascii in any::<bool>(),
            spaced in any::<bool>(),
        ) {
            let esc = if ascii { Escapes::Ascii } else { Escapes::Js };
            let mut text = String::new();
            print(&v, esc, spaced, &mut text);
            if let Some(fast) = line(&text) {
                prop_assert_eq!(Ok(fast), reprinted(&text));
            }
            // The same value as JSON.stringify prints it takes the shortcut,
            // unless it already has a timestamp.
            let canonical = stringified(&v);
            let mut text = String::new();
            print(&canonical, Escapes::Js, false, &mut text);
            let Json::Obj(top) = &canonical else { unreachable!() };
            let fast = line(&text);
            if top.iter().any(|(k, _)| k == "timestamp") {
                prop_assert_eq!(fast, None);
            } else {
                prop_assert!(fast.is_some(), "{}", text);
                prop_assert_eq!(fast.map(Ok), Some(reprinted(&text)));
            }
        }
    }
}
