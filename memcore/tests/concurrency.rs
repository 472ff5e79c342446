//! Many writers on one file, and a writer killed mid-loop.
//!
//! The multi-process tests re-run this test binary as the child process: the child finds its
//! instructions in `MEMCORE_TEST_CHILD` and runs `child_entry_point` only.

use memcore::{EventPayload, Memory, NewEvent, NewSession, Scope};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "MEMCORE_TEST_CHILD";

fn note(session: &str, key: String) -> NewEvent {
    NewEvent {
        external_id: Some(key.clone()),
        ..NewEvent::new(
            session,
            EventPayload::Note {
                text: format!("event {key}"),
            },
        )
    }
}

/// Runs in the child process: `record <db> <writer> <count>` records `count` events and exits;
/// `record-forever <db>` records until killed, printing each id once its call has returned.
#[test]
fn child_entry_point() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let args: Vec<&str> = spec.split('|').collect();
    let mem = Memory::open(args[1]).unwrap();
    match args[0] {
        "record" => {
            let writer = args[2];
            let count: usize = args[3].parse().unwrap();
            let session = format!("proc-{writer}");
            mem.start_session(NewSession::new(&session, "shared", "test"))
                .unwrap();
            for i in 0..count {
                mem.record_event(note(&session, format!("{writer}-{i}")))
                    .unwrap();
            }
        }
        "record-forever" => {
            mem.start_session(NewSession::new("victim", "shared", "test"))
                .unwrap();
            let mut out = std::io::stdout().lock();
            for i in 0.. {
                let rec = mem.record_event(note("victim", format!("k{i}"))).unwrap();
                writeln!(out, "{}", rec.id).unwrap();
                out.flush().unwrap();
            }
        }
        other => panic!("unknown child command {other}"),
    }
}

fn child(spec: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_entry_point",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, spec);
    cmd
}

fn event_keys(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT external_id FROM events ORDER BY external_id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn assert_each_once(keys: &[String], writers: usize, per_writer: usize) {
    assert_eq!(keys.len(), writers * per_writer);
    let mut unique = keys.to_vec();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "an event was stored twice");
    for w in 0..writers {
        for i in 0..per_writer {
            let key = format!("{w}-{i}");
            assert!(keys.binary_search(&key).is_ok(), "event {key} is missing");
        }
    }
}

#[test]
fn eight_threads_record_500_events_each_into_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    drop(Memory::open(&path).unwrap());
    std::thread::scope(|scope| {
        for writer in 0..8 {
            let path = &path;
            scope.spawn(move || {
                let mem = Memory::open(path).unwrap();
                let session = format!("thread-{writer}");
                mem.start_session(NewSession::new(&session, "shared", "test"))
                    .unwrap();
                for i in 0..500 {
                    // Any error (such as "database is locked") fails the test here.
                    mem.record_event(note(&session, format!("{writer}-{i}")))
                        .unwrap();
                }
            });
        }
    });
    assert_each_once(&event_keys(&path), 8, 500);
    let mem = Memory::open(&path).unwrap();
    assert_eq!(mem.stats(&Scope::All).unwrap().events, 4000);
}

#[test]
fn four_processes_record_500_events_each_into_one_file() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    // The children open a brand-new file at the same time: creation races are part of the test.
    let children: Vec<_> = (0..4)
        .map(|w| {
            child(&format!("record|{}|{w}|500", path.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_each_once(&event_keys(&path), 4, 500);
}

#[test]
fn a_writer_killed_mid_loop_loses_nothing_it_returned() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut proc = child(&format!("record-forever|{}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = proc.stdout.take().unwrap();
    let mut returned = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Ok(id) = line.trim().parse::<i64>() {
            returned.push(id);
        }
        if returned.len() == 300 {
            proc.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no checkpoint.
            break;
        }
    }
    proc.wait().unwrap();
    assert_eq!(returned.len(), 300, "the writer died before it was killed");

    let mem = Memory::open(&path).unwrap();
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
    let stored: Vec<i64> = mem
        .events("victim", None)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    for id in &returned {
        assert!(stored.contains(id), "event {id} was returned but is gone");
    }
}
