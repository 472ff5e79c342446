//! Import from claude-mem: a database built here with claude-mem's schema (v13.15.3, from
//! `reference/claude-mem.md` §2.2) and realistic rows, odd ones included: empty facts, JSON
//! arrays stored as text (and encoded twice), comma lists, a legacy `text`-only row, a row
//! with nothing in it, seconds instead of milliseconds, orphaned rows, a session without
//! summaries, a worktree's observations adopted by the main project, secrets. Then an older
//! claude-mem layout, and files that are not claude-mem databases at all.

use memcore::{Error, EventPayload, EventStatus, Memory, ObservationKind, Scope, SessionStatus};
use rusqlite::{Connection, params};
use std::path::Path;
use time::OffsetDateTime;
use time::macros::datetime;

/// claude-mem's tables (final shape at v13.15.3), with its FTS table and triggers.
const SCHEMA: &str = "
CREATE TABLE schema_versions (id INTEGER PRIMARY KEY, version INTEGER UNIQUE NOT NULL,
    applied_at TEXT NOT NULL);
CREATE TABLE sdk_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_session_id TEXT NOT NULL,
    memory_session_id TEXT UNIQUE,
    project TEXT NOT NULL,
    platform_source TEXT NOT NULL DEFAULT 'claude',
    user_prompt TEXT,
    started_at TEXT,
    started_at_epoch INTEGER,
    completed_at TEXT,
    completed_at_epoch INTEGER,
    status TEXT CHECK (status IN ('active', 'completed', 'failed')) DEFAULT 'active',
    worker_port INTEGER,
    prompt_counter INTEGER DEFAULT 0,
    custom_title TEXT
);
CREATE UNIQUE INDEX ux_sdk_sessions_platform_content
    ON sdk_sessions(platform_source, content_session_id);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    memory_session_id TEXT NOT NULL REFERENCES sdk_sessions(memory_session_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    project TEXT NOT NULL,
    text TEXT,
    type TEXT NOT NULL,
    title TEXT,
    subtitle TEXT,
    facts TEXT,
    narrative TEXT,
    concepts TEXT,
    files_read TEXT,
    files_modified TEXT,
    prompt_number INTEGER,
    discovery_tokens INTEGER DEFAULT 0,
    created_at TEXT,
    created_at_epoch INTEGER,
    metadata TEXT,
    content_hash TEXT,
    generated_by_model TEXT,
    relevance_count INTEGER DEFAULT 0,
    merged_into_project TEXT,
    agent_type TEXT,
    agent_id TEXT,
    synced_at INTEGER,
    origin_device_id TEXT,
    origin_local_id TEXT,
    sync_rev TEXT DEFAULT '1'
);
CREATE UNIQUE INDEX ux_observations_session_hash ON observations(memory_session_id, content_hash);
CREATE TABLE session_summaries (
    id INTEGER PRIMARY KEY,
    memory_session_id TEXT NOT NULL REFERENCES sdk_sessions(memory_session_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    project TEXT NOT NULL,
    request TEXT, investigated TEXT, learned TEXT, completed TEXT, next_steps TEXT,
    files_read TEXT, files_edited TEXT, notes TEXT,
    prompt_number INTEGER, discovery_tokens INTEGER DEFAULT 0,
    created_at TEXT, created_at_epoch INTEGER, merged_into_project TEXT,
    synced_at INTEGER, origin_device_id TEXT, origin_local_id TEXT, sync_rev TEXT DEFAULT '1'
);
CREATE TABLE user_prompts (
    id INTEGER PRIMARY KEY,
    session_db_id INTEGER REFERENCES sdk_sessions(id) ON DELETE CASCADE,
    content_session_id TEXT NOT NULL,
    prompt_number INTEGER NOT NULL,
    prompt_text TEXT NOT NULL,
    created_at TEXT,
    created_at_epoch INTEGER,
    synced_at INTEGER, origin_device_id TEXT, origin_local_id TEXT, sync_rev TEXT DEFAULT '1'
);
CREATE TABLE pending_messages (
    id INTEGER PRIMARY KEY, session_db_id INTEGER, content_session_id TEXT,
    message_type TEXT CHECK (message_type IN ('observation', 'summarize')),
    tool_name TEXT, tool_input TEXT, tool_response TEXT, status TEXT
);
CREATE VIRTUAL TABLE observations_fts USING fts5(title, subtitle, narrative, text, facts,
    concepts, content='observations', content_rowid='id');
CREATE TRIGGER observations_ai AFTER INSERT ON observations BEGIN
    INSERT INTO observations_fts(rowid, title, subtitle, narrative, text, facts, concepts)
    VALUES (new.id, new.title, new.subtitle, new.narrative, new.text, new.facts, new.concepts);
END;
";

const T0: i64 = 1_760_000_000_000; // 2025-10-09 08:53:20 UTC, in milliseconds.

fn iso(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn observation(
    db: &Connection,
    memory: &str,
    project: &str,
    kind: &str,
    title: Option<&str>,
    subtitle: Option<&str>,
    facts: Option<&str>,
    narrative: Option<&str>,
    concepts: Option<&str>,
    files_read: Option<&str>,
    files_modified: Option<&str>,
    prompt_number: Option<i64>,
    epoch: Option<i64>,
) {
    db.execute(
        "INSERT INTO observations (memory_session_id, project, type, title, subtitle, facts,
             narrative, concepts, files_read, files_modified, prompt_number, created_at,
             created_at_epoch, content_hash, generated_by_model, discovery_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                 lower(hex(randomblob(8))), 'claude-haiku-4-5', 1200)",
        params![
            memory,
            project,
            kind,
            title,
            subtitle,
            facts,
            narrative,
            concepts,
            files_read,
            files_modified,
            prompt_number,
            epoch.map(|e| iso(if e < 100_000_000_000 { e * 1000 } else { e })),
            epoch
        ],
    )
    .unwrap();
}

/// An `sdk_sessions` row: content and memory session ids, project, platform, start and
/// completion (ms), status.
type SdkRow = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    &'static str,
);

