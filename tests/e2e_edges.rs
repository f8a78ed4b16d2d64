//! Edges with real clients: a `redis-server`, an origin replaying a recorded
//! game from npm socket.io-client, and edge processes (`SPECTRA_ROLE=edge`)
//! serving socket.io-client frontends over every transport. Every frontend
//! must see the recorded states in order and end on the final one, through
//! Redis restarts and edge restarts, without a frame it cannot read.

mod e2e_support;
mod redis_support;

use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

use e2e_support::*;
use redis_support::Redis;
use serde_json::Value;

const GAME: &str = "game-01-regulation";

struct Cluster {
    redis: Redis,
    origin: Server,
    game: Game,
    group: String,
    states: PathBuf,
    final_idx: usize,
}

impl Cluster {
    fn start() -> Cluster {
        let redis = Redis::start();
        let origin = Server::start(&[("SPECTRA_REDIS_URL", &redis.url())]);
        let game = game(GAME);
        let group = game.states[0].group_code.clone();
        let states = write_states(&game, &temp_dir("edge-states"));
        let final_idx = final_index(&game);
        Cluster {
            redis,
            origin,
            game,
            group,
            states,
            final_idx,
        }
    }

    fn edge(&self) -> Server {
        Server::start(&[
            ("SPECTRA_ROLE", "edge"),
            ("SPECTRA_REDIS_URL", &self.redis.url()),
        ])
    }

    fn frontends(&self, on: &Server, count: usize, transports: Option<&str>) -> Frontends {
        let env: Vec<(&str, &str)> = transports
            .map(|t| vec![("FRONTEND_TRANSPORTS", t)])
            .unwrap_or_default();
        Frontends::start_env(on, &self.group, count, &self.states, self.final_idx, &env)
    }

    /// Starts the observer; with `pause_at`, it stops before that input
    /// line until [`resume`] (after this returns, it has paused).
    fn observe(&mut self, pause_at: Option<usize>) -> Child {
        let url = self.origin.ingest_url();
        match pause_at {
            Some(line) => observe_paused(&url, &self.game, line, &[]),
            None => node_spawn(
                "e2e_observer.js",
                &[&url, &self.game.input.to_string_lossy()],
            ),
        }
    }

    fn check(&self, frontends: &[Value], count: usize, transport: &str) {
        check_frontends_over(&self.game, frontends, &self.group, count, transport);
    }
}

fn finish(observer: Child) {
    parse_json(&wait_output(observer, Duration::from_secs(240)));
}

#[test]
fn a_recorded_game_reaches_frontends_on_two_edges_over_every_transport() {
    let mut c = Cluster::start();
    let edge_a = c.edge();
    let edge_b = c.edge();
    let a_default = c.frontends(&edge_a, 2, None);
    let a_ws = c.frontends(&edge_a, 1, Some("websocket"));
    let b_polling = c.frontends(&edge_b, 1, Some("polling"));
    let b_default = c.frontends(&edge_b, 1, None);
    let probe = c.frontends(&c.origin, 1, None);

    let pause = middle(&c.game);
    let mut observer = c.observe(Some(pause));
    // Garbage on the room's channel and under its key is never delivered.
    for junk in ["not ours", "SPXR\x01\x01", ""] {
        c.redis
            .cli(&["SPUBLISH", &format!("spectra:{{{}}}:out", c.group), junk]);
    }
    // A frontend on an edge that has not seen the room yet gets the
    // current state first: what the origin broadcast last.
    std::thread::sleep(Duration::from_millis(500));
    let current = probe.stop();
    let current = *Frontends::indexes(&current[0])
        .last()
        .expect("a state before the pause") as usize;
    let edge_c = c.edge();
    let late = c.frontends(&edge_c, 1, None);
    // Logged on: its edge subscribes and reads the stored state now.
    std::thread::sleep(Duration::from_secs(1));
    resume(&mut observer);
    finish(observer);

    c.check(&a_default.finish(), 2, "websocket");
    c.check(&a_ws.finish(), 1, "websocket");
    c.check(&b_polling.finish(), 1, "polling");
    c.check(&b_default.finish(), 1, "websocket");
    let late = late.finish();
    c.check(&late, 1, "websocket");
    let first = Frontends::indexes(&late[0])[0] as usize;
    assert!(
        c.game.states[first].state == c.game.states[current].state,
        "the late frontend's first state is line {first}, the current one line {current}"
    );
    for (edge, frontends) in [(edge_a, 3.0), (edge_b, 2.0), (edge_c, 1.0)] {
        let (_, _, body) = http(
            edge.rest,
            "GET /status HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(body, r#"{"status":"UP","matchesRunning":0,"redis":"up"}"#);
        // An edge's metrics: its frontends, and no match thread's series.
        let m = scrape_metrics(edge.rest);
        assert_eq!(
            metric(
                &m,
                r#"spectra_logons_total{port="broadcast",outcome="accepted"}"#
            ),
            frontends
        );
        assert!(
            metric(&m, "spectra_match_data_deliveries_total") > 0.0,
            "{m}"
        );
        assert!(!m.contains("spectra_ingest_events"), "{m}");
    }
}

#[test]
fn frontends_on_an_edge_ride_out_a_redis_restart() {
    let mut c = Cluster::start();
    let edge = c.edge();
    let default = c.frontends(&edge, 2, None);
    let ws = c.frontends(&edge, 1, Some("websocket"));
    let mut observer = c.observe(Some(middle(&c.game)));
    c.redis.kill();
    resume(&mut observer);
    // The game goes on at the origin while Redis is away.
    std::thread::sleep(Duration::from_millis(800));
    c.redis.restart();
    finish(observer);
    for (fronts, count) in [(default.finish(), 2), (ws.finish(), 1)] {
        c.check(&fronts, count, "websocket");
        for f in &fronts {
            assert_eq!(f["disconnects"], serde_json::json!([]), "{f}");
        }
    }
}

#[test]
fn an_edge_restarted_on_its_port_gets_its_frontends_back_with_the_current_state() {
    let mut c = Cluster::start();
    let mut edge = c.edge();
    let fronts = c.frontends(&edge, 2, None);
    let mut observer = c.observe(Some(middle(&c.game)));
    edge.kill_and_restart();
    // socket.io-client reconnects by itself (1 to 5 s) and logs on again.
    std::thread::sleep(Duration::from_secs(6));
    resume(&mut observer);
    finish(observer);
    let fronts = fronts.finish();
    c.check(&fronts, 2, "websocket");
    for f in &fronts {
        assert!(f["reconnects"].as_u64() >= Some(1), "{f}");
    }
}
