//! The two documents that describe the records for people, generated from the records
//! themselves: the Node package's record types (`bindings/node/records.d.ts`, which
//! `index.d.ts` re-exports) and the field lists of the JSON documentation on
//! `MEMCORE_JSON_VERSION` in `strings.rs` (the C header's documentation, through cbindgen).
//!
//! The source is each record's `ts_rs::TS` derive (tests only: `cfg_attr(test, ...)` in
//! `records/`), which reads the serde attributes (renames, tags, flatten, defaults) and the
//! `///` comments; its `ts(...)` attributes say what the Node package hands out and accepts
//! (camelCase keys, `Timestamp` in, `string` out, `field?:` for inputs with a default). The
//! declarations are parsed back into fields and written twice: as TypeScript, and in the C
//! documentation as JSON keys (`snake_case`) with their types, meanings and, for what a host
//! passes in, whether they may be omitted (the record deserializes without them and the Node
//! type does not require them) or null (the record deserializes with null).
//!
//! One more test keeps the generation honest: ts-rs's reading of the serde attributes must
//! give exactly the keys serde writes, record by record (a populated value of each).
//!
//! `MEMCORE_UPDATE_DOCS=1 cargo test -p memcore-ffi docs_check` rewrites both files; without
//! the variable the same tests fail when a committed file differs from its generation
//! (`scripts/test-c.sh --update` also regenerates `include/memcore.h` from the result).

use crate::records::*;
use memcore::extract as core;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use ts_rs::{Config, TS};

/// The command that regenerates both documents (and, with cbindgen, the header).
const UPDATE: &str = "MEMCORE_UPDATE_DOCS=1 cargo test -p memcore-ffi docs_check \
                      (or scripts/test-c.sh --update, which also regenerates include/memcore.h)";
/// The lines between which `strings.rs` holds the generated field lists.
const BEGIN: &str = "/// <!-- records: generated from memcore-ffi/src/records; do not edit -->";
const END: &str = "/// <!-- end of records -->";
/// The width both documents are wrapped to.
const WIDTH: usize = 100;

/// One record as the documents describe it.
struct Record {
    /// The TypeScript name (`MemoryEvent` for `Event`).
    name: String,
    /// The declaration ts-rs derives (`type Name = ...;`).
    decl: String,
    /// The type's own doc comment, as lines.
    docs: Vec<String>,
    /// Its label in the C documentation (`"observation out"`); `None` where it is no part of
    /// a C document (an out-argument).
    label: Option<&'static str>,
    /// The JSON of a fully populated value (every optional field set); `None` for an enum.
    sample: Option<serde_json::Value>,
    /// For a record a host passes in: whether a JSON object makes one.
    reads: Option<fn(serde_json::Value) -> bool>,
}

fn reads<T: DeserializeOwned>(value: serde_json::Value) -> bool {
    serde_json::from_value::<T>(value).is_ok()
}

fn config() -> Config {
    // Ids, counts and sizes are JavaScript numbers in the Node package.
    Config::new().with_large_int("number")
}

fn record<T: TS + 'static>(
    label: Option<&'static str>,
    sample: Option<serde_json::Value>,
    reads: Option<fn(serde_json::Value) -> bool>,
) -> Record {
    let cfg = config();
    Record {
        name: T::name(&cfg),
        decl: T::decl(&cfg),
        docs: T::docs().map(|d| doc_lines(&d)).unwrap_or_default(),
        label,
        sample,
        reads,
    }
}

/// An output record: serialized only.
fn out<T: TS + serde::Serialize + 'static>(label: Option<&'static str>, value: &T) -> Record {
    let json = serde_json::to_value(value).expect("a record serializes");
    record::<T>(label, Some(json), None)
}

/// A record a host passes in (and may get back).
fn input<T: TS + serde::Serialize + DeserializeOwned + 'static>(
    label: &'static str,
    value: &T,
) -> Record {
    let json = serde_json::to_value(value).expect("a record serializes");
    record::<T>(Some(label), Some(json), Some(reads::<T>))
}

