//! The schema: the current version, the SQL that creates it, one function per migration, and
//! the one generic step that adds declared columns a store lacks.
//!
//! Versions are kept in `PRAGMA user_version`. Opening a store runs, in one IMMEDIATE
//! transaction, either [`create`] (empty file) or every `upgrade_from_N` from the file's version
//! to [`VERSION`], then [`reconcile_columns`]. A file newer than [`VERSION`] is refused before
//! anything is written.
//!
//! # Tables declared column by column
//!
//! A table whose rows mirror a model type (the observations table, [`Observation`]) is
//! declared in the store module that reads and writes it, as a [`Table`]: each column's name,
//! SQL declaration and the value an insert writes, in one list. [`create`] makes it from that
//! list; the module's INSERT and SELECT come from the same list or name the columns they read.
//!
//! # When the version is raised
//!
//! Only for a change an older build cannot live with: a new table it must write to, a column
//! it would have to fill, an index or data it must keep in step, a change of meaning. A column
//! added with a `DEFAULT` (or nullable) is not one: an older build names the columns it writes
//! and reads, so it ignores the new one, and rows it inserts get the default. Such a column
//! needs no migration step: declare it in its table and [`reconcile_columns`] adds it, with
//! its default, to a store that lacks it the next time the store is opened, whatever the
//! store's version. A declared column that cannot be added that way (`NOT NULL` without a
//! default, `UNIQUE`, `PRIMARY KEY`) is an error on open: it needs a version and a migration.
//!
//! [`Observation`]: crate::model::Observation

use crate::error::{Result, SqlContext};
use rusqlite::Transaction;
use rusqlite::types::ToSqlOutput;

/// The schema version this build writes.
pub const VERSION: u32 = 4;

/// The FTS5 tokenizer every full-text table uses: Porter stemming over Unicode words, with
/// diacritics folded. `_`, `/`, `.` and `-` separate tokens, so `src/auth/token.rs` and
/// `refresh_token` are indexed by their parts; camel-case parts and CJK bigrams go in the
/// `terms` column (see [`super::fts`]).
const TOKENIZER: &str = "porter unicode61 remove_diacritics 2";

/// Creates the current schema in an empty database.
pub(crate) fn create(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "
        CREATE TABLE projects (
            name        TEXT PRIMARY KEY,
            created_at  INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE sessions (
            id          TEXT PRIMARY KEY,
            project     TEXT NOT NULL REFERENCES projects(name),
            agent       TEXT NOT NULL,
            started_at  INTEGER NOT NULL,
            ended_at    INTEGER,
            status      TEXT NOT NULL CHECK (status IN ('active', 'ended'))
        );
        CREATE INDEX sessions_by_project ON sessions(project, started_at);

        CREATE TABLE events (
            id                INTEGER PRIMARY KEY,
            session_id        TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            project           TEXT NOT NULL,
            type              TEXT NOT NULL,
            payload           TEXT NOT NULL,
            external_id       TEXT,
            occurred_at       INTEGER NOT NULL,
            recorded_at       INTEGER NOT NULL,
            status            TEXT NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'extracted', 'skipped', 'failed')),
            attempts          INTEGER NOT NULL DEFAULT 0,
            last_error        TEXT,
            claimed_by        TEXT,
            claim_expires_at  INTEGER,
            UNIQUE (session_id, external_id)
        );
        CREATE INDEX events_by_status ON events(status, session_id, id);
        CREATE INDEX events_by_project ON events(project, occurred_at);
        ",
    )?;
    create_table(tx, &super::observations::TABLE)?;
    tx.execute_batch(&format!(
        "
        CREATE TABLE observation_sources (
            observation_id  INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
            event_id        INTEGER NOT NULL,
            PRIMARY KEY (observation_id, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX observation_sources_by_event ON observation_sources(event_id);

        CREATE TABLE observation_files (
            observation_id  INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
            path            TEXT NOT NULL,
            role            TEXT NOT NULL CHECK (role IN ('read', 'modified')),
            PRIMARY KEY (observation_id, path, role)
        ) WITHOUT ROWID;
        CREATE INDEX observation_files_by_path ON observation_files(path);

        CREATE TABLE summaries (
            id            INTEGER PRIMARY KEY,
            session_id    TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            project       TEXT NOT NULL,
            request       TEXT NOT NULL,
            investigated  TEXT NOT NULL,
            learned       TEXT NOT NULL,
            completed     TEXT NOT NULL,
            next_steps    TEXT NOT NULL,
            notes         TEXT NOT NULL,
            created_at    INTEGER NOT NULL
        );
        CREATE INDEX summaries_by_project ON summaries(project, created_at);

        CREATE TABLE extraction_ledger (
            id                 INTEGER PRIMARY KEY,
            session_id         TEXT,
            project            TEXT NOT NULL,
            purpose            TEXT NOT NULL,
            model              TEXT NOT NULL,
            prompt_tokens      INTEGER NOT NULL,
            completion_tokens  INTEGER NOT NULL,
            event_ids          TEXT NOT NULL,
            outcome            TEXT NOT NULL,
            detail             TEXT,
            observations       INTEGER NOT NULL DEFAULT 0,
            created_at         INTEGER NOT NULL
        );
        CREATE INDEX extraction_ledger_by_time ON extraction_ledger(created_at);

        CREATE VIRTUAL TABLE observations_fts USING fts5(
            title, subtitle, narrative, facts, concepts, files, terms, context,
            tokenize = '{TOKENIZER}'
        );
        CREATE VIRTUAL TABLE summaries_fts USING fts5(
            request, investigated, learned, completed, next_steps, notes,
            tokenize = '{TOKENIZER}'
        );
        "
    ))?;
    create_conversation_layer(tx)?;
    create_vector_index(tx)?;
    create_curation(tx)?;
    create_sync(tx)
}

/// A table declared column by column in the store module that owns it; see the [module
/// docs](self#tables-declared-column-by-column).
pub(crate) struct Table<R: 'static> {
    /// The table's name.
    pub name: &'static str,
    /// Its columns, in the order a new store declares them.
    pub columns: &'static [Column<R>],
    /// Table constraints, after the columns (`UNIQUE (...)`).
    pub constraints: &'static [&'static str],
    /// The statements that complete a new table: its indexes.
    pub indexes: &'static [&'static str],
}

