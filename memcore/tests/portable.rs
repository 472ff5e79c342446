//! Export, import and backup: round trips through JSONL, idempotent and all-or-nothing
//! imports, filters, the Markdown export, and an online backup taken while another process
//! records 10,000 events.
//!
//! The backup test re-runs this test binary as the writer process: the child finds its
//! instructions in `MEMCORE_TEST_CHILD` and runs `child_entry_point` only.

use memcore::extract::Extractor;
use memcore::{
    Error, EventPayload, ExportOptions, Memory, NewEvent, NewObservation, NewSession, NewSummary,
    ObservationKind, RecordCounts, Scope,
};
use proptest::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use time::OffsetDateTime;
use time::macros::datetime;

const CHILD_ENV: &str = "MEMCORE_TEST_CHILD";
const BASE: OffsetDateTime = datetime!(2025-03-01 09:00 UTC);

fn export(mem: &Memory, options: &ExportOptions) -> Vec<String> {
    let mut out = Vec::new();
    mem.export_jsonl(&mut out, options).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn everything() -> ExportOptions {
    ExportOptions {
        include_events: true,
        ..ExportOptions::default()
    }
}

/// The records of an export, without the header (which holds the export's own time).
fn records(lines: &[String]) -> &[String] {
    &lines[1..]
}

fn import(mem: &Memory, lines: &[String]) -> memcore::Result<memcore::ImportReport> {
    mem.import_jsonl(lines.join("\n").as_bytes())
}

/// One step that builds a random store.
#[derive(Debug, Clone)]
enum Step {
    Session {
        project: usize,
        agent: String,
        ended: bool,
    },
    Prompt {
        session: usize,
        text: String,
        keyed: bool,
    },
    Tool {
        session: usize,
        tool: String,
        path: String,
        output: String,
        keyed: bool,
    },
    Observation {
        session: Option<usize>,
        project: usize,
        kind: usize,
        title: String,
        narrative: String,
        facts: Vec<String>,
        concepts: Vec<String>,
        files: Vec<String>,
        importance: f32,
        pinned: bool,
        supersede: bool,
    },
    Summary {
        session: usize,
        request: String,
        learned: String,
    },
    Extract,
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 éü字_./:-]{0,24}"
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, "[a-z-]{1,10}", any::<bool>()).prop_map(|(project, agent, ended)| {
            Step::Session {
                project,
                agent,
                ended,
            }
        }),
        (0..6usize, text(), any::<bool>()).prop_map(|(session, text, keyed)| Step::Prompt {
            session,
            text,
            keyed
        }),
        (
            0..6usize,
            prop::sample::select(vec!["Edit", "Read", "Bash", "Write"]),
            "[a-z]{1,8}/[a-z]{1,8}\\.rs",
            text(),
            any::<bool>()
        )
            .prop_map(|(session, tool, path, output, keyed)| Step::Tool {
                session,
                tool: tool.to_owned(),
                path,
                output,
                keyed
            }),
        (
            (prop::option::of(0..6usize), 0..3usize, 0..8usize, text()),
            (
                text(),
                prop::collection::vec(text(), 0..3),
                prop::collection::vec("[a-z-]{1,12}", 0..3),
                prop::collection::vec("[a-z]{1,6}/[a-z]{1,6}\\.[a-z]{2}", 0..3),
            ),
            (0.0f32..=1.0, any::<bool>(), any::<bool>()),
        )
            .prop_map(
                |(
                    (session, project, kind, title),
                    (narrative, facts, concepts, files),
                    (importance, pinned, supersede),
                )| Step::Observation {
                    session,
                    project,
                    kind,
                    title,
                    narrative,
                    facts,
                    concepts,
                    files,
                    importance,
                    pinned,
                    supersede,
                }
            ),
        (0..6usize, text(), text()).prop_map(|(session, request, learned)| Step::Summary {
            session,
            request,
            learned
        }),
        Just(Step::Extract),
    ]
}

const PROJECTS: [&str; 3] = ["webshop", "api server", "données"];
const KINDS: [&str; 8] = [
    "bugfix",
    "feature",
    "refactor",
    "change",
    "discovery",
    "decision",
    "security_alert",
    "how-to",
];

