//! `memcore hook <Event>`: what Claude Code runs at each hook event.
//!
//! A hook reads the event's JSON on stdin, records what it carries, and, where context
//! applies, prints `{"hookSpecificOutput": {"hookEventName": ..., "additionalContext": ...}}`:
//!
//! | event | records | answers with |
//! |---|---|---|
//! | `SessionStart` | starts (or reopens) the session | the project's context: last summary, relevant observations |
//! | `UserPromptSubmit` | the assistant's words since the last read of the transcript (at most [`PROMPT_READ_BYTES`]), then the prompt | memories relevant to the prompt, above the relevance threshold, within the prompt budget; nothing when none is |
//! | `PostToolUse` | the tool call: name, input, output (`tool_use_id` is the idempotency key) | — |
//! | `PostToolUseFailure` | the tool call with its error | — |
//! | `Stop` | `last_assistant_message`, unless the transcript already gave it; starts a detached extractor that first reads the transcript | — |
//! | `PreCompact` | starts a detached extractor that first reads the transcript | — |
//! | `SessionEnd` | ends the session; starts a detached extractor that first reads the transcript and last writes the session's summary | — |
//!
//! # The transcript: the assistant's words
//!
//! Hook payloads carry prompts and tool calls, not what the assistant says between them (its
//! explanations, the reasons for its choices, a turn's wrap-up). Those are read from the
//! session's transcript (`transcript_path`, Claude Code's JSONL) by
//! [`memcore::Memory::read_transcript`], from where the session's last read ended: each text
//! message with its record's time, keyed by its record's id, so that reading again adds
//! nothing; thinking, prompts and tool calls are left to the hooks. Reading happens only where
//! it does not hold the agent up: in the detached extractor that Stop, PreCompact and
//! SessionEnd start (`memcore extract --session ID --transcript PATH`, before extracting), and
//! in UserPromptSubmit, where the delta is the previous turn, so its words are stored before
//! the prompt's context is computed. PostToolUse and SessionStart never read it. A transcript
//! that is missing, cut, rewritten or malformed is logged; what is stored stays (see
//! `memcore::capture::ingest` for the read position). `/dev/null` (and no path) means no
//! transcript, silently.
//!
//! **The Stop hook's `last_assistant_message` is stored once.** Stop fires before Claude Code
//! may have written that message to the transcript, so Stop records it at once, under
//! `stop:<prompt_id>:<fingerprint of its text>` ([`memcore::capture::transcript::last_message_key`]);
//! a transcript message with the same text (whitespace aside) is then counted as already
//! stored instead of recorded, and when the transcript gave the message first, Stop records
//! nothing.
//!
//! A session missing from the store (Claude Code was running before memcore was installed)
//! is started by whichever hook sees it first. The project is `memcore::resolve_project` of
//! `--project` (or `$MEMCORE_PROJECT`) and the hook's `cwd`.
//!
//! **A hook never blocks or breaks the agent.** It always exits 0; input that is empty, not
//! JSON, larger than [`MAX_INPUT_BYTES`], of another event, or missing what the event needs
//! is logged (`memcore.log` in the data directory) and nothing is stored; so is any error of
//! the store, and even a panic. Fields it does not know are ignored. Stdout carries the JSON
//! answer or nothing. A store error also leaves a trace that survives a full disk
//! ([`crate::failed`]): the next SessionStart whose store works mentions it at the top of its
//! context, and a SessionStart whose store cannot be used answers that the session is not
//! being recorded.

use crate::cli::Global;
use crate::config::Settings;
use crate::extractor;
use crate::log::Log;
use crate::paths::Paths;
use memcore::capture::TranscriptRead;
use memcore::{ContextRequest, EventPayload, Memory, NewEvent, NewSession};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest hook input read; a larger one is logged and ignored. Claude Code middle-truncates
/// long errors itself, and memcore elides long tool output, so only a runaway tool response
/// comes near this.
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;
/// Most bytes of transcript UserPromptSubmit reads (whole lines; the rest is read next time):
/// a turn is usually far less, and the prompt waits on this read.
pub const PROMPT_READ_BYTES: u64 = 2 * 1024 * 1024;
/// The agent name sessions are recorded under.
pub const AGENT: &str = "claude-code";
/// The events `memcore hook` handles.
pub const EVENTS: [&str; 7] = [
    "SessionStart",
    "UserPromptSubmit",
    "PostToolUse",
    "PostToolUseFailure",
    "PreCompact",
    "Stop",
    "SessionEnd",
];

