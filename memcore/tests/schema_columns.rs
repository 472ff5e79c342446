//! Columns declared in code (`store/observations.rs`): a new store's table is made from the
//! declaration, and a store that lacks a declared column with a default gains it when it is
//! opened, with no migration step and no new schema version (see `store/schema.rs`).

use memcore::{Error, Memory, NewObservation, NewSession, ObservationKind, SCHEMA_VERSION, Scope};
use rusqlite::Connection;
use std::path::Path;

/// The observations table's schema rows (the table and its indexes; not the vector index's
/// trigger, which version 3 added) as SQLite keeps them.
fn observation_schema(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    conn.prepare(
        "SELECT type, name, sql FROM sqlite_schema
         WHERE tbl_name = 'observations' AND type IN ('table', 'index') ORDER BY name",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Indexes of the observations table that a migration added after version 3 (the fixtures
/// predate them; opening a fixture adds them, which the shape check below sees).
const INDEXES_SINCE_V3: &[&str] = &["observations_by_time"];

/// Everything a store holds, as text: its schema (the observations table's own row aside,
/// which an added column changes) and every row of every table.
fn dump(conn: &Connection) -> Vec<String> {
    let objects: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = vec![format!(
        "user_version {}",
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .unwrap()
    )];
    for (kind, name, sql) in objects {
        if name != "observations" {
            out.push(format!("{kind} {name}: {sql:?}"));
        }
        // Shadow tables of the FTS5 indexes are tables too: their rows are compared as well.
        if kind == "table" && !sql.as_deref().unwrap_or("").contains("VIRTUAL") {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{name}\" ORDER BY rowid"))
                .or_else(|_| conn.prepare(&format!("SELECT * FROM \"{name}\"")))
                .unwrap();
            let n = stmt.column_count();
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut cells = Vec::with_capacity(n);
                    for (i, column) in names.iter().enumerate() {
                        let v: rusqlite::types::Value = r.get(i)?;
                        cells.push(format!("{column}={v:?}"));
                    }
                    Ok(cells.join(" "))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            out.extend(rows.into_iter().map(|row| format!("{name}: {row}")));
        }
    }
    out
}

/// The schema cookie: SQLite raises it on every change of the schema.
fn schema_cookie(path: &Path) -> u32 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap()
}

/// A store with a few observations, one of them pinned.
fn store(path: &Path) {
    let mem = Memory::open(path).unwrap();
    mem.start_session(NewSession::new("s", "p", "agent"))
        .unwrap();
    let mut ids = Vec::new();
    for (i, title) in [
        "Coupon applied twice",
        "Prices are in cents",
        "Cart in one loop",
    ]
    .into_iter()
    .enumerate()
    {
        ids.push(
            mem.add_observation(NewObservation {
                session_id: Some("s".into()),
                kind: Some(ObservationKind::Decision),
                title: title.into(),
                facts: vec![format!("fact {i}")],
                ..NewObservation::default()
            })
            .unwrap()
            .id,
        );
    }
    mem.pin(ids[1], true).unwrap();
}

/// What SQLite knows of the observations table's shape: each column (name, type, not null,
/// default, primary key) by name, its indexes, its foreign keys.
fn observation_shape(conn: &Connection) -> Vec<String> {
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|cells| cells.join(" "))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.sort();
        rows
    };
    let mut shape = rows(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('observations')",
    );
    shape.extend(rows(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list('observations')",
    ));
    shape.extend(rows(
        "SELECT \"table\", \"from\", \"to\", on_update, on_delete
         FROM pragma_foreign_key_list('observations')",
    ));
    shape
}

