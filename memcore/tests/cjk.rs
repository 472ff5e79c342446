//! CJK words: a word inside an unbroken Chinese, Japanese or Korean run is found, in
//! observations and in the conversation layer, with English search unchanged (the other
//! search tests).

use memcore::{
    EventPayload, Memory, NewEvent, NewObservation, NewSession, ObservationId, RecallHit,
    SearchMode, SearchRequest,
};

const P: &str = "app";

fn open() -> (tempfile::TempDir, Memory) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mem = Memory::open(dir.path().join("memory.db")).expect("open");
    (dir, mem)
}

fn add(mem: &Memory, title: &str, narrative: &str) -> ObservationId {
    mem.add_observation(NewObservation {
        project: Some(P.into()),
        title: title.into(),
        narrative: narrative.into(),
        ..NewObservation::default()
    })
    .expect("add")
    .id
}

/// The full-text hits of `query` (vectors off, so only words can match).
fn lexical(mem: &Memory, query: &str) -> Vec<ObservationId> {
    mem.search(
        &SearchRequest::new(query)
            .project(P)
            .mode(SearchMode::Lexical),
    )
    .expect("search")
    .into_iter()
    .map(|h| h.id)
    .collect()
}

#[test]
fn chinese_words_are_found_inside_a_run() {
    let (_dir, mem) = open();
    let interview = add(&mem, "今天面试很顺利", "");
    let migration = add(&mem, "数据库迁移失败", "迁移脚本超时，已回滚。");
    let analysis = add(&mem, "数据分析报告", "");
    let english = add(&mem, "Database migration failed", "");
    assert_eq!(lexical(&mem, "面试"), [interview]);
    assert_eq!(
        lexical(&mem, "数据库"),
        [migration],
        "数据 alone is not 数据库"
    );
    assert_eq!(lexical(&mem, "迁移")[0], migration);
    let data = lexical(&mem, "数据");
    assert!(data.contains(&migration) && data.contains(&analysis));
    assert!(!data.contains(&english) && !data.contains(&interview));
    // A whole question: any of its bigrams, the text holding most of them first.
    assert_eq!(lexical(&mem, "为什么数据库迁移失败了")[0], migration);
    assert!(lexical(&mem, "面条").is_empty());
}

#[test]
fn a_long_query_run_ranks_the_verbatim_text_first() {
    let (_dir, mem) = open();
    let scattered = add(
        &mem,
        "失败的迁移，数据库",
        "迁移失败后数据库回滚。数据库迁移",
    );
    let verbatim = add(&mem, "数据库迁移失败", "");
    assert_eq!(lexical(&mem, "数据库迁移失败"), [verbatim, scattered]);
}

#[test]
fn ideographs_beyond_the_basic_plane_are_words_too() {
    let (_dir, mem) = open();
    let yoshinoya = add(&mem, "𠮷野家の牛丼", "");
    add(&mem, "野家の話", "");
    assert_eq!(lexical(&mem, "𠮷野"), [yoshinoya]);
    assert!(lexical(&mem, "𠮷家").is_empty());
    assert_eq!(lexical(&mem, "牛丼"), [yoshinoya]);
}

#[test]
fn japanese_and_korean_words_are_found_inside_a_run() {
    let (_dir, mem) = open();
    let ja = add(&mem, "データベースの移行", "移行は週末に行う。");
    let ko = add(&mem, "데이터베이스를 복구했다", "백업에서 복구했다.");
    assert_eq!(lexical(&mem, "移行"), [ja]);
    assert_eq!(lexical(&mem, "データベース"), [ja]);
    assert_eq!(lexical(&mem, "데이터베이스"), [ko]);
    assert_eq!(lexical(&mem, "복구"), [ko]);
}

