//! JavaScript value semantics the reference leaks into its broadcast state.
//!
//! Parts of the reference's state are whatever the client sent (tools settings,
//! toast payloads), stored as parsed JSON and stringified again. To reproduce
//! `JSON.stringify` byte for byte those parts are kept as [`JsValue`]s with
//! JavaScript's property order (array-index keys first in ascending order, then
//! the other keys in insertion order) and printed with JavaScript's number
//! formatting.

use super::escape::write_string;
use super::number::{self, write_number};

/// A JavaScript value as produced by `JSON.parse`, plus `undefined` (a property
/// that is missing, which `JSON.stringify` omits in objects and prints as
/// `null` in arrays).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum JsValue {
    /// A missing property.
    #[default]
    Undefined,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (always a double, as in JavaScript).
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<JsValue>),
    /// An object.
    Obj(JsObject),
}

/// An object's own properties in JavaScript's enumeration order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct JsObject {
    entries: Vec<(String, JsValue)>,
}

/// Largest array index JavaScript treats as an integer-like property key.
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// Whether `key` is a canonical array index ("0", "17", not "017" or "-1"),
/// which JavaScript enumerates before every other key, in numeric order.
pub fn array_index(key: &str) -> Option<u64> {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 10 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    (n <= MAX_ARRAY_INDEX).then_some(n)
}

impl JsObject {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The object has no own properties.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn get(&self, key: &str) -> Option<&JsValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut JsValue> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// JavaScript `obj[key] = value`: an existing key keeps its position.
    pub fn set(&mut self, key: &str, value: JsValue) {
        *self.slot(key) = value;
    }

    /// The property `key`, created as `undefined` (in JavaScript's order)
    /// when missing.
    pub fn slot(&mut self, key: &str) -> &mut JsValue {
        let pos = match self.entries.iter().position(|(k, _)| k == key) {
            Some(pos) => pos,
            None => {
                let entry = (key.to_owned(), JsValue::Undefined);
                match array_index(key) {
                    Some(idx) => {
                        let pos = self
                            .entries
                            .iter()
                            .position(|(k, _)| array_index(k).is_none_or(|other| other > idx))
                            .unwrap_or(self.entries.len());
                        self.entries.insert(pos, entry);
                        pos
                    }
                    None => {
                        self.entries.push(entry);
                        self.entries.len() - 1
                    }
                }
            }
        };
        &mut self.entries[pos].1
    }

    /// JavaScript `delete obj[key]`.
    pub fn remove(&mut self, key: &str) -> Option<JsValue> {
        let pos = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(pos).1)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &JsValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl JsValue {
    pub(crate) fn str(s: &str) -> Self {
        JsValue::Str(s.to_owned())
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, JsValue::Undefined)
    }

    pub(crate) fn is_nullish(&self) -> bool {
        matches!(self, JsValue::Undefined | JsValue::Null)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            JsValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The object, when the value is one.
    pub fn as_obj(&self) -> Option<&JsObject> {
        match self {
            JsValue::Obj(o) => Some(o),
            _ => None,
        }
    }

    pub(crate) fn as_obj_mut(&mut self) -> Option<&mut JsObject> {
        match self {
            JsValue::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// JavaScript property read `value[key]` on an object (other values
    /// have no own properties the reference reads, so they give `undefined`).
    pub fn prop(&self, key: &str) -> &JsValue {
        static UNDEFINED: JsValue = JsValue::Undefined;
        match self {
            JsValue::Obj(o) => o.get(key).unwrap_or(&UNDEFINED),
            _ => &UNDEFINED,
        }
    }

    /// JavaScript truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            JsValue::Undefined | JsValue::Null => false,
            JsValue::Bool(b) => *b,
            JsValue::Num(n) => *n != 0.0 && !n.is_nan(),
            JsValue::Str(s) => !s.is_empty(),
            JsValue::Arr(_) | JsValue::Obj(_) => true,
        }
    }

    /// JavaScript `Number(value)` (ToNumber), for the arithmetic the
    /// reference does on client-supplied settings.
    pub fn to_number(&self) -> f64 {
        match self {
            JsValue::Undefined => f64::NAN,
            JsValue::Null => 0.0,
            JsValue::Bool(b) => f64::from(u8::from(*b)),
            JsValue::Num(n) => *n,
            JsValue::Str(s) => string_to_number(s),
            JsValue::Arr(items) => match items.as_slice() {
                [] => 0.0,
                [one] => match one {
                    JsValue::Arr(_) | JsValue::Obj(_) => f64::NAN,
                    other => string_to_number(&other.to_js_string()),
                },
                _ => f64::NAN,
            },
            JsValue::Obj(_) => f64::NAN,
        }
    }

    /// JavaScript `String(value)`, as used in template literals.
    pub fn to_js_string(&self) -> String {
        match self {
            JsValue::Undefined => "undefined".to_owned(),
            JsValue::Null => "null".to_owned(),
            JsValue::Bool(b) => b.to_string(),
            JsValue::Num(n) => number::to_js_string(*n),
            JsValue::Str(s) => s.clone(),
            JsValue::Arr(items) => {
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !item.is_nullish() {
                        out.push_str(&item.to_js_string());
                    }
                }
                out
            }
            JsValue::Obj(_) => "[object Object]".to_owned(),
        }
    }

