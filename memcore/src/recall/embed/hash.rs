//! [`HashEmbedder`]: signed feature hashing of character n-grams, the embedder that needs no
//! model at all.

use std::collections::BTreeMap;

use super::{Embedder, normalize};
use crate::text::{identifier_parts, is_stop_word};
use crate::{Error, Result};

/// Shortest character n-gram.
const MIN_GRAM: usize = 3;
/// Longest character n-gram.
const MAX_GRAM: usize = 5;
/// Words longer than this (in characters) are one feature, not cut into n-grams.
const MAX_WORD_CHARS: usize = 64;
/// Hash namespace of character n-grams.
const NS_GRAM: u8 = 1;
/// Hash namespace of whole over-long words.
const NS_WORD: u8 = 2;

/// The model-free embedder: signed feature hashing of character 3- to 5-grams.
///
/// # How it works
///
/// Text is split into words as SQLite FTS5's `unicode61` tokenizer splits it (runs of letters
/// and digits), identifiers are split at case changes (`RefreshToken` -> `refresh`, `token`,
/// so it meets `refresh_token` and "refresh token"), words are lower-cased and English stop
/// words dropped. Each word, padded as `<word>`, gives its character 3-, 4- and 5-grams, so
/// `painting` and `painted` or a typo and its correction share most of their features. Each
/// distinct gram is hashed (FNV-1a with a SplitMix64 finaliser, no per-process seed) to one of
/// [`HashEmbedder::dimension`] coordinates with a sign taken from the hash ("signed feature
/// hashing", so collisions cancel on average instead of piling up), weighted by the square
/// root of its count, and the vector is L2-normalised. Words over 64 characters (hashes,
/// base64) count as one feature each instead of being cut into grams.
///
/// Every float operation on the way is exactly rounded in IEEE 754 (sums in a fixed order,
/// square roots, no `ln` or `exp` from the platform's libm), so a text gives bit-identical
/// vectors on every platform; only lower-casing follows the Unicode tables of the Rust
/// release that built it.
///
/// # What it is worth
///
/// The hashed vectors are a fuzzy *lexical* signal, not a semantic one: they know that
/// `deploy` and `deployment` are close, not that `car` and `automobile` are. Measured on the
/// LoCoMo dev half (997 questions, one store per conversation, each turn one observation with
/// its two previous turns as context), vectors alone reach R@10 63.5 / R@5 52.6 (turn text
/// only: 46.9 / 39.2); fused with FTS5 BM25 (0.7 × BM25 / best BM25 + 0.3 × cosine) they
/// move R@10 / R@5 from 76.4 / 67.3 to 76.5 / 67.8. Their main use is to catch what exact
/// tokens miss: word forms stemming does not join, typos, identifiers written differently. A
///
/// ```
/// use memcore::recall::embed::{Embedder, HashEmbedder, cosine};
///
/// let embedder = HashEmbedder::new();
/// let v = embedder.embed(&["fixed the RefreshToken expiry", "refresh tokens expired", "lunch"])?;
/// assert_eq!(v[0].len(), embedder.dimension());
/// assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]));
/// # Ok::<(), memcore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashEmbedder {
    id: String,
    dimension: usize,
}

impl HashEmbedder {
    /// The default dimension: 4 KiB per stored vector. Fused with full-text search, 256 to
    /// 2048 dimensions score the same on LoCoMo; alone, more dimensions mean fewer hash
    /// collisions (R@10 about 53 at 256, 57 at 512, 62 at 1024, 64 at 2048).
    pub const DEFAULT_DIMENSION: usize = 1024;

    /// The largest dimension [`HashEmbedder::with_dimension`] accepts.
    pub const MAX_DIMENSION: usize = 65_536;

    /// The embedder with [`HashEmbedder::DEFAULT_DIMENSION`] dimensions.
    pub fn new() -> Self {
        Self::build(Self::DEFAULT_DIMENSION)
    }

    /// An embedder with `dimension` coordinates (1 to [`HashEmbedder::MAX_DIMENSION`]).
    /// Powers of two are the usual choice; any size works.
    pub fn with_dimension(dimension: usize) -> Result<Self> {
        if dimension == 0 || dimension > Self::MAX_DIMENSION {
            return Err(Error::InvalidInput {
                what: "embedding dimension",
                reason: format!(
                    "{dimension} is out of range: give 1 to {} (default {})",
                    Self::MAX_DIMENSION,
                    Self::DEFAULT_DIMENSION
                ),
            });
        }
        Ok(Self::build(dimension))
    }

