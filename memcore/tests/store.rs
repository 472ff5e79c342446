//! The store through the public API: sessions, events, observations, summaries, dedup,
//! forgetting, project scoping, the full-text index, and what opening refuses.

use memcore::{
    Error, EventPayload, EventStatus, Memory, NewEvent, NewObservation, NewSession, NewSummary,
    ObservationKind, SCHEMA_VERSION, Scope,
};
use rusqlite::Connection;
use std::path::Path;

fn open_temp() -> (tempfile::TempDir, Memory) {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("memory.db")).unwrap();
    (dir, mem)
}

fn fts_count(path: &Path, table: &str, query: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(
        &format!("SELECT count(*) FROM {table} WHERE {table} MATCH ?1"),
        [query],
        |r| r.get(0),
    )
    .unwrap()
}

fn observation(session: &str, title: &str) -> NewObservation {
    NewObservation {
        session_id: Some(session.into()),
        kind: Some(ObservationKind::Bugfix),
        title: title.into(),
        narrative: "The lexer treated a trailing comma as an identifier.".into(),
        facts: vec!["cargo test lexer::trailing_comma passes".into()],
        files_modified: vec!["src/lexer.rs".into()],
        ..Default::default()
    }
}

#[test]
fn a_session_round_trip_keeps_every_field() {
    let (_dir, mem) = open_temp();
    let s = mem
        .start_session(NewSession::new("s1", "webshop", "claude-code"))
        .unwrap();
    assert_eq!(s.project, "webshop");
    let rec = mem
        .record_event(NewEvent::new(
            "s1",
            EventPayload::ToolUse {
                tool_name: "Edit".into(),
                input: serde_json::json!({"file_path": "src/lexer.rs"}),
                output: Some("ok".into()),
                error: None,
                tool_use_id: Some("toolu_1".into()),
            },
        ))
        .unwrap();
    assert!(rec.inserted);
    let added = mem
        .add_observation(NewObservation {
            source_event_ids: vec![rec.id],
            concepts: vec!["problem-solution".into()],
            files_read: vec!["tests/lexer.rs".into()],
            importance: Some(0.9),
            ..observation("s1", "Fixed trailing comma in the lexer")
        })
        .unwrap();
    assert!(!added.duplicate);
    let got = mem.get(&[added.id]).unwrap();
    assert_eq!(got.len(), 1);
    let o = &got[0];
    assert_eq!(o.project, "webshop");
    assert_eq!(o.session_id.as_deref(), Some("s1"));
    assert_eq!(o.kind, ObservationKind::Bugfix);
    assert_eq!(o.title, "Fixed trailing comma in the lexer");
    assert_eq!(o.facts, vec!["cargo test lexer::trailing_comma passes"]);
    assert_eq!(o.concepts, vec!["problem-solution"]);
    assert_eq!(o.files_read, vec!["tests/lexer.rs"]);
    assert_eq!(o.files_modified, vec!["src/lexer.rs"]);
    assert_eq!(o.source_event_ids, vec![rec.id]);
    assert!((o.importance - 0.9).abs() < 1e-6);
    assert_eq!(o.content_hash.len(), 64);
    assert!(o.token_count > 10);

    let summary = mem
        .add_summary(
            "s1",
            NewSummary {
                request: "Fix the lexer".into(),
                completed: "Trailing commas parse".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(summary.project, "webshop");
    let ended = mem.end_session("s1").unwrap();
    assert!(ended.ended_at.is_some());
    let latest = mem
        .latest_summary(&Scope::Project("webshop".into()))
        .unwrap()
        .unwrap();
    assert_eq!(latest.content.request, "Fix the lexer");
}

#[test]
fn recording_the_same_tool_use_twice_stores_one_event() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("s", "p", "test"))
        .unwrap();
    let event = NewEvent::new(
        "s",
        EventPayload::ToolUse {
            tool_name: "Bash".into(),
            input: serde_json::json!({"command": "cargo test"}),
            output: None,
            error: None,
            tool_use_id: Some("toolu_42".into()),
        },
    );
    let first = mem.record_event(event.clone()).unwrap();
    let second = mem.record_event(event).unwrap();
    assert!(first.inserted);
    assert!(!second.inserted);
    assert_eq!(first.id, second.id);
    assert_eq!(mem.events("s", None).unwrap().len(), 1);
}

