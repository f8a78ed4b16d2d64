//! What the reference's `msg.toString()` gives for an event argument: the
//! text every ingest event and the broadcast port's logon read from it.

use super::js_json::js_string;
use super::string::unescape_into;

/// `msg.toString()` of an event argument (JSON text): a string's content, a
/// number's or boolean's text, an object's `[object Object]`, an array's
/// elements joined by commas; `None` where it throws (no argument, `null`).
pub fn js_text(arg: Option<&str>) -> Option<String> {
    let mut out = String::new();
    js_text_into(arg?, &mut out).then_some(out)
}

/// [`js_text`] appended to `out`; false (and `out` unspecified past its
/// old end) where `msg.toString()` throws.
pub fn js_text_into(arg: &str, out: &mut String) -> bool {
    // The clients send a JSON string: unescape it straight into its text.
    if arg.starts_with('"') {
        return unescape_into(arg, out).is_ok();
    }
    match serde_json::from_str::<serde_json::Value>(arg) {
        Ok(serde_json::Value::Null) | Err(_) => false,
        Ok(v) => {
            out.push_str(&js_string(&v));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_arguments_read_as_the_reference_reads_them() {
        assert_eq!(
            js_text(Some(r#""{\"a\":1}""#)).as_deref(),
            Some(r#"{"a":1}"#)
        );
        assert_eq!(
            js_text(Some(r#""a\nb\u00e9\"""#)).as_deref(),
            Some("a\nbé\"")
        );
        assert_eq!(js_text(Some(r#""unterminated"#)), None);
        assert_eq!(js_text(Some("5")).as_deref(), Some("5"));
        assert_eq!(js_text(Some("1.50")).as_deref(), Some("1.5"));
        assert_eq!(js_text(Some("true")).as_deref(), Some("true"));
        assert_eq!(
            js_text(Some(r#"{"a":1}"#)).as_deref(),
            Some("[object Object]")
        );
        assert_eq!(
            js_text(Some(r#"[1,"x",null,[2,3]]"#)).as_deref(),
            Some("1,x,,2,3")
        );
        assert_eq!(js_text(Some("null")), None);
        assert_eq!(js_text(None), None);
        assert_eq!(js_text(Some("not json")), None);
    }
}
