//! The recorded conformance games (`../shared/conformance/`, beside the
//! repository): where they are, their input lines and the recording clock,
//! and reading their files, gzipped or not. The server's `conformance`
//! subcommand reads inputs with it; tests and benchmarks also find the
//! recordings and read their expected lines with it.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The recording clock: `Date.now() = BASE_MS + t`.
pub const BASE_MS: u64 = 1_750_000_000_000;

/// One client emit from an input file.
#[derive(Debug, Clone)]
pub struct Input {
    pub t: u64,
    pub socket: String,
    pub event: String,
    /// The text the client sent (`JSON.stringify(data)`, or `raw`).
    pub payload: String,
}

/// Where the recorded games are: `$SPECTRA_CONFORMANCE`, or
/// `shared/conformance` beside the repository (or one level further up,
/// for worktrees kept inside the checkout's folder).
pub fn recordings_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SPECTRA_CONFORMANCE") {
        return Some(PathBuf::from(d));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../shared/conformance", "../../../shared/conformance"]
        .iter()
        .map(|d| here.join(d))
        .find(|d| d.is_dir())
}

/// Reads a text file, gunzipping it when its name ends in `.gz`.
pub fn read_text(path: &Path) -> io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(BufReader::new(file)).read_to_string(&mut text)?;
    } else {
        BufReader::new(file).read_to_string(&mut text)?;
    }
    Ok(text)
}

/// Reads non-empty lines of a (possibly gzipped) file.
pub fn read_lines(path: &Path) -> io::Result<Vec<String>> {
    let text = read_text(path)?;
    Ok(BufReader::new(text.as_bytes())
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .collect())
}

fn bad(line: usize, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("input line {}: {what}", line + 1),
    )
}

/// Parses input lines (`{"t","socket","event","data"|"raw"}`).
pub fn parse_inputs(text: &str) -> io::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(i, &e.to_string()))?;
        let t = v
            .get("t")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| bad(i, "no t"))?;
        let socket = v
            .get("socket")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(i, "no socket"))?
            .to_owned();
        let event = v
            .get("event")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(i, "no event"))?
            .to_owned();
        let payload = match (v.get("raw"), v.get("data")) {
            (Some(serde_json::Value::String(raw)), _) => raw.clone(),
            (_, Some(data)) => data.to_string(),
            _ => "null".to_owned(),
        };
        inputs.push(Input {
            t,
            socket,
            event,
            payload,
        });
    }
    Ok(inputs)
}
