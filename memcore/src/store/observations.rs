//! Observations with their provenance, file index, vectors and full-text rows. Inserting and
//! forgetting keep all of them in step, in one transaction.

use super::fts::observation_terms;
use super::schema::{Column, Table};
use super::sessions::ensure_project;
use super::{ConnExt, Store, from_millis, json_list, parse_json_list, placeholders, to_millis};
use crate::error::{Result, SqlContext};
use crate::model::{Added, Observation, ObservationId, ObservationKind, Scope};
use rusqlite::types::ToSql;
use rusqlite::{Row, Transaction, params, params_from_iter};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The observations table, one entry per column: its declaration (what a new store creates,
/// and what opening adds to a store that lacks the column) and the value an insert writes
/// from an [`Observation`]. A stored field of [`Observation`] is one entry here and one line
/// in [`OBSERVATION_COLUMNS`] and [`observation_from_row`], which reads them by position. A column added after a store was
/// made needs a `DEFAULT` (or must be nullable): see `schema`'s rule on versions.
pub(crate) const TABLE: Table<Observation> = Table {
    name: "observations",
    columns: &[
        Column {
            name: "id",
            decl: "INTEGER PRIMARY KEY",
            value: None,
        },
        Column {
            name: "project",
            decl: "TEXT NOT NULL REFERENCES projects(name)",
            value: Some(|o| o.project.to_sql()),
        },
        Column {
            name: "session_id",
            decl: "TEXT REFERENCES sessions(id) ON DELETE SET NULL",
            value: Some(|o| o.session_id.to_sql()),
        },
        Column {
            name: "kind",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.kind.as_str().to_sql()),
        },
        Column {
            name: "title",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.title.to_sql()),
        },
        Column {
            name: "subtitle",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.subtitle.to_sql()),
        },
        Column {
            name: "narrative",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.narrative.to_sql()),
        },
        Column {
            name: "facts",
            decl: "TEXT NOT NULL",
            value: Some(|o| Ok(json_list(&o.facts).into())),
        },
        Column {
            name: "context",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.context.to_sql()),
        },
        Column {
            name: "concepts",
            decl: "TEXT NOT NULL",
            value: Some(|o| Ok(json_list(&o.concepts).into())),
        },
        Column {
            name: "files_read",
            decl: "TEXT NOT NULL",
            value: Some(|o| Ok(json_list(&o.files_read).into())),
        },
        Column {
            name: "files_modified",
            decl: "TEXT NOT NULL",
            value: Some(|o| Ok(json_list(&o.files_modified).into())),
        },
        Column {
            name: "created_at",
            decl: "INTEGER NOT NULL",
            value: Some(|o| Ok(to_millis(o.created_at).into())),
        },
        Column {
            name: "importance",
            decl: "REAL NOT NULL",
            value: Some(|o| Ok(f64::from(o.importance).into())),
        },
        Column {
            name: "content_hash",
            decl: "TEXT NOT NULL",
            value: Some(|o| o.content_hash.to_sql()),
        },
        Column {
            name: "token_count",
            decl: "INTEGER NOT NULL",
            value: Some(|o| o.token_count.to_sql()),
        },
        Column {
            name: "supersedes",
            decl: "INTEGER REFERENCES observations(id) ON DELETE SET NULL",
            value: Some(|o| o.supersedes.to_sql()),
        },
        Column {
            name: "pinned",
            decl: "INTEGER NOT NULL DEFAULT 0",
            value: Some(|o| o.pinned.to_sql()),
        },
    ],
    constraints: &["UNIQUE (project, content_hash)"],
    indexes: &[
        "CREATE INDEX observations_by_project ON observations(project, created_at)",
        "CREATE INDEX observations_by_session ON observations(session_id)",
        "CREATE INDEX observations_by_supersedes ON observations(supersedes)",
    ],
};

