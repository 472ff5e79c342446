//! Forgetting with undo: by ids or by a filter (with a preview first), undoing a batch, and
//! the batches still recoverable.

use super::super::pending::PendingCore;
use super::super::query::{self, ApiError, ApiResult, Query};
use super::super::server::Context;
use super::{FilterBody, MAX_LIMIT, is_empty};
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
            let batch = memory.forget_ids(&ids, "memcore ui: forget by id")?;
            Ok(json!({ "batch": batch }))
        }
        (None, Some(filter)) => {
            let filter = filter.into_filter()?;
            if is_empty(&filter) {
                return Err(ApiError::bad(
                    "a bulk forget needs at least one filter (project, kind, session, since, \
                     until or q); it never forgets everything",
                ));
            }
            let memory = ctx.memory();
            if body.preview {
                let count = memory.count_observations(&filter)?;
                let sample = memory.list_observations(&filter, None, SAMPLE)?;
                return Ok(json!({ "count": count, "sample": sample }));
            }
            let batch = memory.forget_where(&filter, "memcore ui: forget matching")?;
            Ok(json!({ "batch": batch }))
        }
        _ => Err(ApiError::bad(
            "give either ids (a list of observation ids) or filter, not both",
        )),
    }
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
