//! Host callbacks: the host's embedding model ([`MemcoreEmbedder`]) and LLM ([`MemcoreLlm`]),
//! each a struct of function pointers with a `user_data` pointer and its destructor. This
//! module only makes the C call (strings and JSON across the boundary); the adapters in
//! `host.rs`, shared with uniffi, check what comes back and map failures.

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::host::{EmbedCall, HostEmbedder, HostLlm, LlmCall};
use crate::records::{ExtractionRequest, LlmResponse, Usage};
use crate::strings::{parse_document, str_arg, to_document};
use memcore::recall::embed::default_embedder;
use serde::Deserialize;
use std::ffi::{CStr, CString, c_char, c_void};

/// The host's embedding model, for `memcore_set_embedder()`.
///
/// The library calls `embed` on the thread of the libmemcore call that needs a vector (adding
/// an observation, searching), with the store's lock held: never from two threads at once for
/// one store, but from any thread that uses it. A callback must not call libmemcore on the
/// store that is calling it (that call fails with `MEMCORE_ERR_INVALID_ARGUMENT`).
#[repr(C)]
pub struct MemcoreEmbedder {
    /// Passed as the first argument of every callback; may be NULL. The library owns it from
    /// `memcore_set_embedder()` on (see there).
    pub user_data: *mut c_void,
    /// Names the vector space: model, version and dimension (`"minilm-l6-v2/d384"`). Vectors
    /// are compared only with vectors of the same id; change it whenever the same text would
    /// get a different vector. Copied by `memcore_set_embedder()`; must not be NULL or empty.
    pub id: *const c_char,
    /// The length of every vector; at least 1.
    pub dimension: usize,
    /// Writes the vector of `text` (NUL-terminated UTF-8) into `out_vector`, an array of
    /// `dimension` floats owned by the library. Returns 0 on success, any other value on
    /// failure (the call that needed the vector then fails with `MEMCORE_ERR_CALLBACK`, as it
    /// does when a value is NaN or infinite). The vector need not be normalised. Must not be
    /// NULL.
    pub embed: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            text: *const c_char,
            out_vector: *mut f32,
            dimension: usize,
        ) -> i32,
    >,
    /// Called once with `user_data` when the library no longer needs it; may be NULL.
    pub free_user_data: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

/// The host's LLM, for `memcore_set_llm()`.
///
/// The library calls `complete` on the thread of the libmemcore call that drives extraction
/// (`memcore_extract_pending()`, `memcore_summarize()`), with the store's lock held. A
/// callback must not call libmemcore on the store that is calling it.
#[repr(C)]
pub struct MemcoreLlm {
    /// Passed as the first argument of every callback; may be NULL. The library owns it from
    /// `memcore_set_llm()` on (see there).
    pub user_data: *mut c_void,
    /// Sends an extraction request to the model. `request_json` is an extraction request
    /// document (`{"v":1, "system_prompt", "user_prompt", "max_output_tokens", ...}`),
    /// valid during the call.
    ///
    /// On success, returns 0 and sets `*out_answer_json` to an LLM answer document
    /// (`{"v":1, "text": "<what the model wrote>", "usage": {"model", "prompt_tokens",
    /// "completion_tokens"}}`) allocated with `memcore_string_new()`; the library frees it.
    /// On failure, returns any other value and may set `*out_answer_json` to a message
    /// (also from `memcore_string_new()`) that the library records as the reason; the
    /// events stay pending for another attempt (after `extraction.max_attempts` failures they
    /// are marked failed, kept and never deleted). `out_answer_json` is never NULL and points
    /// to NULL on entry. Must not be NULL.
    pub complete: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            request_json: *const c_char,
            out_answer_json: *mut *mut c_char,
        ) -> i32,
    >,
    /// Called once with `user_data` when the library no longer needs it; may be NULL.
    pub free_user_data: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

/// Owns a host's `user_data` and frees it, exactly once, when dropped.
struct UserData {
    ptr: *mut c_void,
    free: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(free) = self.free.take() {
            // SAFETY: the host gave this destructor for this pointer and the library calls it
            // once, when nothing uses the pointer any more.
            unsafe { free(self.ptr) };
        }
    }
}

/// The C call of a [`MemcoreEmbedder`], one text at a time.
struct CEmbed {
    user_data: UserData,
    embed: unsafe extern "C" fn(*mut c_void, *const c_char, *mut f32, usize) -> i32,
}

// SAFETY: the host declares, by registering the callbacks (see `memcore_set_embedder`), that
// `user_data` and the callbacks may be used from any thread; the store's lock ensures one call
// at a time.
unsafe impl Send for CEmbed {}

