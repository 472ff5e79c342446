//! Unit tests.

use super::*;

fn defaults() -> Vec<ObservationKind> {
    ObservationKind::DEFAULTS.to_vec()
}

fn parse(text: &str) -> ParseOutcome {
    parse_observations(text, &defaults(), &ObservationKind::Discovery)
}

fn titles(outcome: &ParseOutcome) -> Vec<&str> {
    outcome
        .observations
        .iter()
        .map(|o| o.title.as_str())
        .collect()
}

#[test]
fn scanner_finds_the_matching_bracket_and_skips_strings() {
    let text = br#"x [1, "]", {"a": "}"}] tail"#;
    let mut budget = 1000;
    assert_eq!(scan_balanced(text, 2, &mut budget), Scan::Closed(22));
}

#[test]
fn scanner_reports_open_mismatch_depth_and_budget() {
    let mut budget = 1000;
    assert_eq!(scan_balanced(b"[1, [2]", 0, &mut budget), Scan::Open);
    assert_eq!(scan_balanced(b"[1}", 0, &mut budget), Scan::Mismatch);
    let deep = "[".repeat(MAX_DEPTH + 1);
    assert_eq!(
        scan_balanced(deep.as_bytes(), 0, &mut budget),
        Scan::TooDeep(MAX_DEPTH)
    );
    let mut small = 3;
    assert_eq!(scan_balanced(b"[1, 2]", 0, &mut small), Scan::OutOfBudget);
}

#[test]
fn lenient_json_takes_trailing_and_missing_commas_and_bare_keys() {
    let json = parse_json_lenient(r#"{title: "a", "facts": ["x", "y",], n: 1 "b": true,}"#);
    let Ok(Json::Object(object)) = json else {
        panic!("not an object: {json:?}");
    };
    let keys: Vec<&str> = object.members.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["title", "facts", "n", "b"]);
    assert!(!object.truncated);
}

