//! Retention: nothing goes unless a policy says so, a dry run lists what would go, pinned
//! observations always stay, everything indexed about a pruned observation goes with it, and
//! the space comes back.

use memcore::extract::Extractor;
use memcore::portable::PruneReason;
use memcore::{
    EventPayload, EventStatus, Memory, NewEvent, NewObservation, NewSession, ObservationId,
    RetentionPolicy, Scope,
};
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

fn days_ago(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::days(days)
}

fn observe(mem: &Memory, project: &str, title: &str, age_days: i64) -> ObservationId {
    mem.add_observation(NewObservation {
        project: Some(project.into()),
        title: title.into(),
        narrative: format!("{title}: {}", "details ".repeat(40)),
        facts: vec![format!("fact about {title}")],
        files_read: vec![format!("src/{title}.rs")],
        created_at: Some(days_ago(age_days)),
        ..NewObservation::default()
    })
    .unwrap()
    .id
}

fn titles(mem: &Memory) -> Vec<String> {
    let mut t: Vec<String> = mem
        .recent(&Scope::All, 1000)
        .unwrap()
        .into_iter()
        .map(|o| o.title)
        .collect();
    t.sort();
    t
}

/// Rows about `id` in every table that indexes an observation.
fn traces(mem: &Memory, id: ObservationId) -> i64 {
    let conn = Connection::open(mem.path()).unwrap();
    [
        "SELECT count(*) FROM observations WHERE id = ?1",
        "SELECT count(*) FROM observations_fts WHERE rowid = ?1",
        "SELECT count(*) FROM observation_files WHERE observation_id = ?1",
        "SELECT count(*) FROM vectors WHERE layer = 0 AND record = ?1",
        "SELECT count(*) FROM observation_sources WHERE observation_id = ?1",
    ]
    .iter()
    .map(|sql| conn.query_row(sql, [id], |r| r.get::<_, i64>(0)).unwrap())
    .sum()
}

#[test]
fn nothing_is_pruned_without_a_configured_policy() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    for i in 0..20 {
        observe(&mem, "p", &format!("old {i}"), 3000);
    }
    let report = mem.prune(&RetentionPolicy::default(), false).unwrap();
    assert!(report.observations.is_empty());
    assert_eq!(report.events, 0);
    assert_eq!(mem.stats(&Scope::All).unwrap().observations, 20);
}

#[test]
fn age_policy_with_a_dry_run_first() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let old = observe(&mem, "p", "ancient", 400);
    let pinned = observe(&mem, "p", "ancient but pinned", 500);
    observe(&mem, "q", "recent", 3);
    assert!(mem.pin(pinned, true).unwrap());
    assert!(!mem.pin(999_999, true).unwrap());

    // Events: an old extracted one, an old pending one, a recent extracted one.
    mem.start_session(NewSession::new("s", "p", "agent"))
        .unwrap();
    for (key, age) in [("old-done", 400), ("new-done", 1)] {
        mem.record_event(NewEvent {
            external_id: Some(key.into()),
            occurred_at: Some(days_ago(age)),
            ..NewEvent::new(
                "s",
                EventPayload::UserPrompt {
                    text: format!("prompt {key}"),
                },
            )
        })
        .unwrap();
    }
    mem.run_extraction(Extractor::Heuristic, None).unwrap();
    mem.record_event(NewEvent {
        external_id: Some("old-pending".into()),
        occurred_at: Some(days_ago(400)),
        ..NewEvent::new(
            "s",
            EventPayload::Note {
                text: "still pending".into(),
            },
        )
    })
    .unwrap();
    let observations_before = mem.stats(&Scope::All).unwrap().observations;

    let policy = RetentionPolicy {
        max_age_days: Some(90),
        ..RetentionPolicy::default()
    };
    let dry = mem.prune(&policy, true).unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.observations.len(), 1);
    assert_eq!(dry.observations[0].id, old);
    assert_eq!(dry.observations[0].title, "ancient");
    assert_eq!(dry.observations[0].reason, PruneReason::Age);
    assert_eq!(dry.events, 1);
    assert_eq!(dry.events_by_project["p"], 1);
    assert!(dry.estimated_bytes > 0);
    // A dry run changes nothing.
    assert_eq!(
        mem.stats(&Scope::All).unwrap().observations,
        observations_before
    );
    assert!(traces(&mem, old) > 0);

    let done = mem.prune(&policy, false).unwrap();
    assert!(!done.dry_run);
    assert_eq!(done.observations, dry.observations);
    assert_eq!(done.events, 1);
    assert_eq!(traces(&mem, old), 0, "index rows, files, vectors go too");
    assert!(titles(&mem).contains(&"ancient but pinned".to_owned()));
    assert!(titles(&mem).contains(&"recent".to_owned()));
    let events = mem.events("s", None).unwrap();
    let keys: Vec<_> = events
        .iter()
        .filter_map(|e| e.external_id.as_deref())
        .collect();
    assert_eq!(keys, ["new-done", "old-pending"]);
    assert_eq!(events[1].status, EventStatus::Pending);
    let conn = Connection::open(mem.path()).unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversation_fts WHERE rowid NOT IN (SELECT id FROM events)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "pruned events left the conversation index");
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM conversation_fts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(indexed, 2, "the kept events stay indexed");
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);

    // Pruning again finds nothing more.
    assert!(mem.prune(&policy, false).unwrap().observations.is_empty());
}

