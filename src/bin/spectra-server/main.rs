//! `spectra-server`: with no command, the server on its configuration
//! ([`serve`], or [`edge`] with `SPECTRA_ROLE=edge`); `check-config`
//! shows and checks that configuration ([`check_config`]); `conformance
//! FILE [KIND]` replays a recorded game through the game model (see
//! [`conformance`]).

mod check_config;
mod conformance;
mod edge;
mod logging;
// The static build's copies (tested on any x86_64 build).
#[cfg(all(target_arch = "x86_64", any(target_env = "musl", test)))]
mod memcpy;
mod ports;
mod running;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use spectra_server::config::{self, Config, LogFormat, Role};

/// What `--help` says after the commands: the settings are not options.
const SETTINGS: &str = "With no command, runs the server. Its settings come from environment \
variables and ./.env, with the reference server's names (INSECURE, AUTH_KEY, USE_BACKEND, ...) \
and SPECTRA_* for this server's own (see README.md); `spectra-server check-config` shows them.";

#[derive(Parser)]
#[command(version, about, after_help = SETTINGS)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the configuration in force (secrets masked), loads the TLS
    /// files and parses the service URLs; exits 1 naming the problem if
    /// one fails
    CheckConfig,
    /// Replays a recorded game through the game model and prints the lines
    /// of one of its recording files, to `diff` with the recording
    Conformance {
        /// A recorded game's input, `NAME.input.jsonl[.gz]`
        file: PathBuf,
        /// Which lines: the states, the acks, or the broadcast schedule
        #[arg(default_value = "expected", value_parser = ["expected", "acks", "broadcasts"])]
        kind: String,
    },
}

/// mimalloc rather than the C library's allocator. With musl's, the static
/// build the image ships ingested at about a quarter of the normal build's
/// rate (167–192k against 781–822k events/s; the rest of the gap was
/// musl's `memcpy`, see `memcpy.rs`); with glibc, mimalloc is as fast on ingest and fanout and keeps idle
/// frontends a little smaller (2.8 against 3.0 KB each), so every build
/// has it, and the two builds differ only by their C library. Its `no_thp`
/// feature: asking for transparent huge pages for its arenas tripled the
/// resident memory of an idle server (2 MB pages touched per thread).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match Cli::parse().command {
        None => serve(),
        Some(Command::CheckConfig) => check_config::run(),
        Some(Command::Conformance { file, kind }) => {
            env_logger::init();
            match conformance::run_cli(&file, &kind, std::io::stdout().lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("conformance: {}: {e}", file.display());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The server, until it is stopped. The log is set up first, in the format
/// asked for, so that configuration errors are logged in it too.
fn serve() -> ExitCode {
    let vars = config::vars();
    let format = vars
        .as_ref()
        .ok()
        .and_then(|v| LogFormat::from_vars(v).ok())
        .unwrap_or_default();
    logging::init(format);
    let served = vars
        .and_then(|vars| {
            for unknown in config::unknown_vars(&vars) {
                log::warn!("{unknown}");
            }
            Config::from_vars(&vars)
        })
        .map_err(|e| format!("configuration: {e}"))
        .and_then(|cfg| match cfg.role {
            Role::Origin => serve::serve(cfg),
            Role::Edge => edge::serve(cfg),
        });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
