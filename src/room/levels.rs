//! The two compression levels of a room's output.

/// Deflate levels (0–9) of the two compressed frames of a room's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels {
    /// Standalone frames (and a connection's own compressed messages).
    /// Level 3 is the reference's (ws `perMessageDeflate`): the best ratio
    /// per microsecond on a whole state, and a standalone frame is made
    /// only when some member is out of step.
    pub standalone: u32,
    /// The room's compression stream, made once per room per tick.
    /// Consecutive states differ in a few fields, so nearly every message
    /// is one long match into the previous one; level 9's longer match
    /// search finds it where level 3 gives up. On game-01's 1,337 states
    /// (17.0 KB each) the stream frames average 159 bytes at level 9
    /// against 983 at level 3, for about the same CPU.
    pub stream: u32,
}

impl Levels {
    /// The highest deflate level.
    pub const MAX: u32 = 9;
}

impl Default for Levels {
    fn default() -> Self {
        Levels {
            standalone: 3,
            stream: 9,
        }
    }
}
