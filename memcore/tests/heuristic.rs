//! The heuristic extractor: one synthetic session per rule, and the real Claude Code
//! transcripts in `../shared/data/claude-code-transcripts` (MIT, read at run time; those tests
//! print a message and pass when the folder is absent).

use memcore::capture::transcript::parse_transcript_file;
use memcore::extract::Mode;
use memcore::extract::heuristic::{Heuristic, heuristic_observations, heuristic_summary};
use memcore::{Event, EventPayload, EventStatus, NewObservation, ObservationKind};
use serde_json::{Value, json};
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/claude-code-transcripts"
);

const ROOT: &str = "/home/dev/proj";

/// Builds a session's events with ids 1..n, one second apart.
#[derive(Default)]
struct Session {
    events: Vec<Event>,
    session_id: String,
}

impl Session {
    fn new() -> Session {
        Session {
            events: Vec::new(),
            session_id: "s1".into(),
        }
    }

    fn push(&mut self, payload: EventPayload) -> &mut Session {
        let id = self.events.len() as i64 + 1;
        self.events.push(Event {
            id,
            session_id: self.session_id.clone(),
            project: "proj".into(),
            payload,
            external_id: None,
            occurred_at: OffsetDateTime::UNIX_EPOCH + Duration::seconds(id),
            status: EventStatus::Pending,
            attempts: 0,
        });
        self
    }

    fn prompt(&mut self, text: &str) -> &mut Session {
        self.push(EventPayload::UserPrompt { text: text.into() })
    }

    fn say(&mut self, text: &str) -> &mut Session {
        self.push(EventPayload::AssistantMessage { text: text.into() })
    }

    fn note(&mut self, text: &str) -> &mut Session {
        self.push(EventPayload::Note { text: text.into() })
    }

    fn tool(&mut self, name: &str, input: Value, output: &str) -> &mut Session {
        self.push(EventPayload::ToolUse {
            tool_name: name.into(),
            input,
            output: Some(output.into()),
            error: None,
            tool_use_id: None,
        })
    }

    fn failed_tool(&mut self, name: &str, input: Value, error: &str) -> &mut Session {
        self.push(EventPayload::ToolUse {
            tool_name: name.into(),
            input,
            output: None,
            error: Some(error.into()),
            tool_use_id: None,
        })
    }

    fn read(&mut self, path: &str) -> &mut Session {
        self.tool(
            "Read",
            json!({ "file_path": format!("{ROOT}/{path}") }),
            "     1\tfn main() {}",
        )
    }

    fn edit(&mut self, path: &str, old: &str, new: &str) -> &mut Session {
        self.tool(
            "Edit",
            json!({ "file_path": format!("{ROOT}/{path}"), "old_string": old, "new_string": new }),
            "The file has been updated successfully.",
        )
    }

    fn bash(&mut self, command: &str, output: &str) -> &mut Session {
        self.tool("Bash", json!({ "command": command }), output)
    }

    fn bash_fails(&mut self, command: &str, error: &str) -> &mut Session {
        self.failed_tool("Bash", json!({ "command": command }), error)
    }

    fn observations(&self) -> Vec<NewObservation> {
        heuristic_observations(&self.events)
    }
}

/// The titles of the observations of the work itself: what a session leaves for the next
/// one (its commands, next steps, open items) is tested on its own.
fn titles(obs: &[NewObservation]) -> Vec<&str> {
    obs.iter()
        .filter(|o| !is_left_behind(o))
        .map(|o| o.title.as_str())
        .collect()
}

/// Whether an observation is a reason the assistant or a plan stated (a decision, a cause, a
/// constraint).
fn is_reason(o: &NewObservation) -> bool {
    o.kind == Some(ObservationKind::Decision)
        || o.concepts
            .iter()
            .any(|c| ["root-cause", "gotcha"].contains(&c.as_str()))
            && o.kind == Some(ObservationKind::Discovery)
}

fn is_left_behind(o: &NewObservation) -> bool {
    o.concepts
        .iter()
        .any(|c| ["command", "next-step", "open-item"].contains(&c.as_str()))
}

