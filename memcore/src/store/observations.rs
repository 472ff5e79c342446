//! Observations with their provenance, file index, vectors and full-text rows. Inserting and
//! forgetting keep all of them in step, in one transaction.

use super::fts::observation_terms;
use super::sessions::ensure_project;
use super::{ConnExt, Store, from_millis, json_list, parse_json_list, placeholders, to_millis};
use crate::error::{Result, SqlContext};
use crate::model::{Added, Observation, ObservationId, ObservationKind, Scope};
use rusqlite::{Row, Transaction, params, params_from_iter};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Columns of [`observation_from_row`], with `o` the observations table.
pub(crate) const OBSERVATION_COLUMNS: &str = "o.id, o.project, o.session_id, o.kind, o.title,
    o.subtitle, o.narrative, o.facts, o.concepts, o.files_read, o.files_modified, o.created_at,
    o.importance, o.content_hash, o.token_count, o.supersedes, o.pinned,
    (SELECT group_concat(event_id) FROM observation_sources WHERE observation_id = o.id),
    (SELECT max(n.id) FROM observations n WHERE n.supersedes = o.id), o.context";

pub(crate) fn observation_from_row(row: &Row<'_>) -> rusqlite::Result<Observation> {
    let kind: String = row.get(3)?;
    let sources: Option<String> = row.get(17)?;
    let mut source_event_ids: Vec<i64> = sources
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    source_event_ids.sort_unstable();
    Ok(Observation {
        id: row.get(0)?,
        project: row.get(1)?,
        session_id: row.get(2)?,
        kind: ObservationKind::parse(&kind),
        title: row.get(4)?,
        subtitle: row.get(5)?,
        narrative: row.get(6)?,
        facts: parse_json_list(&row.get::<_, String>(7)?),
        concepts: parse_json_list(&row.get::<_, String>(8)?),
        files_read: parse_json_list(&row.get::<_, String>(9)?),
        files_modified: parse_json_list(&row.get::<_, String>(10)?),
        created_at: from_millis(row.get(11)?),
        importance: row.get::<_, f64>(12)? as f32,
        content_hash: row.get(13)?,
        token_count: row.get(14)?,
        supersedes: row.get(15)?,
        pinned: row.get(16)?,
        source_event_ids,
        superseded_by: row.get(18)?,
        context: row.get(19)?,
    })
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
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.id IN ({})",
            placeholders(ids.len())
        );
        let mut found: Vec<Observation> = self.conn().query_rows_uncached(
            &sql,
            params_from_iter(ids),
            observation_from_row,
            || "read observations by id".into(),
        )?;
        found.sort_by_key(|o| ids.iter().position(|id| *id == o.id));
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

    /// Deletes an observation with its full-text row, provenance, files and vector. Newer
    /// observations that superseded it keep existing; their link is cleared. Returns whether
    /// it existed.
    pub(crate) fn delete_observation(&self, id: ObservationId) -> Result<bool> {
        let tx = self.write()?;
        let deleted = tx.execute_cached("DELETE FROM observations WHERE id = ?1", [id], || {
            format!("forget observation {id}")
        })?;
        if deleted > 0 {
            tx.execute_cached(
                "DELETE FROM observations_fts WHERE rowid = ?1",
                [id],
                || format!("remove observation {id} from the index"),
            )?;
        }
        tx.commit()
            .ctx(|| format!("commit forgetting observation {id}"))?;
        Ok(deleted > 0)
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
/// [`Store::insert_observation`].
pub(crate) fn insert_observation(
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
    tx.execute_cached(
        "INSERT INTO observations (project, session_id, kind, title, subtitle, narrative,
             facts, concepts, files_read, files_modified, created_at, importance,
             content_hash, token_count, supersedes, pinned, context)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            obs.project,
            obs.session_id,
            obs.kind.as_str(),
            obs.title,
            obs.subtitle,
            obs.narrative,
            json_list(&obs.facts),
            json_list(&obs.concepts),
            json_list(&obs.files_read),
            json_list(&obs.files_modified),
            to_millis(obs.created_at),
            f64::from(obs.importance),
            obs.content_hash,
            obs.token_count,
            obs.supersedes,
            obs.pinned,
            obs.context,
        ],
        || format!("store observation {:?}", obs.title),
    )?;
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
