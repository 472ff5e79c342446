//! Reading a live session's transcript from its read position (`Memory::read_transcript`):
//! the assistant's words between tool calls with their records' times, and what a transcript
//! in the wild does: grow, end mid-line, get rewritten, go missing, hold bad lines.

use memcore::{Error, Event, EventPayload, Memory, NewSession};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SESSION: &str = "s1";

fn user(uuid: &str, at: &str, text: &str) -> String {
    serde_json::json!({"type": "user", "uuid": uuid, "sessionId": SESSION, "cwd": "/p",
                       "timestamp": at, "message": {"role": "user", "content": text}})
    .to_string()
}

fn text(uuid: &str, message: &str, at: &str, text: &str) -> String {
    serde_json::json!({"type": "assistant", "uuid": uuid, "sessionId": SESSION,
                       "timestamp": at, "message": {"id": message, "role": "assistant",
                       "content": [{"type": "text", "text": text}]}})
    .to_string()
}

fn thinking(uuid: &str, message: &str, at: &str) -> String {
    serde_json::json!({"type": "assistant", "uuid": uuid, "timestamp": at,
                       "message": {"id": message, "content": [
                           {"type": "thinking", "thinking": "secret musing", "signature": "x"}]}})
    .to_string()
}

fn tool(uuid: &str, message: &str, at: &str, id: &str) -> String {
    serde_json::json!({"type": "assistant", "uuid": uuid, "timestamp": at,
                       "message": {"id": message, "content": [
                           {"type": "tool_use", "id": id, "name": "Bash",
                            "input": {"command": "cargo test"}}]}})
    .to_string()
}

fn result(uuid: &str, at: &str, id: &str) -> String {
    serde_json::json!({"type": "user", "uuid": uuid, "timestamp": at,
                       "message": {"content": [{"type": "tool_result", "tool_use_id": id,
                                                "content": "ok"}]}})
    .to_string()
}

/// A turn: a prompt, words, a tool call, words after it, a wrap-up of another message.
fn turn() -> Vec<String> {
    vec![
        user("u1", "2026-03-01T10:00:00.000Z", "Why does the build fail?"),
        thinking("a0", "m1", "2026-03-01T10:00:01.000Z"),
        text(
            "a1",
            "m1",
            "2026-03-01T10:00:02.000Z",
            "The linker flags look wrong; running the tests to see.",
        ),
        tool("a2", "m1", "2026-03-01T10:00:03.000Z", "toolu_1"),
        result("u2", "2026-03-01T10:00:04.000Z", "toolu_1"),
        text(
            "a3",
            "m2",
            "2026-03-01T10:00:05.000Z",
            "I chose static linking because the target has no libc.",
        ),
    ]
}

fn lines(records: &[String]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    memory: Memory,
    path: PathBuf,
}

fn fixture(content: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let memory = Memory::open(dir.path().join("memory.db")).expect("open");
    memory
        .start_session(NewSession::new(SESSION, "p", "claude-code"))
        .expect("session");
    let path = dir.path().join("s1.jsonl");
    std::fs::write(&path, content).expect("write transcript");
    Fixture {
        _dir: dir,
        memory,
        path,
    }
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
}

fn events(memory: &Memory) -> Vec<Event> {
    memory.events(SESSION, None).expect("events")
}

fn texts(memory: &Memory) -> Vec<String> {
    events(memory)
        .into_iter()
        .filter_map(|e| match e.payload {
            EventPayload::AssistantMessage { text } => Some(text),
            _ => None,
        })
        .collect()
}

fn at(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).expect("time")
}

#[test]
fn the_assistants_words_between_tool_calls_are_recorded_with_their_times() {
    let f = fixture(&lines(&turn()));
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!((read.added, read.already_stored), (2, 0));
    assert_eq!(read.restarted, None);
    let stored = events(&f.memory);
    // The assistant's text, not its thinking, not the prompt (the hook records it under its
    // own key); the tool call too, as no hook delivered it.
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert_eq!(read.tool_calls_added, 1);
    assert_eq!(
        texts(&f.memory),
        [
            "The linker flags look wrong; running the tests to see.",
            "I chose static linking because the target has no libc."
        ]
    );
    assert_eq!(stored[0].external_id.as_deref(), Some("a1"));
    assert_eq!(stored[1].external_id.as_deref(), Some("toolu_1"));
    assert_eq!(stored[2].external_id.as_deref(), Some("a3"));
    assert_eq!(stored[0].occurred_at, at("2026-03-01T10:00:02.000Z"));
    assert_eq!(stored[2].occurred_at, at("2026-03-01T10:00:05.000Z"));
    assert_eq!(read.end, std::fs::metadata(&f.path).unwrap().len());
}

