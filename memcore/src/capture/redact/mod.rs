//! Redaction: what must never reach the store or a prompt.
//!
//! Every text memcore records (prompts, tool inputs and outputs, assistant messages, notes)
//! goes through one [`Redactor`] first. It does two things, in this order.
//!
//! # 1. Private spans
//!
//! Everything between `<private>` and `</private>` is removed, tags included. Tags are
//! case-insensitive and may hold spaces (`< PRIVATE >`, `</Private >`); a span may cross lines
//! and a text may hold several. Tags nest: an inner `<private>` needs its own `</private>`. An
//! opening tag that is never closed removes everything to the end of the text; a closing tag
//! with no opening tag is dropped. Nothing marks where a private span was.
//!
//! # 2. Secrets
//!
//! Every recognisable secret is replaced with `[REDACTED:<kind>]`. Where a rule gives context
//! (a key name, `Bearer`, a URL's user), the context is kept and only the secret goes.
//!
//! | kind | what is recognised |
//! |---|---|
//! | *custom* | [`RedactionConfig::extra_patterns`]: the first capture group, or the whole match |
//! | `private-key` | a PEM block `-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----` (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP … BLOCK), also inside JSON strings with `\n` escapes; a block cut before its END loses its header and the base64 lines after it |
//! | `anthropic-key` | `sk-ant-` + 20 or more of `[A-Za-z0-9_-]` (wins over `openai-key`) |
//! | `openai-key` | `sk-`, `sk-proj-`, `sk-svcacct-`, `sk-admin-` + 20 or more of `[A-Za-z0-9_-]` holding a digit and a letter |
//! | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 or more alphanumerics; `github_pat_` + 22 or more of `[A-Za-z0-9_]` |
//! | `gitlab-token` | `glpat-` + 20 or more of `[A-Za-z0-9_-]` |
//! | `stripe-key` | `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` + 16 or more alphanumerics |
//! | `slack-token` | `xoxa-`, `xoxb-`, `xoxe-`, `xoxo-`, `xoxp-`, `xoxr-`, `xoxs-` + 10 or more of `[A-Za-z0-9-]` holding a digit; the path of a `hooks.slack.com/services/…` (or `workflows/`, `triggers/`) webhook URL |
//! | `aws-access-key` | `AKIA` or `ASIA` + exactly 16 of `[A-Z0-9]`, as a whole word |
//! | `aws-secret-key` | exactly 40 of `[A-Za-z0-9/+=]` given (after `=`, `:` or spaces, quoted or not) to a key such as `aws_secret_access_key`, `AWS_SECRET_KEY` or `SecretAccessKey` |
//! | `google-api-key` | `AIza` + exactly 35 of `[A-Za-z0-9_-]` |
//! | `npm-token` | `npm_` + 36 alphanumerics |
//! | `huggingface-token` | `hf_` + 34 or more alphanumerics holding both cases |
//! | `pypi-token` | `pypi-AgEIcHlwaS5vcmc` + 50 or more of `[A-Za-z0-9_-]` |
//! | `jwt` | three base64url segments of 10 or more characters joined by dots, the first starting `eyJ` |
//! | `url-credentials` | the password of `scheme://user:password@host` (scheme, user and host stay), unless it is a placeholder (below) |
//! | `bearer-token` | the token after `Bearer ` (the word stays) when it is 12 or more of `[A-Za-z0-9._~+/=-]` holding a digit and a letter, or 20 or more holding both cases |
//! | `basic-auth` | the credentials after `Authorization: Basic ` |
//! | `password` | the password of `curl -u user:password` / `--user user:password`, unless a placeholder or a number of fewer than 6 digits |
//! | *vendors* | one regex for tokens with a prefix of their own: `digitalocean-token` (`dop_v1_`, `doo_v1_`, `dor_v1_` + 64 hex), `twilio-key` (`SK` + 32 hex), `shopify-token`, `atlassian-token`, `bitbucket-token`, `linear-key`, `notion-token`, `databricks-token`, `doppler-token`, `vault-token`, `postman-key`, `grafana-token`, `newrelic-key`, `sentry-token`, `age-secret-key`, `groq-key`, `replicate-token`, `perplexity-key`, `xai-key`, `rubygems-key`, `crates-io-token`, `docker-hub-token`, `heroku-key`, `mapbox-token`, `planetscale-token`, `supabase-token`, `pulumi-token`, `netlify-token`, `google-oauth-secret` (`GOCSPX-`), `google-oauth-token` (`ya29.`), `firebase-key`, `facebook-token` (see `vendor_rules`); these come before every rule below |
//! | `private-key` (more) | base64 of a PEM private key (`LS0tLS1CRUdJTi…`, checked by decoding its header; certificates stay); the value of `client-key-data:` or `tls.key:`; the private lines of a PuTTY key |
//! | `azure-storage-key` | the value of `AccountKey=`, `SharedAccessKey=`, `SharedSecretValue=` (connection strings) |
//! | `url-signature` | the value of a `sig=`, `signature=`, `X-Amz-Signature=`, `X-Goog-Signature=` parameter holding a digit or a `%` escape (Azure SAS, presigned URLs) |
//! | `basic-auth` (more) | the base64 value of an `auth` or `_auth` key (Docker's `config.json`, `.npmrc`) that decodes to `user:password` or looks random |
//! | `telegram-bot-token` | 8 to 10 digits, `:AA`, 33 of `[A-Za-z0-9_-]` (also after `/bot` in a URL) |
//! | `discord-token` | a bot token (`M`/`N`/`O` + 23 to 25, `.`, 6, `.`, 27 to 38 characters); the token of a `discord.com/api/webhooks/<id>/` URL |
//! | `sendgrid-key` | `SG.` + 22 + `.` + 43 of `[A-Za-z0-9_-]` |
//! | `django-secret-key` | `django-insecure-` + 20 or more characters of Django's alphabet |
//! | `mailchimp-key`, `terraform-token`, `azure-client-secret` | 32 hex + `-us` + digits; 14 + `.atlasv1.` + 60 or more; 3 + digit + `Q~` + 31 to 34 |
//! | `password` (more) | the password of a `.netrc` entry (`machine h login u password p`, or a line `password p`) that is not all lower-case letters |
//! | `authorization` | the credentials after `Authorization:` and another scheme (`SSWS`, `token`, `key`...) or none, when they look random |
//! | `password`, `token`, `api-key`, `secret` | the value of an assignment whose key *ends* with a secret word (below) |
//!
//! ## Assignments
//!
//! An assignment is `KEY=value`, `KEY: value`, `KEY := value`, `KEY => value`, `"key": "value"`,
//! `key = 'value'`, `\"key\": \"value\"` (JSON inside a JSON string) or a command-line flag
//! `--key value` / `--key=value`. The key is the whole identifier (`[A-Za-z0-9_.-]`) before the
//! separator; it names a secret when, ignoring case, it ends with:
//!
//! - `password`, `passwd`, `passphrase`, or `pass` as a whole word or after `_`, `-`, `.` or a
//!   camel-case boundary (`DB_PASS`, `dbPass`; not `bypass`): kind `password`;
//! - `token` (`GITHUB_TOKEN`, `accessToken`, `refresh_token`; not `tokens`, `token_count`,
//!   `tokenizer`): kind `token`;
//! - `api_key`, `api-key`, `apikey`, `access_key`, `access-key`, `accesskey`: kind `api-key`;
//! - `secret`, or `key` after `secret`, `private`, `signing`, `encryption`, `master` or
//!   `auth` (`client_secret`, `SECRET_KEY`, `signingKey`), or `secret_key_base`: kind
//!   `secret`; `pwd` as a word (`Pwd=` in ODBC strings): kind `password`;
//! - weakly, `key` as a word (`AZURE_STORAGE_KEY`, `appKey`, `tls.key`; not `monkey`, nor
//!   `public_key`, `cache_key`, `sort_key`, `primary_key` and other names of public keys),
//!   `auth` or `credentials`: kind `secret`, only when the value looks random (32 or more
//!   hex digits, or 16 or more characters mixing both cases and digits that change class
//!   often), so `key: editor.fontSize` or `auth: required` stay.
//!
//! The value is quoted (`"…"`, `'…'`, `\"…\"`; a quote still open at the end of a line
//! counts, as in a cut text) or bare (up to whitespace, a quote, `,`, `;`,
//! `\`, or a `&name=` that starts the next parameter of a URL query or form body). A key right
//! after `://` is a URL's user, left to the `url-credentials` rule. The value is redacted
//! unless one of these holds:
//!
//! - it is empty, or a placeholder: a template or variable (`${TOKEN}`, `$TOKEN`, `$(cmd)`,
//!   `%(pw)s`, `%TOKEN%`, `{{ vault }}`, `{token}`, `<your-key>`; a random value that merely
//!   starts with `$` or `%` is a secret), contains `REDACTED`, `your`, `placeholder` or
//!   `replace` (any case), consists only of mask characters (`*`, `x`, `X`, `.`, `-`, `_`,
//!   `#`, `•`), or is one of `null`, `none`, `nil`, `true`, `false`, `undefined`, `empty`,
//!   `string`, `str`, `text`, `required`, `optional`, `hidden`, `masked`, `value`, `unset`,
//!   `default`, `changeit`, `secret`, `password`, `passwd`, `pass`, `token` (any case);
//! - it is shorter than 4 characters for a `password` key, or 8 for the others;
//! - it is all digits and shorter than 6 characters (a count, a port, a TTL);
//! - it is a URL (`…://…`) or a file path (`/a/b`, `./a`, `../a`, `~/a`, `C:\a`);
//! - it is quoted and contains whitespace (a message or a template, not a credential);
//! - it is bare and reads as code: it starts with `(` or `[`; it is a call, index or generic
//!   (`lexer.next()`, `tokens[i]`, `Option<String>`, `env!(…)`), a path of two or more
//!   identifiers (`self.password`, `os.environ`, `Token::Eof`), a reference (`&str`), an
//!   identifier closed by a bracket (`f(token=tok)`), or `?`-suffixed (`token?`);
//! - it is a bare identifier that mentions `pass`, `pwd`, `secret`, `token` or `key`
//!   (`password=password`, `token=auth_token`);
//! - it is a bare identifier without digits after a separator with spaces, a `:`, or a quoted
//!   key (`let token = next_token`, `password: String`, `{"token": tok}`): a variable or a
//!   type, not a literal. Without spaces (`PASSWORD=letmein`, as in `.env` files and shell),
//!   it is taken as a literal.
//!
//! Known gaps, by design of these heuristics: a password made only of letters in a YAML
//! `password: letmein` line is kept (it reads like `password: String`); a passphrase with
//! spaces in quotes is kept (it reads like a message).
//!
//! ## Overlaps and the allowlist
//!
//! All rules run over the text (after private spans are gone) and their matches are merged:
//! where matches overlap, the union of their bytes is replaced by one marker named by the
//! rule with the higher place in the table above (custom patterns first). So
//! `Authorization: Bearer eyJ…` gives `Bearer [REDACTED:jwt]` and `API_KEY=sk-ant-…` gives
//! `API_KEY=[REDACTED:anthropic-key]`. A match is dropped when it lies within an occurrence
//! of a string of [`RedactionConfig::allowlist`] (a known test key, say), or when it
//! already holds a marker.
//!
//! A rule reads the text left to right, and a candidate it rejects (`Bearer Bearer`: the
//! second `Bearer` is no token) hides any match that would start inside it
//! (`Bearer 12345678…` just after). So both steps are applied again to their own result until
//! it no longer changes (at most 8 passes; text with nothing to redact takes one): redacting
//! twice changes nothing.
//!
//! # JSON
//!
//! [`Redactor::redact_json`] redacts every string (object keys included) of a JSON value, and
//! replaces the whole, non-empty string value of a key that names a secret (see
//! [`Redactor::redact_json`] for the list).
//!
//! # Cost
//!
//! Each rule is one linear scan of the text (the `regex` crate searches with a DFA and a
//! literal prefilter, never by backtracking), and merging sorts the matches, so the cost grows
//! linearly with the text and nothing is quadratic. Patterns are compiled once, in
//! [`Redactor::new`] (about fifty of them, some 19 ms in a release build): build one redactor
//! and reuse it. The vendor tokens share one regex, so they cost one scan.

