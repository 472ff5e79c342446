//! [`StaticEmbedder`]: a static (model2vec-style) embedding model, one vector per WordPiece
//! token, averaged over a text.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::wordpiece::{self, SortedVocab, WordPiece};
use super::{Embedder, normalize};
use crate::{Error, Result};

/// The built-in model's files, compiled into the library.
const BUILTIN_TOKENS: &str = include_str!("../../../models/minilm-l6-static/tokens.txt");
const BUILTIN_MODEL: &[u8] = include_bytes!("../../../models/minilm-l6-static/model.safetensors");
const BUILTIN_CONFIG: &str = include_str!("../../../models/minilm-l6-static/config.json");

/// The built-in vocabulary's index, computed at compile time: opening it costs nothing.
const BUILTIN_LINES: usize = wordpiece::line_count(BUILTIN_TOKENS);
static BUILTIN_INDEX: ([u32; BUILTIN_LINES + 1], usize) =
    wordpiece::line_starts::<{ BUILTIN_LINES + 1 }>(BUILTIN_TOKENS);

/// The format this code reads (`config.json`'s `format`).
const FORMAT: &str = "memcore-static-v1";

/// A static embedding model: each token of its vocabulary has a fixed vector; a text's
/// vector is the mean of its tokens' vectors, L2-normalised. No attention, no context: a
/// lookup and a sum, tens of microseconds per record.
///
/// [`StaticEmbedder::builtin`] is memcore's default embedder: all-MiniLM-L6-v2 distilled
/// with model2vec (its token embeddings through the transformer, reduced to 256 dimensions
/// by PCA, weighted by token frequency, quantized to int8 with one scale per token), shipped
/// in the crate (`memcore/models/minilm-l6-static/`, about 8 MB, model card and licence
/// beside it). [`StaticEmbedder::from_dir`] loads another model of the same format.
///
/// # The format (`memcore-static-v1`)
///
/// A directory of three files:
///
/// - `tokens.txt`: the vocabulary, one token per line, sorted by UTF-8 bytes, each line
///   ended by `\n`; continuation pieces carry the `##` prefix. Line `i` is row `i`.
/// - `model.safetensors`: `embeddings`, `I8` of shape `[tokens, dim]`, and `scales`, `F32`
///   of shape `[tokens]`; token `i`'s vector is `embeddings[i] * scales[i]`.
/// - `config.json`: `{"format": "memcore-static-v1", "dim": 256, "normalize": true,
///   "max_tokens": 512, "lowercase": true, "strip_accents": true, "handle_chinese_chars":
///   true, "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, ...}`. Only
///   BERT-uncased tokenization is supported (the last five as shown); other keys are
///   ignored.
///
/// # Embedding
///
/// The text is tokenized ([`WordPiece`], BERT uncased), its first `max_tokens` tokens kept;
/// words the vocabulary cannot spell are skipped; the vectors of the remaining tokens are
/// averaged in `f32` and the mean is L2-normalised (when `normalize` is true). A text with
/// no known token gets the zero vector, which is similar to nothing.
///
/// ```
/// use memcore::recall::embed::{Embedder, StaticEmbedder, cosine};
///
/// let e = StaticEmbedder::builtin();
/// let v = e.embed(&[
///     "night mode for the admin panel",
///     "Dark theme for the dashboard",
///     "bumped the sqlite version in Cargo.lock",
/// ])?;
/// assert_eq!(v[0].len(), e.dimension());
/// assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]));
/// # Ok::<(), memcore::Error>(())
/// ```
#[derive(Clone)]
pub struct StaticEmbedder {
    id: String,
    dimension: usize,
    normalize: bool,
    max_tokens: usize,
    max_input_chars_per_word: usize,
    vocab: SortedVocab<'static>,
    /// The whole `model.safetensors`.
    model: Cow<'static, [u8]>,
    /// Where `embeddings` and `scales` lie in `model`.
    embeddings: Range<usize>,
    scales: Range<usize>,
}

impl std::fmt::Debug for StaticEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticEmbedder")
            .field("id", &self.id)
            .field("dimension", &self.dimension)
            .field("tokens", &self.vocab.len())
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

