//! Recall benchmarks: search (fused and lexical) and context rendering on stores of 1,000,
//! 10,000 and 100,000 generated observations (the generator of `examples/perf.rs`: coding-agent
//! observations with identifiers, paths and error codes, a fixed seed).
//!
//! Run: `cargo bench --bench recall`. Building the 100,000-observation store takes about a
//! minute; `MEMCORE_BENCH_SIZES=1000,10000` picks the sizes, and `MEMCORE_BENCH_DIR=<dir>`
//! keeps the stores there between runs (an existing store of the right size is reused).
//!
//! The `embed` group times the built-in embedders alone: opening the static model and
//! embedding one 60-word record with it and with the hash embedder
//! (`MEMCORE_BENCH_SIZES=1000 cargo bench --bench recall -- embed`).

#[path = "../examples/perf.rs"]
#[allow(dead_code)]
mod perf;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use memcore::recall::embed::{Embedder, HashEmbedder, StaticEmbedder};
use memcore::{ContextRequest, Memory, SearchMode, SearchRequest};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn sizes() -> Vec<usize> {
    std::env::var("MEMCORE_BENCH_SIZES")
        .ok()
        .map(|s| {
            s.split(',')
                .filter_map(|n| n.trim().replace('_', "").parse().ok())
                .collect()
        })
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

/// Opens (building if needed) a store of `n` observations; the temp dir, if any, must live as
/// long as the store.
fn store(n: usize) -> (Option<tempfile::TempDir>, Memory) {
    let (dir, path) = match std::env::var_os("MEMCORE_BENCH_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            (None, d.join(format!("recall-{n}.db")))
        }
        None => {
            let d = tempfile::tempdir().expect("temp dir");
            let p = d.path().join("memory.db");
            (Some(d), p)
        }
    };
    perf::build_store(&path, n).expect("build the store");
    let memory = Memory::open(&path).expect("open the store");
    // Build the in-memory vector index before timing.
    memory
        .search(&SearchRequest::new("warm up").project(perf::PROJECT))
        .expect("warm-up search");
    (dir, memory)
}

fn queries() -> Vec<String> {
    let mut rng = perf::Rng::new(42);
    (0..64).map(|_| perf::query(&mut rng)).collect()
}

fn recall(c: &mut Criterion) {
    let queries = queries();
    let mut group = c.benchmark_group("recall");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for n in sizes() {
        let (_dir, memory) = store(n);
        let mut i = 0usize;
        let mut next = || {
            i += 1;
            &queries[i % queries.len()]
        };
        group.bench_function(BenchmarkId::new("search_fused", n), |b| {
            b.iter(|| {
                let request = SearchRequest::new(next()).project(perf::PROJECT);
                black_box(memory.search(&request).expect("search"))
            })
        });
        group.bench_function(BenchmarkId::new("search_lexical", n), |b| {
            b.iter(|| {
                let request = SearchRequest::new(next())
                    .project(perf::PROJECT)
                    .mode(SearchMode::Lexical);
                black_box(memory.search(&request).expect("search"))
            })
        });
        group.bench_function(BenchmarkId::new("context_session_start", n), |b| {
            b.iter(|| {
                let request = ContextRequest::session_start(perf::PROJECT).query(next());
                black_box(memory.context(&request).expect("context"))
            })
        });
        group.bench_function(BenchmarkId::new("context_prompt", n), |b| {
            b.iter(|| {
                let request = ContextRequest::prompt(perf::PROJECT, next());
                black_box(memory.context(&request).expect("context"))
            })
        });
    }
    group.finish();
}

/// A typical record: about 60 words of a coding session's observation.
const RECORD: &str = "Fixed the refresh token expiry bug in the auth middleware: tokens issued \
    by the login handler used the server's local time while validate_token() compared them \
    with UTC, so sessions expired an hour early for users east of Greenwich. Both now use \
    OffsetDateTime::now_utc(); added a regression test in tests/auth.rs and noted the \
    convention in ARCHITECTURE.md so new handlers follow it.";

fn embed(c: &mut Criterion) {
    let mut group = c.benchmark_group("embed");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("static_open", |b| {
        b.iter(|| black_box(StaticEmbedder::builtin()))
    });
    let model = StaticEmbedder::builtin();
    group.bench_function("static_record", |b| {
        b.iter(|| black_box(model.embed(&[black_box(RECORD)]).expect("embed")))
    });
    let hash = HashEmbedder::new();
    group.bench_function("hash_record", |b| {
        b.iter(|| black_box(hash.embed(&[black_box(RECORD)]).expect("embed")))
    });
    group.finish();
}

criterion_group!(benches, embed, recall);
criterion_main!(benches);
