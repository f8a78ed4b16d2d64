//! Replay logs in the reference's format: every accepted observer/auxiliary
//! event of a match appended to `replays/Match_<groupCode>_<startMs>.replay`.
//!
//! The match thread never touches the disk: it sends [`Record`]s to the
//! [`writer`] thread through a bounded channel ([`ReplaySink`]), dropping and
//! counting records when the writer is behind. [`reader`] reads files back
//! (for the replay player and tests).

pub mod format;
pub mod reader;
pub mod recovery;
pub mod sidecar;
mod stringified;
pub mod writer;

pub use format::{KeyCheck, UnsafeGroupCode, check_group_code, file_name};
pub use reader::{Replay, ReplayError};
pub use writer::{Closing, FileId, Record, ReplaySink, ReplayWriter, WriterStats, spawn};
