//! Feeds arbitrary bytes to what `memcore hook` does with its stdin: the lenient JSON parse
//! (lone UTF-16 surrogate escapes repaired, `memcore::capture::json`), then, for an object
//! naming a tool or carrying a prompt, the event preparation and insert a hook runs
//! (`Memory::record_event`: redaction, elision, the idempotency key). Nothing may panic, the
//! repair keeps the text's length and never changes a document serde_json already accepts,
//! and a stored text respects its bound.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::capture::json::{parse_lenient, repair_lone_surrogates};
use memcore::{EventPayload, Memory, NewEvent, NewSession};
use serde_json::Value;
use std::cell::RefCell;

thread_local! {
    /// One store for the whole run (a store per input would be slower than the code tested).
    static MEMORY: RefCell<Option<(tempfile::TempDir, Memory)>> = const { RefCell::new(None) };
}

fn with_memory(f: impl FnOnce(&Memory)) {
    MEMORY.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let dir = tempfile::tempdir().expect("temp dir");
            let memory = Memory::open(dir.path().join("fuzz.db")).expect("open");
            memory
                .start_session(NewSession::new("s", "fuzz", "claude-code"))
                .expect("session");
            *slot = Some((dir, memory));
        }
        if let Some((_, memory)) = slot.as_ref() {
            f(memory);
        }
    });
}

/// An id as the hook reads it: a non-empty string, or a number's decimal text.
fn id(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let repaired = repair_lone_surrogates(data);
    assert_eq!(repaired.len(), data.len(), "the repair changed the length");
    let strict = serde_json::from_slice::<Value>(data);
    let lenient = parse_lenient(data);
    if let Ok(value) = &strict {
        assert_eq!(
            lenient.as_ref().ok(),
            Some(value),
            "the repair changed valid JSON"
        );
    }
    let Ok(Value::Object(map)) = lenient else {
        return;
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
    let payload = if let Some(tool_name) = text("tool_name").filter(|t| !t.trim().is_empty()) {
        EventPayload::ToolUse {
            tool_name,
            input: map.get("tool_input").cloned().unwrap_or(Value::Null),
            output: map.get("tool_response").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            error: text("error"),
            tool_use_id: id(&map, "tool_use_id"),
        }
    } else if let Some(prompt) = text("prompt") {
        EventPayload::UserPrompt { text: prompt }
    } else {
        return;
    };
    with_memory(|memory| {
        // An error (an empty tool name...) is a clear refusal, never a panic.
        let _ = memory.record_event(NewEvent::new("s", payload));
    });
});
