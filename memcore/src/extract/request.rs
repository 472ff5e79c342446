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
/// Tools whose output confirms a write and echoes part of the file.
const WRITE_TOOLS: &[&str] = &["Edit", "MultiEdit", "Write", "NotebookEdit"];
/// Tools whose output is boilerplate; it is not shown (an error still is).
const SILENT_OUTPUT_TOOLS: &[&str] = &["TodoWrite"];
/// Blocks a host adds to tool output for its own model (Claude Code's reminders): noise
/// here, left out of renderings.
const HOST_NOISE_TAGS: &[&str] = &["system-reminder"];
/// Tools that only look around; their events are the first a summary shortens.
const LOOKUP_TOOLS: &[&str] = &[
    "Read",
    "Glob",
    "Grep",
    "LS",
    "TodoWrite",
    "WebSearch",
    "WebFetch",
    "NotebookRead",
    "ListMcpResourcesTool",
];

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

// ---------------------------------------------------------------------------------------
// Rendering one event

/// How a text is shortened when it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trim {
    /// Keep the start and the end, cut the middle.
    HeadTail,
    /// Keep the start.
    Head,
}

/// One labelled text of an event.
#[derive(Debug, Clone)]
struct Piece {
    /// `old`, `output`, `$`...; empty for an event's plain text.
    label: String,
    text: String,
    trim: Trim,
    /// The most this piece may take, whatever the budget.
    cap: u32,
}

impl Piece {
    fn new(label: impl Into<String>, text: impl Into<String>) -> Piece {
        Piece {
            label: label.into(),
            text: text.into(),
            trim: Trim::HeadTail,
            cap: u32::MAX,
        }
    }

    fn head(mut self) -> Piece {
        self.trim = Trim::Head;
        self
    }

    fn capped(mut self, cap: u32) -> Piece {
        self.cap = cap;
        self
    }

    /// The piece with `text` in place of its own.
    fn with_text(&self, text: &str) -> String {
        if self.label.is_empty() {
            text.to_string()
        } else if self.label == "$" {
            format!("$ {text}")
        } else if !text.contains('\n') && text.len() <= INLINE_CHARS {
            format!("{}: {text}", self.label)
        } else {
            format!("{}:\n{text}", self.label)
        }
    }
}

/// An event broken into its header line and pieces.
#[derive(Debug, Clone)]
struct Shape {
    header: String,
    pieces: Vec<Piece>,
    /// Content was left out while shaping (too many fields, output dropped).
    lossy: bool,
}

/// An event as about one line: a text event's first words; a tool's header line, with its
/// first input piece when that is short enough to show whole (`$ cargo test`).
fn line_shape(event: &Event) -> Shape {
    let mut line = shape(event, false);
    if matches!(event.payload, EventPayload::ToolUse { .. }) {
        let room = LINE_TOKENS.saturating_sub(estimate(&line.header));
        let keep = line.pieces.first().is_some_and(|p| {
            p.text.len() <= INLINE_CHARS && estimate(&p.with_text(&p.text)) <= room
        });
        line.lossy |= line.pieces.len() > usize::from(keep);
        line.pieces.truncate(usize::from(keep));
    }
    line
}

/// Breaks `event` into pieces; without `with_output`, a tool's output is left out.
fn shape(event: &Event, with_output: bool) -> Shape {
    let t = event.occurred_at;
    let stamp = format!("#{} {:02}:{:02}", event.id, t.hour(), t.minute());
    match &event.payload {
        EventPayload::UserPrompt { text } => text_shape(stamp, "User prompt", text),
        EventPayload::AssistantMessage { text } => text_shape(stamp, "Assistant", text),
        EventPayload::Note { text } => text_shape(stamp, "Note", text),
        EventPayload::ToolUse {
            tool_name,
            input,
            output,
            error,
            ..
        } => {
            let (title, mut pieces, mut lossy) = tool_input(tool_name, input);
            if let Some(error) = error.as_deref().map(strip_host_noise)
                && !error.trim().is_empty()
            {
                pieces.push(Piece::new("error", error.trim_end()));
            }
            let output = output
                .as_deref()
                .map(strip_host_noise)
                .filter(|o| !o.trim().is_empty());
            if let Some(output) = output
                && !SILENT_OUTPUT_TOOLS.contains(&tool_name.as_str())
            {
                if with_output {
                    let cap = if WRITE_TOOLS.contains(&tool_name.as_str()) {
                        WRITE_TOOL_OUTPUT_TOKENS
                    } else {
                        u32::MAX
                    };
                    let (output_pieces, output_lossy) = tool_output(&output);
                    lossy |= output_lossy;
                    pieces.extend(output_pieces.into_iter().map(|p| p.capped(cap)));
                } else {
                    lossy = true;
                }
            }
            let header = if title.is_empty() {
                format!("{stamp} {tool_name}")
            } else {
                format!("{stamp} {tool_name} {title}")
            };
            Shape {
                header,
                pieces,
                lossy,
            }
        }
    }
}

fn text_shape(stamp: String, what: &str, text: &str) -> Shape {
    Shape {
        header: format!("{stamp} {what}"),
        pieces: vec![Piece::new("", text.trim())],
        lossy: false,
    }
}