/// `config.json`, the keys this code reads.
#[derive(Deserialize)]
struct Config {
    format: String,
    dim: usize,
    normalize: bool,
    max_tokens: usize,
    lowercase: bool,
    strip_accents: bool,
    handle_chinese_chars: bool,
    continuing_subword_prefix: String,
    max_input_chars_per_word: usize,
}

impl StaticEmbedder {
    /// The id of the built-in model's vectors. Change its version (`/v1`) whenever the same
    /// text would get a different vector from [`StaticEmbedder::builtin`]: new model files,
    /// another tokenization or pooling. Stored vectors of another id are not compared with
    /// new ones, so the store re-embeds under the new id instead of mixing spaces.
    pub const BUILTIN_ID: &str = "memcore-static/minilm-l6-v2-m2v/d256/v1";

    /// The model shipped in the crate. Opening it checks the files and indexes the
    /// vocabulary's lines; the model data itself is borrowed from the binary, not copied.
    pub fn builtin() -> StaticEmbedder {
        match Self::open(
            Self::BUILTIN_ID.to_string(),
            Cow::Borrowed(BUILTIN_TOKENS),
            Cow::Borrowed(BUILTIN_MODEL),
            BUILTIN_CONFIG,
            Path::new("memcore/models/minilm-l6-static"),
        ) {
            Ok(e) => e,
            // The files are fixed at compile time and checked by the tests.
            Err(err) => panic!("memcore's built-in embedding model is invalid: {err}"),
        }
    }

