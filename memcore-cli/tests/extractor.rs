//! One extractor per store at a time, and a crashed extractor loses nothing.

mod common;

use common::Setup;
use serde_json::json;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn record(setup: &Setup, sid: &str) {
    let cwd = setup.cwd.to_string_lossy().into_owned();
    setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": sid, "cwd": cwd, "prompt": "Rename the retry helper in src/net.rs"}),
    );
    setup.hook(
        "PostToolUse",
        &json!({"session_id": sid, "cwd": cwd, "tool_name": "Edit", "tool_use_id": format!("{sid}-1"),
                "tool_input": {"file_path": format!("{cwd}/src/net.rs"),
                               "old_string": "fn retry_helper", "new_string": "fn retry_with_backoff"},
                "tool_response": {"filePath": format!("{cwd}/src/net.rs")}}),
    );
}

fn lock_path(setup: &Setup) -> std::path::PathBuf {
    let mut name = setup.db.as_os_str().to_owned();
    name.push(".extract.lock");
    name.into()
}

#[test]
fn a_second_extractor_leaves_while_one_runs() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    record(&setup, "s1");
    // Another extractor holds the lock (this test process, pid written as an extractor does).
    let mut held = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&setup))
        .unwrap();
    held.try_lock().unwrap();
    writeln!(held, "{}", std::process::id()).unwrap();
    let report = setup.json(&["extract"]);
    assert_eq!(report["ran"], false, "{report}");
    assert_eq!(report["busy_pid"], std::process::id());
    let doctor = setup.doctor();
    assert_eq!(doctor["extraction"]["running_pid"], std::process::id());
    assert_eq!(setup.stats()["pending_events"], 2);
    // Released: the next run does the work. A child that another test thread is spawning
    // holds a copy of every descriptor of this process between its fork and its exec, the
    // lock's included, so the release may take a moment to be seen.
    drop(held);
    let started = std::time::Instant::now();
    let report = loop {
        let report = setup.json(&["extract"]);
        if report["ran"] == true || started.elapsed() > std::time::Duration::from_secs(10) {
            break report;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(report["ran"], true, "{report}");
    assert_eq!(report["run"]["events_extracted"], 2, "{report}");
    assert!(setup.doctor()["extraction"]["running_pid"].is_null());
}

#[test]
fn a_killed_extractor_leaves_its_events_pending_for_the_next_run() {
    // A model endpoint that accepts the call and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(5) {
            open.push(stream); // keep the connection open, answer nothing
        }
        std::thread::sleep(Duration::from_secs(120));
    });
    let setup = Setup::new()
        .with_env("MEMCORE_NO_EXTRACT", "1")
        .with_env("MEMCORE_PROVIDER", "openai:hangs")
        .with_env("MEMCORE_OPENAI_BASE_URL", &url);
    std::fs::create_dir_all(setup.data_dir()).unwrap();
    // Short leases, so the test does not wait five minutes for the claim to expire.
    std::fs::write(
        setup.data_dir().join("config.json"),
        r#"{"memory": {"extraction": {"lease_seconds": 1}}}"#,
    )
    .unwrap();
    record(&setup, "s1");

    let mut extractor = Command::new(common::BIN)
        .args(["extract"])
        .env("MEMCORE_DB", &setup.db)
        .env("HOME", &setup.home)
        .env("MEMCORE_PROVIDER", "openai:hangs")
        .env("MEMCORE_OPENAI_BASE_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it holds the lock (it is then waiting on the model), then kill it.
    let start = Instant::now();
    while setup.doctor()["extraction"]["running_pid"].is_null() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "extractor never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    extractor.kill().unwrap();
    extractor.wait().unwrap();

    // The lock died with it; the events are still there, pending.
    assert!(setup.doctor()["extraction"]["running_pid"].is_null());
    let stats = setup.stats();
    assert_eq!(stats["pending_events"], 2, "{stats}");
    assert_eq!(stats["observations"], 0);
    // Once the claim's lease is over, the next run (here the heuristic one) extracts them.
    std::thread::sleep(Duration::from_millis(1200));
    let report = setup.json(&["extract", "--provider", "heuristic"]);
    assert_eq!(report["run"]["events_extracted"], 2, "{report}");
    assert_eq!(setup.stats()["pending_events"], 0);
}

#[test]
fn stop_and_session_end_return_at_once_and_extraction_follows() {
    let setup = Setup::new();
    record(&setup, "s1");
    let cwd = setup.cwd.to_string_lossy().into_owned();
    let started = Instant::now();
    setup.hook(
        "Stop",
        &json!({"session_id": "s1", "cwd": cwd, "last_assistant_message": "Renamed it."}),
    );
    setup.hook(
        "SessionEnd",
        &json!({"session_id": "s1", "cwd": cwd, "reason": "exit"}),
    );
    let hooks_took = started.elapsed();
    setup.wait_for_extraction(1);
    let stats = setup.stats();
    assert_eq!(stats["pending_events"], 0);
    assert_eq!(
        stats["summaries"], 1,
        "SessionEnd's extractor wrote the summary"
    );
    assert!(stats["observations"].as_u64().unwrap() >= 1);
    println!("Stop + SessionEnd hooks returned in {hooks_took:?}");
}
