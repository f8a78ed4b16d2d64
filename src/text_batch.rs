//! Items that each carry a text, the texts kept in one buffer: how bursts of
//! events cross from one thread to another (ingest to the match thread,
//! the match thread to the replay writer). One channel send and one
//! allocation per batch instead of per event; per event, a wake-up and a
//! string allocated on one thread and freed on the other cost more than
//! the work done on it.

use std::ops::Range;

/// Items a batch gathers before it is sent, even within one burst.
pub const MAX_ITEMS: usize = 512;
/// Text a batch gathers before it is sent.
pub const MAX_TEXT: usize = 256 * 1024;

/// Items in arrival order, each with what describes it (`M`) and its text,
/// if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBatch<M> {
    texts: String,
    items: Vec<(M, Option<Range<usize>>)>,
}

impl<M> Default for TextBatch<M> {
    fn default() -> Self {
        TextBatch {
            texts: String::new(),
            items: Vec::new(),
        }
    }
}

impl<M: Copy> TextBatch<M> {
    /// An empty batch with room for `items` items of `text` bytes in all.
    pub fn with_capacity(items: usize, text: usize) -> Self {
        TextBatch {
            texts: String::with_capacity(text),
            items: Vec::with_capacity(items),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.texts.len()
    }

    /// Whether the batch holds [`MAX_ITEMS`] items or [`MAX_TEXT`] bytes,
    /// and should be sent.
    pub fn is_full(&self) -> bool {
        self.items.len() >= MAX_ITEMS || self.texts.len() >= MAX_TEXT
    }

    /// Appends an item whose text `fill` writes to the end of the buffer;
    /// `fill` returns false when there is no text (whatever it wrote is
    /// dropped).
    pub fn push_with(&mut self, meta: M, fill: impl FnOnce(&mut String) -> bool) {
        let start = self.texts.len();
        let text = if fill(&mut self.texts) {
            Some(start..self.texts.len())
        } else {
            self.texts.truncate(start);
            None
        };
        self.items.push((meta, text));
    }

    /// Appends an item with its text.
    pub fn push(&mut self, meta: M, text: Option<&str>) {
        self.push_with(meta, |buf| match text {
            Some(t) => {
                buf.push_str(t);
                true
            }
            None => false,
        });
    }

    /// The items in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (M, Option<&str>)> {
        self.items
            .iter()
            .map(|(meta, text)| (*meta, text.clone().and_then(|r| self.texts.get(r))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_in_order_with_their_texts() {
        let mut b = TextBatch::default();
        b.push(1, Some("{\"a\":1}"));
        b.push_with(2, |buf| {
            buf.push_str("half-written");
            false
        });
        b.push(3, Some("é"));
        b.push(4, Some(""));
        assert_eq!(b.len(), 4);
        assert_eq!(b.text_len(), "{\"a\":1}é".len());
        let got: Vec<_> = b.iter().collect();
        assert_eq!(
            got,
            vec![
                (1, Some("{\"a\":1}")),
                (2, None),
                (3, Some("é")),
                (4, Some(""))
            ]
        );
    }

    #[test]
    fn a_batch_is_full_at_either_bound() {
        let mut b = TextBatch::default();
        for i in 0..MAX_ITEMS - 1 {
            b.push(i, None);
        }
        assert!(!b.is_full());
        b.push(0, None);
        assert!(b.is_full());
        let mut b = TextBatch::default();
        b.push(0, Some(&"x".repeat(MAX_TEXT - 1)));
        assert!(!b.is_full());
        b.push(1, Some("x"));
        assert!(b.is_full());
    }
}
