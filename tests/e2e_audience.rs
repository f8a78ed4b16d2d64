//! End to end: a thousand overlay frontends (default transports: polling,
//! then the upgrade) on one match, every one of which must end on the
//! game's final broadcast state.

mod e2e_support;

use std::time::Duration;

use e2e_support::*;

/// Plays edge-09 to `n` frontends of one match; every one must end on the
/// game's final state.
fn play_to_audience(server: &Server, n: usize, tag: &str) {
    let game = game("edge/edge-09-timers");
    let group = game.states[0].group_code.clone();
    let dir = temp_dir(tag);
    let states = write_states(&game, &dir);
    let audience = Frontends::start(server, &group, n, &states, final_index(&game));
    node(
        "e2e_observer.js",
        &[&server.ingest_url(), &game.input.to_string_lossy()],
        Duration::from_secs(60),
    );
    check_frontends(&game, &audience.finish(), &group, n);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_thousand_frontends_on_one_match_all_get_the_final_state() {
    play_to_audience(&Server::start(&[]), 1000, "audience");
}

/// Four reactors share the broadcast port; a polling session's requests
/// land on any of them and are handed to the one holding the session.
#[test]
fn frontends_on_a_sharded_broadcast_port_all_get_the_final_state() {
    let mut server = Server::start(&[
        ("SPECTRA_BROADCAST_SHARDS", "4"),
        ("RUST_LOG", "info,spectra_server::net::reactor=trace"),
    ]);
    play_to_audience(&server, 300, "shards");
    server.wait_for_log("connection handed to shard", Duration::from_secs(5));
}
