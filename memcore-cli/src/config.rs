//! Settings: `config.json` in the data directory, then environment variables over it.
//!
//! Nothing is required: with no file and no variable, extraction uses the heuristic extractor
//! (no LLM, no key, no cost) and the store keeps memcore's defaults.
//!
//! | `config.json` key | environment variable | default |
//! |---|---|---|
//! | `provider` | `MEMCORE_PROVIDER` | `heuristic`; or `anthropic:<model>`, `openai:<model>` |
//! | `anthropic_base_url` | `MEMCORE_ANTHROPIC_BASE_URL` | `https://api.anthropic.com` |
//! | `openai_base_url` | `MEMCORE_OPENAI_BASE_URL` | `https://api.openai.com/v1` (Ollama: `http://localhost:11434/v1`) |
//! | — | `ANTHROPIC_API_KEY` | the Anthropic key (never read from a file) |
//! | — | `MEMCORE_OPENAI_API_KEY`, else `OPENAI_API_KEY` | the OpenAI-compatible key; none sends no `Authorization` |
//! | `daily_token_cap` | `MEMCORE_DAILY_TOKEN_CAP` | none; LLM tokens (input + output) per UTC day |
//! | `request_timeout_secs` | `MEMCORE_REQUEST_TIMEOUT_SECS` | 120 |
//! | `max_retries` | `MEMCORE_MAX_RETRIES` | 4 (on 429, 5xx and connection errors) |
//! | `retry_base_ms` | `MEMCORE_RETRY_BASE_MS` | 1000 (doubled each retry, ± 25 %) |
//! | `max_retry_wait_secs` | `MEMCORE_MAX_RETRY_WAIT_SECS` | 60; a longer `retry-after` gives up |
//! | `memory` | — | memcore's `Config` (budgets, thresholds, redaction...), any subset |
//! | `embedder` | `MEMCORE_EMBEDDER` | `default`; `transformer` for `memcore mcp` and `memcore extract` (see [`crate::embedder`]) |
//! | `model_dir` | `MEMCORE_MODEL_DIR` | the transformer's folder; default `memcore/models/all-MiniLM-L6-v2` in the user's cache directory |
//! | `hub` | `MEMCORE_HUB` | none; the PostgreSQL URL of a team hub (`memcore sync`, and the extractor after its work) |
//! | `sync_folder` | `MEMCORE_SYNC_FOLDER` | none; a folder to sync through (`memcore sync`, and the extractor after its work) |
//! | `author` | `MEMCORE_AUTHOR` | whom shared changes are attributed to; default `$USER` |
//!
//! Unknown keys are ignored; a value of the wrong type is reported (log, `doctor`) and its
//! default used. A config file that is not JSON is reported and ignored as a whole: a hook
//! never fails because of it.

use crate::paths::Paths;
use crate::provider::ProviderSpec;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Anthropic's API root.
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// OpenAI's API root (any OpenAI-compatible endpoint may replace it).
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// How the HTTP providers wait and retry.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt, on 429, 5xx and connection errors.
    pub max_retries: u32,
    /// First backoff; doubled at each retry.
    pub retry_base: Duration,
    /// Longest wait before a retry; a server asking for more makes the call give up.
    pub max_retry_wait: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(120),
            max_retries: 4,
            retry_base: Duration::from_millis(1000),
            max_retry_wait: Duration::from_secs(60),
        }
    }
}

