//! Builds a claude-mem database whose rows come from the fuzzer (any SQLite type in any
//! column, missing columns, orphaned rows) and imports it. The import must never panic, must
//! either succeed or refuse the database whole, and importing it again must add nothing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::{Memory, Scope};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use std::cell::RefCell;

const TABLES: [(&str, &[&str]); 4] = [
    (
        "sdk_sessions",
        &[
            "content_session_id",
            "memory_session_id",
            "project",
            "platform_source",
            "user_prompt",
            "started_at",
            "started_at_epoch",
            "completed_at",
            "completed_at_epoch",
            "status",
        ],
    ),
    (
        "observations",
        &[
            "memory_session_id",
            "project",
            "merged_into_project",
            "text",
            "type",
            "title",
            "subtitle",
            "facts",
            "narrative",
            "concepts",
            "files_read",
            "files_modified",
            "prompt_number",
            "created_at",
            "created_at_epoch",
        ],
    ),
    (
        "session_summaries",
        &[
            "memory_session_id",
            "project",
            "request",
            "investigated",
            "learned",
            "completed",
            "next_steps",
            "notes",
            "created_at",
            "created_at_epoch",
        ],
    ),
    (
        "user_prompts",
        &[
            "session_db_id",
            "content_session_id",
            "prompt_number",
            "prompt_text",
            "created_at",
            "created_at_epoch",
        ],
    ),
];

/// Words the values are made of, so ids and projects collide often enough to matter.
const WORDS: [&str; 12] = [
    "s1",
    "s2",
    "webshop",
    "[\"a\", \"b\"]",
    "",
    "bugfix",
    "2025-10-09T08:53:20Z",
    "<private>x</private>",
    "a, b,,c",
    "null",
    "[1, null, {\"k\": []}]",
    "\"[\\\"x\\\"]\"",
];

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn value(&mut self) -> Option<Value> {
        Some(match self.byte()? % 7 {
            0 => Value::Null,
            1 => Value::Integer(i64::from(self.byte()?) * 1_000_000_007),
            2 => Value::Integer(i64::from_le_bytes(self.0.get(..8)?.try_into().ok()?)),
            3 => Value::Real(f64::from(self.byte()?) / 3.0),
            4 => Value::Blob(self.0.get(..usize::from(self.byte()? % 8))?.to_vec()),
            5 => {
                let n = usize::from(self.byte()? % 24).min(self.0.len());
                let (text, rest) = self.0.split_at(n);
                self.0 = rest;
                Value::Text(String::from_utf8_lossy(text).into_owned())
            }
            _ => Value::Text(WORDS[usize::from(self.byte()?) % WORDS.len()].to_owned()),
        })
    }
}

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    DIR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dir = slot.get_or_insert_with(|| tempfile::tempdir().unwrap());
        let source = dir.path().join("claude-mem.db");
        let store = dir.path().join("memcore.db");
        for path in [&source, &store] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        let mut bytes = Bytes(data);
        {
            let db = Connection::open(&source).unwrap();
            // The first byte drops columns: older claude-mem versions lack some.
            let drop_mask = bytes.byte().unwrap_or(0);
            for (t, (table, columns)) in TABLES.iter().enumerate() {
                if drop_mask & (0x10 << t) != 0 {
                    continue;
                }
                let kept: Vec<&str> = columns
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (drop_mask as usize + i) % 11 != 0 || drop_mask < 128)
                    .map(|(_, c)| *c)
                    .collect();
                db.execute_batch(&format!(
                    "CREATE TABLE {table} (id INTEGER PRIMARY KEY, {})",
                    kept.join(", ")
                ))
                .unwrap();
                let rows = bytes.byte().unwrap_or(0) % 6;
                for _ in 0..rows {
                    let mut values = Vec::with_capacity(kept.len());
                    for _ in &kept {
                        values.push(bytes.value().unwrap_or(Value::Null));
                    }
                    let sql = format!(
                        "INSERT INTO {table} ({}) VALUES ({})",
                        kept.join(", "),
                        vec!["?"; kept.len()].join(", ")
                    );
                    db.execute(&sql, params_from_iter(values)).unwrap();
                }
            }
        }
        let mem = Memory::open(&store).unwrap();
        match mem.import_claude_mem(&source) {
            Ok(first) => {
                let stats = mem.stats(&Scope::All).unwrap();
                assert_eq!(stats.observations, first.observations.added);
                let again = mem
                    .import_claude_mem(&source)
                    .expect("refused the second time");
                for table in [
                    again.sessions,
                    again.observations,
                    again.summaries,
                    again.prompts,
                ] {
                    assert_eq!(table.added, 0, "not idempotent: {again:#?}");
                }
                assert_eq!(mem.stats(&Scope::All).unwrap(), stats);
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                assert_eq!(mem.stats(&Scope::All).unwrap().sessions, 0);
            }
        }
    });
});
