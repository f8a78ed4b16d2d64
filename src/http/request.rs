use bytes::{Bytes, BytesMut};

use super::query::pairs;
use super::{HttpError, Limits, Method};

/// One parsed request. Header names are lowercased; values keep their bytes
/// (non-UTF-8 bytes become U+FFFD, as no client of ours sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request method.
    pub method: Method,
    /// The raw path of the target (not percent-decoded), always starting
    /// with `/` (or `*` for `OPTIONS *`).
    pub path: String,
    /// The raw query string after `?`, without the `?`.
    pub query: String,
    /// Header lines in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes; empty without one).
    pub body: Bytes,
    /// HTTP/1.0: no keep-alive unless asked for.
    pub http10: bool,
}

impl Request {
    /// The first header of that (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any header of that name lists `token` (comma-separated,
    /// case-insensitive), e.g. `Connection: keep-alive, Upgrade`.
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// The first query parameter of that name, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        pairs(&self.query).find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// All query parameters, percent-decoded, in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        pairs(&self.query).collect()
    }

    /// HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0
    /// closes it unless `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        if self.header_has_token("connection", "close") {
            false
        } else if self.http10 {
            self.header_has_token("connection", "keep-alive")
        } else {
            true
        }
    }

    /// A GET asking to switch to WebSocket (`Upgrade: websocket` and
    /// `Connection: upgrade`); [`crate::ws::accept`] checks the rest.
    pub fn is_websocket_upgrade(&self) -> bool {
        self.method == Method::Get
            && self.header_has_token("upgrade", "websocket")
            && self.header_has_token("connection", "upgrade")
    }
}

/// Parses one request from the front of `buf`.
///
/// `Ok(None)`: the request is not complete yet; read more and call again
/// (nothing is consumed). `Ok(Some(_))`: the request's bytes were removed
/// from `buf`; pipelined bytes after it stay. `Err(_)`: answer with
/// [`HttpError::status`] and close the connection.
pub fn parse_request(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Request>, HttpError> {
    let mut header_slots = vec![httparse::EMPTY_HEADER; limits.max_headers.max(1)];
    let mut req = httparse::Request::new(&mut header_slots);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return if buf.len() > limits.max_head {
                Err(HttpError::HeadTooLarge {
                    limit: limits.max_head,
                })
            } else {
                Ok(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::TooManyHeaders {
                limit: limits.max_headers,
            });
        }
        Err(httparse::Error::Version) => return Err(HttpError::UnsupportedVersion),
        Err(e) => return Err(HttpError::MalformedHead(malformed_reason(e))),
    };
    if head_len > limits.max_head {
        return Err(HttpError::HeadTooLarge {
            limit: limits.max_head,
        });
    }
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Err(HttpError::MalformedHead("incomplete request line"));
    };
    let method = Method::from_token(method);
    let (path, query) = split_target(target)?;

    let mut headers = Vec::with_capacity(req.headers.len());
    let mut content_length: Option<u64> = None;
    for h in req.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value).trim().to_owned();
        match name.as_str() {
            "transfer-encoding" => return Err(HttpError::TransferEncodingUnsupported),
            "content-length" => {
                let n = parse_content_length(&value)?;
                if content_length.is_some_and(|prev| prev != n) {
                    return Err(HttpError::ConflictingContentLength);
                }
                content_length = Some(n);
            }
            _ => {}
        }
        headers.push((name, value));
    }

    let body_len = content_length.unwrap_or(0);
    if body_len > limits.max_body as u64 {
        return Err(HttpError::BodyTooLarge {
            length: body_len,
            limit: limits.max_body,
        });
    }
    // Bounded by max_body above, so it fits in usize.
    let body_len = body_len as usize;
    if buf.len() - head_len < body_len {
        return Ok(None);
    }
    let mut raw = buf.split_to(head_len + body_len);
    let body = raw.split_off(head_len).freeze();
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
        body,
        http10: version == 0,
    }))
}

fn malformed_reason(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid token in request line",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "invalid version",
    }
}

