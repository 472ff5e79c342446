//! Whether an assignment's value is a secret: the value's span (quoted, bare, cut at the
//! next URL parameter), and the tests that keep placeholders, templates, short or numeric
//! settings, URLs and paths, messages and pieces of code.

use regex::Captures;

use super::entropy::looks_random;
use super::keys::key_kind;
use super::redactor::Redactor;

impl Redactor {
    /// The value span and kind of an assignment whose value looks like a secret.
    pub(super) fn assignment(
        &self,
        caps: &Captures<'_>,
        flag: bool,
    ) -> Option<(usize, usize, &'static str)> {
        if caps.name("url").is_some() {
            // The user of a URL (`https://token:…@host`): the URL rule's business.
            return None;
        }
        let (kind, weak) = key_kind(caps.name("key")?.as_str())?;
        let (value, quoted) = match ["eq", "dq", "sq"].iter().find_map(|g| caps.name(g)) {
            Some(m) => (m, true),
            None => (caps.name("bare")?, false),
        };
        let code_context = !flag
            && caps.name("sep").is_some_and(|sep| {
                sep.as_str()
                    .bytes()
                    .any(|b| matches!(b, b' ' | b'\t' | b':' | b'"' | b'\''))
            });
        let text = if quoted {
            value.as_str()
        } else {
            until_next_parameter(value.as_str())
        };
        (self.value_is_secret(text, kind, quoted, code_context) && (!weak || looks_random(text)))
            .then(|| (value.start(), value.start() + text.len(), kind))
    }

    /// Whether an assignment's value is a secret rather than a placeholder, a short or
    /// numeric setting, a path, a message or a piece of code (see the module documentation).
    fn value_is_secret(&self, value: &str, kind: &str, quoted: bool, code_context: bool) -> bool {
        let min_chars = if kind == "password" { 4 } else { 8 };
        if is_placeholder(value)
            || value.chars().count() < min_chars
            || (value.len() < 6 && value.bytes().all(|b| b.is_ascii_digit()))
            || is_url_or_path(value)
        {
            return false;
        }
        if quoted {
            return !value.chars().any(char::is_whitespace);
        }
        if value.starts_with(['(', '['])
            || self.code_expr.regex().is_some_and(|r| r.is_match(value))
        {
            return false;
        }
        if is_identifier(value) {
            let lower = value.to_ascii_lowercase();
            if ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|w| lower.contains(w))
            {
                return false;
            }
            if code_context && !value.bytes().any(|b| b.is_ascii_digit()) {
                return false;
            }
        }
        true
    }
}

/// Whether a value is a template or a variable (`${TOKEN}`, `$TOKEN`, `$(pass show x)`,
/// `%(pw)s`, `%TOKEN%`, `{{ vault }}`, `{token}`, `<your-key>`), not a secret that happens
/// to start with `$`, `%`, `{` or `<`.
fn is_template(value: &str) -> bool {
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if value.starts_with("${")
        || value.starts_with("$(")
        || value.starts_with("{{")
        || value.starts_with("%(")
    {
        return true;
    }
    if let Some(rest) = value.strip_prefix('$') {
        return ident(rest.trim_end_matches(['}', ')', '"', '\'']));
    }
    if let Some(rest) = value.strip_prefix('%') {
        return rest.len() <= 2 || rest.strip_suffix('%').is_some_and(ident);
    }
    if value.starts_with('{') {
        return value.contains('}');
    }
    value.starts_with('<') && value.contains('>')
}

/// Whether a value is a stand-in for a secret rather than one (see the module docs).
pub(super) fn is_placeholder(value: &str) -> bool {
    const WORDS: [&str; 23] = [
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "string",
        "str",
        "text",
        "required",
        "optional",
        "hidden",
        "masked",
        "value",
        "unset",
        "secret",
        "password",
        "passwd",
        "pass",
        "token",
        "changeit",
        "default",
    ];
    if value.is_empty()
        || is_template(value)
        || value
            .chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_' | '#' | '•'))
    {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    ["redacted", "your", "placeholder", "replace"]
        .iter()
        .any(|w| lower.contains(w))
        || WORDS.contains(&lower.as_str())
}

/// Whether a value is a URL or a file path.
fn is_url_or_path(value: &str) -> bool {
    if value.contains("://") {
        return true;
    }
    let bytes = value.as_bytes();
    if bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\' {
        return true;
    }
    ["/", "./", "../", "~/"]
        .iter()
        .any(|p| value.starts_with(p))
        && value.len() > 1
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~' | b'@')
        })
}

/// A bare value up to the next `&name=` (a URL query or form body holds several parameters).
fn until_next_parameter(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, _) in value.match_indices('&') {
        let rest = &bytes[i + 1..];
        let name_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            .count();
        if name_len > 0 && rest[0].is_ascii_alphabetic() && rest.get(name_len) == Some(&b'=') {
            return &value[..i];
        }
    }
    value
}

/// Whether a value is one identifier (`[A-Za-z_][A-Za-z0-9_]*`).
fn is_identifier(value: &str) -> bool {
    let mut bytes = value.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
