//! Retrieval quality on LoCoMo: recall at k of the evidence turns of every question.
//!
//! ```text
//! cargo run --release --example locomo_eval -- --data ../shared/data/locomo/locomo_dev.json
//! cargo run --release --example locomo_eval -- --data <file> --mode lexical --json
//! ```
//!
//! The protocol is `reference/benchmarks.md` §2.6 of the design notes. One store per
//! conversation; every turn is recorded as a note event (its `dia_id` as the event's external
//! id, its session's date as its time) and stored as one observation whose title is
//! `"<speaker>: <text>"` (plus `" [shares <caption>]"` for an image turn), whose context is the
//! two previous turns of the same session, and whose provenance is that event. Each question is
//! asked as a search of its own conversation's project (50 hits); a hit covers the `dia_id`s
//! of its source events. Evidence ids are normalised as §2.5 says (lists split on `;`, `,` and
//! spaces; `D:11:26` read as `D11:26`; zero-padded turns unpadded; ids absent from the
//! conversation dropped), and questions left without evidence are skipped.
//!
//! Metrics, in percent, per category and overall: R@k for k in 1, 5, 10, 25, 50 (the share of
//! a question's evidence turns covered by the top k hits, averaged over questions), all@10
//! (the share of questions with every evidence turn in the top 10) and nDCG@10 (binary gain
//! for a hit that covers any evidence turn; the ideal ranking has min(10, evidence) such hits).
//!
//! Flags:
//!
//! * `--data PATH`: a LoCoMo-format JSON file (default
//!   `../shared/data/locomo/locomo_dev.json`).
//! * `--mode fused|lexical|vector`: the search signals (default `fused`).
//! * `--context-turns N`: previous turns stored as each turn's context (default 2; 0: none).
//! * `--alpha X`, `--context-weight W`: override the fusion weight and the BM25 weight of
//!   the context column (for measurement).
//! * `--vector-rescore N`: how many approximate vector candidates get an exact score
//!   (at least the vector pool; the larger, the closer to an exact scan).
//! * `--recall JSON`: any other recall settings, as a JSON object of `RecallConfig` fields
//!   (`--recall '{"relative_similarity": true}'`).
//! * `--embedder default|hash|static|transformer:<dir>`: the stores' embedder (default: the
//!   store's own). `transformer:<dir>` needs the root package's `transformer` feature
//!   (`cargo run --release --features transformer --example locomo_eval -- --embedder
//!   transformer:<all-MiniLM-L6-v2 folder>`) and loads the model once for every store.
//! * `--json`: print one JSON object instead of tables.
//!
//! The JSON object:
//!
//! ```text
//! {
//!   "data": "<path>", "mode": "fused", "context_turns": 2, "embedder": "default",
//!   "conversations": 5, "turns": 2760, "questions": 997,
//!   "overall":  {"questions": 997, "recall": {"1": 38.6, "5": 67.8, "10": 76.6, "25": 84.2, "50": 88.8},
//!                "all_at_10": 72.3, "ndcg_at_10": 58.6},
//!   "overall_without_adversarial": { same shape },
//!   "categories": {"single-hop": { same shape }, "multi-hop": ..., "temporal": ...,
//!                  "open-domain": ..., "adversarial": ...},
//!   "seconds": {"ingest": 0.7, "search": 2.4}
//! }
//! ```
//!
//! so the overall recall at 10 is `overall.recall["10"]`.
//!
//! LoCoMo is CC BY-NC 4.0: the data stays outside this repository.

use memcore::{
    EventPayload, Memory, NewEvent, NewObservation, NewSession, ObservationKind, SearchMode,
    SearchRequest,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The cut-offs R@k is reported at.
pub const KS: [usize; 5] = [1, 5, 10, 25, 50];

/// LoCoMo's category numbers, in the order of the paper's table.
pub const CATEGORIES: [(u64, &str); 5] = [
    (4, "single-hop"),
    (1, "multi-hop"),
    (2, "temporal"),
    (3, "open-domain"),
    (5, "adversarial"),
];

/// One turn of a conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    /// `D<session>:<turn>`.
    pub dia_id: String,
    /// Who spoke.
    pub speaker: String,
    /// What was said, with the image caption when there is one.
    pub text: String,
}

impl Turn {
    /// The text stored for the turn: `"<speaker>: <text>"`.
    pub fn document(&self) -> String {
        format!("{}: {}", self.speaker, self.text)
    }
}

