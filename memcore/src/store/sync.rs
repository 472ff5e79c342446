//! The change log of sync (see [`crate::sync`]): the device's identity and clock, the changes
//! every write to a shared project appends in its own transaction, the map from global ids
//! to local rows, the projects' and records' sharing, and what each target has been sent.

use super::{ConnExt, Store, now_millis};
use crate::error::{Error, Result, SqlContext};
use crate::model::{Observation, ObservationId, Summary};
use crate::sync::ObservationRecord;
use crate::sync::{Change, ChangeKind, Origin, SyncProject, SyncStatus, SyncTarget};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

/// The layers a global id can name.
pub(crate) const OBSERVATION: &str = "observation";
pub(crate) const SESSION: &str = "session";
pub(crate) const SUMMARY: &str = "summary";

/// A value of `sync_meta`.
fn meta(tx: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    tx.query_optional(
        "SELECT value FROM sync_meta WHERE key = ?1",
        [key],
        |r| r.get(0),
        || format!("read sync setting {key}"),
    )
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute_cached(
        "INSERT INTO sync_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
        || format!("write sync setting {key}"),
    )?;
    Ok(())
}

/// 32 random hex characters from SQLite's generator (seeded by the OS).
fn random_id(tx: &rusqlite::Connection) -> Result<String> {
    tx.query_single(
        "SELECT lower(hex(randomblob(16)))",
        [],
        |r| r.get(0),
        || "make a random id".into(),
    )
}

/// This store's device id, made on first use.
pub(crate) fn device_id(tx: &Transaction<'_>) -> Result<String> {
    if let Some(id) = meta(tx, "device_id")? {
        return Ok(id);
    }
    let id = random_id(tx)?;
    set_meta(tx, "device_id", &id)?;
    Ok(id)
}

/// Whether a project's changes are logged: it is shared.
fn is_shared(tx: &rusqlite::Connection, project: &str) -> Result<bool> {
    tx.exists(
        "SELECT EXISTS (SELECT 1 FROM sync_projects WHERE project = ?1 AND enabled = 1)",
        [project],
        || format!("read the sync setting of project {project:?}"),
    )
}

/// The clock's next value: past every stamp this store has made or seen, and at least now.
fn next_hlc(tx: &Transaction<'_>) -> Result<u64> {
    let last: u64 = meta(tx, "hlc")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let now = (now_millis().max(0) as u64) << 16;
    let hlc = now.max(last + 1);
    set_meta(tx, "hlc", &hlc.to_string())?;
    Ok(hlc)
}

/// Raises the clock past stamps seen from elsewhere, but never more than five minutes ahead
/// of this machine's time: a device with a clock far in the future must not drag every later
/// write along.
fn observe_hlc(tx: &Transaction<'_>, seen: u64) -> Result<()> {
    let limit = ((now_millis().max(0) as u64) + 5 * 60 * 1000) << 16;
    let last: u64 = meta(tx, "hlc")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let seen = seen.min(limit);
    if seen > last {
        set_meta(tx, "hlc", &seen.to_string())?;
    }
    Ok(())
}

/// Appends a change of this device, in the caller's transaction.
fn append(
    tx: &Transaction<'_>,
    project: &str,
    record: &str,
    kind: ChangeKind,
    payload: &Value,
) -> Result<()> {
    let device = device_id(tx)?;
    let author = meta(tx, "author")?.unwrap_or_default();
    let seq: u64 = meta(tx, "device_seq")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + 1;
    set_meta(tx, "device_seq", &seq.to_string())?;
    let hlc = next_hlc(tx)?;
    insert_change(
        tx,
        &Change {
            change_id: format!("{device}-{seq}"),
            device_id: device.clone(),
            device_seq: seq,
            hlc,
            author,
            project: project.to_owned(),
            record: record.to_owned(),
            kind,
            payload: payload.clone(),
        },
    )?;
    Ok(())
}

