//! Variables named like this server's settings that nothing reads: a typo
//! (`SPECTRA_BROADCAST_PORTS=6200`) would otherwise leave the default in
//! force without a word.

use std::collections::HashMap;
use std::fmt;

/// Every `SPECTRA_` variable read by the server (`config.rs`), and those
/// its tests and tools read, which may well be set where it runs.
const KNOWN: &[&str] = &[
    "SPECTRA_BIND",
    "SPECTRA_INGEST_PORT",
    "SPECTRA_REST_PORT",
    "SPECTRA_BROADCAST_PORT",
    "SPECTRA_REPLAYS",
    "SPECTRA_REPLAY_DIR",
    "SPECTRA_RECOVER",
    "SPECTRA_PIN_CORE",
    "SPECTRA_BROADCAST_SHARDS",
    "SPECTRA_STANDALONE_LEVEL",
    "SPECTRA_STREAM_LEVEL",
    "SPECTRA_REST_MAX_BODY",
    "SPECTRA_SHUTDOWN_SECS",
    "SPECTRA_DRAIN_SECS",
    "SPECTRA_SUMMARY_SECS",
    "SPECTRA_LOG_FORMAT",
    "SPECTRA_ROLE",
    "SPECTRA_REDIS_URL",
    "SPECTRA_TEST_CLOCK",
    "SPECTRA_CLIENT_DEEPLINK",
    // Tests and tools: where the recorded games are, the e2e tests'
    // server logs on their output, and the static binary they run in an
    // empty root.
    "SPECTRA_CONFORMANCE",
    "SPECTRA_E2E_VERBOSE",
    "SPECTRA_E2E_LOG",
    "SPECTRA_STATIC_BIN",
];

/// The furthest a name may be from a setting's (in edits) to be offered
/// as what was meant.
const MAX_EDITS: usize = 3;

/// A `SPECTRA_` variable that is set but read by nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The variable as set.
    pub name: String,
    /// The setting it is closest to, when one is close.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a setting of this server: ignored", self.name)?;
        match self.suggestion {
            Some(s) => write!(f, " (did you mean {s}?)"),
            None => Ok(()),
        }
    }
}

/// The variables in `vars` that start with `SPECTRA_` (in any case) but
/// are not a known name, sorted by name.
pub fn unknown_vars(vars: &HashMap<String, String>) -> Vec<Unknown> {
    let mut found: Vec<Unknown> = vars
        .keys()
        .filter(|k| {
            k.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("SPECTRA_"))
                && !KNOWN.contains(&k.as_str())
        })
        .map(|k| {
            let upper = k.to_ascii_uppercase();
            let suggestion = KNOWN
                .iter()
                .map(|known| (strsim::levenshtein(&upper, known), *known))
                .filter(|(d, _)| *d <= MAX_EDITS)
                .min()
                .map(|(_, known)| known);
            Unknown {
                name: k.clone(),
                suggestion,
            }
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(names: &[&str]) -> HashMap<String, String> {
        names
            .iter()
            .map(|k| (k.to_string(), "1".to_owned()))
            .collect()
    }

    #[test]
    fn typos_are_named_with_the_setting_meant() {
        let found = unknown_vars(&vars(&[
            "SPECTRA_BROADCAST_PORTS",
            "spectra_rest_port",
            "SPECTRA_SOMETHING_ELSE_ENTIRELY",
            "SPECTRA_BROADCAST_PORT",
            "AUTH_KEY",
            "PATH",
            "SPECTRA",
        ]));
        assert_eq!(
            found,
            vec![
                Unknown {
                    name: "SPECTRA_BROADCAST_PORTS".into(),
                    suggestion: Some("SPECTRA_BROADCAST_PORT"),
                },
                Unknown {
                    name: "SPECTRA_SOMETHING_ELSE_ENTIRELY".into(),
                    suggestion: None,
                },
                Unknown {
                    name: "spectra_rest_port".into(),
                    suggestion: Some("SPECTRA_REST_PORT"),
                },
            ]
        );
        assert_eq!(
            found[0].to_string(),
            "SPECTRA_BROADCAST_PORTS is not a setting of this server: ignored (did you mean SPECTRA_BROADCAST_PORT?)"
        );
    }

    #[test]
    fn every_variable_the_configuration_reads_is_known() {
        // A setting added to config.rs but not here would be warned about.
        let source = include_str!("../config.rs");
        let mut read = 0;
        for (i, _) in source.match_indices("\"SPECTRA_") {
            let name: String = source[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            if source[i + 1 + name.len()..].starts_with('"') {
                assert!(KNOWN.contains(&name.as_str()), "{name} is not in KNOWN");
                read += 1;
            }
        }
        assert!(read > 15, "found only {read} names");
    }
}
