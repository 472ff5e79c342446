//! The checks every request passes before anything else reads it: DNS rebinding (Host),
//! cross-site requests (Origin) and the per-run token.
//!
//! Why each: a page on another site can make the browser send requests to 127.0.0.1, and a
//! rebound DNS name can make them same-origin; the Host check refuses the rebound name, the
//! Origin check refuses the other site, and the token (which only the printed URL carries)
//! refuses everyone else. A state-changing request must carry the token in a header, which a
//! plain form or image on another site cannot add.

use crate::error::{CliError, CliResult};

/// The header every request but the page itself carries the token in.
pub const TOKEN_HEADER: &str = "X-Memcore-Token";

/// Why a request was refused before routing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 403: Host or Origin is not this server's.
    Forbidden(String),
    /// 401: the token is missing or wrong.
    Unauthorized(String),
}

/// The per-run secret: 32 random bytes, as 64 lower-case hex digits.
pub struct Token(String);

impl Token {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> CliResult<Token> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| {
            CliError::Usage(format!(
                "cannot read random bytes for the ui token from the system: {e}"
            ))
        })?;
        Ok(Token(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A given token (tests).
    #[cfg(test)]
    pub fn from(text: &str) -> Token {
        Token(text.to_owned())
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, in time that does not depend on where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// What the guard needs of a request.
pub struct Seen<'a> {
    /// The Host header, if any.
    pub host: Option<&'a str>,
    /// The Origin header, if any.
    pub origin: Option<&'a str>,
    /// The token header, if any.
    pub token_header: Option<&'a str>,
    /// The `token` query parameter, if any.
    pub token_query: Option<&'a str>,
    /// Whether this is the page itself (`GET /`), the one place a URL token is accepted.
    pub is_page: bool,
}

/// Checks Host, Origin and token, in that order.
pub fn check(seen: &Seen<'_>, token: &Token, port: u16) -> Result<(), Refusal> {
    let host = seen.host.unwrap_or("");
    let allowed_hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err(Refusal::Forbidden(format!(
            "Host {host:?} is not this server (127.0.0.1:{port} or localhost:{port})"
        )));
    }
    if let Some(origin) = seen.origin {
        let allowed = allowed_hosts.iter().any(|h| {
            origin
                .strip_prefix("http://")
                .is_some_and(|rest| rest.eq_ignore_ascii_case(h))
        });
        if !allowed {
            return Err(Refusal::Forbidden(format!(
                "Origin {origin:?} may not use this server"
            )));
        }
    }
    let given = match (seen.token_header, seen.is_page) {
        (Some(t), _) => Some(t),
        (None, true) => seen.token_query,
        (None, false) => None,
    };
    match given {
        None if seen.token_query.is_some() => Err(Refusal::Unauthorized(format!(
            "the token must be sent in the {TOKEN_HEADER} header, not only in the URL"
        ))),
        None => Err(Refusal::Unauthorized(format!(
            "missing token: open the URL `memcore ui` printed, or send the {TOKEN_HEADER} header"
        ))),
        Some(t) if token.matches(t) => Ok(()),
        Some(_) => Err(Refusal::Unauthorized(
            "wrong token: this server was restarted with a new one; open the URL it printed"
                .to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen<'a>(host: &'a str, origin: Option<&'a str>, header: Option<&'a str>) -> Seen<'a> {
        Seen {
            host: Some(host),
            origin,
            token_header: header,
            token_query: None,
            is_page: false,
        }
    }

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_eq!(a.as_str().len(), 64);
        assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.as_str(), b.as_str());
    }

    #[test]
    fn only_this_host_and_origin_pass() {
        let t = Token::from("abc");
        assert!(check(&seen("127.0.0.1:8", None, Some("abc")), &t, 8).is_ok());
        assert!(
            check(
                &seen("LOCALHOST:8", Some("http://localhost:8"), Some("abc")),
                &t,
                8
            )
            .is_ok()
        );
        assert!(matches!(
            check(&seen("evil.example:8", None, Some("abc")), &t, 8),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            check(&seen("127.0.0.1:9", None, Some("abc")), &t, 8),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            check(
                &seen("127.0.0.1:8", Some("http://evil.example"), Some("abc")),
                &t,
                8
            ),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            check(
                &seen("127.0.0.1:8", Some("https://127.0.0.1:8"), Some("abc")),
                &t,
                8
            ),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn the_url_token_opens_the_page_only() {
        let t = Token::from("abc");
        let mut s = seen("127.0.0.1:8", None, None);
        s.token_query = Some("abc");
        assert!(matches!(check(&s, &t, 8), Err(Refusal::Unauthorized(_))));
        s.is_page = true;
        assert!(check(&s, &t, 8).is_ok());
        s.token_query = Some("abd");
        assert!(matches!(check(&s, &t, 8), Err(Refusal::Unauthorized(_))));
        assert!(matches!(
            check(&seen("127.0.0.1:8", None, Some("ab")), &t, 8),
            Err(Refusal::Unauthorized(_))
        ));
    }
}
