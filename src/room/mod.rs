//! A room's output for one tick: one broadcast message built once for every
//! member of a room, in every form a member may need, and the rule for
//! which form each member gets.
//!
//! - [`Output`]: the Engine.IO packet (for polling members), the plain
//!   WebSocket frame (members without permessage-deflate), the standalone
//!   compressed frame (any deflate member), and the frame on the room's
//!   compression stream (members in step with it). Members get clones of
//!   these `Bytes` (a reference count), never copies.
//! - [`RoomStream`]: the room's context-takeover compressor; it numbers its
//!   frames so a member's position on it can be followed.
//! - [`StreamCursor`]: what one member's inflater window holds of a room
//!   stream, and so which frame it can take.
//! - [`Levels`]: the two compression levels, standalone and stream.
//!
//! Why a stream: consecutive states differ in a few fields, so a frame that
//! refers back into the previous messages is several times smaller than a
//! standalone one (game-01's states: 159 against 2,900 bytes). A member
//! whose inflater window holds exactly the stream's recent messages can
//! take it; any other member (late joiner, a frame dropped because it was
//! slow, another compressed message in between, a narrower window) gets the
//! standalone frame, which also puts the message into its window, so after
//! enough in-order messages it is back in step.

mod cursor;
mod levels;
mod output;
mod stream;

pub use cursor::StreamCursor;
pub use levels::Levels;
pub use output::Output;
pub use stream::{RoomStream, StreamFrame, fresh_stream_id};

#[cfg(test)]
mod tests;
