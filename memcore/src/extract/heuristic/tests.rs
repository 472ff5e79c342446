//! Unit tests of the heuristic extractor's helpers.

use super::*;

#[test]
fn shell_lines_split_into_commands_with_redirections() {
    let segs = split_shell("cd /p && cargo test 2>&1 | tail -20; echo \"a && b\" > out.txt");
    let words: Vec<Vec<String>> = segs.iter().map(|s| s.words.clone()).collect();
    assert_eq!(
        words,
        vec![
            vec!["cd".to_string(), "/p".into()],
            vec!["cargo".into(), "test".into()],
            vec!["tail".into(), "-20".into()],
            vec!["echo".into(), "a && b".into()],
        ]
    );
    assert_eq!(segs[3].writes, vec!["out.txt".to_string()]);
}

#[test]
fn heredoc_bodies_are_not_commands() {
    let segs = split_shell("cat > a.py << 'EOF'\nimport os\nrm -rf /\nEOF\npython a.py");
    let programs: Vec<&str> = segs
        .iter()
        .filter_map(|s| s.words.first().map(String::as_str))
        .collect();
    assert_eq!(programs, ["cat", "python"]);
    assert_eq!(segs[0].writes, vec!["a.py".to_string()]);
}

#[test]
fn commit_messages_come_from_heredocs_and_flags() {
    assert_eq!(
        commit_message("git commit -m \"$(cat <<'EOF'\nAdd thing\n\nBody\nEOF\n)\"").as_deref(),
        Some("Add thing")
    );
    assert_eq!(
        commit_message("git commit -am 'x' -m \"Fix bug\"").as_deref(),
        Some("Fix bug")
    );
}

#[test]
fn similar_commands_share_a_key() {
    let key = |c: &str| {
        let seg = split_shell(c);
        similarity_key(&program_words(&seg[0].words))
    };
    assert_eq!(key("python -m pytest tests/test_x.py -v"), "pytest");
    assert_eq!(key("uv run pytest"), "pytest");
    assert_eq!(key("RUST_LOG=1 cargo test lexer"), "cargo test");
    assert_eq!(key("cargo test --all"), "cargo test");
    assert_eq!(key("npm run build"), "npm run build");
}

#[test]
fn requests_become_past_tense_titles() {
    let t = |s: &str| request_title(s, EDIT_VERBS).map(|(t, _)| t);
    assert_eq!(
        t("Port this Python project to Rust. Create a library.").as_deref(),
        Some("Ported the Python project to Rust")
    );
    assert_eq!(
        t("Read test.txt and change the content to \"x\". Commit the change, then stop.")
            .as_deref(),
        Some("Changed the content to \"x\"")
    );
    assert_eq!(
        t("Add a function called multiply_numbers(a: int, b: int) -> int that multiplies two numbers together. Add a test for it.")
            .as_deref(),
        Some("Added a function called multiply_numbers")
    );
    assert_eq!(t("What does this do?"), None);
}

#[test]
fn intents_become_titles() {
    let rules = Rules::new();
    let t = |s: &str| intent_title(&rules, s).map(|(t, _)| clause_title(&t, 72));
    assert_eq!(
        t("I need to add the untracked files to `.gitignore` - these are generated.").as_deref(),
        Some("Added the untracked files to .gitignore")
    );
    assert_eq!(
        t("All tests pass. Now let me set up coverage testing with `cargo-llvm-cov` to ensure 100% coverage.")
            .as_deref(),
        Some("Set up coverage testing with cargo-llvm-cov")
    );
    assert_eq!(t("Now let me run the tests to verify."), None);
}

#[test]
fn error_lines_pick_the_telling_line() {
    let rules = Rules::new();
    let e = |s: &str| error_line(&rules, s);
    assert_eq!(
        e("   Compiling x\nerror[E0425]: cannot find value `y` in this scope\n --> src/main.rs:3:5\nerror: could not compile").as_deref(),
        Some("error[E0425]: cannot find value `y` in this scope")
    );
    assert_eq!(
        e("Traceback (most recent call last):\n  File \"a.py\", line 1\nNameError: name 'x' is not defined").as_deref(),
        Some("NameError: name 'x' is not defined")
    );
    assert_eq!(
        e("thread 'lexer::tests::tokenizer' panicked at src/lexer.rs:10:5:\nassertion failed")
            .as_deref(),
        Some("panicked at src/lexer.rs:10:5: assertion failed")
    );
    assert_eq!(
        failing_test(&rules, "test lexer::tests::tokenizer ... FAILED\n").as_deref(),
        Some("tokenizer")
    );
    assert_eq!(
        failing_test(
            &rules,
            "FAILED tests/test_a.py::test_parse[1] - assert 1 == 2"
        )
        .as_deref(),
        Some("test_parse")
    );
}

#[test]
fn root_is_inferred_out_of_source_directories() {
    let event = |path: &str| Event {
        id: 1,
        session_id: "s".into(),
        project: "p".into(),
        payload: EventPayload::ToolUse {
            tool_name: "Read".into(),
            input: serde_json::json!({ "file_path": path }),
            output: Some(String::new()),
            error: None,
            tool_use_id: None,
        },
        external_id: None,
        occurred_at: OffsetDateTime::UNIX_EPOCH,
        status: crate::model::EventStatus::Pending,
        attempts: 0,
    };
    let a = event("/home/u/proj/src/main.rs");
    assert_eq!(infer_root(&[&a]).as_deref(), Some("/home/u/proj"));
    let b = event("/home/u/proj/README.md");
    assert_eq!(infer_root(&[&a, &b]).as_deref(), Some("/home/u/proj"));
    let c = event("/etc/hosts");
    assert_eq!(infer_root(&[&a, &c]), None);
}
