//! The LLM providers against a local HTTP server on 127.0.0.1 that answers in each API's
//! format: Anthropic Messages and OpenAI chat completions, a 429 with retry-after, a 500 then
//! success, a malformed body, a refused key, and the daily token cap.

mod common;

use common::{Reply, Server, Setup};
use serde_json::{Value, json};
use std::time::Duration;

/// The observations the fake model returns.
fn observations_answer() -> String {
    json!([{
        "type": "bugfix",
        "title": "Coupon was subtracted twice from the cart total",
        "subtitle": "cart_total applied the coupon in two places",
        "narrative": "The total subtracted the coupon in cart_total and again in checkout; the second subtraction was removed.",
        "facts": ["src/cart.rs computes the total once"],
        "concepts": ["gotcha"],
        "files_modified": ["src/cart.rs"]
    }])
    .to_string()
}

fn anthropic_ok(text: &str, input: u64, output: u64) -> Reply {
    Reply::json(
        200,
        json!({"id": "msg_01", "type": "message", "role": "assistant",
               "model": "claude-test-20251001",
               "content": [{"type": "text", "text": text}],
               "stop_reason": "end_turn",
               "usage": {"input_tokens": input, "output_tokens": output,
                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}),
    )
}

fn openai_ok(text: &str) -> Reply {
    Reply::json(
        200,
        json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "llama-test",
               "choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text}}],
               "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960}}),
    )
}

/// A setup with a short session recorded through the hooks (no extractor started).
fn session(setup: &Setup, sid: &str) {
    let cwd = setup.cwd.to_string_lossy().into_owned();
    for (event, input) in [
        ("SessionStart", json!({})),
        (
            "UserPromptSubmit",
            json!({"prompt": "The cart total is wrong when a coupon is used"}),
        ),
        (
            "PostToolUse",
            json!({"tool_name": "Edit", "tool_use_id": format!("{sid}-t1"),
                   "tool_input": {"file_path": format!("{cwd}/src/cart.rs"),
                                  "old_string": "total - coupon - coupon",
                                  "new_string": "total - coupon"},
                   "tool_response": {"filePath": format!("{cwd}/src/cart.rs"), "success": true}}),
        ),
        (
            "Stop",
            json!({"last_assistant_message": "Removed the second coupon subtraction."}),
        ),
    ] {
        let mut input = input;
        input["session_id"] = json!(sid);
        input["cwd"] = json!(cwd);
        input["hook_event_name"] = json!(event);
        setup.hook(event, &input);
    }
}

fn anthropic_setup(server: &Server) -> Setup {
    Setup::new()
        .with_env("MEMCORE_NO_EXTRACT", "1")
        .with_env("MEMCORE_PROVIDER", "anthropic:claude-test")
        .with_env("MEMCORE_ANTHROPIC_BASE_URL", &server.url)
        .with_env("ANTHROPIC_API_KEY", "sk-test-key")
        .with_env("MEMCORE_RETRY_BASE_MS", "20")
}

#[test]
fn anthropic_messages_api_extracts_and_records_cost() {
    let server = Server::start(
        vec![anthropic_ok(&observations_answer(), 1200, 80)],
        Reply::raw(500, "unexpected request"),
    );
    let setup = anthropic_setup(&server);
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["provider"], "anthropic:claude-test", "{report}");
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
    assert_eq!(report["run"]["prompt_tokens"], 1200);
    assert_eq!(report["run"]["completion_tokens"], 80);
    assert_eq!(report["tokens_today"], 1280);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some("sk-test-key"));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.body["model"], "claude-test");
    assert_eq!(r.body["max_tokens"], 1500);
    assert_eq!(r.body["system"][0]["cache_control"]["type"], "ephemeral");
    assert!(r.body["system"][0]["text"].as_str().unwrap().len() > 100);
    assert_eq!(r.body["messages"][0]["role"], "user");
    assert!(
        r.body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("src/cart.rs")
    );

    let stats = setup.stats();
    assert_eq!(stats["pending_events"], 0, "{stats}");
    assert_eq!(setup.json(&["stats"])["llm_tokens_today"], 1280);
    let hits = setup.json(&["search", "coupon", "subtracted"]);
    assert!(
        hits.as_array().unwrap().iter().any(|h| h["observation"]["title"]
            == "Coupon was subtracted twice from the cart total"),
        "{hits}"
    );
    let doctor = setup.doctor();
    assert_eq!(
        doctor["extraction"]["last"]["model"],
        "claude-test-20251001"
    );
    assert_eq!(doctor["extraction"]["key_present"], true);
}

