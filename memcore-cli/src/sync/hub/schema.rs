//! The hub's tables, their version, and the migrations that bring an older hub up to date.
//!
//! `memcore_hub_meta(key, value)` holds `schema_version` and `hub_id`. Opening takes a
//! transaction-level advisory lock first, so that two memcores opening a new hub at once do
//! not both create it; it reads the version before writing anything, and a hub newer than
//! [`VERSION`] is refused with nothing written. A version is raised only for what an older
//! build could not live with (a new change kind it would misread, a table it must write).

use super::error::query;
use super::{HubError, HubUrl};

/// The hub schema this build reads and writes.
pub const VERSION: i64 = 1;

/// The lock every opening takes (any constant distinct from the per-project push locks,
/// which hash `memcore:<project>`).
const SCHEMA_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('memcore schema'))";

/// Version 1: the change log and the search view.
///
/// - `memcore_changes`: one row per change, never updated. `seq` is the hub's order of
///   arrival (a pull position, see `pull.rs`); `db_user` is who logged in to push it (the
///   server's word), beside `author` (the client's); `xid` is the pushing transaction, for
///   audits.
/// - `memcore_records`: each shared observation as its changes define it, for search only
///   (stores pull the log and merge themselves). `tsv` indexes the title and body twice:
///   `simple` (words as written: identifiers, paths) weighted A, and `english` (stemmed,
///   stop words dropped) weighted B; a query must use both configurations too, or matches
///   silently disappear. A forgotten record keeps its row with its text emptied.
const V1: &str = "
CREATE TABLE memcore_changes (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change_id   text NOT NULL,
    device_id   text NOT NULL,
    device_seq  bigint NOT NULL,
    hlc         bigint NOT NULL,
    author      text NOT NULL,
    db_user     text NOT NULL DEFAULT current_user,
    project     text NOT NULL,
    record      text NOT NULL,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    received_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memcore_changes_change_id UNIQUE (change_id),
    CONSTRAINT memcore_changes_device_seq UNIQUE (device_id, device_seq)
);
CREATE INDEX memcore_changes_project_seq ON memcore_changes (project, seq);
CREATE INDEX memcore_changes_project_record ON memcore_changes (project, record);

CREATE TABLE memcore_records (
    project    text NOT NULL,
    record     text NOT NULL,
    author     text NOT NULL,
    device_id  text NOT NULL,
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL,
    forgotten  boolean NOT NULL DEFAULT false,
    model      text,
    vector     bytea,
    updated_at timestamptz NOT NULL DEFAULT now(),
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title || ' ' || body), 'A') ||
        setweight(to_tsvector('english', title || ' ' || body), 'B')
    ) STORED,
    PRIMARY KEY (project, record)
);
CREATE INDEX memcore_records_tsv ON memcore_records USING gin (tsv);
";

/// The migrations, in order: `MIGRATIONS[i]` brings a hub from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// Opens the hub's schema: creates it on an empty database, migrates an older one, refuses
/// a newer one. Returns the hub's identity.
pub(crate) fn open(client: &mut postgres::Client, url: &HubUrl) -> Result<String, HubError> {
    let target = url.target();
    let fail = |action: &str| {
        let target = target.clone();
        let action = action.to_owned();
        move |e: postgres::Error| query(target, action, &e)
    };
    let mut tx = client.transaction().map_err(fail("open the schema"))?;
    tx.batch_execute(SCHEMA_LOCK)
        .map_err(fail("lock the schema"))?;
    let found = current_version(&mut tx).map_err(fail("read the schema version"))?;
    if found > VERSION {
        // Dropping the transaction rolls it back; nothing was written anyway.
        return Err(HubError::NewerSchema {
            target,
            hub: found,
            this: VERSION,
        });
    }
    if found < VERSION {
        if found == 0 {
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS memcore_hub_meta (
                     key text PRIMARY KEY, value text NOT NULL);
                 INSERT INTO memcore_hub_meta VALUES
                     ('hub_id', md5(random()::text || clock_timestamp()::text))
                 ON CONFLICT (key) DO NOTHING;",
            )
            .map_err(fail("create the schema"))?;
        }
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(sql)
                .map_err(fail(&format!("migrate the schema to version {}", from + 1)))?;
        }
        tx.execute(
            "INSERT INTO memcore_hub_meta VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&VERSION.to_string()],
        )
        .map_err(fail("record the schema version"))?;
    }
    let hub_id: String = tx
        .query_one(
            "SELECT value FROM memcore_hub_meta WHERE key = 'hub_id'",
            &[],
        )
        .map_err(fail("read the hub id"))?
        .get(0);
    tx.commit().map_err(fail("commit the schema"))?;
    Ok(hub_id)
}

/// The schema version recorded in the hub: 0 when there is no memcore schema yet. A value
/// that is not a number reads as newer than any build (refused, not overwritten).
fn current_version(tx: &mut postgres::Transaction<'_>) -> Result<i64, postgres::Error> {
    let exists: bool = tx
        .query_one("SELECT to_regclass('memcore_hub_meta') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = tx.query_opt(
        "SELECT value FROM memcore_hub_meta WHERE key = 'schema_version'",
        &[],
    )?;
    Ok(match row {
        None => 0,
        Some(row) => row.get::<_, String>(0).parse().unwrap_or(i64::MAX),
    })
}