/// Runs the hook for `event` and returns what to print on stdout (possibly nothing). Never
/// fails: every problem goes to the log.
pub fn run(event: &str, global: &Global) -> Option<String> {
    let paths = Paths::resolve(global.db.as_deref()).ok();
    let log = match &paths {
        Some(p) => Log::new(p.log_file(), format!("hook {event}")),
        None => Log::disabled(),
    };
    let Some(paths) = paths else {
        log.line("no store path: set MEMCORE_DB or HOME");
        return None;
    };
    let panic_log = log.clone();
    std::panic::set_hook(Box::new(move |info| {
        panic_log.line(format!("internal error (please report): {info}"));
    }));
    let outcome = std::panic::catch_unwind(|| {
        if !EVENTS.contains(&event) {
            return Err(Some(format!(
                "memcore does not handle this event; ignored (it handles {})",
                EVENTS.join(", ")
            )));
        }
        let input = read_input(std::io::stdin().lock())?;
        handle(event, &input, global, &paths, &log)
    });
    match outcome {
        Ok(Ok(answer)) => answer,
        Ok(Err(skip)) => skipped(event, skip, &paths, &log),
        Err(_) => None, // the panic hook logged it
    }
}

/// Handles one event on a store that is already open: what `memcore mcp` does when Claude
/// Code calls its hook tool (an `mcp_tool` hook), so that no process starts. The same checks,
/// records, keys and answers as [`run`]; `explicit_project` is the server's `--project` or
/// `$MEMCORE_PROJECT`. Returns the text to answer with (possibly empty); `Err` only when the
/// store failed (logged and kept as a failed write, as a process hook does), so that the host
/// sees a failed call.
pub fn serve(
    memory: &Memory,
    event: &str,
    input: Map<String, Value>,
    explicit_project: Option<&str>,
    paths: &Paths,
    log: &Log,
) -> Result<String, String> {
    if !EVENTS.contains(&event) {
        let reason = format!(
            "memcore does not handle the event {event:?}; ignored (it handles {})",
            EVENTS.join(", ")
        );
        log.line(&reason);
        return Ok(String::new());
    }
    let input = match untemplate(input) {
        Ok(input) => input,
        Err(reason) => {
            log.line(&reason);
            return Ok(String::new());
        }
    };
    let input = Input(&input);
    let outcome = check(event, &input).and_then(|checked| {
        let project = hook_project(explicit_project, &input);
        respond(
            memory,
            event,
            &checked,
            &input,
            &project,
            || true,
            paths,
            log,
        )
    });
    match outcome {
        Ok(answer) => Ok(answer.unwrap_or_default()),
        Err(skip) => {
            let store_error = skip.as_deref().is_some_and(|r| r.starts_with(STORE_ERROR));
            let answer = skipped(event, skip.clone(), paths, log).unwrap_or_default();
            match skip {
                Some(reason) if store_error => Err(reason),
                _ => Ok(answer),
            }
        }
    }
}

/// The fields an `mcp_tool` hook gives as text, as the hook's JSON has them: Claude Code
/// substitutes `${field}` into string values only, so an object (`tool_input`) arrives as its
/// JSON text, and a flag as `"true"`. A value that is not JSON stays text. One that names no
/// value (`"[object Object]"`, what JavaScript makes of an object) refuses the event: stored
/// without its input, the call could not be completed later, while the transcript's copy,
/// read at the end of the turn under the same key, is whole.
fn untemplate(mut input: Map<String, Value>) -> Result<Map<String, Value>, String> {
    for key in ["tool_input", "tool_response", "error"] {
        let Some(Value::String(text)) = input.get(key) else {
            continue;
        };
        let trimmed = text.trim_start();
        if text == "[object Object]" {
            return Err(format!(
                "the hook tool got {key} as {text:?}, not its JSON; not recorded now (the \
                 transcript's copy is read at the end of the turn)"
            ));
        }
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(value) = serde_json::from_str::<Value>(text)
        {
            input.insert(key.to_owned(), value);
        }
    }
    if let Some(Value::String(flag)) = input.get("is_interrupt") {
        let flag = flag.trim() == "true";
        input.insert("is_interrupt".to_owned(), Value::Bool(flag));
    }
    Ok(input)
}