/// The `name` query parameter of the request at the front of `buf`, read
/// from its request line alone, consuming nothing: `None` until the line
/// has arrived (within `max_head` bytes), or when it has no such parameter.
/// Lets a sharded port route a request before it is parsed (and before the
/// rest of it has even arrived).
pub fn peek_query_param(buf: &[u8], name: &str, max_head: usize) -> Option<String> {
    let end = buf.iter().take(max_head).position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(buf.get(..end)?).ok()?;
    let target = line.split(' ').nth(1)?;
    let (_, query) = split_target(target).ok()?;
    pairs(&query).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Splits a request target into raw path and query. Absolute-form
/// (`http://host/p?q`, used through proxies) is reduced to its path.
fn split_target(target: &str) -> Result<(String, String), HttpError> {
    let origin_form = if target.starts_with('/') || target == "*" {
        target
    } else if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes().get(i) == Some(&b'/') => &rest[i..],
            Some(i) => return Ok(("/".to_owned(), rest[i + 1..].to_owned())),
            None => "/",
        }
    } else {
        return Err(HttpError::InvalidTarget);
    };
    let (path, query) = origin_form.split_once('?').unwrap_or((origin_form, ""));
    // Fragments are never sent by conforming clients; drop one if present.
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    Ok((path.to_owned(), query.to_owned()))
}

