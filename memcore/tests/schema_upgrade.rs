//! Schema evolution: `tests/fixtures/store-v1.db` is a small but realistic store written by
//! schema version 1 and kept in the repository. **Every later version of memcore must keep
//! passing this test**: it copies the fixture, opens it with [`Memory::open`] (which runs the
//! migrations from version 1 to the current one) and checks that every record is still
//! there, with its values. While version 1 is current, the open is a no-op that must keep
//! everything.
//!
//! When schema version N+1 arrives, keep this fixture and this test as they are, add a
//! `store-vN+1.db` fixture and a test like this one for it, and never regenerate an old
//! fixture. The v1 fixture was written by the ignored test `generate_store_v1_fixture`:
//!
//! ```sh
//! cargo test -p memcore --test schema_upgrade -- --ignored generate_store_v1_fixture
//! ```
//!
//! which refuses to run on a build whose schema is not version 1.
//!
//! `tests/fixtures/store-v2.db` (Chinese, Japanese and Korean prompts and observations,
//! written before version 3 indexed CJK words) was written the same way by
//! `generate_store_v2_fixture` on a schema-v2 build; its test checks that the upgrade makes
//! the words inside CJK runs findable and leaves the other rows as they were.

use memcore::extract::Extractor;
use memcore::{
    EventPayload, EventStatus, ExportOptions, Memory, NewEvent, NewObservation, NewSession,
    NewSummary, ObservationKind, SCHEMA_VERSION, Scope, SessionStatus,
};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1.db")
}

const DAY0: OffsetDateTime = datetime!(2025-06-02 08:30 UTC);

fn minutes(n: i64) -> OffsetDateTime {
    DAY0 + time::Duration::minutes(n)
}

