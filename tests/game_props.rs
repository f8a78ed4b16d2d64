//! Property tests: arbitrary and truncated payloads and random event orders
//! never panic, and the broadcast state only changes through valid events.

use proptest::prelude::*;
use spectra_server::game::{AuthPolicy, ConnId, GameError, Outcome, Registry};

const T0: u64 = 1_750_000_000_000;
const OBS: ConnId = ConnId::new(1);

const LOGON: &str = r#"{"type":"authenticate","clientVersion":"0.3.3","obsName":"O","key":"","groupCode":"G","groupSecret":"","leftTeam":{"name":"L","tricode":"LFT","url":"","attackStart":true},"rightTeam":{"name":"R","tricode":"RGT","url":"","attackStart":false},"toolsData":{"timeoutDuration":3,"timeoutCounter":{"max":2,"left":2,"right":2}}}"#;

/// Representative payloads of every data type.
const SAMPLES: &[&str] = &[
    r#"{"obsName":"O","groupCode":"G","type":"roster","data":{"name":"A","tagline":"1","startTeam":0,"agentInternal":"Smonk_PC_C","playerId":"a","position":0,"locked":true,"rank":3}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"roster","data":{"name":"B","tagline":"2","startTeam":1,"agentInternal":"Rift_PC_C","playerId":"b","position":5,"locked":true,"rank":3}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"scoreboard","data":{"name":"A","tagline":"1","playerId":"a","startTeam":0,"agentInternal":"Smonk_PC_C","isAlive":true,"initialArmor":1,"scoreboardWeaponInternal":"TX_Hud_Volcano","currUltPoints":3,"maxUltPoints":8,"hasSpike":true,"money":1200,"kills":2,"deaths":1,"assists":0}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"scoreboard","data":{"name":"B","tagline":"2","playerId":"b","startTeam":1,"agentInternal":"Rift_PC_C","isAlive":false,"initialArmor":2,"scoreboardWeaponInternal":"TX_Hud_Operator","currUltPoints":0,"maxUltPoints":7,"hasSpike":false,"money":1500,"kills":0,"deaths":2,"assists":1}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"killfeed","data":{"attacker":"A","victim":"B","weaponKillfeedInternal":"TX_Hud_Volcano","headshotKill":true,"assists":["TX_Killfeed_Astra"],"isTeamkill":false}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"round_info","data":{"roundNumber":2,"roundPhase":"shopping"}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"round_info","data":{"roundNumber":2,"roundPhase":"combat"}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"round_info","data":{"roundNumber":2,"roundPhase":"end"}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"score","data":{"team_0":1,"team_1":0}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"spike_planted","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"spike_defused","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"spike_detonated","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"left_timeout","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"tech_pause","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"toast","data":{"title":"t","message":"m","duration":1500,"selectedTeam":"left","eventLogoEnabled":true}}"#,
    r#"{"obsName":"O","groupCode":"G","type":"swap_left_right","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"swap_attacker_defender","data":true}"#,
    r#"{"obsName":"O","groupCode":"G","type":"observing","data":"A #1"}"#,
    r#"{"obsName":"O","groupCode":"G","type":"map","data":"Jam"}"#,
    r#"{"obsName":"O","groupCode":"G","type":"game_mode","data":"swift"}"#,
    r#"{"obsName":"O","groupCode":"G","type":"match_start","data":"m-1"}"#,
    r#"{"playerId":"b","matchId":"m-1","type":"aux_health","data":42}"#,
    r#"{"playerId":"b","matchId":"m-1","type":"aux_abilities","data":{"grenade":1,"ability_1":0,"ability_2":2}}"#,
    r#"{"playerId":"b","matchId":"m-1","type":"aux_scoreboard_team","data":"[{\"playerId\":\"b\",\"agentInternal\":\"Rift_PC_C\",\"isAlive\":true,\"initialArmor\":0,\"scoreboardWeaponInternal\":\"TX_Hud_Pistol_Classic\",\"currUltPoints\":1,\"maxUltPoints\":7,\"hasSpike\":false,\"money\":800,\"kills\":0,\"deaths\":0,\"assists\":0}]"}"#,
    r#"{"playerId":"b","matchId":"m-1","type":"aux_astra_targeting","data":true}"#,
];

fn game() -> Registry {
    let mut r = Registry::new(AuthPolicy::open(), Box::new(|| "SECRET123456".to_owned()));
    let out = r.obs_logon(OBS, LOGON, T0);
    assert!(out.error.is_none());
    r
}

fn snapshot(r: &Registry) -> (Vec<u8>, Option<u64>) {
    let mut buf = Vec::new();
    r.write_state("G", &mut buf);
    (buf, r.event_number("G"))
}