/// Builds a store from random steps. Every step that cannot apply (an event for a session
/// not started yet, an empty title) is left out.
fn build(mem: &Memory, steps: &[Step]) {
    let mut sessions: Vec<String> = Vec::new();
    let mut last_obs = None;
    for (i, step) in steps.iter().enumerate() {
        let at = BASE + time::Duration::minutes(i as i64);
        match step {
            Step::Session {
                project,
                agent,
                ended,
            } => {
                let id = format!("session-{}", sessions.len());
                mem.start_session(NewSession {
                    started_at: Some(at),
                    ..NewSession::new(&id, PROJECTS[*project], agent.clone())
                })
                .unwrap();
                if *ended {
                    mem.end_session(&id).unwrap();
                }
                sessions.push(id);
            }
            Step::Prompt {
                session,
                text,
                keyed,
            } => {
                let Some(id) = sessions.get(*session) else {
                    continue;
                };
                mem.record_event(NewEvent {
                    external_id: keyed.then(|| format!("prompt-{i}")),
                    occurred_at: Some(at),
                    ..NewEvent::new(
                        id,
                        EventPayload::UserPrompt {
                            text: format!("{text} #{i}"),
                        },
                    )
                })
                .unwrap();
            }
            Step::Tool {
                session,
                tool,
                path,
                output,
                keyed,
            } => {
                let Some(id) = sessions.get(*session) else {
                    continue;
                };
                mem.record_event(NewEvent {
                    occurred_at: Some(at),
                    ..NewEvent::new(
                        id,
                        EventPayload::ToolUse {
                            tool_name: tool.clone(),
                            input: serde_json::json!({"file_path": path, "n": i, "x": 1.5}),
                            output: Some(output.clone()),
                            error: None,
                            tool_use_id: keyed.then(|| format!("toolu_{i}")),
                        },
                    )
                })
                .unwrap();
            }
            Step::Observation {
                session,
                project,
                kind,
                title,
                narrative,
                facts,
                concepts,
                files,
                importance,
                pinned,
                supersede,
            } => {
                let session = session.and_then(|s| sessions.get(s)).cloned();
                let new = NewObservation {
                    project: Some(PROJECTS[*project].into()),
                    session_id: session,
                    kind: Some(ObservationKind::parse(KINDS[*kind])),
                    title: format!("{title} {i}"),
                    subtitle: title.clone(),
                    narrative: narrative.clone(),
                    facts: facts.clone(),
                    context: narrative.chars().rev().collect(),
                    concepts: concepts.clone(),
                    files_read: files.clone(),
                    files_modified: files.iter().take(1).cloned().collect(),
                    importance: Some(*importance),
                    supersedes: if *supersede { last_obs } else { None },
                    created_at: Some(at),
                    ..NewObservation::default()
                };
                let added = mem.add_observation(new).unwrap();
                if *pinned {
                    mem.pin(added.id, true).unwrap();
                }
                last_obs = Some(added.id);
            }
            Step::Summary {
                session,
                request,
                learned,
            } => {
                let Some(id) = sessions.get(*session) else {
                    continue;
                };
                mem.add_summary(
                    id,
                    NewSummary {
                        request: format!("{request} #{i}"),
                        learned: learned.clone(),
                        ..NewSummary::default()
                    },
                )
                .unwrap();
            }
            Step::Extract => {
                mem.run_extraction(Extractor::Heuristic, None).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random store -> export -> import into an empty store -> export again: the same
    /// records, line for line. Importing again (into either store) adds nothing.
    #[test]
    fn export_import_export_gives_the_same_records(
        steps in prop::collection::vec(step(), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let first = Memory::open(dir.path().join("first.db")).unwrap();
        build(&first, &steps);
        let exported = export(&first, &everything());

        let second = Memory::open(dir.path().join("second.db")).unwrap();
        let report = import(&second, &exported).unwrap();
        prop_assert_eq!(report.skipped, RecordCounts::default());
        prop_assert_eq!(report.unresolved_references, 0);
        // Header and end record aside, every line is a record added.
        prop_assert_eq!(report.added.total() as usize, exported.len() - 2);
        prop_assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        let again = export(&second, &everything());
        prop_assert_eq!(records(&exported), records(&again));

        for store in [&first, &second] {
            let report = import(store, &exported).unwrap();
            prop_assert_eq!(report.added, RecordCounts::default());
            prop_assert_eq!(report.skipped.total() as usize, exported.len() - 2);
        }
        let after = export(&first, &everything());
        prop_assert_eq!(records(&after), records(&exported));
    }
}

/// A small store with two projects, prompts, a tool call, observations and a summary.
fn sample(mem: &Memory) {
    for (session, project, day) in [
        ("s1", "webshop", 1),
        ("s2", "billing", 2),
        ("s3", "webshop", 20),
    ] {
        let at = datetime!(2025-03-01 09:00 UTC) + time::Duration::days(day);
        mem.start_session(NewSession {
            started_at: Some(at),
            ..NewSession::new(session, project, "claude-code")
        })
        .unwrap();
        mem.record_event(NewEvent {
            occurred_at: Some(at),
            ..NewEvent::new(
                session,
                EventPayload::UserPrompt {
                    text: format!("fix the totals in {project} on day {day}"),
                },
            )
        })
        .unwrap();
        mem.record_event(NewEvent {
            occurred_at: Some(at),
            ..NewEvent::new(
                session,
                EventPayload::ToolUse {
                    tool_name: "Edit".into(),
                    input: serde_json::json!({"file_path": "src/cart.rs"}),
                    output: Some("ok".into()),
                    error: None,
                    tool_use_id: Some(format!("toolu_{session}")),
                },
            )
        })
        .unwrap();
        mem.add_observation(NewObservation {
            session_id: Some(session.into()),
            kind: Some(ObservationKind::Bugfix),
            title: format!("Coupon applied twice in {project} (day {day})"),
            narrative: "The discount was subtracted in two places.".into(),
            facts: vec!["cart.rs subtracts the coupon once".into()],
            files_modified: vec!["src/cart.rs".into()],
            created_at: Some(at),
            ..NewObservation::default()
        })
        .unwrap();
        mem.add_summary(
            session,
            NewSummary {
                request: format!("Fix the totals in {project}"),
                completed: "Removed the second subtraction".into(),
                ..NewSummary::default()
            },
        )
        .unwrap();
    }
}

fn types(lines: &[String]) -> Vec<String> {
    records(lines)
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn the_header_names_format_and_schema_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    sample(&mem);
    let lines = export(&mem, &ExportOptions::default());
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(header["format"], "memcore-export");
    assert_eq!(
        header["format_version"],
        memcore::portable::EXPORT_FORMAT_VERSION
    );
    assert_eq!(header["schema_version"], memcore::SCHEMA_VERSION);
    assert!(header["exported_at"].is_string());
    // Without include_events, tool calls stay out; prompts are always in.
    let t = types(&lines);
    assert_eq!(t.iter().filter(|t| *t == "prompt").count(), 3);
    assert_eq!(t.iter().filter(|t| *t == "event").count(), 0);
    assert_eq!(t.iter().filter(|t| *t == "observation").count(), 3);
    // Observations carry their provenance as names, not row ids.
    let obs: serde_json::Value = serde_json::from_str(
        records(&lines)
            .iter()
            .find(|l| l.contains("\"type\":\"observation\""))
            .unwrap(),
    )
    .unwrap();
    assert!(obs.get("id").is_none());
    assert_eq!(obs["content_hash"].as_str().unwrap().len(), 64);
}

#[test]
fn exports_filter_by_project_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    sample(&mem);
    let webshop = export(
        &mem,
        &ExportOptions {
            project: Some("webshop".into()),
            ..everything()
        },
    );
    assert!(records(&webshop).iter().all(|l| !l.contains("billing")));
    assert_eq!(
        types(&webshop).iter().filter(|t| *t == "session").count(),
        2
    );

    let early = export(
        &mem,
        &ExportOptions {
            project: Some("webshop".into()),
            until: Some(datetime!(2025-03-10 00:00 UTC)),
            ..everything()
        },
    );
    let t = types(&early);
    assert_eq!(t.iter().filter(|t| *t == "session").count(), 1);
    assert_eq!(t.iter().filter(|t| *t == "observation").count(), 1);
    assert_eq!(t.iter().filter(|t| *t == "event").count(), 1);

    // A filtered export imports on its own.
    let other = Memory::open(dir.path().join("other.db")).unwrap();
    let report = import(&other, &early).unwrap();
    assert_eq!(report.added.observations, 1);
    assert_eq!(report.added.sessions, 1);
    assert_eq!(
        other
            .stats(&Scope::Project("webshop".into()))
            .unwrap()
            .observations,
        1
    );

    let backwards = ExportOptions {
        since: Some(datetime!(2025-04-01 00:00 UTC)),
        until: Some(datetime!(2025-03-01 00:00 UTC)),
        ..ExportOptions::default()
    };
    assert!(matches!(
        mem.export_jsonl(&mut Vec::new(), &backwards),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn import_merges_into_an_existing_store_and_reports_what_it_added() {
    let dir = tempfile::tempdir().unwrap();
    let source = Memory::open(dir.path().join("a.db")).unwrap();
    sample(&source);
    let lines = export(&source, &everything());

    // The target already holds session s1 with the same observation, and one of its own.
    let target = Memory::open(dir.path().join("b.db")).unwrap();
    target
        .start_session(NewSession::new("s1", "webshop", "claude-code"))
        .unwrap();
    target
        .add_observation(NewObservation {
            session_id: Some("s1".into()),
            kind: Some(ObservationKind::Bugfix),
            title: "Coupon applied twice in webshop (day 1)".into(),
            narrative: "The discount was subtracted in two places.".into(),
            facts: vec!["cart.rs subtracts the coupon once".into()],
            ..NewObservation::default()
        })
        .unwrap();
    target
        .add_observation(NewObservation {
            project: Some("webshop".into()),
            title: "Only in the target".into(),
            ..NewObservation::default()
        })
        .unwrap();

    let report = import(&target, &lines).unwrap();
    assert_eq!(report.skipped.sessions, 1);
    assert_eq!(report.added.sessions, 2);
    assert_eq!(report.skipped.observations, 1);
    assert_eq!(report.added.observations, 2);
    assert_eq!(report.added.prompts, 3);
    assert_eq!(report.added.events, 3);
    assert_eq!(report.added.summaries, 3);
    assert_eq!(report.lines as usize, lines.len());
    let stats = target.stats(&Scope::All).unwrap();
    assert_eq!(stats.observations, 4);
    assert_eq!(stats.events, 6);

    let again = import(&target, &lines).unwrap();
    assert_eq!(again.added, RecordCounts::default());
}

#[test]
fn provenance_and_supersedes_survive_the_trip() {
    let dir = tempfile::tempdir().unwrap();
    let a = Memory::open(dir.path().join("a.db")).unwrap();
    a.start_session(NewSession::new("s", "p", "agent")).unwrap();
    let keyed = a
        .record_event(NewEvent {
            external_id: Some("k1".into()),
            ..NewEvent::new("s", EventPayload::Note { text: "one".into() })
        })
        .unwrap();
    let keyless = a
        .record_event(NewEvent::new(
            "s",
            EventPayload::Note { text: "two".into() },
        ))
        .unwrap();
    let old = a
        .add_observation(NewObservation {
            session_id: Some("s".into()),
            title: "Old way".into(),
            source_event_ids: vec![keyed.id, keyless.id],
            ..NewObservation::default()
        })
        .unwrap();
    let new = a
        .add_observation(NewObservation {
            session_id: Some("s".into()),
            title: "New way".into(),
            supersedes: Some(old.id),
            ..NewObservation::default()
        })
        .unwrap();
    a.pin(new.id, true).unwrap();

    let b = Memory::open(dir.path().join("b.db")).unwrap();
    import(&b, &export(&a, &everything())).unwrap();
    let got = b.recent(&Scope::All, 10).unwrap();
    let (new_b, old_b) = (&got[0], &got[1]);
    assert_eq!(new_b.title, "New way");
    assert!(new_b.pinned);
    assert_eq!(new_b.supersedes, Some(old_b.id));
    assert_eq!(old_b.superseded_by, Some(new_b.id));
    let sources = b.events("s", None).unwrap();
    let mut ids: Vec<_> = sources.iter().map(|e| e.id).collect();
    ids.sort();
    assert_eq!(old_b.source_event_ids, ids);

    // Without the events in the file, the links cannot be resolved in a new store.
    let c = Memory::open(dir.path().join("c.db")).unwrap();
    let report = import(&c, &export(&a, &ExportOptions::default())).unwrap();
    assert_eq!(report.unresolved_references, 2);
}

/// The `sources` of the observation records of an export, by title.
fn sources_by_title(lines: &[String]) -> Vec<(String, Vec<serde_json::Value>)> {
    records(lines)
        .iter()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["type"] == "observation").then(|| {
                (
                    v["title"].as_str().unwrap().to_owned(),
                    v["sources"].as_array().unwrap().clone(),
                )
            })
        })
        .collect()
}

/// Exported without its events, an observation's provenance used to shrink on import to the
/// one source in the file (its prompt). The references to the others are kept: the store that
/// imported them exports them again, and an import that brings the events links them.
#[test]
fn provenance_survives_an_export_without_events() {
    let dir = tempfile::tempdir().unwrap();
    let a = Memory::open(dir.path().join("a.db")).unwrap();
    a.start_session(NewSession::new("s", "p", "agent")).unwrap();
    let prompt = a
        .record_event(NewEvent::new(
            "s",
            EventPayload::UserPrompt {
                text: "make the build faster".into(),
            },
        ))
        .unwrap();
    let mut ids = vec![prompt.id];
    for (n, key) in [(1, Some("toolu_1")), (2, None)] {
        let e = a
            .record_event(NewEvent {
                external_id: key.map(str::to_owned),
                ..NewEvent::new(
                    "s",
                    EventPayload::ToolUse {
                        tool_name: "Bash".into(),
                        input: serde_json::json!({"command": format!("cargo build -j{n}")}),
                        output: Some("ok".into()),
                        error: None,
                        tool_use_id: None,
                    },
                )
            })
            .unwrap();
        ids.push(e.id);
    }
    a.add_observation(NewObservation {
        session_id: Some("s".into()),
        title: "Parallel builds halve the build time".into(),
        source_event_ids: ids.clone(),
        ..NewObservation::default()
    })
    .unwrap();
    let without = export(&a, &ExportOptions::default());
    let expected = sources_by_title(&without);
    assert_eq!(expected[0].1.len(), 3);

    let b = Memory::open(dir.path().join("b.db")).unwrap();
    let report = import(&b, &without).unwrap();
    assert_eq!(report.unresolved_references, 2);
    // Only the prompt is in b; the other two are kept as references...
    assert_eq!(
        b.recent(&Scope::All, 10).unwrap()[0].source_event_ids.len(),
        1
    );
    // ...so b exports the same provenance a did.
    let again = export(&b, &ExportOptions::default());
    assert_eq!(sources_by_title(&again), expected);
    assert_eq!(records(&again), records(&without));

    // The events arrive later (an export with them): the links are made.
    let report = import(&b, &export(&a, &everything())).unwrap();
    assert_eq!(report.added.observations, 0);
    assert_eq!(report.added.events, 2);
    let obs = &b.recent(&Scope::All, 10).unwrap()[0];
    assert_eq!(obs.source_event_ids.len(), 3);
    assert_eq!(
        sources_by_title(&export(&b, &ExportOptions::default())),
        expected
    );
}

#[test]
fn a_newer_format_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let input = r#"{"format":"memcore-export","format_version":3,"schema_version":7,"exported_at":"2027-01-01T00:00:00Z","shape":"new"}
{"type":"hologram","name":"x"}"#;
    let err = mem.import_jsonl(input.as_bytes()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("format version 3"), "{message}");
    assert!(message.contains("upgrade memcore"), "{message}");

    for (input, expected) in [
        ("", "empty"),
        ("not json\n", "line 1"),
        (
            r#"{"format":"something-else","format_version":1}"#,
            "not a memcore export",
        ),
    ] {
        let message = mem.import_jsonl(input.as_bytes()).unwrap_err().to_string();
        assert!(message.contains(expected), "{input:?}: {message}");
    }
}

#[test]
fn a_bad_record_names_its_line_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let source = Memory::open(dir.path().join("a.db")).unwrap();
    sample(&source);
    let good = export(&source, &everything());
    let target = Memory::open(dir.path().join("b.db")).unwrap();

    let cases: Vec<(Vec<String>, usize, &str)> = vec![
        // Malformed JSON on line 5.
        (
            splice(&good, 4, "{\"type\": \"observation\", "),
            5,
            "not JSON",
        ),
        // A record of an unknown type.
        (splice(&good, 3, r#"{"type":"hologram"}"#), 4, "hologram"),
        // A field of the wrong type.
        (
            splice(
                &good,
                6,
                r#"{"type":"observation","project":"p","kind":"bugfix","title":7,"created_at":"2025-01-01T00:00:00Z"}"#,
            ),
            7,
            "observation",
        ),
        // An observation whose title is empty: well-formed, but cannot be applied. It sorts
        // after everything else of its phase, so the store would have been half-written.
        (
            append(
                &good,
                r#"{"type":"observation","project":"p","kind":"bugfix","title":"  ","created_at":"2025-01-01T00:00:00Z"}"#,
            ),
            good.len() + 1,
            "title",
        ),
        // A summary of a session that is nowhere.
        (
            append(
                &good,
                r#"{"type":"summary","session_id":"ghost","created_at":"2025-01-01T00:00:00Z"}"#,
            ),
            good.len() + 1,
            "ghost",
        ),
    ];
    for (lines, line, detail) in cases {
        let message = import(&target, &lines).unwrap_err().to_string();
        assert!(message.contains(&format!("line {line}")), "{message}");
        assert!(message.contains(detail), "{message}");
        let stats = target.stats(&Scope::All).unwrap();
        assert_eq!(
            (stats.sessions, stats.observations, stats.events),
            (0, 0, 0)
        );
        assert!(target.projects().unwrap().is_empty());
    }
}

/// An export ends with a record of its counts: a file cut at a line boundary, or one whose
/// counts disagree, imports with a warning (it used to import as if complete, silently); a
/// whole file imports with none; a format-1 file (no end record) still imports, with a warning.
#[test]
fn an_export_cut_short_imports_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let source = Memory::open(dir.path().join("a.db")).unwrap();
    sample(&source);
    let whole = export(&source, &everything());
    let last: serde_json::Value = serde_json::from_str(whole.last().unwrap()).unwrap();
    assert_eq!(last["type"], "end");
    assert_eq!(last["records"]["observations"], 3);

    let target = Memory::open(dir.path().join("b.db")).unwrap();
    let report = import(&target, &whole).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    // Cut before the summaries and the end record: what was read is imported, with a warning.
    let cut: Vec<String> = whole
        .iter()
        .take_while(|l| !l.contains("\"type\":\"summary\""))
        .cloned()
        .collect();
    let fresh = Memory::open(dir.path().join("c.db")).unwrap();
    let report = import(&fresh, &cut).unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("no end record"),
        "{:?}",
        report.warnings
    );
    assert!(
        report.warnings[0].contains("cut short"),
        "{:?}",
        report.warnings
    );

    // The end record kept but lines lost before it: the counts disagree, by type.
    let mut holed = whole.clone();
    let at = holed
        .iter()
        .position(|l| l.contains("\"type\":\"observation\""))
        .unwrap();
    holed.remove(at);
    let report = import(&Memory::open(dir.path().join("d.db")).unwrap(), &holed).unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("counts 3 observation record(s), the file has 2"),
        "{:?}",
        report.warnings
    );

    // A format-1 file has no end record: read as before, with a warning only.
    let mut old = vec![whole[0].replace("\"format_version\":2", "\"format_version\":1")];
    old.extend(whole[1..whole.len() - 1].iter().cloned());
    let report = import(&Memory::open(dir.path().join("e.db")).unwrap(), &old).unwrap();
    assert_eq!(report.added.observations, 3);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("format version 1"),
        "{:?}",
        report.warnings
    );
}

