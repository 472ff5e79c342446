//! The JSONL export's format is a promise to every file already written: these tests pin it.
//!
//! - `an_export_is_byte_for_byte_the_golden_file`: a store built from a fixed input (an import
//!   of `fixtures/export-golden-input.jsonl`, then observations added through the API) exports
//!   exactly `fixtures/export-golden-all.jsonl` (every record, with events) and
//!   `fixtures/export-golden-billing.jsonl` (one project, no events), header time aside. The
//!   golden files were written by the code before the export's observation record was derived
//!   from [`memcore::Observation`]. The format changes only on purpose: a field added to
//!   `Observation` adds its key to the observation lines (and nothing else), any other
//!   change of shape is a new format version. To write the files again after such a change,
//!   and review their diff:
//!
//!   ```sh
//!   MEMCORE_BLESS_GOLDEN=1 cargo test -p memcore --test export_format
//!   ```
//!
//! - `a_format_1_file_imports_as_it_always_did`: the fuzz seed `full.jsonl` (format 1) gives
//!   the same import report and the same store (`fixtures/export-golden-v1-import.jsonl`: the
//!   report, then the store's export).
//!
//! - `every_field_of_an_observation_travels`: whatever fields [`memcore::Observation`] has,
//!   each one but the store-local ones is in the exported line and comes back equal from an
//!   import, so a field added to the model travels with no edit in `portable/`.

use memcore::{ExportOptions, Memory, NewObservation, ObservationKind, Scope};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

