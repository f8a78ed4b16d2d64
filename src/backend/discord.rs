//! Discord sign-in for the client (`GET /client/oauth-callback?code=…`,
//! only with `USE_BACKEND=true`).
//!
//! Reference facts: `POST {DISCORD_OAUTH_URL}` with
//! `Content-Type: application/x-www-form-urlencoded` and the form
//! `client_id, client_secret, grant_type=authorization_code, code, redirect_uri`
//! (unset values empty, a missing code the text `undefined`); the JSON
//! answer's `token_type` and `access_token` make the header
//! `Authorization: {token_type} {access_token}` of `GET {DISCORD_USER_URL}`.
//! A user answer other than 200 is answered with that status and
//! `{"error":"Failed to fetch user data"}`; on 200 the page sends the browser
//! (after 2 s, or by a button) to
//! `{SPECTRA_CLIENT_DEEPLINK}?userId={id}&username={username}&avatar={avatar}`
//! and greets `global_name` (else `username`). Anything else failing → 500
//! `{"error":"Internal server error"}` (the reference leaves the request
//! hanging when the user answer is not JSON; here it is that 500 too).
//! The deep link's values are percent-encoded; Discord's ids, usernames and
//! avatar hashes never need it, so the link is the reference's.

use serde_json::Value;

use super::error::BackendError;
use super::pool::{Ctx, Job};
use super::text::{form, parse_json, uri_component};
use super::transport::{Call, Reply, Verb};
use crate::config::BackendConfig;
use crate::json::js_json::{js_string_of, truthy};

/// How a Discord sign-in ended.
#[derive(Debug, Clone, PartialEq)]
pub enum DiscordOutcome {
    /// The user was fetched.
    SignedIn {
        /// The client link to send the user to, carrying their id, user
        /// name and avatar.
        deeplink: String,
        /// The name to greet the user with.
        display_name: String,
    },
    /// The user request was answered with this status (not 200).
    UserFetchFailed(u16),
    /// A setting is missing, or a call or its answer failed.
    Failed(BackendError),
}

fn need<'a>(v: &'a Option<String>, var: &'static str) -> Result<&'a str, BackendError> {
    v.as_deref().ok_or(BackendError::NotConfigured(var))
}

pub(crate) fn token_call(cfg: &BackendConfig, code: Option<&str>) -> Result<Call, BackendError> {
    let url = need(&cfg.discord_oauth_url, "DISCORD_OAUTH_URL")?;
    let body = form(&[
        ("client_id", cfg.discord_client_id.as_deref().unwrap_or("")),
        (
            "client_secret",
            cfg.discord_client_secret.as_deref().unwrap_or(""),
        ),
        ("grant_type", "authorization_code"),
        ("code", code.unwrap_or("undefined")),
        (
            "redirect_uri",
            cfg.discord_redirect_uri.as_deref().unwrap_or(""),
        ),
    ]);
    Ok(Call::new("discord token", Verb::Post, url.to_owned())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body))
}

/// The user request built from the token answer (whatever its status).
pub fn user_call(cfg: &BackendConfig, token_reply: &Reply) -> Result<Call, BackendError> {
    let url = need(&cfg.discord_user_url, "DISCORD_USER_URL")?;
    let token = parse_json(&token_reply.body)?;
    if token.is_null() {
        return Err(BackendError::UnexpectedShape("token answer is null"));
    }
    let auth = format!(
        "{} {}",
        js_string_of(token.get("token_type")),
        js_string_of(token.get("access_token"))
    );
    Ok(Call::new("discord user", Verb::Get, url.to_owned()).header("Authorization", auth))
}

/// What the Discord user answer means: the deeplink back into the
/// Spectra Client, or why there is none.
pub fn read_user_reply(cfg: &BackendConfig, reply: &Reply) -> DiscordOutcome {
    if reply.status != 200 {
        return DiscordOutcome::UserFetchFailed(reply.status);
    }
    let base = match need(&cfg.spectra_client_deeplink, "SPECTRA_CLIENT_DEEPLINK") {
        Ok(b) => b,
        Err(e) => return DiscordOutcome::Failed(e),
    };
    let user = match parse_json(&reply.body) {
        Ok(v) if !v.is_null() => v,
        Ok(_) => return DiscordOutcome::Failed(BackendError::UnexpectedShape("user is null")),
        Err(e) => return DiscordOutcome::Failed(e),
    };
    let field = |k: &str| js_string_of(user.get(k));
    let deeplink = format!(
        "{base}?userId={}&username={}&avatar={}",
        uri_component(&field("id")),
        uri_component(&field("username")),
        uri_component(&field("avatar"))
    );
    let global: Option<&Value> = user.get("global_name");
    let display_name = if truthy(global) {
        js_string_of(global)
    } else {
        field("username")
    };
    DiscordOutcome::SignedIn {
        deeplink,
        display_name,
    }
}