/// Logs why a hook stopped early; a store error also leaves a trace that survives a full disk
/// (see `crate::failed`), and a starting session is told at once (the answer returned).
fn skipped(event: &str, skip: Skip, paths: &Paths, log: &Log) -> Option<String> {
    let reason = skip?;
    log.line(&reason);
    let error = reason.strip_prefix(STORE_ERROR)?;
    crate::failed::record(paths, event, error);
    (event == "SessionStart").then(|| {
        let note = format!(
            "**memcore cannot use its memory store** ({}): this session is not being \
             recorded. Tell the user to run `memcore doctor`.\n",
            render_line(error)
        );
        answer_raw(event, &note)
    })
}

/// Why a hook stopped early: a message for the log, or `None` when there is nothing to say.
type Skip = Option<String>;

/// Reads and checks the hook input: one JSON object, at most [`MAX_INPUT_BYTES`].
fn read_input(reader: impl Read) -> Result<Map<String, Value>, Skip> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Some(format!("cannot read the hook input: {e}; ignored")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Some(format!(
            "hook input larger than {} MiB; ignored",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Some("empty hook input; ignored".to_owned()));
    }
    // A lone surrogate escape (a string cut inside an emoji by JavaScript) is read as U+FFFD
    // rather than losing the whole event.
    match memcore::capture::json::parse_lenient(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Some(format!(
            "hook input is JSON but not an object ({}); ignored",
            json_type(&other)
        ))),
        Err(e) => Err(Some(format!(
            "hook input is not JSON ({e}); ignored: {}",
            quote(&String::from_utf8_lossy(&bytes[..bytes.len().min(120)]))
        ))),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short quote of `text` for the log, redacted (the input is outside text: it may hold a
/// secret, or the cut start of one).
fn quote(text: &str) -> String {
    let cut = memcore::capture::redact::redact_excerpt(text, 80);
    format!("{cut:?}")
}

/// The fields of a hook input, every one optional.
struct Input<'a>(&'a Map<String, Value>);

impl<'a> Input<'a> {
    /// A non-empty string field.
    fn text(&self, key: &str) -> Option<&'a str> {
        self.0
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// An id field: a non-empty string, or a number as its decimal text (so that a host
    /// sending numeric ids keeps idempotency).
    fn id(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::Number(n) => Some(n.to_string()),
            _ => self.text(key).map(str::to_owned),
        }
    }

    /// A field of any type.
    fn value(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }
}

/// What an event carries, checked before anything is opened, so that bad input stores
/// nothing.
struct Checked<'a> {
    session_id: &'a str,
    payload: Option<EventPayload>,
}

/// Checks the input of `event`: of this event, with a session, and with what the event needs.
fn check<'a>(event: &str, input: &Input<'a>) -> Result<Checked<'a>, Skip> {
    if let Some(named) = input.text("hook_event_name")
        && named != event
    {
        return Err(Some(format!(
            "input is of event {named:?}, not {event}; ignored (check the hook command)"
        )));
    }
    let Some(session_id) = input.text("session_id") else {
        return Err(Some("input has no session_id; ignored".to_owned()));
    };
    let payload = match event {
        "UserPromptSubmit" => match input.text("prompt") {
            Some(text) => Some(EventPayload::UserPrompt { text: text.into() }),
            None => return Err(Some("input has no prompt; ignored".into())),
        },
        "PostToolUse" | "PostToolUseFailure" => Some(tool_payload(event, input)?),
        _ => None,
    };
    Ok(Checked {
        session_id,
        payload,
    })
}

/// Handles one event in a process of its own; `Ok(Some(json))` is the answer to print.
fn handle(
    event: &str,
    input: &Map<String, Value>,
    global: &Global,
    paths: &Paths,
    log: &Log,
) -> Result<Option<String>, Skip> {
    let input = Input(input);
    let checked = check(event, &input)?;
    let settings = Settings::load(paths);
    if event == "SessionStart" {
        // Once per session is enough to be seen (doctor shows them too).
        for warning in &settings.warnings {
            log.line(warning);
        }
    }
    let mut config = settings.memory.clone();
    // PostToolUse fires on every tool call and must return at once: its event's conversation
    // row is written by the next prompt's recall or the extractor instead.
    config.defer_conversation_index |= matches!(event, "PostToolUse" | "PostToolUseFailure");
    let memory = Memory::open_with(&paths.db, config).map_err(failed)?;
    let explicit = global
        .project
        .clone()
        .or_else(|| std::env::var("MEMCORE_PROJECT").ok());
    let project = hook_project(explicit.as_deref(), &input);
    respond(
        &memory,
        event,
        &checked,
        &input,
        &project,
        mcp_registered,
        paths,
        log,
    )
}

