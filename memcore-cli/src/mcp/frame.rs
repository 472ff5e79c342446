//! The JSON-RPC 2.0 checks rmcp leaves to its caller, made on each line from the client
//! before rmcp sees it.
//!
//! rmcp skips a line that is not JSON and answers a message it cannot read as a request
//! without the request's id (or with "method not found" when only the params are wrong). So
//! each line is looked at first ([`check`]):
//!
//! - not JSON: `-32700` (Parse error), id `null`;
//! - JSON but not a request, notification or response (not an object, `jsonrpc` not `"2.0"`,
//!   an id that is not a string or number, a method that is not a string, params that are
//!   not an object or array): `-32600` (Invalid Request), with the message's id when it has a
//!   usable one, else `null`;
//! - a `tools/call` whose params do not name a tool as a string or whose `arguments` is not
//!   an object: `-32602` (Invalid params), with its id;
//! - anything else goes on to rmcp unchanged.
//!
//! A notification (no id) is never answered (JSON-RPC 2.0, section 4.1), even when its params
//! are wrong; a message whose id cannot be read is answered with id `null` (section 5).

use serde_json::{Map, Value, json};

/// What to do with one line from the client.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Hand it to rmcp.
    Pass,
    /// Answer it with this error response; rmcp never sees it.
    Answer(Value),
    /// Nothing: a blank line, or an invalid notification.
    Ignore,
}

/// Looks at one line (without its newline).
pub fn check(line: &[u8]) -> Verdict {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Ignore;
    }
    let message: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return Verdict::Answer(error(
                Value::Null,
                -32700,
                &format!("Parse error: the line is not JSON ({e})"),
            ));
        }
    };
    let Value::Object(map) = message else {
        let what = if message.is_array() {
            "a batch (an array), which MCP does not use"
        } else {
            "not a JSON-RPC object"
        };
        return Verdict::Answer(error(
            Value::Null,
            -32600,
            &format!("Invalid Request: the message is {what}"),
        ));
    };
    let id = match map.get("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id.clone()),
        Some(other) => {
            return Verdict::Answer(error(
                Value::Null,
                -32600,
                &format!("Invalid Request: the id must be a string or a number, not {other}"),
            ));
        }
    };
    match invalid(&map) {
        Some((code, reason)) => match id {
            Some(id) => Verdict::Answer(error(id, code, &reason)),
            // A notification is never answered; a message that is neither a request nor a
            // notification nor a response is, with a null id.
            None if map.get("method").is_some_and(Value::is_string) => Verdict::Ignore,
            None => Verdict::Answer(error(Value::Null, code, &reason)),
        },
        None => Verdict::Pass,
    }
}

/// What is wrong with a message, as a JSON-RPC error code and message; `None` when nothing.
fn invalid(map: &Map<String, Value>) -> Option<(i64, String)> {
    if map.get("jsonrpc") != Some(&json!("2.0")) {
        return Some((
            -32600,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"".into(),
        ));
    }
    let method = match map.get("method") {
        None if map.contains_key("result") || map.contains_key("error") => return None,
        None => {
            return Some((
                -32600,
                "Invalid Request: a request needs a \"method\"".into(),
            ));
        }
        Some(Value::String(m)) => m.as_str(),
        Some(other) => {
            return Some((
                -32600,
                format!("Invalid Request: \"method\" must be a string, not {other}"),
            ));
        }
    };
    let params = map.get("params");
    if method == "tools/call" {
        let problem = match params {
            Some(Value::Object(p)) => match (p.get("name"), p.get("arguments")) {
                (Some(Value::String(_)), None | Some(Value::Object(_) | Value::Null)) => None,
                (Some(Value::String(_)), Some(other)) => {
                    Some(format!("\"arguments\" must be an object, not {other}"))
                }
                (None, _) => Some("\"name\" (the tool) is missing".to_owned()),
                (Some(other), _) => Some(format!("\"name\" must be a string, not {other}")),
            },
            None => Some("params with \"name\" and \"arguments\" are missing".to_owned()),
            Some(other) => Some(format!(
                "params must be an object with \"name\" and \"arguments\", not {other}"
            )),
        };
        return problem.map(|p| (-32602, format!("Invalid params for tools/call: {p}")));
    }
    match params {
        None | Some(Value::Object(_) | Value::Array(_)) => None,
        Some(other) => Some((
            -32600,
            format!("Invalid Request: \"params\" must be an object or an array, not {other}"),
        )),
    }
}

/// A JSON-RPC error response.
fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_id(line: &str) -> (i64, Value) {
        match check(line.as_bytes()) {
            Verdict::Answer(v) => (v["error"]["code"].as_i64().unwrap(), v["id"].clone()),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn valid_messages_pass() {
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":{}}"#,
        ] {
            assert_eq!(check(line.as_bytes()), Verdict::Pass, "{line}");
        }
        assert_eq!(check(b"  "), Verdict::Ignore);
    }

    #[test]
    fn bad_messages_get_the_right_code_and_id() {
        assert_eq!(code_and_id("{not json"), (-32700, Value::Null));
        assert_eq!(code_and_id("[1]"), (-32600, Value::Null));
        assert_eq!(code_and_id("42"), (-32600, Value::Null));
        assert_eq!(
            code_and_id(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#),
            (-32600, Value::Null)
        );
        assert_eq!(
            code_and_id(r#"{"jsonrpc":"1.0","id":7,"method":"tools/list"}"#),
            (-32600, json!(7))
        );
        assert_eq!(
            code_and_id(r#"{"jsonrpc":"2.0","id":8}"#),
            (-32600, json!(8))
        );
        assert_eq!(
            code_and_id(r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":"search"}"#),
            (-32602, json!(9))
        );
        assert_eq!(
            code_and_id(r#"{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"name":5}}"#),
            (-32602, json!("q"))
        );
        assert_eq!(
            code_and_id(
                r#"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"search","arguments":[1]}}"#
            ),
            (-32602, json!(10))
        );
        // An invalid notification is not answered.
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"tools/call","params":"x"}"#),
            Verdict::Ignore
        );
    }
}
