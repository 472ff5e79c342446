//! The documentation nobody's compiler reads, checked against the records: the Node
//! package's `bindings/node/index.d.ts` and the JSON shapes documented on
//! `MEMCORE_JSON_VERSION` in `strings.rs` (the C header's documentation).
//!
//! Each record is built fully populated (every optional field set), serialized as the C
//! functions serialize it, and its keys compared: with the fields of the matching TypeScript
//! interface (which must be the same set, in camelCase, as the Node package converts them),
//! and with the fields quoted in the record's bullet of the JSON documentation (every key
//! must be there). Checking rather than generating keeps both documents written for people
//! (comments, defaults, unions) while a drift fails here, with the record and field named.

use crate::records::*;
use memcore::extract as core;
use std::collections::BTreeSet;
use std::time::SystemTime;

/// One record's JSON keys (the top level of its serde form).
fn keys<T: serde::Serialize>(record: &T) -> BTreeSet<String> {
    match serde_json::to_value(record).expect("a record serializes") {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("a record serializes as an object, not {other}"),
    }
}

/// Every record, fully populated, with the name of its TypeScript interface and the label of
/// its bullet in the JSON documentation (`None` where it is not a C document).
fn records() -> Vec<(&'static str, Option<&'static str>, BTreeSet<String>)> {
    use crate::records::{
        extraction_tests as ex, portable_tests as pt, recall_tests as rt, session_tests as st,
        stats_tests as stt, summary_tests as sut,
    };
    let t = SystemTime::UNIX_EPOCH;
    let observation = Observation::from(samples::observation());
    let event = Event::from(samples::event());
    vec![
        (
            "NewSession",
            Some("session in"),
            keys(&NewSession {
                id: "s".into(),
                project: "p".into(),
                agent: "a".into(),
                started_at: Some(t),
            }),
        ),
        (
            "Session",
            Some("session out"),
            keys(&Session::from(st::core_session())),
        ),
        (
            "NewEvent",
            Some("event in"),
            keys(&NewEvent {
                session_id: "s".into(),
                payload: EventPayload::Note { text: "n".into() },
                external_id: Some("x".into()),
                occurred_at: Some(t),
            }),
        ),
        ("MemoryEvent", Some("event out"), keys(&event)),
        (
            "Recorded",
            None,
            keys(&Recorded {
                id: 1,
                inserted: true,
            }),
        ),
        (
            "NewObservation",
            Some("observation in"),
            keys(&NewObservation {
                title: "t".into(),
                project: Some("p".into()),
                session_id: Some("s".into()),
                kind: Some("decision".into()),
                importance: Some(0.5),
                supersedes: Some(1),
                created_at: Some(t),
                ..NewObservation::default()
            }),
        ),
        ("Observation", Some("observation out"), keys(&observation)),
        (
            "Added",
            None,
            keys(&Added {
                id: 1,
                duplicate: false,
            }),
        ),
        (
            "NewSummary",
            Some("summary in"),
            keys(&NewSummary::default()),
        ),
        (
            "Summary",
            Some("summary out"),
            keys(&Summary::from(sut::core_summary())),
        ),
        (
            "Stats",
            Some("stats out"),
            keys(&Stats::from(stt::core_stats())),
        ),
        (
            "ExtractionRequest",
            Some("extraction request out / in"),
            keys(&ExtractionRequest::from(ex::core_request())),
        ),
        (
            "Usage",
            Some("usage in"),
            keys(&Usage {
                model: "m".into(),
                prompt_tokens: Some(1),
                completion_tokens: Some(2),
            }),
        ),
        (
            "ParseIssue",
            Some("parse issue out"),
            keys(&ParseIssue::from(ex::core_issue())),
        ),
        (
            "CompletionReport",
            Some("completion report out"),
            keys(&CompletionReport::from(ex::core_completion())),
        ),
        (
            "FailureReport",
            Some("failure report out"),
            keys(&FailureReport::from(core::FailureReport {
                events_failed: 1,
                events_pending: 2,
            })),
        ),
        (
            "ExtractionRun",
            Some("extraction run out"),
            keys(&ExtractionRun::from(ex::core_run())),
        ),
        (
            "LedgerEntry",
            Some("ledger entry out"),
            keys(&LedgerEntry::from(ex::core_ledger())),
        ),
        (
            "ScoreParts",
            Some("score parts out"),
            keys(&ScoreParts::from(rt::core_hit().parts)),
        ),
        (
            "SearchHit",
            Some("search hit out"),
            keys(&SearchHit::from(rt::core_hit())),
        ),
        (
            "Context",
            Some("context out"),
            keys(&Context::from(rt::core_context())),
        ),
        (
            "Timeline",
            Some("timeline out"),
            keys(&Timeline::from(rt::core_timeline())),
        ),
        (
            "TimelineEntry",
            Some("timeline entry out"),
            keys(&TimelineEntry {
                at: t,
                item: TimelineItem::Observation { observation },
            }),
        ),
        (
            "ExportOptions",
            Some("export options in"),
            keys(&ExportOptions {
                project: Some("p".into()),
                since: Some(t),
                until: Some(t),
                include_events: true,
            }),
        ),
        (
            "RecordCounts",
            Some("record counts out"),
            keys(&RecordCounts::from(pt::counts())),
        ),
        (
            "ExportReport",
            Some("export report out"),
            keys(&ExportReport::from(memcore::ExportReport {
                records: pt::counts(),
                bytes: 1,
            })),
        ),
        (
            "ImportReport",
            Some("import report out"),
            keys(&ImportReport::from(pt::core_import())),
        ),
        (
            "BackupReport",
            Some("backup report out"),
            keys(&BackupReport {
                path: "b.db".into(),
                bytes: 1,
                pages: 1,
            }),
        ),
        (
            "RetentionPolicy",
            Some("retention policy in"),
            keys(&RetentionPolicy {
                max_age_days: Some(1),
                max_observations_per_project: Some(2),
                max_file_bytes: Some(3),
            }),
        ),
        (
            "PruneReport",
            Some("prune report out"),
            keys(&PruneReport::from(pt::core_prune())),
        ),
        (
            "PrunedObservation",
            Some("pruned observation out"),
            keys(&PrunedObservation::from(
                pt::core_prune().observations.remove(0),
            )),
        ),
    ]
}

