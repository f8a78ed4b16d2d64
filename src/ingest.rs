//! Port 5100: the observer and auxiliary clients. The reactor's [`App`]
//! turns their Socket.IO events into [`Command`]s for the match thread and
//! carries its answers (logon acks, server-side disconnects) back.
//!
//! Nothing is decided here: logon rules, authentication state and routing
//! live on the match thread, which sees every event in arrival order.

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::hub::command::{Command, ToIngest};
use crate::hub::frames::literal;
use crate::hub::{EventBatch, IngestEvent};
use crate::json;
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

/// What the reference's `msg.toString()` gives for an event argument (JSON
/// text): a string's content, a number's or boolean's text, an object's
/// `[object Object]`, an array's elements joined by commas; `None` where it
/// throws (no argument, `null`).
pub fn js_text(arg: Option<&str>) -> Option<String> {
    let mut out = String::new();
    js_text_into(arg?, &mut out).then_some(out)
}

/// [`js_text`] appended to `out`; false (and `out` unspecified past its
/// old end) where `msg.toString()` throws.
fn js_text_into(arg: &str, out: &mut String) -> bool {
    // The clients send a JSON string: unescape it straight into its text.
    if arg.starts_with('"') {
        return json::string::unescape_into(arg, out).is_ok();
    }
    match serde_json::from_str::<serde_json::Value>(arg) {
        Ok(serde_json::Value::Null) | Err(_) => false,
        Ok(v) => {
            out.push_str(&crate::json::js_json::js_string(&v));
            true
        }
    }
}

impl App for Ingest {
    fn on_app_event(&mut self, _srv: &mut sio::Server, ev: AppEvent) {
        match ev {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_arguments_read_as_the_reference_reads_them() {
        assert_eq!(
            js_text(Some(r#""{\"a\":1}""#)).as_deref(),
            Some(r#"{"a":1}"#)
        );
        assert_eq!(
            js_text(Some(r#""a\nb\u00e9\"""#)).as_deref(),
            Some("a\nbé\"")
        );
        assert_eq!(js_text(Some(r#""unterminated"#)), None);
        assert_eq!(js_text(Some("5")).as_deref(), Some("5"));
        assert_eq!(js_text(Some("1.50")).as_deref(), Some("1.5"));
        assert_eq!(js_text(Some("true")).as_deref(), Some("true"));
        assert_eq!(
            js_text(Some(r#"{"a":1}"#)).as_deref(),
            Some("[object Object]")
        );
        assert_eq!(
            js_text(Some(r#"[1,"x",null,[2,3]]"#)).as_deref(),
            Some("1,x,,2,3")
        );
        assert_eq!(js_text(Some("null")), None);
        assert_eq!(js_text(None), None);
        assert_eq!(js_text(Some("not json")), None);
    }
}
