//! `memcore ui` over real TCP: the security checks every request passes (token, Host,
//! Origin), refusals of malformed input that leave the store as it was, and each endpoint's
//! happy path, against the built binary on a private store.

mod common;

use common::{BIN, Setup};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `memcore ui --no-open`, killed when dropped.
struct Ui {
    child: Child,
    /// Kept open: the server's stdout stays a live pipe.
    _stdout: BufReader<std::process::ChildStdout>,
    port: u16,
    token: String,
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers (names lower-cased), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {}", self.json()))
            .to_owned()
    }
}

/// A store with `n` seeded observations (50 per session, two events each) in project `work`.
fn seeded(n: usize) -> Setup {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    setup.ok(&["dev", "seed", &n.to_string(), "--events", "2"]);
    setup
}

impl Ui {
    fn start(setup: &Setup) -> Ui {
        let mut child = Command::new(BIN)
            .args(["ui", "--no-open"])
            .env("MEMCORE_DB", &setup.db)
            .env("HOME", &setup.home)
            .env_remove("MEMCORE_PROVIDER")
            .env_remove("MEMCORE_DAILY_TOKEN_CAP")
            .current_dir(&setup.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start memcore ui");
        let stdout = child.stdout.take().expect("stdout");
        let mut stdout = BufReader::new(stdout);
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the URL line");
        let url = first.trim_end();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is not the URL: {first:?}"));
        let (port, token) = rest.split_once("/?token=").expect("a token in the URL");
        assert_eq!(token.len(), 64, "{url}");
        Ui {
            port: port.parse().expect("a port"),
            token: token.to_owned(),
            child,
            _stdout: stdout,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sends a raw request (headers given whole) and reads the answer.
    fn raw(&self, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let has_length = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if !has_length && (!body.is_empty() || method != "GET") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write head");
        // The server may answer (413) before reading a large body: a failed write is fine.
        let _ = stream.write_all(body);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        parse(&bytes)
    }

    /// A request with the right Host and token header.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.raw(
            method,
            path,
            &[
                ("Host", self.host()),
                ("X-Memcore-Token", self.token.clone()),
                ("Content-Type", "application/json".to_owned()),
            ],
            body.as_bytes(),
        )
    }

    /// A request that must succeed; its JSON.
    fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = self.call(method, path, body);
        assert_eq!(
            answer.status,
            200,
            "{method} {path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    fn get(&self, path: &str) -> Value {
        self.ok("GET", path, None)
    }
}

fn parse(bytes: &[u8]) -> Answer {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = bytes[split + 4..].to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// Every observation id in the store, newest first, as the API lists them.
fn all_ids(ui: &Ui) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/api/observations?limit=200&after={cursor}"),
            None => "/api/observations?limit=200".to_owned(),
        };
        let page = ui.get(&path);
        for item in page["items"].as_array().expect("items") {
            ids.push(item["id"].as_i64().expect("id"));
        }
        match page["next"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return ids,
        }
    }
}

/// The store's observations in full, to compare before and after a refused request.
fn snapshot(ui: &Ui) -> Vec<Value> {
    all_ids(ui)
        .into_iter()
        .map(|id| ui.get(&format!("/api/observations/{id}"))["observation"].clone())
        .collect()
}

#[test]
fn the_first_line_is_the_url_and_the_page_needs_its_token() {
    let setup = seeded(3);
    let ui = Ui::start(&setup);
    let page = ui.raw(
        "GET",
        &format!("/?token={}", ui.token),
        &[("Host", ui.host())],
        b"",
    );
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8_lossy(&page.body);
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'nonce-"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce");
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "no outside resource"
    );
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(page.header(name), Some(value), "{name}");
    }
    let timing = page.header("server-timing").expect("Server-Timing");
    assert!(timing.starts_with("app;dur="), "{timing}");

    // A second load gets another nonce.
    let again = ui.raw(
        "GET",
        &format!("/?token={}", ui.token),
        &[("Host", ui.host())],
        b"",
    );
    assert_ne!(
        again.header("content-security-policy"),
        page.header("content-security-policy")
    );
}

