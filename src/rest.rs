//! Port 5101: the reference's REST routes, as a sans-IO function from a
//! parsed request to a response. It reads what the match thread publishes
//! ([`Published`]) and keeps the previews itself.
//!
//! The reference is an express app with `bodyParser.json()` then
//! `cors({ origin: "*" })`, so: routes match case-insensitively with an
//! optional trailing slash, `HEAD` is answered like `GET` without a body,
//! every answer past the body parser carries `Access-Control-Allow-Origin: *`,
//! `OPTIONS` is a CORS preflight (204), unknown routes get express' HTML
//! `Cannot GET /path` page (404), and JSON bodies over the limit (413) or
//! malformed (400) get an HTML error page without CORS headers.
//!
//! Backend-only behaviour (`USE_BACKEND=true`: keys checked by the
//! organisation backend, `/getSupportPackages`, `/client/oauth-callback`)
//! lives in `backend_routes`: those requests wait for a backend worker
//! without holding up the reactor. Without `USE_BACKEND` those keys are
//! refused and those routes are 404, as in the reference.

mod backend_routes;
mod edge;
mod preview;
mod readiness;

use std::sync::Arc;

use serde_json::Value;

use crate::config::AuthConfig;
use crate::http::{Method, Request, Response, cors};
use crate::hub::Published;

pub use backend_routes::Done as BackendDone;
pub use edge::EdgeRest;
pub use preview::{PREVIEW_TTL_MS, Previews, Rng};
pub use readiness::Readiness;

/// What the REST port needs from the configuration.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// Decides the keys of `/createPreview` and `/getOrgForKey`.
    pub auth: AuthConfig,
    /// `USE_BACKEND`: keys go to the backend, and the support-package and
    /// Discord routes exist.
    pub use_backend: bool,
    /// Largest JSON body accepted (express' default is 100 kB).
    pub max_body: usize,
}

/// The REST application: routes, previews and the published match state.
pub struct Rest {
    cfg: RestConfig,
    published: Arc<Published>,
    ready: Arc<Readiness>,
    previews: Previews,
    rng: Rng,
    /// `/getSupportPackages` answers (`USE_BACKEND=true`).
    packages: crate::backend::PackageCache,
    /// What `/metrics` reports, once the server assembled it.
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

/// Checks a key the way the reference's ingest does without a backend:
/// anything when `REQUIRE_AUTH_KEY=false`, else exactly `AUTH_KEY`.
pub fn key_is_valid(auth: &AuthConfig, key: &Value) -> bool {
    !auth.require_auth_key
        || matches!((key, auth.auth_key.as_deref()), (Value::String(k), Some(a)) if k == a)
}

/// Express' HTML error page for `message` (already plain text).
fn error_page(status: u16, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>{}</pre>\n</body>\n</html>\n",
        crate::json::html_escape::html_escape(message)
    );
    Response::new(status)
        .header("X-Powered-By", "Express")
        .header("Content-Security-Policy", "default-src 'none'")
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Type", "text/html; charset=utf-8")
        .body(body)
}

fn json(status: u16, body: impl Into<bytes::Bytes>) -> Response {
    Response::json(status, body).header("X-Powered-By", "Express")
}

fn error_json(status: u16, msg: &str) -> Response {
    json(status, serde_json::json!({ "error": msg }).to_string())
}

/// The route a path names, matched as express does (case-insensitive,
/// optional trailing slash); `Preview` carries the raw parameter.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Status,
    Metrics,
    Ready,
    CreatePreview,
    Preview(&'a str),
    OrgForKey,
    TeamInfo,
    SupportPackages,
    OAuthCallback,
    Unknown,
}

fn route(path: &str) -> Route<'_> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let lower = trimmed.to_ascii_lowercase();
    match lower.as_str() {
        "/status" => return Route::Status,
        "/metrics" => return Route::Metrics,
        "/readyz" => return Route::Ready,
        "/createpreview" => return Route::CreatePreview,
        "/getorgforkey" => return Route::OrgForKey,
        "/getteaminfoforcode" => return Route::TeamInfo,
        "/getsupportpackages" => return Route::SupportPackages,
        "/client/oauth-callback" => return Route::OAuthCallback,
        _ => {}
    }
    match trimmed.get(..9) {
        Some(prefix) if prefix.eq_ignore_ascii_case("/preview/") => {
            let param = trimmed.get(9..).unwrap_or("");
            if param.is_empty() || param.contains('/') {
                Route::Unknown
            } else {
                Route::Preview(param)
            }
        }
        _ => Route::Unknown,
    }
}

