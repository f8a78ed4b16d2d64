//! Every committed corpus file, and every crash input found so far
//! (`regressions/<target>/`), through its target's logic, on stable.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).expect("a readable corpus file");
            run(&data);
            seen += 1;
        }
    }
    assert!(
        seen > 0,
        "no corpus for {target}: run scripts/fuzz-corpus.sh"
    );
}

#[test]
fn game_model_corpus() {
    replay("game_model", crate::game_model::run);
}

#[test]
fn rest_routes_corpus() {
    replay("rest_routes", crate::rest_routes::run);
}

#[test]
fn replay_recovery_corpus() {
    replay("replay_recovery", crate::replay_recovery::run);
}

#[test]
fn backend_answers_corpus() {
    replay("backend_answers", crate::backend_answers::run);
}

#[test]
fn relay_message_corpus() {
    replay("relay_message", crate::relay_message::run);
}
