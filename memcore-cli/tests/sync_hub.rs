//! The team hub against a real PostgreSQL server.
//!
//! Each test creates its own database (`memcore_t_<random>`) from a connection to the
//! `postgres` database and drops it at the end, failed or not. The server is
//! `MEMCORE_TEST_PG` (a URL to its `postgres` database), by default
//! `postgres://postgres@127.0.0.1:5432/postgres`; when none answers, each test prints that it
//! was skipped and passes, unless `MEMCORE_REQUIRE_PG=1` (CI) makes that a failure.

// The hub module is compiled into this test crate as it is into the command (the command
// has no library target), so the tests reach its crate-private test hooks.
#[path = "../src/sync"]
#[allow(dead_code)]
mod sync {
    pub mod hub;
}

// End to end with real stores: `tests/sync_hub/stores.rs`.
#[path = "sync_hub/stores.rs"]
mod stores;

use memcore::{Change, ChangeKind};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;
use sync::hub::{Hub, HubCursor, HubError, QueryVector};

/// A database of its own on the test server, dropped when the value is.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// A fresh database, or `None` (with the skip printed) when no server answers.
    fn new(test: &str) -> Option<TestDb> {
        let admin = std::env::var("MEMCORE_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("MEMCORE_REQUIRE_PG").is_ok_and(|v| v == "1") {
                    panic!("{test}: PostgreSQL not reachable ({e}) and MEMCORE_REQUIRE_PG=1");
                }
                eprintln!("{test}: PostgreSQL not reachable at 127.0.0.1:5432: skipped ({e})");
                return None;
            }
        };
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "memcore_t_{}_{}_{}",
            std::process::id(),
            nanos,
            N.fetch_add(1, Ordering::Relaxed)
        );
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let url = match admin.rfind('/') {
            Some(i) => format!("{}/{name}", &admin[..i]),
            None => panic!("MEMCORE_TEST_PG must be a URL ending in /postgres"),
        };
        Some(TestDb { admin, name, url })
    }

    fn hub(&self) -> Hub {
        Hub::connect(&self.url).expect("connect to the test hub")
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test db")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A small deterministic generator (xorshift), so that a failing order can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The `seq`-th change of `device`: an observation put of record `<device>-r<seq>`.
fn put(device: &str, seq: u64, project: &str, title: &str, narrative: &str) -> Change {
    Change {
        change_id: format!("{device}-{seq}"),
        device_id: device.into(),
        device_seq: seq,
        hlc: (1_780_000_000_000u64 + seq) << 16,
        author: format!("author of {device}"),
        project: project.into(),
        record: format!("{device}-r{seq}"),
        kind: ChangeKind::ObservationPut,
        payload: json!({"project": project, "session_id": null, "kind": "discovery",
            "title": title, "narrative": narrative, "facts": [], "created_at": "2026-12-04T00:00:00Z"}),
    }
}

fn change(
    device: &str,
    seq: u64,
    hlc: u64,
    record: &str,
    kind: ChangeKind,
    payload: serde_json::Value,
) -> Change {
    Change {
        change_id: format!("{device}-{seq}"),
        device_id: device.into(),
        device_seq: seq,
        hlc,
        author: format!("author of {device}"),
        project: "p".into(),
        record: record.into(),
        kind,
        payload,
    }
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).expect(sql).get(0)
}

/// Every change of `project` from the start, page by page.
fn pull_all(hub: &mut Hub, project: &str, page: usize) -> Vec<Change> {
    let mut all = Vec::new();
    let mut at = 0;
    loop {
        let pulled = hub.pull(project, at, page).expect("pull");
        assert_eq!(pulled.unreadable, 0);
        all.extend(pulled.changes);
        at = pulled.next;
        if !pulled.more {
            return all;
        }
    }
}