/// Express' `decodeURIComponent` of a route parameter; `None` when malformed.
fn decode_param(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A query parameter that express (`qs`) would read as one string:
/// `None` when absent or when repeated / bracketed (an array or object).
fn query_string(req: &Request, name: &str) -> Option<String> {
    let mut found = None;
    for (k, v) in req.query_params() {
        if k == name {
            if found.is_some() {
                return None;
            }
            found = Some(v);
        } else if k
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('['))
        {
            return None;
        }
    }
    found
}

/// The JSON body as `bodyParser.json()` leaves it: `Ok(None)` when it did not
/// parse (not JSON-typed, or no body at all), `Err` for its error answers.
fn json_body(req: &Request, max_body: usize) -> Result<Option<Value>, Response> {
    let json_typed = req.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    let has_body =
        req.header("content-length").is_some() || req.header("transfer-encoding").is_some();
    if !json_typed || !has_body {
        return Ok(None);
    }
    if req.body.len() > max_body {
        return Err(error_page(413, "Payload Too Large"));
    }
    let text = match std::str::from_utf8(&req.body) {
        Ok(t) => t,
        Err(_) => return Err(error_page(400, "Bad Request")),
    };
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if trimmed.is_empty() {
        return Ok(Some(Value::Object(serde_json::Map::new())));
    }
    // Strict mode: only objects and arrays.
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Err(error_page(400, "Bad Request"));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(error_page(400, "Bad Request")),
    }
}

impl Rest {
    /// Serves `published`, and `ready` on `/readyz`; previews get codes
    /// from the OS's randomness.
    pub fn new(cfg: RestConfig, published: Arc<Published>, ready: Arc<Readiness>) -> Self {
        Self::with_rng(cfg, published, ready, Rng::from_os())
    }

    /// With a chosen random generator (tests).
    pub fn with_rng(
        cfg: RestConfig,
        published: Arc<Published>,
        ready: Arc<Readiness>,
        rng: Rng,
    ) -> Self {
        Rest {
            cfg,
            published,
            ready,
            previews: Previews::default(),
            rng,
            packages: crate::backend::PackageCache::default(),
            metrics: None,
        }
    }

    /// Serves `/metrics` from `metrics`.
    pub fn set_metrics(&mut self, metrics: Arc<crate::metrics::Metrics>) {
        self.metrics = Some(metrics);
    }

    /// Answers one request at `now_ms` (monotonic milliseconds).
    pub fn handle(&mut self, req: &Request, now_ms: u64) -> Response {
        if cors::is_preflight(req) {
            return cors::preflight(req);
        }
        let head = req.method == Method::Head;
        let mut resp = match self.route(req, now_ms) {
            Ok(r) => r,
            // Body-parser errors happen before the CORS middleware runs.
            Err(r) => return strip_for_head(r, head),
        };
        cors::apply(req, &mut resp);
        strip_for_head(resp, head)
    }

