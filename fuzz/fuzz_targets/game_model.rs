//! `cargo +nightly fuzz run game_model`: event sequences against the game
//! model (see `spectra_server_fuzz::game_model`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spectra_server_fuzz::game_model::run(data));
