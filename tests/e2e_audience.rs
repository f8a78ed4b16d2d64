//! End to end: a thousand overlay frontends (default transports: polling,
//! then the upgrade) on one match, every one of which must end on the
//! game's final broadcast state.

mod e2e_support;

use std::time::Duration;

use e2e_support::*;

#[test]
fn a_thousand_frontends_on_one_match_all_get_the_final_state() {
    let server = Server::start(&[]);
    let game = game("edge/edge-09-timers");
    let group = game.states[0].group_code.clone();
    let dir = temp_dir("audience");
    let states = write_states(&game, &dir);
    let audience = Frontends::start(&server, &group, 1000, &states, final_index(&game));
    node(
        "e2e_observer.js",
        &[&server.ingest_url(), &game.input.to_string_lossy()],
        Duration::from_secs(60),
    );
    check_frontends(&game, &audience.finish(), &group, 1000);
    let _ = std::fs::remove_dir_all(&dir);
}
