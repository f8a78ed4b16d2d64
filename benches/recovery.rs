//! Start-up with recovery: 200 live matches of a recorded game's events
//! (`../shared/conformance/game-01-regulation`, its first 95%: the game is
//! still on) in a replay folder, read back and rebuilt as the server does
//! before it accepts connections (`replay::recovery::scan`, then
//! `Hub::recover`). The goal is under 2 s for the whole folder.
//!
//!     cargo bench --bench recovery

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use spectra_recordings::{BASE_MS, parse_inputs, read_text, recordings_dir};
use spectra_server::game::{AuthPolicy, IDLE_REMOVAL_MS};
use spectra_server::hub::{Hub, Outputs, Published};
use spectra_server::replay::recovery::{self, wall_clock_ms};
use spectra_server::replay::sidecar::{self, Sidecar};
use spectra_server::replay::{KeyCheck, format};

const MATCHES: usize = 200;

/// Writes `MATCHES` replay files and sidecars of the game into `dir`, each
/// under its own group code.
fn folder(dir: &Path) -> usize {
    let path = recordings_dir()
        .expect("../shared/conformance beside the repository")
        .join("game-01-regulation.input.jsonl");
    let inputs = parse_inputs(&read_text(&path).expect("the recorded game")).expect("inputs");
    let logon = inputs
        .iter()
        .find(|i| i.event == "obs_logon")
        .expect("a logon");
    let data: Vec<_> = inputs
        .iter()
        .filter(|i| i.event.ends_with("_data"))
        .collect();
    let data = &data[..data.len() * 95 / 100];
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("folder");
    for m in 0..MATCHES {
        let code = format!("G{m:03}");
        let retag = |text: &str| text.replace("\"GF2MAP\"", &format!("\"{code}\""));
        let start = BASE_MS + logon.t;
        let mut text =
            format::header(&retag(&logon.payload), &KeyCheck::default(), start).expect("header");
        for i in data {
            text.push_str(format::DELIMITER);
            format::event(&retag(&i.payload), BASE_MS + i.t, &mut text).expect("event");
        }
        let name = format::file_name(&code, start).expect("name");
        std::fs::write(dir.join(&name), text).expect("replay file");
        let side = Sidecar {
            group_secret: format!("SECRET{m:06}"),
            created_ms: start,
            ended: false,
            team_info: None,
        };
        sidecar::write(&sidecar::path_for(dir, &name), &side).expect("sidecar");
    }
    data.len()
}

fn hub() -> Hub {
    let (ingest, _) = crossbeam_channel::unbounded();
    let (broadcast, _) = crossbeam_channel::unbounded();
    Hub::new(
        AuthPolicy {
            require_auth_key: false,
            auth_key: None,
            use_backend: false,
        },
        // The recorded times are long past: the test clock takes the
        // newest, as a server does with recent files.
        true,
        Outputs {
            ingest: Box::new(ingest),
            broadcast: vec![Box::new(broadcast)],
            published: Published::new(),
            replay: None,
        },
    )
}

fn startup(c: &mut Criterion) {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("spectra-bench-recovery-{}", std::process::id()));
    let per_match = folder(&dir);
    let mut g = c.benchmark_group("recovery");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function(format!("{MATCHES}_matches_of_{per_match}_events"), |b| {
        b.iter(|| {
            let found = recovery::scan(&dir, wall_clock_ms(), IDLE_REMOVAL_MS, u64::MAX);
            assert_eq!(found.live.len(), MATCHES);
            let mut hub = hub();
            let done = hub.recover(&found, wall_clock_ms());
            assert_eq!(done.matches, MATCHES, "{done:?}");
            done
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, startup);
criterion_main!(benches);
