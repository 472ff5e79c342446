//! The JSONL export format's records (see the [module docs](super) for the format itself).

use super::RecordCounts;
use crate::model::{EventPayload, EventStatus, NewSummary, Observation, SessionStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The version of the JSONL export format this build writes and the newest it reads.
///
/// Version 2 ends a file with an `end` record (the counts of what was written, so a file cut
/// short is told from a whole one) and keeps an observation's sources that name events not
/// in the file. Version 1 files are still read (they have no `end` record: import warns).
pub const EXPORT_FORMAT_VERSION: u32 = 2;

/// The `format` value of the header line.
pub(crate) const FORMAT_NAME: &str = "memcore-export";

/// Line 1 of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub format: String,
    pub format_version: u32,
    pub schema_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    #[serde(default)]
    pub include_events: bool,
}

/// Every other line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Record {
    Project(ProjectRecord),
    Session(SessionRecord),
    Prompt(PromptRecord),
    Event(EventRecord),
    Observation(ObservationRecord),
    Summary(SummaryRecord),
    Ledger(LedgerRecord),
    /// The last line: what the export wrote. Not applied; checked against the file.
    End(EndRecord),
}

impl Record {
    /// The record's `type`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Record::Project(_) => "project",
            Record::Session(_) => "session",
            Record::Prompt(_) => "prompt",
            Record::Event(_) => "event",
            Record::Observation(_) => "observation",
            Record::Summary(_) => "summary",
            Record::Ledger(_) => "ledger",
            Record::End(_) => "end",
        }
    }

    /// The order in which records are applied: what others refer to comes first.
    pub(crate) fn phase(&self) -> u8 {
        match self {
            Record::Project(_) => 0,
            Record::Session(_) => 1,
            Record::Prompt(_) | Record::Event(_) => 2,
            Record::Observation(_) => 3,
            Record::Summary(_) => 4,
            Record::Ledger(_) => 5,
            Record::End(_) => 6,
        }
    }

    /// Counts this record in `counts` under its type (`end` counts nothing).
    pub(crate) fn count_in(&self, counts: &mut RecordCounts) {
        let n = match self {
            Record::Project(_) => &mut counts.projects,
            Record::Session(_) => &mut counts.sessions,
            Record::Prompt(_) => &mut counts.prompts,
            Record::Event(_) => &mut counts.events,
            Record::Observation(_) => &mut counts.observations,
            Record::Summary(_) => &mut counts.summaries,
            Record::Ledger(_) => &mut counts.ledger,
            Record::End(_) => return,
        };
        *n += 1;
    }
}

/// The `end` record, the last line of a format-2 export: how many records of each type the
/// export wrote before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndRecord {
    pub records: RecordCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProjectRecord {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub id: String,
    pub project: String,
    pub agent: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub status: SessionStatus,
}

fn pending() -> EventStatus {
    EventStatus::Pending
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PromptRecord {
    pub session_id: String,
    #[serde(default)]
    pub external_id: Option<String>,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    #[serde(default = "pending")]
    pub status: EventStatus,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    pub session_id: String,
    #[serde(default)]
    pub external_id: Option<String>,
    pub payload: EventPayload,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    #[serde(default = "pending")]
    pub status: EventStatus,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A reference to an event by what names it in any store: its session and key, or, for an
/// event without a key, its session and content key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct EventRef {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_key: Option<String>,
}

/// A reference to an observation by what names it in any store: its project and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct ObservationRef {
    pub project: String,
    pub content_hash: String,
}

/// The fields of an [`Observation`] that name rows of the store holding it, which mean nothing
/// in another: an export leaves them out (it carries `supersedes` and the sources as
/// [`ObservationRef`] and [`EventRef`]s instead), and an import ignores them. The one list.
pub(crate) const LOCAL_OBSERVATION_FIELDS: [&str; 4] =
    ["id", "source_event_ids", "supersedes", "superseded_by"];

/// The fields an observation record must have: those format 1 required. A field added to
/// [`Observation`] since is optional on import by necessity (files written before it lack
/// it): an import gives it its default.
const REQUIRED_OBSERVATION_FIELDS: [&str; 4] = ["project", "kind", "title", "created_at"];

