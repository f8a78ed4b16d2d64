//! The reactors on their threads, waiting for a signal or for one of them
//! to stop, and the graceful stop that follows.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use spectra_server::metrics::Summary;
use spectra_server::net::{Reactor, Remote, Service};
use spectra_server::rest::Readiness;

/// Why the process stops: a signal, or the named reactor ended by itself.
const SIGNAL: &str = "signal";

/// The reactors started so far, and the channel any of them (or a signal)
/// ends the wait on.
pub struct Reactors {
    running: Vec<(&'static str, Remote, JoinHandle<()>)>,
    done_tx: Sender<&'static str>,
    done_rx: Receiver<&'static str>,
    /// Closes the signal thread; `None` for reactors taken out to be
    /// stopped on their own.
    signals: Option<signal_hook::iterator::Handle>,
}

impl Reactors {
    /// Catches SIGTERM and SIGINT from here on, before any reactor runs
    /// and so before the ready line: a supervisor that signals as soon as
    /// it reads that line gets a graceful stop, not the default death.
    pub fn new() -> Result<Self, String> {
        let mut reactors = Reactors::unsignalled();
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
        ])
        .map_err(|e| format!("signal handlers: {e}"))?;
        reactors.signals = Some(signals.handle());
        let done = reactors.done_tx.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    log::info!("signal {sig}: stopping");
                    if done.send(SIGNAL).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("signal thread: {e}"))?;
        Ok(reactors)
    }

    fn unsignalled() -> Self {
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        Reactors {
            running: Vec::new(),
            done_tx,
            done_rx,
            signals: None,
        }
    }

    /// Runs `reactor` on a thread of its own named `name`.
    pub fn start<S>(&mut self, name: &'static str, reactor: Reactor<S>) -> Result<(), String>
    where
        S: Service + Send + 'static,
        S::State: Send,
    {
        let remote = reactor.remote();
        let done = self.done_tx.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                if let Err(e) = reactor.run() {
                    log::error!("{name} reactor stopped: {e}");
                }
                let _ = done.send(name);
            })
            .map_err(|e| format!("{name}: cannot start a thread: {e}"))?;
        self.running.push((name, remote, thread));
        Ok(())
    }

    /// Takes the reactors named `name` out, to be stopped on their own.
    pub fn take(&mut self, name: &str) -> Reactors {
        let mut taken = Reactors::unsignalled();
        let (named, rest) = std::mem::take(&mut self.running)
            .into_iter()
            .partition(|(n, _, _)| *n == name);
        taken.running = named;
        self.running = rest;
        taken
    }

    /// Waits for SIGTERM or SIGINT, or for a reactor to end by itself,
    /// logging `summary` lines meanwhile (at its period); from then on
    /// `ready` says the process is stopping. After a signal,
    /// everything is still served for `drain` (a second signal or a
    /// reactor's end cuts it short); then what follows is bounded by
    /// `budget`: past it the process exits. Returns why it stopped.
    pub fn wait(
        &self,
        ready: &Readiness,
        drain: Duration,
        budget: Duration,
        mut summary: Option<(Duration, Summary)>,
    ) -> &'static str {
        let why = loop {
            let Some((every, lines)) = &mut summary else {
                break self.done_rx.recv().unwrap_or("channel closed");
            };
            match self.done_rx.recv_timeout(*every) {
                Ok(why) => break why,
                Err(RecvTimeoutError::Timeout) => log::info!("{}", lines.line(Instant::now())),
                Err(RecvTimeoutError::Disconnected) => break "channel closed",
            }
        };
        ready.stopping();
        if why == SIGNAL && !drain.is_zero() {
            log::info!(
                "draining for {} s (SPECTRA_DRAIN_SECS): /readyz answers 503, clients are still served; a second signal stops now",
                drain.as_secs()
            );
            let _ = self.done_rx.recv_timeout(drain);
        }
        if let Some(signals) = &self.signals {
            signals.close();
        }
        let _ = std::thread::Builder::new()
            .name("stop-watchdog".into())
            .spawn(move || {
                std::thread::sleep(budget);
                log::error!("stopping took longer than SPECTRA_SHUTDOWN_SECS; exiting now");
                std::process::exit(1);
            });
        why
    }

    /// Stops accepting and closes every connection (each reactor gives its
    /// connections a short grace), and waits for the reactors to end.
    pub fn stop(self) {
        for (_, remote, _) in &self.running {
            remote.shutdown();
        }
        for (name, _, thread) in self.running {
            if thread.join().is_err() {
                log::error!("{name} reactor panicked");
            }
        }
    }
}

/// The process's result for why it stopped.
pub fn outcome(why: &'static str) -> Result<(), String> {
    log::info!("stopped ({why})");
    if why == SIGNAL {
        Ok(())
    } else {
        Err(format!("the {why} reactor stopped unexpectedly"))
    }
}
