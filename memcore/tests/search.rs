//! Recall through the public API: search (identifiers, filters, scope, explanations, ranking
//! factors, vectors), timeline and context (budgets, relevance).

use memcore::recall::embed::Embedder;
use memcore::{
    Config, ContextRequest, EventPayload, Memory, NewEvent, NewObservation, NewSession, NewSummary,
    ObservationId, ObservationKind, SearchFilter, SearchMode, SearchRequest, TimelineItem,
    TimelineRequest,
};
use proptest::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::{Duration, OffsetDateTime, macros::datetime};

const P: &str = "app";

fn open() -> (tempfile::TempDir, Memory) {
    open_with(Config::default())
}

fn open_with(config: Config) -> (tempfile::TempDir, Memory) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mem = Memory::open_with(dir.path().join("memory.db"), config).expect("open");
    (dir, mem)
}

fn obs(title: &str) -> NewObservation {
    NewObservation {
        project: Some(P.into()),
        title: title.into(),
        ..NewObservation::default()
    }
}

fn add(mem: &Memory, new: NewObservation) -> ObservationId {
    let added = mem.add_observation(new).expect("add");
    assert!(!added.duplicate);
    added.id
}

fn search(mem: &Memory, query: &str) -> Vec<ObservationId> {
    mem.search(&SearchRequest::new(query).project(P))
        .expect("search")
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// A store where each identifier form lives in exactly one observation, among distractors.
fn identifier_store() -> (tempfile::TempDir, Memory, Vec<ObservationId>) {
    let (dir, mem) = open();
    let ids = vec![
        add(
            &mem,
            NewObservation {
                narrative: "The expiry check moved into the token module.".into(),
                files_modified: vec!["src/auth/token.rs".into()],
                ..obs("Token expiry check moved")
            },
        ),
        add(
            &mem,
            obs("Renamed the refresh_token column of the sessions table"),
        ),
        add(&mem, obs("RefreshToken now rotates on every use")),
        add(
            &mem,
            obs("The billing API answers HTTP 429 above 100 requests per minute"),
        ),
        add(
            &mem,
            obs("Fixed E0502: the cart was borrowed mutably while iterating"),
        ),
    ];
    for title in [
        "Cart page shows the discount twice",
        "Migrated the orders table to a new schema",
        "Added pagination to the product list",
        "Documented the deploy script",
        "HTTP client retries three times with backoff",
        "Upgraded the session cookie to SameSite=Lax",
    ] {
        add(&mem, obs(title));
    }
    (dir, mem, ids)
}

#[test]
fn paths_are_findable_whole_and_by_file_name() {
    let (_dir, mem, ids) = identifier_store();
    assert_eq!(search(&mem, "src/auth/token.rs")[0], ids[0]);
    assert_eq!(search(&mem, "token.rs")[0], ids[0]);
    assert_eq!(search(&mem, "what changed in token.rs?")[0], ids[0]);
}

#[test]
fn snake_case_identifiers_are_findable() {
    let (_dir, mem, ids) = identifier_store();
    // `RefreshToken` is the same identifier spelled another way, so it ties.
    assert!(search(&mem, "refresh_token")[..2].contains(&ids[1]));
    assert_eq!(search(&mem, "refresh_token column")[0], ids[1]);
}

#[test]
fn camel_case_identifiers_are_findable_in_any_spelling() {
    let (_dir, mem, ids) = identifier_store();
    let top2 = |q: &str| search(&mem, q).into_iter().take(2).collect::<Vec<_>>();
    // Both refresh-token observations come first, whichever way the query spells it.
    for q in ["RefreshToken", "refresh token", "refresh_token"] {
        let top = top2(q);
        assert!(
            top.contains(&ids[1]) && top.contains(&ids[2]),
            "{q}: {top:?}"
        );
    }
    assert_eq!(search(&mem, "RefreshToken rotates")[0], ids[2]);
}

#[test]
fn status_codes_and_error_codes_are_findable() {
    let (_dir, mem, ids) = identifier_store();
    assert_eq!(search(&mem, "HTTP 429")[0], ids[3]);
    assert_eq!(search(&mem, "429")[0], ids[3]);
    assert_eq!(search(&mem, "E0502")[0], ids[4]);
    assert_eq!(search(&mem, "e0502 borrow")[0], ids[4]);
}

#[test]
fn fts_syntax_in_a_query_is_plain_text() {
    let (_dir, mem, ids) = identifier_store();
    for q in [
        "title:token AND \"expiry*",
        "NEAR(token expiry) OR -",
        "token) OR (\"",
        "^token + expiry:*",
        "\"\"\"",
        "*",
    ] {
        let hits = mem
            .search(&SearchRequest::new(q).project(P))
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        if q.contains("token") {
            assert_eq!(hits[0].id, ids[0], "{q}");
        }
    }
}

#[test]
fn every_hit_explains_its_score() {
    let (_dir, mem, _ids) = identifier_store();
    let hits = mem
        .search(&SearchRequest::new("refresh token rotation").project(P))
        .expect("search");
    assert!(!hits.is_empty());
    assert_eq!(
        hits[0].parts.text_rank, 1.0,
        "the best text match has rank 1"
    );
    for hit in &hits {
        let p = hit.parts;
        assert!((hit.score - p.score()).abs() < 1e-12);
        let product = p.relevance
            * p.recency
            * p.kind_weight
            * p.importance
            * p.file_match
            * p.superseded
            * p.diversity;
        assert!((hit.score - product).abs() < 1e-12);
        assert!((0.0..=1.0).contains(&p.text_rank));
        assert!(p.vector_similarity.is_some(), "fused mode compares vectors");
        let expected = 0.65 * p.text_rank + 0.35 * p.vector_similarity.unwrap_or(0.0).max(0.0);
        assert!((p.relevance - expected).abs() < 1e-9);
        assert_eq!(p.bm25.is_some(), p.text_rank > 0.0);
        assert_eq!(hit.observation.id, hit.id);
    }
    let scores: Vec<f64> = hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let lexical = mem
        .search(
            &SearchRequest::new("refresh token")
                .project(P)
                .mode(SearchMode::Lexical),
        )
        .expect("search");
    assert!(lexical.iter().all(|h| h.parts.vector_similarity.is_none()));
    assert!(
        lexical
            .iter()
            .all(|h| h.parts.relevance == h.parts.text_rank)
    );
}

#[test]
fn a_request_without_a_scope_is_refused_and_one_with_a_scope_can_widen() {
    let (_dir, mem) = open();
    add(
        &mem,
        NewObservation {
            project: Some("here".into()),
            ..obs("Webhook signatures are checked with HMAC")
        },
    );
    add(
        &mem,
        NewObservation {
            project: Some("elsewhere".into()),
            ..obs("Webhook retries back off exponentially")
        },
    );
    // The core never guesses a project (from the working directory or otherwise).
    let refused = |result: memcore::Result<()>, what: &str| match result {
        Err(memcore::Error::InvalidInput { reason, .. }) => assert_eq!(
            reason,
            format!("{what} needs a scope: a project, or all projects")
        ),
        other => panic!("{what} without a scope: {other:?}"),
    };
    let unscoped = SearchRequest::new("webhook");
    assert_eq!(unscoped.scope, None);
    refused(mem.search(&unscoped).map(drop), "a search");
    refused(mem.recall(&unscoped).map(drop), "a search");
    refused(mem.recall_relevant(&unscoped).map(drop), "a search");
    refused(
        mem.context(&ContextRequest {
            scope: None,
            ..ContextRequest::prompt("here", "webhook")
        })
        .map(drop),
        "a context",
    );
    refused(
        mem.timeline(&TimelineRequest {
            scope: None,
            ..TimelineRequest::around_time("here", datetime!(2026-01-01 12:00 UTC), 2, 2)
        })
        .map(drop),
        "a timeline around a time",
    );

    let projects = |r: SearchRequest| -> Vec<String> {
        mem.search(&r)
            .expect("search")
            .into_iter()
            .map(|h| h.observation.project)
            .collect()
    };
    assert_eq!(
        projects(SearchRequest::new("webhook").project("here")),
        vec!["here".to_owned()]
    );
    assert_eq!(
        projects(SearchRequest::new("webhook").project("elsewhere")),
        vec!["elsewhere".to_owned()]
    );
    let mut all = projects(SearchRequest::new("webhook").all_projects());
    all.sort();
    assert_eq!(all, vec!["elsewhere".to_owned(), "here".to_owned()]);
}

#[test]
fn filters_narrow_by_kind_file_concept_session_and_date() {
    let (_dir, mem) = open();
    mem.start_session(NewSession::new("s1", P, "test"))
        .expect("session");
    let day = |d: i64| datetime!(2026-01-01 12:00 UTC) + Duration::days(d);
    let a = add(
        &mem,
        NewObservation {
            kind: Some(ObservationKind::Decision),
            files_modified: vec!["src/auth/token.rs".into()],
            concepts: vec!["trade-off".into()],
            session_id: Some("s1".into()),
            created_at: Some(day(0)),
            ..obs("Cache tokens in memory, decided")
        },
    );
    let b = add(
        &mem,
        NewObservation {
            kind: Some(ObservationKind::Bugfix),
            files_read: vec!["src/cache/lru.rs".into()],
            concepts: vec!["gotcha".into()],
            created_at: Some(day(10)),
            ..obs("Cache eviction fixed for tokens")
        },
    );
    let c = add(
        &mem,
        NewObservation {
            kind: Some(ObservationKind::Discovery),
            created_at: Some(day(20)),
            ..obs("Cache warms up in two seconds")
        },
    );
    let found = |filter: SearchFilter| -> Vec<ObservationId> {
        let mut ids: Vec<ObservationId> = mem
            .search(&SearchRequest::new("cache").project(P).filter(filter))
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(found(SearchFilter::default()), vec![a, b, c]);
    let kinds = SearchFilter {
        kinds: vec![ObservationKind::Decision, ObservationKind::Discovery],
        ..SearchFilter::default()
    };
    assert_eq!(found(kinds), vec![a, c]);
    for path in [
        "src/auth/token.rs",
        "token.rs",
        "/home/me/app/src/auth/token.rs",
    ] {
        let files = SearchFilter {
            files: vec![path.into()],
            ..SearchFilter::default()
        };
        assert_eq!(found(files), vec![a], "{path}");
    }
    let read = SearchFilter {
        files: vec!["lru.rs".into(), "nothing.rs".into()],
        ..SearchFilter::default()
    };
    assert_eq!(found(read), vec![b]);
    let no_partial_names = SearchFilter {
        files: vec!["en.rs".into()],
        ..SearchFilter::default()
    };
    assert_eq!(found(no_partial_names), Vec::<ObservationId>::new());
    let concepts = SearchFilter {
        concepts: vec!["gotcha".into()],
        ..SearchFilter::default()
    };
    assert_eq!(found(concepts), vec![b]);
    let session = SearchFilter {
        session_id: Some("s1".into()),
        ..SearchFilter::default()
    };
    assert_eq!(found(session), vec![a]);
    let dates = SearchFilter {
        since: Some(day(5)),
        until: Some(day(20)),
        ..SearchFilter::default()
    };
    assert_eq!(found(dates), vec![b], "since is inclusive, until exclusive");
    // Filters hold for the vector side too.
    let vectors_only = mem
        .search(
            &SearchRequest::new("cache")
                .project(P)
                .mode(SearchMode::Vector)
                .filter(SearchFilter {
                    kinds: vec![ObservationKind::Bugfix],
                    ..SearchFilter::default()
                }),
        )
        .expect("search");
    assert!(vectors_only.iter().all(|h| h.id == b), "{vectors_only:?}");
}

#[test]
fn limit_and_offset_page_through_one_ranking() {
    let (_dir, mem) = open();
    for i in 0..30 {
        add(
            &mem,
            obs(&format!("Queue worker {i} drains the email queue")),
        );
    }
    let all: Vec<ObservationId> = mem
        .search(&SearchRequest::new("queue worker").project(P).limit(30))
        .expect("search")
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(all.len(), 30);
    let mut paged = Vec::new();
    for page in 0..3 {
        paged.extend(
            mem.search(
                &SearchRequest::new("queue worker")
                    .project(P)
                    .limit(10)
                    .offset(page * 10),
            )
            .expect("search")
            .into_iter()
            .map(|h| h.id),
        );
    }
    assert_eq!(paged, all);
    assert!(
        mem.search(&SearchRequest::new("queue").project(P).limit(0))
            .expect("search")
            .is_empty()
    );
}

#[test]
fn near_duplicates_do_not_fill_the_top() {
    let (_dir, mem) = open();
    let first = add(
        &mem,
        obs("Retry the payment webhook when the provider times out"),
    );
    let twin = add(
        &mem,
        obs("Retry the payment webhook when the provider times out again"),
    );
    let other = add(
        &mem,
        obs("Payment webhook signature uses the provider secret"),
    );
    let hits = mem
        .search(&SearchRequest::new("payment webhook provider times out").project(P))
        .expect("search");
    let order: Vec<ObservationId> = hits.iter().map(|h| h.id).collect();
    assert_eq!(order[0], first, "{order:?}");
    let demoted = hits.iter().find(|h| h.id == twin).expect("twin found");
    assert_eq!(demoted.parts.diversity, 0.5);
    assert!(
        order.iter().position(|id| *id == other) < order.iter().position(|id| *id == twin),
        "the distinct observation ranks above the near-duplicate: {order:?}"
    );
    assert_eq!(
        hits.iter()
            .find(|h| h.id == first)
            .map(|h| h.parts.diversity),
        Some(1.0)
    );
}

#[test]
fn superseded_observations_are_demoted() {
    let (_dir, mem) = open();
    let old = add(&mem, obs("Session tokens expire after 24 hours"));
    let new = add(
        &mem,
        NewObservation {
            supersedes: Some(old),
            ..obs("Session tokens now expire after 1 hour")
        },
    );
    let hits = mem
        .search(&SearchRequest::new("session tokens expire after 24 hours").project(P))
        .expect("search");
    assert_eq!(hits[0].id, new, "{hits:?}");
    let old_hit = hits.iter().find(|h| h.id == old).expect("old still found");
    assert_eq!(old_hit.parts.superseded, 0.5);
    assert!(old_hit.parts.text_rank > hits[0].parts.text_rank - 1e-9);
}

#[test]
fn files_the_request_names_boost_what_touched_them() {
    let (_dir, mem) = open();
    let a = add(
        &mem,
        NewObservation {
            files_modified: vec!["src/cart/total.rs".into()],
            ..obs("Discount rounding uses banker's rounding")
        },
    );
    let b = add(
        &mem,
        NewObservation {
            files_read: vec!["src/checkout/submit.rs".into()],
            ..obs("Discount rounding happens at checkout")
        },
    );
    let ranked = |r: SearchRequest| -> Vec<(ObservationId, f64)> {
        mem.search(&r.project(P))
            .expect("search")
            .into_iter()
            .map(|h| (h.id, h.parts.file_match))
            .collect()
    };
    let named = ranked(SearchRequest::new("discount rounding").files(["src/checkout/submit.rs"]));
    assert_eq!(named[0], (b, 1.5));
    assert_eq!(named[1], (a, 1.0));
    let named = ranked(SearchRequest::new("discount rounding in total.rs"));
    assert_eq!(named[0], (a, 1.5), "a path written in the query counts");
}

#[test]
fn recency_orders_equally_relevant_hits() {
    let (_dir, mem) = open();
    let now = datetime!(2026-06-01 0:00 UTC);
    let old = add(
        &mem,
        NewObservation {
            created_at: Some(now - Duration::days(90)),
            ..obs("Feature flags are read from flags.yaml")
        },
    );
    let new = add(
        &mem,
        NewObservation {
            created_at: Some(now - Duration::days(1)),
            ..obs("Feature flags are loaded from flags.yaml")
        },
    );
    let hits = mem
        .search(&SearchRequest::new("feature flags yaml").project(P).at(now))
        .expect("search");
    assert_eq!(hits[0].id, new);
    let factor = |id| hits.iter().find(|h| h.id == id).map(|h| h.parts.recency);
    let f_old = factor(old).expect("old");
    let f_new = factor(new).expect("new");
    assert!(
        f_new > 0.99 && (0.75..0.8).contains(&f_old),
        "{f_new} {f_old}"
    );
}

#[test]
fn kinds_and_importance_weigh_in() {
    let (_dir, mem) = open();
    let change = add(
        &mem,
        NewObservation {
            kind: Some(ObservationKind::Change),
            ..obs("Logging format switched to JSON lines")
        },
    );
    let decision = add(
        &mem,
        NewObservation {
            kind: Some(ObservationKind::Decision),
            importance: Some(0.9),
            ..obs("Logging format: JSON lines, decided for the log shipper")
        },
    );
    let hits = mem
        .search(&SearchRequest::new("logging format json lines").project(P))
        .expect("search");
    let parts = |id| {
        hits.iter()
            .find(|h| h.id == id)
            .map(|h| h.parts)
            .expect("hit")
    };
    assert_eq!(parts(decision).kind_weight, 1.1);
    assert_eq!(parts(change).kind_weight, 0.9);
    assert!((parts(decision).importance - 1.2).abs() < 1e-6);
    assert!((parts(change).importance - 1.0).abs() < 1e-9);
    assert_eq!(hits[0].id, decision);
}

#[test]
fn empty_queries_list_the_newest_by_priors() {
    let (_dir, mem) = open();
    let now = OffsetDateTime::now_utc();
    let a = add(
        &mem,
        NewObservation {
            created_at: Some(now - Duration::days(30)),
            ..obs("Older note")
        },
    );
    let b = add(
        &mem,
        NewObservation {
            created_at: Some(now),
            ..obs("Newer note")
        },
    );
    let hits = mem
        .search(&SearchRequest::new("  ?? ").project(P))
        .expect("search");
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![b, a]);
    assert!(hits.iter().all(|h| h.parts.relevance == 1.0));
}

#[test]
fn vectors_find_what_words_miss() {
    let (_dir, mem) = open();
    let target = add(
        &mem,
        obs("Kubernetes deployment rollout stalls on readiness probes"),
    );
    add(&mem, obs("Invoice emails are sent at midnight"));
    // Misspellings share no word (nor stem) with the target, only sub-word pieces (and
    // character n-grams), which the embedder still relates.
    let q = "kuberentes deplyoment rollotu";
    let lexical = mem
        .search(&SearchRequest::new(q).project(P).mode(SearchMode::Lexical))
        .expect("search");
    assert!(lexical.is_empty(), "{lexical:?}");
    for mode in [SearchMode::Vector, SearchMode::Fused] {
        let hits = mem
            .search(&SearchRequest::new(q).project(P).mode(mode))
            .expect("search");
        assert_eq!(hits[0].id, target, "{mode:?}");
        assert_eq!(hits[0].parts.text_rank, 0.0);
        assert!(hits[0].parts.vector_similarity.unwrap_or(0.0) > 0.2);
    }
}

#[test]
fn the_vector_index_follows_writes_and_deletions() {
    let (_dir, mem) = open();
    let first = add(&mem, obs("Thumbnail generation moved to a worker"));
    let vector = |q: &str| -> Vec<ObservationId> {
        mem.search(&SearchRequest::new(q).project(P).mode(SearchMode::Vector))
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(vector("thumbnail worker"), vec![first]);
    let second = add(&mem, obs("Thumbnail sizes are 64 and 256 pixels"));
    assert!(vector("thumbnail sizes pixels").contains(&second));
    assert!(mem.forget(first).expect("forget"));
    assert!(!vector("thumbnail worker").contains(&first));
    // Another connection's write is seen too.
    let other = Memory::open(mem.path()).expect("open again");
    let third = other
        .add_observation(obs("Thumbnail cache lives in Redis"))
        .expect("add")
        .id;
    assert!(vector("thumbnail cache redis").contains(&third));
}

#[test]
fn vector_search_reaches_every_record_past_the_rescoring_pool_and_chunks() {
    let mut config = Config::default();
    config.recall.vector_rescore = 8;
    let (_dir, mem) = open_with(config);
    let old = add(&mem, obs("Payment gateway timeout raised to 30 seconds"));
    // More records than one chunk holds, none about payments.
    for i in 0..600 {
        add(&mem, obs(&format!("Service {i} handles order requests")));
    }
    let vector = mem
        .search(
            &SearchRequest::new("payment gateway timeouts")
                .project(P)
                .mode(SearchMode::Vector),
        )
        .expect("search");
    assert_eq!(vector[0].id, old, "{:?}", &vector[..3]);
    assert!(vector[0].parts.vector_similarity.unwrap_or(0.0) > 0.3);
    // A filter that rejects the whole first pool makes the search look further.
    let filtered = mem
        .search(
            &SearchRequest::new("service order requests")
                .project(P)
                .mode(SearchMode::Vector)
                .filter(SearchFilter {
                    until: Some(OffsetDateTime::now_utc() + Duration::days(1)),
                    ..Default::default()
                })
                .limit(20),
        )
        .expect("search");
    assert_eq!(filtered.len(), 20);
}

#[test]
fn forgotten_observations_leave_the_vector_index() {
    let (_dir, mem) = open_with(Config::default());
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(add(&mem, obs(&format!("Shipping label printer {i} jams"))));
    }
    for id in &ids[..8] {
        assert!(mem.forget(*id).expect("forget"));
    }
    let vector = |q: &str| -> Vec<ObservationId> {
        let mut found: Vec<ObservationId> = mem
            .search(&SearchRequest::new(q).project(P).mode(SearchMode::Vector))
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect();
        found.sort();
        found
    };
    assert_eq!(vector("shipping label printer"), ids[8..].to_vec());
    // Most of the chunk is dead: compaction rewrites it, and nothing changes for search.
    assert_eq!(mem.compact_vectors(100).expect("compact"), 1);
    assert_eq!(mem.compact_vectors(100).expect("compact"), 0);
    assert_eq!(vector("shipping label printer"), ids[8..].to_vec());
    let more = add(&mem, obs("Shipping label printer 99 jams"));
    let mut expected = ids[8..].to_vec();
    expected.push(more);
    assert_eq!(vector("shipping label printer"), expected);
}

#[test]
fn records_stored_without_vectors_get_them_lazily() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("memory.db");
    let mut mem = Memory::open(&path).expect("open");
    mem.set_embedder(None);
    let first = add(&mem, obs("Payment gateway timeout raised to 30 seconds"));
    add(&mem, obs("Shipping label printer jams"));
    drop(mem);
    let mem = Memory::open(&path).expect("open");
    let before = mem
        .search(
            &SearchRequest::new("payment gateway timeouts")
                .project(P)
                .mode(SearchMode::Vector),
        )
        .expect("search");
    assert!(before.is_empty(), "no vectors yet: {before:?}");
    let progress = mem.embed_pending(1).expect("embed");
    assert_eq!(progress.embedded, 1);
    assert_eq!(progress.observations_left, 1);
    let progress = mem.embed_pending(100).expect("embed");
    assert!(progress.is_done(), "{progress:?}");
    let after = mem
        .search(
            &SearchRequest::new("payment gateway timeouts")
                .project(P)
                .mode(SearchMode::Vector),
        )
        .expect("search");
    assert_eq!(after[0].id, first);
    assert_eq!(mem.embed_pending(100).expect("embed").embedded, 0);
}

