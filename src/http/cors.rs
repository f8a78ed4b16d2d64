//! CORS headers exactly as socket.io 4 sends them with `cors: { origin: "*" }`,
//! which hands the options to the npm `cors` package (v2) with its defaults:
//! `Access-Control-Allow-Origin: *` on every response (no `Vary: Origin`,
//! since the origin is fixed), and on any `OPTIONS` request a 204 preflight
//! answer with the default method list, the request's
//! `Access-Control-Request-Headers` reflected, `Vary:
//! Access-Control-Request-Headers` (always, even when nothing is reflected)
//! and `Content-Length: 0`. Checked against `cors@2.8` under Node 20.

use super::{Method, Request, Response};

/// `cors`'s default `methods` option.
pub const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// Whether `cors` would treat the request as a preflight: it does so for
/// every `OPTIONS` request, with or without `Access-Control-Request-Method`.
pub fn is_preflight(req: &Request) -> bool {
    req.method == Method::Options
}

/// Adds the headers of a non-preflight response.
pub fn apply(_req: &Request, resp: &mut Response) {
    resp.headers
        .insert(0, ("Access-Control-Allow-Origin".into(), "*".into()));
}

/// The complete answer to a preflight (`OPTIONS`) request.
pub fn preflight(req: &Request) -> Response {
    let mut resp = Response::new(204)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Methods", ALLOW_METHODS);
    resp.add_vary("Access-Control-Request-Headers");
    if let Some(h) = req
        .header("access-control-request-headers")
        .filter(|h| !h.is_empty())
    {
        resp = resp.header("Access-Control-Allow-Headers", h.to_owned());
    }
    resp.header("Content-Length", "0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Limits, parse_request};
    use bytes::BytesMut;

    fn req(raw: &[u8]) -> Request {
        parse_request(&mut BytesMut::from(raw), &Limits::default())
            .unwrap()
            .unwrap()
    }

    /// Byte-for-byte what `cors({origin:'*'})` under Node's http server
    /// answered (minus Node's `Date` header) to the same requests.
    #[test]
    fn preflight_matches_the_npm_cors_package() {
        let r = req(
            b"OPTIONS /socket.io/?EIO=4 HTTP/1.1\r\nOrigin: http://foo\r\n\
            Access-Control-Request-Method: POST\r\n\
            Access-Control-Request-Headers: content-type,x-foo\r\n\r\n",
        );
        assert!(is_preflight(&r));
        assert_eq!(
            &preflight(&r).encode(false)[..],
            &b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\
            Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\r\n\
            Vary: Access-Control-Request-Headers\r\n\
            Access-Control-Allow-Headers: content-type,x-foo\r\n\
            Content-Length: 0\r\nConnection: close\r\n\r\n"[..]
        );
        let bare = req(b"OPTIONS /x HTTP/1.1\r\n\r\n");
        assert_eq!(
            &preflight(&bare).encode(false)[..],
            &b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\
            Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\r\n\
            Vary: Access-Control-Request-Headers\r\n\
            Content-Length: 0\r\nConnection: close\r\n\r\n"[..]
        );
    }

    #[test]
    fn simple_responses_get_only_allow_origin() {
        let r = req(b"GET /x HTTP/1.1\r\nOrigin: http://foo\r\n\r\n");
        assert!(!is_preflight(&r));
        let mut resp = Response::new(200)
            .header("Content-Type", "text/plain")
            .body("ok");
        apply(&r, &mut resp);
        assert_eq!(
            &resp.encode(false)[..],
            &b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: text/plain\r\n\
            Content-Length: 2\r\nConnection: close\r\n\r\nok"[..]
        );
    }
}