/// One column of a [`Table`].
pub(crate) struct Column<R: 'static> {
    /// The column's name.
    pub name: &'static str,
    /// Its SQL declaration: type, constraints, default.
    pub decl: &'static str,
    /// The value an insert writes into it, from the record it stores; `None` for a column
    /// the insert leaves to SQLite (the row id).
    pub value: Option<for<'a> fn(&'a R) -> rusqlite::Result<ToSqlOutput<'a>>>,
}

impl<R> Table<R> {
    /// The `CREATE TABLE` statement of a new store.
    fn create_sql(&self) -> String {
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{:<16}{}", c.name, c.decl))
            .collect();
        lines.extend(self.constraints.iter().map(|c| (*c).to_owned()));
        format!(
            "CREATE TABLE {} (\n            {}\n        )",
            self.name,
            lines.join(",\n            ")
        )
    }

    /// The declared columns `conn`'s table lacks (every one when the table is missing).
    pub(crate) fn missing_columns(
        &self,
        conn: &rusqlite::Connection,
    ) -> rusqlite::Result<Vec<&'static Column<R>>> {
        let present: Vec<String> = conn
            .prepare_cached("SELECT name FROM pragma_table_info(?1)")?
            .query_map([self.name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(self
            .columns
            .iter()
            .filter(|c| !present.iter().any(|p| p.eq_ignore_ascii_case(c.name)))
            .collect())
    }
}

/// Creates a declared table and its indexes.
fn create_table<R>(tx: &Transaction<'_>, table: &Table<R>) -> rusqlite::Result<()> {
    tx.execute_batch(&table.create_sql())?;
    for index in table.indexes {
        tx.execute_batch(index)?;
    }
    Ok(())
}

/// The declared tables' columns that `conn`'s store lacks, as `table.column`. Opening
/// calls [`reconcile_columns`] when there are any (or refuses a read-only store).
pub(crate) fn missing_columns(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    let table = &super::observations::TABLE;
    Ok(table
        .missing_columns(conn)?
        .into_iter()
        .map(|c| format!("{}.{}", table.name, c.name))
        .collect())
}

/// Adds to the declared tables every column they lack, each with its declaration (so its
/// default fills the existing rows); writes nothing when none is missing. Runs after the
/// migrations, in their transaction: a migration works on the table as its version left it.
/// Returns the columns added, as `table.column`.
pub(crate) fn reconcile_columns(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let table = &super::observations::TABLE;
    let missing = table
        .missing_columns(tx)
        .ctx(|| format!("read the columns of {}", table.name))?;
    let mut added = Vec::with_capacity(missing.len());
    for column in missing {
        let name = format!("{}.{}", table.name, column.name);
        tx.execute_batch(&format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            table.name, column.name, column.decl
        ))
        .ctx(|| {
            format!(
                "add the column {name} ({}) that this build declares and the store lacks \
                 (a column added without a migration needs a DEFAULT or must be nullable)",
                column.decl
            )
        })?;
        added.push(name);
    }
    Ok(added)
}

