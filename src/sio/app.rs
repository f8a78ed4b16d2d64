//! The application on top of a Socket.IO server, and the [`Stack`] that
//! runs the two as an Engine.IO session layer.

use super::{Action, AppEvent, Server};
use crate::eio::{self, Adapter, SessionLayer};
use crate::http;

/// What a port does with its Socket.IO events (ingest, broadcast, REST).
pub trait App {
    /// A socket connected, sent an event, or disconnected.
    fn on_app_event(&mut self, srv: &mut Server, ev: AppEvent);

    /// Another thread woke the reactor: drain the channels it posted to.
    fn on_wake(&mut self, srv: &mut Server);

    /// A request whose path is not the engine's (REST routes). `None`
    /// answers 404.
    fn on_http(&mut self, _req: &http::Request) -> Option<http::Response> {
        None
    }

    /// See [`SessionLayer::defer_http`].
    fn defer_http(&mut self, _ticket: u64, _req: &http::Request) -> bool {
        false
    }

    /// See [`SessionLayer::take_http_answers`].
    fn take_http_answers(&mut self) -> Vec<(u64, http::Response)> {
        Vec::new()
    }

    /// The reactor handled every readiness event of one poll: send on what
    /// was gathered from them.
    fn after_poll(&mut self) {}
}

/// A Socket.IO server and its application, as one session layer: run it
/// on a reactor with [`eio::Driver`].
pub struct Stack<A> {
    /// The Socket.IO server.
    pub srv: Server,
    /// The application its events go to.
    pub app: A,
}

impl<A: App> Stack<A> {
    /// `app` on `srv`.
    pub fn new(srv: Server, app: A) -> Self {
        Stack { srv, app }
    }
}

impl<A: App> SessionLayer for Stack<A> {
    fn adapter(&mut self) -> &mut Adapter {
        self.srv.transport()
    }

    fn poll_action(&mut self) -> Option<eio::Action> {
        loop {
            match self.srv.poll_action()? {
                Action::Transport(a) => return Some(a),
                Action::App(ev) => self.app.on_app_event(&mut self.srv, ev),
            }
        }
    }

    fn next_deadline(&self) -> Option<u64> {
        self.srv.next_deadline()
    }

    fn on_timer(&mut self, now_ms: u64) {
        self.srv.on_timer(now_ms);
    }

    fn on_wake(&mut self) {
        self.app.on_wake(&mut self.srv);
    }

    fn on_http(&mut self, req: &http::Request) -> Option<http::Response> {
        self.app.on_http(req)
    }

    fn defer_http(&mut self, ticket: u64, req: &http::Request) -> bool {
        self.app.defer_http(ticket, req)
    }

    fn take_http_answers(&mut self) -> Vec<(u64, http::Response)> {
        self.app.take_http_answers()
    }

    fn after_poll(&mut self) {
        self.app.after_poll();
    }
}