#[test]
fn the_schema_is_made_once_and_a_newer_hub_is_refused_with_nothing_written() {
    let Some(db) = TestDb::new("schema") else {
        return;
    };
    let mut hub = db.hub();
    let id = hub.hub_id().to_owned();
    hub.push(&[put("d1", 1, "p", "first", "one")]).unwrap();
    assert_eq!(db.hub().hub_id(), id, "opening again keeps the hub");
    assert_eq!(
        hub.pgvector(),
        None,
        "pgvector is not installed on the test server"
    );
    let mut c = db.client();
    c.batch_execute("UPDATE memcore_hub_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let err = Hub::connect(&db.url).err().expect("a newer hub is refused");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            HubError::NewerSchema {
                hub: 99,
                this: 1,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("schema version 99") && text.contains("memcore's 1"),
        "{text}"
    );
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(count(&mut c, "SELECT count(*) FROM memcore_changes"), 1);
    let version: String = c
        .query_one(
            "SELECT value FROM memcore_hub_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, "99");
}

#[test]
fn concurrent_first_opens_make_one_schema() {
    let Some(db) = TestDb::new("first_opens") else {
        return;
    };
    let barrier = Arc::new(Barrier::new(4));
    let ids: Vec<String> = (0..4)
        .map(|_| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                Hub::connect(&url).map(|h| h.hub_id().to_owned())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap().expect("every open succeeds"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

#[test]
fn a_change_sent_twice_is_stored_once_and_pulls_page_through_everything() {
    let Some(db) = TestDb::new("idempotent") else {
        return;
    };
    let mut hub = db.hub();
    let batch: Vec<Change> = (1..=250).map(|s| put("d1", s, "p", "t", "n")).collect();
    let first = hub.push(&batch).unwrap();
    assert_eq!((first.committed, first.new, first.records), (250, 250, 250));
    let again = hub.push(&batch[100..]).unwrap();
    assert_eq!((again.committed, again.new), (150, 0));
    hub.push(&[put("d2", 1, "other", "t", "n")]).unwrap();
    let pulled = pull_all(&mut hub, "p", 60);
    assert_eq!(
        pulled, batch,
        "every change of p once, in order, none of other"
    );
    let end = hub.pull("p", 0, 1000).unwrap().next;
    let rest = hub.pull("p", end, 10).unwrap();
    assert!(rest.changes.is_empty() && !rest.more);
}

#[test]
fn the_same_device_seq_under_another_id_fails_the_batch_instead_of_vanishing() {
    let Some(db) = TestDb::new("clone") else {
        return;
    };
    let mut hub = db.hub();
    hub.push(&[put("d1", 1, "p", "t", "n")]).unwrap();
    let mut clone = put("d1", 1, "p", "t", "n");
    clone.change_id = "another-id".into();
    let err = hub.push(&[put("d1", 2, "p", "t", "n"), clone]).unwrap_err();
    assert!(
        err.to_string().contains("memcore_changes_device_seq"),
        "{err}"
    );
    assert_eq!(
        count(&mut db.client(), "SELECT count(*) FROM memcore_changes"),
        1
    );
}

/// PostgreSQL's text and jsonb refuse NUL: a payload that holds one is stored with U+FFFD
/// instead of stopping the store's pushes for good; an id that holds one is refused by name.
#[test]
fn a_nul_in_a_payload_does_not_stop_the_push() {
    let Some(db) = TestDb::new("nul") else { return };
    let mut hub = db.hub();
    let mut change = put("d1", 1, "p", "bad\0title", "line\0two");
    change.payload["facts"] = json!(["a\0b"]);
    hub.push(&[change]).unwrap();
    let pulled = pull_all(&mut hub, "p", 10);
    assert_eq!(pulled[0].payload["title"], "bad\u{fffd}title");
    assert_eq!(pulled[0].payload["facts"][0], "a\u{fffd}b");
    let hit = &hub.search(&["p".into()], "two", None, 5).unwrap()[0];
    assert_eq!(hit.title, "bad\u{fffd}title");
    let mut bad_id = put("d1", 2, "p", "t", "n");
    bad_id.record = "r\0".into();
    let err = hub.push(&[bad_id]).unwrap_err();
    assert!(err.to_string().contains("record holds a NUL"), "{err}");
}

/// The check: 8 machines push 1,000 changes each into one project at once, in
/// batches of random sizes, some sent twice; a reader pulls all along with a cursor.
#[test]
fn eight_concurrent_pushers_lose_nothing_and_duplicate_nothing() {
    let Some(db) = TestDb::new("eight_pushers") else {
        return;
    };
    db.hub();
    const DEVICES: u64 = 8;
    const PER_DEVICE: u64 = 1000;
    let barrier = Arc::new(Barrier::new(DEVICES as usize + 1));
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (url, barrier, done) = (db.url.clone(), barrier.clone(), done.clone());
        thread::spawn(move || {
            let mut hub = Hub::connect(&url).unwrap();
            let mut seen: Vec<String> = Vec::new();
            let mut at = 0;
            barrier.wait();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let pulled = hub.pull("p", at, 300).unwrap();
                at = pulled.next;
                seen.extend(pulled.changes.into_iter().map(|c| c.change_id));
                if finished && !pulled.more {
                    return seen;
                }
            }
        })
    };
    let pushers: Vec<_> = (0..DEVICES)
        .map(|d| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            thread::spawn(move || {
                let device = format!("dev{d}");
                let mut hub = Hub::connect(&url).unwrap();
                let changes: Vec<Change> = (1..=PER_DEVICE)
                    .map(|s| put(&device, s, "p", "concurrent", "push"))
                    .collect();
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (d + 1));
                barrier.wait();
                let mut at = 0usize;
                while at < changes.len() {
                    let n = 1 + rng.below(120) as usize;
                    let end = (at + n).min(changes.len());
                    // Now and then a batch goes twice, as after a lost acknowledgement.
                    let from = if rng.below(4) == 0 {
                        at.saturating_sub(30)
                    } else {
                        at
                    };
                    hub.push(&changes[from..end]).unwrap();
                    at = end;
                }
            })
        })
        .collect();
    for p in pushers {
        p.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    let mut c = db.client();
    let total = DEVICES * PER_DEVICE;
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM memcore_changes"),
        total as i64,
        "0 lost"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(DISTINCT change_id) FROM memcore_changes"
        ),
        total as i64,
        "0 duplicated"
    );
    for row in c
        .query(
            "SELECT device_id, count(*), min(device_seq), max(device_seq)
             FROM memcore_changes GROUP BY device_id",
            &[],
        )
        .unwrap()
    {
        let (n, min, max): (i64, i64, i64) = (row.get(1), row.get(2), row.get(3));
        assert_eq!(
            (n, min, max),
            (1000, 1, 1000),
            "dense seqs of {}",
            row.get::<_, String>(0)
        );
    }
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM memcore_records"),
        total as i64
    );
    // The reader pulled while the pushes ran: with the per-project lock, its cursor skipped
    // nothing and nothing came twice.
    assert_eq!(
        seen.len(),
        total as usize,
        "the live reader saw every change once"
    );
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), total as usize);
}