/// Stores a change unless one with its id is there; true when it was new.
fn insert_change(tx: &Transaction<'_>, c: &Change) -> Result<bool> {
    let n = tx.execute_cached(
        "INSERT OR IGNORE INTO changes
             (change_id, device_id, device_seq, hlc, author, project, record, kind, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            c.change_id,
            c.device_id,
            c.device_seq as i64,
            c.hlc as i64,
            c.author,
            c.project,
            c.record,
            c.kind.as_str(),
            c.payload.to_string()
        ],
        || format!("store change {}", c.change_id),
    )?;
    Ok(n > 0)
}

/// The global id of a local row, if it has one.
pub(crate) fn uid_of(
    tx: &rusqlite::Connection,
    layer: &str,
    local: &str,
) -> Result<Option<String>> {
    tx.query_optional(
        "SELECT uid FROM sync_records WHERE layer = ?1 AND local_id = ?2",
        params![layer, local],
        |r| r.get(0),
        || format!("look up the global id of {layer} {local}"),
    )
}

/// The local row a global id maps to.
pub(crate) fn local_of(tx: &rusqlite::Connection, uid: &str) -> Result<Option<String>> {
    tx.query_optional(
        "SELECT local_id FROM sync_records WHERE uid = ?1",
        [uid],
        |r| r.get(0),
        || format!("look up record {uid}"),
    )
}

/// Maps a global id to a local row (made here or received: `device`/`author` say whose).
/// SQLite gives a deleted row's id to the next row, so a mapping another record left on the
/// same local id (deleted by retention) is detached first.
pub(crate) fn map_record(
    tx: &Transaction<'_>,
    uid: &str,
    layer: &str,
    local: &str,
    device: &str,
    author: &str,
) -> Result<()> {
    tx.execute_cached(
        "UPDATE sync_records SET local_id = 'gone:' || local_id
         WHERE layer = ?1 AND local_id = ?2 AND uid != ?3",
        params![layer, local, uid],
        || format!("detach an old mapping of {layer} {local}"),
    )?;
    tx.execute_cached(
        "INSERT INTO sync_records (uid, layer, local_id, device_id, author)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (uid) DO UPDATE SET local_id = excluded.local_id",
        params![uid, layer, local, device, author],
        || format!("map record {uid}"),
    )?;
    Ok(())
}

/// Points a global id at another local row (a restored record's new id).
pub(crate) fn remap(tx: &Transaction<'_>, uid: &str, layer: &str, local: &str) -> Result<()> {
    tx.execute_cached(
        "UPDATE sync_records SET local_id = 'gone:' || local_id
         WHERE layer = ?1 AND local_id = ?2 AND uid != ?3",
        params![layer, local, uid],
        || format!("detach an old mapping of {layer} {local}"),
    )?;
    tx.execute_cached(
        "UPDATE sync_records SET local_id = ?2 WHERE uid = ?1",
        params![uid, local],
        || format!("map record {uid}"),
    )?;
    Ok(())
}

/// Where a forgotten observation's global id points while it is in the bin: its batch and
/// the id it had (the id itself may go to a new observation meanwhile).
pub(crate) fn binned(batch: i64, id: ObservationId) -> String {
    format!("bin:{batch}:{id}")
}