/// `snake_case` as the Node package writes it (`camelCase`).
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The fields of `export interface <name> ...` in a `.d.ts`, with those of the interface it
/// extends (`extends Base` or `extends Required<Base>`); `None` when there is no such
/// interface. Fields are the lines indented by two spaces (`  name?: type;`); nested object
/// types, indented deeper, are not fields of the interface.
fn interface_fields(dts: &str, name: &str) -> Option<BTreeSet<String>> {
    let start = dts.find(&format!("export interface {name} "))?;
    let body = &dts[start..];
    let header_end = body.find('{')?;
    let header = &body[..header_end];
    let end = body.find("\n}")?;
    let mut fields = BTreeSet::new();
    if let Some(base) = header.split(" extends ").nth(1) {
        let base = base
            .trim()
            .trim_start_matches("Required<")
            .trim_end_matches('>')
            .trim();
        fields.extend(interface_fields(dts, base)?);
    }
    for line in body[header_end + 1..end].lines() {
        let Some(rest) = line.strip_prefix("  ") else {
            continue;
        };
        if rest.starts_with(' ') || rest.starts_with('/') || rest.starts_with('*') {
            continue;
        }
        let field: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !field.is_empty() && rest[field.len()..].trim_start().starts_with(['?', ':']) {
            fields.insert(field);
        }
    }
    Some(fields)
}

/// The JSON documentation: the doc comment of `MEMCORE_JSON_VERSION`, without `///`.
fn json_documentation() -> String {
    let source = include_str!("strings.rs");
    let end = source
        .find("pub const MEMCORE_JSON_VERSION")
        .expect("strings.rs defines MEMCORE_JSON_VERSION");
    let start = source[..end].rfind("\n\n").map_or(0, |i| i + 2);
    source[start..end]
        .lines()
        .map(|line| line.trim_start().trim_start_matches("///").trim_start())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bullet of the JSON documentation that starts with `- <label>`, up to the next one.
fn bullet<'a>(doc: &'a str, label: &str) -> Option<&'a str> {
    let start = doc
        .find(&format!("\n- {label}:"))
        .or_else(|| doc.find(&format!("\n- {label} (")))?;
    let rest = &doc[start + 1..];
    let end = rest[1..].find("\n- ").map_or(rest.len(), |i| i + 1);
    Some(&rest[..end])
}

#[test]
fn the_node_types_declare_the_fields_of_every_record() {
    let dts = include_str!("../../bindings/node/index.d.ts");
    let mut problems = Vec::new();
    for (interface, _, keys) in records() {
        let Some(declared) = interface_fields(dts, interface) else {
            problems.push(format!("index.d.ts has no interface {interface}"));
            continue;
        };
        let live: BTreeSet<String> = keys.iter().map(|k| camel(k)).collect();
        for missing in live.difference(&declared) {
            problems.push(format!("{interface} lacks `{missing}` (the JSON has it)"));
        }
        for extra in declared.difference(&live) {
            problems.push(format!(
                "{interface} declares `{extra}`, which the JSON lacks"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "index.d.ts is out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_json_documentation_lists_every_field_of_every_record() {
    let doc = json_documentation();
    let mut problems = Vec::new();
    for (record, label, keys) in records() {
        let Some(label) = label else { continue };
        let Some(text) = bullet(&doc, label) else {
            problems.push(format!("no bullet `- {label}:` for {record}"));
            continue;
        };
        for key in keys {
            if !text.contains(&format!("\"{key}\"")) {
                problems.push(format!("`- {label}` ({record}) does not list \"{key}\""));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "strings.rs is out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checks_see_fields_and_bullets() {
    // The parsers themselves: a check that found nothing would pass for nothing.
    let dts = "export interface A {\n  a: string;\n  /** doc */\n  bC?: number;\n  nested: {\n    x: 1;\n  };\n}\n\
               export interface B extends Required<A> {\n  d: string;\n}\n";
    let a: BTreeSet<String> = ["a", "bC", "nested"].map(String::from).into();
    assert_eq!(interface_fields(dts, "A"), Some(a));
    assert_eq!(interface_fields(dts, "B").map(|f| f.len()), Some(4));
    assert_eq!(interface_fields(dts, "C"), None);
    let doc = "\n- x in: `{\"a\"}`\n- x out: `{\"b\",\n  \"c\"}`\n- y (z): 1";
    assert_eq!(bullet(doc, "x out"), Some("- x out: `{\"b\",\n  \"c\"}`"));
    assert_eq!(bullet(doc, "y"), Some("- y (z): 1"));
    assert_eq!(camel("observations_by_kind"), "observationsByKind");
    assert!(json_documentation().contains("- session out:"));
}