/// Invariants every observation must hold, whatever the input.
fn check_invariants(obs: &[NewObservation], events: &[Event]) {
    for o in obs {
        assert!(!o.title.trim().is_empty(), "empty title: {o:?}");
        assert!(o.title.chars().count() <= 100, "long title: {}", o.title);
        assert!(!o.title.starts_with("Used tool"), "{}", o.title);
        assert!(o.kind.is_some(), "no kind: {}", o.title);
        assert!(!o.source_event_ids.is_empty(), "no provenance: {}", o.title);
        for id in &o.source_event_ids {
            assert!(events.iter().any(|e| e.id == *id), "unknown source {id}");
        }
        assert!(o.importance.is_some_and(|i| (0.0..=1.0).contains(&i)));
        assert!(o.created_at.is_some(), "no time: {}", o.title);
        assert!(!o.narrative.trim().is_empty(), "no narrative: {}", o.title);
        let concepts = Mode::code();
        let concepts = concepts.concept_names();
        for c in &o.concepts {
            assert!(concepts.contains(&c.as_str()), "unknown concept {c}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic sessions, one per rule

#[test]
fn failing_test_then_passing_run_is_one_bugfix() {
    let mut s = Session::new();
    s.prompt("The tokenizer test is failing, please fix it.")
        .bash_fails(
            "cargo test 2>&1",
            "Exit code 101\nrunning 12 tests\ntest lexer::tests::tokenizer ... FAILED\n\nthread 'lexer::tests::tokenizer' panicked at src/lexer.rs:10:5:\nassertion `left == right` failed\ntest result: FAILED. 11 passed; 1 failed",
        )
        .read("src/lexer.rs")
        .say("The tokenizer drops the last token. Let me fix the loop bound.")
        .edit("src/lexer.rs", "for i in 0..n - 1 {", "for i in 0..n {")
        .bash("cargo test 2>&1", "running 12 tests\ntest result: ok. 12 passed; 0 failed");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(
        titles(&obs),
        ["Fixed failing tokenizer test in src/lexer.rs"]
    );
    let fix = &obs[0];
    assert_eq!(fix.kind, Some(ObservationKind::Bugfix));
    assert_eq!(fix.files_modified, ["src/lexer.rs"]);
    assert_eq!(fix.files_read, ["src/lexer.rs"]);
    assert!(
        fix.facts
            .iter()
            .any(|f| f.contains("panicked at src/lexer.rs:10:5"))
    );
    assert!(
        fix.facts
            .iter()
            .any(|f| f.contains("`cargo test` passed (12 tests)"))
    );
    assert!(fix.concepts.contains(&"problem-solution".to_string()));
    assert_eq!(fix.source_event_ids, [2, 3, 4, 5, 6]);
    let summary = heuristic_summary(&s.events).unwrap_or_default();
    assert!(
        summary.learned.contains("panicked at src/lexer.rs:10:5"),
        "{summary:?}"
    );
    assert!(summary.learned.contains("src/lexer.rs"));
    assert!(summary.notes.is_empty());
}

#[test]
fn failure_read_from_output_and_similar_command_counts_as_the_fix() {
    let mut s = Session::new();
    s.prompt("Make the parser accept empty input")
        .bash(
            "python -m pytest tests/test_parser.py -q",
            "F.\nFAILED tests/test_parser.py::test_empty - ValueError: empty input\n1 failed, 1 passed in 0.02s",
        )
        .edit(
            "src/parser.py",
            "    if not text:\n        raise ValueError(\"empty input\")\n",
            "    if not text:\n        return []\n",
        )
        .bash("uv run pytest", "2 passed in 0.01s");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(titles(&obs), ["Fixed failing empty test in src/parser.py"]);
    assert!(obs[0].facts[0].contains("FAILED tests/test_parser.py::test_empty"));
}

#[test]
fn build_error_fix_is_named_by_its_code_and_repeated_failures_are_a_gotcha() {
    let mut s = Session::new();
    s.bash_fails(
        "cargo build",
        "error[E0425]: cannot find value `count` in this scope\n --> src/main.rs:4:5",
    )
    .edit(
        "src/main.rs",
        "count += 1;",
        "let mut count = 0;\ncount += 1;",
    )
    .bash_fails(
        "cargo build",
        "error[E0384]: cannot assign twice to immutable variable `x`",
    )
    .edit("src/main.rs", "let x = 1;", "let mut x = 1;")
    .bash("cargo build", "Finished `dev` profile");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(titles(&obs), ["Fixed build error E0425 in src/main.rs"]);
    assert!(obs[0].concepts.contains(&"gotcha".to_string()));
    assert!(obs[0].facts.iter().any(|f| f.contains("E0384")));
}

#[test]
fn failure_left_unresolved_is_kept_as_a_change_and_a_summary_note() {
    let mut s = Session::new();
    s.prompt("Speed up the importer")
        .bash_fails(
            "npm test",
            "Exit code 1\nFAIL src/import.test.js\n  ✕ imports rows (5 ms)",
        )
        .edit("src/import.js", "rows.forEach(save)", "await saveAll(rows)");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(titles(&obs).len(), 1);
    assert_eq!(obs[0].kind, Some(ObservationKind::Change));
    assert!(obs[0].facts.iter().any(|f| f.contains("still failing")));
    let summary = heuristic_summary(&s.events).unwrap_or_default();
    assert!(
        summary.notes.contains("`npm test` was still failing"),
        "{summary:?}"
    );
}

#[test]
fn edits_between_two_prompts_are_one_observation() {
    let mut s = Session::new();
    s.prompt("Rename the config loader to load_settings")
        .read("src/config.rs")
        .edit(
            "src/config.rs",
            "pub fn load_config() {}",
            "pub fn load_settings() {}",
        )
        .edit("src/main.rs", "load_config()", "load_settings()")
        .edit("src/config.rs", "// config", "// settings")
        .prompt("Now add a --verbose flag")
        .edit(
            "src/cli.rs",
            "struct Args {}",
            "struct Args {\n    verbose: bool,\n}",
        )
        .bash("cargo test", "test result: ok. 3 passed; 0 failed");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(
        titles(&obs),
        [
            "Renamed the config loader to load_settings in src/config.rs and src/main.rs",
            "Added a --verbose flag in src/cli.rs",
        ]
    );
    assert_eq!(obs[0].kind, Some(ObservationKind::Refactor));
    assert_eq!(obs[0].files_modified, ["src/config.rs", "src/main.rs"]);
    assert_eq!(obs[0].files_read, ["src/config.rs"]);
    assert_eq!(obs[0].source_event_ids, [1, 2, 3, 4, 5]);
    assert!(
        obs[1]
            .facts
            .iter()
            .any(|f| f.contains("`cargo test` passed (3 tests)"))
    );
}

#[test]
fn a_new_file_is_a_feature_and_deletions_get_their_own_observation() {
    let mut s = Session::new();
    s.say("Let me create the word counter.")
        .tool(
            "Write",
            json!({ "file_path": format!("{ROOT}/src/wc.rs"), "content": "//! Counts words.\n\npub fn count_words(s: &str) -> usize {\n    s.split_whitespace().count()\n}\n" }),
            "File created successfully at: /home/dev/proj/src/wc.rs",
        )
        .say("Now let me remove the old Python version.")
        .bash(
            "rm /home/dev/proj/wc.py /home/dev/proj/test_wc.py",
            "",
        )
        .bash("cargo test 2>&1 | tail -3", "test result: ok. 1 passed; 0 failed");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(
        titles(&obs),
        [
            "Created the word counter in src/wc.rs",
            "Removed the old Python version in wc.py and test_wc.py"
        ]
    );
    assert_eq!(obs[0].kind, Some(ObservationKind::Feature));
    assert!(obs[0].facts[0].contains("Created src/wc.rs (5 lines): //! Counts words."));
    assert!(obs[0].facts[0].contains("defines count_words"));
    assert_eq!(obs[1].kind, Some(ObservationKind::Change));
    assert_eq!(obs[1].files_modified, ["wc.py", "test_wc.py"]);
}

#[test]
fn without_prompt_or_intent_titles_come_from_definitions_and_files() {
    let mut s = Session::new();
    s.edit(
        "src/lib.rs",
        "pub fn a() {}",
        "pub fn a() {}\n\npub fn parse_header() {}",
    )
    .bash("cargo check", "Finished")
    .edit("README.md", "# Old", "# New title")
    .bash("git add -A && git commit -m 'Docs'", "[main 1234] Docs");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(
        titles(&obs),
        ["Added parse_header in src/lib.rs", "Updated README.md"]
    );
    assert_eq!(obs[0].kind, Some(ObservationKind::Feature));
    assert!(obs[1].facts.contains(&"Committed as \"Docs\"".to_string()));
    assert!(!obs[0].facts.iter().any(|f| f.starts_with("Committed")));
}

#[test]
fn a_commit_after_verified_work_is_recorded_on_it() {
    let mut s = Session::new();
    s.prompt("Fix the typo in the greeting")
        .edit("src/greet.py", "Helo", "Hello")
        .bash("pytest", "1 passed in 0.01s")
        .bash(
            "git add src/greet.py && git commit -m \"$(cat <<'EOF'\nFix greeting typo\n\nCo-Authored-By: x\nEOF\n)\"",
            "[main 1] Fix greeting typo",
        );
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(
        titles(&obs),
        ["Fixed the typo in the greeting in src/greet.py"]
    );
    assert_eq!(obs[0].kind, Some(ObservationKind::Bugfix));
    assert!(
        obs[0]
            .facts
            .contains(&"Committed as \"Fix greeting typo\"".to_string())
    );
    assert!(obs[0].source_event_ids.contains(&4));
}

#[test]
fn a_commit_refused_by_a_hook_then_accepted_is_a_bugfix() {
    let mut s = Session::new();
    s.bash_fails(
        "git commit -m 'Add parser'",
        "Exit code 1\nruff....Failed\nsrc/parser.py:3:1: F401 `os` imported but unused",
    )
    .edit("src/parser.py", "import os\nimport re", "import re")
    .bash("git commit -m 'Add parser'", "[main 2] Add parser");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].kind, Some(ObservationKind::Bugfix));
    assert_eq!(obs[0].files_modified, ["src/parser.py"]);
    assert!(obs[0].facts[0].contains("F401"), "{:?}", obs[0].facts);
}

#[test]
fn reads_greps_and_globs_become_one_discovery() {
    let mut s = Session::new();
    s.prompt("How does config loading work?")
        .tool("Glob", json!({ "pattern": "**/*.toml" }), "/home/dev/proj/config.toml")
        .tool(
            "Grep",
            json!({ "pattern": "load_config", "path": format!("{ROOT}/src") }),
            "src/config.rs:3:pub fn load_config",
        )
        .read("src/config.rs")
        .read("src/env.rs")
        .read("config.toml")
        .say("Config is read from config.toml by load_config in src/config.rs. Environment variables override it in src/env.rs. Missing files fall back to defaults.");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(titles(&obs).len(), 1);
    let d = &obs[0];
    assert_eq!(d.kind, Some(ObservationKind::Discovery));
    assert_eq!(
        d.title,
        "Explored src/config.rs, src/env.rs and config.toml"
    );
    assert_eq!(d.files_read, ["src/config.rs", "src/env.rs", "config.toml"]);
    assert!(d.subtitle.starts_with("Config is read from config.toml"));
    assert!(d.facts.iter().any(|f| f.contains("load_config")));
    assert!(d.concepts.contains(&"how-it-works".to_string()));
    assert_eq!(d.source_event_ids, [2, 3, 4, 5, 6, 7]);
    let summary = heuristic_summary(&s.events).unwrap_or_default();
    assert_eq!(summary.request, "How does config loading work?");
    assert!(summary.investigated.contains("src/config.rs"));
}

#[test]
fn a_prompt_to_look_gives_the_discovery_its_title() {
    let mut s = Session::new();
    s.prompt("Explain how the cache is invalidated")
        .read("src/cache.rs")
        .say("Entries expire after the TTL set in Cache::new.");
    let obs = s.observations();
    assert_eq!(
        titles(&obs),
        ["Explained how the cache is invalidated in src/cache.rs"]
    );
}

#[test]
fn notes_become_decisions_or_discoveries_verbatim() {
    let mut s = Session::new();
    s.note(
        "We decided to keep SQLite in WAL mode because many hook processes open the store at once.",
    )
    .note("The staging API returns timestamps in UTC without an offset.");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(obs.len(), 2);
    assert_eq!(obs[0].kind, Some(ObservationKind::Decision));
    assert_eq!(
        obs[0].narrative,
        "We decided to keep SQLite in WAL mode because many hook processes open the store at once."
    );
    assert!(obs[0].concepts.contains(&"why-it-exists".to_string()));
    assert_eq!(obs[1].kind, Some(ObservationKind::Discovery));
    assert_eq!(
        obs[1].title,
        "The staging API returns timestamps in UTC without an offset"
    );
    assert_eq!(obs[1].source_event_ids, [2]);
}

#[test]
fn a_choice_the_assistant_explains_becomes_a_decision() {
    let mut s = Session::new();
    s.prompt("The coupon is applied twice")
        .edit("/w/shop/src/checkout.rs", "apply_coupon(total)", "total")
        .say(
            "Fixed. I kept the discount in Cart::total, because the cart page shows that \
             total too. Next I will add a test.",
        )
        .say("All tests pass now.");
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    let decisions: Vec<&NewObservation> = obs
        .iter()
        .filter(|o| o.kind == Some(ObservationKind::Decision))
        .collect();
    assert_eq!(decisions.len(), 1, "{:?}", titles(&obs));
    assert_eq!(
        decisions[0].title,
        "I kept the discount in Cart::total, because the cart page shows that total too"
    );
    // The sentence that states the reason is kept whole, with the paragraph around it.
    assert!(
        decisions[0].narrative.contains(
            "I kept the discount in Cart::total, because the cart page shows that total too."
        ),
        "{}",
        decisions[0].narrative
    );
    assert_eq!(decisions[0].source_event_ids, [3]);
}

#[test]
fn noise_is_skipped() {
    let mut s = Session::new();
    s.prompt("ok")
        .tool(
            "TodoWrite",
            json!({ "todos": [] }),
            "Todos have been modified",
        )
        .bash("ls -la", "total 0")
        .bash("pwd", "/home/dev/proj")
        .bash("git status && git log --oneline -3", "nothing to commit")
        .failed_tool(
            "Edit",
            json!({ "file_path": "/home/dev/proj/a.rs", "old_string": "x", "new_string": "y" }),
            "String to replace not found in file.",
        )
        .failed_tool(
            "Bash",
            json!({ "command": "rm -rf build" }),
            "The user doesn't want to proceed with this tool use.",
        )
        .tool("mcp__github__list_issues", json!({}), "[]")
        .say("Nothing to do.");
    let obs = s.observations();
    assert!(obs.is_empty(), "{:?}", titles(&obs));
}

#[test]
fn multi_edit_notebook_and_apply_patch_are_edits() {
    let mut s = Session::new();
    s.tool(
        "MultiEdit",
        json!({ "file_path": format!("{ROOT}/src/a.rs"), "edits": [
            { "old_string": "fn a() {}", "new_string": "fn a() {}\nfn b() {}" },
            { "old_string": "// x", "new_string": "// y" }
        ]}),
        "Applied 2 edits",
    )
    .tool(
        "NotebookEdit",
        json!({ "notebook_path": format!("{ROOT}/nb/analysis.ipynb"), "new_source": "df.describe()", "edit_mode": "insert" }),
        "Inserted cell",
    )
    .tool(
        "apply_patch",
        json!({ "input": "*** Begin Patch\n*** Add File: src/c.rs\n+pub fn c() {}\n*** Update File: src/d.rs\n@@\n-old\n+new\n*** End Patch" }),
        "Done",
    );
    let obs = s.observations();
    check_invariants(&obs, &s.events);
    assert_eq!(obs.len(), 1);
    assert_eq!(
        obs[0].files_modified,
        ["src/a.rs", "nb/analysis.ipynb", "src/c.rs", "src/d.rs"]
    );
    assert_eq!(obs[0].kind, Some(ObservationKind::Feature));
    assert!(obs[0].facts.iter().any(|f| f.contains("inserted a cell")));
}

#[test]
fn paths_are_relative_to_the_given_or_inferred_root() {
    let mut s = Session::new();
    s.edit("src/a.rs", "1", "2").edit("tests/b.rs", "1", "2");
    let inferred = s.observations();
    assert_eq!(inferred[0].files_modified, ["src/a.rs", "tests/b.rs"]);
    let given = Heuristic::with_project_root("/home/dev").observations(&s.events);
    assert_eq!(
        given[0].files_modified,
        ["proj/src/a.rs", "proj/tests/b.rs"]
    );
}

#[test]
fn sessions_are_extracted_separately() {
    let mut a = Session::new();
    a.edit("src/a.rs", "1", "2");
    let mut b = Session::new();
    b.session_id = "s2".into();
    b.edit("src/b.rs", "1", "2");
    let mut events = a.events.clone();
    events.extend(b.events.iter().cloned().map(|mut e| {
        e.id += 10;
        e
    }));
    let obs = heuristic_observations(&events);
    let sessions: Vec<Option<&str>> = obs.iter().map(|o| o.session_id.as_deref()).collect();
    assert_eq!(sessions, [Some("s1"), Some("s2")]);
    assert_eq!(obs[0].project.as_deref(), Some("proj"));
}

#[test]
fn summary_takes_next_steps_from_the_last_message() {
    let mut s = Session::new();
    s.prompt("yes")
        .prompt("Add retries to the HTTP client")
        .edit("src/http.rs", "send()", "send_with_retry(3)")
        .say("Added retries.\n\n## Next steps\n- Make the retry count configurable\n- Add jitter\n\nLet me know.");
    let summary = heuristic_summary(&s.events).unwrap_or_default();
    assert_eq!(summary.request, "Add retries to the HTTP client");
    assert_eq!(
        summary.next_steps,
        "Make the retry count configurable; Add jitter."
    );
    assert!(
        summary
            .completed
            .contains("Added retries to the HTTP client")
    );
    assert!(heuristic_summary(&[]).is_none());
}

#[test]
fn output_is_deterministic() {
    let mut s = Session::new();
    s.prompt("Add a cache")
        .read("src/a.rs")
        .edit("src/a.rs", "x", "y")
        .bash("cargo test", "1 passed");
    assert_eq!(s.observations(), s.observations());
    assert_eq!(heuristic_summary(&s.events), heuristic_summary(&s.events));
}

// ---------------------------------------------------------------------------------------------
// Real transcripts

/// The transcript `name` as stored events (ids 1..n, pending), or `None` (with a message)
/// when the data folder is absent.
fn events_of(name: &str) -> Option<Vec<Event>> {
    let path = PathBuf::from(DATA).join(name);
    if !path.exists() {
        println!("skipped: {} not found", path.display());
        return None;
    }
    let t = match parse_transcript_file(&path) {
        Ok(t) => t,
        Err(e) => panic!("{name}: {e}"),
    };
    let session = t.session_id.clone().unwrap_or_else(|| "s".into());
    Some(
        t.events
            .into_iter()
            .enumerate()
            .map(|(i, e)| Event {
                id: i as i64 + 1,
                session_id: session.clone(),
                project: "demo".into(),
                payload: e.payload,
                external_id: Some(e.external_id),
                occurred_at: e.occurred_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                status: EventStatus::Pending,
                attempts: 0,
            })
            .collect(),
    )
}

const TRANSCRIPTS: [&str; 7] = [
    "coverage-test-fix.jsonl",
    "hello-world-script.jsonl",
    "python-to-rust-port.jsonl",
    "stop-hook-fast-path-clean.jsonl",
    "stop-hook-reflection-first-stop.jsonl",
    "stop-hook-reflection-second-stop.jsonl",
    "stop-hook-uncommitted-changes.jsonl",
];

#[test]
fn coverage_test_fix_gives_the_feature_and_the_gitignore_change() {
    let Some(events) = events_of("coverage-test-fix.jsonl") else {
        return;
    };
    let obs = heuristic_observations(&events);
    check_invariants(&obs, &events);
    assert_eq!(
        titles(&obs),
        [
            "Added a function called multiply_numbers in src/math_utils.py and tests/test_math_utils.py",
            "Added the untracked files to .gitignore",
            "The `.gitignore` was already committed (a hook or linter committed it)",
        ]
    );
    let feature = &obs[0];
    assert_eq!(feature.kind, Some(ObservationKind::Feature));
    assert_eq!(
        feature.files_modified,
        ["src/math_utils.py", "tests/test_math_utils.py"]
    );
    assert_eq!(
        feature.files_read,
        ["src/math_utils.py", "tests/test_math_utils.py"]
    );
    assert!(
        feature
            .facts
            .iter()
            .any(|f| f.contains("added multiply_numbers"))
    );
    assert!(
        feature
            .facts
            .iter()
            .any(|f| f.contains("`python -m pytest tests/test_math_utils.py -v` passed (2 tests)"))
    );
    assert!(
        feature
            .facts
            .contains(&"Committed as \"Add multiply_numbers function with test\"".to_string())
    );
    let gitignore = &obs[1];
    assert_eq!(gitignore.kind, Some(ObservationKind::Change));
    assert_eq!(gitignore.files_modified, [".gitignore"]);
    assert!(gitignore.facts[0].contains("__pycache__/"));

    let summary = heuristic_summary(&events).unwrap_or_default();
    assert!(
        summary
            .request
            .starts_with("Add a function called multiply_numbers")
    );
    assert!(summary.investigated.contains("src/math_utils.py"));
    assert!(summary.completed.contains("multiply_numbers"));
    // The final `git commit` found nothing to commit: not a failure worth a note.
    assert!(summary.notes.is_empty(), "{summary:?}");
}

#[test]
fn python_to_rust_port_gives_exploration_port_justfile_and_cleanup() {
    let Some(events) = events_of("python-to-rust-port.jsonl") else {
        return;
    };
    let all = heuristic_observations(&events);
    check_invariants(&all, &events);
    // The reasons the assistant gave along the way are observations of their own.
    let reasons: Vec<&str> = all
        .iter()
        .filter(|o| is_reason(o))
        .map(|o| o.title.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "In Rust, I'll use a generic approach with an enum to represent either a single value or a nested…",
            "The single region not covered is likely a branch in the `?` operator that can't fail in practice…",
            "Used `Result<T, E>` instead of raising exceptions for `factorial()`",
        ]
    );
    let obs: Vec<NewObservation> = all
        .into_iter()
        .filter(|o| !is_reason(o) && !is_left_behind(o))
        .collect();
    assert_eq!(
        titles(&obs),
        [
            "Explored Python project structure",
            "Ported the Python project to Rust",
            "Set up coverage testing with cargo-llvm-cov in Justfile",
            "Deleted the Python source files",
        ]
    );
    let kinds: Vec<Option<ObservationKind>> = obs.iter().map(|o| o.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            Some(ObservationKind::Discovery),
            Some(ObservationKind::Feature),
            Some(ObservationKind::Change),
            Some(ObservationKind::Change),
        ]
    );
    assert!(
        obs[0]
            .files_read
            .contains(&"src/string_utils.py".to_string())
    );
    assert_eq!(
        obs[1].files_modified,
        [
            "Cargo.toml",
            "src/lib.rs",
            "src/string_utils.rs",
            "src/math_utils.rs",
            "src/list_utils.rs",
            "src/dict_utils.rs",
            "src/validation.rs"
        ]
    );
    assert!(
        obs[1]
            .facts
            .iter()
            .any(|f| f.contains("`cargo test` passed (29 tests)"))
    );
    assert!(obs[1].facts.iter().any(|f| f.contains("cargo init --lib")));
    assert_eq!(obs[2].files_modified, ["Justfile"]);
    assert!(
        obs[3]
            .files_modified
            .contains(&"src/math_utils.py".to_string())
    );
    assert!(
        obs[3]
            .files_modified
            .contains(&"pyproject.toml".to_string())
    );
    for o in &obs[1..] {
        assert!(
            o.facts
                .contains(&"Committed as \"Port Python utility library to Rust\"".to_string()),
            "{}",
            o.title
        );
    }
    let summary = heuristic_summary(&events).unwrap_or_default();
    assert!(
        summary
            .request
            .starts_with("Port this Python project to Rust.")
    );
    assert!(
        summary
            .completed
            .contains("Ported the Python project to Rust")
    );
    assert!(summary.notes.is_empty());
}

