//! Search over the team's shared observations, on the hub.
//!
//! Text: `memcore_records.tsv` holds the title and body as `simple` words (identifiers and
//! paths as written) and as `english` stems, and a query is read with both configurations
//! (`websearch_to_tsquery('simple', q) || websearch_to_tsquery('english', q)`), so `retry`
//! finds "retrying" through the stem and `parse_config_file` finds itself word by word.
//! `ts_rank_cd` (cover density) ranks, so words found close together count for more. Plain
//! words match any of them, as memcore's own search does ([`any_word`]).
//!
//! Vectors: pgvector cannot be installed from this machine's package sources and needs a
//! superuser to create, so the hub stores each observation's vector portably (`bytea`, f32
//! little-endian, with the embedder's model name) and memcore re-ranks the text candidates
//! by cosine itself. Whether pgvector is installed is detected ([`pgvector_version`]) and
//! reported; an index over it is not built by this version.

use super::error::query;
use super::{HubError, HubUrl};

/// How many text candidates are re-ranked by vector, per hit asked for.
const CANDIDATES_PER_HIT: usize = 5;

/// A query's vector, and the embedder that made it: only vectors of the same embedder are
/// compared (two models may share a dimension and nothing else).
#[derive(Debug, Clone, Copy)]
pub struct QueryVector<'a> {
    /// The embedder's id (`Embedder::id`).
    pub model: &'a str,
    /// The query's vector.
    pub vector: &'a [f32],
}

/// A shared observation that matched, with who wrote it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubHit {
    /// Its project.
    pub project: String,
    /// Its global id.
    pub record: String,
    /// Whose it is (the author of its first put).
    pub author: String,
    /// The device that made it.
    pub device_id: String,
    /// Its kind ("decision", "bugfix"...).
    pub kind: String,
    /// Its title.
    pub title: String,
    /// Its text, facts and files.
    pub body: String,
    /// The full-text rank (`ts_rank_cd`: cover density, words close together count more).
    pub text_rank: f32,
    /// The cosine with the query vector, when both had one of the same embedder.
    pub similarity: Option<f32>,
    /// What the hits are ordered by: the text rank, or when the query had a vector, the mean
    /// of the text rank scaled to the best hit's and the cosine (0 without a vector).
    pub score: f32,
    /// Whether the order came from the fused score (the query had a vector).
    pub reranked: bool,
}

const SEARCH: &str = "
WITH q AS (SELECT websearch_to_tsquery('simple', $2) || websearch_to_tsquery('english', $2) AS q)
SELECT project, record, author, device_id, kind, title, body, ts_rank_cd(tsv, q.q) AS rank,
       CASE WHEN model = $4 THEN vector END
FROM memcore_records, q
WHERE project = ANY($1) AND NOT forgotten AND tsv @@ q.q
ORDER BY rank DESC, project, record
LIMIT $3";

/// A query of plain words made to match any of them, as memcore's own search does (a record
/// with more of them ranks higher through `ts_rank_cd`); a query that uses the web-search
/// syntax (a quoted phrase, `-word`, `or`) is kept as written.
fn any_word(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().collect();
    let syntax = query.contains('"')
        || words
            .iter()
            .any(|w| w.starts_with('-') || w.eq_ignore_ascii_case("or"));
    if syntax {
        query.to_owned()
    } else {
        words.join(" or ")
    }
}

/// The hits of `query` in `projects`, best first.
pub(crate) fn search(
    client: &mut postgres::Client,
    url: &HubUrl,
    projects: &[String],
    query_text: &str,
    embedding: Option<QueryVector<'_>>,
    limit: usize,
) -> Result<Vec<HubHit>, HubError> {
    if projects.is_empty() || query_text.trim().is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let candidates = match embedding {
        Some(_) => limit.saturating_mul(CANDIDATES_PER_HIT).max(50),
        None => limit,
    };
    let model = embedding.map(|e| e.model).unwrap_or_default();
    let any = any_word(query_text);
    let rows = client
        .query(
            SEARCH,
            &[&projects, &any, &(candidates.min(10_000) as i64), &model],
        )
        .map_err(|e| query(url.target(), format!("search for {query_text:?}"), &e))?;
    let mut hits: Vec<HubHit> = rows
        .iter()
        .map(|row| {
            let vector: Option<Vec<u8>> = row.get(8);
            let similarity = match (embedding, vector) {
                (Some(q), Some(bytes)) => cosine(q.vector, &bytes),
                _ => None,
            };
            HubHit {
                project: row.get(0),
                record: row.get(1),
                author: row.get(2),
                device_id: row.get(3),
                kind: row.get(4),
                title: row.get(5),
                body: row.get(6),
                text_rank: row.get(7),
                similarity,
                score: row.get(7),
                reranked: false,
            }
        })
        .collect();
    if embedding.is_some() {
        fuse(&mut hits);
    }
    hits.truncate(limit);
    Ok(hits)
}