/// One session of a conversation.
#[derive(Debug, Clone)]
pub struct Session {
    /// Its number.
    pub number: u32,
    /// When it took place.
    pub date: OffsetDateTime,
    /// Its turns in order.
    pub turns: Vec<Turn>,
}

/// One question with its normalised evidence.
#[derive(Debug, Clone)]
pub struct Question {
    /// The question asked.
    pub text: String,
    /// LoCoMo's category number.
    pub category: u64,
    /// The evidence turn ids.
    pub evidence: BTreeSet<String>,
}

/// One conversation with its questions.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// `sample_id`.
    pub id: String,
    /// Sessions in order.
    pub sessions: Vec<Session>,
    /// The questions that kept evidence after normalisation.
    pub questions: Vec<Question>,
}

/// How to run the evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The LoCoMo-format file.
    pub data: PathBuf,
    /// Search signals.
    pub mode: SearchMode,
    /// Previous turns stored as context.
    pub context_turns: usize,
    /// Fusion weight override.
    pub alpha: Option<f64>,
    /// Context column weight override.
    pub context_weight: Option<f64>,
    /// Rescoring pool override.
    pub vector_rescore: Option<usize>,
    /// Recall settings to override, as a JSON object of `RecallConfig` fields.
    pub recall: Option<serde_json::Value>,
    /// The stores' embedder.
    pub embedder: EmbedderOption,
    /// Print JSON.
    pub json: bool,
}

/// The embedder of `--embedder`.
#[derive(Debug, Clone, Default)]
pub enum EmbedderOption {
    /// Whatever `Memory::open_with` sets.
    #[default]
    Default,
    /// The hash embedder.
    Hash,
    /// The shipped static model.
    Static,
    /// A transformer, loaded once.
    #[cfg(feature = "transformer")]
    Transformer(memcore::recall::embed::transformer::TransformerEmbedder),
}

impl EmbedderOption {
    /// Parses `default`, `hash`, `static` or `transformer:<dir>` (loading the model).
    pub fn parse(text: &str) -> Result<EmbedderOption, String> {
        match text {
            "default" => Ok(EmbedderOption::Default),
            "hash" => Ok(EmbedderOption::Hash),
            "static" => Ok(EmbedderOption::Static),
            _ => match text.strip_prefix("transformer:") {
                Some(dir) => Self::transformer(dir),
                None => Err(format!(
                    "--embedder is default, hash, static or transformer:<dir>, not {text:?}"
                )),
            },
        }
    }