#[test]
fn memory_stays_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Memory>();
}

/// An embedder that counts its calls and maps every text to one fixed direction.
struct CountingEmbedder(Arc<AtomicUsize>);

impl Embedder for CountingEmbedder {
    fn id(&self) -> &str {
        "test-constant/d4"
    }
    fn dimension(&self) -> usize {
        4
    }
    fn embed(&self, texts: &[&str]) -> memcore::Result<Vec<Vec<f32>>> {
        self.0.fetch_add(texts.len(), Ordering::SeqCst);
        Ok(texts.iter().map(|_| vec![2.0, 0.0, 0.0, 0.0]).collect())
    }
}

#[test]
fn a_host_embedder_replaces_the_built_in_one() {
    let (_dir, mut mem) = open();
    let old = add(&mem, obs("Stored with the built-in embedder"));
    let calls = Arc::new(AtomicUsize::new(0));
    mem.set_embedder(Some(Box::new(CountingEmbedder(calls.clone()))));
    let new = add(&mem, obs("Stored with the host embedder"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let hits = mem
        .search(
            &SearchRequest::new("anything at all")
                .project(P)
                .mode(SearchMode::Vector),
        )
        .expect("search");
    // Only vectors of the same embedder are compared; the host's are normalised.
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![new]);
    assert!((hits[0].parts.vector_similarity.unwrap_or(0.0) - 1.0).abs() < 1e-6);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the query was embedded once"
    );
    mem.set_embedder(None);
    let hits = mem
        .search(&SearchRequest::new("stored embedder").project(P))
        .expect("search");
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.parts.vector_similarity.is_none()));
    assert!(hits.iter().any(|h| h.id == old));
}

