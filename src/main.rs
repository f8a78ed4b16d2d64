fn main() {
    env_logger::init();
    log::error!("spectra-server: the server is not assembled yet");
    std::process::exit(1);
}
