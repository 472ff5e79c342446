//! Extraction: turning pending events into observations, with the host's LLM through
//! prompt templates ("modes") and a tolerant parser, or with the heuristic extractor.

pub mod heuristic;
pub mod mode;
pub mod parse;
pub mod request;

use serde::{Deserialize, Serialize};

/// Extraction settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractionConfig {}
