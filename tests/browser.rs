//! Headless Chromium (Debian's package) with socket.io-client's browser
//! bundle against `examples/protocol_peer`.

mod peer;

use peer::{Peer, run_node};

#[test]
fn chromium_connects_with_defaults_and_exchanges_events() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run scripts/test.sh (it installs Debian's chromium)"
    );
    let p = Peer::start(&[]);
    run_node("browser.mjs", &[], &p.url, &[]);
}
