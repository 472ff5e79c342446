//! Hook input that is malformed, of another event, huge or incomplete: the hook exits 0,
//! prints nothing, logs one line, and stores nothing.

mod common;

use common::Setup;
use serde_json::json;

/// Runs `memcore hook event` with `input`; checks exit 0, empty stdout, a new log line
/// containing `expect`, and an unchanged event count.
fn refused(setup: &Setup, event: &str, input: &[u8], expect: &str) {
    let events_before = setup.stats()["events"].clone();
    let log_before = setup.log().lines().count();
    let out = setup.run_with_input(&["hook", event], input);
    assert_eq!(out.status.code(), Some(0), "{expect}");
    assert!(out.stdout.is_empty(), "{expect}: printed {:?}", out.stdout);
    let log = setup.log();
    let new: Vec<&str> = log.lines().skip(log_before).collect();
    assert_eq!(new.len(), 1, "{expect}: one log line, got {new:?}");
    assert!(new[0].contains(expect), "{expect}: {new:?}");
    assert!(new[0].contains(&format!("hook {event}")), "{new:?}");
    assert_eq!(
        setup.stats()["events"],
        events_before,
        "{expect}: stored garbage"
    );
}

#[test]
fn malformed_input_exits_0_logs_and_stores_nothing() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    refused(&setup, "PostToolUse", b"", "empty hook input");
    refused(&setup, "PostToolUse", b"  \n\t", "empty hook input");
    refused(&setup, "PostToolUse", b"this is not json", "not JSON");
    refused(
        &setup,
        "PostToolUse",
        b"{\"session_id\": \"s1\", ",
        "not JSON",
    );
    refused(&setup, "PostToolUse", b"[1, 2, 3]", "not an object");
    refused(&setup, "Stop", b"\"just a string\"", "not an object");
    refused(
        &setup,
        "UserPromptSubmit",
        &[0xff, 0xfe, 0x00, 0x01],
        "not JSON",
    );
    // JSON of another event.
    let start = json!({"session_id": "s1", "cwd": "/tmp/p", "hook_event_name": "SessionStart",
                       "source": "startup"});
    refused(
        &setup,
        "PostToolUse",
        start.to_string().as_bytes(),
        "not PostToolUse",
    );
    // Missing what the event needs.
    refused(
        &setup,
        "PostToolUse",
        br#"{"cwd": "/tmp/p", "tool_name": "Bash"}"#,
        "no session_id",
    );
    refused(
        &setup,
        "PostToolUse",
        br#"{"session_id": "s1", "hook_event_name": "PostToolUse", "tool_input": {}}"#,
        "no tool_name",
    );
    refused(
        &setup,
        "UserPromptSubmit",
        br#"{"session_id": "s1", "prompt": 42}"#,
        "no prompt",
    );
    // An event memcore does not handle, and no event at all.
    refused(
        &setup,
        "Notification",
        br#"{"session_id": "s1"}"#,
        "does not handle",
    );
    refused(&setup, "", br#"{"session_id": "s1"}"#, "does not handle");
    // Nothing at all was created for these inputs.
    assert_eq!(setup.stats()["sessions"], 0);
}

#[test]
fn huge_input_is_refused_without_reading_it_all() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    // 33 MiB of a syntactically valid PostToolUse: over the 32 MiB limit.
    let mut input = br#"{"session_id": "s1", "hook_event_name": "PostToolUse", "tool_name": "Read", "tool_use_id": "t1", "tool_response": ""#.to_vec();
    input.extend(std::iter::repeat_n(b'x', 33 * 1024 * 1024));
    input.extend(br#""}"#);
    refused(&setup, "PostToolUse", &input, "larger than 32 MiB");
    assert_eq!(setup.stats()["sessions"], 0);
}

#[test]
fn unknown_fields_are_ignored() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let context = setup.hook(
        "PostToolUse",
        &json!({"session_id": "s1", "cwd": setup.cwd, "hook_event_name": "PostToolUse",
                "tool_name": "Bash", "tool_input": {"command": "ls"},
                "tool_response": {"stdout": "a\nb", "stderr": "", "interrupted": false},
                "tool_use_id": "toolu_1", "duration_ms": 3,
                "some_future_field": {"nested": [1, 2, 3]}, "effort": {"level": "high"}}),
    );
    assert_eq!(context, "");
    let stats = setup.stats();
    assert_eq!(stats["events"], 1, "{stats}");
    assert_eq!(stats["sessions"], 1, "a session is started lazily");
    assert!(
        setup.log().is_empty(),
        "nothing to complain about: {}",
        setup.log()
    );
}

#[test]
fn large_tool_outputs_are_stored_bounded() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let big = "line of output\n".repeat(200_000); // 3 MB
    setup.hook(
        "PostToolUse",
        &json!({"session_id": "s1", "cwd": setup.cwd, "hook_event_name": "PostToolUse",
                "tool_name": "Bash", "tool_input": {"command": "cat big.log"},
                "tool_response": {"stdout": big, "stderr": "", "interrupted": false},
                "tool_use_id": "toolu_big"}),
    );
    let stats = setup.stats();
    assert_eq!(stats["events"], 1, "{stats}");
    let size = stats["file_size_bytes"].as_u64().unwrap();
    assert!(size < 2 * 1024 * 1024, "store is {size} bytes");
}