/// Digits only: `+5`, `-1`, ` 5 `-inside, `0x10` and overflow are refused.
fn parse_content_length(v: &str) -> Result<u64, HttpError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HttpError::InvalidContentLength);
    }
    v.parse().map_err(|_| HttpError::InvalidContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_head: 512,
            max_headers: 8,
            max_body: 64,
        }
    }

    fn parse(raw: &[u8]) -> Result<Option<Request>, HttpError> {
        parse_request(&mut BytesMut::from(raw), &limits())
    }

    #[test]
    fn a_query_parameter_is_read_from_the_request_line_alone() {
        let raw = b"GET /socket.io/?EIO=4&transport=polling&sid=B%41c HTTP/1.1\r\nHost: x\r\n";
        assert_eq!(peek_query_param(raw, "sid", 512).as_deref(), Some("BAc"));
        assert_eq!(peek_query_param(raw, "t", 512), None);
        // Not before the line is whole, nor past the head limit.
        assert_eq!(peek_query_param(&raw[..30], "sid", 512), None);
        assert_eq!(peek_query_param(raw, "sid", 20), None);
        assert_eq!(peek_query_param(b"garbage\n", "sid", 512), None);
        assert_eq!(peek_query_param(b"\xff\xfe x?sid=1 y\n", "sid", 512), None);
    }

    #[test]
    fn parses_get_with_query_and_lowercases_header_names() {
        let mut buf = BytesMut::from(
            &b"GET /socket.io/?EIO=4&transport=polling&t=a%20b HTTP/1.1\r\nHost: x\r\nX-Thing: V\r\n\r\n"[..],
        );
        let req = parse_request(&mut buf, &limits()).unwrap().unwrap();
        assert!(buf.is_empty());
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.path, "/socket.io/");
        assert_eq!(req.query, "EIO=4&transport=polling&t=a%20b");
        assert_eq!(req.query_param("EIO").as_deref(), Some("4"));
        assert_eq!(req.query_param("t").as_deref(), Some("a b"));
        assert_eq!(req.query_param("sid"), None);
        assert_eq!(req.header("x-thing"), Some("V"));
        assert!(!req.http10);
        assert!(req.keep_alive());
    }

    #[test]
    fn partial_head_and_partial_body_consume_nothing() {
        let full = b"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        for cut in 0..full.len() {
            let mut buf = BytesMut::from(&full[..cut]);
            assert_eq!(parse_request(&mut buf, &limits()), Ok(None), "cut at {cut}");
            assert_eq!(buf.len(), cut);
        }
        let req = parse(full).unwrap().unwrap();
        assert_eq!(&req.body[..], b"hello");
    }

    #[test]
    fn pipelined_requests_come_out_one_at_a_time() {
        let mut buf = BytesMut::from(
            &b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\n\r\nGET /c"[..],
        );
        let a = parse_request(&mut buf, &limits()).unwrap().unwrap();
        assert_eq!((a.path.as_str(), &a.body[..]), ("/a", &b"hi"[..]));
        let b = parse_request(&mut buf, &limits()).unwrap().unwrap();
        assert_eq!(b.path, "/b");
        assert_eq!(parse_request(&mut buf, &limits()), Ok(None));
        assert_eq!(&buf[..], b"GET /c");
    }

    #[test]
    fn keep_alive_follows_version_and_connection_tokens() {
        let ka = |raw: &[u8]| parse(raw).unwrap().unwrap().keep_alive();
        assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(parse(b"GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().http10);
    }

    #[test]
    fn websocket_upgrade_needs_get_upgrade_and_connection_tokens() {
        let up = |raw: &[u8]| parse(raw).unwrap().unwrap().is_websocket_upgrade();
        assert!(up(
            b"GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\n"
        ));
        assert!(!up(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
        assert!(!up(b"GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n"));
        assert!(!up(
            b"POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
        ));
    }

    #[test]
    fn absolute_form_and_asterisk_targets() {
        let r = parse(b"GET http://h:1/x/y?q=1 HTTP/1.1\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((r.path.as_str(), r.query.as_str()), ("/x/y", "q=1"));
        let r = parse(b"GET http://h?q=1 HTTP/1.1\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((r.path.as_str(), r.query.as_str()), ("/", "q=1"));
        let r = parse(b"OPTIONS * HTTP/1.1\r\n\r\n").unwrap().unwrap();
        assert_eq!(r.path, "*");
        assert_eq!(
            parse(b"GET x HTTP/1.1\r\n\r\n"),
            Err(HttpError::InvalidTarget)
        );
    }

    #[test]
    fn malformed_heads_are_400() {
        for raw in [
            &b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        ] {
            let err = parse(raw).unwrap_err();
            assert_eq!(err.status(), 400, "{err} for {raw:?}");
        }
    }

    #[test]
    fn other_versions_are_505() {
        assert_eq!(
            parse(b"GET / HTTP/2.0\r\n\r\n"),
            Err(HttpError::UnsupportedVersion)
        );
        assert_eq!(HttpError::UnsupportedVersion.status(), 505);
    }

    #[test]
    fn head_over_the_limit_is_431_even_when_incomplete() {
        let mut raw = b"GET / HTTP/1.1\r\nX: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', 600));
        let err = parse(&raw).unwrap_err();
        assert_eq!(err, HttpError::HeadTooLarge { limit: 512 });
        assert_eq!(err.status(), 431);
        raw.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse(&raw).unwrap_err().status(), 431);
    }

    #[test]
    fn too_many_headers_is_431() {
        let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..9 {
            raw.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        let err = parse(&raw).unwrap_err();
        assert_eq!(err, HttpError::TooManyHeaders { limit: 8 });
        assert_eq!(err.status(), 431);
    }

    #[test]
    fn body_over_the_limit_is_413_before_it_arrives() {
        let err = parse(b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n").unwrap_err();
        assert_eq!(
            err,
            HttpError::BodyTooLarge {
                length: 65,
                limit: 64
            }
        );
        assert_eq!(err.status(), 413);
        let huge = parse(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n");
        assert_eq!(huge, Err(HttpError::InvalidContentLength));
    }

    #[test]
    fn bad_or_conflicting_content_length_is_400() {
        for v in ["-1", "+5", "0x10", "1 2", "", "abc"] {
            let raw = format!("POST / HTTP/1.1\r\nContent-Length: {v}\r\n\r\n");
            assert_eq!(
                parse(raw.as_bytes()),
                Err(HttpError::InvalidContentLength),
                "{v:?}"
            );
        }
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
        assert_eq!(parse(raw), Err(HttpError::ConflictingContentLength));
        let same = b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab";
        assert_eq!(&parse(same).unwrap().unwrap().body[..], b"ab");
    }

    #[test]
    fn chunked_bodies_are_refused_with_501() {
        let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let err = parse(raw).unwrap_err();
        assert_eq!(err, HttpError::TransferEncodingUnsupported);
        assert_eq!(err.status(), 501);
        let both = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(parse(both), Err(HttpError::TransferEncodingUnsupported));
    }

    #[test]
    fn methods_map_and_unknown_ones_are_other() {
        let m = |raw: &[u8]| parse(raw).unwrap().unwrap().method;
        assert_eq!(m(b"OPTIONS / HTTP/1.1\r\n\r\n"), Method::Options);
        assert_eq!(m(b"PATCH / HTTP/1.1\r\n\r\n"), Method::Patch);
        assert_eq!(m(b"BREW / HTTP/1.1\r\n\r\n"), Method::Other);
    }

    #[test]
    fn non_utf8_header_values_do_not_fail() {
        let r = parse(b"GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.header("x"), Some("caf\u{fffd}"));
    }
}
