//! Sync: records that travel between stores as changes, never as SQLite files.
//!
//! Every write to a shared project (an observation stored, edited, pinned, forgotten or
//! restored; a summary; the session they belong to) appends a [`Change`] to the store's
//! change log in the same transaction. A change names the record it is about by a global id
//! (`record`), carries a hybrid logical clock (`hlc`: Unix milliseconds shifted left 16 bits,
//! plus a counter, never going back on this device) and a per-device sequence number
//! (`device_seq`, dense, allocated inside the write transaction).
//!
//! Transport is the caller's: [`crate::Memory::sync_outbox`] gives this device's changes not
//! yet sent to a target (a hub, a folder), [`crate::Memory::sync_apply`] takes changes from
//! anywhere, in any order, duplicates included.
//!
//! # Merge rules
//!
//! The state of a record is a function of the *set* of its changes, so every store that has
//! the same changes shows the same record, whatever the order they arrived in
//! ([`state::observation_state`]):
//!
//! - The put (the record as first stored) gives every field.
//! - The title, text and kind, and the pin, are last-writer-wins registers, ordered by
//!   `(hlc, device_id, change_id)`: a total order, the same everywhere.
//! - Forgotten or not is a register of its own, written only by forgets and restores: an edit
//!   never brings a forgotten record back, only an explicit restore (an undo) does, and a
//!   forget that arrives before the record's put still forgets it.
//! - Sessions, summaries and events are written once (the first put wins). Events travel only
//!   for a project that shares them ([`crate::Memory::set_share_events`]); a store that
//!   receives them does not extract them again (their device did).

pub(crate) mod apply;
mod state;

pub(crate) use state::EditPayload;
pub use state::{ObservationRecord, ObservationState, observation_state};

use serde::{Deserialize, Serialize};

/// One change to one record, as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `<device_id>-<device_seq>`: globally unique.
    pub change_id: String,
    /// The store that made it (32 hex characters, random per store).
    pub device_id: String,
    /// Its place in that store's changes: 1, 2, 3... with no gap.
    pub device_seq: u64,
    /// Hybrid logical clock: `(unix_ms << 16) | counter`.
    pub hlc: u64,
    /// Who made it: the author the store was given when sync was enabled.
    pub author: String,
    /// The project of the record.
    pub project: String,
    /// The global id of the record it is about.
    pub record: String,
    /// What it does.
    pub kind: ChangeKind,
    /// What it carries (the record for a put, the fields for an edit...).
    pub payload: serde_json::Value,
}

impl Change {
    /// The key that orders changes for last-writer-wins: the same on every store.
    pub fn order_key(&self) -> (u64, &str, &str) {
        (self.hlc, &self.device_id, &self.change_id)
    }
}

/// What a [`Change`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An observation as first stored (every field).
    ObservationPut,
    /// New title, text or kind (the fields present).
    ObservationEdit,
    /// Pinned or unpinned.
    ObservationPin,
    /// Forgotten.
    ObservationForget,
    /// Brought back from a forget.
    ObservationRestore,
    /// A session (written once).
    SessionPut,
    /// A session summary (written once).
    SummaryPut,
    /// An event (a prompt, a tool call, an assistant message), written once; only for a
    /// project that shares its events.
    EventPut,
}

impl ChangeKind {
    /// The name stored in the change log.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::ObservationPut => "observation_put",
            ChangeKind::ObservationEdit => "observation_edit",
            ChangeKind::ObservationPin => "observation_pin",
            ChangeKind::ObservationForget => "observation_forget",
            ChangeKind::ObservationRestore => "observation_restore",
            ChangeKind::SessionPut => "session_put",
            ChangeKind::SummaryPut => "summary_put",
            ChangeKind::EventPut => "event_put",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(name: &str) -> Option<ChangeKind> {
        [
            ChangeKind::ObservationPut,
            ChangeKind::ObservationEdit,
            ChangeKind::ObservationPin,
            ChangeKind::ObservationForget,
            ChangeKind::ObservationRestore,
            ChangeKind::SessionPut,
            ChangeKind::SummaryPut,
            ChangeKind::EventPut,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// What [`crate::Memory::sync_outbox`] gives: changes to send, and how far it looked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outbox {
    /// This device's changes to send, oldest first, redacted again; private ones left out.
    pub changes: Vec<Change>,
    /// The highest sequence number looked at: once the changes are safely delivered, mark
    /// the target as sent up to here ([`crate::Memory::sync_sent`]), private ones included.
    pub upto: u64,
    /// Whether more changes wait beyond `upto`.
    pub more: bool,
}

/// What [`crate::Memory::sync_apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Changes given.
    pub received: usize,
    /// Changes this store did not have.
    pub new: usize,
    /// Records whose local state changed.
    pub records_changed: usize,
}

/// A project's sync settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProject {
    /// The project.
    pub project: String,
    /// Shared: its changes are logged and sent.
    pub enabled: bool,
    /// Private: nothing of it leaves the store, whatever `enabled` says.
    pub private: bool,
    /// Its events (prompts, tool calls, assistant messages) travel too.
    pub events: bool,
}

/// A hub or folder this store exchanges changes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncTarget {
    /// Its name (a hub URL without password, `folder:<path>`).
    pub target: String,
    /// This device's changes sent to it, up to this sequence number.
    pub sent_seq: u64,
    /// Where the next pull from it starts (opaque to the store).
    pub cursor: Option<String>,
    /// This device's changes not yet sent to it (private ones included).
    pub pending: u64,
}

/// What [`crate::Memory::sync_status`] reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// This store's device id (made on first use).
    pub device_id: String,
    /// Whom its changes are attributed to.
    pub author: String,
    /// This device's last sequence number.
    pub device_seq: u64,
    /// Changes from other devices held.
    pub received: u64,
    /// Every project with sync settings.
    pub projects: Vec<SyncProject>,
    /// Every target exchanged with.
    pub targets: Vec<SyncTarget>,
}

/// Where a record came from, when another device made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The author of its first put.
    pub author: String,
    /// The device that made it.
    pub device_id: String,
}