#[test]
fn common_words_in_a_large_store_still_rank_the_rare_ones_first() {
    let mut config = Config::default();
    config.recall.text_scan_budget = 16;
    let (_dir, mem) = open_with(config);
    for i in 0..80 {
        add(&mem, obs(&format!("Build step {i} of the build pipeline")));
    }
    let rare = add(&mem, obs("Build cache key includes the lockfile hash"));
    for i in 0..20 {
        add(&mem, obs(&format!("Pipeline stage {i} runs the tests")));
    }
    let exact = {
        let (_d, m) = open();
        for i in 0..80 {
            add(&m, obs(&format!("Build step {i} of the build pipeline")));
        }
        add(&m, obs("Build cache key includes the lockfile hash"));
        for i in 0..20 {
            add(&m, obs(&format!("Pipeline stage {i} runs the tests")));
        }
        m.search(
            &SearchRequest::new("build pipeline lockfile")
                .project(P)
                .mode(SearchMode::Lexical),
        )
        .expect("search")[0]
            .observation
            .title
            .clone()
    };
    let hits = mem
        .search(
            &SearchRequest::new("build pipeline lockfile")
                .project(P)
                .mode(SearchMode::Lexical),
        )
        .expect("search");
    assert_eq!(hits[0].id, rare);
    assert_eq!(hits[0].observation.title, exact);
    assert_eq!(hits.len(), 10);
    // Only common words: the newest matches come back.
    let hits = mem
        .search(
            &SearchRequest::new("build pipeline")
                .project(P)
                .mode(SearchMode::Lexical),
        )
        .expect("search");
    assert_eq!(hits.len(), 10);
}

