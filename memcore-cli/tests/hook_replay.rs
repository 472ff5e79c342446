//! Every real Claude Code transcript replayed through the binary as the hook calls Claude
//! Code would make (SessionStart, UserPromptSubmit, PostToolUse / PostToolUseFailure..., Stop
//! at each turn's end, SessionEnd), with the real detached extractor; then a new session's
//! SessionStart must name the files and the work of the replayed one.

mod common;

use common::{Setup, transcripts_dir};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

/// One hook call.
struct Call {
    event: &'static str,
    input: Value,
}

/// What a transcript says about its session.
struct Replay {
    session_id: String,
    cwd: String,
    first_prompt: String,
    files_touched: Vec<String>,
    files_modified: Vec<String>,
    calls: Vec<Call>,
}

/// Builds the hook calls Claude Code makes for a transcript. Stop-hook feedback comes back
/// as a user message but is no prompt: it continues the turn (`stop_hook_active`).
fn replay_of(path: &Path) -> Replay {
    let text = std::fs::read_to_string(path).expect("read transcript");
    let mut session_id = String::new();
    let mut cwd = String::new();
    let mut first_prompt = String::new();
    let mut calls = Vec::new();
    let mut tool_uses: HashMap<String, (String, Value)> = HashMap::new();
    let mut last_text = String::new();
    let mut in_turn = false;
    let mut stop_hook_active = false;
    let mut files_touched = Vec::new();
    let mut files_modified = Vec::new();
    let common = |sid: &str, cwd: &str, event: &str| {
        json!({"session_id": sid, "cwd": cwd, "hook_event_name": event,
               "transcript_path": path, "permission_mode": "default"})
    };
    let with = |mut base: Value, extra: Value| {
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        base
    };
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if session_id.is_empty()
            && let (Some(s), Some(c)) = (record["sessionId"].as_str(), record["cwd"].as_str())
        {
            session_id = s.to_owned();
            cwd = c.to_owned();
            calls.push(Call {
                event: "SessionStart",
                input: with(
                    common(&session_id, &cwd, "SessionStart"),
                    json!({"source": "startup", "model": "claude-opus-4-5-20251101"}),
                ),
            });
        }
        match record["type"].as_str() {
            Some("user") => match &record["message"]["content"] {
                Value::String(prompt) => {
                    if in_turn {
                        calls.push(Call {
                            event: "Stop",
                            input: with(
                                common(&session_id, &cwd, "Stop"),
                                json!({"stop_hook_active": stop_hook_active,
                                       "last_assistant_message": last_text}),
                            ),
                        });
                    }
                    in_turn = true;
                    if prompt.starts_with("Stop hook feedback") {
                        stop_hook_active = true;
                    } else {
                        stop_hook_active = false;
                        if first_prompt.is_empty() {
                            first_prompt = prompt.clone();
                        }
                        calls.push(Call {
                            event: "UserPromptSubmit",
                            input: with(
                                common(&session_id, &cwd, "UserPromptSubmit"),
                                json!({"prompt": prompt}),
                            ),
                        });
                    }
                }
                Value::Array(blocks) => {
                    for block in blocks {
                        if block["type"] != "tool_result" {
                            continue;
                        }
                        let id = block["tool_use_id"].as_str().unwrap_or_default();
                        let Some((name, input)) = tool_uses.get(id).cloned() else {
                            continue;
                        };
                        let content = match &block["content"] {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let base = common(&session_id, &cwd, "");
                        let (event, extra) = if block["is_error"] == true {
                            (
                                "PostToolUseFailure",
                                json!({"tool_name": name, "tool_input": input,
                                       "tool_use_id": id, "error": content,
                                       "is_interrupt": false}),
                            )
                        } else {
                            let response = if record["toolUseResult"].is_null() {
                                Value::String(content)
                            } else {
                                record["toolUseResult"].clone()
                            };
                            (
                                "PostToolUse",
                                json!({"tool_name": name, "tool_input": input,
                                       "tool_response": response, "tool_use_id": id,
                                       "duration_ms": 12}),
                            )
                        };
                        let mut input = with(base, extra);
                        input["hook_event_name"] = json!(event);
                        calls.push(Call { event, input });
                    }
                }
                _ => {}
            },
            Some("assistant") => {
                for block in record["message"]["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    match block["type"].as_str() {
                        Some("text") => {
                            last_text = block["text"].as_str().unwrap_or_default().to_owned();
                        }
                        Some("tool_use") => {
                            let id = block["id"].as_str().unwrap_or_default().to_owned();
                            let name = block["name"].as_str().unwrap_or_default().to_owned();
                            let input = block["input"].clone();
                            if let Some(file) = input["file_path"].as_str() {
                                let base = file.rsplit('/').next().unwrap_or(file).to_owned();
                                if matches!(name.as_str(), "Write" | "Edit") {
                                    files_modified.push(base.clone());
                                }
                                files_touched.push(base);
                            }
                            tool_uses.insert(id, (name, input));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    calls.push(Call {
        event: "Stop",
        input: with(
            common(&session_id, &cwd, "Stop"),
            json!({"stop_hook_active": stop_hook_active, "last_assistant_message": last_text}),
        ),
    });
    calls.push(Call {
        event: "SessionEnd",
        input: with(
            common(&session_id, &cwd, "SessionEnd"),
            json!({"reason": "prompt_input_exit"}),
        ),
    });
    Replay {
        session_id,
        cwd,
        first_prompt,
        files_touched,
        files_modified,
        calls,
    }
}

/// The words of a prompt that say what the work was: long enough, not filler.
fn work_words(prompt: &str) -> Vec<String> {
    const FILLER: &[&str] = &[
        "there", "their", "which", "these", "those", "about", "called",
    ];
    prompt
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.len() >= 5 && !FILLER.contains(&w.to_lowercase().as_str()))
        .map(str::to_lowercase)
        .take(8)
        .collect()
}

#[test]
fn every_transcript_replayed_through_hooks_is_recalled_by_the_next_session() {
    let Some(dir) = transcripts_dir() else {
        println!("skipped: ../shared/data/claude-code-transcripts is not there");
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("list transcripts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 7, "the seven real transcripts");
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let replay = replay_of(path);
        assert!(!replay.session_id.is_empty(), "{name}: no session id");
        let setup = Setup::new();
        let mut answers = 0;
        for call in &replay.calls {
            let context = setup.hook(call.event, &call.input);
            if !context.is_empty() {
                assert!(
                    matches!(call.event, "SessionStart" | "UserPromptSubmit"),
                    "{name}: {} answered with context",
                    call.event
                );
                answers += 1;
            }
        }
        // The first SessionStart of an empty store has nothing to say.
        assert_eq!(answers, 0, "{name}: a fresh store recalled something");

        setup.wait_for_extraction(1);
        let stats = setup.stats();
        assert_eq!(stats["sessions"], 1, "{name}: {stats}");
        assert_eq!(stats["failed_events"], 0, "{name}: {stats}");
        let tool_calls = replay
            .calls
            .iter()
            .filter(|c| c.event.starts_with("PostToolUse"))
            .count() as u64;
        assert!(
            stats["events"].as_u64().unwrap() >= tool_calls,
            "{name}: every tool call recorded: {stats}"
        );

        // Replaying the same calls again stores no new tool event (idempotent on tool_use_id).
        let events_before = stats["events"].as_u64().unwrap();
        for call in replay
            .calls
            .iter()
            .filter(|c| c.event.starts_with("PostToolUse"))
        {
            setup.hook(call.event, &call.input);
        }
        assert_eq!(
            setup.stats()["events"].as_u64().unwrap(),
            events_before,
            "{name}"
        );

        // A new session in the same directory is told what the replayed one did.
        let context = setup.hook(
            "SessionStart",
            &json!({"session_id": format!("{}-next", replay.session_id), "cwd": replay.cwd,
                    "hook_event_name": "SessionStart", "source": "startup"}),
        );
        assert!(
            !context.is_empty(),
            "{name}: no context for the next session"
        );
        let lower = context.to_lowercase();
        let words = work_words(&replay.first_prompt);
        let named: Vec<&String> = words
            .iter()
            .filter(|w| lower.contains(w.as_str()))
            .collect();
        assert!(
            named.len() * 2 >= words.len() && !named.is_empty(),
            "{name}: the context does not name the work ({words:?}):\n{context}"
        );
        if !replay.files_modified.is_empty() {
            let modified: Vec<&String> = replay
                .files_modified
                .iter()
                .filter(|f| context.contains(f.as_str()))
                .collect();
            assert!(
                !modified.is_empty(),
                "{name}: the context names none of the files modified {:?}:\n{context}",
                replay.files_modified
            );
        } else if !replay.files_touched.is_empty() {
            assert!(
                replay
                    .files_touched
                    .iter()
                    .any(|f| context.contains(f.as_str())),
                "{name}: the context names none of the files read {:?}:\n{context}",
                replay.files_touched
            );
        }
        println!(
            "{name}: {} hook calls, {} events, {} observations; next SessionStart context \
             {} chars",
            replay.calls.len(),
            events_before,
            stats["observations"],
            context.len()
        );
    }
}
