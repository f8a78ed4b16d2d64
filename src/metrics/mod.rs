//! `GET /metrics`: the Prometheus text format, built with `prometheus-client`.
//!
//! Counting costs the hot paths nothing shared: reactors and the match
//! thread count in plain integers and publish them into atomics of their
//! own once a loop turn or command ([`crate::net::counters`],
//! [`crate::hub::counters`]); this module reads them when scraped. Only rare
//! events (logons, backend calls) increment shared counters directly. No
//! label carries a group code, a key or anything a client chose.

mod process;
mod summary;

pub use summary::Summary;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::hub::counters::MatchCounters;
use crate::net::counters::{BUCKETS, Counters, Histogram};

/// Labels of a counter family: (name, value) pairs.
pub type Labels = Vec<(&'static str, &'static str)>;

/// A counter family incremented where its rare events happen.
pub type Events = Family<Labels, Counter>;

/// Frontend logons on the broadcast port, shared by its shards (logons
/// are rare next to frames).
#[derive(Debug, Default)]
pub struct LogonCounts {
    /// Answered `logon_success`.
    pub accepted: AtomicU64,
    /// Left unanswered (an argument the reference cannot read).
    pub refused: AtomicU64,
}

/// Everything `/metrics` reports, gathered when scraped.
pub struct Metrics {
    registry: Registry,
}

/// The sources a scrape reads.
#[derive(Clone)]
pub struct Sources {
    /// Each reactor's counters, by port label (`ingest`, `broadcast`,
    /// `rest`); shards of one port share its label and are summed.
    pub ports: Vec<(&'static str, Arc<Counters>)>,
    /// The match thread's (none on an edge).
    pub hub: Option<Arc<MatchCounters>>,
    /// Live matches now.
    pub matches: Arc<dyn Fn() -> usize + Send + Sync>,
    /// Frontend logons (the observers' are the match thread's).
    pub frontend_logons: Arc<LogonCounts>,
    /// Calls to the backend and services, by service and outcome.
    pub backend: Events,
}

impl Sources {
    /// The port labels, in order, each once.
    fn port_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.ports.iter().map(|(p, _)| *p).collect();
        names.dedup();
        names
    }

    fn of(&self, port: &'static str) -> impl Iterator<Item = &Arc<Counters>> {
        self.ports
            .iter()
            .filter(move |(p, _)| *p == port)
            .map(|(_, c)| c)
    }

    /// Open Engine.IO sessions on `port` (all its shards).
    fn sessions(&self, port: &'static str) -> u64 {
        self.of(port)
            .map(|c| c.sessions.load(Ordering::Relaxed))
            .sum()
    }

    /// `match_data` frames delivered, and replaced unwritten, on all ports.
    fn deliveries_and_drops(&self) -> (u64, u64) {
        self.ports.iter().fold((0, 0), |(d, r), (_, c)| {
            let s = c.read();
            (d + s.latest_written, r + s.latest_replaced)
        })
    }
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("ports", &self.ports.len())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Metrics over `sources`, and the process's own.
    pub fn new(sources: Sources) -> Self {
        let mut registry = Registry::default();
        registry.register(
            "spectra_backend_requests",
            "Calls to the organisation backend and services, by service and outcome",
            sources.backend.clone(),
        );
        registry.register_collector(Box::new(Gathered(sources)));
        registry.register_collector(Box::new(process::Process::new()));
        Metrics { registry }
    }

    /// The exposition: OpenMetrics when the scraper asks for it (Prometheus
    /// does), else the Prometheus text format (curl, `promtool`).
    pub fn encode(&self, format: Format) -> String {
        let mut out = String::new();
        let encoded = match format {
            Format::OpenMetrics => {
                prometheus_client::encoding::text::encode(&mut out, &self.registry)
            }
            Format::Text => {
                prometheus_client::encoding::text::encode_registry(&mut out, &self.registry)
            }
        };
        if let Err(e) = encoded {
            log::error!("metrics: {e}");
        }
        match format {
            Format::OpenMetrics => out,
            Format::Text => text_format(&out),
        }
    }
}

/// The two expositions a scraper may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
    /// `text/plain; version=0.0.4`.
    Text,
}

impl Format {
    /// OpenMetrics if `accept` (the request's `Accept`) lists it.
    pub fn for_accept(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Text,
        }
    }

    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// OpenMetrics text as the older Prometheus text format: the one
