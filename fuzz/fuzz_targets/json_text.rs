//! `cargo +nightly fuzz run json_text`: arbitrary text through the JSON
//! scanners of `src/json` (an event array split with its first argument
//! decoded, and a string literal decoded alone). The proptests in
//! `src/json/` hold the same functions to serde_json's answers on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectra_server::json::{array, string};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let mut out = String::new();
    if let Some((list, decoded)) = array::elements_decoding(s, 1, &mut out) {
        // Every element is a slice of the input, in order.
        let mut at = 0;
        for el in &list {
            let pos = s[at..].find(el).expect("element inside the input") + at;
            at = pos + el.len();
        }
        assert!(decoded || out.is_empty());
    }
    let mut text = String::new();
    if string::unescape_into(s, &mut text).is_ok() {
        assert!(text.len() <= s.len());
    }
    let _ = string::literal_len(s);
});
