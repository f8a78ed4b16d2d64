//! `cargo +nightly fuzz run replay_recovery`: replay files and sidecars as
//! recovery reads and replays them (see `spectra_server_fuzz::replay_recovery`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spectra_server_fuzz::replay_recovery::run(data));
