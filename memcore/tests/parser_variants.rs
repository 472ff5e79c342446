//! The extraction-answer parser against the shapes real models answer in: each test is one
//! named variant with the exact observations and issues it must give, followed by property
//! tests (no input panics; valid observations survive any wrapping).

use memcore::extract::parse::{
    ParseIssue, ParseOutcome, SummaryOutcome, parse_observations, parse_summary,
};
use memcore::{NewObservation, NewSummary, ObservationKind};
use proptest::prelude::*;

fn parse(text: &str) -> ParseOutcome {
    parse_observations(
        text,
        &ObservationKind::DEFAULTS,
        &ObservationKind::Discovery,
    )
}

/// An observation as the parser returns it: the given kind and title, everything else empty.
fn obs(kind: ObservationKind, title: &str) -> NewObservation {
    NewObservation {
        kind: Some(kind),
        title: title.to_string(),
        ..NewObservation::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn issue(item: Option<usize>, reason: &str) -> ParseIssue {
    ParseIssue {
        item,
        reason: reason.to_string(),
    }
}

fn clean(observations: Vec<NewObservation>) -> ParseOutcome {
    ParseOutcome {
        observations,
        issues: Vec::new(),
    }
}

const CLEAN_JSON: &str = r#"[
  {
    "type": "bugfix",
    "title": "Fix off-by-one in pager",
    "subtitle": "The last page was never shown.",
    "narrative": "Pager::pages used < instead of <=.",
    "facts": ["src/pager.rs computes pages with div_ceil"],
    "concepts": ["problem-solution", "gotcha"],
    "files_read": ["src/pager.rs"],
    "files_modified": ["src/pager.rs"],
    "importance": 0.8
  },
  {
    "type": "discovery",
    "title": "Config is loaded twice",
    "narrative": "main.rs and app.rs both call Config::load.",
    "facts": [],
    "concepts": ["how-it-works"]
  }
]"#;

fn clean_json_expected() -> Vec<NewObservation> {
    vec![
        NewObservation {
            subtitle: "The last page was never shown.".into(),
            narrative: "Pager::pages used < instead of <=.".into(),
            facts: strings(&["src/pager.rs computes pages with div_ceil"]),
            concepts: strings(&["problem-solution", "gotcha"]),
            files_read: strings(&["src/pager.rs"]),
            files_modified: strings(&["src/pager.rs"]),
            importance: Some(0.8),
            ..obs(ObservationKind::Bugfix, "Fix off-by-one in pager")
        },
        NewObservation {
            narrative: "main.rs and app.rs both call Config::load.".into(),
            concepts: strings(&["how-it-works"]),
            ..obs(ObservationKind::Discovery, "Config is loaded twice")
        },
    ]
}

#[test]
fn clean_json_array() {
    assert_eq!(parse(CLEAN_JSON), clean(clean_json_expected()));
}

#[test]
fn fenced_with_language_tag() {
    let text = format!("```json\n{CLEAN_JSON}\n```");
    assert_eq!(parse(&text), clean(clean_json_expected()));
}

#[test]
fn fenced_without_language_tag() {
    let text = format!("```\n{CLEAN_JSON}\n```\n");
    assert_eq!(parse(&text), clean(clean_json_expected()));
}

#[test]
fn prose_wrapped() {
    let text = format!(
        "Sure! Here are the observations I extracted from the session:\n\n{CLEAN_JSON}\n\n\
         Let me know if you need anything else (e.g. more detail)."
    );
    assert_eq!(parse(&text), clean(clean_json_expected()));
}

#[test]
fn object_wrapper() {
    let text = format!("{{\"observations\": {CLEAN_JSON}}}");
    assert_eq!(parse(&text), clean(clean_json_expected()));
}

#[test]
fn single_object() {
    let text = r#"{"type": "decision", "title": "Use WAL mode", "narrative": "Many hook processes write at once."}"#;
    let expected = NewObservation {
        narrative: "Many hook processes write at once.".into(),
        ..obs(ObservationKind::Decision, "Use WAL mode")
    };
    assert_eq!(parse(text), clean(vec![expected]));
}

#[test]
fn field_name_variants() {
    let text = r#"[{
        "kind": "Feature",
        "Title": "Add export",
        "filesRead": ["src/a.rs"],
        "files-modified": "src/export.rs\nsrc/lib.rs",
        "facts": "- export writes JSONL\n- one line per observation\n",
        "concepts": "what-changed, pattern"
    }]"#;
    let expected = NewObservation {
        facts: strings(&["export writes JSONL", "one line per observation"]),
        concepts: strings(&["what-changed", "pattern"]),
        files_read: strings(&["src/a.rs"]),
        files_modified: strings(&["src/export.rs", "src/lib.rs"]),
        ..obs(ObservationKind::Feature, "Add export")
    };
    assert_eq!(parse(text), clean(vec![expected]));
}