// ------------------------------------------------------------------------------ timeline

#[test]
fn timeline_orders_equal_times_by_id_and_stays_in_its_project() {
    let (_dir, mem) = open();
    let t0 = datetime!(2026-03-01 9:00 UTC);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(add(
            &mem,
            NewObservation {
                created_at: Some(t0),
                ..obs(&format!("same time {i}"))
            },
        ));
        add(
            &mem,
            NewObservation {
                project: Some("elsewhere".into()),
                created_at: Some(t0),
                ..obs(&format!("other project {i}"))
            },
        );
    }
    let timeline = mem
        .timeline(&TimelineRequest::around_observation(ids[2], 2, 2))
        .expect("timeline");
    let got: Vec<ObservationId> = timeline
        .entries
        .iter()
        .map(|e| match &e.item {
            TimelineItem::Observation(o) => o.id,
            TimelineItem::Prompt(ev) => panic!("no prompt was recorded: {ev:?}"),
        })
        .collect();
    assert_eq!(
        got, ids,
        "ties are ordered by id, the other project left out"
    );
    assert_eq!(timeline.anchor_index, 2);
    // Every project: the other project's observations interleave by id.
    let all = mem
        .timeline(&TimelineRequest {
            scope: Some(memcore::Scope::All),
            ..TimelineRequest::around_observation(ids[2], 2, 2)
        })
        .expect("timeline");
    let got: Vec<ObservationId> = all
        .entries
        .iter()
        .filter_map(|e| match &e.item {
            TimelineItem::Observation(o) => Some(o.id),
            TimelineItem::Prompt(_) => None,
        })
        .collect();
    assert_eq!(got, (ids[2] - 2..=ids[2] + 2).collect::<Vec<_>>());
}

