//! The REST port of an edge: `/status`, with the rooms it has a state of
//! and whether Redis is reachable, and `/readyz`; everything else is
//! express' 404.

use std::sync::Arc;

use super::{Readiness, json, not_found, strip_for_head};
use crate::eio::Routes;
use crate::http::{Method, Request, Response, cors};
use crate::relay::subscriber::Status;
use crate::sio::{self, App, AppEvent};

/// An edge's REST application.
pub struct EdgeRest {
    status: Arc<Status>,
    ready: Arc<Readiness>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl EdgeRest {
    /// Reports `status` on `/status` and `ready` on `/readyz`.
    pub fn new(status: Arc<Status>, ready: Arc<Readiness>) -> Self {
        EdgeRest {
            status,
            ready,
            metrics: None,
        }
    }

    /// Serves `/metrics` from `metrics`.
    pub fn set_metrics(&mut self, metrics: Arc<crate::metrics::Metrics>) {
        self.metrics = Some(metrics);
    }

    /// Answers one request.
    pub fn handle(&self, req: &Request) -> Response {
        if cors::is_preflight(req) {
            return cors::preflight(req);
        }
        let head = req.method == Method::Head;
        let path = req.path.strip_suffix('/').unwrap_or(&req.path);
        let get = matches!(req.method, Method::Get | Method::Head);
        let mut resp = if get && path.eq_ignore_ascii_case("/readyz") {
            self.ready.answer()
        } else if get && path.eq_ignore_ascii_case("/status") {
            json(
                200,
                format!(
                    "{{\"status\":\"UP\",\"matchesRunning\":{},\"redis\":\"{}\"}}",
                    self.status.rooms(),
                    if self.status.redis_up() { "up" } else { "down" }
                ),
            )
        } else if let (true, Some(m)) = (get && path == "/metrics", &self.metrics) {
            super::metrics_response(m, req)
        } else {
            not_found(req)
        };
        cors::apply(req, &mut resp);
        strip_for_head(resp, head)
    }
}

impl Routes for EdgeRest {
    fn on_http(&mut self, req: &Request) -> Option<Response> {
        Some(self.handle(req))
    }
}

impl App for EdgeRest {
    fn on_app_event(&mut self, _srv: &mut sio::Server, _ev: AppEvent) {}

    fn on_wake(&mut self, _srv: &mut sio::Server) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Request {
        Request {
            method: Method::Get,
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            http10: false,
        }
    }

    #[test]
    fn status_says_whether_redis_is_reachable_and_nothing_else_is_served() {
        let ready = Arc::new(Readiness::default());
        let rest = EdgeRest::new(Arc::new(Status::default()), ready.clone());
        let r = rest.handle(&get("/status"));
        assert_eq!(r.status, 200);
        assert_eq!(
            &r.body[..],
            br#"{"status":"UP","matchesRunning":0,"redis":"down"}"#
        );
        assert_eq!(rest.handle(&get("/STATUS/")).status, 200);
        for path in ["/preview/ABCDEF", "/getTeamInfoForCode", "/"] {
            assert_eq!(rest.handle(&get(path)).status, 404, "{path}");
        }
        assert_eq!(rest.handle(&get("/readyz")).status, 200);
        ready.stopping();
        assert_eq!(rest.handle(&get("/readyz/")).status, 503);
        assert_eq!(rest.handle(&get("/status")).status, 200);
    }
}
