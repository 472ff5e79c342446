//! The serving loop: the main thread accepts, each connection is answered on a thread of its
//! own (one request per connection, see [`super::http`]).
//!
//! Why a thread per connection: a client that stalls blocks only its own thread, until its
//! timeout. The store is one `Memory` behind a mutex (it is not `Sync`), so requests touch it
//! one at a time, which is plenty for a person's viewer. Every answer carries the same
//! security headers and a `Server-Timing: app;dur=<ms>` header (the benchmark reads it).

use super::guard::{self, Refusal, Token};
use super::http::{self, Request, Response};
use super::page;
use super::query::{ApiError, Query};
use super::routes;
use crate::commands::Env;
use crate::error::CliResult;
use memcore::Memory;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Largest request body read: a forget by ids or an edit is far smaller.
pub const MAX_BODY: usize = 1024 * 1024;
/// Connections answered at once; past it, 503 (stuck clients cannot make threads pile up).
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

/// Releases a connection's slot however its thread ends.
struct Slot<'c>(&'c AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves until the process is killed.
pub fn serve(listener: TcpListener, ctx: Context<'_>) -> CliResult<()> {
    std::thread::scope(|scope| {
        for stream in listener.incoming() {
            let stream = match stream {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("memcore ui: cannot accept a connection: {e}");
                    continue;
                }
            };
            let slot = Slot(&ctx.in_flight);
            if ctx.in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
                let busy = ApiError {
                    status: 503,
                    message: "too many requests at once; try again".to_owned(),
                };
                http::respond_now(stream, error_response(&busy, Instant::now()));
                drop(slot);
                continue;
            }
            let ctx = &ctx;
            scope.spawn(move || {
                let _slot = slot;
                connection(ctx, stream);
            });
        }
        Ok(())
    })
}

/// Reads one request and answers it.
fn connection(ctx: &Context<'_>, stream: std::net::TcpStream) {
    match http::read_request(stream) {
        Ok(request) => answer(ctx, request),
        Err((stream, e)) => {
            if let Some(status) = e.status {
                let error = ApiError {
                    status,
                    message: e.message,
                };
                http::respond(stream, error_response(&error, Instant::now()));
            }
        }
    }
}

/// Checks, routes and answers one request.
fn answer(ctx: &Context<'_>, mut request: Request) {
    let start = Instant::now();
    let query = match Query::parse(&request.query) {
        Ok(q) => q,
        Err(e) => return request.respond(error_response(&e, start)),
    };
    let is_page = request.path == "/";
    let seen = guard::Seen {
        host: request.header("host"),
        origin: request.header("origin"),
        token_header: request.header(guard::TOKEN_HEADER),
        token_query: query.raw("token"),
        is_page: is_page && request.method == "GET",
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
        return request.respond(error_response(&error, start));
    }
    if is_page {
        let response = match request.method.as_str() {
            "GET" => page_response(start),
            _ => error_response(&method_not_allowed("GET"), start),
        };
        return request.respond(response);
    }
    let route = match routes::Route::find(&request.method, &request.path) {
        Ok(r) => r,
        Err(e) => return request.respond(error_response(&e, start)),
    };
    let body = if route.takes_body() {
        match request.body(MAX_BODY) {
            Ok(b) => b,
            Err(e) => {
                let error = ApiError {
                    status: e.status.unwrap_or(400),
                    message: e.message,
                };
                return request.respond(error_response(&error, start));
            }
        }
    } else {
        Vec::new()
    };
    let response = match routes::handle(ctx, route, &query, &body) {
        Ok(value) => json_response(&value, start),
        Err(e) => error_response(&e, start),
    };
    request.respond(response);
}

/// 405 naming the allowed methods.
pub fn method_not_allowed(allowed: &str) -> ApiError {
    ApiError {
        status: 405,
        message: format!("method not allowed here; use {allowed}"),
    }
}

/// What an API answer may do: nothing but be read as data.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// An answer with the headers every answer carries; the time is taken last.
fn response(status: u16, content_type: &str, csp: &str, body: Vec<u8>, start: Instant) -> Response {
    let dur = start.elapsed().as_secs_f64() * 1000.0;
    Response {
        status,
        headers: vec![
            ("Content-Type", content_type.to_owned()),
            ("Cache-Control", "no-store".to_owned()),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("Referrer-Policy", "no-referrer".to_owned()),
            ("X-Frame-Options", "DENY".to_owned()),
            ("Content-Security-Policy", csp.to_owned()),
            ("Server-Timing", format!("app;dur={dur:.2}")),
        ],
        body,
    }
}

const JSON: &str = "application/json; charset=utf-8";

/// A JSON answer.
fn json_response(value: &serde_json::Value, start: Instant) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => response(200, JSON, API_CSP, bytes, start),
        Err(e) => error_response(
            &ApiError::internal(format!("cannot encode the answer: {e}")),
            start,
        ),
    }
}

/// `{"error": ...}` with the error's status.
fn error_response(error: &ApiError, start: Instant) -> Response {
    let body = serde_json::json!({ "error": error.message });
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":\"error\"}".to_vec());
    response(error.status, JSON, API_CSP, bytes, start)
}

/// The page, with a fresh nonce for its inline script and style.
fn page_response(start: Instant) -> Response {
    let nonce = match Token::generate() {
        Ok(t) => t.as_str()[..32].to_owned(),
        Err(e) => return error_response(&ApiError::internal(e.to_string()), start),
    };
    let csp = page::csp(&nonce);
    response(
        200,
        "text/html; charset=utf-8",
        &csp,
        page::html(&nonce).into_bytes(),
        start,
    )
}