/// difference among the series here is that a counter family is named with
/// its `_total` (OpenMetrics names it without, and its samples with).
fn text_format(open: &str) -> String {
    let counters: Vec<&str> = open
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(open.len() + 16 * counters.len());
    for line in open.lines() {
        let meta = ["# HELP ", "# TYPE "]
            .iter()
            .find_map(|p| Some((*p, line.strip_prefix(p)?)));
        match meta {
            Some((prefix, rest)) => {
                let name = rest.split(' ').next().unwrap_or_default();
                out.push_str(prefix);
                out.push_str(name);
                if counters.contains(&name) {
                    out.push_str("_total");
                }
                out.push_str(&rest[name.len()..]);
            }
            None if line.starts_with("# ") => continue, // `# UNIT`, `# EOF`
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The per-thread counts, read on each scrape.
#[derive(Debug)]
struct Gathered(Sources);

fn gauge(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, i64)],
) -> Result<(), std::fmt::Error> {
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, v) in values {
        ConstGauge::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

fn counter(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, u64)],
) -> Result<(), std::fmt::Error> {
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, v) in values {
        ConstCounter::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

fn histogram(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    of: &[&Histogram],
) -> Result<(), std::fmt::Error> {
    let mut counts = [0u64; BUCKETS.len() + 1];
    let mut sum = 0.0;
    for h in of {
        let (c, s) = h.read();
        for (total, n) in counts.iter_mut().zip(c) {
            *total += n;
        }
        sum += s;
    }
    let mut buckets: Vec<(f64, u64)> = BUCKETS.iter().copied().zip(counts).collect();
    buckets.push((f64::INFINITY, counts[BUCKETS.len()]));
    let total = counts.iter().sum();
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Histogram)?;
    m.encode_histogram::<prometheus_client::encoding::NoLabelSet>(sum, total, &buckets, None)
}

impl Collector for Gathered {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = &self.0;
        let ports = s.port_names();
        let sessions: Vec<(Labels, i64)> = ports
            .iter()
            .filter(|p| **p != "rest")
            .map(|p| {
                let n = s.sessions(p);
                (vec![("port", *p)], i64::try_from(n).unwrap_or(i64::MAX))
            })
            .collect();
        gauge(
            &mut enc,
            "spectra_connections",
            "Open Engine.IO sessions, by port",
            &sessions,
        )?;
        gauge(
            &mut enc,
            "spectra_matches",
            "Live matches (on an edge: the rooms it relays)",
            &[(vec![], i64::try_from((s.matches)()).unwrap_or(i64::MAX))],
        )?;
        let (deliveries, drops) = s.deliveries_and_drops();
        counter(
            &mut enc,
            "spectra_match_data_deliveries",
            "match_data frames written to WebSockets or handed to a poll",
            &[(vec![], deliveries)],
        )?;
        counter(
            &mut enc,
            "spectra_broadcast_frames_dropped",
            "Broadcast frames replaced unwritten by a newer one (latest-wins)",
            &[(vec![], drops)],
        )?;
        let bytes: Vec<(Labels, u64)> = ports
            .iter()
            .map(|p| {
                (
                    vec![("port", *p)],
                    s.of(p).map(|c| c.read().bytes_sent).sum(),
                )
            })
            .collect();
        counter(
            &mut enc,
            "spectra_bytes_sent",
            "Bytes written to sockets, by port",
            &bytes,
        )?;
        let rounds: Vec<&Histogram> = s.ports.iter().map(|(_, c)| &c.rounds).collect();
        histogram(
            &mut enc,
            "spectra_broadcast_round_seconds",
            "From a tick's broadcast being built to the last socket of that round written",
            &rounds,
        )?;
        let f = &s.frontend_logons;
        let mut logons = vec![
            (
                vec![("port", "broadcast"), ("outcome", "accepted")],
                f.accepted.load(Ordering::Relaxed),
            ),
            (
                vec![("port", "broadcast"), ("outcome", "refused")],
                f.refused.load(Ordering::Relaxed),
            ),
        ];
        if let Some(hub) = &s.hub {
            let (c, dropped) = hub.read();
            counter(
                &mut enc,
                "spectra_ingest_events",
                "Accepted observer and auxiliary events, by kind",
                &[
                    (vec![("kind", "obs_data")], c.obs_data),
                    (vec![("kind", "aux_data")], c.aux_data),
                ],
            )?;
            histogram(
                &mut enc,
                "spectra_tick_seconds",
                "Match-thread time to build one tick's frames",
                &[&hub.ticks],
            )?;
            counter(
                &mut enc,
                "spectra_replay_events_dropped",
                "Replay log events left out because the writer was behind",
                &[(vec![], dropped)],
            )?;
            logons.push((
                vec![("port", "ingest"), ("outcome", "accepted")],
                c.logons_accepted,
            ));
            logons.push((
                vec![("port", "ingest"), ("outcome", "refused")],
                c.logons_refused,
            ));
        }
        counter(
            &mut enc,
            "spectra_logons",
            "Logons answered, by port and outcome",
            &logons,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_names_counter_families_with_their_total() {
        let open = "# HELP a_bytes Bytes.\n# TYPE a_bytes counter\n# UNIT a_bytes bytes\na_bytes_total{port=\"x\"} 3\n# HELP b Gauge.\n# TYPE b gauge\nb 1\n# EOF\n";
        assert_eq!(
            text_format(open),
            "# HELP a_bytes_total Bytes.\n# TYPE a_bytes_total counter\na_bytes_total{port=\"x\"} 3\n# HELP b Gauge.\n# TYPE b gauge\nb 1\n"
        );
    }

    #[test]
    fn prometheus_gets_openmetrics_and_others_the_text_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::for_accept(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::for_accept(Some("*/*")), Format::Text);
        assert_eq!(Format::for_accept(None), Format::Text);
    }
}