fn splice(lines: &[String], at: usize, line: &str) -> Vec<String> {
    let mut out = lines.to_vec();
    out.insert(at, line.to_owned());
    out
}

fn append(lines: &[String], line: &str) -> Vec<String> {
    splice(lines, lines.len(), line)
}

#[test]
fn imported_text_is_redacted_on_the_way_in() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let secret = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
    let input = [
        r#"{"format":"memcore-export","format_version":1,"schema_version":1,"exported_at":"2025-01-01T00:00:00Z"}"#.to_owned(),
        r#"{"type":"session","id":"s","project":"p","agent":"a","started_at":"2025-01-01T00:00:00Z","status":"ended"}"#.to_owned(),
        format!(r#"{{"type":"prompt","session_id":"s","text":"use {secret} <private>my diary</private>","occurred_at":"2025-01-01T00:00:00Z"}}"#),
        format!(r#"{{"type":"observation","project":"p","session_id":"s","kind":"change","title":"Key {secret}","created_at":"2025-01-01T00:00:00Z"}}"#),
    ];
    import(&mem, &input).unwrap();
    let dump = export(&mem, &everything()).join("\n");
    assert!(!dump.contains(secret), "{dump}");
    assert!(!dump.contains("my diary"), "{dump}");
    assert!(dump.contains("[REDACTED:anthropic-key]"), "{dump}");
}

#[test]
fn markdown_export_writes_one_readable_file_per_project() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    sample(&mem);
    mem.add_observation(NewObservation {
        project: Some("billing".into()),
        kind: Some(ObservationKind::Decision),
        title: "Invoices are immutable".into(),
        ..NewObservation::default()
    })
    .unwrap();
    let out = dir.path().join("md");
    let report = mem
        .export_markdown(&out, &ExportOptions::default())
        .unwrap();
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.observations, 4);
    assert_eq!(report.sessions, 3);
    let billing = std::fs::read_to_string(out.join("billing.md")).unwrap();
    assert!(billing.starts_with("# billing\n"), "{billing}");
    assert!(billing.contains("## Session s2"), "{billing}");
    assert!(
        billing.contains("**Request:** Fix the totals in billing"),
        "{billing}"
    );
    assert!(
        billing.contains("#### Coupon applied twice in billing (day 2)"),
        "{billing}"
    );
    assert!(
        billing.contains("- cart.rs subtracts the coupon once"),
        "{billing}"
    );
    assert!(
        billing.contains("Files modified: `src/cart.rs`"),
        "{billing}"
    );
    assert!(billing.contains("## Without a session"), "{billing}");
    let webshop = std::fs::read_to_string(out.join("webshop.md")).unwrap();
    let (s1, s3) = (
        webshop.find("## Session s1").unwrap(),
        webshop.find("## Session s3").unwrap(),
    );
    assert!(s1 < s3, "sessions are in order");
    assert!(!webshop.contains("billing"));
}