/// A tool's header title, the pieces of its input, and whether fields were left out.
fn tool_input(tool: &str, input: &Value) -> (String, Vec<Piece>, bool) {
    let Some(obj) = input.as_object() else {
        return match input {
            Value::Null => (String::new(), Vec::new(), false),
            Value::String(s) => (String::new(), vec![Piece::new("input", s.as_str())], false),
            other => (
                String::new(),
                vec![Piece::new("input", other.to_string()).head()],
                false,
            ),
        };
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut pieces = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    let mut title = String::new();
    match tool {
        "Edit" => {
            title = text("file_path").to_string();
            pieces.push(Piece::new("old", text("old_string")));
            pieces.push(Piece::new("new", text("new_string")));
            if obj.get("replace_all") == Some(&Value::Bool(true)) {
                pieces.push(Piece::new("replace_all", "true"));
            }
            used.extend(["file_path", "old_string", "new_string", "replace_all"]);
        }
        "MultiEdit" => {
            title = text("file_path").to_string();
            let edits = obj.get("edits").and_then(Value::as_array);
            for (i, edit) in edits.into_iter().flatten().enumerate() {
                let field = |key| edit.get(key).and_then(Value::as_str).unwrap_or_default();
                pieces.push(Piece::new(format!("old {}", i + 1), field("old_string")));
                pieces.push(Piece::new(format!("new {}", i + 1), field("new_string")));
            }
            used.extend(["file_path", "edits"]);
        }
        "Write" => {
            title = text("file_path").to_string();
            let content = text("content");
            let lines = match content.lines().count() {
                1 => "1 line".to_string(),
                n => format!("{n} lines"),
            };
            pieces.push(
                Piece::new(format!("content ({lines})"), content)
                    .head()
                    .capped(WRITTEN_CONTENT_TOKENS),
            );
            used.extend(["file_path", "content"]);
        }
        "NotebookEdit" => {
            title = text("notebook_path").to_string();
            pieces.push(Piece::new("new", text("new_source")));
            used.extend(["notebook_path", "new_source"]);
        }
        "Bash" => {
            title = one_line(text("description"))
                .map(|d| format!("({d})"))
                .unwrap_or_default();
            pieces.push(Piece::new("$", text("command").trim()));
            used.extend(["description", "command", "timeout"]);
        }
        "TodoWrite" => {
            let todos = obj.get("todos").and_then(Value::as_array);
            let lines: Vec<String> = todos
                .into_iter()
                .flatten()
                .map(|todo| {
                    let field = |key| todo.get(key).and_then(Value::as_str).unwrap_or_default();
                    format!("[{}] {}", field("status"), field("content"))
                })
                .collect();
            pieces.push(Piece::new("todos", lines.join("\n")).head());
            used.push("todos");
        }
        _ => {
            if let Some(key) = SUBJECT_KEYS
                .iter()
                .find(|key| one_line(text(key)).is_some())
            {
                title = text(key).trim().to_string();
                used.push(key);
            }
        }
    }
    pieces.retain(|p| !p.text.trim().is_empty());

    let mut rest: Vec<(&String, &Value)> = obj
        .iter()
        .filter(|(k, _)| !used.contains(&k.as_str()))
        .collect();
    rest.sort_by_key(|(k, _)| {
        IMPORTANT_KEYS
            .iter()
            .position(|i| i == k)
            .unwrap_or(IMPORTANT_KEYS.len())
    });
    let mut fields = Vec::new();
    for (key, value) in rest {
        flatten(key, value, 0, &mut fields);
    }
    let (fields, lossy) = limit_fields(fields);
    pieces.extend(fields.into_iter().map(|(k, v)| Piece::new(k, v)));
    (title, pieces, lossy)
}

/// A tool's output as pieces: JSON objects flattened to their fields, other text whole.
fn tool_output(output: &str) -> (Vec<Piece>, bool) {
    let trimmed = output.trim();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(trimmed)
    {
        let mut fields = Vec::new();
        for (key, value) in &obj {
            flatten(&format!("output.{key}"), value, 0, &mut fields);
        }
        let (fields, lossy) = limit_fields(fields);
        return (
            fields.into_iter().map(|(k, v)| Piece::new(k, v)).collect(),
            lossy,
        );
    }
    (vec![Piece::new("output", output.trim_end())], false)
}

/// `text` without the host's own blocks ([`HOST_NOISE_TAGS`]); borrowed when there are none.
fn strip_host_noise(text: &str) -> std::borrow::Cow<'_, str> {
    let mut text = std::borrow::Cow::Borrowed(text);
    for tag in HOST_NOISE_TAGS {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        while let Some(start) = text.find(&open) {
            let Some(len) = text[start..].find(&close) else {
                break;
            };
            let end = start + len + close.len();
            let mut owned = text.into_owned();
            owned.replace_range(start..end, "");
            text = std::borrow::Cow::Owned(owned);
        }
    }
    text
}

/// `text` trimmed, if it is one short line.
fn one_line(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty() && !text.contains('\n') && text.len() <= INLINE_CHARS).then_some(text)
}

/// Flattens a JSON value to `(path, text)` fields; nulls, `false` and empty values are left
/// out, arrays of plain values joined with commas.
fn flatten(path: &str, value: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => out.push((path.to_string(), "true".into())),
        Value::Number(n) => out.push((path.to_string(), n.to_string())),
        Value::String(s) => {
            if !s.trim().is_empty() {
                out.push((path.to_string(), s.trim_end().to_string()));
            }
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Object(obj) if obj.is_empty() => {}
        _ if depth >= 3 => out.push((path.to_string(), value.to_string())),
        Value::Array(items) => {
            if items.iter().all(|v| !v.is_array() && !v.is_object()) {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                out.push((path.to_string(), parts.join(", ")));
            } else {
                for (i, item) in items.iter().enumerate() {
                    flatten(&format!("{path}[{i}]"), item, depth + 1, out);
                }
            }
        }
        Value::Object(obj) => {
            for (key, item) in obj {
                flatten(&format!("{path}.{key}"), item, depth + 1, out);
            }
        }
    }
}

