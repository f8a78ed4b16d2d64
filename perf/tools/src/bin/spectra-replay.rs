//! spectra-replay: plays a `.replay` file or a recorded conformance game as
//! an observer against any Spectra server (see `perf/README.md`).

use spectra_perf::args::Args;
use spectra_perf::player;

fn main() {
    let a = Args::parse(std::env::args().skip(1));
    if a.positional.is_empty() || a.has("help") {
        eprintln!("{}", player::USAGE);
        std::process::exit(2);
    }
    if let Err(e) = player::main(&a) {
        eprintln!("spectra-replay: {e}");
        std::process::exit(1);
    }
}
