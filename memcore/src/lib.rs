//! # memcore
//!
//! Persistent memory for AI agents, as an embeddable library. (Crate docs being written.)

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capture;
mod error;
pub mod extract;
pub mod model;
pub mod recall;
pub mod tokens;

pub use error::{Error, Result};
pub use model::*;