// Where things live: `config` (the settings), `rules` (the table of built-in rules, in
// priority order), `pattern` (a rule's pattern, compiled on first use), `redactor` (the rules
// built, the passes over a text), `scan` (one pass: matches, merging, markers), `keys` and
// `values` (assignments: which keys name a secret, which values are one), `entropy` (values
// that look random), `accept` (the tests a rule's candidate must pass), `json` (JSON values).
mod accept;
mod config;
mod entropy;
mod gate;
mod gate_table;
mod json;
mod keys;
mod pattern;
mod redactor;
mod rules;
mod scan;
mod values;

pub use config::{RedactionConfig, SecretPattern};
pub use redactor::Redactor;

use entropy::looks_random;

/// The start of every marker.
const MARKER_PREFIX: &str = "[REDACTED:";

/// The marker that replaces a secret of `kind`.
fn marker(kind: &str) -> String {
    format!("{MARKER_PREFIX}{kind}]")
}

/// Whether `s` is exactly one marker.
fn is_marker(s: &str) -> bool {
    s.strip_prefix(MARKER_PREFIX)
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|kind| !kind.is_empty() && !kind.contains(']'))
}

/// Redacts `text` with the default rules, for a caller with no [`Redactor`] at hand (a log
/// line). It compiles the rules on each call (a few milliseconds): build a [`Redactor`] to
/// redact many texts.
///
/// ```
/// let line = memcore::capture::redact::redact("retrying with password=hunter22");
/// assert_eq!(line, "retrying with password=[REDACTED:password]");
/// ```
pub fn redact(text: &str) -> String {
    match Redactor::new(&RedactionConfig::default()) {
        Ok(redactor) => redactor.redact(text),
        // The built-in rules compile (the tests say so); should they not, nothing is shown.
        Err(_) => marker("text"),
    }
}

/// A short, redacted excerpt of `text` (which may itself be the cut start of something
/// longer) for a log line: the text redacted, then cut to `max_chars` characters; a word
/// the cut (or an earlier one) may have left unfinished is dropped when it is 8 characters
/// or more, and any word that still looks like random key material is replaced, so that no
/// half of a secret is quoted.
///
/// ```
/// let token = format!("ghp_{}", "a1B2".repeat(9));
/// let excerpt = memcore::capture::redact::redact_excerpt(&format!("{{\"t\": {token}"), 80);
/// assert!(!excerpt.contains(&token[..12]));
/// ```
pub fn redact_excerpt(text: &str, max_chars: usize) -> String {
    let redacted = redact(text);
    let mut cut: String = redacted.chars().take(max_chars).collect();
    let word_char = |c: char| c.is_ascii_alphanumeric() || "+/=_.~-".contains(c);
    let tail = cut.len() - cut.trim_end_matches(word_char).len();
    if tail >= 8 {
        cut.truncate(cut.len() - tail);
    }
    let mut out = String::with_capacity(cut.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_random(word) {
            out.push_str(&marker("secret"));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in cut.chars() {
        if word_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests;