#[test]
fn requests_without_the_right_token_are_refused() {
    let setup = seeded(3);
    let ui = Ui::start(&setup);
    let host = ("Host", ui.host());
    // No token at all: the page and the API.
    let page = ui.raw("GET", "/", std::slice::from_ref(&host), b"");
    assert_eq!(page.status, 401);
    assert!(page.error().contains("token"), "{}", page.error());
    assert_eq!(
        ui.raw("GET", "/api/observations", std::slice::from_ref(&host), b"")
            .status,
        401
    );
    // A wrong token, in the URL or the header.
    let wrong = "0".repeat(64);
    assert_eq!(
        ui.raw(
            "GET",
            &format!("/?token={wrong}"),
            std::slice::from_ref(&host),
            b""
        )
        .status,
        401
    );
    let answer = ui.raw(
        "GET",
        "/api/observations",
        &[host.clone(), ("X-Memcore-Token", wrong.clone())],
        b"",
    );
    assert_eq!(answer.status, 401);
    assert!(answer.error().contains("wrong token"), "{}", answer.error());
    // The token's prefix is not the token.
    let prefix = ui.token[..63].to_owned();
    assert_eq!(
        ui.raw(
            "GET",
            "/api/stats",
            &[host.clone(), ("X-Memcore-Token", prefix)],
            b""
        )
        .status,
        401
    );
    // Every answer, refusals too, carries the timing and the security headers.
    assert!(answer.header("server-timing").is_some());
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

#[test]
fn a_post_with_the_token_only_in_the_url_is_refused_and_changes_nothing() {
    let setup = seeded(5);
    let ui = Ui::start(&setup);
    let before = snapshot(&ui);
    let id = before[0]["id"].as_i64().unwrap();
    let body = json!({"ids": [id]}).to_string();
    let answer = ui.raw(
        "POST",
        &format!("/api/forget?token={}", ui.token),
        &[
            ("Host", ui.host()),
            ("Content-Type", "application/json".into()),
        ],
        body.as_bytes(),
    );
    assert_eq!(answer.status, 401);
    assert!(answer.error().contains("header"), "{}", answer.error());
    // Nor does the page's URL token work for the API.
    let answer = ui.raw(
        "PATCH",
        &format!("/api/observations/{id}?token={}", ui.token),
        &[("Host", ui.host())],
        br#"{"title":"changed"}"#,
    );
    assert_eq!(answer.status, 401);
    assert_eq!(snapshot(&ui), before);
}

#[test]
fn foreign_hosts_and_origins_are_refused() {
    let setup = seeded(3);
    let ui = Ui::start(&setup);
    let token = ("X-Memcore-Token", ui.token.clone());
    for host in [
        format!("evil.example:{}", ui.port),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{}", ui.port + 1),
        format!("localhost.evil.example:{}", ui.port),
    ] {
        let answer = ui.raw(
            "GET",
            "/api/stats",
            &[("Host", host.clone()), token.clone()],
            b"",
        );
        assert_eq!(answer.status, 403, "Host {host}");
        assert!(answer.error().contains("Host"), "{}", answer.error());
    }
    // No Host header at all.
    assert_eq!(
        ui.raw("GET", "/api/stats", std::slice::from_ref(&token), b"")
            .status,
        403
    );
    // The page too, even with its token.
    let page = ui.raw(
        "GET",
        &format!("/?token={}", ui.token),
        &[("Host", format!("rebound.example:{}", ui.port))],
        b"",
    );
    assert_eq!(page.status, 403);
    // localhost is this server too.
    let answer = ui.raw(
        "GET",
        "/api/projects",
        &[("Host", format!("localhost:{}", ui.port)), token.clone()],
        b"",
    );
    assert_eq!(answer.status, 200);

    for origin in [
        "http://evil.example".to_owned(),
        "null".to_owned(),
        format!("https://127.0.0.1:{}", ui.port),
        format!("http://127.0.0.1:{}", ui.port + 1),
    ] {
        let answer = ui.raw(
            "POST",
            "/api/forget",
            &[
                ("Host", ui.host()),
                ("Origin", origin.clone()),
                token.clone(),
            ],
            br#"{"ids":[1]}"#,
        );
        assert_eq!(answer.status, 403, "Origin {origin}");
        assert!(answer.error().contains("Origin"), "{}", answer.error());
    }
    // This server's own origin passes.
    let answer = ui.raw(
        "GET",
        "/api/projects",
        &[
            ("Host", ui.host()),
            ("Origin", format!("http://localhost:{}", ui.port)),
            token,
        ],
        b"",
    );
    assert_eq!(answer.status, 200);
    // Nothing was forgotten by the refused requests.
    assert_eq!(all_ids(&ui).len(), 3);
}

#[test]
fn malformed_input_is_a_clear_400_and_changes_nothing() {
    let setup = seeded(5);
    let ui = Ui::start(&setup);
    let before = snapshot(&ui);
    let id = before[0]["id"].as_i64().unwrap();
    let cases: Vec<(&str, String, Option<&[u8]>, &str)> = vec![
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{\"title\":"),
            "malformed JSON",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"[1,2]"),
            "malformed JSON",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{\"title\":7}"),
            "malformed JSON",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{\"colour\":\"red\"}"),
            "unknown field",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{}"),
            "at least one",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{\"title\":\"  \"}"),
            "title",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b""),
            "JSON body",
        ),
        (
            "PATCH",
            format!("/api/observations/{id}"),
            Some(b"{\"kind\":\"<b>\"}"),
            "kind",
        ),
        (
            "PATCH",
            "/api/observations/abc".to_owned(),
            Some(b"{\"title\":\"x\"}"),
            "observation id",
        ),
        (
            "PATCH",
            "/api/observations/-4".to_owned(),
            Some(b"{\"title\":\"x\"}"),
            "observation id",
        ),
        (
            "POST",
            format!("/api/observations/{id}/pin"),
            Some(b"{\"pinned\":\"yes\"}"),
            "malformed JSON",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"ids\":[\"a\"]}"),
            "malformed JSON",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"ids\":[]}"),
            "ids",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"ids\":[0]}"),
            "not an observation id",
        ),
        ("POST", "/api/forget".to_owned(), Some(b"{}"), "either ids"),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{}}"),
            "at least one filter",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{\"project\":\"  \"}}"),
            "at least one filter",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{\"since\":\"yesterday\"}}"),
            "since",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{\"until\":\"2026-02-30\"}}"),
            "until",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{\"since\":\"2026-05-02\",\"until\":\"2026-05-01\"}}"),
            "before until",
        ),
        (
            "POST",
            "/api/forget".to_owned(),
            Some(b"{\"filter\":{\"project\":\"work\"},\"ids\":[1]}"),
            "not both",
        ),
        (
            "POST",
            "/api/forget/xyz/undo".to_owned(),
            Some(b"{}"),
            "batch id",
        ),
        (
            "GET",
            "/api/observations?since=2026-13-01".to_owned(),
            None,
            "since",
        ),
        (
            "GET",
            "/api/observations?until=tomorrow".to_owned(),
            None,
            "until",
        ),
        ("GET", "/api/observations?after=x".to_owned(), None, "after"),
        (
            "GET",
            "/api/observations?after=12".to_owned(),
            None,
            "after",
        ),
        ("GET", "/api/observations?limit=0".to_owned(), None, "limit"),
        (
            "GET",
            "/api/observations?limit=100000".to_owned(),
            None,
            "limit",
        ),
        ("GET", "/api/observations?q=%ZZ".to_owned(), None, "escape"),
        ("GET", "/api/search".to_owned(), None, "needs q"),
        (
            "GET",
            "/api/search?q=x&mode=psychic".to_owned(),
            None,
            "mode",
        ),
        ("GET", "/api/costs?days=-1".to_owned(), None, "days"),
    ];
    for (method, path, body, expected) in cases {
        let answer = ui.raw(
            method,
            &path,
            &[("Host", ui.host()), ("X-Memcore-Token", ui.token.clone())],
            body.unwrap_or(b""),
        );
        assert_eq!(
            answer.status,
            400,
            "{method} {path} {:?}",
            body.map(String::from_utf8_lossy)
        );
        let error = answer.error();
        assert!(
            error.contains(expected),
            "{method} {path}: {error:?} does not say {expected:?}"
        );
    }
    assert_eq!(snapshot(&ui), before, "a refused request changed the store");
    assert!(
        ui.get("/api/forgotten")["batches"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn oversize_bodies_unknown_paths_and_wrong_methods() {
    let setup = seeded(3);
    let ui = Ui::start(&setup);
    let before = snapshot(&ui);
    let id = before[0]["id"].as_i64().unwrap();
    let big = format!("{{\"title\":\"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let answer = ui.raw(
        "PATCH",
        &format!("/api/observations/{id}"),
        &[("Host", ui.host()), ("X-Memcore-Token", ui.token.clone())],
        big.as_bytes(),
    );
    assert_eq!(answer.status, 413);
    assert!(answer.error().contains("larger than"), "{}", answer.error());

    for path in [
        "/api/nothing",
        "/favicon.ico",
        "/api/observations/1/2/3",
        "/api",
    ] {
        let answer = ui.call("GET", path, None);
        assert_eq!(answer.status, 404, "{path}");
        assert!(
            answer.error().contains("no such path"),
            "{}",
            answer.error()
        );
    }
    // A huge announced body, without the token: refused, and the server lives on (an HTTP
    // library that drained the body into a buffer of the announced size died of it).
    let answer = ui.raw(
        "POST",
        "/api/forget",
        &[
            ("Host", ui.host()),
            ("Content-Length", "109951162777600".to_owned()),
        ],
        b"",
    );
    assert_eq!(answer.status, 401);
    let answer = ui.raw(
        "POST",
        "/api/forget",
        &[
            ("Host", ui.host()),
            ("X-Memcore-Token", ui.token.clone()),
            ("Content-Length", "109951162777600".to_owned()),
        ],
        b"",
    );
    assert_eq!(answer.status, 413);
    // A client that stalls mid-request holds up no one else.
    let mut stalled = TcpStream::connect(("127.0.0.1", ui.port)).expect("connect");
    stalled
        .write_all(b"GET /api/stats HTTP/1.1\r\nHost: ")
        .expect("write");
    assert_eq!(ui.call("GET", "/api/projects", None).status, 200);
    drop(stalled);
    // An unknown path without the token is refused before it is looked up.
    assert_eq!(
        ui.raw("GET", "/api/nothing", &[("Host", ui.host())], b"")
            .status,
        401
    );
    assert_eq!(
        ui.call("DELETE", &format!("/api/observations/{id}"), None)
            .status,
        405
    );
    assert_eq!(ui.call("GET", "/api/forget", None).status, 405);
    assert_eq!(ui.call("POST", "/", None).status, 405);
    // Unknown ids are 404s that say which.
    let missing = ui.call("GET", "/api/observations/999999", None);
    assert_eq!(missing.status, 404);
    assert!(missing.error().contains("999999"), "{}", missing.error());
    assert_eq!(
        ui.call("GET", "/api/sessions/no-such-session", None).status,
        404
    );
    assert_eq!(
        ui.call(
            "POST",
            "/api/observations/999999/pin",
            Some(json!({"pinned": true}))
        )
        .status,
        404
    );
    assert_eq!(snapshot(&ui), before);
}

#[test]
fn reads_list_page_filter_search_and_explain() {
    let setup = seeded(120);
    let ui = Ui::start(&setup);

    // Newest first, paged by the `next` cursor, the total on the first page.
    let first = ui.get("/api/observations?limit=50");
    assert_eq!(first["total"], 120);
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    let next = first["next"].as_str().expect("a next page");
    let last = items[49]["id"].as_i64().unwrap();
    assert!(next.ends_with(&format!(".{last}")), "{next}");
    let second = ui.get(&format!("/api/observations?limit=50&after={next}"));
    assert_eq!(second["total"], Value::Null);
    assert!(second["items"][0]["id"].as_i64().unwrap() < last);
    let ids = all_ids(&ui);
    assert_eq!(ids.len(), 120);
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted.len(), 120, "a page repeated an observation");

    // Filters: kind, session, dates, words.
    let bugfixes = ui.get("/api/observations?kind=bugfix&limit=200");
    let n = bugfixes["items"].as_array().unwrap().len();
    assert!(n > 0 && n < 120);
    assert_eq!(bugfixes["total"], n);
    assert!(
        bugfixes["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["kind"] == "bugfix")
    );
    let session = ui.get("/api/observations?session=seed-1&limit=200");
    assert_eq!(session["items"].as_array().unwrap().len(), 50);
    let future = ui.get("/api/observations?since=2999-01-01");
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
    let old = ui.get("/api/observations?until=2000-01-01T00:00:00Z");
    assert_eq!(old["total"], 0);
    let coupon = ui.get("/api/observations?q=coupon&limit=200");
    let found = coupon["items"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|o| o.to_string().to_lowercase().contains("coupon"))
    );

    // Search explains each hit: layer, every score part, the words matched.
    let search = ui.get("/api/search?q=coupon%20retry&limit=10");
    let hits = search["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for hit in hits {
        let layer = hit["layer"].as_str().unwrap();
        assert!(layer == "observation" || layer == "conversation", "{hit}");
        for part in [
            "text_rank",
            "bm25",
            "vector_similarity",
            "relevance",
            "recency",
            "kind_weight",
            "importance",
            "file_match",
            "superseded",
            "diversity",
        ] {
            assert!(hit["parts"].get(part).is_some(), "{part} missing: {hit}");
        }
        assert!(hit["score"].as_f64().is_some());
        let matched = hit["matched"].as_array().unwrap();
        assert!(!matched.is_empty(), "{hit}");
        assert!(
            matched.iter().all(|w| w == "coupon" || w == "retry"),
            "{hit}"
        );
        if layer == "observation" {
            assert_eq!(hit["observation"]["id"], hit["id"]);
        } else {
            assert!(hit["record"]["text"].is_string(), "{hit}");
        }
    }
    let kinds = ui.get("/api/search?q=coupon&kind=decision&mode=lexical");
    for hit in kinds["hits"].as_array().unwrap() {
        assert_eq!(hit["observation"]["kind"], "decision", "{hit}");
    }

    // Projects and sessions with their counts; a session's timeline.
    let projects = ui.get("/api/projects");
    assert_eq!(
        projects["projects"],
        json!([{"name": "work", "observations": 120, "sessions": 3}])
    );
    let sessions = ui.get("/api/sessions?project=work");
    let list = sessions["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let seed0 = list.iter().find(|s| s["id"] == "seed-0").unwrap();
    assert_eq!(seed0["observations"], 50);
    let timeline = ui.get("/api/sessions/seed-0");
    assert_eq!(timeline["session"]["id"], "seed-0");
    let entries = timeline["timeline"].as_array().unwrap();
    let count = |t: &str| entries.iter().filter(|e| e["type"] == t).count();
    assert_eq!(count("observation"), 50);
    assert_eq!(count("prompt"), 50);
    assert_eq!(count("assistant"), 50);
    assert_eq!(count("summary"), 1);
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut ordered = times.clone();
    ordered.sort();
    assert_eq!(times, ordered, "the timeline is in time order");

    // The rest of the read views answer in their shapes.
    let costs = ui.get("/api/costs?days=7");
    assert!(
        costs["days"].is_array() && costs["today"].is_u64(),
        "{costs}"
    );
    assert!(costs["daily_cap"].is_null());
    let stats = ui.get("/api/stats");
    assert_eq!(stats["stats"]["observations"], 120);
    assert!(stats["doctor"]["problems"].is_array(), "{stats}");
    assert!(ui.get("/api/injections")["injections"].is_array());
}

#[test]
fn edit_pin_forget_and_undo() {
    let setup = seeded(10);
    let ui = Ui::start(&setup);
    let ids = all_ids(&ui);
    let id = ids[0];

    // Edit: title, narrative, kind; the change is what a read returns after.
    let edited = ui.ok(
        "PATCH",
        &format!("/api/observations/{id}"),
        Some(json!({"title": "Coupon codes are case-insensitive", "narrative": "Upper-cased before lookup.", "kind": "decision"})),
    );
    assert_eq!(
        edited["observation"]["title"],
        "Coupon codes are case-insensitive"
    );
    let read = ui.get(&format!("/api/observations/{id}"));
    assert_eq!(
        read["observation"]["narrative"],
        "Upper-cased before lookup."
    );
    assert_eq!(read["observation"]["kind"], "decision");
    assert!(
        read["sources"].is_array() && read["injected_in"].is_array(),
        "{read}"
    );
    // The edit is searchable.
    let hits = ui.get("/api/search?q=case-insensitive&mode=lexical");
    assert_eq!(hits["hits"][0]["id"], id, "{hits}");

    // Pin and unpin.
    let pinned = ui.ok(
        "POST",
        &format!("/api/observations/{id}/pin"),
        Some(json!({"pinned": true})),
    );
    assert_eq!(pinned["observation"]["pinned"], true);
    let unpinned = ui.ok(
        "POST",
        &format!("/api/observations/{id}/pin"),
        Some(json!({"pinned": false})),
    );
    assert_eq!(unpinned["observation"]["pinned"], false);

    // Forget one: gone from every read at once, recoverable, then restored by undo.
    let forgotten = ui.ok("POST", "/api/forget", Some(json!({"ids": [id]})));
    let batch = forgotten["batch"]["id"].as_i64().unwrap();
    assert_eq!(forgotten["batch"]["observation_ids"], json!([id]));
    assert_eq!(
        ui.call("GET", &format!("/api/observations/{id}"), None)
            .status,
        404
    );
    assert!(!all_ids(&ui).contains(&id));
    let hits = ui.get("/api/search?q=case-insensitive&mode=lexical");
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"] != id),
        "{hits}"
    );
    let batches = ui.get("/api/forgotten");
    assert_eq!(batches["batches"][0]["id"], batch);
    let restored = ui.ok("POST", &format!("/api/forget/{batch}/undo"), None);
    assert_eq!(restored["restored"], json!([id]));
    assert_eq!(
        ui.get(&format!("/api/observations/{id}"))["observation"]["title"],
        "Coupon codes are case-insensitive"
    );
    assert_eq!(all_ids(&ui), ids);
    // A batch undone once is not there to undo again.
    assert_eq!(
        ui.call("POST", &format!("/api/forget/{batch}/undo"), None)
            .status,
        404
    );
}

#[test]
fn bulk_forget_previews_then_forgets_what_matches_and_undoes() {
    let setup = seeded(60);
    let ui = Ui::start(&setup);
    let ids = all_ids(&ui);
    let filter = json!({"kind": "bugfix", "session": "seed-0"});
    let expected: Vec<i64> =
        ui.get("/api/observations?kind=bugfix&session=seed-0&limit=200")["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect();
    assert!(!expected.is_empty());

    // The preview counts and samples, and changes nothing.
    let preview = ui.ok(
        "POST",
        "/api/forget",
        Some(json!({"filter": filter, "preview": true})),
    );
    assert_eq!(preview["count"], expected.len());
    let sample = preview["sample"].as_array().unwrap();
    assert!(!sample.is_empty() && sample.len() <= 10);
    assert!(sample.iter().all(|o| o["kind"] == "bugfix"));
    assert_eq!(all_ids(&ui), ids);

    // Confirmed: exactly those are forgotten.
    let done = ui.ok("POST", "/api/forget", Some(json!({"filter": filter})));
    let mut forgotten: Vec<i64> = done["batch"]["observation_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    forgotten.sort_unstable();
    let mut want = expected.clone();
    want.sort_unstable();
    assert_eq!(forgotten, want);
    let left = all_ids(&ui);
    assert_eq!(left.len(), ids.len() - expected.len());
    assert!(expected.iter().all(|id| !left.contains(id)));

    // Undo brings every one back.
    let batch = done["batch"]["id"].as_i64().unwrap();
    let restored = ui.ok("POST", &format!("/api/forget/{batch}/undo"), None);
    assert_eq!(
        restored["restored"].as_array().unwrap().len(),
        expected.len()
    );
    assert_eq!(all_ids(&ui), ids);

    // A date-range filter by the dates the API shows.
    let preview = ui.ok(
        "POST",
        "/api/forget",
        Some(json!({"filter": {"since": "2000-01-01", "until": "2999-01-01"}, "preview": true})),
    );
    assert_eq!(preview["count"], ids.len());
}

/// Sends `bytes` on a fresh connection, closes the sending side, and returns what came back
/// (possibly nothing) within the test's timeout.
fn send_garbage(ui: &Ui, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", ui.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

fn status_of(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[test]
fn garbage_requests_neither_crash_nor_hang_the_server() {
    let setup = seeded(2);
    let ui = Ui::start(&setup);
    // A fixed pseudo-random sequence (xorshift): the same bytes on every run.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..150 {
        let len = (next() % 3000) as usize + 1;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            // A valid start, garbage after it.
            let mut start = b"POST /api/forget HTTP/1.1\r\n".to_vec();
            start.append(&mut bytes);
            bytes = start;
        }
        if round % 5 == 0 {
            bytes.extend_from_slice(b"\r\n\r\n");
        }
        let answer = send_garbage(&ui, &bytes);
        if let Some(status) = status_of(&answer) {
            assert!(
                (400..500).contains(&status) || status == 505,
                "round {round}: {status}"
            );
        }
    }
    let cases: [(&[u8], u16); 6] = [
        (b"GET /api/stats HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 400),
        (b"GET /api/stats HTTP/1.1\r\nHo st: x\r\n\r\n", 400),
        (b"GET api/stats HTTP/1.1\r\n\r\n", 400),
        (b"GET /x HTTP/9.9\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n", 400),
        (b"BREW /pot HTTP/1.1\r\n\r\n", 403),
    ];
    for (bytes, status) in cases {
        let answer = send_garbage(&ui, bytes);
        assert_eq!(
            status_of(&answer),
            Some(status),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // A huge header: 431, not a buffer that grows with what is sent.
    let mut huge = b"GET /api/stats HTTP/1.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 64 * 1024));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(status_of(&send_garbage(&ui, &huge)), Some(431));
    let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
    let many = format!("GET /api/stats HTTP/1.1\r\n{many}\r\n");
    assert_eq!(status_of(&send_garbage(&ui, many.as_bytes())), Some(431));
    // Partial requests left open (slowloris) do not stop anyone else.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut s = TcpStream::connect(("127.0.0.1", ui.port)).expect("connect");
        s.write_all(b"GET /api/stats HTTP/1.1\r\nHost: 127.0")
            .expect("write");
        stalled.push(s);
    }
    assert_eq!(ui.call("GET", "/api/projects", None).status, 200);
    // Past 64 at once the server says it is busy, at once, rather than queueing.
    for _ in 0..60 {
        let mut s = TcpStream::connect(("127.0.0.1", ui.port)).expect("connect");
        s.write_all(b"GET /api/stats HTTP/1.1\r\nHost: 127.0")
            .expect("write");
        stalled.push(s);
    }
    let busy = ui.call("GET", "/api/projects", None);
    assert_eq!(busy.status, 503);
    assert!(busy.error().contains("too many"), "{}", busy.error());
    // ...and are closed by the server when they stall too long (408).
    let mut slow = stalled.remove(0);
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    assert_eq!(status_of(&answer), Some(408));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ui.call("GET", "/api/projects", None).status != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "still busy after the timeouts"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Still serving, the store untouched.
    assert_eq!(all_ids(&ui).len(), 2);
}

/// A teammate's observation (one that came through sync) carries its author in the list,
/// the detail and search; one's own carries none.
#[test]
fn a_teammates_observations_say_whose_they_are() {
    let setup = Setup::new();
    let other = tempfile::tempdir().unwrap();
    let theirs = memcore::Memory::open(other.path().join("bob.db")).unwrap();
    theirs.sync_enable("team", "bob").unwrap();
    theirs
        .add_observation(memcore::NewObservation {
            project: Some("team".into()),
            title: "Queue retries back off".into(),
            ..Default::default()
        })
        .unwrap();
    {
        let mine = memcore::Memory::open(&setup.db).unwrap();
        mine.sync_enable("team", "ann").unwrap();
        mine.add_observation(memcore::NewObservation {
            project: Some("team".into()),
            title: "Queue worker count".into(),
            ..Default::default()
        })
        .unwrap();
        let out = theirs.sync_outbox("t", 100).unwrap();
        mine.sync_apply(&out.changes).unwrap();
    }
    let ui = Ui::start(&setup);
    let list = ui.get("/api/observations?project=team");
    let items = list["items"].as_array().unwrap();
    let by = |title: &str| items.iter().find(|o| o["title"] == title).unwrap().clone();
    assert_eq!(by("Queue retries back off")["author"], "bob");
    assert!(by("Queue worker count").get("author").is_none());
    let id = by("Queue retries back off")["id"].as_i64().unwrap();
    assert_eq!(
        ui.get(&format!("/api/observations/{id}"))["observation"]["author"],
        "bob"
    );
    let found = ui.get("/api/search?q=queue%20retries&project=team");
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(hit["observation"]["author"], "bob");
}