    fn build(dimension: usize) -> Self {
        HashEmbedder {
            id: format!("memcore-hash-v1/char{MIN_GRAM}-{MAX_GRAM}/d{dimension}"),
            dimension,
        }
    }

    /// The vector of one text. A text with no word that counts (empty, punctuation only,
    /// stop words only) gets the zero vector, which is similar to nothing.
    pub fn embed_text(&self, text: &str) -> Vec<f32> {
        let mut counts: BTreeMap<u64, u32> = BTreeMap::new();
        let mut padded: Vec<char> = Vec::new();
        for_each_word(text, |word| {
            padded.clear();
            padded.push('<');
            padded.extend(word.chars());
            padded.push('>');
            if padded.len() - 2 > MAX_WORD_CHARS {
                *counts.entry(hash(NS_WORD, &padded)).or_default() += 1;
                return;
            }
            for n in MIN_GRAM..=MAX_GRAM {
                for gram in padded.windows(n) {
                    *counts.entry(hash(NS_GRAM, gram)).or_default() += 1;
                }
            }
        });
        let mut v = vec![0f32; self.dimension];
        // BTreeMap order: the sums run in the same order on every platform.
        for (h, count) in counts {
            let slot = (h % self.dimension as u64) as usize;
            let weight = (count as f32).sqrt();
            if h >> 63 == 1 {
                v[slot] -= weight;
            } else {
                v[slot] += weight;
            }
        }
        normalize(&mut v);
        v
    }
}

impl Default for HashEmbedder {
    fn default() -> Self {
        Self::new()
    }
}

impl Embedder for HashEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| self.embed_text(t)).collect())
    }
}

/// Calls `f` with every lower-cased, non-stop word of `text`, identifiers split at case
/// changes.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut lower = String::new();
    for run in text.split(|c: char| !c.is_alphanumeric()) {
        if run.is_empty() {
            continue;
        }
        for part in identifier_parts(run) {
            lower.clear();
            lower.extend(part.chars().flat_map(char::to_lowercase));
            if !is_stop_word(&lower) {
                f(&lower);
            }
        }
    }
}