#[test]
fn openai_compatible_endpoint_without_a_key() {
    let server = Server::start(
        vec![openai_ok(&observations_answer())],
        Reply::raw(500, "no"),
    );
    let setup = Setup::new()
        .with_env("MEMCORE_NO_EXTRACT", "1")
        .with_env("MEMCORE_PROVIDER", "openai:llama-test")
        .with_env("MEMCORE_OPENAI_BASE_URL", format!("{}/v1/", server.url));
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
    assert_eq!(report["run"]["prompt_tokens"], 900);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(
        r.header("authorization"),
        None,
        "a local server needs no key"
    );
    assert_eq!(r.body["model"], "llama-test");
    assert_eq!(r.body["messages"][0]["role"], "system");
    assert_eq!(r.body["messages"][1]["role"], "user");
    assert_eq!(r.body["max_tokens"], 1500);
}

#[test]
fn openai_key_is_sent_as_a_bearer_token() {
    let server = Server::start(vec![openai_ok("[]")], Reply::raw(500, "no"));
    let setup = Setup::new()
        .with_env("MEMCORE_NO_EXTRACT", "1")
        .with_env("MEMCORE_PROVIDER", "openai:gpt-test")
        .with_env("MEMCORE_OPENAI_BASE_URL", &server.url)
        .with_env("OPENAI_API_KEY", "sk-openai");
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["events_extracted"], 3, "{report}");
    assert_eq!(report["run"]["observations_stored"], 0, "[] keeps nothing");
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-openai")
    );
}

#[test]
fn rate_limit_429_is_retried_after_the_servers_wait() {
    let server = Server::start(
        vec![
            Reply::json(
                429,
                json!({"type": "error", "error": {"type": "rate_limit_error",
                                                   "message": "Number of requests exceeded"}}),
            )
            .header("retry-after", "1"),
            anthropic_ok(&observations_answer(), 1000, 50),
        ],
        Reply::raw(500, "unexpected"),
    );
    let setup = anthropic_setup(&server);
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
    assert_eq!(report["run"]["failures"], 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "retry-after: 1 honoured: {waited:?}"
    );
    let log = setup.log();
    assert!(
        log.contains("HTTP 429: Number of requests exceeded; retry 1 of 4 in 1000 ms"),
        "{log}"
    );
}

#[test]
fn server_error_500_then_success() {
    let server = Server::start(
        vec![
            Reply::raw(500, "Internal Server Error"),
            Reply::json(
                529,
                json!({"type": "error", "error": {"type": "overloaded_error",
                                                                "message": "Overloaded"}}),
            ),
            anthropic_ok(&observations_answer(), 1000, 50),
        ],
        Reply::raw(500, "unexpected"),
    );
    let setup = anthropic_setup(&server);
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(setup.stats()["pending_events"], 0);
}

#[test]
fn a_malformed_body_fails_the_attempt_and_keeps_the_events_pending() {
    let server = Server::start(vec![], Reply::raw(200, "<html>gateway says hello</html>"));
    let setup = anthropic_setup(&server);
    session(&setup, "s1");
    for attempt in 1..=2 {
        let report = setup.json(&["extract"]);
        assert_eq!(
            report["run"]["requests"], 1,
            "a failed request stops the run: {report}"
        );
        assert_eq!(report["run"]["failures"], 1, "{report}");
        assert_eq!(report["run"]["observations_stored"], 0);
        let problems = report["problems"].to_string();
        assert!(problems.contains("malformed response"), "{problems}");
        let stats = setup.stats();
        assert_eq!(stats["pending_events"], 3, "attempt {attempt}: {stats}");
        assert_eq!(stats["observations"], 0);
    }
    assert_eq!(
        server.requests().len(),
        2,
        "a malformed body is not retried"
    );
    assert!(setup.log().contains("malformed response"));
    // A good answer later extracts them.
    let server = Server::start(
        vec![anthropic_ok(&observations_answer(), 10, 10)],
        Reply::raw(500, ""),
    );
    let setup = Setup {
        env: vec![
            ("MEMCORE_PROVIDER".into(), "anthropic:claude-test".into()),
            ("MEMCORE_ANTHROPIC_BASE_URL".into(), server.url.clone()),
            ("ANTHROPIC_API_KEY".into(), "k".into()),
        ],
        ..setup
    };
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
}

