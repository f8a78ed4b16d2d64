//! End to end: every REST route of port 5101, called with Node's `fetch`
//! as the client UI and tools call them.

mod e2e_support;

use std::time::Duration;

use e2e_support::*;
use serde_json::{Value, json};

#[test]
fn every_rest_route_answers_as_the_reference() {
    let server = Server::start(&[("REQUIRE_AUTH_KEY", "true"), ("AUTH_KEY", "KEY1")]);
    let preview = json!({
        "type": "preview", "clientVersion": "0.3.20", "key": "KEY1", "previewCode": "ABC123",
        "leftTeam": {"name": "Left", "tricode": "LFT", "url": "https://l", "attackStart": true},
        "rightTeam": {"name": "Right", "tricode": "RGT", "url": "https://r", "attackStart": false},
        "toolsData": {"timeoutCounter": {"max": 3, "left": 1, "right": 0}}
    });
    let json_put = |body: String| {
        json!({"method": "PUT", "path": "/createPreview",
               "headers": {"Content-Type": "application/json"}, "body": body})
    };
    let get = |path: &str| json!({"method": "GET", "path": path});
    let requests = json!([
        get("/status"),
        {"method": "OPTIONS", "path": "/createPreview",
         "headers": {"Origin": "https://overlay.example", "Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "content-type"}},
        json_put(preview.to_string()),
        get("/preview/ABC123"),
        get("/preview/ABC"),
        get("/preview/ZZZ999"),
        json_put(preview.to_string().replace("KEY1", "nope")),
        json_put(json!({"previewCode": "ABC123"}).to_string()),
        json_put(format!("{{\"key\":\"{}\"}}", "x".repeat(120 * 1024))),
        get("/getOrgForKey"),
        get("/getOrgForKey?key=KEY1"),
        get("/getTeamInfoForCode"),
        get("/getTeamInfoForCode?groupCode=NOPE"),
        get("/nope"),
        get("/getSupportPackages"),
        {"method": "POST", "path": "/status"},
    ]);
    let out = parse_json(&node(
        "e2e_rest.js",
        &[&server.rest_url(), &requests.to_string()],
        Duration::from_secs(30),
    ));
    let r = out.as_array().expect("responses");
    let status = |i: usize| r[i]["status"].as_u64().unwrap_or(0);
    let body = |i: usize| r[i]["body"].as_str().unwrap_or("").to_owned();
    let header = |i: usize, h: &str| r[i]["headers"][h].as_str().map(str::to_owned);

    assert_eq!(
        (status(0), body(0).as_str()),
        (200, r#"{"status":"UP","matchesRunning":0}"#)
    );
    assert_eq!(
        header(0, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        header(0, "content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );

    assert_eq!(status(1), 204);
    assert_eq!(
        header(1, "access-control-allow-methods").as_deref(),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        header(1, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );

    assert_eq!(
        (status(2), body(2).as_str()),
        (200, r#"{"previewCode":"ABC123"}"#)
    );
    assert_eq!(status(3), 200);
    let p: Value = serde_json::from_str(&body(3)).expect("preview JSON");
    assert_eq!(p["groupCode"], "PREVIEW");
    assert_eq!(p["teams"][0]["teamName"], "Left");
    assert_eq!(p["teams"][1]["teamTricode"], "RGT");
    assert_eq!(
        p["tools"]["timeoutCounter"],
        json!({"max": 3, "left": 3, "right": 3})
    );
    assert_eq!(
        header(3, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        (status(4), body(4).as_str()),
        (400, r#"{"error":"Invalid preview code format"}"#)
    );
    assert_eq!(
        (status(5), body(5).as_str()),
        (404, r#"{"error":"Preview not found"}"#)
    );
    assert_eq!(
        (status(6), body(6).as_str()),
        (403, r#"{"error":"Invalid or expired key"}"#)
    );
    assert_eq!(
        (status(7), body(7).as_str()),
        (400, r#"{"error":"Missing or invalid key in preview data"}"#)
    );
    assert_eq!(status(8), 413, "body over the limit");

    assert_eq!(
        (status(9), body(9).as_str()),
        (400, r#"{"error":"Key is required"}"#)
    );
    assert_eq!((status(10), body(10).as_str()), (401, "401 Unauthorized"));
    assert_eq!(
        (status(11), body(11).as_str()),
        (400, r#"{"error":"Group code is required"}"#)
    );
    assert_eq!(
        (status(12), body(12).as_str()),
        (404, r#"{"error":"Group code not found"}"#)
    );
    assert_eq!(status(13), 404);
    assert!(body(13).contains("<pre>Cannot GET /nope</pre>"));
    assert_eq!(
        header(13, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(status(14), 404, "backend-only route without the backend");
    assert_eq!(status(15), 404);
    assert!(body(15).contains("Cannot POST /status"));
}