/// Logs the put of an observation just stored (and of its session the first time), when its
/// project is shared. The observation gets its global id here.
pub(crate) fn log_observation_put(
    tx: &Transaction<'_>,
    id: ObservationId,
    obs: &Observation,
) -> Result<()> {
    if !is_shared(tx, &obs.project)? {
        return Ok(());
    }
    if let Some(session) = &obs.session_id {
        log_session_put(tx, session)?;
    }
    let device = device_id(tx)?;
    let author = meta(tx, "author")?.unwrap_or_default();
    // The global id comes from the content, as the store's own deduplication does: two
    // machines that store the same observation before they sync make one record, not two
    // that would collapse into one row in whichever order they arrive. An observation stored
    // again after it was forgotten is the same record, remembered again: its put goes with
    // a restore. Only when that id already names another live row (an observation edited
    // away from this content) does the new one get an id of its own.
    let derived = content_uid(&obs.project, &obs.content_hash);
    let (uid, again) = match local_of(tx, &derived)? {
        None => (derived, false),
        Some(local) => match local.parse::<ObservationId>() {
            Ok(other)
                if other != id && super::observations::observation_in(tx, other)?.is_some() =>
            {
                (random_id(tx)?, false)
            }
            _ => (derived, true),
        },
    };
    if again {
        remap(tx, &uid, OBSERVATION, &id.to_string())?;
    } else {
        map_record(tx, &uid, OBSERVATION, &id.to_string(), &device, &author)?;
    }
    let supersedes = match obs.supersedes {
        Some(older) => uid_of(tx, OBSERVATION, &older.to_string())?,
        None => None,
    };
    let payload =
        serde_json::to_value(ObservationRecord::of(obs, supersedes)).map_err(|source| {
            Error::Json {
                context: format!("encode observation {id} for sync"),
                source,
            }
        })?;
    append(tx, &obs.project, &uid, ChangeKind::ObservationPut, &payload)?;
    if again {
        let changes = Store::record_changes(tx, &uid)?;
        if crate::sync::observation_state(&changes).is_some_and(|s| s.forgotten) {
            append(
                tx,
                &obs.project,
                &uid,
                ChangeKind::ObservationRestore,
                &Value::Object(Default::default()),
            )?;
        }
        // The record's first put decides its fields (its time, above all), here as on every
        // other store: the row just stored takes them.
        let changes = Store::record_changes(tx, &uid)?;
        if let Some(state) = crate::sync::observation_state(&changes) {
            align(tx, id, obs, &state.record)?;
        }
    }
    Ok(())
}

/// Rewrites a row with the fields its record's state gives (the same content, by
/// construction: the same global id), keeping what is local to the row.
fn align(
    tx: &Transaction<'_>,
    id: ObservationId,
    obs: &Observation,
    r: &ObservationRecord,
) -> Result<()> {
    let aligned = Observation {
        id,
        kind: r.kind.clone(),
        title: r.title.clone(),
        subtitle: r.subtitle.clone(),
        narrative: r.narrative.clone(),
        facts: r.facts.clone(),
        context: r.context.clone(),
        concepts: r.concepts.clone(),
        files_read: r.files_read.clone(),
        files_modified: r.files_modified.clone(),
        created_at: r.created_at,
        importance: r.importance,
        ..obs.clone()
    };
    if aligned == *obs {
        return Ok(());
    }
    let mut aligned = aligned;
    super::seal(&mut aligned);
    match super::curation::update_in(tx, &aligned, None) {
        // Another row says exactly this already: the row stays as stored.
        Err(Error::InvalidInput { .. }) => Ok(()),
        other => other,
    }
}

