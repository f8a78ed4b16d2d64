//! The application on top of a Socket.IO server, and the [`Stack`] that
//! runs the two as an Engine.IO session layer.

use super::{Action, AppEvent, Server};
use crate::eio::{self, Adapter, Routes, SessionLayer};
use crate::http;

/// What a port does with its Socket.IO events (ingest, broadcast, REST),
/// besides its own HTTP routes.
pub trait App: Routes {
    /// A socket connected, sent an event, or disconnected.
    fn on_app_event(&mut self, srv: &mut Server, ev: AppEvent);

    /// Another thread woke the reactor: drain the channels it posted to.
    fn on_wake(&mut self, srv: &mut Server);

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

impl<A: App> Routes for Stack<A> {
    fn on_http(&mut self, req: &http::Request) -> Option<http::Response> {
        self.app.on_http(req)
    }

    fn defer_http(&mut self, ticket: u64, req: &http::Request) -> bool {
        self.app.defer_http(ticket, req)
    }

    fn take_http_answers(&mut self) -> Vec<(u64, http::Response)> {
        self.app.take_http_answers()
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

    fn after_poll(&mut self) {
        self.app.after_poll();
    }
}
