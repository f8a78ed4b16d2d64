//! The configuration in force as variables and values, for
//! `spectra-server check-config`: defaults filled in and secrets masked, so
//! that what it prints shows what the server will do and can be pasted
//! into a ticket.

use super::{Config, LogFormat, Pinning, Role};

/// What a secret that is set is shown as.
pub const MASK: &str = "********";

/// Query parameters whose values are hidden: Redis' `pass`/`password` and
/// whatever else names a credential.
const SECRET_PARAMS: [&str; 5] = ["pass", "token", "secret", "key", "auth"];

fn secret(v: &Option<String>) -> String {
    v.as_ref().map_or_else(String::new, |_| MASK.to_owned())
}

fn url(v: &Option<String>) -> String {
    v.as_deref().map_or_else(String::new, mask_url)
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// `url` with the password of its user part (`user:PASSWORD@host`) and the
/// values of query parameters named like credentials replaced by [`MASK`].
pub fn mask_url(url: &str) -> String {
    let (head, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:{MASK}@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        None => tail.to_owned(),
        Some((path, query)) => {
            let (query, fragment) = match query.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (query, None),
            };
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _))
                        if SECRET_PARAMS
                            .iter()
                            .any(|s| k.to_ascii_lowercase().contains(s)) =>
                    {
                        format!("{k}={MASK}")
                    }
                    _ => p.to_owned(),
                })
                .collect();
            let fragment = fragment.map_or_else(String::new, |f| format!("#{f}"));
            format!("{path}?{}{fragment}", params.join("&"))
        }
    };
    format!("{head}{authority}{tail}")
}

