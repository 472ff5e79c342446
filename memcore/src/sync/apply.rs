//! Applying changes from elsewhere: they are checked, stored in the change log (known ones
//! skipped), and every record they touch is brought to the state its whole set of changes
//! defines ([`super::state`]), in one transaction. What is written this way is not logged
//! again: it is in the log already.

use super::state::{ObservationRecord, observation_state};
use super::{ApplyReport, Change, ChangeKind};
use crate::error::{Error, Result, SqlContext};
use crate::model::EventStatus;
use crate::model::{NewObservation, NewSummary, Observation, Session, Summary};
use crate::state::State;
use crate::store::Store;
use crate::store::curation::update_in;
use crate::store::events::{NewEventRow, insert_event_row};
use crate::store::forgotten::forget_in;
use crate::store::observations::{insert_unlogged, observation_in};
use crate::store::sessions::{IfStored, insert_session, session_in};
use crate::store::summaries::insert_summary_unlogged;
use crate::store::sync::{EVENT, EventRecord, OBSERVATION, SESSION, SUMMARY, local_of, map_record};
use rusqlite::{Transaction, params};
use std::collections::BTreeSet;

/// See [`crate::Memory::sync_apply`].
pub(crate) fn apply(state: &State, changes: &[Change]) -> Result<ApplyReport> {
    for c in changes {
        check(c)?;
    }
    let tx = state.store.write()?;
    let new = state.store.store_changes(&tx, changes)?;
    // Sessions first: the records that follow may belong to them.
    let mut sessions = BTreeSet::new();
    let mut others = BTreeSet::new();
    for c in &new {
        match c.kind {
            ChangeKind::SessionPut => sessions.insert(c.record.clone()),
            // Every observation change of a record is one materialization.
            ChangeKind::SummaryPut | ChangeKind::EventPut => {
                others.insert((c.kind, c.record.clone()))
            }
            _ => others.insert((ChangeKind::ObservationPut, c.record.clone())),
        };
    }
    let mut records_changed = 0;
    for uid in &sessions {
        records_changed += usize::from(apply_session(&tx, uid)?);
    }
    for (kind, uid) in &others {
        let changed = match kind {
            ChangeKind::SummaryPut => apply_summary(state, &tx, uid)?,
            ChangeKind::EventPut => apply_event(state, &tx, uid)?,
            _ => apply_observation(state, &tx, uid)?,
        };
        records_changed += usize::from(changed);
    }
    tx.commit().ctx(|| "commit the changes received".into())?;
    Ok(ApplyReport {
        received: changes.len(),
        new: new.len(),
        records_changed,
    })
}

/// Brings restored observations to the state their changes define: an undo puts back the
/// forget bin's copy, and edits received while it was forgotten must win over it as they do
/// on every other store. Observations of projects never shared have no changes: untouched.
pub(crate) fn refresh(state: &State, ids: &[crate::model::ObservationId]) -> Result<()> {
    let tx = state.store.write()?;
    for id in ids {
        if let Some(uid) = crate::store::sync::uid_of(&tx, OBSERVATION, &id.to_string())? {
            apply_observation(state, &tx, &uid)?;
        }
    }
    tx.commit().ctx(|| "commit restored observations".into())
}

/// A change from outside is checked before anything is written.
fn check(c: &Change) -> Result<()> {
    let bad = |reason: String| Error::InvalidInput {
        what: "sync change",
        reason: format!("{:?}: {reason}", c.change_id),
    };
    let hex_id =
        |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex_id(&c.device_id) {
        return Err(bad(format!(
            "device id {:?} is not 1 to 64 hex digits",
            c.device_id
        )));
    }
    if c.device_seq == 0 || c.change_id != format!("{}-{}", c.device_id, c.device_seq) {
        return Err(bad("the id must be <device_id>-<device_seq>, from 1".into()));
    }
    if c.record.trim().is_empty() || c.record.len() > 256 {
        return Err(bad("the record id must be 1 to 256 characters".into()));
    }
    if c.project.trim().is_empty() {
        return Err(bad("the project is empty".into()));
    }
    Ok(())
}

/// The first put of a record, with who made it.
fn first_put(changes: &[Change], kind: ChangeKind) -> Option<&Change> {
    changes
        .iter()
        .filter(|c| c.kind == kind)
        .min_by(|a, b| a.order_key().cmp(&b.order_key()))
}