/// Exchanges an OAuth code for the Discord user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordSignIn {
    /// The `code` query parameter of the OAuth callback, if any.
    pub code: Option<String>,
}

impl Job for DiscordSignIn {
    type Output = DiscordOutcome;
    const NAME: &'static str = "discord sign-in";

    fn run(self, ctx: &Ctx) -> DiscordOutcome {
        let cfg = &ctx.cfg;
        if let Err(e) = need(&cfg.spectra_client_deeplink, "SPECTRA_CLIENT_DEEPLINK")
            .and(need(&cfg.discord_user_url, "DISCORD_USER_URL"))
        {
            log::error!("discord OAuth: {e}");
            return DiscordOutcome::Failed(e);
        }
        let user = token_call(cfg, self.code.as_deref())
            .and_then(|c| ctx.transport.send(&c))
            .and_then(|token| user_call(cfg, &token))
            .and_then(|c| ctx.transport.send(&c));
        let out = match user {
            Ok(r) => read_user_reply(cfg, &r),
            Err(e) => DiscordOutcome::Failed(e),
        };
        match &out {
            DiscordOutcome::SignedIn { .. } => log::info!("discord sign-in succeeded"),
            DiscordOutcome::UserFetchFailed(s) => {
                log::error!("discord OAuth: failed to fetch user data: HTTP {s}")
            }
            DiscordOutcome::Failed(e) => log::error!("discord OAuth: {e}"),
        }
        out
    }

    fn refused(err: BackendError) -> DiscordOutcome {
        DiscordOutcome::Failed(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> BackendConfig {
        BackendConfig {
            discord_client_id: Some("cid".into()),
            discord_client_secret: Some("sec ret".into()),
            discord_redirect_uri: Some("https://s/client/oauth-callback".into()),
            discord_oauth_url: Some("http://d/token".into()),
            discord_user_url: Some("http://d/me".into()),
            spectra_client_deeplink: Some("spectra-client://auth".into()),
            ..Default::default()
        }
    }

    #[test]
    fn token_request_is_the_reference_form() {
        let c = token_call(&cfg(), Some("abc")).unwrap();
        assert_eq!((c.verb, c.url.as_str()), (Verb::Post, "http://d/token"));
        assert_eq!(
            c.body.as_deref(),
            Some(
                "client_id=cid&client_secret=sec+ret&grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fs%2Fclient%2Foauth-callback"
            )
        );
        let missing = token_call(&cfg(), None).unwrap();
        assert!(missing.body.unwrap().contains("&code=undefined&"));
    }

    #[test]
    fn user_request_uses_the_token() {
        let c = user_call(
            &cfg(),
            &Reply::text(200, r#"{"token_type":"Bearer","access_token":"xyz"}"#),
        )
        .unwrap();
        assert_eq!(c.headers, vec![("Authorization", "Bearer xyz".to_owned())]);
        let c = user_call(&cfg(), &Reply::text(400, r#"{"error":"invalid_grant"}"#)).unwrap();
        assert_eq!(
            c.headers,
            vec![("Authorization", "undefined undefined".to_owned())]
        );
        assert!(user_call(&cfg(), &Reply::text(200, "<html>")).is_err());
    }

    #[test]
    fn user_answer_makes_the_deeplink() {
        let out = read_user_reply(
            &cfg(),
            &Reply::text(
                200,
                r#"{"id":"42","username":"neo","avatar":null,"global_name":"Neo"}"#,
            ),
        );
        assert_eq!(
            out,
            DiscordOutcome::SignedIn {
                deeplink: "spectra-client://auth?userId=42&username=neo&avatar=null".into(),
                display_name: "Neo".into()
            }
        );
        let plain = read_user_reply(
            &cfg(),
            &Reply::text(200, r#"{"id":"1","username":"u","avatar":"h"}"#),
        );
        assert!(
            matches!(plain, DiscordOutcome::SignedIn { display_name, .. } if display_name == "u")
        );
        assert_eq!(
            read_user_reply(&cfg(), &Reply::text(401, "{}")),
            DiscordOutcome::UserFetchFailed(401)
        );
        assert!(matches!(
            read_user_reply(&cfg(), &Reply::text(200, "x")),
            DiscordOutcome::Failed(_)
        ));
    }
}