    /// Loads a model of the `memcore-static-v1` format from `dir` (`tokens.txt`,
    /// `model.safetensors`, `config.json`). Its id is
    /// `memcore-static/sha256-<16 hex digits of the three files' hash>/d<dim>`: the same
    /// files give the same id anywhere, other files another id.
    ///
    /// Fails with [`Error::Io`] when a file cannot be read, and with
    /// [`Error::InvalidInput`] naming the file and the fault when one is malformed: a
    /// missing tensor, a wrong dtype or shape, rows that do not match the tokens, an
    /// unsorted vocabulary, a config of another format or tokenization.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<StaticEmbedder> {
        let dir = dir.as_ref();
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| Error::Io {
                action: "read embedding model file",
                path,
                source,
            })
        };
        let tokens = read("tokens.txt")?;
        let model = read("model.safetensors")?;
        let config = read("config.json")?;
        let mut hash = Sha256::new();
        for part in [&tokens, &model, &config] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        let digest = hash.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let tokens = String::from_utf8(tokens)
            .map_err(|_| invalid(&dir.join("tokens.txt"), "it is not UTF-8".into()))?;
        let config = std::str::from_utf8(&config)
            .map_err(|_| invalid(&dir.join("config.json"), "it is not UTF-8".into()))?;
        // The dimension is only known once the config is read: the id is completed after.
        let mut embedder = Self::open(
            String::new(),
            Cow::Owned(tokens),
            Cow::Owned(model),
            config,
            dir,
        )?;
        embedder.id = format!("memcore-static/sha256-{hex}/d{}", embedder.dimension);
        Ok(embedder)
    }

    fn open(
        id: String,
        tokens: Cow<'static, str>,
        model: Cow<'static, [u8]>,
        config: &str,
        dir: &Path,
    ) -> Result<StaticEmbedder> {
        let config_path = dir.join("config.json");
        let config: Config = serde_json::from_str(config)
            .map_err(|e| invalid(&config_path, format!("not a {FORMAT} config: {e}")))?;
        if config.format != FORMAT {
            return Err(invalid(
                &config_path,
                format!(
                    "format is {:?}, this memcore reads {FORMAT:?}",
                    config.format
                ),
            ));
        }
        if !(config.lowercase && config.strip_accents && config.handle_chinese_chars)
            || config.continuing_subword_prefix != "##"
        {
            return Err(invalid(
                &config_path,
                "only BERT uncased tokenization is supported (lowercase, strip_accents and handle_chinese_chars true, continuing_subword_prefix \"##\")".into(),
            ));
        }
        if config.dim == 0 || config.max_tokens == 0 || config.max_input_chars_per_word == 0 {
            return Err(invalid(
                &config_path,
                "dim, max_tokens and max_input_chars_per_word must be positive".into(),
            ));
        }

        let tokens_path = dir.join("tokens.txt");
        let vocab = match tokens {
            // Only builtin() passes borrowed text: the built-in vocabulary, indexed at compile
            // time, its index and order checked by the tests.
            Cow::Borrowed(text) => Ok(SortedVocab::from_parts(
                text,
                &BUILTIN_INDEX.0,
                BUILTIN_INDEX.1,
            )),
            Cow::Owned(text) => SortedVocab::from_string(text),
        }
        .map_err(|e| invalid(&tokens_path, e.to_string()))?;

        let model_path = dir.join("model.safetensors");
        let bad_model = |reason: String| invalid(&model_path, reason);
        let (header_len, metadata) = SafeTensors::read_metadata(&model)
            .map_err(|e| bad_model(format!("not a safetensors file: {e}")))?;
        let data_start = 8 + header_len;
        let rows = vocab.len();
        let tensor = |name: &str, dtype: Dtype, shape: &[usize]| -> Result<Range<usize>> {
            let info = metadata
                .info(name)
                .ok_or_else(|| bad_model(format!("it has no tensor {name:?}")))?;
            if info.dtype != dtype {
                return Err(bad_model(format!(
                    "tensor {name:?} is {:?}, expected {dtype:?}",
                    info.dtype
                )));
            }
            if info.shape != shape {
                return Err(bad_model(format!(
                    "tensor {name:?} has shape {:?}, expected {shape:?} ({rows} tokens in tokens.txt, dim {} in config.json)",
                    info.shape, config.dim
                )));
            }
            let (start, end) = info.data_offsets;
            Ok(data_start + start..data_start + end)
        };
        let embeddings = tensor("embeddings", Dtype::I8, &[rows, config.dim])?;
        let scales = tensor("scales", Dtype::F32, &[rows])?;
        // read_metadata checked that the offsets fit the buffer and match the shapes; check
        // again what the arithmetic below relies on.
        if model.get(embeddings.clone()).map(<[u8]>::len) != Some(rows * config.dim)
            || model.get(scales.clone()).map(<[u8]>::len) != Some(rows * 4)
        {
            return Err(bad_model("tensor data out of bounds".into()));
        }
        Ok(StaticEmbedder {
            id,
            dimension: config.dim,
            normalize: config.normalize,
            max_tokens: config.max_tokens,
            max_input_chars_per_word: config.max_input_chars_per_word,
            vocab,
            model,
            embeddings,
            scales,
        })
    }

    /// The model's vocabulary (`tokens.txt`).
    pub fn vocab(&self) -> &SortedVocab<'static> {
        &self.vocab
    }

    /// The most tokens of a text that count; the rest is not read.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// A tokenizer with this model's settings, for [`StaticEmbedder::embed_with`].
    pub fn tokenizer(&self) -> WordPiece {
        WordPiece::with_max_input_chars_per_word(self.max_input_chars_per_word)
    }

    /// The vector of one text (see [`StaticEmbedder::embed_with`] to reuse buffers).
    pub fn embed_text(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0.0; self.dimension];
        self.embed_with(text, &mut self.tokenizer(), &mut Vec::new(), &mut v);
        v
    }

    /// Writes the vector of `text` into `out` (of length [`Embedder::dimension`]; a shorter
    /// or longer `out` gets its first coordinates, or zeros after them), with `tokenizer`
    /// and `ids` as reusable scratch space.
    pub fn embed_with(
        &self,
        text: &str,
        tokenizer: &mut WordPiece,
        ids: &mut Vec<Option<u32>>,
        out: &mut [f32],
    ) {
        out.iter_mut().for_each(|x| *x = 0.0);
        ids.clear();
        tokenizer.tokenize(text, &self.vocab, self.max_tokens, ids);
        let dim = self.dimension;
        let embeddings = &self.model[self.embeddings.clone()];
        let scales = &self.model[self.scales.clone()];
        let mut count = 0u32;
        for row in ids.iter().flatten() {
            let row = *row as usize;
            let (Some(values), Some(scale)) = (
                embeddings.get(row * dim..(row + 1) * dim),
                scales.get(row * 4..row * 4 + 4),
            ) else {
                continue;
            };
            let scale = f32::from_le_bytes([scale[0], scale[1], scale[2], scale[3]]);
            for (acc, &q) in out.iter_mut().zip(values) {
                *acc += f32::from(q as i8) * scale;
            }
            count += 1;
        }
        if count == 0 {
            return;
        }
        let n = count as f32;
        out.iter_mut().for_each(|x| *x /= n);
        if self.normalize {
            normalize(out);
        }
    }
}

