//! Extraction: the request a host's LLM gets, its answer, the reports of completing or
//! failing a request and of a whole run, and the ledger.

use super::{count, from_time, rfc3339};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// What a request asks the LLM for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum RequestPurpose {
    /// Observations distilled from a batch of events.
    Observations,
    /// A summary of one session.
    Summary,
}

/// The reply format a request expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum OutputFormat {
    /// A JSON array of observation objects (`[]` when nothing is worth keeping).
    ObservationsJson,
    /// One JSON object with the summary fields.
    SummaryJson,
}

/// One bounded prompt for the host's LLM, with the events it covers. Pass it back unchanged
/// to complete or fail it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ExtractionRequest {
    /// The session the events belong to.
    pub session_id: String,
    /// The session's project.
    pub project: String,
    /// Observations or summary.
    pub purpose: RequestPurpose,
    /// The system prompt; the same for every request of a purpose and mode, so providers can
    /// cache it.
    pub system_prompt: String,
    /// The user prompt: the project, the rendered events, a reminder of the output format.
    pub user_prompt: String,
    /// The reply format expected.
    pub format: OutputFormat,
    /// The most the LLM should write in reply, in tokens.
    pub max_output_tokens: u32,
    /// Every event the request covers, in order.
    pub event_ids: Vec<i64>,
    /// The estimated cost of the system prompt plus the user prompt, in tokens.
    pub input_tokens: u32,
    /// Events the LLM sees only in part (cut to fit) or not at all.
    pub truncated_event_ids: Vec<i64>,
    /// The claim that holds the events for this extractor (empty for summaries).
    #[serde(default)]
    pub claim: String,
}

impl From<memcore::extract::ExtractionRequest> for ExtractionRequest {
    fn from(r: memcore::extract::ExtractionRequest) -> Self {
        use memcore::extract::{OutputFormat as F, RequestPurpose as P};
        ExtractionRequest {
            session_id: r.session_id,
            project: r.project,
            purpose: match r.purpose {
                P::Observations => RequestPurpose::Observations,
                P::Summary => RequestPurpose::Summary,
            },
            system_prompt: r.system_prompt,
            user_prompt: r.user_prompt,
            format: match r.format {
                F::ObservationsJson => OutputFormat::ObservationsJson,
                F::SummaryJson => OutputFormat::SummaryJson,
            },
            max_output_tokens: r.max_output_tokens,
            event_ids: r.event_ids,
            input_tokens: r.input_tokens,
            truncated_event_ids: r.truncated_event_ids,
            claim: r.claim,
        }
    }
}

impl From<ExtractionRequest> for memcore::extract::ExtractionRequest {
    fn from(r: ExtractionRequest) -> Self {
        use memcore::extract::{OutputFormat as F, RequestPurpose as P};
        memcore::extract::ExtractionRequest {
            session_id: r.session_id,
            project: r.project,
            purpose: match r.purpose {
                RequestPurpose::Observations => P::Observations,
                RequestPurpose::Summary => P::Summary,
            },
            system_prompt: r.system_prompt,
            user_prompt: r.user_prompt,
            format: match r.format {
                OutputFormat::ObservationsJson => F::ObservationsJson,
                OutputFormat::SummaryJson => F::SummaryJson,
            },
            max_output_tokens: r.max_output_tokens,
            event_ids: r.event_ids,
            input_tokens: r.input_tokens,
            truncated_event_ids: r.truncated_event_ids,
            claim: r.claim,
        }
    }
}

/// What the host's model reports about one call. Token counts the host does not know are
/// estimated by memcore.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Usage {
    /// The model's name as the host knows it (`claude-haiku-4-5`, `gpt-4o-mini`...).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub model: String,
    /// Input tokens billed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub prompt_tokens: Option<u64>,
    /// Output tokens billed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub completion_tokens: Option<u64>,
}

impl From<Usage> for memcore::extract::Usage {
    fn from(u: Usage) -> Self {
        memcore::extract::Usage {
            model: u.model,
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        }
    }
}

