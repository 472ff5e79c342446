//! The extraction loop over the store: claim pending events, build a bounded request, hand it
//! to the host's LLM (or the heuristic extractor), then complete or fail it.
//!
//! Hosts drive it in one of two ways:
//!
//! - **Step by step** (C, Python and Node hosts, or any host with its own LLM plumbing):
//!   [`Memory::next_extraction`] claims a batch and returns
//!   its [`ExtractionRequest`]; the host calls its model and passes the answer to
//!   [`Memory::complete_extraction`], or reports a
//!   failure with [`Memory::fail_extraction`].
//! - **With a client**: [`Memory::extract_pending`] runs
//!   that loop with an [`LlmClient`]; [`Memory::run_extraction`]
//!   takes an [`Extractor`], which is either a client or the heuristic extractor (the
//!   default, no LLM).
//!
//! Nothing is lost on the way: a claim is a lease, so a crashed extractor's events become
//! claimable again when it expires; a failure leaves the events pending with one more attempt,
//! and after `max_attempts` they are marked failed (kept, shown by stats, never deleted).
//!
//! [`Memory::next_extraction`]: crate::Memory::next_extraction
//! [`Memory::complete_extraction`]: crate::Memory::complete_extraction
//! [`Memory::fail_extraction`]: crate::Memory::fail_extraction
//! [`Memory::extract_pending`]: crate::Memory::extract_pending
//! [`Memory::run_extraction`]: crate::Memory::run_extraction

use super::heuristic::{heuristic_observations, heuristic_summary};
use super::llm::{LlmClient, Usage};
use super::parse::{ParseIssue, SummaryOutcome, parse_observations, parse_summary};
use super::request::{ExtractionRequest, RequestPurpose, build_observation_requests};
use crate::error::{Error, Result, SqlContext};
use crate::model::{
    Event, EventId, NewObservation, Observation, ObservationId, ObservationKind, Scope, Summary,
};
use crate::state::State;
use crate::store::{LedgerEntry, NewLedgerEntry, StoredVector, now_millis};
use serde::Serialize;
use time::OffsetDateTime;

/// Events indexed per transaction when extraction catches up with deferred conversation rows.
const CONVERSATION_INDEX_BATCH: usize = 500;
/// Most records an extraction run embeds for the vector index's backfill.
const EMBED_BATCH: usize = 5_000;
/// How many events one claim takes at most before batching picks the first request's share.
const CLAIM_LIMIT: usize = 500;
/// How many of a project's newest observations are searched for the decision a new one
/// takes back.
const REVERSAL_LOOKBACK: usize = 500;
/// The model name the ledger records for the rule-based extractor.
pub const HEURISTIC_MODEL: &str = "heuristic";

/// Who turns events into observations in [`Memory::run_extraction`](crate::Memory::run_extraction).
#[derive(Clone, Copy)]
pub enum Extractor<'a> {
    /// The rule-based extractor: no LLM, no cost.
    Heuristic,
    /// The host's model.
    Llm(&'a dyn LlmClient),
}

/// The result of completing one request.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CompletionReport {
    /// Ids of the observations stored.
    pub stored: Vec<ObservationId>,
    /// Ids of existing observations the answer repeated (nothing stored for them).
    pub duplicates: Vec<ObservationId>,
    /// Items of the answer that were skipped or changed, with the reason.
    pub issues: Vec<ParseIssue>,
    /// How many events were marked extracted.
    pub events_extracted: usize,
}

/// The result of reporting a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FailureReport {
    /// Events of the request that reached the attempt limit and are now marked failed.
    pub events_failed: u64,
    /// Events of the request that stay pending for another attempt.
    pub events_pending: u64,
}

/// Totals of one [`Memory::run_extraction`](crate::Memory::run_extraction).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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

/// Extraction over a store's [`State`]: the claim/complete/fail loop, summaries, and the
/// supersedes links between decisions.
pub(crate) struct Extraction<'a> {
    state: &'a State,
}

impl<'a> Extraction<'a> {
    /// Extraction over `state`.
    pub(crate) fn new(state: &'a State) -> Self {
        Extraction { state }
    }
}

