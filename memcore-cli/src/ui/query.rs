//! Everything a request carries, parsed into typed values or a clear 400: query strings,
//! path segments, ids, dates, numbers, JSON bodies. Nothing here panics on input.

use serde::de::DeserializeOwned;
use std::collections::HashMap;
use time::OffsetDateTime;

/// An answer that is not a success: the status and what was wrong, sent as
/// `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// What was wrong, for a person.
    pub message: String,
}

impl ApiError {
    /// 400: the request's input is malformed.
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            message: message.into(),
        }
    }

    /// 404: nothing at this path or id.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 404,
            message: message.into(),
        }
    }

    /// 500: the store failed.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 500,
            message: message.into(),
        }
    }
}

impl From<memcore::Error> for ApiError {
    fn from(e: memcore::Error) -> ApiError {
        match e {
            memcore::Error::NotFound { .. } => ApiError::not_found(e.to_string()),
            memcore::Error::InvalidInput { .. } => ApiError::bad(e.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<crate::error::CliError> for ApiError {
    fn from(e: crate::error::CliError) -> ApiError {
        match e {
            crate::error::CliError::Memory(m) => m.into(),
            other => ApiError::internal(other.to_string()),
        }
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set); invalid escapes or UTF-8
/// are an error.
pub fn percent_decode(text: &str, plus: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A parsed query string: each name's last value. Empty values count as absent, so a form
/// that sends `kind=` filters nothing.
#[derive(Debug, Default)]
pub struct Query {
    values: HashMap<String, String>,
}

impl Query {
    /// Parses `a=1&b=x%20y`.
    pub fn parse(text: &str) -> ApiResult<Query> {
        let mut values = HashMap::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name, true).ok_or_else(|| {
                ApiError::bad(format!(
                    "query parameter {name:?} is not valid UTF-8 or has a bad % escape"
                ))
            })?;
            let value = percent_decode(value, true).ok_or_else(|| {
                ApiError::bad(format!(
                    "the value of {name} is not valid UTF-8 or has a bad % escape"
                ))
            })?;
            values.insert(name, value);
        }
        Ok(Query { values })
    }

    /// The text of `name`, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The raw value of `name` (the token), untrimmed.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// `name` as a whole number in `min..=max`; `default` when absent.
    pub fn number(&self, name: &str, default: u64, min: u64, max: u64) -> ApiResult<u64> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad(format!(
                    "{name} must be a whole number from {min} to {max}, not {v:?}"
                ))),
            },
        }
    }

    /// `name` as a date (see [`date`]), if present.
    pub fn date(&self, name: &str) -> ApiResult<Option<OffsetDateTime>> {
        self.text(name).map(|v| date(&v, name)).transpose()
    }
}

/// A positive whole number id; `what` names it in the error.
pub fn id(text: &str, what: &str) -> ApiResult<i64> {
    match text.trim_start_matches('#').parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::bad(format!(
            "{what} must be a positive whole number, not {text:?}"
        ))),
    }
}

/// An RFC 3339 time, or a day `YYYY-MM-DD` (its start, UTC): the command's one date
/// parser, with an error worded for the API.
pub fn date(text: &str, what: &str) -> ApiResult<OffsetDateTime> {
    crate::portable::date(what, text).map_err(|_| {
        ApiError::bad(format!(
            "{what} must be a date (YYYY-MM-DD) or an RFC 3339 time, not {text:?}"
        ))
    })
}

/// Parses a JSON body into `T`; the error names what serde found wrong.
pub fn body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad("the request needs a JSON body"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad(format!("malformed JSON body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_and_blank_is_absent() {
        let q = Query::parse("q=coupon+code&kind=&project=a%2Fb&x").unwrap();
        assert_eq!(q.text("q").as_deref(), Some("coupon code"));
        assert_eq!(q.text("kind"), None);
        assert_eq!(q.text("project").as_deref(), Some("a/b"));
        assert!(Query::parse("q=%zz").is_err());
        assert!(Query::parse("q=%ff").is_err());
        assert!(Query::parse("q=%4").is_err());
    }

    #[test]
    fn numbers_ids_and_dates_are_checked() {
        let q = Query::parse("limit=500&since=2026-13-01&until=2026-12-04").unwrap();
        assert!(q.number("limit", 50, 1, 200).is_err());
        assert!(q.date("since").is_err());
        let until = q.date("until").unwrap().unwrap();
        assert_eq!(until.to_string(), "2026-12-04 0:00:00.0 +00:00:00");
        assert!(date("2026-12-04T10:00:00Z", "d").is_ok());
        assert_eq!(id("#42", "id").unwrap(), 42);
        assert!(id("0", "id").is_err());
    }

    #[test]
    fn bodies_must_be_json() {
        assert!(body::<serde_json::Value>(b"").is_err());
        assert!(body::<serde_json::Value>(b"{").is_err());
        assert!(body::<serde_json::Value>(b"{}").is_ok());
    }
}
