//! The host's embedding model as the foreign trait [`Embedder`], and the methods that set
//! it, restore the built-in one or turn vectors off.

use super::error::MemcoreError;
use super::memory::Memory;
use crate::host::{EmbedCall, HostEmbedder};
use std::sync::Arc;

/// The host's embedding model: implement it (a Python class with `id`, `dimension` and
/// `embed`) to give search real semantic vectors.
///
/// memcore calls `embed` when it stores an observation and when it searches, with the store's
/// lock held, on the thread of that call. Vectors need not be normalised. An exception fails
/// the call that needed the vector (`MemcoreError.Callback`).
#[uniffi::export(foreign)]
pub trait Embedder: Send + Sync {
    /// Names the vector space: model, version and dimension (`"minilm-l6-v2/d384"`).
    /// Vectors are compared only with vectors of the same id; change it whenever the same
    /// text would get a different vector. Read once, by `set_embedder`.
    fn id(&self) -> Result<String, MemcoreError>;
    /// The length of every vector (at least 1). Read once, by `set_embedder`.
    fn dimension(&self) -> Result<u32, MemcoreError>;
    /// One vector per text, in order, each of `dimension()` finite floats.
    fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, MemcoreError>;
}

/// A foreign [`Embedder`] as the call the shared adapter ([`HostEmbedder`]) makes; the
/// adapter checks what it returns.
struct ForeignEmbedder(Arc<dyn Embedder>);

impl EmbedCall for ForeignEmbedder {
    fn embed(&self, texts: &[&str], _dimension: usize) -> Result<Vec<Vec<f32>>, String> {
        let texts = texts.iter().map(|t| (*t).to_owned()).collect();
        self.0.embed(texts).map_err(|err| match err {
            MemcoreError::Callback { message } => message,
            other => format!("{other:?}"),
        })
    }
}

#[uniffi::export]
impl Memory {
    /// Embeds observations stored from now on, and search queries, with the host's model.
    /// Observations stored before keep their vectors (searched only with the same id).
    /// Raises `MemcoreError.InvalidArgument` for an empty id or a dimension of 0, and
    /// `MemcoreError.Callback` when `id()` or `dimension()` raises.
    pub fn set_embedder(&self, embedder: Arc<dyn Embedder>) -> Result<(), MemcoreError> {
        let id = embedder.id()?;
        let dimension = embedder.dimension()?;
        let embedder = HostEmbedder::new(
            &id,
            usize::try_from(dimension).unwrap_or(usize::MAX),
            "embedder ",
            ForeignEmbedder(embedder),
        )
        .map_err(|e| MemcoreError::invalid(e.0))?;
        self.with(|m| {
            m.set_embedder(Some(Box::new(embedder)));
            Ok(())
        })
    }

    /// Goes back to the built-in offline embedder (a static embedding model; the default).
    pub fn use_builtin_embedder(&self) -> Result<(), MemcoreError> {
        self.with(|m| {
            m.set_embedder(Some(memcore::recall::embed::default_embedder()));
            Ok(())
        })
    }

    /// Turns vectors off: observations are stored without one and search is full text only.
    pub fn disable_embedder(&self) -> Result<(), MemcoreError> {
        self.with(|m| {
            m.set_embedder(None);
            Ok(())
        })
    }

    /// The id of the embedder in use, or `None` when vectors are off.
    pub fn embedder_id(&self) -> Result<Option<String>, MemcoreError> {
        self.with(|m| Ok(m.embedder().map(|e| e.id().to_owned())))
    }
}