const XML_BLOCKS: &str = "<observation>
  <type>bugfix</type>
  <title>Fix token refresh</title>
  <subtitle>Tokens were refreshed after expiry.</subtitle>
  <facts>
    <fact>auth.rs refreshes 60 s before expiry</fact>
    <fact></fact>
  </facts>
  <narrative>The refresh check compared seconds with milliseconds.</narrative>
  <concepts>
    <concept>problem-solution</concept>
    <concept>gotcha: units</concept>
    <concept>bugfix</concept>
  </concepts>
  <files_read><file>src/auth.rs</file></files_read>
  <files_modified><file>src/auth.rs</file></files_modified>
</observation>
<observation>
  <type>change</type>
  <title>Bump serde</title>
  <facts></facts>
  <narrative></narrative>
  <concepts><concept>what-changed</concept></concepts>
  <files_read></files_read>
  <files_modified><file>Cargo.toml</file></files_modified>
</observation>";

fn xml_expected() -> Vec<NewObservation> {
    vec![
        NewObservation {
            subtitle: "Tokens were refreshed after expiry.".into(),
            narrative: "The refresh check compared seconds with milliseconds.".into(),
            facts: strings(&["auth.rs refreshes 60 s before expiry"]),
            concepts: strings(&["problem-solution", "gotcha"]),
            files_read: strings(&["src/auth.rs"]),
            files_modified: strings(&["src/auth.rs"]),
            ..obs(ObservationKind::Bugfix, "Fix token refresh")
        },
        NewObservation {
            concepts: strings(&["what-changed"]),
            files_modified: strings(&["Cargo.toml"]),
            ..obs(ObservationKind::Change, "Bump serde")
        },
    ]
}

#[test]
fn xml_with_several_blocks() {
    assert_eq!(parse(XML_BLOCKS), clean(xml_expected()));
}

#[test]
fn xml_with_entities() {
    let text = "<observation><type>discovery</type>\
        <title>Generic &lt;T&gt; bound &amp; &quot;where&quot; clause</title>\
        <narrative>It&apos;s &#x2713; &#65;</narrative>\
        <facts><fact>a &lt;= b</fact><fact><![CDATA[x < y && y > z]]></fact></facts>\
        </observation>";
    let expected = NewObservation {
        narrative: "It's ✓ A".into(),
        facts: strings(&["a <= b", "x < y && y > z"]),
        ..obs(
            ObservationKind::Discovery,
            "Generic <T> bound & \"where\" clause",
        )
    };
    assert_eq!(parse(text), clean(vec![expected]));
}

#[test]
fn mixed_prose_and_xml() {
    let text = format!(
        "I looked at the tool output [twice]. Here is what I found:\n\n```xml\n{XML_BLOCKS}\n```\n\n\
         That is all for this batch."
    );
    assert_eq!(parse(&text), clean(xml_expected()));
}

