//! The REST routes that ask the external services (`USE_BACKEND=true`):
//! `/getOrgForKey`, `/createPreview` with a key only the backend knows,
//! `/getSupportPackages` (cached 10 minutes) and `/client/oauth-callback`.
//! Their requests are deferred (the connection waits, see
//! [`crate::net::App::defer_http`]); a backend worker posts the outcome to
//! the REST reactor, which wakes, builds the answer and sends it.

use crossbeam_channel::Receiver;
use serde_json::Value;

use super::{Rest, RestApp, Route, json, json_body, query_string, route, strip_for_head};
use crate::backend::{
    self, Backend, DiscordOutcome, DiscordSignIn, FetchPackages, KeyCheck, KeyRoute,
    PackagesOutcome, ValidateKey, answers,
};
use crate::http::{Method, Request, Response};
use crate::net::Poster;

/// A backend outcome for a waiting request.
#[derive(Debug)]
pub enum Outcome {
    Org(KeyCheck),
    Preview { body: Value, check: KeyCheck },
    Packages(PackagesOutcome),
    OAuth(DiscordOutcome),
}

/// What a worker posts back to the REST reactor.
#[derive(Debug)]
pub struct Done {
    ticket: u64,
    head: bool,
    outcome: Outcome,
}

/// The REST port's link to the backend workers.
pub(super) struct Link {
    backend: Backend,
    poster: Poster<Done>,
    done: Receiver<Done>,
    ready: Vec<(u64, Response)>,
}

/// A request that needs the backend.
enum Ask {
    Key(String),
    Preview(Value, String),
    Packages,
    OAuth(Option<String>),
}

impl Rest {
    /// The backend call `req` needs, if any. Everything else (including
    /// the 400s of missing parameters) is answered by [`Rest::handle`].
    fn backend_ask(&self, req: &Request, now_ms: u64) -> Option<Ask> {
        if !self.cfg.use_backend || crate::http::cors::is_preflight(req) {
            return None;
        }
        let get = matches!(req.method, Method::Get | Method::Head);
        match route(&req.path) {
            Route::OrgForKey if get => query_string(req, "key")
                .filter(|k| !k.is_empty())
                .map(Ask::Key),
            Route::SupportPackages if get && self.packages.get(now_ms).is_none() => {
                Some(Ask::Packages)
            }
            Route::OAuthCallback if get => Some(Ask::OAuth(query_string(req, "code"))),
            Route::CreatePreview if req.method == Method::Put => {
                let body = json_body(req, self.cfg.max_body).ok()??;
                match backend::route_key(&self.cfg.auth, true, body.get("key")) {
                    KeyRoute::AskBackend(k) => Some(Ask::Preview(body, k)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The answer to a deferred request, with the headers every route gets.
    fn backend_answer(&mut self, outcome: Outcome, head: bool, now_ms: u64) -> Response {
        let mut resp = match outcome {
            Outcome::Org(check) => answers::org_for_key(&check),
            Outcome::Preview { body, check } => {
                let valid = check.is_valid();
                let created = self
                    .previews
                    .create(Some(&body), |_| valid, &mut self.rng, now_ms);
                json(created.status, created.body)
            }
            Outcome::Packages(p) => answers::packages(&p),
            Outcome::OAuth(d) => answers::oauth_callback(&d),
        };
        // What `cors::apply` adds to every answer (it needs no request).
        resp.headers
            .insert(0, ("Access-Control-Allow-Origin".into(), "*".into()));
        strip_for_head(resp, head)
    }
}

impl RestApp {
    /// Attaches the backend workers; `poster`/`done` are a channel of this
    /// REST reactor ([`crate::net::Remote::channel`]).
    pub fn set_backend(&mut self, backend: Backend, poster: Poster<Done>, done: Receiver<Done>) {
        self.backend = Some(Link {
            backend,
            poster,
            done,
            ready: Vec::new(),
        });
    }

    pub(super) fn defer(&mut self, ticket: u64, req: &Request) -> bool {
        let now_ms = self.now_ms();
        let Some(link) = &mut self.backend else {
            return false;
        };
        let Some(ask) = self.rest.backend_ask(req, now_ms) else {
            return false;
        };
        let head = req.method == Method::Head;
        let post = link.poster.clone();
        let send = move |outcome| {
            if post
                .post(Done {
                    ticket,
                    head,
                    outcome,
                })
                .is_err()
            {
                log::debug!("REST reactor gone before a backend answer");
            }
        };
        let refused = match ask {
            Ask::Key(key) => link
                .backend
                .submit(ValidateKey { key }, move |c| send(Outcome::Org(c)))
                .err()
                .map(Outcome::Org),
            Ask::Preview(body, key) => {
                let kept = body.clone();
                link.backend
                    .submit(ValidateKey { key }, move |check| {
                        send(Outcome::Preview { body: kept, check })
                    })
                    .err()
                    .map(|check| Outcome::Preview { body, check })
            }
            Ask::Packages => link
                .backend
                .submit(FetchPackages, move |p| send(Outcome::Packages(p)))
                .err()
                .map(Outcome::Packages),
            Ask::OAuth(code) => link
                .backend
                .submit(DiscordSignIn { code }, move |d| send(Outcome::OAuth(d)))
                .err()
                .map(Outcome::OAuth),
        };
        // A refusal is answered like any outcome, on the wake its post causes.
        if let Some(outcome) = refused
            && let Some(link) = &self.backend
            && link
                .poster
                .post(Done {
                    ticket,
                    head,
                    outcome,
                })
                .is_err()
        {
            log::debug!("REST reactor gone before a backend refusal");
        }
        true
    }

    /// Turns the outcomes posted since the last wake into answers.
    pub(super) fn collect(&mut self) {
        let now_ms = self.now_ms();
        let Some(link) = &mut self.backend else {
            return;
        };
        let done: Vec<Done> = link.done.try_iter().collect();
        for d in done {
            if let Outcome::Packages(p) = &d.outcome {
                self.rest.packages.store(p, now_ms);
            }
            let resp = self.rest.backend_answer(d.outcome, d.head, now_ms);
            if let Some(link) = &mut self.backend {
                link.ready.push((d.ticket, resp));
            }
        }
    }

    pub(super) fn answers(&mut self) -> Vec<(u64, Response)> {
        self.backend
            .as_mut()
            .map(|l| std::mem::take(&mut l.ready))
            .unwrap_or_default()
    }
}
