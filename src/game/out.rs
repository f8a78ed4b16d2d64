//! Small helpers to write JSON objects straight into a byte buffer in a
//! fixed key order (the reference's property order), without building values.

use crate::json::escape::write_string;
use crate::json::js_value::JsValue;
use crate::json::number::write_number;

/// Writes one JSON object; keys are given with their quotes and colon
/// pre-rendered, e.g. `b"\"name\":"`, so writing a key is one copy.
pub struct ObjOut<'a> {
    pub out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> ObjOut<'a> {
    pub fn begin(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        ObjOut { out, first: true }
    }

    #[inline]
    pub fn key(&mut self, key: &[u8]) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(key);
        self.out
    }

    #[inline]
    pub fn str(&mut self, key: &[u8], v: &str) {
        write_string(self.key(key), v);
    }

    #[inline]
    pub fn num(&mut self, key: &[u8], v: f64) {
        write_number(self.key(key), v);
    }

    #[inline]
    pub fn bool(&mut self, key: &[u8], v: bool) {
        let s: &[u8] = if v { b"true" } else { b"false" };
        self.key(key).extend_from_slice(s);
    }

    /// A JavaScript value; `undefined` omits the key, as `JSON.stringify` does.
    #[inline]
    pub fn js(&mut self, key: &[u8], v: &JsValue) {
        if !v.is_undefined() {
            v.write_json(self.key(key));
        }
    }

    /// An optional string: `None` is `undefined` and omits the key.
    #[inline]
    pub fn opt_str(&mut self, key: &[u8], v: Option<&str>) {
        if let Some(v) = v {
            self.str(key, v);
        }
    }

    /// An optional number: `None` is `undefined` and omits the key.
    #[inline]
    pub fn opt_num(&mut self, key: &[u8], v: Option<f64>) {
        if let Some(v) = v {
            self.num(key, v);
        }
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// Writes `["a","b"]`.
pub fn write_str_array(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, s);
    }
    out.push(b']');
}