/// A string enum (written inline where it is used in the C documentation).
fn choice<T: TS + 'static>() -> Record {
    record::<T>(None, None, None)
}

/// Every record, fully populated, in the order of the documents.
fn records() -> Vec<Record> {
    use crate::records::{
        extraction_tests as ex, portable_tests as pt, recall_tests as rt, session_tests as st,
        stats_tests as stt, summary_tests as sut,
    };
    let t = SystemTime::UNIX_EPOCH;
    let observation = Observation::from(samples::observation());
    let event = Event::from(samples::event());
    let tool_use = event.payload.clone();
    vec![
        input(
            "session in (`memcore_session_start`)",
            &NewSession {
                id: "s".into(),
                project: "p".into(),
                agent: "a".into(),
                started_at: Some(t),
            },
        ),
        choice::<SessionStatus>(),
        out(Some("session out"), &Session::from(st::core_session())),
        input("event payload (in events in and out)", &tool_use),
        input(
            "event in (`memcore_event_record`)",
            &NewEvent {
                session_id: "s".into(),
                payload: tool_use.clone(),
                external_id: Some("x".into()),
                occurred_at: Some(t),
            },
        ),
        choice::<EventStatus>(),
        out(Some("event out"), &event),
        out(
            None,
            &Recorded {
                id: 1,
                inserted: true,
            },
        ),
        input(
            "observation in (`memcore_observation_add`)",
            &NewObservation {
                title: "t".into(),
                project: Some("p".into()),
                session_id: Some("s".into()),
                kind: Some("decision".into()),
                importance: Some(0.5),
                supersedes: Some(1),
                created_at: Some(t),
                ..NewObservation::default()
            },
        ),
        out(Some("observation out"), &observation),
        out(
            None,
            &Added {
                id: 1,
                duplicate: false,
            },
        ),
        input("summary in (`memcore_summary_add`)", &NewSummary::default()),
        out(Some("summary out"), &Summary::from(sut::core_summary())),
        choice::<RequestPurpose>(),
        choice::<OutputFormat>(),
        input(
            "extraction request out / in",
            &ExtractionRequest::from(ex::core_request()),
        ),
        input(
            "usage in",
            &Usage {
                model: "m".into(),
                prompt_tokens: Some(1),
                completion_tokens: Some(2),
            },
        ),
        out(
            Some("parse issue out (in reports)"),
            &ParseIssue::from(ex::core_issue()),
        ),
        out(
            Some("completion report out"),
            &CompletionReport::from(ex::core_completion()),
        ),
        out(
            Some("failure report out"),
            &FailureReport::from(core::FailureReport {
                events_failed: 1,
                events_pending: 2,
            }),
        ),
        out(
            Some("extraction run out"),
            &ExtractionRun::from(ex::core_run()),
        ),
        out(
            Some("ledger entry out"),
            &LedgerEntry::from(ex::core_ledger()),
        ),
        out(
            Some("score parts out"),
            &ScoreParts::from(rt::core_hit().parts),
        ),
        out(Some("search hit out"), &SearchHit::from(rt::core_hit())),
        out(Some("context out"), &Context::from(rt::core_context())),
        out(
            Some("timeline item (in timeline entries)"),
            &TimelineItem::Observation {
                observation: observation.clone(),
            },
        ),
        out(
            Some("timeline entry out"),
            &TimelineEntry {
                at: t,
                item: TimelineItem::Observation { observation },
            },
        ),
        out(Some("timeline out"), &Timeline::from(rt::core_timeline())),
        out(Some("stats out"), &Stats::from(stt::core_stats())),
        input(
            "export options in",
            &ExportOptions {
                project: Some("p".into()),
                since: Some(t),
                until: Some(t),
                include_events: true,
            },
        ),
        out(
            Some("record counts out (in reports)"),
            &RecordCounts::from(pt::counts()),
        ),
        out(
            Some("export report out"),
            &ExportReport::from(memcore::ExportReport {
                records: pt::counts(),
                bytes: 1,
            }),
        ),
        out(
            Some("import report out"),
            &ImportReport::from(pt::core_import()),
        ),
        out(
            Some("backup report out"),
            &BackupReport {
                path: "b.db".into(),
                bytes: 1,
                pages: 1,
            },
        ),
        input(
            "retention policy in",
            &RetentionPolicy {
                max_age_days: Some(1),
                max_observations_per_project: Some(2),
                max_file_bytes: Some(3),
            },
        ),
        choice::<PruneReason>(),
        out(
            Some("pruned observation out (in prune reports)"),
            &PrunedObservation::from(pt::core_prune().observations.remove(0)),
        ),
        out(
            Some("prune report out"),
            &PruneReport::from(pt::core_prune()),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Reading ts-rs's declarations

/// A field of an object type.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    docs: Vec<String>,
    name: String,
    optional: bool,
    ty: String,
}

/// One alternative of a type: an object (with, for a flattened record, the record's name), or
/// any other type, as text.
#[derive(Debug, Clone, PartialEq)]
enum Alt {
    Object(Vec<Field>),
    /// `{ type: 'observation' } & Observation`: a tag and a record flattened into it.
    Tagged(Vec<Field>, String),
    Other(String),
}

/// A parsed declaration: its alternatives (one for a struct).
#[derive(Debug, Clone, PartialEq)]
struct Decl {
    name: String,
    alts: Vec<Alt>,
}

/// Splits `text` at `sep` where it is outside brackets, strings and comments.
fn split_top(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek().map(|&(_, d)| d) == Some('*') => {
                let rest = &text[i..];
                let end = rest.find("*/").map_or(text.len(), |e| i + e + 2);
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            '{' | '[' | '(' | '<' => depth += 1,
            '}' | ']' | ')' | '>' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The lines of a `/** ... */` comment, without the comment's marks.
fn doc_lines(comment: &str) -> Vec<String> {
    let inner = comment
        .trim()
        .trim_start_matches("/**")
        .trim_end_matches("*/");
    let lines: Vec<String> = inner
        .lines()
        .map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix('*').unwrap_or(line);
            line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned()
        })
        .collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b]
            .iter()
            // Rust's intra-doc links read as plain code elsewhere.
            .map(|l| l.replace("[`", "`").replace("`]", "`"))
            .collect(),
        _ => Vec::new(),
    }
}

