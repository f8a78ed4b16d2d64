//! `spectra-server`: the server on its configuration ([`serve`], or
//! [`edge`] with `SPECTRA_ROLE=edge`), or, as
//! `spectra-server conformance FILE [KIND]`, a recorded game replayed
//! through the game model (see [`conformance`]).

mod conformance;
mod edge;
// The static build's copies (tested on any x86_64 build).
#[cfg(all(target_arch = "x86_64", any(target_env = "musl", test)))]
mod memcpy;
mod ports;
mod running;
mod serve;

use std::process::ExitCode;

use spectra_server::config::{Config, Role};

/// mimalloc rather than the C library's allocator. With musl's, the static
/// build the image ships ingested at about half the normal build's rate;
/// with glibc, mimalloc is as fast on ingest and fanout and keeps idle
/// frontends a little smaller (2.8 against 3.0 KB each), so every build
/// has it, and the two builds differ only by their C library. Its `no_thp`
/// feature: asking for transparent huge pages for its arenas tripled the
/// resident memory of an idle server (2 MB pages touched per thread).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let [_, cmd, file, kind @ ..] = args.as_slice()
        && cmd == "conformance"
        && kind.len() <= 1
    {
        env_logger::init();
        let path = std::path::Path::new(file);
        let kind = kind.first().map_or("expected", String::as_str);
        if let Err(e) = conformance::run_cli(path, kind, std::io::stdout().lock()) {
            eprintln!("conformance: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .init();
    let served = Config::load()
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