/// An observation record as an import reads it: its fields (read as the core types by
/// `import::IncomingObservation`), and `supersedes` and `sources` as references. The export
/// writes the same record with [`ObservationLine`], from the core [`Observation`] itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ObservationRecord {
    /// The observation's own fields.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The observation it replaces, if any.
    #[serde(default)]
    pub supersedes: Option<ObservationRef>,
    /// The events it came from.
    #[serde(default)]
    pub sources: Vec<EventRef>,
}

impl ObservationRecord {
    /// The record's own fields as one JSON object, for an import to read: local fields (a
    /// file written by hand may have them) left out, and the fields every record must have
    /// checked.
    pub(crate) fn portable_fields(&self) -> serde_json::Result<serde_json::Value> {
        let fields: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .filter(|(name, _)| !LOCAL_OBSERVATION_FIELDS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        for name in REQUIRED_OBSERVATION_FIELDS {
            match fields.get(name) {
                None => return Err(serde::de::Error::missing_field(name)),
                Some(serde_json::Value::Null) => {
                    return Err(serde::de::Error::custom(format!(
                        "field `{name}` must not be null"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(serde_json::Value::Object(fields))
    }
}

/// An observation as the export writes it: `"type":"observation"`, the core [`Observation`]'s
/// own serde form (its fields in the order the type declares them, each written by the type's
/// own `Serialize`) less [`LOCAL_OBSERVATION_FIELDS`], then `supersedes` and `sources` as
/// references that hold in any store. A field added to [`Observation`] is exported with no
/// code here.
pub(crate) struct ObservationLine<'a> {
    /// The stored observation.
    pub observation: &'a Observation,
    /// The observation it replaces, by project and content hash.
    pub supersedes: Option<ObservationRef>,
    /// The events it came from.
    pub sources: Vec<EventRef>,
}

impl Serialize for ObservationLine<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.observation.serialize(LineSerializer {
            inner: s,
            line: self,
        })
    }
}

/// What [`ObservationLine`] hands to the observation's `Serialize`: the observation's struct
/// goes through to `inner`, framed by the record's `type` and references, its local fields
/// left out ([`LineFields`]). Anything but a struct is refused: an observation is one.
struct LineSerializer<'a, S> {
    inner: S,
    line: &'a ObservationLine<'a>,
}

fn not_a_struct<E: serde::ser::Error>() -> E {
    E::custom("an observation must serialize as a struct to be exported")
}

/// The `Serializer` methods [`LineSerializer`] refuses, each with its arguments' types.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, S::Error> {
            Err(not_a_struct())
        })*
    };
}

