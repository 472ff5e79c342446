//! What the heuristic extractor keeps of a session's reasons, fixes and loose ends, on small
//! Claude Code transcripts written here: parsed by the transcript parser, recorded into a
//! fresh store as a host would, extracted with no LLM.

use memcore::capture::transcript::parse_transcript;
use memcore::extract::Extractor;
use memcore::{Memory, NewSession, Observation, ObservationKind, Scope};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A transcript in the making: Claude Code's JSONL records, one minute apart.
struct Transcript {
    session: String,
    start: OffsetDateTime,
    lines: Vec<String>,
    n: i64,
}

impl Transcript {
    fn new(session: &str, start: &str) -> Transcript {
        Transcript {
            session: session.into(),
            start: OffsetDateTime::parse(start, &Rfc3339).unwrap(),
            lines: Vec::new(),
            n: 0,
        }
    }

    fn record(&mut self, kind: &str, content: Value) -> &mut Transcript {
        self.n += 1;
        let at = self.start + time::Duration::minutes(self.n);
        self.lines.push(
            json!({
                "type": kind,
                "uuid": format!("{}-{}", self.session, self.n),
                "sessionId": self.session,
                "cwd": "/w/shop",
                "timestamp": at.format(&Rfc3339).unwrap(),
                "message": { "id": format!("m{}", self.n), "role": kind, "content": content },
            })
            .to_string(),
        );
        self
    }

    fn prompt(&mut self, text: &str) -> &mut Transcript {
        self.record("user", json!(text))
    }

    fn say(&mut self, text: &str) -> &mut Transcript {
        self.record("assistant", json!([{ "type": "text", "text": text }]))
    }

    /// A tool call and its result (`is_error` when `ok` is false).
    fn tool(&mut self, name: &str, input: Value, result: &str, ok: bool) -> &mut Transcript {
        let id = format!("{}-t{}", self.session, self.n + 1);
        self.record(
            "assistant",
            json!([{ "type": "tool_use", "id": id, "name": name, "input": input }]),
        );
        self.record(
            "user",
            json!([{ "type": "tool_result", "tool_use_id": id, "content": result, "is_error": !ok }]),
        )
    }

    fn bash(&mut self, command: &str, result: &str, ok: bool) -> &mut Transcript {
        self.tool("Bash", json!({ "command": command }), result, ok)
    }

    fn edit(&mut self, path: &str, old: &str, new: &str) -> &mut Transcript {
        self.tool(
            "Edit",
            json!({ "file_path": format!("/w/shop/{path}"), "old_string": old, "new_string": new }),
            &format!("The file /w/shop/{path} has been updated."),
            true,
        )
    }

    /// Parses the transcript and records it into `mem` as its own session.
    fn record_into(&self, mem: &Memory) -> OffsetDateTime {
        let parsed = parse_transcript(self.lines.join("\n").as_bytes()).unwrap();
        mem.start_session(NewSession {
            started_at: parsed.started_at,
            ..NewSession::new(&self.session, "shop", "claude-code")
        })
        .unwrap();
        for event in parsed.new_events(&self.session) {
            mem.record_event(event).unwrap();
        }
        parsed.ended_at.unwrap()
    }
}

fn extracted(mem: &Memory) -> Vec<Observation> {
    mem.run_extraction(Extractor::Heuristic, None).unwrap();
    let mut obs = mem.recent(&Scope::All, 200).unwrap();
    obs.reverse();
    obs
}

fn with_concept<'a>(obs: &'a [Observation], concept: &str) -> Vec<&'a Observation> {
    obs.iter()
        .filter(|o| o.concepts.iter().any(|c| c == concept))
        .collect()
}

#[test]
fn a_decision_reversed_later_is_superseded_by_the_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    Transcript::new("s1", "2026-01-20T09:00:00Z")
        .prompt("Cache the price lookups")
        .say(
            "I'll use SQLite for the price cache because it survives restarts of the \
             pricing worker.",
        )
        .edit("src/prices.rs", "fn lookup()", "fn lookup_cached()")
        .record_into(&mem);
    Transcript::new("s2", "2026-01-22T09:00:00Z")
        .prompt("The cache is slow")
        .say(
            "We'll keep the price cache in an in-memory HashMap instead of SQLite, because \
             the pricing worker rebuilds it at startup anyway.",
        )
        .edit("src/prices.rs", "SqliteCache", "HashMap")
        .record_into(&mem);
    let obs = extracted(&mem);
    let decisions: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.kind == ObservationKind::Decision)
        .collect();
    assert_eq!(decisions.len(), 2, "{decisions:#?}");
    let (first, later) = (decisions[0], decisions[1]);
    assert!(
        first
            .narrative
            .contains("I'll use SQLite for the price cache")
    );
    // The reason is kept whole, never cut.
    assert!(
        later.narrative.contains(
            "We'll keep the price cache in an in-memory HashMap instead of SQLite, because the \
             pricing worker rebuilds it at startup anyway."
        ),
        "{}",
        later.narrative
    );
    assert_eq!(later.supersedes, Some(first.id));
    assert_eq!(first.supersedes, None);
}