#[test]
fn lenient_json_decodes_escapes_and_surrogates() {
    let json = parse_json_lenient(r#""a\n\t\"\\\/\u00e9\ud83d\ude00\ud800x\q""#);
    assert_eq!(
        json,
        Ok(Json::String("a\n\t\"\\/é😀\u{fffd}xq".to_string()))
    );
}

#[test]
fn lenient_json_keeps_complete_items_of_a_cut_array() {
    let json = parse_json_lenient(r#"[{"a": 1}, {"b": [1, 2"#);
    let Ok(Json::Array(array)) = json else {
        panic!("not an array: {json:?}");
    };
    assert_eq!(array.items.len(), 1);
    assert_eq!(
        array.cut,
        Some(Cut {
            item: Some(1),
            item_is_object: true
        })
    );
}

#[test]
fn lenient_json_reports_syntax_errors_with_their_position() {
    assert_eq!(
        parse_json_lenient(r#"[1, @]"#),
        Err(JsonError::Syntax {
            at: 4,
            expected: "a JSON value"
        })
    );
    assert!(matches!(
        parse_json_lenient("{\"a\" 1}"),
        Err(JsonError::Syntax { at: 5, .. })
    ));
}

#[test]
fn lenient_json_bounds_nesting() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(matches!(
        parse_json_lenient(&deep),
        Err(JsonError::TooDeep { .. })
    ));
}

#[test]
fn xml_entities_and_character_references_are_decoded() {
    assert_eq!(
        unescape_xml("a &lt;b&gt; &amp;&amp; &quot;c&quot; &apos;d&apos; &#65;&#x42; &bogus; &"),
        "a <b> && \"c\" 'd' AB &bogus; &"
    );
    assert_eq!(decode_xml_text(" <![CDATA[ a < b ]]> "), "a < b");
}

#[test]
fn open_tags_need_a_delimiter_after_the_name() {
    let lower = "<observations><observation id=1><observation>";
    assert_eq!(find_open_tag(lower, 0, "observation"), Some(14));
    assert_eq!(find_open_tag(lower, 15, "observation"), Some(32));
    assert_eq!(find_open_tag(lower, 33, "observation"), None);
}

#[test]
fn attributes_are_read_with_either_quote() {
    let text = r#"<skip_summary reason="only a &quot;ls&quot;"/>"#;
    let lower = text.to_ascii_lowercase();
    assert_eq!(
        tag_attribute(text, &lower, 0, "reason").as_deref(),
        Some("only a \"ls\"")
    );
    let text = "<skip_summary kind='x' reason='nothing done' />";
    let lower = text.to_ascii_lowercase();
    assert_eq!(
        tag_attribute(text, &lower, 0, "reason").as_deref(),
        Some("nothing done")
    );
}

#[test]
fn importance_accepts_unit_ten_point_percent_and_words() {
    assert_eq!(parse_importance("0.7"), Ok(Some(0.7)));
    assert_eq!(parse_importance("1"), Ok(Some(1.0)));
    assert_eq!(parse_importance("8"), Ok(Some(0.8)));
    assert_eq!(parse_importance("80%"), Ok(Some(0.8)));
    assert_eq!(parse_importance("3/4"), Ok(Some(0.75)));
    assert_eq!(parse_importance(" High "), Ok(Some(0.75)));
    assert_eq!(parse_importance("low"), Ok(Some(0.25)));
    assert_eq!(parse_importance(""), Ok(None));
    assert!(parse_importance("42").is_err());
    assert!(parse_importance("-1").is_err());
    assert!(parse_importance("NaN").is_err());
    assert!(parse_importance("very").is_err());
    assert!(parse_importance("1/0").is_err());
}

#[test]
fn long_titles_are_cut_at_a_word_boundary() {
    let title = "word ".repeat(100);
    let cut = shorten(title.trim(), TITLE_MAX_CHARS);
    assert!(cut.chars().count() <= TITLE_MAX_CHARS);
    assert!(cut.ends_with("word…"));
    let no_spaces = "é".repeat(500);
    let cut = shorten(&no_spaces, TITLE_MAX_CHARS);
    assert_eq!(cut.chars().count(), TITLE_MAX_CHARS);
    assert_eq!(shorten("short", TITLE_MAX_CHARS), "short");
}

#[test]
fn derived_titles_come_from_the_subtitle_or_the_first_sentence() {
    assert_eq!(derive_title("Sub", "Narr"), "Sub");
    assert_eq!(
        derive_title("", "\nThe cache is keyed by path. It expires hourly."),
        "The cache is keyed by path."
    );
}

#[test]
fn list_strings_lose_their_bullets() {
    assert_eq!(
        split_list("- a\n* b\n• c\n1. d\n2) e\n\n-f", false),
        ["a", "b", "c", "d", "e", "-f"]
    );
    assert_eq!(split_list("x, y,,z", true), ["x", "y", "z"]);
}

#[test]
fn nothing_phrases_are_recognised_and_prose_is_not() {
    for text in [
        "NONE",
        "none.",
        "```\nNONE\n```",
        "No observations.",
        "no observations to record",
        "Nothing worth recording.",
        "<skip/>",
        "The output was a plain listing. <skip />",
        "None - only a status check",
    ] {
        let lower = text.to_ascii_lowercase();
        assert!(is_explicit_nothing(text, &lower), "{text}");
    }
    for text in ["Nonetheless I fixed it", "I fixed the bug", "nonexistent"] {
        let lower = text.to_ascii_lowercase();
        assert!(!is_explicit_nothing(text, &lower), "{text}");
    }
}

#[test]
fn kinds_match_case_insensitively_and_unknown_ones_fall_back() {
    let kinds = [
        ObservationKind::Bugfix,
        ObservationKind::Other("security_alert".into()),
    ];
    let outcome = parse_observations(
        r#"[{"type": "BUGFIX", "title": "a"}, {"kind": "Security Alert", "title": "b"},
            {"type": "gossip", "title": "c"}, {"title": "d"}]"#,
        &kinds,
        &ObservationKind::Change,
    );
    let got: Vec<_> = outcome
        .observations
        .iter()
        .map(|o| o.kind.clone())
        .collect();
    assert_eq!(
        got,
        [
            Some(ObservationKind::Bugfix),
            Some(ObservationKind::Other("security_alert".into())),
            Some(ObservationKind::Change),
            Some(ObservationKind::Change),
        ]
    );
    assert_eq!(
        outcome.issues,
        [ParseIssue::at(
            2,
            "unknown kind \"gossip\"; stored as change"
        )]
    );
}

#[test]
fn an_empty_kind_list_accepts_any_kind() {
    let outcome = parse_observations(
        r#"{"type": "Gossip", "title": "a"}"#,
        &[],
        &ObservationKind::Change,
    );
    assert_eq!(
        outcome.observations[0].kind,
        Some(ObservationKind::Other("gossip".into()))
    );
    assert!(outcome.issues.is_empty());
}

#[test]
fn concepts_are_lowercased_cut_at_colons_and_the_kind_removed() {
    let outcome = parse(
        r#"{"type": "bugfix", "title": "a", "concepts": ["Gotcha: details", "bugfix", "gotcha", " pattern ", ""]}"#,
    );
    assert_eq!(outcome.observations[0].concepts, ["gotcha", "pattern"]);
}

#[test]
fn a_payload_after_prose_brackets_is_found() {
    let outcome = parse(r#"I read [the file] and {note} then: [{"title": "found"}]"#);
    assert_eq!(titles(&outcome), ["found"]);
    assert!(outcome.issues.is_empty());
}

#[test]
fn an_unclosed_non_payload_does_not_hide_a_payload_inside_it() {
    let outcome = parse(r#"[1, [{"title": "inside"}]"#);
    assert_eq!(titles(&outcome), ["inside"]);
    assert!(outcome.issues.is_empty());
}

#[test]
fn a_cut_answer_closed_by_a_fence_is_still_cut() {
    let outcome = parse("```json\n[{\"title\": \"a\"}, {\"title\": \"b\"\n```");
    assert_eq!(titles(&outcome), ["a"]);
    assert_eq!(
        outcome.issues,
        [ParseIssue::at(
            1,
            "the answer was cut off inside this item; it is dropped"
        )]
    );
}

#[test]
fn an_empty_list_in_prose_does_not_hide_a_later_payload() {
    let outcome = parse(r#"The queue was [] before. [{"title": "after"}]"#);
    assert_eq!(titles(&outcome), ["after"]);
}

#[test]
fn a_wrapper_nested_in_another_object_is_found() {
    let outcome = parse(r#"{"response": {"data": {"observations": [{"title": "deep"}]}}}"#);
    assert_eq!(titles(&outcome), ["deep"]);
}

#[test]
fn json_mentioning_observation_tags_stays_json() {
    let outcome = parse(r#"[{"title": "Parser reads <observation> blocks", "narrative": "x"}]"#);
    assert_eq!(titles(&outcome), ["Parser reads <observation> blocks"]);
    assert!(outcome.issues.is_empty());
}

#[test]
fn xml_mentioning_json_stays_xml() {
    let outcome = parse(
        "<observation><title>Config</title><narrative>Set [{\"title\": \"no\"}]</narrative></observation>",
    );
    assert_eq!(titles(&outcome), ["Config"]);
}

#[test]
fn xml_blocks_without_closing_tags_run_to_the_next_block() {
    let outcome =
        parse("<observation><title>One</title>\n<observation><title>Two</title></observation>");
    assert_eq!(titles(&outcome), ["One", "Two"]);
    assert!(outcome.issues.is_empty());
}

#[test]
fn xml_list_without_item_tags_is_split_by_lines() {
    let outcome = parse(
        "<observation><title>T</title><facts>- one\n- two</facts>\
         <files_read>a.rs, b.rs</files_read></observation>",
    );
    let obs = &outcome.observations[0];
    assert_eq!(obs.facts, ["one", "two"]);
    assert_eq!(obs.files_read, ["a.rs", "b.rs"]);
}

#[test]
fn issues_display_their_item() {
    assert_eq!(ParseIssue::at(2, "bad").to_string(), "item 2: bad");
    assert_eq!(ParseIssue::whole("bad").to_string(), "bad");
}

#[test]
fn summary_json_variants_and_skips() {
    assert_eq!(
        parse_summary(r#"{"summary": {"request": "r", "nextSteps": ["a", "b"]}}"#),
        Ok(SummaryOutcome::Summary(NewSummary {
            request: "r".into(),
            next_steps: "a; b".into(),
            ..NewSummary::default()
        }))
    );
    assert_eq!(
        parse_summary(r#"{"skip": true, "reason": "trivial"}"#),
        Ok(SummaryOutcome::Skipped {
            reason: "trivial".into()
        })
    );
    assert_eq!(
        parse_summary(r#"{"request": "", "notes": null}"#),
        Ok(SummaryOutcome::Empty)
    );
}
