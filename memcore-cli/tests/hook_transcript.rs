//! The hooks read the session's transcript for what their payloads do not carry: the
//! assistant's words. UserPromptSubmit reads the previous turn before answering; the detached
//! extractor that Stop, PreCompact and SessionEnd start reads before extracting; Stop's
//! `last_assistant_message` is stored once; a missing, cut or malformed transcript is logged
//! and loses nothing; `/dev/null` is no transcript, silently.

mod common;

use common::Setup;
use memcore::{EventPayload, Memory};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SESSION: &str = "sess-1";

fn record(kind: &str, uuid: &str, at: &str, content: Value) -> String {
    let message = if kind == "assistant" {
        json!({"id": format!("msg-{uuid}"), "role": "assistant", "content": content})
    } else {
        json!({"role": "user", "content": content})
    };
    let line = json!({"type": kind, "uuid": uuid, "sessionId": SESSION, "cwd": "/p",
                      "timestamp": at, "message": message});
    format!("{line}\n")
}

fn words(uuid: &str, at: &str, text: &str) -> String {
    record(
        "assistant",
        uuid,
        at,
        json!([{"type": "text", "text": text}]),
    )
}

/// The first turn as Claude Code writes it: prompt, thinking, words, a tool call and its
/// result, more words, the wrap-up.
fn first_turn() -> String {
    [
        record(
            "user",
            "u1",
            "2026-03-01T10:00:00.000Z",
            json!("Why is the coupon applied twice?"),
        ),
        record(
            "assistant",
            "a0",
            "2026-03-01T10:00:01.000Z",
            json!([{"type": "thinking", "thinking": "private musing", "signature": "x"}]),
        ),
        words(
            "a1",
            "2026-03-01T10:00:02.000Z",
            "Let me read the checkout code first.",
        ),
        record(
            "assistant",
            "a2",
            "2026-03-01T10:00:03.000Z",
            json!([{"type": "tool_use", "id": "toolu_1", "name": "Read",
                    "input": {"file_path": "/p/src/cart/coupon.rs"}}]),
        ),
        record(
            "user",
            "u2",
            "2026-03-01T10:00:04.000Z",
            json!([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "fn apply()"}]),
        ),
        words(
            "a3",
            "2026-03-01T10:00:05.000Z",
            "The discount is subtracted in apply() and again in total(); I keep the one in total() because refunds use it.",
        ),
    ]
    .concat()
}

const WRAP_UP: &str = "Fixed: the coupon is now subtracted once, in total().";

fn wrap_up() -> String {
    words("a4", "2026-03-01T10:00:09.000Z", WRAP_UP)
}

struct Session {
    setup: Setup,
    transcript: PathBuf,
}

impl Session {
    fn new(setup: Setup, content: &str) -> Session {
        let transcript = setup.dir.path().join("transcript.jsonl");
        std::fs::write(&transcript, content).expect("write transcript");
        Session { setup, transcript }
    }

    fn input(&self, event: &str, extra: Value) -> Value {
        let mut input = json!({"session_id": SESSION, "cwd": self.setup.cwd,
                               "hook_event_name": event, "transcript_path": self.transcript});
        if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        input
    }

    fn hook(&self, event: &str, extra: Value) -> String {
        self.setup.hook(event, &self.input(event, extra))
    }

    fn append(&self, text: &str) {
        append(&self.transcript, text);
    }

    /// The session's assistant messages: text, key, time.
    fn messages(&self) -> Vec<(String, Option<String>, OffsetDateTime)> {
        let memory = Memory::open(&self.setup.db).expect("open the store");
        memory
            .events(SESSION, None)
            .expect("events")
            .into_iter()
            .filter_map(|e| match e.payload {
                EventPayload::AssistantMessage { text } => {
                    Some((text, e.external_id, e.occurred_at))
                }
                _ => None,
            })
            .collect()
    }

    fn texts(&self) -> Vec<String> {
        self.messages().into_iter().map(|m| m.0).collect()
    }

