//! Feeds arbitrary bytes to the JSONL import. It must never panic; a refused input must leave
//! the store unchanged (all or nothing); an accepted one must import idempotently: the same
//! bytes again add nothing.
//!
//! Inputs are usually garbage, so most of them are first given a valid header: the fuzzer
//! then spends its time on records rather than on finding the header line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::{Memory, RecordCounts, Scope};
use std::cell::RefCell;

const HEADER: &str = r#"{"format":"memcore-export","format_version":1,"schema_version":1,"exported_at":"2025-01-01T00:00:00Z"}"#;

thread_local! {
    /// One store for the whole run (opening one per input would dominate the time).
    static STORE: RefCell<Option<(tempfile::TempDir, Memory)>> = const { RefCell::new(None) };
}

fn totals(mem: &Memory) -> (u64, u64, u64, u64) {
    let s = mem.stats(&Scope::All).unwrap();
    (s.sessions, s.events, s.observations, s.summaries)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Vec::with_capacity(data.len() + HEADER.len() + 1);
    // An odd first byte keeps the input as it is, so the header itself is fuzzed too.
    if data.first().is_some_and(|b| b % 2 == 0) {
        input.extend_from_slice(HEADER.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(&data[1..]);
    } else {
        input.extend_from_slice(data);
    }
    STORE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let (_, mem) = slot.get_or_insert_with(|| {
            let dir = tempfile::tempdir().unwrap();
            let mem = Memory::open(dir.path().join("fuzz.db")).unwrap();
            (dir, mem)
        });
        let before = totals(mem);
        match mem.import_jsonl(input.as_slice()) {
            Ok(first) => {
                let again = mem
                    .import_jsonl(input.as_slice())
                    .expect("an accepted input was refused the second time");
                assert_eq!(
                    again.added,
                    RecordCounts::default(),
                    "import is not idempotent"
                );
                assert_eq!(
                    again.skipped.total(),
                    first.added.total() + first.skipped.total(),
                    "the second import saw other records"
                );
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.is_empty());
                assert_eq!(
                    totals(mem),
                    before,
                    "a refused import changed the store: {message}"
                );
            }
        }
    });
});