/// The global id of an observation first stored with this content in this project.
fn content_uid(project: &str, content_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest =
        Sha256::digest(format!("memcore-observation\0{project}\0{content_hash}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Logs a change to a stored observation (edit, pin, forget, restore) when its project is
/// shared; an observation stored before the project was shared gets its put first.
pub(crate) fn log_observation_change(
    tx: &Transaction<'_>,
    obs: &Observation,
    kind: ChangeKind,
    payload: &Value,
) -> Result<()> {
    if !is_shared(tx, &obs.project)? {
        return Ok(());
    }
    let uid = match uid_of(tx, OBSERVATION, &obs.id.to_string())? {
        Some(uid) => uid,
        None => {
            log_observation_put(tx, obs.id, obs)?;
            uid_of(tx, OBSERVATION, &obs.id.to_string())?.unwrap_or_default()
        }
    };
    append(tx, &obs.project, &uid, kind, payload)
}

/// Logs a session's put once (its id is global: hosts make session ids unique).
fn log_session_put(tx: &Transaction<'_>, session_id: &str) -> Result<()> {
    if uid_of(tx, SESSION, session_id)?.is_some() {
        return Ok(());
    }
    let Some(session) = super::sessions::session_in(tx, session_id)? else {
        return Ok(());
    };
    let device = device_id(tx)?;
    let author = meta(tx, "author")?.unwrap_or_default();
    map_record(tx, session_id, SESSION, session_id, &device, &author)?;
    let payload = serde_json::to_value(&session).map_err(|source| Error::Json {
        context: format!("encode session {session_id} for sync"),
        source,
    })?;
    append(
        tx,
        &session.project,
        session_id,
        ChangeKind::SessionPut,
        &payload,
    )
}

/// An event as an `event_put` carries it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct EventRecord {
    pub session_id: String,
    pub payload: crate::model::EventPayload,
    pub external_id: Option<String>,
    pub occurred_at: i64,
}

/// The layer name of events in `sync_records`.
pub(crate) const EVENT: &str = "event";

/// The project of a session when that project shares its events: the one check every
/// recorded event pays (a hook's hot path), before anything is copied for the log.
pub(crate) fn events_shared_by(tx: &Transaction<'_>, session_id: &str) -> Result<Option<String>> {
    tx.query_optional(
        "SELECT p.project FROM sessions s JOIN sync_projects p ON p.project = s.project
         WHERE s.id = ?1 AND p.enabled = 1 AND p.events = 1",
        [session_id],
        |r| r.get(0),
        || format!("read whether the events of session {session_id:?} are shared"),
    )
}

/// Logs an event just recorded, of a project that shares its events
/// ([`events_shared_by`]).
pub(crate) fn log_event_put(
    tx: &Transaction<'_>,
    id: i64,
    project: &str,
    event: &EventRecord,
) -> Result<()> {
    log_session_put(tx, &event.session_id)?;
    let device = device_id(tx)?;
    let author = meta(tx, "author")?.unwrap_or_default();
    let uid = random_id(tx)?;
    map_record(tx, &uid, EVENT, &id.to_string(), &device, &author)?;
    let payload = serde_json::to_value(event).map_err(|source| Error::Json {
        context: format!("encode event {id} for sync"),
        source,
    })?;
    append(tx, project, &uid, ChangeKind::EventPut, &payload)
}

/// Logs a summary just stored, when its project is shared.
pub(crate) fn log_summary_put(tx: &Transaction<'_>, summary: &Summary) -> Result<()> {
    if !is_shared(tx, &summary.project)? {
        return Ok(());
    }
    log_session_put(tx, &summary.session_id)?;
    let device = device_id(tx)?;
    let author = meta(tx, "author")?.unwrap_or_default();
    let uid = random_id(tx)?;
    map_record(tx, &uid, SUMMARY, &summary.id.to_string(), &device, &author)?;
    let payload = serde_json::to_value(summary).map_err(|source| Error::Json {
        context: format!("encode summary {} for sync", summary.id),
        source,
    })?;
    append(tx, &summary.project, &uid, ChangeKind::SummaryPut, &payload)
}

/// A change from a row of `changes`.
fn change_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Change> {
    let kind: String = r.get("kind")?;
    let payload: String = r.get("payload")?;
    Ok(Change {
        change_id: r.get("change_id")?,
        device_id: r.get("device_id")?,
        device_seq: r.get::<_, i64>("device_seq")?.max(0) as u64,
        hlc: r.get::<_, i64>("hlc")?.max(0) as u64,
        author: r.get("author")?,
        project: r.get("project")?,
        record: r.get("record")?,
        kind: ChangeKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("unknown change kind {kind:?}").into(),
            )
        })?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
    })
}

