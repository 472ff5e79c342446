//! Forgetting with undo: by ids or by a filter (with a preview first), undoing a batch, and
//! the batches still recoverable.

use super::super::query::{self, ApiError, ApiResult, Query};
use super::super::server::Context;
use super::{FilterBody, MAX_LIMIT};
use memcore::ObservationId;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most ids one request forgets.
const MAX_IDS: usize = 10_000;
/// Observations a preview shows.
const SAMPLE: usize = 10;

/// The body of `POST /api/forget`: ids, or a filter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgetBody {
    ids: Option<Vec<ObservationId>>,
    filter: Option<FilterBody>,
    #[serde(default)]
    preview: bool,
}

/// `POST /api/forget`
pub fn forget(ctx: &Context<'_>, body: &[u8]) -> ApiResult<Value> {
    let body: ForgetBody = query::body(body)?;
    match (body.ids, body.filter) {
        (Some(ids), None) => {
            if ids.is_empty() || ids.len() > MAX_IDS {
                return Err(ApiError::bad(format!(
                    "ids must list 1 to {MAX_IDS} observation ids"
                )));
            }
            if let Some(bad) = ids.iter().find(|id| **id <= 0) {
                return Err(ApiError::bad(format!("{bad} is not an observation id")));
            }
            let memory = ctx.memory();
            if body.preview {
                let found = memory.get(&ids)?;
                let sample: Vec<_> = found.iter().take(SAMPLE).collect();
                return Ok(json!({ "count": found.len(), "sample": sample }));
            }
            let batch =
                memory.forget_ids(&ids, &format!("memcore ui: forget {}", id_list(&ids)))?;
            if batch.observation_ids.is_empty() {
                return Err(ApiError::not_found(format!(
                    "no observation {} to forget",
                    id_list(&ids)
                )));
            }
            Ok(json!({ "batch": batch }))
        }
        (None, Some(filter)) => {
            let filter = filter.into_filter()?;
            if filter.is_empty() {
                return Err(ApiError::bad(
                    "a bulk forget needs at least one filter (project, kind, session, since, \
                     until or q); it never forgets everything",
                ));
            }
            let memory = ctx.memory();
            if body.preview {
                let count = memory.count_observations(&filter)?;
                let sample = memory.list_observations(&filter, None, SAMPLE)?.items;
                return Ok(json!({ "count": count, "sample": sample }));
            }
            let reason = format!("memcore ui: forget matching {}", describe(&filter));
            let batch = memory.forget_where(&filter, &reason)?;
            Ok(json!({ "batch": batch }))
        }
        _ => Err(ApiError::bad(
            "give either ids (a list of observation ids) or filter, not both",
        )),
    }
}

/// `#12 #14 ...`, the first few.
fn id_list(ids: &[ObservationId]) -> String {
    let mut text: Vec<String> = ids.iter().take(8).map(|id| format!("#{id}")).collect();
    if ids.len() > 8 {
        text.push(format!("and {} more", ids.len() - 8));
    }
    text.join(" ")
}

/// A filter in words, for the batch's reason.
fn describe(f: &memcore::ObservationFilter) -> String {
    let day = |t: &time::OffsetDateTime| t.date().to_string();
    let parts: Vec<String> = [
        f.project.as_ref().map(|p| format!("project={p}")),
        f.kind.as_ref().map(|k| format!("kind={k}")),
        f.session_id.as_ref().map(|s| format!("session={s}")),
        f.since.as_ref().map(|t| format!("since={}", day(t))),
        f.until.as_ref().map(|t| format!("until={}", day(t))),
        f.query.as_ref().map(|q| format!("q={q:?}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join(" ")
}

/// `POST /api/forget/{batch}/undo`
pub fn undo(ctx: &Context<'_>, batch: i64) -> ApiResult<Value> {
    let restored = ctx.memory().undo_forget(batch)?;
    Ok(json!({ "restored": restored }))
}

/// `GET /api/forgotten?limit=`: recoverable batches, newest first.
pub fn forgotten(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let limit = q.number("limit", 50, 1, MAX_LIMIT)? as usize;
    Ok(json!({ "batches": ctx.memory().forget_batches(limit)? }))
}
