//! The support packages list (`GET /getSupportPackages`, only with
//! `USE_BACKEND=true`).
//!
//! Reference facts: `GET {TEBEX_BASE_URL}/packages/{TEBEX_STORE_ID}?extensionId={TEBEX_EXTENSION_ID}`
//! (no headers). Not 2xx → 502 `{"error":"Failed to fetch packages"}`. Otherwise the body
//! is a JSON array of package objects; each gets `checkoutUrl` =
//! `{base}/checkout/{store}/{package id}?extensionId={extension}` and the
//! array is answered with 200. A non-empty list is cached for 10 minutes.
//! Any other failure → 500 `{"error":"Internal server error, <what>"}`.

use serde_json::Value;

use super::error::BackendError;
use super::pool::{Ctx, Job};
use super::text::parse_json;
use super::transport::{Call, Reply, Verb};
use crate::config::BackendConfig;
use crate::json::js_json::js_string_of;

/// How long a fetched list is served from the cache.
pub const PACKAGE_CACHE_MS: u64 = 10 * 60 * 1000;

/// How a support-packages fetch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PackagesOutcome {
    /// The list, as JSON text, with the checkout URLs added.
    Fetched(String),
    /// The store answered with a status that is not 2xx.
    StoreStatus(u16),
    /// No usable answer.
    Failed(BackendError),
}

fn var(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| js_string_of(None))
}

pub(crate) fn packages_call(cfg: &BackendConfig) -> Result<Call, BackendError> {
    let base = cfg
        .tebex_base_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("TEBEX_BASE_URL"))?;
    let url = format!(
        "{base}/packages/{}?extensionId={}",
        var(&cfg.tebex_store_id),
        var(&cfg.tebex_extension_id)
    );
    Ok(Call::new("support packages", Verb::Get, url))
}

/// What a support-packages answer means: the list with checkout URLs
/// added, or why there is none.
pub fn read_packages_reply(cfg: &BackendConfig, reply: &Reply) -> PackagesOutcome {
    if !(200..300).contains(&reply.status) {
        return PackagesOutcome::StoreStatus(reply.status);
    }
    let mut list = match parse_json(&reply.body) {
        Ok(Value::Array(list)) => list,
        Ok(_) => {
            return PackagesOutcome::Failed(BackendError::UnexpectedShape(
                "package list is not an array",
            ));
        }
        Err(e) => return PackagesOutcome::Failed(e),
    };
    let base = cfg.tebex_base_url.as_deref().unwrap_or("undefined");
    let store = var(&cfg.tebex_store_id);
    let ext = var(&cfg.tebex_extension_id);
    for pkg in &mut list {
        let Value::Object(o) = pkg else {
            return PackagesOutcome::Failed(BackendError::UnexpectedShape(
                "a package is not an object",
            ));
        };
        let id = js_string_of(o.get("id"));
        o.insert(
            "checkoutUrl".to_owned(),
            Value::String(format!("{base}/checkout/{store}/{id}?extensionId={ext}")),
        );
    }
    PackagesOutcome::Fetched(Value::Array(list).to_string())
}

/// Fetches the package list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchPackages;

impl Job for FetchPackages {
    type Output = PackagesOutcome;
    const NAME: &'static str = "support packages";

    fn run(self, ctx: &Ctx) -> PackagesOutcome {
        let out = match packages_call(&ctx.cfg).and_then(|c| ctx.transport.send(&c)) {
            Ok(r) => read_packages_reply(&ctx.cfg, &r),
            Err(e) => PackagesOutcome::Failed(e),
        };
        match &out {
            PackagesOutcome::Fetched(_) => log::info!("fetched support packages"),
            PackagesOutcome::StoreStatus(s) => log::error!("failed to fetch packages: HTTP {s}"),
            PackagesOutcome::Failed(e) => log::error!("error fetching packages: {e}"),
        }
        out
    }

    fn refused(err: BackendError) -> PackagesOutcome {
        PackagesOutcome::Failed(err)
    }
}

/// The last non-empty list and when it expires (monotonic milliseconds).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PackageCache {
    entry: Option<(String, u64)>,
}

impl PackageCache {
    pub(crate) fn get(&self, now_ms: u64) -> Option<&str> {
        match &self.entry {
            Some((json, expires)) if now_ms < *expires => Some(json),
            _ => None,
        }
    }

    /// Keeps a fetched list unless it is empty (the reference caches only a
    /// list with something in it).
    pub fn store(&mut self, outcome: &PackagesOutcome, now_ms: u64) {
        if let PackagesOutcome::Fetched(json) = outcome
            && json != "[]"
        {
            self.entry = Some((json.clone(), now_ms.saturating_add(PACKAGE_CACHE_MS)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> BackendConfig {
        BackendConfig {
            tebex_base_url: Some("https://t.example".into()),
            tebex_store_id: Some("st".into()),
            tebex_extension_id: Some("ex".into()),
            ..Default::default()
        }
    }

    #[test]
    fn url_and_checkout_links() {
        assert_eq!(
            packages_call(&cfg()).unwrap().url,
            "https://t.example/packages/st?extensionId=ex"
        );
        let out = read_packages_reply(&cfg(), &Reply::text(200, r#"[{"id":5,"name":"Plus"}]"#));
        assert_eq!(
            out,
            PackagesOutcome::Fetched(
                r#"[{"id":5,"name":"Plus","checkoutUrl":"https://t.example/checkout/st/5?extensionId=ex"}]"#
                    .into()
            )
        );
    }

    #[test]
    fn failures() {
        assert_eq!(
            read_packages_reply(&cfg(), &Reply::text(404, "")),
            PackagesOutcome::StoreStatus(404)
        );
        assert!(matches!(
            read_packages_reply(&cfg(), &Reply::text(200, "{")),
            PackagesOutcome::Failed(_)
        ));
        assert!(matches!(
            read_packages_reply(&cfg(), &Reply::text(200, "{}")),
            PackagesOutcome::Failed(_)
        ));
        assert!(matches!(
            read_packages_reply(&cfg(), &Reply::text(200, "[1]")),
            PackagesOutcome::Failed(_)
        ));
    }

    #[test]
    fn cache_keeps_non_empty_lists_for_ten_minutes() {
        let mut c = PackageCache::default();
        c.store(&PackagesOutcome::Fetched("[]".into()), 0);
        assert_eq!(c.get(0), None);
        c.store(&PackagesOutcome::StoreStatus(500), 0);
        assert_eq!(c.get(0), None);
        c.store(&PackagesOutcome::Fetched("[{}]".into()), 1000);
        assert_eq!(c.get(1000 + PACKAGE_CACHE_MS - 1), Some("[{}]"));
        assert_eq!(c.get(1000 + PACKAGE_CACHE_MS), None);
    }
}
