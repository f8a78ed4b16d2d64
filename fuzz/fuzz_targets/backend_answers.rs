//! `cargo +nightly fuzz run backend_answers`: the external services'
//! answers (see `spectra_server_fuzz::backend_answers`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spectra_server_fuzz::backend_answers::run(data));