    #[cfg(feature = "transformer")]
    fn transformer(dir: &str) -> Result<EmbedderOption, String> {
        let started = Instant::now();
        let embedder =
            memcore::recall::embed::transformer::TransformerEmbedder::load(Path::new(dir))
                .map_err(|e| format!("--embedder: {e}"))?;
        eprintln!(
            "locomo_eval: loaded the transformer in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        Ok(EmbedderOption::Transformer(embedder))
    }

    #[cfg(not(feature = "transformer"))]
    fn transformer(_dir: &str) -> Result<EmbedderOption, String> {
        Err("--embedder transformer:<dir> needs `--features transformer`".to_owned())
    }

    /// How reports name it: `default`, or the embedder's id.
    pub fn name(&self) -> String {
        use memcore::recall::embed::{Embedder, HashEmbedder, StaticEmbedder};
        match self {
            EmbedderOption::Default => "default".to_owned(),
            EmbedderOption::Hash => HashEmbedder::new().id().to_owned(),
            EmbedderOption::Static => StaticEmbedder::builtin().id().to_owned(),
            #[cfg(feature = "transformer")]
            EmbedderOption::Transformer(t) => t.id().to_owned(),
        }
    }

    /// Gives `memory` this embedder.
    pub fn apply(&self, memory: &mut Memory) {
        use memcore::recall::embed::{HashEmbedder, StaticEmbedder};
        match self {
            EmbedderOption::Default => {}
            EmbedderOption::Hash => memory.set_embedder(Some(Box::new(HashEmbedder::new()))),
            EmbedderOption::Static => {
                memory.set_embedder(Some(Box::new(StaticEmbedder::builtin())))
            }
            #[cfg(feature = "transformer")]
            EmbedderOption::Transformer(t) => memory.set_embedder(Some(Box::new(t.clone()))),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            data: PathBuf::from("../shared/data/locomo/locomo_dev.json"),
            mode: SearchMode::Fused,
            context_turns: 2,
            alpha: None,
            context_weight: None,
            vector_rescore: None,
            recall: None,
            embedder: EmbedderOption::Default,
            json: false,
        }
    }
}

/// Sums of the metrics over a set of questions.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Questions counted.
    pub questions: usize,
    /// Sum of R@k per entry of [`KS`].
    pub recall: [f64; KS.len()],
    /// Questions with all evidence in the top 10.
    pub all_at_10: f64,
    /// Sum of nDCG@10.
    pub ndcg_at_10: f64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.questions += other.questions;
        for (a, b) in self.recall.iter_mut().zip(other.recall) {
            *a += b;
        }
        self.all_at_10 += other.all_at_10;
        self.ndcg_at_10 += other.ndcg_at_10;
    }

    /// R@k in percent.
    pub fn recall_at(&self, k: usize) -> f64 {
        let i = KS.iter().position(|x| *x == k).unwrap_or(0);
        self.percent(self.recall[i])
    }

    fn percent(&self, sum: f64) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            100.0 * sum / self.questions as f64
        }
    }

    /// The JSON form (percentages rounded to 0.1).
    pub fn to_json(&self) -> Value {
        let round = |x: f64| (x * 10.0).round() / 10.0;
        let recall: serde_json::Map<String, Value> = KS
            .iter()
            .zip(self.recall)
            .map(|(k, sum)| (k.to_string(), json!(round(self.percent(sum)))))
            .collect();
        json!({
            "questions": self.questions,
            "recall": recall,
            "all_at_10": round(self.percent(self.all_at_10)),
            "ndcg_at_10": round(self.percent(self.ndcg_at_10)),
        })
    }
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per category number.
    pub categories: BTreeMap<u64, Tally>,
    /// Conversations evaluated.
    pub conversations: usize,
    /// Turns stored.
    pub turns: usize,
    /// Seconds spent storing.
    pub ingest_seconds: f64,
    /// Seconds spent searching.
    pub search_seconds: f64,
}

impl Report {
    /// Every question.
    pub fn overall(&self) -> Tally {
        let mut t = Tally::default();
        self.categories.values().for_each(|c| t.add(c));
        t
    }

    /// Every question but the adversarial ones.
    pub fn without_adversarial(&self) -> Tally {
        let mut t = Tally::default();
        self.categories
            .iter()
            .filter(|(c, _)| **c != 5)
            .for_each(|(_, c)| t.add(c));
        t
    }

    /// The JSON object documented at the top of this file.
    pub fn to_json(&self, options: &Options) -> Value {
        let categories: serde_json::Map<String, Value> = CATEGORIES
            .iter()
            .filter_map(|(n, name)| {
                self.categories
                    .get(n)
                    .map(|t| (name.to_string(), t.to_json()))
            })
            .collect();
        json!({
            "data": options.data.display().to_string(),
            "mode": mode_name(options.mode),
            "context_turns": options.context_turns,
            "embedder": options.embedder.name(),
            "conversations": self.conversations,
            "turns": self.turns,
            "questions": self.overall().questions,
            "overall": self.overall().to_json(),
            "overall_without_adversarial": self.without_adversarial().to_json(),
            "categories": categories,
            "seconds": {
                "ingest": (self.ingest_seconds * 100.0).round() / 100.0,
                "search": (self.search_seconds * 100.0).round() / 100.0,
            },
        })
    }

    /// A plain-text table.
    pub fn table(&self, options: &Options) -> String {
        let mut out = format!(
            "LoCoMo retrieval: {} ({} conversations, {} turns), mode {}, {} context turns, embedder {}\n\n",
            options.data.display(),
            self.conversations,
            self.turns,
            mode_name(options.mode),
            options.context_turns,
            options.embedder.name()
        );
        out.push_str(&format!(
            "{:<22} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8}\n",
            "category", "n", "R@1", "R@5", "R@10", "R@25", "R@50", "all@10", "nDCG@10"
        ));
        let mut rows: Vec<(String, Tally)> = CATEGORIES
            .iter()
            .filter_map(|(n, name)| {
                self.categories
                    .get(n)
                    .map(|t| (name.to_string(), t.clone()))
            })
            .collect();
        rows.push(("overall".into(), self.overall()));
        rows.push(("overall w/o adversarial".into(), self.without_adversarial()));
        for (name, t) in rows {
            out.push_str(&format!("{:<22} {:>5}", name, t.questions));
            for k in KS {
                out.push_str(&format!(" {:>6.1}", t.recall_at(k)));
            }
            out.push_str(&format!(
                " {:>7.1} {:>8.1}\n",
                t.percent(t.all_at_10),
                t.percent(t.ndcg_at_10)
            ));
        }
        out.push_str(&format!(
            "\ningest {:.2} s, search {:.2} s\n",
            self.ingest_seconds, self.search_seconds
        ));
        out
    }
}

