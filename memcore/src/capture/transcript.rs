//! Import of Claude Code session transcripts.
//!
//! Claude Code writes every session to `~/.claude/projects/<project>/<session-id>.jsonl`: one
//! JSON record per line. [`parse_transcript`] turns such a file into the events memcore
//! records, in the order they happened:
//!
//! - **User prompts** ([`EventPayload::UserPrompt`]): `user` records whose content is a string
//!   or text blocks, typed by the user. Left out (and counted in [`Transcript::skipped`]):
//!   `isMeta` records (hook feedback, command expansions; key `user:meta`), compaction summaries
//!   (`user:compact-summary`), prompts written by a parent agent to a subagent
//!   (`isSidechain`; `user:sidechain`), command wrappers without a command name
//!   (`user:command`; a slash command becomes the prompt `/name args`, or `/name` alone, so
//!   that the reply to `/commit` is never taken for the reply to the request before it), local command
//!   output and `!` shell input/output (`<local-command-stdout>`, `<bash-stdout>`...;
//!   `user:command-output`), interruption markers (`user:interrupted`), and text that is empty
//!   once `<system-reminder>` spans are removed (`user:empty`). Text blocks that travel in the
//!   same record as tool results are harness additions, not prompts, and are ignored.
//! - **Assistant messages** ([`EventPayload::AssistantMessage`]): the text blocks of an
//!   assistant message. Claude Code writes one record per content block; consecutive text
//!   blocks of one message (same `message.id`) are merged into one event. Thinking blocks are
//!   skipped (`assistant:thinking`), and so are synthetic messages such as API errors
//!   (`assistant:synthetic`).
//! - **Tool uses** ([`EventPayload::ToolUse`]): each `tool_use` block, paired with its
//!   `tool_result` by `tool_use_id`, becomes one event at the position of the `tool_use`. The
//!   result text is the block's content string or its text blocks joined by newlines, without
//!   `<system-reminder>` spans; `is_error: true` puts it in `error` instead of `output`. A
//!   `tool_use` without a result is still emitted, with neither. A result without a matching
//!   `tool_use` is counted as `tool_result:unmatched`.
//!
//! Every event has an [`TranscriptEvent::external_id`]: the tool-use id for tool calls, the
//! record's `uuid` for other events (`uuid#block` when one record yields several events), so
//! importing the same transcript twice adds nothing. Records seen twice (same `uuid`) and
//! tool calls seen twice (same id) are kept once (`duplicate`).
//!
//! A prompt's text loses what the host wrapped around it (`<ide_opened_file>`,
//! `<ide_selection>`..., see `text::strip_host_tags`).
//!
//! # Reading a live transcript
//!
//! [`parse_transcript`] reads a finished transcript whole (`memcore import-transcript`).
//! [`parse_transcript_chunk`] is the same parser, resumable: it reads from a byte offset, stops
//! before a last line that has no newline yet (Claude Code is writing it, or the file was cut:
//! the next read takes it whole), optionally stops after a byte budget, and says where the next
//! read begins. [`crate::Memory::read_transcript`] keeps that position per session in the store
//! and records what a host's hooks do not carry (the assistant's words); events keep their
//! [`TranscriptEvent::external_id`], so reading a part again adds nothing.
//!
//! Record types that carry no conversation (`queue-operation`, `summary`, `system`,
//! `file-history-snapshot`, `attachment`, and any type a newer Claude Code adds) are counted
//! in [`Transcript::skipped`] under their type. A line that is not a JSON object is noted in
//! [`Transcript::bad_lines`] and parsing goes on. Only I/O errors stop the parse; no input
//! makes it panic.

use crate::model::{EventPayload, NewEvent};
use crate::text::{shorten, strip_host_tags};
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A parsed Claude Code transcript.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    /// The session id (`sessionId` of the first record that has one).
    pub session_id: Option<String>,
    /// The working directory (`cwd` of the first record that has one).
    pub cwd: Option<String>,
    /// The git branch (first non-empty `gitBranch`).
    pub git_branch: Option<String>,
    /// The earliest record timestamp.
    pub started_at: Option<OffsetDateTime>,
    /// The latest record timestamp.
    pub ended_at: Option<OffsetDateTime>,
    /// The events, in the order they happened.
    pub events: Vec<TranscriptEvent>,
    /// Records and blocks left out, counted by kind: the record type for record types that
    /// carry no conversation (`queue-operation`, `system`...), `user:meta`, `user:command`...
    /// for filtered user content (see the [module docs](self)).
    pub skipped: BTreeMap<String, u64>,
    /// Lines that could not be read as a record: 1-based line number and a short reason.
    pub bad_lines: Vec<(usize, String)>,
    /// Number of lines read, blank ones included.
    pub lines: usize,
}

