//! LLM providers: the command's implementations of [`memcore::extract::LlmClient`].
//!
//! The core never talks to a network; these do, and only in the `memcore` command:
//!
//! - `heuristic`: memcore's rule-based extractor. No LLM, no key, no cost. The default.
//! - `anthropic:<model>`: Anthropic's Messages API (`POST {base}/v1/messages`), key from
//!   `ANTHROPIC_API_KEY`. The system prompt, identical for every request of a mode, is marked
//!   for prompt caching.
//! - `openai:<model>`: any OpenAI-compatible chat completions endpoint
//!   (`POST {base}/chat/completions`): OpenAI, Ollama, vLLM, OpenRouter, LM Studio... The key
//!   is optional (a local server needs none).
//!
//! Every call retries on 429, 5xx and connection errors with exponential backoff, honouring
//! `retry-after` (see [`http`]); a daily token cap stops spending once reached (see
//! [`TokenCap`]).

mod anthropic;
pub mod http;
mod openai;

use crate::config::Settings;
use crate::error::{CliError, CliResult};
use crate::log::Log;
use memcore::extract::{ExtractionRequest, LlmClient, LlmError, LlmErrorKind, LlmResponse};
use std::cell::Cell;
use std::fmt;

/// Default model of `anthropic` when none is named.
pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-haiku-4-5";
/// Default model of `openai` when none is named.
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-mini";

/// Which extractor to use, as written in `MEMCORE_PROVIDER` or `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderSpec {
    /// The rule-based extractor.
    Heuristic,
    /// Anthropic's Messages API with this model.
    Anthropic {
        /// Model id (`claude-haiku-4-5`...).
        model: String,
    },
    /// An OpenAI-compatible chat completions API with this model.
    OpenAi {
        /// Model id (`gpt-4o-mini`, `llama3.2`, `qwen2.5:7b`...).
        model: String,
    },
}

impl ProviderSpec {
    /// Parses `heuristic`, `anthropic[:model]` or `openai[:model]`.
    pub fn parse(text: &str) -> Result<ProviderSpec, String> {
        let text = text.trim();
        let (name, model) = match text.split_once(':') {
            Some((name, model)) => (name.trim(), Some(model.trim()).filter(|m| !m.is_empty())),
            None => (text, None),
        };
        match name.to_ascii_lowercase().as_str() {
            "heuristic" | "none" | "" if model.is_none() => Ok(ProviderSpec::Heuristic),
            "anthropic" | "claude" => Ok(ProviderSpec::Anthropic {
                model: model.unwrap_or(DEFAULT_ANTHROPIC_MODEL).to_owned(),
            }),
            "openai" => Ok(ProviderSpec::OpenAi {
                model: model.unwrap_or(DEFAULT_OPENAI_MODEL).to_owned(),
            }),
            _ => Err(format!(
                "unknown provider {text:?}: use heuristic, anthropic:<model> or openai:<model>"
            )),
        }
    }
}

impl fmt::Display for ProviderSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderSpec::Heuristic => f.write_str("heuristic"),
            ProviderSpec::Anthropic { model } => write!(f, "anthropic:{model}"),
            ProviderSpec::OpenAi { model } => write!(f, "openai:{model}"),
        }
    }
}

/// The wire format of an HTTP provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Anthropic,
    OpenAi,
}

/// An LLM reached over HTTP.
pub struct HttpLlm {
    api: Api,
    model: String,
    url: String,
    key: Option<String>,
    /// OpenAI's own API wants `max_completion_tokens`; compatible servers know `max_tokens`.
    openai_native: bool,
    client: http::Client,
}

impl HttpLlm {
    /// The client `settings` name, or `None` for the heuristic extractor. Fails when the
    /// provider needs a key that is not set.
    pub fn from_settings(
        spec: &ProviderSpec,
        settings: &Settings,
        log: &Log,
    ) -> CliResult<Option<HttpLlm>> {
        let client = || http::Client::new(settings.http.clone(), log.clone());
        match spec {
            ProviderSpec::Heuristic => Ok(None),
            ProviderSpec::Anthropic { model } => {
                let key = settings.anthropic_api_key.clone().ok_or_else(|| {
                    CliError::Provider(format!(
                        "{spec} needs ANTHROPIC_API_KEY in the environment (or set \
                         MEMCORE_PROVIDER=heuristic)"
                    ))
                })?;
                Ok(Some(HttpLlm {
                    api: Api::Anthropic,
                    model: model.clone(),
                    url: join_url(&settings.anthropic_base_url, "v1/messages"),
                    key: Some(key),
                    openai_native: false,
                    client: client(),
                }))
            }
            ProviderSpec::OpenAi { model } => Ok(Some(HttpLlm {
                api: Api::OpenAi,
                model: model.clone(),
                url: join_url(&settings.openai_base_url, "chat/completions"),
                key: settings.openai_api_key.clone(),
                openai_native: settings.openai_base_url.contains("api.openai.com"),
                client: client(),
            })),
        }
    }
}

