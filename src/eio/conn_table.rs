//! Per-connection state indexed by connection id.

use super::ConnId;

/// A map from [`ConnId`] to `T` stored as a vector: the network layer's
/// connection ids are slab keys, small and dense, so a broadcast reaching
/// thousands of connections reads this table in place instead of hashing.
pub(super) struct ConnTable<T> {
    slots: Vec<Option<T>>,
}

impl<T> ConnTable<T> {
    pub fn new() -> Self {
        ConnTable { slots: Vec::new() }
    }

    pub fn insert(&mut self, conn: ConnId, value: T) -> Option<T> {
        let i = conn.index();
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots.get_mut(i).and_then(|s| s.replace(value))
    }

    pub fn remove(&mut self, conn: &ConnId) -> Option<T> {
        self.slots.get_mut(conn.index()).and_then(Option::take)
    }

    pub fn get(&self, conn: &ConnId) -> Option<&T> {
        self.slots.get(conn.index()).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, conn: &ConnId) -> Option<&mut T> {
        self.slots.get_mut(conn.index()).and_then(Option::as_mut)
    }
}

#[cfg(test)]
mod tests {
    use super::{ConnId, ConnTable};

    #[test]
    fn behaves_like_a_map() {
        let c = ConnId::new;
        let mut t = ConnTable::new();
        assert_eq!(t.get(&c(3)), None);
        assert_eq!(t.insert(c(3), "a"), None);
        assert_eq!(t.insert(c(3), "b"), Some("a"));
        assert_eq!(t.insert(c(0), "z"), None);
        assert_eq!(t.get(&c(3)), Some(&"b"));
        assert_eq!(t.remove(&c(0)), Some("z"));
        assert_eq!(t.remove(&c(0)), None);
        assert_eq!(t.remove(&c(99)), None);
        assert_eq!(t.get(&c(1)), None);
    }
}
