//! The conversation layer: every event is searchable in short form beside the observations,
//! ranked with them by `Memory::recall`, shown with the records that situate it, and used by
//! the prompt context (never the asking session's own words).

use memcore::{
    ContextRequest, EventPayload, Memory, NewEvent, NewObservation, NewSession, RecallHit,
    SearchRequest,
};
use serde_json::json;

fn store() -> (tempfile::TempDir, Memory) {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    (dir, mem)
}

fn record(mem: &Memory, session: &str, key: &str, payload: EventPayload) {
    let mut event = NewEvent::new(session, payload);
    event.external_id = Some(key.into());
    mem.record_event(event).unwrap();
}

fn session_with_reasons(mem: &Memory) {
    mem.start_session(NewSession::new("s1", "shell", "claude-code"))
        .unwrap();
    record(
        mem,
        "s1",
        "p1",
        EventPayload::UserPrompt {
            text: "<ide_opened_file>The user opened omp.zsh</ide_opened_file>zsh prints [4] 15713 above the first prompt".into(),
        },
    );
    record(
        mem,
        "s1",
        "a1",
        EventPayload::AssistantMessage {
            text: "The job notice comes from the coproc that starts the serve daemon: with monitor on, zsh announces it. Let me turn job control off around it:".into(),
        },
    );
    record(
        mem,
        "s1",
        "t1",
        EventPayload::ToolUse {
            tool_name: "Edit".into(),
            input: json!({"file_path": "src/omp.zsh", "old_string": "coproc serve", "new_string": "setopt localoptions no_monitor\ncoproc serve"}),
            output: Some("The file src/omp.zsh has been updated.".into()),
            error: None,
            tool_use_id: Some("t1".into()),
        },
    );
    record(
        mem,
        "s1",
        "t2",
        EventPayload::ToolUse {
            tool_name: "BashOutput".into(),
            input: json!({"bash_id": "7"}),
            output: Some("still running".into()),
            error: None,
            tool_use_id: Some("t2".into()),
        },
    );
}

#[test]
fn an_answer_only_the_conversation_holds_is_recalled_with_what_was_done() {
    let (_dir, mem) = store();
    session_with_reasons(&mem);
    mem.add_observation(NewObservation {
        project: Some("shell".into()),
        title: "Explored src/omp.zsh".into(),
        ..Default::default()
    })
    .unwrap();
    let hits = mem
        .recall(&SearchRequest::new("where does the job notice come from").project("shell"))
        .unwrap();
    let RecallHit::Conversation(best) = &hits[0] else {
        panic!("the assistant's explanation ranks first: {hits:#?}");
    };
    assert_eq!(best.record.role, "assistant_message");
    assert!(best.record.text.contains("coproc"));
    // What it did next situates it: the edit after the message.
    assert_eq!(best.context.len(), 1, "{:?}", best.context);
    assert!(best.context[0].text.contains("no_monitor"));
    // Host tags never reach the index; bookkeeping tools have no record.
    let prompt = mem
        .recall(&SearchRequest::new("user opened omp.zsh").project("shell"))
        .unwrap();
    assert!(prompt.iter().all(|h| match h {
        RecallHit::Conversation(c) => !c.record.text.contains("ide_opened_file"),
        RecallHit::Observation(_) => true,
    }));
    let polled = mem
        .recall(&SearchRequest::new("still running").project("shell"))
        .unwrap();
    // The poll has no record: nothing found holds its output (records found by their
    // vectors alone may come back, with no text rank).
    assert!(
        polled.iter().all(|h| match h {
            RecallHit::Conversation(c) =>
                !c.record.text.contains("still running") && c.parts.text_rank == 0.0,
            RecallHit::Observation(_) => true,
        }),
        "{polled:#?}"
    );
    // Every record is shown by its id.
    let records = mem.conversation(&[best.id]).unwrap();
    assert_eq!(records[0].text, best.record.text);
}