fn parse_field(piece: &str) -> Option<Field> {
    let mut rest = piece.trim();
    let mut docs = Vec::new();
    if rest.starts_with("/**") {
        let end = rest.find("*/")? + 2;
        docs = doc_lines(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    let (name, after) = if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"')?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    let after = after.trim_start();
    let (optional, after) = match after.strip_prefix('?') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let ty = after.trim_start().strip_prefix(':')?.trim();
    (!name.is_empty() && !ty.is_empty()).then(|| Field {
        docs,
        name: name.to_owned(),
        optional,
        ty: ty.to_owned(),
    })
}

fn parse_object(text: &str) -> Option<Vec<Field>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    split_top(inner, ',')
        .into_iter()
        .filter(|piece| !piece.trim().is_empty())
        .map(parse_field)
        .collect()
}

/// Parses `type Name = ...;` as ts-rs writes it.
fn parse_decl(decl: &str) -> Option<Decl> {
    let body = decl.trim().strip_prefix("type ")?.strip_suffix(';')?;
    let (name, body) = body.split_once(" = ")?;
    let alts = split_top(body, '|')
        .into_iter()
        .map(|alt| {
            let alt = alt.trim();
            if alt.starts_with('{') {
                parse_object(alt).map(Alt::Object)
            } else {
                Some(Alt::Other(alt.to_owned()))
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Decl {
        name: name.trim().to_owned(),
        alts,
    })
}

/// Fields without their docs, for comparing shapes.
fn shape(fields: &[Field]) -> Vec<(&str, bool, &str)> {
    fields
        .iter()
        .map(|f| (f.name.as_str(), f.optional, f.ty.as_str()))
        .collect()
}

/// Every declaration, with each alternative that is a tag plus the fields of another record
/// (a flattened record, as in a timeline item) written as that record.
fn declarations(records: &[Record]) -> Vec<Decl> {
    let parsed: Vec<Decl> = records
        .iter()
        .map(|r| {
            parse_decl(&r.decl)
                .unwrap_or_else(|| panic!("cannot read ts-rs's declaration of {}", r.name))
        })
        .collect();
    let objects: Vec<(String, Vec<Field>)> = parsed
        .iter()
        .filter_map(|d| match d.alts.as_slice() {
            [Alt::Object(fields)] => Some((d.name.clone(), fields.clone())),
            _ => None,
        })
        .collect();
    parsed
        .into_iter()
        .map(|mut decl| {
            if decl.alts.len() > 1 {
                for alt in &mut decl.alts {
                    let Alt::Object(fields) = alt else { continue };
                    let tags = fields.iter().take_while(|f| f.ty.starts_with('"')).count();
                    if tags == 0 || tags == fields.len() {
                        continue;
                    }
                    let rest = shape(&fields[tags..]);
                    if let Some((name, _)) = objects.iter().find(|(_, f)| shape(f) == rest) {
                        *alt = Alt::Tagged(fields[..tags].to_vec(), name.clone());
                    }
                }
            }
            decl
        })
        .collect()
}

/// `camelCase` as `snake_case`: the JSON key of a TypeScript field.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Words of `lines` joined and wrapped to `width` after `first` (the first line's prefix) and
/// `rest` (the other lines').
fn wrap(lines: &[String], first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_owned();
    // Whether the line holds only its prefix (which a space separates from the first word).
    let mut empty = true;
    for word in lines.iter().flat_map(|l| l.split_whitespace()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut line, rest.to_owned()));
            empty = true;
        }
        if !empty || !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push(line);
    out
}

// ---------------------------------------------------------------------------------------------
// TypeScript

/// A ts-rs type as the rest of `index.d.ts` writes types: `T[]`, single quotes.
fn ts_type(ty: &str) -> String {
    let parts: Vec<String> = split_top(ty, '|')
        .into_iter()
        .map(|part| {
            let part = part.trim();
            if let Some(inner) = part
                .strip_prefix("Array<")
                .and_then(|p| p.strip_suffix('>'))
            {
                let inner = ts_type(inner);
                if inner.chars().all(|c| c.is_ascii_alphanumeric()) {
                    format!("{inner}[]")
                } else {
                    format!("({inner})[]")
                }
            } else if let Some(text) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                format!("'{text}'")
            } else {
                part.to_owned()
            }
        })
        .collect();
    parts.join(" | ")
}

