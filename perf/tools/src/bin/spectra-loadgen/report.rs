//! Results: one text line per outcome, the Markdown report with ratios of
//! the first server to the servers it is compared with, and an SVG plot of
//! p99 latency against frontends (fanout), written by hand.

use std::fmt::Write as _;
use std::path::Path;

use super::scenario::Outcome;
use super::{edges_report, tls_report};

pub fn f(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_owned(), |x| format!("{x:.digits$}"))
}

/// A run that failed or fell apart: later, bigger sizes are skipped.
pub fn collapsed(o: &Outcome) -> bool {
    let expected = o.updates * o.live as u64;
    o.live == 0
        || o.p99.is_none_or(|p| p > 5000.0)
        || (expected > 0 && o.missed * 2 > expected)
        || o.notes
            .iter()
            .any(|n| n.starts_with("stopped") || n.contains("RSS passed"))
}

pub fn row_text(o: &Outcome) -> String {
    format!(
        "{} {} frontends={} matches={} live={} p50={} p90={} p99={} max={} ms updates={} missed={} deliveries/s={:.0} server_cpu={} rss={} MB gen_cpu={:.2} wire/update={} payload/update={} rate={} rss/frontend={} KB load={:.1} {}",
        o.scenario,
        o.server,
        o.frontends,
        o.matches,
        o.live,
        f(o.p50, 1),
        f(o.p90, 1),
        f(o.p99, 1),
        f(o.max, 1),
        o.updates,
        o.missed,
        o.deliveries_per_s,
        f(o.server_cpu, 2),
        f(o.server_rss_mb, 0),
        o.generator_cpu,
        f(o.wire_per_update, 0),
        f(o.payload_per_update, 0),
        f(o.rate, 0),
        f(o.rss_per_frontend_kb, 1),
        o.load,
        o.notes.join("; ")
    )
}

/// Server CPU per unit of work, in µs: per delivered `match_data`, or per
/// ingested event / logon (rate). Robust to a crowded machine, where every
/// process gets a share of a core and wall-clock figures suffer.
pub fn cpu_per_unit_us(o: &Outcome) -> Option<f64> {
    let cpu = o.server_cpu?;
    let per_s = match o.rate {
        Some(r) if o.scenario == "ingest" || o.scenario.starts_with("storm") => r,
        _ => o.deliveries_per_s,
    };
    (per_s > 0.0).then(|| cpu / per_s * 1e6)
}

fn key(o: &Outcome) -> (String, usize, usize) {
    (o.scenario.clone(), o.frontends, o.matches)
}

/// `a / b` with two decimals, or a dash when either is missing.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}", a / b),
        _ => "–".to_owned(),
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}); server and generator share them")
}

/// Writes the Markdown report at `path` and the SVG plot beside it;
/// `compared` names the servers the first one is compared with.
pub fn write(
    path: &Path,
    rows: &[Outcome],
    command: &str,
    compared: &[String],
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let svg_path = path.with_extension("svg");
    let mut md = String::new();
    let _ = writeln!(md, "# Spectra perf results\n");
    let _ = writeln!(md, "- command: `{command}`");
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(
        md,
        "- load: the 1-minute load average when each row started; above the CPU count, other work competed with server and generator"
    );
    let _ = writeln!(
        md,
        "- latency: observer send → frontend receipt of the `match_data` carrying that probe (sampled frontends inflate every frame; all frontends count frames); storm: connect start → `logon_success`"
    );
    let _ = writeln!(
        md,
        "- CPU µs/unit: server CPU time per delivered `match_data` (per ingested event for ingest, per logon for storm): comparable even when the machine is crowded"
    );
    let _ = writeln!(
        md,
        "- updates: `match_data` frames the best-served frontend of each match received in the window; missed: frames other frontends lacked against it\n"
    );
    let _ = writeln!(md, "## Results\n");
    let _ = writeln!(
        md,
        "| scenario | server | frontends | matches | live | p50 ms | p90 ms | p99 ms | max ms | updates | missed | deliveries/s | server CPU (cores) | CPU µs/unit | server RSS MB | generator CPU | wire B/update | payload B/update | rate /s | RSS/frontend KB | load | notes |"
    );
    let _ = writeln!(md, "|{}", "---|".repeat(22));
    for o in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {:.2} | {} | {} | {} | {} | {:.1} | {} |",
            o.scenario,
            o.server,
            o.frontends,
            o.matches,
            o.live,
            f(o.p50, 1),
            f(o.p90, 1),
            f(o.p99, 1),
            f(o.max, 1),
            o.updates,
            o.missed,
            o.deliveries_per_s,
            f(o.server_cpu, 2),
            f(cpu_per_unit_us(o), 1),
            f(o.server_rss_mb, 0),
            o.generator_cpu,
            f(o.wire_per_update, 0),
            f(o.payload_per_update, 0),
            f(o.rate, 0),
            f(o.rss_per_frontend_kb, 1),
            o.load,
            o.notes.join("; ").replace('|', "/")
        );
    }
    // The edges rows compare topologies, not servers: their own section.
    let mut names: Vec<&str> = Vec::new();
    for o in rows.iter().filter(|o| o.scenario != "edges") {
        if !names.contains(&o.server.as_str()) {
            names.push(&o.server);
        }
    }
    md.push_str(&ratios(rows, &names, compared));
    md.push_str(&tls_report::section(rows));
    md.push_str(&edges_report::section(rows));
    let svg_name = svg_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "\n## p99 latency against frontends (fanout)\n\n![p99 latency]({svg_name})"
    );
    std::fs::write(path, md)?;
    std::fs::write(&svg_path, svg(rows, &names))
}

