//! One JSON POST with retries.
//!
//! Retried: HTTP 429, every 5xx (Anthropic's 529 "overloaded" included), and failures to
//! connect, send or read (timeouts too). The wait before retry *n* (from 0) is the server's
//! `retry-after-ms` or `retry-after` (seconds or an HTTP date) when it gives one, else
//! `retry_base × 2ⁿ` with ± 25 % jitter; never more than `max_retry_wait`: a server asking for
//! longer makes the call give up at once (the events stay pending for the next run). Other
//! statuses fail at once with the API's own error message.

use crate::config::HttpSettings;
use crate::log::Log;
use memcore::extract::{LlmError, LlmErrorKind};
use std::time::{Duration, SystemTime};

/// Longest error text quoted from a response.
const QUOTE_CHARS: usize = 300;
/// Largest response body read.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// A blocking HTTP client with the retry policy.
pub struct Client {
    agent: ureq::Agent,
    settings: HttpSettings,
    log: Log,
}

/// What one attempt gave.
enum Attempt {
    /// 2xx with this body.
    Done(String),
    /// Worth another try, after the server's wait if it named one.
    Retry {
        error: LlmError,
        wait: Option<Duration>,
    },
    /// Not worth another try.
    Fail(LlmError),
}

/// The kind of failure an HTTP error status is: 429 is the rate limit, the rest a status.
fn status_kind(status: u16) -> LlmErrorKind {
    if status == 429 {
        LlmErrorKind::RateLimited
    } else {
        LlmErrorKind::Status(status)
    }
}

impl Client {
    /// A client with `settings`, logging each retry to `log`.
    pub fn new(settings: HttpSettings, log: Log) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("memcore/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            settings,
            log,
        }
    }

    /// POSTs `body` as JSON to `url` with `headers`, retrying per the policy; returns the body
    /// of the first 2xx answer, or why it gave up.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &serde_json::Value,
    ) -> Result<String, LlmError> {
        let body = body.to_string();
        let mut retry = 0u32;
        loop {
            let (error, wait) = match self.attempt(url, headers, &body) {
                Attempt::Done(text) => return Ok(text),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { error, wait } => (error, wait),
            };
            let reason = &error.message;
            if retry >= self.settings.max_retries {
                return Err(LlmError::new(
                    error.kind,
                    format!("{reason} (gave up after {retry} retries)"),
                ));
            }
            let wait = wait.unwrap_or_else(|| backoff(self.settings.retry_base, retry));
            if wait > self.settings.max_retry_wait {
                return Err(LlmError::new(
                    error.kind,
                    format!(
                        "{reason}; the server asks to wait {} s, more than the {} s allowed \
                         (max_retry_wait_secs)",
                        wait.as_secs(),
                        self.settings.max_retry_wait.as_secs()
                    ),
                ));
            }
            self.log.line(format!(
                "{url}: {reason}; retry {} of {} in {} ms",
                retry + 1,
                self.settings.max_retries,
                wait.as_millis()
            ));
            std::thread::sleep(wait);
            retry += 1;
        }
    }

    fn attempt(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> Attempt {
        let mut request = self
            .agent
            .post(url)
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(e) => {
                return match e {
                    ureq::Error::Io(_)
                    | ureq::Error::Timeout(_)
                    | ureq::Error::ConnectionFailed
                    | ureq::Error::HostNotFound
                    | ureq::Error::Protocol(_) => Attempt::Retry {
                        error: LlmError::transport(format!("request to {url} failed: {e}")),
                        wait: None,
                    },
                    e => {
                        Attempt::Fail(LlmError::transport(format!("request to {url} failed: {e}")))
                    }
                };
            }
        };
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string();
        match (status, text) {
            (200..=299, Ok(text)) => Attempt::Done(text),
            (200..=299, Err(e)) => Attempt::Retry {
                error: LlmError::transport(format!("reading the answer of {url} failed: {e}")),
                wait: None,
            },
            (429 | 500..=599, text) => Attempt::Retry {
                error: LlmError::new(
                    status_kind(status),
                    format!("HTTP {status}{}", error_message(text.ok().as_deref())),
                ),
                wait,
            },
            (_, text) => Attempt::Fail(LlmError::new(
                status_kind(status),
                format!(
                    "HTTP {status} from {url}{}",
                    error_message(text.ok().as_deref())
                ),
            )),
        }
    }
}

/// `base × 2^retry`, ± 25 %.
fn backoff(base: Duration, retry: u32) -> Duration {
    let exact = base.saturating_mul(1u32 << retry.min(16));
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // A jitter factor in [0.75, 1.25) from the clock's nanoseconds.
    let factor = 0.75 + f64::from(nanos % 1000) / 2000.0;
    Duration::try_from_secs_f64(exact.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// The wait a response asks for: `retry-after-ms` (OpenAI), else `retry-after` in seconds or
/// as an HTTP date.
fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return seconds(ms / 1000.0);
    }
    parse_retry_after(header("retry-after")?)
}

/// Parses a `retry-after` value: seconds (possibly fractional) or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let left = date - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

fn seconds(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

/// `": <the API's error message>"` from an error body, or a quote of the body.
fn error_message(body: Option<&str>) -> String {
    let Some(body) = body.map(str::trim).filter(|b| !b.is_empty()) else {
        return String::new();
    };
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error"))
            .and_then(|m| m.as_str())
    });
    let text = message.unwrap_or(body);
    let quoted: String = text.chars().take(QUOTE_CHARS).collect();
    format!(": {quoted}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }

    #[test]
    fn backoff_doubles_within_jitter() {
        let base = Duration::from_millis(100);
        for retry in 0..4 {
            let wait = backoff(base, retry);
            let exact = 100.0 * f64::from(1u32 << retry);
            let ms = wait.as_secs_f64() * 1000.0;
            assert!(ms >= exact * 0.75 && ms < exact * 1.25, "{retry}: {ms}");
        }
    }

    #[test]
    fn error_messages_come_from_the_api_format() {
        assert_eq!(
            error_message(Some(
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#
            )),
            ": slow down"
        );
        assert_eq!(
            error_message(Some(r#"{"error":"model not found"}"#)),
            ": model not found"
        );
        assert_eq!(
            error_message(Some("<html>bad gateway")),
            ": <html>bad gateway"
        );
        assert_eq!(error_message(Some("")), "");
    }
}
