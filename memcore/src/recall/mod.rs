//! Recall: search (full text, vectors, fused), ranking, timeline and context rendering.

pub mod embed;

use serde::{Deserialize, Serialize};

/// Recall and ranking settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecallConfig {}
