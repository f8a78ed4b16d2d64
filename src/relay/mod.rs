//! Edge nodes over Redis: an origin publishes every room's output per tick
//! ([`publisher`]); an edge subscribes to the rooms its frontends watch and
//! hands what arrives to its broadcast shards ([`subscriber`]), which send
//! the frames on as they came: no JSON, no deflate on the edge.
//!
//! What travels is [`wire`]'s encoding of a room's output (plain,
//! standalone and stream frames, with the stream's position), on one
//! channel per room, and each room's newest output under a key with an
//! expiry, for edges that join or come back mid-game ([`link`] names them).

pub mod link;
pub mod publisher;
pub mod subscriber;
pub mod wire;
