//! The service URLs checked as the HTTP client will read them, for
//! `spectra-server check-config`: a URL that does not parse fails every
//! call made with it, which at run time shows only as refused keys or
//! missing playercams.

use ureq::http::Uri;

use super::settings::mask_url;
use super::{BackendConfig, ConfigError};

/// What a URL must be.
#[derive(Clone, Copy)]
enum Kind {
    /// Called by the server, or a browser is sent there: `http` or `https`
    /// with a host.
    Web,
    /// A link into the client app: any scheme.
    App,
}

fn check(var: &'static str, value: &str, kind: Kind) -> Result<(), ConfigError> {
    let bad = |why: String| ConfigError::BadUrl {
        var,
        value: mask_url(value),
        why,
    };
    let uri: Uri = value.parse().map_err(|e| bad(format!("not a URL ({e})")))?;
    let scheme = uri.scheme_str();
    match kind {
        Kind::Web if !matches!(scheme, Some("http" | "https")) => {
            Err(bad("expected an http:// or https:// URL".to_owned()))
        }
        Kind::Web if uri.host().is_none_or(str::is_empty) => {
            Err(bad("the URL has no host".to_owned()))
        }
        Kind::App if scheme.is_none() => Err(bad(
            "expected an absolute URL such as spectra-client://auth".to_owned(),
        )),
        _ => Ok(()),
    }
}

impl BackendConfig {
    /// Every service URL that is set but would not work, each as an error
    /// naming its variable.
    pub fn url_problems(&self) -> Vec<ConfigError> {
        let urls = [
            ("BACKEND_URL", &self.backend_url, Kind::Web),
            ("SUPPORTER_CHECK_URL", &self.supporter_check_url, Kind::Web),
            ("PLAYERCAM_URL", &self.playercam_url, Kind::Web),
            ("STATS_BACKEND_URL", &self.stats_backend_url, Kind::Web),
            ("TEBEX_BASE_URL", &self.tebex_base_url, Kind::Web),
            (
                "DISCORD_REDIRECT_URI",
                &self.discord_redirect_uri,
                Kind::Web,
            ),
            ("DISCORD_OAUTH_URL", &self.discord_oauth_url, Kind::Web),
            ("DISCORD_USER_URL", &self.discord_user_url, Kind::Web),
            (
                "SPECTRA_CLIENT_DEEPLINK",
                &self.spectra_client_deeplink,
                Kind::App,
            ),
        ];
        urls.into_iter()
            .filter_map(|(var, value, kind)| check(var, value.as_deref()?, kind).err())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_urls_pass() {
        let b = BackendConfig {
            backend_url: Some("http://127.0.0.1:9000".into()),
            supporter_check_url: Some("https://s.example/check".into()),
            playercam_url: Some("https://user:pw@p.example".into()),
            discord_redirect_uri: Some("https://s/client/oauth-callback".into()),
            spectra_client_deeplink: Some("spectra-client://auth".into()),
            ..BackendConfig::default()
        };
        assert_eq!(b.url_problems(), vec![]);
    }

    #[test]
    fn bad_urls_are_named() {
        let b = BackendConfig {
            backend_url: Some("localhost:9000".into()),
            stats_backend_url: Some("http://exa mple".into()),
            playercam_url: Some("ftp://p.example".into()),
            discord_oauth_url: Some("https://user:hunter2@/token".into()),
            spectra_client_deeplink: Some("/auth".into()),
            ..BackendConfig::default()
        };
        let problems: Vec<String> = b.url_problems().iter().map(|e| e.to_string()).collect();
        let vars: Vec<&str> = problems
            .iter()
            .map(|p| p.split('=').next().unwrap_or(""))
            .collect();
        assert_eq!(
            vars,
            [
                "BACKEND_URL",
                "PLAYERCAM_URL",
                "STATS_BACKEND_URL",
                "DISCORD_OAUTH_URL",
                "SPECTRA_CLIENT_DEEPLINK"
            ],
            "{problems:#?}"
        );
        assert!(
            problems.iter().all(|p| !p.contains("hunter2")),
            "{problems:#?}"
        );
    }
}
