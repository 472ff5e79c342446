//! Every secret of the corpus (`secrets_corpus.rs`) through every way text enters a store:
//! `record_event` for each payload type and field, `add_observation` (what MCP `remember`
//! uses) for each field, `add_summary` for each field, `import_transcript`, and JSONL import
//! of each record type (event `last_error` and ledger `detail` included); then every text
//! and blob of every table of the store, read back with SQL, must hold no piece of any
//! secret. The look-alikes go the same ways and must leave no marker anywhere. The log
//! excerpt the command quotes invalid hook input with (`redact_excerpt`) is checked too.

#[path = "secrets_corpus.rs"]
#[allow(dead_code)]
mod corpus;

use memcore::{EventPayload, Memory, NewEvent, NewObservation, NewSession, NewSummary};
use serde_json::json;
use std::path::Path;

type Write = fn(&Memory, &str, &str, &Path) -> memcore::Result<()>;

const AT: &str = "2026-11-02T10:15:03Z";

fn session(mem: &Memory, id: &str) -> memcore::Result<()> {
    mem.start_session(NewSession::new(id, "acme", "claude-code"))
        .map(|_| ())
}

fn event(mem: &Memory, id: &str, payload: EventPayload) -> memcore::Result<()> {
    session(mem, id)?;
    mem.record_event(NewEvent {
        session_id: id.to_owned(),
        payload,
        external_id: None,
        occurred_at: None,
    })
    .map(|_| ())
}

fn tool(input: serde_json::Value, output: Option<&str>, error: Option<&str>) -> EventPayload {
    EventPayload::ToolUse {
        tool_name: "Bash".into(),
        input,
        output: output.map(str::to_owned),
        error: error.map(str::to_owned),
        tool_use_id: None,
    }
}

fn observation(
    mem: &Memory,
    id: &str,
    fill: impl FnOnce(&mut NewObservation),
) -> memcore::Result<()> {
    let mut new = NewObservation {
        project: Some("acme".into()),
        title: format!("observation {id}"),
        ..NewObservation::default()
    };
    fill(&mut new);
    mem.add_observation(new).map(|_| ())
}

fn summary(mem: &Memory, id: &str, fill: impl FnOnce(&mut NewSummary)) -> memcore::Result<()> {
    session(mem, id)?;
    let mut new = NewSummary {
        request: format!("request {id}"),
        ..NewSummary::default()
    };
    fill(&mut new);
    mem.add_summary(id, new).map(|_| ())
}

/// Writes a transcript of `lines` and imports it.
fn transcript(
    mem: &Memory,
    id: &str,
    dir: &Path,
    lines: &[serde_json::Value],
) -> memcore::Result<()> {
    let path = dir.join(format!("{id}.jsonl"));
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    mem.import_transcript(&path, Some("acme")).map(|_| ())
}

fn user_line(id: &str, content: serde_json::Value) -> serde_json::Value {
    json!({"type": "user", "uuid": format!("{id}-u"), "sessionId": id, "cwd": "/work/acme",
           "timestamp": AT, "message": {"role": "user", "content": content}})
}

fn assistant_line(id: &str, n: u32, content: serde_json::Value) -> serde_json::Value {
    json!({"type": "assistant", "uuid": format!("{id}-a{n}"), "sessionId": id,
           "timestamp": AT, "message": {"id": format!("{id}-m{n}"), "role": "assistant",
           "content": [content]}})
}

/// Imports a JSONL export of one session and `record`.
fn jsonl(mem: &Memory, id: &str, record: serde_json::Value) -> memcore::Result<()> {
    let lines = [
        json!({"format": "memcore-export", "format_version": 1, "schema_version": 2,
               "exported_at": AT}),
        json!({"type": "project", "name": "acme", "created_at": AT}),
        json!({"type": "session", "id": id, "project": "acme", "agent": "claude-code",
               "started_at": AT, "status": "ended"}),
        record,
    ];
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    mem.import_jsonl(std::io::Cursor::new(text.join("\n") + "\n"))
        .map(|_| ())
}

