//! Reading back, at start-up, what the replay folder holds of the matches
//! that were live when the server last stopped (however it stopped), and of
//! the games that ended lately.
//!
//! A match comes back when its [`sidecar`] says it is live and its replay
//! file was written to within the inactivity timeout. Whatever can be read
//! is used: a torn last item (a crash mid-write) is left out, a corrupt item
//! ends the file there, and a file that is unreadable, too large or not a
//! replay file is skipped. Each problem is logged once, with the file's
//! name; none stops the start.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::reader;
use super::sidecar::{self, Sidecar};

/// The largest replay file read back: a long match writes a few megabytes.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// A live match's replay file, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFile {
    /// The replay file's name in the folder.
    pub name: String,
    /// The header item's text: the logon the match was created with.
    pub header: String,
    /// What its sidecar holds (the secret, the creation time).
    pub sidecar: Sidecar,
    /// The accepted data payloads' texts with their receive times, in order.
    pub events: Vec<(u64, String)>,
    /// The length of the file's complete items: where writing goes on.
    pub keep: u64,
}

/// A game that ended lately, whose team info is still served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedGame {
    /// Its group code.
    pub group_code: String,
    /// When its match was created (ms since the epoch).
    pub created_ms: u64,
    /// The JSON `/getTeamInfoForCode` answers.
    pub team_info: String,
}

/// What a replay folder holds for recovery.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// The matches to bring back.
    pub live: Vec<LiveFile>,
    /// Finished games whose team info is still served.
    pub finished: Vec<FinishedGame>,
    /// Files left out or read in part because of a problem (each logged).
    pub problems: usize,
}

/// Reads what `dir` holds for recovery at wall-clock `now_ms`: live matches
/// whose replay file changed within `idle_ms`, and finished games created
/// within `team_info_ms`. Sidecars that can never be used again (their
/// match idle too long, their team info expired) are removed.
pub fn scan(dir: &Path, now_ms: u64, idle_ms: u64, team_info_ms: u64) -> Found {
    let mut found = Found::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return found,
        Err(e) => {
            log::error!(
                "recovery: cannot read the replay folder {}: {e}",
                dir.display()
            );
            found.problems += 1;
            return found;
        }
    };
    let mut sidecars: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == &sidecar::SUFFIX[1..]))
        .collect();
    sidecars.sort();
    for side in sidecars {
        match look_at(dir, &side, now_ms, idle_ms, team_info_ms) {
            Ok(Some(Item::Live(f))) => found.live.push(f),
            Ok(Some(Item::Finished(g))) => found.finished.push(g),
            Ok(None) => {}
            Err(problem) => {
                log::warn!("recovery: {}: {problem}", side.display());
                found.problems += 1;
            }
        }
    }
    found
}

enum Item {
    Live(LiveFile),
    Finished(FinishedGame),
}

fn look_at(
    dir: &Path,
    side: &Path,
    now_ms: u64,
    idle_ms: u64,
    team_info_ms: u64,
) -> Result<Option<Item>, String> {
    let file_name = side
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let name = sidecar::replay_name(file_name).ok_or("not a sidecar's name")?;
    let sidecar = sidecar::read(side).map_err(|e| format!("unreadable sidecar: {e}"))?;
    if sidecar.ended {
        let team_info = sidecar.team_info.clone().unwrap_or_default();
        if sidecar.created_ms.saturating_add(team_info_ms) < now_ms || team_info.is_empty() {
            forget(side);
            return Ok(None);
        }
        let group_code = group_code_of(&name).ok_or("no group code in the name")?;
        return Ok(Some(Item::Finished(FinishedGame {
            group_code,
            created_ms: sidecar.created_ms,
            team_info,
        })));
    }
    let path = dir.join(&name);
    let meta = std::fs::metadata(&path).map_err(|e| format!("{name}: {e}"))?;
    let written_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    if written_ms.saturating_add(idle_ms) < now_ms {
        log::debug!("recovery: {name} is idle for longer than a match lives; forgotten");
        forget(side);
        return Ok(None);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: {} bytes, more than {MAX_FILE_BYTES}: not read",
            meta.len()
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
    let items = reader::raw_items(&bytes);
    if let Some(problem) = &items.problem {
        log::warn!("recovery: {name}: {problem}; the items before it are used");
    }
    let mut texts = items.items.into_iter();
    let header = texts
        .next()
        .ok_or_else(|| format!("{name}: no complete header: not a replay file"))?;
    if !header.trim_start().starts_with('{') {
        return Err(format!(
            "{name}: the header is not an object: not a replay file"
        ));
    }
    let mut events = Vec::with_capacity(texts.len());
    let mut unstamped = 0usize;
    for text in texts {
        match serde_json::from_str::<Stamp>(text) {
            Ok(s) => events.push((s.timestamp, text.to_owned())),
            Err(_) => unstamped += 1,
        }
    }
    if unstamped > 0 {
        log::warn!("recovery: {name}: {unstamped} item(s) without a receive time left out");
    }
    Ok(Some(Item::Live(LiveFile {
        name,
        header: header.to_owned(),
        sidecar,
        events,
        keep: items.complete_len as u64,
    })))
}

/// An event item's receive time.
#[derive(Deserialize)]
struct Stamp {
    timestamp: u64,
}

/// Removes a sidecar nothing will use again.
fn forget(side: &Path) {
    if let Err(e) = std::fs::remove_file(side) {
        log::warn!("recovery: cannot remove {}: {e}", side.display());
    }
}

/// The group code in `Match_<code>_<ms>.replay`.
fn group_code_of(name: &str) -> Option<String> {
    let inner = name.strip_prefix("Match_")?.strip_suffix(".replay")?;
    let (code, ms) = inner.rsplit_once('_')?;
    ms.parse::<u64>().ok()?;
    Some(code.to_owned())
}

/// Wall-clock milliseconds since the epoch.
pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .try_into()
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
