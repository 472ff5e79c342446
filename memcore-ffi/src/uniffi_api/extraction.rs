//! Extraction: the host's LLM as the foreign trait [`LlmClient`], the loop driven with it or
//! by rules, the step-by-step protocol for hosts with their own LLM plumbing, summaries, the
//! ledger of what each call cost, and the mode (kinds and prompt texts).

use super::error::{MemcoreError, callback_error};
use super::memory::Memory;
use super::model::{Summary, from_time, project_filter, to_usize};
use memcore::extract::{Extractor, Mode};
use std::sync::Arc;
use std::time::SystemTime;

/// The host's LLM: implement it (a Python class with a `complete` method) to let memcore
/// drive extraction and summaries with any model.
///
/// `complete` gets a bounded request (a system and a user prompt, the answer format, the
/// most the answer should cost) and returns the model's text with what the call cost. An
/// exception (any exception) counts as a failed attempt: the events stay pending and are
/// retried up to `extraction.max_attempts` times, then kept as failed.
#[uniffi::export(foreign)]
pub trait LlmClient: Send + Sync {
    /// Sends `request.system_prompt` and `request.user_prompt` to the model (asking for at
    /// most `request.max_output_tokens`) and returns its answer.
    fn complete(&self, request: ExtractionRequest) -> Result<LlmResponse, MemcoreError>;
}

/// What a request asks the LLM for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RequestPurpose {
    /// Observations distilled from a batch of events.
    Observations,
    /// A summary of one session.
    Summary,
}

/// The reply format a request expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutputFormat {
    /// A JSON array of observation objects (`[]` when nothing is worth keeping).
    ObservationsJson,
    /// One JSON object with the summary fields.
    SummaryJson,
}

/// One bounded prompt for the host's LLM, with the events it covers. Pass it back unchanged
/// to `complete_extraction` or `fail_extraction`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct Usage {
    /// The model's name as the host knows it (`claude-haiku-4-5`, `gpt-4o-mini`...).
    #[uniffi(default)]
    pub model: String,
    /// Input tokens billed.
    #[uniffi(default)]
    pub prompt_tokens: Option<u64>,
    /// Output tokens billed.
    #[uniffi(default)]
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

/// A model's answer to an [`ExtractionRequest`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LlmResponse {
    /// The answer's text, as the model wrote it (JSON, possibly in a code fence or with
    /// prose around it: the parser is tolerant).
    pub text: String,
    /// What the call cost.
    #[uniffi(default)]
    pub usage: Usage,
}

/// An item of an LLM answer that was skipped or changed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParseIssue {
    /// The item's 0-based position in the answer, or `None` for the answer as a whole.
    pub item: Option<u64>,
    /// What was wrong, in words meant for a log.
    pub reason: String,
}

impl From<memcore::extract::ParseIssue> for ParseIssue {
    fn from(i: memcore::extract::ParseIssue) -> Self {
        ParseIssue {
            item: i.item.map(|n| n as u64),
            reason: i.reason,
        }
    }
}

/// The result of completing one request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

/// The result of reporting a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct FailureReport {
    /// Events that reached the attempt limit and are now marked failed.
    pub events_failed: u64,
    /// Events that stay pending for another attempt.
    pub events_pending: u64,
}

/// Totals of one extraction run.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

/// A foreign [`LlmClient`] as memcore's `LlmClient`: an error or exception becomes the
/// failure reason the ledger records.
struct ForeignLlm(Arc<dyn LlmClient>);

impl memcore::extract::LlmClient for ForeignLlm {
    fn complete(
        &self,
        request: &memcore::extract::ExtractionRequest,
    ) -> Result<memcore::extract::LlmResponse, String> {
        match self.0.complete(request.clone().into()) {
            Ok(response) => Ok(memcore::extract::LlmResponse {
                text: response.text,
                usage: response.usage.into(),
            }),
            Err(err) => Err(format!("host LLM client: {}", callback_error(err))),
        }
    }
}

#[uniffi::export]
impl Memory {
    /// Distils every pending event (of `project`, or of every project) into observations with
    /// the host's LLM, one bounded request at a time. A failed request does not stop the run:
    /// it is counted, and its events are retried later (up to the attempt limit).
    #[uniffi::method(default(project = None))]
    pub fn extract_pending(
        &self,
        client: Arc<dyn LlmClient>,
        project: Option<String>,
    ) -> Result<ExtractionRun, MemcoreError> {
        let project = project_filter(project)?;
        let client = ForeignLlm(client);
        self.with(|m| Ok(m.extract_pending(&client, project.as_deref())?.into()))
    }

    /// Distils every pending event (of `project`, or of every project) with the built-in
    /// rules: no LLM, no cost.
    #[uniffi::method(default(project = None))]
    pub fn extract_heuristic(
        &self,
        project: Option<String>,
    ) -> Result<ExtractionRun, MemcoreError> {
        let project = project_filter(project)?;
        self.with(|m| {
            Ok(m.run_extraction(Extractor::Heuristic, project.as_deref())?
                .into())
        })
    }