#[test]
fn timeline_interleaves_observations_and_prompts_around_an_observation() {
    let (_dir, mem) = open();
    mem.start_session(NewSession::new("s", P, "test"))
        .expect("session");
    let t0 = datetime!(2026-03-01 9:00 UTC);
    let mut ids = Vec::new();
    for i in 0..5i64 {
        mem.record_event(NewEvent {
            occurred_at: Some(t0 + Duration::minutes(10 * i)),
            ..NewEvent::new(
                "s",
                EventPayload::UserPrompt {
                    text: format!("prompt {i}"),
                },
            )
        })
        .expect("prompt");
        ids.push(add(
            &mem,
            NewObservation {
                created_at: Some(t0 + Duration::minutes(10 * i + 5)),
                ..obs(&format!("observation {i}"))
            },
        ));
    }
    let timeline = mem
        .timeline(&TimelineRequest::around_observation(ids[2], 3, 2))
        .expect("timeline");
    let labels: Vec<String> = timeline
        .entries
        .iter()
        .map(|e| match &e.item {
            TimelineItem::Observation(o) => o.title.clone(),
            TimelineItem::Prompt(ev) => match &ev.payload {
                EventPayload::UserPrompt { text } => text.clone(),
                other => format!("{other:?}"),
            },
        })
        .collect();
    assert_eq!(
        labels,
        [
            "prompt 1",
            "observation 1",
            "prompt 2",
            "observation 2",
            "prompt 3",
            "observation 3"
        ]
    );
    assert_eq!(timeline.anchor_index, 3);
    assert!(timeline.entries.windows(2).all(|w| w[0].at <= w[1].at));

    let at = mem
        .timeline(&TimelineRequest::around_time(
            P,
            t0 + Duration::minutes(20),
            1,
            2,
        ))
        .expect("timeline");
    let titles: Vec<String> = at
        .entries
        .iter()
        .map(|e| match &e.item {
            TimelineItem::Observation(o) => o.title.clone(),
            TimelineItem::Prompt(ev) => format!("{:?}", ev.payload),
        })
        .collect();
    assert_eq!(at.anchor_index, 1);
    assert_eq!(titles[0], "observation 1");
    assert!(
        titles[1].contains("prompt 2") && titles[2] == "observation 2",
        "{titles:?}"
    );

    assert!(matches!(
        mem.timeline(&TimelineRequest::around_observation(9999, 1, 1)),
        Err(memcore::Error::NotFound { .. })
    ));
    let edge = mem
        .timeline(&TimelineRequest::around_observation(ids[0], 10, 0))
        .expect("timeline");
    assert_eq!(edge.entries.len(), 2, "prompt 0 and the anchor");
}

