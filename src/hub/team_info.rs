//! The team info of finished games, kept for `/getTeamInfoForCode` exactly
//! as long as the reference keeps it: an expiry one hour after the match was
//! created, checked every five minutes; a check past the expiry forgets the
//! finished info and the expiry. (So info of a game that finishes after its
//! expiry was already checked is kept until the process ends, as there.)

use std::collections::HashMap;
use std::sync::Arc;

use super::Published;

/// One hour after creation.
pub const TEAM_INFO_TTL_MS: u64 = 60 * 60 * 1000;
/// How often expiries are checked.
pub const CHECK_EVERY_MS: u64 = 5 * 60 * 1000;

#[derive(Debug)]
pub(crate) struct TeamInfo {
    published: Arc<Published>,
    expiry: HashMap<String, u64>,
    next_check: Option<u64>,
}

impl TeamInfo {
    pub(crate) fn new(published: Arc<Published>) -> Self {
        TeamInfo {
            published,
            expiry: HashMap::new(),
            next_check: None,
        }
    }

    /// A match was created at `now_ms` (wall clock).
    pub fn match_created(&mut self, group_code: &str, now_ms: u64) {
        self.expiry
            .insert(group_code.to_owned(), now_ms + TEAM_INFO_TTL_MS);
    }

    /// A game ended: its team info (JSON) is published.
    pub fn game_finished(&mut self, group_code: &str, json: String) {
        self.published.set_team_info(group_code, Arc::from(json));
    }

    /// When [`TeamInfo::tick`] has work next (wall-clock ms).
    pub fn next_check(&self) -> Option<u64> {
        self.next_check
    }

    /// Runs the five-minute check when due (the first call starts the cycle).
    pub fn tick(&mut self, now_ms: u64) {
        let due = *self.next_check.get_or_insert(now_ms + CHECK_EVERY_MS);
        if now_ms < due {
            return;
        }
        self.next_check = Some(now_ms + CHECK_EVERY_MS);
        let published = &self.published;
        self.expiry.retain(|code, until| {
            if now_ms > *until {
                published.remove_team_info(code);
                false
            } else {
                true
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lives_until_the_first_check_after_an_hour_from_creation() {
        let p = Published::new();
        let mut t = TeamInfo::new(p.clone());
        t.tick(0);
        t.match_created("A", 0);
        t.game_finished("A", "{\"higherScore\":1}".into());
        assert!(p.team_info("A").is_some());
        t.tick(CHECK_EVERY_MS * 12);
        assert!(p.team_info("A").is_some(), "an hour is not past yet");
        t.tick(CHECK_EVERY_MS * 13);
        assert!(p.team_info("A").is_none());
    }

    #[test]
    fn a_game_finishing_after_its_expiry_was_checked_is_kept() {
        let p = Published::new();
        let mut t = TeamInfo::new(p.clone());
        t.tick(0);
        t.match_created("B", 0);
        t.tick(TEAM_INFO_TTL_MS + CHECK_EVERY_MS);
        t.game_finished("B", "{}".into());
        t.tick(10 * TEAM_INFO_TTL_MS);
        assert!(p.team_info("B").is_some());
    }
}