fn ts_docs(docs: &[String], indent: &str, out: &mut Vec<String>) {
    if docs.is_empty() {
        return;
    }
    let single = format!("{indent}/** {} */", docs.join(" "));
    if docs.len() == 1 && single.chars().count() <= WIDTH {
        out.push(single);
        return;
    }
    out.push(format!("{indent}/**"));
    out.extend(wrap(
        docs,
        &format!("{indent} *"),
        &format!("{indent} *"),
        WIDTH,
    ));
    out.push(format!("{indent} */"));
}

fn ts_fields(fields: &[Field], indent: &str, out: &mut Vec<String>) {
    for field in fields {
        ts_docs(&field.docs, indent, out);
        let optional = if field.optional { "?" } else { "" };
        out.push(format!(
            "{indent}{}{optional}: {};",
            field.name,
            ts_type(&field.ty)
        ));
    }
}

fn ts_inline_tags(tags: &[Field]) -> String {
    let tags: Vec<String> = tags
        .iter()
        .map(|t| format!("{}: {}", t.name, ts_type(&t.ty)))
        .collect();
    format!("{{ {} }}", tags.join("; "))
}

fn typescript(records: &[Record], decls: &[Decl]) -> String {
    let mut out = vec![
        format!(
            "// Generated by `{}` from memcore-ffi/src/records/: do not edit.",
            UPDATE.split(" (").next().unwrap_or(UPDATE)
        ),
        "// SPDX-License-Identifier: Apache-2.0 OR MIT".to_owned(),
        "//".to_owned(),
        "// The records the Node package hands out and accepts, as `index.js` converts the C"
            .to_owned(),
        "// library's JSON: camelCase keys, numbers for ids and counts, RFC 3339 strings for"
            .to_owned(),
        "// timestamps going out (a `Timestamp` going in). `index.d.ts` re-exports them."
            .to_owned(),
        String::new(),
        "import type { ObservationKind, Timestamp } from './index.js';".to_owned(),
    ];
    for (record, decl) in records.iter().zip(decls) {
        out.push(String::new());
        ts_docs(&record.docs, "", &mut out);
        match decl.alts.as_slice() {
            [Alt::Object(fields)] => {
                out.push(format!("export interface {} {{", decl.name));
                ts_fields(fields, "  ", &mut out);
                out.push("}".to_owned());
            }
            alts if alts.iter().all(|a| matches!(a, Alt::Other(_))) => {
                let text: Vec<String> = alts
                    .iter()
                    .filter_map(|a| match a {
                        Alt::Other(t) => Some(ts_type(t)),
                        _ => None,
                    })
                    .collect();
                out.push(format!("export type {} = {};", decl.name, text.join(" | ")));
            }
            alts => {
                out.push(format!("export type {} =", decl.name));
                for alt in alts {
                    match alt {
                        Alt::Object(fields) => {
                            out.push("  | {".to_owned());
                            ts_fields(fields, "      ", &mut out);
                            out.push("    }".to_owned());
                        }
                        Alt::Tagged(tags, name) => {
                            out.push(format!("  | ({} & {name})", ts_inline_tags(tags)));
                        }
                        Alt::Other(text) => out.push(format!("  | {}", ts_type(text))),
                    }
                }
                if let Some(last) = out.last_mut() {
                    last.push(';');
                }
            }
        }
    }
    out.push(String::new());
    out.join("\n")
}