/// The ratios of the first server's rows to each compared server's rows of
/// the same scenario and size, one line per compared server, side by side
/// (ours / node, then ours / reference), so that a reader sees at once how
/// far each is behind or ahead.
fn ratios(rows: &[Outcome], names: &[&str], compared: &[String]) -> String {
    let mut md = String::new();
    let Some(&a) = names.first() else {
        return md;
    };
    let others: Vec<&str> = names[1..]
        .iter()
        .copied()
        .filter(|n| compared.iter().any(|c| c == n))
        .collect();
    if others.is_empty() {
        return md;
    }
    let _ = writeln!(md, "\n## Ratios {a} / {}\n", others.join(", "));
    let _ = writeln!(
        md,
        "| scenario | frontends | matches | {a} / | p99 | server CPU | CPU µs/unit | server RSS | wire/update | deliveries/s | rate | RSS/frontend |"
    );
    let _ = writeln!(md, "|{}", "---|".repeat(12));
    for x in rows
        .iter()
        .filter(|o| o.server == a && o.scenario != "edges")
    {
        for &b in &others {
            let Some(y) = rows.iter().find(|o| o.server == b && key(o) == key(x)) else {
                continue;
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {b} | {} | {} | {} | {} | {} | {} | {} | {} |",
                x.scenario,
                x.frontends,
                x.matches,
                ratio(x.p99, y.p99),
                ratio(x.server_cpu, y.server_cpu),
                ratio(cpu_per_unit_us(x), cpu_per_unit_us(y)),
                ratio(x.server_rss_mb, y.server_rss_mb),
                ratio(x.wire_per_update, y.wire_per_update),
                ratio(Some(x.deliveries_per_s), Some(y.deliveries_per_s)),
                ratio(x.rate, y.rate),
                ratio(x.rss_per_frontend_kb, y.rss_per_frontend_kb),
            );
        }
    }
    md
}

