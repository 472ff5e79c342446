//! The host's LLM as the extraction driver sees it: [`LlmClient`], what it answers
//! ([`LlmResponse`], [`Usage`]) and how it fails ([`LlmError`]).
//!
//! memcore never talks to a model itself. A host (the `memcore` command's HTTP providers, a
//! C or Node callback, a Python or Swift object) implements [`LlmClient`]; the driver sends it
//! one [`ExtractionRequest`] at a time. A failed call costs the request's events one attempt
//! (they stay pending, and are marked failed at `extraction.max_attempts`); the error's
//! message is what the ledger and the run report record as the reason.

use super::request::ExtractionRequest;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the host's model reports about one call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// The model's name, as the host knows it (`claude-haiku-4-5`, `gpt-4o-mini`...).
    pub model: String,
    /// Input tokens billed; memcore's estimate of the request when absent.
    pub prompt_tokens: Option<u64>,
    /// Output tokens billed; memcore's estimate of the answer when absent.
    pub completion_tokens: Option<u64>,
}

/// A model's answer to an [`ExtractionRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LlmResponse {
    /// The answer's text, as the model wrote it.
    pub text: String,
    /// What the call cost.
    pub usage: Usage,
}

/// The host's LLM, for hosts that let memcore drive the extraction loop.
pub trait LlmClient {
    /// Sends the request's system and user prompts to the model and returns its answer, or
    /// why there is none (recorded as a failed attempt of the request's events).
    fn complete(&self, request: &ExtractionRequest) -> Result<LlmResponse, LlmError>;
}

/// What kind of failure an [`LlmClient`] met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LlmErrorKind {
    /// The model could not be reached: connection, timeout, a broken transfer.
    Transport,
    /// The model's server answered with an HTTP error status (not 429).
    Status(u16),
    /// The provider refused the call for its rate limit or quota (HTTP 429, or a local
    /// spending cap such as the command's daily token cap).
    RateLimited,
    /// An answer came back but it is not usable: not the provider's format, no text, text of
    /// the wrong type.
    UnusableAnswer,
    /// The host's own callback (C, Node, Python, Swift) reported a failure.
    HostCallback,
}

impl LlmErrorKind {
    /// Whether the same call may succeed later without any change: transport failures, rate
    /// limits and server errors (5xx). Informative for hosts; the driver treats every failure
    /// alike (one more attempt, as the ledger records).
    pub fn is_transient(self) -> bool {
        match self {
            LlmErrorKind::Transport | LlmErrorKind::RateLimited => true,
            LlmErrorKind::Status(code) => code >= 500,
            LlmErrorKind::UnusableAnswer | LlmErrorKind::HostCallback => false,
        }
    }
}

impl fmt::Display for LlmErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LlmErrorKind::Transport => f.write_str("transport failure"),
            LlmErrorKind::Status(code) => write!(f, "HTTP status {code}"),
            LlmErrorKind::RateLimited => f.write_str("rate limited"),
            LlmErrorKind::UnusableAnswer => f.write_str("unusable answer"),
            LlmErrorKind::HostCallback => f.write_str("host callback failure"),
        }
    }
}

/// Why an [`LlmClient`] returned no answer: the kind of failure and a message that says what
/// failed (which endpoint, which status, what the answer held). Its `Display` is the message
/// alone, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmError {
    /// What kind of failure.
    pub kind: LlmErrorKind,
    /// What failed, for people: recorded as the failed attempt's reason.
    pub message: String,
}

impl LlmError {
    /// An error of `kind` with `message`.
    pub fn new(kind: LlmErrorKind, message: impl Into<String>) -> LlmError {
        LlmError {
            kind,
            message: message.into(),
        }
    }

    /// A failure to reach the model.
    pub fn transport(message: impl Into<String>) -> LlmError {
        LlmError::new(LlmErrorKind::Transport, message)
    }

    /// An answer that is not usable.
    pub fn unusable_answer(message: impl Into<String>) -> LlmError {
        LlmError::new(LlmErrorKind::UnusableAnswer, message)
    }

    /// A failure reported by the host's callback.
    pub fn host_callback(message: impl Into<String>) -> LlmError {
        LlmError::new(LlmErrorKind::HostCallback, message)
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LlmError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_displays_its_message_alone() {
        let err = LlmError::new(LlmErrorKind::Status(503), "HTTP 503 from x: overloaded");
        assert_eq!(err.to_string(), "HTTP 503 from x: overloaded");
        assert_eq!(err.kind.to_string(), "HTTP status 503");
    }

    #[test]
    fn only_failures_that_may_pass_are_transient() {
        assert!(LlmErrorKind::Transport.is_transient());
        assert!(LlmErrorKind::RateLimited.is_transient());
        assert!(LlmErrorKind::Status(502).is_transient());
        assert!(!LlmErrorKind::Status(401).is_transient());
        assert!(!LlmErrorKind::UnusableAnswer.is_transient());
        assert!(!LlmErrorKind::HostCallback.is_transient());
    }
}