/// Every entry point: a name and how it writes `text` for session `id`.
fn entry_points() -> Vec<(&'static str, Write)> {
    vec![
        ("record_event user_prompt", |m, id, t, _| {
            event(m, id, EventPayload::UserPrompt { text: t.into() })
        }),
        ("record_event assistant_message", |m, id, t, _| {
            event(m, id, EventPayload::AssistantMessage { text: t.into() })
        }),
        ("record_event note", |m, id, t, _| {
            event(m, id, EventPayload::Note { text: t.into() })
        }),
        ("record_event tool input string", |m, id, t, _| {
            event(
                m,
                id,
                tool(json!({"command": t, "description": "run"}), None, None),
            )
        }),
        ("record_event tool input as JSON", |m, id, t, _| {
            // The text itself when it is JSON (a config file), else nested in an object.
            let input = serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .filter(serde_json::Value::is_object)
                .unwrap_or_else(
                    || json!({"file_path": "/work/acme/.env", "content": {"lines": [t]}}),
                );
            event(m, id, tool(input, None, None))
        }),
        ("record_event tool input key", |m, id, t, _| {
            let mut map = serde_json::Map::new();
            map.insert(t.to_owned(), json!(1));
            event(m, id, tool(serde_json::Value::Object(map), None, None))
        }),
        ("record_event tool output", |m, id, t, _| {
            event(m, id, tool(json!({"command": "cat .env"}), Some(t), None))
        }),
        ("record_event tool error", |m, id, t, _| {
            event(m, id, tool(json!({"command": "deploy"}), None, Some(t)))
        }),
        ("add_observation title", |m, id, t, _| {
            observation(m, id, |o| o.title = t.into())
        }),
        ("add_observation subtitle", |m, id, t, _| {
            observation(m, id, |o| o.subtitle = t.into())
        }),
        ("add_observation narrative", |m, id, t, _| {
            observation(m, id, |o| o.narrative = t.into())
        }),
        ("add_observation facts", |m, id, t, _| {
            observation(m, id, |o| o.facts = vec![t.into()])
        }),
        ("add_observation context", |m, id, t, _| {
            observation(m, id, |o| o.context = t.into())
        }),
        ("add_observation concepts", |m, id, t, _| {
            observation(m, id, |o| o.concepts = vec![t.into()])
        }),
        ("add_observation files_read", |m, id, t, _| {
            observation(m, id, |o| o.files_read = vec![t.into()])
        }),
        ("add_observation files_modified", |m, id, t, _| {
            observation(m, id, |o| o.files_modified = vec![t.into()])
        }),
        ("add_summary request", |m, id, t, _| {
            summary(m, id, |s| s.request = t.into())
        }),
        ("add_summary investigated", |m, id, t, _| {
            summary(m, id, |s| s.investigated = t.into())
        }),
        ("add_summary learned", |m, id, t, _| {
            summary(m, id, |s| s.learned = t.into())
        }),
        ("add_summary completed", |m, id, t, _| {
            summary(m, id, |s| s.completed = t.into())
        }),
        ("add_summary next_steps", |m, id, t, _| {
            summary(m, id, |s| s.next_steps = t.into())
        }),
        ("add_summary notes", |m, id, t, _| {
            summary(m, id, |s| s.notes = t.into())
        }),
        ("import_transcript user prompt", |m, id, t, dir| {
            transcript(m, id, dir, &[user_line(id, json!(t))])
        }),
        ("import_transcript assistant text", |m, id, t, dir| {
            transcript(
                m,
                id,
                dir,
                &[
                    user_line(id, json!("go")),
                    assistant_line(id, 1, json!({"type": "text", "text": t})),
                ],
            )
        }),
        ("import_transcript tool input", |m, id, t, dir| {
            transcript(
                m,
                id,
                dir,
                &[
                    user_line(id, json!("go")),
                    assistant_line(
                        id,
                        1,
                        json!({"type": "tool_use", "id": format!("{id}-t"),
                                             "name": "Bash", "input": {"command": t}}),
                    ),
                ],
            )
        }),
        ("import_transcript tool result", |m, id, t, dir| {
            transcript(
                m,
                id,
                dir,
                &[
                    user_line(id, json!("go")),
                    assistant_line(
                        id,
                        1,
                        json!({"type": "tool_use", "id": format!("{id}-t"),
                                             "name": "Bash", "input": {"command": "cat .env"}}),
                    ),
                    json!({"type": "user", "uuid": format!("{id}-r"), "sessionId": id,
                       "timestamp": AT, "message": {"role": "user", "content": [
                           {"type": "tool_result", "tool_use_id": format!("{id}-t"),
                            "content": t}]}}),
                ],
            )
        }),
        ("import_jsonl prompt", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "prompt", "session_id": id, "text": t, "occurred_at": AT}),
            )
        }),
        ("import_jsonl prompt last_error", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "prompt", "session_id": id, "text": "deploy",
                                "occurred_at": AT, "status": "failed", "attempts": 3,
                                "last_error": t}),
            )
        }),
        ("import_jsonl event payload", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "event", "session_id": id, "occurred_at": AT,
                                "payload": {"type": "tool_use", "tool_name": "Bash",
                                            "input": {"command": t}, "output": t,
                                            "error": t}}),
            )
        }),
        ("import_jsonl event last_error", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "event", "session_id": id, "occurred_at": AT,
                                "payload": {"type": "note", "text": "n"},
                                "status": "failed", "attempts": 3, "last_error": t}),
            )
        }),
        ("import_jsonl observation", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "observation", "project": "acme", "session_id": id,
                                "kind": "discovery", "title": t, "subtitle": t,
                                "narrative": t, "facts": [t], "context": t,
                                "concepts": [t], "files_read": [t], "files_modified": [t],
                                "created_at": AT}),
            )
        }),
        ("import_jsonl summary", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "summary", "session_id": id, "request": t,
                                "investigated": t, "learned": t, "completed": t,
                                "next_steps": t, "notes": t, "created_at": AT}),
            )
        }),
        ("import_jsonl ledger detail", |m, id, t, _| {
            jsonl(
                m,
                id,
                json!({"type": "ledger", "session_id": id, "project": "acme",
                                "purpose": "extract", "model": "host", "outcome": "failed",
                                "detail": t, "created_at": AT}),
            )
        }),
    ]
}

