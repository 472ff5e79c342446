//! `memcore mcp` spoken to over stdio as an MCP client would: initialize, tools/list, a call
//! of every tool, a malformed line, an invalid request, an unknown method and tool, bad
//! arguments, project scoping, and the size of a search answer.

mod common;

use common::Setup;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The longest the server may take to answer one message.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A client of one `memcore mcp` process.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: u64,
}

impl Client {
    /// Starts `memcore mcp` in the setup's working directory (project `work`) and
    /// initializes the session.
    fn start(setup: &Setup) -> (Client, Value) {
        let mut client = Client::spawn(setup);
        let init = client.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "memcore-test", "version": "0"}
            }),
        );
        client.notify("notifications/initialized");
        (client, init)
    }

    fn spawn(setup: &Setup) -> Client {
        let mut command = Command::new(common::BIN);
        for name in ["MEMCORE_PROJECT", "MEMCORE_PROVIDER", "CLAUDE_CONFIG_DIR"] {
            command.env_remove(name);
        }
        for (name, value) in &setup.env {
            command.env(name, value);
        }
        let mut child = command
            .arg("mcp")
            .env("MEMCORE_DB", &setup.db)
            .env("HOME", &setup.home)
            .current_dir(&setup.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start memcore mcp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            lines,
            next_id: 1,
        }
    }

    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str) {
        self.send_line(&json!({"jsonrpc": "2.0", "method": method}).to_string());
    }

    /// The next message from the server that is not a notification.
    fn next_answer(&mut self) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(ANSWER_WITHIN)
                .expect("the server answers in time");
            let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            });
            assert_eq!(message["jsonrpc"], "2.0", "{message}");
            // Requests from the server and notifications have a method; answers do not (an
            // answer to a message that could not be read as a request may lack an id).
            if message.get("method").is_none() {
                return message;
            }
        }
    }

    /// Sends a request and returns the whole answer (result or error).
    fn exchange(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let answer = self.next_answer();
        assert_eq!(answer["id"], id, "answers come to the request: {answer}");
        answer
    }

    /// Sends a request that must succeed and returns its result.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.exchange(method, params);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// Calls a tool; returns its text and whether it is a tool error.
    fn call(&mut self, tool: &str, arguments: Value) -> (String, bool) {
        let result = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let content = result["content"].as_array().expect("content");
        assert_eq!(content.len(), 1, "{result}");
        assert_eq!(content[0]["type"], "text");
        let text = content[0]["text"].as_str().expect("text").to_owned();
        (text, result["isError"] == true)
    }

    /// A tool call that must succeed.
    fn ok(&mut self, tool: &str, arguments: Value) -> String {
        let (text, error) = self.call(tool, arguments.clone());
        assert!(!error, "{tool} {arguments} failed: {text}");
        text
    }

    /// A tool call that must fail as a tool error, whose message is returned.
    fn refused(&mut self, tool: &str, arguments: Value) -> String {
        let (text, error) = self.call(tool, arguments.clone());
        assert!(error, "{tool} {arguments} should fail: {text}");
        text
    }

    /// Closes stdin; the server must then exit 0.
    fn finish(mut self) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + ANSWER_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "memcore mcp exited with {status}");
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "memcore mcp did not exit after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The observation ids of a search answer's index rows, in order.
fn ids_of(index: &str) -> Vec<i64> {
    index
        .lines()
        .filter_map(|line| line.strip_prefix("| "))
        .filter_map(|rest| rest.split(" | ").next())
        .filter_map(|id| id.parse().ok())
        .collect()
}

/// The id in "Remembered as #N ...".
fn remembered_id(text: &str) -> i64 {
    text.strip_prefix("Remembered as #")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a remember answer: {text}"))
}

