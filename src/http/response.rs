use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

/// A response to encode. Header names keep the case given (HTTP/1.1 names
/// are case-insensitive; Node sends them as set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code; the reason phrase is looked up on encoding.
    pub status: u16,
    pub(crate) headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// The body; `encode` writes its `Content-Length` unless one is set.
    pub body: Bytes,
}

impl Response {
    /// An empty response with `status` and no headers.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Appends a header (builder style).
    pub fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body (builder style); `Content-Length` is added by `encode`.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON body with Express's `res.json` content type.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Response::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body)
    }

    /// The first header of that name, compared case-insensitively.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Appends `value` to the `Vary` header (creating it), skipping it when
    /// already listed, as the npm `vary` helper used by `cors` does.
    pub fn add_vary(&mut self, value: &'static str) {
        if let Some((_, v)) = self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("vary"))
        {
            let listed = v
                .split(',')
                .any(|t| t.trim() == "*" || t.trim().eq_ignore_ascii_case(value));
            if !listed {
                *v = Cow::Owned(format!("{v}, {value}"));
            }
        } else {
            self.headers.push(("Vary".into(), value.into()));
        }
    }

    /// Status line, headers and body as one buffer. Adds `Content-Length`
    /// (unless set, or the status forbids a body) and `Connection`
    /// (`keep-alive`/`close`; left alone on 101 and when already set).
    pub fn encode(&self, keep_alive: bool) -> Bytes {
        let head_guess = 64
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 4)
                .sum::<usize>();
        let mut out = BytesMut::with_capacity(head_guess + self.body.len());
        out.put_slice(b"HTTP/1.1 ");
        out.put_slice(self.status.to_string().as_bytes());
        out.put_u8(b' ');
        out.put_slice(reason_phrase(self.status).as_bytes());
        out.put_slice(b"\r\n");
        for (name, value) in &self.headers {
            put_header(&mut out, name, value);
        }
        let bodiless =
            (100..200).contains(&self.status) || self.status == 204 || self.status == 304;
        if !bodiless && self.get_header("content-length").is_none() {
            put_header(&mut out, "Content-Length", &self.body.len().to_string());
        }
        if self.status != 101 && self.get_header("connection").is_none() {
            let v = if keep_alive { "keep-alive" } else { "close" };
            put_header(&mut out, "Connection", v);
        }
        out.put_slice(b"\r\n");
        if !bodiless {
            out.put_slice(&self.body);
        }
        out.freeze()
    }
}

fn put_header(out: &mut BytesMut, name: &str, value: &str) {
    out.put_slice(name.as_bytes());
    out.put_slice(b": ");
    out.put_slice(value.as_bytes());
    out.put_slice(b"\r\n");
}

/// Node's reason phrases for the statuses this server sends.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Bytes) -> String {
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn encodes_status_headers_length_connection_and_body() {
        let r = Response::json(200, "{\"a\":1}").header("X-A", "b");
        assert_eq!(
            text(r.encode(true)),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-A: b\r\n\
             Content-Length: 7\r\nConnection: keep-alive\r\n\r\n{\"a\":1}"
        );
        assert_eq!(
            text(Response::new(404).encode(false)),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn bodiless_statuses_and_explicit_headers_are_respected() {
        let r = Response::new(204)
            .header("Content-Length", "0")
            .body("ignored");
        assert_eq!(
            text(r.encode(true)),
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
        );
        let up = Response::new(101).header("Connection", "Upgrade");
        assert_eq!(
            text(up.encode(true)),
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n"
        );
    }

    #[test]
    fn vary_is_appended_once() {
        let mut r = Response::new(200);
        r.add_vary("Origin");
        r.add_vary("origin");
        r.add_vary("Access-Control-Request-Headers");
        assert_eq!(
            r.get_header("vary"),
            Some("Origin, Access-Control-Request-Headers")
        );
    }
}
