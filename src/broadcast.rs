//! Port 5200: the overlay frontends. A frontend sends `logon` once with a
//! JSON string naming its group code, joins that room, gets
//! `logon_success`, and gets the match's current state at once (only it,
//! not the whole room as the reference does); after that every state the
//! match thread broadcasts to the room. Frontends that never log on get
//! nothing and cost nothing beyond their connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;

use crate::hub::command::ToBroadcast;
use crate::json::escape::literal;
use crate::json::js_json;
use crate::json::js_text::js_text;
use crate::metrics::LogonCounts;
use crate::relay::subscriber::Interest;
use crate::room;
use crate::sio::{self, App, AppEvent, SocketId};

/// The broadcast application of one reactor.
#[derive(Default)]
pub struct Broadcast {
    states: Option<Receiver<ToBroadcast>>,
    /// The newest state of every live match, by group code.
    latest: HashMap<Arc<str>, Arc<room::Output>>,
    /// Sockets that already used their one `logon`, and the room it named.
    logged_on: HashMap<SocketId, Option<Arc<str>>>,
    /// On an edge: told when this reactor's first frontend of a room logs
    /// on and when its last one leaves, so only watched rooms travel.
    watcher: Option<Sender<Interest>>,
    /// Logons answered and refused, shared by the port's shards.
    logons: Arc<LogonCounts>,
}

/// The `logon_success` payload and the room, from a `logon` argument; `None`
/// where the reference throws (unparsable, `null`) and answers nothing.
pub fn logon(arg: Option<&str>) -> Option<(String, Option<String>)> {
    let text = js_text(arg)?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let code = match &v {
        Value::Null => return None,
        Value::Object(o) => o.get("groupCode").cloned(),
        _ => None,
    };
    let shown = js_json::js_string_of(code.as_ref());
    let mut payload = serde_json::Map::new();
    if let Some(c) = &code {
        payload.insert("groupCode".into(), c.clone());
    }
    payload.insert(
        "msg".into(),
        Value::String(format!("Logon succeeded for group code {shown}")),
    );
    let room = match code {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    Some((js_json::to_string(&Value::Object(payload)), room))
}

impl Broadcast {
    /// No matches known and no sockets logged on.
    pub fn new() -> Self {
        Self::default()
    }

    /// The channel the match thread posts states on.
    pub fn set_states(&mut self, rx: Receiver<ToBroadcast>) {
        self.states = Some(rx);
    }

    /// Where to say which rooms this reactor's frontends watch (an edge's
    /// subscriber).
    pub fn set_watcher(&mut self, tx: Sender<Interest>) {
        self.watcher = Some(tx);
    }

    /// Where logons are counted (`/metrics`).
    pub fn set_logons(&mut self, counts: Arc<LogonCounts>) {
        self.logons = counts;
    }

    /// Live matches whose state this reactor holds.
    pub fn live_matches(&self) -> usize {
        self.latest.len()
    }
}

/// No routes of its own: every request outside the engine is a 404.
impl crate::eio::Routes for Broadcast {}

impl App for Broadcast {
    fn on_app_event(&mut self, srv: &mut sio::Server, ev: AppEvent) {
        match ev {
            AppEvent::Event {
                socket, name, args, ..
            } if name == "logon" => {
                if self.logged_on.contains_key(&socket) {
                    return; // `once`: a second logon has no listener
                }
                self.logged_on.insert(socket, None);
                let Some((payload, room)) = logon(args.first().map(String::as_str)) else {
                    self.logons.refused.fetch_add(1, Ordering::Relaxed);
                    log::warn!(
                        "{}: frontend logon with an unreadable payload: {:?}",
                        srv.peer(socket),
                        crate::logs::excerpt(args.first().map_or("", String::as_str))
                    );
                    return;
                };
                if let Some(room) = &room {
                    srv.join(socket, room);
                    let room: Arc<str> = Arc::from(room.as_str());
                    if srv.room_size(&room) == 1
                        && let Some(w) = &self.watcher
                    {
                        let _ = w.send(Interest::Watch(room.clone()));
                    }
                    self.logged_on.insert(socket, Some(room));
                }
                srv.emit(socket, "logon_success", &[literal(&payload).as_str()]);
                self.logons.accepted.fetch_add(1, Ordering::Relaxed);
                log::debug!(
                    "{}: frontend logon for group code {room:?}",
                    srv.peer(socket)
                );
                if let Some(state) = room.as_deref().and_then(|r| self.latest.get(r)) {
                    srv.send_latest(socket, state);
                }
            }
            AppEvent::Disconnect { socket, .. } => {
                if let Some(Some(room)) = self.logged_on.remove(&socket)
                    && srv.room_size(&room) == 0
                    && let Some(w) = &self.watcher
                {
                    let _ = w.send(Interest::Unwatch(room));
                }
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, srv: &mut sio::Server) {
        let Some(rx) = &self.states else {
            return;
        };
        while let Ok(out) = rx.try_recv() {
            match out {
                ToBroadcast::State { group, msg, .. } => {
                    srv.broadcast(&group, &msg);
                    self.latest.insert(group, msg);
                }
                ToBroadcast::Removed { group } => {
                    self.latest.remove(&group);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logon_answers_as_the_reference_formats_them() {
        assert_eq!(
            logon(Some(r#""{\"groupCode\":\"AB12\"}""#)),
            Some((
                r#"{"groupCode":"AB12","msg":"Logon succeeded for group code AB12"}"#.to_owned(),
                Some("AB12".to_owned())
            ))
        );
        assert_eq!(
            logon(Some(r#""{}""#)),
            Some((
                r#"{"msg":"Logon succeeded for group code undefined"}"#.to_owned(),
                None
            ))
        );
        assert_eq!(
            logon(Some(r#""{\"groupCode\":5}""#)),
            Some((
                r#"{"groupCode":5,"msg":"Logon succeeded for group code 5"}"#.to_owned(),
                None
            ))
        );
        assert_eq!(logon(Some(r#""not json""#)), None);
        assert_eq!(logon(Some(r#""null""#)), None);
        assert_eq!(logon(None), None);
        assert_eq!(
            logon(Some(r#"{"groupCode":"A"}"#)),
            None,
            "an object argument reads as [object Object]"
        );
    }
}
