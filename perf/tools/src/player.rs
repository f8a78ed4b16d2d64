//! The replay player: plays a game (a `.replay` file or a conformance
//! game) as an observer against any server, in the reference player's modes:
//! instantly, with a fixed delay, with the recorded timestamps, or step by
//! step from stdin; delays are divided by a speed factor.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::observer::{self, Observer};
use crate::source;
use crate::tls::TlsArgs;
use crate::wire::{self, Target};

/// How the events are paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// As fast as the server reads them
    Instant,
    /// `--delay` milliseconds between events
    Delay,
    /// The recorded gaps between events
    Timestamps,
    /// From stdin: Enter sends one, N sends N, `go` the rest, `exit` stops
    #[value(alias = "manual")]
    Step,
}

/// The replay player's command line (`spectra-replay`, `spectra-loadgen
/// replay`).
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// A `.replay` file or a recorded game (`*.input.jsonl[.gz]`)
    pub file: PathBuf,
    /// The server's ingest port
    #[arg(long, default_value = "http://127.0.0.1:5100", value_parser = wire::parse_target)]
    pub ingest: Target,
    /// How the events are paced
    #[arg(long, value_enum, default_value_t = Mode::Instant)]
    pub mode: Mode,
    /// Milliseconds between events with `--mode delay`
    #[arg(long, default_value_t = 500.0)]
    pub delay: f64,
    /// Every wait is divided by this
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Play under this group code instead of the recorded one
    #[arg(long)]
    pub group: Option<String>,
    /// The observer key, when the server requires one
    #[arg(long, default_value = "")]
    pub key: String,
    /// Go on after a `game_end` (the server removes the match on it)
    #[arg(long)]
    pub keep_end: bool,
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// Waits `d`, answering the server's pings meanwhile.
fn wait(obs: &mut Observer, d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    loop {
        obs.pump().map_err(|e| format!("observer: {e}"))?;
        obs.inbox.clear();
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

pub fn main(o: &Options) -> Result<(), String> {
    let (speed, mode) = (o.speed, o.mode);
    if speed <= 0.0 || !speed.is_finite() {
        return Err("--speed must be a positive number".into());
    }
    let mut game = source::load(&o.file)?.with_key(&o.key);
    if let Some(g) = &o.group {
        game = game.with_group(g);
    }
    let tls = o.tls.client()?;
    tls.check(&o.ingest)?;
    let mut obs = Observer::connect(&o.ingest, &tls, Duration::from_secs(10))
        .map_err(|e| format!("observer: {e}"))?;
    let ack = obs
        .logon(&game.logon.to_string(), Duration::from_secs(10))
        .map_err(|e| format!("observer: {e}"))?;
    eprintln!(
        "logged on to group {} ({} events, mode {mode:?}, speed {speed}): {ack}",
        game.group_code(),
        game.events.len()
    );
    let keep_end = o.keep_end;
    let started = Instant::now();
    let mut sent = 0usize;
    let mut lines = std::io::stdin().lock().lines();
    // In step mode: events still to send without asking.
    let mut budget = 0usize;
    for (i, ev) in game.events.iter().enumerate() {
        match mode {
            Mode::Instant => {}
            Mode::Delay if i > 0 => {
                wait(&mut obs, Duration::from_secs_f64(o.delay / 1000.0 / speed))?
            }
            Mode::Timestamps if i > 0 => {
                let gap = ev.t_ms.saturating_sub(game.events[i - 1].t_ms);
                wait(
                    &mut obs,
                    Duration::from_secs_f64(gap as f64 / 1000.0 / speed),
                )?;
            }
            Mode::Step if budget == 0 => {
                eprintln!(
                    "event {i}/{}: Enter sends one, N sends N, 'go' sends the rest, 'exit' stops",
                    game.events.len()
                );
                let Some(Ok(line)) = lines.next() else { break };
                match line.trim() {
                    "" => budget = 1,
                    "exit" => break,
                    "go" => budget = usize::MAX,
                    n => budget = n.parse().map_err(|_| format!("not a count: {n:?}"))?,
                }
            }
            _ => {}
        }
        budget = budget.saturating_sub(1);
        let is_end =
            ev.payload["type"] == "round_info" && ev.payload["data"]["roundPhase"] == "game_end";
        obs.write_all(&observer::data_frame(&ev.payload.to_string()))
            .map_err(|e| format!("observer: {e}"))?;
        sent += 1;
        if sent.is_multiple_of(500) {
            eprintln!("sent {sent} events");
        }
        if is_end && !keep_end {
            eprintln!("game_end sent: the server removes the match; stopping");
            break;
        }
    }
    // Give the server a moment to read the tail before the socket closes.
    wait(&mut obs, Duration::from_millis(300))?;
    let s = started.elapsed().as_secs_f64();
    println!(
        "sent {sent} events in {s:.2} s ({:.0} events/s, {} bytes)",
        sent as f64 / s.max(1e-9),
        obs.bytes_sent
    );
    Ok(())
}
