//! What recovery needs beside a replay file, in a file of its own so the
//! replay files stay in the reference's format: `Match_<code>_<ms>.recovery`
//! next to `Match_<code>_<ms>.replay`, a small JSON object.
//!
//! It exists while the match is live (`groupSecret`, so the observer that
//! reconnects after a restart is taken back and nobody else is), and after a
//! game ended with `"ended":true` and the finished game's team info (served
//! by `/getTeamInfoForCode` for an hour after the match was created). A match
//! removed for another reason has none. A stop (SIGTERM) leaves it as it is:
//! the match comes back with the next start.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The sidecar's file name suffix.
pub const SUFFIX: &str = ".recovery";

/// The largest sidecar read (they are a few kilobytes).
const MAX_BYTES: u64 = 1 << 20;

/// What a sidecar holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    /// The secret the match's observer logged on with.
    pub group_secret: String,
    /// When the match was created (ms since the epoch).
    pub created_ms: u64,
    /// The game ended (and the team info below is kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ended: bool,
    /// A finished game's team info: the JSON text `/getTeamInfoForCode`
    /// answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_info: Option<String>,
}

/// The sidecar's path for a replay file's name.
pub fn path_for(dir: &Path, replay_name: &str) -> PathBuf {
    let stem = replay_name.strip_suffix(".replay").unwrap_or(replay_name);
    dir.join(format!("{stem}{SUFFIX}"))
}

/// The replay file's name for a sidecar's name.
pub fn replay_name(sidecar_name: &str) -> Option<String> {
    sidecar_name
        .strip_suffix(SUFFIX)
        .map(|stem| format!("{stem}.replay"))
}

/// Writes the sidecar whole or not at all (a temporary file renamed over
/// it), so a crash never leaves half of one.
pub fn write(path: &Path, sidecar: &Sidecar) -> io::Result<()> {
    let text = serde_json::to_vec(sidecar).map_err(io::Error::other)?;
    let tmp = path.with_extension("recovery.tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&text)?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Reads a sidecar.
pub fn read(path: &Path) -> io::Result<Sidecar> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_BYTES {
        return Err(io::Error::other(format!(
            "{len} bytes, more than a sidecar"
        )));
    }
    let text = std::fs::read(path)?;
    serde_json::from_slice(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pair_up() {
        let dir = Path::new("/r");
        assert_eq!(
            path_for(dir, "Match_AB_17.replay"),
            PathBuf::from("/r/Match_AB_17.recovery")
        );
        assert_eq!(
            replay_name("Match_AB_17.recovery").as_deref(),
            Some("Match_AB_17.replay")
        );
        assert_eq!(replay_name("Match_AB_17.replay"), None);
    }

    #[test]
    fn live_and_ended_sidecars_round_trip() {
        let dir = std::env::temp_dir().join(format!("spectra-sidecar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = path_for(&dir, "Match_G_1.replay");
        let live = Sidecar {
            group_secret: "SECRET123456".into(),
            created_ms: 5,
            ended: false,
            team_info: None,
        };
        write(&path, &live).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"groupSecret":"SECRET123456","createdMs":5}"#
        );
        assert_eq!(read(&path).unwrap(), live);
        let ended = Sidecar {
            ended: true,
            team_info: Some(r#"{"higherScore":0}"#.into()),
            ..live
        };
        write(&path, &ended).unwrap();
        let back = read(&path).unwrap();
        assert!(back.ended);
        assert_eq!(back.team_info.as_deref(), Some(r#"{"higherScore":0}"#));
        std::fs::write(&path, b"{\"groupSecret\":").unwrap();
        assert!(read(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
