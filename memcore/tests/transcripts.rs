//! The Claude Code transcript parser on the seven real transcripts in
//! `../shared/data/claude-code-transcripts` (MIT, read at run time; the tests that need them
//! print a message and pass when the folder is absent), plus property tests on arbitrary input.

use memcore::EventPayload;
use memcore::capture::transcript::{Transcript, parse_transcript, parse_transcript_file};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/claude-code-transcripts"
);

/// The transcript `name`, parsed, or `None` (with a message) when the data folder is absent.
fn load(name: &str) -> Option<Transcript> {
    let path = PathBuf::from(DATA).join(name);
    if !path.exists() {
        println!("skipped: {} not found", path.display());
        return None;
    }
    match parse_transcript_file(&path) {
        Ok(t) => Some(t),
        Err(e) => panic!("{name}: {e}"),
    }
}

fn tool_counts(t: &Transcript) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in &t.events {
        if let EventPayload::ToolUse { tool_name, .. } = &e.payload {
            *counts.entry(tool_name.clone()).or_insert(0) += 1;
        }
    }
    counts
}

/// Expected shape of one real transcript, counted by reading the file.
struct Expected {
    name: &'static str,
    lines: usize,
    prompts: usize,
    assistant: usize,
    tools: usize,
    meta: u64,
    errors: usize,
}

const ALL: [Expected; 7] = [
    Expected {
        name: "coverage-test-fix.jsonl",
        lines: 38,
        prompts: 1,
        assistant: 8,
        tools: 13,
        meta: 2,
        errors: 1,
    },
    Expected {
        name: "hello-world-script.jsonl",
        lines: 9,
        prompts: 1,
        assistant: 2,
        tools: 2,
        meta: 1,
        errors: 0,
    },
    Expected {
        name: "python-to-rust-port.jsonl",
        lines: 97,
        prompts: 1,
        assistant: 16,
        tools: 39,
        meta: 1,
        errors: 0,
    },
    Expected {
        name: "stop-hook-fast-path-clean.jsonl",
        lines: 5,
        prompts: 1,
        assistant: 1,
        tools: 1,
        meta: 0,
        errors: 0,
    },
    Expected {
        name: "stop-hook-reflection-first-stop.jsonl",
        lines: 14,
        prompts: 1,
        assistant: 3,
        tools: 4,
        meta: 1,
        errors: 0,
    },
    Expected {
        name: "stop-hook-reflection-second-stop.jsonl",
        lines: 3,
        prompts: 1,
        assistant: 1,
        tools: 0,
        meta: 0,
        errors: 0,
    },
    Expected {
        name: "stop-hook-uncommitted-changes.jsonl",
        lines: 9,
        prompts: 1,
        assistant: 2,
        tools: 2,
        meta: 1,
        errors: 0,
    },
];

#[test]
fn every_real_transcript_has_the_expected_events() {
    for exp in &ALL {
        let Some(t) = load(exp.name) else { return };
        let name = exp.name;
        assert_eq!(t.lines, exp.lines, "{name}: lines");
        assert!(t.bad_lines.is_empty(), "{name}: {:?}", t.bad_lines);
        assert_eq!(t.count("user_prompt"), exp.prompts, "{name}: prompts");
        assert_eq!(
            t.count("assistant_message"),
            exp.assistant,
            "{name}: assistant"
        );
        assert_eq!(t.count("tool_use"), exp.tools, "{name}: tools");
        assert_eq!(t.count("note"), 0, "{name}: notes");
        assert_eq!(t.skipped.get("queue-operation"), Some(&1), "{name}");
        assert_eq!(
            t.skipped.get("user:meta").copied().unwrap_or(0),
            exp.meta,
            "{name}: meta"
        );
        assert!(t.session_id.is_some(), "{name}: session id");
        assert!(
            t.cwd.as_deref().is_some_and(|c| c.starts_with("/tmp/")),
            "{name}: cwd"
        );
        assert!(
            t.started_at.is_some() && t.started_at <= t.ended_at,
            "{name}"
        );
        let errors = t
            .events
            .iter()
            .filter(|e| matches!(&e.payload, EventPayload::ToolUse { error: Some(_), .. }))
            .count();
        assert_eq!(errors, exp.errors, "{name}: errors");
    }
}

#[test]
fn every_tool_use_is_paired_with_its_result() {
    for exp in &ALL {
        let Some(t) = load(exp.name) else { return };
        for e in &t.events {
            if let EventPayload::ToolUse {
                output,
                error,
                tool_use_id,
                ..
            } = &e.payload
            {
                assert!(
                    output.is_some() != error.is_some(),
                    "{}: {tool_use_id:?} unpaired",
                    exp.name
                );
                assert_eq!(tool_use_id.as_deref(), Some(e.external_id.as_str()));
            }
        }
        assert_eq!(t.skipped.get("tool_result:unmatched"), None, "{}", exp.name);
    }
}

