//! Store statistics.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Store statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Stats {
    /// Observations per kind name.
    #[serde(serialize_with = "super::sorted_map")]
    #[cfg_attr(test, ts(type = "Record<string, number>"))]
    pub observations_by_kind: HashMap<String, u64>,
    /// All observations in scope.
    pub observations: u64,
    /// Sessions in scope.
    pub sessions: u64,
    /// Summaries in scope.
    pub summaries: u64,
    /// Events in scope.
    pub events: u64,
    /// Events waiting for extraction.
    pub pending_events: u64,
    /// Events whose extraction failed too many times.
    pub failed_events: u64,
    /// Size of the database file (with its write-ahead log) in bytes; the whole store,
    /// whatever the scope.
    pub file_size_bytes: u64,
    /// The store's schema version.
    pub schema_version: u32,
}

impl From<memcore::Stats> for Stats {
    fn from(s: memcore::Stats) -> Self {
        Stats {
            observations_by_kind: s.observations_by_kind.into_iter().collect(),
            observations: s.observations,
            sessions: s.sessions,
            summaries: s.summaries,
            events: s.events,
            pending_events: s.pending_events,
            failed_events: s.failed_events,
            file_size_bytes: s.file_size_bytes,
            schema_version: s.schema_version,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;

    pub(crate) fn core_stats() -> memcore::Stats {
        memcore::Stats {
            observations_by_kind: [("bugfix".to_owned(), 2), ("decision".to_owned(), 1)]
                .into_iter()
                .collect(),
            observations: 3,
            sessions: 2,
            summaries: 1,
            events: 9,
            pending_events: 4,
            failed_events: 1,
            file_size_bytes: 4096,
            schema_version: 12,
        }
    }

    #[test]
    fn stats_serialize_as_the_core_does_keys_sorted() {
        let core = core_stats();
        let record = Stats::from(core.clone());
        same_json(&core, &record);
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            serde_json::to_string(&core).unwrap()
        );
    }
}