/// Keeps the first [`MAX_FIELDS`] fields, with a line saying how many were left out.
fn limit_fields(mut fields: Vec<(String, String)>) -> (Vec<(String, String)>, bool) {
    if fields.len() <= MAX_FIELDS {
        return (fields, false);
    }
    let left_out = fields.len() - (MAX_FIELDS - 1);
    fields.truncate(MAX_FIELDS - 1);
    fields.push((String::new(), format!("[{left_out} more fields not shown]")));
    (fields, true)
}

/// Renders a shape within `max_tokens`: each piece gets a fair share of what the header and
/// labels leave (short pieces whole, long ones cut to equal shares).
fn render_shape(shape: &Shape, max_tokens: u32) -> (String, bool) {
    let labels: u32 = shape
        .pieces
        .iter()
        .map(|p| estimate(&p.with_text("")))
        .sum();
    let fixed = estimate(&shape.header) + labels;
    // A cap gives way when cutting would save no more than the marker costs.
    let wants: Vec<u32> = shape
        .pieces
        .iter()
        .map(|p| {
            let cost = estimate(&p.text);
            if cost <= p.cap.saturating_add(MARKER_TOKENS) {
                cost
            } else {
                p.cap
            }
        })
        .collect();
    let shares = water_fill(&wants, max_tokens.saturating_sub(fixed));
    let mut cut = shape.lossy;
    let mut block = shape.header.clone();
    for (piece, share) in shape.pieces.iter().zip(shares) {
        let (text, piece_cut) = trim_text(&piece.text, share, piece.trim);
        cut |= piece_cut;
        block.push('\n');
        block.push_str(&piece.with_text(&text));
    }
    if estimate(&block) > max_tokens {
        block = hard_cut(&block, max_tokens);
        cut = true;
    }
    (block, cut)
}

/// Shares `avail` among wants: every want at most its own, the rest split evenly (max-min
/// fairness).
fn water_fill(wants: &[u32], avail: u32) -> Vec<u32> {
    let total: u64 = wants.iter().map(|&w| u64::from(w)).sum();
    if total <= u64::from(avail) {
        return wants.to_vec();
    }
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by_key(|&i| wants[i]);
    let mut shares = vec![0; wants.len()];
    let mut remaining = avail;
    for (done, &i) in order.iter().enumerate() {
        let left = u32::try_from(wants.len() - done).unwrap_or(u32::MAX);
        let give = wants[i].min(remaining / left);
        shares[i] = give;
        remaining -= give;
    }
    shares
}

/// Cuts `text` to at most `budget` tokens: whole lines from the head (and the tail), partial
/// lines at the cut, and a marker saying how many lines and tokens were cut.
fn trim_text(text: &str, budget: u32, trim: Trim) -> (String, bool) {
    let total = estimate(text);
    if total <= budget {
        return (text.to_string(), false);
    }
    let room = budget.saturating_sub(MARKER_TOKENS);
    let (head_room, tail_room) = match trim {
        Trim::HeadTail => (room - room / 3, room / 3),
        Trim::Head => (room, 0),
    };
    let head_end = head_within(text, head_room);
    let tail_start = head_end + tail_within(&text[head_end..], tail_room);
    let middle = &text[head_end..tail_start];
    let lines = middle.matches('\n').count();
    let cut_tokens = estimate(middle);
    let marker = match (lines, trim) {
        (0, _) => format!("[... ~{cut_tokens} tokens cut ...]"),
        (n, Trim::Head) => format!("[... {n} more lines (~{cut_tokens} tokens) cut ...]"),
        (n, Trim::HeadTail) => format!("[... {n} lines (~{cut_tokens} tokens) cut ...]"),
    };
    let head = text[..head_end].trim_end_matches('\n');
    let tail = text[tail_start..].trim_start_matches('\n');
    let mut out = String::with_capacity(head.len() + marker.len() + tail.len() + 2);
    for part in [head, marker.as_str(), tail] {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(part);
        }
    }
    (out, true)
}

/// The byte length of the longest head of `text` within `room` tokens: whole lines, then part
/// of the next line.
fn head_within(text: &str, room: u32) -> usize {
    let mut end = 0;
    let mut used = 0;
    for line in text.split_inclusive('\n') {
        let cost = estimate(line);
        if used + cost > room {
            return end + prefix_within(line, room - used);
        }
        used += cost;
        end += line.len();
    }
    end
}

/// The byte length of the longest tail of `text` within `room` tokens.
fn tail_within(text: &str, room: u32) -> usize {
    let mut start = text.len();
    let mut used = 0;
    for line in text.split_inclusive('\n').rev() {
        let cost = estimate(line);
        let line_start = start - line.len();
        if used + cost > room {
            return line_start + suffix_within(line, room - used);
        }
        used += cost;
        start = line_start;
    }
    start
}

/// The byte length of the longest prefix of `text` within `room` tokens (the estimate only
/// grows as a prefix grows, so a binary search over character boundaries finds it).
fn prefix_within(text: &str, room: u32) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let fits = bounds.partition_point(|&b| estimate(&text[..b]) <= room);
    fits.checked_sub(1).map_or(0, |i| bounds[i])
}

/// The byte offset where the longest suffix of `text` within `room` tokens starts.
fn suffix_within(text: &str, room: u32) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    // Suffixes shrink as the start moves right: find the first start that fits.
    let first = bounds.partition_point(|&b| estimate(&text[b..]) > room);
    bounds.get(first).copied().unwrap_or(text.len())
}

/// The last resort: the head of `text` within `max_tokens`, ending with a marker when there
/// is room for one.
fn hard_cut(text: &str, max_tokens: u32) -> String {
    const MARK: &str = "[...]";
    let mark = estimate(MARK);
    if max_tokens > mark {
        let end = prefix_within(text, max_tokens - mark);
        format!("{} {MARK}", &text[..end])
    } else {
        text[..prefix_within(text, max_tokens)].to_string()
    }
}

