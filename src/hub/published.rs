//! What the match thread publishes for the REST port to read: the number of
//! running matches (`/status`) and the team info of finished games
//! (`/getTeamInfoForCode`). Writes are rare (a match starts, ends, or its
//! info expires), reads are per request, so a counter and a read-write lock
//! around a map of ready-made JSON bodies are enough.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// Shared between the match thread (writer) and the REST reactor (reader).
#[derive(Debug, Default)]
pub struct Published {
    matches_running: AtomicUsize,
    team_info: RwLock<HashMap<String, Arc<str>>>,
}

impl Published {
    /// Nothing published yet: no matches, no team info.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Matches the server holds now (the reference's `getMatchCount`).
    pub fn matches_running(&self) -> usize {
        self.matches_running.load(Ordering::Relaxed)
    }

    pub(crate) fn set_matches_running(&self, n: usize) {
        self.matches_running.store(n, Ordering::Relaxed);
    }

    /// The JSON body of a finished game's team info, if still kept.
    pub fn team_info(&self, group_code: &str) -> Option<Arc<str>> {
        match self.team_info.read() {
            Ok(map) => map.get(group_code).cloned(),
            Err(poisoned) => poisoned.into_inner().get(group_code).cloned(),
        }
    }

    pub(crate) fn set_team_info(&self, group_code: &str, json: Arc<str>) {
        let mut map = self.team_info.write().unwrap_or_else(|p| p.into_inner());
        map.insert(group_code.to_owned(), json);
    }

    pub(crate) fn remove_team_info(&self, group_code: &str) {
        let mut map = self.team_info.write().unwrap_or_else(|p| p.into_inner());
        map.remove(group_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_team_info_round_trip() {
        let p = Published::new();
        assert_eq!(p.matches_running(), 0);
        p.set_matches_running(3);
        assert_eq!(p.matches_running(), 3);
        assert_eq!(p.team_info("A"), None);
        p.set_team_info("A", Arc::from("{\"higherScore\":0}"));
        assert_eq!(p.team_info("A").as_deref(), Some("{\"higherScore\":0}"));
        p.remove_team_info("A");
        assert_eq!(p.team_info("A"), None);
    }
}
