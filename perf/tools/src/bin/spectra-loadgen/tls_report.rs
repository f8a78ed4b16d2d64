//! The report's section on TLS: each server measured again with TLS (a
//! server named `NAME-tls`, e.g. `ours-tls` beside `ours`) against its
//! plain rows of the same run, scenario by scenario: what TLS costs in CPU
//! per delivered `match_data` (per logon for storms) and in p99 latency.

use std::fmt::Write as _;

use super::report::{cpu_per_unit_us, f, ratio};
use super::scenario::Outcome;

/// What a TLS server's name ends with; the rest names its plain twin.
const SUFFIX: &str = "-tls";

/// The section (empty without a `NAME-tls` server whose `NAME` ran too).
pub fn section(rows: &[Outcome]) -> String {
    let pairs: Vec<(&Outcome, &Outcome)> = rows
        .iter()
        .filter_map(|t| {
            let plain = t.server.strip_suffix(SUFFIX)?;
            let p = rows.iter().find(|p| {
                p.server == plain
                    && (&p.scenario, p.frontends, p.matches)
                        == (&t.scenario, t.frontends, t.matches)
            })?;
            Some((t, p))
        })
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    let mut md = String::new();
    let _ = writeln!(md, "\n## TLS against plain, same run\n");
    let _ = writeln!(
        md,
        "Each `NAME-tls` server is `NAME` with `SERVER_KEY`/`SERVER_CERT` (every frontend and observer its own TLS session). CPU µs/unit: server CPU per delivered `match_data` (per logon for storms, whose handshakes it includes); ratios TLS / plain.\n"
    );
    let _ = writeln!(
        md,
        "| scenario | frontends | matches | server | CPU µs/unit plain | CPU µs/unit TLS | CPU ratio | p99 ms plain | p99 ms TLS | p99 ratio | rate ratio | load plain / TLS |"
    );
    let _ = writeln!(md, "|{}", "---|".repeat(12));
    for (t, p) in pairs {
        let (cp, ct) = (cpu_per_unit_us(p), cpu_per_unit_us(t));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} / {:.1} |",
            t.scenario,
            t.frontends,
            t.matches,
            p.server,
            f(cp, 2),
            f(ct, 2),
            ratio(ct, cp),
            f(p.p99, 1),
            f(t.p99, 1),
            ratio(t.p99, p.p99),
            ratio(t.rate, p.rate),
            p.load,
            t.load,
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &str, server: &str, frontends: usize, cpu: f64, p99: f64) -> Outcome {
        Outcome {
            scenario: scenario.into(),
            server: server.into(),
            frontends,
            matches: 1,
            p99: Some(p99),
            server_cpu: Some(cpu),
            deliveries_per_s: 100_000.0,
            ..Outcome::default()
        }
    }

    #[test]
    fn each_tls_row_is_set_beside_its_plain_twin() {
        let rows = [
            row("fanout", "ours", 1000, 0.5, 100.0),
            row("fanout", "ours", 10000, 0.8, 150.0),
            row("fanout", "node", 1000, 2.0, 400.0),
            row("fanout", "ours-tls", 1000, 0.6, 110.0),
            // No plain twin at this size: left out.
            row("fanout", "ours-tls", 2000, 0.9, 120.0),
            row("fanout", "ours-tls", 10000, 1.2, 300.0),
            row("fanout", "reference-tls", 1000, 4.0, 800.0),
            row("fanout", "reference", 1000, 2.0, 400.0),
        ];
        let md = section(&rows);
        let lines: Vec<&str> = md.lines().filter(|l| l.starts_with("| fanout")).collect();
        assert_eq!(
            lines,
            [
                "| fanout | 1000 | 1 | ours | 5.00 | 6.00 | 1.20 | 100.0 | 110.0 | 1.10 | – | 0.0 / 0.0 |",
                "| fanout | 10000 | 1 | ours | 8.00 | 12.00 | 1.50 | 150.0 | 300.0 | 2.00 | – | 0.0 / 0.0 |",
                "| fanout | 1000 | 1 | reference | 20.00 | 40.00 | 2.00 | 400.0 | 800.0 | 2.00 | – | 0.0 / 0.0 |",
            ]
        );
        assert_eq!(section(&rows[..3]), "", "no TLS rows, no section");
    }

    #[test]
    fn storms_compare_cpu_per_logon_and_the_logon_rate() {
        let storm = |server: &str, cpu: f64, rate: f64| Outcome {
            rate: Some(rate),
            ..row("storm", server, 5000, cpu, 900.0)
        };
        let md = section(&[
            storm("ours", 1.0, 20_000.0),
            storm("ours-tls", 1.0, 10_000.0),
        ]);
        assert!(
            md.contains(
                "| storm | 5000 | 1 | ours | 50.00 | 100.00 | 2.00 | 900.0 | 900.0 | 1.00 | 0.50 |"
            ),
            "{md}"
        );
    }
}