/// Runs in the child process: `record <db> <count>` records `count` events, one per
/// transaction, and prints `done`.
#[test]
fn child_entry_point() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let args: Vec<&str> = spec.split('|').collect();
    let mem = Memory::open(args[1]).unwrap();
    assert_eq!(args[0], "record");
    let count: usize = args[2].parse().unwrap();
    mem.start_session(NewSession::new("writer", "shared", "test"))
        .unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        mem.record_event(NewEvent {
            external_id: Some(format!("{i:05}")),
            ..NewEvent::new(
                "writer",
                EventPayload::Note {
                    text: format!("event {i} {}", "x".repeat(200)),
                },
            )
        })
        .unwrap();
        if i == 100 {
            use std::io::Write;
            writeln!(out, "started").unwrap();
            out.flush().unwrap();
        }
    }
}

fn event_keys(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT external_id FROM events ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .filter_map(|k| k.unwrap())
        .collect()
}

#[test]
fn a_backup_taken_while_another_process_records_10000_events_is_consistent() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mem = Memory::open(&path).unwrap();
    sample(&mem);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_entry_point",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("record|{}|10000", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the writer is under way.
    loop {
        let line = lines.next().expect("the writer exited early").unwrap();
        if line.ends_with("started") {
            break;
        }
    }

    // Back up repeatedly while the writer runs.
    let mut backups = Vec::new();
    loop {
        let dest = dir.path().join(format!("backup-{}.db", backups.len()));
        let report = mem.backup_to(&dest).unwrap();
        assert!(report.bytes > 0 && report.pages > 0);
        backups.push(dest);
        if child.try_wait().unwrap().is_some() || backups.len() == 20 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the writer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(event_keys(&path).len(), 10_000 + 3);

    let mut partial = 0;
    for backup in &backups {
        // One self-contained file: no write-ahead log beside it.
        assert!(!Path::new(&format!("{}-wal", backup.display())).exists());
        // A snapshot at one commit: the writer's events 0..n, each once, in order.
        let keys: Vec<String> = event_keys(backup)
            .into_iter()
            .filter(|k| k.len() == 5)
            .collect();
        let expected: Vec<String> = (0..keys.len()).map(|i| format!("{i:05}")).collect();
        assert_eq!(keys, expected, "{} is not a prefix", backup.display());
        if keys.len() < 10_000 {
            partial += 1;
        }
        let copy = Memory::open(backup).unwrap();
        assert_eq!(copy.integrity_check().unwrap(), ["ok"]);
        let stats = copy.stats(&Scope::All).unwrap();
        assert_eq!(stats.observations, 3);
        assert_eq!(stats.events as usize, keys.len() + 6);
    }
    assert!(partial > 0, "no backup ran while the writer was writing");
}

