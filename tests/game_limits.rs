//! The limits of `spectra_server::game::limits`: the largest state they
//! allow stays under the bound, and what is over a limit is refused whole.

use serde_json::{Value, json};
use spectra_server::game::limits::{
    MAX_ABILITY_BYTES, MAX_DATA_EVENT_BYTES, MAX_INITIAL_STATE_BYTES, MAX_LIST_ENTRIES,
    MAX_LOGON_BYTES, MAX_PLAYERS, MAX_ROUND_RECORD, MAX_STATE_BYTES, MAX_STRING_BYTES,
    MAX_TIMEOUT_DURATION_BYTES, MAX_TOAST_BYTES,
};
use spectra_server::game::{AuthPolicy, ConnId, Effect, GameError, Outcome, Registry};

const T0: u64 = 1_750_000_000_000;
const OBS: ConnId = ConnId::new(1);
/// The longest number text a state can hold (`JSON.stringify` of an f64).
const LONG_NUMBER: f64 = -1.234_567_890_123_456_7e-300;

fn registry() -> Registry {
    Registry::new(AuthPolicy::open(), Box::new(|| "SECRET123456".to_owned()))
}

/// A string whose JSON form (quotes excluded) is exactly `bytes` long,
/// made of escaped control characters where possible, `seed` keeping
/// strings apart.
fn escaped(bytes: usize, seed: usize) -> String {
    let tag = format!("{seed}.");
    let controls = (bytes - tag.len()) / 6;
    let plain = bytes - tag.len() - controls * 6;
    format!("{tag}{}{}", "\u{1}".repeat(controls), "x".repeat(plain))
}

fn json_len(s: &str) -> usize {
    serde_json::to_string(s).map_or(0, |q| q.len() - 2)
}

/// An observer logon whose `toolsData.filler` is `n` numbers that each
/// print as 21 digits (`9e20`), and whose timeout duration takes the most
/// bytes allowed.
fn logon(code: &str, n: usize) -> String {
    let duration = escaped(MAX_TIMEOUT_DURATION_BYTES - 2, 0);
    let team = |name: usize, attack: bool| {
        json!({"name": escaped(MAX_STRING_BYTES, name), "tricode": "~", "url": escaped(MAX_STRING_BYTES, name + 1),
            "attackStart": attack})
    };
    let text = json!({
        "type": "authenticate", "clientVersion": "0.3.10", "obsName": "Obs", "key": "",
        "groupCode": code, "groupSecret": "",
        "leftTeam": team(1, true), "rightTeam": team(3, false),
        "toolsData": {"timeoutDuration": duration, "timeoutCounter": {"max": 2, "left": 2, "right": 2},
            "playercamsInfo": {"removeTricodes": true}, "filler": "FILLER"}
    })
    .to_string();
    let filler = format!("[{}]", vec!["9e20"; n].join(","));
    text.replace("\"FILLER\"", &filler)
}

fn acks(out: &Outcome) -> Vec<Value> {
    out.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Ack { payload, .. } => serde_json::from_str(payload).ok(),
            _ => None,
        })
        .collect()
}

fn state_len(r: &Registry, code: &str) -> usize {
    let mut buf = Vec::new();
    assert!(r.write_state(code, &mut buf));
    serde_json::from_slice::<Value>(&buf).expect("the state is JSON");
    buf.len()
}

/// Sends one data event that must be applied in full.
fn send(r: &mut Registry, code: &str, envelope: Value) {
    let mut envelope = envelope;
    envelope["groupCode"] = json!(code);
    let text = envelope.to_string();
    assert!(text.len() <= MAX_DATA_EVENT_BYTES, "{} bytes", text.len());
    let out = r.obs_data(OBS, &text, T0);
    assert!(out.error.is_none(), "{:?} for {text:.200}", out.error);
}

fn obs(ty: &str, data: Value) -> Value {
    json!({"obsName": "Obs", "type": ty, "data": data})
}

/// The logon with the most filler that still creates a match.
fn largest_logon(r: &mut Registry, code: &str) {
    let mut probe = registry();
    assert_eq!(
        acks(&probe.obs_logon(OBS, &logon(code, 0), T0))[0]["value"],
        true
    );
    let base = state_len(&probe, code);
    let mut n = (MAX_INITIAL_STATE_BYTES - base) / 22 + 1;
    loop {
        let text = logon(code, n);
        assert!(text.len() <= MAX_LOGON_BYTES);
        let mut probe = registry();
        if acks(&probe.obs_logon(OBS, &text, T0))[0]["value"] == true {
            assert_eq!(acks(&r.obs_logon(OBS, &text, T0))[0]["value"], true);
            assert!(state_len(r, code) > MAX_INITIAL_STATE_BYTES - 22);
            return;
        }
        n -= 1;
    }
}