/// Log-log plot of fanout p99 (ms) against frontends, one line per server.
pub fn svg(rows: &[Outcome], names: &[&str]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 420.0;
    const L: f64 = 70.0;
    const R: f64 = 150.0;
    const T: f64 = 30.0;
    const B: f64 = 50.0;
    let pts: Vec<(&str, f64, f64)> = rows
        .iter()
        .filter(|o| o.scenario == "fanout" && o.frontends > 0)
        .filter_map(|o| Some((o.server.as_str(), o.frontends as f64, o.p99?.max(0.1))))
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (100.0f64, 1000.0f64, 10.0f64, 1000.0f64);
    for &(_, x, y) in &pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let (lx0, lx1) = (x0.log10().floor(), x1.log10().ceil());
    let (ly0, ly1) = (y0.log10().floor(), y1.log10().ceil());
    let px = |x: f64| L + (x.log10() - lx0) / (lx1 - lx0).max(1e-9) * (W - L - R);
    let py = |y: f64| H - B - (y.log10() - ly0) / (ly1 - ly0).max(1e-9) * (H - T - B);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">fanout: p99 latency (ms) vs frontends, one match at 10 Hz</text>",
        (W - R + L) / 2.0
    );
    for e in lx0 as i32..=lx1 as i32 {
        let v = 10f64.powi(e);
        let x = px(v);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{T}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#ddd\"/>",
            H - B
        );
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{v}</text>",
            H - B + 16.0
        );
    }
    for e in ly0 as i32..=ly1 as i32 {
        let v = 10f64.powi(e);
        let y = py(v);
        let _ = writeln!(
            s,
            "<line x1=\"{L}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>",
            W - R
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            L - 6.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">frontends</text>",
        (W - R + L) / 2.0,
        H - 12.0
    );
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">p99 ms</text>",
        H / 2.0,
        H / 2.0
    );
    // Colours and legend slots go to the servers with a line only (the
    // ingest-only and edges servers have none), so that up to six lines
    // (ours, node, the reference, the sink, …) each get a colour of their own.
    let colors = [
        "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
    ];
    let lines = names.iter().filter_map(|name| {
        let mut line: Vec<(f64, f64)> = pts
            .iter()
            .filter(|p| p.0 == *name)
            .map(|p| (p.1, p.2))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        (!line.is_empty()).then_some((name, line))
    });
    for (i, (name, line)) in lines.enumerate() {
        let c = colors[i % colors.len()];
        let poly: Vec<String> = line
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
            poly.join(" ")
        );
        for &(x, y) in &line {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\"/>",
                px(x),
                py(y)
            );
        }
        let ly = T + 20.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            "<line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2\"/>",
            W - R + 15.0,
            W - R + 40.0
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            W - R + 46.0,
            ly + 4.0,
            escape(name)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_per_unit_uses_the_scenario_s_unit() {
        let fanout = Outcome {
            scenario: "fanout".into(),
            server_cpu: Some(0.5),
            deliveries_per_s: 50_000.0,
            ..Outcome::default()
        };
        assert_eq!(cpu_per_unit_us(&fanout), Some(10.0));
        let ingest = Outcome {
            scenario: "ingest".into(),
            server_cpu: Some(1.0),
            rate: Some(200_000.0),
            deliveries_per_s: 10.0,
            ..Outcome::default()
        };
        assert_eq!(cpu_per_unit_us(&ingest), Some(5.0));
        assert_eq!(cpu_per_unit_us(&Outcome::default()), None);
    }

    fn fanout(server: &str, frontends: usize, p99: f64) -> Outcome {
        Outcome {
            scenario: "fanout".into(),
            server: server.into(),
            frontends,
            matches: 1,
            p99: Some(p99),
            ..Outcome::default()
        }
    }

    #[test]
    fn ratios_put_each_compared_server_beside_the_others() {
        let rows = [
            fanout("ours", 100, 50.0),
            fanout("ours", 1000, 100.0),
            fanout("node", 100, 100.0),
            fanout("node", 1000, 400.0),
            fanout("reference", 100, 200.0),
            fanout("sink", 100, 25.0),
        ];
        let names = ["ours", "node", "reference", "sink"];
        let compared = ["node".to_owned(), "reference".to_owned()];
        let md = ratios(&rows, &names, &compared);
        assert!(md.contains("## Ratios ours / node, reference\n"), "{md}");
        let lines: Vec<&str> = md.lines().filter(|l| l.starts_with("| fanout")).collect();
        // Per size: node, then the reference (which has no 1000 row: left
        // out); the sink is not compared.
        assert_eq!(
            lines,
            [
                "| fanout | 100 | 1 | node | 0.50 | – | – | – | – | – | – | – |",
                "| fanout | 100 | 1 | reference | 0.25 | – | – | – | – | – | – | – |",
                "| fanout | 1000 | 1 | node | 0.25 | – | – | – | – | – | – | – |",
            ]
        );
        assert_eq!(ratios(&rows, &names, &[]), "");
        assert_eq!(ratios(&rows, &["ours"], &compared), "");
    }

    #[test]
    fn every_plotted_server_has_a_colour_and_a_legend_slot_of_its_own() {
        let rows = [
            fanout("ours", 100, 50.0),
            fanout("node", 100, 100.0),
            Outcome {
                scenario: "ingest".into(),
                server: "ours-replays".into(),
                ..Outcome::default()
            },
            fanout("reference", 100, 200.0),
            fanout("reference", 1000, 900.0),
            fanout("sink", 100, 25.0),
        ];
        let s = svg(
            &rows,
            &["ours", "node", "ours-replays", "reference", "sink"],
        );
        assert_eq!(s.matches("<polyline").count(), 4);
        for (name, colour) in [
            ("ours", "#d62728"),
            ("node", "#1f77b4"),
            ("reference", "#2ca02c"),
            ("sink", "#9467bd"),
        ] {
            assert!(s.contains(&format!(">{name}</text>")), "{name}");
            assert_eq!(
                s.matches(&format!("stroke=\"{colour}\"")).count(),
                2,
                "{name}: its line and its legend"
            );
        }
        assert!(!s.contains("ours-replays"));
    }

    #[test]
    fn a_run_without_latency_or_with_half_the_updates_missed_collapsed() {
        let ok = Outcome {
            live: 10,
            p99: Some(150.0),
            updates: 10,
            missed: 5,
            ..Outcome::default()
        };
        assert!(!collapsed(&ok));
        assert!(collapsed(&Outcome {
            p99: Some(6000.0),
            ..ok.clone()
        }));
        assert!(collapsed(&Outcome {
            missed: 60,
            ..ok.clone()
        }));
        assert!(collapsed(&Outcome { live: 0, ..ok }));
    }
}
