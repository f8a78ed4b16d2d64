//! The worker pool: a bounded queue of typed jobs, a few threads making the
//! blocking calls, and a timer thread for calls the reference delays.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded, unbounded};

use super::error::BackendError;
use super::options::Options;
use super::transport::Transport;
use crate::config::BackendConfig;

/// What every job sees while it runs: the service addresses and the client.
pub struct Ctx {
    pub(crate) cfg: BackendConfig,
    pub(crate) transport: Transport,
}

/// A typed request to the external services. `run` makes the calls (it may
/// block; it runs on a worker) and never fails: failures are part of
/// `Output`, which is delivered to the submitter's callback.
pub trait Job: Send + 'static {
    /// What the submitter's callback gets.
    type Output: Send + 'static;
    /// Names the job in logs.
    const NAME: &'static str;
    /// Makes the calls, on a worker.
    fn run(self, ctx: &Ctx) -> Self::Output;
    /// The outcome when the job never ran.
    fn refused(err: BackendError) -> Self::Output;
}

/// A job with its callback, type-erased for the queue.
trait Runnable: Send {
    fn run(self: Box<Self>, ctx: &Ctx);
    fn refuse(self: Box<Self>, err: BackendError);
    fn name(&self) -> &'static str;
}

struct Pending<J, F> {
    job: J,
    done: F,
}

impl<J: Job, F: FnOnce(J::Output) + Send + 'static> Runnable for Pending<J, F> {
    fn run(self: Box<Self>, ctx: &Ctx) {
        let out = self.job.run(ctx);
        (self.done)(out);
    }

    fn refuse(self: Box<Self>, err: BackendError) {
        log::error!("backend {}: not run: {err}", J::NAME);
        (self.done)(J::refused(err));
    }

    fn name(&self) -> &'static str {
        J::NAME
    }
}

type Task = Box<dyn Runnable>;

struct Delayed {
    due: Instant,
    seq: u64,
    task: Task,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

/// The handle the rest of the server holds; clones share the same workers.
/// Dropping every clone lets the workers finish their current call and exit.
#[derive(Clone)]
pub struct Backend {
    cfg: BackendConfig,
    jobs: Sender<Task>,
    delayed: Sender<(Duration, Task)>,
}

impl Backend {
    /// Starts `opts.workers` workers and the timer thread.
    pub fn start(cfg: BackendConfig, opts: Options) -> std::io::Result<Backend> {
        Self::start_counted(cfg, opts, crate::metrics::Events::default())
    }

    /// [`Backend::start`], counting every call in `requests` by service and
    /// outcome (for `/metrics`).
    pub fn start_counted(
        cfg: BackendConfig,
        opts: Options,
        requests: crate::metrics::Events,
    ) -> std::io::Result<Backend> {
        let (jobs, rx) = bounded::<Task>(opts.queue.max(1));
        let transport = Transport::new(&opts, requests);
        for i in 0..opts.workers.max(1) {
            let rx = rx.clone();
            let ctx = Ctx {
                cfg: cfg.clone(),
                transport: transport.clone(),
            };
            thread::Builder::new()
                .name(format!("backend-{i}"))
                .spawn(move || worker(rx, ctx))?;
        }
        let (delayed, timer_rx) = unbounded();
        let timer_jobs = jobs.clone();
        thread::Builder::new()
            .name("backend-timer".to_owned())
            .spawn(move || timer(timer_rx, timer_jobs))?;
        Ok(Backend { cfg, jobs, delayed })
    }

    /// The configuration the jobs run with.
    pub fn config(&self) -> &BackendConfig {
        &self.cfg
    }

    /// Queues `job`; `done` is called on a worker thread with its outcome.
    /// Never blocks: when the queue is full the job is refused at once and
    /// its refusal outcome is returned here instead (`done` is dropped).
    pub fn submit<J, F>(&self, job: J, done: F) -> Result<(), J::Output>
    where
        J: Job,
        F: FnOnce(J::Output) + Send + 'static,
    {
        let task: Task = Box::new(Pending { job, done });
        let err = match self.jobs.try_send(task) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(_)) => BackendError::QueueFull,
            Err(TrySendError::Disconnected(_)) => BackendError::ShutDown,
        };
        log::error!("backend {}: not queued: {err}", J::NAME);
        Err(J::refused(err))
    }

    /// Queues `job` after `delay` (the reference waits before some calls).
    /// `done` is always called, with the refusal outcome if the queue is
    /// full at that moment.
    pub fn submit_after<J, F>(&self, delay: Duration, job: J, done: F)
    where
        J: Job,
        F: FnOnce(J::Output) + Send + 'static,
    {
        let task: Task = Box::new(Pending { job, done });
        if let Err(e) = self.delayed.send((delay, task)) {
            let (_, task) = e.into_inner();
            task.refuse(BackendError::ShutDown);
        }
    }

    /// Jobs waiting for a worker.
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }
}

fn worker(rx: Receiver<Task>, ctx: Ctx) {
    while let Ok(task) = rx.recv() {
        let name = task.name();
        // A panicking callback must not take the worker with it.
        if catch_unwind(AssertUnwindSafe(|| task.run(&ctx))).is_err() {
            log::error!("backend {name}: job panicked; worker continues");
        }
    }
}

fn timer(rx: Receiver<(Duration, Task)>, jobs: Sender<Task>) {
    let mut heap: BinaryHeap<Reverse<Delayed>> = BinaryHeap::new();
    let mut seq = 0u64;
    loop {
        let now = Instant::now();
        while heap.peek().is_some_and(|Reverse(d)| d.due <= now) {
            if let Some(Reverse(d)) = heap.pop() {
                match jobs.try_send(d.task) {
                    Ok(()) => {}
                    Err(TrySendError::Full(t)) => t.refuse(BackendError::QueueFull),
                    Err(TrySendError::Disconnected(t)) => t.refuse(BackendError::ShutDown),
                }
            }
        }
        let got = match heap.peek() {
            Some(Reverse(d)) => rx.recv_timeout(d.due.saturating_duration_since(now)),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match got {
            Ok((delay, task)) => {
                seq += 1;
                heap.push(Reverse(Delayed {
                    due: Instant::now() + delay,
                    seq,
                    task,
                }));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                for Reverse(d) in heap.drain() {
                    d.task.refuse(BackendError::ShutDown);
                }
                return;
            }
        }
    }
}
