//! Rules of the game model that the recorded games do not reach, one test
//! per rule, driven through the registry's public API.

use serde_json::{Value, json};
use spectra_server::game::{AuthPolicy, ConnId, Effect, GameError, KeyVerdict, Outcome, Registry};

const T0: u64 = 1_750_000_000_000;
const OBS: ConnId = ConnId::new(1);

fn registry() -> Registry {
    Registry::new(AuthPolicy::open(), Box::new(|| "SECRET123456".to_owned()))
}

fn logon_payload(code: &str, tools: Value) -> String {
    json!({
        "type": "authenticate", "clientVersion": "0.3.10", "obsName": "Obs", "key": "",
        "groupCode": code, "groupSecret": "",
        "leftTeam": {"name": "Left", "tricode": "LFT", "url": "l.png", "attackStart": true},
        "rightTeam": {"name": "Right", "tricode": "RGT", "url": "r.png", "attackStart": false},
        "toolsData": tools
    })
    .to_string()
}

fn tools() -> Value {
    json!({"timeoutDuration": 30, "timeoutCounter": {"max": 2, "left": 2, "right": 2}})
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

/// A registry with one match `G` logged on by connection 1 at T0.
fn game() -> Registry {
    let mut r = registry();
    let out = r.obs_logon(OBS, &logon_payload("G", tools()), T0);
    assert_eq!(acks(&out)[0]["value"], true);
    r
}

fn send(r: &mut Registry, ty: &str, data: Value, at: u64) -> Outcome {
    let p = json!({"obsName": "Obs", "groupCode": "G", "type": ty, "data": data}).to_string();
    r.obs_data(OBS, &p, T0 + at)
}

fn state(r: &Registry) -> Value {
    let mut buf = Vec::new();
    assert!(r.write_state("G", &mut buf));
    serde_json::from_slice(&buf).expect("state is JSON")
}

fn roster(r: &mut Registry, name: &str, team: u8, agent: &str, id: &str) {
    let data = json!({"name": name, "tagline": "T", "startTeam": team, "agentInternal": agent,
        "playerId": id, "position": 0, "locked": true, "rank": 0});
    assert!(send(r, "roster", data, 10).error.is_none());
}

/// A scoreboard line of a living player: (kills, deaths, assists), (ult, max ult).
fn scoreboard(
    id: &str,
    team: u8,
    agent: &str,
    money: u32,
    kda: (u32, u32, u32),
    ult: (u32, u32),
) -> Value {
    json!({"name": "N", "tagline": "T", "playerId": id, "startTeam": team, "agentInternal": agent,
        "isAlive": true, "initialArmor": 2, "scoreboardWeaponInternal": "TX_Hud_Volcano",
        "currUltPoints": ult.0, "maxUltPoints": ult.1, "hasSpike": false, "money": money,
        "kills": kda.0, "deaths": kda.1, "assists": kda.2})
}

#[test]
fn round_record_grows_with_null_holes_past_the_initial_25_rounds() {
    let mut r = game();
    send(
        &mut r,
        "round_info",
        json!({"roundNumber": 40, "roundPhase": "shopping"}),
        100,
    );
    let rec = &state(&r)["teams"][0]["roundRecord"];
    let rec = rec.as_array().expect("array");
    assert_eq!(rec.len(), 44, "round 39 recorded plus five upcoming");
    assert_eq!(rec[25], Value::Null);
    assert_eq!(rec[38]["round"], 39);
    assert_eq!(rec[43]["type"], "upcoming");
}

#[test]
fn team_timeout_counts_down_every_second_and_costs_one_timeout_at_its_end() {
    let mut r = game();
    send(&mut r, "left_timeout", json!(true), 1000);
    assert_eq!(state(&r)["timeoutState"]["timeRemaining"], 30);
    r.tick(T0 + 4000);
    let s = state(&r);
    assert_eq!(s["timeoutState"]["timeRemaining"], 27);
    assert_eq!(s["timeoutState"]["leftTeam"], true);
    r.tick(T0 + 31_000);
    let s = state(&r);
    assert_eq!(s["timeoutState"]["leftTeam"], false);
    assert_eq!(s["tools"]["timeoutCounter"]["left"], 1);
}

#[test]
fn timeout_cancelled_after_the_grace_period_still_costs_a_timeout() {
    let mut r = game();
    send(&mut r, "right_timeout", json!(true), 0);
    r.tick(T0 + 21_000);
    assert_eq!(state(&r)["timeoutGracePeriodPassed"], true);
    send(&mut r, "right_timeout", json!(true), 21_500);
    let s = state(&r);
    assert_eq!(s["timeoutState"]["rightTeam"], false);
    assert_eq!(s["tools"]["timeoutCounter"]["right"], 1);
}

#[test]
fn timeout_cancelled_inside_the_grace_period_is_free() {
    let mut r = game();
    send(&mut r, "right_timeout", json!(true), 0);
    r.tick(T0 + 5_000);
    send(&mut r, "right_timeout", json!(true), 5_500);
    assert_eq!(state(&r)["tools"]["timeoutCounter"]["right"], 2);
    r.tick(T0 + 5_600);
    assert_eq!(
        r.next_deadline(),
        Some(T0 + 5_700),
        "only the send loop is left"
    );
}

#[test]
fn no_team_timeout_starts_without_timeouts_left() {
    let mut r = registry();
    let t = json!({"timeoutDuration": 30, "timeoutCounter": {"max": 0}});
    r.obs_logon(OBS, &logon_payload("G", t), T0);
    send(&mut r, "left_timeout", json!(true), 0);
    assert_eq!(state(&r)["timeoutState"]["leftTeam"], false);
}

#[test]
fn tech_pause_stops_a_running_team_timeout() {
    let mut r = game();
    send(&mut r, "left_timeout", json!(true), 0);
    send(&mut r, "tech_pause", json!(true), 2_000);
    let s = state(&r);
    assert_eq!(s["timeoutState"]["techPause"], true);
    assert_eq!(s["timeoutState"]["leftTeam"], false);
    r.tick(T0 + 60_000);
    assert_eq!(
        state(&r)["tools"]["timeoutCounter"]["left"],
        2,
        "the cancelled end timer never fires"
    );
}

#[test]
fn score_with_no_second_team_id_stops_midway_without_counting() {
    let mut r = registry();
    let p = logon_payload("G", tools()).replace("\"attackStart\":false", "\"attackStart\":true");
    r.obs_logon(OBS, &p, T0);
    let before = r.event_number("G");
    let out = send(&mut r, "score", json!({"team_0": 0, "team_1": 1}), 100);
    assert!(
        matches!(out.error, Some(GameError::ReferenceThrows(_))),
        "{:?}",
        out.error
    );
    assert_eq!(r.event_number("G"), before);
}

#[test]
fn clove_spending_her_ultimate_shows_not_dead_yet_until_her_next_kill() {
    let mut r = game();
    roster(&mut r, "Clo", 0, "Smonk_PC_C", "c1");
    let sb = |ult, kills| scoreboard("c1", 0, "Smonk_PC_C", 800, (kills, 1, 0), (ult, 8));
    send(&mut r, "scoreboard", sb(8, 1), 100);
    send(&mut r, "scoreboard", sb(0, 1), 200);
    assert_eq!(
        state(&r)["teams"][0]["players"][0]["iconNameSuffix"],
        "NotDeadYet"
    );
    send(&mut r, "scoreboard", sb(0, 2), 300);
    assert_eq!(state(&r)["teams"][0]["players"][0]["iconNameSuffix"], "");
}

#[test]
fn astra_targeting_changes_the_icon_of_astra_only() {
    let mut r = game();
    roster(&mut r, "Ast", 0, "Rift_PC_C", "a1");
    roster(&mut r, "Jet", 0, "Wushu_PC_C", "j1");
    let aux = |id: &str| {
        json!({"playerId": id, "matchId": "", "type": "aux_astra_targeting", "data": true})
            .to_string()
    };
    r.aux_data(OBS, &aux("a1"), T0 + 100);
    r.aux_data(OBS, &aux("j1"), T0 + 100);
    let s = state(&r);
    assert_eq!(s["teams"][0]["players"][0]["iconNameSuffix"], "Targeting");
    assert_eq!(s["teams"][0]["players"][1]["iconNameSuffix"], "");
}

#[test]
fn auxiliary_scoreboard_is_ignored_once_the_observer_sent_one_this_round() {
    let mut r = game();
    roster(&mut r, "P", 0, "Wushu_PC_C", "p1");
    send(
        &mut r,
        "scoreboard",
        scoreboard("p1", 0, "Wushu_PC_C", 800, (1, 0, 0), (0, 7)),
        100,
    );
    let aux = json!({"playerId": "p1", "matchId": "", "type": "aux_scoreboard",
        "data": scoreboard("p1", 0, "Wushu_PC_C", 4000, (9, 0, 0), (0, 7))});
    r.aux_data(OBS, &aux.to_string(), T0 + 200);
    let p = &state(&r)["teams"][0]["players"][0];
    assert_eq!(p["kills"], 1);
    assert_eq!(p["auxiliaryAvailable"]["scoreboard"], false);
}

#[test]
fn kill_feed_counts_per_weapon_stay_at_one_and_numeric_victims_sort_first() {
    let mut r = game();
    roster(&mut r, "Killer", 0, "Wushu_PC_C", "k1");
    let kill = |victim: &str| {
        json!({"attacker": "Killer", "victim": victim, "weaponKillfeedInternal": "TX_Hud_Volcano",
        "headshotKill": true, "assists": [], "isTeamkill": false})
    };
    send(&mut r, "killfeed", kill("zed"), 100);
    send(&mut r, "killfeed", kill("42"), 200);
    let mut buf = Vec::new();
    r.write_state("G", &mut buf);
    let text = String::from_utf8(buf).expect("utf8");
    assert!(
        text.contains(r#""killsByWeaponsAndAbilities":{"TX_Hud_Volcano":1}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""killsOnEnemyPlayer":{"42":1,"zed":1}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""kills":2"#),
        "kill feed fallback counts kills without a scoreboard"
    );
}

#[test]
fn ratios_over_zero_print_null_like_javascript_infinity() {
    let mut r = game();
    roster(&mut r, "P", 0, "Wushu_PC_C", "p1");
    send(
        &mut r,
        "scoreboard",
        scoreboard("p1", 0, "Wushu_PC_C", 800, (3, 0, 0), (0, 7)),
        100,
    );
    let p = &state(&r)["teams"][0]["players"][0];
    assert_eq!(p["kdRatio"], Value::Null);
}

#[test]
fn spike_plant_is_detected_from_a_300_credit_jump_during_combat() {
    let mut r = game();
    roster(&mut r, "P", 0, "Wushu_PC_C", "p1");
    send(
        &mut r,
        "round_info",
        json!({"roundNumber": 1, "roundPhase": "combat"}),
        100,
    );
    send(
        &mut r,
        "scoreboard",
        scoreboard("p1", 0, "Wushu_PC_C", 500, (0, 0, 0), (0, 7)),
        200,
    );
    send(
        &mut r,
        "scoreboard",
        scoreboard("p1", 0, "Wushu_PC_C", 800, (0, 0, 0), (0, 7)),
        300,
    );
    let s = state(&r);
    assert_eq!(s["spikeState"]["planted"], true);
    assert_eq!(s["spikeDetonationTime"], T0 + 300 + 45_000);
    assert!(s.get("roundTimeoutTime").is_none());
}

#[test]
fn group_codes_that_cannot_be_file_names_are_refused() {
    for code in ["../x", "a/b", "a\\b", "tab\there", &"L".repeat(101)] {
        let mut r = registry();
        let out = r.obs_logon(OBS, &logon_payload(code, tools()), T0);
        let a = acks(&out);
        assert_eq!(a[0]["value"], false, "{code}");
        assert!(
            a[0]["reason"]
                .as_str()
                .unwrap_or("")
                .starts_with("Invalid Group Code"),
            "{code}"
        );
        assert!(
            out.effects
                .iter()
                .any(|e| matches!(e, Effect::Disconnect { conn: OBS }))
        );
        assert_eq!(r.match_count(), 0);
    }
}

#[test]
fn an_observer_cannot_send_data_for_another_group() {
    let mut r = game();
    let mut other = registry();
    other.obs_logon(ConnId::new(2), &logon_payload("H", tools()), T0);
    r.obs_logon(ConnId::new(2), &logon_payload("H", tools()), T0);
    let p =
        json!({"obsName": "Obs", "groupCode": "H", "type": "map", "data": "Ascent"}).to_string();
    let out = r.obs_data(OBS, &p, T0 + 10);
    assert!(
        matches!(out.error, Some(GameError::ForeignGroupCode { .. })),
        "{:?}",
        out.error
    );
    let mut buf = Vec::new();
    r.write_state("H", &mut buf);
    assert!(String::from_utf8_lossy(&buf).contains("\"map\":\"Loading\""));
}

#[test]
fn a_logon_names_the_match_it_created_but_not_one_it_rejoined() {
    let mut r = registry();
    let out = r.obs_logon(OBS, &logon_payload("G", tools()), T0);
    assert_eq!(out.created.as_deref(), Some("G"));
    r.disconnect(OBS, T0 + 1);
    let mut again: Value = serde_json::from_str(&logon_payload("G", tools())).unwrap();
    again["groupSecret"] = json!("SECRET123456");
    let out = r.obs_logon(ConnId::new(2), &again.to_string(), T0 + 2);
    assert_eq!(acks(&out)[0]["reason"], "reconnected");
    assert_eq!(out.created, None);
    let out = r.obs_logon(ConnId::new(3), &logon_payload("G", tools()), T0 + 3);
    assert_eq!(acks(&out)[0]["value"], false);
    assert_eq!(out.created, None);
}

#[test]
fn tools_the_reference_cannot_build_refuse_the_logon_as_a_live_game() {
    let mut r = registry();
    let out = r.obs_logon(
        OBS,
        &logon_payload("G", json!({"timeoutCounter": null})),
        T0,
    );
    assert_eq!(
        acks(&out)[0]["reason"],
        "Game with Group Code G exists and is still live."
    );
    assert_eq!(r.match_count(), 0);
}

#[test]
fn backend_key_verdict_finishes_or_refuses_the_logon() {
    let policy = AuthPolicy {
        require_auth_key: true,
        auth_key: Some("local".into()),
        use_backend: true,
    };
    let mut r = Registry::new(policy, Box::new(|| "SECRET123456".to_owned()));
    let out = r.obs_logon(OBS, &logon_payload("G", tools()), T0);
    assert!(matches!(
        out.effects.as_slice(),
        [Effect::VerifyKey { conn: OBS, .. }]
    ));
    assert_eq!(r.match_count(), 0);
    let verdict = KeyVerdict::Valid {
        organization_id: Some("org-1".into()),
        is_supporter: true,
    };
    let out = r.obs_logon_verdict(OBS, verdict, T0 + 50);
    assert_eq!(acks(&out)[0]["reason"], "SECRET123456");
    assert_eq!(out.created.as_deref(), Some("G"));
    let s = state(&r);
    assert_eq!(s["organizationId"], "org-1");
    assert_eq!(s["orgIsSupporter"], true);

    let out = r.obs_logon(ConnId::new(2), &logon_payload("H", tools()), T0);
    assert!(matches!(out.effects.as_slice(), [Effect::VerifyKey { .. }]));
    let out = r.obs_logon_verdict(
        ConnId::new(2),
        KeyVerdict::Invalid {
            reason: "Expired Key".into(),
        },
        T0,
    );
    assert_eq!(acks(&out)[0]["reason"], "Expired Key");

    r.obs_logon(ConnId::new(3), &logon_payload("K", tools()), T0);
    r.disconnect(ConnId::new(3), T0);
    let out = r.obs_logon_verdict(ConnId::new(3), verdict_ok(), T0);
    assert_eq!(out.error, Some(GameError::ConnectionClosed));
    assert_eq!(r.match_count(), 1);
}

fn verdict_ok() -> KeyVerdict {
    KeyVerdict::Valid {
        organization_id: None,
        is_supporter: false,
    }
}

#[test]
fn a_scoreboard_of_the_wrong_shape_is_an_error_and_changes_nothing() {
    let mut r = game();
    roster(&mut r, "P", 0, "Wushu_PC_C", "p1");
    let before = (state(&r), r.event_number("G"));
    let out = send(
        &mut r,
        "scoreboard",
        json!({"playerId": "p1", "startTeam": 0, "kills": "many"}),
        100,
    );
    assert!(
        matches!(
            out.error,
            Some(GameError::WrongShape {
                kind: "scoreboard",
                ..
            })
        ),
        "{:?}",
        out.error
    );
    assert_eq!((state(&r), r.event_number("G")), before);
}

#[test]
fn a_connection_gets_one_obs_logon_only() {
    let mut r = registry();
    let out = r.obs_logon(OBS, "not json", T0);
    assert!(matches!(out.error, Some(GameError::InvalidJson(_))));
    let out = r.obs_logon(OBS, &logon_payload("G", tools()), T0);
    assert_eq!(out.error, Some(GameError::LogonAlreadyUsed));
    assert!(out.effects.is_empty());
}

#[test]
fn the_send_loop_broadcasts_only_when_the_event_counter_moved() {
    let mut r = game();
    let broadcasts = |o: &Outcome| {
        o.effects
            .iter()
            .filter(|e| matches!(e, Effect::Broadcast { .. }))
            .count()
    };
    assert_eq!(broadcasts(&r.tick(T0 + 100)), 1, "a new match is sent once");
    assert_eq!(broadcasts(&r.tick(T0 + 200)), 0);
    send(&mut r, "map", json!("Ascent"), 250);
    assert_eq!(broadcasts(&r.tick(T0 + 300)), 1);
    assert_eq!(broadcasts(&r.tick(T0 + 900)), 0);
}

#[test]
fn a_match_idle_for_thirty_minutes_is_removed_and_its_clients_disconnected() {
    let mut r = game();
    r.tick(T0 + 100);
    let out = r.tick(T0 + 100 + 30 * 60 * 1000 + 100);
    assert!(
        out.effects
            .iter()
            .any(|e| matches!(e, Effect::Removed { .. }))
    );
    assert!(
        out.effects
            .iter()
            .any(|e| matches!(e, Effect::Disconnect { conn: OBS }))
    );
    assert_eq!(r.match_count(), 0);
    assert_eq!(
        r.next_deadline(),
        None,
        "the send loop stops with the last match"
    );
}

#[test]
fn ticking_at_the_end_of_time_terminates() {
    let mut r = game();
    send(&mut r, "left_timeout", json!(true), 0);
    send(
        &mut r,
        "toast",
        json!({"title": "t", "message": "m", "duration": 5}),
        0,
    );
    r.tick(u64::MAX);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn timers_of_many_matches_fire_each_in_its_own_time() {
    let mut r = registry();
    let codes = ["GA", "GB", "GC", "GD"];
    for (i, code) in codes.iter().enumerate() {
        let out = r.obs_logon(
            ConnId::new(10 + i as u64),
            &logon_payload(code, tools()),
            T0,
        );
        assert_eq!(acks(&out)[0]["value"], true);
    }
    let data = |r: &mut Registry, i: usize, ty: &str, data: Value, at: u64| {
        let p = json!({"obsName": "Obs", "groupCode": codes[i], "type": ty, "data": data});
        let out = r.obs_data(ConnId::new(10 + i as u64), &p.to_string(), T0 + at);
        assert!(out.error.is_none(), "{:?}", out.error);
    };
    // Timeouts started 500 ms apart, in reverse order of logon.
    for i in (0..codes.len()).rev() {
        data(
            &mut r,
            i,
            "left_timeout",
            json!(true),
            4000 - 500 * i as u64,
        );
    }
    let remaining = |r: &Registry| -> Vec<Value> {
        codes
            .iter()
            .map(|c| {
                let mut buf = Vec::new();
                assert!(r.write_state(c, &mut buf));
                let s: Value = serde_json::from_slice(&buf).unwrap();
                s["timeoutState"]["timeRemaining"].clone()
            })
            .collect()
    };
    r.tick(T0 + 6200);
    // Started at 4000, 3500, 3000, 2500: 2, 2, 3 and 3 whole seconds passed.
    assert_eq!(
        remaining(&r),
        vec![json!(28), json!(28), json!(27), json!(27)]
    );
    // One match ends its timeout early; the others keep counting.
    data(&mut r, 1, "left_timeout", json!(false), 6300);
    r.tick(T0 + 33_100);
    let mut buf = Vec::new();
    assert!(r.write_state("GD", &mut buf));
    let s: Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(s["timeoutState"]["leftTeam"], false, "GD's timeout ended");
    assert_eq!(s["tools"]["timeoutCounter"]["left"], 1);
    let mut buf = Vec::new();
    assert!(r.write_state("GA", &mut buf));
    let s: Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(s["timeoutState"]["leftTeam"], true, "GA's runs to 34 s");
    assert_eq!(s["timeoutState"]["timeRemaining"], 1);
    r.tick(T0 + 34_000);
    let mut buf = Vec::new();
    assert!(r.write_state("GA", &mut buf));
    let s: Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(s["timeoutState"]["leftTeam"], false);
}