#[test]
fn idempotency_keys_are_unique_and_stable() {
    for exp in &ALL {
        let Some(t) = load(exp.name) else { return };
        let keys: HashSet<&str> = t.events.iter().map(|e| e.external_id.as_str()).collect();
        assert_eq!(keys.len(), t.events.len(), "{}: duplicate keys", exp.name);
        assert!(keys.iter().all(|k| !k.is_empty()), "{}", exp.name);
        let again = load(exp.name);
        assert_eq!(again.as_ref(), Some(&t), "{}: not deterministic", exp.name);
        let session = t.session_id.clone().unwrap_or_default();
        let new_events = t.new_events(&session);
        assert!(
            new_events
                .iter()
                .zip(&t.events)
                .all(|(n, e)| n.idempotency_key() == Some(e.external_id.as_str())),
            "{}",
            exp.name
        );
    }
}

#[test]
fn python_port_tools_match_the_published_table() {
    let Some(t) = load("python-to-rust-port.jsonl") else {
        return;
    };
    let expected: BTreeMap<String, usize> = [
        ("Bash", 16),
        ("TodoWrite", 10),
        ("Write", 7),
        ("Read", 3),
        ("Edit", 1),
        ("Glob", 1),
        ("Task", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(tool_counts(&t), expected);
    // The subagent's report arrives as text blocks, joined.
    let task = t.events.iter().find_map(|e| match &e.payload {
        EventPayload::ToolUse {
            tool_name, output, ..
        } if tool_name == "Task" => output.clone(),
        _ => None,
    });
    assert!(task.is_some_and(|o| o.contains("Comprehensive Python Project Overview")));
    // The first prompt is the user's request, not the stop-hook feedback.
    assert!(matches!(
        &t.events[0].payload,
        EventPayload::UserPrompt { text } if text.starts_with("Port this Python project to Rust.")
    ));
}

#[test]
fn coverage_fix_keeps_order_and_the_failed_commit() {
    let Some(t) = load("coverage-test-fix.jsonl") else {
        return;
    };
    let kinds: Vec<String> = t
        .events
        .iter()
        .map(|e| match &e.payload {
            EventPayload::ToolUse { tool_name, .. } => tool_name.clone(),
            other => other.type_name().to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "user_prompt",
            "assistant_message",
            "Glob",
            "Read",
            "Read",
            "assistant_message",
            "Edit",
            "Edit",
            "assistant_message",
            "assistant_message",
            "Bash",
            "Bash",
            "assistant_message",
            "Bash",
            "assistant_message",
            "assistant_message",
            "Glob",
            "Read",
            "Edit",
            "Bash",
            "Bash",
            "assistant_message",
        ]
    );
    match &t.events[20].payload {
        EventPayload::ToolUse { input, error, .. } => {
            assert!(
                input["command"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("git add .gitignore"))
            );
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.contains("nothing to commit"))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // Read results lose the harness's <system-reminder> footer.
    assert!(t.events.iter().all(|e| {
        match &e.payload {
            EventPayload::ToolUse { output, .. } => !output
                .as_deref()
                .unwrap_or("")
                .contains("<system-reminder>"),
            _ => true,
        }
    }));
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let path = PathBuf::from("/nonexistent/memcore/transcript.jsonl");
    match parse_transcript_file(&path) {
        Err(memcore::Error::Io { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

fn json_line() -> impl Strategy<Value = String> {
    let block = prop_oneof![
        "[a-z <>/]{0,20}".prop_map(|t| format!(r#"{{"type":"text","text":"{t}"}}"#)),
        "[a-c]{1,2}".prop_map(|id| {
            format!(r#"{{"type":"tool_use","id":"{id}","name":"Bash","input":{{}}}}"#)
        }),
        ("[a-c]{1,2}", any::<bool>()).prop_map(|(id, err)| format!(
            r#"{{"type":"tool_result","tool_use_id":"{id}","content":"x","is_error":{err}}}"#
        )),
        Just(r#"{"type":"thinking","thinking":"x"}"#.to_string()),
        Just("null".to_string()),
    ];
    (
        prop_oneof!["user", "assistant", "system", "summary"],
        "[a-d]{0,2}",
        "[a-b]{0,1}",
        prop::collection::vec(block, 0..4),
        any::<bool>(),
    )
        .prop_map(|(kind, uuid, msg, blocks, meta)| {
            format!(
                r#"{{"type":"{kind}","uuid":"{uuid}","isMeta":{meta},"message":{{"id":"{msg}","content":[{}]}}}}"#,
                blocks.join(",")
            )
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let parsed = parse_transcript(&bytes[..]);
        prop_assert!(parsed.is_ok());
    }

    #[test]
    fn arbitrary_records_give_unique_keys(lines in prop::collection::vec(json_line(), 0..12)) {
        let t = parse_transcript(lines.join("\n").as_bytes());
        prop_assert!(t.is_ok());
        let t = t.unwrap_or_default();
        let keys: HashSet<&str> = t.events.iter().map(|e| e.external_id.as_str()).collect();
        prop_assert_eq!(keys.len(), t.events.len());
        prop_assert!(t.bad_lines.is_empty());
    }
}
