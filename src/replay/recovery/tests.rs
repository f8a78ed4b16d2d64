//! A replay folder as crashes and stops leave it.

use std::time::{Duration, UNIX_EPOCH};

use super::*;

const HOUR: u64 = 60 * 60 * 1000;
const IDLE: u64 = 30 * 60 * 1000;

fn folder(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spectra-recovery-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn live(secret: &str, created_ms: u64) -> Sidecar {
    Sidecar {
        group_secret: secret.into(),
        created_ms,
        ended: false,
        team_info: None,
    }
}

/// A replay file `Match_<code>_1000.replay` with `text`, and its sidecar.
fn put(dir: &Path, code: &str, text: &str, side: &Sidecar) -> String {
    let name = format!("Match_{code}_1000.replay");
    std::fs::write(dir.join(&name), text).unwrap();
    sidecar::write(&sidecar::path_for(dir, &name), side).unwrap();
    name
}

const HEADER: &str = r#"{"groupCode":"G","leftTeam":{},"rightTeam":{},"logStartTime":1000}"#;
const E1: &str = r#"{"obsName":"O","groupCode":"G","type":"map","data":"Ascent","timestamp":1001}"#;
const E2: &str = r#"{"obsName":"O","groupCode":"G","type":"score","timestamp":1002}"#;

#[test]
fn a_live_match_comes_back_with_every_complete_event() {
    let dir = folder("live");
    let text = format!("{HEADER},\n{E1},\n{E2},\n{{\"obsName\":\"O\",\"ty");
    let name = put(&dir, "G", &text, &live("S1", 1000));
    let found = scan(&dir, wall_clock_ms(), IDLE, HOUR);
    assert_eq!(found.problems, 0);
    let [f] = &found.live[..] else {
        panic!("{found:?}")
    };
    assert_eq!(f.name, name);
    assert_eq!(f.header, HEADER);
    assert_eq!(f.sidecar.group_secret, "S1");
    assert_eq!(f.events, [(1001, E1.to_owned()), (1002, E2.to_owned())]);
    assert_eq!(f.keep as usize, format!("{HEADER},\n{E1},\n{E2}").len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_foreign_missing_and_huge_files_are_problems_not_failures() {
    let dir = folder("bad");
    // Corrupt midway: the items before it are used.
    put(
        &dir,
        "C",
        &format!("{HEADER},\n{E1},\n]]],\n{E2}"),
        &live("S", 1),
    );
    // Not a replay file at all.
    put(&dir, "F", "hello, world", &live("S", 1));
    // A sidecar without its replay file, and an unreadable sidecar.
    sidecar::write(&dir.join("Match_M_1000.recovery"), &live("S", 1)).unwrap();
    std::fs::write(dir.join("Match_U_1000.recovery"), b"\xff\xfe").unwrap();
    // Too large to be read.
    let name = put(&dir, "H", HEADER, &live("S", 1));
    std::fs::File::options()
        .write(true)
        .open(dir.join(name))
        .unwrap()
        .set_len(MAX_FILE_BYTES + 1)
        .unwrap();
    let found = scan(&dir, wall_clock_ms(), IDLE, HOUR);
    assert_eq!(found.live.len(), 1, "{found:?}");
    assert_eq!(found.live[0].events, [(1001, E1.to_owned())]);
    assert_eq!(found.problems, 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn idle_matches_and_expired_team_info_are_forgotten() {
    let dir = folder("old");
    let now = wall_clock_ms();
    let name = put(&dir, "OLD", HEADER, &live("S", 1000));
    let long_ago = UNIX_EPOCH + Duration::from_millis(now - IDLE - 60_000);
    std::fs::File::options()
        .write(true)
        .open(dir.join(&name))
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let finished = |created_ms| Sidecar {
        ended: true,
        team_info: Some(r#"{"higherScore":1}"#.into()),
        ..live("S", created_ms)
    };
    put(&dir, "DONE", HEADER, &finished(now - HOUR / 2));
    put(&dir, "GONE", HEADER, &finished(now - 2 * HOUR));
    let found = scan(&dir, now, IDLE, HOUR);
    assert!(found.live.is_empty(), "{found:?}");
    assert_eq!(
        found.finished,
        [FinishedGame {
            group_code: "DONE".into(),
            created_ms: now - HOUR / 2,
            team_info: r#"{"higherScore":1}"#.into(),
        }]
    );
    assert!(!dir.join("Match_OLD_1000.recovery").exists());
    assert!(!dir.join("Match_GONE_1000.recovery").exists());
    assert!(
        dir.join("Match_OLD_1000.replay").exists(),
        "replay files stay"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_or_missing_folder_holds_nothing() {
    let dir = folder("empty");
    assert_eq!(scan(&dir, 1, IDLE, HOUR), Found::default());
    assert_eq!(scan(&dir.join("nope"), 1, IDLE, HOUR), Found::default());
    assert_eq!(group_code_of("Match_A_B_17.replay").as_deref(), Some("A_B"));
    assert_eq!(group_code_of("Match_A.replay"), None);
    let _ = std::fs::remove_dir_all(&dir);
}