fn column_names(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM pragma_table_info('observations')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The declaration in `store/observations.rs` makes the table every earlier version made:
/// its statements are the fixtures' own, word for word, but for the lines of columns declared
/// since (which opening a fixture adds, so that a migrated store has the new store's shape).
#[test]
fn a_new_store_declares_the_observations_table_as_every_earlier_version_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Memory::open(&path).unwrap());
    let new = Connection::open(&path).unwrap();
    for fixture in ["store-v1.db", "store-v2.db"] {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        let old = Connection::open_with_flags(&source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
        let old_columns = column_names(&old);
        let declared_then: Vec<(String, String, Option<String>)> = observation_schema(&new)
            .into_iter()
            .filter(|(kind, name, _)| kind != "index" || !INDEXES_SINCE_V3.contains(&name.as_str()))
            .map(|(kind, name, sql)| {
                let sql = sql.map(|sql| {
                    sql.split_inclusive('\n')
                        .filter(|line| {
                            let word = line.split_whitespace().next().unwrap_or("");
                            !line.starts_with("            ")
                                || !word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                                || old_columns.iter().any(|c| c == word)
                        })
                        .collect()
                });
                (kind, name, sql)
            })
            .collect();
        assert_eq!(declared_then, observation_schema(&old), "{fixture}");

        let copy = dir.path().join(fixture);
        std::fs::copy(&source, &copy).unwrap();
        drop(Memory::open(&copy).unwrap());
        assert_eq!(
            observation_shape(&Connection::open(&copy).unwrap()),
            observation_shape(&new),
            "{fixture}, opened"
        );
    }
}

#[test]
fn a_missing_column_with_a_default_is_added_on_open_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    store(&path);
    // The store as a build that did not know `pinned` yet would have made it.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("ALTER TABLE observations DROP COLUMN pinned")
            .unwrap();
    }
    let before = dump(&Connection::open(&path).unwrap());
    let cookie = schema_cookie(&path);

    let mem = Memory::open(&path).unwrap();
    // Every observation has the column's default; the rest is as it was.
    let all = mem.recent(&Scope::All, 10).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|o| !o.pinned));
    assert_eq!(
        mem.stats(&Scope::All).unwrap().schema_version,
        SCHEMA_VERSION
    );
    drop(mem);
    let conn = Connection::open(&path).unwrap();
    let columns: Vec<(String, String, bool, Option<String>)> = conn
        .prepare(
            "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('observations')",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        columns.last().unwrap(),
        &(
            "pinned".to_owned(),
            "INTEGER".to_owned(),
            true,
            Some("0".to_owned())
        )
    );
    let after: Vec<String> = dump(&conn)
        .into_iter()
        .map(|line| line.replace(" pinned=Integer(0)", ""))
        .collect();
    assert_eq!(after, before);
    assert!(schema_cookie(&path) > cookie, "the column was added");

    // Opening a store that lacks nothing writes nothing.
    let cookie = schema_cookie(&path);
    let mem = Memory::open(&path).unwrap();
    let id = mem.recent(&Scope::All, 10).unwrap()[0].id;
    assert!(mem.pin(id, true).unwrap());
    drop(mem);
    assert_eq!(schema_cookie(&path), cookie);
}

#[test]
fn a_read_only_store_that_lacks_a_column_is_refused_with_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    store(&path);
    Connection::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE observations DROP COLUMN pinned")
        .unwrap();
    let cookie = schema_cookie(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = Memory::open(&path).unwrap_err();
    assert!(matches!(err, Error::ReadOnly { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("observations.pinned"), "{message}");
    assert!(message.contains("write access"), "{message}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(schema_cookie(&path), cookie);
}

#[test]
fn a_missing_column_without_a_default_is_an_error_and_the_store_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    store(&path);
    Connection::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE observations DROP COLUMN subtitle")
        .unwrap();
    let before = dump(&Connection::open(&path).unwrap());
    let cookie = schema_cookie(&path);
    let message = Memory::open(&path).unwrap_err().to_string();
    assert!(message.contains("observations.subtitle"), "{message}");
    assert!(message.contains("DEFAULT"), "{message}");
    assert_eq!(dump(&Connection::open(&path).unwrap()), before);
    assert_eq!(schema_cookie(&path), cookie);
}
