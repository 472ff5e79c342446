//! memcore's main job, end to end, with the embedded defaults: no API key, no server, no
//! configuration.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! Session 1 of the project `webshop`: the user reports a bug, the agent reads the code, runs
//! the failing test, fixes the cause, sees the test pass and explains the decision. memcore
//! records every event (redacting the API key that shows up in a log), distils the session with
//! the heuristic extractor (no LLM) and writes its summary.
//!
//! Session 2 of the same project starts: memcore renders the context it would inject into the
//! model, then answers the session's first prompt with the memories relevant to it.
//!
//! The store is a temporary file, removed at exit; set `MEMCORE_DB` to keep it.

use memcore::extract::Extractor;
use memcore::{ContextRequest, EventPayload, Memory, NewEvent, NewSession, Scope};
use serde_json::json;

const PROJECT: &str = "webshop";

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

fn first_session(mem: &Memory) -> memcore::Result<()> {
    let s = "session-1";
    mem.start_session(NewSession::new(s, PROJECT, "claude-code"))?;
    let events = vec![
        NewEvent::new(
            s,
            EventPayload::UserPrompt {
                text: "Customers say the cart total is wrong when a coupon is applied. \
                       The discount seems to be taken twice. Please fix it."
                    .into(),
            },
        ),
        tool(
            s,
            "toolu_01",
            "Grep",
            json!({"pattern": "apply_coupon", "path": "src"}),
            "src/cart/total.rs:41:    let total = apply_coupon(subtotal, coupon);\n\
             src/checkout/submit.rs:88:    let charged = apply_coupon(cart.total(), coupon);",
        ),
        tool(
            s,
            "toolu_02",
            "Read",
            json!({"file_path": "/home/dev/webshop/src/checkout/submit.rs"}),
            "pub fn submit(cart: &Cart, coupon: Option<Coupon>) -> Order {\n    \
             let charged = apply_coupon(cart.total(), coupon);\n    ...\n}",
        ),
        NewEvent::new(
            s,
            EventPayload::ToolUse {
                tool_name: "Bash".into(),
                input: json!({"command": "cargo test checkout::coupon_applied_once"}),
                output: None,
                // A test log that leaks a (fake) live key: memcore stores it redacted.
                error: Some(format!(
                    "running 1 test\n\
                     test checkout::coupon_applied_once ... FAILED\n\
                     thread 'checkout::coupon_applied_once' panicked at src/checkout/submit.rs:97:\n\
                     assertion `left == right` failed: left: 8000, right: 9000\n\
                     env: STRIPE_KEY={}{}\n\
                     test result: FAILED. 0 passed; 1 failed",
                    "sk_live_", "51HqLyjWDarjtT1zdp7dcXzT2xQ4"
                )),
                tool_use_id: Some("toolu_03".into()),
            },
        ),
        tool(
            s,
            "toolu_04",
            "Edit",
            json!({
                "file_path": "/home/dev/webshop/src/checkout/submit.rs",
                "old_string": "let charged = apply_coupon(cart.total(), coupon);",
                "new_string": "// Cart::total already applies the coupon.\n    let charged = cart.total();"
            }),
            "The file /home/dev/webshop/src/checkout/submit.rs has been updated.",
        ),
        tool(
            s,
            "toolu_05",
            "Bash",
            json!({"command": "cargo test checkout::coupon_applied_once"}),
            "running 1 test\ntest checkout::coupon_applied_once ... ok\n\
             test result: ok. 1 passed; 0 failed",
        ),
        NewEvent::new(
            s,
            EventPayload::AssistantMessage {
                text: "Fixed: the coupon was applied twice, once in Cart::total \
                       (src/cart/total.rs) and again in checkout::submit \
                       (src/checkout/submit.rs). I kept the discount in Cart::total, because \
                       the cart page shows that total too, and removed it from submit. \
                       Next step: a regression test for coupons combined with gift cards."
                    .into(),
            },
        ),
    ];
    for event in events {
        mem.record_event(event)?;
    }
    let run = mem.run_extraction(Extractor::Heuristic, Some(PROJECT))?;
    mem.summarize_heuristic(s)?;
    mem.end_session(s)?;

    println!("== Session 1: what memcore kept ==");
    println!(
        "{} events distilled into {} observations (no LLM, 0 tokens):",
        run.events_extracted, run.observations_stored
    );
    for obs in mem
        .recent(&Scope::Project(PROJECT.into()), 20)?
        .iter()
        .rev()
    {
        println!("  #{} [{}] {}", obs.id, obs.kind, obs.title);
        for file in &obs.files_modified {
            println!("      modified {file}");
        }
    }
    Ok(())
}

fn second_session(mem: &Memory) -> memcore::Result<()> {
    let s = "session-2";
    mem.start_session(NewSession::new(s, PROJECT, "claude-code"))?;

    let start = mem.context(&ContextRequest::session_start(PROJECT))?;
    println!(
        "\n== Session 2 starts: context injected ({} of {} tokens) ==\n",
        start.tokens, start.budget
    );
    println!("{}", start.text);

    let prompt = "Add a regression test for coupons in checkout";
    let relevant = mem.context(&ContextRequest::prompt(PROJECT, prompt))?;
    println!(
        "== First prompt: \"{prompt}\" ({} tokens of memory) ==\n",
        relevant.tokens
    );
    if relevant.text.is_empty() {
        println!("(nothing relevant enough)");
    } else {
        println!("{}", relevant.text);
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("cannot create a temporary directory: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let path = std::env::var_os(memcore::DB_ENV_VAR)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("memory.db"));
    let result = Memory::open(&path).and_then(|mem| {
        println!("store: {}\n", mem.path().display());
        first_session(&mem)?;
        second_session(&mem)
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
