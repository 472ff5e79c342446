//! Semantic recall: queries that share no content word with the memory they want.
//!
//! `tests/fixtures/paraphrase.json` holds 303 records written like an agent's memories and
//! queries that each paraphrase one of them without sharing a content word (checked by
//! `scripts/check-paraphrase.py`: stop words aside, no word in common and no common prefix
//! of three or more letters), among on-topic distractors that do share words with the
//! queries. Every query is a search of the whole set, vectors only and fused.
//!
//! Measured (run with `--nocapture` to print them): with the built-in static model, vectors
//! alone put the target in the top 3 for 12 of the 28 queries (42.9%; the full
//! all-MiniLM-L6-v2 transformer: 21, 75%), the hashed n-gram embedder for none. Fused with
//! full text: 7 of 28 (25.0%; 1 before the text confidence of `RecallConfig::fusion_coverage_floor`
//! scaled down the text rank of queries that the text matches hardly cover). Fusion cannot
//! rise above the vectors' own ranking on these queries (the target has no text rank), so
//! 42.9% is the ceiling with this model. The goal of 75% in the top 3 with the default
//! configuration is not reached; the floors below keep what is.

use memcore::recall::embed::{Embedder, HashEmbedder};
use memcore::{Memory, NewObservation, ObservationId, SearchMode, SearchRequest};
use std::collections::HashMap;

#[derive(serde::Deserialize)]
struct Set {
    records: Vec<Record>,
    queries: Vec<Query>,
}

#[derive(serde::Deserialize)]
struct Record {
    id: String,
    title: String,
    narrative: String,
}

#[derive(serde::Deserialize)]
struct Query {
    query: String,
    target: String,
}

fn load() -> Set {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paraphrase.json");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/paraphrase.json");
    serde_json::from_str(&text).expect("the paraphrase set parses")
}

/// Top-1 and top-3 hits, as fractions, of the set with `embedder` (`None`: the default).
fn hit_rates(
    set: &Set,
    embedder: Option<Box<dyn Embedder>>,
    mode: SearchMode,
) -> (f64, f64, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut mem = Memory::open(dir.path().join("memory.db")).expect("open");
    if let Some(e) = embedder {
        mem.set_embedder(Some(e));
    }
    let mut ids: HashMap<&str, ObservationId> = HashMap::new();
    for r in &set.records {
        let added = mem
            .add_observation(NewObservation {
                project: Some("app".into()),
                title: r.title.clone(),
                narrative: r.narrative.clone(),
                ..Default::default()
            })
            .expect("add");
        ids.insert(&r.id, added.id);
    }
    let (mut top1, mut top3) = (0, 0);
    let mut missed = Vec::new();
    for q in &set.queries {
        let target = ids[q.target.as_str()];
        let hits = mem
            .search(
                &SearchRequest::new(&q.query)
                    .project("app")
                    .mode(mode)
                    .limit(3),
            )
            .expect("search");
        match hits.iter().position(|h| h.id == target) {
            Some(0) => {
                top1 += 1;
                top3 += 1;
            }
            Some(_) => top3 += 1,
            None => missed.push(q.query.clone()),
        }
    }
    let n = set.queries.len() as f64;
    (top1 as f64 / n, top3 as f64 / n, missed)
}

#[test]
fn paraphrases_find_their_target_in_the_top_three() {
    let set = load();
    assert!(set.queries.len() >= 20 && set.records.len() >= 300);
    let hash = || Some(Box::new(HashEmbedder::new()) as Box<dyn Embedder>);
    let (v1, v3, missed) = hit_rates(&set, None, SearchMode::Vector);
    let (f1, f3, _) = hit_rates(&set, None, SearchMode::Fused);
    let (hv1, hv3, _) = hit_rates(&set, hash(), SearchMode::Vector);
    let (hf1, hf3, _) = hit_rates(&set, hash(), SearchMode::Fused);
    let pct = |x: f64| x * 100.0;
    println!(
        "paraphrase set, {} queries among {} records, top-1 / top-3:\n\
         built-in model, vectors only {:.1} / {:.1}; fused {:.1} / {:.1}\n\
         hashed n-grams, vectors only {:.1} / {:.1}; fused {:.1} / {:.1}",
        set.queries.len(),
        set.records.len(),
        pct(v1),
        pct(v3),
        pct(f1),
        pct(f3),
        pct(hv1),
        pct(hv3),
        pct(hf1),
        pct(hf3)
    );
    println!("missed by vectors only: {missed:#?}");
    assert!(
        v3 >= 0.40,
        "the built-in model puts the target in the top 3 for {:.1}% of the paraphrases \
         (42.9% when this test was written)",
        pct(v3)
    );
    assert!(
        v3 >= hv3 + 0.3,
        "the model must do far better than hashed n-grams"
    );
    assert!(
        f3 >= hf3,
        "fusion with the model must not do worse than with hashed n-grams"
    );
    assert!(
        f3 >= 0.2,
        "fused, the target is in the top 3 for {:.1}% of the paraphrases (25.0% when the text \
         confidence came in): a text match holding little of the query must not outrank it",
        pct(f3)
    );
}