/// A push whose connection dies after its INSERTs and before COMMIT leaves no trace, and the
/// same push sent again completes it.
#[test]
fn a_push_killed_mid_transaction_leaves_the_hub_consistent_and_the_next_push_completes_it() {
    let Some(db) = TestDb::new("killed_push") else {
        return;
    };
    let mut hub = db.hub();
    let earlier: Vec<Change> = (1..=10)
        .map(|s| put("d1", s, "p", "before", "kill"))
        .collect();
    hub.push(&earlier).unwrap();
    let batch: Vec<Change> = (11..=600)
        .map(|s| put("d1", s, "p", "killed", "push"))
        .collect();
    let (pid_tx, pid_rx) = mpsc::channel::<i32>();
    let pushing = {
        let batch = batch.clone();
        thread::spawn(move || {
            hub.push_then(&batch, |tx| {
                let pid: i32 = tx.query_one("SELECT pg_backend_pid()", &[])?.get(0);
                let written: i64 = tx
                    .query_one("SELECT count(*) FROM memcore_changes", &[])?
                    .get(0);
                assert_eq!(written, 600, "the INSERTs ran inside the transaction");
                let _ = pid_tx.send(pid);
                // Waits here, uncommitted, until the connection is killed.
                tx.batch_execute("SELECT pg_sleep(60)")?;
                Ok(())
            })
        })
    };
    let pid = pid_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the push started");
    let mut c = db.client();
    // Meanwhile a reader sees none of it, and the project's lock is held.
    assert_eq!(count(&mut c, "SELECT count(*) FROM memcore_changes"), 10);
    c.execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    let err = pushing.join().unwrap().expect_err("the killed push fails");
    assert!(err.to_string().contains("push 590 changes"), "{err}");
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM memcore_changes"),
        10,
        "nothing of it"
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM memcore_records"), 10);
    // The next push (a new connection, as the next `memcore sync`) completes it.
    let mut hub = db.hub();
    let report = hub.push(&[&earlier[..], &batch[..]].concat()).unwrap();
    assert_eq!((report.committed, report.new), (600, 590));
    assert_eq!(
        pull_all(&mut hub, "p", 1000),
        [&earlier[..], &batch[..]].concat()
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM memcore_records"), 600);
}

#[test]
fn search_finds_stems_and_identifiers_follows_edits_and_drops_forgotten_records() {
    let Some(db) = TestDb::new("search") else {
        return;
    };
    let mut hub = db.hub();
    let p = || vec!["p".to_string()];
    hub.push(&[
        change(
            "a",
            1,
            100 << 16,
            "r1",
            ChangeKind::ObservationPut,
            json!({"project": "p", "created_at": "2026-12-04T00:00:00Z", "title": "Retrying on SQLITE_BUSY",
            "kind": "bugfix", "narrative": "parse_config_file now retries when the store is busy",
            "files_modified": ["src/store/open.rs"]}),
        ),
        change(
            "a",
            2,
            101 << 16,
            "r2",
            ChangeKind::ObservationPut,
            json!({"project": "p", "created_at": "2026-12-04T00:00:00Z", "title": "Invoice export",
            "kind": "change", "narrative": "Empty carts are skipped"}),
        ),
    ])
    .unwrap();
    let titles = |hub: &mut Hub, q: &str| -> Vec<String> {
        hub.search(&p(), q, None, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.title)
            .collect()
    };
    assert_eq!(
        titles(&mut hub, "retry"),
        ["Retrying on SQLITE_BUSY"],
        "english stem"
    );
    assert_eq!(
        titles(&mut hub, "config"),
        ["Retrying on SQLITE_BUSY"],
        "identifier part"
    );
    assert_eq!(
        titles(&mut hub, "src/store/open.rs"),
        ["Retrying on SQLITE_BUSY"],
        "path"
    );
    assert_eq!(
        titles(&mut hub, "\"empty carts\" -busy"),
        ["Invoice export"]
    );
    assert!(
        hub.search(&["other".into()], "invoice", None, 10)
            .unwrap()
            .is_empty()
    );
    let hit = &hub.search(&p(), "invoice", None, 10).unwrap()[0];
    assert_eq!(
        (hit.author.as_str(), hit.record.as_str()),
        ("author of a", "r2")
    );
    // An edit (from another machine, arriving first) renames it; a forget hides it.
    hub.push(&[change(
        "b",
        1,
        200 << 16,
        "r2",
        ChangeKind::ObservationEdit,
        json!({"title": "Cart export"}),
    )])
    .unwrap();
    assert_eq!(titles(&mut hub, "cart"), ["Cart export"]);
    hub.push(&[change(
        "b",
        2,
        300 << 16,
        "r1",
        ChangeKind::ObservationForget,
        json!({}),
    )])
    .unwrap();
    assert!(titles(&mut hub, "retry").is_empty());
    let mut c = db.client();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM memcore_records WHERE body LIKE '%parse_config%' OR title LIKE '%BUSY%'"
        ),
        0,
        "a forgotten record's text leaves the search view"
    );
    // Vectors re-rank: the closer vector wins among text matches.
    hub.push(&[change(
        "a",
        3,
        400 << 16,
        "r3",
        ChangeKind::ObservationPut,
        json!({"project": "p", "created_at": "2026-12-04T00:00:00Z", "title": "cart totals", "kind": "change", "narrative": "cart"}),
    )])
    .unwrap();
    let keys = [
        ("p".to_string(), "r2".to_string()),
        ("p".into(), "r3".into()),
        ("p".into(), "r1".into()),
    ];
    let missing = hub.missing_vectors(&keys).unwrap();
    assert_eq!(missing.len(), 2, "r1 is forgotten: {missing:?}");
    assert!(
        missing
            .iter()
            .any(|m| m.record == "r2" && m.text.contains("Cart export"))
    );
    let rows = vec![
        ("p".into(), "r2".into(), vec![1.0, 0.0]),
        ("p".into(), "r3".into(), vec![0.0, 1.0]),
    ];
    assert_eq!(hub.set_vectors("m", &rows).unwrap(), 2);
    assert!(hub.missing_vectors(&keys).unwrap().is_empty());
    let q = |model, vector| Some(QueryVector { model, vector });
    let by_vector = hub.search(&p(), "cart", q("m", &[0.1, 1.0]), 10).unwrap();
    assert_eq!(by_vector[0].record, "r3");
    assert!(by_vector[0].similarity.unwrap() > 0.9);
    let other_way = hub.search(&p(), "cart", q("m", &[1.0, 0.1]), 10).unwrap();
    assert_eq!(other_way[0].record, "r2");
    let other_model = hub
        .search(&p(), "cart", q("other", &[0.1, 1.0]), 10)
        .unwrap();
    assert!(
        other_model.iter().all(|h| h.similarity.is_none()),
        "another embedder's vectors are not compared"
    );
    // An edit changes the text: the vector made from the old text goes.
    hub.push(&[change(
        "b",
        3,
        500 << 16,
        "r3",
        ChangeKind::ObservationEdit,
        json!({"narrative": "cart sums"}),
    )])
    .unwrap();
    assert_eq!(hub.missing_vectors(&keys).unwrap().len(), 1);
}