/// The name of a mode on the command line.
pub fn mode_name(mode: SearchMode) -> &'static str {
    match mode {
        SearchMode::Fused => "fused",
        SearchMode::Lexical => "lexical",
        SearchMode::Vector => "vector",
    }
}

/// Parses LoCoMo's `"1:56 pm on 8 May, 2023"`.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let (clock, day) = text.trim().split_once(" on ")?;
    let (hm, meridiem) = clock.trim().split_once(' ')?;
    let (h, m) = hm.split_once(':')?;
    let mut hour: u8 = h.trim().parse().ok()?;
    let minute: u8 = m.trim().parse().ok()?;
    match meridiem.trim().to_ascii_lowercase().as_str() {
        "am" if hour == 12 => hour = 0,
        "am" => {}
        "pm" if hour < 12 => hour += 12,
        "pm" => {}
        _ => return None,
    }
    let mut parts = day
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty());
    let d: u8 = parts.next()?.parse().ok()?;
    let month = match parts.next()?.to_ascii_lowercase().as_str() {
        "january" => Month::January,
        "february" => Month::February,
        "march" => Month::March,
        "april" => Month::April,
        "may" => Month::May,
        "june" => Month::June,
        "july" => Month::July,
        "august" => Month::August,
        "september" => Month::September,
        "october" => Month::October,
        "november" => Month::November,
        "december" => Month::December,
        _ => return None,
    };
    let year: i32 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, month, d).ok()?;
    let time = Time::from_hms(hour, minute, 0).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// A normalised turn id (`D<session>:<turn>` without zero padding), or `None`.
pub fn normalize_dia_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let rest = raw.strip_prefix('D')?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (s, t) = rest.split_once(':')?;
    let s: u32 = s.trim().parse().ok()?;
    let t: u32 = t.trim().parse().ok()?;
    Some(format!("D{s}:{t}"))
}