/// What the v1 fixture holds (kept here so the generator and the checks agree).
fn populate(mem: &Memory) {
    // Two projects, three sessions: two ended, one still active.
    for (id, project, agent, start) in [
        ("sess-a", "webshop", "claude-code", 0),
        ("sess-b", "webshop", "codex", 60 * 24),
        ("sess-c", "notes-app", "my-agent", 60 * 48),
    ] {
        mem.start_session(NewSession {
            started_at: Some(minutes(start)),
            ..NewSession::new(id, project, agent)
        })
        .unwrap();
    }
    let event = |session: &str, key: Option<&str>, at: i64, payload| NewEvent {
        external_id: key.map(str::to_owned),
        occurred_at: Some(minutes(at)),
        ..NewEvent::new(session, payload)
    };
    mem.record_event(event(
        "sess-a",
        Some("prompt-1"),
        1,
        EventPayload::UserPrompt {
            text: "The coupon is applied twice, fix it. My key is sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        },
    ))
    .unwrap();
    mem.record_event(event(
        "sess-a",
        None,
        2,
        EventPayload::ToolUse {
            tool_name: "Read".into(),
            input: serde_json::json!({"file_path": "src/cart.rs"}),
            output: Some("fn total() { subtotal - coupon - coupon }".into()),
            error: None,
            tool_use_id: Some("toolu_01".into()),
        },
    ))
    .unwrap();
    mem.record_event(event(
        "sess-a",
        None,
        3,
        EventPayload::ToolUse {
            tool_name: "Edit".into(),
            input: serde_json::json!({"file_path": "src/cart.rs",
                "old_string": "subtotal - coupon - coupon", "new_string": "subtotal - coupon"}),
            output: Some("The file src/cart.rs has been updated.".into()),
            error: None,
            tool_use_id: Some("toolu_02".into()),
        },
    ))
    .unwrap();
    mem.record_event(event(
        "sess-a",
        None,
        4,
        EventPayload::AssistantMessage {
            text: "Fixed: the coupon is now subtracted once.".into(),
        },
    ))
    .unwrap();
    mem.run_extraction(Extractor::Heuristic, None).unwrap();
    mem.add_summary(
        "sess-a",
        NewSummary {
            request: "Fix the coupon applied twice".into(),
            investigated: "src/cart.rs".into(),
            learned: "total() subtracted the coupon twice".into(),
            completed: "Removed the second subtraction".into(),
            next_steps: "Add a regression test".into(),
            notes: String::new(),
        },
    )
    .unwrap();
    mem.end_session("sess-a").unwrap();

    // Session b: a pending prompt and a note, a hand-written decision that a later one
    // supersedes, a pinned observation of a mode's own kind.
    mem.record_event(event(
        "sess-b",
        None,
        60 * 24 + 1,
        EventPayload::UserPrompt {
            text: "Données: prices must be in cents <private>salary 100k</private>".into(),
        },
    ))
    .unwrap();
    mem.record_event(event(
        "sess-b",
        Some("note-1"),
        60 * 24 + 2,
        EventPayload::Note {
            text: "Remember: never store floats for money".into(),
        },
    ))
    .unwrap();
    let old = mem
        .add_observation(NewObservation {
            session_id: Some("sess-b".into()),
            kind: Some(ObservationKind::Decision),
            title: "Prices are floats".into(),
            narrative: "Kept prices as f64 for now.".into(),
            created_at: Some(minutes(60 * 24 + 3)),
            ..NewObservation::default()
        })
        .unwrap();
    mem.add_observation(NewObservation {
        session_id: Some("sess-b".into()),
        kind: Some(ObservationKind::Decision),
        title: "Prices are integer cents".into(),
        subtitle: "Floats lost pennies in totals".into(),
        narrative: "All prices are i64 cents; formatting divides by 100.".into(),
        facts: vec![
            "Price is an i64 number of cents".into(),
            "format_price() divides by 100".into(),
        ],
        context: "Données: prices must be in cents".into(),
        concepts: vec!["trade-off".into(), "why-it-exists".into()],
        files_read: vec!["src/price.rs".into()],
        files_modified: vec!["src/price.rs".into(), "src/cart.rs".into()],
        importance: Some(0.9),
        supersedes: Some(old.id),
        created_at: Some(minutes(60 * 24 + 4)),
        ..NewObservation::default()
    })
    .unwrap();
    let pinned = mem
        .add_observation(NewObservation {
            project: Some("webshop".into()),
            kind: Some(ObservationKind::parse("security_note")),
            title: "Stripe webhooks are verified".into(),
            facts: vec!["verify_signature() checks Stripe-Signature".into()],
            created_at: Some(minutes(60 * 24 + 5)),
            ..NewObservation::default()
        })
        .unwrap();
    mem.pin(pinned.id, true).unwrap();
    mem.end_session("sess-b").unwrap();

    // Session c (active): one event that failed extraction.
    mem.record_event(event(
        "sess-c",
        Some("n-1"),
        60 * 48 + 1,
        EventPayload::Note {
            text: "Sync uses CRDTs".into(),
        },
    ))
    .unwrap();
}

/// Writes `tests/fixtures/store-v1.db`. Run by hand, and only on a schema-v1 build.
#[test]
#[ignore = "writes the committed v1 fixture; run by hand, only on a schema-v1 build"]
fn generate_store_v1_fixture() {
    assert_eq!(
        SCHEMA_VERSION, 1,
        "the v1 fixture can only be written by a build whose schema is version 1"
    );
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("v1.db")).unwrap();
    populate(&mem);
    // One failed extraction attempt on the note of session c.
    let request = mem.next_extraction(Some("notes-app")).unwrap().unwrap();
    mem.fail_extraction(&request, "the model was offline")
        .unwrap();
    let path = fixture();
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    mem.backup_to(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("VACUUM")
        .unwrap();
}

#[test]
fn a_schema_v1_store_opens_and_keeps_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(fixture(), &path).expect("tests/fixtures/store-v1.db is missing");
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the fixture must stay a version-1 store");

    let mem = Memory::open(&path).unwrap();
    let stats = mem.stats(&Scope::All).unwrap();
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);

    // Version 2 indexed every stored event in the conversation layer.
    let hits = mem
        .recall(&memcore::SearchRequest::new("coupon applied twice").project("webshop"))
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| matches!(h, memcore::RecallHit::Conversation(c) if c.record.text.contains("coupon is applied twice"))),
        "the migrated prompt is found in the conversation layer"
    );

    // Projects and sessions.
    assert_eq!(mem.projects().unwrap(), ["notes-app", "webshop"]);
    assert_eq!(stats.sessions, 3);
    let a = mem.session("sess-a").unwrap().unwrap();
    assert_eq!(
        (a.project.as_str(), a.agent.as_str(), a.status),
        ("webshop", "claude-code", SessionStatus::Ended)
    );
    assert_eq!(a.started_at, DAY0);
    assert!(a.ended_at.is_some());
    let c = mem.session("sess-c").unwrap().unwrap();
    assert_eq!(c.status, SessionStatus::Active);

    // Events, their keys, statuses and redacted text.
    assert_eq!(stats.events, 7);
    let a_events = mem.events("sess-a", None).unwrap();
    assert_eq!(a_events.len(), 4);
    assert!(a_events.iter().all(|e| e.status == EventStatus::Extracted));
    assert_eq!(a_events[0].external_id.as_deref(), Some("prompt-1"));
    assert_eq!(a_events[0].occurred_at, minutes(1));
    let EventPayload::UserPrompt { text } = &a_events[0].payload else {
        panic!("{:?}", a_events[0].payload);
    };
    assert!(
        text.contains("[REDACTED:anthropic-key]") && !text.contains("AAAA"),
        "{text}"
    );
    assert_eq!(a_events[1].external_id.as_deref(), Some("toolu_01"));
    let EventPayload::ToolUse {
        tool_name, input, ..
    } = &a_events[2].payload
    else {
        panic!("{:?}", a_events[2].payload);
    };
    assert_eq!(tool_name, "Edit");
    assert_eq!(input["new_string"], "subtotal - coupon");
    let b_events = mem.events("sess-b", None).unwrap();
    assert_eq!(
        b_events[0].payload,
        EventPayload::UserPrompt {
            text: "Données: prices must be in cents ".into()
        }
    );
    assert_eq!(b_events[0].status, EventStatus::Pending);
    let c_events = mem.events("sess-c", None).unwrap();
    assert_eq!(c_events[0].status, EventStatus::Pending);
    assert_eq!(c_events[0].attempts, 1);
    assert_eq!(stats.pending_events, 3);

    // Observations: the extracted ones with provenance, the hand-written ones with every field.
    let webshop = mem.recent(&Scope::Project("webshop".into()), 100).unwrap();
    assert_eq!(stats.observations, webshop.len() as u64);
    let extracted: Vec<_> = webshop
        .iter()
        .filter(|o| o.session_id.as_deref() == Some("sess-a"))
        .collect();
    assert!(!extracted.is_empty());
    assert!(
        extracted
            .iter()
            .any(|o| o.files_modified == ["src/cart.rs"] && !o.source_event_ids.is_empty())
    );
    let cents = webshop
        .iter()
        .find(|o| o.title == "Prices are integer cents")
        .unwrap();
    assert_eq!(cents.kind, ObservationKind::Decision);
    assert_eq!(cents.subtitle, "Floats lost pennies in totals");
    assert_eq!(
        cents.facts,
        [
            "Price is an i64 number of cents",
            "format_price() divides by 100"
        ]
    );
    assert_eq!(cents.context, "Données: prices must be in cents");
    assert_eq!(cents.concepts, ["trade-off", "why-it-exists"]);
    assert_eq!(cents.files_modified, ["src/price.rs", "src/cart.rs"]);
    assert_eq!(cents.importance, 0.9);
    assert_eq!(cents.created_at, minutes(60 * 24 + 4));
    assert_eq!(cents.content_hash.len(), 64);
    let floats = webshop
        .iter()
        .find(|o| o.title == "Prices are floats")
        .unwrap();
    assert_eq!(cents.supersedes, Some(floats.id));
    assert_eq!(floats.superseded_by, Some(cents.id));
    let pinned = webshop
        .iter()
        .find(|o| o.title == "Stripe webhooks are verified")
        .unwrap();
    assert!(pinned.pinned);
    assert_eq!(pinned.kind, ObservationKind::Other("security_note".into()));
    assert_eq!(pinned.session_id, None);

    // Summaries and the extraction ledger.
    assert_eq!(stats.summaries, 1);
    let summary = mem
        .latest_summary(&Scope::Project("webshop".into()))
        .unwrap()
        .unwrap();
    assert_eq!(summary.session_id, "sess-a");
    assert_eq!(
        summary.content.learned,
        "total() subtracted the coupon twice"
    );
    let ledger = mem.ledger(None, 100).unwrap();
    assert!(
        ledger
            .iter()
            .any(|l| l.model == "heuristic" && l.outcome == "completed")
    );
    assert!(
        ledger
            .iter()
            .any(|l| l.outcome == "failed" && l.project == "notes-app")
    );

    // Everything is still reachable through an export, and survives a round trip.
    let mut out = Vec::new();
    let exported = mem
        .export_jsonl(
            &mut out,
            &ExportOptions {
                include_events: true,
                ..ExportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(exported.records.sessions, 3);
    assert_eq!(exported.records.prompts + exported.records.events, 7);
    assert_eq!(exported.records.observations, stats.observations);
    assert_eq!(exported.records.summaries, 1);
    assert_eq!(exported.records.ledger, ledger.len() as u64);
    let copy = Memory::open(dir.path().join("copy.db")).unwrap();
    let imported = copy.import_jsonl(out.as_slice()).unwrap();
    assert_eq!(imported.added, exported.records);
    assert_eq!(imported.unresolved_references, 0);
}

/// A second open of a migrated copy changes nothing.
#[test]
fn opening_a_migrated_store_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(fixture(), &path).unwrap();
    let first = {
        let mem = Memory::open(&path).unwrap();
        let mut out = Vec::new();
        mem.export_jsonl(&mut out, &ExportOptions::default())
            .unwrap();
        out
    };
    let mem = Memory::open(&path).unwrap();
    let mut second = Vec::new();
    mem.export_jsonl(&mut second, &ExportOptions::default())
        .unwrap();
    let body = |bytes: &[u8]| {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(body(&first), body(&second));
}

fn fixture_v2() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v2.db")
}

