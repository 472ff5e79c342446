//! The records both front doors exchange: sessions, events, observations, summaries,
//! statistics, extraction requests and reports, the ledger, search hits, contexts, timelines
//! and the reports of export, import, backup and retention.
//!
//! Each record is defined once, here, and serves both doors (the design of matrix-sdk-ffi:
//! the core knows nothing of its bindings; this crate owns every foreign-facing type and its
//! conversion):
//!
//! - its **serde form is the C JSON wire format**: the C functions serialize these types,
//!   never the core's, inside the `{"v":1, ...}` envelope (`crate::strings`). The field names
//!   are those of the core's own serde form, and the tests here check, record by record, that
//!   a populated core value and its record serialize to the same JSON;
//! - under the `uniffi` feature it is also a `uniffi::Record` (or `uniffi::Enum`), the type
//!   Python and Swift see;
//! - its conversions from (and, for what a host passes in, to) the core type are written
//!   once, beside it.
//!
//! Timestamps are `SystemTime` (a `datetime` in Python, a `Date` in Swift) and RFC 3339 strings
//! in JSON (the [`rfc3339`] helpers). Tool inputs are JSON text for uniffi and a JSON value in
//! the C documents ([`json_text`]). Kinds are strings.
//!
//! - under `cfg(test)` it derives `ts_rs::TS`, from which `crate::docs_check` generates the
//!   Node package's record types (`bindings/node/records.d.ts`) and the field lists of the
//!   JSON documentation in `crate::strings` (the C header's). Its `ts(...)` attributes say what
//!   the Node package hands out and accepts: `type = "string"` for a timestamp going out,
//!   `type = "Timestamp", optional` for one going in, `as = "Option<_>", optional` for a field
//!   a host may leave out (serde's default), `optional` for an input `Option`.
//!
//! Adding a field to a record is therefore: the field (with its doc comment, which both
//! documents carry), its conversion, then `scripts/test-c.sh --update` (or
//! `MEMCORE_UPDATE_DOCS=1 cargo test -p memcore-ffi docs_check`, then cbindgen) to regenerate
//! `records.d.ts`, `strings.rs`'s field lists and `include/memcore.h` (the tests fail until
//! then, naming the file), and `scripts/check-swift.sh --update` for the committed Swift
//! binding when the record is a uniffi record.

mod event;
mod extraction;
mod observation;
mod portable;
mod recall;
mod session;
mod stats;
mod summary;

pub use event::{Event, EventPayload, EventStatus, NewEvent, Recorded};
pub use extraction::{
    CompletionReport, ExtractionRequest, ExtractionRun, FailureReport, LedgerEntry, LlmResponse,
    OutputFormat, ParseIssue, RequestPurpose, Usage,
};
pub use observation::{Added, NewObservation, Observation};
pub use portable::{
    BackupReport, ExportOptions, ExportReport, ImportReport, PruneReason, PruneReport,
    PrunedObservation, RecordCounts, RetentionPolicy,
};
pub use recall::{Context, ScoreParts, SearchHit, Timeline, TimelineEntry, TimelineItem};
pub use session::{NewSession, Session, SessionStatus};
pub use stats::Stats;
pub use summary::{NewSummary, Summary};

use std::time::SystemTime;
use time::OffsetDateTime;

/// A core timestamp as a record's.
pub(crate) fn from_time(t: OffsetDateTime) -> SystemTime {
    SystemTime::from(t)
}

/// A record's timestamp as the core's (UTC).
pub(crate) fn to_time(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

/// A count from the core as a record's `u64`.
pub(crate) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A count or limit from a host as a `usize`.
#[cfg(feature = "uniffi")]
pub(crate) fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// serde helpers: a `SystemTime` as an RFC 3339 string (`"2026-11-24T10:31:00Z"`, UTC).
pub(crate) mod rfc3339 {
    use super::{from_time, to_time};
    use serde::{Deserializer, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&to_time(*t), s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        time::serde::rfc3339::deserialize(d).map(from_time)
    }

    /// The same for an optional timestamp (`null` or absent for `None`).
    pub(crate) mod option {
        use super::{from_time, to_time};
        use serde::{Deserializer, Serializer};
        use std::time::SystemTime;

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<SystemTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            time::serde::rfc3339::option::serialize(&t.map(to_time), s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            Ok(time::serde::rfc3339::option::deserialize(d)?.map(from_time))
        }
    }
}

/// serde helpers: JSON text (a tool's input, as uniffi carries it) as the JSON value itself in
/// a document; empty text is `null`.
pub(crate) mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
        if text.trim().is_empty() {
            return s.serialize_none();
        }
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => value.serialize(s),
            // Not JSON (only a uniffi host can give such text, and recording it fails first):
            // kept as a string rather than lost.
            Err(_) => s.serialize_str(text),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(if value.is_null() {
            String::new()
        } else {
            value.to_string()
        })
    }

    /// Parses JSON text into the core's value (empty: `null`).
    pub(crate) fn parse(text: &str) -> Result<serde_json::Value, serde_json::Error> {
        if text.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(text)
    }

    /// The core's value as JSON text (`null`: empty).
    pub(crate) fn format(value: &serde_json::Value) -> String {
        if value.is_null() {
            String::new()
        } else {
            value.to_string()
        }
    }
}

/// serde helper: a map written with its keys sorted, so that documents are deterministic.
pub(crate) fn sorted_map<S: serde::Serializer>(
    map: &std::collections::HashMap<String, u64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    map.iter()
        .collect::<std::collections::BTreeMap<_, _>>()
        .serialize(s)
}

#[cfg(test)]
pub(crate) use extraction::tests as extraction_tests;
#[cfg(test)]
pub(crate) use portable::tests as portable_tests;
#[cfg(test)]
pub(crate) use recall::tests as recall_tests;
#[cfg(test)]
pub(crate) use session::tests as session_tests;
#[cfg(test)]
pub(crate) use stats::tests as stats_tests;
#[cfg(test)]
pub(crate) use summary::tests as summary_tests;

/// Test support: the JSON of a core value and of its record, which must be equal.
#[cfg(test)]
pub(crate) fn same_json<C: serde::Serialize, R: serde::Serialize>(core: &C, record: &R) {
    let core = serde_json::to_value(core).expect("the core value serializes");
    let record = serde_json::to_value(record).expect("the record serializes");
    assert_eq!(core, record, "the record's JSON differs from the core's");
}

/// Test support: fixed times and populated core values, shared by the record tests and the
/// documentation checks.
#[cfg(test)]
pub(crate) mod samples {
    use time::OffsetDateTime;
    use time::macros::datetime;

    pub(crate) const T0: OffsetDateTime = datetime!(2026-11-24 10:31:00 UTC);
    pub(crate) const T1: OffsetDateTime = datetime!(2026-11-24 11:02:30.25 UTC);

    pub(crate) use super::observation::sample as observation;

    pub(crate) fn event() -> memcore::Event {
        memcore::Event {
            id: 3,
            session_id: "s1".into(),
            project: "shop".into(),
            payload: memcore::EventPayload::ToolUse {
                tool_name: "Edit".into(),
                input: serde_json::json!({"file_path": "src/cart.py"}),
                output: Some("ok".into()),
                error: Some("none".into()),
                tool_use_id: Some("tu1".into()),
            },
            external_id: Some("x1".into()),
            occurred_at: T1,
            status: memcore::EventStatus::Failed,
            attempts: 2,
        }
    }
}
