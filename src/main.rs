fn main() {
    env_logger::init();
    let args: Vec<String> = std::env::args().collect();
    if let [_, cmd, file] = args.as_slice()
        && cmd == "conformance"
    {
        let path = std::path::Path::new(file);
        if let Err(e) = spectra_server::game::conformance::run_cli(path, std::io::stdout().lock()) {
            eprintln!("conformance: {}: {e}", path.display());
            std::process::exit(1);
        }
        return;
    }
    log::error!("spectra-server: the server is not assembled yet");
    std::process::exit(1);
}
