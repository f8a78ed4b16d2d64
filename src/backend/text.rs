//! Small text conversions the calls need: URL path segments, form bodies
//! and query values (the reference builds its URLs and its deep link with
//! template strings; JavaScript's view of the values it puts in them is
//! [`crate::json::js_json`]).

use serde_json::Value;

fn push_pct(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// One URL path segment. The reference pastes keys and ids into the path
/// unchanged; for the keys and ids that exist (letters, digits, dashes) this
/// is the same, and a `/`, `?`, `#` or space in one can no longer change
/// which URL is called.
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            push_pct(&mut out, b);
        }
    }
    out
}

/// `application/x-www-form-urlencoded` as `URLSearchParams` writes it.
pub fn form_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"*-._".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            push_pct(&mut out, b);
        }
    }
    out
}

/// A form body from name/value pairs, in order.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_component(k), form_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query value as `encodeURIComponent` writes it.
pub fn uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            push_pct(&mut out, b);
        }
    }
    out
}

/// Parses a JSON body, naming the failure.
pub fn parse_json(body: &[u8]) -> Result<Value, super::BackendError> {
    serde_json::from_slice(body).map_err(|e| super::BackendError::MalformedJson(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_plain_keys_and_escape_structure() {
        assert_eq!(path_segment("AB-12_x.y"), "AB-12_x.y");
        assert_eq!(path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn forms_encode_as_url_search_params() {
        assert_eq!(
            form(&[("code", "a b&c=d"), ("redirect_uri", "https://x.y/cb?q=1")]),
            "code=a+b%26c%3Dd&redirect_uri=https%3A%2F%2Fx.y%2Fcb%3Fq%3D1"
        );
        assert_eq!(form_component("*-._~"), "*-._%7E");
    }

    #[test]
    fn uri_components() {
        assert_eq!(uri_component("a b&c/é~"), "a%20b%26c%2F%C3%A9~");
    }
}
