//! Curation through the public API: listing by a filter in pages, editing, forgetting with
//! undo and purge, the injection log and the ledger by day.

use memcore::{
    ContextRequest, EventPayload, Memory, NewEvent, NewInjection, NewObservation, NewSession,
    ObservationEdit, ObservationFilter, ObservationId, ObservationKind, Scope, SearchMode,
    SearchRequest,
};
use time::{Duration, OffsetDateTime};

fn store() -> (tempfile::TempDir, Memory) {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("memory.db")).unwrap();
    (dir, mem)
}

fn observe(mem: &Memory, project: &str, kind: &str, title: &str, age_hours: i64) -> ObservationId {
    mem.add_observation(NewObservation {
        project: Some(project.into()),
        kind: Some(ObservationKind::parse(kind)),
        title: title.into(),
        narrative: format!("{title}, with the reasons."),
        created_at: Some(OffsetDateTime::now_utc() - Duration::hours(age_hours)),
        ..Default::default()
    })
    .unwrap()
    .id
}

/// What a word search finds (lexical: the vectors would bring every record back).
fn found(mem: &Memory, query: &str) -> Vec<ObservationId> {
    mem.search(
        &SearchRequest::new(query)
            .all_projects()
            .mode(SearchMode::Lexical),
    )
    .unwrap()
    .iter()
    .map(|h| h.id)
    .collect()
}

#[test]
fn a_listing_pages_newest_first_and_survives_a_forget_between_pages() {
    let (_dir, mem) = store();
    let ids: Vec<_> = (0..7)
        .map(|i| {
            observe(
                &mem,
                "shop",
                "change",
                &format!("step {i} of the cart"),
                10 - i,
            )
        })
        .collect();
    let all = ObservationFilter::default();
    let first = mem.list_observations(&all, None, 3).unwrap();
    let titles: Vec<_> = first.items.iter().map(|o| o.id).collect();
    assert_eq!(titles, [ids[6], ids[5], ids[4]]);
    let cursor = first.next.expect("more pages");
    // The last one listed is forgotten before the next page is asked for.
    assert!(mem.forget(ids[4]).unwrap());
    let cursor = cursor.to_string().parse().unwrap();
    let second = mem.list_observations(&all, Some(cursor), 3).unwrap();
    assert_eq!(
        second.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [ids[3], ids[2], ids[1]]
    );
    let third = mem.list_observations(&all, second.next, 3).unwrap();
    assert_eq!(
        third.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [ids[0]]
    );
    assert_eq!(third.next, None);
    assert!("12".parse::<memcore::ObservationCursor>().is_err());
}