/// The worst case every limit allows: a group code of quotes, the largest
/// logon, a full round record, ten players with every string at its limit
/// (escaped control characters), every kill list full, the largest
/// abilities and toast, and the longest numbers. Round record entries
/// differ by at most one byte with their type (`detonated` against
/// `upcoming`), which the margin covers.
#[test]
fn worst_case_state_stays_under_the_bound() {
    let code = "\"".repeat(100);
    let mut r = registry();
    largest_logon(&mut r, &code);
    let s = |n: usize| escaped(MAX_STRING_BYTES, n);
    send(&mut r, &code, obs("match_start", json!(s(5))));
    send(&mut r, &code, obs("game_mode", json!(s(6))));
    // Rounds first: each shopping phase clears the round's kill list.
    for round in 2..=MAX_ROUND_RECORD + 1 {
        let data = json!({"roundNumber": round, "roundPhase": "shopping"});
        send(&mut r, &code, obs("round_info", data));
    }
    let player = |team: usize, i: usize| 1000 * (team + 1) + 10 * i;
    for team in 0..2 {
        for i in 0..MAX_PLAYERS {
            let p = player(team, i);
            let data = json!({"name": s(p), "tagline": s(p + 1), "startTeam": team,
                "agentInternal": s(p + 2), "playerId": s(p + 3), "position": LONG_NUMBER, "locked": true});
            send(&mut r, &code, obs("roster", data));
            let board = json!({"playerId": s(p + 3), "startTeam": team, "agentInternal": s(p + 2),
                "isAlive": true, "initialArmor": LONG_NUMBER, "scoreboardWeaponInternal": "",
                "currUltPoints": LONG_NUMBER, "maxUltPoints": LONG_NUMBER, "hasSpike": true,
                "money": LONG_NUMBER, "kills": LONG_NUMBER, "deaths": 1.234_567_890_123_456_7e300,
                "assists": LONG_NUMBER});
            send(&mut r, &code, obs("scoreboard", board));
            for k in 0..2 * MAX_LIST_ENTRIES {
                let data = json!({"attacker": s(p), "victim": s(100_000 + k),
                    "weaponKillfeedInternal": s(200_000 + k), "headshotKill": true, "assists": [],
                    "isTeamkill": k % 2 == 0});
                send(&mut r, &code, obs("killfeed", data));
            }
            let ability = |n| json!(escaped(MAX_ABILITY_BYTES - 2, n));
            let data =
                json!({"grenade": ability(1), "ability_1": ability(2), "ability_2": ability(3)});
            let mut aux = obs("aux_abilities", data);
            aux["playerId"] = json!(s(p + 3));
            send(&mut r, &code, aux);
        }
    }
    let toast_text = escaped(MAX_TOAST_BYTES - 40, 7);
    let toast = json!({"title": toast_text, "duration": null});
    assert!(serde_json::to_string(&toast).map_or(0, |t| t.len()) <= MAX_TOAST_BYTES);
    send(&mut r, &code, obs("toast", toast));
    send(&mut r, &code, obs("left_timeout", json!(true)));
    let data = json!({"roundNumber": LONG_NUMBER, "roundPhase": s(8)});
    send(&mut r, &code, obs("round_info", data));

    let mut buf = Vec::new();
    assert!(r.write_state(&code, &mut buf));
    let state: Value = serde_json::from_slice(&buf).expect("the state is JSON");
    let players = |t: usize| state["teams"][t]["players"].as_array().map_or(0, Vec::len);
    assert_eq!((players(0), players(1)), (MAX_PLAYERS, MAX_PLAYERS));
    let p = &state["teams"][1]["players"][4];
    for list in [
        "killsOnEnemyPlayer",
        "killsOnTeammatePlayer",
        "killsByWeaponsAndAbilities",
    ] {
        assert_eq!(p[list].as_object().map(|o| o.len()), Some(MAX_LIST_ENTRIES));
    }
    assert_eq!(
        p["killedPlayerNames"].as_array().map(Vec::len),
        Some(MAX_LIST_ENTRIES)
    );
    assert_eq!(
        state["teams"][0]["roundRecord"].as_array().map(Vec::len),
        Some(MAX_ROUND_RECORD)
    );
    assert_eq!(
        json_len(p["fullName"].as_str().unwrap_or("")),
        2 * MAX_STRING_BYTES + 1
    );
    assert_eq!(state["timeoutState"]["leftTeam"], true);
    eprintln!("worst-case state: {} bytes", buf.len());
    assert!(
        buf.len() <= MAX_STATE_BYTES,
        "{} bytes, over the bound of {MAX_STATE_BYTES}",
        buf.len()
    );
}

fn game(code: &str) -> Registry {
    let mut r = registry();
    let out = r.obs_logon(OBS, &logon(code, 0), T0);
    assert_eq!(acks(&out)[0]["value"], true);
    r
}

