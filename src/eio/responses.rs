//! The HTTP responses the engine's answers become.

use bytes::Bytes;

use super::ErrorReply;
use crate::http::Response;

/// The CORS header `cors::apply` adds with `origin: "*"` (which needs no
/// request data), usable for parked polls whose request is gone.
pub(super) fn with_cors(mut resp: Response) -> Response {
    resp.headers
        .insert(0, ("Access-Control-Allow-Origin".into(), "*".into()));
    resp
}

/// An engine error (`{"code":…,"message":…}` or plain text) as a response.
pub(super) fn error_response(reply: ErrorReply) -> Response {
    let mut resp = Response::new(reply.status).body(reply.body);
    if let Some(ct) = reply.content_type {
        resp = resp.header("Content-Type", ct);
    }
    if reply.close {
        resp = resp.header("Connection", "close");
    }
    resp
}

/// A polling payload as the answer to a GET.
pub(super) fn poll_response(body: Bytes) -> Response {
    with_cors(
        Response::new(200)
            .header("Content-Type", "text/plain; charset=UTF-8")
            .header("Cache-Control", "no-store")
            .body(body),
    )
}