#[test]
fn a_hub_that_is_down_a_refused_login_and_a_missing_database_are_told_apart() {
    let Some(db) = TestDb::new("failures") else {
        return;
    };
    let down = Hub::connect("postgres://postgres:pw@127.0.0.1:1/x")
        .err()
        .unwrap();
    assert!(matches!(down, HubError::Unreachable { .. }), "{down}");
    assert!(down.to_string().contains("not reachable"), "{down}");
    assert!(!down.to_string().contains(":pw"), "{down}");
    let no_role = Hub::connect(&db.url.replace("postgres@", "nobody_memcore@"))
        .err()
        .unwrap();
    assert!(matches!(no_role, HubError::Auth { .. }), "{no_role}");
    let no_db = Hub::connect(&format!("{}_missing", db.url)).err().unwrap();
    assert!(matches!(no_db, HubError::NoDatabase { .. }), "{no_db}");
    assert!(no_db.to_string().contains("createdb"), "{no_db}");
}

/// TLS with a private authority named as libpq does (`sslrootcert`): the server's
/// certificate is checked against it, and the connection is encrypted. The test server's is
/// Debian's self-signed one for `localhost` (skipped where there is none).
#[test]
fn tls_with_a_private_root_certificate_is_verified_and_encrypted() {
    let Some(db) = TestDb::new("tls") else { return };
    let ca = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let ssl_on: String = db.client().query_one("SHOW ssl", &[]).unwrap().get(0);
    if ssl_on != "on" || !std::path::Path::new(ca).exists() {
        eprintln!("tls: the test server has no TLS or no {ca}: skipped");
        return;
    }
    let url = db.url.replace("127.0.0.1", "localhost");
    let mut hub = Hub::connect(&format!("{url}?sslmode=verify-full&sslrootcert={ca}")).unwrap();
    assert!(hub.encrypted().unwrap());
    assert!(
        !db.hub().encrypted().unwrap(),
        "loopback without sslrootcert stays plain"
    );
    // Without the private root, the same server is refused, not trusted.
    let refused = Hub::connect(&format!("{url}?sslmode=require"))
        .err()
        .unwrap();
    assert!(refused.to_string().contains("certificate"), "{refused}");
}

