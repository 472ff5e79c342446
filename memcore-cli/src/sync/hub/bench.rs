//! `memcore dev bench-hub URL [N] [M]`: the hub's figures, printed.
//!
//! - push and pull: `N` (10,000) observation puts pushed in batches of [`PUSH_BATCH`], then
//!   pulled back in pages of 1,000;
//! - search: `M` (100,000) shared observations of generated code-ish text, then 200 queries
//!   of one or two words; the median and 95th percentile of their wall times.
//!
//! Everything goes into projects named `bench-…-<pid>` of the database the URL names, and is
//! deleted at the end: give it a scratch database. The load average is printed with the
//! figures (the machine may be shared).

use super::error::query;
use super::{Hub, HubError, PUSH_BATCH};
use memcore::{Change, ChangeKind};
use memcore::{Memory, NewObservation};
use serde_json::json;
use std::time::{Duration, Instant};

/// The figures.
#[derive(Debug, Clone, Default)]
pub struct BenchReport {
    /// Time to push them.
    pub push: Duration,
    /// Time to pull them.
    pub pull: Duration,
    /// Time for a store's round to send `N` observations it holds (vectors included).
    pub store_push: Duration,
    /// Time for another store's round to receive and apply them.
    pub store_pull: Duration,
    /// Time to load them.
    pub load: Duration,
    /// Median search time.
    pub search_p50: Duration,
    /// 95th percentile.
    pub search_p95: Duration,
    /// Mean hits per query.
    pub mean_hits: f64,
    /// The 1-minute load average before and after.
    pub loadavg: (f64, f64),
}

/// How many timed queries.
const QUERIES: usize = 200;

/// Runs the benchmark against `url`, printing each figure as it comes through `say`.
pub fn run(
    url: &str,
    n: usize,
    m: usize,
    say: &mut dyn FnMut(&str),
) -> Result<BenchReport, HubError> {
    let mut hub = Hub::connect(url)?;
    let tag = std::process::id();
    let mut report = BenchReport {
        loadavg: (loadavg(), 0.0),
        ..BenchReport::default()
    };
    say(&format!(
        "hub {} (pgvector: {}; load average {:.2})",
        hub.target(),
        hub.pgvector()
            .unwrap_or("not installed, vectors ranked in memcore"),
        report.loadavg.0
    ));
    let push_project = format!("bench-push-{tag}");
    let search_project = format!("bench-search-{tag}");
    let stores_project = format!("bench-stores-{tag}");
    let result = (|| {
        let changes: Vec<Change> = (1..=n as u64)
            .map(|s| observation(&push_project, "benchpush", s, &mut Words::new(s)))
            .collect();
        let t = Instant::now();
        hub.push(&changes)?;
        report.push = t.elapsed();
        let t = Instant::now();
        let (mut at, mut pulled) = (0, 0);
        loop {
            let page = hub.pull(&push_project, at, 1000)?;
            pulled += page.changes.len();
            at = page.next;
            if !page.more {
                break;
            }
        }
        report.pull = t.elapsed();
        say(&format!(
            "push {n} observations: {:.2} s ({:.0}/s); pull them back ({pulled}): {:.2} s ({:.0}/s)",
            report.push.as_secs_f64(),
            n as f64 / report.push.as_secs_f64(),
            report.pull.as_secs_f64(),
            pulled as f64 / report.pull.as_secs_f64(),
        ));

        let (store_push, store_pull) = between_stores(url, &stores_project, n)?;
        report.store_push = store_push;
        report.store_pull = store_pull;
        say(&format!(
            "store to store: a round sending {n} observations: {:.2} s; a round receiving and \
             applying them in another store: {:.2} s",
            store_push.as_secs_f64(),
            store_pull.as_secs_f64()
        ));

        let t = Instant::now();
        let mut batch = Vec::with_capacity(PUSH_BATCH);
        for s in 1..=m as u64 {
            batch.push(observation(
                &search_project,
                "benchsearch",
                s,
                &mut Words::new(s),
            ));
            if batch.len() == PUSH_BATCH || s == m as u64 {
                hub.push(&batch)?;
                batch.clear();
            }
        }
        analyze(&mut hub)?;
        report.load = t.elapsed();
        say(&format!(
            "loaded {m} shared observations for search: {:.1} s",
            report.load.as_secs_f64()
        ));
        let projects = vec![search_project.clone()];
        let mut words = Words::new(0xfeed);
        let mut times = Vec::with_capacity(QUERIES);
        let mut hits = 0usize;
        for i in 0..QUERIES {
            let query = if i % 2 == 0 {
                words.word().to_owned()
            } else {
                format!("{} {}", words.word(), words.word())
            };
            let t = Instant::now();
            hits += hub.search(&projects, &query, None, 10)?.len();
            times.push(t.elapsed());
        }
        times.sort();
        report.search_p50 = times[QUERIES / 2];
        report.search_p95 = times[QUERIES * 95 / 100];
        report.mean_hits = hits as f64 / QUERIES as f64;
        Ok::<(), HubError>(())
    })();
    let cleaned = delete_projects(&mut hub, &[push_project, search_project, stores_project]);
    result?;
    cleaned?;
    report.loadavg.1 = loadavg();
    say(&format!(
        "hub search at {m}: p50 {:.1} ms, p95 {:.1} ms, {:.1} hits per query (top 10); load average {:.2}",
        report.search_p50.as_secs_f64() * 1000.0,
        report.search_p95.as_secs_f64() * 1000.0,
        report.mean_hits,
        report.loadavg.1,
    ));
    Ok(report)
}