/// A model's answer to an [`ExtractionRequest`] (C: the LLM answer document a `MemcoreLlm`
/// callback returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LlmResponse {
    /// The answer's text, as the model wrote it (JSON, possibly in a code fence or with
    /// prose around it: the parser is tolerant).
    pub text: String,
    /// What the call cost.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub usage: Usage,
}

impl From<LlmResponse> for memcore::extract::LlmResponse {
    fn from(r: LlmResponse) -> Self {
        memcore::extract::LlmResponse {
            text: r.text,
            usage: r.usage.into(),
        }
    }
}

/// An item of an LLM answer that was skipped or changed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ParseIssue {
    /// The item's 0-based position in the answer, or `None` for the answer as a whole.
    pub item: Option<u64>,
    /// What was wrong, in words meant for a log.
    pub reason: String,
}

impl From<memcore::extract::ParseIssue> for ParseIssue {
    fn from(i: memcore::extract::ParseIssue) -> Self {
        ParseIssue {
            item: i.item.map(count),
            reason: i.reason,
        }
    }
}

/// The result of completing one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct CompletionReport {
    /// Ids of the observations stored.
    pub stored: Vec<i64>,
    /// Ids of existing observations the answer repeated (nothing stored for them).
    pub duplicates: Vec<i64>,
    /// Items of the answer that were skipped or changed.
    pub issues: Vec<ParseIssue>,
    /// How many events were marked extracted.
    pub events_extracted: u64,
}

impl From<memcore::extract::CompletionReport> for CompletionReport {
    fn from(r: memcore::extract::CompletionReport) -> Self {
        CompletionReport {
            stored: r.stored,
            duplicates: r.duplicates,
            issues: r.issues.into_iter().map(Into::into).collect(),
            events_extracted: count(r.events_extracted),
        }
    }
}

/// The result of reporting a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct FailureReport {
    /// Events that reached the attempt limit and are now marked failed.
    pub events_failed: u64,
    /// Events that stay pending for another attempt.
    pub events_pending: u64,
}

impl From<memcore::extract::FailureReport> for FailureReport {
    fn from(r: memcore::extract::FailureReport) -> Self {
        FailureReport {
            events_failed: r.events_failed,
            events_pending: r.events_pending,
        }
    }
}

/// Totals of one extraction run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ExtractionRun {
    /// Requests (or heuristic batches) processed.
    pub requests: u64,
    /// Observations stored.
    pub observations_stored: u64,
    /// Observations the extractor produced that already existed.
    pub duplicates: u64,
    /// Events marked extracted.
    pub events_extracted: u64,
    /// Requests that failed (their events stay pending, or are failed at the attempt limit).
    pub failures: u64,
    /// Events marked failed at the attempt limit during this run.
    pub events_failed: u64,
    /// Issues the parser reported.
    pub issues: Vec<ParseIssue>,
    /// Input tokens spent.
    pub prompt_tokens: u64,
    /// Output tokens spent.
    pub completion_tokens: u64,
}

impl From<memcore::extract::ExtractionRun> for ExtractionRun {
    fn from(r: memcore::extract::ExtractionRun) -> Self {
        ExtractionRun {
            requests: r.requests,
            observations_stored: r.observations_stored,
            duplicates: r.duplicates,
            events_extracted: r.events_extracted,
            failures: r.failures,
            events_failed: r.events_failed,
            issues: r.issues.into_iter().map(Into::into).collect(),
            prompt_tokens: r.prompt_tokens,
            completion_tokens: r.completion_tokens,
        }
    }
}

/// One row of the extraction ledger: what an LLM call (or a heuristic batch) cost and
/// produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct LedgerEntry {
    /// The row's id.
    pub id: i64,
    /// The session extracted, if the request was per session.
    pub session_id: Option<String>,
    /// The project.
    pub project: String,
    /// `observations` or `summary`.
    pub purpose: String,
    /// The model name the host reported (`heuristic` for the rule-based extractor).
    pub model: String,
    /// Input tokens (reported or estimated).
    pub prompt_tokens: u64,
    /// Output tokens (reported or estimated).
    pub completion_tokens: u64,
    /// The events covered.
    pub event_ids: Vec<i64>,
    /// `completed`, `failed` or `gave_up`.
    pub outcome: String,
    /// Parse issues or the failure reason.
    pub detail: Option<String>,
    /// Observations stored by this call.
    pub observations: u64,
    /// When it happened.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub created_at: SystemTime,
}