/// What version 2 added: the conversation layer's full-text index (every event in short
/// form, rowid = event id; it replaces version 1's `prompts_fts`, which held only prompts),
/// the mark of events recorded without their index row yet (`conversation_indexed = 0`: a
/// hook that must return at once leaves the indexing to the next reader or extractor), the
/// read positions of session transcripts, and the sources of imported observations that name
/// events not in the store (`observation_source_refs`: the export format's reference, as
/// JSON, kept so that a later export carries it and a later import can link it).
fn create_conversation_layer(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "
        ALTER TABLE events ADD COLUMN conversation_indexed INTEGER NOT NULL DEFAULT 1;
        CREATE VIRTUAL TABLE conversation_fts USING fts5(
            text, outcome, terms,
            tokenize = '{TOKENIZER}'
        );
        CREATE INDEX events_unindexed ON events(id) WHERE conversation_indexed = 0;
        CREATE TABLE transcript_cursors (
            session_id   TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
            path         TEXT NOT NULL,
            offset       INTEGER NOT NULL,
            prefix_hash  TEXT NOT NULL,
            updated_at   INTEGER NOT NULL
        );
        CREATE TABLE observation_source_refs (
            observation_id  INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
            event_ref       TEXT NOT NULL,
            PRIMARY KEY (observation_id, event_ref)
        ) WITHOUT ROWID;
        "
    ))
}

/// Brings a store from `from` to `from + 1`. Every version adds a `match` arm here and a
/// test that opens a fixture of the version before (`tests/schema_upgrade.rs`). A column
/// with a default needs neither (see the [module docs](self#when-the-version-is-raised)).
pub(crate) fn upgrade_from(tx: &Transaction<'_>, from: u32) -> rusqlite::Result<()> {
    match from {
        1 => upgrade_from_1(tx),
        2 => upgrade_from_2(tx),
        3 => create_curation(tx).and_then(|()| create_sync(tx)),
        _ => Err(rusqlite::Error::InvalidParameterName(format!(
            "no migration from schema version {from}"
        ))),
    }
}

/// Version 1 to 2: the conversation layer. Every stored event is indexed in its short form
/// (the same text a new event gets), then the prompt-only index is dropped.
fn upgrade_from_1(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    create_conversation_layer(tx)?;
    {
        let mut read = tx.prepare("SELECT id, payload FROM events ORDER BY id")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let payload: String = row.get(1)?;
            // A payload this build cannot read stays in the events table, unindexed.
            let Ok(payload) = serde_json::from_str::<crate::model::EventPayload>(&payload) else {
                continue;
            };
            super::events::index_row(tx, id, &payload)?;
        }
    }
    tx.execute_batch("DROP TABLE prompts_fts;")
}

