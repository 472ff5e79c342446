//! Extraction requests: pending events rendered into bounded prompts for the host's LLM.
//!
//! [`build_observation_requests`] cuts a run of events into batches: each batch becomes one
//! [`ExtractionRequest`] whose system prompt plus user prompt stays within
//! [`ExtractionConfig::batch_input_tokens`]. Events keep their order, a batch never splits an
//! event nor mixes sessions, every event lands in exactly one request, and an event too large
//! for a request is cut to fit (and listed in
//! [`truncated_event_ids`](ExtractionRequest::truncated_event_ids)), never dropped.
//!
//! [`build_summary_request`] renders one session within
//! [`ExtractionConfig::summary_input_tokens`]: the files it touched and its events, giving up
//! tool output first (the middle of the session before its start and end, searches and reads
//! before edits and commands), then whole events, keeping the user's prompts and the last
//! assistant message longest.
//!
//! Each event is one compact block ([`render_event`]):
//!
//! ```text
//! #12 10:41 Edit src/lexer.rs
//! old: let tokens = lex(src)?;
//! new: let tokens = lex(src.trim_end())?;
//! output: The file src/lexer.rs has been updated.
//! ```
//!
//! Known tools show what matters of their input (an edit's old and new text, a command, a
//! path, a written file's first lines); other JSON is flattened to `key: value` lines, never
//! pretty-printed whole. Text beyond an event's share is cut in the middle, keeping its head
//! and tail, with a marker saying how much was cut. Every count is by
//! [`crate::tokens::estimate`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::ExtractionConfig;
use super::mode::{HeaderVars, Mode};
use crate::tokens::estimate;
use crate::tools::{self, ToolAction};
use crate::{Event, EventId, EventPayload};

/// What a request asks the LLM for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestPurpose {
    /// Observations distilled from a batch of events.
    Observations,
    /// A summary of one session.
    Summary,
}

/// The reply format a request expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// A JSON array of observation objects (`[]` when nothing is worth keeping).
    ObservationsJson,
    /// One JSON object with the summary fields.
    SummaryJson,
}

/// One bounded prompt for the host's LLM, with the events it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The most the LLM should write in reply.
    pub max_output_tokens: u32,
    /// Every event the request covers, in order.
    pub event_ids: Vec<EventId>,
    /// The estimated cost of the system prompt plus the user prompt.
    pub input_tokens: u32,
    /// The events of `event_ids` the LLM sees only in part (cut to fit) or not at all
    /// (omitted from a summary to fit).
    pub truncated_event_ids: Vec<EventId>,
    /// The claim that holds the events for this extractor (set by
    /// [`crate::Memory::next_extraction`]; empty for summaries, which claim nothing). Pass the
    /// request back unchanged to complete or fail it.
    #[serde(default)]
    pub claim: String,
}

/// The least an event may be given in an observation request, whatever the budget: below
/// this an event is a bare header and the LLM learns nothing from it. A request goes over
/// budget only when the budget cannot hold the system prompt and this much.
const MIN_EVENT_TOKENS: u32 = 48;
/// What the output of a tool that writes files gets: its confirmation line, not the echo of
/// the file.
const WRITE_TOOL_OUTPUT_TOKENS: u32 = 40;
/// How much of a written file's content an event shows (its first lines).
const WRITTEN_CONTENT_TOKENS: u32 = 250;
/// Room kept in a cut text for the marker that says what was cut.
const MARKER_TOKENS: u32 = 20;
/// Values up to this many characters, on one line, are shown inline after their key.
const INLINE_CHARS: usize = 120;
/// The most `key: value` lines a flattened JSON value shows.
const MAX_FIELDS: usize = 24;
/// An event's size in a summary once its tool output is dropped.
const BRIEF_TOKENS: u32 = 120;
/// An event's size in a summary once reduced to about its header line.
const LINE_TOKENS: u32 = 30;
/// What one "[... N events omitted ...]" line costs, at most.
const OMITTED_MARKER_TOKENS: u32 = 14;
/// Input keys that name what a tool acted on, best first; the first short one goes in the
/// event's header line.
const SUBJECT_KEYS: &[&str] = &[
    "file_path",
    "notebook_path",
    "pattern",
    "url",
    "query",
    "path",
    "command",
    "description",
];
/// Input keys shown before the others.
const IMPORTANT_KEYS: &[&str] = &[
    "old_string",
    "new_string",
    "content",
    "command",
    "prompt",
    "query",
    "pattern",
    "path",
];
/// Blocks a host adds to tool output for its own model (Claude Code's reminders): noise
/// here, left out of renderings.
const HOST_NOISE_TAGS: &[&str] = &["system-reminder"];

/// Renders one event as a compact block of at most `max_tokens` tokens: a header line
/// `#id HH:MM what` and the event's meaningful content. Returns the block and whether any of
/// the event's content was left out (cut to the budget, or by design: a written file's
/// first lines, the echo after an edit).
pub fn render_event(event: &Event, max_tokens: u32) -> (String, bool) {
    render_shape(&shape(event, true), max_tokens)
}

