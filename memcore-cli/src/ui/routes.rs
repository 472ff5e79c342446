//! The API's paths: which method and path is which handler. An unknown path is 404, a known
//! path with another method 405, a path id that is not an id 400.

use super::api;
use super::query::{self, ApiError, ApiResult, Query, percent_decode};
use super::server::{Context, method_not_allowed};
use serde_json::Value;

/// One endpoint, with the ids its path carries.
#[derive(Debug, PartialEq)]
pub enum Route {
    /// `GET /api/observations`
    Observations,
    /// `GET /api/observations/{id}`
    Observation(i64),
    /// `PATCH /api/observations/{id}`
    Edit(i64),
    /// `POST /api/observations/{id}/pin`
    Pin(i64),
    /// `GET /api/search`
    Search,
    /// `GET /api/projects`
    Projects,
    /// `GET /api/sessions`
    Sessions,
    /// `GET /api/sessions/{id}`
    Session(String),
    /// `GET /api/injections`
    Injections,
    /// `GET /api/costs`
    Costs,
    /// `GET /api/stats`
    Stats,
    /// `POST /api/forget`
    Forget,
    /// `POST /api/forget/{batch}/undo`
    Undo(i64),
    /// `GET /api/forgotten`
    Forgotten,
}

impl Route {
    /// The route of `method` on `path`.
    pub fn find(method: &str, path: &str) -> ApiResult<Route> {
        let Some(rest) = path.strip_prefix("/api/") else {
            return Err(not_found(path));
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (route, allowed) = match parts.as_slice() {
            ["observations"] => (Some(Route::Observations).filter(|_| method == "GET"), "GET"),
            ["observations", id] => {
                let id = query::id(id, "the observation id")?;
                match method {
                    "GET" => (Some(Route::Observation(id)), "GET"),
                    "PATCH" => (Some(Route::Edit(id)), "PATCH"),
                    _ => (None, "GET or PATCH"),
                }
            }
            ["observations", id, "pin"] => {
                let id = query::id(id, "the observation id")?;
                (Some(Route::Pin(id)).filter(|_| method == "POST"), "POST")
            }
            ["search"] => (Some(Route::Search).filter(|_| method == "GET"), "GET"),
            ["projects"] => (Some(Route::Projects).filter(|_| method == "GET"), "GET"),
            ["sessions"] => (Some(Route::Sessions).filter(|_| method == "GET"), "GET"),
            ["sessions", id] if !id.is_empty() => {
                let id = percent_decode(id, false)
                    .ok_or_else(|| ApiError::bad("the session id is not valid UTF-8"))?;
                (Some(Route::Session(id)).filter(|_| method == "GET"), "GET")
            }
            ["injections"] => (Some(Route::Injections).filter(|_| method == "GET"), "GET"),
            ["costs"] => (Some(Route::Costs).filter(|_| method == "GET"), "GET"),
            ["stats"] => (Some(Route::Stats).filter(|_| method == "GET"), "GET"),
            ["forget"] => (Some(Route::Forget).filter(|_| method == "POST"), "POST"),
            ["forget", batch, "undo"] => {
                let batch = query::id(batch, "the forget batch id")?;
                (
                    Some(Route::Undo(batch)).filter(|_| method == "POST"),
                    "POST",
                )
            }
            ["forgotten"] => (Some(Route::Forgotten).filter(|_| method == "GET"), "GET"),
            _ => return Err(not_found(path)),
        };
        route.ok_or_else(|| method_not_allowed(allowed))
    }

    /// Whether the handler reads a body.
    pub fn takes_body(&self) -> bool {
        matches!(
            self,
            Route::Edit(_) | Route::Pin(_) | Route::Forget | Route::Undo(_)
        )
    }
}

fn not_found(path: &str) -> ApiError {
    ApiError::not_found(format!("no such path: {path}"))
}

/// Runs the route's handler.
pub fn handle(ctx: &Context<'_>, route: Route, query: &Query, body: &[u8]) -> ApiResult<Value> {
    match route {
        Route::Observations => api::observations::list(ctx, query),
        Route::Observation(id) => api::observations::one(ctx, id),
        Route::Edit(id) => api::observations::edit(ctx, id, body),
        Route::Pin(id) => api::observations::pin(ctx, id, body),
        Route::Search => api::search::search(ctx, query),
        Route::Projects => api::sessions::projects(ctx),
        Route::Sessions => api::sessions::sessions(ctx, query),
        Route::Session(id) => api::sessions::session(ctx, &id),
        Route::Injections => api::sessions::injections(ctx, query),
        Route::Costs => api::reports::costs(ctx, query),
        Route::Stats => api::reports::stats(ctx),
        Route::Forget => api::forget::forget(ctx, body),
        Route::Undo(batch) => api::forget::undo(ctx, batch),
        Route::Forgotten => api::forget::forgotten(ctx, query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_methods_and_ids() {
        assert_eq!(
            Route::find("GET", "/api/observations/7"),
            Ok(Route::Observation(7))
        );
        assert_eq!(
            Route::find("PATCH", "/api/observations/7"),
            Ok(Route::Edit(7))
        );
        assert_eq!(
            Route::find("POST", "/api/forget/3/undo"),
            Ok(Route::Undo(3))
        );
        assert_eq!(
            Route::find("GET", "/api/sessions/a%20b"),
            Ok(Route::Session("a b".into()))
        );
        assert_eq!(Route::find("GET", "/api/nope").unwrap_err().status, 404);
        assert_eq!(Route::find("GET", "/elsewhere").unwrap_err().status, 404);
        assert_eq!(
            Route::find("DELETE", "/api/observations/7")
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(Route::find("GET", "/api/forget").unwrap_err().status, 405);
        assert_eq!(
            Route::find("GET", "/api/observations/x")
                .unwrap_err()
                .status,
            400
        );
    }
}
