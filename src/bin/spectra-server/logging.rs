//! The log on stderr: env_logger's timestamped text lines, or with
//! `SPECTRA_LOG_FORMAT=json` one JSON object per line, so that log
//! shippers read the level and the message without parsing text (and a
//! message with a line break stays one record). `RUST_LOG` sets the level
//! either way.

use std::io::Write;

use spectra_server::config::LogFormat;

/// Installs the logger for the whole process.
pub fn init(format: LogFormat) {
    let mut b = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        LogFormat::Text => b.format_timestamp_millis(),
        LogFormat::Json => b.format(|buf, record| {
            let line = json_line(
                &buf.timestamp_millis().to_string(),
                record.level(),
                record.target(),
                &record.args().to_string(),
            );
            writeln!(buf, "{line}")
        }),
    };
    b.init();
}

/// One record as a JSON object: `timestamp` (RFC 3339, UTC), `level`,
/// `target` (the module) and `message`, in that order.
fn json_line(timestamp: &str, level: log::Level, target: &str, message: &str) -> String {
    serde_json::json!({
        "timestamp": timestamp,
        "level": level.as_str(),
        "target": target,
        "message": message,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_one_line_of_json() {
        let line = json_line(
            "2026-12-05T10:35:00.123Z",
            log::Level::Warn,
            "spectra_server::net::reactor",
            "a \"quoted\" peer\nsaid: \\",
        );
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(
            line,
            r#"{"timestamp":"2026-12-05T10:35:00.123Z","level":"WARN","target":"spectra_server::net::reactor","message":"a \"quoted\" peer\nsaid: \\"}"#
        );
    }
}
