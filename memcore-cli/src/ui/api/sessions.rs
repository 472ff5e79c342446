//! Projects, sessions, one session's timeline, and what memory injected into sessions.

use super::super::query::{ApiError, ApiResult, Query};
use super::super::server::Context;
use super::{MAX_LIMIT, scope};
use memcore::{EventPayload, ObservationFilter, Scope};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Most entries of each sort a session's timeline shows.
const TIMELINE_MAX: usize = 2_000;
/// Most characters of a tool's input or output shown in a timeline (the full event is in
/// the observation view's provenance).
const TOOL_TEXT_MAX: usize = 2_000;

/// Most sessions counted per project (a person's projects hold far fewer).
const SESSIONS_COUNTED: usize = 100_000;

/// `GET /api/projects`: each project with its counts. Not `stats`, which also counts events
/// and summaries: the landing page asks for this list, and at 100k observations the full
/// stats of a project cost about 50 ms.
pub fn projects(ctx: &Context<'_>) -> ApiResult<Value> {
    let memory = ctx.memory();
    let mut projects = Vec::new();
    for name in memory.projects()? {
        let filter = ObservationFilter {
            project: Some(name.clone()),
            ..ObservationFilter::default()
        };
        let observations = memory.count_observations(&filter)?;
        let sessions = memory
            .recent_sessions(&Scope::Project(name.clone()), SESSIONS_COUNTED)?
            .len();
        projects.push(json!({
            "name": name,
            "observations": observations,
            "sessions": sessions,
        }));
    }
    Ok(json!({ "projects": projects }))
}

/// `GET /api/sessions?project=&limit=`: newest first, each with its number of observations.
pub fn sessions(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let limit = q.number("limit", 50, 1, MAX_LIMIT)? as usize;
    let memory = ctx.memory();
    let mut out = Vec::new();
    for session in memory.recent_sessions(&scope(q.text("project")), limit)? {
        let filter = ObservationFilter {
            session_id: Some(session.id.clone()),
            ..ObservationFilter::default()
        };
        let count = memory.count_observations(&filter)?;
        let mut value = serde_json::to_value(&session).unwrap_or_else(|_| json!({}));
        if let Value::Object(map) = &mut value {
            map.insert("observations".to_owned(), json!(count));
        }
        out.push(value);
    }
    Ok(json!({ "sessions": out }))
}

/// `text` cut to `max` characters, marked when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!(
            "{}… ({} characters in all)",
            &text[..at],
            text.chars().count()
        ),
        None => text.to_owned(),
    }
}

/// `GET /api/sessions/{id}`: the session and its timeline, oldest first: prompts, tool
/// calls, assistant messages, notes, observations, summaries and injections.
pub fn session(ctx: &Context<'_>, id: &str) -> ApiResult<Value> {
    let memory = ctx.memory();
    let session = memory
        .session(id)?
        .ok_or_else(|| ApiError::not_found(format!("no session {id:?}")))?;
    let mut entries: Vec<(OffsetDateTime, Value)> = Vec::new();
    let events = memory.events(id, None)?;
    let truncated = events.len() > TIMELINE_MAX;
    for event in events.into_iter().take(TIMELINE_MAX) {
        let value = match &event.payload {
            EventPayload::UserPrompt { text } => {
                json!({"type": "prompt", "event_id": event.id, "text": text})
            }
            EventPayload::AssistantMessage { text } => {
                json!({"type": "assistant", "event_id": event.id, "text": text})
            }
            EventPayload::Note { text } => {
                json!({"type": "note", "event_id": event.id, "text": text})
            }
            EventPayload::ToolUse {
                tool_name,
                input,
                output,
                error,
                ..
            } => json!({
                "type": "tool_call",
                "event_id": event.id,
                "tool": tool_name,
                "input": shorten(&input.to_string(), TOOL_TEXT_MAX),
                "output": output.as_deref().map(|o| shorten(o, TOOL_TEXT_MAX)),
                "error": error.as_deref().map(|e| shorten(e, TOOL_TEXT_MAX)),
            }),
            // A payload type added later shows as its type name.
            #[allow(unreachable_patterns)]
            other => json!({"type": other.type_name(), "event_id": event.id}),
        };
        entries.push((event.occurred_at, value));
    }
    let filter = ObservationFilter {
        session_id: Some(id.to_owned()),
        ..ObservationFilter::default()
    };
    for obs in memory.list_observations(&filter, None, TIMELINE_MAX)?.items {
        entries.push((
            obs.created_at,
            json!({"type": "observation", "observation": obs}),
        ));
    }
    for summary in memory.session_summaries(id)? {
        entries.push((
            summary.created_at,
            json!({"type": "summary", "summary": summary}),
        ));
    }
    let injections = memory.injections(
        Some(id),
        &Scope::Project(session.project.clone()),
        TIMELINE_MAX,
    )?;
    for injection in &injections {
        entries.push((
            injection.at,
            json!({"type": "injection", "injection": injection}),
        ));
    }
    // Stable: at one time, events keep their order and come before what was made of them.
    entries.sort_by_key(|(at, _)| *at);
    let timeline: Vec<Value> = entries
        .into_iter()
        .map(|(at, mut value)| {
            if let Value::Object(map) = &mut value {
                map.insert(
                    "at".to_owned(),
                    json!(at.format(&Rfc3339).unwrap_or_default()),
                );
            }
            value
        })
        .collect();
    Ok(json!({
        "session": session,
        "timeline": timeline,
        "injections": injections,
        "truncated": truncated,
    }))
}

/// `GET /api/injections?session=&project=&limit=`: newest first.
pub fn injections(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let limit = q.number("limit", 100, 1, MAX_LIMIT)? as usize;
    let session = q.text("session");
    let injections =
        ctx.memory()
            .injections(session.as_deref(), &scope(q.text("project")), limit)?;
    Ok(json!({ "injections": injections }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_marks_what_it_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdé", 2), "ab… (5 characters in all)");
    }
}
