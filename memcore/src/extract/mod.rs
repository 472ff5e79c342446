//! Extraction: turning pending events into observations, with the host's LLM through
//! prompt templates ("modes") and a tolerant parser, or with the heuristic extractor.

mod driver;
pub mod heuristic;
mod llm;
pub mod mode;
pub mod parse;
pub mod request;

pub(crate) use driver::Extraction;
pub use driver::{CompletionReport, ExtractionRun, Extractor, FailureReport, HEURISTIC_MODEL};
pub use llm::{LlmClient, LlmError, LlmErrorKind, LlmResponse, Usage};
pub use mode::Mode;
pub use parse::ParseIssue;
pub use request::{ExtractionRequest, OutputFormat, RequestPurpose};

use serde::{Deserialize, Serialize};

/// Extraction settings: the token budgets of extraction requests and the retry policy.
///
/// Every count is in tokens by the crate's one estimator ([`crate::tokens::estimate`]).
/// Missing fields take their defaults when deserialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractionConfig {
    /// The most one observation request may cost as input: its system prompt plus its user
    /// prompt. Pending events are batched in order until the next one would not fit.
    /// Default 6000.
    pub batch_input_tokens: u32,
    /// The most one event's rendering may cost in a request; longer tool input and output is
    /// cut (head and tail kept, with a marker saying how much was cut). Default 1500.
    pub max_event_tokens: u32,
    /// The most the LLM should write in reply to one request (passed on as
    /// [`ExtractionRequest::max_output_tokens`](request::ExtractionRequest::max_output_tokens)).
    /// Default 1500.
    pub max_output_tokens: u32,
    /// The most a summary request may cost as input (system plus user prompt). Default 6000.
    pub summary_input_tokens: u32,
    /// How many failed extraction attempts an event may have before it is marked failed
    /// (kept, never deleted, no longer offered). Default 5.
    pub max_attempts: u32,
    /// How long, in seconds, a batch handed to an LLM stays reserved for that caller; after
    /// that, another process may take the events again (a crashed extraction leaves them
    /// pending). Default 300.
    pub lease_seconds: u64,
}

impl Default for ExtractionConfig {
    fn default() -> Self {
        ExtractionConfig {
            batch_input_tokens: 6000,
            max_event_tokens: 1500,
            max_output_tokens: 1500,
            summary_input_tokens: 6000,
            max_attempts: 5,
            lease_seconds: 300,
        }
    }
}