/// Re-ranks text candidates by the mean of their text rank (scaled to the best one) and
/// their cosine (0 without a vector): a candidate close in meaning climbs, the text match
/// still counts.
fn fuse(hits: &mut [HubHit]) {
    let best = hits.iter().map(|h| h.text_rank).fold(0.0f32, f32::max);
    for h in hits.iter_mut() {
        let text = if best > 0.0 { h.text_rank / best } else { 0.0 };
        h.score = 0.5 * text + 0.5 * h.similarity.unwrap_or(0.0).max(0.0);
        h.reranked = true;
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// The cosine of `q` and the vector `bytes` encode; `None` when their lengths differ (another
/// model) or either is zero.
fn cosine(q: &[f32], bytes: &[u8]) -> Option<f32> {
    if bytes.len() != q.len() * 4 {
        return None;
    }
    let (mut dot, mut nq, mut nv) = (0.0f32, 0.0f32, 0.0f32);
    for (a, chunk) in q.iter().zip(bytes.chunks_exact(4)) {
        let b = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        dot += a * b;
        nq += a * a;
        nv += b * b;
    }
    (nq > 0.0 && nv > 0.0).then(|| dot / (nq.sqrt() * nv.sqrt()))
}

/// A shared observation with no vector yet, and the text to embed for it.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingVector {
    /// Its project.
    pub project: String,
    /// Its global id.
    pub record: String,
    /// Its title and body, as the hub indexes them.
    pub text: String,
}

/// Which of `keys` (project, record) are on the hub, not forgotten, without a vector.
pub(crate) fn missing_vectors(
    client: &mut postgres::Client,
    url: &HubUrl,
    keys: &[(String, String)],
) -> Result<Vec<MissingVector>, HubError> {
    let projects: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let records: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let rows = client
        .query(
            "SELECT r.project, r.record, r.title || E'\\n' || r.body
             FROM unnest($1::text[], $2::text[]) AS k(project, record)
             JOIN memcore_records r USING (project, record)
             WHERE r.vector IS NULL AND NOT r.forgotten",
            &[&projects, &records],
        )
        .map_err(|e| query(url.target(), "find records without a vector", &e))?;
    Ok(rows
        .iter()
        .map(|r| MissingVector {
            project: r.get(0),
            record: r.get(1),
            text: r.get(2),
        })
        .collect())
}

/// Stores vectors of `model` (f32 little-endian); returns how many records took one.
pub(crate) fn set_vectors(
    client: &mut postgres::Client,
    url: &HubUrl,
    model: &str,
    rows: &[(String, String, Vec<f32>)],
) -> Result<usize, HubError> {
    let projects: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let records: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let bytes: Vec<Vec<u8>> = rows
        .iter()
        .map(|r| r.2.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let n = client
        .execute(
            "UPDATE memcore_records r SET model = $1, vector = v.vector
             FROM unnest($2::text[], $3::text[], $4::bytea[]) AS v(project, record, vector)
             WHERE r.project = v.project AND r.record = v.record AND NOT r.forgotten",
            &[&model, &projects, &records, &bytes],
        )
        .map_err(|e| query(url.target(), format!("store {} vectors", rows.len()), &e))?;
    Ok(n as usize)
}

/// The version of pgvector installed in the hub's database, if it is.
pub(crate) fn pgvector_version(
    client: &mut postgres::Client,
    url: &HubUrl,
) -> Result<Option<String>, HubError> {
    let row = client
        .query_opt(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
            &[],
        )
        .map_err(|e| query(url.target(), "look for pgvector", &e))?;
    Ok(row.map(|r| r.get(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_match_any_and_the_web_syntax_is_kept() {
        assert_eq!(any_word("coupon  cache"), "coupon or cache");
        assert_eq!(any_word("\"busy timeout\" -wal"), "\"busy timeout\" -wal");
        assert_eq!(any_word("retry OR backoff"), "retry OR backoff");
    }

    fn bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn cosine_reads_little_endian_f32_and_refuses_another_length() {
        let c = cosine(&[1.0, 0.0], &bytes(&[2.0, 0.0])).unwrap();
        assert!((c - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &bytes(&[1.0, 0.0, 0.0])), None);
        assert_eq!(cosine(&[1.0, 0.0], &bytes(&[0.0, 0.0])), None);
    }
}
