//! The match thread and what it shares with the reactors.
//!
//! Reactors send [`Command`]s over a crossbeam channel; the thread
//! ([`thread::spawn`]) applies them in arrival order to the game registry,
//! runs its timers and its 100 ms send loop from its own clock ([`clock`]),
//! and posts [`ToIngest`] answers and [`ToBroadcast`] room frames back
//! through the reactors' wakers. REST reads [`Published`].

pub mod batch;
pub mod clock;
pub mod command;
pub mod counters;
pub mod match_data;
pub mod published;
pub mod team_info;
pub mod thread;

pub use batch::{EventBatch, IngestEvent};
pub use command::{Command, ToBroadcast, ToIngest};
pub use published::Published;
pub use thread::{Hub, Outputs, Recovered, spawn};