impl Store {
    /// Shares a project: its changes are logged from now on, and every observation and
    /// summary it has is logged as a put (once). `author` (when not empty) becomes the
    /// store's author. Returns the changes logged.
    pub(crate) fn sync_enable(&self, project: &str, author: &str) -> Result<u64> {
        let tx = self.write()?;
        device_id(&tx)?;
        if !author.trim().is_empty() {
            set_meta(&tx, "author", author.trim())?;
        }
        tx.execute_cached(
            "INSERT INTO sync_projects (project, enabled) VALUES (?1, 1)
             ON CONFLICT (project) DO UPDATE SET enabled = 1",
            [project],
            || format!("share project {project:?}"),
        )?;
        let before = own_seq(&tx)?;
        let unlogged: Vec<Observation> = tx.query_rows(
            &format!(
                "SELECT {} FROM observations o WHERE o.project = ?1
                   AND NOT EXISTS (SELECT 1 FROM sync_records s
                                   WHERE s.layer = 'observation' AND s.local_id = CAST(o.id AS TEXT))
                 ORDER BY o.id",
                super::observations::OBSERVATION_COLUMNS
            ),
            [project],
            super::observations::observation_from_row,
            || format!("list the observations of {project:?} to share"),
        )?;
        for obs in &unlogged {
            log_observation_put(&tx, obs.id, obs)?;
        }
        let summaries: Vec<Summary> = tx.query_rows(
            &format!(
                "SELECT {} FROM summaries s WHERE s.project = ?1
                   AND NOT EXISTS (SELECT 1 FROM sync_records r
                                   WHERE r.layer = 'summary' AND r.local_id = CAST(s.id AS TEXT))
                 ORDER BY s.id",
                super::summaries::SUMMARY_COLUMNS
            ),
            [project],
            super::summaries::summary_from_row,
            || format!("list the summaries of {project:?} to share"),
        )?;
        for summary in &summaries {
            log_summary_put(&tx, summary)?;
        }
        let logged = own_seq(&tx)? - before;
        tx.commit().ctx(|| format!("commit sharing {project:?}"))?;
        Ok(logged)
    }

    /// Whether a project's events (prompts, tool calls, assistant messages) travel with its
    /// observations: from now on, when it is shared. Events recorded before are not sent.
    pub(crate) fn set_share_events(&self, project: &str, share: bool) -> Result<()> {
        self.conn().execute_cached(
            "INSERT INTO sync_projects (project, events) VALUES (?1, ?2)
             ON CONFLICT (project) DO UPDATE SET events = excluded.events",
            params![project, share],
            || format!("set whether project {project:?} shares its events"),
        )?;
        Ok(())
    }

    /// Stops logging a project's changes; true when it was shared.
    pub(crate) fn sync_disable(&self, project: &str) -> Result<bool> {
        let n = self.conn().execute_cached(
            "UPDATE sync_projects SET enabled = 0 WHERE project = ?1 AND enabled = 1",
            [project],
            || format!("stop sharing {project:?}"),
        )?;
        Ok(n > 0)
    }

    /// Marks a project private (nothing of it leaves the store) or not.
    pub(crate) fn set_private_project(&self, project: &str, private: bool) -> Result<()> {
        self.conn().execute_cached(
            "INSERT INTO sync_projects (project, private) VALUES (?1, ?2)
             ON CONFLICT (project) DO UPDATE SET private = excluded.private",
            params![project, private],
            || format!("mark project {project:?} private"),
        )?;
        Ok(())
    }

    /// Marks an observation private (it never leaves the store) or not; false when there is
    /// no such observation. A private observation of a shared project gets its global id
    /// now, so that the mark holds for the put logged with it.
    pub(crate) fn set_private_observation(&self, id: ObservationId, private: bool) -> Result<bool> {
        let tx = self.write()?;
        let Some(obs) = super::observations::observation_in(&tx, id)? else {
            return Ok(false);
        };
        let uid = match uid_of(&tx, OBSERVATION, &id.to_string())? {
            Some(uid) => uid,
            None => {
                let device = device_id(&tx)?;
                let author = meta(&tx, "author")?.unwrap_or_default();
                let uid = random_id(&tx)?;
                map_record(&tx, &uid, OBSERVATION, &id.to_string(), &device, &author)?;
                uid
            }
        };
        tx.execute_cached(
            "UPDATE sync_records SET private = ?2 WHERE uid = ?1",
            params![uid, private],
            || format!("mark observation {} private", obs.id),
        )?;
        tx.commit()
            .ctx(|| format!("commit the privacy of observation {id}"))?;
        Ok(true)
    }

