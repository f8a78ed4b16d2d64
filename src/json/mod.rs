//! JSON at the edges: splitting a Socket.IO event's array and decoding its
//! string arguments faster than a general parser can ([`self::array`],
//! [`string`]), and parsed values as the reference's JavaScript sees them
//! ([`js_json`]).

pub mod array;
pub mod js_json;
pub mod string;
