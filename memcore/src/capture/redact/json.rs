//! Redaction of JSON values: every string and object key, and the whole string value of a
//! key that names a secret.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::accept::auth_value_ok;
use super::entropy::looks_random;
use super::keys::{ends_with_word, weak_key_kind};
use super::redactor::Redactor;
use super::{is_marker, marker};

impl Redactor {
    /// Redacts every string of a JSON value in place, object keys included, and replaces the
    /// whole string value of a key that names a secret with `[REDACTED:<kind>]` when it is
    /// not empty.
    ///
    /// A key names a secret when, lower-cased and stripped of everything but letters and
    /// digits, it ends with `password`, `passwd`, `passphrase` (kind `password`), `token`
    /// (`token`: `access_token`, `refresh_token`, `id_token`, ...), `apikey` or `accesskey`
    /// (`api-key`), `secret`, `secretkey` or `privatekey` (`secret`: `client_secret`, ...),
    /// `authorization` (`authorization`) or `cookie` (`cookie`). Numbers, booleans, objects
    /// and arrays under such keys are not replaced (objects and arrays are walked), so
    /// `"max_tokens": 1024` or `"token_count": 5` stay.
    ///
    /// ```
    /// use memcore::capture::{RedactionConfig, Redactor};
    /// use serde_json::json;
    ///
    /// let redactor = Redactor::new(&RedactionConfig::default())?;
    /// let mut input = json!({
    ///     "command": "deploy --env prod",
    ///     "headers": {"Authorization": "Basic dXNlcjpwYXNz"},
    ///     "client_secret": "hunter2",
    ///     "max_tokens": 1024
    /// });
    /// redactor.redact_json(&mut input);
    /// assert_eq!(input["headers"]["Authorization"], "[REDACTED:authorization]");
    /// assert_eq!(input["client_secret"], "[REDACTED:secret]");
    /// assert_eq!(input["max_tokens"], 1024);
    /// # Ok::<(), memcore::Error>(())
    /// ```
    pub fn redact_json(&self, value: &mut Value) {
        // An explicit stack: a value built in code may nest deeper than the call stack.
        let mut stack: Vec<&mut Value> = vec![value];
        while let Some(current) = stack.pop() {
            match current {
                Value::String(s) => {
                    if let Cow::Owned(redacted) = self.redact_cow(s) {
                        *s = redacted;
                    }
                }
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => {
                    self.redact_keys(map);
                    for (key, item) in map.iter_mut() {
                        let secret_kind = match &*item {
                            Value::String(s) if !s.is_empty() && !is_marker(s) => {
                                json_secret_key_kind(key).or_else(|| json_weak_key_kind(key, s))
                            }
                            _ => None,
                        };
                        match secret_kind {
                            Some(kind) => *item = Value::String(marker(kind)),
                            None => stack.push(item),
                        }
                    }
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
    }

    /// Redacts the keys of a JSON object. Two keys that redact to the same text are kept
    /// apart by a ` (2)`, ` (3)`... suffix.
    fn redact_keys(&self, map: &mut Map<String, Value>) {
        let renamed: Vec<(String, String)> = map
            .keys()
            .filter_map(|key| match self.redact_cow(key) {
                Cow::Owned(new) => Some((key.clone(), new)),
                Cow::Borrowed(_) => None,
            })
            .collect();
        for (old, new) in renamed {
            if let Some(item) = map.remove(&old) {
                let mut name = new.clone();
                let mut n = 2;
                while map.contains_key(&name) {
                    name = format!("{new} ({n})");
                    n += 1;
                }
                map.insert(name, item);
            }
        }
    }
}

/// The kind of a JSON object key whose string value is redacted whole.
fn json_secret_key_kind(key: &str) -> Option<&'static str> {
    const SUFFIXES: [(&str, &str); 12] = [
        ("password", "password"),
        ("passwd", "password"),
        ("passphrase", "password"),
        ("token", "token"),
        ("apikey", "api-key"),
        ("accesskey", "api-key"),
        ("secret", "secret"),
        ("secretkey", "secret"),
        ("privatekey", "secret"),
        ("authorization", "authorization"),
        ("cookie", "cookie"),
        ("clientsecret", "secret"),
    ];
    let normalized: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SUFFIXES
        .iter()
        .find(|(suffix, _)| normalized.ends_with(suffix))
        .map(|&(_, kind)| kind)
}

/// The kind of a JSON string under a weak key (see [`weak_key_kind`]): `basic-auth` for
/// base64 of `user:password` under `auth` (Docker's `config.json`), `secret` for a random
/// value.
fn json_weak_key_kind(key: &str, value: &str) -> Option<&'static str> {
    let kind = weak_key_kind(key)?;
    if ends_with_word(key, "auth") && auth_value_ok(value) && !value.contains(char::is_whitespace) {
        return Some("basic-auth");
    }
    looks_random(value).then_some(kind)
}