#[test]
fn a_backup_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    sample(&mem);
    let dest = dir.path().join("copy.db");
    std::fs::write(&dest, "precious").unwrap();
    assert!(matches!(
        mem.backup_to(&dest),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "precious");
    assert!(matches!(
        mem.backup_to(mem.path()),
        Err(Error::InvalidInput { .. })
    ));
    // Nothing else was left in the directory.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("m.db"))
        .collect();
    assert_eq!(names, ["copy.db"]);

    // Restore: a backup opens as a store with everything in it.
    let backup = dir.path().join("nested/dir/backup.db");
    mem.backup_to(&backup).unwrap();
    let restored = Memory::open(&backup).unwrap();
    assert_eq!(
        export(&restored, &everything())[1..],
        export(&mem, &everything())[1..]
    );
}

/// The seed inputs of the `import_jsonl` fuzz target are valid exports (so the fuzzer starts
/// from records that get applied, not from lines it must first learn to write).
#[test]
fn the_fuzz_seeds_are_valid_exports() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/import_jsonl");
    let mut seen = 0;
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        let dir = tempfile::tempdir().unwrap();
        let mem = Memory::open(dir.path().join("m.db")).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let first = mem
            .import_jsonl(bytes.as_slice())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(first.added.observations > 0, "{}", path.display());
        let again = mem.import_jsonl(bytes.as_slice()).unwrap();
        assert_eq!(again.added, RecordCounts::default());
        seen += 1;
    }
    assert!(seen >= 2);
}