/// What [`observation_from_row`] reads, with `o` the observations table: every column of the
/// table by name (so a column a newer build added is not read), the provenance and the newest
/// observation that supersedes it. [`observation_from_row`] reads them by position, in this
/// order: looking a column up by name costs a comparison with every column name before it,
/// which was a tenth of a search's time.
pub(crate) const OBSERVATION_COLUMNS: &str = "o.id, o.project, o.session_id, o.kind, o.title,
    o.subtitle, o.narrative, o.facts, o.context, o.concepts, o.files_read, o.files_modified,
    o.created_at, o.importance, o.content_hash, o.token_count, o.supersedes, o.pinned,
    (SELECT group_concat(event_id) FROM observation_sources WHERE observation_id = o.id)
        AS source_event_ids,
    (SELECT max(n.id) FROM observations n WHERE n.supersedes = o.id) AS superseded_by";

/// An [`Observation`] from a row of [`OBSERVATION_COLUMNS`], column by column in its order.
pub(crate) fn observation_from_row(row: &Row<'_>) -> rusqlite::Result<Observation> {
    let sources: Option<String> = row.get(18)?;
    let mut source_event_ids: Vec<i64> = sources
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    source_event_ids.sort_unstable();
    let list = |index: usize| -> rusqlite::Result<Vec<String>> {
        Ok(parse_json_list(row.get_ref(index)?.as_str()?))
    };
    Ok(Observation {
        id: row.get(0)?,
        project: row.get(1)?,
        session_id: row.get(2)?,
        kind: ObservationKind::parse(row.get_ref(3)?.as_str()?),
        title: row.get(4)?,
        subtitle: row.get(5)?,
        narrative: row.get(6)?,
        facts: list(7)?,
        context: row.get(8)?,
        concepts: list(9)?,
        files_read: list(10)?,
        files_modified: list(11)?,
        source_event_ids,
        created_at: from_millis(row.get(12)?),
        importance: row.get::<_, f64>(13)? as f32,
        content_hash: row.get(14)?,
        token_count: row.get(15)?,
        supersedes: row.get(16)?,
        superseded_by: row.get(19)?,
        pinned: row.get(17)?,
    })
}

/// Inserts an observation's row: every column of [`TABLE`] that has a value, by name, and
/// the id when the observation has one (a new one has 0: SQLite picks it).
fn insert_row(tx: &Transaction<'_>, obs: &Observation) -> Result<()> {
    let columns: Vec<_> = TABLE
        .columns
        .iter()
        .filter_map(|c| Some((c.name, c.value?)))
        .collect();
    let mut names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let mut values = columns
        .iter()
        .map(|(_, value)| value(obs))
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(|| format!("encode observation {:?}", obs.title))?;
    // A restored observation (undo of a forget) comes back under its own id.
    if obs.id > 0 {
        names.push("id");
        values.push(obs.id.into());
    }
    let sql = format!(
        "INSERT INTO observations ({}) VALUES ({})",
        names.join(", "),
        placeholders(names.len())
    );
    tx.execute_cached(&sql, params_from_iter(values), || {
        format!("store observation {:?}", obs.title)
    })?;
    Ok(())
}