fn apply_session(tx: &Transaction<'_>, uid: &str) -> Result<bool> {
    let changes = Store::record_changes(tx, uid)?;
    let Some(put) = first_put(&changes, ChangeKind::SessionPut) else {
        return Ok(false);
    };
    let Ok(session) = serde_json::from_value::<Session>(put.payload.clone()) else {
        return Ok(false);
    };
    if session.id != uid || session_in(tx, uid)?.is_some() {
        map_record(tx, uid, SESSION, uid, &put.device_id, &put.author)?;
        return Ok(false);
    }
    insert_session(tx, &session, IfStored::Keep)?;
    map_record(tx, uid, SESSION, uid, &put.device_id, &put.author)?;
    Ok(true)
}

/// An event from another device, once: redacted and bounded as a recorded one, indexed in the
/// conversation layer, and marked extracted (its own device distils it, not this one).
fn apply_event(state: &State, tx: &Transaction<'_>, uid: &str) -> Result<bool> {
    if local_of(tx, uid)?.is_some() {
        return Ok(false);
    }
    let changes = Store::record_changes(tx, uid)?;
    let Some(put) = first_put(&changes, ChangeKind::EventPut) else {
        return Ok(false);
    };
    let Ok(event) = serde_json::from_value::<EventRecord>(put.payload.clone()) else {
        return Ok(false);
    };
    if session_in(tx, &event.session_id)?.is_none() {
        return Ok(false);
    }
    let Ok(decoded) = state.prepare_payload(event.payload) else {
        return Ok(false);
    };
    let payload = serde_json::to_string(&decoded).map_err(|source| Error::Json {
        context: format!("encode event {uid}"),
        source,
    })?;
    let written = insert_event_row(
        tx,
        &NewEventRow {
            session_id: &event.session_id,
            kind: decoded.type_name(),
            payload: &payload,
            decoded: &decoded,
            external_id: event.external_id.as_deref(),
            occurred_at: event.occurred_at,
            recorded_at: None,
            status: EventStatus::Extracted.as_str(),
            attempts: 0,
            last_error: None,
            defer_index: false,
        },
    )?;
    let id = match written {
        Some(id) => id,
        // The same event is here already (the same key in the session).
        None => tx
            .query_row(
                "SELECT id FROM events WHERE session_id = ?1 AND external_id IS ?2",
                params![event.session_id, event.external_id],
                |r| r.get::<_, i64>(0),
            )
            .ctx(|| format!("find event {uid}"))?,
    };
    map_record(tx, uid, EVENT, &id.to_string(), &put.device_id, &put.author)?;
    Ok(written.is_some())
}

fn apply_summary(state: &State, tx: &Transaction<'_>, uid: &str) -> Result<bool> {
    if local_of(tx, uid)?.is_some() {
        return Ok(false);
    }
    let changes = Store::record_changes(tx, uid)?;
    let Some(put) = first_put(&changes, ChangeKind::SummaryPut) else {
        return Ok(false);
    };
    let Ok(summary) = serde_json::from_value::<Summary>(put.payload.clone()) else {
        return Ok(false);
    };
    if session_in(tx, &summary.session_id)?.is_none() {
        return Ok(false);
    }
    let content: NewSummary = summary
        .content
        .redacted(|s| state.redactor.redact(s.trim()));
    let id = insert_summary_unlogged(
        tx,
        &summary.session_id,
        &summary.project,
        &content,
        crate::store::to_millis(summary.created_at),
    )?;
    map_record(
        tx,
        uid,
        SUMMARY,
        &id.to_string(),
        &put.device_id,
        &put.author,
    )?;
    Ok(true)
}