/// The fields of an observation that name rows of the store holding it (ids): an export
/// leaves them out, carrying `supersedes` and the sources as references instead.
const LOCAL: [&str; 4] = ["id", "source_event_ids", "supersedes", "superseded_by"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The golden store: everything the export writes, from a fixed input.
fn golden_store(dir: &Path) -> Memory {
    let mem = Memory::open(dir.join("golden.db")).unwrap();
    let input = std::fs::read(fixture("export-golden-input.jsonl")).unwrap();
    mem.import_jsonl(input.as_slice()).unwrap();
    // Observations as a host adds them: a supersedes link by id, a pin, importances that
    // are not exact in binary.
    let older = mem
        .add_observation(NewObservation {
            project: Some("webshop".into()),
            kind: Some(ObservationKind::Refactor),
            title: "Cart totals computed in one function".into(),
            subtitle: "total() and subtotal() shared a loop".into(),
            narrative: "Merged the two loops; total() calls subtotal().".into(),
            facts: vec![
                "subtotal() is pure".into(),
                "total() applies coupons".into(),
            ],
            concepts: vec!["how-it-works".into()],
            files_read: vec!["src/cart.rs".into(), "src/coupon.rs".into()],
            files_modified: vec!["src/cart.rs".into()],
            importance: Some(0.3),
            created_at: Some(datetime!(2025-06-01 08:30:00.250 UTC)),
            ..NewObservation::default()
        })
        .unwrap()
        .id;
    let newer = mem
        .add_observation(NewObservation {
            session_id: Some("s1".into()),
            kind: Some(ObservationKind::parse("Design Note")),
            title: "Cart totals moved to pricing.rs".into(),
            context: "Where do totals live now?".into(),
            importance: Some(0.85),
            supersedes: Some(older),
            created_at: Some(datetime!(2025-06-01 08:45 UTC)),
            ..NewObservation::default()
        })
        .unwrap()
        .id;
    mem.pin(newer, true).unwrap();
    mem
}

fn export(mem: &Memory, options: &ExportOptions) -> String {
    let mut out = Vec::new();
    mem.export_jsonl(&mut out, options).unwrap();
    String::from_utf8(out).unwrap()
}

/// The export with its header's `exported_at` (the only value that depends on the clock)
/// replaced by a fixed time.
fn without_clock(export: &str) -> String {
    const KEY: &str = "\"exported_at\":\"";
    let start = export.find(KEY).expect("the header has exported_at") + KEY.len();
    let len = export[start..].find('"').unwrap();
    format!(
        "{}2000-01-01T00:00:00Z{}",
        &export[..start],
        &export[start + len..]
    )
}

/// The export with every time from `start` on (what the import stamped with the clock: a
/// project's creation, an event's recording, when the file has none, and the export's own
/// time) replaced by `<now>`.
fn without_times_from(export: &str, start: OffsetDateTime) -> String {
    let mut out = String::with_capacity(export.len());
    let mut rest = export;
    while let Some(i) = rest.find(":\"") {
        let (head, tail) = rest.split_at(i + 2);
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        let value = &tail[..end];
        match OffsetDateTime::parse(value, &Rfc3339) {
            Ok(t) if t >= start => out.push_str("<now>"),
            _ => out.push_str(value),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn check_golden(name: &str, actual: &str) {
    let path = fixture(name);
    if std::env::var_os("MEMCORE_BLESS_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    for (n, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(a, e, "{name}, line {}", n + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "{name}");
    assert_eq!(actual, expected, "{name}");
}

#[test]
fn an_export_is_byte_for_byte_the_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let mem = golden_store(dir.path());
    let all = ExportOptions {
        include_events: true,
        ..ExportOptions::default()
    };
    check_golden(
        "export-golden-all.jsonl",
        &without_clock(&export(&mem, &all)),
    );
    let billing = ExportOptions {
        project: Some("billing".into()),
        ..ExportOptions::default()
    };
    check_golden(
        "export-golden-billing.jsonl",
        &without_clock(&export(&mem, &billing)),
    );
}

/// A format-1 file (the `import_jsonl` fuzz target's full seed: no `end` record, hand-written
/// values, references that resolve and some that do not) imports as it did before the
/// export's observation record followed the core type: the same report, and a store whose
/// export is the golden file.
#[test]
fn a_format_1_file_imports_as_it_always_did() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("v1.db")).unwrap();
    // Whole milliseconds, as the store keeps times.
    let start = OffsetDateTime::now_utc().replace_millisecond(0).unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/import_jsonl/full.jsonl");
    let report = mem
        .import_jsonl(std::fs::read(seed).unwrap().as_slice())
        .unwrap();
    let all = ExportOptions {
        include_events: true,
        ..ExportOptions::default()
    };
    let mut golden = serde_json::to_string(&report).unwrap();
    golden.push('\n');
    golden.push_str(&without_times_from(&export(&mem, &all), start));
    check_golden("export-golden-v1-import.jsonl", &golden);
}

/// An observation's portable fields: its serde form without the local ones. Read back from
/// its JSON text, as the export writes it (`to_value` would widen an `f32` to its binary
/// value, 0.699999988 for 0.7, where the text has the shortest form).
fn portable(o: &memcore::Observation) -> serde_json::Map<String, serde_json::Value> {
    let text = serde_json::to_string(o).unwrap();
    let serde_json::Value::Object(mut fields) = serde_json::from_str(&text).unwrap() else {
        panic!("an observation serializes as an object");
    };
    for key in LOCAL {
        assert!(
            fields.remove(key).is_some(),
            "{key} is not a field of Observation"
        );
    }
    fields
}

#[test]
fn every_field_of_an_observation_travels() {
    let dir = tempfile::tempdir().unwrap();
    let a = golden_store(dir.path());
    let text = export(
        &a,
        &ExportOptions {
            include_events: true,
            ..ExportOptions::default()
        },
    );
    let mut stored = a.recent(&Scope::All, 100).unwrap();
    stored.sort_by_key(|o| o.id);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "observation")
        .collect();
    assert_eq!(lines.len(), stored.len());
    for (o, line) in stored.iter().zip(&lines) {
        let line = line.as_object().unwrap();
        for (key, value) in portable(o) {
            assert_eq!(line.get(&key), Some(&value), "{key} of {:?}", o.title);
        }
        // The references that stand for the local fields, and nothing else.
        let mut keys: Vec<&str> = line.keys().map(String::as_str).collect();
        keys.retain(|k| !portable(o).contains_key(*k));
        keys.sort_unstable();
        assert_eq!(keys, ["sources", "supersedes", "type"], "{:?}", o.title);
    }

    // Imported elsewhere, every portable field comes back as it was.
    let b = Memory::open(dir.path().join("b.db")).unwrap();
    b.import_jsonl(text.as_bytes()).unwrap();
    let mut imported = b.recent(&Scope::All, 100).unwrap();
    imported.sort_by_key(|o| (o.created_at, o.title.clone()));
    stored.sort_by_key(|o| (o.created_at, o.title.clone()));
    assert_eq!(imported.len(), stored.len());
    for (x, y) in stored.iter().zip(&imported) {
        assert_eq!(portable(x), portable(y));
    }
}
