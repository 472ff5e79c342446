//! Anthropic's Messages API: request body, headers and answer.

use memcore::extract::{ExtractionRequest, LlmResponse, Usage};
use serde_json::{Value, json};

/// The API version sent in `anthropic-version`.
const API_VERSION: &str = "2023-06-01";

/// The body of `POST /v1/messages`. The system prompt is the same for every request of a
/// mode, so it is marked as a cache breakpoint: repeated extractions pay for it once per
/// cache lifetime.
pub fn request_body(model: &str, request: &ExtractionRequest) -> Value {
    json!({
        "model": model,
        "max_tokens": request.max_output_tokens.max(1),
        "system": [{
            "type": "text",
            "text": request.system_prompt,
            "cache_control": {"type": "ephemeral"},
        }],
        "messages": [{"role": "user", "content": request.user_prompt}],
    })
}

/// The headers of every call.
pub fn headers(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-api-key", key.to_owned()),
        ("anthropic-version", API_VERSION.to_owned()),
    ]
}

/// The text and usage of a Messages API answer. Input tokens include those written to and
/// read from the prompt cache.
pub fn parse_response(text: &str, model: &str) -> Result<LlmResponse, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let blocks = value
        .get("content")
        .and_then(Value::as_array)
        .ok_or("no \"content\" array")?;
    let answer: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("");
    let usage = value.get("usage");
    let count = |field: &str| usage.and_then(|u| u.get(field)).and_then(Value::as_u64);
    let prompt_tokens = match (
        count("input_tokens"),
        count("cache_creation_input_tokens"),
        count("cache_read_input_tokens"),
    ) {
        (None, None, None) => None,
        (a, b, c) => Some(a.unwrap_or(0) + b.unwrap_or(0) + c.unwrap_or(0)),
    };
    Ok(LlmResponse {
        text: answer,
        usage: Usage {
            model: value
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or(model)
                .to_owned(),
            prompt_tokens,
            completion_tokens: count("output_tokens"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_text_and_usage_with_cache() {
        let r = parse_response(
            r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
                "content":[{"type":"text","text":"[{\"title\":"},{"type":"text","text":"\"x\"}]"}],
                "stop_reason":"end_turn",
                "usage":{"input_tokens":10,"cache_creation_input_tokens":100,
                         "cache_read_input_tokens":5,"output_tokens":7}}"#,
            "claude-haiku-4-5",
        )
        .unwrap();
        assert_eq!(r.text, r#"[{"title":"x"}]"#);
        assert_eq!(r.usage.model, "claude-haiku-4-5-20251001");
        assert_eq!(r.usage.prompt_tokens, Some(115));
        assert_eq!(r.usage.completion_tokens, Some(7));
    }

    #[test]
    fn malformed_answers_are_errors() {
        assert!(parse_response("<html>", "m").is_err());
        assert!(parse_response(r#"{"type":"message"}"#, "m").is_err());
        assert!(parse_response(r#"{"content":"text"}"#, "m").is_err());
    }
}