/// Brings one observation to the state its changes define: forgotten, updated in place, or
/// stored (again). Returns whether the local row changed.
fn apply_observation(state: &State, tx: &Transaction<'_>, uid: &str) -> Result<bool> {
    let changes = Store::record_changes(tx, uid)?;
    let Some(target) = observation_state(&changes) else {
        return Ok(false);
    };
    let local = local_of(tx, uid)?.and_then(|id| id.parse::<i64>().ok());
    let existing = match local {
        Some(id) => observation_in(tx, id)?,
        None => None,
    };
    if target.forgotten {
        return Ok(match existing {
            Some(obs) => !forget_in(tx, &[obs.id], "forgotten on another device", false)?
                .observation_ids
                .is_empty(),
            None => false,
        });
    }
    let Some(wanted) = prepared(state, tx, &target.record)? else {
        return Ok(false);
    };
    let put = first_put(&changes, ChangeKind::ObservationPut);
    match existing {
        Some(obs) => {
            let mut changed = false;
            // Every field the record gives: two stores that each stored the same content
            // (one record) keep the first put's time and fields, as the merge says.
            let content = |o: &Observation| {
                (
                    (
                        o.title.clone(),
                        o.narrative.clone(),
                        o.kind.clone(),
                        o.subtitle.clone(),
                    ),
                    (o.facts.clone(), o.context.clone(), o.concepts.clone()),
                    (o.files_read.clone(), o.files_modified.clone()),
                    (
                        crate::store::to_millis(o.created_at),
                        o.importance.to_bits(),
                    ),
                )
            };
            if content(&obs) != content(&wanted) {
                let updated = Observation {
                    id: obs.id,
                    project: obs.project.clone(),
                    session_id: obs.session_id.clone(),
                    source_event_ids: obs.source_event_ids.clone(),
                    supersedes: obs.supersedes,
                    superseded_by: obs.superseded_by,
                    pinned: obs.pinned,
                    ..wanted.clone()
                };
                let vector = state.embed_observation(&updated)?;
                match update_in(tx, &updated, vector.as_ref()) {
                    Ok(()) => changed = true,
                    // Another local observation already says exactly this: the two stay
                    // apart rather than the whole exchange failing.
                    Err(Error::InvalidInput { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if obs.pinned != wanted.pinned {
                tx.execute(
                    "UPDATE observations SET pinned = ?2 WHERE id = ?1",
                    params![obs.id, wanted.pinned],
                )
                .ctx(|| format!("pin observation {}", obs.id))?;
                changed = true;
            }
            Ok(changed)
        }
        None => {
            let vector = state.embed_observation(&wanted)?;
            let added = insert_unlogged(tx, &wanted, vector.as_ref())?;
            let (device, author) = put.map_or((String::new(), String::new()), |p| {
                (p.device_id.clone(), p.author.clone())
            });
            map_record(
                tx,
                uid,
                OBSERVATION,
                &added.id.to_string(),
                &device,
                &author,
            )?;
            link_newer(tx, uid, added.id)?;
            Ok(!added.duplicate)
        }
    }
}

/// Links the observations that supersede record `uid` (their put names it) to its local row
/// `local`, when they arrived before it: supersession does not depend on arrival order.
fn link_newer(tx: &Transaction<'_>, uid: &str, local: i64) -> Result<()> {
    let newer: Vec<String> = tx
        .prepare_cached(
            "SELECT DISTINCT record FROM changes
             WHERE kind = 'observation_put' AND json_extract(payload, '$.supersedes') = ?1",
        )
        .and_then(|mut s| {
            s.query_map([uid], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .ctx(|| format!("find what supersedes record {uid}"))?;
    for record in newer {
        if let Some(id) = local_of(tx, &record)?.and_then(|id| id.parse::<i64>().ok()) {
            tx.execute(
                "UPDATE observations SET supersedes = ?2
                 WHERE id = ?1 AND supersedes IS NULL AND id != ?2",
                params![id, local],
            )
            .ctx(|| format!("link observation {id} to the one it supersedes"))?;
        }
    }
    Ok(())
}

/// The observation a record describes, checked and redacted as a new one is, with what
/// needs this store (the session if it is here, the superseded one by its local id, hash,
/// token count); `None` when the record cannot be stored (an empty title).
fn prepared(
    state: &State,
    tx: &Transaction<'_>,
    r: &ObservationRecord,
) -> Result<Option<Observation>> {
    let session_id = match &r.session_id {
        Some(s) if session_in(tx, s)?.is_some() => Some(s.clone()),
        _ => None,
    };
    let supersedes = match &r.supersedes {
        Some(uid) => local_of(tx, uid)?
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| observation_in(tx, *id).ok().flatten().is_some()),
        None => None,
    };
    let new = NewObservation {
        project: Some(r.project.clone()),
        session_id,
        kind: Some(r.kind.clone()),
        title: r.title.clone(),
        subtitle: r.subtitle.clone(),
        narrative: r.narrative.clone(),
        facts: r.facts.clone(),
        context: r.context.clone(),
        concepts: r.concepts.clone(),
        files_read: r.files_read.clone(),
        files_modified: r.files_modified.clone(),
        source_event_ids: Vec::new(),
        importance: Some(r.importance),
        supersedes: None,
        created_at: Some(r.created_at),
    };
    let Ok(mut obs) = new.prepare(|s| state.redactor.redact(s)) else {
        return Ok(None);
    };
    obs.supersedes = supersedes;
    obs.pinned = r.pinned;
    crate::store::seal(&mut obs);
    Ok(Some(obs))
}