#[test]
fn mixed_full_width_single_and_punctuated_text() {
    let (_dir, mem) = open();
    let mixed = add(&mem, "修复RefreshToken的过期问题", "");
    let wide = add(&mem, "使用ＡＰＩ密钥", "");
    let single = add(&mem, "猫 and dog", "");
    let punct = add(&mem, "面试结束，结果很好。", "");
    let english = add(&mem, "Refresh the API key", "");
    assert_eq!(lexical(&mem, "过期"), [mixed]);
    let token = lexical(&mem, "RefreshToken");
    assert_eq!(token[0], mixed);
    assert_eq!(lexical(&mem, "refresh token 过期")[0], mixed);
    assert_eq!(lexical(&mem, "密钥"), [wide]);
    for query in ["API", "ＡＰＩ", "api"] {
        let hits = lexical(&mem, query);
        assert!(hits.contains(&wide) && hits.contains(&english), "{query}");
    }
    assert_eq!(lexical(&mem, "猫"), [single]);
    assert_eq!(lexical(&mem, "结果"), [punct]);
    assert!(
        lexical(&mem, "束结").is_empty(),
        "no bigram across punctuation"
    );
    assert_eq!(lexical(&mem, "面试，结果")[0], punct);
}

#[test]
fn near_duplicate_chinese_observations_are_penalised() {
    let (_dir, mem) = open();
    // As whole runs they share one word in three; as bigrams eleven in twelve.
    add(&mem, "数据库迁移失败，脚本执行超时", "");
    add(&mem, "数据库迁移失败了，脚本执行超时", "");
    let hits = mem
        .search(&SearchRequest::new("数据库迁移").project(P))
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert!(
        hits[1].parts.diversity < 1.0,
        "the second says nearly the same: {:?}",
        hits[1].parts
    );
}

#[test]
fn the_conversation_layer_finds_a_cjk_prompt_by_a_word() {
    let (_dir, mem) = open();
    mem.start_session(NewSession::new("s1", P, "claude-code"))
        .unwrap();
    for (key, text) in [
        ("p1", "今天面试很顺利，明天开始准备入职。"),
        ("p2", "Deploy the gateway on Friday"),
    ] {
        let mut event = NewEvent::new(
            "s1",
            EventPayload::UserPrompt {
                text: text.to_owned(),
            },
        );
        event.external_id = Some(key.into());
        mem.record_event(event).unwrap();
    }
    let hits = mem.recall(&SearchRequest::new("面试").project(P)).unwrap();
    let found = hits
        .iter()
        .find(|h| matches!(h, RecallHit::Conversation(c) if c.record.text.contains("今天面试")))
        .expect("the prompt is found by 面试");
    // The relevance rule's coverage sees the bigrams, not one sentence-long word.
    assert!(mem.relevance("今天面试怎么样", found).1);
    assert!(!mem.relevance("部署网关的步骤", found).1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    /// Any two adjacent CJK characters of a stored text find it, whatever surrounds them
    /// (Latin, full-width letters, punctuation, other runs), and any query is answered.
    #[test]
    fn every_cjk_bigram_of_a_text_finds_it(
        chars in proptest::collection::vec(proptest::sample::select(vec![
            '数', '据', '库', '迁', '移', 'の', 'デ', '데', '이', '。', '，', ' ', 'a', 'Ｂ', '"', '*',
        ]), 1..16),
        query in "\\PC{0,12}",
    ) {
        let (_dir, mem) = open();
        let title: String = chars.iter().collect();
        // A title must hold something besides white space.
        proptest::prop_assume!(!title.trim().is_empty());
        let id = add(&mem, &title, "");
        let cjk = |c: &char| !matches!(c, '。' | '，' | ' ' | 'a' | 'Ｂ' | '"' | '*');
        for pair in chars.windows(2) {
            if cjk(&pair[0]) && cjk(&pair[1]) {
                let word: String = pair.iter().collect();
                proptest::prop_assert!(lexical(&mem, &word).contains(&id), "{word} in {title}");
            }
        }
        mem.search(&SearchRequest::new(query).project(P)).expect("any query is answered");
    }
}
