//! A broadcast message built once and shared by every recipient.

use std::sync::Arc;

use bytes::Bytes;

use super::packet::{PacketKind, encode, event_array};
use crate::ws::{Deflater, OutMessage, RoomStream};

/// One event in every form a recipient may need: the Engine.IO packet for
/// polling sessions and the WebSocket frames (plain, and deflated when over
/// 1024 bytes) for WebSocket sessions. Recipients get clones of these
/// `Bytes` (a reference count), never copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prebuilt {
    /// Latest-wins kind: a slow connection's unwritten broadcast of the same
    /// kind is replaced by this one.
    pub kind: u8,
    /// `42[...]` (with the namespace when not `/`).
    pub packet: Bytes,
    pub ws: OutMessage,
}

impl Prebuilt {
    /// An event on the main namespace, of latest-wins kind 0.
    pub fn event(event: &str, args_json: &[&str], deflater: &mut Deflater) -> Arc<Self> {
        Prebuilt::build(0, "/", event, args_json, deflater)
    }

    /// An event on namespace `nsp` with latest-wins `kind`.
    pub fn build(
        kind: u8,
        nsp: &str,
        event: &str,
        args_json: &[&str],
        deflater: &mut Deflater,
    ) -> Arc<Self> {
        let packet = event_packet(nsp, event, args_json);
        let ws = OutMessage::text(&packet, deflater);
        Arc::new(Prebuilt { kind, packet, ws })
    }

    /// An event also compressed onto the room's compression stream, so
    /// clients in step with it get the (much smaller) stream frame.
    pub fn on_stream(
        kind: u8,
        nsp: &str,
        event: &str,
        args_json: &[&str],
        stream: &mut RoomStream,
    ) -> Arc<Self> {
        let packet = event_packet(nsp, event, args_json);
        let ws = stream.text(packet.clone());
        Arc::new(Prebuilt { kind, packet, ws })
    }
}

/// The Socket.IO EVENT packet `42[...]` (with the namespace when not `/`).
fn event_packet(nsp: &str, event: &str, args_json: &[&str]) -> Bytes {
    encode(
        PacketKind::Event,
        nsp,
        0,
        None,
        &event_array(event, args_json),
    )
}