// ------------------------------------------------------------------------------- context

fn coding_store() -> (tempfile::TempDir, Memory) {
    let (dir, mem) = open();
    mem.start_session(NewSession::new("s1", P, "claude-code"))
        .expect("session");
    add(
        &mem,
        NewObservation {
            session_id: Some("s1".into()),
            kind: Some(ObservationKind::Decision),
            narrative: "Cart::total applies the coupon; checkout::submit no longer does, so the \
                        discount is taken once."
                .into(),
            facts: vec!["The cart page shows Cart::total.".into()],
            files_modified: vec!["src/checkout/submit.rs".into()],
            files_read: vec!["src/cart/total.rs".into()],
            ..obs("Coupon discount is applied once, in Cart::total")
        },
    );
    add(
        &mem,
        NewObservation {
            session_id: Some("s1".into()),
            kind: Some(ObservationKind::Bugfix),
            narrative: "The checkout test expected 9000 and got 8000 before the fix.".into(),
            files_modified: vec!["tests/checkout.rs".into()],
            ..obs("Fixed coupon_applied_once test failure")
        },
    );
    mem.add_summary(
        "s1",
        NewSummary {
            request: "Fix the cart total when a coupon is applied".into(),
            completed: "Removed the second coupon application from checkout".into(),
            next_steps: "Add a regression test for coupons with gift cards".into(),
            ..NewSummary::default()
        },
    )
    .expect("summary");
    (dir, mem)
}

