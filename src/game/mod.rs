//! The pure game model: matches, teams, players and tools settings, fed with
//! observer and auxiliary events at given times, producing exactly the
//! `match_data` JSON the Node reference broadcasts.
//!
//! No sockets, threads or clocks: time comes in as Unix milliseconds and
//! timers are values ([`Registry::next_deadline`], [`Registry::tick`]).
//! The match thread wraps one [`Registry`]:
//!
//! - `obs_logon` / `aux_logon` / `obs_data` / `aux_data` / `disconnect`
//!   events go to the methods of the same names with the event's first
//!   argument as text (the clients send a JSON string; pass its contents);
//! - the returned [`Outcome`] lists [`Effect`]s in order: acks to emit
//!   (payload is the JSON text to send as one string argument), server-side
//!   disconnects, keys to have the organisation backend check
//!   (`Effect::VerifyKey`, answered with [`Registry::obs_logon_verdict`]),
//!   matches to broadcast now, removed matches;
//! - at [`Registry::next_deadline`] call [`Registry::tick`]; it runs the
//!   100 ms send loop (which yields `Broadcast` effects and removes matches
//!   idle for 30 minutes) and every match timer;
//! - [`Registry::write_state`] appends a match's broadcast JSON to a buffer.
//!
//! Deliberate deviations from the reference: a group code longer than 100
//! bytes or containing `/`, `\`, `..` or control characters is refused with
//! an `obs_logon_ack` whose reason starts "Invalid Group Code"; data naming
//! another group code than the one its connection logged on to is rejected
//! with [`GameError::ForeignGroupCode`].

mod error;
mod event;
mod game_match;
mod logon;
mod out;
mod player;
mod registry;
mod tables;
mod tape;
mod team;
mod timers;
mod tools;

pub use error::GameError;
pub use event::{Envelope, Route, parse_envelope};
pub use game_match::{Applied, FinishedInfo, Match};
pub use logon::{AuthPolicy, KeyVerdict, ack_accepted, random_group_secret};
pub use registry::{
    ConnId, Effect, IDLE_REMOVAL_MS, Outcome, Registry, Removal, Routed, SEND_INTERVAL_MS,
};
pub use tape::{Parser, View};
pub use timers::TimerSeq;