/// Reads a LoCoMo-format file.
pub fn load(path: &Path) -> Result<Vec<Conversation>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let samples: Value =
        serde_json::from_str(&text).map_err(|e| format!("parse {}: {e}", path.display()))?;
    let samples = samples
        .as_array()
        .ok_or_else(|| format!("{}: expected a JSON array of samples", path.display()))?;
    let mut out = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        let id = sample["sample_id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sample-{i}"));
        let conv = sample["conversation"]
            .as_object()
            .ok_or_else(|| format!("{id}: no conversation object"))?;
        let mut numbers: Vec<u32> = conv
            .iter()
            .filter(|(_, v)| v.is_array())
            .filter_map(|(k, _)| k.strip_prefix("session_")?.parse().ok())
            .collect();
        numbers.sort_unstable();
        let mut sessions = Vec::new();
        for n in numbers {
            let date_text = conv
                .get(&format!("session_{n}_date_time"))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{id}: session {n} has no date"))?;
            let date = parse_date(date_text)
                .ok_or_else(|| format!("{id}: session {n}: unreadable date {date_text:?}"))?;
            let turns = conv[&format!("session_{n}")]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| {
                    let dia_id = normalize_dia_id(t["dia_id"].as_str()?)?;
                    let speaker = t["speaker"].as_str().unwrap_or("someone").to_owned();
                    let mut text = t["text"].as_str().unwrap_or("").to_owned();
                    if let Some(caption) = t["blip_caption"].as_str() {
                        text.push_str(&format!(" [shares {caption}]"));
                    }
                    Some(Turn {
                        dia_id,
                        speaker,
                        text,
                    })
                })
                .collect();
            sessions.push(Session {
                number: n,
                date,
                turns,
            });
        }
        let known: BTreeSet<&str> = sessions
            .iter()
            .flat_map(|s| s.turns.iter().map(|t| t.dia_id.as_str()))
            .collect();
        let questions = sample["qa"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|qa| {
                let evidence: BTreeSet<String> = qa["evidence"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .flat_map(|s| {
                        s.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .filter_map(|s| normalize_dia_id(&s))
                    .filter(|d| known.contains(d.as_str()))
                    .collect();
                (!evidence.is_empty()).then(|| Question {
                    text: qa["question"].as_str().unwrap_or("").to_owned(),
                    category: qa["category"].as_u64().unwrap_or(0),
                    evidence,
                })
            })
            .collect();
        out.push(Conversation {
            id,
            sessions,
            questions,
        });
    }
    Ok(out)
}

/// A conversation stored in its own memcore store.
pub struct Built {
    /// The store.
    pub memory: Memory,
    /// Which turn each event is.
    pub dia_of_event: HashMap<i64, String>,
    /// The conversation (its id is the project).
    pub conversation: Conversation,
    _dir: tempfile::TempDir,
}

/// Stores every turn of a conversation in a fresh store.
pub fn build(conversation: &Conversation, options: &Options) -> Result<Built, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut config = memcore::Config::default();
    if let Some(alpha) = options.alpha {
        config.recall.fusion_alpha = alpha;
    }
    if let Some(w) = options.context_weight {
        config.recall.column_weights.context = w;
    }
    if let Some(n) = options.vector_rescore {
        config.recall.vector_rescore = n;
    }
    if let Some(overrides) = &options.recall {
        let mut merged = serde_json::to_value(&config.recall).map_err(|e| e.to_string())?;
        if let (Some(m), Some(o)) = (merged.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                m.insert(k.clone(), v.clone());
            }
        }
        config.recall = serde_json::from_value(merged).map_err(|e| format!("--recall: {e}"))?;
    }
    let mut memory = Memory::open_with(dir.path().join("memory.db"), config)
        .map_err(|e| format!("open a store: {e}"))?;
    options.embedder.apply(&mut memory);
    let project = conversation.id.clone();
    let kind = ObservationKind::parse("turn");
    let mut dia_of_event = HashMap::new();
    for session in &conversation.sessions {
        let session_id = format!("{project}/session_{}", session.number);
        memory
            .start_session(NewSession {
                started_at: Some(session.date),
                ..NewSession::new(&session_id, &project, "locomo")
            })
            .map_err(|e| format!("start {session_id}: {e}"))?;
        for (i, turn) in session.turns.iter().enumerate() {
            let document = turn.document();
            let recorded = memory
                .record_event(NewEvent {
                    external_id: Some(turn.dia_id.clone()),
                    occurred_at: Some(session.date),
                    ..NewEvent::new(
                        &session_id,
                        EventPayload::Note {
                            text: document.clone(),
                        },
                    )
                })
                .map_err(|e| format!("record {}: {e}", turn.dia_id))?;
            dia_of_event.insert(recorded.id, turn.dia_id.clone());
            let context = session.turns[i.saturating_sub(options.context_turns)..i]
                .iter()
                .map(Turn::document)
                .collect::<Vec<_>>()
                .join("\n");
            memory
                .add_observation(NewObservation {
                    project: Some(project.clone()),
                    session_id: Some(session_id.clone()),
                    kind: Some(kind.clone()),
                    title: document,
                    context,
                    source_event_ids: vec![recorded.id],
                    created_at: Some(session.date),
                    ..NewObservation::default()
                })
                .map_err(|e| format!("store {}: {e}", turn.dia_id))?;
        }
    }
    Ok(Built {
        memory,
        dia_of_event,
        conversation: conversation.clone(),
        _dir: dir,
    })
}