/// Errors after which the reference leaves the state untouched.
fn leaves_state_alone(e: &Option<GameError>) -> bool {
    matches!(
        e,
        Some(
            GameError::InvalidJson(_)
                | GameError::NotAnObject
                | GameError::NotAuthedData
                | GameError::WrongShape { .. }
                | GameError::NotLoggedOn
                | GameError::UnknownMatch(_)
                | GameError::ForeignGroupCode { .. }
                | GameError::ConnectionClosed
        )
    )
}

fn check_invariants(r: &Registry) {
    let mut buf = Vec::new();
    if r.write_state("G", &mut buf) {
        let v: serde_json::Value = serde_json::from_slice(&buf).expect("state is valid JSON");
        for team in v["teams"].as_array().expect("two teams") {
            assert!(team["players"].as_array().map_or(0, Vec::len) <= 5);
        }
    }
}

fn send(r: &mut Registry, aux: bool, payload: &str, now: u64) -> Outcome {
    if aux {
        r.aux_data(OBS, payload, now)
    } else {
        r.obs_data(OBS, payload, now)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_text_never_panics_and_never_changes_state(text in any::<String>(), aux in any::<bool>()) {
        let mut r = game();
        let before = snapshot(&r);
        let out = send(&mut r, aux, &text, T0 + 5);
        prop_assert!(out.error.is_some(), "random text is not a valid event");
        prop_assert_eq!(snapshot(&r), before);
        let mut fresh = Registry::new(AuthPolicy::open(), Box::new(|| "S".repeat(12)));
        fresh.obs_logon(ConnId::new(7), &text, T0);
        fresh.aux_logon(ConnId::new(8), &text, T0);
        check_invariants(&fresh);
    }

    #[test]
    fn truncated_payloads_are_errors_that_change_nothing(i in 0..SAMPLES.len(), cut in 0usize..400, aux in any::<bool>()) {
        let mut r = game();
        for s in SAMPLES.iter().take(4) {
            r.obs_data(OBS, s, T0 + 1);
        }
        let sample = SAMPLES[i];
        let cut = sample.floor_char_boundary(cut.min(sample.len() - 1));
        let before = snapshot(&r);
        let out = send(&mut r, aux, &sample[..cut], T0 + 5);
        prop_assert!(leaves_state_alone(&out.error), "{:?}", out.error);
        prop_assert_eq!(snapshot(&r), before);
    }

    #[test]
    fn random_event_orders_keep_the_model_consistent(
        steps in proptest::collection::vec((0..SAMPLES.len(), 0u64..3_000, any::<bool>(), any::<u8>()), 1..80)
    ) {
        let mut r = game();
        let mut now = T0;
        for (i, dt, aux, mutate) in steps {
            now += dt;
            r.tick(now);
            let mut payload = SAMPLES[i].to_owned();
            if mutate % 7 == 0 {
                // Vary a number so scoreboards, scores and rounds move.
                payload = payload.replacen(":2", &format!(":{}", mutate % 40), 1);
            }
            let before = snapshot(&r);
            let out = send(&mut r, aux, &payload, now);
            if leaves_state_alone(&out.error) {
                prop_assert_eq!(snapshot(&r), before);
            }
            check_invariants(&r);
        }
        r.tick(now + 60 * 60 * 1000);
        check_invariants(&r);
    }

    /// The send loop skips the ticks that would do nothing when the clock
    /// jumps; whatever the gaps, a registry ticked only at its events does
    /// what one ticked every 100 ms does, in the same order.
    #[test]
    fn a_clock_jump_does_what_every_tick_in_between_would(
        steps in proptest::collection::vec((
            0..SAMPLES.len(),
            // Short gaps, gaps around the idle removal, and long ones.
            prop_oneof![0u64..3_000, 1_799_800u64..1_801_400, 0u64..2_400_000],
            any::<bool>(),
        ), 1..8)
    ) {
        let (mut every, mut jumping) = (game(), game());
        let (mut seen_every, mut seen_jumping) = (Vec::new(), Vec::new());
        let mut now = T0;
        for (i, dt, aux) in steps {
            let mut t = now;
            now += dt;
            while t + 100 <= now {
                t += 100;
                seen(&mut seen_every, every.tick(t));
            }
            seen(&mut seen_every, every.tick(now));
            seen(&mut seen_jumping, jumping.tick(now));
            prop_assert_eq!(every.match_count(), jumping.match_count());
            seen(&mut seen_every, send(&mut every, aux, SAMPLES[i], now));
            seen(&mut seen_jumping, send(&mut jumping, aux, SAMPLES[i], now));
        }
        prop_assert_eq!(seen_every, seen_jumping);
        prop_assert_eq!(snapshot(&every), snapshot(&jumping));
        prop_assert_eq!(every.next_deadline(), jumping.next_deadline());
    }
}

/// Appends an outcome's effects and error, one line each.
fn seen(lines: &mut Vec<String>, out: Outcome) {
    lines.extend(out.effects.iter().map(|e| format!("{e:?}")));
    lines.extend(out.error.map(|e| format!("{e:?}")));
}