#[test]
fn session_start_context_names_the_summary_files_and_decisions() {
    let (_dir, mem) = coding_store();
    let ctx = mem
        .context(&ContextRequest::session_start(P))
        .expect("context");
    assert!(ctx.tokens <= 2000 && ctx.tokens > 0, "{}", ctx.tokens);
    assert_eq!(ctx.tokens, memcore::tokens::estimate(&ctx.text));
    assert_eq!(ctx.budget, 2000);
    assert!(ctx.summary_id.is_some());
    for needle in [
        "Fix the cart total",
        "gift cards",
        "Coupon discount is applied once, in Cart::total",
        "src/checkout/submit.rs",
        "decision",
        "| id | date | kind | title | tokens |",
    ] {
        assert!(
            ctx.text.contains(needle),
            "missing {needle:?} in\n{}",
            ctx.text
        );
    }
    assert_eq!(ctx.observation_ids.len(), 2);
    assert_eq!(ctx.detailed_ids.len(), 2);
    assert!(!ctx.text.contains("You must") && !ctx.text.contains("IMPORTANT"));
}

#[test]
fn prompt_context_is_empty_when_nothing_is_relevant() {
    let (_dir, mem) = coding_store();
    let relevant = mem
        .context(&ContextRequest::prompt(
            P,
            "add a regression test for the coupon in checkout",
        ))
        .expect("context");
    assert!(relevant.text.contains("Cart::total"), "{}", relevant.text);
    assert!(relevant.tokens <= 600);
    assert!(relevant.summary_id.is_none());
    let unrelated = mem
        .context(&ContextRequest::prompt(
            P,
            "write a haiku about autumn leaves",
        ))
        .expect("context");
    assert_eq!(unrelated.text, "");
    assert!(unrelated.observation_ids.is_empty());
    assert_eq!(unrelated.tokens, 0);
    let empty = mem
        .context(&ContextRequest::prompt(P, "   "))
        .expect("context");
    assert_eq!(empty.text, "");
}

#[test]
fn prompt_relevance_without_an_embedder_uses_word_coverage() {
    let (_dir, mut mem) = coding_store();
    mem.set_embedder(None);
    let relevant = mem
        .context(&ContextRequest::prompt(P, "coupon discount in checkout"))
        .expect("context");
    assert!(!relevant.observation_ids.is_empty());
    let unrelated = mem
        .context(&ContextRequest::prompt(P, "haiku about autumn leaves"))
        .expect("context");
    assert_eq!(unrelated.text, "");
}

#[test]
fn one_relevance_rule_for_listings_and_the_prompt_context() {
    let (_dir, mut mem) = coding_store();
    mem.set_embedder(None);
    let refs = |hits: &[memcore::RecallHit]| -> Vec<String> {
        hits.iter().map(memcore::RecallHit::reference).collect()
    };
    let query = "coupon discount in checkout";
    let request = SearchRequest::new(query).project(P).limit(50);
    let relevant = mem.recall_relevant(&request).expect("relevant");
    assert!(!relevant.is_empty());
    // Without vectors, a listing shows what the full-text search found, the hits that say
    // enough first, each group in ranking order.
    let listing = |q: &str| {
        let request = SearchRequest::new(q).project(P).limit(50);
        let (mut enough, thin): (Vec<memcore::RecallHit>, Vec<memcore::RecallHit>) = mem
            .recall(&request)
            .expect("recall")
            .into_iter()
            .filter(|h| h.parts().bm25.is_some())
            .partition(|h| mem.relevance(q, h).1);
        let mixed = !enough.is_empty() && !thin.is_empty();
        enough.extend(thin);
        (
            refs(&mem.recall_relevant(&request).expect("relevant")),
            refs(&enough),
            mixed,
        )
    };
    let (listed, expected, _) = listing(query);
    assert_eq!(listed, expected);
    assert_eq!(refs(&relevant), expected);
    let (listed, expected, mixed) = listing("coupon discount haiku autumn leaves");
    assert!(mixed, "the query should find hits of both levels");
    assert_eq!(listed, expected);
    // The prompt context shows only what a listing would.
    let context = mem
        .context(&ContextRequest::prompt(P, query))
        .expect("context");
    assert!(!context.observation_ids.is_empty());
    for id in &context.observation_ids {
        assert!(
            refs(&relevant).contains(&id.to_string()),
            "{id} is not relevant"
        );
    }
    // One shared word of five is found by the text search and listed, but says too little to
    // be injected.
    let thin = SearchRequest::new("discount haiku autumn leaves poem").project(P);
    let listed = mem.recall_relevant(&thin).expect("relevant");
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|h| !mem.relevance("discount haiku autumn leaves poem", h).1)
    );
    assert!(
        mem.context(&ContextRequest::prompt(
            P,
            "discount haiku autumn leaves poem"
        ))
        .expect("context")
        .text
        .is_empty()
    );
    // A query without a word lists by filters alone.
    let filtered = SearchRequest::new("?!").project(P);
    assert_eq!(
        refs(&mem.recall_relevant(&filtered).expect("relevant")),
        refs(&mem.recall(&filtered).expect("recall"))
    );
}