fn invalid(path: &Path, reason: String) -> Error {
    Error::InvalidInput {
        what: "embedding model",
        reason: format!("{}: {reason}", path.display()),
    }
}

impl Embedder for StaticEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut tokenizer = self.tokenizer();
        let mut ids = Vec::new();
        Ok(texts
            .iter()
            .map(|text| {
                let mut v = vec![0.0; self.dimension];
                self.embed_with(text, &mut tokenizer, &mut ids, &mut v);
                v
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recall::embed::cosine;
    use proptest::prelude::*;

    #[derive(Deserialize)]
    struct Reference {
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        text: String,
        tokens: Vec<String>,
        vector: Vec<f32>,
    }

    fn reference() -> Reference {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/embeddings/static_reference.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    /// Texts that spell a special token: `tokenizers` matches them as tokens, memcore
    /// deliberately does not (see the wordpiece module).
    fn spells_a_special_token(text: &str) -> bool {
        text.contains("[PAD]") || text.contains("[UNK]")
    }

    #[test]
    fn the_builtin_model_matches_the_reference() {
        let e = StaticEmbedder::builtin();
        let mut wp = e.tokenizer();
        let mut ids = Vec::new();
        let mut checked = 0;
        for case in reference().cases {
            ids.clear();
            wp.tokenize(&case.text, e.vocab(), e.max_tokens(), &mut ids);
            let tokens: Vec<&str> = ids
                .iter()
                .map(|id| id.and_then(|i| e.vocab().token(i)).unwrap_or("[UNK]"))
                .collect();
            let v = e.embed_text(&case.text);
            if spells_a_special_token(&case.text) {
                assert!(tokens.starts_with(&["[", "pad", "]", "[", "un", "##k", "]"]));
                continue;
            }
            assert_eq!(tokens, case.tokens, "{:?}", case.text);
            if norm(&case.vector) == 0.0 {
                assert_eq!(v, vec![0.0; 256], "{:?}", case.text);
            } else {
                // The reference keeps the first 512 *known* tokens; memcore, like model2vec,
                // keeps the first 512 tokens and then drops the unknown ones, so that a
                // long text costs no more than 512 tokens. They differ only for a text cut at
                // 512 tokens with unknown ones among them.
                let cut_with_unknowns =
                    case.tokens.len() == e.max_tokens() && case.tokens.iter().any(|t| t == "[UNK]");
                let min = if cut_with_unknowns { 0.999 } else { 0.9999 };
                let c = cosine(&v, &case.vector);
                assert!(c >= min, "{:?}: cosine {c}", case.text);
                assert!((norm(&v) - 1.0).abs() < 1e-5);
            }
            checked += 1;
        }
        assert!(checked >= 40, "{checked}");
    }

    #[test]
    fn the_builtin_model_is_what_the_id_says() {
        let e = StaticEmbedder::builtin();
        assert_eq!(e.id(), "memcore-static/minilm-l6-v2-m2v/d256/v1");
        assert_eq!(e.dimension(), 256);
        assert_eq!(e.max_tokens(), 512);
        let debug = format!("{e:?}");
        assert!(debug.len() < 200 && debug.contains("29525"), "{debug}");
        assert_eq!(e.vocab().len(), 29_525);
        // builtin() uses the index computed at compile time: the one SortedVocab::new
        // computes and checks at run time.
        let checked = SortedVocab::new(BUILTIN_TOKENS).unwrap();
        assert_eq!(checked.parts(), e.vocab().parts());
    }

    #[test]
    fn texts_without_known_tokens_give_the_zero_vector() {
        let e = StaticEmbedder::builtin();
        for text in ["", "   \n\t", "\u{a66e} \u{1f680}", "\u{0}\u{7}"] {
            let v = e.embed_text(text);
            assert_eq!(v, vec![0.0; 256], "{text:?}");
        }
        assert!(e.embed(&[]).unwrap().is_empty());
    }

    #[test]
    fn related_texts_are_closer_than_unrelated_ones() {
        let e = StaticEmbedder::builtin();
        let v = e
            .embed(&[
                "night mode for the admin panel",
                "Dark theme for the dashboard",
                "bumped the sqlite version in Cargo.lock",
                "login tokens expire too early",
                "the session's refresh token expired",
            ])
            .unwrap();
        assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]));
        assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[3]));
        assert!(cosine(&v[3], &v[4]) > cosine(&v[3], &v[2]));
        assert!(cosine(&v[3], &v[4]) > cosine(&v[3], &v[1]));
    }

    #[test]
    fn batches_and_single_texts_agree() {
        let e = StaticEmbedder::builtin();
        let long = "two pears and a long word ".repeat(100);
        let texts = ["one apple", "", &long];
        let batch = e.embed(&texts).unwrap();
        for (v, t) in batch.iter().zip(&texts) {
            assert_eq!(*v, e.embed_text(t));
        }
    }

    /// The built-in model's files, written to a directory.
    fn builtin_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tokens.txt"), BUILTIN_TOKENS).unwrap();
        std::fs::write(dir.path().join("model.safetensors"), BUILTIN_MODEL).unwrap();
        std::fs::write(dir.path().join("config.json"), BUILTIN_CONFIG).unwrap();
        dir
    }

    #[test]
    fn from_dir_loads_the_same_model() {
        let dir = builtin_dir();
        let e = StaticEmbedder::from_dir(dir.path()).unwrap();
        let again = StaticEmbedder::from_dir(dir.path()).unwrap();
        assert!(e.id().starts_with("memcore-static/sha256-"), "{}", e.id());
        assert!(e.id().ends_with("/d256"));
        assert_eq!(e.id(), again.id());
        let text = "Fixed the RefreshToken expiry bug in auth/middleware.rs";
        assert_eq!(
            e.embed_text(text),
            StaticEmbedder::builtin().embed_text(text)
        );
    }

    /// A safetensors file of `tensors` (name, dtype, shape, bytes).
    fn safetensors(tensors: &[(&str, &str, &[usize], Vec<u8>)]) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, dtype, shape, bytes) in tensors {
            header.insert(
                name.to_string(),
                serde_json::json!({
                    "dtype": dtype,
                    "shape": shape,
                    "data_offsets": [data.len(), data.len() + bytes.len()],
                }),
            );
            data.extend_from_slice(bytes);
        }
        let header = serde_json::Value::Object(header).to_string();
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header.as_bytes());
        file.extend_from_slice(&data);
        file
    }

    fn config(dim: usize) -> String {
        let mut c: serde_json::Value = serde_json::from_str(BUILTIN_CONFIG).unwrap();
        c["dim"] = dim.into();
        c.to_string()
    }

    /// A model of two tokens ("a", "b") and 4 dimensions, with `edit` applied to its files.
    fn small_model(
        edit: impl FnOnce(&mut String, &mut Vec<u8>, &mut String),
    ) -> Result<StaticEmbedder> {
        let mut tokens = "a\nb\n".to_string();
        let mut model = safetensors(&[
            ("embeddings", "I8", &[2, 4], vec![1, 0, 0, 0, 0, 2, 0, 0]),
            (
                "scales",
                "F32",
                &[2],
                [0.5f32, 0.25]
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
            ),
        ]);
        let mut config = config(4);
        edit(&mut tokens, &mut model, &mut config);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tokens.txt"), tokens).unwrap();
        std::fs::write(dir.path().join("model.safetensors"), model).unwrap();
        std::fs::write(dir.path().join("config.json"), config).unwrap();
        StaticEmbedder::from_dir(dir.path())
    }

    /// Changes a model's tokens.txt, model.safetensors and config.json.
    type Edit = dyn FnOnce(&mut String, &mut Vec<u8>, &mut String);

    fn error_of(edit: impl FnOnce(&mut String, &mut Vec<u8>, &mut String)) -> String {
        match small_model(edit) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_small_model_embeds_as_specified() {
        let e = small_model(|_, _, _| ()).unwrap();
        assert_eq!(e.dimension(), 4);
        assert_eq!(e.embed_text("a"), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(e.embed_text("B"), [0.0, 1.0, 0.0, 0.0]);
        let v = e.embed_text("a b zzz");
        assert!(
            (v[0] - v[1]).abs() < 1e-6 && (v[0] - 0.5f32.sqrt()).abs() < 1e-6,
            "{v:?}"
        );
        assert_eq!(e.embed_text("zzz"), [0.0; 4]);
        let raw =
            small_model(|_, _, c| *c = c.replace("\"normalize\":true", "\"normalize\":false"))
                .unwrap();
        assert_eq!(raw.embed_text("a b"), [0.25, 0.25, 0.0, 0.0]);
    }

    #[test]
    fn from_dir_names_the_file_and_the_fault() {
        let missing = StaticEmbedder::from_dir("/nonexistent/memcore-model").unwrap_err();
        assert!(matches!(missing, Error::Io { .. }), "{missing}");
        assert!(missing.to_string().contains("tokens.txt"), "{missing}");

        let cases: Vec<(Box<Edit>, &[&str])> = vec![
            (
                Box::new(|t, _, _| *t = "a\n".into()),
                &["model.safetensors", "shape [2, 4]", "[1, 4]"],
            ),
            (
                Box::new(|t, _, _| *t = "b\na\n".into()),
                &["tokens.txt", "line 2", "sort"],
            ),
            (
                Box::new(|t, _, _| *t = "a\nb".into()),
                &["tokens.txt", "end with"],
            ),
            (
                Box::new(|_, _, c| *c = config(8)),
                &["model.safetensors", "embeddings", "[2, 8]"],
            ),
            (
                Box::new(|_, _, c| *c = "{}".into()),
                &["config.json", "missing field"],
            ),
            (
                Box::new(|_, _, c| *c = c.replace("memcore-static-v1", "v2")),
                &["config.json", "format"],
            ),
            (
                Box::new(|_, _, c| *c = c.replace("\"lowercase\":true", "\"lowercase\":false")),
                &["config.json", "uncased"],
            ),
            (
                Box::new(|_, m, _| *m = b"not a model".to_vec()),
                &["model.safetensors", "not a safetensors"],
            ),
            (
                Box::new(|_, m, _| *m = safetensors(&[("embeddings", "I8", &[2, 4], vec![0; 8])])),
                &["model.safetensors", "no tensor \"scales\""],
            ),
            (
                Box::new(|_, m, _| {
                    *m = safetensors(&[
                        ("embeddings", "F32", &[2, 4], vec![0; 32]),
                        ("scales", "F32", &[2], vec![0; 8]),
                    ])
                }),
                &["model.safetensors", "\"embeddings\" is F32, expected I8"],
            ),
            (
                Box::new(|_, m, _| {
                    m.pop();
                }),
                &["model.safetensors", "not a safetensors"],
            ),
        ];
        for (edit, needles) in cases {
            let err = error_of(edit);
            for needle in needles {
                assert!(err.contains(needle), "{err:?} lacks {needle:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn any_text_gives_a_finite_unit_or_zero_vector(text in any::<String>()) {
            let e = StaticEmbedder::builtin();
            let v = e.embed_text(&text);
            prop_assert_eq!(v.len(), 256);
            prop_assert!(v.iter().all(|x| x.is_finite()));
            let n = norm(&v);
            prop_assert!(n == 0.0 || (n - 1.0).abs() < 1e-4);
        }
    }
}
