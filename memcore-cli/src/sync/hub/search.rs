//! Search over the team's shared observations, on the hub.
//!
//! Text: `memcore_records.tsv` holds the title and body as `simple` words (identifiers and
//! paths as written) and as `english` stems, and a query is read with both configurations
//! (`websearch_to_tsquery('simple', q) || websearch_to_tsquery('english', q)`), so `retry`
//! finds "retrying" through the stem and `parse_config_file` finds itself word by word.
//! `ts_rank_cd` (cover density) ranks, so words found close together count for more.
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

/// A shared observation that matched, with who wrote it.
#[derive(Debug, Clone, PartialEq)]
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
    /// The text rank (`ts_rank_cd`), or with a query vector, the fused score.
    pub rank: f32,
    /// The cosine with the query vector, when both had one.
    pub similarity: Option<f32>,
}

const SEARCH: &str = "
WITH q AS (SELECT websearch_to_tsquery('simple', $2) || websearch_to_tsquery('english', $2) AS q)
SELECT project, record, author, device_id, kind, title, body, ts_rank_cd(tsv, q.q) AS rank,
       vector
FROM memcore_records, q
WHERE project = ANY($1) AND NOT forgotten AND tsv @@ q.q
ORDER BY rank DESC, project, record
LIMIT $3";

/// The hits of `query` in `projects`, best first.
pub(crate) fn search(
    client: &mut postgres::Client,
    url: &HubUrl,
    projects: &[String],
    query_text: &str,
    embedding: Option<&[f32]>,
    limit: usize,
) -> Result<Vec<HubHit>, HubError> {
    if projects.is_empty() || query_text.trim().is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let candidates = match embedding {
        Some(_) => limit.saturating_mul(CANDIDATES_PER_HIT).max(50),
        None => limit,
    };
    let rows = client
        .query(
            SEARCH,
            &[&projects, &query_text, &(candidates.min(10_000) as i64)],
        )
        .map_err(|e| query(url.target(), format!("search for {query_text:?}"), &e))?;
    let mut hits: Vec<HubHit> = rows
        .iter()
        .map(|row| {
            let vector: Option<Vec<u8>> = row.get(8);
            let similarity = match (embedding, vector) {
                (Some(q), Some(bytes)) => cosine(q, &bytes),
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
                rank: row.get(7),
                similarity,
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
    let best = hits.iter().map(|h| h.rank).fold(0.0f32, f32::max);
    for h in hits.iter_mut() {
        let text = if best > 0.0 { h.rank / best } else { 0.0 };
        h.rank = 0.5 * text + 0.5 * h.similarity.unwrap_or(0.0).max(0.0);
    }
    hits.sort_by(|a, b| b.rank.total_cmp(&a.rank));
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

/// Stores a record's vector; `false` when the record is not on the hub.
pub(crate) fn set_vector(
    client: &mut postgres::Client,
    url: &HubUrl,
    project: &str,
    record: &str,
    model: &str,
    vector: &[f32],
) -> Result<bool, HubError> {
    let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
    let n = client
        .execute(
            "UPDATE memcore_records SET model = $3, vector = $4
             WHERE project = $1 AND record = $2 AND NOT forgotten",
            &[&project, &record, &model, &bytes],
        )
        .map_err(|e| query(url.target(), format!("store the vector of {record}"), &e))?;
    Ok(n > 0)
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
