//! `memcore sync --folder`: two stores converge through a shared folder, with offline work
//! on both sides between rounds, half-arrived files and conflict copies in the folder.

mod common;

use common::Setup;
use memcore::{Memory, NewObservation, ObservationEdit, ObservationFilter};
use std::path::Path;

fn observe(db: &Path, title: &str) -> i64 {
    Memory::open(db)
        .unwrap()
        .add_observation(NewObservation {
            project: Some("team".into()),
            title: title.into(),
            narrative: format!("{title}, with its reasons."),
            ..Default::default()
        })
        .unwrap()
        .id
}

fn contents(db: &Path) -> Vec<String> {
    let mem = Memory::open(db).unwrap();
    let filter = ObservationFilter {
        project: Some("team".into()),
        ..Default::default()
    };
    let mut rows: Vec<String> = mem
        .list_observations(&filter, None, 1000)
        .unwrap()
        .items
        .iter()
        .map(|o| format!("{}|{}|{}|{}", o.title, o.narrative, o.kind, o.pinned))
        .collect();
    rows.sort();
    rows
}

fn id_of(db: &Path, title: &str) -> i64 {
    Memory::open(db)
        .unwrap()
        .recent(&memcore::Scope::All, 1000)
        .unwrap()
        .into_iter()
        .find(|o| o.title == title)
        .unwrap_or_else(|| panic!("{title} in {}", db.display()))
        .id
}

#[test]
fn two_stores_converge_through_a_folder_with_offline_work_between_rounds() {
    let (a, b) = (Setup::new(), Setup::new());
    let shared = tempfile::tempdir().unwrap();
    let folder = shared.path().to_str().unwrap().to_owned();
    for (setup, author) in [(&a, "ann"), (&b, "bob")] {
        let out = setup.ok(&["--project", "team", "sync", "enable", "--author", author]);
        assert!(out.contains("project team is shared"), "{out}");
    }
    observe(&a.db, "Cart total");
    observe(&a.db, "Coupon rules");
    let sent = setup_json(&a, &["sync", "--folder", &folder]);
    assert_eq!(sent["folder"]["pushed"], 2);
    observe(&b.db, "Retry policy");
    let got = setup_json(&b, &["sync", "--folder", &folder]);
    assert_eq!(got["folder"]["new"], 2);
    assert_eq!(contents(&b.db).len(), 3);

    // Offline on both sides: A edits and forgets, B pins and edits the same record.
    let a_mem = Memory::open(&a.db).unwrap();
    a_mem
        .edit_observation(
            id_of(&a.db, "Cart total"),
            ObservationEdit {
                narrative: Some("edited by ann".into()),
                ..Default::default()
            },
        )
        .unwrap();
    a_mem.forget(id_of(&a.db, "Coupon rules")).unwrap();
    let b_mem = Memory::open(&b.db).unwrap();
    b_mem.pin(id_of(&b.db, "Cart total"), true).unwrap();
    b_mem
        .edit_observation(
            id_of(&b.db, "Coupon rules"),
            ObservationEdit {
                title: Some("Coupon rules v2".into()),
                ..Default::default()
            },
        )
        .unwrap();
    observe(&b.db, "Queue worker");

    // A half-arrived file and a conflict copy in the folder are left alone.
    let devices = shared.path().join("memcore-sync/v1");
    let a_device = a.json(&["sync", "--status"])["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(
        devices
            .join(&a_device)
            .join("000000009000-000000009001.jsonl"),
        "{\"change_id\":",
    )
    .unwrap();
    std::fs::write(
        devices
            .join(&a_device)
            .join("000000000001-000000000002.sync-conflict-20261204.jsonl"),
        "junk",
    )
    .unwrap();

    for _ in 0..2 {
        b.ok(&["sync", "--folder", &folder]);
        a.ok(&["sync", "--folder", &folder]);
    }
    let expected = contents(&a.db);
    assert_eq!(contents(&b.db), expected);
    assert!(
        expected
            .iter()
            .any(|r| r == "Cart total|edited by ann|change|true"),
        "{expected:?}"
    );
    assert!(
        expected.iter().all(|r| !r.starts_with("Coupon rules")),
        "forgotten everywhere: {expected:?}"
    );
    assert!(expected.iter().any(|r| r.starts_with("Queue worker")));

    // Status says nothing is pending; a missing folder is a clear error, nothing marked sent.
    let status = a.json(&["sync", "--status"]);
    let target = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| !t["target"].as_str().unwrap().contains('#'))
        .unwrap()
        .clone();
    assert_eq!(target["pending"], 0, "{status}");
    observe(&a.db, "After the folder went");
    let missing = a.run_with_input(&["sync", "--folder", "/nonexistent/memcore-sync-test"], b"");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such folder"));
    let again = setup_json(&a, &["sync", "--folder", &folder]);
    assert_eq!(again["folder"]["pushed"], 1);
}

#[test]
fn sync_without_a_hub_or_folder_says_how() {
    let setup = Setup::new();
    let out = setup.run_with_input(&["sync"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hub URL or --folder DIR"));
    let status = setup.ok(&["sync", "--status"]);
    assert!(status.contains("none shared"), "{status}");
}

fn setup_json(setup: &Setup, args: &[&str]) -> serde_json::Value {
    setup.json(args)
}

#[test]
fn the_status_counts_what_waits_in_each_direction() {
    let (a, b) = (Setup::new(), Setup::new());
    let shared = tempfile::tempdir().unwrap();
    let folder = shared.path().to_str().unwrap().to_owned();
    for setup in [&a, &b] {
        setup.ok(&["--project", "team", "sync", "enable", "--events"]);
    }
    observe(&a.db, "One");
    observe(&a.db, "Two");
    a.ok(&["sync", "--folder", &folder]);
    observe(&a.db, "Three");
    let status = a.json(&["sync", "--status", "--folder", &folder]);
    let pending: Vec<u64> = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["target"].as_str().unwrap().contains('#'))
        .map(|t| t["pending"].as_u64().unwrap())
        .collect();
    assert_eq!(pending, [1], "{status}");
    assert!(status["projects"][0]["events"].as_bool().unwrap());
    let before = b.json(&["sync", "--status", "--folder", &folder]);
    assert_eq!(before["incoming"]["folder"]["changes"], 2, "{before}");
    b.ok(&["sync", "--folder", &folder]);
    let after = b.ok(&["sync", "--status", "--folder", &folder]);
    assert!(after.contains("0 change(s) to receive"), "{after}");
}