impl Config {
    /// Every variable the server reads, in the README's order, with the
    /// value in force: the default when it is unset, `""` for an optional
    /// setting that is unset. Keys, tokens and secrets show as [`MASK`],
    /// and so do passwords inside URLs.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let b = &self.backend;
        let on = |v: bool| v.to_string();
        let (key, cert) = match &self.tls {
            Some(t) => (t.key.display().to_string(), t.cert.display().to_string()),
            None => (String::new(), String::new()),
        };
        vec![
            ("INSECURE", on(self.tls.is_none())),
            ("SERVER_KEY", key),
            ("SERVER_CERT", cert),
            ("REQUIRE_AUTH_KEY", on(self.auth.require_auth_key)),
            ("AUTH_KEY", secret(&self.auth.auth_key)),
            ("USE_BACKEND", on(b.use_backend)),
            ("BACKEND_URL", url(&b.backend_url)),
            ("BACKEND_TOKEN", secret(&b.backend_token)),
            ("SUPPORTER_CHECK_URL", url(&b.supporter_check_url)),
            ("PLAYERCAM_URL", url(&b.playercam_url)),
            ("STATS_BACKEND_URL", url(&b.stats_backend_url)),
            ("STATS_BACKEND_TOKEN", secret(&b.stats_backend_token)),
            ("TEBEX_BASE_URL", url(&b.tebex_base_url)),
            ("TEBEX_STORE_ID", text(&b.tebex_store_id)),
            ("TEBEX_EXTENSION_ID", text(&b.tebex_extension_id)),
            ("DISCORD_CLIENT_ID", text(&b.discord_client_id)),
            ("DISCORD_CLIENT_SECRET", secret(&b.discord_client_secret)),
            ("DISCORD_REDIRECT_URI", url(&b.discord_redirect_uri)),
            ("DISCORD_OAUTH_URL", url(&b.discord_oauth_url)),
            ("DISCORD_USER_URL", url(&b.discord_user_url)),
            ("SPECTRA_CLIENT_DEEPLINK", url(&b.spectra_client_deeplink)),
            ("SPECTRA_BIND", self.bind.to_string()),
            ("SPECTRA_INGEST_PORT", self.ingest_port.to_string()),
            ("SPECTRA_REST_PORT", self.rest_port.to_string()),
            ("SPECTRA_BROADCAST_PORT", self.broadcast_port.to_string()),
            ("SPECTRA_REPLAYS", on(self.replay.enabled)),
            ("SPECTRA_REPLAY_DIR", self.replay.dir.display().to_string()),
            ("SPECTRA_RECOVER", on(self.replay.recover)),
            (
                "SPECTRA_PIN_CORE",
                match self.pin_core {
                    Pinning::Auto => "auto".to_owned(),
                    Pinning::Off => "off".to_owned(),
                    Pinning::Core(n) => n.to_string(),
                },
            ),
            (
                "SPECTRA_BROADCAST_SHARDS",
                self.broadcast_shards.to_string(),
            ),
            (
                "SPECTRA_STANDALONE_LEVEL",
                self.levels.standalone.to_string(),
            ),
            ("SPECTRA_STREAM_LEVEL", self.levels.stream.to_string()),
            ("SPECTRA_REST_MAX_BODY", self.rest_max_body.to_string()),
            ("SPECTRA_SHUTDOWN_SECS", self.shutdown_secs.to_string()),
            ("SPECTRA_DRAIN_SECS", self.drain_secs.to_string()),
            ("SPECTRA_SUMMARY_SECS", self.summary_secs.to_string()),
            (
                "SPECTRA_LOG_FORMAT",
                match self.log_format {
                    LogFormat::Text => "text".to_owned(),
                    LogFormat::Json => "json".to_owned(),
                },
            ),
            (
                "SPECTRA_ROLE",
                match self.role {
                    Role::Origin => "origin".to_owned(),
                    Role::Edge => "edge".to_owned(),
                },
            ),
            ("SPECTRA_REDIS_URL", url(&self.redis_url)),
            ("SPECTRA_TEST_CLOCK", on(self.test_clock)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn shown(c: &Config) -> HashMap<&'static str, String> {
        c.settings().into_iter().collect()
    }

    #[test]
    fn what_is_shown_is_what_is_in_force() {
        // Read back, the settings give the same configuration: every
        // setting is shown, with its value.
        for given in [
            vars(&[]),
            vars(&[
                ("SERVER_KEY", "k.pem"),
                ("SERVER_CERT", "c.pem"),
                ("REQUIRE_AUTH_KEY", "false"),
                ("USE_BACKEND", "true"),
                ("BACKEND_URL", "http://b"),
                ("SUPPORTER_CHECK_URL", "http://s"),
                ("PLAYERCAM_URL", "http://p"),
                ("STATS_BACKEND_URL", "http://st"),
                ("TEBEX_BASE_URL", "http://t"),
                ("TEBEX_STORE_ID", "1"),
                ("TEBEX_EXTENSION_ID", "2"),
                ("DISCORD_CLIENT_ID", "id"),
                ("DISCORD_REDIRECT_URI", "http://r"),
                ("DISCORD_OAUTH_URL", "http://o"),
                ("DISCORD_USER_URL", "http://u"),
                ("SPECTRA_CLIENT_DEEPLINK", "spectra://x"),
                ("SPECTRA_BIND", "127.0.0.1"),
                ("SPECTRA_INGEST_PORT", "6100"),
                ("SPECTRA_REST_PORT", "6101"),
                ("SPECTRA_BROADCAST_PORT", "6200"),
                ("SPECTRA_REPLAYS", "false"),
                ("SPECTRA_REPLAY_DIR", "/var/lib/spectra"),
                ("SPECTRA_RECOVER", "false"),
                ("SPECTRA_PIN_CORE", "off"),
                ("SPECTRA_BROADCAST_SHARDS", "3"),
                ("SPECTRA_STANDALONE_LEVEL", "1"),
                ("SPECTRA_STREAM_LEVEL", "0"),
                ("SPECTRA_REST_MAX_BODY", "2048"),
                ("SPECTRA_SHUTDOWN_SECS", "9"),
                ("SPECTRA_DRAIN_SECS", "4"),
                ("SPECTRA_LOG_FORMAT", "json"),
                ("SPECTRA_ROLE", "edge"),
                ("SPECTRA_REDIS_URL", "redis://10.0.0.2:6380/2"),
                ("SPECTRA_TEST_CLOCK", "true"),
            ]),
        ] {
            let c = Config::from_vars(&given).unwrap();
            let back: HashMap<String, String> = c
                .settings()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            assert_eq!(Config::from_vars(&back).unwrap(), c, "{back:?}");
        }
    }

    #[test]
    fn secrets_are_masked() {
        let c = Config::from_vars(&vars(&[
            ("AUTH_KEY", "hunter2-auth"),
            ("BACKEND_TOKEN", "hunter2-backend"),
            ("STATS_BACKEND_TOKEN", "hunter2-stats"),
            ("DISCORD_CLIENT_SECRET", "hunter2-discord"),
            ("BACKEND_URL", "https://svc:hunter2-url@backend.example/api"),
            (
                "SPECTRA_REDIS_URL",
                "redis://user:hunter2-redis@10.0.0.2:6380/2",
            ),
        ]))
        .unwrap();
        let all = format!("{:?}", c.settings());
        assert!(!all.contains("hunter2"), "{all}");
        let s = shown(&c);
        for var in [
            "AUTH_KEY",
            "BACKEND_TOKEN",
            "STATS_BACKEND_TOKEN",
            "DISCORD_CLIENT_SECRET",
        ] {
            assert_eq!(s[var], MASK, "{var}");
        }
        assert_eq!(s["BACKEND_URL"], "https://svc:********@backend.example/api");
        assert_eq!(
            s["SPECTRA_REDIS_URL"],
            "redis://user:********@10.0.0.2:6380/2"
        );
        // Unset secrets are shown as unset.
        assert_eq!(
            shown(&Config::from_vars(&vars(&[])).unwrap())["AUTH_KEY"],
            ""
        );
    }

    #[test]
    fn urls_keep_everything_but_credentials() {
        for (given, masked) in [
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("redis://:pw@cache:6379", "redis://:********@cache:6379"),
            ("redis://only-user@cache", "redis://only-user@cache"),
            (
                "redis+unix:///run/redis.sock?db=2&pass=pw",
                "redis+unix:///run/redis.sock?db=2&pass=********",
            ),
            (
                "https://a/b?Token=t&x=1#frag",
                "https://a/b?Token=********&x=1#frag",
            ),
            ("spectra-client://auth", "spectra-client://auth"),
        ] {
            assert_eq!(mask_url(given), masked, "{given}");
        }
    }
}