/// Asks every question of a built conversation, adding each one's metrics to `report`.
pub fn ask(built: &Built, mode: SearchMode, report: &mut Report) -> Result<(), String> {
    let k_max = *KS.iter().max().unwrap_or(&50);
    for q in &built.conversation.questions {
        let hits = built
            .memory
            .search(
                &SearchRequest::new(&q.text)
                    .project(&built.conversation.id)
                    .mode(mode)
                    .limit(k_max),
            )
            .map_err(|e| format!("search {:?}: {e}", q.text))?;
        let covered: Vec<BTreeSet<&str>> = hits
            .iter()
            .map(|h| {
                h.observation
                    .source_event_ids
                    .iter()
                    .filter_map(|e| built.dia_of_event.get(e).map(String::as_str))
                    .collect()
            })
            .collect();
        let tally = report.categories.entry(q.category).or_default();
        tally.questions += 1;
        for (i, k) in KS.iter().enumerate() {
            let found: BTreeSet<&str> = covered.iter().take(*k).flatten().copied().collect();
            let hit = q
                .evidence
                .iter()
                .filter(|e| found.contains(e.as_str()))
                .count();
            tally.recall[i] += hit as f64 / q.evidence.len() as f64;
            if *k == 10 && hit == q.evidence.len() {
                tally.all_at_10 += 1.0;
            }
        }
        let dcg: f64 = covered
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, c)| q.evidence.iter().any(|e| c.contains(e.as_str())))
            .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
            .sum();
        let ideal: f64 = (0..q.evidence.len().min(10))
            .map(|i| 1.0 / ((i + 2) as f64).log2())
            .sum();
        tally.ndcg_at_10 += if ideal > 0.0 { dcg / ideal } else { 0.0 };
    }
    Ok(())
}

/// Builds every conversation's store once and scores it in each of `modes`.
pub fn evaluate_modes(
    conversations: &[Conversation],
    options: &Options,
    modes: &[SearchMode],
) -> Result<Vec<Report>, String> {
    let mut reports = vec![Report::default(); modes.len()];
    for conversation in conversations {
        let started = Instant::now();
        let built = build(conversation, options)?;
        let ingest = started.elapsed().as_secs_f64();
        for (mode, report) in modes.iter().zip(reports.iter_mut()) {
            let started = Instant::now();
            ask(&built, *mode, report)?;
            report.search_seconds += started.elapsed().as_secs_f64();
            report.ingest_seconds += ingest;
            report.conversations += 1;
            report.turns += conversation
                .sessions
                .iter()
                .map(|s| s.turns.len())
                .sum::<usize>();
        }
    }
    Ok(reports)
}

/// Reads the command line.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--data" => options.data = PathBuf::from(value("--data")?),
            "--mode" => {
                options.mode = match value("--mode")?.as_str() {
                    "fused" => SearchMode::Fused,
                    "lexical" => SearchMode::Lexical,
                    "vector" => SearchMode::Vector,
                    other => {
                        return Err(format!("unknown mode {other:?}: fused, lexical or vector"));
                    }
                }
            }
            "--context-turns" => {
                options.context_turns = value("--context-turns")?
                    .parse()
                    .map_err(|e| format!("--context-turns: {e}"))?
            }
            "--recall" => {
                options.recall = Some(
                    serde_json::from_str(&value("--recall")?)
                        .map_err(|e| format!("--recall: {e}"))?,
                )
            }
            "--alpha" => {
                options.alpha = Some(
                    value("--alpha")?
                        .parse()
                        .map_err(|e| format!("--alpha: {e}"))?,
                )
            }
            "--context-weight" => {
                options.context_weight = Some(
                    value("--context-weight")?
                        .parse()
                        .map_err(|e| format!("--context-weight: {e}"))?,
                )
            }
            "--vector-rescore" => {
                options.vector_rescore = Some(
                    value("--vector-rescore")?
                        .parse()
                        .map_err(|e| format!("--vector-rescore: {e}"))?,
                )
            }
            "--embedder" => options.embedder = EmbedderOption::parse(&value("--embedder")?)?,
            "--json" => options.json = true,
            "-h" | "--help" => {
                return Err(
                    "usage: locomo_eval [--data PATH] [--mode fused|lexical|vector] \
                            [--context-turns N] [--alpha X] [--context-weight W] \
                            [--vector-rescore N] [--recall JSON] \
                            [--embedder default|hash|static|transformer:<dir>] [--json]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let run = || -> Result<Report, String> {
        let conversations = load(&options.data)?;
        let mut reports = evaluate_modes(&conversations, &options, &[options.mode])?;
        reports.pop().ok_or_else(|| "no report".to_owned())
    };
    match run() {
        Ok(report) if options.json => println!("{}", report.to_json(&options)),
        Ok(report) => print!("{}", report.table(&options)),
        Err(message) => {
            eprintln!("locomo_eval: {message}");
            std::process::exit(1);
        }
    }
}