#[test]
fn tiny_budgets_shrink_the_context_and_never_overflow() {
    let (_dir, mem) = coding_store();
    let mut last = u32::MAX;
    for budget in [2000, 300, 120, 60, 30, 10, 1, 0] {
        let ctx = mem
            .context(&ContextRequest::session_start(P).budget(budget))
            .expect("context");
        assert!(ctx.tokens <= budget, "{} > {budget}", ctx.tokens);
        assert_eq!(ctx.tokens, memcore::tokens::estimate(&ctx.text));
        assert!(ctx.tokens <= last);
        last = ctx.tokens;
        for id in &ctx.detailed_ids {
            assert!(ctx.observation_ids.contains(id), "detailed ids are indexed");
        }
    }
}

#[test]
fn a_long_observation_does_not_crowd_out_the_details_of_the_next() {
    let (_dir, mem) = open();
    let long = add(
        &mem,
        NewObservation {
            narrative: "The invoice exporter writes one CSV row per line item. ".repeat(60),
            ..obs("Invoice exporter writes CSV rows per line item")
        },
    );
    let short = add(
        &mem,
        NewObservation {
            narrative: "Invoice CSV files use semicolons for European locales.".into(),
            ..obs("Invoice CSV separator depends on the locale")
        },
    );
    let ctx = mem
        .context(
            &ContextRequest::session_start(P)
                .query("invoice csv export")
                .budget(250),
        )
        .expect("context");
    assert!(ctx.tokens <= 250);
    assert!(ctx.observation_ids.contains(&long));
    assert_eq!(ctx.detailed_ids, vec![short], "{}", ctx.text);
}

#[test]
fn an_empty_project_has_no_context() {
    let (_dir, mem) = open();
    let ctx = mem
        .context(&ContextRequest::session_start("nothing-here"))
        .expect("context");
    assert_eq!(
        ctx,
        memcore::Context {
            budget: 2000,
            ..Default::default()
        }
    );
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _./|:-]{0,80}",
        "\\PC{0,60}",
        Just("日本語のテキストと emoji 🎉🎉 mixed".to_owned()),
        Just("| pipes | in | titles |".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn the_budget_is_never_exceeded(
        titles in proptest::collection::vec(arbitrary_text(), 1..12),
        narrative in arbitrary_text(),
        summary in arbitrary_text(),
        query in arbitrary_text(),
        budget in 0u32..1500,
        prompt in any::<bool>(),
    ) {
        let (_dir, mem) = open();
        mem.start_session(NewSession::new("s", P, "test")).expect("session");
        for (i, title) in titles.iter().enumerate() {
            let _ = mem.add_observation(NewObservation {
                narrative: narrative.repeat(i % 4),
                files_modified: vec![format!("src/{i}.rs")],
                facts: vec![summary.clone()],
                ..obs(&format!("{title} {i}"))
            });
        }
        mem.add_summary("s", NewSummary { request: summary.clone(), learned: narrative.clone(), ..NewSummary::default() })
            .expect("summary");
        let request = if prompt {
            ContextRequest::prompt(P, query.clone())
        } else {
            ContextRequest::session_start(P).query(query.clone())
        };
        let ctx = mem.context(&request.budget(budget)).expect("context");
        prop_assert!(ctx.tokens <= budget, "{} > {}", ctx.tokens, budget);
        prop_assert_eq!(ctx.tokens, memcore::tokens::estimate(&ctx.text));
        prop_assert_eq!(ctx.text.is_empty(), ctx.tokens == 0);
    }
}

#[test]
fn a_listing_puts_hits_that_say_enough_before_thin_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut mem = Memory::open(dir.path().join("m.db")).expect("open");
    mem.set_embedder(None);
    let add = |title: &str| {
        mem.add_observation(NewObservation {
            project: Some(P.into()),
            title: title.into(),
            ..Default::default()
        })
        .expect("add")
        .id
    };
    for i in 0..20 {
        add(&format!("Coupon applied at checkout, case {i}"));
    }
    // One rare word of the query, three times: BM25 ranks it first, but it holds a quarter
    // of the query's words, too little for the prompt context.
    let thin = add("Zebra zebra zebra");
    let query = "zebra coupon checkout haiku";
    let request = SearchRequest::new(query).project(P).limit(5);
    let ranked = mem.recall(&request).expect("recall");
    assert_eq!(
        ranked[0].reference(),
        thin.to_string(),
        "BM25 ranks it first"
    );
    assert!(!mem.relevance(query, &ranked[0]).1);
    let listed = mem.recall_relevant(&request).expect("relevant");
    assert_eq!(
        listed.len(),
        ranked.len(),
        "a listing drops nothing the search found"
    );
    assert_eq!(listed.last().map(|h| h.reference()), Some(thin.to_string()));
    assert!(
        listed[..listed.len() - 1]
            .iter()
            .all(|h| mem.relevance(query, h).1)
    );
}