fn over_limit(out: &Outcome) -> String {
    match &out.error {
        Some(GameError::OverLimit(o)) => o.to_string(),
        other => panic!("expected an over-limit error, got {other:?}"),
    }
}

#[test]
fn a_400_kb_toast_is_refused_and_the_state_is_unchanged() {
    let mut r = game("G");
    let before = state_len(&r, "G");
    let toast = json!({"title": "x".repeat(400 * 1024), "duration": null});
    let text = json!({"obsName": "Obs", "groupCode": "G", "type": "toast", "data": toast});
    let out = r.obs_data(OBS, &text.to_string(), T0);
    assert_eq!(
        over_limit(&out),
        format!(
            "obs_data is {} bytes, the limit is {MAX_DATA_EVENT_BYTES} bytes",
            text.to_string().len()
        )
    );
    assert_eq!(state_len(&r, "G"), before);
    assert_eq!(r.event_number("G"), Some(1));
}

#[test]
fn a_toast_within_the_event_limit_but_over_its_own_is_refused() {
    let mut r = game("G");
    let toast = json!({"title": "x".repeat(MAX_TOAST_BYTES), "duration": null});
    let text = json!({"obsName": "Obs", "groupCode": "G", "type": "toast", "data": toast});
    let out = r.obs_data(OBS, &text.to_string(), T0);
    assert!(over_limit(&out).starts_with("toast data is "));
    assert_eq!(r.event_number("G"), Some(1));
}

#[test]
fn over_long_strings_reject_the_whole_event() {
    let mut r = game("G");
    let data = json!({"name": "x".repeat(MAX_STRING_BYTES + 1), "tagline": "T", "startTeam": 0,
        "agentInternal": "Clay_PC_C", "playerId": "p1", "position": 0, "locked": true});
    let text = json!({"obsName": "Obs", "groupCode": "G", "type": "roster", "data": data});
    let out = r.obs_data(OBS, &text.to_string(), T0);
    assert_eq!(
        over_limit(&out),
        format!(
            "roster field \"name\" is {} bytes, the limit is {MAX_STRING_BYTES} bytes",
            MAX_STRING_BYTES + 1
        )
    );
    // Escaping counts: ten control characters are sixty bytes.
    let data = json!({"grenade": "\u{1}".repeat(MAX_ABILITY_BYTES / 6 + 1), "ability_1": 1});
    let text = json!({"obsName": "Obs", "playerId": "p1", "groupCode": "G", "type": "aux_abilities", "data": data});
    let out = r.obs_data(OBS, &text.to_string(), T0);
    assert!(over_limit(&out).starts_with("aux_abilities grenade is "));
    assert_eq!(r.event_number("G"), Some(1));
}

#[test]
fn over_limit_logons_get_a_false_ack_naming_the_limit() {
    let mut r = registry();
    let huge = logon("G", MAX_LOGON_BYTES / 5);
    let out = r.obs_logon(OBS, &huge, T0);
    let ack = &acks(&out)[0];
    assert_eq!(ack["value"], false);
    assert_eq!(
        ack["reason"],
        format!(
            "Logon too large: the logon is {} bytes, the limit is {MAX_LOGON_BYTES} bytes.",
            huge.len()
        )
    );
    assert!(matches!(
        out.effects.last(),
        Some(Effect::Disconnect { .. })
    ));
    assert_eq!(r.match_count(), 0);

    // Small text, large state: `9e20` prints as 21 digits.
    let mut r = registry();
    let out = r.obs_logon(OBS, &logon("G", MAX_INITIAL_STATE_BYTES / 20), T0);
    let reason = acks(&out)[0]["reason"].as_str().unwrap_or("").to_owned();
    assert!(
        reason.starts_with("Logon too large: the new match's state is "),
        "{reason}"
    );
    assert_eq!(r.match_count(), 0);

    let mut r = registry();
    let aux = json!({"type": "aux_authenticate", "clientVersion": "0.3.10", "matchId": "m",
        "playerId": "x".repeat(MAX_LOGON_BYTES)});
    let out = r.aux_logon(ConnId::new(2), &aux.to_string(), T0);
    assert_eq!(acks(&out)[0]["value"], false);
}

#[test]
fn a_timeout_duration_over_its_limit_refuses_the_logon() {
    let mut r = registry();
    let text = logon("G", 0).replace(
        &serde_json::to_string(&escaped(MAX_TIMEOUT_DURATION_BYTES - 2, 0)).unwrap_or_default(),
        "\"a longer timeout duration than allowed\"",
    );
    let out = r.obs_logon(OBS, &text, T0);
    assert_eq!(
        acks(&out)[0]["reason"],
        format!(
            "Logon too large: toolsData.timeoutDuration is 40 bytes, the limit is {MAX_TIMEOUT_DURATION_BYTES} bytes."
        )
    );
}
