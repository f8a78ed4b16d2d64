//! Ingest events travel to the match thread in batches ([`TextBatch`]): an
//! observer floods thousands of events per read.

use crate::sio::SocketId;
use crate::text_batch::TextBatch;

/// The ingest events the match thread handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestEvent {
    /// `obs_logon`: an observer logs on to a match (creating it).
    ObsLogon,
    /// `aux_logon`: an auxiliary client logs on to a match.
    AuxLogon,
    /// `obs_data`: an observer's game event.
    ObsData,
    /// `aux_data`: an auxiliary client's data about its player.
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

/// Ingest events in arrival order, each with its socket and its
/// argument's text (`None` where the reference's `msg.toString()` throws).
pub type EventBatch = TextBatch<(IngestEvent, SocketId)>;

#[cfg(test)]
mod tests {
    use super::*;

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