/// A claude-mem database as v13.15.3 leaves it after a few days of use.
fn build_claude_mem(path: &Path) {
    let db = Connection::open(path).unwrap();
    db.pragma_update(None, "journal_mode", "wal").unwrap();
    // Orphaned rows exist in real databases (claude-mem issue #3378): write some.
    db.pragma_update(None, "foreign_keys", false).unwrap();
    db.execute_batch(SCHEMA).unwrap();
    for v in [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 20, 21, 22, 29, 33, 34, 49] {
        db.execute(
            "INSERT INTO schema_versions (version, applied_at) VALUES (?1, ?2)",
            params![v, iso(T0)],
        )
        .unwrap();
    }
    // Sessions: a completed one, an active one from Codex, a failed one whose observer never
    // started (no memory session id, times only as text), and a worktree session.
    let sessions: [SdkRow; 4] = [
        (
            "cc-1",
            Some("mem-1"),
            "webshop",
            "claude",
            Some(T0),
            Some(T0 + 3_600_000),
            "completed",
        ),
        (
            "cc-2",
            Some("mem-2"),
            "webshop",
            "codex",
            Some(T0 + 86_400_000),
            None,
            "active",
        ),
        ("cc-3", None, "infra", "claude", None, None, "failed"),
        (
            "cc-4",
            Some("mem-4"),
            "webshop-wt",
            "claude",
            Some(T0 + 2 * 86_400_000),
            None,
            "active",
        ),
    ];
    for (content, memory, project, platform, start, end, status) in sessions {
        db.execute(
            "INSERT INTO sdk_sessions (content_session_id, memory_session_id, project,
                 platform_source, user_prompt, started_at, started_at_epoch, completed_at,
                 completed_at_epoch, status, prompt_counter)
             VALUES (?1, ?2, ?3, ?4, 'first prompt', ?5, ?6, ?7, ?8, ?9, 2)",
            params![
                content,
                memory,
                project,
                platform,
                start
                    .map(iso)
                    .or_else(|| Some("2025-10-01 12:00:00".into())),
                start,
                end.map(iso),
                end,
                status
            ],
        )
        .unwrap();
    }
    let prompts: [(Option<i64>, &str, i64, &str, i64); 7] = [
        (
            Some(1),
            "cc-1",
            1,
            "The coupon is applied twice at checkout, fix it",
            T0 + 1_000,
        ),
        (
            Some(1),
            "cc-1",
            2,
            "Now add a test for the cart total",
            T0 + 600_000,
        ),
        (
            Some(2),
            "cc-2",
            1,
            "Why is the search endpoint slow?",
            T0 + 86_400_000,
        ),
        (
            Some(99),
            "cc-unknown",
            1,
            "A prompt of a session that is gone",
            T0,
        ),
        (Some(1), "cc-1", 3, "", T0 + 700_000),
        (
            Some(3),
            "cc-3",
            1,
            "<private>my salary</private> plan the terraform upgrade",
            T0,
        ),
        (
            None,
            "cc-4",
            1,
            "Build the wishlist page",
            T0 + 2 * 86_400_000,
        ),
    ];
    for (db_id, content, number, text, epoch) in prompts {
        db.execute(
            "INSERT INTO user_prompts (session_db_id, content_session_id, prompt_number,
                 prompt_text, created_at, created_at_epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![db_id, content, number, text, iso(epoch), epoch],
        )
        .unwrap();
    }
    // 1. A model observation, every field as claude-mem writes it.
    observation(
        &db,
        "mem-1",
        "webshop",
        "bugfix",
        Some("Coupon discount applied twice"),
        Some("CartTotal subtracted the coupon in two places"),
        Some(
            r#"["cart.rs subtracts the coupon once in total()", "apply_coupon() no longer mutates the subtotal"]"#,
        ),
        Some("The coupon was subtracted in apply_coupon() and again in total()."),
        Some(r#"["problem-solution", "gotcha"]"#),
        Some(r#"["src/cart.rs", "src/coupon.rs"]"#),
        Some(r#"["src/cart.rs"]"#),
        Some(1),
        Some(T0 + 60_000),
    );
    // 2. Empty facts, an empty concept array with a "keyword: description" concept, files as
    //    a comma list, files_read NULL.
    observation(
        &db,
        "mem-1",
        "webshop",
        "discovery",
        Some("Cart totals are computed on every render"),
        Some(""),
        Some(""),
        Some("total() runs for each line item re-render."),
        Some(r#"["how-it-works: explains the render loop"]"#),
        None,
        Some("src/cart.rs, src/ui/cart_view.rs"),
        Some(2),
        Some(T0 + 620_000),
    );
    // 3. A type memcore does not know, no title (the subtitle stands in), facts encoded twice.
    observation(
        &db,
        "mem-2",
        "webshop",
        "security_alert",
        None,
        Some("Search endpoint logs the session token"),
        Some(r#""[\"search.rs logs the Authorization header\"]""#),
        Some("Request logging includes headers."),
        Some("[]"),
        Some("[]"),
        Some("[]"),
        Some(1),
        Some(T0 + 86_460_000),
    );
    // 4. A worktree's observation adopted by the main project.
    db.execute(
        "INSERT INTO observations (memory_session_id, project, type, title, narrative, facts,
             concepts, files_read, files_modified, created_at_epoch, merged_into_project)
         VALUES ('mem-4', 'webshop-wt', 'feature', 'Wishlist page', 'Added /wishlist.',
                 '[]', '[\"what-changed\"]', '[]', '[\"src/wishlist.rs\"]', ?1, 'webshop')",
        [T0 + 2 * 86_400_000 + 5_000],
    )
    .unwrap();
    // 5. A legacy row: only the old `text` column, time in seconds.
    db.execute(
        "INSERT INTO observations (memory_session_id, project, type, text, created_at_epoch)
         VALUES ('mem-1', 'webshop', 'change', 'Legacy observation text\nwith a second line', ?1)",
        [T0 / 1000 + 30],
    )
    .unwrap();
    // 6. Nothing at all: skipped.
    db.execute(
        "INSERT INTO observations (memory_session_id, project, type, created_at_epoch)
         VALUES ('mem-1', 'webshop', 'change', ?1)",
        [T0],
    )
    .unwrap();
    // 7. An orphan: its session row is gone.
    observation(
        &db,
        "mem-ghost",
        "webshop",
        "decision",
        Some("Keep prices in cents"),
        None,
        Some(r#"["Prices are i64 cents"]"#),
        Some("Floats lost pennies."),
        Some(r#"["trade-off"]"#),
        None,
        None,
        None,
        Some(T0 + 10),
    );
    // 8. Facts with numbers, nulls and empty strings.
    observation(
        &db,
        "mem-2",
        "webshop",
        "discovery",
        Some("Search listens on port 8080"),
        None,
        Some(r#"["Port is 8080", 8080, null, ""]"#),
        None,
        None,
        None,
        None,
        None,
        Some(T0 + 86_500_000),
    );
    // 9. A secret in the narrative.
    observation(
        &db,
        "mem-2",
        "webshop",
        "change",
        Some("Rotated the Stripe key"),
        None,
        None,
        Some("New key sk_live_4eC39HqLyjWDarjtT1zdp7dc is in the vault."),
        None,
        None,
        None,
        None,
        Some(T0 + 86_600_000),
    );
    // 10. The same content as 1, in another session (claude-mem's hash includes the session).
    observation(
        &db,
        "mem-2",
        "webshop",
        "bugfix",
        Some("Coupon discount applied twice"),
        Some("CartTotal subtracted the coupon in two places"),
        Some(
            r#"["cart.rs subtracts the coupon once in total()", "apply_coupon() no longer mutates the subtotal"]"#,
        ),
        Some("The coupon was subtracted in apply_coupon() and again in total()."),
        Some(r#"["problem-solution"]"#),
        None,
        None,
        None,
        Some(T0 + 86_700_000),
    );
    // Summaries: two checkpoints of session 1 (the second with NULLs), an empty one, one whose
    // session row is gone. Sessions 3 and 4 have none.
    let summaries: [(&str, &str, [Option<&str>; 6], i64); 4] = [
        (
            "mem-1",
            "webshop",
            [
                Some("Fix the coupon applied twice"),
                Some("cart.rs and coupon.rs"),
                Some("total() and apply_coupon() both subtracted it"),
                Some("Removed the subtraction from apply_coupon()"),
                Some("Add a regression test"),
                Some(""),
            ],
            T0 + 650_000,
        ),
        (
            "mem-1",
            "webshop",
            [
                Some("Add a cart total test"),
                None,
                None,
                Some("Test added"),
                None,
                None,
            ],
            T0 + 3_500_000,
        ),
        (
            "mem-2",
            "webshop",
            [None, Some(""), None, None, Some("  "), None],
            T0 + 86_800_000,
        ),
        (
            "mem-orphan",
            "infra",
            [
                Some("Upgrade terraform"),
                None,
                Some("Provider 5 needs 1.5"),
                None,
                None,
                None,
            ],
            T0 + 5 * 86_400_000,
        ),
    ];
    for (memory, project, f, epoch) in summaries {
        db.execute(
            "INSERT INTO session_summaries (memory_session_id, project, request, investigated,
                 learned, completed, next_steps, notes, created_at, created_at_epoch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                memory,
                project,
                f[0],
                f[1],
                f[2],
                f[3],
                f[4],
                f[5],
                iso(epoch),
                epoch
            ],
        )
        .unwrap();
    }
}

fn setup() -> (tempfile::TempDir, Memory, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("claude-mem.db");
    build_claude_mem(&source);
    let mem = Memory::open(dir.path().join("memcore.db")).unwrap();
    (dir, mem, source)
}

#[test]
fn counts_of_a_claude_mem_import() {
    let (_dir, mem, source) = setup();
    let report = mem.import_claude_mem(&source).unwrap();
    assert!(report.missing.is_empty(), "{:?}", report.missing);

    let s = report.sessions;
    // Four sdk_sessions rows, plus a session for the orphaned summary.
    assert_eq!(
        (s.read, s.added, s.already_present, s.skipped),
        (4, 5, 0, 0)
    );
    let o = report.observations;
    assert_eq!(
        (o.read, o.added, o.already_present, o.skipped),
        (10, 8, 1, 1)
    );
    let m = report.summaries;
    assert_eq!(
        (m.read, m.added, m.already_present, m.skipped),
        (4, 3, 0, 1)
    );
    let p = report.prompts;
    assert_eq!(
        (p.read, p.added, p.already_present, p.skipped),
        (7, 5, 0, 2)
    );
    let reasons: Vec<(&str, u64)> = report
        .skipped
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        reasons,
        [
            ("observations:empty", 1),
            ("prompts:empty", 1),
            ("prompts:no-session", 1),
            ("summaries:empty", 1),
        ]
    );

    let stats = mem.stats(&Scope::All).unwrap();
    assert_eq!(stats.sessions, 5);
    assert_eq!(stats.observations, 8);
    assert_eq!(stats.summaries, 3);
    assert_eq!(stats.events, 5);
    assert_eq!(
        stats.pending_events, 0,
        "imported prompts are not extracted again"
    );
    assert_eq!(stats.observations_by_kind["bugfix"], 1);
    assert_eq!(stats.observations_by_kind["security_alert"], 1);
    assert_eq!(stats.observations_by_kind["discovery"], 2);
    assert_eq!(mem.projects().unwrap(), ["infra", "webshop", "webshop-wt"]);
    assert_eq!(
        mem.stats(&Scope::Project("webshop".into()))
            .unwrap()
            .observations,
        8
    );
    assert_eq!(mem.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn field_values_of_a_claude_mem_import() {
    let (_dir, mem, source) = setup();
    mem.import_claude_mem(&source).unwrap();
    let all = mem.recent(&Scope::All, 100).unwrap();
    let find = |title: &str| {
        all.iter()
            .find(|o| o.title == title)
            .unwrap_or_else(|| panic!("no observation {title:?} in {all:#?}"))
    };

    let o = find("Coupon discount applied twice");
    assert_eq!(o.kind, ObservationKind::Bugfix);
    assert_eq!(o.project, "webshop");
    assert_eq!(o.session_id.as_deref(), Some("cc-1"));
    assert_eq!(o.subtitle, "CartTotal subtracted the coupon in two places");
    assert_eq!(
        o.facts,
        [
            "cart.rs subtracts the coupon once in total()",
            "apply_coupon() no longer mutates the subtotal"
        ]
    );
    assert_eq!(o.concepts, ["problem-solution", "gotcha"]);
    assert_eq!(o.files_read, ["src/cart.rs", "src/coupon.rs"]);
    assert_eq!(o.files_modified, ["src/cart.rs"]);
    assert_eq!(o.created_at, at(T0 + 60_000));
    assert_eq!(o.context, "The coupon is applied twice at checkout, fix it");
    assert!(o.token_count > 0);

    let o = find("Cart totals are computed on every render");
    assert_eq!(o.kind, ObservationKind::Discovery);
    assert!(o.facts.is_empty());
    assert_eq!(o.concepts, ["how-it-works"]);
    assert!(o.files_read.is_empty());
    assert_eq!(o.files_modified, ["src/cart.rs", "src/ui/cart_view.rs"]);
    assert_eq!(o.context, "Now add a test for the cart total");

    let o = find("Search endpoint logs the session token");
    assert_eq!(o.kind, ObservationKind::Other("security_alert".into()));
    assert_eq!(o.facts, ["search.rs logs the Authorization header"]);
    assert_eq!(o.session_id.as_deref(), Some("cc-2"));

    let o = find("Wishlist page");
    assert_eq!(o.project, "webshop", "adopted by the main project");
    assert_eq!(o.session_id.as_deref(), Some("cc-4"));
    assert_eq!(o.concepts, ["what-changed"]);

    let o = find("Legacy observation text");
    assert_eq!(o.narrative, "Legacy observation text\nwith a second line");
    assert_eq!(o.created_at, at(T0 + 30_000), "seconds read as seconds");

    let o = find("Keep prices in cents");
    assert_eq!(
        o.session_id, None,
        "the orphan keeps its project, not a session"
    );
    assert_eq!(o.kind, ObservationKind::Decision);

    assert_eq!(
        find("Search listens on port 8080").facts,
        ["Port is 8080", "8080"]
    );

    let o = find("Rotated the Stripe key");
    assert!(
        !o.narrative.contains("sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        "{}",
        o.narrative
    );
    assert!(
        o.narrative.contains("[REDACTED:stripe-key]"),
        "{}",
        o.narrative
    );

    // Sessions.
    let s = mem.session("cc-1").unwrap().unwrap();
    assert_eq!(
        (s.project.as_str(), s.agent.as_str(), s.status),
        ("webshop", "claude-code", SessionStatus::Ended)
    );
    assert_eq!(s.started_at, at(T0));
    assert_eq!(s.ended_at, Some(at(T0 + 3_600_000)));
    let s = mem.session("cc-2").unwrap().unwrap();
    assert_eq!(
        (s.agent.as_str(), s.status),
        ("codex", SessionStatus::Active)
    );
    let s = mem.session("cc-3").unwrap().unwrap();
    assert_eq!(s.status, SessionStatus::Ended);
    assert_eq!(
        s.started_at,
        datetime!(2025-10-01 12:00 UTC),
        "time from text"
    );
    let s = mem.session("mem-orphan").unwrap().unwrap();
    assert_eq!(
        (s.project.as_str(), s.agent.as_str()),
        ("infra", "claude-mem")
    );

    // Summaries.
    let latest = mem
        .latest_summary(&Scope::Project("infra".into()))
        .unwrap()
        .unwrap();
    assert_eq!(latest.session_id, "mem-orphan");
    assert_eq!(latest.content.request, "Upgrade terraform");
    assert_eq!(latest.content.learned, "Provider 5 needs 1.5");
    assert_eq!(latest.created_at, at(T0 + 5 * 86_400_000));
    let latest = mem
        .latest_summary(&Scope::Project("webshop".into()))
        .unwrap()
        .unwrap();
    assert_eq!(latest.session_id, "cc-1");
    assert_eq!(latest.content.request, "Add a cart total test");
    assert_eq!(latest.content.completed, "Test added");
    assert_eq!(latest.content.investigated, "");

    // Prompts: user_prompt events, keyed by prompt number, already dealt with.
    let events = mem.events("cc-1", None).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].external_id.as_deref(),
        Some("claude-mem:prompt:1")
    );
    assert_eq!(events[0].status, EventStatus::Skipped);
    assert_eq!(events[0].occurred_at, at(T0 + 1_000));
    assert_eq!(
        events[1].payload,
        EventPayload::UserPrompt {
            text: "Now add a test for the cart total".into()
        }
    );
    let private = mem.events("cc-3", None).unwrap();
    assert_eq!(
        private[0].payload,
        EventPayload::UserPrompt {
            text: "plan the terraform upgrade".into()
        }
    );
    assert_eq!(
        mem.events("cc-4", None).unwrap().len(),
        1,
        "found by content session id"
    );
}

#[test]
fn importing_again_adds_nothing_and_a_grown_database_adds_only_the_new_rows() {
    let (_dir, mem, source) = setup();
    mem.import_claude_mem(&source).unwrap();
    let before = mem.stats(&Scope::All).unwrap();
    let again = mem.import_claude_mem(&source).unwrap();
    for table in [
        again.sessions,
        again.observations,
        again.summaries,
        again.prompts,
    ] {
        assert_eq!(table.added, 0, "{again:#?}");
    }
    assert_eq!(again.observations.already_present, 9);
    assert_eq!(again.sessions.already_present, 4);
    assert_eq!(mem.stats(&Scope::All).unwrap(), before);

    // claude-mem keeps working: a new prompt and observation in session 2.
    let db = Connection::open(&source).unwrap();
    db.pragma_update(None, "foreign_keys", false).unwrap();
    db.execute(
        "INSERT INTO user_prompts (session_db_id, content_session_id, prompt_number,
             prompt_text, created_at_epoch) VALUES (2, 'cc-2', 2, 'Add an index', ?1)",
        [T0 + 3 * 86_400_000],
    )
    .unwrap();
    observation(
        &db,
        "mem-2",
        "webshop",
        "feature",
        Some("Index on products.name"),
        None,
        Some(r#"["Search uses the new index"]"#),
        None,
        None,
        None,
        Some(r#"["migrations/0007.sql"]"#),
        Some(2),
        Some(T0 + 3 * 86_400_000 + 500),
    );
    drop(db);
    let grown = mem.import_claude_mem(&source).unwrap();
    assert_eq!(grown.observations.added, 1);
    assert_eq!(grown.prompts.added, 1);
    assert_eq!(grown.sessions.added + grown.summaries.added, 0);
    let new = &mem.recent(&Scope::Project("webshop".into()), 1).unwrap()[0];
    assert_eq!(new.title, "Index on products.name");
    assert_eq!(new.context, "Add an index");
}

#[test]
fn an_older_claude_mem_layout_imports_what_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("old.db");
    let db = Connection::open(&source).unwrap();
    // Before v17 (session id columns named after Claude and the SDK), before user_prompts
    // (v10) and before concepts: the first prompt lived on the session row.
    db.execute_batch(
        "CREATE TABLE sdk_sessions (id INTEGER PRIMARY KEY, claude_session_id TEXT,
             sdk_session_id TEXT, project TEXT, user_prompt TEXT, started_at TEXT,
             started_at_epoch INTEGER, completed_at TEXT, completed_at_epoch INTEGER,
             status TEXT);
         CREATE TABLE observations (id INTEGER PRIMARY KEY, sdk_session_id TEXT, project TEXT,
             text TEXT, type TEXT, created_at TEXT, created_at_epoch INTEGER);
         INSERT INTO sdk_sessions VALUES (1, 'old-1', 'sdk-1', 'legacy', 'Port the build to cmake',
             '2025-01-02T03:04:05.000Z', 1735787045000, NULL, NULL, 'completed');
         INSERT INTO observations VALUES (1, 'sdk-1', 'legacy', 'Build uses cmake 3.28', 'decision',
             '2025-01-02T03:05:00.000Z', 1735787100000);
         INSERT INTO observations VALUES (2, 'sdk-1', 'legacy', X'4d616b6566696c652072656d6f766564',
             'change', NULL, '1735787200');",
    )
    .unwrap();
    drop(db);
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let report = mem.import_claude_mem(&source).unwrap();
    assert!(report.missing.contains(&"user_prompts".to_owned()));
    assert!(report.missing.contains(&"session_summaries".to_owned()));
    assert!(report.missing.contains(&"observations.concepts".to_owned()));
    assert!(
        !report
            .missing
            .contains(&"sdk_sessions.platform_source".to_owned())
    );
    assert_eq!(report.sessions.added, 1);
    assert_eq!(report.observations.added, 2);
    assert_eq!(report.prompts.added, 1);

    let session = mem.session("old-1").unwrap().unwrap();
    assert_eq!(session.project, "legacy");
    assert_eq!(session.status, SessionStatus::Ended);
    let obs = mem.recent(&Scope::All, 10).unwrap();
    assert_eq!(obs[0].title, "Makefile removed", "a blob read as text");
    assert_eq!(
        obs[0].created_at,
        at(1_735_787_200_000),
        "epoch text in seconds"
    );
    assert_eq!(obs[1].title, "Build uses cmake 3.28");
    assert_eq!(obs[1].kind, ObservationKind::Decision);
    assert_eq!(obs[1].session_id.as_deref(), Some("old-1"));
    let events = mem.events("old-1", None).unwrap();
    assert_eq!(
        events[0].payload,
        EventPayload::UserPrompt {
            text: "Port the build to cmake".into()
        }
    );
}

#[test]
fn files_that_are_not_claude_mem_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();

    assert!(matches!(
        mem.import_claude_mem(dir.path().join("missing.db")),
        Err(Error::NotFound { .. })
    ));

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "just some notes, long enough to not be a database header",
    )
    .unwrap();
    let err = mem.import_claude_mem(&text).unwrap_err();
    assert!(err.to_string().contains("not a SQLite database"), "{err}");

    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = mem.import_claude_mem(&other).unwrap_err();
    assert!(err.to_string().contains("sdk_sessions"), "{err}");

    // A memcore store is not a claude-mem database either (its observations have no type).
    let store = dir.path().join("store.db");
    drop(Memory::open(&store).unwrap());
    assert!(matches!(
        mem.import_claude_mem(&store),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(mem.stats(&Scope::All).unwrap().sessions, 0);
}

/// Found by the `claude_mem_db` fuzz target: a prompt whose session exists only as the
/// session made for an orphaned summary was skipped by the first import (the session did not
/// exist yet when prompts were read) and added by the second. Sessions for orphaned summaries
/// are now made before prompts and observations are read.
#[test]
fn sessions_made_for_orphaned_summaries_exist_before_prompts_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("claude-mem.db");
    let db = Connection::open(&source).unwrap();
    db.execute_batch(
        "CREATE TABLE sdk_sessions (id INTEGER PRIMARY KEY, content_session_id TEXT,
             memory_session_id TEXT, project TEXT);
         CREATE TABLE session_summaries (id INTEGER PRIMARY KEY, memory_session_id TEXT,
             project TEXT, request TEXT, created_at_epoch INTEGER);
         CREATE TABLE user_prompts (id INTEGER PRIMARY KEY, session_db_id INTEGER,
             content_session_id TEXT, prompt_number INTEGER, prompt_text TEXT);
         CREATE TABLE observations (id INTEGER PRIMARY KEY, memory_session_id TEXT,
             project TEXT, type TEXT, title TEXT);
         INSERT INTO session_summaries VALUES (1, 's1', 'p', 'Summarised work', 1760000000000);
         INSERT INTO user_prompts VALUES (1, NULL, 's1', 1, 'Do the work');
         INSERT INTO observations VALUES (1, 's1', 'p', 'change', 'Did the work');",
    )
    .unwrap();
    drop(db);
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let first = mem.import_claude_mem(&source).unwrap();
    assert_eq!(first.sessions.added, 1);
    assert_eq!(first.prompts.added, 1);
    let obs = mem.recent(&Scope::All, 1).unwrap();
    assert_eq!(obs[0].session_id.as_deref(), Some("s1"));
    let again = mem.import_claude_mem(&source).unwrap();
    for table in [
        again.sessions,
        again.observations,
        again.summaries,
        again.prompts,
    ] {
        assert_eq!(table.added, 0, "{again:#?}");
    }
}

/// A database with claude-mem's tables but none of the columns memcore reads used to import
/// nothing and succeed; it is refused, naming the table and the columns, and nothing is stored.
#[test]
fn right_tables_with_wrong_columns_are_refused_naming_table_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("claude-mem.db");
    Connection::open(&source)
        .unwrap()
        .execute_batch(
            "CREATE TABLE sdk_sessions (id INTEGER PRIMARY KEY, sid TEXT, proj TEXT);
             CREATE TABLE observations (id INTEGER PRIMARY KEY, type TEXT, body TEXT, proj TEXT);
             INSERT INTO sdk_sessions VALUES (1, 's1', 'p');
             INSERT INTO observations VALUES (1, 'bugfix', 'Fixed it', 'p');",
        )
        .unwrap();
    let mem = Memory::open(dir.path().join("m.db")).unwrap();
    let err = mem.import_claude_mem(&source).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("sdk_sessions"), "{text}");
    assert!(text.contains("content_session_id"), "{text}");
    assert!(text.contains("project"), "{text}");
    assert_eq!(mem.stats(&Scope::All).unwrap().sessions, 0);

    // Sessions right, observations wrong: the observations table is named.
    let source = dir.path().join("claude-mem-2.db");
    Connection::open(&source)
        .unwrap()
        .execute_batch(
            "CREATE TABLE sdk_sessions (id INTEGER PRIMARY KEY, content_session_id TEXT,
                 memory_session_id TEXT, project TEXT);
             CREATE TABLE observations (id INTEGER PRIMARY KEY, type TEXT, body TEXT);
             INSERT INTO sdk_sessions VALUES (1, 's1', 'm1', 'p');
             INSERT INTO observations VALUES (1, 'bugfix', 'Fixed it');",
        )
        .unwrap();
    let err = mem.import_claude_mem(&source).unwrap_err().to_string();
    assert!(err.contains("table observations"), "{err}");
    assert!(err.contains("title"), "{err}");
    assert!(err.contains("body"), "{err}");
    assert_eq!(mem.stats(&Scope::All).unwrap().sessions, 0);
}
