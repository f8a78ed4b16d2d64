//! Every limit on what one client can put into a match's state, with why.
//!
//! A match's state (`match_data`) goes to every overlay of the match about
//! ten times a second, so whatever one observer or auxiliary client can make
//! it hold, everyone downloads. The reference keeps whatever it is sent (its
//! socket.io accepts 1 MB messages); here no sequence of events can take a
//! state past [`MAX_STATE_BYTES`] (the `worst_case_state_stays_under_the_bound`
//! test builds the largest state these limits allow). Recorded real games
//! stay far below every limit: logons are at most 1.3 KB, data events at
//! most 450 bytes, strings at most 271 bytes (the recorded games in
//! `recordings/`), whole states under 20 KB.
//!
//! Other limits live where they are enforced: group codes
//! ([`super::logon::MAX_GROUP_CODE_LEN`], they name replay files) and the
//! nesting, key and value counts of values kept as sent ([`super::tape::MAX_DEPTH`],
//! [`super::tape::MAX_KEYS`], [`super::tape::MAX_NODES`], which bound the
//! cost of converting them).
//!
//! Sizes are measured as the state writes them (JSON-escaped UTF-8 bytes),
//! so escaping (a control character becomes six bytes) and number
//! formatting (`9e20` becomes 21 digits) cannot multiply them. Over-limit
//! logons are refused with an ack naming what was too large and the limit
//! (the Spectra Client shows the reason); over-limit data events are
//! rejected whole with [`GameError::OverLimit`], which the match thread logs
//! with the client's address.

use super::error::GameError;
use crate::json::js_value::JsValue;

/// The bound on one match's serialised state: ten times the largest real
/// state, and small enough that a hundred overlays of one match download
/// 20 MB a second at worst rather than the 400 MB one 400 KB toast cost.
pub const MAX_STATE_BYTES: usize = 200 * 1024;

/// Longest `obs_data` / `aux_data` payload text accepted (real ones are at
/// most 450 bytes; an `aux_scoreboard_team` of a full team is 1.4 KB). It
/// bounds the parse cost and the replay log line of one event.
pub const MAX_DATA_EVENT_BYTES: usize = 8 * 1024;

/// Longest `obs_logon` / `aux_logon` payload text accepted (the largest
/// real logon, with every tools setting, is 1.3 KB).
pub const MAX_LOGON_BYTES: usize = 32 * 1024;

/// Largest state a new match may start with: what the logon keeps as sent
/// (team names, tricodes and urls, the tools settings) plus the fixed
/// fields. Measured on the new match itself, so every copy of a logon value
/// (a team's `removeTricode` is in the tools too) counts. Real logons make
/// states of about 5 KB.
pub const MAX_INITIAL_STATE_BYTES: usize = 48 * 1024;

/// Largest serialised `toolsData.timeoutDuration`: a timeout copies it into
/// `timeoutState.timeRemaining`, after the match was created (real values
/// are numbers such as 60).
pub const MAX_TIMEOUT_DURATION_BYTES: usize = 32;

/// Most players a team takes from the roster (Valorant teams have five).
pub const MAX_PLAYERS: usize = 5;

/// Most scoreboard lines one `aux_scoreboard_team` event may carry (a team
/// has five players).
pub const MAX_TEAM_LINES: usize = 16;

/// Longest string a data event may carry into the state (escaped bytes):
/// player ids (36), names (Riot allows 16 characters, at most 48 bytes),
/// taglines, agent and weapon names, victims, match ids, game modes and
/// round phases. Player names appear three times in the state (`name`,
/// `searchName`, `fullName`) and victims and weapons once per list entry,
/// so this limit multiplies most.
pub const MAX_STRING_BYTES: usize = 64;

/// Most entries of a player's kill lists (`killedPlayerNames` of a round,
/// `killsByWeaponsAndAbilities`, `killsOnEnemyPlayer`,
/// `killsOnTeammatePlayer`): a real match has at most ten players and a few
/// dozen weapons and abilities. Entries beyond it are not recorded.
pub const MAX_LIST_ENTRIES: usize = 32;

/// Longest round record kept (rounds; the reference would grow a sparse
/// array to any round number it is sent). The longest real matches have
/// about 60 rounds; later rounds are not recorded.
pub const MAX_ROUND_RECORD: usize = 200;

/// Largest serialised toast (`toastInfo`, as sent; real toasts are about
/// 200 bytes: a title, a message, a duration).
pub const MAX_TOAST_BYTES: usize = 2 * 1024;

/// Largest serialised value of one `aux_abilities` slot (`grenade`,
/// `ability_1`, `ability_2`; real values are small objects or numbers).
pub const MAX_ABILITY_BYTES: usize = 256;

/// Bytes `value` takes in the state.
pub(crate) fn json_len(value: &JsValue) -> usize {
    let mut out = Vec::new();
    value.write_json(&mut out);
    out.len()
}

/// Something a client sent that is larger than a limit allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversize {
    /// What was too large.
    pub what: String,
    /// Its size in bytes (as the state would hold it, for kept values).
    pub size: usize,
    /// The limit in bytes.
    pub limit: usize,
}

impl std::fmt::Display for Oversize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Oversize { what, size, limit } = self;
        write!(f, "{what} is {size} bytes, the limit is {limit} bytes")
    }
}

impl From<Oversize> for GameError {
    fn from(o: Oversize) -> Self {
        GameError::OverLimit(o)
    }
}

/// `Err` naming `what` when `size` is over `limit`.
pub(crate) fn check(what: impl Into<String>, size: usize, limit: usize) -> Result<(), Oversize> {
    if size > limit {
        Err(Oversize {
            what: what.into(),
            size,
            limit,
        })
    } else {
        Ok(())
    }
}

/// The `field` string of a `kind` data event, checked against
/// [`MAX_STRING_BYTES`].
pub(crate) fn check_str<'a>(kind: &str, field: &str, s: &'a str) -> Result<&'a str, GameError> {
    let size = crate::json::escape::quoted_len(s) - 2;
    if size > MAX_STRING_BYTES {
        check(format!("{kind} field {field:?}"), size, MAX_STRING_BYTES)?;
    }
    Ok(s)
}
