//! The report's section on the `edges` scenario: its rows side by side
//! with the origin's and Redis' share, then what the Redis hop adds to
//! latency, an edge's CPU per delivered `match_data` against the single
//! node's, the origin's CPU as edges attach, Redis' traffic per match, and
//! whether the goals are met.

use std::fmt::Write as _;

use super::report::{cpu_per_unit_us, f};
use super::scenario::Outcome;

/// An edge's CPU per delivered `match_data` may be this much the single
/// node's.
const EDGE_CPU_GOAL: f64 = 1.1;
/// The origin's CPU with every edge attached against its CPU alone: the
/// goal is "the same", and this is the noise allowed (less is noise too:
/// the origin publishes once per update whoever listens).
const ORIGIN_CPU_GOAL: f64 = 1.1;
/// With every edge: no update missed, every frontend live, p99 at most
/// this (ms).
const P99_GOAL_MS: f64 = 200.0;

/// The section (empty without `edges` rows).
pub fn section(rows: &[Outcome]) -> String {
    let rows: Vec<&Outcome> = rows.iter().filter(|o| o.scenario == "edges").collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Edges: one match's audience on a single node or on edges over Redis\n"
    );
    let _ = writeln!(
        md,
        "The single node is our server alone (no Redis) with the whole audience; then an origin publishing to Redis with 0, 1, … edges attached, each edge serving an even share, the observer on the origin. Server CPU: the single node's, or the edges' summed; the origin's and Redis' beside it. Redis in: what the origin wrote (every update is stored and published); out: what the edges read.\n"
    );
    let _ = writeln!(
        md,
        "| topology | frontends | live | p50 ms | p99 ms | max ms | updates | missed | server CPU (cores) | CPU µs/match_data | origin CPU (cores) | origin µs/step | Redis CPU (cores) | Redis in kB/s | Redis out kB/s | Redis in B/update | Redis out B/update/edge | load |"
    );
    let _ = writeln!(md, "|{}", "---|".repeat(18));
    for o in &rows {
        let per_s = |b: Option<u64>| {
            b.filter(|_| o.window_s > 0.0)
                .map(|b| b as f64 / o.window_s / 1000.0)
        };
        let per_update = |b: Option<u64>, edges: usize| {
            b.filter(|_| o.updates > 0 && edges > 0)
                .map(|b| b as f64 / o.updates as f64 / edges as f64)
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
            topology(o),
            o.frontends,
            o.live,
            f(o.p50, 1),
            f(o.p99, 1),
            f(o.max, 1),
            o.updates,
            o.missed,
            f(o.server_cpu, 3),
            f(cpu_per_unit_us(o), 2),
            f(o.origin_cpu, 3),
            f(o.origin_us_per_step, 0),
            f(o.redis_cpu, 3),
            f(per_s(o.redis_in_bytes), 1),
            f(per_s(o.redis_out_bytes), 1),
            f(per_update(o.redis_in_bytes, 1), 0),
            f(per_update(o.redis_out_bytes, o.edges.unwrap_or(0)), 0),
            o.load,
        );
    }
    let _ = writeln!(md);
    let single = rows.iter().find(|o| o.edges.is_none());
    let most = rows
        .iter()
        .filter(|o| o.edges.is_some_and(|k| k > 0))
        .max_by_key(|o| o.edges);
    if let (Some(s), Some(e)) = (single, most) {
        let diff = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:+.1} ms ({a:.1} → {b:.1})", b - a),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            md,
            "- **What the Redis hop adds** ({} against the single node, {} and {} frontends): p50 {}, p99 {}",
            topology(e),
            e.frontends,
            s.frontends,
            diff(s.p50, e.p50),
            diff(s.p99, e.p99)
        );
        let (ce, cs) = (cpu_per_unit_us(e), cpu_per_unit_us(s));
        let r = ratio(ce, cs);
        let _ = writeln!(
            md,
            "- **Edge CPU per delivered `match_data`**: {} µs on the edges against {} µs on the single node: {}× (goal ≤ {EDGE_CPU_GOAL}×: {})",
            f(ce, 2),
            f(cs, 2),
            f(r, 2),
            verdict(r.map(|r| r <= EDGE_CPU_GOAL))
        );
    }
    let origin: Vec<&&Outcome> = rows.iter().filter(|o| o.edges.is_some()).collect();
    if let (Some(alone), Some(e)) = (origin.iter().find(|o| o.edges == Some(0)), most) {
        let ks: Vec<String> = origin
            .iter()
            .map(|o| o.edges.unwrap_or(0).to_string())
            .collect();
        let cpus: Vec<String> = origin.iter().map(|o| f(o.origin_cpu, 3)).collect();
        let steps: Vec<String> = origin.iter().map(|o| f(o.origin_us_per_step, 0)).collect();
        let r = ratio(e.origin_us_per_step, alone.origin_us_per_step);
        let _ = writeln!(
            md,
            "- **Origin CPU** with {} edges: {} cores, {} µs per game step; per step with {} against none: {}× (goal: the same, at most {ORIGIN_CPU_GOAL}×: {})",
            ks.join(" / "),
            cpus.join(" / "),
            steps.join(" / "),
            topology(e),
            f(r, 2),
            verdict(r.map(|r| r <= ORIGIN_CPU_GOAL))
        );
    }
    if let Some(e) = most {
        let ok = e.live == e.frontends
            && e.live > 0
            && e.missed == 0
            && e.p99.is_some_and(|p| p <= P99_GOAL_MS);
        let _ = writeln!(
            md,
            "- **{} on one match**: {} of {} live, {} missed, p99 {} ms (goal: every frontend live, 0 missed, p99 ≤ {P99_GOAL_MS} ms: {})",
            topology(e),
            e.live,
            e.frontends,
            e.missed,
            f(e.p99, 1),
            verdict(Some(ok))
        );
        let k = e.edges.unwrap_or(1).max(1) as f64;
        let per_update = |b: Option<u64>| {
            b.filter(|_| e.updates > 0)
                .map(|b| b as f64 / e.updates as f64)
        };
        let (i, w) = (
            per_update(e.redis_in_bytes),
            per_update(e.redis_out_bytes).map(|b| b / k),
        );
        let _ = writeln!(
            md,
            "- **Redis traffic per match**: {} B/update in (origin → Redis), {} B/update out per edge (Redis → edge); at 10 updates/s: {} kB/s in, {} kB/s out per edge",
            f(i, 0),
            f(w, 0),
            f(i.map(|b| b * 10.0 / 1000.0), 1),
            f(w.map(|b| b * 10.0 / 1000.0), 1)
        );
    }
    md
}