    /// `JSON.stringify(value)` appended to `out`. `undefined` at the top level
    /// prints nothing; callers skip it before writing a key.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            JsValue::Undefined => {}
            JsValue::Null => out.extend_from_slice(b"null"),
            JsValue::Bool(true) => out.extend_from_slice(b"true"),
            JsValue::Bool(false) => out.extend_from_slice(b"false"),
            JsValue::Num(n) => write_number(out, *n),
            JsValue::Str(s) => write_string(out, s),
            JsValue::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    if item.is_undefined() {
                        out.extend_from_slice(b"null");
                    } else {
                        item.write_json(out);
                    }
                }
                out.push(b']');
            }
            JsValue::Obj(o) => o.write_json(out),
        }
    }
}

impl JsObject {
    /// `JSON.stringify` of the object (properties holding `undefined` are skipped).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_json_with(out, |_| true, |out, _, v| v.write_json(out));
    }

    /// `JSON.stringify` of the object's properties whose key passes `keep`,
    /// each value written by `value` (properties holding `undefined` are
    /// skipped).
    pub fn write_json_with(
        &self,
        out: &mut Vec<u8>,
        keep: impl Fn(&str) -> bool,
        mut value: impl FnMut(&mut Vec<u8>, &str, &JsValue),
    ) {
        out.push(b'{');
        let mut first = true;
        for (k, v) in self.iter() {
            if v.is_undefined() || !keep(k) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_string(out, k);
            out.push(b':');
            value(out, k, v);
        }
        out.push(b'}');
    }
}

/// JavaScript's StringToNumber: trimmed decimal, `0x`/`0o`/`0b` integers,
/// `Infinity`; the empty string is 0; anything else is NaN.
fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| -> Option<f64> {
        let digits = t
            .strip_prefix(p)
            .or_else(|| t.strip_prefix(&p.to_uppercase()))?;
        if digits.is_empty() {
            return Some(f64::NAN);
        }
        let mut n = 0.0f64;
        for c in digits.chars() {
            n = n * f64::from(r) + f64::from(c.to_digit(r)?);
        }
        Some(n)
    };
    if let Some(n) = radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
    {
        return n;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let ok = t
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_keys_enumerate_first_in_numeric_order() {
        let mut o = JsObject::new();
        o.set("b", JsValue::Null);
        o.set("10", JsValue::Null);
        o.set("a", JsValue::Null);
        o.set("2", JsValue::Null);
        o.set("01", JsValue::Null);
        o.set("b", JsValue::Bool(true));
        let keys: Vec<&str> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["2", "10", "b", "a", "01"]);
    }

    #[test]
    fn to_number_follows_javascript() {
        assert_eq!(JsValue::str(" 42 ").to_number(), 42.0);
        assert_eq!(JsValue::str("").to_number(), 0.0);
        assert!(JsValue::str("4x").to_number().is_nan());
        assert_eq!(JsValue::str("0x10").to_number(), 16.0);
        assert_eq!(JsValue::Null.to_number(), 0.0);
        assert!(JsValue::Undefined.to_number().is_nan());
        assert_eq!(JsValue::Arr(vec![JsValue::Num(7.0)]).to_number(), 7.0);
    }
}
