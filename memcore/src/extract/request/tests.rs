//! Unit tests.

use super::*;
use crate::EventStatus;
use proptest::prelude::*;
use serde_json::json;
use time::macros::datetime;

fn event(id: EventId, session: &str, payload: EventPayload) -> Event {
    Event {
        id,
        session_id: session.to_string(),
        project: "memcore".to_string(),
        payload,
        external_id: None,
        occurred_at: datetime!(2026-11-03 10:00 UTC) + time::Duration::minutes(id),
        status: EventStatus::Pending,
        attempts: 0,
    }
}

fn tool(name: &str, input: Value, output: Option<&str>) -> EventPayload {
    EventPayload::ToolUse {
        tool_name: name.to_string(),
        input,
        output: output.map(str::to_string),
        error: None,
        tool_use_id: None,
    }
}

fn prompt(text: &str) -> EventPayload {
    EventPayload::UserPrompt {
        text: text.to_string(),
    }
}

/// `n` numbered lines of about ten tokens each.
fn lines(n: usize) -> String {
    (1..=n)
        .map(|i| format!("line {i}: the lexer emits a token for this input"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(payload: EventPayload, max: u32) -> (String, bool) {
    render_event(&event(12, "s1", payload), max)
}

#[test]
fn renders_text_events_with_their_header() {
    let (text, cut) = render(prompt("  Fix the lexer: trailing commas fail.\n"), 1500);
    assert_eq!(
        text,
        "#12 10:12 User prompt\nFix the lexer: trailing commas fail."
    );
    assert!(!cut);
    let (text, _) = render(
        EventPayload::AssistantMessage {
            text: "Done.".into(),
        },
        1500,
    );
    assert_eq!(text, "#12 10:12 Assistant\nDone.");
    let (text, _) = render(
        EventPayload::Note {
            text: "Use WAL mode.".into(),
        },
        1500,
    );
    assert_eq!(text, "#12 10:12 Note\nUse WAL mode.");
}

#[test]
fn renders_an_edit_as_old_and_new_text() {
    let input = json!({
        "file_path": "src/lexer.rs",
        "old_string": "let tokens = lex(src)?;",
        "new_string": "let tokens = lex(src.trim_end())?;\nOk(tokens)",
        "replace_all": false,
    });
    let (text, cut) = render(
        tool(
            "Edit",
            input,
            Some("The file src/lexer.rs has been updated."),
        ),
        1500,
    );
    assert_eq!(
        text,
        "#12 10:12 Edit src/lexer.rs\n\
         old: let tokens = lex(src)?;\n\
         new:\nlet tokens = lex(src.trim_end())?;\nOk(tokens)\n\
         output: The file src/lexer.rs has been updated."
    );
    assert!(!cut);
}

#[test]
fn an_edit_echo_is_cut_to_its_first_lines() {
    let input = json!({"file_path": "a.rs", "old_string": "a", "new_string": "b"});
    let output = format!("The file a.rs has been updated. Snippet:\n{}", lines(60));
    let (text, cut) = render(tool("Edit", input, Some(&output)), 1500);
    assert!(text.contains("has been updated"), "{text}");
    assert!(!text.contains("line 60:"), "{text}");
    assert!(text.contains("cut ...]"), "{text}");
    assert!(cut);
}

#[test]
fn renders_each_edit_of_a_multi_edit() {
    let input = json!({"file_path": "a.rs", "edits": [
        {"old_string": "x", "new_string": "y"},
        {"old_string": "p", "new_string": "q", "replace_all": true},
    ]});
    let (text, _) = render(tool("MultiEdit", input, None), 1500);
    assert_eq!(
        text,
        "#12 10:12 MultiEdit a.rs\nold 1: x\nnew 1: y\nold 2: p\nnew 2: q"
    );
}

#[test]
fn a_write_shows_its_first_lines() {
    let input = json!({"file_path": "src/big.rs", "content": lines(200)});
    let (text, cut) = render(tool("Write", input, Some("File created")), 1500);
    assert!(text.starts_with("#12 10:12 Write src/big.rs\ncontent (200 lines):\nline 1:"));
    assert!(!text.contains("line 200:"), "{text}");
    assert!(text.contains("more lines (~"), "{text}");
    assert!(text.ends_with("output: File created"), "{text}");
    assert!(cut);
    assert!(estimate(&text) <= WRITTEN_CONTENT_TOKENS + 40);
}

#[test]
fn a_command_shows_its_output_head_and_tail() {
    let input = json!({"command": "cargo test", "description": "Run tests", "timeout": 600});
    let output = lines(2000);
    let (text, cut) = render(tool("Bash", input, Some(&output)), 500);
    assert!(text.starts_with("#12 10:12 Bash (Run tests)\n$ cargo test\noutput:\nline 1:"));
    assert!(text.contains("line 2000:"), "{text}");
    assert!(!text.contains("line 1000:"), "{text}");
    assert!(text.contains(" lines (~"), "{text}");
    assert!(!text.contains("600"), "{text}");
    assert!(cut);
    assert!(estimate(&text) <= 500);
}

#[test]
fn a_read_names_its_file_and_range() {
    let input = json!({"file_path": "src/parser.rs", "offset": 40, "limit": 20});
    let (text, cut) = render(tool("Read", input, Some("fn parse() {}")), 1500);
    assert_eq!(
        text,
        "#12 10:12 Read src/parser.rs\nlimit: 20\noffset: 40\noutput: fn parse() {}"
    );
    assert!(!cut);
}

#[test]
fn an_error_is_shown() {
    let payload = EventPayload::ToolUse {
        tool_name: "Bash".into(),
        input: json!({"command": "cargo build"}),
        output: None,
        error: Some("error[E0425]: cannot find value `x`".into()),
        tool_use_id: None,
    };
    let (text, _) = render(payload, 1500);
    assert_eq!(
        text,
        "#12 10:12 Bash\n$ cargo build\nerror: error[E0425]: cannot find value `x`"
    );
}

#[test]
fn other_json_is_flattened_not_pretty_printed() {
    let input = json!({
        "query": "lexer trailing comma",
        "options": {"limit": 5, "filters": {"lang": ["rust", "toml"], "archived": false}},
        "extra": null,
    });
    let (text, _) = render(tool("mcp__search__find", input, None), 1500);
    assert_eq!(
        text,
        "#12 10:12 mcp__search__find lexer trailing comma\n\
         options.filters.lang: rust, toml\n\
         options.limit: 5"
    );
    let many: serde_json::Map<String, Value> =
        (0..40).map(|i| (format!("k{i:02}"), json!(i))).collect();
    let (text, cut) = render(tool("mcp__x", Value::Object(many), None), 1500);
    assert!(text.contains("[17 more fields not shown]"), "{text}");
    assert!(!text.contains("k39"), "{text}");
    assert!(cut);
}

#[test]
fn json_output_is_shown_by_its_fields() {
    let output = r#"{"stdout": "test result: ok", "stderr": "", "interrupted": false}"#;
    let (text, _) = render(
        tool("Bash", json!({"command": "cargo test"}), Some(output)),
        1500,
    );
    assert_eq!(
        text,
        "#12 10:12 Bash\n$ cargo test\noutput.stdout: test result: ok"
    );
}

#[test]
fn a_rendering_never_exceeds_its_budget() {
    let big = tool(
        "Bash",
        json!({"command": lines(50), "description": "x"}),
        Some(&lines(500)),
    );
    for max in [0, 1, 3, 10, 20, 48, 100, 333, 1500] {
        let (text, cut) = render(big.clone(), max);
        assert!(estimate(&text) <= max, "{max}: {text}");
        assert!(cut);
    }
    let (text, _) = render(prompt(&"x".repeat(50_000)), 100);
    assert!(estimate(&text) <= 100);
    assert!(text.contains("tokens cut"), "{text}");
}

#[test]
fn trimming_keeps_head_and_tail_and_counts_the_cut() {
    let text = lines(100);
    let (trimmed, cut) = trim_text(&text, 200, Trim::HeadTail);
    assert!(cut);
    assert!(estimate(&trimmed) <= 200);
    assert!(trimmed.starts_with("line 1:"));
    assert!(trimmed.ends_with("line 100: the lexer emits a token for this input"));
    let marker = trimmed.lines().find(|l| l.starts_with("[... ")).unwrap();
    assert!(marker.ends_with("tokens) cut ...]"), "{marker}");
    assert_eq!(
        trim_text("short", 10, Trim::HeadTail),
        ("short".into(), false)
    );
}

#[test]
fn water_fill_gives_short_pieces_all_and_long_ones_equal_shares() {
    assert_eq!(water_fill(&[10, 500, 1000], 410), vec![10, 200, 200]);
    assert_eq!(water_fill(&[10, 20], 100), vec![10, 20]);
    assert_eq!(water_fill(&[], 100), Vec::<u32>::new());
}

#[test]
fn observation_requests_carry_the_schema_project_and_reminder() {
    let mode = Mode::code();
    let events = vec![
        event(1, "s1", prompt("Fix the lexer.")),
        event(
            2,
            "s1",
            tool(
                "Read",
                json!({"file_path": "src/lexer.rs"}),
                Some("fn lex() {}"),
            ),
        ),
    ];
    let requests = build_observation_requests(&mode, &events, &ExtractionConfig::default());
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.purpose, RequestPurpose::Observations);
    assert_eq!(r.format, OutputFormat::ObservationsJson);
    assert_eq!(r.system_prompt, mode.observation_system_prompt());
    assert_eq!(r.event_ids, [1, 2]);
    assert!(r.truncated_event_ids.is_empty());
    assert_eq!(
        (r.session_id.as_str(), r.project.as_str()),
        ("s1", "memcore")
    );
    assert!(
        r.user_prompt
            .starts_with("Project: memcore. Session s1, 2026-11-03.")
    );
    assert!(
        r.user_prompt
            .contains("#1 10:01 User prompt\nFix the lexer.\n\n#2 10:02 Read")
    );
    assert_eq!(
        r.user_prompt.lines().last(),
        Some(mode.prompts.observation_footer.as_str())
    );
    assert_eq!(
        r.input_tokens,
        estimate(&r.system_prompt) + estimate(&r.user_prompt)
    );
    assert_eq!(r.max_output_tokens, 1500);
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["format"], "observations_json");
    assert_eq!(json["purpose"], "observations");
    let back: ExtractionRequest = serde_json::from_value(json).unwrap();
    assert_eq!(&back, r);
}

#[test]
fn config_fields_left_out_take_their_defaults() {
    let config: ExtractionConfig = serde_json::from_str(r#"{"batch_input_tokens": 4000}"#).unwrap();
    assert_eq!(
        config,
        ExtractionConfig {
            batch_input_tokens: 4000,
            ..ExtractionConfig::default()
        }
    );
    assert_eq!(ExtractionConfig::default().max_event_tokens, 1500);
}

#[test]
fn batches_never_mix_sessions() {
    let events = vec![
        event(1, "a", prompt("one")),
        event(2, "b", prompt("two")),
        event(3, "a", prompt("three")),
    ];
    let requests = build_observation_requests(&Mode::code(), &events, &ExtractionConfig::default());
    let ids: Vec<(&str, Vec<EventId>)> = requests
        .iter()
        .map(|r| (r.session_id.as_str(), r.event_ids.clone()))
        .collect();
    assert_eq!(ids, [("a", vec![1, 3]), ("b", vec![2])]);
    assert!(
        build_observation_requests(&Mode::code(), &[], &ExtractionConfig::default()).is_empty()
    );
}

#[test]
fn an_oversized_event_gets_its_own_truncated_request() {
    let config = ExtractionConfig {
        batch_input_tokens: 2000,
        max_event_tokens: 5000,
        ..ExtractionConfig::default()
    };
    let events = vec![
        event(1, "s", prompt("small")),
        event(
            2,
            "s",
            tool("Bash", json!({"command": "make"}), Some(&lines(3000))),
        ),
        event(3, "s", prompt("small again")),
    ];
    let requests = build_observation_requests(&Mode::code(), &events, &config);
    let ids: Vec<Vec<EventId>> = requests.iter().map(|r| r.event_ids.clone()).collect();
    assert_eq!(ids, [vec![1], vec![2], vec![3]]);
    assert_eq!(requests[1].truncated_event_ids, [2]);
    assert!(requests.iter().all(|r| r.input_tokens <= 2000));
    assert!(
        requests[1].input_tokens > 1500,
        "the event fills its request"
    );
}

fn summary_session() -> Vec<Event> {
    let mut events = vec![event(
        1,
        "s",
        prompt("Make trailing commas parse in the lexer."),
    )];
    for i in 2..60 {
        let payload = match i % 4 {
            0 => tool(
                "Read",
                json!({"file_path": format!("src/m{i}.rs")}),
                Some(&lines(300)),
            ),
            1 => tool(
                "Edit",
                json!({"file_path": "src/lexer.rs", "old_string": lines(5), "new_string": lines(6)}),
                Some("ok"),
            ),
            2 => tool("Bash", json!({"command": "cargo test"}), Some(&lines(400))),
            _ => tool("Grep", json!({"pattern": "comma"}), Some(&lines(100))),
        };
        events.push(event(i, "s", payload));
    }
    events.push(event(
        60,
        "s",
        EventPayload::AssistantMessage {
            text: "Trailing commas now parse; tests pass.".into(),
        },
    ));
    events.push(event(61, "other", prompt("not this session")));
    events
}

#[test]
fn a_summary_fits_its_budget_and_keeps_prompts_and_the_last_message() {
    let mode = Mode::code();
    let config = ExtractionConfig::default();
    let events = summary_session();
    let r = build_summary_request(&mode, &events, &config).unwrap();
    assert_eq!(r.purpose, RequestPurpose::Summary);
    assert_eq!(r.format, OutputFormat::SummaryJson);
    assert_eq!(r.system_prompt, mode.summary_system_prompt());
    assert!(
        r.input_tokens <= config.summary_input_tokens,
        "{}",
        r.input_tokens
    );
    assert_eq!(
        r.input_tokens,
        estimate(&r.system_prompt) + estimate(&r.user_prompt)
    );
    assert_eq!(r.event_ids, (1..=60).collect::<Vec<_>>());
    let user = &r.user_prompt;
    assert!(user.starts_with("Project: memcore. Session s, 2026-11-03, 60 events."));
    assert!(user.contains("Make trailing commas parse in the lexer."));
    assert!(user.contains("Trailing commas now parse; tests pass."));
    assert!(!user.contains("not this session"));
    assert!(user.contains("Files modified: src/lexer.rs\n"), "{user}");
    assert!(user.contains("Files read: src/m4.rs, src/m8.rs"), "{user}");
    assert_eq!(
        user.lines().last(),
        Some(mode.prompts.summary_footer.as_str())
    );
    assert!(!r.truncated_event_ids.contains(&1));
    assert!(!r.truncated_event_ids.contains(&60));
    assert!(r.truncated_event_ids.contains(&30));
}

#[test]
fn a_summary_drops_middle_tool_output_first() {
    let mode = Mode::code();
    let events: Vec<Event> = (1..=9)
        .map(|i| {
            event(
                i,
                "s",
                tool(
                    "Bash",
                    json!({"command": format!("step {i}")}),
                    Some(&lines(40)),
                ),
            )
        })
        .collect();
    let full = build_summary_request(&mode, &events, &ExtractionConfig::default()).unwrap();
    assert!(full.truncated_event_ids.is_empty());
    let config = ExtractionConfig {
        summary_input_tokens: full.input_tokens - 600,
        ..ExtractionConfig::default()
    };
    let r = build_summary_request(&mode, &events, &config).unwrap();
    assert!(r.input_tokens <= config.summary_input_tokens);
    assert!(r.truncated_event_ids.contains(&5));
    assert!(!r.truncated_event_ids.contains(&1));
    assert!(!r.truncated_event_ids.contains(&9));
    assert!(r.user_prompt.contains("$ step 5"), "the command stays");
}

#[test]
fn a_tight_summary_omits_middle_events_but_keeps_the_ends() {
    let config = ExtractionConfig {
        summary_input_tokens: 700,
        ..ExtractionConfig::default()
    };
    let r = build_summary_request(&Mode::code(), &summary_session(), &config).unwrap();
    assert!(r.input_tokens <= 700, "{}", r.input_tokens);
    assert!(
        r.user_prompt.contains("events omitted ...]"),
        "{}",
        r.user_prompt
    );
    assert!(
        r.user_prompt
            .contains("Make trailing commas parse in the lexer.")
    );
    assert!(
        r.user_prompt
            .contains("Trailing commas now parse; tests pass.")
    );
}

#[test]
fn every_agents_file_changes_are_files_modified() {
    let patch = "*** Begin Patch\n*** Update File: src/lexer.rs\n@@\n-a\n+b\n*** Add File: src/token.rs\n+pub struct Token;\n*** End Patch";
    let events = vec![
        event(1, "s", prompt("Split the tokens out of the lexer.")),
        event(
            2,
            "s",
            tool("apply_patch", json!({ "input": patch }), Some("Done!")),
        ),
        event(
            3,
            "s",
            tool(
                "write_file",
                json!({ "file_path": "src/lib.rs", "content": "mod token;" }),
                None,
            ),
        ),
        event(
            4,
            "s",
            tool(
                "read_file",
                json!({ "path": "src/main.rs" }),
                Some("fn main() {}"),
            ),
        ),
    ];
    let r = build_summary_request(&Mode::code(), &events, &ExtractionConfig::default()).unwrap();
    let user = &r.user_prompt;
    assert!(
        user.contains("Files modified: src/lexer.rs, src/token.rs, src/lib.rs\n"),
        "{user}"
    );
    assert!(user.contains("Files read: src/main.rs"), "{user}");
    let (rendered, _) = render(tool("apply_patch", json!({ "input": patch }), None), 400);
    assert!(
        rendered.starts_with("#12 10:12 apply_patch src/lexer.rs, src/token.rs\n"),
        "{rendered}"
    );
    assert!(rendered.contains("+pub struct Token;"), "{rendered}");
}

#[test]
fn assistant_text_between_tool_calls_is_rendered_whole_and_host_tags_are_not() {
    let reason = "I'll keep the cache in memory instead of SQLite, because the worker rebuilds it at startup anyway.";
    let events = vec![
        event(
            1,
            "s",
            prompt(
                "<ide_opened_file>The user opened src/cache.rs in the IDE.</ide_opened_file>Make the cache faster",
            ),
        ),
        event(
            2,
            "s",
            tool(
                "Read",
                json!({ "file_path": "src/cache.rs" }),
                Some("struct Cache;"),
            ),
        ),
        event(
            3,
            "s",
            EventPayload::AssistantMessage {
                text: reason.to_string(),
            },
        ),
        event(
            4,
            "s",
            tool(
                "Edit",
                json!({ "file_path": "src/cache.rs", "old_string": "Sqlite", "new_string": "HashMap" }),
                None,
            ),
        ),
    ];
    let requests = build_observation_requests(&Mode::code(), &events, &ExtractionConfig::default());
    let user = &requests[0].user_prompt;
    assert!(
        user.contains(&format!("#3 10:03 Assistant\n{reason}")),
        "{user}"
    );
    assert!(
        user.contains("#1 10:01 User prompt\nMake the cache faster"),
        "{user}"
    );
    assert!(!user.contains("ide_opened_file"), "{user}");
}

#[test]
fn no_events_no_summary() {
    assert!(build_summary_request(&Mode::code(), &[], &ExtractionConfig::default()).is_none());
}

fn arbitrary_payload() -> impl Strategy<Value = EventPayload> {
    (0..5u8, 0..4000usize).prop_map(|(kind, words)| {
        let text: String = (0..words)
            .map(|i| if i % 12 == 11 { "word\n" } else { "word " })
            .collect();
        match kind {
            0 => prompt(&text),
            1 => tool("Bash", json!({"command": "make"}), Some(&text)),
            2 => tool(
                "Edit",
                json!({"file_path": "a.rs", "old_string": text, "new_string": "x"}),
                None,
            ),
            3 => tool(
                "mcp__x",
                json!({"q": text, "n": 1}),
                Some(r#"{"ok": true}"#),
            ),
            _ => EventPayload::Note { text },
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn batching_covers_every_event_once_in_order_within_budget(
        payloads in prop::collection::vec((0..3u8, arbitrary_payload()), 1..30),
        budget in 900u32..8000,
        max_event in 50u32..3000,
    ) {
        let config = ExtractionConfig {
            batch_input_tokens: budget,
            max_event_tokens: max_event,
            ..ExtractionConfig::default()
        };
        let events: Vec<Event> = payloads
            .into_iter()
            .enumerate()
            .map(|(i, (s, p))| event(i as EventId + 1, &format!("s{s}"), p))
            .collect();
        let requests = build_observation_requests(&Mode::code(), &events, &config);
        for session in ["s0", "s1", "s2"] {
            let expected: Vec<EventId> = events
                .iter()
                .filter(|e| e.session_id == session)
                .map(|e| e.id)
                .collect();
            let got: Vec<EventId> = requests
                .iter()
                .filter(|r| r.session_id == session)
                .flat_map(|r| r.event_ids.clone())
                .collect();
            prop_assert_eq!(got, expected);
        }
        for r in &requests {
            prop_assert!(!r.event_ids.is_empty());
            prop_assert!(r.input_tokens <= budget, "{} > {}", r.input_tokens, budget);
            prop_assert_eq!(
                r.input_tokens,
                estimate(&r.system_prompt) + estimate(&r.user_prompt)
            );
            for id in &r.event_ids {
                let header = format!("#{id} ");
                prop_assert!(r.user_prompt.contains(&header));
            }
            for id in &r.truncated_event_ids {
                prop_assert!(r.event_ids.contains(id));
            }
        }
        let truncated: Vec<EventId> =
            requests.iter().flat_map(|r| r.truncated_event_ids.clone()).collect();
        for e in &events {
            let whole = estimate(&render_event(e, u32::MAX).0);
            if whole > max_event.min(budget) {
                prop_assert!(truncated.contains(&e.id), "event {} not flagged", e.id);
            }
        }
    }

    #[test]
    fn a_summary_stays_within_its_budget(
        payloads in prop::collection::vec(arbitrary_payload(), 1..60),
        budget in 600u32..8000,
        max_event in 50u32..3000,
    ) {
        let config = ExtractionConfig {
            summary_input_tokens: budget,
            max_event_tokens: max_event,
            ..ExtractionConfig::default()
        };
        let events: Vec<Event> = payloads
            .into_iter()
            .enumerate()
            .map(|(i, p)| event(i as EventId + 1, "s", p))
            .collect();
        let r = build_summary_request(&Mode::code(), &events, &config).unwrap();
        prop_assert!(r.input_tokens <= budget, "{} > {}", r.input_tokens, budget);
        prop_assert_eq!(r.input_tokens, estimate(&r.system_prompt) + estimate(&r.user_prompt));
        prop_assert_eq!(r.event_ids.len(), events.len());
    }
}
