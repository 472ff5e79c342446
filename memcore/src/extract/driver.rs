//! The extraction loop over the store: claim pending events, build a bounded request, hand it
//! to the host's LLM (or the heuristic extractor), then complete or fail it.
//!
//! Hosts drive it in one of two ways:
//!
//! - **Step by step** (C, Python and Node hosts, or any host with its own LLM plumbing):
//!   [`Memory::next_extraction`] claims a batch and returns its [`ExtractionRequest`]; the host
//!   calls its model and passes the answer to [`Memory::complete_extraction`], or reports a
//!   failure with [`Memory::fail_extraction`].
//! - **With a client**: [`Memory::extract_pending`] runs that loop with an [`LlmClient`];
//!   [`Memory::run_extraction`] takes an [`Extractor`], which is either a client or the
//!   heuristic extractor (the default, no LLM).
//!
//! Nothing is lost on the way: a claim is a lease, so a crashed extractor's events become
//! claimable again when it expires; a failure leaves the events pending with one more attempt,
//! and after `max_attempts` they are marked failed (kept, shown by stats, never deleted).

use super::heuristic::{heuristic_observations, heuristic_summary};
use super::llm::{LlmClient, Usage};
use super::parse::{ParseIssue, SummaryOutcome, parse_observations, parse_summary};
use super::request::{ExtractionRequest, RequestPurpose, build_observation_requests};
use crate::error::{Error, Result, SqlContext};
use crate::memory::Memory;
use crate::model::{
    Event, EventId, NewObservation, Observation, ObservationId, ObservationKind, Scope, Summary,
};
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

/// Who turns events into observations in [`Memory::run_extraction`].
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

/// Totals of one [`Memory::run_extraction`].
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

/// A claim id unique to this call: process, time and the first event claimed.
fn new_claim(first_event: EventId) -> String {
    format!("{}-{}-{first_event}", std::process::id(), now_millis())
}

impl Memory {
    /// Claims the next batch of pending events (oldest session first, within `project` when
    /// given) and returns the request to send to the host's LLM, or `None` when nothing is
    /// pending. The claim lasts `extraction.lease_seconds`; complete or fail the request before
    /// then. Events another extractor holds are never returned.
    pub fn next_extraction(&self, project: Option<&str>) -> Result<Option<ExtractionRequest>> {
        self.next_extraction_skipping(project, &[])
    }

    /// [`Memory::next_extraction`], passing over the sessions in `skip`.
    fn next_extraction_skipping(
        &self,
        project: Option<&str>,
        skip: &[String],
    ) -> Result<Option<ExtractionRequest>> {
        let lease_ms = i64::try_from(self.config.extraction.lease_seconds)
            .unwrap_or(i64::MAX / 2)
            .saturating_mul(1000);
        let sessions = self.store.sessions_with_pending(project)?;
        for session in sessions.into_iter().filter(|s| !skip.contains(s)) {
            let probe = format!("{}-{}-probe", std::process::id(), now_millis());
            let events = self
                .store
                .claim_pending(&session, &probe, lease_ms, CLAIM_LIMIT)?;
            let Some(first) = events.first() else {
                continue; // another extractor claimed them in between
            };
            let claim = new_claim(first.id);
            let requests = build_observation_requests(&self.mode, &events, &self.config.extraction);
            let Some(mut request) = requests.into_iter().next() else {
                self.store.release_claim(&probe)?;
                continue;
            };
            // Keep the first request's events under a fresh claim id; release the rest.
            self.store
                .transfer_claim(&probe, &claim, &request.event_ids)?;
            request.claim = claim;
            return Ok(Some(request));
        }
        Ok(None)
    }