/// One event of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptEvent {
    /// What happened.
    pub payload: EventPayload,
    /// A stable idempotency key: the tool-use id for tool calls, the record's `uuid` (with
    /// `#block` when one record yields several events) for the others.
    pub external_id: String,
    /// The record's timestamp, when it has a valid one.
    pub occurred_at: Option<OffsetDateTime>,
}

impl Transcript {
    /// The events as [`NewEvent`]s of `session_id`, each keyed by its
    /// [`TranscriptEvent::external_id`], ready for [`crate::Memory::record_event`].
    pub fn new_events(&self, session_id: &str) -> Vec<NewEvent> {
        self.events
            .iter()
            .map(|e| NewEvent {
                session_id: session_id.to_string(),
                payload: e.payload.clone(),
                external_id: Some(e.external_id.clone()),
                occurred_at: e.occurred_at,
            })
            .collect()
    }

    /// Number of events of a payload type (`user_prompt`, `tool_use`, `assistant_message`,
    /// `note`; see [`EventPayload::type_name`]).
    pub fn count(&self, type_name: &str) -> usize {
        self.events
            .iter()
            .filter(|e| e.payload.type_name() == type_name)
            .count()
    }
}

/// The idempotency key of an assistant message a host got outside the transcript (Claude
/// Code's Stop hook carries the turn's last message as `last_assistant_message`, race-free,
/// while the transcript may not hold it yet): `stop:<turn>:<fingerprint>`, where `turn` is the
/// hook's `prompt_id` (`-` without one) and the fingerprint is [`text_fingerprint`].
/// [`crate::Memory::read_transcript`] skips a transcript message whose fingerprint such a key of
/// the same session carries, and [`crate::Memory::record_last_assistant_message`] skips a
/// message the transcript already gave: the message is stored once, whichever comes first.
pub fn last_message_key(turn: Option<&str>, text: &str) -> String {
    format!(
        "{LAST_MESSAGE_PREFIX}{}:{}",
        turn.filter(|t| !t.is_empty()).unwrap_or("-"),
        text_fingerprint(text)
    )
}

/// The prefix of every [`last_message_key`].
pub(crate) const LAST_MESSAGE_PREFIX: &str = "stop:";

/// A stable fingerprint of a text, whatever its whitespace: 64-bit FNV-1a (not for security) of
/// its words joined by single spaces, as 16 hex digits. `"A\n\nB "` and `"A B"` share one.
pub fn text_fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            eat(b" ");
        }
        eat(word.as_bytes());
    }
    format!("{hash:016x}")
}

