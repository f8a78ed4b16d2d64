//! Read buffers shared by the connections of one reactor.
//!
//! An idle connection holds no read buffer: one is taken from the pool when
//! the socket is readable and given back once the protocol consumed every
//! byte. Thousands of idle frontends then cost a few hundred bytes each
//! instead of a buffer each.

use bytes::BytesMut;

/// Capacity of a pooled buffer (one TLS record fits).
pub const BUF_CAPACITY: usize = 16 * 1024 + 512;

/// The free read buffers of one reactor.
#[derive(Debug)]
pub struct BufPool {
    free: Vec<BytesMut>,
    max_free: usize,
}

impl BufPool {
    /// An empty pool that keeps at most `max_free` buffers.
    pub fn new(max_free: usize) -> Self {
        Self {
            free: Vec::new(),
            max_free,
        }
    }

    /// A free buffer, or a new one of [`BUF_CAPACITY`].
    pub fn take(&mut self) -> BytesMut {
        self.free
            .pop()
            .unwrap_or_else(|| BytesMut::with_capacity(BUF_CAPACITY))
    }

    /// Returns a buffer. Buffers that grew large (a big message) or whose
    /// memory is still shared with split-off bytes are dropped, not kept.
    pub fn give(&mut self, mut buf: BytesMut) {
        if self.free.len() >= self.max_free || buf.capacity() > 4 * BUF_CAPACITY {
            return;
        }
        buf.clear();
        // Reclaims the space in front of the cursor when nothing else shares
        // the allocation; otherwise allocates afresh.
        buf.reserve(BUF_CAPACITY);
        self.free.push(buf);
    }

    /// Buffers waiting in the pool.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_come_back_empty() {
        let mut pool = BufPool::new(2);
        let mut b = pool.take();
        b.extend_from_slice(b"hello");
        let ptr = b.as_ptr();
        pool.give(b);
        assert_eq!(pool.free_count(), 1);
        let b = pool.take();
        assert!(b.is_empty());
        assert!(b.capacity() >= BUF_CAPACITY);
        assert_eq!(b.as_ptr(), ptr);
    }

    #[test]
    fn pool_keeps_at_most_max_free() {
        let mut pool = BufPool::new(1);
        let (a, b) = (pool.take(), pool.take());
        pool.give(a);
        pool.give(b);
        assert_eq!(pool.free_count(), 1);
    }
}