#[test]
fn small_transcripts_give_the_expected_titles() {
    let expected: [(&str, &[&str]); 5] = [
        (
            "hello-world-script.jsonl",
            &["Wrote a shell script called hello.sh that prints \"Hello world\""],
        ),
        (
            "stop-hook-fast-path-clean.jsonl",
            &["Read the README.md file"],
        ),
        (
            "stop-hook-reflection-first-stop.jsonl",
            &["Changed the content to \"modified content\" in test.txt"],
        ),
        ("stop-hook-reflection-second-stop.jsonl", &[]),
        (
            "stop-hook-uncommitted-changes.jsonl",
            &["Added a docstring to the top in src/main.py"],
        ),
    ];
    for (name, want) in expected {
        let Some(events) = events_of(name) else {
            return;
        };
        let obs = heuristic_observations(&events);
        assert_eq!(titles(&obs), want, "{name}");
    }
}

#[test]
fn every_transcript_gives_grounded_grouped_observations() {
    for name in TRANSCRIPTS {
        let Some(events) = events_of(name) else {
            return;
        };
        let obs = heuristic_observations(&events);
        check_invariants(&obs, &events);
        assert!(
            obs.len() * 4 <= events.len().max(4),
            "{name}: {} observations for {} events",
            obs.len(),
            events.len()
        );
        for o in &obs {
            for f in o.files_read.iter().chain(&o.files_modified) {
                assert!(!f.starts_with("/tmp/"), "{name}: absolute path {f}");
            }
        }
        assert_eq!(
            obs,
            heuristic_observations(&events),
            "{name}: not deterministic"
        );
        let summary = heuristic_summary(&events);
        assert!(summary.is_some_and(|s| !s.request.is_empty()), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input

mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z /.\\-_]{0,30}",
            "\\PC{0,40}",
            Just("cargo test 2>&1 | tail -5".to_string()),
            Just("cat > /home/dev/proj/a.py << 'EOF'\nx\nEOF".to_string()),
            Just("rm -rf /home/dev/proj/x && git commit -m \"é\"".to_string()),
            Just("error[E0308]: é\nFAILED x::y\npanicked at a:".to_string()),
            Just("Let me add the ünïcode thing - because.".to_string()),
            Just("Traceback (most recent call last):\nValueError: x".to_string()),
        ]
    }

    fn payload() -> impl Strategy<Value = EventPayload> {
        let tool = (
            prop_oneof![
                Just("Bash"),
                Just("Edit"),
                Just("Write"),
                Just("Read"),
                Just("Grep"),
                Just("Glob"),
                Just("MultiEdit"),
                Just("NotebookEdit"),
                Just("apply_patch"),
                Just("Task"),
                Just("TodoWrite"),
                Just("Other"),
            ],
            text(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<bool>(),
        )
            .prop_map(|(name, a, b, output, error, odd)| {
                let input = if odd {
                    json!(a)
                } else {
                    json!({ "command": a, "file_path": format!("/home/dev/proj/{b}"),
                            "old_string": a, "new_string": b, "content": b, "pattern": a,
                            "description": b, "prompt": a, "input": b,
                            "edits": [{ "old_string": b, "new_string": a }] })
                };
                EventPayload::ToolUse {
                    tool_name: name.to_string(),
                    input,
                    output,
                    error,
                    tool_use_id: None,
                }
            });
        prop_oneof![
            1 => text().prop_map(|text| EventPayload::UserPrompt { text }),
            1 => text().prop_map(|text| EventPayload::AssistantMessage { text }),
            1 => text().prop_map(|text| EventPayload::Note { text }),
            3 => tool,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_events_never_panic_and_keep_invariants(
            payloads in prop::collection::vec(payload(), 0..25)
        ) {
            let mut s = Session::new();
            for p in payloads {
                s.push(p);
            }
            let obs = s.observations();
            for o in &obs {
                prop_assert!(!o.source_event_ids.is_empty());
                prop_assert!(!o.title.starts_with("Used tool"));
            }
            let _ = heuristic_summary(&s.events);
        }
    }
}