/// How a row's audience was served.
fn topology(o: &Outcome) -> String {
    match o.edges {
        None => format!("single node ({})", o.server),
        Some(0) => "origin alone".to_owned(),
        Some(1) => format!("1 edge × {}", o.frontends),
        Some(k) => format!("{k} edges × {}", o.frontends / k),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (b > 0.0).then(|| a / b)
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "–",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(edges: Option<usize>, frontends: usize) -> Outcome {
        Outcome {
            scenario: "edges".into(),
            server: if edges.is_none() { "ours" } else { "edges" }.into(),
            frontends,
            live: frontends,
            edges,
            updates: 100,
            window_s: 10.0,
            p50: Some(70.0),
            p99: Some(150.0),
            deliveries_per_s: frontends as f64 * 10.0,
            server_cpu: (edges != Some(0)).then_some(0.5),
            origin_cpu: edges.map(|_| 0.04),
            origin_us_per_step: edges.map(|_| 400.0),
            redis_in_bytes: edges.map(|_| 4_000_000),
            redis_out_bytes: edges.map(|k| k as u64 * 2_000_000),
            ..Outcome::default()
        }
    }

    #[test]
    fn compares_the_edges_with_the_single_node_and_the_origin_alone() {
        let mut two = row(Some(2), 10_000);
        two.p50 = Some(73.5);
        two.p99 = Some(160.0);
        two.server_cpu = Some(0.525);
        two.origin_cpu = Some(0.042);
        two.origin_us_per_step = Some(420.0);
        let rows = [row(None, 10_000), row(Some(0), 0), row(Some(1), 5000), two];
        let md = section(&rows);
        assert!(md.contains("| 2 edges × 5000 | 10000 |"), "{md}");
        assert!(md.contains("| single node (ours) | 10000 |"), "{md}");
        assert!(md.contains("p50 +3.5 ms (70.0 → 73.5), p99 +10.0 ms (150.0 → 160.0)"));
        assert!(md.contains(
            "5.25 µs on the edges against 5.00 µs on the single node: 1.05× (goal ≤ 1.1×: met)"
        ));
        assert!(md.contains(
            "with 0 / 1 / 2 edges: 0.040 / 0.040 / 0.042 cores, 400 / 400 / 420 µs per game step"
        ));
        assert!(md.contains("1.05× (goal: the same, at most 1.1×: met)"));
        assert!(md.contains("10000 of 10000 live, 0 missed, p99 160.0 ms"));
        // 4 MB in and 2 × 2 MB out over 100 updates.
        assert!(md.contains("40000 B/update in (origin → Redis), 20000 B/update out per edge"));
        assert!(md.contains("400.0 kB/s in, 200.0 kB/s out per edge"));
    }

    #[test]
    fn goals_missed_say_so() {
        let mut two = row(Some(2), 10_000);
        two.missed = 3;
        two.server_cpu = Some(1.0);
        let md = section(&[row(None, 10_000), two]);
        assert!(md.contains("2.00× (goal ≤ 1.1×: **not met**)"), "{md}");
        assert!(md.contains("3 missed, p99 150.0 ms (goal: every frontend live, 0 missed, p99 ≤ 200 ms: **not met**)"), "{md}");
        assert_eq!(section(&[Outcome::default()]), "");
    }
}
