//! The inspection and upkeep commands, and doctor, on a store filled through the hooks and
//! from a real transcript.

mod common;

use common::{Setup, transcripts_dir};
use serde_json::{Value, json};

/// A store with one extracted session of project `work` (the setup's working directory).
fn filled() -> Setup {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let cwd = setup.cwd.to_string_lossy().into_owned();
    for (event, input) in [
        ("SessionStart", json!({"source": "startup"})),
        (
            "UserPromptSubmit",
            json!({"prompt": "Make the invoice export skip empty carts"}),
        ),
        (
            "PostToolUse",
            json!({"tool_name": "Edit", "tool_use_id": "t1",
                   "tool_input": {"file_path": format!("{cwd}/src/invoice_export.rs"),
                                  "old_string": "for cart in carts {",
                                  "new_string": "for cart in carts.iter().filter(|c| !c.is_empty()) {"},
                   "tool_response": {"filePath": format!("{cwd}/src/invoice_export.rs")}}),
        ),
        (
            "PostToolUse",
            json!({"tool_name": "Bash", "tool_use_id": "t2",
                   "tool_input": {"command": "cargo test invoice"},
                   "tool_response": {"stdout": "test result: ok. 4 passed", "stderr": ""}}),
        ),
        (
            "Stop",
            json!({"last_assistant_message": "Empty carts are now skipped by the invoice export."}),
        ),
        ("SessionEnd", json!({"reason": "other"})),
    ] {
        let mut input = input;
        input["session_id"] = json!("s1");
        input["cwd"] = json!(cwd);
        input["hook_event_name"] = json!(event);
        setup.hook(event, &input);
    }
    setup.ok(&["extract", "--summarize", "s1"]);
    setup
}

#[test]
fn read_commands_show_what_memory_holds() {
    let setup = filled();
    let recent = setup.json(&["recent"]);
    // The change itself (the extractor also keeps the test command it ran).
    let first = recent
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["files_modified"]
                .to_string()
                .contains("invoice_export.rs")
        })
        .unwrap_or_else(|| panic!("no observation of the change: {recent}"));
    let id = first["id"].as_i64().unwrap();
    assert_eq!(first["project"], "work");

    let text = setup.ok(&["recent"]);
    assert!(text.contains("Latest summary"), "{text}");
    assert!(text.contains(&format!("#{id}")), "{text}");

    let hits = setup.json(&["search", "invoice", "export"]);
    assert_eq!(hits[0]["id"], id);
    assert!(setup.ok(&["search", "invoice"]).contains(&format!("#{id}")));
    let none = setup.ok(&["search", "kubernetes"]);
    assert!(none.contains("Nothing in memory matches"), "{none}");
    // A listing shows what the search found, even by one word of five (the prompt context
    // would not inject it); a query none of whose words is stored finds nothing.
    let thin = setup.ok(&["search", "invoice", "haiku", "autumn", "leaves", "poem"]);
    assert!(thin.contains(&format!("#{id}")), "{thin}");
    // Another project sees nothing; every project sees it.
    assert_eq!(
        setup.json(&["--project", "other", "search", "invoice"]),
        json!([])
    );
    let everywhere = setup.json(&["--all-projects", "search", "invoice"]);
    assert!(
        everywhere
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["layer"] == "observation" && h["id"] == id),
        "{everywhere}"
    );

    let shown = setup.ok(&["show", &id.to_string()]);
    assert!(
        shown.contains("files modified: src/invoice_export.rs"),
        "{shown}"
    );
    assert_eq!(setup.json(&["show", &format!("#{id}")])[0]["id"], id);
    let missing = setup.run_with_input(&["show", "999999"], b"");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nothing stored as #999999"));
    let bad = setup.run_with_input(&["show", "x7"], b"");
    assert!(!bad.status.success());
    // A conversation record is shown by c<id>, as search lists it.
    let hits = setup.json(&["search", "invoice"]);
    if let Some(record) = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["layer"] == "conversation")
    {
        let reference = format!("c{}", record["id"]);
        let shown = setup.json(&["show", &reference]);
        assert_eq!(shown[0]["event_id"], record["id"]);
        assert!(setup.ok(&["show", &reference]).contains(&reference));
    }

    let timeline = setup.json(&["timeline", &id.to_string()]);
    let entries = timeline["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["item"]["type"] == "prompt"),
        "{timeline}"
    );
    let text = setup.ok(&["timeline", &id.to_string()]);
    assert!(
        text.contains("prompt  Make the invoice export skip empty carts"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with('>')),
        "anchor marked: {text}"
    );

    let context = setup.ok(&["context"]);
    assert!(context.starts_with("# Memory of work"), "{context}");
    let prompt = setup.json(&["context", "--prompt", "invoice", "export", "carts"]);
    assert!(
        prompt["observation_ids"]
            .to_string()
            .contains(&id.to_string()),
        "{prompt}"
    );

    let stats = setup.json(&["stats"]);
    assert_eq!(stats["scope"], json!({"project": "work"}));
    assert_eq!(stats["sessions"], 1);
    assert_eq!(stats["summaries"], 1);
    assert_eq!(stats["pending_events"], 0);
    assert_eq!(
        stats["llm_tokens_today"], 0,
        "the heuristic extractor costs nothing"
    );
    assert!(
        setup
            .ok(&["stats"])
            .contains("events        4 (0 pending, 0 failed)")
    );

    let out = setup.ok(&["forget", &id.to_string()]);
    assert!(out.contains(&format!("forgot #{id}")));
    // The observation is gone; the conversation it came from stays searchable.
    let after = setup.json(&["search", "invoice", "export"]);
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["layer"] == "conversation" || h["id"] != id),
        "{after}"
    );
    assert!(
        !setup
            .run_with_input(&["forget", &id.to_string()], b"")
            .status
            .success()
    );
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let setup = Setup::new();
    for args in [
        &["frobnicate"][..],
        &["search"],
        &["show", "abc"],
        &["timeline", "1", "2"],
        &["recent", "--limit", "many"],
        &["install"],
        &["install", "vscode"],
        &["extract", "--provider", "gemini"],
        &["stats", "--bogus"],
    ] {
        let out = setup.run_with_input(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("memcore help"), "{args:?}: {err}");
    }
    let help = setup.ok(&["help"]);
    for command in [
        "install claude-code",
        "doctor",
        "search",
        "timeline",
        "import-transcript",
    ] {
        assert!(help.contains(command), "{command}");
    }
    assert!(setup.ok(&["--version"]).starts_with("memcore "));
}