/// A claim id unique to this call: process, time and the first event claimed.
fn new_claim(first_event: EventId) -> String {
    format!("{}-{}-{first_event}", std::process::id(), now_millis())
}

impl Extraction<'_> {
    /// See [`Memory::next_extraction`](crate::Memory::next_extraction).
    pub(crate) fn next_extraction(
        &self,
        project: Option<&str>,
    ) -> Result<Option<ExtractionRequest>> {
        self.next_extraction_skipping(project, &[])
    }

    /// [`Memory::next_extraction`](crate::Memory::next_extraction), passing over the sessions in `skip`.
    fn next_extraction_skipping(
        &self,
        project: Option<&str>,
        skip: &[String],
    ) -> Result<Option<ExtractionRequest>> {
        let lease_ms = i64::try_from(self.state.config.extraction.lease_seconds)
            .unwrap_or(i64::MAX / 2)
            .saturating_mul(1000);
        let sessions = self.state.store.sessions_with_pending(project)?;
        for session in sessions.into_iter().filter(|s| !skip.contains(s)) {
            let probe = format!("{}-{}-probe", std::process::id(), now_millis());
            let events = self
                .state
                .store
                .claim_pending(&session, &probe, lease_ms, CLAIM_LIMIT)?;
            let Some(first) = events.first() else {
                continue; // another extractor claimed them in between
            };
            let claim = new_claim(first.id);
            let requests = build_observation_requests(
                &self.state.mode,
                &events,
                &self.state.config.extraction,
            );
            let Some(mut request) = requests.into_iter().next() else {
                self.state.store.release_claim(&probe)?;
                continue;
            };
            // Keep the first request's events under a fresh claim id; release the rest.
            self.state
                .store
                .transfer_claim(&probe, &claim, &request.event_ids)?;
            request.claim = claim;
            return Ok(Some(request));
        }
        Ok(None)
    }

    /// See [`Memory::complete_extraction`](crate::Memory::complete_extraction).
    pub(crate) fn complete_extraction(
        &self,
        request: &ExtractionRequest,
        answer: &str,
        usage: &Usage,
    ) -> Result<CompletionReport> {
        if request.purpose != RequestPurpose::Observations {
            return Err(Error::InvalidInput {
                what: "extraction request",
                reason: "a summary request is completed with complete_summary".into(),
            });
        }
        let parsed = parse_observations(
            answer,
            &self.state.mode.kinds(),
            &self.state.mode.fallback(),
        );
        if parsed.observations.is_empty() && parsed.issues.iter().any(|i| i.item.is_none()) {
            let reason = parsed
                .issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            self.fail_extraction(request, &format!("unusable answer: {reason}"))?;
            return Err(Error::InvalidInput {
                what: "LLM answer",
                reason: format!("{reason} (recorded as a failed attempt; the events stay pending)"),
            });
        }
        let events = self.state.store.events_by_id(&request.event_ids)?;
        let observations = parsed
            .observations
            .into_iter()
            .map(|obs| with_provenance(obs, request, &events))
            .collect();
        let prompt_tokens = usage
            .prompt_tokens
            .unwrap_or(u64::from(request.input_tokens));
        let completion_tokens = usage
            .completion_tokens
            .unwrap_or_else(|| u64::from(crate::tokens::estimate(answer)));
        let model = if usage.model.trim().is_empty() {
            "unknown"
        } else {
            usage.model.trim()
        };
        let detail = (!parsed.issues.is_empty()).then(|| {
            self.state.redactor.redact(
                &parsed
                    .issues
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        });
        let mut report = self.store_extraction(
            &request.claim,
            observations,
            &NewLedgerEntry {
                session_id: Some(&request.session_id),
                project: &request.project,
                purpose: "observations",
                model,
                prompt_tokens,
                completion_tokens,
                event_ids: &request.event_ids,
                outcome: "completed",
                detail: detail.as_deref(),
                observations: 0,
            },
        )?;
        self.link_reversed_decisions(&request.project, &report.stored)?;
        report.issues = parsed.issues;
        Ok(report)
    }

    /// Prepares, embeds and stores observations for a claim, marking its events extracted.
    fn store_extraction(
        &self,
        claim: &str,
        observations: Vec<NewObservation>,
        ledger: &NewLedgerEntry<'_>,
    ) -> Result<CompletionReport> {
        let mut prepared: Vec<(crate::model::Observation, Option<StoredVector>)> = Vec::new();
        let mut issues = Vec::new();
        for (i, obs) in observations.into_iter().enumerate() {
            match self.state.prepare_observation(obs) {
                Ok(obs) => {
                    let vector = self.state.embed_observation(&obs)?;
                    prepared.push((obs, vector));
                }
                Err(e) => issues.push(ParseIssue {
                    item: Some(i),
                    reason: e.to_string(),
                }),
            }
        }
        let added = self
            .state
            .store
            .complete_extraction(claim, &prepared, ledger)?;
        Ok(CompletionReport {
            stored: added
                .iter()
                .filter(|a| !a.duplicate)
                .map(|a| a.id)
                .collect(),
            duplicates: added.iter().filter(|a| a.duplicate).map(|a| a.id).collect(),
            issues,
            events_extracted: ledger.event_ids.len(),
        })
    }

    /// See [`Memory::fail_extraction`](crate::Memory::fail_extraction).
    pub(crate) fn fail_extraction(
        &self,
        request: &ExtractionRequest,
        reason: &str,
    ) -> Result<FailureReport> {
        // A provider's error may echo what it was sent, keys included: it is stored redacted,
        // like every text.
        let reason = self.state.redactor.redact(reason);
        let reason = reason.as_str();
        let failed = self.state.store.fail_extraction(
            &request.claim,
            reason,
            self.state.config.extraction.max_attempts,
            &NewLedgerEntry {
                session_id: Some(&request.session_id),
                project: &request.project,
                purpose: "observations",
                model: "unknown",
                prompt_tokens: 0,
                completion_tokens: 0,
                event_ids: &request.event_ids,
                outcome: "failed",
                detail: Some(reason),
                observations: 0,
            },
        )?;
        Ok(FailureReport {
            events_failed: failed,
            events_pending: request.event_ids.len() as u64 - failed,
        })
    }

    /// See [`Memory::retry_failed`](crate::Memory::retry_failed).
    pub(crate) fn retry_failed(&self, project: Option<&str>) -> Result<u64> {
        self.state.store.retry_failed(project)
    }

    /// See [`Memory::extract_pending`](crate::Memory::extract_pending).
    pub(crate) fn extract_pending(
        &self,
        client: &dyn LlmClient,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        self.run_extraction(Extractor::Llm(client), project)
    }

    /// See [`Memory::run_extraction`](crate::Memory::run_extraction).
    pub(crate) fn run_extraction(
        &self,
        extractor: Extractor<'_>,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        // The conversation rows a hook left for later are written first, and the records
        // still without a vector get one (a bounded share: the next run does the rest).
        self.state.index_conversation(CONVERSATION_INDEX_BATCH)?;
        self.state.embed_step(EMBED_BATCH)?;
        let mut run = ExtractionRun::default();
        match extractor {
            Extractor::Heuristic => {
                while let Some(report) = self.extract_next_heuristic(project)? {
                    run.requests += 1;
                    run.observations_stored += report.stored.len() as u64;
                    run.duplicates += report.duplicates.len() as u64;
                    run.events_extracted += report.events_extracted as u64;
                    run.issues.extend(report.issues);
                }
            }
            Extractor::Llm(client) => {
                let mut failed_sessions: Vec<String> = Vec::new();
                while let Some(request) =
                    self.next_extraction_skipping(project, &failed_sessions)?
                {
                    run.requests += 1;
                    match client.complete(&request) {
                        Ok(response) => {
                            run.prompt_tokens += response
                                .usage
                                .prompt_tokens
                                .unwrap_or(u64::from(request.input_tokens));
                            run.completion_tokens +=
                                response.usage.completion_tokens.unwrap_or_else(|| {
                                    u64::from(crate::tokens::estimate(&response.text))
                                });
                            match self.complete_extraction(
                                &request,
                                &response.text,
                                &response.usage,
                            ) {
                                Ok(report) => {
                                    run.observations_stored += report.stored.len() as u64;
                                    run.duplicates += report.duplicates.len() as u64;
                                    run.events_extracted += report.events_extracted as u64;
                                    run.issues.extend(report.issues);
                                }
                                Err(Error::InvalidInput { reason, .. }) => {
                                    run.failures += 1;
                                    run.issues.push(ParseIssue { item: None, reason });
                                    failed_sessions.push(request.session_id.clone());
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        Err(err) => {
                            run.failures += 1;
                            run.events_failed += self
                                .fail_extraction(&request, &err.to_string())?
                                .events_failed;
                            failed_sessions.push(request.session_id.clone());
                        }
                    }
                }
            }
        }
        Ok(run)
    }

    /// Claims every pending event of the next session with any and runs the heuristic
    /// extractor on them.
    fn extract_next_heuristic(&self, project: Option<&str>) -> Result<Option<CompletionReport>> {
        let lease_ms = 60_000;
        for session in self.state.store.sessions_with_pending(project)? {
            let probe = format!("{}-{}-heuristic", std::process::id(), now_millis());
            let events =
                self.state
                    .store
                    .claim_pending(&session, &probe, lease_ms, usize::MAX >> 1)?;
            let Some(first) = events.first() else {
                continue;
            };
            let project = first.project.clone();
            let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
            let observations = heuristic_observations(&events)
                .into_iter()
                .map(|mut obs| {
                    obs.session_id.get_or_insert_with(|| session.clone());
                    obs.project.get_or_insert_with(|| project.clone());
                    obs
                })
                .collect();
            let report = self.store_extraction(
                &probe,
                observations,
                &NewLedgerEntry {
                    session_id: Some(&session),
                    project: &project,
                    purpose: "observations",
                    model: HEURISTIC_MODEL,
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    event_ids: &ids,
                    outcome: "completed",
                    detail: None,
                    observations: 0,
                },
            )?;
            self.link_reversed_decisions(&project, &report.stored)?;
            return Ok(Some(report));
        }
        Ok(None)
    }

    /// See [`Memory::summary_request`](crate::Memory::summary_request).
    pub(crate) fn summary_request(&self, session_id: &str) -> Result<Option<ExtractionRequest>> {
        let events = self.state.store.session_events(session_id, None)?;
        Ok(super::request::build_summary_request(
            &self.state.mode,
            &events,
            &self.state.config.extraction,
        ))
    }

    /// See [`Memory::complete_summary`](crate::Memory::complete_summary).
    pub(crate) fn complete_summary(
        &self,
        request: &ExtractionRequest,
        answer: &str,
        usage: &Usage,
    ) -> Result<Option<Summary>> {
        if request.purpose != RequestPurpose::Summary {
            return Err(Error::InvalidInput {
                what: "extraction request",
                reason: "an observation request is completed with complete_extraction".into(),
            });
        }
        let outcome = parse_summary(answer).map_err(|issue| Error::InvalidInput {
            what: "LLM summary answer",
            reason: issue.to_string(),
        });
        let (summary, detail) = match &outcome {
            Ok(SummaryOutcome::Summary(s)) => (
                Some(self.state.add_summary_at(
                    &request.session_id,
                    s.clone(),
                    self.session_end_time(&request.session_id)?,
                )?),
                None,
            ),
            Ok(SummaryOutcome::Skipped { reason }) => (None, Some(format!("skipped: {reason}"))),
            Ok(SummaryOutcome::Empty) => (None, Some("empty answer".to_owned())),
            Err(e) => (None, Some(e.to_string())),
        };
        let detail = detail.map(|d| self.state.redactor.redact(&d));
        self.state.store.record_ledger(&NewLedgerEntry {
            session_id: Some(&request.session_id),
            project: &request.project,
            purpose: "summary",
            model: if usage.model.trim().is_empty() {
                "unknown"
            } else {
                usage.model.trim()
            },
            prompt_tokens: usage
                .prompt_tokens
                .unwrap_or(u64::from(request.input_tokens)),
            completion_tokens: usage
                .completion_tokens
                .unwrap_or_else(|| u64::from(crate::tokens::estimate(answer))),
            event_ids: &[],
            outcome: if outcome.is_ok() {
                "completed"
            } else {
                "failed"
            },
            detail: detail.as_deref(),
            observations: 0,
        })?;
        outcome.map(|_| summary)
    }

    /// See [`Memory::sessions_missing_summary`](crate::Memory::sessions_missing_summary).
    pub(crate) fn sessions_missing_summary(
        &self,
        project: Option<&str>,
        ended_before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>> {
        self.state
            .store
            .ended_sessions_without_summary(project, ended_before, limit)
    }

    /// See [`Memory::summarize_heuristic`](crate::Memory::summarize_heuristic).
    pub(crate) fn summarize_heuristic(&self, session_id: &str) -> Result<Option<Summary>> {
        let events = self.state.store.session_events(session_id, None)?;
        let end = events.iter().map(|e| e.occurred_at).max();
        match heuristic_summary(&events) {
            Some(summary) => Ok(Some(self.state.add_summary_at(session_id, summary, end)?)),
            None => Ok(None),
        }
    }

    /// See [`Memory::summarize`](crate::Memory::summarize).
    pub(crate) fn summarize(
        &self,
        session_id: &str,
        client: &dyn LlmClient,
    ) -> Result<Option<Summary>> {
        let Some(request) = self.summary_request(session_id)? else {
            return Ok(None);
        };
        if let Ok(response) = client.complete(&request) {
            match self.complete_summary(&request, &response.text, &response.usage) {
                Ok(Some(summary)) => return Ok(Some(summary)),
                Ok(None) | Err(Error::InvalidInput { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.summarize_heuristic(session_id)
    }

    /// Links each new decision that takes back an earlier decision of the project (see
    /// [`super::heuristic::reverses`]) to the newest such one: the later decision supersedes
    /// it.
    fn link_reversed_decisions(&self, project: &str, stored: &[ObservationId]) -> Result<()> {
        let new: Vec<Observation> = self
            .state
            .store
            .observations_by_id(stored)?
            .into_iter()
            .filter(|o| o.kind == ObservationKind::Decision && o.supersedes.is_none())
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let older: Vec<Observation> = self
            .state
            .store
            .recent_observations(&Scope::Project(project.to_owned()), REVERSAL_LOOKBACK)?
            .into_iter()
            .filter(|o| o.kind == ObservationKind::Decision)
            .collect();
        let mut links: Vec<(ObservationId, ObservationId)> = Vec::new();
        for n in &new {
            let text = format!("{}\n{}", n.title, n.narrative);
            // Newest first: the decision taken back is the latest one it contradicts.
            let target = older.iter().find(|o| {
                o.id != n.id
                    && (o.created_at, o.id) < (n.created_at, n.id)
                    && super::heuristic::reverses(&text, &format!("{}\n{}", o.title, o.narrative))
            });
            if let Some(o) = target {
                links.push((n.id, o.id));
            }
        }
        if links.is_empty() {
            return Ok(());
        }
        let tx = self.state.store.write()?;
        for (id, older) in links {
            crate::store::portable::link_supersedes(&tx, id, older)?;
        }
        tx.commit().ctx(|| "commit supersedes links".into())
    }

    /// When a session's last event happened: its summary's date.
    fn session_end_time(&self, session_id: &str) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .state
            .store
            .session_events(session_id, None)?
            .iter()
            .map(|e| e.occurred_at)
            .max())
    }

    /// See [`Memory::ledger`](crate::Memory::ledger).
    pub(crate) fn ledger(&self, project: Option<&str>, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.state.store.ledger(project, limit)
    }
}

/// Completes an observation from an LLM answer with what the request knows: session,
/// project, provenance (the request's events, or the subset the model cited) and the time of
/// the earliest event.
fn with_provenance(
    mut obs: NewObservation,
    request: &ExtractionRequest,
    events: &[Event],
) -> NewObservation {
    obs.session_id = Some(request.session_id.clone());
    obs.project = Some(request.project.clone());
    obs.source_event_ids
        .retain(|id| request.event_ids.contains(id));
    if obs.source_event_ids.is_empty() {
        obs.source_event_ids = request.event_ids.clone();
    }
    if obs.created_at.is_none() {
        obs.created_at = events
            .iter()
            .filter(|e| obs.source_event_ids.contains(&e.id))
            .map(|e| e.occurred_at)
            .min();
    }
    obs
}