    /// Claims the next batch of pending events and returns the request to send to the
    /// host's model, or `None` when nothing is pending. Complete it with
    /// `complete_extraction` or report a failure with `fail_extraction` before the claim's
    /// lease (`extraction.lease_seconds`, 300 s) ends.
    #[uniffi::method(default(project = None))]
    pub fn next_extraction(
        &self,
        project: Option<String>,
    ) -> Result<Option<ExtractionRequest>, MemcoreError> {
        let project = project_filter(project)?;
        self.with(|m| Ok(m.next_extraction(project.as_deref())?.map(Into::into)))
    }

    /// Completes a request with the model's answer: parses it (tolerantly), stores the
    /// observations, marks the events extracted and records the cost. Raises
    /// `MemcoreError.InvalidArgument` when the answer is not usable at all.
    #[uniffi::method(default(usage))]
    pub fn complete_extraction(
        &self,
        request: ExtractionRequest,
        answer: String,
        usage: Usage,
    ) -> Result<CompletionReport, MemcoreError> {
        let request = request.into();
        let usage = usage.into();
        self.with(|m| {
            let report = m.complete_extraction(&request, &answer, &usage)?;
            Ok(CompletionReport {
                stored: report.stored,
                duplicates: report.duplicates,
                issues: report.issues.into_iter().map(Into::into).collect(),
                events_extracted: report.events_extracted as u64,
            })
        })
    }

    /// Reports that a request failed (the model was down, the answer unusable): its events
    /// stay pending for another attempt, or are marked failed at the attempt limit.
    pub fn fail_extraction(
        &self,
        request: ExtractionRequest,
        reason: String,
    ) -> Result<FailureReport, MemcoreError> {
        let request = request.into();
        self.with(|m| {
            let report = m.fail_extraction(&request, &reason)?;
            Ok(FailureReport {
                events_failed: report.events_failed,
                events_pending: report.events_pending,
            })
        })
    }

    /// Makes failed events (of `project`, or of every project) pending again, for another
    /// try after the cause was fixed. Returns how many.
    #[uniffi::method(default(project = None))]
    pub fn retry_failed(&self, project: Option<String>) -> Result<u64, MemcoreError> {
        let project = project_filter(project)?;
        self.with(|m| Ok(m.retry_failed(project.as_deref())?))
    }

    /// The summary request of a session, or `None` when it has no events.
    pub fn summary_request(
        &self,
        session_id: String,
    ) -> Result<Option<ExtractionRequest>, MemcoreError> {
        self.with(|m| Ok(m.summary_request(&session_id)?.map(Into::into)))
    }

    /// Stores the summary the model wrote for a summary request. `None` when the model
    /// skipped it or answered nothing.
    #[uniffi::method(default(usage))]
    pub fn complete_summary(
        &self,
        request: ExtractionRequest,
        answer: String,
        usage: Usage,
    ) -> Result<Option<Summary>, MemcoreError> {
        let request = request.into();
        let usage = usage.into();
        self.with(|m| {
            Ok(m.complete_summary(&request, &answer, &usage)?
                .map(Into::into))
        })
    }

    /// Summarises a session with the host's model (`client`), falling back to the built-in
    /// rules when the model fails; with no client, by rules alone. `None` when the session
    /// has no events.
    #[uniffi::method(default(client = None))]
    pub fn summarize(
        &self,
        session_id: String,
        client: Option<Arc<dyn LlmClient>>,
    ) -> Result<Option<Summary>, MemcoreError> {
        self.with(|m| {
            let summary = match client {
                Some(client) => m.summarize(&session_id, &ForeignLlm(client))?,
                None => m.summarize_heuristic(&session_id)?,
            };
            Ok(summary.map(Into::into))
        })
    }

    /// The newest rows of the extraction ledger (of `project`, or of every project).
    #[uniffi::method(default(project = None, limit = 50))]
    pub fn ledger(
        &self,
        project: Option<String>,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, MemcoreError> {
        let project = project_filter(project)?;
        self.with(|m| {
            Ok(m.ledger(project.as_deref(), to_usize(limit))?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// The extraction mode in use (its kinds, concepts and prompt texts) as a JSON object.
    pub fn mode_json(&self) -> Result<String, MemcoreError> {
        self.with(|m| Ok(m.mode().to_json()?))
    }

    /// Replaces the extraction mode with one given as JSON (the shape `mode_json` returns);
    /// raises `MemcoreError.InvalidArgument` naming the first bad field.
    pub fn set_mode_json(&self, mode_json: String) -> Result<(), MemcoreError> {
        let mode = Mode::from_json(&mode_json)?;
        self.with(|m| Ok(m.set_mode(mode)?))
    }
}