#[test]
fn an_event_of_an_unknown_session_is_refused_by_name() {
    let (_dir, mem) = open_temp();
    let err = mem
        .record_event(NewEvent::new(
            "nope",
            EventPayload::Note { text: "x".into() },
        ))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                what: "session",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("nope"));
}

#[test]
fn duplicate_content_in_a_project_is_stored_once_and_reported() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("a", "p1", "t")).unwrap();
    mem.start_session(NewSession::new("b", "p2", "t")).unwrap();
    let first = mem
        .add_observation(observation("a", "Fixed the lexer"))
        .unwrap();
    // Case and whitespace differences are normalised away.
    let again = mem
        .add_observation(observation("a", "  fixed   THE lexer "))
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.id, first.id);
    // The same content in another project is that project's own memory.
    let other = mem
        .add_observation(observation("b", "Fixed the lexer"))
        .unwrap();
    assert!(!other.duplicate);
    assert_eq!(
        mem.stats(&Scope::Project("p1".into()))
            .unwrap()
            .observations,
        1
    );
    assert_eq!(mem.stats(&Scope::All).unwrap().observations, 2);
}

#[test]
fn reads_are_scoped_to_a_project_unless_all_are_asked_for() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("a", "p1", "t")).unwrap();
    mem.start_session(NewSession::new("b", "p2", "t")).unwrap();
    mem.add_observation(observation("a", "One")).unwrap();
    mem.add_observation(observation("b", "Two")).unwrap();
    let p1 = mem.recent(&Scope::Project("p1".into()), 10).unwrap();
    assert_eq!(
        p1.iter().map(|o| o.title.as_str()).collect::<Vec<_>>(),
        ["One"]
    );
    assert_eq!(mem.recent(&Scope::All, 10).unwrap().len(), 2);
    assert_eq!(mem.projects().unwrap(), ["p1", "p2"]);
}

#[test]
fn the_full_text_index_follows_inserts_and_forgets() {
    let (dir, mem) = open_temp();
    let path = dir.path().join("memory.db");
    mem.start_session(NewSession::new("s", "p", "t")).unwrap();
    let id = mem
        .add_observation(NewObservation {
            title: "Cached the RefreshToken lookup".into(),
            facts: vec!["HTTP 429 came from the auth service".into()],
            files_modified: vec!["src/auth/token.rs".into()],
            ..observation("s", "")
        })
        .unwrap()
        .id;
    mem.record_event(NewEvent::new(
        "s",
        EventPayload::UserPrompt {
            text: "why does the checkout page time out".into(),
        },
    ))
    .unwrap();
    mem.add_summary(
        "s",
        NewSummary {
            learned: "the payment gateway retries thrice".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        fts_count(&path, "observations_fts", "refresh"),
        1,
        "camel-case part"
    );
    assert_eq!(
        fts_count(&path, "observations_fts", "refreshtoken"),
        1,
        "whole identifier"
    );
    assert_eq!(fts_count(&path, "observations_fts", "\"429\""), 1);
    assert_eq!(fts_count(&path, "observations_fts", "files:token"), 1);
    assert_eq!(
        fts_count(&path, "observations_fts", "lexer"),
        1,
        "narrative"
    );
    assert_eq!(
        fts_count(&path, "observations_fts", "caching"),
        1,
        "stemmed"
    );
    assert_eq!(fts_count(&path, "conversation_fts", "checkout"), 1);
    assert_eq!(fts_count(&path, "summaries_fts", "gateway"), 1);
    assert!(mem.forget(id).unwrap());
    assert!(
        !mem.forget(id).unwrap(),
        "forgetting twice reports nothing to forget"
    );
    assert_eq!(fts_count(&path, "observations_fts", "refresh"), 0);
    assert!(mem.get(&[id]).unwrap().is_empty());
}

#[test]
fn supersession_links_both_ways_and_needs_an_existing_target() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("s", "p", "t")).unwrap();
    let old = mem
        .add_observation(observation("s", "Use bcrypt for passwords"))
        .unwrap()
        .id;
    let new = mem
        .add_observation(NewObservation {
            supersedes: Some(old),
            ..observation("s", "Use argon2 for passwords")
        })
        .unwrap()
        .id;
    assert_eq!(mem.get(&[old]).unwrap()[0].superseded_by, Some(new));
    assert_eq!(mem.get(&[new]).unwrap()[0].supersedes, Some(old));
    let err = mem
        .add_observation(NewObservation {
            supersedes: Some(9999),
            ..observation("s", "Dangling")
        })
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[test]
fn invalid_observations_name_what_is_wrong() {
    let (_dir, mem) = open_temp();
    let err = mem
        .add_observation(NewObservation {
            project: Some("p".into()),
            title: "   ".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("observation title"), "{err}");
    let err = mem
        .add_observation(NewObservation {
            title: "No project".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("project"), "{err}");
}

#[test]
fn stats_count_pending_events_and_kinds() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("s", "p", "t")).unwrap();
    for i in 0..3 {
        mem.record_event(NewEvent::new(
            "s",
            EventPayload::Note {
                text: format!("note {i}"),
            },
        ))
        .unwrap();
    }
    mem.add_observation(observation("s", "A")).unwrap();
    let stats = mem.stats(&Scope::Project("p".into())).unwrap();
    assert_eq!(stats.events, 3);
    assert_eq!(stats.pending_events, 3);
    assert_eq!(stats.failed_events, 0);
    assert_eq!(stats.observations_by_kind.get("bugfix"), Some(&1));
    assert_eq!(stats.sessions, 1);
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert!(stats.file_size_bytes > 0);
    assert_eq!(
        mem.events("s", Some(EventStatus::Pending)).unwrap().len(),
        3
    );
}

