//! Sans-IO HTTP/1.1: request heads and bodies parsed from a byte buffer with
//! hard limits, responses encoded to bytes, and CORS answered exactly as a
//! socket.io 4 server configured with `cors: { origin: "*" }` (npm `cors`).
//!
//! The reactor feeds socket bytes into [`parse_request`]; nothing here
//! touches a socket or a clock, so every rule is unit-tested on bytes.
//! Chunked request bodies are refused (501): the clients we serve
//! (socket.io-client polling, browsers, REST tools) always send
//! `Content-Length`.

pub mod cors;
mod error;
mod limits;
mod method;
mod query;
mod request;
mod response;

pub use error::HttpError;
pub use limits::Limits;
pub use method::Method;
pub use query::percent_decode;
pub use request::{Request, parse_request, peek_query_param};
pub use response::{Response, reason_phrase};

#[cfg(test)]
mod proptests;