#[test]
fn import_transcript_then_export_import_and_backup() {
    let Some(dir) = transcripts_dir() else {
        println!("skipped: ../shared/data/claude-code-transcripts is not there");
        return;
    };
    let setup = Setup::new();
    let path = dir.join("hello-world-script.jsonl");
    let out = setup.ok(&[
        "--project",
        "hello",
        "import-transcript",
        path.to_str().unwrap(),
    ]);
    assert!(out.contains("in project hello"), "{out}");
    assert!(out.contains("heuristic:"), "extracted right away: {out}");
    let stats = setup.json(&["--project", "hello", "stats"]);
    assert_eq!(stats["pending_events"], 0, "{stats}");
    assert_eq!(stats["summaries"], 1, "{stats}");
    assert!(stats["observations"].as_u64().unwrap() >= 1);
    // Importing again adds nothing.
    let again = setup.json(&[
        "--project",
        "hello",
        "import-transcript",
        path.to_str().unwrap(),
    ]);
    assert_eq!(again["imports"][0]["added"], 0, "{again}");

    let export = setup.dir.path().join("hello.jsonl");
    setup.ok(&["--project", "hello", "export", export.to_str().unwrap()]);
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(exported.lines().next().unwrap().contains("memcore-export"));

    let other = Setup::new();
    let report = other.json(&["import", export.to_str().unwrap()]);
    assert!(
        report["added"]["observations"].as_u64().unwrap() >= 1,
        "{report}"
    );
    let mine: Vec<Value> = setup
        .json(&["--project", "hello", "recent"])
        .as_array()
        .unwrap()
        .iter()
        .map(strip_ids)
        .collect();
    let theirs: Vec<Value> = other
        .json(&["--project", "hello", "recent"])
        .as_array()
        .unwrap()
        .iter()
        .map(strip_ids)
        .collect();
    assert_eq!(mine, theirs, "the import holds the same observations");

    let backup = setup.dir.path().join("copy.db");
    let out = setup.ok(&["backup", backup.to_str().unwrap()]);
    assert!(out.contains("backed up"), "{out}");
    let copy = Setup::new();
    let copied = copy.json(&["--db", backup.to_str().unwrap(), "--all-projects", "stats"]);
    assert_eq!(copied["observations"], setup.stats()["observations"]);
    // A backup never overwrites.
    assert!(
        !setup
            .run_with_input(&["backup", backup.to_str().unwrap()], b"")
            .status
            .success()
    );
}