#[test]
fn per_project_limit_keeps_the_newest_and_every_pinned_one() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let mut a = Vec::new();
    for i in 0..6 {
        a.push(observe(&mem, "a", &format!("a{i}"), 60 - i));
    }
    observe(&mem, "b", "b0", 100);
    mem.pin(a[0], true).unwrap();
    let report = mem
        .prune(
            &RetentionPolicy {
                max_observations_per_project: Some(2),
                ..RetentionPolicy::default()
            },
            false,
        )
        .unwrap();
    let gone: Vec<&str> = report
        .observations
        .iter()
        .map(|o| o.title.as_str())
        .collect();
    assert_eq!(gone, ["a1", "a2", "a3"]);
    assert!(
        report
            .observations
            .iter()
            .all(|o| o.reason == PruneReason::ProjectLimit)
    );
    assert_eq!(titles(&mem), ["a0", "a4", "a5", "b0"]);
}

#[test]
fn size_policy_prunes_the_oldest_until_the_store_fits_and_gives_the_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    mem.start_session(NewSession::new("s", "p", "agent"))
        .unwrap();
    let big = "tool output line\n".repeat(400);
    for i in 0..300 {
        mem.record_event(NewEvent {
            occurred_at: Some(days_ago(300 - i)),
            ..NewEvent::new(
                "s",
                EventPayload::ToolUse {
                    tool_name: "Bash".into(),
                    input: serde_json::json!({"command": format!("make step-{i}")}),
                    output: Some(format!("{i}\n{big}")),
                    error: None,
                    tool_use_id: Some(format!("toolu_{i}")),
                },
            )
        })
        .unwrap();
    }
    mem.run_extraction(Extractor::Heuristic, None).unwrap();
    let mut pinned = Vec::new();
    for i in 0..200 {
        let id = observe(&mem, "p", &format!("note {i}"), 200 - i);
        if i % 50 == 0 {
            mem.pin(id, true).unwrap();
            pinned.push(id);
        }
    }
    let size_before = mem.stats(&Scope::All).unwrap().file_size_bytes;
    assert!(size_before > 2_000_000, "{size_before}");
    let limit = 1_200_000;
    let policy = RetentionPolicy {
        max_file_bytes: Some(limit),
        ..RetentionPolicy::default()
    };
    let dry = mem.prune(&policy, true).unwrap();
    assert!(dry.size_limit_met, "{dry:?}");
    assert!(dry.events > 100, "{}", dry.events);
    // Oldest first: whatever is kept is newer than whatever goes.
    let newest_gone = dry.observations.iter().map(|o| o.created_at).max().unwrap();
    let kept_unpinned = mem
        .recent(&Scope::All, 1000)
        .unwrap()
        .into_iter()
        .filter(|o| !o.pinned && !dry.observations.iter().any(|g| g.id == o.id))
        .map(|o| o.created_at)
        .min()
        .unwrap();
    assert!(newest_gone <= kept_unpinned);
    assert!(
        dry.observations
            .iter()
            .all(|o| o.reason == PruneReason::FileSize)
    );

    let done = mem.prune(&policy, false).unwrap();
    assert_eq!(done.observations.len(), dry.observations.len());
    assert!(done.space_reclaimed);
    assert!(done.file_size_after < size_before / 2, "{done:?}");
    assert!(
        done.file_size_after <= limit * 3 / 2,
        "{} bytes after pruning to {limit}",
        done.file_size_after
    );
    assert_eq!(
        std::fs::metadata(mem.path()).unwrap().len(),
        done.file_size_after,
        "the write-ahead log was emptied"
    );
    for id in pinned {
        assert_eq!(mem.get(&[id]).unwrap().len(), 1, "pinned {id} was pruned");
    }
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn a_limit_that_pinned_memories_alone_exceed_is_reported_not_forced() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    for i in 0..5 {
        let id = observe(&mem, "p", &format!("keep {i}"), 10);
        mem.pin(id, true).unwrap();
    }
    let report = mem
        .prune(
            &RetentionPolicy {
                max_file_bytes: Some(1),
                max_age_days: Some(1),
                max_observations_per_project: Some(0),
            },
            false,
        )
        .unwrap();
    assert!(!report.size_limit_met);
    assert!(report.observations.is_empty());
    assert_eq!(mem.stats(&Scope::All).unwrap().observations, 5);
}