    fn event_count(&self) -> u64 {
        self.setup.stats()["events"].as_u64().expect("events")
    }
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("append");
}

fn at(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).expect("time")
}

fn quiet() -> Setup {
    Setup::new().with_env("MEMCORE_NO_EXTRACT", "1")
}

#[test]
fn the_next_prompt_stores_the_previous_turns_words_with_their_times() {
    let s = Session::new(quiet(), "");
    s.hook("SessionStart", json!({"source": "startup"}));
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "Why is the coupon applied twice?"}),
    );
    s.append(&first_turn());
    s.hook(
        "PostToolUse",
        json!({"tool_name": "Read", "tool_input": {"file_path": "/p/src/cart/coupon.rs"},
               "tool_response": "fn apply()", "tool_use_id": "toolu_1"}),
    );
    // PostToolUse does not read the transcript.
    assert_eq!(s.texts(), Vec::<String>::new());
    s.append(&wrap_up());
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "Now add a test for refunds"}),
    );
    let messages = s.messages();
    let keys: Vec<Option<&str>> = messages.iter().map(|m| m.1.as_deref()).collect();
    assert_eq!(keys, [Some("a1"), Some("a3"), Some("a4")], "{messages:?}");
    assert!(messages[1].0.contains("because refunds use it"));
    assert_eq!(messages[0].2, at("2026-03-01T10:00:02.000Z"));
    assert_eq!(messages[1].2, at("2026-03-01T10:00:05.000Z"));
    assert_eq!(messages[2].2, at("2026-03-01T10:00:09.000Z"));
    // Two prompts, one tool call, three messages: nothing from the transcript doubles the
    // hooks' own prompt and tool call, and no thinking.
    assert_eq!(s.event_count(), 6);
    assert!(!s.texts().iter().any(|t| t.contains("private musing")));

    // The next prompt reads nothing new: the transcript's words are not stored again.
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "And for partial refunds?"}),
    );
    assert_eq!(s.event_count(), 7);
    assert_eq!(s.texts().len(), 3);
    assert_eq!(s.setup.log(), "", "no noise in the log");
}

#[test]
fn stops_last_message_is_stored_once_whether_or_not_the_transcript_has_it_yet() {
    let s = Session::new(quiet(), "");
    s.hook("SessionStart", json!({"source": "startup"}));
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "Why is the coupon applied twice?", "prompt_id": "p1"}),
    );
    // Stop fires before Claude Code wrote the wrap-up to the transcript.
    s.append(&first_turn());
    s.hook(
        "Stop",
        json!({"stop_hook_active": false, "last_assistant_message": WRAP_UP, "prompt_id": "p1"}),
    );
    assert_eq!(s.texts(), [WRAP_UP]);
    s.append(&wrap_up());
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "Thanks", "prompt_id": "p2"}),
    );
    let texts = s.texts();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts.iter().filter(|t| *t == WRAP_UP).count(), 1);

    // The transcript first, then Stop: still once.
    let second = words("a9", "2026-03-01T10:05:00.000Z", "Added the refund test.");
    s.append(&second);
    s.hook(
        "UserPromptSubmit",
        json!({"prompt": "ok", "prompt_id": "p3"}),
    );
    s.hook(
        "Stop",
        json!({"last_assistant_message": "Added the refund test.", "prompt_id": "p3"}),
    );
    let texts = s.texts();
    assert_eq!(texts.len(), 4, "{texts:?}");
}

#[test]
fn the_detached_extractor_reads_the_transcript_before_extracting() {
    // The real extractor, started by Stop and SessionEnd.
    let s = Session::new(Setup::new(), &first_turn());
    s.hook("SessionStart", json!({"source": "startup"}));
    s.hook(
        "PostToolUse",
        json!({"tool_name": "Read", "tool_input": {"file_path": "/p/src/cart/coupon.rs"},
               "tool_response": "fn apply()", "tool_use_id": "toolu_1"}),
    );
    s.hook("Stop", json!({"stop_hook_active": false}));
    s.setup.wait_for_extraction(0);
    assert_eq!(s.messages().len(), 2, "{:?}", s.messages());
    s.append(&wrap_up());
    s.hook("SessionEnd", json!({"reason": "prompt_input_exit"}));
    s.setup.wait_for_extraction(1);
    let keys: Vec<Option<String>> = s.messages().into_iter().map(|m| m.1).collect();
    assert_eq!(
        keys,
        [Some("a1".into()), Some("a3".into()), Some("a4".into())]
    );
    assert_eq!(s.setup.stats()["failed_events"], 0);
}

