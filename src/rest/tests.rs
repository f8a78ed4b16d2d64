use super::*;
use crate::http::{Limits, parse_request};
use bytes::BytesMut;

fn rest(require_key: bool) -> (Rest, Arc<Published>) {
    let (rest, published, _) = rest_ready(require_key);
    (rest, published)
}

fn rest_ready(require_key: bool) -> (Rest, Arc<Published>, Arc<Readiness>) {
    let published = Published::new();
    let ready = Arc::new(Readiness::default());
    let cfg = RestConfig {
        auth: AuthConfig {
            require_auth_key: require_key,
            auth_key: Some("SECRET".into()),
        },
        use_backend: false,
        max_body: 100 * 1024,
    };
    (
        Rest::with_rng(cfg, published.clone(), ready.clone(), Rng::seeded(3)),
        published,
        ready,
    )
}

fn req(raw: &str) -> Request {
    let limits = Limits {
        max_head: 16 * 1024,
        max_headers: 64,
        max_body: 1024 * 1024,
    };
    parse_request(&mut BytesMut::from(raw.as_bytes()), &limits)
        .unwrap()
        .unwrap()
}

fn put_json(path: &str, body: &str) -> Request {
    req(&format!(
        "PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn body(r: &Response) -> String {
    String::from_utf8(r.body.to_vec()).unwrap()
}

#[test]
fn status_reports_running_matches_with_cors() {
    let (mut rest, published) = rest(true);
    let r = rest.handle(&req("GET /status HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), r#"{"status":"UP","matchesRunning":0}"#);
    assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.get_header("content-type"),
        Some("application/json; charset=utf-8")
    );
    published.set_matches_running(2);
    let r = rest.handle(&req("GET /STATUS/ HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(body(&r), r#"{"status":"UP","matchesRunning":2}"#);
}

#[test]
fn head_answers_like_get_without_a_body() {
    let (mut rest, _) = rest(true);
    let r = rest.handle(&req("HEAD /status HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(r.get_header("content-length"), Some("34"));
}

#[test]
fn unknown_routes_and_methods_get_the_express_404_page() {
    let (mut rest, _) = rest(true);
    let r = rest.handle(&req("GET /nope<x> HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(r.status, 404);
    assert_eq!(
        body(&r),
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /nope&lt;x&gt;</pre>\n</body>\n</html>\n"
    );
    assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.get_header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let r = rest.handle(
        &req("POST /status HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        0,
    );
    assert_eq!(r.status, 404);
    assert!(body(&r).contains("<pre>Cannot POST /status</pre>"));
    let r = rest.handle(&req("GET /createPreview HTTP/1.1\r\n\r\n"), 0);
    assert!(body(&r).contains("Cannot GET /createPreview"));
    // Backend-only routes do not exist without the backend.
    for p in ["/getSupportPackages", "/client/oauth-callback?code=x"] {
        let r = rest.handle(&req(&format!("GET {p} HTTP/1.1\r\n\r\n")), 0);
        assert_eq!(r.status, 404, "{p}");
    }
    let r = rest.handle(&req("GET /preview/ HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(r.status, 404);
}

#[test]
fn options_is_a_cors_preflight() {
    let (mut rest, _) = rest(true);
    let r = rest.handle(
        &req("OPTIONS /createPreview HTTP/1.1\r\nAccess-Control-Request-Headers: content-type\r\n\r\n"),
        0,
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.get_header("access-control-allow-methods"),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        r.get_header("access-control-allow-headers"),
        Some("content-type")
    );
}

#[test]
fn org_for_key_needs_a_key_and_the_backend() {
    let (mut rest, _) = rest(true);
    for q in ["", "?key=", "?key=a&key=b", "?key[x]=a", "?other=1"] {
        let r = rest.handle(&req(&format!("GET /getOrgForKey{q} HTTP/1.1\r\n\r\n")), 0);
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(body(&r), r#"{"error":"Key is required"}"#);
        assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    }
    let r = rest.handle(&req("GET /getOrgForKey?key=SECRET HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(r.status, 401);
    assert_eq!(body(&r), "401 Unauthorized");
    assert_eq!(
        r.get_header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[test]
fn team_info_is_what_the_match_thread_published() {
    let (mut rest, published) = rest(true);
    let r = rest.handle(&req("GET /getTeamInfoForCode HTTP/1.1\r\n\r\n"), 0);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (400, r#"{"error":"Group code is required"}"#)
    );
    let r = rest.handle(
        &req("GET /getTeamInfoForCode?groupCode=AB%20C HTTP/1.1\r\n\r\n"),
        0,
    );
    assert_eq!(
        (r.status, body(&r).as_str()),
        (404, r#"{"error":"Group code not found"}"#)
    );
    published.set_team_info("AB C", Arc::from(r#"{"leftTeam":{},"higherScore":1}"#));
    let r = rest.handle(
        &req("GET /getTeamInfoForCode?groupCode=AB%20C HTTP/1.1\r\n\r\n"),
        0,
    );
    assert_eq!(
        (r.status, body(&r).as_str()),
        (200, r#"{"leftTeam":{},"higherScore":1}"#)
    );
    assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
}

const PREVIEW: &str = r#"{"type":"preview","clientVersion":"0.3.20","key":"SECRET","previewCode":"PRV123","leftTeam":{"name":"L","tricode":"L","url":"u","attackStart":true},"rightTeam":{"name":"R","tricode":"R","url":"v","attackStart":false},"toolsData":{}}"#;

#[test]
fn previews_are_created_with_put_and_fetched_with_get() {
    let (mut rest, _) = rest(true);
    let r = rest.handle(&put_json("/createPreview", PREVIEW), 0);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (200, r#"{"previewCode":"PRV123"}"#)
    );
    assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    let r = rest.handle(&req("GET /preview/PRV123 HTTP/1.1\r\n\r\n"), 1000);
    assert_eq!(r.status, 200);
    assert!(body(&r).starts_with(r#"{"groupCode":"PREVIEW","isRunning":true,"map":"Sunset""#));
    let r = rest.handle(&req("GET /preview/PRV12 HTTP/1.1\r\n\r\n"), 1000);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (400, r#"{"error":"Invalid preview code format"}"#)
    );
    let r = rest.handle(&req("GET /preview/ZZZ999 HTTP/1.1\r\n\r\n"), 1000);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (404, r#"{"error":"Preview not found"}"#)
    );
    let r = rest.handle(&req("GET /preview/PRV123 HTTP/1.1\r\n\r\n"), PREVIEW_TTL_MS);
    assert_eq!(r.status, 404, "expired after ten minutes");
}

#[test]
fn preview_keys_follow_require_auth_key() {
    let (mut strict, _) = rest(true);
    let wrong = PREVIEW.replace("SECRET", "nope");
    let r = strict.handle(&put_json("/createPreview", &wrong), 0);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (403, r#"{"error":"Invalid or expired key"}"#)
    );
    let (mut open, _) = rest(false);
    let r = open.handle(&put_json("/createPreview", &wrong), 0);
    assert_eq!(r.status, 200);
}

#[test]
fn bad_preview_bodies_get_the_body_parser_answers() {
    let (mut rest, _) = rest(true);
    let r = rest.handle(&put_json("/createPreview", "{nope"), 0);
    assert_eq!(r.status, 400);
    assert!(body(&r).contains("<pre>Bad Request</pre>"));
    assert_eq!(r.get_header("access-control-allow-origin"), None);
    let r = rest.handle(&put_json("/createPreview", "\"a string\""), 0);
    assert_eq!(r.status, 400, "strict JSON: objects and arrays only");
    let big = format!("{{\"key\":\"{}\"}}", "x".repeat(100 * 1024));
    let r = rest.handle(&put_json("/createPreview", &big), 0);
    assert_eq!(r.status, 413);
    let r = rest.handle(&put_json("/createPreview", ""), 0);
    assert_eq!(
        (r.status, body(&r).as_str()),
        (400, r#"{"error":"Missing or invalid key in preview data"}"#)
    );
    // Not JSON-typed: the reference's handler sees `undefined`.
    let r = rest.handle(
        &req("PUT /createPreview HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"),
        0,
    );
    assert_eq!(
        (r.status, body(&r).as_str()),
        (
            400,
            r#"{"error":"Invalid preview data","details":"Cannot read properties of undefined (reading 'key')"}"#
        )
    );
}

#[test]
fn route_matching_is_express_like() {
    assert_eq!(route("/status"), Route::Status);
    assert_eq!(route("/Status/"), Route::Status);
    assert_eq!(route("/status//"), Route::Unknown);
    assert_eq!(route("/ReadyZ/"), Route::Ready);
    assert_eq!(route("/preview/ABC"), Route::Preview("ABC"));
    assert_eq!(route("/PREVIEW/abc/"), Route::Preview("abc"));
    assert_eq!(route("/preview/a/b"), Route::Unknown);
    assert_eq!(route("/prev"), Route::Unknown);
    assert_eq!(decode_param("A%20B"), Some("A B".into()));
    assert_eq!(decode_param("A%2"), None);
    assert_eq!(decode_param("%ff"), None);
}

#[test]
fn readyz_says_ready_until_the_stop_and_status_stays_up() {
    let (mut rest, _, ready) = rest_ready(false);
    let get = |rest: &mut Rest, path: &str| {
        rest.handle(&req(&format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")), 0)
    };
    let r = get(&mut rest, "/readyz");
    assert_eq!(
        (r.status, body(&r).as_str()),
        (200, r#"{"status":"READY"}"#)
    );
    ready.stopping();
    let r = get(&mut rest, "/readyz");
    assert_eq!(
        (r.status, body(&r).as_str()),
        (503, r#"{"status":"STOPPING"}"#)
    );
    let r = get(&mut rest, "/status");
    assert_eq!(
        (r.status, body(&r).as_str()),
        (200, r#"{"status":"UP","matchesRunning":0}"#)
    );
}
