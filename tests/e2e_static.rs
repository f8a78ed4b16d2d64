//! The static (musl) build as the container image runs it: the stripped
//! binary of `cargo build --profile image --target
//! x86_64-unknown-linux-musl`, alone in a root directory laid out by
//! `scripts/image.sh rootfs` (the binary, the CA roots and `/app`, nothing
//! else: no C library, no /etc/passwd, no /proc, no /dev), with `/app` as
//! its working directory. A recorded game played through it with the node
//! observer must reach the node frontends in order, ending with the
//! recorded final state, and its replay log must land in `/app/replays`.
//!
//! `scripts/test.sh` builds the binary and passes it as
//! `SPECTRA_STATIC_BIN`. Without that variable (a plain `cargo test`), or
//! where this process cannot change its root directory (`unshare --root`),
//! the test says so on the terminal and skips; in CI (`CI=true`) either is
//! a failure.

mod e2e_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use e2e_support::*;

/// Says why the test does not run, past the test harness' output capture
/// so that it is seen; in CI, where the static binary is always built,
/// fails instead.
fn skip(why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "e2e_static: {why}, and CI=true: scripts/test.sh builds and passes the static binary"
    );
    let _ = writeln!(std::io::stderr(), "e2e_static: SKIPPED: {why}");
}

/// The static binary from `SPECTRA_STATIC_BIN` (None, said, when unset).
fn static_binary() -> Option<PathBuf> {
    let Some(bin) = std::env::var_os("SPECTRA_STATIC_BIN") else {
        skip(
            "SPECTRA_STATIC_BIN is not set (scripts/test.sh builds the static binary and \
             sets it; by hand: SPECTRA_STATIC_BIN=$(scripts/image.sh binary) cargo test \
             --release --test e2e_static)",
        );
        return None;
    };
    let bin = PathBuf::from(bin);
    assert!(
        bin.is_file(),
        "SPECTRA_STATIC_BIN={} is not a file",
        bin.display()
    );
    Some(bin)
}

/// Whether `unshare --root` works here (as root; otherwise in a user
/// namespace), tried on the host's own root.
fn can_change_root() -> bool {
    let mut cmd = Command::new("unshare");
    if !is_root() {
        cmd.arg("--map-root-user");
    }
    let ok = cmd
        .args(["--root", "/", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip("`unshare --root` does not work here (run as root, or allow user namespaces)");
    }
    ok
}

/// Lays out the image's files in `root` with `scripts/image.sh rootfs`.
fn lay_out(root: &Path, bin: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/image.sh");
    let out = Command::new(script)
        .arg("rootfs")
        .arg(root)
        .arg(bin)
        .output()
        .expect("run scripts/image.sh");
    assert!(
        out.status.success(),
        "scripts/image.sh rootfs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file and folder under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").map(Result::unwrap) {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_static_binary_alone_in_a_root_directory_serves_a_recorded_game() {
    let Some(bin) = static_binary() else { return };
    if !can_change_root() {
        return;
    }
    let root = temp_dir("static-root");
    lay_out(&root, &bin);
    assert_eq!(
        tree(&root),
        [
            "app",
            "app/keys",
            "app/replays",
            "etc",
            "etc/ssl",
            "etc/ssl/certs",
            "etc/ssl/certs/ca-certificates.crt",
            "spectra-server",
        ],
        "the image's files and nothing else"
    );

    let mut server = Server::start_in_root(&root, &[("INSECURE", "true")]);
    let game = game("game-01-regulation");
    let group = game.states[0].group_code.clone();
    let dir = temp_dir("static-states");
    let states = write_states(&game, &dir);
    let final_idx = final_index(&game);

    let early = Frontends::start(&server, &group, 3, &states, final_idx);
    // Paused in the match, so the late frontends log on while it is live.
    let mut observer = observe_paused(&server.ingest_url(), &game, middle(&game), &[]);
    let late = Frontends::start(&server, &group, 2, &states, final_idx);
    resume(&mut observer);
    let observed = parse_json(&wait_output(observer, Duration::from_secs(240)));
    check_frontends(&game, &early.finish(), &group, 3);
    check_frontends(&game, &late.finish(), &group, 2);
    let acks = observed["acks"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        acks_by_socket(&acks),
        acks_by_socket(&game.acks),
        "logon answers"
    );

    let (status, _, body) = http(
        server.rest,
        "GET /status HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"UP","matchesRunning":0}"#);
    let stopped = server
        .terminate(Duration::from_secs(5))
        .expect("stopped within five seconds");
    assert!(stopped.success(), "{stopped}");

    // The replay log, in /app/replays (the default `replays` under /app).
    let replay = root.join("app/replays/Match_GF2MAP_1750000000000.replay");
    let log = spectra_server::replay::reader::read(&replay)
        .unwrap_or_else(|e| panic!("{}: {e}; files: {:?}", replay.display(), tree(&root)));
    assert_eq!(log.header["groupCode"], "GF2MAP");
    assert!(!log.truncated);
    assert!(!log.events.is_empty());

    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&root);
}
