//! Sync through the public API, with the transport played by the test: stores exchange their
//! outboxes in random orders and must end with the same memory.

use memcore::{
    Change, Memory, NewObservation, NewSession, NewSummary, ObservationEdit, ObservationFilter,
    ObservationKind, Scope,
};
use proptest::prelude::*;

fn store(dir: &tempfile::TempDir, name: &str, author: &str) -> Memory {
    let mem = Memory::open(dir.path().join(format!("{name}.db"))).unwrap();
    mem.sync_enable("team", author).unwrap();
    mem
}

fn observe(mem: &Memory, title: &str) -> i64 {
    mem.add_observation(NewObservation {
        project: Some("team".into()),
        title: title.into(),
        narrative: format!("{title}, because of the reasons."),
        ..Default::default()
    })
    .unwrap()
    .id
}

/// Everything a store shows of the project, without local ids, in a fixed order.
fn contents(mem: &Memory) -> Vec<String> {
    let filter = ObservationFilter {
        project: Some("team".into()),
        ..Default::default()
    };
    let mut rows: Vec<String> = mem
        .list_observations(&filter, None, 1000)
        .unwrap()
        .items
        .iter()
        .map(|o| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                o.title, o.narrative, o.kind, o.pinned, o.created_at, o.content_hash
            )
        })
        .collect();
    rows.sort();
    let mut summaries: Vec<String> = mem
        .session_summaries("s-a")
        .unwrap()
        .iter()
        .map(|s| s.content.request.clone())
        .collect();
    summaries.sort();
    rows.extend(summaries);
    rows
}

/// Every change each store has not sent yet, marked sent.
fn drain(stores: &[&Memory]) -> Vec<Change> {
    let mut all = Vec::new();
    for mem in stores {
        let out = mem.sync_outbox("test", 100_000).unwrap();
        mem.sync_sent("test", out.upto).unwrap();
        all.extend(out.changes);
    }
    all
}

fn find(mem: &Memory, title: &str) -> Option<i64> {
    mem.recent(&Scope::All, 1000)
        .unwrap()
        .into_iter()
        .find(|o| o.title == title)
        .map(|o| o.id)
}

/// A deterministic shuffle (the test's own small generator).
fn shuffled(mut v: Vec<Change>, seed: u64) -> Vec<Change> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