    /// Stores what the model answered to `request`: the observations it holds (redacted,
    /// deduplicated, with the request's events as provenance), the events marked extracted and
    /// a ledger row with the cost, all in one transaction.
    ///
    /// An empty answer, `[]` or an explicit "nothing worth keeping" is a valid result: the
    /// events are marked extracted and nothing is stored. Invalid items are skipped and listed
    /// in [`CompletionReport::issues`]. An answer with no usable payload at all is recorded as a
    /// failed attempt and returned as [`Error::InvalidInput`] naming what was wrong.
    pub fn complete_extraction(
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
        let parsed = parse_observations(answer, &self.mode.kinds(), &self.mode.fallback());
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
        let events = self.store.events_by_id(&request.event_ids)?;
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
            self.redactor.redact(
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
            match self.prepare_observation(obs) {
                Ok(obs) => {
                    let vector = self.embed_observation(&obs)?;
                    prepared.push((obs, vector));
                }
                Err(e) => issues.push(ParseIssue {
                    item: Some(i),
                    reason: e.to_string(),
                }),
            }
        }
        let added = self.store.complete_extraction(claim, &prepared, ledger)?;
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

    /// Records that `request` failed (the model erred, timed out, or answered nonsense): its
    /// events get one more attempt and are released for the next extractor; at
    /// `extraction.max_attempts` they are marked failed, kept, and shown by [`Memory::stats`].
    pub fn fail_extraction(
        &self,
        request: &ExtractionRequest,
        reason: &str,
    ) -> Result<FailureReport> {
        // A provider's error may echo what it was sent, keys included: it is stored redacted,
        // like every text.
        let reason = self.redactor.redact(reason);
        let reason = reason.as_str();
        let failed = self.store.fail_extraction(
            &request.claim,
            reason,
            self.config.extraction.max_attempts,
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

    /// Makes failed events (in `project`, or everywhere) pending again with no attempts, for
    /// another try after the cause was fixed (a key, a quota, a model). Returns how many.
    pub fn retry_failed(&self, project: Option<&str>) -> Result<u64> {
        self.store.retry_failed(project)
    }

    /// Runs the whole loop with `client` until nothing is pending (in `project` when given).
    pub fn extract_pending(
        &self,
        client: &dyn LlmClient,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        self.run_extraction(Extractor::Llm(client), project)
    }

    /// Runs extraction until nothing claimable is pending, with the heuristic extractor or the
    /// host's model. A failed request does not stop the run, but its session is passed over
    /// for the rest of it: its events stay pending with one more attempt, and are tried again
    /// by a later run (one attempt per batch per run, so a failing model spends the attempt
    /// limit across runs, not within milliseconds of one). The failure is counted.
    pub fn run_extraction(
        &self,
        extractor: Extractor<'_>,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        // The conversation rows a hook left for later are written first, and the records
        // still without a vector get one (a bounded share: the next run does the rest).
        self.index_conversation(CONVERSATION_INDEX_BATCH)?;
        self.embed_pending(EMBED_BATCH)?;
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
        for session in self.store.sessions_with_pending(project)? {
            let probe = format!("{}-{}-heuristic", std::process::id(), now_millis());
            let events = self
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

    /// The summary request for a session (its prompts, files and most informative events
    /// within `extraction.summary_input_tokens`), or `None` when it has no events.
    pub fn summary_request(&self, session_id: &str) -> Result<Option<ExtractionRequest>> {
        let events = self.store.session_events(session_id, None)?;
        Ok(super::request::build_summary_request(
            &self.mode,
            &events,
            &self.config.extraction,
        ))
    }

    /// Stores the summary the model wrote for `request`, with a ledger row. Returns `None`
    /// when the model skipped the summary or answered nothing; an unparseable answer is an
    /// [`Error::InvalidInput`] naming what was wrong.
    pub fn complete_summary(
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
                Some(self.add_summary_at(
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
        let detail = detail.map(|d| self.redactor.redact(&d));
        self.store.record_ledger(&NewLedgerEntry {
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

    /// Sessions (of `project`, or all) ended before `ended_before` that should have a summary
    /// and have none, oldest first, at most `limit`: each has a prompt and no pending event, so
    /// its summary can be written now (with [`Memory::summarize`] or
    /// [`Memory::summarize_heuristic`]). A summary is missing when the extractor started at the
    /// session's end died before writing it; an extraction run writes these after its own
    /// work, so none is lost for good. `ended_before` leaves the sessions that just ended to
    /// their own extractor (which may still be waiting for its turn).
    pub fn sessions_missing_summary(
        &self,
        project: Option<&str>,
        ended_before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>> {
        self.store
            .ended_sessions_without_summary(project, ended_before, limit)
    }

    /// Writes a summary of a session by rules, with no LLM. `None` when the session has no
    /// event to summarise.
    pub fn summarize_heuristic(&self, session_id: &str) -> Result<Option<Summary>> {
        let events = self.store.session_events(session_id, None)?;
        let end = events.iter().map(|e| e.occurred_at).max();
        match heuristic_summary(&events) {
            Some(summary) => Ok(Some(self.add_summary_at(session_id, summary, end)?)),
            None => Ok(None),
        }
    }

    /// Summarises a session with the host's model, falling back to the heuristic summary when
    /// the model fails or answers nothing usable.
    pub fn summarize(&self, session_id: &str, client: &dyn LlmClient) -> Result<Option<Summary>> {
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
            .store
            .observations_by_id(stored)?
            .into_iter()
            .filter(|o| o.kind == ObservationKind::Decision && o.supersedes.is_none())
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let older: Vec<Observation> = self
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
        let tx = self.store.write()?;
        for (id, older) in links {
            crate::store::portable::link_supersedes(&tx, id, older)?;
        }
        tx.commit().ctx(|| "commit supersedes links".into())
    }

    /// When a session's last event happened: its summary's date.
    fn session_end_time(&self, session_id: &str) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .store
            .session_events(session_id, None)?
            .iter()
            .map(|e| e.occurred_at)
            .max())
    }

    /// The newest rows of the extraction ledger (what each LLM call cost and produced).
    pub fn ledger(&self, project: Option<&str>, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.store.ledger(project, limit)
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
