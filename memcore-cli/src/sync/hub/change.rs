//! TEMPORARY: a copy of the core's `Change` until `memcore::sync` lands; replaced by
//! `pub use memcore::{Change, ChangeKind}` on merge.

use serde::{Deserialize, Serialize};

/// One change to one record, as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `<device_id>-<device_seq>`: globally unique.
    pub change_id: String,
    /// The store that made it.
    pub device_id: String,
    /// Its place in that store's changes.
    pub device_seq: u64,
    /// Hybrid logical clock.
    pub hlc: u64,
    /// Who made it.
    pub author: String,
    /// The project of the record.
    pub project: String,
    /// The global id of the record.
    pub record: String,
    /// What it does.
    pub kind: ChangeKind,
    /// What it carries.
    pub payload: serde_json::Value,
}

impl Change {
    /// The key that orders changes for last-writer-wins.
    pub fn order_key(&self) -> (u64, &str, &str) {
        (self.hlc, &self.device_id, &self.change_id)
    }
}

/// What a [`Change`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An observation as first stored.
    ObservationPut,
    /// New title, text or kind.
    ObservationEdit,
    /// Pinned or unpinned.
    ObservationPin,
    /// Forgotten.
    ObservationForget,
    /// Brought back from a forget.
    ObservationRestore,
    /// A session.
    SessionPut,
    /// A session summary.
    SummaryPut,
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
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}
