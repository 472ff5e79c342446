//! OpenAI-compatible chat completions: request body, headers and answer.

use memcore::extract::{ExtractionRequest, LlmResponse, Usage};
use serde_json::{Value, json};

/// The body of `POST /chat/completions`. OpenAI's own API (`native`) takes
/// `max_completion_tokens` (its newer models refuse `max_tokens`); compatible servers (Ollama,
/// vLLM, OpenRouter) take `max_tokens`.
pub fn request_body(model: &str, request: &ExtractionRequest, native: bool) -> Value {
    let limit = if native {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": request.system_prompt},
            {"role": "user", "content": request.user_prompt},
        ],
        limit: request.max_output_tokens.max(1),
        "stream": false,
    })
}

/// The headers of every call: a bearer token when a key is set.
pub fn headers(key: Option<&str>) -> Vec<(&'static str, String)> {
    key.map(|k| vec![("authorization", format!("Bearer {k}"))])
        .unwrap_or_default()
}

/// The text and usage of a chat completion. The message content may be a string or a list
/// of text parts; usage may be missing (memcore then estimates it).
pub fn parse_response(text: &str, model: &str) -> Result<LlmResponse, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let message = value
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("message"))
        .ok_or("no choices[0].message")?;
    let answer = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        Some(Value::Null) | None => {
            // A refusal, or a tool call: nothing usable.
            let refusal = message.get("refusal").and_then(Value::as_str);
            return Err(match refusal {
                Some(r) => format!("the model refused: {r}"),
                None => "choices[0].message has no content".to_owned(),
            });
        }
        Some(_) => return Err("choices[0].message.content is not text".to_owned()),
    };
    let usage = value.get("usage");
    let count = |field: &str| usage.and_then(|u| u.get(field)).and_then(Value::as_u64);
    Ok(LlmResponse {
        text: answer,
        usage: Usage {
            model: value
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or(model)
                .to_owned(),
            prompt_tokens: count("prompt_tokens"),
            completion_tokens: count("completion_tokens"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ExtractionRequest {
        serde_json::from_value(json!({
            "session_id": "s", "project": "p", "purpose": "observations",
            "system_prompt": "SYS", "user_prompt": "USER", "format": "observations_json",
            "max_output_tokens": 900, "event_ids": [1], "input_tokens": 12,
            "truncated_event_ids": []
        }))
        .unwrap()
    }

    #[test]
    fn body_names_the_limit_by_server() {
        let native = request_body("gpt-4o-mini", &request(), true);
        assert_eq!(native["max_completion_tokens"], 900);
        assert!(native.get("max_tokens").is_none());
        let compatible = request_body("llama3.2", &request(), false);
        assert_eq!(compatible["max_tokens"], 900);
        assert_eq!(compatible["messages"][0]["content"], "SYS");
        assert_eq!(compatible["messages"][1]["content"], "USER");
    }

    #[test]
    fn answer_text_and_usage() {
        let r = parse_response(
            r#"{"id":"c","object":"chat.completion","model":"llama3.2",
                "choices":[{"index":0,"message":{"role":"assistant","content":"[]"},
                            "finish_reason":"stop"}],
                "usage":{"prompt_tokens":30,"completion_tokens":2,"total_tokens":32}}"#,
            "x",
        )
        .unwrap();
        assert_eq!(r.text, "[]");
        assert_eq!(r.usage.model, "llama3.2");
        assert_eq!(r.usage.prompt_tokens, Some(30));
        assert_eq!(r.usage.completion_tokens, Some(2));
    }

    #[test]
    fn content_parts_and_missing_usage() {
        let r = parse_response(
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}"#,
            "m",
        )
        .unwrap();
        assert_eq!(r.text, "ab");
        assert_eq!(r.usage.model, "m");
        assert_eq!(r.usage.prompt_tokens, None);
    }

    #[test]
    fn malformed_answers_are_errors() {
        assert!(parse_response("", "m").is_err());
        assert!(parse_response(r#"{"choices":[]}"#, "m").is_err());
        assert!(
            parse_response(
                r#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#,
                "m"
            )
            .is_err()
        );
        assert!(parse_response(r#"{"choices":[{"message":{"content":5}}]}"#, "m").is_err());
    }
}