impl From<memcore::LedgerEntry> for LedgerEntry {
    fn from(e: memcore::LedgerEntry) -> Self {
        LedgerEntry {
            id: e.id,
            session_id: e.session_id,
            project: e.project,
            purpose: e.purpose,
            model: e.model,
            prompt_tokens: e.prompt_tokens,
            completion_tokens: e.completion_tokens,
            event_ids: e.event_ids,
            outcome: e.outcome,
            detail: e.detail,
            observations: e.observations,
            created_at: from_time(e.created_at),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples::T0;
    use memcore::extract as core;

    pub(crate) fn core_request() -> core::ExtractionRequest {
        core::ExtractionRequest {
            session_id: "s1".into(),
            project: "shop".into(),
            purpose: core::RequestPurpose::Summary,
            system_prompt: "sys".into(),
            user_prompt: "user".into(),
            format: core::OutputFormat::SummaryJson,
            max_output_tokens: 800,
            event_ids: vec![1, 2],
            input_tokens: 120,
            truncated_event_ids: vec![2],
            claim: "c1".into(),
        }
    }

    pub(crate) fn core_issue() -> core::ParseIssue {
        core::ParseIssue {
            item: Some(1),
            reason: "no title".into(),
        }
    }

    pub(crate) fn core_ledger() -> memcore::LedgerEntry {
        memcore::LedgerEntry {
            id: 1,
            session_id: Some("s1".into()),
            project: "shop".into(),
            purpose: "observations".into(),
            model: "m".into(),
            prompt_tokens: 10,
            completion_tokens: 20,
            event_ids: vec![1],
            outcome: "failed".into(),
            detail: Some("down".into()),
            observations: 0,
            created_at: T0,
        }
    }

    pub(crate) fn core_completion() -> core::CompletionReport {
        core::CompletionReport {
            stored: vec![1],
            duplicates: vec![2],
            issues: vec![core_issue()],
            events_extracted: 3,
        }
    }

    pub(crate) fn core_run() -> core::ExtractionRun {
        core::ExtractionRun {
            requests: 1,
            observations_stored: 2,
            duplicates: 3,
            events_extracted: 4,
            failures: 5,
            events_failed: 6,
            issues: vec![core_issue()],
            prompt_tokens: 7,
            completion_tokens: 8,
        }
    }

    #[test]
    fn a_request_round_trips_and_serializes_as_the_core_does() {
        let core = core_request();
        let record = ExtractionRequest::from(core.clone());
        same_json(&core, &record);
        assert_eq!(core::ExtractionRequest::from(record), core);
    }

    #[test]
    fn reports_and_the_ledger_serialize_as_the_core_does() {
        let completion = core_completion();
        same_json(&completion, &CompletionReport::from(completion.clone()));
        let failure = core::FailureReport {
            events_failed: 1,
            events_pending: 2,
        };
        same_json(&failure, &FailureReport::from(failure));
        let run = core_run();
        same_json(&run, &ExtractionRun::from(run.clone()));
        let entry = core_ledger();
        same_json(&entry, &LedgerEntry::from(entry.clone()));
    }

    #[test]
    fn usage_and_answers_read_what_the_core_reads() {
        let json = r#"{"text":"[]","usage":{"model":"m","prompt_tokens":3}}"#;
        let record: LlmResponse = serde_json::from_str(json).unwrap();
        let core: core::LlmResponse = serde_json::from_str(json).unwrap();
        assert_eq!(core::LlmResponse::from(record), core);
        // The usage may be left out of an answer: nothing is known of the cost.
        let bare: LlmResponse = serde_json::from_str(r#"{"text":"[]"}"#).unwrap();
        assert_eq!(bare.usage, Usage::default());
    }
}
