//! JSON text at the edges: splitting a Socket.IO event's array and
//! decoding its string arguments, faster than a general parser can.

pub mod array;
pub mod js_json;
pub mod string;