/// Every text and blob of every table of the store at `path`, read with SQL.
fn dump(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap_or_else(|e| panic!("{e}"));
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{e}"));
        rows.filter_map(Result::ok).collect()
    };
    let mut out = String::new();
    for table in tables {
        // A virtual table may need its tokenizer; its shadow tables are read anyway.
        let Ok(mut stmt) = conn.prepare(&format!("SELECT * FROM \"{table}\"")) else {
            continue;
        };
        let columns = stmt.column_count();
        let Ok(mut rows) = stmt.query([]) else {
            continue;
        };
        while let Ok(Some(row)) = rows.next() {
            for i in 0..columns {
                if let Ok(rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t)) =
                    row.get_ref(i)
                {
                    out.push_str(&String::from_utf8_lossy(t));
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// The pieces of a secret that must not be found: each line of it (a PEM block's lines,
/// also when its newlines are JSON escapes) of 12 characters or more, or the whole.
fn pieces(secret: &str) -> Vec<String> {
    let lines: Vec<String> = secret
        .replace("\\n", "\n")
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 12)
        .map(str::to_owned)
        .collect();
    if lines.is_empty() {
        vec![secret.to_owned()]
    } else {
        lines
    }
}

/// Writes every text through `write` into a fresh store; returns the store's dump.
fn through(write: Write, texts: &[String]) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("memory.db");
    let mem = Memory::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut errors = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if let Err(e) = write(&mem, &format!("s{i}"), text, dir.path()) {
            errors.push(format!("case {i}: {e}"));
        }
    }
    drop(mem);
    (dump(&db), errors)
}

