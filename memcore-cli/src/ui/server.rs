//! The serving loop: one thread accepts, each request is answered on a thread of its own.
//!
//! Why a thread per request: tiny_http sets no socket timeouts, so reading a body that a
//! client stops sending would block forever; on its own thread it blocks only itself. The
//! store is one `Memory` behind a mutex (it is not `Sync`), so requests touch it one at a
//! time, which is plenty for a person's viewer. Every answer carries the same security
//! headers and a `Server-Timing: app;dur=<ms>` header (the benchmark reads it).

use super::guard::{self, Refusal, Token};
use super::page;
use super::query::{ApiError, Query};
use super::routes;
use crate::commands::Env;
use crate::error::CliResult;
use memcore::Memory;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;
use tiny_http::{Header, Method, Request, Response};

/// Largest request body read: a forget by ids or an edit is far smaller.
pub const MAX_BODY: usize = 1024 * 1024;
/// Requests answered at once; past it, 503 (a stuck client cannot make threads pile up).
const MAX_IN_FLIGHT: usize = 64;

/// What every request handler shares.
pub struct Context<'a> {
    /// The command's environment (settings, paths: the costs and stats views read them).
    pub env: &'a Env,
    memory: Mutex<Memory>,
    token: Token,
    port: u16,
    in_flight: AtomicUsize,
}

impl<'a> Context<'a> {
    /// The context of a server on `port`.
    pub fn new(env: &'a Env, memory: Memory, token: Token, port: u16) -> Context<'a> {
        Context {
            env,
            memory: Mutex::new(memory),
            token,
            port,
            in_flight: AtomicUsize::new(0),
        }
    }

    /// The store, for one request. A handler never panics, but a poisoned lock would only
    /// mean one did: the store itself is still consistent (every write is a transaction).
    pub fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Serves until the process is killed.
pub fn serve(http: tiny_http::Server, ctx: Context<'_>) -> CliResult<()> {
    std::thread::scope(|scope| {
        loop {
            let request = match http.recv() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("memcore ui: cannot accept a request: {e}");
                    continue;
                }
            };
            if ctx.in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
                ctx.in_flight.fetch_sub(1, Ordering::SeqCst);
                let start = Instant::now();
                let busy = ApiError {
                    status: 503,
                    message: "too many requests at once; try again".to_owned(),
                };
                let _ = request.respond(error_response(&busy, start));
                continue;
            }
            let ctx = &ctx;
            scope.spawn(move || {
                answer(ctx, request);
                ctx.in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        }
    })
}

/// The value of header `name`, if present.
fn header<'r>(request: &'r Request, name: &'static str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// Checks, routes and answers one request.
fn answer(ctx: &Context<'_>, mut request: Request) {
    let start = Instant::now();
    let url = request.url().to_owned();
    let (path, query_text) = url.split_once('?').unwrap_or((&url, ""));
    let query = match Query::parse(query_text) {
        Ok(q) => q,
        Err(e) => {
            let _ = request.respond(error_response(&e, start));
            return;
        }
    };
    let is_page = path == "/";
    let seen = guard::Seen {
        host: header(&request, "Host"),
        origin: header(&request, "Origin"),
        token_header: header(&request, guard::TOKEN_HEADER),
        token_query: query.raw("token"),
        is_page: is_page && *request.method() == Method::Get,
    };
    if let Err(refusal) = guard::check(&seen, &ctx.token, ctx.port) {
        let error = match refusal {
            Refusal::Forbidden(m) => ApiError {
                status: 403,
                message: m,
            },
            Refusal::Unauthorized(m) => ApiError {
                status: 401,
                message: m,
            },
        };
        let _ = request.respond(error_response(&error, start));
        return;
    }
    if is_page {
        let response = match request.method() {
            Method::Get => page_response(start),
            _ => error_response(&method_not_allowed("GET"), start),
        };
        let _ = request.respond(response);
        return;
    }
    let route = match routes::Route::find(request.method(), path) {
        Ok(r) => r,
        Err(e) => {
            let _ = request.respond(error_response(&e, start));
            return;
        }
    };
    let body = if route.takes_body() {
        match read_body(&mut request) {
            Ok(b) => b,
            Err(e) => {
                let _ = request.respond(error_response(&e, start));
                return;
            }
        }
    } else {
        Vec::new()
    };
    let response = match routes::handle(ctx, route, &query, &body) {
        Ok(value) => json_response(200, &value, start),
        Err(e) => error_response(&e, start),
    };
    let _ = request.respond(response);
}

/// 405 naming the allowed methods.
pub fn method_not_allowed(allowed: &str) -> ApiError {
    ApiError {
        status: 405,
        message: format!("method not allowed here; use {allowed}"),
    }
}

/// The body, at most [`MAX_BODY`] bytes (413 past it, announced or sent).
fn read_body(request: &mut Request) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError {
        status: 413,
        message: format!("the request body is larger than {MAX_BODY} bytes"),
    };
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| ApiError::bad(format!("cannot read the request body: {e}")))?;
    if body.len() > MAX_BODY {
        return Err(too_large());
    }
    Ok(body)
}

fn h(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// The headers every answer carries, with `content_type` and `csp`.
fn common_headers(content_type: &str, csp: &str, start: Instant) -> Vec<Header> {
    let dur = start.elapsed().as_secs_f64() * 1000.0;
    [
        h("Content-Type", content_type),
        h("Cache-Control", "no-store"),
        h("X-Content-Type-Options", "nosniff"),
        h("Referrer-Policy", "no-referrer"),
        h("X-Frame-Options", "DENY"),
        h("Content-Security-Policy", csp),
        h("Server-Timing", &format!("app;dur={dur:.2}")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What an API answer may do: nothing but be read as data.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn with_headers(
    status: u16,
    bytes: Vec<u8>,
    headers: Vec<Header>,
) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut response = Response::from_data(bytes).with_status_code(status);
    for header in headers {
        response.add_header(header);
    }
    response
}

/// A JSON answer.
fn json_response(
    status: u16,
    value: &serde_json::Value,
    start: Instant,
) -> Response<std::io::Cursor<Vec<u8>>> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_headers(
            status,
            bytes,
            common_headers("application/json; charset=utf-8", API_CSP, start),
        ),
        Err(e) => error_response(
            &ApiError::internal(format!("cannot encode the answer: {e}")),
            start,
        ),
    }
}

/// `{"error": ...}` with the error's status.
fn error_response(error: &ApiError, start: Instant) -> Response<std::io::Cursor<Vec<u8>>> {
    let body = serde_json::json!({ "error": error.message });
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":\"error\"}".to_vec());
    with_headers(
        error.status,
        bytes,
        common_headers("application/json; charset=utf-8", API_CSP, start),
    )
}

/// The page, with a fresh nonce for its inline script and style.
fn page_response(start: Instant) -> Response<std::io::Cursor<Vec<u8>>> {
    let nonce = match Token::generate() {
        Ok(t) => t.as_str()[..32].to_owned(),
        Err(e) => return error_response(&ApiError::internal(e.to_string()), start),
    };
    let csp = page::csp(&nonce);
    with_headers(
        200,
        page::html(&nonce).into_bytes(),
        common_headers("text/html; charset=utf-8", &csp, start),
    )
}