    fn route(&mut self, req: &Request, now_ms: u64) -> Result<Response, Response> {
        let get = matches!(req.method, Method::Get | Method::Head);
        let r = route(&req.path);
        if req.method == Method::Put && r == Route::CreatePreview {
            let body = json_body(req, self.cfg.max_body)?;
            let auth = &self.cfg.auth;
            let created = self.previews.create(
                body.as_ref(),
                |k| key_is_valid(auth, k),
                &mut self.rng,
                now_ms,
            );
            if created.status == 200 {
                log::info!("preview created: {}", created.body);
            }
            return Ok(json(created.status, created.body));
        }
        if !get {
            return Ok(not_found(req));
        }
        Ok(match r {
            Route::Status => json(
                200,
                format!(
                    "{{\"status\":\"UP\",\"matchesRunning\":{}}}",
                    self.published.matches_running()
                ),
            ),
            Route::Metrics => match &self.metrics {
                Some(m) => metrics_response(m, req),
                None => not_found(req),
            },
            Route::Ready => self.ready.answer(),
            Route::Preview(raw) => match decode_param(raw) {
                None => error_page(400, "Bad Request"),
                Some(code) => {
                    log::info!("preview requested: {code:?}");
                    if code.encode_utf16().count() != 6 {
                        error_json(400, "Invalid preview code format")
                    } else {
                        match self.previews.get(&code, now_ms) {
                            Some(p) => json(200, p.as_bytes().to_vec()),
                            None => error_json(404, "Preview not found"),
                        }
                    }
                }
            },
            Route::OrgForKey => match query_string(req, "key") {
                None => error_json(400, "Key is required"),
                Some(k) if k.is_empty() => error_json(400, "Key is required"),
                // Organisations come from the backend only.
                Some(_) => Response::new(401)
                    .header("X-Powered-By", "Express")
                    .header("Content-Type", "text/html; charset=utf-8")
                    .body("401 Unauthorized"),
            },
            Route::TeamInfo => match query_string(req, "groupCode") {
                None => error_json(400, "Group code is required"),
                Some(c) if c.is_empty() => error_json(400, "Group code is required"),
                Some(code) => match self.published.team_info(&code) {
                    Some(info) => json(200, info.as_bytes().to_vec()),
                    None => error_json(404, "Group code not found"),
                },
            },
            // Backend-only routes; with the backend attached a cache miss
            // and every sign-in are deferred and never get here.
            Route::SupportPackages | Route::OAuthCallback if !self.cfg.use_backend => {
                not_found(req)
            }
            Route::SupportPackages => match self.packages.get(now_ms) {
                Some(list) => json(200, list.to_owned()),
                None => error_json(
                    500,
                    "Internal server error, backend workers are not running",
                ),
            },
            Route::OAuthCallback => error_json(500, "Internal server error"),
            Route::CreatePreview | Route::Unknown => not_found(req),
        })
    }
}

/// The metrics in the format the scraper accepts.
fn metrics_response(m: &crate::metrics::Metrics, req: &Request) -> Response {
    let format = crate::metrics::Format::for_accept(req.header("accept"));
    Response::new(200)
        .header("Content-Type", format.content_type())
        .body(m.encode(format))
}

fn not_found(req: &Request) -> Response {
    error_page(404, &format!("Cannot {} {}", req.method.as_str(), req.path))
}

/// `HEAD` gets the headers of the `GET` answer, with its length, and no body.
fn strip_for_head(mut resp: Response, head: bool) -> Response {
    if head && resp.get_header("content-length").is_none() {
        let len = resp.body.len();
        resp = resp.header("Content-Length", len.to_string());
        resp.body = bytes::Bytes::new();
    }
    resp
}

#[cfg(test)]
mod tests;

/// The REST port's reactor application: every non-engine request goes to
/// [`Rest::handle`] with the time since start-up.
pub struct RestApp {
    rest: Rest,
    start: std::time::Instant,
    backend: Option<backend_routes::Link>,
}

impl RestApp {
    /// `rest` without the backend; the clock starts now.
    pub fn new(rest: Rest) -> Self {
        RestApp {
            rest,
            start: std::time::Instant::now(),
            backend: None,
        }
    }

    /// Serves `/metrics` from `metrics`.
    pub fn set_metrics(&mut self, metrics: Arc<crate::metrics::Metrics>) {
        self.rest.set_metrics(metrics);
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl crate::eio::Routes for RestApp {
    fn on_http(&mut self, req: &Request) -> Option<Response> {
        let now_ms = self.now_ms();
        Some(self.rest.handle(req, now_ms))
    }

    fn defer_http(&mut self, ticket: u64, req: &Request) -> bool {
        self.defer(ticket, req)
    }

    fn take_http_answers(&mut self) -> Vec<(u64, Response)> {
        self.answers()
    }
}

impl crate::sio::App for RestApp {
    fn on_app_event(&mut self, _srv: &mut crate::sio::Server, _ev: crate::sio::AppEvent) {}

    fn on_wake(&mut self, _srv: &mut crate::sio::Server) {
        self.collect();
    }
}