/// What version 3 added (beside CJK bigrams in the full-text rows): the vector index of both layers (see `store::vectors`): embedders,
/// one int8 code per record and embedder, the chunks of sign bits a search scans, the lazy
/// backfill's watermarks, and the triggers that drop a record's vectors with it.
fn create_vector_index(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "
        CREATE TABLE vector_models (
            id    INTEGER PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE,
            dim   INTEGER NOT NULL
        );
        CREATE TABLE vectors (
            layer   INTEGER NOT NULL,
            record  INTEGER NOT NULL,
            model   INTEGER NOT NULL REFERENCES vector_models(id),
            chunk   INTEGER NOT NULL,
            slot    INTEGER NOT NULL,
            scale   REAL NOT NULL,
            code    BLOB NOT NULL,
            PRIMARY KEY (layer, record, model)
        ) WITHOUT ROWID;
        CREATE INDEX vectors_by_chunk ON vectors(chunk, slot);
        CREATE TABLE vector_chunks (
            id       INTEGER PRIMARY KEY,
            model    INTEGER NOT NULL REFERENCES vector_models(id),
            layer    INTEGER NOT NULL,
            project  TEXT NOT NULL,
            records  BLOB NOT NULL,
            bits     BLOB NOT NULL,
            dead     INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX vector_chunks_by_scope ON vector_chunks(model, layer, project);
        CREATE TABLE vector_progress (
            model  INTEGER NOT NULL REFERENCES vector_models(id),
            layer  INTEGER NOT NULL,
            upto   INTEGER NOT NULL,
            PRIMARY KEY (model, layer)
        ) WITHOUT ROWID;
        CREATE TRIGGER observations_drop_vectors AFTER DELETE ON observations BEGIN
            DELETE FROM vectors WHERE layer = 0 AND record = old.id;
        END;
        CREATE TRIGGER events_drop_vectors AFTER DELETE ON events BEGIN
            DELETE FROM vectors WHERE layer = 1 AND record = old.id;
        END;
        CREATE TRIGGER vectors_mark_dead AFTER DELETE ON vectors BEGIN
            UPDATE vector_chunks SET dead = dead + 1 WHERE id = old.chunk;
        END;
        ",
    )
}

/// What version 4 added, and all of version 3 to 4: what a person curating memory needs.
///
/// - The forget bin: a forgotten observation leaves the observations table (and so every
///   read path) at once, but its whole record is kept here, as JSON, in a batch per forget,
///   until the batch is undone or purged (`store::forgotten`). Batch ids are never reused
///   (`AUTOINCREMENT`): an undo offered for a batch that is gone must not restore another.
///   An older build would not
///   know to keep it: hence the version.
/// - The injection log: what the SessionStart and UserPromptSubmit hooks put into a
///   session's context, with the ids, the tokens and the time (`store::curation`).
/// - An index of observations by time: the viewer lists every project's newest first.
fn create_curation(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "
        CREATE TABLE forget_batches (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      INTEGER NOT NULL,
            reason  TEXT NOT NULL
        );
        CREATE TABLE forgotten (
            batch           INTEGER NOT NULL REFERENCES forget_batches(id) ON DELETE CASCADE,
            observation_id  INTEGER NOT NULL,
            record          TEXT NOT NULL,
            PRIMARY KEY (batch, observation_id)
        ) WITHOUT ROWID;
        CREATE TABLE injections (
            id               INTEGER PRIMARY KEY,
            session_id       TEXT NOT NULL,
            project          TEXT NOT NULL,
            event            TEXT NOT NULL,
            query            TEXT,
            observation_ids  TEXT NOT NULL,
            event_ids        TEXT NOT NULL,
            tokens           INTEGER NOT NULL,
            budget           INTEGER NOT NULL,
            at               INTEGER NOT NULL
        );
        CREATE INDEX injections_by_session ON injections(session_id, at);
        CREATE INDEX injections_by_project ON injections(project, at);
        CREATE INDEX observations_by_time ON observations(created_at, id);
        ",
    )
}