/// Builds the observation requests for `events`: one or more batches per session (sessions
/// in order of first appearance, events in their given order), each within
/// [`ExtractionConfig::batch_input_tokens`] when that budget can hold the system prompt,
/// the header and footer, and 48 tokens of one event (below that an event would be a bare
/// header; the request goes over budget instead).
pub fn build_observation_requests(
    mode: &Mode,
    events: &[Event],
    config: &ExtractionConfig,
) -> Vec<ExtractionRequest> {
    let system_prompt = mode.observation_system_prompt();
    let system_tokens = estimate(&system_prompt);
    let footer = mode.prompts.observation_footer.trim();
    let mut requests = Vec::new();
    for session in group_by_session(events) {
        let mut next = 0;
        // The event that did not fit the previous batch, already rendered at `per_event`.
        let mut carried: Option<(String, bool, u32)> = None;
        while next < session.len() {
            let first = session[next];
            let date = date_of(first.occurred_at);
            // The count only grows the header by its digits; plan with the largest possible.
            let planned_header =
                mode.observation_header(header_vars(first, &date, session.len() - next));
            let overhead = system_tokens + estimate(&planned_header) + estimate(footer);
            let room = config.batch_input_tokens.saturating_sub(overhead);
            let per_event = config.max_event_tokens.min(room).max(MIN_EVENT_TOKENS);
            let room = room.max(per_event);
            let mut blocks: Vec<String> = Vec::new();
            let mut event_ids = Vec::new();
            let mut truncated_event_ids = Vec::new();
            let mut used = 0u32;
            while next < session.len() {
                let event = session[next];
                let (block, cut) = match carried.take() {
                    Some((block, cut, at)) if at == per_event => (block, cut),
                    _ => render_event(event, per_event),
                };
                let cost = estimate(&block);
                if !blocks.is_empty() && used + cost > room {
                    carried = Some((block, cut, per_event));
                    break;
                }
                used += cost;
                blocks.push(block);
                event_ids.push(event.id);
                if cut {
                    truncated_event_ids.push(event.id);
                }
                next += 1;
            }
            let header = mode.observation_header(header_vars(first, &date, blocks.len()));
            let user_prompt = format!("{header}\n\n{}\n\n{footer}", blocks.join("\n\n"));
            requests.push(ExtractionRequest {
                session_id: first.session_id.clone(),
                project: first.project.clone(),
                purpose: RequestPurpose::Observations,
                input_tokens: system_tokens + estimate(&user_prompt),
                system_prompt: system_prompt.clone(),
                user_prompt,
                format: OutputFormat::ObservationsJson,
                max_output_tokens: config.max_output_tokens,
                event_ids,
                truncated_event_ids,
                claim: String::new(),
            });
        }
    }
    requests
}

/// Builds the summary request for the session of `events[0]` (events of other sessions are
/// ignored), within [`ExtractionConfig::summary_input_tokens`]: the files the session read and
/// modified, then its events in order. To fit, tool output is dropped first (lookups before
/// other tools, the middle of the session before its ends), then events shrink to their
/// header line, then middle events are omitted; user prompts and the last assistant message
/// go last. `None` when `events` is empty.
pub fn build_summary_request(
    mode: &Mode,
    events: &[Event],
    config: &ExtractionConfig,
) -> Option<ExtractionRequest> {
    let first = events.first()?;
    let session: Vec<&Event> = events
        .iter()
        .filter(|e| e.session_id == first.session_id)
        .collect();
    let system_prompt = mode.summary_system_prompt();
    let system_tokens = estimate(&system_prompt);
    let date = date_of(first.occurred_at);
    let header = mode.summary_header(header_vars(first, &date, session.len()));
    let footer = mode.prompts.summary_footer.trim();
    let room = config
        .summary_input_tokens
        .saturating_sub(system_tokens + estimate(&header) + estimate(footer));

    let files = files_section(&session, room / 10);
    let room = room.saturating_sub(estimate(&files));

    let mut plan = SummaryPlan::new(&session, config.max_event_tokens);
    plan.fit(room);

    let mut sections = vec![header];
    if !files.is_empty() {
        sections.push(files);
    }
    sections.push(plan.render());
    sections.push(footer.to_string());
    let user_prompt = sections.join("\n\n");
    Some(ExtractionRequest {
        session_id: first.session_id.clone(),
        project: first.project.clone(),
        purpose: RequestPurpose::Summary,
        input_tokens: system_tokens + estimate(&user_prompt),
        system_prompt,
        user_prompt,
        format: OutputFormat::SummaryJson,
        max_output_tokens: config.max_output_tokens,
        event_ids: session.iter().map(|e| e.id).collect(),
        truncated_event_ids: plan.truncated_ids(),
        claim: String::new(),
    })
}

/// Events grouped by session, sessions in order of first appearance, events in order.
fn group_by_session(events: &[Event]) -> Vec<Vec<&Event>> {
    let mut groups: Vec<Vec<&Event>> = Vec::new();
    for event in events {
        match groups
            .iter_mut()
            .find(|g| g[0].session_id == event.session_id)
        {
            Some(group) => group.push(event),
            None => groups.push(vec![event]),
        }
    }
    groups
}

fn header_vars<'a>(event: &'a Event, date: &'a str, event_count: usize) -> HeaderVars<'a> {
    HeaderVars {
        project: &event.project,
        session_id: &event.session_id,
        date,
        event_count,
    }
}

fn date_of(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

mod render;
mod summary;
#[cfg(test)]
mod tests;

use render::*;
use summary::*;