impl EmbedCall for CEmbed {
    fn embed(&self, texts: &[&str], dimension: usize) -> Result<Vec<Vec<f32>>, String> {
        let mut vectors = Vec::with_capacity(texts.len());
        for text in texts {
            let text = c_string_lossless(text);
            let mut vector = vec![0f32; dimension];
            // SAFETY: `text` is NUL-terminated and lives through the call; `vector` holds
            // `dimension` floats, as the callback's contract says.
            let code = unsafe {
                (self.embed)(
                    self.user_data.ptr,
                    text.as_ptr(),
                    vector.as_mut_ptr(),
                    dimension,
                )
            };
            if code != 0 {
                return Err(format!(
                    "embed returned {code} for a text of {} bytes",
                    text.as_bytes().len()
                ));
            }
            vectors.push(vector);
        }
        Ok(vectors)
    }
}

/// The C call of a [`MemcoreLlm`]: the request as a JSON document in, the answer document
/// out.
struct CLlm {
    user_data: UserData,
    complete: unsafe extern "C" fn(*mut c_void, *const c_char, *mut *mut c_char) -> i32,
}

// SAFETY: as for `CEmbed`: the host declares the callbacks usable from any thread (see
// `memcore_set_llm`), and the store's lock ensures one call at a time.
unsafe impl Send for CLlm {}

/// What a `MemcoreLlm.complete` callback returns.
#[derive(Deserialize)]
struct LlmAnswer {
    /// Checked to be a string after parsing, so that another type is reported as such.
    text: serde_json::Value,
    #[serde(default)]
    usage: Usage,
}

impl LlmCall for CLlm {
    fn call(&self, request: ExtractionRequest) -> Result<LlmResponse, String> {
        let request_json = to_document(&request).map_err(|e| e.message)?;
        let request_json = c_string_lossless(&request_json);
        let mut answer: *mut c_char = std::ptr::null_mut();
        // SAFETY: `request_json` is NUL-terminated and lives through the call; `answer` is a
        // valid out-pointer holding NULL, as the callback's contract says.
        let code =
            unsafe { (self.complete)(self.user_data.ptr, request_json.as_ptr(), &mut answer) };
        let answer = if answer.is_null() {
            None
        } else {
            // SAFETY: the callback's contract: a non-NULL answer comes from
            // `memcore_string_new` (`CString::into_raw`), and is now ours to free.
            Some(unsafe { CString::from_raw(answer) })
        };
        let text = answer.as_deref().map(CStr::to_string_lossy);
        if code != 0 {
            return Err(match text {
                Some(message) if !message.is_empty() => {
                    format!("the host LLM failed ({code}): {message}")
                }
                _ => format!("the host LLM failed ({code})"),
            });
        }
        let Some(text) = text else {
            return Err("the host LLM returned 0 but no answer".to_owned());
        };
        let answer: LlmAnswer =
            parse_document(&text, "the host LLM's answer").map_err(|e| e.message)?;
        match answer.text {
            serde_json::Value::String(text) => Ok(LlmResponse {
                text,
                usage: answer.usage,
            }),
            other => Err(format!(
                "the host LLM returned the wrong type: its answer's \"text\" is {}, not a \
                 string (the model's text)",
                json_type(&other)
            )),
        }
    }
}

/// The JSON type of `value`, with its article, for messages.
fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null (or missing)",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A C string of `text`, with any NUL byte (which a C string cannot carry) made a space.
fn c_string_lossless(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Replaces the store's embedder with the host's model. From now on observations are
/// embedded with it, and search compares queries only with vectors of its `id`.
///
/// Ownership: whenever `embedder` is not NULL, the library takes `embedder->user_data`, even
/// when the call fails: it calls `embedder->free_user_data` exactly once, right away on
/// failure, else when the embedder is replaced or the store closed. The struct itself is
/// copied (and `id` with it): the caller may free or reuse it after the call.
///
/// Returns `MEMCORE_OK`; `MEMCORE_ERR_NULL_POINTER` when `store`, `embedder`,
/// `embedder->id` or `embedder->embed` is NULL; `MEMCORE_ERR_INVALID_ARGUMENT` for an empty
/// id or a zero dimension; `MEMCORE_ERR_INVALID_UTF8` for an id that is not UTF-8.
///
/// # Safety
///
/// `store` is NULL or a live handle; `embedder` is NULL or points to a `MemcoreEmbedder`
/// whose `id` is NULL or NUL-terminated, whose `embed` follows its contract, and whose
/// `user_data` and callbacks may be used from any thread (one call at a time).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_set_embedder(
    store: *const MemcoreStore,
    embedder: *const MemcoreEmbedder,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `embedder` is NULL or points to a valid struct.
        let embedder = unsafe { embedder.as_ref() }.ok_or_else(|| FfiError::null("embedder"))?;
        // Owned from here, so that every failure below frees it.
        let user_data = UserData {
            ptr: embedder.user_data,
            free: embedder.free_user_data,
        };
        // SAFETY: the caller guarantees `id` is NULL or NUL-terminated.
        let id = unsafe { str_arg(embedder.id, "embedder->id") }?;
        let embed = embedder
            .embed
            .ok_or_else(|| FfiError::null("embedder->embed"))?;
        let host = HostEmbedder::new(
            id,
            embedder.dimension,
            "embedder->",
            CEmbed { user_data, embed },
        )
        .map_err(|e| FfiError::invalid(e.0))?;
        // SAFETY: the caller guarantees `store` is NULL or a live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        store.lock()?.memory.set_embedder(Some(Box::new(host)));
        Ok(())
    })
}

