use std::time::Duration;

/// How the worker pool and its HTTP client behave. The reference has no
/// timeouts of its own (Node's `fetch` waits up to five minutes for headers);
/// these defaults keep a waiting logon short while allowing a slow backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Worker threads, each making one blocking call at a time.
    pub workers: usize,
    /// Jobs waiting for a worker; past this, submissions are refused at once.
    pub queue: usize,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole call (connect, send, receive).
    pub call_timeout: Duration,
    /// Extra attempts for idempotent GETs that could not connect or got
    /// 502/503/504. Writes are never retried.
    pub get_retries: u32,
    /// Pause before the first retry; doubled for each further one.
    pub retry_backoff: Duration,
    /// Largest response body read.
    pub max_response_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workers: 8,
            queue: 1024,
            connect_timeout: Duration::from_secs(3),
            call_timeout: Duration::from_secs(10),
            get_retries: 1,
            retry_backoff: Duration::from_millis(100),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}
