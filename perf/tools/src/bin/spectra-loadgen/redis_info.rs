//! What Redis says it used, from its `INFO` over a plain TCP connection:
//! CPU time (all its threads) and bytes in and out. Between two readings
//! this is Redis' share of an edge row: its CPU beside the server's, and
//! the traffic of the room outputs (origin → Redis, Redis → edges).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// One reading of Redis' counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedisStats {
    /// `used_cpu_user` + `used_cpu_sys`, in µs.
    pub cpu_us: u64,
    /// `total_net_input_bytes`.
    pub net_in: u64,
    /// `total_net_output_bytes`.
    pub net_out: u64,
}

/// `redis://host:port` (or `host:port`) to an address; credentials and a
/// database are not supported (the suite starts its own Redis).
pub fn parse_addr(url: &str) -> Result<SocketAddr, String> {
    let rest = url.strip_prefix("redis://").unwrap_or(url);
    let hostport = rest.trim_end_matches('/');
    if hostport.contains('@') || hostport.contains('/') {
        return Err(format!(
            "{url}: only redis://host:port (no credentials, no database)"
        ));
    }
    hostport
        .to_socket_addrs()
        .map_err(|e| format!("{url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: no address"))
}

/// Asks Redis at `addr` for `INFO` and reads its counters.
pub fn read(addr: SocketAddr) -> Result<RedisStats, String> {
    let t = Duration::from_secs(2);
    let mut s = TcpStream::connect_timeout(&addr, t).map_err(|e| format!("redis {addr}: {e}"))?;
    s.set_read_timeout(Some(t)).map_err(|e| e.to_string())?;
    s.write_all(b"INFO\r\n")
        .map_err(|e| format!("redis {addr}: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    loop {
        if let Some(body) = bulk(&buf)? {
            return parse_info(body).ok_or_else(|| format!("redis {addr}: INFO lacks counters"));
        }
        let n = s
            .read(&mut chunk)
            .map_err(|e| format!("redis {addr}: {e}"))?;
        if n == 0 {
            return Err(format!("redis {addr}: closed before the INFO reply"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The text of a RESP bulk string reply (`$<len>\r\n<text>\r\n`) once it
/// is all in `buf`; `None` while more is to come.
fn bulk(buf: &[u8]) -> Result<Option<&str>, String> {
    let Some(eol) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..eol]).map_err(|e| e.to_string())?;
    let len: usize = head
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("redis: unexpected reply {head:?}"))?;
    let body = eol + 2;
    if buf.len() < body + len {
        return Ok(None);
    }
    std::str::from_utf8(&buf[body..body + len])
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The counters in an `INFO` text (`key:value` lines, `# Section` headers).
fn parse_info(text: &str) -> Option<RedisStats> {
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(':'))
            .map(str::trim)
    };
    let secs = |k: &str| field(k)?.parse::<f64>().ok();
    let count = |k: &str| field(k)?.parse::<u64>().ok();
    Some(RedisStats {
        cpu_us: ((secs("used_cpu_user")? + secs("used_cpu_sys")?) * 1e6).round() as u64,
        net_in: count("total_net_input_bytes")?,
        net_out: count("total_net_output_bytes")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "# Stats\r\ntotal_connections_received:3\r\ntotal_net_input_bytes:123456\r\ntotal_net_output_bytes:7890\r\ntotal_net_repl_input_bytes:0\r\n\r\n# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:0.500000\r\nused_cpu_sys_children:0.000000\r\n";

    #[test]
    fn reads_the_counters_of_an_info_text() {
        assert_eq!(
            parse_info(INFO),
            Some(RedisStats {
                cpu_us: 1_750_000,
                net_in: 123_456,
                net_out: 7890,
            })
        );
        assert_eq!(parse_info("# Server\r\nredis_version:7.0.15\r\n"), None);
    }

    #[test]
    fn a_bulk_reply_is_read_once_complete() {
        let reply = format!("${}\r\n{INFO}\r\n", INFO.len());
        let b = reply.as_bytes();
        assert_eq!(bulk(&b[..3]), Ok(None));
        assert_eq!(bulk(&b[..b.len() - 10]), Ok(None));
        assert_eq!(bulk(b), Ok(Some(INFO)));
        assert!(bulk(b"-ERR unknown command\r\n").is_err());
    }

    #[test]
    fn takes_plain_redis_urls_only() {
        assert_eq!(
            parse_addr("redis://127.0.0.1:6379"),
            Ok("127.0.0.1:6379".parse().unwrap())
        );
        assert_eq!(
            parse_addr("127.0.0.1:6380/"),
            Ok("127.0.0.1:6380".parse().unwrap())
        );
        assert!(parse_addr("redis://user:pw@127.0.0.1:6379").is_err());
        assert!(parse_addr("redis://127.0.0.1:6379/2").is_err());
    }
}