#[test]
fn a_long_retry_after_or_a_refused_key_gives_up_at_once() {
    let server = Server::start(
        vec![
            Reply::json(429, json!({"error": {"message": "daily quota"}}))
                .header("retry-after", "3600"),
            Reply::json(
                401,
                json!({"type": "error", "error": {"type": "authentication_error",
                                                                "message": "invalid x-api-key"}}),
            ),
        ],
        Reply::raw(500, "unexpected"),
    );
    let setup = anthropic_setup(&server);
    session(&setup, "s1");
    let first = setup.json(&["extract"]);
    let second = setup.json(&["extract"]);
    for report in [&first, &second] {
        assert_eq!(report["run"]["requests"], 1, "{report}");
        assert_eq!(report["run"]["failures"], 1, "{report}");
    }
    let problems = format!("{} {}", first["problems"], second["problems"]);
    assert!(problems.contains("3600 s"), "{problems}");
    assert!(problems.contains("HTTP 401"), "{problems}");
    assert!(problems.contains("invalid x-api-key"), "{problems}");
    assert!(problems.contains("stay pending"), "{problems}");
    assert_eq!(server.requests().len(), 2, "neither was retried");
    assert_eq!(setup.stats()["pending_events"], 3);
}

#[test]
fn the_daily_token_cap_stops_spending() {
    // The first run fits (7,500 tokens at most per request: 6,000 in, 1,500 out), spends
    // 1,280; a second request could pass 8,000, so it is not sent.
    let server = Server::start(
        vec![anthropic_ok(&observations_answer(), 1200, 80)],
        Reply::raw(500, "unexpected"),
    );
    let setup = anthropic_setup(&server).with_env("MEMCORE_DAILY_TOKEN_CAP", "8000");
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["run"]["observations_stored"], 1, "{report}");
    assert_eq!(report["cap_reached"], false);
    session(&setup, "s2");
    let report = setup.json(&["extract"]);
    assert_eq!(report["cap_reached"], true, "{report}");
    assert_eq!(report["run"]["requests"], 0);
    assert_eq!(report["tokens_today"], 1280);
    assert_eq!(server.requests().len(), 1, "nothing sent past the cap");
    assert_eq!(
        setup.stats()["pending_events"],
        3,
        "the rest waits, pending"
    );
    let doctor = setup.doctor();
    assert_eq!(doctor["extraction"]["tokens_today"], 1280);
    assert_eq!(doctor["extraction"]["daily_token_cap"], 8000);
}

#[test]
fn summaries_come_from_the_model_and_fall_back_to_rules() {
    let server = Server::start(
        vec![
            anthropic_ok(&observations_answer(), 1000, 50),
            anthropic_ok(
                &json!({"request": "Fix the cart total with coupons",
                        "investigated": "cart_total and checkout",
                        "learned": "The coupon was applied twice",
                        "completed": "Removed the second coupon subtraction in src/cart.rs",
                        "next_steps": "Add a regression test", "notes": ""})
                .to_string(),
                800,
                60,
            ),
        ],
        Reply::raw(500, "unexpected"),
    );
    let setup = anthropic_setup(&server).with_env("MEMCORE_MAX_RETRIES", "0");
    session(&setup, "s1");
    let report = setup.json(&["extract", "--summarize", "s1"]);
    assert_eq!(report["summaries"], json!(["s1"]), "{report}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let context = setup.ok(&["context"]);
    assert!(
        context.contains("Removed the second coupon subtraction"),
        "{context}"
    );
    // The model failing (500, no retry) gives the heuristic summary instead.
    session(&setup, "s2");
    let report = setup.json(&["extract", "--summarize", "s2"]);
    assert_eq!(report["summaries"], json!(["s2"]), "{report}");
    assert_eq!(setup.stats()["summaries"], 2);
}

#[test]
fn a_missing_key_falls_back_to_the_heuristic_extractor() {
    let setup = Setup::new()
        .with_env("MEMCORE_NO_EXTRACT", "1")
        .with_env("MEMCORE_PROVIDER", "anthropic:claude-test");
    session(&setup, "s1");
    let report = setup.json(&["extract"]);
    assert_eq!(report["provider"], "heuristic", "{report}");
    assert!(report["problems"].to_string().contains("ANTHROPIC_API_KEY"));
    assert_eq!(report["run"]["events_extracted"], 3);
    let doctor = setup.doctor();
    assert_eq!(doctor["extraction"]["key_present"], false);
    assert!(doctor["problems"].to_string().contains("ANTHROPIC_API_KEY"));
    let _: Value = doctor;
}
