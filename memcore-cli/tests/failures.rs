//! What fails is seen: a full disk, a folder the hooks cannot write, a summary lost with its
//! extractor, a hook program that is gone. Hooks still exit 0; `doctor` says so and exits 1;
//! the next SessionStart tells the agent.

mod common;

use common::{BIN, Setup};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// A tmpfs mounted on a folder for the test's life.
#[cfg(unix)]
struct Mount(PathBuf);

#[cfg(unix)]
impl Mount {
    /// Mounts a tmpfs with `options` on `dir`; `None` (and a message) where mounting is not
    /// permitted (not root, no CAP_SYS_ADMIN, a container).
    fn tmpfs(dir: &std::path::Path, options: &str) -> Option<Mount> {
        std::fs::create_dir_all(dir).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Mount(dir.to_owned())),
            Ok(out) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here ({}); this test needs root",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount ({e}); this test needs root");
                None
            }
        }
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount {options}");
    }
}

#[cfg(unix)]
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(unix)]
fn tool(setup: &Setup, sid: &str, i: usize) {
    setup.hook(
        "PostToolUse",
        &json!({"session_id": sid, "cwd": setup.cwd, "tool_name": "Read",
                "tool_use_id": format!("{sid}-{i}"),
                "tool_input": {"file_path": format!("src/file{i}.rs")},
                "tool_response": format!("fn f{i}() {{}}\n").repeat(200)}),
    );
}

fn problems(report: &Value) -> String {
    report["problems"].to_string()
}

#[cfg(unix)]
#[test]
fn a_full_disk_leaves_a_trace_that_doctor_and_the_next_session_show() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let Some(mount) = Mount::tmpfs(&setup.data_dir(), "size=2m") else {
        return;
    };
    let start = json!({"session_id": "s1", "cwd": setup.cwd, "source": "startup"});
    setup.hook("SessionStart", &start);
    assert!(setup.db.exists());
    // Fill the disk.
    let filler = setup.data_dir().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![b'x'; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    for i in 0..60 {
        tool(&setup, "s1", i); // exits 0, prints nothing: checked by the helper
    }
    let stored = setup.stats()["events"].as_u64().unwrap();
    assert!(stored < 60, "the disk was not full: {stored} events stored");
    let marker = setup.data_dir().join("memcore.failed-writes");
    assert!(marker.exists(), "no trace of the failed writes");
    let (report, healthy) = setup.doctor_status();
    assert!(!healthy, "doctor must exit non-zero: {report}");
    let found = problems(&report);
    assert!(found.contains("hook writes failed"), "{found}");
    assert!(
        found.contains("cannot write in the store's folder"),
        "{found}"
    );

    // Space again: the next session is told, once.
    std::fs::remove_file(&filler).unwrap();
    mount.remount("size=8m");
    let context = setup.hook(
        "SessionStart",
        &json!({"session_id": "s2", "cwd": setup.cwd, "source": "startup"}),
    );
    assert!(
        context.contains("memcore could not record part of an earlier session"),
        "{context}"
    );
    assert!(!marker.exists());
    let context = setup.hook(
        "SessionStart",
        &json!({"session_id": "s3", "cwd": setup.cwd, "source": "startup"}),
    );
    assert!(
        !context.contains("could not record"),
        "told twice: {context}"
    );
    // Doctor keeps it until the user deletes it.
    let (report, healthy) = setup.doctor_status();
    assert!(!healthy);
    assert!(
        problems(&report).contains("failed-writes.reported"),
        "{report}"
    );
    std::fs::remove_file(setup.data_dir().join("memcore.failed-writes.reported")).unwrap();
    let report = setup.doctor();
    assert!(
        !problems(&report).contains("hook writes failed"),
        "{report}"
    );
    drop(mount);
}

#[cfg(unix)]
#[test]
fn an_unwritable_folder_leaves_a_trace_that_doctor_and_the_session_show() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let tmp = setup.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let setup = setup.with_env("TMPDIR", tmp.to_string_lossy());
    let data = setup.data_dir();
    // A read-only folder: a read-only mount where permitted (root ignores file modes), else
    // the folder's mode.
    let mount = Mount::tmpfs(&data, "ro,size=1m");
    if mount.is_none() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(data.join("probe"), b"x").is_ok() {
            eprintln!("SKIPPED: this user can write in a read-only folder");
            return;
        }
    }
    let context = setup.hook(
        "SessionStart",
        &json!({"session_id": "s1", "cwd": setup.cwd, "source": "startup"}),
    );
    assert!(
        context.contains("memcore cannot use its memory store"),
        "the session must be told: {context:?}"
    );
    for i in 0..50 {
        tool(&setup, "s1", i);
    }
    assert!(!setup.db.exists());
    let traces: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(traces.len(), 1, "{traces:?}");
    let lines = std::fs::read_to_string(&traces[0]).unwrap();
    assert_eq!(lines.lines().count(), 51, "{lines}");
    let (report, healthy) = setup.doctor_status();
    assert!(!healthy, "{report}");
    let found = problems(&report);
    assert!(found.contains("at least 51 hook writes failed"), "{found}");
    assert!(found.contains("store's folder"), "{found}");

    // Writable again: the next session is told, and the trace moves beside the store.
    match &mount {
        Some(m) => m.remount("rw"),
        None => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let context = setup.hook(
        "SessionStart",
        &json!({"session_id": "s2", "cwd": setup.cwd, "source": "startup"}),
    );
    assert!(
        context.contains("at least 51 hook writes failed"),
        "{context}"
    );
    assert!(!traces[0].exists());
    assert!(data.join("memcore.failed-writes.reported").exists());
    drop(mount);
}