/// Reads a transcript file. See [`parse_transcript`].
///
/// # Errors
///
/// [`Error::Io`] naming `path` when the file cannot be opened or read.
pub fn parse_transcript_file(path: &Path) -> Result<Transcript> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        action: "open transcript",
        path: path.to_path_buf(),
        source,
    })?;
    parse_transcript(std::io::BufReader::new(file)).map_err(|e| match e {
        Error::Io { action, source, .. } => Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Parses a Claude Code transcript (JSON Lines) from `reader`. See the [module docs](self) for
/// what becomes an event. A last line without a newline is parsed too: this reads a finished
/// transcript (for a transcript still being written, see [`parse_transcript_chunk`]).
///
/// # Errors
///
/// [`Error::Io`] (action `read transcript`, empty path) when reading fails. Malformed lines are
/// not errors: they are listed in [`Transcript::bad_lines`].
pub fn parse_transcript(reader: impl BufRead) -> Result<Transcript> {
    Ok(parse_lines(reader, 0, None, true)?.transcript)
}

/// A piece of a transcript: what [`parse_transcript_chunk`] read from a byte offset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TranscriptChunk {
    /// What the complete lines read hold. Line numbers (in [`Transcript::bad_lines`]) count
    /// from `start`; a tool result whose `tool_use` was before `start` counts as
    /// `tool_result:unmatched`, and a message whose text blocks straddle `start` yields one
    /// event per side.
    pub transcript: Transcript,
    /// The byte offset the read began at.
    pub start: u64,
    /// The byte offset just past the last complete line read: where the next read begins.
    pub end: u64,
    /// The last line had no newline yet (Claude Code was writing it, or the file was cut):
    /// it was not read, and `end` stops before it, so the next read takes it whole.
    pub incomplete_tail: bool,
    /// The read stopped at its byte budget with complete lines left after `end`.
    pub more: bool,
}

/// Parses the part of a transcript that `reader` yields, as [`parse_transcript`] does, except
/// that it stops before a last line without a newline ([`TranscriptChunk::incomplete_tail`])
/// and, with `max_bytes`, after the line that reaches that many bytes (at least one line is
/// read). `start` is the byte offset of `reader`'s first byte in the file: the chunk's
/// [`TranscriptChunk::end`] is `start` plus the bytes of the lines read. This is the one parser,
/// resumable: a host reads a live transcript from where its last read ended.
///
/// # Errors
///
/// As [`parse_transcript`].
pub fn parse_transcript_chunk(
    reader: impl BufRead,
    start: u64,
    max_bytes: Option<u64>,
) -> Result<TranscriptChunk> {
    parse_lines(reader, start, max_bytes, false)
}

/// The line loop behind [`parse_transcript`] and [`parse_transcript_chunk`]: reads lines until
/// the end (or the budget), taking a last line without a newline only when `take_unterminated`.
fn parse_lines(
    mut reader: impl BufRead,
    start: u64,
    max_bytes: Option<u64>,
    take_unterminated: bool,
) -> Result<TranscriptChunk> {
    let io = |source| Error::Io {
        action: "read transcript",
        path: PathBuf::new(),
        source,
    };
    let mut parser = Parser::default();
    let mut buf = Vec::new();
    let mut consumed: u64 = 0;
    let mut incomplete_tail = false;
    let mut more = false;
    loop {
        if max_bytes.is_some_and(|max| consumed >= max) {
            more = !reader.fill_buf().map_err(io)?.is_empty();
            break;
        }
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        if !take_unterminated && buf.last() != Some(&b'\n') {
            incomplete_tail = true;
            break;
        }
        consumed += n as u64;
        parser.out.lines += 1;
        let line_no = parser.out.lines;
        match std::str::from_utf8(&buf) {
            Ok(line) => parser.line(line_no, line),
            Err(_) => parser
                .out
                .bad_lines
                .push((line_no, "not UTF-8 text".to_string())),
        }
    }
    Ok(TranscriptChunk {
        transcript: parser.finish(),
        start,
        end: start + consumed,
        incomplete_tail,
        more,
    })
}

/// Where a non-tool event came from: the record key and the block index in its record.
#[derive(Debug, Clone)]
struct Origin {
    record: String,
    block: usize,
}

/// Assistant text waiting for more blocks of the same message.
#[derive(Debug)]
struct PendingText {
    message_id: Option<String>,
    origin: Origin,
    text: String,
    occurred_at: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct Parser {
    out: Transcript,
    /// Origins of non-tool events, by event index.
    origins: HashMap<usize, Origin>,
    /// Event index of each tool call, by tool-use id.
    tools: HashMap<String, usize>,
    /// Tool calls whose result has been seen.
    answered: HashSet<String>,
    /// Record uuids already processed.
    records: HashSet<String>,
    pending: Option<PendingText>,
}

impl Parser {
    fn skip(&mut self, kind: &str) {
        *self.out.skipped.entry(kind.to_string()).or_insert(0) += 1;
    }

    fn line(&mut self, line_no: usize, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let record: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                self.out
                    .bad_lines
                    .push((line_no, shorten(&format!("not JSON: {e}"), 100)));
                return;
            }
        };
        let Some(obj) = record.as_object() else {
            self.out
                .bad_lines
                .push((line_no, "not a JSON object".to_string()));
            return;
        };
        let Some(kind) = obj.get("type").and_then(Value::as_str) else {
            self.out
                .bad_lines
                .push((line_no, "record has no \"type\"".to_string()));
            return;
        };
        self.metadata(&record);
        match kind {
            "user" | "assistant" => {}
            other => {
                self.skip(other);
                return;
            }
        }
        let key = match obj.get("uuid").and_then(Value::as_str) {
            Some(uuid) if !uuid.is_empty() => uuid.to_string(),
            _ => format!("line-{line_no}"),
        };
        if !self.records.insert(key.clone()) {
            self.skip("duplicate");
            return;
        }
        let occurred_at = timestamp(&record);
        if kind == "user" {
            self.flush_text();
            self.user(&record, &key, occurred_at);
        } else {
            self.assistant(&record, &key, occurred_at);
        }
    }

    /// Session-level fields: id, cwd, branch, time span.
    fn metadata(&mut self, record: &Value) {
        let text = |k: &str| {
            record
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if self.out.session_id.is_none() {
            self.out.session_id = text("sessionId");
        }
        if self.out.cwd.is_none() {
            self.out.cwd = text("cwd");
        }
        if self.out.git_branch.is_none() {
            self.out.git_branch = text("gitBranch");
        }
        if let Some(t) = timestamp(record) {
            if self.out.started_at.is_none_or(|s| t < s) {
                self.out.started_at = Some(t);
            }
            if self.out.ended_at.is_none_or(|e| t > e) {
                self.out.ended_at = Some(t);
            }
        }
    }

    fn push(&mut self, payload: EventPayload, origin: Origin, occurred_at: Option<OffsetDateTime>) {
        self.origins.insert(self.out.events.len(), origin);
        self.out.events.push(TranscriptEvent {
            payload,
            external_id: String::new(),
            occurred_at,
        });
    }

    fn user(&mut self, record: &Value, key: &str, occurred_at: Option<OffsetDateTime>) {
        let content = record.get("message").and_then(|m| m.get("content"));
        let mut prompt: Option<String> = None;
        let mut has_results = false;
        match content {
            Some(Value::String(s)) => prompt = Some(s.clone()),
            Some(Value::Array(blocks)) => {
                let mut texts = Vec::new();
                for block in blocks {
                    match block.get("type").and_then(Value::as_str) {
                        Some("tool_result") => {
                            has_results = true;
                            self.tool_result(block);
                        }
                        Some("text") => {
                            if let Some(t) = block.get("text").and_then(Value::as_str) {
                                texts.push(t);
                            }
                        }
                        _ => {}
                    }
                }
                if !has_results && !texts.is_empty() {
                    prompt = Some(texts.join("\n"));
                }
            }
            _ => {}
        }
        let Some(raw) = prompt else {
            return;
        };
        let flag = |k: &str| record.get(k).and_then(Value::as_bool).unwrap_or(false);
        if flag("isMeta") {
            return self.skip("user:meta");
        }
        if flag("isCompactSummary") {
            return self.skip("user:compact-summary");
        }
        if flag("isSidechain") {
            return self.skip("user:sidechain");
        }
        match clean_prompt(&raw) {
            Ok(text) => self.push(
                EventPayload::UserPrompt { text },
                Origin {
                    record: key.to_string(),
                    block: 0,
                },
                occurred_at,
            ),
            Err(kind) => self.skip(kind),
        }
    }

    fn tool_result(&mut self, block: &Value) {
        let Some(id) = block.get("tool_use_id").and_then(Value::as_str) else {
            return self.skip("tool_result:unmatched");
        };
        let Some(&index) = self.tools.get(id) else {
            return self.skip("tool_result:unmatched");
        };
        if !self.answered.insert(id.to_string()) {
            return self.skip("duplicate");
        }
        let text = result_text(block.get("content"));
        let is_error = block
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(TranscriptEvent {
            payload: EventPayload::ToolUse { output, error, .. },
            ..
        }) = self.out.events.get_mut(index)
        {
            if is_error {
                *error = Some(text);
            } else {
                *output = Some(text);
            }
        }
    }

    fn assistant(&mut self, record: &Value, key: &str, occurred_at: Option<OffsetDateTime>) {
        let message = record.get("message");
        let synthetic = message.and_then(|m| m.get("model")).and_then(Value::as_str)
            == Some("<synthetic>")
            || record
                .get("isApiErrorMessage")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        if synthetic {
            self.flush_text();
            return self.skip("assistant:synthetic");
        }
        let message_id = message
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let same_message = matches!(
            (&self.pending, &message_id),
            (Some(PendingText { message_id: Some(a), .. }), Some(b)) if a == b
        );
        if !same_message {
            self.flush_text();
        }
        let content = message.and_then(|m| m.get("content"));
        match content {
            Some(Value::String(s)) => self.text(s, &message_id, key, 0, occurred_at),
            Some(Value::Array(blocks)) => {
                for (i, block) in blocks.iter().enumerate() {
                    match block.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            let t = block.get("text").and_then(Value::as_str).unwrap_or("");
                            self.text(t, &message_id, key, i, occurred_at);
                        }
                        Some("thinking" | "redacted_thinking") => self.skip("assistant:thinking"),
                        Some("tool_use" | "server_tool_use") => {
                            self.flush_text();
                            self.tool_use(block, occurred_at);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn text(
        &mut self,
        text: &str,
        message_id: &Option<String>,
        key: &str,
        block: usize,
        occurred_at: Option<OffsetDateTime>,
    ) {
        let text = text.trim();
        if text.is_empty() || text == "(no content)" {
            return;
        }
        match &mut self.pending {
            Some(p) => {
                p.text.push_str("\n\n");
                p.text.push_str(text);
            }
            None => {
                self.pending = Some(PendingText {
                    message_id: message_id.clone(),
                    origin: Origin {
                        record: key.to_string(),
                        block,
                    },
                    text: text.to_string(),
                    occurred_at,
                })
            }
        }
    }

    fn flush_text(&mut self) {
        if let Some(p) = self.pending.take() {
            self.push(
                EventPayload::AssistantMessage { text: p.text },
                p.origin,
                p.occurred_at,
            );
        }
    }

    fn tool_use(&mut self, block: &Value, occurred_at: Option<OffsetDateTime>) {
        let Some(id) = block
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            return self.skip("tool_use:no-id");
        };
        if self.tools.contains_key(id) {
            return self.skip("duplicate");
        }
        let tool_name = block
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let input = block.get("input").cloned().unwrap_or(Value::Null);
        self.tools.insert(id.to_string(), self.out.events.len());
        self.out.events.push(TranscriptEvent {
            payload: EventPayload::ToolUse {
                tool_name,
                input,
                output: None,
                error: None,
                tool_use_id: Some(id.to_string()),
            },
            external_id: id.to_string(),
            occurred_at,
        });
    }

    /// Flushes pending text and gives every non-tool event its external id.
    fn finish(mut self) -> Transcript {
        self.flush_text();
        let mut per_record: HashMap<&str, usize> = HashMap::new();
        for origin in self.origins.values() {
            *per_record.entry(origin.record.as_str()).or_insert(0) += 1;
        }
        let mut used: HashSet<String> = self
            .out
            .events
            .iter()
            .filter(|e| !e.external_id.is_empty())
            .map(|e| e.external_id.clone())
            .collect();
        for (index, event) in self.out.events.iter_mut().enumerate() {
            let Some(origin) = self.origins.get(&index) else {
                continue;
            };
            let mut id = if per_record.get(origin.record.as_str()).copied() > Some(1) {
                format!("{}#{}", origin.record, origin.block)
            } else {
                origin.record.clone()
            };
            let mut n = 1;
            while used.contains(&id) {
                n += 1;
                id = format!("{}#{}~{n}", origin.record, origin.block);
            }
            used.insert(id.clone());
            event.external_id = id;
        }
        self.out
    }
}

fn timestamp(record: &Value) -> Option<OffsetDateTime> {
    let s = record.get("timestamp")?.as_str()?;
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// The text of a tool result's content: a string, or its text blocks joined by newlines
/// (other blocks, such as images, become `[image]`-style markers). `<system-reminder>` spans
/// are removed.
fn result_text(content: Option<&Value>) -> String {
    let raw = match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item.get("type").and_then(Value::as_str) {
                Some("text") => item.get("text").and_then(Value::as_str).map(str::to_string),
                Some(other) => Some(format!("[{other}]")),
                None => item.as_str().map(str::to_string),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    strip_system_reminders(&raw).trim_end().to_string()
}

/// Removes `<system-reminder>...</system-reminder>` spans (an unclosed one runs to the end).
fn strip_system_reminders(text: &str) -> String {
    const OPEN: &str = "<system-reminder>";
    const CLOSE: &str = "</system-reminder>";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        match after.find(CLOSE) {
            Some(end) => rest = &after[end + CLOSE.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text between `<tag>` and `</tag>`, if present.
fn tag_content<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find(&close)?;
    Some(&text[start..start + len])
}

/// Cleans a candidate user prompt, or says why it is not one (the `skipped` key).
fn clean_prompt(raw: &str) -> std::result::Result<String, &'static str> {
    let text = strip_system_reminders(raw);
    let text = text.trim();
    if text.is_empty() {
        return Err("user:empty");
    }
    if text.contains("<command-name>") || text.starts_with("<command-message>") {
        let name = tag_content(text, "command-name").unwrap_or("").trim();
        let args = tag_content(text, "command-args").unwrap_or("").trim();
        if name.is_empty() {
            return Err("user:command");
        }
        let name = if name.starts_with('/') {
            name.to_string()
        } else {
            format!("/{name}")
        };
        // A command without arguments is kept too: it ends the request before it, so that the
        // reply to `/commit` is never taken for the reply to a real request.
        return Ok(if args.is_empty() {
            name
        } else {
            format!("{name} {args}")
        });
    }
    const OUTPUT_TAGS: [&str; 7] = [
        "<local-command-stdout>",
        "<local-command-stderr>",
        "<local-command-caveat>",
        "<bash-input>",
        "<bash-stdout>",
        "<bash-stderr>",
        "<task-notification>",
    ];
    // What the host wrapped around the prompt (an IDE's opened file or selection...) is not
    // the user's words.
    let stripped = strip_host_tags(text);
    if OUTPUT_TAGS
        .iter()
        .any(|t| text.starts_with(t) || stripped.starts_with(t))
    {
        return Err("user:command-output");
    }
    if stripped.is_empty() {
        return Err("user:empty");
    }
    if stripped.starts_with("[Request interrupted by user") {
        return Err("user:interrupted");
    }
    if stripped.starts_with("This session is being continued from a previous conversation") {
        return Err("user:compact-summary");
    }
    Ok(stripped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Transcript {
        match parse_transcript(text.as_bytes()) {
            Ok(t) => t,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    const USER: &str = r#"{"type":"user","uuid":"u1","sessionId":"s1","cwd":"/p","gitBranch":"main","timestamp":"2026-01-21T06:19:38.056Z","message":{"role":"user","content":"Fix the bug"}}"#;

    #[test]
    fn string_prompt_becomes_user_prompt_with_session_metadata() {
        let t = parse(USER);
        assert_eq!(t.events.len(), 1);
        assert_eq!(
            t.events[0].payload,
            EventPayload::UserPrompt {
                text: "Fix the bug".into()
            }
        );
        assert_eq!(t.events[0].external_id, "u1");
        assert_eq!(t.session_id.as_deref(), Some("s1"));
        assert_eq!(t.cwd.as_deref(), Some("/p"));
        assert_eq!(t.git_branch.as_deref(), Some("main"));
        assert!(t.started_at.is_some());
        assert_eq!(t.lines, 1);
    }

    #[test]
    fn tool_use_is_paired_with_its_result_at_the_tool_use_position() {
        let text = [
            r#"{"type":"assistant","uuid":"a1","message":{"id":"m1","content":[{"type":"text","text":"Let me look."}]}}"#,
            r#"{"type":"assistant","uuid":"a2","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/p/x"}}]}}"#,
            r#"{"type":"assistant","uuid":"a3","message":{"id":"m1","content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"command":"false"}}]}}"#,
            r#"{"type":"user","uuid":"u2","message":{"content":[{"type":"tool_result","tool_use_id":"t2","content":"Exit code 1","is_error":true}]}}"#,
            r#"{"type":"user","uuid":"u3","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"line one"},{"type":"text","text":"line two<system-reminder>noise</system-reminder>"}]}]}}"#,
        ]
        .join("\n");
        let t = parse(&text);
        assert_eq!(t.events.len(), 3);
        assert_eq!(t.events[0].external_id, "a1");
        match &t.events[1].payload {
            EventPayload::ToolUse {
                tool_name,
                output,
                error,
                tool_use_id,
                input,
            } => {
                assert_eq!(tool_name, "Read");
                assert_eq!(output.as_deref(), Some("line one\nline two"));
                assert_eq!(error, &None);
                assert_eq!(tool_use_id.as_deref(), Some("t1"));
                assert_eq!(input["file_path"], "/p/x");
            }
            other => panic!("unexpected {other:?}"),
        }
        match &t.events[2].payload {
            EventPayload::ToolUse { output, error, .. } => {
                assert_eq!(output, &None);
                assert_eq!(error.as_deref(), Some("Exit code 1"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(t.events[2].external_id, "t2");
    }

    #[test]
    fn tool_use_without_result_is_still_emitted() {
        let t = parse(
            r#"{"type":"assistant","uuid":"a1","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"sleep 100"}}]}}"#,
        );
        assert!(matches!(
            &t.events[0].payload,
            EventPayload::ToolUse {
                output: None,
                error: None,
                ..
            }
        ));
    }

    #[test]
    fn consecutive_text_of_one_message_is_merged_and_thinking_skipped() {
        let text = [
            r#"{"type":"assistant","uuid":"a1","message":{"id":"m1","content":[{"type":"thinking","thinking":"hmm","signature":"x"}]}}"#,
            r#"{"type":"assistant","uuid":"a2","message":{"id":"m1","content":[{"type":"text","text":"First."}]}}"#,
            r#"{"type":"assistant","uuid":"a3","message":{"id":"m1","content":[{"type":"text","text":"Second."}]}}"#,
            r#"{"type":"assistant","uuid":"a4","message":{"id":"m2","content":[{"type":"text","text":"Other message."}]}}"#,
        ]
        .join("\n");
        let t = parse(&text);
        assert_eq!(t.events.len(), 2);
        assert_eq!(
            t.events[0].payload,
            EventPayload::AssistantMessage {
                text: "First.\n\nSecond.".into()
            }
        );
        assert_eq!(t.events[0].external_id, "a2");
        assert_eq!(t.events[1].external_id, "a4");
        assert_eq!(t.skipped.get("assistant:thinking"), Some(&1));
    }

    #[test]
    fn one_record_with_several_events_keys_them_by_block() {
        let t = parse(
            r#"{"type":"assistant","uuid":"a1","message":{"id":"m1","content":[{"type":"text","text":"Before."},{"type":"tool_use","id":"t1","name":"Bash","input":{}},{"type":"text","text":"After."}]}}"#,
        );
        let ids: Vec<&str> = t.events.iter().map(|e| e.external_id.as_str()).collect();
        assert_eq!(ids, ["a1#0", "t1", "a1#2"]);
    }

    #[test]
    fn noise_user_records_are_counted_not_emitted() {
        let text = [
            r#"{"type":"user","uuid":"u1","isMeta":true,"message":{"content":"Stop hook feedback"}}"#,
            r#"{"type":"user","uuid":"u2","message":{"content":"<command-message>x</command-message>"}}"#,
            r#"{"type":"user","uuid":"u3","message":{"content":"<local-command-stdout>done</local-command-stdout>"}}"#,
            r#"{"type":"user","uuid":"u4","message":{"content":[{"type":"text","text":"[Request interrupted by user]"}]}}"#,
            r#"{"type":"user","uuid":"u5","message":{"content":"<system-reminder>only a reminder</system-reminder>"}}"#,
            r#"{"type":"user","uuid":"u6","isSidechain":true,"message":{"content":"Explore the code"}}"#,
            r#"{"type":"user","uuid":"u7","isCompactSummary":true,"message":{"content":"Summary"}}"#,
            r#"{"type":"user","uuid":"u8","message":{"content":"<command-name>/review</command-name><command-args>the parser</command-args>"}}"#,
            r#"{"type":"queue-operation","operation":"dequeue"}"#,
            r#"{"type":"summary","summary":"x"}"#,
            r#"{"type":"file-history-snapshot"}"#,
        ]
        .join("\n");
        let t = parse(&text);
        assert_eq!(t.events.len(), 1);
        assert_eq!(
            t.events[0].payload,
            EventPayload::UserPrompt {
                text: "/review the parser".into()
            }
        );
        // A command without arguments is a prompt too: it ends the request before it.
        let bare = parse(
            r#"{"type":"user","uuid":"c1","message":{"content":"<command-name>/commit</command-name>\n<command-message>commit</command-message>\n<command-args></command-args>"}}"#,
        );
        assert_eq!(
            bare.events[0].payload,
            EventPayload::UserPrompt {
                text: "/commit".into()
            }
        );
        for key in [
            "user:meta",
            "user:command",
            "user:command-output",
            "user:interrupted",
            "user:empty",
            "user:sidechain",
            "user:compact-summary",
            "queue-operation",
            "summary",
            "file-history-snapshot",
        ] {
            assert_eq!(t.skipped.get(key), Some(&1), "{key}");
        }
    }

    #[test]
    fn bad_lines_are_recorded_and_parsing_continues() {
        let text = format!("not json\n\n[1,2]\n{{\"no\":\"type\"}}\n{USER}\n");
        let t = parse(&text);
        assert_eq!(t.events.len(), 1);
        let lines: Vec<usize> = t.bad_lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [1, 3, 4]);
        assert_eq!(t.lines, 5);
    }

    #[test]
    fn invalid_utf8_is_a_bad_line() {
        let mut bytes = b"\xff\xfe\n".to_vec();
        bytes.extend_from_slice(USER.as_bytes());
        let t = parse_transcript(&bytes[..]).unwrap_or_default();
        assert_eq!(t.bad_lines.len(), 1);
        assert_eq!(t.events.len(), 1);
    }

    #[test]
    fn duplicate_records_and_tool_ids_are_kept_once() {
        let tool = r#"{"type":"assistant","uuid":"a1","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]}}"#;
        let tool_again = r#"{"type":"assistant","uuid":"a2","message":{"id":"m2","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]}}"#;
        let t = parse(&[USER, USER, tool, tool_again].join("\n"));
        assert_eq!(t.events.len(), 2);
        assert_eq!(t.skipped.get("duplicate"), Some(&2));
    }

    #[test]
    fn unmatched_tool_result_is_counted() {
        let t = parse(
            r#"{"type":"user","uuid":"u1","message":{"content":[{"type":"tool_result","tool_use_id":"nope","content":"x"}]}}"#,
        );
        assert!(t.events.is_empty());
        assert_eq!(t.skipped.get("tool_result:unmatched"), Some(&1));
    }

    #[test]
    fn synthetic_assistant_messages_are_skipped() {
        let t = parse(
            r#"{"type":"assistant","uuid":"a1","message":{"model":"<synthetic>","id":"m1","content":[{"type":"text","text":"API Error: 500"}]}}"#,
        );
        assert!(t.events.is_empty());
        assert_eq!(t.skipped.get("assistant:synthetic"), Some(&1));
    }

    #[test]
    fn a_chunk_starts_at_an_offset_and_stops_before_an_unterminated_line() {
        let text = format!("{USER}\n{USER}");
        let chunk = parse_transcript_chunk(text.as_bytes(), 100, None).unwrap_or_default();
        assert_eq!(chunk.transcript.events.len(), 1);
        assert_eq!(chunk.end, 100 + USER.len() as u64 + 1);
        assert!(chunk.incomplete_tail && !chunk.more);
        let budget = parse_transcript_chunk(format!("{USER}\n{USER}\n").as_bytes(), 0, Some(1))
            .unwrap_or_default();
        assert_eq!(budget.transcript.lines, 1);
        assert!(budget.more && !budget.incomplete_tail);
    }

    #[test]
    fn host_tags_leave_prompts() {
        assert_eq!(
            clean_prompt("<ide_opened_file>opened a.rs</ide_opened_file>\nFix it"),
            Ok("Fix it".to_string())
        );
        assert_eq!(
            clean_prompt("<ide_selection>x</ide_selection>"),
            Err("user:empty")
        );
        assert_eq!(
            clean_prompt("<local-command-stdout>ok</local-command-stdout>"),
            Err("user:command-output")
        );
    }

    #[test]
    fn fingerprints_ignore_whitespace() {
        assert_eq!(text_fingerprint("A\n\nB "), text_fingerprint("A B"));
        assert_ne!(text_fingerprint("A B"), text_fingerprint("AB"));
        assert_eq!(
            last_message_key(None, "done"),
            format!("stop:-:{}", text_fingerprint("done"))
        );
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for line in [
            r#"{"type":"user"}"#,
            r#"{"type":"user","message":null}"#,
            r#"{"type":"user","message":{"content":[1,null,{"type":"tool_result"}]}}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use"}]}}"#,
            r#"{"type":"assistant","message":{"content":"plain"}}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":5}]}}"#,
            r#"{"type":7}"#,
            r#"{"type":"user","timestamp":"yesterday","message":{"content":"<system-reminder>open"}}"#,
            r#"{"type":"user","message":{"content":"<command-name>"}}"#,
        ] {
            let _ = parse(line);
        }
    }
}
