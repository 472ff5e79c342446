//! The cost ledger by day and model against the daily cap, and the stats with the doctor's
//! findings.

use super::super::query::{ApiResult, Query};
use super::super::server::Context;
use crate::{doctor, provider};
use memcore::Scope;
use serde_json::{Value, json};

/// `GET /api/costs?days=30`: tokens by UTC day and model (provider = the model's part before
/// `:`), the daily cap, and the LLM tokens spent today (what the cap counts).
pub fn costs(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let days = q.number("days", 30, 1, 366)? as u32;
    let memory = ctx.memory();
    let rows: Vec<Value> = memory
        .ledger_by_day(None, days)?
        .into_iter()
        .map(|day| {
            let provider = day
                .model
                .split_once(':')
                .map_or(day.model.as_str(), |(p, _)| p)
                .to_owned();
            let mut value = serde_json::to_value(&day).unwrap_or_else(|_| json!({}));
            if let Value::Object(map) = &mut value {
                map.insert("provider".to_owned(), json!(provider));
            }
            value
        })
        .collect();
    Ok(json!({
        "days": rows,
        "daily_cap": ctx.env.settings.daily_token_cap,
        "today": provider::spent_today(&memory)?,
    }))
}

/// `GET /api/stats`: whole-store counts and `memcore doctor`'s report.
pub fn stats(ctx: &Context<'_>) -> ApiResult<Value> {
    let stats = ctx.memory().stats(&Scope::All)?;
    // The doctor opens the store on its own: the shared handle is not held meanwhile.
    let report = doctor::examine(ctx.env);
    Ok(json!({ "stats": stats, "doctor": report }))
}
