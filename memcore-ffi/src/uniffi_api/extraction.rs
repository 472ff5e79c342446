//! Extraction: the host's LLM as the foreign trait [`LlmClient`], the loop driven with it or
//! by rules, the step-by-step protocol for hosts with their own LLM plumbing, summaries, the
//! ledger of what each call cost, and the mode (kinds and prompt texts).

use super::error::MemcoreError;
use super::memory::{Memory, project_filter};
use crate::host::{HostLlm, LlmCall};
use crate::records::{
    CompletionReport, ExtractionRequest, ExtractionRun, FailureReport, LedgerEntry, LlmResponse,
    Summary, Usage, to_usize,
};
use memcore::extract::{Extractor, Mode};
use std::sync::Arc;

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

/// A foreign [`LlmClient`] as the call the shared adapter ([`HostLlm`]) makes: an error or
/// exception becomes the failure reason the ledger records.
struct ForeignLlm(Arc<dyn LlmClient>);

impl LlmCall for ForeignLlm {
    fn call(&self, request: ExtractionRequest) -> Result<LlmResponse, String> {
        self.0.complete(request).map_err(|err| match err {
            MemcoreError::Callback { message } => format!("host LLM client: {message}"),
            other => format!("host LLM client: {other:?}"),
        })
    }
}

/// The host's LLM client as memcore's.
fn host_llm(client: Arc<dyn LlmClient>) -> HostLlm {
    HostLlm::new(ForeignLlm(client))
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
        let client = host_llm(client);
        self.with(|m| {
            Ok(ExtractionRun::from(
                m.extract_pending(&client, project.as_deref())?,
            ))
        })
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
            Ok(ExtractionRun::from(m.run_extraction(
                Extractor::Heuristic,
                project.as_deref(),
            )?))
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
        self.with(|m| {
            Ok(m.next_extraction(project.as_deref())?
                .map(ExtractionRequest::from))
        })
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
            Ok(CompletionReport::from(
                m.complete_extraction(&request, &answer, &usage)?,
            ))
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
        self.with(|m| Ok(FailureReport::from(m.fail_extraction(&request, &reason)?)))
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
        self.with(|m| Ok(m.summary_request(&session_id)?.map(ExtractionRequest::from)))
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
                .map(Summary::from))
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
                Some(client) => m.summarize(&session_id, &host_llm(client))?,
                None => m.summarize_heuristic(&session_id)?,
            };
            Ok(summary.map(Summary::from))
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
                .map(LedgerEntry::from)
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