/// Pull cursors survive as text and restart on another hub.
#[test]
fn a_cursor_kept_as_text_resumes_where_it_stopped() {
    let Some(db) = TestDb::new("cursor") else {
        return;
    };
    let mut hub = db.hub();
    hub.push(
        &(1..=5)
            .map(|s| put("d1", s, "p", "t", "n"))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let (mut cursor, _) = HubCursor::read(None, hub.hub_id(), &hub.target());
    let first = hub.pull("p", cursor.position("p"), 3).unwrap();
    cursor.seq.insert("p".into(), first.next);
    let kept = cursor.to_text();
    let (resumed, _) = HubCursor::read(Some(&kept), hub.hub_id(), &hub.target());
    let rest = hub.pull("p", resumed.position("p"), 10).unwrap();
    let ids: BTreeMap<u64, usize> = first
        .changes
        .iter()
        .chain(&rest.changes)
        .map(|c| (c.device_seq, 1))
        .collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(first.changes.len() + rest.changes.len(), 5);
}

/// The figures program runs end to end on a small scale (the real figures: `memcore dev
/// bench-hub URL`).
#[test]
fn the_bench_runs_and_cleans_up_after_itself() {
    let Some(db) = TestDb::new("bench") else {
        return;
    };
    let mut lines = Vec::new();
    let report =
        sync::hub::bench::run(&db.url, 300, 2000, &mut |l| lines.push(l.to_owned())).unwrap();
    assert!(report.mean_hits > 0.0, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("p50")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("store to store")),
        "{lines:?}"
    );
    assert!(report.store_pull > Duration::ZERO);
    assert_eq!(
        count(&mut db.client(), "SELECT count(*) FROM memcore_changes"),
        0
    );
}