#[test]
fn a_client_session_uses_every_tool() {
    let setup = Setup::new();
    setup.ok(&["dev", "seed", "60"]);
    let (mut client, init) = Client::start(&setup);
    assert_eq!(init["serverInfo"]["name"], "memcore");
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert!(init["capabilities"]["tools"].is_object(), "{init}");
    assert!(
        init["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("search first")),
        "{init}"
    );

    // tools/list: the five tools for the model, each described, with a closed object schema,
    // and the hook tool.
    let listed = client.request("tools/list", json!({}));
    let tools = listed["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "search",
            "timeline",
            "get_observations",
            "remember",
            "forget",
            "hook"
        ]
    );
    // The hook tool takes the hook's own fields (see tests/plugin.rs); the others are for
    // the model.
    let hook = tools.iter().find(|t| t["name"] == "hook").expect("hook");
    assert_eq!(hook["inputSchema"]["required"], json!(["event"]));
    assert_eq!(hook["inputSchema"]["additionalProperties"], true);
    for tool in tools.iter().filter(|t| t["name"] != "hook") {
        let name = &tool["name"];
        assert!(
            tool["description"].as_str().is_some_and(|d| d.len() > 80),
            "{name} needs a description for the model"
        );
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{name}");
        assert_eq!(schema["additionalProperties"], false, "{name}");
        assert!(schema["properties"]["project"].is_object(), "{name}");
    }
    let by_name = |n: &str| tools.iter().find(|t| t["name"] == n).expect("tool").clone();
    assert_eq!(
        by_name("get_observations")["inputSchema"]["required"],
        json!(["ids"])
    );
    assert_eq!(
        by_name("remember")["inputSchema"]["required"],
        json!(["title"])
    );
    assert_eq!(by_name("search")["annotations"]["readOnlyHint"], true);
    assert_eq!(by_name("forget")["annotations"]["destructiveHint"], true);
    assert!(
        by_name("remember")["inputSchema"]["properties"]["kind"]["enum"]
            .as_array()
            .is_some_and(|kinds| kinds.contains(&json!("decision")))
    );

    // search: a compact index of the project's observations.
    let answer = client.ok("search", json!({"query": "coupon", "limit": 5}));
    assert!(answer.contains("in project work"), "{answer}");
    assert!(
        answer.contains("| id | date | kind | title | tokens |"),
        "{answer}"
    );
    let hits = ids_of(&answer);
    assert!(!hits.is_empty() && hits.len() <= 5, "{answer}");

    // timeline: around the first hit, which is marked.
    let anchor = hits[0];
    let timeline = client.ok("timeline", json!({"id": anchor, "before": 2, "after": 2}));
    let marked: Vec<&str> = timeline.lines().filter(|l| l.starts_with('>')).collect();
    assert_eq!(marked.len(), 1, "{timeline}");
    assert!(marked[0].contains(&format!("#{anchor} ")), "{timeline}");
    assert!(timeline.lines().count() >= 3, "{timeline}");

    // get_observations: full records; an unknown id is named.
    let records = client.ok("get_observations", json!({"ids": [hits[0], 99999]}));
    assert!(records.starts_with(&format!("#{} ", hits[0])), "{records}");
    assert!(records.contains("project work"), "{records}");
    assert!(records.contains("No observation #99999."), "{records}");

    // remember: stored redacted, found by search, stored once.
    let secret = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    let text = format!(
        "Staging deploys go through the release train on Fridays; the bot token {secret} \
         <private>and the pager rota</private> are not for memory."
    );
    let remembered = client.ok(
        "remember",
        json!({"title": "Staging deploys run on Fridays", "text": text, "kind": "decision",
               "files": ["deploy/staging.yml"], "facts": ["The train leaves at 10:00 UTC"]}),
    );
    assert!(remembered.contains("(decision,"), "{remembered}");
    assert!(
        remembered.contains("removed before storing"),
        "{remembered}"
    );
    let id = remembered_id(&remembered);
    let again = client.ok(
        "remember",
        json!({"title": "Staging deploys run on Fridays", "text": text, "kind": "decision",
               "files": ["deploy/staging.yml"], "facts": ["The train leaves at 10:00 UTC"]}),
    );
    assert!(
        again.starts_with(&format!("Already remembered as #{id}")),
        "{again}"
    );
    let found = client.ok("search", json!({"query": "staging deploys friday"}));
    assert_eq!(ids_of(&found).first(), Some(&id), "{found}");
    let record = client.ok("get_observations", json!({"ids": [id]}));
    assert!(!record.contains(secret), "{record}");
    assert!(!record.contains("pager rota"), "{record}");
    assert!(record.contains("importance 0.80"), "{record}");
    assert!(record.contains("deploy/staging.yml"), "{record}");

    // forget: gone, and named as gone afterwards; undo brings it back, once.
    let forgot = client.ok("forget", json!({"ids": [id]}));
    assert!(
        forgot.starts_with(&format!("Forgot #{id} (batch ")),
        "{forgot}"
    );
    let batch: i64 = forgot
        .split("(batch ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|n| n.parse().ok())
        .expect("the answer names the batch");
    let gone = client.refused("get_observations", json!({"ids": [id]}));
    assert!(gone.contains(&format!("No observation #{id}")), "{gone}");
    let stats = setup.json(&["stats"]);
    assert_eq!(
        stats["observations"], 60,
        "only the remembered one was forgotten"
    );
    assert_eq!(
        client.ok("forget", json!({"undo": batch})),
        format!("Restored #{id}.")
    );
    assert!(
        client
            .ok("get_observations", json!({"ids": [id]}))
            .contains("deploy/staging.yml")
    );
    let again = client.refused("forget", json!({"undo": batch}));
    assert!(again.contains("undone or purged"), "{again}");
    assert_eq!(
        client
            .ok("forget", json!({"ids": [id]}))
            .split(" (batch")
            .next(),
        Some(format!("Forgot #{id}").as_str())
    );
    client.finish();
}

#[test]
fn bad_messages_and_bad_arguments_get_clear_answers() {
    let setup = Setup::new();
    setup.ok(&["dev", "seed", "10"]);
    let (mut client, _) = Client::start(&setup);

    // A line that is not JSON: a Parse error with a null id (JSON-RPC 2.0), and nothing
    // breaks: the next request is answered.
    client.send_line("{this is not json");
    let parse = client.next_answer();
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    assert!(
        parse["id"].is_null() && parse.get("id").is_some(),
        "{parse}"
    );
    let listed = client.request("tools/list", json!({}));
    assert_eq!(listed["tools"].as_array().map(Vec::len), Some(6));

    // Valid JSON that is not a valid request: an Invalid Request error, to its id.
    client.send_line(r#"{"jsonrpc": "1.0", "id": 899, "method": "tools/list"}"#);
    let invalid = client.next_answer();
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    assert_eq!(invalid["id"], 899, "{invalid}");
    client.send_line(r#"[{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]"#);
    let invalid = client.next_answer();
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    assert!(
        invalid["id"].is_null() && invalid.get("id").is_some(),
        "{invalid}"
    );

    // Malformed tools/call params: Invalid params, to the request's id.
    for params in [
        json!("search"),
        json!({"name": 5}),
        json!({"name": "search", "arguments": [1]}),
    ] {
        let line = json!({"jsonrpc": "2.0", "id": 900, "method": "tools/call", "params": params});
        client.send_line(&line.to_string());
        let invalid = client.next_answer();
        assert_eq!(invalid["error"]["code"], -32602, "{params}: {invalid}");
        assert_eq!(invalid["id"], 900, "{params}: {invalid}");
    }

    // An unknown method.
    let unknown_method = client.exchange("memory/everything", json!({}));
    assert_eq!(unknown_method["error"]["code"], -32601, "{unknown_method}");

    // An unknown tool: a protocol error that names it and the tools there are.
    let unknown = client.exchange("tools/call", json!({"name": "delete_all", "arguments": {}}));
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let message = unknown["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("\"delete_all\""), "{message}");
    assert!(message.contains("get_observations"), "{message}");

    // Bad arguments: tool errors the model can read and act on.
    let cases = [
        ("search", json!({}), "needs a query"),
        (
            "search",
            json!({"query": "x", "limit": "ten"}),
            "\"limit\" must be a whole number",
        ),
        (
            "search",
            json!({"query": "x", "limit": 500}),
            "from 1 to 50",
        ),
        (
            "search",
            json!({"query": "x", "querry": "y"}),
            "unknown argument \"querry\"",
        ),
        (
            "search",
            json!({"query": "x", "since": "last week"}),
            "\"since\" must be a date",
        ),
        ("search", json!({"query": 42}), "\"query\" must be a string"),
        ("timeline", json!({}), "needs id"),
        ("timeline", json!({"id": 1, "at": "2026-01-01"}), "not both"),
        (
            "timeline",
            json!({"id": -3}),
            "\"id\" must be an observation id",
        ),
        ("get_observations", json!({}), "\"ids\" is missing"),
        ("get_observations", json!({"ids": []}), "is empty"),
        (
            "get_observations",
            json!({"ids": "1"}),
            "\"ids\" must be a list, not a string",
        ),
        ("forget", json!({"ids": 1}), "\"ids\" must be a list"),
        (
            "search",
            json!({"query": "x", "files": "src/a.rs"}),
            "\"files\" must be a list of strings",
        ),
        (
            "get_observations",
            json!({"ids": [1, "x"]}),
            "neither an observation id",
        ),
        (
            "get_observations",
            json!({"ids": ["c999999"]}),
            "No conversation record c999999",
        ),
        (
            "remember",
            json!({"text": "no title"}),
            "\"title\" is missing",
        ),
        (
            "remember",
            json!({"title": "t", "kind": "gossip"}),
            "\"gossip\" is not a kind",
        ),
        (
            "remember",
            json!({"title": "t", "importance": 7}),
            "from 0 to 1",
        ),
        (
            "remember",
            json!({"title": "t", "project": "*"}),
            "one project",
        ),
        (
            "remember",
            json!({"title": "t", "supersedes": 99999}),
            "No observation #99999",
        ),
        ("remember", json!({"title": "x".repeat(301)}), "at most 300"),
        (
            "remember",
            json!({"title": "t", "text": "x".repeat(16_001)}),
            "at most 16000",
        ),
        (
            "remember",
            json!({"title": "t", "facts": vec!["f"; 51]}),
            "at most 50",
        ),
        ("forget", json!({"ids": [99999]}), "Nothing was forgotten"),
    ];
    for (tool, arguments, expected) in cases {
        let message = client.refused(tool, arguments.clone());
        assert!(
            message.contains(expected),
            "{tool} {arguments}: {message:?} should say {expected:?}"
        );
    }
    // Nothing was stored or deleted by the refused calls.
    assert_eq!(setup.json(&["stats"])["observations"], 10);

    // Arguments sent as null count as absent; ids may come as "#12" or "12".
    let first = ids_of(&client.ok(
        "search",
        json!({"query": "handling", "limit": 1, "kinds": null}),
    ))[0];
    let record = client.ok("get_observations", json!({"ids": [format!("#{first}")]}));
    assert!(record.starts_with(&format!("#{first} ")), "{record}");
    client.finish();
}

#[test]
fn tools_stay_in_their_project_unless_told_otherwise() {
    let setup = Setup::new();
    let (mut client, _) = Client::start(&setup);
    let theirs = remembered_id(&client.ok(
        "remember",
        json!({"title": "Billing retries use exponential backoff", "project": "billing"}),
    ));
    let ours = remembered_id(&client.ok(
        "remember",
        json!({"title": "Checkout retries use exponential backoff"}),
    ));

    let here = client.ok("search", json!({"query": "retries backoff"}));
    assert_eq!(ids_of(&here), [ours], "{here}");
    let there = client.ok(
        "search",
        json!({"query": "retries backoff", "project": "billing"}),
    );
    assert_eq!(ids_of(&there), [theirs], "{there}");
    assert!(there.starts_with("1 memory for"), "{there}");
    let everywhere = client.ok(
        "search",
        json!({"query": "retries backoff", "project": "*"}),
    );
    assert!(everywhere.contains("project billing:"), "{everywhere}");
    assert!(everywhere.contains("project work:"), "{everywhere}");
    assert_eq!(ids_of(&everywhere).len(), 2, "{everywhere}");

    // Another project's observation is named, not shown, and not deleted.
    let refused = client.refused("get_observations", json!({"ids": [theirs]}));
    assert!(refused.contains("is in project \"billing\""), "{refused}");
    let refused = client.refused("forget", json!({"ids": [theirs]}));
    assert!(refused.contains("is in project \"billing\""), "{refused}");
    let refused = client.refused("timeline", json!({"id": theirs}));
    assert!(refused.contains("is in project \"billing\""), "{refused}");
    let shown = client.ok(
        "get_observations",
        json!({"ids": [theirs], "project": "billing"}),
    );
    assert!(shown.contains("Billing retries"), "{shown}");
    let timeline = client.ok("timeline", json!({"id": theirs, "project": "*"}));
    assert!(
        !timeline.contains("Checkout retries"),
        "a timeline stays in one project: {timeline}"
    );
    let forgot = client.ok("forget", json!({"ids": [theirs], "project": "billing"}));
    assert!(
        forgot.starts_with(&format!("Forgot #{theirs} (batch ")),
        "{forgot}"
    );
    client.finish();
}

#[test]
fn a_search_answer_for_ten_hits_is_compact() {
    let setup = Setup::new();
    let (mut client, _) = Client::start(&setup);
    // Titles as long as an extractor writes them, and one far longer.
    let subjects = [
        "Fixed the coupon total in Cart::total so the discount applies once per order",
        "Decided to keep refund amounts in integer cents across the payment service",
        "Found that the checkout retry loop ignored the Retry-After header from the gateway",
        "Moved invoice PDF rendering off the request path into the background worker queue",
        "Added a migration that backfills the missing currency column on historical orders",
        "Refactored the session cache so that login tokens expire with the refresh token",
        "Discovered the search index skipped products whose names contain non-ASCII letters",
        "Changed the router to return 429 with a retry hint when the rate limit is exceeded",
        "Fixed a flaky test in checkout_flow_test.rs that depended on the wall clock time",
        "Decided the webhook signature check happens before JSON parsing, not after it, as a rule that every handler must follow without exception whatever the payload size or source",
    ];
    for (i, subject) in subjects.iter().enumerate() {
        client.ok(
            "remember",
            json!({"title": format!("{subject} (checkout #{i})"),
                   "text": format!("{subject}. This matters for the checkout service.")}),
        );
    }
    let answer = client.ok("search", json!({"query": "checkout", "limit": 10}));
    assert_eq!(ids_of(&answer).len(), 10, "{answer}");
    let tokens = memcore::tokens::estimate(&answer);
    eprintln!(
        "a search answer for 10 hits: {tokens} tokens, {} bytes",
        answer.len()
    );
    assert!(tokens < 600, "{tokens} tokens:\n{answer}");
    assert!(answer.contains('…'), "the long title is cut: {answer}");
    client.finish();
}

#[test]
fn claude_project_dir_names_the_default_project() {
    let setup = Setup::new();
    let shop = setup.dir.path().join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    let setup = setup.with_env("CLAUDE_PROJECT_DIR", shop.display().to_string());
    let (mut client, _) = Client::start(&setup);
    let id = remembered_id(&client.ok("remember", json!({"title": "Prices are in cents"})));
    let listed = client.request("tools/list", json!({}));
    let project = &listed["tools"][0]["inputSchema"]["properties"]["project"]["description"];
    assert!(
        project.as_str().is_some_and(|d| d.contains("\"shop\"")),
        "{project}"
    );
    client.finish();
    let stored = setup.json(&["--project", "shop", "show", &id.to_string()]);
    assert_eq!(stored[0]["project"], "shop");
}

#[test]
fn the_server_sees_what_other_processes_write_and_the_hooks_see_what_it_remembers() {
    let setup = Setup::new();
    let (mut client, _) = Client::start(&setup);
    let before = client.ok("search", json!({"query": "coupon"}));
    assert!(before.starts_with("Nothing in memory matches"), "{before}");

    // Another process (as the extractor would) writes while the server runs.
    setup.ok(&["dev", "seed", "20"]);
    let after = client.ok("search", json!({"query": "coupon"}));
    assert!(!ids_of(&after).is_empty(), "{after}");

    // What the server remembers reaches the next session through the SessionStart hook.
    let id = remembered_id(&client.ok(
        "remember",
        json!({"title": "Never run the integration suite against production", "kind": "decision"}),
    ));
    client.finish();
    let context = setup.hook(
        "SessionStart",
        &json!({"session_id": "next", "cwd": setup.cwd, "hook_event_name": "SessionStart",
                "source": "startup"}),
    );
    assert!(
        context.contains("Never run the integration suite against production"),
        "{context}"
    );
    assert!(context.contains(&format!("| {id} |")), "{context}");
}

#[test]
fn search_finds_what_was_said_and_get_observations_shows_the_record() {
    let setup = Setup::new();
    setup.hook(
        "UserPromptSubmit",
        &json!({"session_id": "s1", "cwd": setup.cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": "Why does the nightly export skip archived invoices?"}),
    );
    let (mut client, _) = Client::start(&setup);
    let found = client.ok(
        "search",
        json!({"query": "nightly export archived invoices"}),
    );
    let reference = found
        .lines()
        .find_map(|l| {
            l.strip_prefix("| c")
                .and_then(|rest| rest.split(' ').next())
                .map(|n| format!("c{n}"))
        })
        .unwrap_or_else(|| panic!("no conversation record in: {found}"));
    assert!(found.contains("| prompt |"), "{found}");
    let shown = client.ok("get_observations", json!({"ids": [reference.clone()]}));
    assert!(
        shown.contains("nightly export skip archived invoices"),
        "{shown}"
    );
    assert!(shown.starts_with(&reference), "{shown}");
    // Another project's record is named, not shown.
    let elsewhere = client.refused(
        "get_observations",
        json!({"ids": [reference], "project": "billing"}),
    );
    assert!(elsewhere.contains("is in project"), "{elsewhere}");
    client.finish();
}

#[test]
fn search_lists_what_it_found_and_shows_each_score() {
    let setup = Setup::new();
    setup.ok(&["dev", "seed", "20"]);
    let (mut client, _) = Client::start(&setup);
    // No seeded word: nothing is found, so nothing is listed.
    let unrelated = client.ok(
        "search",
        json!({"query": "quantum entanglement photon laser spectroscopy"}),
    );
    assert!(
        unrelated.starts_with("Nothing in memory matches"),
        "{unrelated}"
    );
    // One seeded word among many unrelated ones: BM25 finds it, so a listing shows it (the
    // agent asked, and reads the score); its score says how little of the query it holds.
    let thin = client.ok(
        "search",
        json!({"query": "coupon quantum entanglement photon laser spectroscopy"}),
    );
    assert!(!thin.starts_with("Nothing in memory matches"), "{thin}");
    // A related query: rows with their score.
    let answer = client.ok("search", json!({"query": "coupon", "limit": 5}));
    assert!(
        answer.contains("| id | date | kind | title | tokens | score |"),
        "{answer}"
    );
    let rows: Vec<&str> = answer
        .lines()
        .filter(|l| l.starts_with("| "))
        .skip(1)
        .collect();
    assert!(!rows.is_empty(), "{answer}");
    for row in rows {
        let score: f64 = row
            .trim_end_matches(" |")
            .rsplit("| ")
            .next()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("no score in {row:?}"));
        assert!((0.0..=1.0).contains(&score), "{row}");
    }
    client.finish();
}

#[test]
fn a_lone_surrogate_escape_costs_one_character_not_the_request() {
    let setup = Setup::new();
    let (mut client, _) = Client::start(&setup);
    // What JSON.stringify writes for a string cut inside an emoji.
    client.send_line(
        r#"{"jsonrpc": "2.0", "id": 900, "method": "tools/call", "params": {"name": "remember",
            "arguments": {"title": "The deploy script needs the staging flag \ud83d"}}}"#
            .replace('\n', " ")
            .as_str(),
    );
    let answer = client.next_answer();
    assert_eq!(answer["id"], 900, "{answer}");
    assert!(answer.get("error").is_none(), "{answer}");
    assert_ne!(answer["result"]["isError"], true, "{answer}");
    let found = client.ok("search", json!({"query": "deploy staging flag"}));
    assert!(found.contains("staging"), "{found}");
    client.finish();
}

#[test]
fn a_read_only_store_is_searched_and_only_writes_are_refused() {
    let setup = Setup::new();
    setup.ok(&["dev", "seed", "10"]);
    let mut client = Client::start(&setup).0;
    let id = remembered_id(&client.ok(
        "remember",
        json!({"title": "Invoices are exported as UTF-8 CSV"}),
    ));
    client.finish();
    let mut perms = std::fs::metadata(&setup.db).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&setup.db, perms).unwrap();

    // The read commands work on a store marked read-only.
    assert!(
        setup
            .ok(&["search", "invoices", "exported"])
            .contains(&format!("#{id}"))
    );
    assert!(setup.stats()["observations"].as_u64().unwrap() >= 1);
    // So do the MCP server's read tools; a write is refused, saying why.
    let (mut client, _) = Client::start(&setup);
    let found = client.ok("search", json!({"query": "invoices exported"}));
    assert!(found.contains(&format!("{id}")), "{found}");
    let refused = client.refused("remember", json!({"title": "Prices are in cents"}));
    assert!(refused.contains("not writable"), "{refused}");
    client.finish();
}
