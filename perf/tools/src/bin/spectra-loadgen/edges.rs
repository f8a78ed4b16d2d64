//! The edges scenario: one match's audience served by a single node, then
//! by an origin's edges over Redis, in one go so the rows share the
//! machine's conditions. What it shows: what the Redis hop adds to latency,
//! an edge's CPU per delivered `match_data` against the single node's, and
//! the origin's CPU as edges attach (it should not move: Redis, not the
//! origin, copies each room output to the edges).

use super::scenario::{self, Common, Outcome, Server};

/// One row to run.
#[derive(Debug)]
pub struct Row {
    pub server: Server,
    pub frontends: usize,
    /// As [`Outcome::edges`].
    pub edges: Option<usize>,
    pub label: String,
}

/// The rows for an audience of `n` on one match: `single` (a server on its
/// own, no Redis) with all of it, if there is one; then `edged` with none,
/// one, … all of its edges (its broadcast URLs, and the processes in the
/// same order), each edge taking `n / edges` frontends. With none, the
/// origin runs the match for nobody: its CPU then is the baseline that
/// attaching edges should not move.
pub fn plan(single: Option<&Server>, edged: &Server, n: usize) -> Vec<Row> {
    let all = edged.broadcast_urls.len();
    let mut rows: Vec<Row> = single
        .map(|s| Row {
            server: s.clone(),
            frontends: n,
            edges: None,
            label: format!("single node: {n} frontends, no Redis"),
        })
        .into_iter()
        .collect();
    for k in 0..=all {
        let frontends = n * k / all;
        rows.push(Row {
            server: Server {
                broadcast_urls: edged.broadcast_urls[..k].to_vec(),
                pids: edged.pids.iter().take(k).copied().collect(),
                ..edged.clone()
            },
            frontends,
            edges: Some(k),
            label: match k {
                0 => "origin alone: 0 edges, no frontends".to_owned(),
                1 => format!("1 edge × {frontends} frontends"),
                _ => format!("{k} edges × {} frontends", frontends / k),
            },
        });
    }
    rows
}

/// Runs one row of the plan.
pub fn run(row: &Row, c: &Common) -> Outcome {
    let mut o = scenario::matches(&row.server, c, 1, row.frontends, "edges");
    o.edges = row.edges;
    o.notes.insert(0, row.label.clone());
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectra_perf::wire;

    fn server(name: &str, urls: &[&str], pids: &[u32]) -> Server {
        Server {
            name: name.into(),
            ingest: wire::parse_target("127.0.0.1:1").unwrap(),
            broadcast_urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            pids: pids.to_vec(),
            origin_pid: Some(7),
            redis: None,
            only: Vec::new(),
            ratios: false,
        }
    }

    #[test]
    fn the_single_node_then_the_origin_with_more_and_more_edges() {
        let single = Server {
            origin_pid: None,
            ..server("ours", &["127.0.0.1:5200"], &[1])
        };
        let edged = server("edges", &["127.0.0.1:6200", "127.0.0.1:7200"], &[2, 3]);
        let rows = plan(Some(&single), &edged, 10_000);
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.server.name.as_str(),
                    r.server.broadcast_urls.len(),
                    r.server.pids.clone(),
                    r.frontends,
                    r.edges,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("ours", 1, vec![1], 10_000, None),
                ("edges", 0, vec![], 0, Some(0)),
                ("edges", 1, vec![2], 5000, Some(1)),
                ("edges", 2, vec![2, 3], 10_000, Some(2)),
            ]
        );
        assert_eq!(rows[3].label, "2 edges × 5000 frontends");
        assert_eq!(rows[3].server.origin_pid, Some(7));
        assert_eq!(plan(None, &edged, 10).len(), 3);
    }
}