#[test]
fn a_cut_last_line_is_read_whole_next_time() {
    let s = Session::new(quiet(), &first_turn());
    let line = wrap_up();
    let (head, tail) = line.split_at(line.len() / 2);
    s.append(head);
    s.hook("UserPromptSubmit", json!({"prompt": "go on"}));
    assert_eq!(s.texts().len(), 2);
    s.append(tail);
    s.hook("UserPromptSubmit", json!({"prompt": "go on"}));
    assert_eq!(s.texts().len(), 3);
    assert_eq!(s.texts().last().map(String::as_str), Some(WRAP_UP));
    assert_eq!(s.setup.log(), "", "a line being written is no problem");
}

#[test]
fn a_compacted_transcript_doubles_nothing_and_adds_what_is_new() {
    let s = Session::new(quiet(), &first_turn());
    s.hook("UserPromptSubmit", json!({"prompt": "go on"}));
    assert_eq!(s.texts().len(), 2);
    // Rewritten shorter: one old record kept, one new.
    std::fs::write(
        &s.transcript,
        [
            words(
                "a3",
                "2026-03-01T10:00:05.000Z",
                "The discount is subtracted in apply() and again in total(); I keep the one in total() because refunds use it.",
            ),
            wrap_up(),
        ]
        .concat(),
    )
    .expect("rewrite");
    s.hook("UserPromptSubmit", json!({"prompt": "go on"}));
    assert_eq!(s.texts().len(), 3, "{:?}", s.texts());
    assert!(
        s.setup.log().contains("read again from the start"),
        "{}",
        s.setup.log()
    );
}

#[test]
fn a_missing_transcript_is_logged_and_the_hook_still_answers() {
    let s = Session::new(quiet(), &first_turn());
    s.hook("UserPromptSubmit", json!({"prompt": "first"}));
    let before = s.event_count();
    std::fs::remove_file(&s.transcript).expect("remove");
    let out = s.setup.run_with_input(
        &["hook", "UserPromptSubmit"],
        s.input("UserPromptSubmit", json!({"prompt": "second"}))
            .to_string()
            .as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(s.event_count(), before + 1, "the prompt is still recorded");
    assert_eq!(s.texts().len(), 2, "nothing lost");
    let log = s.setup.log();
    assert!(log.contains("cannot read the transcript"), "{log}");
    assert!(log.contains("transcript.jsonl"), "{log}");
}

#[test]
fn malformed_lines_are_logged_and_the_rest_is_stored() {
    let content = format!("{{\"type\": \"assistant\", cut\n[1]\n{}", first_turn());
    let s = Session::new(quiet(), &content);
    s.hook("UserPromptSubmit", json!({"prompt": "go on"}));
    assert_eq!(s.texts().len(), 2);
    let log = s.setup.log();
    assert!(log.contains("2 unreadable lines"), "{log}");
}

#[test]
fn dev_null_is_no_transcript_and_no_noise() {
    let setup = quiet();
    for (event, extra) in [
        ("SessionStart", json!({"source": "startup"})),
        ("UserPromptSubmit", json!({"prompt": "Fix the coupon bug"})),
        ("Stop", json!({"last_assistant_message": "Done."})),
    ] {
        let mut input = json!({"session_id": SESSION, "cwd": setup.cwd,
                               "hook_event_name": event, "transcript_path": "/dev/null"});
        if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        setup.hook(event, &input);
    }
    assert_eq!(setup.log(), "");
    assert_eq!(setup.stats()["events"], 2);
}
