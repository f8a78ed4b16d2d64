//! Parsed JSON values as JavaScript sees them: `JSON.stringify`, `String()`
//! and truthiness. The replay log's lines, the REST answers and the
//! backend's URLs are what the reference's JavaScript made of what its
//! `JSON.parse` read, so numbers must come out as JavaScript prints them
//! (`1.0` → `1`, `1e2` → `100`, integers past 2^53 rounded to the nearest double).
//! Key order is kept (serde_json's `preserve_order`), which is also what
//! JavaScript does for non-numeric keys.

use serde_json::Value;

use super::escape::write_string;
use super::number::write_number;

/// Appends the JavaScript `JSON.stringify` text of `value` to `out`.
pub fn write(out: &mut String, value: &Value) {
    let mut buf = Vec::new();
    write_bytes(&mut buf, value);
    // Only ASCII is added to the values' own (UTF-8) strings.
    out.push_str(&String::from_utf8_lossy(&buf));
}

fn write_bytes(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        // A double, as JavaScript holds it: integers past 2^53 are rounded.
        Value::Number(n) => write_number(out, n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_bytes(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, k);
                out.push(b':');
                write_bytes(out, v);
            }
            out.push(b'}');
        }
    }
}

/// The JavaScript `JSON.stringify` text of `value`.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// JavaScript `String(value)` of a parsed JSON value: a string is itself,
/// numbers and booleans print as in JSON, `null` is `"null"`, an array joins
/// its elements' strings with commas (`null` elements give ""), an object is
/// `"[object Object]"`.
pub fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(_) => "[object Object]".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => to_string(other),
    }
}

/// [`js_string`] of a value that may be absent (`undefined`), as a
/// template string prints a property.
pub fn js_string_of(value: Option<&Value>) -> String {
    value.map_or_else(|| "undefined".to_owned(), js_string)
}

/// JavaScript truthiness of a value that may be absent (`undefined`).
pub fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(text: &str) -> String {
        to_string(&serde_json::from_str::<Value>(text).unwrap())
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        assert_eq!(
            js("[1.0,1e2,-0,0.5,1.50,-3,0.1,1e21,1e-7,123456789012]"),
            "[1,100,0,0.5,1.5,-3,0.1,1e+21,1e-7,123456789012]"
        );
        assert_eq!(
            js("[0.6666666666666666,9007199254740993,-9007199254740993]"),
            "[0.6666666666666666,9007199254740992,-9007199254740992]"
        );
        assert_eq!(js("12345678901234567890"), "12345678901234567000");
    }

    #[test]
    fn strings_escape_as_javascript_escapes_them() {
        assert_eq!(
            js(r#""a\"b\\c\/d\u0001\u001F\b\f\n\r\té€😀""#),
            "\"a\\\"b\\\\c/d\\u0001\\u001f\\b\\f\\n\\r\\té€😀\""
        );
    }

    #[test]
    fn string_conversion_is_javascript_string() {
        let s = |t: &str| js_string(&serde_json::from_str::<Value>(t).unwrap());
        assert_eq!(s(r#""abc""#), "abc");
        assert_eq!(s("1.0"), "1");
        assert_eq!(s("null"), "null");
        assert_eq!(s("false"), "false");
        assert_eq!(s(r#"{"a":1}"#), "[object Object]");
        assert_eq!(s(r#"[1,"x",null,[2,[3]],{}]"#), "1,x,,2,3,[object Object]");
    }

    #[test]
    fn absent_values_are_undefined_and_truthiness_is_javascripts() {
        let v = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        assert_eq!(js_string_of(None), "undefined");
        assert_eq!(js_string_of(Some(&v("1.0"))), "1");
        assert_eq!(js_string_of(Some(&v("1e21"))), "1e+21");
        for t in ["true", "1", "-0.5", r#""x""#, "[]", "{}"] {
            assert!(truthy(Some(&v(t))), "{t}");
        }
        for t in ["false", "0", "-0", "0.0", r#""""#, "null"] {
            assert!(!truthy(Some(&v(t))), "{t}");
        }
        assert!(!truthy(None));
    }

    #[test]
    fn key_order_and_nesting_are_kept() {
        assert_eq!(
            js(r#"{ "z": 1, "a": [true, null, {"y": "x", "b": []}], "m": {} }"#),
            r#"{"z":1,"a":[true,null,{"y":"x","b":[]}],"m":{}}"#
        );
    }

    #[test]
    fn duplicate_keys_keep_the_first_place_and_the_last_value() {
        assert_eq!(js(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
    }
}
