//! What the external services answer, through the readers and on to where
//! the server uses it: support packages into the cache and the REST answer,
//! Discord's user into the sign-in answer, playercam settings and tiers
//! into a live match, supporter status into a yes or no. Every answer the
//! server gives must be valid JSON when it says so, and the match state
//! must stay JSON and serialise deterministically.
//!
//! The input is `[service][status: 2 bytes][body]`.

use spectra_server::backend::discord::read_user_reply;
use spectra_server::backend::key::read_supporter_reply;
use spectra_server::backend::packages::read_packages_reply;
use spectra_server::backend::playercam::read_playercam_reply;
use spectra_server::backend::stats::read_mmr_reply;
use spectra_server::backend::transport::Reply;
use spectra_server::backend::{PackageCache, answers};
use spectra_server::config::BackendConfig;
use spectra_server::game::{AuthPolicy, ConnId, Parser, Registry};
use spectra_server::http::Response;
use spectra_server::json::js_value::JsValue;

use crate::game_model::{SECRET, T0, check_registry};

const LOGON: &str = r#"{"type":"authenticate","clientVersion":"0.3.10","obsName":"O","key":"","groupCode":"G","groupSecret":"","leftTeam":{"name":"L","tricode":"L","url":"","attackStart":true},"rightTeam":{"name":"R","tricode":"R","url":"","attackStart":false},"toolsData":{"playercamsInfo":{"enable":true,"identifier":"i","secret":"s"}}}"#;
const ROSTER: &str = r#"{"obsName":"O","groupCode":"G","type":"roster","data":{"name":"N","tagline":"T","startTeam":0,"agentInternal":"Clay_PC_C","playerId":"p1","position":0,"locked":true}}"#;

fn check_json(r: &Response) {
    let json = r
        .get_header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    if json && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&r.body) {
        panic!("a JSON answer that is not JSON ({e}): {:?}", r.body);
    }
}

fn js(v: &serde_json::Value) -> JsValue {
    Parser::default()
        .parse(v.to_string().as_bytes(), |v| v.to_js())
        .unwrap_or(JsValue::Undefined)
}

fn with_match(f: impl FnOnce(&mut Registry)) {
    let mut r = Registry::new(AuthPolicy::open(), Box::new(|| SECRET.to_owned()));
    r.obs_logon(ConnId::new(1), LOGON, T0);
    r.obs_data(ConnId::new(1), ROSTER, T0);
    f(&mut r);
    check_registry(&r);
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&[service, hi, lo], body)) = data.split_first_chunk::<3>() else {
        return;
    };
    let reply = Reply::new(u16::from_be_bytes([hi, lo]), body.to_vec());
    let cfg = BackendConfig {
        spectra_client_deeplink: Some("spectra://signin".to_owned()),
        tebex_base_url: Some("https://store".to_owned()),
        ..BackendConfig::default()
    };
    match service % 5 {
        0 => {
            let outcome = read_packages_reply(&cfg, &reply);
            check_json(&answers::packages(&outcome));
            let mut cache = PackageCache::default();
            cache.store(&outcome, T0);
        }
        1 => check_json(&answers::oauth_callback(&read_user_reply(&cfg, &reply))),
        2 => {
            if let Ok(cams) = read_playercam_reply(&reply) {
                let (enabled, overrides) = (js(&cams.enabled_players), js(&cams.name_overrides));
                with_match(|r| {
                    r.update("G", |m| m.apply_playercams(enabled, overrides));
                });
            }
        }
        3 => {
            if let Ok(tiers) = read_mmr_reply(&reply) {
                with_match(|r| {
                    r.update("G", |m| {
                        m.apply_player_mmr(
                            tiers
                                .iter()
                                .map(|t| (t.puuid.as_str(), t.current_tier, t.peak_tier)),
                        )
                    });
                });
            }
        }
        _ => {
            let _ = read_supporter_reply(&Ok(reply));
        }
    }
}