#[test]
fn reopening_a_current_store_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    {
        let mem = Memory::open(&path).unwrap();
        mem.start_session(NewSession::new("s", "p", "t")).unwrap();
        mem.add_observation(observation("s", "Kept")).unwrap();
    }
    let mem = Memory::open(&path).unwrap();
    assert_eq!(mem.recent(&Scope::All, 5).unwrap()[0].title, "Kept");
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}

// --- What opening refuses -------------------------------------------------------------------

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn an_empty_path_is_refused() {
    assert!(matches!(Memory::open(""), Err(Error::EmptyPath)));
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Memory::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::PathIsDirectory { .. }), "{err}");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content = b"these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &content).unwrap();
    let err = Memory::open(&path).unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
    assert_eq!(file_bytes(&path), content);
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);")
        .unwrap();
    let before = file_bytes(&path);
    let err = Memory::open(&path).unwrap_err();
    assert!(matches!(err, Error::ForeignDatabase { .. }), "{err}");
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn a_store_from_a_newer_memcore_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    drop(Memory::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        conn.pragma_update(None, "journal_mode", "delete").unwrap();
    }
    let before = file_bytes(&path);
    let err = Memory::open(&path).unwrap_err();
    match &err {
        Error::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other}"),
    }
    assert!(err.to_string().contains("upgrade memcore"));
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn a_read_only_location_is_refused() {
    // /proc is read-only for every user, root included, so this holds in CI containers.
    let path = Path::new("/proc/memcore-test/memory.db");
    if !Path::new("/proc/self").exists() {
        eprintln!("skipped: no /proc on this system");
        return;
    }
    let err = Memory::open(path).unwrap_err();
    assert!(
        matches!(err, Error::ReadOnly { .. } | Error::Io { .. }),
        "expected a read-only or I/O error, got {err}"
    );
    assert!(err.to_string().contains("/proc/memcore-test"), "{err}");
}

