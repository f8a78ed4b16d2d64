//! Reaching a reactor from other threads: wake it, stop it, or post to it
//! on a channel whose sends wake it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, SendError, Sender};
use mio::Waker;

/// A thread-safe handle to wake a reactor or stop it.
#[derive(Clone)]
pub struct Remote {
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
}

impl Remote {
    pub(super) fn new(waker: Waker) -> Self {
        Remote {
            waker: Arc::new(waker),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether [`Remote::shutdown`] was called.
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Makes the reactor call `Service::on_wake` soon.
    pub fn wake(&self) {
        if let Err(e) = self.waker.wake() {
            log::error!("cannot wake the reactor: {e}");
        }
    }

    /// Asks the reactor to stop accepting, say goodbye to every connection,
    /// and return from `run`.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
        self.wake();
    }

    /// A channel whose sends wake this reactor: the service keeps the
    /// receiver and drains it in `on_wake`.
    pub fn channel<M>(&self) -> (Poster<M>, Receiver<M>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        (
            Poster {
                tx,
                remote: self.clone(),
            },
            rx,
        )
    }
}

/// The sending half of [`Remote::channel`].
pub struct Poster<M> {
    tx: Sender<M>,
    remote: Remote,
}

impl<M> Clone for Poster<M> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            remote: self.remote.clone(),
        }
    }
}

impl<M> Poster<M> {
    /// Sends and wakes the reactor. Fails once the reactor's service is gone.
    pub fn post(&self, msg: M) -> Result<(), SendError<M>> {
        self.tx.send(msg)?;
        self.remote.wake();
        Ok(())
    }
}
