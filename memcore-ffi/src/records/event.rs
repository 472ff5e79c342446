//! Events: what happened in a session, as the host reports it and as it is stored.

use super::{from_time, json_text, rfc3339, to_time};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// What happened in a session. In JSON an object with `"type"`: `user_prompt`, `tool_use`,
/// `assistant_message` or `note`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all_fields = "camelCase"))]
pub enum EventPayload {
    /// A prompt the user submitted.
    UserPrompt {
        /// The prompt's text.
        text: String,
    },
    /// A tool call with its input and result.
    ToolUse {
        /// The tool's name (`Edit`, `Bash`, `Read`...).
        tool_name: String,
        /// The tool's input: any JSON (`{"file_path": "src/cart.py"}`), stored as given. JSON
        /// text for uniffi (empty for none); the JSON value itself, field `"input"`, in a C
        /// document and in the Node package (which leaves its keys as they are).
        #[serde(rename = "input", default, with = "json_text")]
        #[cfg_attr(feature = "uniffi", uniffi(default))]
        #[cfg_attr(test, ts(type = "unknown", optional))]
        input_json: String,
        /// What the tool returned, if it succeeded.
        #[serde(default)]
        #[cfg_attr(feature = "uniffi", uniffi(default))]
        #[cfg_attr(test, ts(optional = nullable))]
        output: Option<String>,
        /// The error, if it failed.
        #[serde(default)]
        #[cfg_attr(feature = "uniffi", uniffi(default))]
        #[cfg_attr(test, ts(optional = nullable))]
        error: Option<String>,
        /// The host's id for this call; the idempotency key when present.
        #[serde(default)]
        #[cfg_attr(feature = "uniffi", uniffi(default))]
        #[cfg_attr(test, ts(optional = nullable))]
        tool_use_id: Option<String>,
    },
    /// A message from the assistant (typically the last one of a turn).
    AssistantMessage {
        /// The message's text.
        text: String,
    },
    /// An explicit note: "remember this".
    Note {
        /// The note's text.
        text: String,
    },
}

impl TryFrom<EventPayload> for memcore::EventPayload {
    type Error = memcore::Error;

    /// Fails (as [`memcore::Error::Json`]) when a tool input is not JSON text.
    fn try_from(p: EventPayload) -> Result<Self, memcore::Error> {
        Ok(match p {
            EventPayload::UserPrompt { text } => memcore::EventPayload::UserPrompt { text },
            EventPayload::ToolUse {
                tool_name,
                input_json,
                output,
                error,
                tool_use_id,
            } => memcore::EventPayload::ToolUse {
                input: json_text::parse(&input_json).map_err(|source| memcore::Error::Json {
                    context: format!("the input of tool use {tool_name} is not valid JSON"),
                    source,
                })?,
                tool_name,
                output,
                error,
                tool_use_id,
            },
            EventPayload::AssistantMessage { text } => {
                memcore::EventPayload::AssistantMessage { text }
            }
            EventPayload::Note { text } => memcore::EventPayload::Note { text },
        })
    }
}

impl From<memcore::EventPayload> for EventPayload {
    fn from(p: memcore::EventPayload) -> Self {
        match p {
            memcore::EventPayload::UserPrompt { text } => EventPayload::UserPrompt { text },
            memcore::EventPayload::ToolUse {
                tool_name,
                input,
                output,
                error,
                tool_use_id,
            } => EventPayload::ToolUse {
                tool_name,
                input_json: json_text::format(&input),
                output,
                error,
                tool_use_id,
            },
            memcore::EventPayload::AssistantMessage { text } => {
                EventPayload::AssistantMessage { text }
            }
            memcore::EventPayload::Note { text } => EventPayload::Note { text },
        }
    }
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct NewEvent {
    /// The session it belongs to (must have been started).
    pub session_id: String,
    /// What happened.
    pub payload: EventPayload,
    /// The host's idempotency key: recording the same key twice in a session stores one
    /// event. Defaults to the tool-use id of a tool call.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub external_id: Option<String>,
    /// When it happened; now when absent.
    #[serde(default, with = "rfc3339::option")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(type = "Timestamp", optional))]
    pub occurred_at: Option<SystemTime>,
}

impl TryFrom<NewEvent> for memcore::NewEvent {
    type Error = memcore::Error;

