//! JSON and text as the reference's JavaScript reads and writes them.
//!
//! Reading: a Socket.IO event's array split into its arguments
//! ([`self::array`]), string arguments decoded faster than a general parser
//! can ([`string`]), and an argument's `msg.toString()` ([`js_text`]).
//! Writing: `JSON.stringify`'s strings ([`escape`]) and numbers
//! ([`number`]), JavaScript values with JavaScript's key order
//! ([`js_value`]), parsed serde_json values as JavaScript prints and
//! converts them ([`js_json`]), and HTML text escaped as the reference's
//! pages escape it ([`html_escape`]).

pub mod array;
pub mod escape;
pub mod html_escape;
pub mod js_json;
pub mod js_text;
pub mod js_value;
pub mod number;
pub mod string;
