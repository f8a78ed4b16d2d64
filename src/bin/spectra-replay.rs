//! spectra-replay: plays a `.replay` file or a recorded conformance game as
//! an observer against any Spectra server (see `perf/README.md`). It shares
//! the load generator's modules; the parts only the generator uses are
//! unused here, hence the allowance.

#[allow(dead_code)]
#[path = "spectra-loadgen/main.rs"]
mod loadgen;

fn main() {
    let a = loadgen::args::Args::parse(std::env::args().skip(1));
    if a.positional.is_empty() || a.has("help") {
        eprintln!("{}", loadgen::player::USAGE);
        std::process::exit(2);
    }
    if let Err(e) = loadgen::player::main(&a) {
        eprintln!("spectra-replay: {e}");
        std::process::exit(1);
    }
}