/// Everything the command reads from `config.json` and the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Which extractor runs.
    pub provider: ProviderSpec,
    /// Root of the Anthropic Messages API.
    pub anthropic_base_url: String,
    /// Root of the OpenAI-compatible API (the part before `/chat/completions`).
    pub openai_base_url: String,
    /// `ANTHROPIC_API_KEY`.
    pub anthropic_api_key: Option<String>,
    /// `MEMCORE_OPENAI_API_KEY` or `OPENAI_API_KEY`.
    pub openai_api_key: Option<String>,
    /// Most LLM tokens per UTC day, if capped.
    pub daily_token_cap: Option<u64>,
    /// Timeouts and retries.
    pub http: HttpSettings,
    /// The store's settings.
    pub memory: memcore::Config,
    /// The embedder of the long-lived commands (`memcore mcp`, `memcore extract`).
    pub embedder: EmbedderChoice,
    /// The transformer's model folder, when set.
    pub model_dir: Option<PathBuf>,
    /// The team hub's URL (credentials included: never logged or stored).
    pub hub: Option<String>,
    /// A folder to sync through.
    pub sync_folder: Option<PathBuf>,
    /// Whom shared changes are attributed to.
    pub author: Option<String>,
    /// Problems found while reading the settings (each was replaced by its default).
    pub warnings: Vec<String>,
}

/// The shape of `config.json`. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FileConfig {
    provider: Option<String>,
    anthropic_base_url: Option<String>,
    openai_base_url: Option<String>,
    daily_token_cap: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_retries: Option<u32>,
    retry_base_ms: Option<u64>,
    max_retry_wait_secs: Option<u64>,
    memory: Option<serde_json::Value>,
    embedder: Option<String>,
    model_dir: Option<PathBuf>,
    hub: Option<String>,
    sync_folder: Option<PathBuf>,
    author: Option<String>,
}

/// Which embedder the long-lived commands use (`MEMCORE_EMBEDDER`, `embedder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedderChoice {
    /// The store's default embedder, as the hooks use.
    #[default]
    Default,
    /// The transformer in the model folder (feature `transformer`).
    Transformer,
}

impl Settings {
    /// Reads `config.json` beside the store (when present) and the process environment.
    pub fn load(paths: &Paths) -> Settings {
        let file = paths.config_file();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let mut settings = Settings::from_sources(None, |k| std::env::var(k).ok());
                settings.warnings.push(format!(
                    "cannot read {}: {e}; using defaults",
                    file.display()
                ));
                return settings;
            }
        };
        let mut settings = Settings::from_sources(text.as_deref(), |k| std::env::var(k).ok());
        for w in &mut settings.warnings {
            if w.starts_with("config.json") {
                *w = w.replacen("config.json", &file.display().to_string(), 1);
            }
        }
        settings
    }

    /// Settings from the text of a config file and an environment lookup.
    pub fn from_sources(file: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Settings {
        let mut warnings = Vec::new();
        let parsed: FileConfig = match file.map(str::trim) {
            None | Some("") => FileConfig::default(),
            Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value) => file_config(value, &mut warnings),
                Err(e) => {
                    warnings.push(format!("config.json is not valid JSON ({e}); ignored"));
                    FileConfig::default()
                }
            },
        };
        let env = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut number = |name: &str, file_value: Option<u64>| -> Option<u64> {
            match env(name) {
                Some(text) => match text.parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        warnings.push(format!("{name}={text:?} is not a whole number; ignored"));
                        file_value
                    }
                },
                None => file_value,
            }
        };
        let daily_token_cap = number("MEMCORE_DAILY_TOKEN_CAP", parsed.daily_token_cap);
        let defaults = HttpSettings::default();
        let http = HttpSettings {
            timeout: number("MEMCORE_REQUEST_TIMEOUT_SECS", parsed.request_timeout_secs)
                .map_or(defaults.timeout, |s| Duration::from_secs(s.max(1))),
            max_retries: number("MEMCORE_MAX_RETRIES", parsed.max_retries.map(u64::from))
                .map_or(defaults.max_retries, |n| n.min(20) as u32),
            retry_base: number("MEMCORE_RETRY_BASE_MS", parsed.retry_base_ms)
                .map_or(defaults.retry_base, Duration::from_millis),
            max_retry_wait: number("MEMCORE_MAX_RETRY_WAIT_SECS", parsed.max_retry_wait_secs)
                .map_or(defaults.max_retry_wait, Duration::from_secs),
        };
        let provider_text = env("MEMCORE_PROVIDER").or(parsed.provider);
        let provider = match provider_text.as_deref().map(ProviderSpec::parse) {
            None => ProviderSpec::Heuristic,
            Some(Ok(spec)) => spec,
            Some(Err(e)) => {
                warnings.push(format!("{e}; using the heuristic extractor"));
                ProviderSpec::Heuristic
            }
        };
        let memory = match parsed.memory {
            None => memcore::Config::default(),
            Some(value) => match serde_json::from_value::<memcore::Config>(value) {
                Ok(config) => config,
                Err(e) => {
                    warnings.push(format!(
                        "config.json: \"memory\" is not a valid memcore configuration ({e}); \
                         using the defaults"
                    ));
                    memcore::Config::default()
                }
            },
        };
        let embedder = match env("MEMCORE_EMBEDDER").or(parsed.embedder).as_deref() {
            None | Some("default") => EmbedderChoice::Default,
            Some("transformer") => EmbedderChoice::Transformer,
            Some(other) => {
                warnings.push(format!(
                    "embedder {other:?} is not `default` or `transformer`; using the default"
                ));
                EmbedderChoice::Default
            }
        };
        let model_dir = env("MEMCORE_MODEL_DIR")
            .map(PathBuf::from)
            .or(parsed.model_dir);
        Settings {
            provider,
            anthropic_base_url: env("MEMCORE_ANTHROPIC_BASE_URL")
                .or(parsed.anthropic_base_url)
                .unwrap_or_else(|| ANTHROPIC_BASE_URL.to_owned()),
            openai_base_url: env("MEMCORE_OPENAI_BASE_URL")
                .or(parsed.openai_base_url)
                .unwrap_or_else(|| OPENAI_BASE_URL.to_owned()),
            anthropic_api_key: env("ANTHROPIC_API_KEY"),
            openai_api_key: env("MEMCORE_OPENAI_API_KEY").or_else(|| env("OPENAI_API_KEY")),
            daily_token_cap,
            http,
            memory,
            embedder,
            model_dir,
            hub: env("MEMCORE_HUB").or(parsed.hub),
            sync_folder: env("MEMCORE_SYNC_FOLDER")
                .map(PathBuf::from)
                .or(parsed.sync_folder),
            author: env("MEMCORE_AUTHOR")
                .or(parsed.author)
                .or_else(|| env("USER")),
            warnings,
        }
    }
}

