//! The extraction loop through the public API: step by step, with a client, failures and
//! retries, summaries, the ledger, and two processes extracting one store at once.

use memcore::extract::{
    ExtractionRequest, Extractor, LlmClient, LlmError, LlmErrorKind, LlmResponse, Usage,
};
use memcore::{
    Config, EventPayload, EventStatus, Memory, NewEvent, NewSession, ObservationKind, Scope,
};
use std::cell::Cell;
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "MEMCORE_EXTRACTION_CHILD";

fn tool(session: &str, id: &str, name: &str, input: serde_json::Value, output: &str) -> NewEvent {
    NewEvent::new(
        session,
        EventPayload::ToolUse {
            tool_name: name.into(),
            input,
            output: Some(output.into()),
            error: None,
            tool_use_id: Some(id.into()),
        },
    )
}

fn session_with_work(mem: &Memory, session: &str, events: usize) {
    mem.start_session(NewSession::new(session, "webshop", "test"))
        .unwrap();
    mem.record_event(NewEvent::new(
        session,
        EventPayload::UserPrompt {
            text: "The checkout total is wrong when a coupon is applied".into(),
        },
    ))
    .unwrap();
    for i in 0..events {
        mem.record_event(tool(
            session,
            &format!("{session}-t{i}"),
            "Read",
            serde_json::json!({"file_path": format!("src/cart/file{i}.rs")}),
            "fn total() {}",
        ))
        .unwrap();
    }
}

fn usage() -> Usage {
    Usage {
        model: "test-model".into(),
        prompt_tokens: Some(1200),
        completion_tokens: Some(80),
    }
}

const ANSWER: &str = r#"```json
[{"kind": "bugfix", "title": "Coupon discount applied twice in cart total",
  "narrative": "apply_coupon ran in both Cart::total and Checkout::submit.",
  "facts": ["Cart::total in src/cart/total.rs applies the coupon"],
  "files_modified": ["src/cart/total.rs"], "concepts": ["problem-solution"]}]
