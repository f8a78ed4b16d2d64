//! The command line of the built `spectra-server`: `--help`, `--version`,
//! and `check-config`, which shows the configuration in force with its
//! secrets masked and fails, naming the problem, on TLS files that do not
//! load and service URLs that do not parse.

mod e2e_support;

use std::path::Path;
use std::process::{Command, Output};

use e2e_support::temp_dir;

/// Runs the binary in `dir` (where a `.env` may be) with only `env` set.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Output, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spectra-server"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("run spectra-server");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn help_and_version() {
    let dir = temp_dir("cli");
    let (out, stdout, _) = run(&dir, &["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        stdout.trim(),
        format!("spectra-server {}", env!("CARGO_PKG_VERSION"))
    );
    let (out, help, _) = run(&dir, &["--help"], &[]);
    assert!(out.status.success());
    for needle in ["check-config", "conformance", "environment", "README.md"] {
        assert!(help.contains(needle), "{needle} not in:\n{help}");
    }
    let (out, _, err) = run(&dir, &["conformance", "game.input.jsonl", "states"], &[]);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("expected, acks, broadcasts"), "{err}");
    let (out, _, err) = run(&dir, &["serve"], &[]);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_config_prints_the_settings_in_force_with_secrets_masked() {
    let dir = temp_dir("cli");
    // The .env file is read too, and its typos are named as well.
    std::fs::write(
        dir.join(".env"),
        "SPECTRA_STREAM_LEVEL=6\nSPECTRA_STREAM_LEVLE=3\n",
    )
    .unwrap();
    let (out, stdout, stderr) = run(
        &dir,
        &["check-config"],
        &[
            ("REQUIRE_AUTH_KEY", "true"),
            ("AUTH_KEY", "hunter2-auth"),
            ("USE_BACKEND", "true"),
            ("BACKEND_URL", "https://svc:hunter2-url@backend.example"),
            ("BACKEND_TOKEN", "hunter2-backend"),
            ("STATS_BACKEND_TOKEN", "hunter2-stats"),
            ("DISCORD_CLIENT_SECRET", "hunter2-discord"),
            ("SPECTRA_REDIS_URL", "redis://:hunter2-redis@127.0.0.1:6379"),
            ("SPECTRA_BROADCAST_PORTS", "6200"),
        ],
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        !format!("{stdout}{stderr}").contains("hunter2"),
        "{stdout}\n{stderr}"
    );
    for line in [
        "AUTH_KEY=********",
        "BACKEND_TOKEN=********",
        "STATS_BACKEND_TOKEN=********",
        "DISCORD_CLIENT_SECRET=********",
        "BACKEND_URL=https://svc:********@backend.example",
        "SPECTRA_REDIS_URL=redis://:********@127.0.0.1:6379",
        "INSECURE=true",
        "SPECTRA_BROADCAST_PORT=5200",
        "SPECTRA_STREAM_LEVEL=6",
        "SPECTRA_LOG_FORMAT=text",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{line} not in:\n{stdout}"
        );
    }
    for warning in [
        "SPECTRA_BROADCAST_PORTS is not a setting of this server: ignored (did you mean SPECTRA_BROADCAST_PORT?)",
        "SPECTRA_STREAM_LEVLE is not a setting of this server: ignored (did you mean SPECTRA_STREAM_LEVEL?)",
    ] {
        assert!(stderr.contains(warning), "{warning} not in:\n{stderr}");
    }
    assert!(stderr.ends_with("check-config: OK\n"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_config_loads_the_tls_files() {
    let dir = temp_dir("cli");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let (key, crt) = (dir.join("server.key"), dir.join("server.crt"));
    std::fs::write(&key, cert.signing_key.serialize_pem()).unwrap();
    std::fs::write(&crt, cert.cert.pem()).unwrap();
    let tls = |key: &Path, crt: &Path| {
        run(
            &dir,
            &["check-config"],
            &[
                ("SERVER_KEY", &key.to_string_lossy()),
                ("SERVER_CERT", &crt.to_string_lossy()),
            ],
        )
    };
    let (out, stdout, stderr) = tls(&key, &crt);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.lines().any(|l| l == "INSECURE=false"), "{stdout}");
    // The certificate given as the key: it is read, and refused.
    let (out, _, stderr) = tls(&crt, &crt);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("check-config: TLS (SERVER_KEY / SERVER_CERT): cannot read private key"),
        "{stderr}"
    );
    let missing = dir.join("nope.crt");
    let (out, _, stderr) = tls(&key, &missing);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&*missing.to_string_lossy()), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_config_fails_on_urls_and_values_that_would_not_work() {
    let dir = temp_dir("cli");
    let (out, stdout, stderr) = run(
        &dir,
        &["check-config"],
        &[
            ("USE_BACKEND", "true"),
            ("BACKEND_URL", "localhost:9000"),
            ("PLAYERCAM_URL", "https://playercam.example"),
            ("DISCORD_USER_URL", "discord.com/api/users/@me"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The settings are still shown, then each problem.
    assert!(
        stdout.contains("PLAYERCAM_URL=https://playercam.example"),
        "{stdout}"
    );
    let problems: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("check-config: "))
        .collect();
    assert_eq!(
        problems,
        [
            r#"BACKEND_URL="localhost:9000": expected an http:// or https:// URL"#,
            r#"DISCORD_USER_URL="discord.com/api/users/@me": not a URL (invalid format)"#,
        ],
        "{stderr}"
    );
    let (out, stdout, stderr) = run(&dir, &["check-config"], &[("SPECTRA_REST_PORT", "http")]);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "check-config: SPECTRA_REST_PORT=\"http\": expected a port number from 1 to 65535\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