    fn try_from(e: NewEvent) -> Result<Self, memcore::Error> {
        Ok(memcore::NewEvent {
            session_id: e.session_id,
            payload: e.payload.try_into()?,
            external_id: e.external_id,
            occurred_at: e.occurred_at.map(to_time),
        })
    }
}

/// Where an event stands in extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum EventStatus {
    /// Waiting for extraction.
    Pending,
    /// Distilled into observations (or judged not worth keeping).
    Extracted,
    /// Deliberately not extracted.
    Skipped,
    /// Extraction failed too many times; kept, never deleted.
    Failed,
}

impl From<memcore::EventStatus> for EventStatus {
    fn from(s: memcore::EventStatus) -> Self {
        match s {
            memcore::EventStatus::Pending => EventStatus::Pending,
            memcore::EventStatus::Extracted => EventStatus::Extracted,
            memcore::EventStatus::Skipped => EventStatus::Skipped,
            memcore::EventStatus::Failed => EventStatus::Failed,
        }
    }
}

impl From<EventStatus> for memcore::EventStatus {
    fn from(s: EventStatus) -> Self {
        match s {
            EventStatus::Pending => memcore::EventStatus::Pending,
            EventStatus::Extracted => memcore::EventStatus::Extracted,
            EventStatus::Skipped => memcore::EventStatus::Skipped,
            EventStatus::Failed => memcore::EventStatus::Failed,
        }
    }
}

/// A stored event (its text already redacted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "MemoryEvent", rename_all = "camelCase")
)]
pub struct Event {
    /// The event's id.
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// Its session's project.
    pub project: String,
    /// What happened.
    pub payload: EventPayload,
    /// The host's idempotency key, if any.
    pub external_id: Option<String>,
    /// When it happened.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub occurred_at: SystemTime,
    /// Extraction status.
    pub status: EventStatus,
    /// How many extraction attempts have failed.
    pub attempts: u32,
}

impl From<memcore::Event> for Event {
    fn from(e: memcore::Event) -> Self {
        Event {
            id: e.id,
            session_id: e.session_id,
            project: e.project,
            payload: e.payload.into(),
            external_id: e.external_id,
            occurred_at: from_time(e.occurred_at),
            status: e.status.into(),
            attempts: e.attempts,
        }
    }
}

/// The result of recording an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Recorded {
    /// The event's id (the existing one when the key was already recorded).
    pub id: i64,
    /// False when an event with the same idempotency key was already stored.
    pub inserted: bool,
}

impl From<memcore::Recorded> for Recorded {
    fn from(r: memcore::Recorded) -> Self {
        Recorded {
            id: r.id,
            inserted: r.inserted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples;

    #[test]
    fn every_payload_serializes_as_the_core_does() {
        let payloads = [
            memcore::EventPayload::UserPrompt { text: "hi".into() },
            memcore::EventPayload::AssistantMessage {
                text: "done".into(),
            },
            memcore::EventPayload::Note {
                text: "remember".into(),
            },
            memcore::EventPayload::ToolUse {
                tool_name: "Bash".into(),
                input: serde_json::Value::Null,
                output: None,
                error: None,
                tool_use_id: None,
            },
            memcore::EventPayload::ToolUse {
                tool_name: "Bash".into(),
                input: serde_json::json!(""),
                output: None,
                error: None,
                tool_use_id: None,
            },
        ];
        for core in payloads {
            let record = EventPayload::from(core.clone());
            same_json(&core, &record);
            assert_eq!(memcore::EventPayload::try_from(record).unwrap(), core);
        }
        let core = samples::event();
        same_json(&core, &Event::from(core.clone()));
    }

    #[test]
    fn a_new_event_reads_what_the_core_reads() {
        let json = r#"{"session_id":"s","payload":{"type":"tool_use","tool_name":"Edit",
            "input":{"file_path":"a.rs","n":[1,2]},"tool_use_id":"t"},
            "occurred_at":"2026-11-24T10:31:00Z"}"#;
        let record: NewEvent = serde_json::from_str(json).unwrap();
        let core: memcore::NewEvent = serde_json::from_str(json).unwrap();
        assert_eq!(memcore::NewEvent::try_from(record).unwrap(), core);
    }

    #[test]
    fn tool_input_that_is_not_json_is_refused() {
        let payload = EventPayload::ToolUse {
            tool_name: "Edit".into(),
            input_json: "{not json".into(),
            output: None,
            error: None,
            tool_use_id: None,
        };
        let err = memcore::EventPayload::try_from(payload).unwrap_err();
        assert!(matches!(err, memcore::Error::Json { .. }), "{err}");
    }
}
