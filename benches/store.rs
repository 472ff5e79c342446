//! Store benchmarks: opening an existing, current store (against SQLite's own open of the same
//! file) and recording an event.
//!
//! Run: `cargo bench --bench store`.

use criterion::{Criterion, criterion_group, criterion_main};
use memcore::{EventPayload, Memory, NewEvent, NewSession};
use std::hint::black_box;

fn open(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("memory.db");
    drop(Memory::open(&path).expect("create store"));
    let mut group = c.benchmark_group("open");
    group.bench_function("sqlite_open_only", |b| {
        b.iter(|| {
            let conn = rusqlite::Connection::open(black_box(&path)).expect("open");
            // Touch the schema so SQLite really reads the file, as memcore's open does.
            let v: u32 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .expect("read version");
            black_box(v)
        })
    });
    group.bench_function("memcore_open_current_store", |b| {
        b.iter(|| black_box(Memory::open(black_box(&path)).expect("open")))
    });
    group.finish();
}

fn record_event(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mem = Memory::open(dir.path().join("memory.db")).expect("create store");
    mem.start_session(NewSession::new("bench", "bench-project", "bench"))
        .expect("session");
    let mut n = 0u64;
    c.bench_function("record_event/tool_use", |b| {
        b.iter(|| {
            n += 1;
            let event = NewEvent::new(
                "bench",
                EventPayload::ToolUse {
                    tool_name: "Edit".into(),
                    input: serde_json::json!({
                        "file_path": "src/auth/token.rs",
                        "old_string": "let ttl = 3600;",
                        "new_string": "let ttl = config.token_ttl_secs;",
                    }),
                    output: Some("The file src/auth/token.rs has been updated.".into()),
                    error: None,
                    tool_use_id: Some(format!("toolu_{n}")),
                },
            );
            black_box(mem.record_event(event).expect("record"))
        })
    });
}

criterion_group!(benches, open, record_event);
criterion_main!(benches);