// ---------------------------------------------------------------------------------------
// Summary

/// How much of an event a summary shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    Full,
    Brief,
    Line,
    Omitted,
}

/// One event of a summary, rendered at each level of detail.
struct SummaryItem<'a> {
    event: &'a Event,
    /// The renderings for Full, Brief and Line, each no longer than the previous.
    renders: [(String, bool); 3],
    costs: [u32; 3],
    detail: Detail,
    /// 0 is shortened first: lookups, other tools, assistant messages and notes, then user
    /// prompts and the last assistant message.
    class: u8,
}

impl SummaryItem<'_> {
    /// What the item costs at its current detail.
    fn cost(&self) -> u32 {
        match self.detail {
            Detail::Full => self.costs[0],
            Detail::Brief => self.costs[1],
            Detail::Line => self.costs[2],
            Detail::Omitted => 0,
        }
    }
}

/// The events of a summary and how much of each fits.
struct SummaryPlan<'a> {
    items: Vec<SummaryItem<'a>>,
    total: u32,
    omitted_runs: u32,
}

impl<'a> SummaryPlan<'a> {
    fn new(events: &[&'a Event], max_event_tokens: u32) -> SummaryPlan<'a> {
        let last_message = events
            .iter()
            .rposition(|e| matches!(e.payload, EventPayload::AssistantMessage { .. }));
        let is_todo_list = |e: &Event| match &e.payload {
            EventPayload::ToolUse { tool_name, .. } => tool_name == "TodoWrite",
            _ => false,
        };
        // Only the last todo list says where the work was heading; earlier ones are history.
        let last_todo_list = events.iter().rposition(|e| is_todo_list(e));
        let items: Vec<SummaryItem<'a>> = events
            .iter()
            .enumerate()
            .map(|(i, &event)| {
                let class = match &event.payload {
                    EventPayload::ToolUse { tool_name, .. } => {
                        u8::from(!LOOKUP_TOOLS.contains(&tool_name.as_str()))
                    }
                    EventPayload::UserPrompt { .. } => 3,
                    EventPayload::AssistantMessage { .. } if Some(i) == last_message => 3,
                    EventPayload::AssistantMessage { .. } | EventPayload::Note { .. } => 2,
                };
                let full = render_shape(&shape(event, true), max_event_tokens);
                let brief = shorter(
                    &full,
                    render_shape(&shape(event, false), BRIEF_TOKENS.min(max_event_tokens)),
                );
                let line = shorter(
                    &brief,
                    render_shape(&line_shape(event), LINE_TOKENS.min(max_event_tokens)),
                );
                let renders = [full, brief, line];
                let costs = [0, 1, 2].map(|l| estimate(&renders[l].0));
                let detail = if is_todo_list(event) && Some(i) != last_todo_list {
                    Detail::Line
                } else {
                    Detail::Full
                };
                SummaryItem {
                    event,
                    renders,
                    costs,
                    detail,
                    class,
                }
            })
            .collect();
        let total = items.iter().map(SummaryItem::cost).sum();
        SummaryPlan {
            items,
            total,
            omitted_runs: 0,
        }
    }

    fn cost(&self) -> u32 {
        self.total + self.omitted_runs * OMITTED_MARKER_TOKENS
    }

    /// Lowers the detail of events, least informative first, until the plan fits `room`.
    fn fit(&mut self, room: u32) {
        const STEPS: &[(u8, Detail)] = &[
            (0, Detail::Brief),
            (1, Detail::Brief),
            (2, Detail::Brief),
            (0, Detail::Line),
            (1, Detail::Line),
            (3, Detail::Brief),
            (0, Detail::Omitted),
            (1, Detail::Omitted),
            (2, Detail::Line),
            (2, Detail::Omitted),
            (3, Detail::Line),
            (3, Detail::Omitted),
        ];
        let n = self.items.len();
        // The middle of the session first, its two ends last.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(i.min(n - 1 - i)));
        for &(class, detail) in STEPS {
            for &i in &order {
                if self.cost() <= room {
                    return;
                }
                if self.items[i].class == class && self.items[i].detail < detail {
                    self.set_detail(i, detail);
                }
            }
        }
    }

    fn set_detail(&mut self, i: usize, detail: Detail) {
        self.total -= self.items[i].cost();
        self.items[i].detail = detail;
        self.total += self.items[i].cost();
        if detail == Detail::Omitted {
            let omitted = |j: Option<usize>| {
                j.and_then(|j| self.items.get(j))
                    .is_some_and(|it| it.detail == Detail::Omitted)
            };
            match (omitted(i.checked_sub(1)), omitted(Some(i + 1))) {
                (false, false) => self.omitted_runs += 1,
                (true, true) => self.omitted_runs -= 1,
                _ => {}
            }
        }
    }

    /// The events in order, omitted runs collapsed to one marker line each.
    fn render(&self) -> String {
        let mut blocks: Vec<String> = Vec::new();
        let mut omitted = 0usize;
        for item in &self.items {
            let index = match item.detail {
                Detail::Full => 0,
                Detail::Brief => 1,
                Detail::Line => 2,
                Detail::Omitted => {
                    omitted += 1;
                    continue;
                }
            };
            if omitted > 0 {
                blocks.push(format!("[... {omitted} events omitted ...]"));
                omitted = 0;
            }
            blocks.push(item.renders[index].0.clone());
        }
        if omitted > 0 {
            blocks.push(format!("[... {omitted} events omitted ...]"));
        }
        blocks.join("\n\n")
    }

    /// Events not shown whole.
    fn truncated_ids(&self) -> Vec<EventId> {
        self.items
            .iter()
            .filter(|item| item.detail != Detail::Full || item.renders[0].1)
            .map(|item| item.event.id)
            .collect()
    }
}

/// `candidate` if it is shorter than `current`, else `current` (a lower detail never costs
/// more).
fn shorter(current: &(String, bool), candidate: (String, bool)) -> (String, bool) {
    if estimate(&candidate.0) < estimate(&current.0) {
        (candidate.0, candidate.1 || current.1)
    } else {
        current.clone()
    }
}

/// `Files modified: ...` and `Files read: ...` lines from the tool inputs, each list cut to
/// half of `room` tokens with a count of the paths left out.
fn files_section(events: &[&Event], room: u32) -> String {
    let mut modified: Vec<&str> = Vec::new();
    let mut read: Vec<&str> = Vec::new();
    for event in events {
        let EventPayload::ToolUse {
            tool_name, input, ..
        } = &event.payload
        else {
            continue;
        };
        let path = ["file_path", "notebook_path"]
            .iter()
            .find_map(|k| input.get(k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let Some(path) = path else { continue };
        let list = match tool_name.as_str() {
            "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => &mut modified,
            "Read" | "NotebookRead" => &mut read,
            _ => continue,
        };
        if !list.contains(&path) {
            list.push(path);
        }
    }
    let read: Vec<&str> = read.into_iter().filter(|p| !modified.contains(p)).collect();
    let mut lines = Vec::new();
    for (label, paths) in [("Files modified", modified), ("Files read", read)] {
        if paths.is_empty() {
            continue;
        }
        let mut line = format!("{label}:");
        let mut shown = 0;
        for path in &paths {
            let more = paths.len() - shown;
            let sep = if shown == 0 { " " } else { ", " };
            let next = format!("{line}{sep}{path}");
            let tail = format!(" (and {more} more)");
            if estimate(&next) + estimate(&tail) > room / 2 {
                break;
            }
            line = next;
            shown += 1;
        }
        if shown == 0 {
            continue;
        }
        if shown < paths.len() {
            line.push_str(&format!(" (and {} more)", paths.len() - shown));
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventStatus;
    use proptest::prelude::*;
    use serde_json::json;
    use time::macros::datetime;

    fn event(id: EventId, session: &str, payload: EventPayload) -> Event {
        Event {
            id,
            session_id: session.to_string(),
            project: "memcore".to_string(),
            payload,
            external_id: None,
            occurred_at: datetime!(2026-11-03 10:00 UTC) + time::Duration::minutes(id),
            status: EventStatus::Pending,
            attempts: 0,
        }
    }

    fn tool(name: &str, input: Value, output: Option<&str>) -> EventPayload {
        EventPayload::ToolUse {
            tool_name: name.to_string(),
            input,
            output: output.map(str::to_string),
            error: None,
            tool_use_id: None,
        }
    }

    fn prompt(text: &str) -> EventPayload {
        EventPayload::UserPrompt {
            text: text.to_string(),
        }
    }

    /// `n` numbered lines of about ten tokens each.
    fn lines(n: usize) -> String {
        (1..=n)
            .map(|i| format!("line {i}: the lexer emits a token for this input"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn render(payload: EventPayload, max: u32) -> (String, bool) {
        render_event(&event(12, "s1", payload), max)
    }

    #[test]
    fn renders_text_events_with_their_header() {
        let (text, cut) = render(prompt("  Fix the lexer: trailing commas fail.\n"), 1500);
        assert_eq!(
            text,
            "#12 10:12 User prompt\nFix the lexer: trailing commas fail."
        );
        assert!(!cut);
        let (text, _) = render(
            EventPayload::AssistantMessage {
                text: "Done.".into(),
            },
            1500,
        );
        assert_eq!(text, "#12 10:12 Assistant\nDone.");
        let (text, _) = render(
            EventPayload::Note {
                text: "Use WAL mode.".into(),
            },
            1500,
        );
        assert_eq!(text, "#12 10:12 Note\nUse WAL mode.");
    }

    #[test]
    fn renders_an_edit_as_old_and_new_text() {
        let input = json!({
            "file_path": "src/lexer.rs",
            "old_string": "let tokens = lex(src)?;",
            "new_string": "let tokens = lex(src.trim_end())?;\nOk(tokens)",
            "replace_all": false,
        });
        let (text, cut) = render(
            tool(
                "Edit",
                input,
                Some("The file src/lexer.rs has been updated."),
            ),
            1500,
        );
        assert_eq!(
            text,
            "#12 10:12 Edit src/lexer.rs\n\
             old: let tokens = lex(src)?;\n\
             new:\nlet tokens = lex(src.trim_end())?;\nOk(tokens)\n\
             output: The file src/lexer.rs has been updated."
        );
        assert!(!cut);
    }

    #[test]
    fn an_edit_echo_is_cut_to_its_first_lines() {
        let input = json!({"file_path": "a.rs", "old_string": "a", "new_string": "b"});
        let output = format!("The file a.rs has been updated. Snippet:\n{}", lines(60));
        let (text, cut) = render(tool("Edit", input, Some(&output)), 1500);
        assert!(text.contains("has been updated"), "{text}");
        assert!(!text.contains("line 60:"), "{text}");
        assert!(text.contains("cut ...]"), "{text}");
        assert!(cut);
    }

    #[test]
    fn renders_each_edit_of_a_multi_edit() {
        let input = json!({"file_path": "a.rs", "edits": [
            {"old_string": "x", "new_string": "y"},
            {"old_string": "p", "new_string": "q", "replace_all": true},
        ]});
        let (text, _) = render(tool("MultiEdit", input, None), 1500);
        assert_eq!(
            text,
            "#12 10:12 MultiEdit a.rs\nold 1: x\nnew 1: y\nold 2: p\nnew 2: q"
        );
    }

    #[test]
    fn a_write_shows_its_first_lines() {
        let input = json!({"file_path": "src/big.rs", "content": lines(200)});
        let (text, cut) = render(tool("Write", input, Some("File created")), 1500);
        assert!(text.starts_with("#12 10:12 Write src/big.rs\ncontent (200 lines):\nline 1:"));
        assert!(!text.contains("line 200:"), "{text}");
        assert!(text.contains("more lines (~"), "{text}");
        assert!(text.ends_with("output: File created"), "{text}");
        assert!(cut);
        assert!(estimate(&text) <= WRITTEN_CONTENT_TOKENS + 40);
    }

    #[test]
    fn a_command_shows_its_output_head_and_tail() {
        let input = json!({"command": "cargo test", "description": "Run tests", "timeout": 600});
        let output = lines(2000);
        let (text, cut) = render(tool("Bash", input, Some(&output)), 500);
        assert!(text.starts_with("#12 10:12 Bash (Run tests)\n$ cargo test\noutput:\nline 1:"));
        assert!(text.contains("line 2000:"), "{text}");
        assert!(!text.contains("line 1000:"), "{text}");
        assert!(text.contains(" lines (~"), "{text}");
        assert!(!text.contains("600"), "{text}");
        assert!(cut);
        assert!(estimate(&text) <= 500);
    }

    #[test]
    fn a_read_names_its_file_and_range() {
        let input = json!({"file_path": "src/parser.rs", "offset": 40, "limit": 20});
        let (text, cut) = render(tool("Read", input, Some("fn parse() {}")), 1500);
        assert_eq!(
            text,
            "#12 10:12 Read src/parser.rs\nlimit: 20\noffset: 40\noutput: fn parse() {}"
        );
        assert!(!cut);
    }

    #[test]
    fn an_error_is_shown() {
        let payload = EventPayload::ToolUse {
            tool_name: "Bash".into(),
            input: json!({"command": "cargo build"}),
            output: None,
            error: Some("error[E0425]: cannot find value `x`".into()),
            tool_use_id: None,
        };
        let (text, _) = render(payload, 1500);
        assert_eq!(
            text,
            "#12 10:12 Bash\n$ cargo build\nerror: error[E0425]: cannot find value `x`"
        );
    }

    #[test]
    fn other_json_is_flattened_not_pretty_printed() {
        let input = json!({
            "query": "lexer trailing comma",
            "options": {"limit": 5, "filters": {"lang": ["rust", "toml"], "archived": false}},
            "extra": null,
        });
        let (text, _) = render(tool("mcp__search__find", input, None), 1500);
        assert_eq!(
            text,
            "#12 10:12 mcp__search__find lexer trailing comma\n\
             options.filters.lang: rust, toml\n\
             options.limit: 5"
        );
        let many: serde_json::Map<String, Value> =
            (0..40).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let (text, cut) = render(tool("mcp__x", Value::Object(many), None), 1500);
        assert!(text.contains("[17 more fields not shown]"), "{text}");
        assert!(!text.contains("k39"), "{text}");
        assert!(cut);
    }

    #[test]
    fn json_output_is_shown_by_its_fields() {
        let output = r#"{"stdout": "test result: ok", "stderr": "", "interrupted": false}"#;
        let (text, _) = render(
            tool("Bash", json!({"command": "cargo test"}), Some(output)),
            1500,
        );
        assert_eq!(
            text,
            "#12 10:12 Bash\n$ cargo test\noutput.stdout: test result: ok"
        );
    }

    #[test]
    fn a_rendering_never_exceeds_its_budget() {
        let big = tool(
            "Bash",
            json!({"command": lines(50), "description": "x"}),
            Some(&lines(500)),
        );
        for max in [0, 1, 3, 10, 20, 48, 100, 333, 1500] {
            let (text, cut) = render(big.clone(), max);
            assert!(estimate(&text) <= max, "{max}: {text}");
            assert!(cut);
        }
        let (text, _) = render(prompt(&"x".repeat(50_000)), 100);
        assert!(estimate(&text) <= 100);
        assert!(text.contains("tokens cut"), "{text}");
    }

    #[test]
    fn trimming_keeps_head_and_tail_and_counts_the_cut() {
        let text = lines(100);
        let (trimmed, cut) = trim_text(&text, 200, Trim::HeadTail);
        assert!(cut);
        assert!(estimate(&trimmed) <= 200);
        assert!(trimmed.starts_with("line 1:"));
        assert!(trimmed.ends_with("line 100: the lexer emits a token for this input"));
        let marker = trimmed.lines().find(|l| l.starts_with("[... ")).unwrap();
        assert!(marker.ends_with("tokens) cut ...]"), "{marker}");
        assert_eq!(
            trim_text("short", 10, Trim::HeadTail),
            ("short".into(), false)
        );
    }

    #[test]
    fn water_fill_gives_short_pieces_all_and_long_ones_equal_shares() {
        assert_eq!(water_fill(&[10, 500, 1000], 410), vec![10, 200, 200]);
        assert_eq!(water_fill(&[10, 20], 100), vec![10, 20]);
        assert_eq!(water_fill(&[], 100), Vec::<u32>::new());
    }

    #[test]
    fn observation_requests_carry_the_schema_project_and_reminder() {
        let mode = Mode::code();
        let events = vec![
            event(1, "s1", prompt("Fix the lexer.")),
            event(
                2,
                "s1",
                tool(
                    "Read",
                    json!({"file_path": "src/lexer.rs"}),
                    Some("fn lex() {}"),
                ),
            ),
        ];
        let requests = build_observation_requests(&mode, &events, &ExtractionConfig::default());
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(r.purpose, RequestPurpose::Observations);
        assert_eq!(r.format, OutputFormat::ObservationsJson);
        assert_eq!(r.system_prompt, mode.observation_system_prompt());
        assert_eq!(r.event_ids, [1, 2]);
        assert!(r.truncated_event_ids.is_empty());
        assert_eq!(
            (r.session_id.as_str(), r.project.as_str()),
            ("s1", "memcore")
        );
        assert!(
            r.user_prompt
                .starts_with("Project: memcore. Session s1, 2026-11-03.")
        );
        assert!(
            r.user_prompt
                .contains("#1 10:01 User prompt\nFix the lexer.\n\n#2 10:02 Read")
        );
        assert_eq!(
            r.user_prompt.lines().last(),
            Some(mode.prompts.observation_footer.as_str())
        );
        assert_eq!(
            r.input_tokens,
            estimate(&r.system_prompt) + estimate(&r.user_prompt)
        );
        assert_eq!(r.max_output_tokens, 1500);
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["format"], "observations_json");
        assert_eq!(json["purpose"], "observations");
        let back: ExtractionRequest = serde_json::from_value(json).unwrap();
        assert_eq!(&back, r);
    }

    #[test]
    fn config_fields_left_out_take_their_defaults() {
        let config: ExtractionConfig =
            serde_json::from_str(r#"{"batch_input_tokens": 4000}"#).unwrap();
        assert_eq!(
            config,
            ExtractionConfig {
                batch_input_tokens: 4000,
                ..ExtractionConfig::default()
            }
        );
        assert_eq!(ExtractionConfig::default().max_event_tokens, 1500);
    }

    #[test]
    fn batches_never_mix_sessions() {
        let events = vec![
            event(1, "a", prompt("one")),
            event(2, "b", prompt("two")),
            event(3, "a", prompt("three")),
        ];
        let requests =
            build_observation_requests(&Mode::code(), &events, &ExtractionConfig::default());
        let ids: Vec<(&str, Vec<EventId>)> = requests
            .iter()
            .map(|r| (r.session_id.as_str(), r.event_ids.clone()))
            .collect();
        assert_eq!(ids, [("a", vec![1, 3]), ("b", vec![2])]);
        assert!(
            build_observation_requests(&Mode::code(), &[], &ExtractionConfig::default()).is_empty()
        );
    }

    #[test]
    fn an_oversized_event_gets_its_own_truncated_request() {
        let config = ExtractionConfig {
            batch_input_tokens: 2000,
            max_event_tokens: 5000,
            ..ExtractionConfig::default()
        };
        let events = vec![
            event(1, "s", prompt("small")),
            event(
                2,
                "s",
                tool("Bash", json!({"command": "make"}), Some(&lines(3000))),
            ),
            event(3, "s", prompt("small again")),
        ];
        let requests = build_observation_requests(&Mode::code(), &events, &config);
        let ids: Vec<Vec<EventId>> = requests.iter().map(|r| r.event_ids.clone()).collect();
        assert_eq!(ids, [vec![1], vec![2], vec![3]]);
        assert_eq!(requests[1].truncated_event_ids, [2]);
        assert!(requests.iter().all(|r| r.input_tokens <= 2000));
        assert!(
            requests[1].input_tokens > 1500,
            "the event fills its request"
        );
    }

    fn summary_session() -> Vec<Event> {
        let mut events = vec![event(
            1,
            "s",
            prompt("Make trailing commas parse in the lexer."),
        )];
        for i in 2..60 {
            let payload = match i % 4 {
                0 => tool(
                    "Read",
                    json!({"file_path": format!("src/m{i}.rs")}),
                    Some(&lines(300)),
                ),
                1 => tool(
                    "Edit",
                    json!({"file_path": "src/lexer.rs", "old_string": lines(5), "new_string": lines(6)}),
                    Some("ok"),
                ),
                2 => tool("Bash", json!({"command": "cargo test"}), Some(&lines(400))),
                _ => tool("Grep", json!({"pattern": "comma"}), Some(&lines(100))),
            };
            events.push(event(i, "s", payload));
        }
        events.push(event(
            60,
            "s",
            EventPayload::AssistantMessage {
                text: "Trailing commas now parse; tests pass.".into(),
            },
        ));
        events.push(event(61, "other", prompt("not this session")));
        events
    }

    #[test]
    fn a_summary_fits_its_budget_and_keeps_prompts_and_the_last_message() {
        let mode = Mode::code();
        let config = ExtractionConfig::default();
        let events = summary_session();
        let r = build_summary_request(&mode, &events, &config).unwrap();
        assert_eq!(r.purpose, RequestPurpose::Summary);
        assert_eq!(r.format, OutputFormat::SummaryJson);
        assert_eq!(r.system_prompt, mode.summary_system_prompt());
        assert!(
            r.input_tokens <= config.summary_input_tokens,
            "{}",
            r.input_tokens
        );
        assert_eq!(
            r.input_tokens,
            estimate(&r.system_prompt) + estimate(&r.user_prompt)
        );
        assert_eq!(r.event_ids, (1..=60).collect::<Vec<_>>());
        let user = &r.user_prompt;
        assert!(user.starts_with("Project: memcore. Session s, 2026-11-03, 60 events."));
        assert!(user.contains("Make trailing commas parse in the lexer."));
        assert!(user.contains("Trailing commas now parse; tests pass."));
        assert!(!user.contains("not this session"));
        assert!(user.contains("Files modified: src/lexer.rs\n"), "{user}");
        assert!(user.contains("Files read: src/m4.rs, src/m8.rs"), "{user}");
        assert_eq!(
            user.lines().last(),
            Some(mode.prompts.summary_footer.as_str())
        );
        assert!(!r.truncated_event_ids.contains(&1));
        assert!(!r.truncated_event_ids.contains(&60));
        assert!(r.truncated_event_ids.contains(&30));
    }

    #[test]
    fn a_summary_drops_middle_tool_output_first() {
        let mode = Mode::code();
        let events: Vec<Event> = (1..=9)
            .map(|i| {
                event(
                    i,
                    "s",
                    tool(
                        "Bash",
                        json!({"command": format!("step {i}")}),
                        Some(&lines(40)),
                    ),
                )
            })
            .collect();
        let full = build_summary_request(&mode, &events, &ExtractionConfig::default()).unwrap();
        assert!(full.truncated_event_ids.is_empty());
        let config = ExtractionConfig {
            summary_input_tokens: full.input_tokens - 600,
            ..ExtractionConfig::default()
        };
        let r = build_summary_request(&mode, &events, &config).unwrap();
        assert!(r.input_tokens <= config.summary_input_tokens);
        assert!(r.truncated_event_ids.contains(&5));
        assert!(!r.truncated_event_ids.contains(&1));
        assert!(!r.truncated_event_ids.contains(&9));
        assert!(r.user_prompt.contains("$ step 5"), "the command stays");
    }

    #[test]
    fn a_tight_summary_omits_middle_events_but_keeps_the_ends() {
        let config = ExtractionConfig {
            summary_input_tokens: 700,
            ..ExtractionConfig::default()
        };
        let r = build_summary_request(&Mode::code(), &summary_session(), &config).unwrap();
        assert!(r.input_tokens <= 700, "{}", r.input_tokens);
        assert!(
            r.user_prompt.contains("events omitted ...]"),
            "{}",
            r.user_prompt
        );
        assert!(
            r.user_prompt
                .contains("Make trailing commas parse in the lexer.")
        );
        assert!(
            r.user_prompt
                .contains("Trailing commas now parse; tests pass.")
        );
    }

    #[test]
    fn no_events_no_summary() {
        assert!(build_summary_request(&Mode::code(), &[], &ExtractionConfig::default()).is_none());
    }

    fn arbitrary_payload() -> impl Strategy<Value = EventPayload> {
        (0..5u8, 0..4000usize).prop_map(|(kind, words)| {
            let text: String = (0..words)
                .map(|i| if i % 12 == 11 { "word\n" } else { "word " })
                .collect();
            match kind {
                0 => prompt(&text),
                1 => tool("Bash", json!({"command": "make"}), Some(&text)),
                2 => tool(
                    "Edit",
                    json!({"file_path": "a.rs", "old_string": text, "new_string": "x"}),
                    None,
                ),
                3 => tool(
                    "mcp__x",
                    json!({"q": text, "n": 1}),
                    Some(r#"{"ok": true}"#),
                ),
                _ => EventPayload::Note { text },
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn batching_covers_every_event_once_in_order_within_budget(
            payloads in prop::collection::vec((0..3u8, arbitrary_payload()), 1..30),
            budget in 900u32..8000,
            max_event in 50u32..3000,
        ) {
            let config = ExtractionConfig {
                batch_input_tokens: budget,
                max_event_tokens: max_event,
                ..ExtractionConfig::default()
            };
            let events: Vec<Event> = payloads
                .into_iter()
                .enumerate()
                .map(|(i, (s, p))| event(i as EventId + 1, &format!("s{s}"), p))
                .collect();
            let requests = build_observation_requests(&Mode::code(), &events, &config);
            for session in ["s0", "s1", "s2"] {
                let expected: Vec<EventId> = events
                    .iter()
                    .filter(|e| e.session_id == session)
                    .map(|e| e.id)
                    .collect();
                let got: Vec<EventId> = requests
                    .iter()
                    .filter(|r| r.session_id == session)
                    .flat_map(|r| r.event_ids.clone())
                    .collect();
                prop_assert_eq!(got, expected);
            }
            for r in &requests {
                prop_assert!(!r.event_ids.is_empty());
                prop_assert!(r.input_tokens <= budget, "{} > {}", r.input_tokens, budget);
                prop_assert_eq!(
                    r.input_tokens,
                    estimate(&r.system_prompt) + estimate(&r.user_prompt)
                );
                for id in &r.event_ids {
                    let header = format!("#{id} ");
                    prop_assert!(r.user_prompt.contains(&header));
                }
                for id in &r.truncated_event_ids {
                    prop_assert!(r.event_ids.contains(id));
                }
            }
            let truncated: Vec<EventId> =
                requests.iter().flat_map(|r| r.truncated_event_ids.clone()).collect();
            for e in &events {
                let whole = estimate(&render_event(e, u32::MAX).0);
                if whole > max_event.min(budget) {
                    prop_assert!(truncated.contains(&e.id), "event {} not flagged", e.id);
                }
            }
        }

        #[test]
        fn a_summary_stays_within_its_budget(
            payloads in prop::collection::vec(arbitrary_payload(), 1..60),
            budget in 600u32..8000,
            max_event in 50u32..3000,
        ) {
            let config = ExtractionConfig {
                summary_input_tokens: budget,
                max_event_tokens: max_event,
                ..ExtractionConfig::default()
            };
            let events: Vec<Event> = payloads
                .into_iter()
                .enumerate()
                .map(|(i, p)| event(i as EventId + 1, "s", p))
                .collect();
            let r = build_summary_request(&Mode::code(), &events, &config).unwrap();
            prop_assert!(r.input_tokens <= budget, "{} > {}", r.input_tokens, budget);
            prop_assert_eq!(r.input_tokens, estimate(&r.system_prompt) + estimate(&r.user_prompt));
            prop_assert_eq!(r.event_ids.len(), events.len());
        }
    }
}