#[test]
fn no_secret_reaches_the_store_by_any_entry_point() {
    let cases = corpus::secrets();
    let texts: Vec<String> = cases.iter().map(|c| c.text.clone()).collect();
    let entries = entry_points();
    let mut leaks = Vec::new();
    for (name, write) in &entries {
        let (stored, errors) = through(*write, &texts);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        // The context around the secrets is there: the dump reads what was stored.
        assert!(
            stored.contains("AWS_DEFAULT_REGION=eu-west-1"),
            "{name}: nothing stored"
        );
        for case in &cases {
            if pieces(&case.secret)
                .iter()
                .any(|p| stored.contains(p.as_str()))
            {
                leaks.push(format!("{name}: {}", case.kind));
            }
        }
    }
    let planted = cases.len() * entries.len();
    assert!(
        leaks.is_empty(),
        "{} of {planted} planted secrets leaked ({} cases x {} entry points):\n{}",
        leaks.len(),
        cases.len(),
        entries.len(),
        leaks.join("\n")
    );
    println!(
        "{planted} planted secrets ({} cases x {} entry points): 0 leaked",
        cases.len(),
        entries.len()
    );
}

#[test]
fn look_alikes_reach_the_store_unredacted_by_any_entry_point() {
    let texts = corpus::look_alikes();
    let mut false_positives = Vec::new();
    for (name, write) in entry_points() {
        let (stored, errors) = through(write, &texts);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        for line in stored.lines().filter(|l| l.contains("[REDACTED:")) {
            false_positives.push(format!("{name}: {line}"));
        }
    }
    assert!(
        false_positives.is_empty(),
        "{} false positives:\n{}",
        false_positives.len(),
        false_positives.join("\n")
    );
}

/// `memcore hook` quotes the first 120 bytes of an input that is not JSON, cut to 80
/// characters by `redact_excerpt`: no run of 10 characters of a secret may be left.
#[test]
fn the_log_excerpt_of_invalid_input_holds_no_piece_of_a_secret() {
    let mut leaks = Vec::new();
    for case in corpus::secrets() {
        for shift in [0usize, 40, 90] {
            // The secret at several places relative to the 120-byte cut.
            let text = format!("{}{}", "x ".repeat(shift / 2), case.text);
            let mut end = text.len().min(120);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let excerpt = memcore::capture::redact::redact_excerpt(&text[..end], 80);
            let chars: Vec<char> = case.secret.chars().collect();
            if let Some(piece) = chars
                .windows(10)
                .map(|w| w.iter().collect::<String>())
                .find(|p| excerpt.contains(p.as_str()))
            {
                leaks.push(format!(
                    "{} (shift {shift}): {piece:?} in {excerpt:?}",
                    case.kind
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

/// Not a test of speed (no timing is asserted): prints what redaction costs, for a look.
/// `cargo test -p memcore --release --test secrets_paths -- --ignored --nocapture`
#[test]
#[ignore]
fn redaction_cost() {
    let redactor =
        memcore::capture::Redactor::new(&Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    for look_alike in corpus::look_alikes() {
        text.push_str(&look_alike);
        text.push('\n');
    }
    let text = text.repeat(16 * 1024 / text.len() + 1);
    let rounds = 200;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(redactor.redact(std::hint::black_box(&text)));
    }
    let per = start.elapsed() / rounds;
    println!(
        "{} bytes of ordinary text: {per:?} per redaction",
        text.len()
    );
    let start = std::time::Instant::now();
    let _ = memcore::capture::Redactor::new(&Default::default());
    println!("compiling the rules: {:?}", start.elapsed());
}
