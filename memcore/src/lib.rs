//! # memcore
//!
//! Persistent memory for AI agents, as an embeddable library. (Crate docs being written.)

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capture;
mod error;
pub mod extract;
mod memory;
pub mod model;
pub mod recall;
mod store;
mod text;
pub mod tokens;

pub use capture::project::resolve as resolve_project;
pub use error::{Error, Result};
pub use memory::{Config, DB_ENV_VAR, Memory};
pub use model::*;
pub use store::SCHEMA_VERSION;