/// The figures at full size (10k pushed and pulled, search at 100k), printed:
/// `cargo test -p memcore-cli --release --test sync_hub -- --ignored --exact figures --nocapture`.
#[test]
#[ignore = "minutes long; run by hand for the figures"]
fn figures() {
    let Some(db) = TestDb::new("figures") else {
        return;
    };
    sync::hub::bench::run(&db.url, 10_000, 100_000, &mut |l| eprintln!("{l}")).unwrap();
}

/// The command as a user runs it: `memcore sync enable`, `memcore sync` with `MEMCORE_HUB`,
/// `sync --status` counting what waits on the hub, `sync search` before pulling, and the
/// teammate's record labelled in `memcore search` once pulled.
#[test]
fn the_command_shares_pulls_counts_and_searches_through_a_hub() {
    let Some(db) = TestDb::new("command") else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let run = |who: usize, author: &str, args: &[&str]| -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_memcore"))
            .args(args)
            .env("HOME", dirs[who].path())
            .env("MEMCORE_DB", dirs[who].path().join("memory.db"))
            .env("MEMCORE_HUB", &db.url)
            .env("MEMCORE_AUTHOR", author)
            .env_remove("MEMCORE_SYNC_FOLDER")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(0, "ann", &["--project", "shop", "dev", "seed", "20"]);
    assert!(
        run(0, "ann", &["--project", "shop", "sync", "enable"]).contains("22 change(s) logged")
    );
    assert!(run(0, "ann", &["sync"]).contains("sent 22 change(s)"));
    run(1, "bob", &["--project", "shop", "sync", "enable"]);
    let waiting = run(1, "bob", &["--json", "sync", "--status"]);
    let waiting: serde_json::Value = serde_json::from_str(&waiting).unwrap();
    assert_eq!(waiting["incoming"]["hub"]["changes"], 22, "{waiting}");
    // Any of the words, as memcore search: no record holds both of these.
    let found = run(
        1,
        "bob",
        &["--project", "shop", "sync", "search", "coupon", "zebra"],
    );
    assert!(found.contains("by ann"), "{found}");
    assert!(run(1, "bob", &["sync"]).contains("received 22"));
    let status = run(1, "bob", &["sync", "--status"]);
    assert!(status.contains("0 change(s) to receive"), "{status}");
    let local = run(1, "bob", &["--project", "shop", "search", "coupon"]);
    assert!(local.contains("(by ann)"), "{local}");
}
