//! The reactors on their threads, waiting for a signal or for one of them
//! to stop, and the graceful stop that follows.

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use spectra_server::net::{Reactor, Remote, Service};

/// Why the process stops: a signal, or the named reactor ended by itself.
const SIGNAL: &str = "signal";

/// The reactors started so far, and the channel any of them (or a signal)
/// ends the wait on.
pub struct Reactors {
    running: Vec<(&'static str, Remote, JoinHandle<()>)>,
    done_tx: Sender<&'static str>,
    done_rx: Receiver<&'static str>,
}

impl Reactors {
    pub fn new() -> Self {
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        Reactors {
            running: Vec::new(),
            done_tx,
            done_rx,
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

    /// Waits for SIGTERM or SIGINT, or for a reactor to end by itself;
    /// then bounds what follows by `budget`: past it the process exits.
    /// Returns why it stopped.
    pub fn wait(&self, budget: Duration) -> Result<&'static str, String> {
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
        ])
        .map_err(|e| format!("signal handlers: {e}"))?;
        let handle = signals.handle();
        let done = self.done_tx.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    log::info!("signal {sig}: stopping");
                    let _ = done.send(SIGNAL);
                }
            })
            .map_err(|e| format!("signal thread: {e}"))?;
        let why = self.done_rx.recv().unwrap_or("channel closed");
        handle.close();
        let _ = std::thread::Builder::new()
            .name("stop-watchdog".into())
            .spawn(move || {
                std::thread::sleep(budget);
                log::error!("stopping took longer than SPECTRA_SHUTDOWN_SECS; exiting now");
                std::process::exit(1);
            });
        Ok(why)
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
