//! The organisation backend and the external services (`USE_BACKEND=true`):
//! access keys and supporter status, match registration, playercams, stats,
//! support packages and Discord sign-in.
//!
//! Calls are blocking `ureq` requests made by a small pool of worker threads
//! ([`Backend`]) fed by a bounded queue, so neither the match thread nor a
//! reactor ever waits on the network. Each request is a typed [`Job`]; its
//! outcome is handed to a callback the submitter chooses (typically one that
//! posts a command to the match thread and wakes it). Submitting never
//! blocks: a full queue refuses the job at once with its failure outcome.
//!
//! Each service file holds the reference's facts for its calls (URL, method,
//! headers, body, what the answer means) as pure functions, unit-tested, and
//! the job that runs them. Failures are [`BackendError`]s, turned into the
//! reference's outcome where it defines one (a key the backend cannot check
//! is refused with "Unknown Error") and a plain one where it does not.
//!
//! Where it is used (`USE_BACKEND=true`; `main` starts one pool shared by):
//! - the match thread (`hub::thread::backend`): the registry's
//!   `Effect::VerifyKey` submits [`ValidateKey`]; [`Finished::KeyChecked`]
//!   (a `Command::Backend`) finishes the logon with
//!   `Registry::obs_logon_verdict`. Match created / `match_start` /
//!   `shopping` / removal are seen around each applied event and make the
//!   calls [`bridge::plan`] lists; registration, playercam and MMR results
//!   are applied to the match (`Match::set_registered`, `apply_playercams`,
//!   `apply_player_mmr`).
//! - the REST port (`rest::backend_routes`): `/getOrgForKey`,
//!   `/createPreview` with a backend key, `/getSupportPackages` and
//!   `/client/oauth-callback` are deferred (`net::App::defer_http`) and
//!   answered from [`answers`] when the worker posts the outcome.

pub mod answers;
pub mod bridge;
pub mod discord;
mod error;
pub mod key;
pub mod match_sync;
mod options;
pub mod packages;
pub mod playercam;
mod pool;
pub mod stats;
pub mod text;
pub mod transport;

pub use bridge::{Bridge, Finished, MatchFacts, Moment};
pub use discord::{DiscordOutcome, DiscordSignIn};
pub use error::BackendError;
pub(crate) use key::route_key;
pub use key::{KeyCheck, KeyRoute, Organization, ValidateKey};
pub use match_sync::{SyncKind, SyncMatch, SyncOutcome, registered};
pub use options::Options;
pub use packages::{FetchPackages, PackageCache, PackagesOutcome};
pub use playercam::{FetchPlayercams, PlayercamOutcome, Playercams};
pub use pool::{Backend, Ctx, Job};
pub use stats::{FETCH_STATS_DELAY_MS, PlayerMmr, StatsFetch, StatsMatchStart};