/// The dedup key of an observation: SHA-256 over its kind and text, case-folded and with
/// whitespace collapsed, so re-extracting the same content stores nothing new.
pub(crate) fn content_hash(
    kind: &ObservationKind,
    title: &str,
    subtitle: &str,
    narrative: &str,
    facts: &[String],
) -> String {
    let mut hasher = Sha256::new();
    let mut feed = |text: &str| {
        let norm: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        hasher.update(norm.join(" ").as_bytes());
        hasher.update([0u8]);
    };
    feed(kind.as_str());
    feed(title);
    feed(subtitle);
    feed(narrative);
    for fact in facts {
        feed(fact);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sets what an observation's content determines: its dedup hash ([`content_hash`]) and its
/// size in tokens (title, subtitle, narrative, facts: what context rendering counts). Every
/// observation is sealed after its text is final: when it is made, edited, or received.
pub(crate) fn seal(obs: &mut Observation) {
    obs.content_hash = content_hash(
        &obs.kind,
        &obs.title,
        &obs.subtitle,
        &obs.narrative,
        &obs.facts,
    );
    obs.token_count = crate::tokens::estimate(&obs.title)
        + crate::tokens::estimate(&obs.subtitle)
        + crate::tokens::estimate(&obs.narrative)
        + obs
            .facts
            .iter()
            .map(|f| crate::tokens::estimate(f))
            .sum::<u32>();
}

/// An embedding to store beside an observation.
#[derive(Debug, Clone)]
pub(crate) struct StoredVector {
    /// The embedder's id.
    pub model: String,
    /// The vector, unit length, of the embedder's dimension.
    pub vector: Vec<f32>,
}

impl Store {
    /// Stores an observation (id ignored) unless one with the same content hash exists in
    /// its project; writes its provenance, files, full-text row and vector with it.
    pub(crate) fn insert_observation(
        &self,
        obs: &Observation,
        vector: Option<&StoredVector>,
    ) -> Result<Added> {
        let tx = self.write()?;
        let added = insert_observation(&tx, obs, vector)?;
        tx.commit()
            .ctx(|| format!("commit observation {:?}", obs.title))?;
        Ok(added)
    }

    /// Observations by id, in the order asked; unknown ids are left out.
    pub(crate) fn observations_by_id(&self, ids: &[ObservationId]) -> Result<Vec<Observation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: Vec<Observation> = Vec::with_capacity(ids.len());
        for batch in super::id_batches(ids) {
            let sql = format!(
                "SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.id IN ({})",
                placeholders(batch.len())
            );
            let rows: Vec<Observation> = self.conn().query_rows(
                &sql,
                params_from_iter(batch),
                observation_from_row,
                || "read observations by id".into(),
            )?;
            found.extend(rows);
        }
        let position: HashMap<ObservationId, usize> = ids
            .iter()
            .enumerate()
            .rev()
            .map(|(i, id)| (*id, i))
            .collect();
        found.sort_by_key(|o| position.get(&o.id).copied());
        found.dedup_by_key(|o| o.id);
        Ok(found)
    }

    /// The newest observations in scope.
    pub(crate) fn recent_observations(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Observation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o
             WHERE (?1 IS NULL OR o.project = ?1)
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?2"
        );
        self.conn().query_rows(
            &sql,
            params![scope.project(), limit],
            observation_from_row,
            || "list recent observations".into(),
        )
    }

    /// Observation counts per kind in scope.
    pub(crate) fn count_observations_by_kind(
        &self,
        scope: &Scope,
    ) -> Result<BTreeMap<String, u64>> {
        self.conn().query_rows(
            "SELECT kind, count(*) FROM observations WHERE (?1 IS NULL OR project = ?1)
             GROUP BY kind",
            [scope.project()],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)),
            || "count observations".into(),
        )
    }
}

/// Stores an observation inside a transaction the caller commits; see
/// [`Store::insert_observation`]. A new one of a shared project is logged for sync.
pub(crate) fn insert_observation(
    tx: &Transaction<'_>,
    obs: &Observation,
    vector: Option<&StoredVector>,
) -> Result<Added> {
    let added = insert_unlogged(tx, obs, vector)?;
    if !added.duplicate {
        let stored = Observation {
            id: added.id,
            ..obs.clone()
        };
        super::sync::log_observation_put(tx, added.id, &stored)?;
    }
    Ok(added)
}

/// [`insert_observation`] without the sync log: for a record that comes from the log itself
/// (sync applying others' changes, an undo that logs a restore instead).
pub(crate) fn insert_unlogged(
    tx: &Transaction<'_>,
    obs: &Observation,
    vector: Option<&StoredVector>,
) -> Result<Added> {
    ensure_project(tx, &obs.project)?;
    let existing: Option<ObservationId> = tx.query_optional(
        "SELECT id FROM observations WHERE project = ?1 AND content_hash = ?2",
        params![obs.project, obs.content_hash],
        |r| r.get(0),
        || "look up an observation's content hash".into(),
    )?;
    if let Some(id) = existing {
        return Ok(Added {
            id,
            duplicate: true,
        });
    }
    insert_row(tx, obs)?;
    let id = tx.last_insert_rowid();
    link_sources(tx, id, &obs.source_event_ids)?;
    {
        let mut file = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO observation_files (observation_id, path, role)
                 VALUES (?1, ?2, ?3)",
            )
            .ctx(|| "prepare file index insert".into())?;
        for (paths, role) in [(&obs.files_read, "read"), (&obs.files_modified, "modified")] {
            for path in paths {
                file.execute(params![id, path, role])
                    .ctx(|| format!("index the files of observation {id}"))?;
            }
        }
    }
    index_observation(tx, id, obs)?;
    if let Some(v) = vector {
        super::vectors::put_vectors(
            tx,
            &v.model,
            v.vector.len(),
            &[super::vectors::NewVector {
                layer: super::vectors::Layer::Observation,
                record: id,
                project: &obs.project,
                vector: &v.vector,
            }],
        )?;
    }
    Ok(Added {
        id,
        duplicate: false,
    })
}