#[test]
fn filters_narrow_by_project_kind_session_time_and_words() {
    let (_dir, mem) = store();
    mem.start_session(NewSession::new("s1", "shop", "test"))
        .unwrap();
    let a = observe(&mem, "shop", "bugfix", "Coupon total fixed", 48);
    let b = observe(&mem, "shop", "decision", "Use SQLite for the cart", 2);
    let c = observe(&mem, "blog", "bugfix", "Feed dates fixed", 1);
    let d = mem
        .add_observation(NewObservation {
            session_id: Some("s1".into()),
            title: "Session note on coupons".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let ids = |f: ObservationFilter| -> Vec<ObservationId> {
        let mut v: Vec<_> = mem
            .list_observations(&f, None, 100)
            .unwrap()
            .items
            .iter()
            .map(|o| o.id)
            .collect();
        v.sort();
        assert_eq!(mem.count_observations(&f).unwrap(), v.len() as u64);
        v
    };
    assert_eq!(
        ids(ObservationFilter {
            project: Some("blog".into()),
            ..Default::default()
        }),
        [c]
    );
    assert_eq!(
        ids(ObservationFilter {
            kind: Some(ObservationKind::Bugfix),
            ..Default::default()
        }),
        [a, c]
    );
    assert_eq!(
        ids(ObservationFilter {
            session_id: Some("s1".into()),
            ..Default::default()
        }),
        [d]
    );
    let since = OffsetDateTime::now_utc() - Duration::hours(3);
    assert_eq!(
        ids(ObservationFilter {
            since: Some(since),
            project: Some("shop".into()),
            ..Default::default()
        }),
        [b, d]
    );
    assert_eq!(
        ids(ObservationFilter {
            until: Some(since),
            ..Default::default()
        }),
        [a]
    );
    assert_eq!(
        ids(ObservationFilter {
            query: Some("coupon".into()),
            ..Default::default()
        }),
        [a, d]
    );
    assert!(
        ids(ObservationFilter {
            query: Some("?!".into()),
            ..Default::default()
        })
        .is_empty()
    );
}

#[test]
fn an_edit_is_redacted_reindexed_and_refused_when_it_would_duplicate() {
    let (_dir, mem) = store();
    let id = observe(&mem, "shop", "change", "Cart total rounding", 1);
    let other = observe(&mem, "shop", "change", "Invoice numbering", 1);
    let edited = mem
        .edit_observation(
            id,
            ObservationEdit {
                title: Some("Basket total uses banker's rounding".into()),
                narrative: Some("The key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA was used.".into()),
                kind: Some(ObservationKind::Decision),
            },
        )
        .unwrap();
    assert_eq!(edited.id, id);
    assert_eq!(edited.kind, ObservationKind::Decision);
    assert!(
        !edited.narrative.contains("AAAAAAAAAAAAAAAAAAAA"),
        "{}",
        edited.narrative
    );
    let stored = mem.get(&[id]).unwrap().remove(0);
    assert_eq!(stored, edited);
    assert_eq!(found(&mem, "banker"), [id]);
    assert!(found(&mem, "rounding cart").contains(&id));
    assert!(
        !found(&mem, "cart").contains(&id),
        "the old title left the index"
    );

    // Refusals change nothing.
    let same = ObservationEdit {
        title: Some("Invoice numbering".into()),
        narrative: Some("Invoice numbering, with the reasons.".into()),
        kind: Some(ObservationKind::Change),
    };
    let err = mem.edit_observation(id, same).unwrap_err();
    assert!(
        err.to_string().contains(&format!("observation {other}")),
        "{err}"
    );
    let err = mem
        .edit_observation(
            id,
            ObservationEdit {
                title: Some("  ".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("title"), "{err}");
    assert!(matches!(
        mem.edit_observation(9999, ObservationEdit::default()),
        Err(memcore::Error::NotFound { .. })
    ));
    assert_eq!(mem.get(&[id]).unwrap().remove(0), edited);
}

#[test]
fn forget_and_undo_bring_back_everything_under_the_same_id() {
    let (_dir, mem) = store();
    mem.start_session(NewSession::new("s1", "shop", "test"))
        .unwrap();
    let event = mem
        .record_event(NewEvent::new(
            "s1",
            EventPayload::UserPrompt {
                text: "fix the coupon".into(),
            },
        ))
        .unwrap()
        .id;
    let old = mem
        .add_observation(NewObservation {
            session_id: Some("s1".into()),
            title: "Coupons apply once".into(),
            narrative: "Coupon discount is applied once per cart".into(),
            source_event_ids: vec![event],
            ..Default::default()
        })
        .unwrap()
        .id;
    let newer = mem
        .add_observation(NewObservation {
            session_id: Some("s1".into()),
            title: "Coupons stack up to two".into(),
            supersedes: Some(old),
            ..Default::default()
        })
        .unwrap()
        .id;
    assert!(mem.pin(old, true).unwrap());
    let before = mem.get(&[old]).unwrap().remove(0);

    let batch = mem.forget_ids(&[old, 4242], "forget by hand").unwrap();
    assert!(batch.id > 0);
    assert_eq!(batch.observation_ids, [old]);
    assert!(mem.get(&[old]).unwrap().is_empty());
    assert!(!found(&mem, "discount").contains(&old));
    let ctx = mem.context(&ContextRequest::session_start("shop")).unwrap();
    assert!(!ctx.observation_ids.contains(&old));
    assert_eq!(mem.get(&[newer]).unwrap()[0].supersedes, None);
    assert_eq!(
        mem.forget_batches(10).unwrap(),
        std::slice::from_ref(&batch)
    );

    assert_eq!(mem.undo_forget(batch.id).unwrap(), [old]);
    let after = mem.get(&[old]).unwrap().remove(0);
    assert_eq!(
        after, before,
        "id, provenance, pin and supersession are back"
    );
    assert_eq!(mem.get(&[newer]).unwrap()[0].supersedes, Some(old));
    assert_eq!(found(&mem, "discount"), [old]);
    assert!(mem.forget_batches(10).unwrap().is_empty());
    assert!(matches!(
        mem.undo_forget(batch.id),
        Err(memcore::Error::NotFound { .. })
    ));
    // A batch id is never given again: a stale undo cannot restore another batch.
    let next = mem.forget_ids(&[newer], "again").unwrap();
    assert!(next.id > batch.id, "{next:?} after {batch:?}");
    assert!(matches!(
        mem.undo_forget(batch.id),
        Err(memcore::Error::NotFound { .. })
    ));
    assert_eq!(mem.undo_forget(next.id).unwrap(), [newer]);
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn an_undo_after_the_id_was_taken_restores_under_a_new_id() {
    let (_dir, mem) = store();
    let newest = observe(&mem, "shop", "change", "Newest note", 0);
    let batch = mem.forget_ids(&[newest], "test").unwrap();
    // SQLite hands the freed id to the next observation.
    let next = observe(&mem, "shop", "change", "Another note", 0);
    let restored = mem.undo_forget(batch.id).unwrap();
    assert_eq!(restored.len(), 1);
    assert_ne!(restored[0], next);
    assert_eq!(mem.get(&restored).unwrap()[0].title, "Newest note");
    assert_eq!(mem.get(&[next]).unwrap()[0].title, "Another note");
}

#[test]
fn a_bulk_forget_needs_a_filter_and_a_purge_is_final() {
    let (_dir, mem) = store();
    let a = observe(&mem, "shop", "bugfix", "Coupon total fixed", 1);
    let b = observe(&mem, "shop", "bugfix", "Tax rounding fixed", 1);
    let c = observe(&mem, "shop", "decision", "Keep coupons per cart", 1);
    let err = mem
        .forget_where(&ObservationFilter::default(), "all")
        .unwrap_err();
    assert!(err.to_string().contains("empty filter"), "{err}");
    assert_eq!(
        mem.count_observations(&ObservationFilter::default())
            .unwrap(),
        3
    );

    let bugs = ObservationFilter {
        kind: Some(ObservationKind::Bugfix),
        ..Default::default()
    };
    assert_eq!(mem.count_observations(&bugs).unwrap(), 2);
    let batch = mem.forget_where(&bugs, "kind bugfix").unwrap();
    let mut gone = batch.observation_ids.clone();
    gone.sort();
    assert_eq!(gone, [a, b]);
    assert_eq!(
        mem.recent(&Scope::All, 10)
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>(),
        [c]
    );
    let second = mem.forget_ids(&[c], "one").unwrap();
    assert_eq!(mem.purge_forgotten(Some(batch.id)).unwrap(), 2);
    assert!(matches!(
        mem.undo_forget(batch.id),
        Err(memcore::Error::NotFound { .. })
    ));
    assert!(matches!(
        mem.purge_forgotten(Some(batch.id)),
        Err(memcore::Error::NotFound { .. })
    ));
    assert_eq!(mem.purge_forgotten(None).unwrap(), 1);
    assert!(matches!(
        mem.undo_forget(second.id),
        Err(memcore::Error::NotFound { .. })
    ));
    assert_eq!(
        mem.forget_ids(&[a], "again").unwrap().id,
        0,
        "nothing left to forget"
    );
}

#[test]
fn injections_are_kept_with_their_query_redacted() {
    let (_dir, mem) = store();
    let secret = "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let first = mem
        .record_injection(NewInjection {
            session_id: "s1".into(),
            project: "shop".into(),
            event: "SessionStart".into(),
            observation_ids: vec![3, 1],
            tokens: 120,
            budget: 1500,
            ..Default::default()
        })
        .unwrap();
    let second = mem
        .record_injection(NewInjection {
            session_id: "s1".into(),
            project: "shop".into(),
            event: "UserPromptSubmit".into(),
            query: Some(format!("why does {secret} fail")),
            event_ids: vec![7],
            tokens: 40,
            budget: 400,
            ..Default::default()
        })
        .unwrap();
    assert!(!second.content.query.as_deref().unwrap().contains(secret));
    let listed = mem.injections(Some("s1"), &Scope::All, 10).unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    assert_eq!(listed[1], first);
    assert!(
        mem.injections(None, &Scope::Project("blog".into()), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_ledger_totals_by_day_and_model() {
    let (_dir, mem) = store();
    mem.start_session(NewSession::new("s1", "shop", "test"))
        .unwrap();
    mem.record_event(NewEvent::new(
        "s1",
        EventPayload::UserPrompt {
            text: "Fix the coupon total in the cart".into(),
        },
    ))
    .unwrap();
    mem.run_extraction(memcore::extract::Extractor::Heuristic, None)
        .unwrap();
    let days = mem.ledger_by_day(None, 7).unwrap();
    let today = OffsetDateTime::now_utc().date().to_string();
    assert_eq!(days.len(), 1, "{days:?}");
    assert_eq!(
        (days[0].day.as_str(), days[0].model.as_str()),
        (today.as_str(), "heuristic")
    );
    assert!(days[0].calls >= 1);
}