#[test]
fn three_stores_converge_and_a_forget_wins_over_a_later_edit() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        store(&dir, "a", "ann"),
        store(&dir, "b", "bob"),
        store(&dir, "c", "cat"),
    );
    a.start_session(NewSession::new("s-a", "team", "test"))
        .unwrap();
    a.add_summary(
        "s-a",
        NewSummary {
            request: "Fix the cart".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for t in ["Cart total", "Coupon rules", "Invoice numbers"] {
        observe(&a, t);
    }
    observe(&b, "Retry policy");
    let first = drain(&[&a, &b, &c]);
    for (i, mem) in [&a, &b, &c].into_iter().enumerate() {
        mem.sync_apply(&shuffled(first.clone(), i as u64)).unwrap();
    }
    assert_eq!(contents(&a), contents(&b));
    assert_eq!(contents(&b), contents(&c));

    // Concurrent work: B and A edit the same title, C forgets what A then edits, A pins.
    let id = |m: &Memory, t: &str| find(m, t).unwrap();
    b.edit_observation(
        id(&b, "Cart total"),
        ObservationEdit {
            title: Some("Cart total (B)".into()),
            ..Default::default()
        },
    )
    .unwrap();
    a.edit_observation(
        id(&a, "Cart total"),
        ObservationEdit {
            title: Some("Cart total (A)".into()),
            ..Default::default()
        },
    )
    .unwrap();
    c.forget(id(&c, "Coupon rules")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    a.edit_observation(
        id(&a, "Coupon rules"),
        ObservationEdit {
            narrative: Some("edited after the forget".into()),
            kind: Some(ObservationKind::Decision),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(a.pin(id(&a, "Invoice numbers"), true).unwrap());
    observe(&c, "Queue worker");

    let second = drain(&[&a, &b, &c]);
    for (i, mem) in [&c, &a, &b].into_iter().enumerate() {
        // Twice, shuffled differently: duplicates change nothing.
        mem.sync_apply(&shuffled(second.clone(), 10 + i as u64))
            .unwrap();
        mem.sync_apply(&shuffled(
            first.iter().chain(&second).cloned().collect(),
            20 + i as u64,
        ))
        .unwrap();
    }
    let expected = contents(&a);
    assert_eq!(contents(&b), expected);
    assert_eq!(contents(&c), expected);
    assert!(
        expected.iter().all(|r| !r.starts_with("Coupon rules")),
        "forgotten stays forgotten: {expected:?}"
    );
    assert!(expected.iter().any(|r| r.starts_with("Queue worker")));
    assert!(
        expected
            .iter()
            .any(|r| r.starts_with("Invoice numbers") && r.contains("|true|"))
    );
    let carts: Vec<_> = expected
        .iter()
        .filter(|r| r.starts_with("Cart total"))
        .collect();
    assert_eq!(carts.len(), 1, "{expected:?}");
    // A teammate's record says whose it is.
    let origin = c
        .observation_origin(id(&c, "Retry policy"))
        .unwrap()
        .unwrap();
    assert_eq!(origin.author, "bob");
    assert_eq!(
        a.observation_origin(id(&a, "Invoice numbers")).unwrap(),
        None,
        "its own"
    );
    // ... in its context too; one's own records are not labelled.
    let context = c
        .context(&memcore::ContextRequest::session_start("team"))
        .unwrap()
        .text;
    assert!(context.contains("Retry policy (by bob)"), "{context}");
    assert!(!context.contains("by cat"), "{context}");
}

#[test]
fn an_undo_travels_and_brings_the_record_back_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (store(&dir, "a", "ann"), store(&dir, "b", "bob"));
    let x = observe(&a, "Cache keys");
    b.sync_apply(&drain(&[&a])).unwrap();
    let batch = a.forget_ids(&[x], "test").unwrap();
    b.sync_apply(&drain(&[&a])).unwrap();
    assert_eq!(find(&b, "Cache keys"), None);
    a.undo_forget(batch.id).unwrap();
    b.sync_apply(&drain(&[&a])).unwrap();
    assert!(find(&b, "Cache keys").is_some());
    assert_eq!(contents(&a), contents(&b));
}

#[test]
fn private_projects_and_records_stay_and_secrets_are_redacted_again() {
    let dir = tempfile::tempdir().unwrap();
    let a = store(&dir, "a", "ann");
    a.sync_enable("secret-project", "").unwrap();
    a.set_private_project("secret-project", true).unwrap();
    a.add_observation(NewObservation {
        project: Some("secret-project".into()),
        title: "Private plans".into(),
        ..Default::default()
    })
    .unwrap();
    let hidden = observe(&a, "Private note");
    assert!(a.set_private_observation(hidden, true).unwrap());
    a.edit_observation(
        hidden,
        ObservationEdit {
            title: Some("Private note, edited".into()),
            ..Default::default()
        },
    )
    .unwrap();
    observe(&a, "Shared note");
    let out = a.sync_outbox("hub", 1000).unwrap();
    let text = serde_json::to_string(&out.changes).unwrap();
    assert!(text.contains("Shared note"), "{text}");
    assert!(!text.contains("Private"), "{text}");
    assert!(out.changes.iter().all(|c| c.project == "team"));
    assert!(out.upto >= 4, "private changes count as looked at");
    a.sync_sent("hub", out.upto).unwrap();
    assert!(a.sync_outbox("hub", 1000).unwrap().changes.is_empty());
    let status = a.sync_status().unwrap();
    assert_eq!(status.author, "ann");
    assert_eq!(status.targets[0].pending, 0);
}

#[test]
fn a_malformed_change_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (store(&dir, "a", "ann"), store(&dir, "b", "bob"));
    observe(&a, "Good one");
    let mut changes = drain(&[&a]);
    let mut bad = changes[0].clone();
    bad.change_id = "not-the-right-id".into();
    changes.push(bad);
    let err = b.sync_apply(&changes).unwrap_err();
    assert!(
        err.to_string().contains("<device_id>-<device_seq>"),
        "{err}"
    );
    assert_eq!(find(&b, "Good one"), None);
    assert_eq!(b.sync_status().unwrap().received, 0);
}

#[test]
fn projects_not_shared_log_nothing_and_sharing_logs_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    observe(&mem, "Before sharing");
    assert!(mem.sync_outbox("t", 10).unwrap().changes.is_empty());
    assert_eq!(mem.sync_enable("team", "ann").unwrap(), 1);
    assert_eq!(mem.sync_enable("team", "ann").unwrap(), 0, "logged once");
    assert_eq!(mem.sync_outbox("t", 10).unwrap().changes.len(), 1);
    assert!(mem.sync_disable("team").unwrap());
    observe(&mem, "After disabling");
    let out = mem.sync_outbox("t", 10).unwrap();
    assert!(
        out.changes.is_empty(),
        "a project no longer shared sends nothing"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Random work on two stores, exchanged in random orders: the same memory on both.
    #[test]
    fn any_interleaving_converges(ops in proptest::collection::vec((0u8..4, 0usize..4, any::<bool>()), 1..24), seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let stores = [store(&dir, "a", "ann"), store(&dir, "b", "bob")];
        for (i, t) in ["one", "two", "three", "four"].iter().enumerate() {
            observe(&stores[i % 2], t);
        }
        let mut pool = drain(&[&stores[0], &stores[1]]);
        for (n, (op, target, which)) in ops.into_iter().enumerate() {
            let mem = &stores[usize::from(which)];
            let titles: Vec<String> = mem.recent(&Scope::All, 100).unwrap().into_iter().map(|o| o.title).collect();
            let Some(title) = titles.get(target % titles.len().max(1)).cloned() else { continue };
            let id = find(mem, &title).unwrap();
            match op {
                0 => { let _ = mem.edit_observation(id, ObservationEdit { title: Some(format!("{title}.{n}")), ..Default::default() }); }
                1 => { mem.pin(id, n % 2 == 0).unwrap(); }
                2 => { mem.forget(id).unwrap(); }
                _ => { observe(mem, &format!("new {n}")); }
            }
            if n % 3 == 0 {
                pool.extend(drain(&[&stores[0], &stores[1]]));
                stores[usize::from(!which)].sync_apply(&shuffled(pool.clone(), seed ^ n as u64)).unwrap();
            }
        }
        pool.extend(drain(&[&stores[0], &stores[1]]));
        stores[0].sync_apply(&shuffled(pool.clone(), seed)).unwrap();
        stores[1].sync_apply(&shuffled(pool.clone(), !seed)).unwrap();
        prop_assert_eq!(contents(&stores[0]), contents(&stores[1]));
    }
}

#[test]
fn events_travel_only_when_the_project_shares_them_and_are_not_extracted_again() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (store(&dir, "a", "ann"), store(&dir, "b", "bob"));
    a.start_session(NewSession::new("s-ev", "team", "test"))
        .unwrap();
    let prompt = |text: &str| {
        a.record_event(memcore::NewEvent::new(
            "s-ev",
            memcore::EventPayload::UserPrompt { text: text.into() },
        ))
        .unwrap();
    };
    prompt("why does the invoice export time out");
    let kinds = |out: &memcore::Outbox| out.changes.iter().map(|c| c.kind).collect::<Vec<_>>();
    let out = a.sync_outbox("t", 100).unwrap();
    assert!(
        !kinds(&out).contains(&memcore::ChangeKind::EventPut),
        "off by default"
    );
    a.sync_sent("t", out.upto).unwrap();

    a.set_share_events("team", true).unwrap();
    prompt("the webhook retries twice with token ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let out = a.sync_outbox("t", 100).unwrap();
    assert_eq!(
        kinds(&out),
        [
            memcore::ChangeKind::SessionPut,
            memcore::ChangeKind::EventPut
        ]
    );
    assert!(
        !serde_json::to_string(&out.changes)
            .unwrap()
            .contains("ghp_aaaa")
    );
    let report = b.sync_apply(&out.changes).unwrap();
    assert_eq!(report.records_changed, 2);
    b.sync_apply(&out.changes).unwrap();
    let events = b.events("s-ev", None).unwrap();
    assert_eq!(events.len(), 1, "once, and only the shared one: {events:?}");
    assert_eq!(events[0].status, memcore::EventStatus::Extracted);
    assert!(
        b.next_extraction(None).unwrap().is_none(),
        "its own device extracts it"
    );
    let hits = b
        .recall(&memcore::SearchRequest::new("webhook retries").all_projects())
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| matches!(h, memcore::RecallHit::Conversation(_))),
        "{hits:?}"
    );
    let status = a.sync_status().unwrap();
    assert!(
        status
            .projects
            .iter()
            .any(|p| p.project == "team" && p.events)
    );
}

#[test]
fn supersession_travels_with_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (store(&dir, "a", "ann"), store(&dir, "b", "bob"));
    let old = observe(&a, "Retries: three attempts");
    a.add_observation(NewObservation {
        project: Some("team".into()),
        title: "Retries: five attempts with backoff".into(),
        supersedes: Some(old),
        ..Default::default()
    })
    .unwrap();
    // The newer one first, in a batch of its own: its older record arrives later.
    let changes = drain(&[&a]);
    let (older_put, newer_put): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|c| c.payload["title"] == "Retries: three attempts");
    b.sync_apply(&newer_put).unwrap();
    b.sync_apply(&older_put).unwrap();
    let newer = b
        .get(&[find(&b, "Retries: five attempts with backoff").unwrap()])
        .unwrap()
        .remove(0);
    let older = find(&b, "Retries: three attempts").unwrap();
    assert_eq!(newer.supersedes, Some(older));
    assert_eq!(b.get(&[older]).unwrap()[0].superseded_by, Some(newer.id));
}