```"#;

#[test]
fn a_request_covers_pending_events_and_completing_it_stores_observations() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 3);
    let request = mem.next_extraction(None).unwrap().expect("pending events");
    assert_eq!(request.session_id, "s1");
    assert_eq!(request.event_ids.len(), 4);
    assert!(request.user_prompt.contains("src/cart/file0.rs"));
    assert!(request.input_tokens <= 6000);
    // The batch is claimed: nobody else gets it.
    assert!(mem.next_extraction(None).unwrap().is_none());

    let report = mem.complete_extraction(&request, ANSWER, &usage()).unwrap();
    assert_eq!(report.stored.len(), 1);
    assert_eq!(report.events_extracted, 4);
    let obs = &mem.get(&report.stored).unwrap()[0];
    assert_eq!(obs.kind, ObservationKind::Bugfix);
    assert_eq!(obs.source_event_ids, request.event_ids);
    assert_eq!(obs.project, "webshop");
    assert!(
        mem.events("s1", Some(EventStatus::Pending))
            .unwrap()
            .is_empty()
    );

    let ledger = mem.ledger(Some("webshop"), 10).unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].model, "test-model");
    assert_eq!(
        (ledger[0].prompt_tokens, ledger[0].completion_tokens),
        (1200, 80)
    );
    assert_eq!(ledger[0].event_ids, request.event_ids);
    assert_eq!(ledger[0].observations, 1);
}

#[test]
fn an_empty_answer_marks_the_events_done_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 1);
    let request = mem.next_extraction(None).unwrap().unwrap();
    let report = mem.complete_extraction(&request, "[]", &usage()).unwrap();
    assert!(report.stored.is_empty());
    assert_eq!(mem.stats(&Scope::All).unwrap().pending_events, 0);
}

#[test]
fn a_garbage_answer_is_a_failed_attempt_and_the_events_stay_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 1);
    let request = mem.next_extraction(None).unwrap().unwrap();
    let err = mem
        .complete_extraction(&request, "I'm sorry, I cannot help with that.", &usage())
        .unwrap_err();
    assert!(err.to_string().contains("no observations found"), "{err}");
    let pending = mem.events("s1", Some(EventStatus::Pending)).unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|e| e.attempts == 1));
}

#[test]
fn three_failures_keep_the_events_and_a_fourth_attempt_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 2);
    for attempt in 1..=3 {
        let request = mem.next_extraction(None).unwrap().expect("still pending");
        let report = mem
            .fail_extraction(&request, "HTTP 529 overloaded")
            .unwrap();
        assert_eq!(report.events_failed, 0);
        let events = mem.events("s1", None).unwrap();
        assert_eq!(events.len(), 3, "no event is lost");
        assert!(
            events
                .iter()
                .all(|e| e.status == EventStatus::Pending && e.attempts == attempt)
        );
    }
    let request = mem.next_extraction(None).unwrap().unwrap();
    mem.complete_extraction(&request, ANSWER, &usage()).unwrap();
    assert!(
        mem.events("s1", None)
            .unwrap()
            .iter()
            .all(|e| e.status == EventStatus::Extracted)
    );
    let outcomes: Vec<String> = mem
        .ledger(None, 10)
        .unwrap()
        .into_iter()
        .map(|l| l.outcome)
        .collect();
    assert_eq!(outcomes, ["completed", "failed", "failed", "failed"]);
}

#[test]
fn events_that_reach_the_attempt_limit_are_failed_kept_and_retryable() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.extraction.max_attempts = 2;
    let mem = Memory::open_with(dir.path().join("m.db"), config).unwrap();
    session_with_work(&mem, "s1", 1);
    for _ in 0..2 {
        let request = mem.next_extraction(None).unwrap().unwrap();
        mem.fail_extraction(&request, "timeout").unwrap();
    }
    assert!(
        mem.next_extraction(None).unwrap().is_none(),
        "failed events are not offered"
    );
    let stats = mem.stats(&Scope::All).unwrap();
    assert_eq!(
        (stats.failed_events, stats.pending_events, stats.events),
        (2, 0, 2)
    );
    assert_eq!(mem.retry_failed(None).unwrap(), 2);
    assert!(mem.next_extraction(None).unwrap().is_some());
}

#[test]
fn completing_a_request_whose_claim_was_taken_over_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 1);
    let request = mem.next_extraction(None).unwrap().unwrap();
    let forged = ExtractionRequest {
        claim: "someone-else".into(),
        ..request.clone()
    };
    let err = mem
        .complete_extraction(&forged, ANSWER, &usage())
        .unwrap_err();
    assert!(err.to_string().contains("claim"), "{err}");
    mem.complete_extraction(&request, ANSWER, &usage()).unwrap();
    // Completing twice is refused too: the events are no longer pending.
    assert!(mem.complete_extraction(&request, ANSWER, &usage()).is_err());
}

struct FlakyClient {
    calls: Cell<u32>,
}

impl LlmClient for FlakyClient {
    fn complete(&self, _request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
        self.calls.set(self.calls.get() + 1);
        if self.calls.get() == 1 {
            return Err(LlmError::transport("connection reset"));
        }
        Ok(LlmResponse {
            text: ANSWER.into(),
            usage: usage(),
        })
    }
}

#[test]
fn extract_pending_drives_the_loop_and_retries_a_failed_call_in_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 2);
    let client = FlakyClient {
        calls: Cell::new(0),
    };
    // One attempt per batch per run: the failed batch waits for the next run.
    let run = mem.extract_pending(&client, None).unwrap();
    assert_eq!(run.failures, 1);
    assert_eq!(run.requests, 1);
    assert_eq!(mem.stats(&Scope::All).unwrap().pending_events, 3);
    let run = mem.extract_pending(&client, None).unwrap();
    assert_eq!(run.failures, 0);
    assert_eq!(run.observations_stored, 1);
    assert_eq!(run.events_extracted, 3);
    assert_eq!(run.prompt_tokens, 1200);
    assert_eq!(mem.stats(&Scope::All).unwrap().pending_events, 0);
}

/// A model that always fails.
struct DownClient;

impl LlmClient for DownClient {
    fn complete(&self, _request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
        Err(LlmError::transport("connection refused"))
    }
}

#[test]
fn a_failing_model_spends_one_attempt_per_batch_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 2);
    session_with_work(&mem, "s2", 2);
    let run = mem.extract_pending(&DownClient, None).unwrap();
    assert_eq!(run.requests, 2, "one request per session's batch");
    assert_eq!(run.failures, 2);
    assert_eq!(
        run.events_failed, 0,
        "no event used up its attempts in one run"
    );
    for session in ["s1", "s2"] {
        let events = mem.events(session, None).unwrap();
        assert!(
            events
                .iter()
                .all(|e| e.status == EventStatus::Pending && e.attempts == 1),
            "{events:?}"
        );
    }
}

#[test]
fn the_heuristic_extractor_needs_no_model_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    mem.start_session(NewSession::new("s1", "webshop", "test"))
        .unwrap();
    mem.record_event(NewEvent::new(
        "s1",
        EventPayload::UserPrompt {
            text: "Make the cart total include tax".into(),
        },
    ))
    .unwrap();
    mem.record_event(tool(
        "s1",
        "e1",
        "Edit",
        serde_json::json!({"file_path": "/home/u/webshop/src/cart.rs",
                           "old_string": "subtotal", "new_string": "subtotal + tax"}),
        "The file has been updated.",
    ))
    .unwrap();
    let run = mem.run_extraction(Extractor::Heuristic, None).unwrap();
    assert!(run.observations_stored >= 1);
    assert_eq!(run.events_extracted, 2);
    let obs = mem.recent(&Scope::All, 10).unwrap();
    assert!(
        obs.iter()
            .any(|o| o.files_modified.iter().any(|f| f.ends_with("cart.rs")))
    );
    assert_eq!(mem.ledger(None, 1).unwrap()[0].model, "heuristic");
    let summary = mem.summarize_heuristic("s1").unwrap().unwrap();
    assert!(summary.content.request.contains("tax"));
}

#[test]
fn a_summary_request_is_completed_from_the_model_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 2);
    let request = mem.summary_request("s1").unwrap().unwrap();
    let summary = mem
        .complete_summary(
            &request,
            r#"{"request": "Fix coupon totals", "learned": "coupons applied twice",
                "completed": "total fixed", "next_steps": "add a regression test"}"#,
            &usage(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(summary.content.next_steps, "add a regression test");
    assert!(
        mem.complete_summary(&request, "<skip_summary reason=\"trivial\"/>", &usage())
            .unwrap()
            .is_none()
    );
}

// --- Two processes extracting one store at once ---------------------------------------------

/// The child: runs the extraction loop with a model that names the events it saw.
#[test]
fn child_extractor() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    struct Echo;
    impl LlmClient for Echo {
        fn complete(&self, request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
            // Slow enough that both processes are extracting at the same time.
            std::thread::sleep(std::time::Duration::from_millis(20));
            let ids: Vec<String> = request.event_ids.iter().map(ToString::to_string).collect();
            Ok(LlmResponse {
                text: serde_json::json!([{ "kind": "discovery",
                    "title": format!("events {}", ids.join(" ")) }])
                .to_string(),
                usage: Usage::default(),
            })
        }
    }
    let mut config = Config::default();
    config.extraction.batch_input_tokens = 1200; // many small batches
    let mem = Memory::open_with(&path, config).unwrap();
    mem.extract_pending(&Echo, None).unwrap();
}

#[test]
fn two_processes_extracting_at_once_never_take_the_same_event() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mem = Memory::open(&path).unwrap();
    for s in 0..6 {
        session_with_work(&mem, &format!("s{s}"), 30);
    }
    let total = mem.stats(&Scope::All).unwrap().events;
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_extractor",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &path)
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
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ledger = mem.ledger(None, 10_000).unwrap();
    let mut covered: Vec<i64> = ledger
        .iter()
        .filter(|l| l.outcome == "completed")
        .flat_map(|l| l.event_ids.clone())
        .collect();
    let n = covered.len();
    covered.sort_unstable();
    covered.dedup();
    assert_eq!(covered.len(), n, "an event was extracted twice");
    assert_eq!(n as u64, total, "every event was extracted");
    assert!(ledger.len() > 6, "the work was split into many batches");
    assert_eq!(mem.stats(&Scope::All).unwrap().pending_events, 0);
}

/// A model whose error echoes the key it was sent.
struct LeakyClient;

impl LlmClient for LeakyClient {
    fn complete(&self, _request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
        Err(LlmError::new(
            LlmErrorKind::Status(401),
            "401: invalid x-api-key sk-ant-api03-Zq8vN3kP1mW7xR4tY6uB2cD9eF0gH5jL8nM3pQ7sT1vX4zA6",
        ))
    }
}

#[test]
fn a_failure_reason_is_stored_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    session_with_work(&mem, "s1", 1);
    mem.extract_pending(&LeakyClient, None).unwrap();
    let ledger = mem.ledger(None, 10).unwrap();
    let detail = ledger[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("[REDACTED:"), "{detail}");
    assert!(!detail.contains("Zq8vN3kP1mW7"), "{detail}");
    let raw: String = rusqlite::Connection::open(dir.path().join("m.db"))
        .unwrap()
        .query_row(
            "SELECT group_concat(coalesce(last_error, ''), ' ') FROM events",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!raw.contains("Zq8vN3kP1mW7"), "{raw}");
}
