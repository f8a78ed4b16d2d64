//! Port 5100: the observer and auxiliary clients. The reactor's [`App`]
//! turns their Socket.IO events into [`Command`]s for the match thread and
//! carries its answers (logon acks, server-side disconnects) back.
//!
//! Nothing is decided here: logon rules, authentication state and routing
//! live on the match thread, which sees every event in arrival order.

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::hub::command::{Command, ToIngest};
use crate::hub::{EventBatch, IngestEvent};
use crate::json::escape::literal;
use crate::json::js_text::js_text_into;
use crate::sio::{self, App, AppEvent};

/// The ingest application of one reactor.
pub struct Ingest {
    commands: Sender<Command>,
    replies: Option<Receiver<ToIngest>>,
    test_clock: bool,
    stalls: u64,
    /// Events read since the last hand-over.
    batch: EventBatch,
}

impl Ingest {
    /// `test_clock`: accept `__test_clock` events (tests only).
    pub fn new(commands: Sender<Command>, test_clock: bool) -> Self {
        Ingest {
            commands,
            replies: None,
            test_clock,
            stalls: 0,
            batch: EventBatch::default(),
        }
    }

    /// The channel the match thread answers on (made from the reactor's remote).
    pub fn set_replies(&mut self, rx: Receiver<ToIngest>) {
        self.replies = Some(rx);
    }

    /// Hands the gathered events to the match thread.
    fn flush(&mut self) {
        if !self.batch.is_empty() {
            // The next batch is likely the size of this one.
            let next = EventBatch::with_capacity(self.batch.len(), self.batch.text_len());
            let batch = std::mem::replace(&mut self.batch, next);
            self.send(Command::Events(batch));
        }
    }

    /// Hands a command to the match thread, after the events read before
    /// it. Nothing is dropped: when the bounded queue is full this reactor
    /// waits, so it stops reading and TCP pushes back on the observers until
    /// the match thread catches up. (The match thread never waits on this
    /// reactor, so this cannot lock.)
    fn send(&mut self, cmd: Command) {
        if !matches!(cmd, Command::Events(_)) {
            self.flush();
        }
        match self.commands.try_send(cmd) {
            Ok(()) => {}
            Err(TrySendError::Full(cmd)) => {
                self.stalls += 1;
                if self.stalls.is_power_of_two() {
                    log::warn!(
                        "match thread is behind: ingest waited for it {} time(s)",
                        self.stalls
                    );
                }
                let _ = self.commands.send(cmd);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// No routes of its own: every request outside the engine is a 404.
impl crate::eio::Routes for Ingest {}

impl App for Ingest {
    fn on_app_event(&mut self, srv: &mut sio::Server, ev: AppEvent) {
        match ev {
            AppEvent::Connect { socket, .. } => self.send(Command::IngestOpened {
                socket,
                peer: srv.peer(socket),
            }),
            AppEvent::Event {
                socket,
                name,
                args,
                text,
                ack,
                ..
            } => {
                if let Some(event) = IngestEvent::from_name(&name) {
                    self.batch.push_with((event, socket), |out| match &text {
                        // The clients send a JSON string, decoded already.
                        Some(t) => {
                            out.push_str(t);
                            true
                        }
                        None => args.first().is_some_and(|a| js_text_into(a, out)),
                    });
                    // An observer flood can keep one read loop going.
                    if self.batch.is_full() {
                        self.flush();
                    }
                    return;
                }
                if name == "__test_clock" && self.test_clock {
                    let Some(ms) = args.first().and_then(|a| a.parse::<u64>().ok()) else {
                        return;
                    };
                    self.send(Command::TestClock { socket, ms, ack });
                }
                // The reference has no listener for anything else.
            }
            AppEvent::Disconnect { socket, .. } => self.send(Command::IngestClosed { socket }),
            _ => {}
        }
    }

    fn after_poll(&mut self) {
        self.flush();
    }

    fn on_wake(&mut self, srv: &mut sio::Server) {
        let Some(rx) = &self.replies else {
            return;
        };
        while let Ok(reply) = rx.try_recv() {
            match reply {
                ToIngest::Emit {
                    socket,
                    event,
                    payload,
                } => srv.emit(socket, event, &[literal(&payload).as_str()]),
                ToIngest::Ack { socket, ack } => srv.ack(socket, ack, &[]),
                ToIngest::Disconnect { socket } => srv.disconnect(socket),
            }
        }
    }
}
