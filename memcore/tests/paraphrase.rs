//! Semantic recall: queries that share no content word with the memory they want.
//!
//! `tests/fixtures/paraphrase.json` holds 303 records written like an agent's memories and
//! queries that each paraphrase one of them without sharing a content word (checked by
//! `scripts/check-paraphrase.py`: stop words aside, no word in common and no common prefix
//! of three or more letters), among on-topic distractors. Every query is a full search with
//! the default configuration; the target must come back in the top 3.
//!
//! The test prints the figure for the default embedder and for the hashed n-gram embedder
//! (which, matching characters, finds almost none of them); run it with `--nocapture` to see
//! them.

use memcore::recall::embed::{Embedder, HashEmbedder};
use memcore::{Memory, NewObservation, ObservationId, SearchRequest};
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
fn hit_rates(set: &Set, embedder: Option<Box<dyn Embedder>>) -> (f64, f64, Vec<String>) {
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
            .search(&SearchRequest::new(&q.query).project("app").limit(3))
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
    let (hash1, hash3, _) = hit_rates(&set, Some(Box::new(HashEmbedder::new())));
    let (top1, top3, missed) = hit_rates(&set, None);
    println!(
        "paraphrase set, {} queries among {} records: default embedder top-1 {:.1}% top-3 {:.1}%; \
         hashed n-grams top-1 {:.1}% top-3 {:.1}%",
        set.queries.len(),
        set.records.len(),
        top1 * 100.0,
        top3 * 100.0,
        hash1 * 100.0,
        hash3 * 100.0
    );
    println!("missed: {missed:#?}");
    assert!(
        top3 >= 0.75,
        "the target is in the top 3 for {:.1}% of the paraphrases (at least 75% wanted)",
        top3 * 100.0
    );
}