/// Records what `event` carries on an open store and computes its answer; `mcp` tells whether
/// the agent has memcore's MCP tools (the answer says how to get more with them), asked only
/// when there is an answer.
#[allow(clippy::too_many_arguments)]
fn respond(
    memory: &Memory,
    event: &str,
    checked: &Checked<'_>,
    input: &Input<'_>,
    project: &str,
    mcp: fn() -> bool,
    paths: &Paths,
    log: &Log,
) -> Result<Option<String>, Skip> {
    let session_id = checked.session_id;
    let session = if event == "SessionStart" {
        memory
            .start_session(NewSession::new(session_id, project, AGENT))
            .map_err(failed)?
    } else {
        match memory.session(session_id).map_err(failed)? {
            Some(session) => session,
            None => memory
                .start_session(NewSession::new(session_id, project, AGENT))
                .map_err(failed)?,
        }
    };
    let transcript = transcript_path(input);
    if event == "UserPromptSubmit"
        && let Some(path) = &transcript
    {
        // The previous turn's words, before the prompt (and before its context).
        read_transcript(memory, session_id, path, Some(PROMPT_READ_BYTES), log);
    }
    if let Some(payload) = &checked.payload {
        let mut new = NewEvent::new(session_id, payload.clone());
        new.external_id = external_id(event, input);
        memory.record_event(new).map_err(failed)?;
    }
    if event == "Stop"
        && let Some(text) = input.text("last_assistant_message")
    {
        memory
            .record_last_assistant_message(session_id, input.text("prompt_id"), text)
            .map_err(failed)?;
    }
    // The detached extractor reads the transcript first.
    let mut extract_args = Vec::new();
    if let Some(path) = &transcript {
        extract_args.extend([
            "--session".to_owned(),
            session_id.to_owned(),
            "--transcript".to_owned(),
            path.to_string_lossy().into_owned(),
        ]);
    }
    match event {
        "SessionStart" => {
            let context = memory
                .context(&ContextRequest::session_start(&session.project))
                .map_err(failed)?;
            keep_injection(memory, &session, event, None, &context, log);
            // Hook writes that failed earlier (a full disk...): said once, at the top.
            match crate::failed::take_unreported(paths) {
                Some(note) if context.text.trim().is_empty() => Some(answer_raw(event, &note)),
                Some(note) => answer(event, &format!("{note}{}", context.text), mcp),
                None => answer(event, &context.text, mcp),
            }
            .map_or(Ok(None), |a| Ok(Some(a)))
        }
        "UserPromptSubmit" => {
            // The prompt as stored: a huge paste is searched by its head and tail only.
            let prompt = input.text("prompt").unwrap_or_default();
            let prompt =
                memcore::capture::truncate::elide_middle(prompt, memory.config().max_text_bytes);
            let context = memory
                .context(
                    &ContextRequest::prompt(&session.project, prompt.as_ref()).session(session_id),
                )
                .map_err(failed)?;
            keep_injection(memory, &session, event, Some(&prompt), &context, log);
            Ok(answer(event, &context.text, mcp))
        }
        "Stop" | "PreCompact" => {
            extractor::spawn_detached(paths, &extract_args, log);
            Ok(None)
        }
        "SessionEnd" => {
            memory.end_session(session_id).map_err(failed)?;
            extract_args.extend([
                "--wait".to_owned(),
                "--summarize".to_owned(),
                session_id.to_owned(),
            ]);
            extractor::spawn_detached(paths, &extract_args, log);
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Records what a context hook injects (nothing when the context is empty), for the viewer.
/// A failure is logged and the context still goes to the agent: the record is for the user,
/// the context is for the session.
fn keep_injection(
    memory: &Memory,
    session: &memcore::Session,
    event: &str,
    query: Option<&str>,
    context: &memcore::Context,
    log: &Log,
) {
    if context.text.trim().is_empty() {
        return;
    }
    let injection = memcore::NewInjection {
        session_id: session.id.clone(),
        project: session.project.clone(),
        event: event.to_owned(),
        query: query.map(str::to_owned),
        observation_ids: context.observation_ids.clone(),
        event_ids: context.record_ids.clone(),
        tokens: context.tokens,
        budget: context.budget,
    };
    if let Err(e) = memory.record_injection(injection) {
        log.line(format!("{event}: the injection was not recorded: {e}"));
    }
}

/// How the log line of a store error starts (such errors are also recorded as failed writes).
const STORE_ERROR: &str = "store error: ";

/// A store error, for the log.
fn failed(e: memcore::Error) -> Skip {
    Some(format!("{STORE_ERROR}{e}"))
}

/// `text` on one line, at most 200 characters.
fn render_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

/// The project of a hook: `explicit` (`--project` or `$MEMCORE_PROJECT`) when set, else the
/// resolver on the input's `cwd` (or the process's working directory).
fn hook_project(explicit: Option<&str>, input: &Input<'_>) -> String {
    let cwd = input
        .text("cwd")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    memcore::resolve_project(explicit, &cwd)
}

/// The tool call a PostToolUse or PostToolUseFailure input describes.
fn tool_payload(event: &str, input: &Input<'_>) -> Result<EventPayload, Skip> {
    let Some(tool_name) = input.text("tool_name") else {
        return Err(Some("input has no tool_name; ignored".to_owned()));
    };
    let tool_input = input.value("tool_input").cloned().unwrap_or(Value::Null);
    let (output, error) = if event == "PostToolUseFailure" {
        let mut error = input
            .value("error")
            .map(stringify)
            .unwrap_or_else(|| "the tool failed".to_owned());
        if input.value("is_interrupt").and_then(Value::as_bool) == Some(true) {
            error = format!("interrupted by the user: {error}");
        }
        (None, Some(error))
    } else {
        (input.value("tool_response").map(stringify), None)
    };
    Ok(EventPayload::ToolUse {
        tool_name: tool_name.to_owned(),
        input: tool_input,
        output,
        error,
        tool_use_id: input.id("tool_use_id"),
    })
}

/// A tool response as text: strings as they are, anything else as compact JSON.
fn stringify(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The idempotency key of an event: the tool-use id for tool calls (the payload's default),
/// the prompt id for prompts. (Stop's assistant message is keyed by the core:
/// [`memcore::capture::transcript::last_message_key`].)
fn external_id(event: &str, input: &Input<'_>) -> Option<String> {
    match event {
        "UserPromptSubmit" => input.id("prompt_id").map(|id| format!("prompt:{id}")),
        _ => None,
    }
}

/// The session's transcript, when the input names one: not `/dev/null`, which stands for none.
fn transcript_path(input: &Input<'_>) -> Option<PathBuf> {
    input
        .text("transcript_path")
        .filter(|p| Path::new(p) != Path::new("/dev/null"))
        .map(PathBuf::from)
}

/// Reads the session's transcript from where its last read ended (at most `max_bytes`, when
/// given) and records the assistant's words; logs what went wrong (a transcript missing,
/// rewritten, with malformed lines). Never fails: what is stored stays, and the next read
/// tries again.
pub fn read_transcript(
    memory: &Memory,
    session_id: &str,
    path: &Path,
    max_bytes: Option<u64>,
    log: &Log,
) -> Option<TranscriptRead> {
    let read = match memory.read_transcript_with(session_id, path, max_bytes) {
        Ok(read) => read,
        Err(e) => {
            log.line(format!(
                "cannot read the transcript of session {session_id}: {e}; nothing stored \
                 changes, the next hook tries again"
            ));
            return None;
        }
    };
    if let Some(reason) = read.restarted {
        log.line(format!(
            "{reason} ({}): read again from the start for session {session_id}: {} new \
             messages, {} already stored",
            path.display(),
            read.added,
            read.already_stored
        ));
    }
    if let Some((line, reason)) = read.bad_lines.first() {
        log.line(format!(
            "{} unreadable lines in {} after byte {} (first: line {line} of the read: \
             {reason}); skipped",
            read.bad_lines.len(),
            path.display(),
            read.start
        ));
    }
    Some(read)
}

/// How the agent reaches the rest of memory, after a context (a few tokens), when memcore's
/// MCP server is not registered.
const MORE: &str = "`memcore show <id>` prints an observation's full record; \
                    `memcore search <words>` searches this project's memory.\n";
/// The same, when memcore's MCP server is registered: its tools, not a shell command.
const MORE_MCP: &str = "The memcore MCP tools give more: `get_observations` with ids from \
                        above (`c` ids too) for full records, `search` for anything else.\n";

/// The hook answer carrying `context` (and how to get more: with the MCP tools when `mcp`
/// says they are there, asked only then), or nothing when it is empty.
fn answer(event: &str, context: &str, mcp: impl FnOnce() -> bool) -> Option<String> {
    if context.trim().is_empty() {
        return None;
    }
    let more = if mcp() { MORE_MCP } else { MORE };
    Some(answer_raw(event, &format!("{context}{more}")))
}

/// Whether memcore's MCP server is registered for this session: in the user's
/// `~/.claude.json` or in the project's `.mcp.json` (hooks run in the project's folder), or
/// by the memcore plugin, enabled in the user's or the project's settings. The small files
/// first: `~/.claude.json` holds every project's history, often megabytes.
fn mcp_registered() -> bool {
    use crate::install::{SettingsScope, enabled_plugin, mcp};
    let plugin = |scope: SettingsScope| {
        scope
            .path()
            .is_ok_and(|path| enabled_plugin(&path).is_some())
    };
    let server =
        |scope: SettingsScope| mcp::config_path(scope).is_ok_and(|path| mcp::registered(&path));
    plugin(SettingsScope::User)
        || plugin(SettingsScope::Project)
        || server(SettingsScope::Project)
        || server(SettingsScope::User)
}

/// The hook answer carrying `context` as it is.
fn answer_raw(event: &str, context: &str) -> String {
    serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": event,
            "additionalContext": context,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<Map<String, Value>, Skip> {
        read_input(text)
    }

    #[test]
    fn bad_inputs_are_refused_with_a_reason() {
        for bad in [
            &b""[..],
            b"  \n",
            b"not json",
            b"[1,2]",
            b"\"text\"",
            b"{\"a\":",
        ] {
            let err = read(bad).unwrap_err();
            assert!(err.is_some(), "{bad:?}");
        }
        assert!(read(br#"{"session_id":"s"}"#).is_ok());
    }

    #[test]
    fn tool_responses_are_text() {
        let input = serde_json::json!({
            "tool_name": "Write",
            "tool_input": {"file_path": "/p/a.rs"},
            "tool_response": {"filePath": "/p/a.rs", "success": true},
            "tool_use_id": "toolu_1"
        });
        let map = input.as_object().unwrap();
        let EventPayload::ToolUse {
            output,
            tool_use_id,
            error,
            ..
        } = tool_payload("PostToolUse", &Input(map)).unwrap()
        else {
            panic!("tool use expected")
        };
        assert_eq!(
            output.as_deref(),
            Some(r#"{"filePath":"/p/a.rs","success":true}"#)
        );
        assert_eq!(tool_use_id.as_deref(), Some("toolu_1"));
        assert_eq!(error, None);
    }

    #[test]
    fn failures_keep_the_error() {
        let input = serde_json::json!({"tool_name": "Bash", "error": "Exit code 1\nboom",
                                       "is_interrupt": false});
        let EventPayload::ToolUse { output, error, .. } =
            tool_payload("PostToolUseFailure", &Input(input.as_object().unwrap())).unwrap()
        else {
            panic!("tool use expected")
        };
        assert_eq!(output, None);
        assert_eq!(error.as_deref(), Some("Exit code 1\nboom"));
    }

    #[test]
    fn answers_are_hook_json_or_nothing() {
        let unasked = || -> bool { panic!("an empty context asks nothing") };
        assert_eq!(answer("SessionStart", "  \n", unasked), None);
        let text = answer("UserPromptSubmit", "# Memory\n- x", || true).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "UserPromptSubmit");
        let context = v["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap();
        assert!(context.starts_with("# Memory\n- x"), "{context}");
        assert!(context.contains("get_observations"), "{context}");
    }

    #[test]
    fn prompt_keys_use_the_prompt_id() {
        let input = serde_json::json!({"prompt_id": "p1"});
        let input = Input(input.as_object().unwrap());
        assert_eq!(
            external_id("UserPromptSubmit", &input).as_deref(),
            Some("prompt:p1")
        );
        assert_eq!(external_id("PostToolUse", &input), None);
    }

    #[test]
    fn dev_null_is_no_transcript() {
        for (path, expected) in [
            (serde_json::json!("/dev/null"), None),
            (serde_json::json!(""), None),
            (serde_json::json!(null), None),
            (
                serde_json::json!("/t/s.jsonl"),
                Some(PathBuf::from("/t/s.jsonl")),
            ),
        ] {
            let input = serde_json::json!({ "transcript_path": path });
            assert_eq!(
                transcript_path(&Input(input.as_object().unwrap())),
                expected
            );
        }
    }
}