/// Makes the store use the built-in embedder again (a static embedding model shipped in the
/// library: no download, no native code; the default of a new handle), freeing a host
/// embedder set before.
///
/// Returns `MEMCORE_OK`, or `MEMCORE_ERR_NULL_POINTER` when `store` is NULL.
///
/// # Safety
///
/// `store` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_use_builtin_embedder(store: *const MemcoreStore) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `store` is NULL or a live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        store.lock()?.memory.set_embedder(Some(default_embedder()));
        Ok(())
    })
}

/// Turns vectors off: observations are stored without one and search uses full text only.
/// Frees a host embedder set before.
///
/// Returns `MEMCORE_OK`, or `MEMCORE_ERR_NULL_POINTER` when `store` is NULL.
///
/// # Safety
///
/// `store` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_disable_embedder(store: *const MemcoreStore) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `store` is NULL or a live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        store.lock()?.memory.set_embedder(None);
        Ok(())
    })
}

/// Gives the store the host's LLM, used by `memcore_extract_pending()` and
/// `memcore_summarize()`. Replaces (and frees) an LLM set before.
///
/// Ownership: whenever `llm` is not NULL, the library takes `llm->user_data`, even when the
/// call fails: it calls `llm->free_user_data` exactly once, right away on failure, else when
/// the LLM is replaced or cleared or the store closed. The struct itself is copied.
///
/// Returns `MEMCORE_OK`; `MEMCORE_ERR_NULL_POINTER` when `store`, `llm` or `llm->complete` is
/// NULL.
///
/// # Safety
///
/// `store` is NULL or a live handle; `llm` is NULL or points to a `MemcoreLlm` whose
/// `complete` follows its contract and whose `user_data` and callbacks may be used from any
/// thread (one call at a time).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_set_llm(
    store: *const MemcoreStore,
    llm: *const MemcoreLlm,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `llm` is NULL or points to a valid struct.
        let llm = unsafe { llm.as_ref() }.ok_or_else(|| FfiError::null("llm"))?;
        // Owned from here, so that every failure below frees it.
        let user_data = UserData {
            ptr: llm.user_data,
            free: llm.free_user_data,
        };
        let complete = llm
            .complete
            .ok_or_else(|| FfiError::null("llm->complete"))?;
        // SAFETY: the caller guarantees `store` is NULL or a live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let host = HostLlm::new(CLlm {
            user_data,
            complete,
        });
        // The old LLM is dropped (and freed) after the lock is released.
        let old = store.lock()?.llm.replace(host);
        drop(old);
        Ok(())
    })
}

/// Removes (and frees) the LLM set with `memcore_set_llm()`; harmless when there is none.
///
/// Returns `MEMCORE_OK`, or `MEMCORE_ERR_NULL_POINTER` when `store` is NULL.
///
/// # Safety
///
/// `store` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_clear_llm(store: *const MemcoreStore) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `store` is NULL or a live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let old = store.lock()?.llm.take();
        drop(old);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host LLM callback that answers with `{"v":1,"text":42}`.
    unsafe extern "C" fn answers_a_number(
        _user_data: *mut c_void,
        _request: *const c_char,
        out_answer: *mut *mut c_char,
    ) -> i32 {
        let answer = CString::new(r#"{"v":1,"text":42}"#).unwrap_or_default();
        // SAFETY: the library passes a valid out-pointer.
        unsafe { *out_answer = answer.into_raw() };
        0
    }

    #[test]
    fn an_answer_of_the_wrong_type_is_reported_as_that() {
        let llm = HostLlm::new(CLlm {
            user_data: UserData {
                ptr: std::ptr::null_mut(),
                free: None,
            },
            complete: answers_a_number,
        });
        let request = crate::records::extraction_tests::core_request();
        let err = memcore::extract::LlmClient::complete(&llm, &request)
            .expect_err("a number is not the model's text");
        assert_eq!(err.kind, memcore::extract::LlmErrorKind::HostCallback);
        assert!(err.message.contains("returned the wrong type"), "{err}");
        assert!(err.message.contains("a number"), "{err}");
    }
}