/// Reads the known keys of a config file one by one, so that one bad value does not discard
/// the others.
fn file_config(value: serde_json::Value, warnings: &mut Vec<String>) -> FileConfig {
    let serde_json::Value::Object(map) = value else {
        warnings.push("config.json must hold a JSON object; ignored".to_owned());
        return FileConfig::default();
    };
    let mut config = FileConfig::default();
    for (key, value) in map {
        fn take<T: serde::de::DeserializeOwned>(
            key: &str,
            value: serde_json::Value,
            warnings: &mut Vec<String>,
        ) -> Option<T> {
            match serde_json::from_value(value) {
                Ok(v) => Some(v),
                Err(e) => {
                    warnings.push(format!("config.json: \"{key}\" ignored: {e}"));
                    None
                }
            }
        }
        match key.as_str() {
            "provider" => config.provider = take(&key, value, warnings),
            "anthropic_base_url" => config.anthropic_base_url = take(&key, value, warnings),
            "openai_base_url" => config.openai_base_url = take(&key, value, warnings),
            "daily_token_cap" => config.daily_token_cap = take(&key, value, warnings),
            "request_timeout_secs" => config.request_timeout_secs = take(&key, value, warnings),
            "max_retries" => config.max_retries = take(&key, value, warnings),
            "retry_base_ms" => config.retry_base_ms = take(&key, value, warnings),
            "max_retry_wait_secs" => config.max_retry_wait_secs = take(&key, value, warnings),
            "memory" => config.memory = Some(value),
            "embedder" => config.embedder = take(&key, value, warnings),
            "model_dir" => config.model_dir = take(&key, value, warnings),
            "hub" => config.hub = take(&key, value, warnings),
            "sync_folder" => config.sync_folder = take(&key, value, warnings),
            "author" => config.author = take(&key, value, warnings),
            _ => {}
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(file: Option<&str>, env: &[(&str, &str)]) -> Settings {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_sources(file, |k| env.get(k).cloned())
    }

    #[test]
    fn nothing_configured_means_heuristic_and_defaults() {
        let s = settings(None, &[]);
        assert_eq!(s.provider, ProviderSpec::Heuristic);
        assert_eq!(s.daily_token_cap, None);
        assert_eq!(s.openai_base_url, OPENAI_BASE_URL);
        assert_eq!(s.http, HttpSettings::default());
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn environment_overrides_the_file() {
        let s = settings(
            Some(
                r#"{"provider": "anthropic:claude-haiku-4-5", "daily_token_cap": 100,
                     "openai_base_url": "http://file"}"#,
            ),
            &[
                ("MEMCORE_PROVIDER", "openai:llama3.2"),
                ("MEMCORE_OPENAI_BASE_URL", "http://localhost:11434/v1"),
                ("MEMCORE_DAILY_TOKEN_CAP", "5000"),
            ],
        );
        assert_eq!(
            s.provider,
            ProviderSpec::OpenAi {
                model: "llama3.2".into()
            }
        );
        assert_eq!(s.openai_base_url, "http://localhost:11434/v1");
        assert_eq!(s.daily_token_cap, Some(5000));
    }

    #[test]
    fn bad_values_are_reported_and_replaced_by_defaults() {
        let s = settings(
            Some(
                r#"{"provider": 7, "max_retries": "many", "daily_token_cap": 10,
                     "memory": {"busy_timeout_ms": "soon"}, "unknown": true}"#,
            ),
            &[("MEMCORE_RETRY_BASE_MS", "fast")],
        );
        assert_eq!(s.provider, ProviderSpec::Heuristic);
        assert_eq!(s.daily_token_cap, Some(10), "good keys survive bad ones");
        assert_eq!(s.http.max_retries, 4);
        assert_eq!(s.memory, memcore::Config::default());
        assert_eq!(s.warnings.len(), 4, "{:?}", s.warnings);
    }

    #[test]
    fn a_file_that_is_not_json_is_ignored_whole() {
        let s = settings(Some("provider = anthropic"), &[]);
        assert_eq!(s.provider, ProviderSpec::Heuristic);
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn memory_section_sets_store_settings() {
        let s = settings(
            Some(r#"{"memory": {"recall": {"prompt_budget": 300}}}"#),
            &[],
        );
        assert_eq!(s.memory.recall.prompt_budget, 300);
        assert_eq!(
            s.memory.busy_timeout_ms,
            memcore::Config::default().busy_timeout_ms
        );
    }

    #[test]
    fn unknown_provider_falls_back_with_a_warning() {
        let s = settings(None, &[("MEMCORE_PROVIDER", "gemini:pro")]);
        assert_eq!(s.provider, ProviderSpec::Heuristic);
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn the_embedder_comes_from_the_file_or_the_environment() {
        let s = settings(None, &[]);
        assert_eq!((s.embedder, s.model_dir), (EmbedderChoice::Default, None));
        let file = r#"{"embedder": "transformer", "model_dir": "/models/minilm"}"#;
        let s = settings(Some(file), &[]);
        assert_eq!(s.embedder, EmbedderChoice::Transformer);
        assert_eq!(s.model_dir, Some(PathBuf::from("/models/minilm")));
        let s = settings(
            Some(file),
            &[("MEMCORE_EMBEDDER", "default"), ("MEMCORE_MODEL_DIR", "/m")],
        );
        assert_eq!(s.embedder, EmbedderChoice::Default);
        assert_eq!(s.model_dir, Some(PathBuf::from("/m")));
        let s = settings(None, &[("MEMCORE_EMBEDDER", "bert")]);
        assert_eq!(s.embedder, EmbedderChoice::Default);
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    }
}
