//! Helpers shared by the command's integration tests: a private store and home per test, the
//! `memcore` binary run as Claude Code runs it, and a local HTTP server for the providers.

#![allow(dead_code)] // Each test file uses its own share of these.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_memcore");

/// Environment variables of the developer's machine that must not reach the binary.
const CLEARED: &[&str] = &[
    "MEMCORE_DB",
    "MEMCORE_PROJECT",
    "MEMCORE_PROVIDER",
    "MEMCORE_ANTHROPIC_BASE_URL",
    "MEMCORE_OPENAI_BASE_URL",
    "MEMCORE_OPENAI_API_KEY",
    "MEMCORE_DAILY_TOKEN_CAP",
    "MEMCORE_REQUEST_TIMEOUT_SECS",
    "MEMCORE_MAX_RETRIES",
    "MEMCORE_RETRY_BASE_MS",
    "MEMCORE_MAX_RETRY_WAIT_SECS",
    "MEMCORE_NO_EXTRACT",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "CLAUDE_CONFIG_DIR",
    "XDG_DATA_HOME",
];

/// A private memcore setup: a store, a home directory, a working directory.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub home: PathBuf,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Setup {
    pub fn new() -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("memory.db");
        let home = dir.path().join("home");
        let cwd = dir.path().join("work");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::create_dir_all(&cwd).expect("cwd");
        Setup {
            dir,
            db,
            home,
            cwd,
            env: Vec::new(),
        }
    }

    /// Adds an environment variable for every later run.
    pub fn with_env(mut self, name: &str, value: impl Into<String>) -> Setup {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    pub fn data_dir(&self) -> PathBuf {
        self.db.parent().expect("data dir").to_owned()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("memcore.log")).unwrap_or_default()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        for name in CLEARED {
            cmd.env_remove(name);
        }
        // Install asks Claude Code's CLI when `claude` is on PATH: a developer's real one
        // must not be used (tests that want one put a fake first on PATH).
        if let Some(path) = std::env::var_os("PATH") {
            let dirs = std::env::split_paths(&path).filter(|d| !d.join("claude").is_file());
            if let Ok(path) = std::env::join_paths(dirs) {
                cmd.env("PATH", path);
            }
        }
        cmd.env("MEMCORE_DB", &self.db)
            .env("HOME", &self.home)
            .current_dir(&self.cwd)
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `memcore args...` with `stdin`.
    pub fn run_with_input(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start memcore");
        let mut input = child.stdin.take().expect("stdin");
        let data = stdin.to_vec();
        // A writer thread: the child may stop reading early (huge input), which must not
        // block the test.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().expect("wait for memcore");
        let _ = writer.join();
        out
    }

    /// Runs `memcore args...` with no input; panics unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run_with_input(args, b"");
        assert!(
            out.status.success(),
            "memcore {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Runs `memcore args...` and parses its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs a hook as Claude Code does; checks it exits 0 and prints nothing or one JSON
    /// answer; returns the answer's additionalContext (empty when it printed nothing).
    pub fn hook(&self, event: &str, input: &Value) -> String {
        self.hook_raw(event, input.to_string().as_bytes())
    }

    pub fn hook_raw(&self, event: &str, input: &[u8]) -> String {
        let out = self.run_with_input(&["hook", event], input);
        assert_eq!(out.status.code(), Some(0), "hook {event} must exit 0");
        let stdout = String::from_utf8(out.stdout).expect("utf-8 hook output");
        if stdout.trim().is_empty() {
            return String::new();
        }
        let answer: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("hook {event} printed non-JSON ({e}): {stdout}"));
        let specific = &answer["hookSpecificOutput"];
        assert_eq!(specific["hookEventName"], event, "{stdout}");
        specific["additionalContext"]
            .as_str()
            .expect("additionalContext")
            .to_owned()
    }

    /// `memcore --json doctor`: its report, whatever its exit status (non-zero when it found
    /// a problem).
    pub fn doctor(&self) -> Value {
        self.doctor_status().0
    }

    /// `memcore --json doctor`: its report and whether it exited 0.
    pub fn doctor_status(&self) -> (Value, bool) {
        let out = self.run_with_input(&["--json", "doctor"], b"");
        let text = String::from_utf8_lossy(&out.stdout);
        let report = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "doctor: {e}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (report, out.status.success())
    }

    /// `memcore doctor` as text (stdout), whatever its exit status.
    pub fn doctor_text(&self) -> String {
        let out = self.run_with_input(&["doctor"], b"");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whole-store stats.
    pub fn stats(&self) -> Value {
        self.json(&["--all-projects", "stats"])
    }

    /// Waits until no extractor runs and nothing is pending (and at least `summaries`
    /// summaries exist), for at most a minute.
    pub fn wait_for_extraction(&self, summaries: u64) {
        let start = Instant::now();
        loop {
            let stats = self.stats();
            let doctor = self.doctor();
            let idle = doctor["extraction"]["running_pid"].is_null();
            if idle
                && stats["pending_events"] == 0
                && stats["summaries"].as_u64().unwrap_or(0) >= summaries
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "extraction did not finish: {stats}\nlog:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One canned HTTP answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn raw(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.to_owned(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server on 127.0.0.1 that answers with `replies` in order, then with
/// `fallback`, and records every request. It serves at most 50 requests and stops with the
/// test process.
pub struct Server {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    pub fn start(replies: Vec<Reply>, fallback: Reply) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            let mut replies = replies.into_iter();
            for stream in listener.incoming().take(50) {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                log.lock().expect("log").push(request);
                let reply = replies.next().unwrap_or_else(|| fallback.clone());
                let mut head = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                    reply.status,
                    reply.body.len()
                );
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(reply.body.as_bytes());
                let _ = stream.flush();
            }
        });
        Server { url, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    })
}

/// The folder of the real Claude Code transcripts, if present.
pub fn transcripts_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/claude-code-transcripts");
    dir.is_dir().then_some(dir)
}