#[test]
fn a_store_that_cannot_be_opened_is_logged_not_fatal() {
    let setup = Setup::new();
    std::fs::create_dir_all(setup.data_dir()).unwrap();
    std::fs::write(&setup.db, b"this is not a database, and must stay as it is").unwrap();
    let out = setup.run_with_input(
        &["hook", "SessionStart"],
        json!({"session_id": "s1", "cwd": "/tmp/p", "hook_event_name": "SessionStart"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    // The session is told that it is not being recorded.
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let context = answer["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(
        context.contains("memcore cannot use its memory store") && context.contains("doctor"),
        "{context}"
    );
    assert!(
        setup.log().contains("not a memcore store"),
        "{}",
        setup.log()
    );
    assert_eq!(
        std::fs::read(&setup.db).unwrap(),
        b"this is not a database, and must stay as it is"
    );
}

#[test]
fn tool_failures_and_prompts_are_recorded_and_answered() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let sid = "s-fail";
    let cwd = setup.cwd.to_string_lossy().into_owned();
    setup.hook(
        "SessionStart",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "SessionStart"}),
    );
    let none = setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": "Why does the invoice export crash on empty carts?",
                "prompt_id": "p1"}),
    );
    assert_eq!(none, "", "nothing in memory yet, nothing said");
    setup.hook(
        "PostToolUseFailure",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "PostToolUseFailure",
                "tool_name": "Bash", "tool_input": {"command": "cargo test invoice_export"},
                "tool_use_id": "toolu_f1",
                "error": "Exit code 101\nthread 'invoice_export_empty_cart' panicked: index out of bounds"}),
    );
    setup.hook(
        "PostToolUse",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "PostToolUse",
                "tool_name": "Edit",
                "tool_input": {"file_path": format!("{cwd}/src/invoice_export.rs"),
                               "old_string": "rows[0]", "new_string": "rows.first()?"},
                "tool_response": {"filePath": format!("{cwd}/src/invoice_export.rs"), "success": true},
                "tool_use_id": "toolu_e1"}),
    );
    setup.hook(
        "Stop",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "Stop",
                "stop_hook_active": false, "prompt_id": "p1",
                "last_assistant_message": "The invoice export indexed rows[0] of an empty cart; it now uses rows.first()."}),
    );
    // Stop twice with the same message (a stop hook looping) stores it once.
    setup.hook(
        "Stop",
        &json!({"session_id": sid, "cwd": cwd, "hook_event_name": "Stop",
                "stop_hook_active": true, "prompt_id": "p1",
                "last_assistant_message": "The invoice export indexed rows[0] of an empty cart; it now uses rows.first()."}),
    );
    assert_eq!(setup.stats()["events"], 4);
    let report = setup.json(&["extract"]);
    assert_eq!(report["ran"], true, "{report}");
    assert_eq!(report["run"]["events_extracted"], 4, "{report}");
    // A later prompt about the same thing is answered with what was learned.
    let context = setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": "s-later", "cwd": cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": "The invoice export crashes again on an empty cart"}),
    );
    assert!(context.contains("invoice_export.rs"), "{context}");
    // An unrelated prompt gets nothing.
    let unrelated = setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": "s-later", "cwd": cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": "Translate the README into German"}),
    );
    assert_eq!(unrelated, "", "below the relevance threshold: {unrelated}");
}

#[test]
fn a_lone_surrogate_escape_costs_one_character_not_the_event() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let cwd = serde_json::to_string(&setup.cwd).unwrap();
    // What JSON.stringify writes for a string cut inside an emoji; a valid pair beside it.
    let tool = format!(
        r#"{{"session_id": "s1", "cwd": {cwd}, "hook_event_name": "PostToolUse",
            "tool_name": "Bash", "tool_input": {{"command": "echo cut \ud83d"}},
            "tool_response": {{"stdout": "cut \ud83d and whole \ud83d\ude00", "stderr": ""}},
            "tool_use_id": "toolu_1"}}"#
    );
    setup.hook_raw("PostToolUse", tool.as_bytes());
    let prompt = format!(
        r#"{{"session_id": "s1", "cwd": {cwd}, "hook_event_name": "UserPromptSubmit",
            "prompt": "fix the parser \udc00 please", "prompt_id": "p1"}}"#
    );
    setup.hook_raw("UserPromptSubmit", prompt.as_bytes());
    let stats = setup.stats();
    assert_eq!(stats["events"], 2, "{stats}; log: {}", setup.log());
    assert!(!setup.log().contains("not JSON"), "{}", setup.log());
}

#[test]
fn a_numeric_tool_use_id_keeps_the_event_idempotent() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let input = json!({"session_id": "s1", "cwd": setup.cwd, "hook_event_name": "PostToolUse",
                       "tool_name": "Bash", "tool_input": {"command": "ls"},
                       "tool_response": {"stdout": "a", "stderr": ""}, "tool_use_id": 42});
    setup.hook("PostToolUse", &input);
    setup.hook("PostToolUse", &input);
    let prompt = json!({"session_id": "s1", "cwd": setup.cwd, "prompt_id": 7,
                        "hook_event_name": "UserPromptSubmit", "prompt": "what is in here"});
    setup.hook("UserPromptSubmit", &prompt);
    setup.hook("UserPromptSubmit", &prompt);
    let stats = setup.stats();
    assert_eq!(stats["events"], 2, "the same events twice: {stats}");
}
