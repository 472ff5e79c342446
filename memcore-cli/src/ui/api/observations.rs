//! The landing list, one observation with its provenance, and its edit and pin.

use super::super::query::{self, ApiError, ApiResult, Query};
use super::super::server::Context;
use super::{MAX_LIMIT, filter_from_query, kind};
use memcore::{ObservationCursor, ObservationEdit, ObservationId, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /api/observations`: newest first, paged by `after` (the `next` cursor of the page
/// before). The total is counted on the first page only: later pages keep the first page's.
pub fn list(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let filter = filter_from_query(q)?;
    let after = match q.text("after") {
        None => None,
        Some(text) => Some(text.parse::<ObservationCursor>().map_err(|_| {
            ApiError::bad(format!(
                "after must be the next cursor of a page (<milliseconds>.<id>), not {text:?}"
            ))
        })?),
    };
    let limit = q.number("limit", 50, 1, MAX_LIMIT)? as usize;
    let memory = ctx.memory();
    let page = memory.list_observations(&filter, after, limit)?;
    let total = match after {
        None => Some(memory.count_observations(&filter)?),
        Some(_) => None,
    };
    let items = super::labelled(&memory, &page.items)?;
    Ok(json!({ "items": items, "next": page.next, "total": total }))
}

/// The observation `id`, or 404.
fn get(memory: &memcore::Memory, id: ObservationId) -> ApiResult<memcore::Observation> {
    memory
        .get(&[id])?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("no observation #{id}")))
}

/// `GET /api/observations/{id}`: the observation, the events it came from, what replaced it
/// and the injections that gave it to a session.
pub fn one(ctx: &Context<'_>, id: ObservationId) -> ApiResult<Value> {
    let memory = ctx.memory();
    let observation = get(&memory, id)?;
    let sources = memory.events_by_id(&observation.source_event_ids)?;
    let injected_in: Vec<_> = memory
        .injections(None, &Scope::Project(observation.project.clone()), 500)?
        .into_iter()
        .filter(|i| i.content.observation_ids.contains(&id))
        .collect();
    let labelled = super::labelled(&memory, std::slice::from_ref(&observation))?;
    Ok(json!({
        "observation": labelled.into_iter().next().unwrap_or_default(),
        "sources": sources,
        "superseded_by": observation.superseded_by,
        "supersedes": observation.supersedes,
        "injected_in": injected_in,
    }))
}

/// The body of an edit: any of title, narrative and kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    title: Option<String>,
    narrative: Option<String>,
    kind: Option<String>,
}

/// `PATCH /api/observations/{id}`
pub fn edit(ctx: &Context<'_>, id: ObservationId, body: &[u8]) -> ApiResult<Value> {
    let body: EditBody = query::body(body)?;
    if body.title.is_none() && body.narrative.is_none() && body.kind.is_none() {
        return Err(ApiError::bad(
            "an edit needs at least one of title, narrative and kind",
        ));
    }
    if body.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ApiError::bad("the title cannot be empty"));
    }
    let edit = ObservationEdit {
        title: body.title,
        narrative: body.narrative,
        kind: body.kind.map(|k| kind(&k)).transpose()?,
    };
    let memory = ctx.memory();
    let observation = memory.edit_observation(id, edit)?;
    Ok(json!({ "observation": observation }))
}

/// The body of a pin.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinBody {
    pinned: bool,
}

/// `POST /api/observations/{id}/pin`
pub fn pin(ctx: &Context<'_>, id: ObservationId, body: &[u8]) -> ApiResult<Value> {
    let body: PinBody = query::body(body)?;
    let memory = ctx.memory();
    if !memory.pin(id, body.pinned)? {
        return Err(ApiError::not_found(format!("no observation #{id}")));
    }
    Ok(json!({ "observation": get(&memory, id)? }))
}