/// Writes an observation's full-text row (rowid = its id) from its fields.
pub(crate) fn index_observation(
    tx: &Transaction<'_>,
    id: ObservationId,
    obs: &Observation,
) -> Result<()> {
    let facts = obs.facts.join("\n");
    let concepts = obs.concepts.join(" ");
    let files = obs
        .files_read
        .iter()
        .chain(&obs.files_modified)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let (terms, context) = observation_terms(
        [
            obs.title.as_str(),
            &obs.subtitle,
            &obs.narrative,
            &facts,
            &files,
        ],
        &concepts,
        &obs.context,
    );
    tx.execute_cached(
        "INSERT INTO observations_fts
             (rowid, title, subtitle, narrative, facts, concepts, files, terms, context)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            obs.title,
            obs.subtitle,
            obs.narrative,
            facts,
            concepts,
            files,
            terms,
            context
        ],
        || format!("index observation {id}"),
    )?;
    Ok(())
}

/// One observation read inside a transaction.
pub(crate) fn observation_in(
    tx: &rusqlite::Connection,
    id: ObservationId,
) -> Result<Option<Observation>> {
    tx.query_optional(
        &format!("SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.id = ?1"),
        [id],
        observation_from_row,
        || format!("read observation {id}"),
    )
}

/// Links an observation to the events it came from (links it has already are kept).
pub(crate) fn link_sources(
    tx: &Transaction<'_>,
    id: ObservationId,
    events: &[crate::model::EventId],
) -> Result<()> {
    let mut source = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO observation_sources (observation_id, event_id)
             VALUES (?1, ?2)",
        )
        .ctx(|| "prepare provenance insert".into())?;
    for event in events {
        source
            .execute(params![id, event])
            .ctx(|| format!("record the provenance of observation {id}"))?;
    }
    Ok(())
}

/// Keeps references (opaque text: the export format's event reference as JSON) to sources
/// of an imported observation that are not in the store; references it has are kept once.
pub(crate) fn keep_source_refs(
    tx: &Transaction<'_>,
    id: ObservationId,
    refs: &[String],
) -> Result<()> {
    let mut insert = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO observation_source_refs (observation_id, event_ref)
             VALUES (?1, ?2)",
        )
        .ctx(|| "prepare source reference insert".into())?;
    for r in refs {
        insert
            .execute(params![id, r])
            .ctx(|| format!("keep a source reference of observation {id}"))?;
    }
    Ok(())
}

/// Forgets a kept source reference (once it is linked to an event in the store).
pub(crate) fn drop_source_ref(tx: &Transaction<'_>, id: ObservationId, r: &str) -> Result<()> {
    tx.execute_cached(
        "DELETE FROM observation_source_refs WHERE observation_id = ?1 AND event_ref = ?2",
        params![id, r],
        || format!("drop a source reference of observation {id}"),
    )?;
    Ok(())
}

/// The kept source references of an observation, in order.
pub(crate) fn source_refs(conn: &rusqlite::Connection, id: ObservationId) -> Result<Vec<String>> {
    conn.query_rows(
        "SELECT event_ref FROM observation_source_refs WHERE observation_id = ?1
         ORDER BY event_ref",
        [id],
        |r| r.get(0),
        || format!("read the source references of observation {id}"),
    )
}

#[cfg(test)]
mod tests {
    use super::{OBSERVATION_COLUMNS, TABLE};

    #[test]
    fn the_columns_read_are_the_table_columns_in_order() {
        // `observation_from_row` reads by position: its list must follow the table's.
        let read: Vec<&str> = OBSERVATION_COLUMNS
            .split(',')
            .map(str::trim)
            .take_while(|c| c.starts_with("o."))
            .map(|c| c.trim_start_matches("o."))
            .collect();
        let table: Vec<&str> = TABLE.columns.iter().map(|c| c.name).collect();
        assert_eq!(read, table);
    }
}