/// What the v2 fixture holds: a store with Chinese, Japanese and Korean text, written before
/// version 3 indexed CJK words (kept here so the generator and the checks agree).
fn populate_v2(mem: &Memory) {
    mem.start_session(NewSession {
        started_at: Some(minutes(0)),
        ..NewSession::new("sess-zh", "diary", "claude-code")
    })
    .unwrap();
    for (n, text) in [
        "今天面试很顺利，明天开始准备入职。",
        "Deploy the API gateway before Friday",
    ]
    .into_iter()
    .enumerate()
    {
        mem.record_event(NewEvent {
            external_id: Some(format!("prompt-{n}")),
            occurred_at: Some(minutes(1 + n as i64)),
            ..NewEvent::new(
                "sess-zh",
                EventPayload::UserPrompt {
                    text: text.to_owned(),
                },
            )
        })
        .unwrap();
    }
    for (n, (title, narrative)) in [
        ("数据库迁移失败", "迁移脚本在生产环境超时，已回滚。"),
        ("データベースの移行", "移行は週末に行う。"),
        ("데이터베이스를 복구했다", "백업에서 복구했다."),
        (
            "Retry the RefreshToken call",
            "The token endpoint returned 429; retry with backoff.",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        mem.add_observation(NewObservation {
            session_id: Some("sess-zh".into()),
            kind: Some(ObservationKind::Discovery),
            title: title.into(),
            narrative: narrative.into(),
            context: if n == 0 {
                "今天面试很顺利".into()
            } else {
                String::new()
            },
            created_at: Some(minutes(10 + n as i64)),
            ..NewObservation::default()
        })
        .unwrap();
    }
    mem.end_session("sess-zh").unwrap();
}

/// Writes `tests/fixtures/store-v2.db`. Run by hand, and only on a schema-v2 build.
#[test]
#[ignore = "writes the committed v2 fixture; run by hand, only on a schema-v2 build"]
fn generate_store_v2_fixture() {
    assert_eq!(
        SCHEMA_VERSION, 2,
        "the v2 fixture can only be written by a build whose schema is version 2"
    );
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("v2.db")).unwrap();
    populate_v2(&mem);
    let path = fixture_v2();
    let _ = std::fs::remove_file(&path);
    mem.backup_to(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("VACUUM")
        .unwrap();
}

#[test]
fn a_schema_v2_store_opens_and_finds_cjk_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(fixture_v2(), &path).expect("tests/fixtures/store-v2.db is missing");
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2, "the fixture must stay a version-2 store");

    let mem = Memory::open(&path).unwrap();
    let stats = mem.stats(&Scope::All).unwrap();
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
    assert_eq!((stats.observations, stats.events), (4, 2));

    // Version 3 indexed the CJK words of the stored rows.
    let titles = |query: &str| -> Vec<String> {
        mem.search(
            &memcore::SearchRequest::new(query)
                .project("diary")
                .mode(memcore::SearchMode::Lexical),
        )
        .unwrap()
        .into_iter()
        .map(|h| h.observation.title)
        .collect()
    };
    assert_eq!(titles("数据库"), ["数据库迁移失败"]);
    assert_eq!(titles("面试"), ["数据库迁移失败"], "by its context");
    assert_eq!(titles("移行"), ["データベースの移行"]);
    assert_eq!(titles("데이터베이스"), ["데이터베이스를 복구했다"]);
    assert_eq!(titles("refresh token"), ["Retry the RefreshToken call"]);
    let hits = mem
        .recall(&memcore::SearchRequest::new("面试").project("diary"))
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| matches!(h, memcore::RecallHit::Conversation(c)
            if c.record.text.contains("今天面试很顺利"))),
        "the migrated prompt is found by a word inside its run"
    );

    // Rows without CJK were left as they were.
    drop(mem);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let terms: String = conn
        .query_row(
            "SELECT terms FROM observations_fts WHERE title = 'Retry the RefreshToken call'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(terms, "Refresh Token");
    let terms: String = conn
        .query_row(
            "SELECT terms FROM conversation_fts WHERE text LIKE 'Deploy%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(terms, "");
}

/// The float vectors version 2 kept move into the vector index, quantized, and every record
/// without a vector of the embedder in use gets one lazily.
#[test]
fn a_schema_v2_store_keeps_its_vectors_and_gets_the_rest_lazily() {
    use memcore::recall::embed::{Embedder, HashEmbedder};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(fixture_v2(), &path).unwrap();
    let hash_id = HashEmbedder::new().id().to_owned();
    let old: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM observation_vectors WHERE model = ?1",
            [&hash_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(old > 0, "the fixture holds version 2's vectors");

    // With the embedder that wrote them, they are found as they were and only the
    // conversation records wait for a vector.
    let mut mem = Memory::open(&path).unwrap();
    mem.set_embedder(Some(Box::new(HashEmbedder::new())));
    let status = mem.vector_status().unwrap();
    assert_eq!(status.stored, vec![(hash_id.clone(), old as u64)]);
    assert_eq!(status.observations_left, 0);
    assert!(status.conversation_left > 0, "{status:?}");
    let hits = mem
        .search(
            &memcore::SearchRequest::new("refresh token retry")
                .all_projects()
                .mode(memcore::SearchMode::Vector),
        )
        .unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits[0].parts.vector_similarity.unwrap_or(0.0) > 0.3,
        "{hits:?}"
    );

    // The default embedder starts from nothing and catches up in bounded steps.
    let mem = Memory::open(&path).unwrap();
    let before = mem.vector_status().unwrap();
    let total = before.observations_left + before.conversation_left;
    assert!(total > 0);
    let mut steps = 0;
    while !mem.embed_pending(1).unwrap().is_done() {
        steps += 1;
        assert!(steps <= total, "the backfill makes progress");
    }
    let after = mem.vector_status().unwrap();
    assert_eq!((after.observations_left, after.conversation_left), (0, 0));
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}

fn fixture_v3() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v3.db")
}

