//! One blocking HTTP exchange with an external service, through a shared
//! `ureq` agent (its connection pool is shared by every worker, so repeated
//! calls to the same backend reuse kept-alive connections).

use std::thread;

use super::error::BackendError;
use super::options::Options;

/// The HTTP methods the reference uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

impl Verb {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
        }
    }
}

/// A request to make. `label` names it in logs without the URL, which may
/// carry a key or a playercam secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub(crate) label: &'static str,
    pub(crate) verb: Verb,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<String>,
}

impl Call {
    pub(crate) fn new(label: &'static str, verb: Verb, url: String) -> Self {
        Call {
            label,
            verb,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: String) -> Self {
        self.body = Some(body);
        self
    }
}

/// What came back: any status (the callers decide what a status means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

#[cfg(test)]
impl Reply {
    /// A reply with a text body, as the services' tests fake them.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// The shared client.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
    /// Calls made, by service (the call's label) and outcome.
    requests: crate::metrics::Events,
    get_retries: u32,
    retry_backoff: std::time::Duration,
    max_response_bytes: u64,
}

fn classify(err: ureq::Error) -> BackendError {
    match err {
        ureq::Error::Timeout(t) => BackendError::Timeout(t.to_string()),
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            BackendError::Timeout(e.to_string())
        }
        ureq::Error::BodyExceedsLimit(n) => BackendError::TooLarge(n),
        other => BackendError::Unreachable(other.to_string()),
    }
}

/// Whether another attempt of an idempotent request may help.
fn worth_retrying(result: &Result<Reply, BackendError>) -> bool {
    match result {
        Ok(r) => matches!(r.status, 502..=504),
        Err(BackendError::Unreachable(_)) => true,
        Err(_) => false,
    }
}

impl Transport {
    pub(crate) fn new(opts: &Options, requests: crate::metrics::Events) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_global(Some(opts.call_timeout))
            .max_idle_connections_per_host(opts.workers.max(1))
            .build()
            .into();
        Transport {
            agent,
            requests,
            get_retries: opts.get_retries,
            retry_backoff: opts.retry_backoff,
            max_response_bytes: opts.max_response_bytes,
        }
    }

    /// Makes the call; GETs are retried as configured.
    pub fn send(&self, call: &Call) -> Result<Reply, BackendError> {
        let mut result = self.once(call);
        if call.verb == Verb::Get {
            let mut pause = self.retry_backoff;
            for attempt in 1..=self.get_retries {
                if !worth_retrying(&result) {
                    break;
                }
                log::debug!(
                    "{}: attempt {attempt} failed ({}), retrying",
                    call.label,
                    match &result {
                        Ok(r) => format!("HTTP {}", r.status),
                        Err(e) => e.to_string(),
                    }
                );
                thread::sleep(pause);
                pause = pause.saturating_mul(2);
                result = self.once(call);
            }
        }
        let outcome = match &result {
            Ok(r) if (200..300).contains(&r.status) => "ok",
            Ok(_) => "http_error",
            Err(_) => "failed",
        };
        self.requests
            .get_or_create(&vec![("service", call.label), ("outcome", outcome)])
            .inc();
        result
    }

    fn once(&self, call: &Call) -> Result<Reply, BackendError> {
        let sent = match call.verb {
            Verb::Get => {
                let mut req = self.agent.get(&call.url);
                for (n, v) in &call.headers {
                    req = req.header(*n, v.as_str());
                }
                req.call()
            }
            Verb::Post | Verb::Put => {
                let mut req = if call.verb == Verb::Post {
                    self.agent.post(&call.url)
                } else {
                    self.agent.put(&call.url)
                };
                for (n, v) in &call.headers {
                    req = req.header(*n, v.as_str());
                }
                req.send(call.body.as_deref().unwrap_or("").as_bytes())
            }
        };
        let mut resp = sent.map_err(classify)?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(classify)?;
        Ok(Reply { status, body })
    }
}