/// An observation without its store-specific fields.
fn strip_ids(v: &Value) -> Value {
    let mut v = v.clone();
    for key in ["id", "source_event_ids", "supersedes", "superseded_by"] {
        if let Some(o) = v.as_object_mut() {
            o.remove(key);
        }
    }
    v
}

#[test]
fn doctor_reports_store_extraction_hooks_and_problems() {
    let setup = Setup::new();
    // Before anything: no store, no hooks.
    let text = setup.doctor_text();
    assert!(text.contains("does not exist yet"), "{text}");
    assert!(text.contains("memcore install claude-code"), "{text}");
    assert!(!setup.db.exists(), "doctor creates no store");

    setup.ok(&["install", "claude-code"]);
    std::fs::create_dir_all(setup.data_dir()).unwrap();
    std::fs::write(
        setup.data_dir().join("config.json"),
        r#"{"daily_token_cap": "lots"}"#,
    )
    .unwrap();
    let setup = Setup {
        env: vec![("MEMCORE_NO_EXTRACT".into(), "1".into())],
        ..setup
    };
    setup.hook(
        "PostToolUse",
        &json!({"session_id": "s1", "cwd": setup.cwd, "tool_name": "Read",
                "tool_input": {"file_path": "README.md"}, "tool_response": "# Hello",
                "tool_use_id": "t1"}),
    );
    setup.hook_raw("PostToolUse", b"garbage");
    let report = setup.doctor();
    assert_eq!(report["store"]["exists"], true);
    assert_eq!(report["store"]["schema_version"], memcore::SCHEMA_VERSION);
    assert_eq!(report["store"]["integrity"], json!(["ok"]));
    assert_eq!(report["store"]["stats"]["pending_events"], 1);
    assert_eq!(report["store"]["stats"]["failed_events"], 0);
    assert!(report["store"]["size_bytes"].as_u64().unwrap() > 0);
    assert_eq!(report["extraction"]["provider"], "heuristic");
    assert!(report["extraction"]["last"].is_null());
    assert!(report["extraction"]["running_pid"].is_null());
    assert_eq!(report["hooks"][0]["scope"], "user");
    assert_eq!(report["hooks"][0]["installed"].as_array().unwrap().len(), 7);
    assert_eq!(report["hooks"][0]["missing"], json!([]));
    assert_eq!(report["config"]["exists"], true);
    let warnings = report["config"]["warnings"].to_string();
    assert!(warnings.contains("daily_token_cap"), "{warnings}");
    assert!(report["log"]["last_lines"].to_string().contains("not JSON"));
    assert_eq!(report["store"]["vectors"]["observations_left"], 0);

    setup.ok(&["extract"]);
    let text = setup.doctor_text();
    for expected in [
        "schema        version 4",
        "events        1 (0 pending, 0 failed)",
        "provider      heuristic",
        "extractor     idle",
        "last extraction",
        "installed (7 events)",
        "not installed",
        "integrity     ok",
        // The extraction's backfill gave every record its vector.
        "vectors       memcore-static/minilm-l6-v2-m2v/d256/v1: every record has one",
        "daily_token_cap",
        // memory.db alone misses the WAL: doctor sends people to `memcore backup`.
        "`memcore backup FILE`",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
}

/// `memcore import` of an export cut short (no end record) imports what it read and says so
/// on stderr, and in `--json` as `warnings`.
#[test]
fn import_warns_about_an_export_without_its_end_record() {
    let setup = Setup::new();
    let cut = concat!(
        r#"{"format":"memcore-export","format_version":2,"schema_version":2,"exported_at":"2026-01-01T00:00:00Z"}"#,
        "\n",
        r#"{"type":"session","id":"s","project":"p","agent":"a","started_at":"2026-01-01T00:00:00Z","status":"ended"}"#,
        "\n"
    );
    let out = setup.run_with_input(&["import", "-"], cut.as_bytes());
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("no end record"),
        "{err}"
    );

    let out = setup.run_with_input(&["--json", "import", "-"], cut.as_bytes());
    assert!(out.status.success(), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["warnings"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
}

#[test]
fn forget_by_a_filter_lists_undoes_and_purges() {
    let setup = Setup::new();
    setup.ok(&["--project", "shop", "dev", "seed", "60"]);
    let count = |args: &[&str]| -> u64 {
        let mut all = vec!["--project", "shop"];
        all.extend_from_slice(args);
        setup.json(&all)["would_forget"].as_u64().unwrap()
    };
    let bugfixes = count(&["forget", "--where", "--kind", "bugfix", "--dry-run"]);
    assert!(bugfixes > 0 && bugfixes < 60, "{bugfixes}");
    // A filter that narrows nothing is refused (exit 2), and nothing is forgotten.
    let refused = setup.run_with_input(&["--project", "shop", "forget", "--where"], b"");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--kind"));

    let out = setup.json(&["--project", "shop", "forget", "--where", "--kind", "bugfix"]);
    assert_eq!(out["forgotten"].as_array().unwrap().len() as u64, bugfixes);
    let batch = out["batch"].as_i64().unwrap();
    assert_eq!(
        setup.json(&["--project", "shop", "stats"])["observations"],
        60 - bugfixes
    );
    assert_eq!(
        count(&["forget", "--where", "--kind", "bugfix", "--dry-run"]),
        0
    );
    let listed = setup.ok(&["forget", "--list"]);
    assert!(listed.contains(&format!("batch {batch}")), "{listed}");
    assert!(listed.contains("kind bugfix"), "{listed}");

    let undone = setup.json(&["forget", "--undo", &batch.to_string()]);
    assert_eq!(
        undone["restored"].as_array().unwrap().len() as u64,
        bugfixes
    );
    assert_eq!(
        setup.json(&["--project", "shop", "stats"])["observations"],
        60
    );
    assert!(
        !setup
            .run_with_input(&["forget", "--undo", &batch.to_string()], b"")
            .status
            .success()
    );

    let text = setup.ok(&["--project", "shop", "forget", "--where", "--kind", "bugfix"]);
    assert!(text.contains("memcore forget --undo"), "{text}");
    assert!(
        setup
            .ok(&["forget", "--purge-all"])
            .contains(&format!("purged {bugfixes}"))
    );
    assert!(
        setup
            .ok(&["forget", "--list"])
            .contains("nothing forgotten")
    );
}

#[test]
fn context_hooks_record_what_they_inject() {
    let setup = Setup::new();
    setup.ok(&["--project", "work", "dev", "seed", "30"]);
    let cwd = setup.cwd.to_string_lossy().into_owned();
    let start = setup.hook(
        "SessionStart",
        &json!({"session_id": "s9", "cwd": cwd, "hook_event_name": "SessionStart", "source": "startup"}),
    );
    assert!(!start.is_empty());
    let prompt = setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": "s9", "cwd": cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": "how does the coupon cache retry work"}),
    );
    let memory = memcore::Memory::open(&setup.db).unwrap();
    let injections = memory
        .injections(Some("s9"), &memcore::Scope::All, 10)
        .unwrap();
    let events: Vec<&str> = injections
        .iter()
        .map(|i| i.content.event.as_str())
        .collect();
    let expected: &[&str] = if prompt.is_empty() {
        &["SessionStart"]
    } else {
        &["UserPromptSubmit", "SessionStart"]
    };
    assert_eq!(events, expected);
    let first = injections.last().unwrap();
    assert!(!first.content.observation_ids.is_empty());
    assert!(first.content.tokens > 0 && first.content.tokens <= first.content.budget);
    assert_eq!(first.content.project, "work");
}