/// FNV-1a over a namespace byte and the UTF-8 of `chars`, then SplitMix64's finaliser so the
/// low bits (the slot) and the top bit (the sign) are both well mixed. No seed: the same
/// gram hashes the same everywhere.
fn hash(namespace: u8, chars: &[char]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = (OFFSET ^ u64::from(namespace)).wrapping_mul(PRIME);
    let mut buf = [0u8; 4];
    for c in chars {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }
    use crate::recall::embed::cosine;

    #[test]
    fn the_same_text_gives_the_same_vector() {
        let e = HashEmbedder::new();
        let text = "Caroline: I went to a LGBTQ support group yesterday";
        assert_eq!(e.embed_text(text), e.embed_text(text));
        assert_eq!(e.embed_text(text), HashEmbedder::new().embed_text(text));
    }

    #[test]
    fn vectors_are_pinned_across_platforms_and_versions() {
        // If this fails the recipe changed: bump the version in the id ("-v1") so stored
        // vectors of the old recipe are not compared with new ones.
        let v = HashEmbedder::with_dimension(64)
            .unwrap()
            .embed_text("Fix refresh");
        let nonzero: Vec<(usize, f32)> = v
            .iter()
            .enumerate()
            .filter(|(_, x)| **x != 0.0)
            .map(|(i, x)| (i, *x))
            .collect();
        assert_eq!(nonzero, PINNED);
    }

    /// `HashEmbedder::with_dimension(64).embed_text("Fix refresh")`, non-zero coordinates.
    const PINNED: &[(usize, f32)] = &[
        (1, -0.17677669),
        (4, 0.35355338),
        (9, -0.17677669),
        (12, -0.35355338),
        (16, 0.17677669),
        (19, -0.17677669),
        (20, 0.5303301),
        (22, -0.17677669),
        (23, 0.17677669),
        (29, 0.17677669),
        (30, 0.17677669),
        (31, -0.17677669),
        (44, -0.17677669),
        (49, -0.17677669),
        (52, -0.17677669),
        (53, -0.17677669),
        (54, 0.17677669),
        (59, -0.17677669),
    ];

    #[test]
    fn vectors_have_unit_length() {
        let e = HashEmbedder::new();
        for text in ["a b c refresh", "Melanie: I painted a sunrise", "E0502 x"] {
            let v = e.embed_text(text);
            assert_eq!(v.len(), HashEmbedder::DEFAULT_DIMENSION);
            assert!((norm(&v) - 1.0).abs() < 1e-5, "{text}: {}", norm(&v));
        }
    }

    #[test]
    fn texts_without_words_give_the_zero_vector() {
        let e = HashEmbedder::with_dimension(32).unwrap();
        for text in ["", "   ", "?!... --- ***", "what is it, and how?"] {
            let v = e.embed_text(text);
            assert_eq!(v, vec![0.0; 32], "{text:?}");
            assert_eq!(cosine(&v, &e.embed_text("refresh token")), 0.0);
        }
    }

    #[test]
    fn related_texts_are_closer_than_unrelated_ones() {
        let e = HashEmbedder::new();
        let v = e
            .embed(&[
                "fixed the refresh token expiry bug in the auth middleware",
                "refresh tokens expired too early in auth",
                "painted a sunrise over the lake with the kids",
            ])
            .unwrap();
        assert!(cosine(&v[0], &v[1]) > 0.3, "{}", cosine(&v[0], &v[1]));
        assert!(cosine(&v[0], &v[1]) > 3.0 * cosine(&v[0], &v[2]).abs());
    }

    #[test]
    fn word_forms_share_features() {
        let e = HashEmbedder::new();
        let painting = e.embed_text("painting");
        assert!(cosine(&painting, &e.embed_text("painted")) > 0.4);
        assert!(cosine(&painting, &e.embed_text("pottery")) < 0.2);
    }

    #[test]
    fn identifiers_meet_their_spelled_out_words() {
        let e = HashEmbedder::new();
        let spelled = e.embed_text("refresh token");
        assert_eq!(e.embed_text("RefreshToken"), spelled);
        assert_eq!(e.embed_text("refresh_token"), spelled);
        assert_eq!(e.embed_text("REFRESH-TOKEN"), spelled);
    }

    #[test]
    fn batches_keep_their_order() {
        let e = HashEmbedder::with_dimension(128).unwrap();
        let texts = ["one apple", "two pears", ""];
        let batch = e.embed(&texts).unwrap();
        assert_eq!(batch.len(), 3);
        for (v, t) in batch.iter().zip(texts) {
            assert_eq!(*v, e.embed_text(t));
        }
        assert!(e.embed(&[]).unwrap().is_empty());
    }

    #[test]
    fn the_id_names_the_recipe_and_the_dimension() {
        assert_eq!(HashEmbedder::new().id(), "memcore-hash-v1/char3-5/d1024");
        let e = HashEmbedder::with_dimension(256).unwrap();
        assert_eq!(
            (e.id(), e.dimension()),
            ("memcore-hash-v1/char3-5/d256", 256)
        );
        assert_eq!(HashEmbedder::default(), HashEmbedder::new());
    }

    #[test]
    fn out_of_range_dimensions_are_refused() {
        assert!(HashEmbedder::with_dimension(0).is_err());
        assert!(HashEmbedder::with_dimension(HashEmbedder::MAX_DIMENSION + 1).is_err());
        assert!(HashEmbedder::with_dimension(1).is_ok());
    }

    #[test]
    fn over_long_words_are_one_feature() {
        let e = HashEmbedder::with_dimension(4096).unwrap();
        let long = "x".repeat(MAX_WORD_CHARS + 1);
        let v = e.embed_text(&long);
        assert_eq!(v.iter().filter(|x| **x != 0.0).count(), 1);
    }

    proptest! {
        #[test]
        fn any_text_gives_a_finite_unit_or_zero_vector(text in any::<String>()) {
            let e = HashEmbedder::with_dimension(64).unwrap();
            let v = e.embed_text(&text);
            prop_assert_eq!(v.len(), 64);
            prop_assert!(v.iter().all(|x| x.is_finite()));
            let n = norm(&v);
            prop_assert!(n == 0.0 || (n - 1.0).abs() < 1e-4);
        }
    }
}
