//! Ingest events travel to the match thread in batches: an observer floods
//! thousands of events per read, and one channel send (one wake-up, two
//! allocations, freed on the other thread) per event cost more than the
//! game model's work on it.

use std::ops::Range;

use crate::sio::SocketId;

/// The ingest events the match thread handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestEvent {
    ObsLogon,
    AuxLogon,
    ObsData,
    AuxData,
}

impl IngestEvent {
    /// The event of a Socket.IO event name; `None` for names the reference
    /// has no listener for.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "obs_logon" => Some(IngestEvent::ObsLogon),
            "aux_logon" => Some(IngestEvent::AuxLogon),
            "obs_data" => Some(IngestEvent::ObsData),
            "aux_data" => Some(IngestEvent::AuxData),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Item {
    event: IngestEvent,
    socket: SocketId,
    /// The argument's text in [`EventBatch::texts`]; `None` where the
    /// reference's `msg.toString()` would throw.
    text: Option<Range<usize>>,
}

/// Ingest events in arrival order; their argument texts share one buffer.
#[derive(Debug, Default)]
pub struct EventBatch {
    texts: String,
    items: Vec<Item>,
}

impl EventBatch {
    /// An empty batch with room for `events` events of `text` bytes in all.
    pub fn with_capacity(events: usize, text: usize) -> Self {
        EventBatch {
            texts: String::with_capacity(text),
            items: Vec::with_capacity(events),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes of argument text held.
    pub fn text_len(&self) -> usize {
        self.texts.len()
    }

    /// Appends an event whose text `fill` writes to the end of the buffer;
    /// `fill` returns false when there is no text (whatever it wrote is
    /// dropped).
    pub fn push_with(
        &mut self,
        event: IngestEvent,
        socket: SocketId,
        fill: impl FnOnce(&mut String) -> bool,
    ) {
        let start = self.texts.len();
        let text = if fill(&mut self.texts) {
            Some(start..self.texts.len())
        } else {
            self.texts.truncate(start);
            None
        };
        self.items.push(Item {
            event,
            socket,
            text,
        });
    }

    /// Appends an event with its text.
    pub fn push(&mut self, event: IngestEvent, socket: SocketId, text: Option<&str>) {
        self.push_with(event, socket, |buf| match text {
            Some(t) => {
                buf.push_str(t);
                true
            }
            None => false,
        });
    }

    /// The events in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (IngestEvent, SocketId, Option<&str>)> {
        self.items.iter().map(|i| {
            let text = i.text.clone().and_then(|r| self.texts.get(r));
            (i.event, i.socket, text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_back_in_order_with_their_texts() {
        let mut b = EventBatch::default();
        b.push(IngestEvent::ObsLogon, 1, Some("{\"a\":1}"));
        b.push_with(IngestEvent::ObsData, 2, |buf| {
            buf.push_str("half-written");
            false
        });
        b.push(IngestEvent::AuxData, 3, Some("é"));
        b.push(IngestEvent::AuxLogon, 4, Some(""));
        assert_eq!(b.len(), 4);
        assert_eq!(b.text_len(), "{\"a\":1}é".len());
        let got: Vec<_> = b.iter().collect();
        assert_eq!(
            got,
            vec![
                (IngestEvent::ObsLogon, 1, Some("{\"a\":1}")),
                (IngestEvent::ObsData, 2, None),
                (IngestEvent::AuxData, 3, Some("é")),
                (IngestEvent::AuxLogon, 4, Some("")),
            ]
        );
    }

    #[test]
    fn only_the_four_ingest_events_are_known() {
        assert_eq!(
            IngestEvent::from_name("obs_data"),
            Some(IngestEvent::ObsData)
        );
        assert_eq!(
            IngestEvent::from_name("aux_logon"),
            Some(IngestEvent::AuxLogon)
        );
        assert_eq!(IngestEvent::from_name("logon"), None);
        assert_eq!(IngestEvent::from_name("__test_clock"), None);
    }
}