/// Writes `tests/fixtures/store-v3.db` (the v1 fixture's records, with vectors of the default
/// embedder). Run by hand, and only on a schema-v3 build.
#[test]
#[ignore = "writes the committed v3 fixture; run by hand, only on a schema-v3 build"]
fn generate_store_v3_fixture() {
    assert_eq!(
        SCHEMA_VERSION, 3,
        "the v3 fixture can only be written by a build whose schema is version 3"
    );
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("v3.db")).unwrap();
    populate(&mem);
    let path = fixture_v3();
    let _ = std::fs::remove_file(&path);
    mem.backup_to(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("VACUUM")
        .unwrap();
}

/// Version 3 to 4: the forget bin, the injection log and the time index arrive; every
/// record stays, and forgetting is undoable on the upgraded store.
#[test]
fn a_schema_v3_store_opens_and_forgets_with_undo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(fixture_v3(), &path).expect("tests/fixtures/store-v3.db is missing");
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3, "the fixture must stay a version-3 store");

    let mem = Memory::open(&path).unwrap();
    assert_eq!(
        mem.stats(&Scope::All).unwrap().schema_version,
        SCHEMA_VERSION
    );
    let all = memcore::ObservationFilter::default();
    let before = mem.list_observations(&all, None, 100).unwrap().items;
    assert_eq!(before.len() as u64, mem.count_observations(&all).unwrap());
    assert!(!before.is_empty());
    let id = before[0].id;
    let batch = mem.forget_ids(&[id], "upgrade test").unwrap();
    assert!(mem.get(&[id]).unwrap().is_empty());
    assert_eq!(mem.undo_forget(batch.id).unwrap(), [id]);
    assert_eq!(
        mem.list_observations(&all, None, 100).unwrap().items,
        before
    );
    mem.record_injection(memcore::NewInjection {
        session_id: "sess-a".into(),
        project: "webshop".into(),
        event: "SessionStart".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(mem.injections(None, &Scope::All, 5).unwrap().len(), 1);
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}