/// Two stores in a scratch folder: the first holds `n` observations of `project` and sends
/// them in one round, the second receives them in one round. Returns both times.
fn between_stores(url: &str, project: &str, n: usize) -> Result<(Duration, Duration), HubError> {
    let dir = std::env::temp_dir().join(format!("memcore-bench-hub-{}", std::process::id()));
    let io = |e: std::io::Error| {
        HubError::BadUrl(format!("bench scratch folder {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let result = (|| {
        let sender = Memory::open(dir.join("sender.db"))?;
        sender.sync_enable(project, "bench")?;
        let mut words = Words::new(7);
        for i in 0..n {
            sender.add_observation(NewObservation {
                project: Some(project.to_owned()),
                title: format!("{} {i}", words.sentence(5)),
                narrative: words.sentence(40),
                facts: vec![words.sentence(8)],
                ..Default::default()
            })?;
        }
        let t = Instant::now();
        super::round(&sender, url)?;
        let push = t.elapsed();
        let receiver = Memory::open(dir.join("receiver.db"))?;
        receiver.sync_enable(project, "bench")?;
        let t = Instant::now();
        super::round(&receiver, url)?;
        Ok((push, t.elapsed()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The `seq`-th observation put of a bench device.
fn observation(project: &str, device: &str, seq: u64, words: &mut Words) -> Change {
    let title = words.sentence(5);
    let narrative = words.sentence(40);
    let file = format!("src/{}/{}.rs", words.word(), words.word());
    Change {
        change_id: format!("{device}-{project}-{seq}"),
        device_id: format!("{device}-{project}"),
        device_seq: seq,
        hlc: (1_780_000_000_000 + seq) << 16,
        author: "bench".into(),
        project: project.into(),
        record: format!("{device}-r{seq}"),
        kind: ChangeKind::ObservationPut,
        payload: json!({"project": project, "session_id": null, "kind": "discovery",
            "title": title, "narrative": narrative, "facts": [words.sentence(8)],
            "files_modified": [file], "created_at": "2026-12-04T00:00:00Z"}),
    }
}

/// Generated code-ish words with a skewed frequency (a few common, many rare), like a
/// project's vocabulary.
struct Words(u64);

/// Syllables the words are made of: 24^2 + 24^3 distinct words.
const SYLLABLES: [&str; 24] = [
    "sto", "re", "cur", "sor", "pa", "ge", "lock", "sync", "hub", "ver", "tex", "par", "se", "con",
    "fig", "ca", "che", "ret", "ry", "tok", "en", "in", "dex", "wal",
];

impl Words {
    fn new(seed: u64) -> Words {
        Words(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word; low ranks far more often (rank = range * u^3).
    fn word(&mut self) -> String {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        let rank = (14_400.0 * u * u * u) as usize;
        let s = |i: usize| SYLLABLES[i % 24];
        if rank < 576 {
            format!("{}{}", s(rank / 24), s(rank))
        } else {
            format!("{}{}_{}", s(rank / 576), s(rank / 24), s(rank))
        }
    }

    fn sentence(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

/// Refreshes the planner's statistics after the load, as autovacuum would soon.
fn analyze(hub: &mut Hub) -> Result<(), HubError> {
    hub.client
        .batch_execute("ANALYZE memcore_changes; ANALYZE memcore_records")
        .map_err(|e| query(hub.target(), "analyze", &e))
}

/// Deletes everything of `projects` from the hub (the bench's own projects only).
fn delete_projects(hub: &mut Hub, projects: &[String]) -> Result<(), HubError> {
    for table in ["memcore_changes", "memcore_records"] {
        hub.client
            .execute(
                &format!("DELETE FROM {table} WHERE project = ANY($1)"),
                &[&projects],
            )
            .map_err(|e| query(hub.target(), "delete the bench's projects", &e))?;
    }
    Ok(())
}

/// The 1-minute load average (0 where /proc is not there).
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0.0)
}
