//! The host's LLM and embedding model, whatever the front door: one adapter each
//! ([`HostLlm`], [`HostEmbedder`]) makes them memcore's `LlmClient` and `Embedder`, with the
//! validation of what the host returns and the mapping of its failures in one place.
//!
//! A front door supplies only the call itself: the C ABI through its function-pointer structs
//! (`MemcoreLlm`, `MemcoreEmbedder` in `callbacks.rs`), uniffi through its foreign traits
//! (`uniffi_api::LlmClient`, `uniffi_api::Embedder`). Each implements [`LlmCall`] or
//! [`EmbedCall`] and reports a failure as a message; the adapter turns it into
//! [`memcore::extract::LlmError`] (kind `HostCallback`) or [`memcore::Error::HostCallback`],
//! which both front doors map to their callback failure (C: `MEMCORE_ERR_CALLBACK`, uniffi:
//! `MemcoreError.Callback`).

use crate::records::{ExtractionRequest, LlmResponse};
use memcore::extract::{LlmClient, LlmError};
use memcore::recall::embed::Embedder;

/// One call to the host's LLM, as a front door makes it.
pub(crate) trait LlmCall: Send {
    /// Sends the request; `Err` carries what the host reported or what was wrong with its
    /// answer, naming the host's LLM (it becomes the failure reason the ledger records).
    fn call(&self, request: ExtractionRequest) -> Result<LlmResponse, String>;
}

/// The host's LLM as memcore's [`LlmClient`].
pub(crate) struct HostLlm(Box<dyn LlmCall>);

impl HostLlm {
    pub(crate) fn new(call: impl LlmCall + 'static) -> HostLlm {
        HostLlm(Box::new(call))
    }
}

impl LlmClient for HostLlm {
    fn complete(
        &self,
        request: &memcore::extract::ExtractionRequest,
    ) -> Result<memcore::extract::LlmResponse, LlmError> {
        self.0
            .call(request.clone().into())
            .map(Into::into)
            .map_err(LlmError::host_callback)
    }
}

/// One call to the host's embedding model, as a front door makes it.
pub(crate) trait EmbedCall: Send {
    /// One vector per text; `Err` carries what the host reported.
    fn embed(&self, texts: &[&str], dimension: usize) -> Result<Vec<Vec<f32>>, String>;
}

/// The host's embedding model as memcore's [`Embedder`], its id and dimension checked once
/// and every vector it returns checked on each call.
pub(crate) struct HostEmbedder {
    id: String,
    dimension: usize,
    call: Box<dyn EmbedCall>,
}

/// Why a host embedder was refused when it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidEmbedder(pub(crate) String);

impl HostEmbedder {
    /// The adapter, or why the id or dimension is unusable (empty id, dimension 0). `what`
    /// names the arguments as the front door calls them (`embedder->id`, `embedder id`).
    pub(crate) fn new(
        id: &str,
        dimension: usize,
        what: &str,
        call: impl EmbedCall + 'static,
    ) -> Result<HostEmbedder, InvalidEmbedder> {
        if id.trim().is_empty() {
            return Err(InvalidEmbedder(format!("{what}id must not be empty")));
        }
        if dimension == 0 {
            return Err(InvalidEmbedder(format!(
                "{what}dimension must be at least 1"
            )));
        }
        Ok(HostEmbedder {
            id: id.to_owned(),
            dimension,
            call: Box::new(call),
        })
    }

    fn failure(&self, reason: String) -> memcore::Error {
        memcore::Error::HostCallback {
            what: "embedder",
            reason: format!("{}: {reason}", self.id),
        }
    }
}

impl Embedder for HostEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: &[&str]) -> memcore::Result<Vec<Vec<f32>>> {
        let vectors = self
            .call
            .embed(texts, self.dimension)
            .map_err(|reason| self.failure(reason))?;
        if vectors.len() != texts.len() {
            return Err(self.failure(format!(
                "returned {} vectors for {} texts; it must return one per text",
                vectors.len(),
                texts.len()
            )));
        }
        for (i, vector) in vectors.iter().enumerate() {
            if vector.len() != self.dimension {
                return Err(self.failure(format!(
                    "returned a vector of length {} for text {i}; its dimension is {}",
                    vector.len(),
                    self.dimension
                )));
            }
            if vector.iter().any(|x| !x.is_finite()) {
                return Err(self.failure(format!(
                    "wrote a non-finite value (NaN or infinity) into the vector of text {i}"
                )));
            }
        }
        Ok(vectors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Vec<Vec<f32>>, String>);

    impl EmbedCall for Fixed {
        fn embed(&self, _texts: &[&str], _dimension: usize) -> Result<Vec<Vec<f32>>, String> {
            self.0.clone()
        }
    }

    fn embedder(answer: Result<Vec<Vec<f32>>, String>) -> HostEmbedder {
        HostEmbedder::new("test/d2", 2, "embedder ", Fixed(answer)).unwrap()
    }

    fn reason(result: memcore::Result<Vec<Vec<f32>>>) -> String {
        match result {
            Err(memcore::Error::HostCallback { what, reason }) => {
                assert_eq!(what, "embedder");
                reason
            }
            other => panic!("a host callback error, got {other:?}"),
        }
    }

    #[test]
    fn what_the_host_embedder_returns_is_checked() {
        assert_eq!(
            embedder(Ok(vec![vec![1.0, 0.0]])).embed(&["a"]).unwrap(),
            vec![vec![1.0, 0.0]]
        );
        let r = reason(embedder(Ok(vec![])).embed(&["a"]));
        assert!(r.contains("0 vectors for 1 texts"), "{r}");
        let r = reason(embedder(Ok(vec![vec![1.0]])).embed(&["a"]));
        assert!(r.contains("length 1"), "{r}");
        let r = reason(embedder(Ok(vec![vec![f32::NAN, 0.0]])).embed(&["a"]));
        assert!(r.contains("non-finite"), "{r}");
        let r = reason(embedder(Err("model down".into())).embed(&["a"]));
        assert_eq!(r, "test/d2: model down");
    }

    #[test]
    fn an_unusable_id_or_dimension_is_refused() {
        let ok = Fixed(Ok(vec![]));
        let err = HostEmbedder::new(" ", 2, "embedder->", ok).err().unwrap();
        assert_eq!(err.0, "embedder->id must not be empty");
        let err = HostEmbedder::new("x", 0, "embedder ", Fixed(Ok(vec![])))
            .err()
            .unwrap();
        assert_eq!(err.0, "embedder dimension must be at least 1");
    }

    struct Answer(Result<LlmResponse, String>);

    impl LlmCall for Answer {
        fn call(&self, _request: ExtractionRequest) -> Result<LlmResponse, String> {
            self.0.clone()
        }
    }

    #[test]
    fn a_failed_llm_call_is_a_host_callback_error() {
        let request = crate::records::ExtractionRequest::from(
            crate::records::extraction_tests::core_request(),
        );
        let llm = HostLlm::new(Answer(Err("quota".into())));
        let err = llm.complete(&request.into()).unwrap_err();
        assert_eq!(err.kind, memcore::extract::LlmErrorKind::HostCallback);
        assert_eq!(err.message, "quota");
    }
}
