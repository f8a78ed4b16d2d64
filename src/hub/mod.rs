//! The match thread and what it shares with the reactors.

pub mod published;

pub use published::Published;