#[test]
fn observation_filters_leave_the_conversation_out_and_projects_stay_apart() {
    let (_dir, mem) = store();
    session_with_reasons(&mem);
    let filtered = SearchRequest {
        filter: memcore::SearchFilter {
            kinds: vec![memcore::ObservationKind::Decision],
            ..Default::default()
        },
        ..SearchRequest::new("coproc").project("shell")
    };
    assert!(mem.recall(&filtered).unwrap().is_empty());
    assert!(
        mem.recall(&SearchRequest::new("coproc").project("other"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_prompt_context_answers_from_the_conversation_but_not_from_the_asking_session() {
    let (_dir, mem) = store();
    session_with_reasons(&mem);
    let question = "why does zsh print a job notice for the coproc?";
    let context = mem
        .context(&ContextRequest::prompt("shell", question).session("s2"))
        .unwrap();
    assert!(context.text.contains("no_monitor"), "{}", context.text);
    assert!(!context.record_ids.is_empty());
    assert!(context.tokens <= context.budget);
    // The session asking does not find its own words.
    let own = mem
        .context(&ContextRequest::prompt("shell", question).session("s1"))
        .unwrap();
    assert!(own.record_ids.is_empty(), "{}", own.text);
    // Nothing relevant, nothing said.
    let unrelated = mem
        .context(&ContextRequest::prompt("shell", "bake a sourdough loaf").session("s2"))
        .unwrap();
    assert_eq!(unrelated.text, "");
}

#[test]
fn the_same_symptom_in_two_areas_is_told_apart_by_the_file_the_query_names() {
    let (_dir, mem) = store();
    mem.start_session(NewSession::new("s1", "app", "claude-code"))
        .unwrap();
    for (key, file) in [
        ("a", "src/billing/invoice.rs"),
        ("b", "src/auth/session.rs"),
    ] {
        record(
            &mem,
            "s1",
            key,
            EventPayload::AssistantMessage {
                text: format!(
                    "The timeout in {file} came from a connection pool that was never returned."
                ),
            },
        );
    }
    for (query, wanted) in [
        (
            "why the timeout in src/auth/session.rs",
            "src/auth/session.rs",
        ),
        (
            "why the timeout in src/billing/invoice.rs",
            "src/billing/invoice.rs",
        ),
    ] {
        let hits = mem
            .recall(&SearchRequest::new(query).project("app"))
            .unwrap();
        let RecallHit::Conversation(best) = &hits[0] else {
            panic!("{hits:#?}");
        };
        assert!(
            best.record.text.contains(wanted),
            "{query}: {:?}",
            best.record.text
        );
        assert!(best.parts.file_match > 1.0);
    }
}

#[test]
fn events_recorded_with_a_deferred_index_are_searchable_at_the_next_recall() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let hook = Memory::open_with(
        &path,
        memcore::Config {
            defer_conversation_index: true,
            ..memcore::Config::default()
        },
    )
    .unwrap();
    hook.start_session(NewSession::new("s1", "app", "claude-code"))
        .unwrap();
    record(
        &hook,
        "s1",
        "t1",
        EventPayload::ToolUse {
            tool_name: "Bash".into(),
            input: json!({"command": "pnpm --filter api test"}),
            output: Some("Tests: 12 passed".into()),
            error: None,
            tool_use_id: Some("t1".into()),
        },
    );
    drop(hook);
    let count = |sql: &str| -> i64 {
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count("SELECT count(*) FROM conversation_fts"),
        0,
        "deferred"
    );
    let reader = Memory::open(&path).unwrap();
    let hits = reader
        .recall(&SearchRequest::new("pnpm filter api test").project("app"))
        .unwrap();
    assert!(
        matches!(&hits[0], RecallHit::Conversation(c) if c.record.text.contains("pnpm --filter api test")),
        "{hits:#?}"
    );
    assert_eq!(
        count("SELECT count(*) FROM events WHERE conversation_indexed = 0"),
        0
    );
    assert_eq!(reader.index_conversation(10).unwrap(), 0, "nothing left");
}
