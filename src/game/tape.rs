//! A read-only view over a simd-json tape with `JSON.parse` semantics:
//! document order is kept and, for duplicate keys, the last one wins.

use simd_json::Node;
use simd_json::StaticNode;

use crate::json::js_value::{JsObject, JsValue};

/// One JSON value on a tape: its header node followed by its children.
#[derive(Clone, Copy)]
pub struct View<'t, 'i> {
    nodes: &'t [Node<'i>],
}

fn span(node: &Node<'_>) -> usize {
    match node {
        Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
        _ => 1,
    }
}

impl<'t, 'i> View<'t, 'i> {
    /// The document's root value; `None` for an empty tape.
    pub fn root(nodes: &'t [Node<'i>]) -> Option<Self> {
        let first = nodes.first()?;
        let end = span(first).min(nodes.len());
        Some(View {
            nodes: &nodes[..end],
        })
    }

    fn head(&self) -> Option<&Node<'i>> {
        self.nodes.first()
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self.head(), Some(Node::Object { .. }))
    }

    /// The value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.head(), Some(Node::Static(StaticNode::Null)))
    }

    /// The value, when it is a string.
    pub fn as_str(&self) -> Option<&'i str> {
        match self.head() {
            Some(Node::String(s)) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self.head() {
            Some(Node::Static(StaticNode::F64(f))) => Some(*f),
            Some(Node::Static(StaticNode::I64(i))) => Some(*i as f64),
            Some(Node::Static(StaticNode::U64(u))) => Some(*u as f64),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.head() {
            Some(Node::Static(StaticNode::Bool(b))) => Some(*b),
            _ => None,
        }
    }

    /// Key/value pairs of an object in document order (empty for non-objects).
    pub fn entries(&self) -> Entries<'t, 'i> {
        let (len, rest) = match self.nodes.split_first() {
            Some((Node::Object { len, .. }, rest)) => (*len, rest),
            _ => (0, &[][..]),
        };
        Entries { rest, left: len }
    }

    /// Elements of an array (empty for non-arrays).
    pub fn items(&self) -> Items<'t, 'i> {
        let (len, rest) = match self.nodes.split_first() {
            Some((Node::Array { len, .. }, rest)) => (*len, rest),
            _ => (0, &[][..]),
        };
        Items { rest, left: len }
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self.head(), Some(Node::Array { .. }))
    }

    /// `obj[key]` for an object (the last duplicate wins, as in `JSON.parse`).
    pub fn get(&self, key: &str) -> Option<View<'t, 'i>> {
        let mut found = None;
        for (k, v) in self.entries() {
            if k == key {
                found = Some(v);
            }
        }
        found
    }

    /// Whether `key in obj` holds for an object.
    pub fn has(&self, key: &str) -> bool {
        self.entries().any(|(k, _)| k == key)
    }

    /// The value as an owned JavaScript value; `None` when it is nested
    /// deeper than `MAX_DEPTH`, or has more than `MAX_KEYS` keys in one
    /// object or `MAX_NODES` values in all (client settings and toasts are
    /// far smaller; this keeps hostile payloads from costing quadratic time
    /// or the stack).
    pub fn to_js_checked(&self) -> Option<JsValue> {
        let mut budget = MAX_NODES;
        self.convert_within(MAX_DEPTH, &mut budget)
    }

    /// [`View::to_js_checked`], with `undefined` for a value over the limits.
    pub fn to_js(&self) -> JsValue {
        self.to_js_checked().unwrap_or_default()
    }

    fn convert_within(&self, depth: usize, budget: &mut usize) -> Option<JsValue> {
        *budget = budget.checked_sub(1)?;
        Some(match self.head() {
            None => JsValue::Undefined,
            Some(Node::String(s)) => JsValue::Str((*s).to_owned()),
            Some(Node::Static(StaticNode::Null)) => JsValue::Null,
            Some(Node::Static(StaticNode::Bool(b))) => JsValue::Bool(*b),
            Some(Node::Static(_)) => JsValue::Num(self.as_f64().unwrap_or(f64::NAN)),
            Some(Node::Array { .. }) => {
                let depth = depth.checked_sub(1)?;
                let mut items = Vec::new();
                for v in self.items() {
                    items.push(v.convert_within(depth, budget)?);
                }
                JsValue::Arr(items)
            }
            Some(Node::Object { len, .. }) => {
                let depth = depth.checked_sub(1)?;
                if *len > MAX_KEYS {
                    return None;
                }
                let mut o = JsObject::new();
                for (k, v) in self.entries() {
                    o.set(k, v.convert_within(depth, budget)?);
                }
                JsValue::Obj(o)
            }
        })
    }
}