impl LlmClient for HttpLlm {
    fn complete(&self, request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
        let (body, headers) = match self.api {
            Api::Anthropic => (
                anthropic::request_body(&self.model, request),
                anthropic::headers(self.key.as_deref().unwrap_or_default()),
            ),
            Api::OpenAi => (
                openai::request_body(&self.model, request, self.openai_native),
                openai::headers(self.key.as_deref()),
            ),
        };
        let text = self.client.post_json(&self.url, &headers, &body)?;
        match self.api {
            Api::Anthropic => anthropic::parse_response(&text, &self.model),
            Api::OpenAi => openai::parse_response(&text, &self.model),
        }
        .map_err(|reason| {
            LlmError::unusable_answer(format!("malformed response from {}: {reason}", self.url))
        })
    }
}

/// `base` and `path` joined by exactly one slash.
fn join_url(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// A daily token cap over a client: a request that could take the day's spending over the cap
/// is not sent (the client answers with an error instead, which a summary turns into the
/// heuristic fallback).
pub struct TokenCap<'a> {
    inner: &'a dyn LlmClient,
    cap: Option<u64>,
    spent: Cell<u64>,
}

impl<'a> TokenCap<'a> {
    /// `inner`, stopped at `cap` tokens for the day, `spent` of which are already used.
    pub fn new(inner: &'a dyn LlmClient, cap: Option<u64>, spent: u64) -> TokenCap<'a> {
        TokenCap {
            inner,
            cap,
            spent: Cell::new(spent),
        }
    }

    /// Tokens spent today so far (before this process and by it).
    pub fn spent(&self) -> u64 {
        self.spent.get()
    }

    /// Whether a request of up to `tokens` (input plus output) still fits under the cap.
    pub fn allows(&self, tokens: u64) -> bool {
        self.cap
            .is_none_or(|cap| self.spent.get().saturating_add(tokens) <= cap)
    }
}

impl LlmClient for TokenCap<'_> {
    fn complete(&self, request: &ExtractionRequest) -> Result<LlmResponse, LlmError> {
        let most = u64::from(request.input_tokens) + u64::from(request.max_output_tokens);
        if !self.allows(most) {
            return Err(LlmError::new(
                LlmErrorKind::RateLimited,
                format!(
                    "daily token cap reached ({} of {} tokens spent today)",
                    self.spent.get(),
                    self.cap.unwrap_or_default()
                ),
            ));
        }
        let response = self.inner.complete(request)?;
        let used = response
            .usage
            .prompt_tokens
            .unwrap_or(u64::from(request.input_tokens))
            + response
                .usage
                .completion_tokens
                .unwrap_or_else(|| u64::from(memcore::tokens::estimate(&response.text)));
        self.spent.set(self.spent.get().saturating_add(used));
        Ok(response)
    }
}

/// LLM tokens the ledger records since the start of today (UTC), the heuristic extractor's
/// rows excluded. Totalled by the rows' time, not their order: an import may add older rows
/// after today's.
pub fn spent_today(memory: &memcore::Memory) -> CliResult<u64> {
    Ok(memory
        .ledger_by_day(None, 1)?
        .iter()
        .filter(|day| day.model != memcore::extract::HEURISTIC_MODEL)
        .fold(0u64, |total, day| {
            total
                .saturating_add(day.prompt_tokens)
                .saturating_add(day.completion_tokens)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_specs_parse() {
        assert_eq!(
            ProviderSpec::parse("heuristic").unwrap(),
            ProviderSpec::Heuristic
        );
        assert_eq!(
            ProviderSpec::parse("anthropic:claude-sonnet-4-5").unwrap(),
            ProviderSpec::Anthropic {
                model: "claude-sonnet-4-5".into()
            }
        );
        assert_eq!(
            ProviderSpec::parse("openai:qwen2.5:7b").unwrap(),
            ProviderSpec::OpenAi {
                model: "qwen2.5:7b".into()
            },
            "only the first colon separates the provider"
        );
        assert_eq!(
            ProviderSpec::parse("anthropic").unwrap().to_string(),
            format!("anthropic:{DEFAULT_ANTHROPIC_MODEL}")
        );
        assert!(ProviderSpec::parse("gemini:pro").is_err());
        assert!(ProviderSpec::parse("heuristic:x").is_err());
    }

    #[test]
    fn urls_join_with_one_slash() {
        assert_eq!(
            join_url("http://h:1/v1/", "chat/completions"),
            "http://h:1/v1/chat/completions"
        );
        assert_eq!(
            join_url("https://api.anthropic.com", "v1/messages"),
            "https://api.anthropic.com/v1/messages"
        );
    }
}
