//! Replay files and their sidecars as start-up recovery reads them
//! (`replay::recovery::scan`), then restored into a registry and replayed
//! event by event as the match thread does, with the game model's checks
//! after every step.
//!
//! The input is `[sidecar length: 2 bytes][sidecar][replay file]`, written
//! to a scratch folder of this process. Receive times more than two hours
//! apart are brought closer: the registry runs its timers through every
//! gap, as the match thread does, and real files only hold real gaps.

use std::path::PathBuf;

use spectra_server::game::{AuthPolicy, ConnId, Registry};
use spectra_server::replay::{recovery, sidecar};

use crate::game_model::{Checked, check_changed};

/// The file name every input is written to (its group code is `G`).
pub const FILE: &str = "Match_G_1750000000000.replay";
/// The clock recovery runs at.
const NOW: u64 = 1_750_000_000_000 + 60_000;
const MAX_GAP_MS: u64 = 2 * 60 * 60 * 1000;

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("spectra-fuzz-recovery-{}", std::process::id()))
}

/// Writes one input's files into a fresh scratch folder.
fn write_files(data: &[u8]) -> Option<PathBuf> {
    let (len, rest) = data.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
    let (side, replay) = rest.split_at(len);
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join(FILE), replay).ok()?;
    std::fs::write(sidecar::path_for(&dir, FILE), side).ok()?;
    Some(dir)
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some(dir) = write_files(data) else {
        return;
    };
    let found = recovery::scan(&dir, NOW, u64::MAX / 4, u64::MAX / 4);
    let mut registry = Registry::new(AuthPolicy::open(), Box::new(|| "SECRET000000".to_owned()));
    let mut seen = Checked::default();
    for (n, f) in found.live.iter().enumerate() {
        let conn = ConnId::new(n as u64);
        let mut at = f.sidecar.created_ms;
        if registry
            .restore(conn, &f.header, &f.sidecar.group_secret, at)
            .is_err()
        {
            continue;
        }
        check_changed(&registry, &mut seen);
        let mut events: Vec<&(u64, String)> = f.events.iter().collect();
        events.sort_by_key(|(t, _)| *t);
        for (t, text) in events {
            at = (*t).clamp(at, at.saturating_add(MAX_GAP_MS));
            while registry.tick_one(at).is_some() {}
            registry.obs_data(conn, text, at);
            check_changed(&registry, &mut seen);
        }
    }
    for g in &found.finished {
        assert!(!g.team_info.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
