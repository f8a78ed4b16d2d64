//! `spectra-server check-config`: the configuration in force, read as the
//! server reads it, printed one `VARIABLE=value` line each on stdout with
//! secrets masked; then what start-up would only find later (the TLS files
//! loaded) or never (the service URLs parsed). Problems go to stderr, and
//! the exit status is 1 if there is one, so a deployment can run it first.

use std::io::Write;
use std::process::ExitCode;

use spectra_server::config::{self, Config};

use crate::ports;

/// Checks, prints, and says how it went.
pub fn run() -> ExitCode {
    match check(&mut std::io::stdout().lock()) {
        Ok(()) => {
            eprintln!("check-config: OK");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in problems {
                eprintln!("check-config: {p}");
            }
            ExitCode::FAILURE
        }
    }
}

fn check(out: &mut impl Write) -> Result<(), Vec<String>> {
    let one = |e: config::ConfigError| vec![e.to_string()];
    let vars = config::vars().map_err(one)?;
    for unknown in config::unknown_vars(&vars) {
        eprintln!("check-config: warning: {unknown}");
    }
    let cfg = Config::from_vars(&vars).map_err(one)?;
    for w in cfg.warnings() {
        eprintln!("check-config: warning: {w}");
    }
    for (var, value) in cfg.settings() {
        writeln!(out, "{var}={value}").map_err(|e| vec![format!("stdout: {e}")])?;
    }
    let mut problems: Vec<String> = ports::tls(&cfg).err().into_iter().collect();
    problems.extend(cfg.backend.url_problems().iter().map(ToString::to_string));
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems),
    }
}