fn tool_calls(memory: &Memory) -> Vec<(Option<String>, Option<String>)> {
    events(memory)
        .into_iter()
        .filter_map(|e| match e.payload {
            EventPayload::ToolUse {
                tool_use_id,
                output,
                ..
            } => Some((tool_use_id, output)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_tool_call_the_hook_delivered_is_kept_as_the_hook_gave_it() {
    let f = fixture(&lines(&turn()));
    let hook = memcore::NewEvent::new(
        SESSION,
        EventPayload::ToolUse {
            tool_name: "Bash".into(),
            input: serde_json::json!({"command": "cargo test"}),
            output: Some("ok, from the hook".into()),
            error: None,
            tool_use_id: Some("toolu_1".into()),
        },
    );
    f.memory.record_event(hook).expect("hook event");
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!((read.added, read.tool_calls_added), (2, 0));
    assert_eq!(
        tool_calls(&f.memory),
        [(Some("toolu_1".into()), Some("ok, from the hook".into()))]
    );
}

#[test]
fn a_tool_call_without_its_result_yet_is_left_to_the_hook() {
    // The call is still running: its PostToolUse hook will carry the output.
    let f = fixture(&lines(&[tool(
        "a2",
        "m1",
        "2026-03-01T10:00:03.000Z",
        "toolu_9",
    )]));
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!(read.tool_calls_added, 0);
    assert!(tool_calls(&f.memory).is_empty());
}

#[test]
fn reading_twice_stores_nothing_twice_and_reads_only_what_was_added() {
    let f = fixture(&lines(&turn()));
    let first = f.memory.read_transcript(SESSION, &f.path).expect("read");
    let again = f
        .memory
        .read_transcript(SESSION, &f.path)
        .expect("read again");
    assert_eq!((again.added, again.already_stored), (0, 0));
    assert_eq!((again.start, again.end), (first.end, first.end));
    append(
        &f.path,
        &lines(&[text("a4", "m3", "2026-03-01T10:01:00.000Z", "Next turn.")]),
    );
    let more = f
        .memory
        .read_transcript(SESSION, &f.path)
        .expect("read more");
    assert_eq!(
        (more.start, more.added, more.already_stored),
        (first.end, 1, 0)
    );
    assert_eq!(texts(&f.memory).len(), 3);
}

#[test]
fn a_last_line_without_newline_waits_for_the_next_read_and_is_stored_once() {
    let mut content = lines(&turn());
    let last = text(
        "a9",
        "m9",
        "2026-03-01T10:02:00.000Z",
        "Written in two parts.",
    );
    let (head, tail) = last.split_at(last.len() / 2);
    content.push_str(head);
    let f = fixture(&content);
    let cut = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert!(cut.incomplete_tail);
    assert_eq!(cut.bad_lines, []);
    assert_eq!(cut.end as usize, content.len() - head.len());
    assert_eq!(texts(&f.memory).len(), 2);

    // The complete JSON without its newline is still not taken: the writer is mid-line.
    append(&f.path, tail);
    let unterminated = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert!(unterminated.incomplete_tail);
    assert_eq!(unterminated.added, 0);

    append(&f.path, "\n");
    let done = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert!(!done.incomplete_tail);
    assert_eq!((done.added, done.already_stored), (1, 0));
    assert_eq!(
        texts(&f.memory).last().map(String::as_str),
        Some("Written in two parts.")
    );
    let again = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!(again.added, 0);
    assert_eq!(texts(&f.memory).len(), 3);
}

#[test]
fn a_rewritten_transcript_is_read_again_from_the_start_without_doubling() {
    let f = fixture(&lines(&turn()));
    f.memory.read_transcript(SESSION, &f.path).expect("read");

    // Compaction-like rewrite: a shorter file that keeps one old record and adds a new one.
    let shorter = lines(&[
        text(
            "a3",
            "m2",
            "2026-03-01T10:00:05.000Z",
            "I chose static linking because the target has no libc.",
        ),
        text(
            "a5",
            "m5",
            "2026-03-01T10:03:00.000Z",
            "After the compaction.",
        ),
    ]);
    std::fs::write(&f.path, &shorter).expect("rewrite");
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert!(read.restarted.is_some(), "{read:?}");
    assert_eq!((read.start, read.added, read.already_stored), (0, 1, 1));
    assert_eq!(texts(&f.memory).len(), 3);

    // A rewrite as long as before but with other first bytes is noticed too.
    let mut longer = lines(&[text("a6", "m6", "2026-03-01T10:04:00.000Z", "Replaced.")]);
    longer.push_str(&shorter);
    longer.push_str(&lines(&turn()));
    std::fs::write(&f.path, &longer).expect("rewrite");
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert!(read.restarted.is_some(), "{read:?}");
    // a3 appears twice in the file: the parser keeps it once.
    assert_eq!((read.added, read.already_stored), (1, 3));
    assert_eq!(texts(&f.memory).len(), 4);
}

#[test]
fn a_missing_transcript_is_an_error_that_loses_nothing() {
    let f = fixture(&lines(&turn()));
    let first = f.memory.read_transcript(SESSION, &f.path).expect("read");
    std::fs::remove_file(&f.path).expect("remove");
    let err = f.memory.read_transcript(SESSION, &f.path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("s1.jsonl"), "{err}");
    assert_eq!(texts(&f.memory).len(), 2);
    // Back again (same content): the position was kept, nothing is doubled.
    std::fs::write(&f.path, lines(&turn())).expect("write");
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!((read.start, read.added), (first.end, 0));

    let dir = f.path.parent().unwrap();
    let err = f.memory.read_transcript(SESSION, dir).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    let err = f.memory.read_transcript("nope", &f.path).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[test]
fn malformed_lines_are_counted_and_skipped() {
    let mut records = turn();
    records.insert(2, "{not json".to_owned());
    records.insert(4, "[1,2]".to_owned());
    let mut content = lines(&records);
    content.push_str("\u{0}\u{ff}garbage\n");
    let f = fixture(&content);
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!(read.added, 2);
    let at: Vec<usize> = read.bad_lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(at, [3, 5, 9]);
    assert_eq!(read.end as usize, content.len());
}

#[test]
fn a_byte_budget_reads_whole_lines_and_the_rest_next_time() {
    let f = fixture(&lines(&turn()));
    let first = f
        .memory
        .read_transcript_with(SESSION, &f.path, Some(1))
        .expect("read");
    assert!(first.more);
    assert_eq!(first.end as usize, turn()[0].len() + 1);
    let mut reads = 1;
    loop {
        let read = f
            .memory
            .read_transcript_with(SESSION, &f.path, Some(1))
            .expect("read");
        reads += 1;
        if !read.more {
            break;
        }
    }
    assert_eq!(reads, turn().len());
    assert_eq!(texts(&f.memory).len(), 2);
}

#[test]
fn the_stop_hooks_copy_and_the_transcripts_are_stored_once() {
    let wrap_up = "I chose static linking because the target has no libc.";
    // Stop first (the transcript did not hold the message yet)...
    let f = fixture(&lines(&turn()[..5]));
    let stop = f
        .memory
        .record_last_assistant_message(SESSION, Some("p1"), &format!("{wrap_up}\n"))
        .expect("stop");
    assert!(stop.is_some_and(|r| r.inserted));
    append(&f.path, &lines(&turn()[5..]));
    let read = f.memory.read_transcript(SESSION, &f.path).expect("read");
    assert_eq!((read.added, read.already_stored), (1, 1));
    assert_eq!(texts(&f.memory).len(), 2);

    // ... or the transcript first.
    let g = fixture(&lines(&turn()));
    g.memory.read_transcript(SESSION, &g.path).expect("read");
    let stop = g
        .memory
        .record_last_assistant_message(SESSION, Some("p1"), wrap_up)
        .expect("stop");
    assert_eq!(stop, None);
    assert_eq!(texts(&g.memory).len(), 2);

    // A Stop fired twice for one turn stores one copy.
    let again = f
        .memory
        .record_last_assistant_message(SESSION, Some("p1"), wrap_up)
        .expect("stop");
    assert!(again.is_some_and(|r| !r.inserted));
    assert_eq!(texts(&f.memory).len(), 2);
}

#[test]
fn import_keeps_importing_everything_and_strips_host_tags_from_prompts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.jsonl");
    let mut records = turn();
    records[0] = user(
        "u1",
        "2026-03-01T10:00:00.000Z",
        "<ide_opened_file>The user opened src/main.rs</ide_opened_file>Why does the build fail?",
    );
    let mut content = lines(&records);
    // A finished transcript's last line counts even without its newline.
    content.push_str(&text("a7", "m7", "2026-03-01T10:05:00.000Z", "The end."));
    std::fs::write(&path, content).expect("write");
    let memory = Memory::open(dir.path().join("memory.db")).expect("open");
    let import = memory.import_transcript(&path, Some("p")).expect("import");
    assert_eq!(import.events, 5);
    let events = memory.events(SESSION, None).expect("events");
    assert_eq!(
        events[0].payload,
        EventPayload::UserPrompt {
            text: "Why does the build fail?".into()
        }
    );
    assert!(matches!(events[2].payload, EventPayload::ToolUse { .. }));
}