#[test]
fn a_read_only_file_is_read_and_only_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    {
        let mem = Memory::open(&path).unwrap();
        mem.start_session(NewSession::new("s", "p", "t")).unwrap();
        mem.add_observation(observation("s", "The cache keys include the locale"))
            .unwrap();
    }
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let before = file_bytes(&path);
    // Marked read-only: read, never written (even by a user such as root who could).
    let mem = Memory::open(&path).unwrap();
    assert_eq!(mem.recent(&Scope::All, 10).unwrap().len(), 1);
    assert_eq!(mem.stats(&Scope::All).unwrap().observations, 1);
    let context = mem
        .context(&memcore::ContextRequest::prompt("p", "cache keys locale"))
        .unwrap();
    assert!(context.text.contains("locale"), "{}", context.text);
    let err = mem
        .record_event(NewEvent::new("s", EventPayload::Note { text: "x".into() }))
        .unwrap_err();
    assert!(matches!(err, Error::ReadOnly { .. }), "{err}");
    assert!(err.to_string().contains("not writable"), "{err}");
    drop(mem);
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn a_huge_prompt_is_redacted_and_bounded_like_tool_output() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("s", "p", "t")).unwrap();
    let secret = format!("ghp_{}", "a1B2c3D4".repeat(5));
    // A 30 MB paste: a secret at the start, the question at the end.
    let huge = format!(
        "token={secret}\n{}what does this log say?",
        "a pasted log line of the build\n".repeat(1_000_000)
    );
    let started = std::time::Instant::now();
    for payload in [
        EventPayload::UserPrompt { text: huge.clone() },
        EventPayload::AssistantMessage { text: huge.clone() },
        EventPayload::Note { text: huge.clone() },
    ] {
        mem.record_event(NewEvent::new("s", payload)).unwrap();
    }
    let took = started.elapsed();
    let limit = memcore::Config::default().max_text_bytes;
    for event in mem.events("s", None).unwrap() {
        let (EventPayload::UserPrompt { text }
        | EventPayload::AssistantMessage { text }
        | EventPayload::Note { text }) = &event.payload
        else {
            panic!("expected a text event");
        };
        assert!(text.len() < limit + 200, "kept {} bytes", text.len());
        assert!(text.contains("elided"), "the cut is marked");
        assert!(
            text.ends_with("what does this log say?"),
            "the tail is kept"
        );
        assert!(!text.contains(&secret) && text.contains("[REDACTED:"));
    }
    // Seconds before the bound, in a debug build too; generous for a loaded machine.
    assert!(took.as_secs() < 10, "three 30 MB texts took {took:?}");
}

#[test]
fn tool_output_is_redacted_and_bounded_before_it_is_stored() {
    let (_dir, mem) = open_temp();
    mem.start_session(NewSession::new("s", "p", "t")).unwrap();
    let secret = format!("ghp_{}", "a1B2c3D4".repeat(5));
    let huge = format!(
        "token={secret}\n{}",
        "cargo build output line\n".repeat(50_000)
    );
    let id = mem
        .record_event(NewEvent::new(
            "s",
            EventPayload::ToolUse {
                tool_name: "Bash".into(),
                input: serde_json::json!({"command": "cargo build", "env": {"GITHUB_TOKEN": secret}}),
                output: Some(huge.clone()),
                error: None,
                tool_use_id: Some("t1".into()),
            },
        ))
        .unwrap()
        .id;
    let stored = mem.events("s", None).unwrap();
    let EventPayload::ToolUse { input, output, .. } = &stored[0].payload else {
        panic!("expected a tool use");
    };
    assert_eq!(stored[0].id, id);
    let output = output.as_deref().unwrap();
    let limit = memcore::Config::default().max_tool_output_bytes;
    assert!(
        output.len() < limit + 200,
        "output kept {} bytes",
        output.len()
    );
    assert!(output.contains("elided"), "the cut is marked");
    assert!(!output.contains(&secret) && !input.to_string().contains(&secret));
    assert!(output.contains("[REDACTED:"));
}

/// Hook processes write once each and exit, often as the store's only connection: the
/// write-ahead log must stay bounded (each process otherwise finds it as the last left it,
/// recovers all of it and appends), and nothing written may be lost on the way.
#[test]
fn the_log_stays_bounded_when_every_process_writes_once_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("memory.db");
    let wal = dir.path().join("memory.db-wal");
    let memory = Memory::open(&db).unwrap();
    memory
        .start_session(NewSession::new("s", "p", "agent"))
        .unwrap();
    drop(memory);
    let output = "test store::tests::case ... ok\n".repeat(400);
    let mut largest = 0;
    for i in 0..400 {
        let memory = Memory::open(&db).unwrap();
        memory
            .record_event(NewEvent::new(
                "s",
                EventPayload::ToolUse {
                    tool_name: "Bash".into(),
                    input: serde_json::json!({"command": format!("cargo test {i}")}),
                    output: Some(format!("{i}\n{output}")),
                    error: None,
                    tool_use_id: Some(format!("t{i}")),
                },
            ))
            .unwrap();
        drop(memory);
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    assert!(
        largest <= 2 * 1024 * 1024,
        "the write-ahead log grew to {largest} bytes"
    );
    let memory = Memory::open(&db).unwrap();
    assert_eq!(memory.events("s", None).unwrap().len(), 400);
}
