//! `cargo +nightly fuzz run rest_routes`: requests through the REST routes
//! (see `spectra_server_fuzz::rest_routes`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spectra_server_fuzz::rest_routes::run(data));
