//! `GET /readyz`: whether this process takes clients, for load balancers
//! and orchestrators. The REST port only runs once start-up work (such as
//! recovering the matches) is done and the other ports' reactors run, so
//! it answers 200 from the first request; from the stop signal until the
//! process exits it answers 503, while `/status` stays `UP`.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::http::Response;

/// Set once by the binary when it begins to stop; read by the REST apps.
#[derive(Debug, Default)]
pub struct Readiness {
    stopping: AtomicBool,
}

impl Readiness {
    /// From now on `/readyz` answers 503.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// The `/readyz` answer.
    pub fn answer(&self) -> Response {
        let (status, body) = if self.stopping.load(Ordering::Relaxed) {
            (503, r#"{"status":"STOPPING"}"#)
        } else {
            (200, r#"{"status":"READY"}"#)
        };
        super::json(status, body)
    }
}