#[test]
fn cut_off_mid_item_json() {
    let text = r#"```json
[
  {"type": "feature", "title": "First", "narrative": "done"},
  {"type": "bugfix", "title": "Second", "facts": ["a"]},
  {"type": "change", "title": "Third", "narrative": "The answer stops in the mid"#;
    let expected = ParseOutcome {
        observations: vec![
            NewObservation {
                narrative: "done".into(),
                ..obs(ObservationKind::Feature, "First")
            },
            NewObservation {
                facts: strings(&["a"]),
                ..obs(ObservationKind::Bugfix, "Second")
            },
        ],
        issues: vec![issue(
            Some(2),
            "the answer was cut off inside this item; it is dropped",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn cut_off_between_items_json() {
    let text = r#"{"observations": [{"title": "Only"}, "#;
    let expected = ParseOutcome {
        observations: vec![obs(ObservationKind::Discovery, "Only")],
        issues: vec![issue(
            None,
            "the answer was cut off after 1 complete items, before the JSON array closed",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn cut_off_single_object_json() {
    let text = r#"{"type": "bugfix", "title": "Half", "narrative": "and th"#;
    let expected = ParseOutcome {
        observations: vec![],
        issues: vec![issue(
            Some(0),
            "the answer was cut off inside this item; it is dropped",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn cut_off_mid_item_xml() {
    let text = "<observation><type>feature</type><title>Complete</title></observation>\n\
                <observation><type>bugfix</type><title>Incomplete</title><narrative>The ans";
    let expected = ParseOutcome {
        observations: vec![obs(ObservationKind::Feature, "Complete")],
        issues: vec![issue(
            Some(1),
            "the answer was cut off inside this <observation> block; it is dropped",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn empty_answer() {
    assert_eq!(parse(""), ParseOutcome::default());
}

#[test]
fn whitespace_and_bom() {
    assert_eq!(parse("\u{feff}  \n\t \r\n"), ParseOutcome::default());
    let text = format!("\u{feff}\n  {CLEAN_JSON}  \n");
    assert_eq!(parse(&text), clean(clean_json_expected()));
}

#[test]
fn empty_array_and_empty_wrapper() {
    for text in [
        "[]",
        "```json\n[]\n```",
        "{\"observations\": []}",
        "{\"observations\": null}",
        "{}",
        "Nothing here: []",
    ] {
        assert_eq!(parse(text), ParseOutcome::default(), "{text}");
    }
}

#[test]
fn explicit_nothing() {
    for text in [
        "NONE",
        "none",
        "```\nNONE\n```",
        "<skip/>",
        "<skip_observation reason=\"status check\"/>",
        "No observations.",
        "no observations worth recording",
        "Nothing worth keeping.",
    ] {
        assert_eq!(parse(text), ParseOutcome::default(), "{text}");
    }
}

#[test]
fn garbage() {
    let text = "I'm sorry, I can't help with that request because the tool output was empty \
                and there is nothing to look at.";
    let expected = ParseOutcome {
        observations: vec![],
        issues: vec![issue(
            None,
            "no observations found: the answer holds neither JSON observations nor \
             <observation> blocks; the answer starts with \"I'm sorry, I can't help with that \
             request because the tool output was empty and …\"",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn invalid_json_is_named_in_the_issue() {
    let text = r#"[{"title": "x", "narrative": @oops}]"#;
    let expected = ParseOutcome {
        observations: vec![],
        issues: vec![issue(
            None,
            "no observations found: the JSON at byte 0 is invalid: expected a JSON value at \
             byte 29; the answer starts with \"[{\\\"title\\\": \\\"x\\\", \\\"narrative\\\": @oops}]\"",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn wrong_types_per_field() {
    let text = r#"[{
        "type": ["refactor", "change"],
        "title": 42,
        "subtitle": true,
        "narrative": ["First paragraph.", "Second paragraph."],
        "facts": ["ok", 7, false, null, "", {"text": "from object"}, {"a": 1, "b": 2}],
        "concepts": "pattern",
        "files_read": {"path": "src/x.rs"},
        "files_modified": null,
        "importance": "high"
    }]"#;
    let expected = ParseOutcome {
        observations: vec![NewObservation {
            subtitle: "true".into(),
            narrative: "First paragraph.\nSecond paragraph.".into(),
            facts: strings(&["ok", "7", "false", "from object"]),
            concepts: strings(&["pattern"]),
            importance: Some(0.75),
            ..obs(ObservationKind::Refactor, "42")
        }],
        issues: vec![
            issue(Some(0), "field `facts`: 1 entries are not text; ignored"),
            issue(
                Some(0),
                "field `files_read` is an object, not a list; ignored",
            ),
        ],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn importance_scales_and_bad_values() {
    let text = r#"[
        {"title": "a", "importance": 7},
        {"title": "b", "importance": "0.3"},
        {"title": "c", "importance": "medium"},
        {"title": "d", "importance": 250},
        {"title": "e", "importance": "soon"}
    ]"#;
    let outcome = parse(text);
    let importances: Vec<Option<f32>> = outcome.observations.iter().map(|o| o.importance).collect();
    assert_eq!(importances, [Some(0.7), Some(0.3), Some(0.5), None, None]);
    assert_eq!(
        outcome.issues,
        [
            issue(
                Some(3),
                "importance \"250\" is outside 0..1 and 1..10; ignored"
            ),
            issue(
                Some(4),
                "importance \"soon\" is neither a number nor low/medium/high; ignored"
            ),
        ]
    );
}

#[test]
fn unknown_kind() {
    let text = r#"[{"type": "security_alert", "title": "Token in logs", "concepts": ["security_alert", "gotcha"]}]"#;
    let expected = ParseOutcome {
        observations: vec![NewObservation {
            concepts: strings(&["security_alert", "gotcha"]),
            ..obs(ObservationKind::Discovery, "Token in logs")
        }],
        issues: vec![issue(
            Some(0),
            "unknown kind \"security_alert\"; stored as discovery",
        )],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn missing_title() {
    let text = r#"[
        {"type": "change", "narrative": "Renamed the crate. Nothing else changed."},
        {"type": "change", "facts": ["orphan fact"]},
        {"type": "change", "subtitle": "Only a subtitle", "title": "   "},
        {"type": "change", "subtitle": "Sub", "narrative": "Body"}
    ]"#;
    let expected = ParseOutcome {
        observations: vec![
            NewObservation {
                narrative: "Renamed the crate. Nothing else changed.".into(),
                ..obs(ObservationKind::Change, "Renamed the crate.")
            },
            NewObservation {
                subtitle: "Sub".into(),
                narrative: "Body".into(),
                ..obs(ObservationKind::Change, "Sub")
            },
        ],
        issues: vec![
            issue(Some(1), "has neither a title nor a narrative; skipped"),
            issue(Some(2), "has neither a title nor a narrative; skipped"),
        ],
    };
    assert_eq!(parse(text), expected);
}

#[test]
fn long_title_is_trimmed() {
    let title = "Refactor the store ".repeat(20);
    let text = format!(r#"[{{"title": "{title}"}}]"#);
    let outcome = parse(&text);
    assert!(outcome.issues.is_empty());
    let got = &outcome.observations[0].title;
    assert!(got.chars().count() <= 200, "{}", got.chars().count());
    assert!(got.starts_with("Refactor the store Refactor"));
    assert!(got.ends_with('…'));
}

#[test]
fn trailing_commas() {
    let text = r#"{
        "observations": [
            {"type": "feature", "title": "A", "facts": ["x", "y",],},
            {"type": "feature", "title": "B",},
        ],
    }"#;
    let expected = vec![
        NewObservation {
            facts: strings(&["x", "y"]),
            ..obs(ObservationKind::Feature, "A")
        },
        obs(ObservationKind::Feature, "B"),
    ];
    assert_eq!(parse(text), clean(expected));
}

#[test]
fn nested_fences() {
    let text = "````markdown\n```json\n[{\"type\": \"discovery\", \"title\": \"Docs use fences\", \
                \"narrative\": \"Write ```rust\\nfn main() { let v = [1, 2]; }\\n``` blocks.\"}]\n\
                ```\n````";
    let expected = NewObservation {
        narrative: "Write ```rust\nfn main() { let v = [1, 2]; }\n``` blocks.".into(),
        ..obs(ObservationKind::Discovery, "Docs use fences")
    };
    assert_eq!(parse(text), clean(vec![expected]));
}

#[test]
fn unbalanced_quotes_in_prose() {
    let text = "The user said \"fix it [now. Then: [{\"title\": \"Quoted\"}]";
    // The stray quote swallows the first bracket into a "string": the payload is still found.
    let outcome = parse(text);
    assert_eq!(
        outcome.observations,
        [obs(ObservationKind::Discovery, "Quoted")]
    );
    assert!(outcome.issues.is_empty());
}

#[test]
fn unicode_and_emoji() {
    let text = "```json\n[{\"type\": \"feature\", \"title\": \"Ajout de l'export 🚀 — données\", \
                \"facts\": [\"日本語のファイル名を扱う\", \"emoji \\ud83d\\ude00 escaped\"], \
                \"concepts\": [\"WHAT-CHANGED\"]}]\n```";
    let expected = NewObservation {
        facts: strings(&["日本語のファイル名を扱う", "emoji 😀 escaped"]),
        concepts: strings(&["what-changed"]),
        ..obs(ObservationKind::Feature, "Ajout de l'export 🚀 — données")
    };
    assert_eq!(parse(text), clean(vec![expected]));
    let long = "🦀".repeat(300);
    let outcome = parse(&format!("[{{\"title\": \"{long}\"}}]"));
    assert_eq!(outcome.observations[0].title.chars().count(), 200);
}

#[test]
fn huge_input() {
    // About 1 MB of valid observations.
    let item = format!(
        r#"{{"type": "discovery", "title": "Item", "narrative": "{}"}}"#,
        "n".repeat(500)
    );
    let items: Vec<String> = (0..2000).map(|_| item.clone()).collect();
    let text = format!("[{}]", items.join(",\n"));
    assert!(text.len() > 1_000_000);
    let outcome = parse(&text);
    assert_eq!(outcome.observations.len(), 2000);
    assert!(outcome.issues.is_empty());

    // One huge string, and a megabyte of prose.
    let text = format!(
        r#"[{{"title": "Big", "narrative": "{}"}}]"#,
        "x".repeat(1 << 20)
    );
    let outcome = parse(&text);
    assert_eq!(outcome.observations[0].narrative.len(), 1 << 20);
    let prose = "lorem ipsum dolor sit amet ".repeat(40_000);
    let outcome = parse(&prose);
    assert!(outcome.observations.is_empty());
    assert_eq!(outcome.issues.len(), 1);

    // A megabyte of fragments that each look like the start of a payload.
    let fragments = "{\"a\": [\"".repeat(120_000);
    let outcome = parse(&fragments);
    assert!(outcome.observations.is_empty());
    assert_eq!(outcome.issues.len(), 1);
    let xml = "<observation><title>".repeat(50_000);
    let outcome = parse(&xml);
    assert!(outcome.observations.is_empty());
}

#[test]
fn deeply_nested_brackets() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let expected = ParseOutcome {
        observations: vec![],
        issues: vec![issue(
            None,
            &format!(
                "no observations found: the JSON at byte 0 nests deeper than 128 levels; \
                 the answer starts with \"{}…\"",
                "[".repeat(80)
            ),
        )],
    };
    assert_eq!(parse(&text), expected);

    // Deep garbage before a payload does not hide it.
    let text = format!(
        "{}{} [{{\"title\": \"After\"}}]",
        "{".repeat(5_000),
        "}".repeat(5_000)
    );
    assert_eq!(
        parse(&text).observations,
        [obs(ObservationKind::Discovery, "After")]
    );
    let unclosed = "{\"a\":".repeat(50_000);
    assert_eq!(parse(&unclosed).observations, []);
}

#[test]
fn summary_variants() {
    let full = NewSummary {
        request: "Add export".into(),
        investigated: "The store schema".into(),
        learned: "Rows carry a hash".into(),
        completed: "JSONL export; tests".into(),
        next_steps: "Import".into(),
        notes: "None".into(),
    };
    let json = r#"```json
{"request": "Add export", "investigated": "The store schema", "learned": "Rows carry a hash",
 "completed": ["JSONL export", "tests"], "next-steps": "Import", "notes": "None",}
```"#;
    assert_eq!(
        parse_summary(json),
        Ok(SummaryOutcome::Summary(full.clone()))
    );

    let xml = "Summary follows.\n<summary>\n<request>Add export</request>\n\
               <investigated>The store schema</investigated>\n<learned>Rows carry a hash</learned>\n\
               <completed>JSONL export; tests</completed>\n<next_steps>Import</next_steps>\n\
               <notes>None</notes>\n</summary>";
    assert_eq!(parse_summary(xml), Ok(SummaryOutcome::Summary(full)));

    let camel = r#"{"summary": {"request": 7, "nextSteps": ["a", "b"]}}"#;
    assert_eq!(
        parse_summary(camel),
        Ok(SummaryOutcome::Summary(NewSummary {
            request: "7".into(),
            next_steps: "a; b".into(),
            ..NewSummary::default()
        }))
    );

    assert_eq!(
        parse_summary(r#"<skip_summary reason="Only a status check &amp; a listing"/>"#),
        Ok(SummaryOutcome::Skipped {
            reason: "Only a status check & a listing".into()
        })
    );
    assert_eq!(parse_summary(" \n "), Ok(SummaryOutcome::Empty));
    assert_eq!(
        parse_summary("<summary><request></request></summary>"),
        Ok(SummaryOutcome::Empty)
    );
    assert_eq!(
        parse_summary("NONE"),
        Ok(SummaryOutcome::Skipped {
            reason: "the answer says there is nothing to summarise: \"NONE\"".into()
        })
    );

    // Cut off: the complete fields are kept.
    assert_eq!(
        parse_summary("<summary><request>Fix CI</request><learned>The cache"),
        Ok(SummaryOutcome::Summary(NewSummary {
            request: "Fix CI".into(),
            learned: "The cache".into(),
            ..NewSummary::default()
        }))
    );
    assert_eq!(
        parse_summary(r#"{"request": "Fix CI", "learned": "The ca"#),
        Ok(SummaryOutcome::Summary(NewSummary {
            request: "Fix CI".into(),
            ..NewSummary::default()
        }))
    );

    assert_eq!(
        parse_summary("Sorry, I cannot summarise this session."),
        Err(issue(
            None,
            "no summary found: the answer holds neither a JSON summary object nor a <summary> \
             block; the answer starts with \"Sorry, I cannot summarise this session.\""
        ))
    );
    assert_eq!(
        parse_summary("<summary>Did some work.</summary>"),
        Err(issue(
            None,
            "the <summary> block has none of the tags request, investigated, learned, \
             completed, next_steps, notes; it starts with \"Did some work.\""
        ))
    );
    assert_eq!(
        parse_summary("<observation><title>x</title></observation>"),
        Err(issue(
            None,
            "no summary found: the answer holds <observation> blocks, not a <summary>; the \
             answer starts with \"<observation><title>x</title></observation>\""
        ))
    );
}

// ---------------------------------------------------------------------------------------
// Properties

/// One line of text without surrounding or repeated whitespace, never empty.
fn line() -> impl Strategy<Value = String> {
    "[A-Za-z0-9éü😀<>&'\"\\\\/{}\\[\\]:,.!?` -]{1,60}"
        .prop_map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .prop_filter("non-empty", |s| !s.is_empty())
}

#[derive(Debug, Clone)]
struct Generated {
    kind: ObservationKind,
    title: String,
    facts: Vec<String>,
    narrative: Option<String>,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop::sample::select(ObservationKind::DEFAULTS.to_vec()),
        line(),
        prop::collection::btree_set(line(), 0..4),
        prop::option::of(line()),
    )
        .prop_map(|(kind, title, facts, narrative)| Generated {
            kind,
            // Keep titles under the trimming limit.
            title: title
                .chars()
                .take(150)
                .collect::<String>()
                .trim()
                .to_string(),
            facts: facts.into_iter().collect(),
            narrative,
        })
        .prop_filter("non-empty title", |g| !g.title.is_empty())
}

fn to_json(items: &[Generated], wrapper: bool, pretty: bool) -> String {
    let values: Vec<serde_json::Value> = items
        .iter()
        .map(|g| {
            let mut value = serde_json::json!({
                "type": g.kind.as_str(),
                "title": g.title,
                "facts": g.facts,
            });
            if let (Some(narrative), Some(map)) = (&g.narrative, value.as_object_mut()) {
                map.insert("narrative".into(), narrative.clone().into());
            }
            value
        })
        .collect();
    let value = if wrapper {
        serde_json::json!({ "observations": values })
    } else {
        serde_json::Value::Array(values)
    };
    let text = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    text.unwrap_or_default()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn to_xml(items: &[Generated]) -> String {
    items
        .iter()
        .map(|g| {
            let facts: String = g
                .facts
                .iter()
                .map(|f| format!("<fact>{}</fact>", xml_escape(f)))
                .collect();
            let narrative = g
                .narrative
                .as_deref()
                .map(|n| format!("<narrative>{}</narrative>", xml_escape(n)))
                .unwrap_or_default();
            format!(
                "<observation>\n<type>{}</type>\n<title>{}</title>\n<facts>{facts}</facts>\n\
                 {narrative}\n</observation>\n",
                g.kind,
                xml_escape(&g.title)
            )
        })
        .collect()
}

fn wrap(payload: &str, style: usize) -> String {
    match style {
        0 => payload.to_string(),
        1 => format!("```json\n{payload}\n```"),
        2 => format!("```\n{payload}\n```"),
        3 => format!("Here are the observations:\n\n{payload}\n\nDone."),
        _ => format!("Sure.\n```json\n{payload}\n```\nLet me know if you need more."),
    }
}

fn assert_round_trip(items: &[Generated], outcome: &ParseOutcome) -> Result<(), TestCaseError> {
    prop_assert!(outcome.issues.is_empty(), "issues: {:?}", outcome.issues);
    prop_assert_eq!(outcome.observations.len(), items.len());
    for (g, o) in items.iter().zip(&outcome.observations) {
        prop_assert_eq!(&o.title, &g.title);
        prop_assert_eq!(o.kind.as_ref(), Some(&g.kind));
        prop_assert_eq!(&o.facts, &g.facts);
        prop_assert_eq!(&o.narrative, g.narrative.as_deref().unwrap_or_default());
    }
    Ok(())
}

/// What must hold of any outcome, whatever the input.
fn assert_invariants(outcome: &ParseOutcome) -> Result<(), TestCaseError> {
    for o in &outcome.observations {
        prop_assert!(!o.title.trim().is_empty());
        prop_assert!(o.title.chars().count() <= 200);
        let kind = o.kind.as_ref();
        prop_assert!(kind.is_some_and(|k| ObservationKind::DEFAULTS.contains(k)));
        prop_assert!(o.importance.is_none_or(|i| (0.0..=1.0).contains(&i)));
        prop_assert!(o.facts.iter().all(|f| !f.is_empty()));
        prop_assert!(o.concepts.iter().all(|c| !c.is_empty() && !c.contains(':')));
    }
    Ok(())
}

/// Strings made of the pieces the parser reacts to.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "[",
        "]",
        "{",
        "}",
        "\"",
        "\\",
        ",",
        ":",
        "```",
        "```json\n",
        "<observation>",
        "</observation>",
        "<title>",
        "</title>",
        "<facts>",
        "<fact>",
        "</fact>",
        "<summary>",
        "<request>",
        "<skip_summary reason=\"",
        "&lt;",
        "&#x",
        "&",
        "\"title\"",
        "\"type\"",
        "\"observations\"",
        "\"facts\"",
        "null",
        "true",
        "1e9",
        "-",
        "\\u",
        "\\ud83d",
        "x",
        " ",
        "\n",
        "é",
        "🦀",
        "NONE",
        "<skip/>",
    ]);
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        assert_invariants(&parse(&text))?;
        let _ = parse_summary(&text);
    }

    #[test]
    fn tricky_strings_never_panic(text in tricky()) {
        assert_invariants(&parse(&text))?;
        let _ = parse_summary(&text);
    }

    #[test]
    fn valid_json_observations_round_trip(
        items in prop::collection::vec(generated(), 0..5),
        wrapper in any::<bool>(),
        pretty in any::<bool>(),
        style in 0usize..5,
    ) {
        let text = wrap(&to_json(&items, wrapper, pretty), style);
        assert_round_trip(&items, &parse(&text))?;
    }

    #[test]
    fn valid_xml_observations_round_trip(
        items in prop::collection::vec(generated(), 1..5),
        style in 0usize..5,
    ) {
        let text = wrap(&to_xml(&items), style);
        assert_round_trip(&items, &parse(&text))?;
    }
}
