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