/// Today's spend is totalled by the ledger rows' time: older rows imported after today's
/// (a restore, a merge from another machine) do not hide today's.
#[test]
fn todays_spend_counts_todays_rows_whatever_order_they_were_stored_in() {
    let setup = Setup::new();
    let today = time::OffsetDateTime::now_utc();
    let yesterday = today - time::Duration::days(1);
    let rfc = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let line = |at: String, tokens: u64| {
        json!({"type": "ledger", "session_id": null, "project": "shop", "purpose": "observations",
               "model": "anthropic:claude-haiku-4-5", "prompt_tokens": tokens, "completion_tokens": 0,
               "events": [], "outcome": "completed", "detail": null, "observations": 0, "created_at": at})
        .to_string()
    };
    let file = setup.dir.path().join("ledger.jsonl");
    let header = json!({"format": "memcore-export", "format_version": 2, "schema_version": 4,
                        "exported_at": rfc(today), "project": null, "since": null, "until": null,
                        "include_events": false});
    // Today's row first, then yesterday's: the order an import of an old export would give.
    std::fs::write(
        &file,
        format!(
            "{header}\n{}\n{}\n{}\n",
            json!({"type": "project", "name": "shop", "created_at": rfc(yesterday)}),
            line(rfc(today), 700),
            line(rfc(yesterday), 5000)
        ),
    )
    .unwrap();
    setup.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(setup.json(&["stats"])["llm_tokens_today"], 700);
}
