//! The REST answers the backend routes give once their outcome is known.
//! CORS headers are added by the REST layer (`http::cors::apply`), as for
//! every other route.

use super::discord::DiscordOutcome;
use super::key::KeyCheck;
use super::packages::PackagesOutcome;
use crate::http::Response;
use crate::json::html_escape::html_escape;

fn json(status: u16, body: impl Into<bytes::Bytes>) -> Response {
    Response::json(status, body).header("X-Powered-By", "Express")
}

fn error_json(status: u16, msg: &str) -> Response {
    json(status, serde_json::json!({ "error": msg }).to_string())
}

fn html(status: u16, body: String) -> Response {
    Response::new(status)
        .header("X-Powered-By", "Express")
        .header("Content-Type", "text/html; charset=utf-8")
        .body(body)
}

/// `/getOrgForKey` once the backend answered: the organisation, or the
/// reference's plain `401 Unauthorized` for every other outcome.
pub fn org_for_key(check: &KeyCheck) -> Response {
    match check.organization() {
        Some(org) => json(200, org.to_json()),
        None => html(401, "401 Unauthorized".to_owned()),
    }
}

/// `/getSupportPackages`.
pub fn packages(outcome: &PackagesOutcome) -> Response {
    match outcome {
        PackagesOutcome::Fetched(list) => json(200, list.clone()),
        PackagesOutcome::StoreStatus(_) => error_json(502, "Failed to fetch packages"),
        PackagesOutcome::Failed(e) => error_json(500, &format!("Internal server error, {e}")),
    }
}

/// `/client/oauth-callback`.
pub fn oauth_callback(outcome: &DiscordOutcome) -> Response {
    match outcome {
        DiscordOutcome::SignedIn {
            deeplink,
            display_name,
        } => html(200, success_page(deeplink, display_name)),
        DiscordOutcome::UserFetchFailed(status) => {
            let status = if (200..=599).contains(status) {
                *status
            } else {
                502
            };
            error_json(status, "Failed to fetch user data")
        }
        DiscordOutcome::Failed(_) => error_json(500, "Internal server error"),
    }
}

/// A page that opens the client through its deep link after two seconds,
/// with a button for browsers that block the redirect.
fn success_page(deeplink: &str, name: &str) -> String {
    let link = html_escape(deeplink);
    let name = html_escape(name);
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Discord OAuth Success</title>\n\
         <meta http-equiv=\"refresh\" content=\"2;url={link}\">\n\
         <style>body{{font-family:sans-serif;text-align:center;margin-top:20vh}}\
         a{{display:inline-block;padding:.5rem 1.5rem;background:#5865F2;color:#fff;\
         border-radius:6px;text-decoration:none}}</style>\n</head>\n<body>\n\
         <h1>Discord Login Successful</h1>\n<h2>Welcome, {name}!</h2>\n\
         <p>Close this window after the Spectra Client has opened and confirmed the sign-in.</p>\n\
         <a href=\"{link}\">Open Spectra Client</a>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;
    use crate::backend::key::Organization;

    fn body(r: &Response) -> &str {
        std::str::from_utf8(&r.body).unwrap()
    }

    #[test]
    fn org_for_key_answers() {
        let ok = org_for_key(&KeyCheck::Valid(Organization {
            id: Some("o".into()),
            name: Some("N".into()),
            is_supporter: false,
        }));
        assert_eq!(ok.status, 200);
        assert_eq!(body(&ok), r#"{"id":"o","name":"N","isSupporter":false}"#);
        for c in [
            KeyCheck::Invalid,
            KeyCheck::Expired,
            KeyCheck::Failed(BackendError::Status(500)),
        ] {
            let r = org_for_key(&c);
            assert_eq!((r.status, body(&r)), (401, "401 Unauthorized"));
        }
    }

    #[test]
    fn package_answers() {
        assert_eq!(packages(&PackagesOutcome::Fetched("[]".into())).status, 200);
        let r = packages(&PackagesOutcome::StoreStatus(404));
        assert_eq!(
            (r.status, body(&r)),
            (502, r#"{"error":"Failed to fetch packages"}"#)
        );
        let r = packages(&PackagesOutcome::Failed(BackendError::Status(1)));
        assert_eq!(r.status, 500);
        assert!(body(&r).starts_with(r#"{"error":"Internal server error, "#));
    }

    #[test]
    fn oauth_answers() {
        let ok = oauth_callback(&DiscordOutcome::SignedIn {
            deeplink: "spectra://a?userId=1&username=u".into(),
            display_name: "<b>".into(),
        });
        assert_eq!(ok.status, 200);
        assert!(body(&ok).contains("href=\"spectra://a?userId=1&amp;username=u\""));
        assert!(body(&ok).contains("Welcome, &lt;b&gt;!"));
        let r = oauth_callback(&DiscordOutcome::UserFetchFailed(401));
        assert_eq!(
            (r.status, body(&r)),
            (401, r#"{"error":"Failed to fetch user data"}"#)
        );
        let r = oauth_callback(&DiscordOutcome::Failed(BackendError::QueueFull));
        assert_eq!(
            (r.status, body(&r)),
            (500, r#"{"error":"Internal server error"}"#)
        );
    }
}