impl<'a, S: serde::Serializer> serde::Serializer for LineSerializer<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = serde::ser::Impossible<S::Ok, S::Error>;
    type SerializeTuple = serde::ser::Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<S::Ok, S::Error>;
    type SerializeMap = serde::ser::Impossible<S::Ok, S::Error>;
    type SerializeStruct = LineFields<'a, S::SerializeStruct>;
    type SerializeStructVariant = serde::ser::Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        // `type` and the two references; the local fields are left out.
        let len = (len + 3).saturating_sub(LOCAL_OBSERVATION_FIELDS.len());
        let mut inner = self.inner.serialize_struct("ObservationRecord", len)?;
        serde::ser::SerializeStruct::serialize_field(&mut inner, "type", "observation")?;
        Ok(LineFields {
            inner,
            line: self.line,
        })
    }

    refuse! {
        serialize_bool(bool) -> S::Ok;
        serialize_i8(i8) -> S::Ok;
        serialize_i16(i16) -> S::Ok;
        serialize_i32(i32) -> S::Ok;
        serialize_i64(i64) -> S::Ok;
        serialize_u8(u8) -> S::Ok;
        serialize_u16(u16) -> S::Ok;
        serialize_u32(u32) -> S::Ok;
        serialize_u64(u64) -> S::Ok;
        serialize_f32(f32) -> S::Ok;
        serialize_f64(f64) -> S::Ok;
        serialize_char(char) -> S::Ok;
        serialize_str(&str) -> S::Ok;
        serialize_bytes(&[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(&'static str) -> S::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> S::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }
}

/// The fields of an [`ObservationLine`]: the observation's own, each passed through as its
/// type wrote it, but the local ones; then the references.
struct LineFields<'a, F> {
    inner: F,
    line: &'a ObservationLine<'a>,
}

impl<F: serde::ser::SerializeStruct> serde::ser::SerializeStruct for LineFields<'_, F> {
    type Ok = F::Ok;
    type Error = F::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), F::Error> {
        if LOCAL_OBSERVATION_FIELDS.contains(&key) {
            return Ok(());
        }
        self.inner.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), F::Error> {
        self.inner.skip_field(key)
    }

    fn end(mut self) -> Result<F::Ok, F::Error> {
        self.inner
            .serialize_field("supersedes", &self.line.supersedes)?;
        self.inner.serialize_field("sources", &self.line.sources)?;
        self.inner.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SummaryRecord {
    pub session_id: String,
    #[serde(default)]
    pub project: Option<String>,
    /// The summary's texts: [`NewSummary`]'s own serde form (every field defaults to empty),
    /// so a field added there travels with no code here.
    #[serde(flatten)]
    pub content: NewSummary,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LedgerRecord {
    #[serde(default)]
    pub session_id: Option<String>,
    pub project: String,
    pub purpose: String,
    pub model: String,
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub events: Vec<EventRef>,
    pub outcome: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub observations: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The content key of an event without a key of its own: the first 32 hex digits of SHA-256
/// over its type, payload JSON and time in milliseconds, NUL-separated.
pub(crate) fn event_content_key(kind: &str, payload: &str, occurred_ms: i64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0u8]);
    hasher.update(payload.as_bytes());
    hasher.update([0u8]);
    hasher.update(occurred_ms.to_string().as_bytes());
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation() -> Observation {
        crate::model::NewObservation {
            project: Some("p".into()),
            title: "t".into(),
            ..Default::default()
        }
        .prepare(str::to_owned)
        .unwrap()
    }

    fn line(o: &Observation) -> String {
        serde_json::to_string(&ObservationLine {
            observation: o,
            supersedes: None,
            sources: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn every_local_and_required_field_is_a_field_of_observation() {
        let fields = serde_json::to_value(observation()).unwrap();
        for name in LOCAL_OBSERVATION_FIELDS
            .iter()
            .chain(&REQUIRED_OBSERVATION_FIELDS)
        {
            assert!(fields.get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_line_is_the_type_then_the_observation_in_its_order_less_the_local_fields() {
        let o = observation();
        let line = line(&o);
        assert!(
            line.starts_with(r#"{"type":"observation","project":"p","session_id":null,"#),
            "{line}"
        );
        assert!(line.contains(r#","pinned":false,"#), "{line}");
        assert!(
            line.ends_with(r#","supersedes":null,"sources":[]}"#),
            "{line}"
        );
        let record: Record = serde_json::from_str(&line).unwrap();
        let Record::Observation(record) = record else {
            panic!("{line}")
        };
        for local in LOCAL_OBSERVATION_FIELDS {
            assert!(!record.fields.contains_key(local) || local == "supersedes");
        }
        assert!(record.portable_fields().is_ok());
    }

    /// Each field is written by the type's own `Serialize`: an `f32` keeps its shortest text
    /// (a detour through `serde_json::Value` would not: 1e-6 came back as 0.000001 or with
    /// an extra digit), so an export is byte-for-byte what it was when the record had fields
    /// of its own.
    #[test]
    fn an_importance_is_written_as_the_f32_writes_it() {
        let mut o = observation();
        for v in [0.0f32, 1.0, 0.1, 0.7, 0.85, 9.998366e-6, 1e-7, 1.397e-42] {
            o.importance = v;
            let text = serde_json::to_string(&v).unwrap();
            assert!(
                line(&o).contains(&format!(r#""importance":{text},"#)),
                "{v:e}"
            );
        }
    }
}
