//! `memcore ui`: a local web viewer over the store, served for as long as the command runs.
//!
//! The command binds 127.0.0.1 only (a random port unless `--port N`), makes a per-run token,
//! prints the page's URL (first line of stdout with `--no-open`, else it also opens the
//! browser) and serves until it is killed. There is no daemon and nothing is left behind.
//!
//! Code map: [`server`] accepts connections and answers each on a thread of its own over
//! [`http`] (a small HTTP/1.1 of its own, with timeouts and bounds everywhere), [`guard`]
//! holds the security checks every request passes first (Host, Origin, token), [`routes`]
//! maps a method and path to a handler in [`api`], [`query`] parses query strings, bodies and
//! dates into clear 400s, [`page`] is the one HTML page with its script and style inlined
//! under a per-response CSP nonce, [`browser`] opens the URL.

mod api;
mod browser;
mod guard;
mod http;
mod page;
mod query;
mod routes;
mod server;

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};

/// `memcore ui [--no-open] [--port N]`
pub fn ui(env: &Env, mut args: Args) -> CliResult<()> {
    let no_open = args.flag("--no-open");
    let port = args.number::<u16>("--port")?.unwrap_or(0);
    args.none()?;
    // Opened before binding: a store that cannot be opened fails the command, not each request.
    let memory = env.open()?;
    let token = guard::Token::generate()?;
    let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
        .map_err(|e| CliError::io("listen on 127.0.0.1 port", port.to_string(), e))?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::io("read the address of", "the listening socket", e))?
        .port();
    let url = format!("http://127.0.0.1:{port}/?token={}", token.as_str());
    // The URL alone on the first line: scripts and tests read it from there.
    outln!("{url}");
    if no_open {
        eprintln!(
            "memcore ui: serving {} on 127.0.0.1:{port}; Ctrl-C stops it",
            env.paths.db.display()
        );
    } else {
        eprintln!("memcore ui: opening the browser; Ctrl-C stops the server");
        browser::open(&url);
    }
    server::serve(listener, server::Context::new(env, memory, token, port))
}