/// The rest of version 4: the change log that sync exchanges (`store::sync`). `sync_meta`
/// holds the device id, the author, the last clock value and sequence number; `changes`
/// every change of an opted-in project, this device's and others'; `sync_records` maps a
/// record's global id to its local row (and marks private ones); `sync_projects` says which
/// projects are shared or private, and whether their events travel too; `sync_targets` what was sent to, and read from, each hub
/// or folder.
fn create_sync(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "
        CREATE TABLE sync_meta (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE sync_projects (
            project  TEXT PRIMARY KEY,
            enabled  INTEGER NOT NULL DEFAULT 0,
            private  INTEGER NOT NULL DEFAULT 0,
            events   INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE TABLE sync_records (
            uid        TEXT PRIMARY KEY,
            layer      TEXT NOT NULL,
            local_id   TEXT NOT NULL,
            private    INTEGER NOT NULL DEFAULT 0,
            device_id  TEXT NOT NULL,
            author     TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX sync_records_by_local ON sync_records(layer, local_id);
        CREATE TABLE changes (
            change_id   TEXT PRIMARY KEY,
            device_id   TEXT NOT NULL,
            device_seq  INTEGER NOT NULL,
            hlc         INTEGER NOT NULL,
            author      TEXT NOT NULL,
            project     TEXT NOT NULL,
            record      TEXT NOT NULL,
            kind        TEXT NOT NULL,
            payload     TEXT NOT NULL,
            UNIQUE (device_id, device_seq)
        ) WITHOUT ROWID;
        CREATE INDEX changes_by_record ON changes(record);
        CREATE TABLE sync_targets (
            target    TEXT PRIMARY KEY,
            sent_seq  INTEGER NOT NULL DEFAULT 0,
            cursor    TEXT
        ) WITHOUT ROWID;
        ",
    )
}

/// Version 2 to 3: CJK words in the full-text index ([`reindex_cjk`]) and the vector index.
/// The vectors version 2 kept (one float vector per observation, newest embedder only) move
/// into it, quantized; records without one are embedded later by the lazy backfill.
fn upgrade_from_2(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    reindex_cjk(tx)?;
    create_vector_index(tx)?;
    let old: Vec<(i64, String, String, usize, Vec<u8>)> = tx
        .prepare(
            "SELECT v.observation_id, o.project, v.model, v.dim, v.vector
             FROM observation_vectors v JOIN observations o ON o.id = v.observation_id
             ORDER BY v.observation_id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, i64>(3)?.max(0) as usize,
                r.get(4)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, project, model, dim, blob) in &old {
        if blob.len() != dim * 4 || *dim == 0 {
            continue;
        }
        let vector: Vec<f32> = blob
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        super::vectors::put_vectors(
            tx,
            model,
            *dim,
            &[super::vectors::NewVector {
                layer: super::vectors::Layer::Observation,
                record: *id,
                project,
                vector: &vector,
            }],
        )
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    }
    tx.execute_batch("DROP TABLE observation_vectors;")
}

/// Version 2 to 3, first part: CJK words. The full-text rows whose text holds CJK or full-width
/// characters get the `terms` (and, for observations, the `context` value) that
/// [`super::fts`] now writes, with the CJK bigrams; every other row is left as it is, so a
/// store without CJK only reads its index once. The new values are computed from the
/// index rows themselves, which hold the texts they were made from.
fn reindex_cjk(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    use super::fts::{index_terms, observation_terms};
    use crate::text::has_cjk_or_full_width;
    let mut observations: Vec<(i64, String, String)> = Vec::new();
    {
        let mut read = tx.prepare(
            "SELECT rowid, title, subtitle, narrative, facts, concepts, files, context
             FROM observations_fts",
        )?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let mut texts: Vec<String> = Vec::with_capacity(7);
            for column in 1..=7 {
                texts.push(row.get::<_, Option<String>>(column)?.unwrap_or_default());
            }
            if !texts.iter().any(|t| has_cjk_or_full_width(t)) {
                continue;
            }
            let (terms, context) = observation_terms(
                texts[..4].iter().chain(&texts[5..6]).map(String::as_str),
                &texts[4],
                &texts[6],
            );
            observations.push((row.get(0)?, terms, context));
        }
    }
    for (id, terms, context) in observations {
        tx.execute(
            "UPDATE observations_fts SET terms = ?2, context = ?3 WHERE rowid = ?1",
            rusqlite::params![id, terms, context],
        )?;
    }
    let mut conversation: Vec<(i64, String)> = Vec::new();
    {
        let mut read = tx.prepare("SELECT rowid, text, outcome FROM conversation_fts")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let text = row.get::<_, Option<String>>(1)?.unwrap_or_default();
            let outcome = row.get::<_, Option<String>>(2)?.unwrap_or_default();
            if has_cjk_or_full_width(&text) || has_cjk_or_full_width(&outcome) {
                conversation.push((row.get(0)?, index_terms([text.as_str(), &outcome])));
            }
        }
    }
    for (id, terms) in conversation {
        tx.execute(
            "UPDATE conversation_fts SET terms = ?2 WHERE rowid = ?1",
            rusqlite::params![id, terms],
        )?;
    }
    Ok(())
}