// ---------------------------------------------------------------------------------------------
// The C documentation

/// A TypeScript type in the words of the JSON documentation.
fn c_type(ty: &str, records: &[Record], decls: &[Decl]) -> String {
    let parts: Vec<String> = split_top(ty, '|')
        .into_iter()
        .map(|part| {
            let part = part.trim();
            if let Some(inner) = part
                .strip_prefix("Array<")
                .and_then(|p| p.strip_suffix('>'))
            {
                return format!("[{}]", c_type(inner, records, decls));
            }
            if let Some(inner) = part
                .strip_prefix("Record<string, ")
                .and_then(|p| p.strip_suffix('>'))
            {
                return format!("{{string: {}}}", c_type(inner, records, decls));
            }
            match part {
                "string" | "number" | "boolean" | "null" => part.to_owned(),
                "ObservationKind" => "string".to_owned(),
                "Timestamp" => "timestamp".to_owned(),
                "unknown" => "any JSON".to_owned(),
                literal if literal.starts_with('"') => literal.to_owned(),
                name => match records.iter().zip(decls).find(|(r, _)| r.name == name) {
                    Some((record, decl)) => match (record.label, decl.alts.as_slice()) {
                        (Some(label), _) => {
                            let label = label.split(" (").next().unwrap_or(label);
                            format!("{{{label}}}")
                        }
                        (None, alts) => alts
                            .iter()
                            .filter_map(|a| match a {
                                Alt::Other(text) => Some(text.clone()),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join("|"),
                    },
                    None => panic!("{ty}: the JSON documentation has no word for `{name}`"),
                },
            }
        })
        .collect();
    if parts.iter().all(|p| p.starts_with('"')) {
        parts.join("|")
    } else {
        parts.join(" or ")
    }
}

/// A field's bullet, nested `depth` levels below its record's. `omit`: the key may be left
/// out; `null`: null is accepted (for a record passed in; a record given out says so in its
/// type).
struct CField<'a> {
    key: &'a str,
    omit: bool,
    null: bool,
    depth: usize,
}

fn c_field(field: &Field, c: CField<'_>, records: &[Record], decls: &[Decl]) -> Vec<String> {
    let CField {
        key,
        omit,
        null,
        depth,
    } = c;
    let mut ty = c_type(&field.ty, records, decls);
    if null && !ty.ends_with(" or null") {
        ty.push_str(" or null");
    }
    let optional = if omit { "?" } else { "" };
    let mut words = vec![format!("`\"{key}\"`{optional} ({ty}):")];
    words.extend(field.docs.iter().cloned());
    let indent = "  ".repeat(depth);
    wrap(
        &words,
        &format!("///   {indent}-"),
        &format!("///    {indent}"),
        WIDTH,
    )
}

/// The generated part of the JSON documentation.
fn c_documentation(records: &[Record], decls: &[Decl]) -> Vec<String> {
    let mut out = Vec::new();
    for (record, decl) in records.iter().zip(decls) {
        let Some(label) = record.label else { continue };
        let mut head = vec![format!("{label}:")];
        head.extend(record.docs.iter().cloned());
        out.extend(wrap(&head, "/// -", "///  ", WIDTH));
        let fields = |fields: &[Field], depth: usize, out: &mut Vec<String>| {
            for field in fields {
                let key = snake(&field.name);
                let (omit, null) = match (record.reads, &record.sample, decl.alts.len()) {
                    (Some(reads), Some(serde_json::Value::Object(sample)), 1) => {
                        let mut without = sample.clone();
                        without.remove(&key);
                        let mut with_null = sample.clone();
                        with_null.insert(key.clone(), serde_json::Value::Null);
                        // Omitted only where both doors agree: serde's default applies, and
                        // the Node type does not require the field either (a title is
                        // deserialized as empty when absent, and then refused).
                        (
                            field.optional && reads(serde_json::Value::Object(without)),
                            reads(serde_json::Value::Object(with_null)),
                        )
                    }
                    // A union's alternatives and what is given out: as declared.
                    _ => (field.optional, false),
                };
                let c = CField {
                    key: &key,
                    omit,
                    null,
                    depth,
                };
                out.extend(c_field(field, c, records, decls));
            }
        };
        match decl.alts.as_slice() {
            [Alt::Object(list)] => fields(list, 0, &mut out),
            alts => {
                for alt in alts {
                    match alt {
                        Alt::Object(list) => {
                            let tags = list.iter().take_while(|f| f.ty.starts_with('"')).count();
                            let tag: Vec<String> = list[..tags]
                                .iter()
                                .map(|t| format!("\"{}\": {}", t.name, t.ty))
                                .collect();
                            out.push(format!("///   - with `{}`:", tag.join(", ")));
                            fields(&list[tags..], 1, &mut out);
                        }
                        Alt::Tagged(list, name) => {
                            let tag: Vec<String> = list
                                .iter()
                                .map(|t| format!("\"{}\": {}", t.name, t.ty))
                                .collect();
                            out.push(format!(
                                "///   - with `{}`: the fields of {}",
                                tag.join(", "),
                                c_type(name, records, decls)
                            ));
                        }
                        Alt::Other(text) => out.push(format!("///   - {text}")),
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Files

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// Compares `path` with its generation, or with `MEMCORE_UPDATE_DOCS=1` rewrites it.
fn check_or_update(relative: &str, fresh: &str) {
    let path = repo_path(relative);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == fresh {
        return;
    }
    if std::env::var_os("MEMCORE_UPDATE_DOCS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, fresh).unwrap_or_else(|e| panic!("cannot write {relative}: {e}"));
        eprintln!("updated {relative}");
        return;
    }
    let line = committed
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
    panic!(
        "{relative} differs from its generation from the records (first at line {}); \
         regenerate it with:\n  {UPDATE}",
        line + 1
    );
}

/// `strings.rs` with the lines between the markers replaced by `generated`.
fn with_generated(source: &str, generated: &[String]) -> String {
    let begin = source
        .find(BEGIN)
        .expect("strings.rs has the line that opens the generated records");
    let end = source
        .find(END)
        .expect("strings.rs has the line that closes the generated records");
    assert!(
        begin < end,
        "strings.rs: the record markers are out of order"
    );
    let mut out = String::with_capacity(source.len());
    out.push_str(&source[..begin + BEGIN.len()]);
    out.push('\n');
    for line in generated {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&source[end..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn every_key_of_the_json_is_a_field_of_its_declaration() {
    // ts-rs reads the serde attributes; this checks that its reading matches what serde
    // writes, record by record, so that neither document can describe a key that is not there
    // or miss one that is.
    let records = records();
    let decls = declarations(&records);
    let mut problems = Vec::new();
    for (record, decl) in records.iter().zip(&decls) {
        let Some(serde_json::Value::Object(sample)) = &record.sample else {
            continue;
        };
        let live: BTreeSet<String> = sample.keys().cloned().collect();
        let declared: BTreeSet<String> = match decl.alts.as_slice() {
            [Alt::Object(fields)] => fields.iter().map(|f| snake(&f.name)).collect(),
            alts => {
                // A tagged union: the sample is one alternative, with its tag.
                let tag = sample.get("type").map(ToString::to_string);
                alts.iter()
                    .find_map(|alt| match alt {
                        Alt::Object(fields) if fields.first().map(|f| &f.ty) == tag.as_ref() => {
                            Some(fields.iter().map(|f| snake(&f.name)).collect())
                        }
                        Alt::Tagged(tags, name) if tags.first().map(|f| &f.ty) == tag.as_ref() => {
                            let inner = decls.iter().find(|d| &d.name == name)?;
                            let [Alt::Object(fields)] = inner.alts.as_slice() else {
                                return None;
                            };
                            Some(tags.iter().chain(fields).map(|f| snake(&f.name)).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default()
            }
        };
        for key in live.difference(&declared) {
            problems.push(format!(
                "{}: the JSON has `{key}`, the declaration lacks it",
                record.name
            ));
        }
        for key in declared.difference(&live) {
            problems.push(format!(
                "{}: the declaration has `{key}`, the JSON lacks it",
                record.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_node_record_types_are_generated() {
    let records = records();
    let decls = declarations(&records);
    check_or_update("bindings/node/records.d.ts", &typescript(&records, &decls));
}

#[test]
fn the_json_documentation_is_generated() {
    let records = records();
    let decls = declarations(&records);
    let path = repo_path("memcore-ffi/src/strings.rs");
    let source = std::fs::read_to_string(&path).expect("strings.rs is readable");
    check_or_update(
        "memcore-ffi/src/strings.rs",
        &with_generated(&source, &c_documentation(&records, &decls)),
    );
}

#[test]
fn the_reader_sees_fields_unions_and_docs() {
    // The parser itself: a generator that read nothing would write nothing, and pass.
    let decl = parse_decl(
        "type A = { \n/**\n * One, two {x}.\n */\nkeyName?: Array<string>, \
         \"type\": \"a\", m: Record<string, number>, };",
    )
    .expect("parses");
    assert_eq!(decl.name, "A");
    let [Alt::Object(fields)] = decl.alts.as_slice() else {
        panic!("one object: {decl:?}");
    };
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0].docs, ["One, two {x}."]);
    assert_eq!(
        (fields[0].name.as_str(), fields[0].optional),
        ("keyName", true)
    );
    assert_eq!(fields[1].name, "type");
    assert_eq!(fields[2].ty, "Record<string, number>");
    let union = parse_decl("type U = \"a\" | \"b\";").expect("parses");
    assert_eq!(union.alts.len(), 2);
    assert_eq!(snake("observationsByKind"), "observations_by_kind");
    assert_eq!(ts_type("Array<number> | null"), "number[] | null");
    let words = ["a".repeat(60), "b".repeat(60)].map(String::from);
    let wrapped = wrap(&words, "-", " ", 100);
    assert_eq!(
        wrapped,
        [format!("- {}", words[0]), format!("  {}", words[1])]
    );
    let source = format!("x\n{BEGIN}\nold\n{END}\ny");
    assert_eq!(
        with_generated(&source, &["new".to_owned()]),
        format!("x\n{BEGIN}\nnew\n{END}\ny")
    );
}