    /// This device's changes after what `target` was sent, at most `limit`, with how far it
    /// looked; private projects' and records' changes and those of projects no longer shared
    /// are left out (and counted as looked at).
    pub(crate) fn sync_outbox(
        &self,
        target: &str,
        limit: usize,
    ) -> Result<(Vec<Change>, u64, bool)> {
        let device = match meta(self.conn(), "device_id")? {
            Some(d) => d,
            None => return Ok((Vec::new(), 0, false)),
        };
        let sent = sent_seq(self.conn(), target)?;
        let limit = limit.clamp(1, 100_000);
        let rows: Vec<(Change, bool)> = self.conn().query_rows(
            "SELECT c.*,
                 EXISTS (SELECT 1 FROM sync_projects p WHERE p.project = c.project
                         AND p.enabled = 1 AND p.private = 0
                         AND (c.kind != 'event_put' OR p.events = 1))
                 AND NOT EXISTS (SELECT 1 FROM sync_records r WHERE r.uid = c.record AND r.private = 1)
                 AS sendable
             FROM changes c WHERE c.device_id = ?1 AND c.device_seq > ?2
             ORDER BY c.device_seq LIMIT ?3",
            params![device, sent as i64, limit as i64 + 1],
            |r| Ok((change_from_row(r)?, r.get::<_, bool>("sendable")?)),
            || format!("read the changes to send to {target}"),
        )?;
        let more = rows.len() > limit;
        let rows: Vec<_> = rows.into_iter().take(limit).collect();
        let upto = rows.last().map_or(sent, |(c, _)| c.device_seq);
        let changes = rows
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(c, _)| c)
            .collect();
        Ok((changes, upto, more))
    }

    /// Records that `target` has this device's changes up to `seq`.
    pub(crate) fn sync_sent(&self, target: &str, seq: u64) -> Result<()> {
        self.conn().execute_cached(
            "INSERT INTO sync_targets (target, sent_seq) VALUES (?1, ?2)
             ON CONFLICT (target) DO UPDATE SET sent_seq = max(sent_seq, excluded.sent_seq)",
            params![target, seq as i64],
            || format!("record what {target} was sent"),
        )?;
        Ok(())
    }

    /// Where the next pull from `target` starts.
    pub(crate) fn sync_cursor(&self, target: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_optional(
                "SELECT cursor FROM sync_targets WHERE target = ?1",
                [target],
                |r| r.get::<_, Option<String>>(0),
                || format!("read the pull position of {target}"),
            )?
            .flatten())
    }

    /// Keeps where the next pull from `target` starts.
    pub(crate) fn set_sync_cursor(&self, target: &str, cursor: &str) -> Result<()> {
        self.conn().execute_cached(
            "INSERT INTO sync_targets (target, cursor) VALUES (?1, ?2)
             ON CONFLICT (target) DO UPDATE SET cursor = excluded.cursor",
            params![target, cursor],
            || format!("keep the pull position of {target}"),
        )?;
        Ok(())
    }

    /// Stores changes from elsewhere (own and known ones are skipped) and raises the clock
    /// past them; returns the new ones.
    pub(crate) fn store_changes<'c>(
        &self,
        tx: &Transaction<'_>,
        changes: &'c [Change],
    ) -> Result<Vec<&'c Change>> {
        let device = device_id(tx)?;
        let mut new = Vec::new();
        for c in changes {
            if c.device_id == device {
                continue;
            }
            if insert_change(tx, c)? {
                new.push(c);
            }
            observe_hlc(tx, c.hlc)?;
        }
        Ok(new)
    }

    /// Every change of one record.
    pub(crate) fn record_changes(tx: &rusqlite::Connection, uid: &str) -> Result<Vec<Change>> {
        tx.query_rows(
            "SELECT * FROM changes WHERE record = ?1",
            [uid],
            change_from_row,
            || format!("read the changes of record {uid}"),
        )
    }

    /// Sync's settings and counts.
    pub(crate) fn sync_status(&self) -> Result<SyncStatus> {
        let conn = self.conn();
        let device_id = meta(conn, "device_id")?.unwrap_or_default();
        let device_seq: u64 = meta(conn, "device_seq")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let projects = conn.query_rows(
            "SELECT project, enabled, private, events FROM sync_projects ORDER BY project",
            [],
            |r| {
                Ok(SyncProject {
                    project: r.get(0)?,
                    enabled: r.get(1)?,
                    private: r.get(2)?,
                    events: r.get(3)?,
                })
            },
            || "read the projects' sync settings".into(),
        )?;
        let targets = conn.query_rows(
            "SELECT target, sent_seq, cursor FROM sync_targets ORDER BY target",
            [],
            |r| {
                let sent = r.get::<_, i64>(1)?.max(0) as u64;
                Ok(SyncTarget {
                    target: r.get(0)?,
                    sent_seq: sent,
                    cursor: r.get(2)?,
                    pending: device_seq.saturating_sub(sent),
                })
            },
            || "read the sync targets".into(),
        )?;
        let received: i64 = conn.query_single(
            "SELECT count(*) FROM changes WHERE device_id != ?1",
            [&device_id],
            |r| r.get(0),
            || "count received changes".into(),
        )?;
        Ok(SyncStatus {
            device_id,
            author: meta(conn, "author")?.unwrap_or_default(),
            device_seq,
            received: received.max(0) as u64,
            projects,
            targets,
        })
    }

    /// The authors of those of `ids` that another device made (a teammate's, or one's own
    /// from another machine), by local id.
    pub(crate) fn teammate_authors(
        &self,
        ids: &[ObservationId],
    ) -> Result<std::collections::HashMap<ObservationId, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let conn = self.conn();
        let Some(own) = meta(conn, "device_id")? else {
            return Ok(Default::default());
        };
        let keys: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        let sql = format!(
            "SELECT local_id, author FROM sync_records
             WHERE layer = 'observation' AND device_id != ? AND author != ''
               AND local_id IN ({})",
            super::placeholders(keys.len())
        );
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&own];
        params.extend(keys.iter().map(|k| k as &dyn rusqlite::ToSql));
        conn.query_rows_uncached(
            &sql,
            params.as_slice(),
            |r| {
                let local: String = r.get(0)?;
                Ok((
                    local.parse::<ObservationId>().unwrap_or(0),
                    r.get::<_, String>(1)?,
                ))
            },
            || "read the authors of teammates' observations".into(),
        )
    }

    /// Who made an observation, when another device did.
    pub(crate) fn observation_origin(&self, id: ObservationId) -> Result<Option<Origin>> {
        let conn = self.conn();
        let own = meta(conn, "device_id")?.unwrap_or_default();
        conn.query_row(
            "SELECT author, device_id FROM sync_records
                 WHERE layer = 'observation' AND local_id = ?1 AND device_id != ?2",
            params![id.to_string(), own],
            |r| {
                Ok(Origin {
                    author: r.get(0)?,
                    device_id: r.get(1)?,
                })
            },
        )
        .optional()
        .ctx(|| format!("read the origin of observation {id}"))
    }
}

fn own_seq(tx: &rusqlite::Connection) -> Result<u64> {
    Ok(meta(tx, "device_seq")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

fn sent_seq(conn: &rusqlite::Connection, target: &str) -> Result<u64> {
    Ok(conn
        .query_optional(
            "SELECT sent_seq FROM sync_targets WHERE target = ?1",
            [target],
            |r| r.get::<_, i64>(0),
            || format!("read what {target} was sent"),
        )?
        .unwrap_or(0)
        .max(0) as u64)
}
