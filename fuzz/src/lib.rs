//! The fuzz targets' logic, one module per target, shared by the
//! `cargo fuzz` binaries in `fuzz_targets/` and by the stable test below,
//! which replays every committed corpus file (`corpus/<target>/`) through
//! the same function. It lives in this crate, not in the server library,
//! so the library carries no fuzz-only features or `arbitrary`.

pub mod backend_answers;
pub mod game_model;
pub mod json_gen;
pub mod payloads;
pub mod relay_message;
pub mod replay_recovery;
pub mod rest_routes;

#[cfg(test)]
mod corpus_tests;
