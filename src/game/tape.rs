//! A read-only view over a simd-json tape with `JSON.parse` semantics:
//! document order is kept and, for duplicate keys, the last one wins.

use simd_json::Node;
use simd_json::StaticNode;

use super::js::{JsObject, JsValue};

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

    pub fn is_object(&self) -> bool {
        matches!(self.head(), Some(Node::Object { .. }))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.head(), Some(Node::Static(StaticNode::Null)))
    }

    pub fn as_str(&self) -> Option<&'i str> {
        match self.head() {
            Some(Node::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.head() {
            Some(Node::Static(StaticNode::F64(f))) => Some(*f),
            Some(Node::Static(StaticNode::I64(i))) => Some(*i as f64),
            Some(Node::Static(StaticNode::U64(u))) => Some(*u as f64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
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

    pub fn is_array(&self) -> bool {
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

    /// The value as an owned JavaScript value.
    pub fn to_js(&self) -> JsValue {
        match self.head() {
            None => JsValue::Undefined,
            Some(Node::String(s)) => JsValue::Str((*s).to_owned()),
            Some(Node::Static(StaticNode::Null)) => JsValue::Null,
            Some(Node::Static(StaticNode::Bool(b))) => JsValue::Bool(*b),
            Some(Node::Static(_)) => JsValue::Num(self.as_f64().unwrap_or(f64::NAN)),
            Some(Node::Array { .. }) => JsValue::Arr(self.items().map(|v| v.to_js()).collect()),
            Some(Node::Object { .. }) => {
                let mut o = JsObject::new();
                for (k, v) in self.entries() {
                    o.set(k, v.to_js());
                }
                JsValue::Obj(o)
            }
        }
    }
}

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
}