#[test]
fn a_fix_is_credited_to_the_edit_before_the_passing_run_not_the_hung_one() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    Transcript::new("s1", "2026-01-20T09:00:00Z")
        .prompt("The server test fails on CI")
        .bash(
            "cargo test",
            "Exit code 101\ntest server::binds_twice ... FAILED\nthread 'server::binds_twice' panicked at src/server.rs:40: address already in use",
            false,
        )
        .edit("src/server.rs", "let port = 8080;", "let port = 8081;")
        .bash("cargo test", "Command timed out after 2m 0.0s", false)
        .bash("git diff --stat", " src/server.rs | 2 +-\n 1 file changed", true)
        .say(
            "The test hangs because the first listener is never dropped: the root cause is \
             that the socket is bound without SO_REUSEADDR.",
        )
        .edit(
            "src/net.rs",
            "let socket = Socket::new()?;",
            "let socket = Socket::new()?;\nsocket.set_reuse_address(true)?;",
        )
        .bash(
            "cargo test",
            "running 12 tests\ntest result: ok. 12 passed; 0 failed",
            true,
        )
        .record_into(&mem);
    let obs = extracted(&mem);
    let fixes: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.kind == ObservationKind::Bugfix)
        .collect();
    assert_eq!(fixes.len(), 1, "{obs:#?}");
    let fix = fixes[0];
    assert!(fix.title.contains("src/net.rs"), "{}", fix.title);
    assert!(!fix.title.contains("server.rs"), "{}", fix.title);
    assert!(
        fix.facts
            .iter()
            .any(|f| f.starts_with("Tried first: Edited src/server.rs")),
        "{:?}",
        fix.facts
    );
    assert!(
        !fix.facts.iter().any(|f| f.contains("git diff")),
        "{:?}",
        fix.facts
    );
    // The cause, in the assistant's words, whole.
    assert!(
        fix.narrative
            .contains("the root cause is that the socket is bound without SO_REUSEADDR."),
        "{}",
        fix.narrative
    );
    let commands = with_concept(&obs, "command");
    assert_eq!(commands.len(), 1);
    assert!(commands[0].facts.iter().any(|f| f == "cargo test"));
    assert!(!commands[0].facts.iter().any(|f| f.contains("git diff")));
}

#[test]
fn next_steps_are_not_taken_from_a_slash_commands_reply() {
    next_steps_around_a_slash_command(
        "<command-name>/commit</command-name>\n<command-message>commit</command-message>\n\
         <command-args>the retry change</command-args>",
    );
}

#[test]
fn next_steps_are_not_taken_from_the_reply_to_a_bare_slash_command() {
    next_steps_around_a_slash_command(
        "<command-name>/commit</command-name>\n<command-message>commit</command-message>\n\
         <command-args></command-args>",
    );
}

fn next_steps_around_a_slash_command(command: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let end = Transcript::new("s1", "2026-01-20T09:00:00Z")
        .prompt(
            "<ide_opened_file>The user opened /w/shop/src/fetch.rs in the IDE.</ide_opened_file>\
             Add retries to the fetcher",
        )
        .edit("src/fetch.rs", "get(url)", "retry(3, || get(url))")
        .tool(
            "TodoWrite",
            json!({ "todos": [
                { "content": "Add retries to the fetcher", "status": "completed" },
                { "content": "Write a jitter test for the backoff", "status": "pending" },
            ]}),
            "Todos have been modified successfully.",
            true,
        )
        .say("Added retries in src/fetch.rs.\n\n## Next steps\n- Write a jitter test for the backoff.")
        .prompt(command)
        .say("Committed as 1a2b3c4.\n\n## Next steps\n- Push the branch and open a pull request.")
        .record_into(&mem);
    let obs = extracted(&mem);
    let next = with_concept(&obs, "next-step");
    assert_eq!(next.len(), 1, "{obs:#?}");
    assert!(
        next[0]
            .narrative
            .contains("Write a jitter test for the backoff."),
        "{}",
        next[0].narrative
    );
    assert!(!next[0].narrative.contains("Push the branch"));
    let open = with_concept(&obs, "open-item");
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].facts,
        ["Write a jitter test for the backoff (pending)"]
    );
    for o in &obs {
        assert!(!o.title.contains("ide_opened_file"), "{}", o.title);
    }

    let summary = mem.summarize_heuristic("s1").unwrap().unwrap();
    assert!(
        summary.content.next_steps.contains("jitter test"),
        "{summary:?}"
    );
    assert!(!summary.content.next_steps.contains("Push the branch"));
    assert_eq!(summary.content.request, "Add retries to the fetcher");
    // Dated by the session, not by the time it was summarised.
    assert_eq!(summary.created_at, end);
}