/// Deepest nesting [`View::to_js`] converts.
pub const MAX_DEPTH: usize = 32;
/// Most keys of one object [`View::to_js`] converts.
pub const MAX_KEYS: usize = 256;
/// Most values in total [`View::to_js`] converts.
pub const MAX_NODES: usize = 65_536;

pub struct Entries<'t, 'i> {
    rest: &'t [Node<'i>],
    left: usize,
}

impl<'t, 'i> Iterator for Entries<'t, 'i> {
    type Item = (&'i str, View<'t, 'i>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (key, after) = self.rest.split_first()?;
        let Node::String(key) = key else {
            self.left = 0;
            return None;
        };
        let n = span(after.first()?).min(after.len());
        let (value, rest) = after.split_at(n);
        self.rest = rest;
        Some((key, View { nodes: value }))
    }
}

pub struct Items<'t, 'i> {
    rest: &'t [Node<'i>],
    left: usize,
}

impl<'t, 'i> Iterator for Items<'t, 'i> {
    type Item = View<'t, 'i>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let n = span(self.rest.first()?).min(self.rest.len());
        let (value, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(View { nodes: value })
    }
}

/// A JSON parser that keeps its buffers between calls, so parsing an event
/// allocates nothing once warmed up.
#[derive(Default)]
pub struct Parser {
    scratch: Vec<u8>,
    buffers: Option<simd_json::Buffers>,
    tape: Option<simd_json::Tape<'static>>,
}

impl Parser {
    /// Parses `text` and hands the root view to `f`.
    pub fn parse<R>(
        &mut self,
        text: &[u8],
        f: impl FnOnce(View<'_, '_>) -> R,
    ) -> Result<R, simd_json::Error> {
        self.scratch.clear();
        self.scratch.extend_from_slice(text);
        let buffers = self
            .buffers
            .get_or_insert_with(|| simd_json::Buffers::new(text.len().max(4096)));
        let mut tape = self
            .tape
            .take()
            .unwrap_or_else(simd_json::Tape::null)
            .reset();
        let result = simd_json::fill_tape(&mut self.scratch, buffers, &mut tape).and_then(|()| {
            View::root(&tape.0)
                .map(f)
                .ok_or_else(|| simd_json::Error::generic(simd_json::ErrorType::Eof))
        });
        self.tape = Some(tape.reset());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_walk_nested_values_in_order() {
        let mut parser = Parser::default();
        let js = parser
            .parse(br#"{"b":[1,{"x":null}],"a":"s","b":2.5,"c":true}"#, |v| {
                assert!(v.is_object());
                assert_eq!(v.get("b").and_then(|b| b.as_f64()), Some(2.5));
                assert_eq!(v.get("a").and_then(|a| a.as_str()), Some("s"));
                assert!(v.has("c"));
                v.to_js()
            })
            .unwrap_or_default();
        let mut out = Vec::new();
        js.write_json(&mut out);
        assert_eq!(out, br#"{"b":2.5,"a":"s","c":true}"#);
    }

    #[test]
    fn deeply_nested_values_are_refused_not_recursed() {
        let mut parser = Parser::default();
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let converted = parser.parse(deep.as_bytes(), |v| v.to_js_checked().is_some());
        assert_eq!(converted.ok(), Some(false));
        let shallow = format!("{}{}", "[".repeat(10), "]".repeat(10));
        let converted = parser.parse(shallow.as_bytes(), |v| v.to_js_checked().is_some());
        assert_eq!(converted.ok(), Some(true));
    }

    #[test]
    fn objects_with_too_many_keys_are_refused() {
        let mut parser = Parser::default();
        let keys: Vec<String> = (0..300).map(|i| format!("\"k{i}\":1")).collect();
        let text = format!("{{{}}}", keys.join(","));
        let converted = parser.parse(text.as_bytes(), |v| v.to_js_checked().is_some());
        assert_eq!(converted.ok(), Some(false));
    }
}