/// One writer per table family: the SQL that inserts a table's rows is in that table's store
/// module alone, used by recording and by import alike (import used to carry its own INSERTs
/// for projects, sessions, events, summaries and ledger rows, beside the live ones).
#[test]
fn each_table_has_one_writer_in_its_own_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for (table, owner) in [
        ("projects", "store/sessions.rs"),
        ("sessions", "store/sessions.rs"),
        ("events", "store/events.rs"),
        ("summaries", "store/summaries.rs"),
        ("summaries_fts", "store/summaries.rs"),
        ("observations", "store/observations.rs"),
        ("observation_sources", "store/observations.rs"),
        ("extraction_ledger", "store/extraction.rs"),
    ] {
        let needle = format!("INSERT INTO {table} ");
        let needle_or_ignore = format!("INSERT OR IGNORE INTO {table} ");
        let mut writers = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file)
                .unwrap()
                .replace(['\n', '('], " ");
            let n = text.matches(&needle).count() + text.matches(&needle_or_ignore).count();
            if n > 0 && !file.ends_with("store/schema.rs") {
                let name = file
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                writers.push((name, n));
            }
        }
        assert_eq!(writers, vec![(owner.to_owned(), 1)], "writers of {table}");
    }
}

/// The one session writer: recording reopens a session the host resumes; import keeps a
/// stored session as it is.
#[test]
fn recording_reopens_a_session_and_import_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = Memory::open(dir.path().join("a.db")).unwrap();
    a.start_session(NewSession::new("s", "p", "agent")).unwrap();
    let active = export(&a, &ExportOptions::default());

    let b = Memory::open(dir.path().join("b.db")).unwrap();
    b.start_session(NewSession::new("s", "p", "agent")).unwrap();
    b.end_session("s").unwrap();
    let report = import(&b, &active).unwrap();
    assert_eq!(report.skipped.sessions, 1);
    let s = b.session("s").unwrap().unwrap();
    assert_eq!(s.status, memcore::SessionStatus::Ended);
    assert!(s.ended_at.is_some());

    let reopened = b.start_session(NewSession::new("s", "p", "agent")).unwrap();
    assert_eq!(reopened.status, memcore::SessionStatus::Active);
    assert_eq!(reopened.ended_at, None);
    assert_eq!(reopened.started_at, s.started_at);
}
