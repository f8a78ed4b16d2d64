//! spectra-replay: plays a `.replay` file or a recorded conformance game as
//! an observer against any Spectra server (see `perf/README.md`).

use clap::Parser;
use spectra_perf::player;

/// Plays a `.replay` file or a recorded game as an observer against any
/// Spectra server (see perf/README.md)
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    options: player::Options,
}

fn main() {
    if let Err(e) = player::main(&Cli::parse().options) {
        eprintln!("spectra-replay: {e}");
        std::process::exit(1);
    }
}