#[test]
fn a_summary_lost_with_its_extractor_is_flagged_and_written_by_the_next_run() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    std::fs::create_dir_all(setup.data_dir()).unwrap();
    {
        // The state a SessionEnd extractor killed after extracting, before summarising,
        // leaves: the session ended, its events extracted, no summary.
        use memcore::extract::Extractor;
        use memcore::{EventPayload, Memory, NewEvent, NewSession};
        let memory = Memory::open(&setup.db).unwrap();
        memory
            .start_session(NewSession::new("s1", "proj", "claude-code"))
            .unwrap();
        memory
            .record_event(NewEvent::new(
                "s1",
                EventPayload::UserPrompt {
                    text: "Rename the retry helper in src/net.rs".into(),
                },
            ))
            .unwrap();
        memory.run_extraction(Extractor::Heuristic, None).unwrap();
        memory.end_session("s1").unwrap();
    }
    assert_eq!(setup.stats()["pending_events"], 0);
    assert_eq!(setup.stats()["summaries"], 0);
    // Just ended: its own SessionEnd extractor may still be waiting for the lock, so the
    // summary is not lost yet, and another run leaves it to that extractor.
    assert!(!problems(&setup.doctor()).contains("no summary"));
    let run = setup.json(&["extract"]);
    assert_eq!(run["summaries"], json!([]), "{run}");
    // Later (here: at once), the summary counts as lost.
    let setup = setup.with_env("MEMCORE_LOST_SUMMARY_SECS", "0");
    let (report, healthy) = setup.doctor_status();
    assert!(!healthy);
    assert!(
        problems(&report).contains("1 ended sessions have no summary"),
        "{report}"
    );
    let run = setup.json(&["extract"]);
    assert_eq!(run["summaries"], json!(["s1"]), "{run}");
    assert_eq!(setup.stats()["summaries"], 1);
    let report = setup.doctor();
    assert!(!problems(&report).contains("no summary"), "{report}");
    // Written once: the next run has nothing to do.
    let run = setup.json(&["extract"]);
    assert_eq!(run["summaries"], json!([]), "{run}");
}

#[test]
fn doctor_exits_non_zero_on_a_problem_and_checks_what_the_hooks_run() {
    let setup = Setup::new();
    setup.ok(&["install", "claude-code"]);
    let (report, healthy) = setup.doctor_status();
    assert!(healthy, "a fresh install is healthy: {report}");
    assert!(setup.doctor_text().contains("no problem found"));

    // The hook binary deleted (here: moved away from where the hooks point).
    let settings = setup.home.join(".claude").join("settings.json");
    let gone = setup.dir.path().join("gone").join("memcore");
    let text = std::fs::read_to_string(&settings).unwrap();
    assert!(text.contains(BIN), "{text}");
    std::fs::write(&settings, text.replace(BIN, &gone.to_string_lossy())).unwrap();
    let claude_json = setup.home.join(".claude.json");
    let text = std::fs::read_to_string(&claude_json).unwrap();
    std::fs::write(&claude_json, text.replace(BIN, &gone.to_string_lossy())).unwrap();
    let (report, healthy) = setup.doctor_status();
    assert!(!healthy, "{report}");
    let found = problems(&report);
    assert!(found.contains("memcore's hooks run"), "{found}");
    assert!(found.contains("memcore's MCP server run"), "{found}");
    assert!(found.contains("does not exist"), "{found}");
    let text = setup.doctor_text();
    assert!(!text.contains("no problem found"), "{text}");

    // A store that cannot be opened.
    let setup = Setup::new();
    std::fs::create_dir_all(setup.data_dir()).unwrap();
    std::fs::write(
        &setup.db,
        b"this is not a database, not even close ........",
    )
    .unwrap();
    let out = setup.run_with_input(&["doctor"], b"");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cannot be opened"), "{text}");
}
