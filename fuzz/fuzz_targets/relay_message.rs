//! `cargo +nightly fuzz run relay_message`: arbitrary bytes as a message on
//! a room's Redis channel (see `spectra_server_fuzz::relay_message`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spectra_server_fuzz::relay_message::run(data));
