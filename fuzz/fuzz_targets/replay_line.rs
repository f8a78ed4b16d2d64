//! `cargo +nightly fuzz run replay_line`: arbitrary text as a data payload
//! for the replay log. The shortcut for text already in `JSON.stringify`'s
//! form must give exactly what parsing and printing gives, or step aside.
//! The proptests in `src/replay/stringified.rs` do the same on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectra_server::replay::format;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let mut fast = String::new();
    let mut slow = String::new();
    let a = format::event(s, 1_750_000_000_000, &mut fast);
    let b = format::reprinted_event(s, 1_750_000_000_000, &mut slow);
    assert_eq!(a, b);
    assert_eq!(fast, slow);
});
