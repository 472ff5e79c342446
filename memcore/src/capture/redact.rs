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

use std::borrow::Cow;

use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Redaction settings: extra secret patterns and an allowlist.
///
/// Private spans and the built-in secret rules are always on: there is no switch to turn
/// privacy off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RedactionConfig {
    /// User patterns, checked before the built-in rules (a match that overlaps a built-in
    /// one is named by the user's kind).
    pub extra_patterns: Vec<SecretPattern>,
    /// Exact strings never redacted, such as a published test key. A match that lies within
    /// an occurrence of one of them is kept as it is. Empty strings are ignored.
    pub allowlist: Vec<String>,
}

/// A user-defined secret: a regular expression and the kind named in its marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretPattern {
    /// The kind named in the marker, `[REDACTED:<kind>]`: letters, digits, `-`, `_`, `.`.
    pub kind: String,
    /// A regular expression in the syntax of the `regex` crate. When it has a capture group,
    /// only the first group is replaced (when it took part in the match); otherwise the
    /// whole match.
    pub pattern: String,
}

/// Applies the redaction rules to text and JSON. Build it once with [`Redactor::new`] and
/// reuse it: construction compiles the patterns.
///
/// ```
/// use memcore::capture::{RedactionConfig, Redactor};
///
/// let redactor = Redactor::new(&RedactionConfig::default())?;
/// let text = "psql postgres://app:s3cr3t-pw@db.internal/app <private>my notes</private>done";
/// assert_eq!(
///     redactor.redact(text),
///     "psql postgres://app:[REDACTED:url-credentials]@db.internal/app done"
/// );
/// # Ok::<(), memcore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redactor {
    /// An opening or closing `<private>` tag.
    private_tag: Regex,
    /// The rules, in priority order (a lower index names overlapping matches).
    detectors: Vec<Detector>,
    /// Finds, in one pass over a text, the prefix literals of the rules that have them;
    /// `gate_rule[i]` is the rule of literal `i`. A rule with literals whose none occurs in a
    /// text cannot match it and is neither compiled nor run.
    gate: Option<aho_corasick::AhoCorasick>,
    gate_rule: Vec<usize>,
    /// Per rule: whether it has prefix literals (and so waits for the gate).
    gated: Vec<bool>,
    /// A bare value that reads as code rather than a literal.
    code_expr: Regex,
    /// Strings never redacted.
    allowlist: Vec<String>,
}

/// One rule: a pattern and what to do with its matches.
#[derive(Debug, Clone)]
struct Detector {
    regex: RulePattern,
    action: Action,
}

/// A rule's pattern, compiled the first time a text may match it. Compiling every built-in
/// rule costs several milliseconds, which every hook process would pay for each first
/// redaction; a rule whose matches must all start with one of a few literals (most vendor
/// formats: `ghp_`, `AKIA`, `-----BEGIN`...) is compiled only once a text holds one of them
/// (see [`Redactor::gate`]). The literals come from `regex-syntax`'s prefix extraction, so
/// skipping a rule never misses a match.
#[derive(Debug, Clone)]
struct RulePattern {
    source: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl RulePattern {
    /// A pattern compiled now (a user's, whose error must be reported at once).
    fn eager(regex: Regex) -> RulePattern {
        let compiled = std::sync::OnceLock::new();
        let _ = compiled.set(Some(regex));
        RulePattern {
            source: String::new(),
            compiled,
        }
    }

    /// A built-in pattern, checked now and compiled on first use.
    fn lazy(source: String) -> Result<RulePattern> {
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(&source)
            .map_err(|err| Error::InvalidInput {
                what: "built-in redaction pattern",
                reason: format!("{source:?}: {err} (this is a bug in memcore)"),
            })?;
        Ok(RulePattern {
            source,
            compiled: std::sync::OnceLock::new(),
        })
    }

    /// The compiled pattern. A built-in pattern that parsed always compiles (the test
    /// `every_built_in_rule_compiles` holds every one to it); should one ever not, the rule
    /// matches nothing rather than panicking in a hook.
    fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    /// The literals every match of the pattern starts with, when there are few enough to
    /// check; `None` when a match may start anywhere.
    fn prefixes(&self) -> Option<Vec<Vec<u8>>> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        if self.source.is_empty() {
            return None;
        }
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&self.source)
            .ok()?;
        let mut extractor = Extractor::new();
        extractor.kind(ExtractKind::Prefix);
        let seq = extractor.extract(&hir);
        let literals = seq.literals()?;
        if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
            return None;
        }
        Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
    }
}

#[derive(Debug, Clone)]
enum Action {
    /// A built-in rule: the secret is capture group `group` (0: the whole match), kept only
    /// when `accept` says so.
    Fixed {
        kind: &'static str,
        group: usize,
        accept: fn(&str) -> bool,
    },
    /// A user pattern: the first capture group if any took part, else the whole match.
    Custom { kind: String },
    /// A `key = value` assignment; `flag` for the `--key value` form.
    Assignment { flag: bool },
    /// The vendor tokens: capture group `i + 1` is the token of `rules[i]`.
    Vendors { rules: Vec<(&'static str, Accept)> },
}

/// A test a candidate secret must pass.
type Accept = fn(&str) -> bool;

/// A stretch of text to replace, and the rule that found it.
#[derive(Debug, Clone, Copy)]
struct Span<'r> {
    start: usize,
    end: usize,
    priority: usize,
    kind: &'r str,
}

/// The most redaction passes over one text (see [`Redactor::redact`]); a guard, never reached
/// by any text seen in the tests.
const MAX_PASSES: usize = 8;

/// The start of every marker.
const MARKER_PREFIX: &str = "[REDACTED:";

/// The words an assignment's key ends with, as a regex fragment (matched ignoring case).
const KEY_WORDS: &str = r"pass(?:word|wd|phrase)?|pwd|secret(?:[_-]?key(?:[_-]?base)?)?|token|key|auth|credentials?|creds";

/// A quoted or bare value, as a regex fragment with the groups `eq` (inside `\"…\"`), `dq`,
/// `sq` and `bare`.
const VALUE: &str = r#"(?:\\"(?P<eq>(?:[^"\\\r\n]|\\[^"\r\n])*)(?:\\"|\\?\r?(?m:$))|"(?P<dq>(?:[^"\\\r\n]|\\[^\r\n])*)(?:"|\\?\r?(?m:$))|'(?P<sq>[^'\r\n]*)(?:'|\r?(?m:$))|(?P<bare>[^\s"'`,;=:\\][^\s"'`,;\\]*))"#;

/// A built-in rule: kind, pattern, secret group (0: the whole match), acceptance test.
type FixedRule = (&'static str, &'static str, usize, fn(&str) -> bool);

/// The built-in fixed rules, in priority order.
fn fixed_rules() -> Vec<FixedRule> {
    vec![
        (
            "private-key",
            r"-----BEGIN[A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s:,.\\-]*?-----END[A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?-----|(?:(?:\s|\\[nr])+[A-Za-z0-9+/=]{16,})*)",
            0,
            accept_any,
        ),
        (
            "anthropic-key",
            r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{20,}",
            0,
            accept_any,
        ),
        (
            "openai-key",
            r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
            0,
            has_digit_and_letter,
        ),
        (
            "github-token",
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?-u:\b)",
            0,
            accept_any,
        ),
        (
            "gitlab-token",
            r"(?-u:\b)(?:gl(?:pat|ptt|dt|rt|oas|cbt|imt|ft|soat|agent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})",
            0,
            accept_any,
        ),
        (
            "stripe-key",
            r"(?-u:\b)(?:[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{32,})(?-u:\b)",
            0,
            accept_any,
        ),
        (
            "slack-token",
            r"(?-u:\b)(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,}",
            0,
            has_digit,
        ),
        (
            "slack-token",
            r"(?-u:\b)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+-]{8,})",
            1,
            accept_any,
        ),
        (
            "aws-access-key",
            r"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]{16}(?-u:\b)",
            0,
            accept_any,
        ),
        (
            "aws-secret-key",
            r#"(?i:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)\\?["']?(?:[ \t]*[:=][ \t]*|[ \t]+)\\?["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#,
            1,
            accept_any,
        ),
        (
            "google-api-key",
            r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
            1,
            accept_any,
        ),
        (
            "npm-token",
            r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
            0,
            accept_any,
        ),
        (
            "huggingface-token",
            r"(?-u:\b)hf_[A-Za-z0-9]{34,}(?-u:\b)",
            0,
            has_both_cases,
        ),
        (
            "pypi-token",
            r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
            0,
            accept_any,
        ),
        (
            "private-key",
            r"(?-u:\b)LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,}={0,2}",
            0,
            is_base64_private_key,
        ),
        (
            "private-key",
            r#"(?i:client-key-data|tls\.key)\\?["']?[ \t]*:[ \t]*\\?["']?([A-Za-z0-9+/]{16,}={0,2})"#,
            1,
            accept_any,
        ),
        (
            "private-key",
            r"Private-Lines:[ \t]*[0-9]+[ \t]*\r?\n((?:[A-Za-z0-9+/=]{4,}[ \t]*(?:\r?\n|$))+)",
            1,
            accept_any,
        ),
        (
            "azure-storage-key",
            r"(?i:AccountKey|SharedAccessKey|SharedSecretValue)[ \t]*=[ \t]*([A-Za-z0-9+/]{20,}={0,2})",
            1,
            accept_any,
        ),
        (
            "url-signature",
            r"(?:[?&;\s]|^)(?i:sig|signature|x-amz-signature|x-goog-signature)=([A-Za-z0-9%+/_=-]{16,})",
            1,
            signature_ok,
        ),
        (
            "basic-auth",
            r#"(?:(?-u:\b)|_)auth\\?["']?[ \t]*[:=][ \t]*\\?["']?([A-Za-z0-9+/]{8,}={0,2})(?:[^A-Za-z0-9+/=]|$)"#,
            1,
            auth_value_ok,
        ),
        (
            "telegram-bot-token",
            r"(?:(?-u:\b)|bot)([0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_-]|$)",
            1,
            accept_any,
        ),
        (
            "discord-token",
            r"(?-u:\b)([MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_.-]|$)",
            1,
            has_digit_and_letter,
        ),
        (
            "discord-token",
            r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/([A-Za-z0-9_-]{60,})",
            1,
            accept_any,
        ),
        (
            "sendgrid-key",
            r"(?-u:\b)(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
            1,
            accept_any,
        ),
        (
            "django-secret-key",
            r"django-insecure-[a-z0-9!@#$%^&*(=+)_-]{20,}",
            0,
            accept_any,
        ),
        (
            "password",
            r"(?-u:\b)machine[ \t]+[^\s]+[ \t]+login[ \t]+[^\s]+[ \t]+password[ \t]+([^\s]+)",
            1,
            netrc_password_ok,
        ),
        (
            "password",
            r"(?m:^)[ \t]*password[ \t]+([^\s]+)[ \t]*\r?(?m:$)",
            1,
            netrc_password_ok,
        ),
        (
            "authorization",
            r#"(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:(?i:token|ssws|apikey|api-key|key|hmac|sharedaccesssignature|splunk|otp)[ \t]+)?([A-Za-z0-9._~+/=-]{16,})"#,
            1,
            looks_random,
        ),
        // Tokens without a prefix of their own, searched each on its own so that the regex
        // engine finds them by their inner literal (`-us`, `.atlasv1.`, `Q~`).
        (
            "mailchimp-key",
            r"(?-u:\b)([0-9a-f]{32}-us[0-9]{1,2})(?:[^A-Za-z0-9_]|$)",
            1,
            accept_any,
        ),
        (
            "terraform-token",
            r"(?-u:\b)[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
            0,
            accept_any,
        ),
        (
            "azure-client-secret",
            r"(?-u:\b)([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
            1,
            accept_any,
        ),
        (
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
            0,
            accept_any,
        ),
        (
            "url-credentials",
            r#"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/?#@'"<>\[\]]*:([^\s/@'"<>]+)@[^\s/:@'"<>]"#,
            1,
            url_password_ok,
        ),
        (
            "bearer-token",
            r"(?i:(?-u:\b)bearer)[ \t]+([A-Za-z0-9._~+/-]+=*)",
            1,
            bearer_token_ok,
        ),
        (
            "basic-auth",
            r#"(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?i:basic)[ \t]+([A-Za-z0-9+/]{8,}={0,2})"#,
            1,
            accept_any,
        ),
        (
            "password",
            r#"(?-u:\b)curl(?-u:\b)[^\r\n]*?[ \t](?:-u|--user)[ \t]+["']?[^\s:"']+:([^\s"']+)"#,
            1,
            curl_password_ok,
        ),
    ]
}

/// Vendor tokens recognised by a prefix of their own, all searched by one regex (one scan
/// of the text for the lot): kind, pattern (no capture group; it starts at a word boundary),
/// acceptance test.
type VendorRule = (&'static str, &'static str, fn(&str) -> bool);

/// The vendor tokens, in priority order (the first alternative matching at a place wins).
fn vendor_rules() -> Vec<VendorRule> {
    vec![
        ("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}", accept_any),
        ("twilio-key", r"SK[0-9a-fA-F]{32}", accept_any),
        (
            "shopify-token",
            r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
            accept_any,
        ),
        ("atlassian-token", r"ATATT3[A-Za-z0-9_=-]{100,}", accept_any),
        (
            "bitbucket-token",
            r"ATBB[A-Za-z0-9_=.-]{32,}",
            has_digit_and_letter,
        ),
        (
            "linear-key",
            r"lin_(?:api|oauth)_[A-Za-z0-9]{40}",
            accept_any,
        ),
        (
            "notion-token",
            r"(?:ntn_[A-Za-z0-9]{40,}|secret_[A-Za-z0-9]{43})",
            is_random_word,
        ),
        (
            "databricks-token",
            r"dapi[a-f0-9]{32}(?:-[0-9])?",
            accept_any,
        ),
        (
            "doppler-token",
            r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}",
            accept_any,
        ),
        (
            "vault-token",
            r"hv[sbr]\.[A-Za-z0-9_-]{24,}",
            has_digit_and_letter,
        ),
        ("postman-key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", accept_any),
        (
            "grafana-token",
            r"(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})",
            accept_any,
        ),
        ("newrelic-key", r"NRAK-[A-Z0-9]{27}", accept_any),
        (
            "sentry-token",
            r"sntry[su]_[A-Za-z0-9+/=_]{40,}",
            accept_any,
        ),
        (
            "age-secret-key",
            r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
            accept_any,
        ),
        ("groq-key", r"gsk_[A-Za-z0-9]{52}", accept_any),
        ("replicate-token", r"r8_[A-Za-z0-9]{37}", is_random_word),
        ("perplexity-key", r"pplx-[A-Za-z0-9]{48}", accept_any),
        ("xai-key", r"xai-[A-Za-z0-9]{80}", accept_any),
        ("rubygems-key", r"rubygems_[a-f0-9]{48}", accept_any),
        ("crates-io-token", r"cio[A-Za-z0-9]{32}", is_random_word),
        (
            "docker-hub-token",
            r"dckr_pat_[A-Za-z0-9_-]{27,}",
            accept_any,
        ),
        ("heroku-key", r"HRKU-[A-Za-z0-9_-]{40,}", accept_any),
        (
            "mapbox-token",
            r"sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}",
            accept_any,
        ),
        (
            "planetscale-token",
            r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}",
            accept_any,
        ),
        ("supabase-token", r"sbp_[a-f0-9]{40}", accept_any),
        ("pulumi-token", r"pul-[a-f0-9]{40}", accept_any),
        ("netlify-token", r"nfp_[A-Za-z0-9]{36}", accept_any),
        (
            "google-oauth-secret",
            r"GOCSPX-[A-Za-z0-9_-]{28}",
            accept_any,
        ),
        (
            "google-oauth-token",
            r"ya29\.[A-Za-z0-9_-]{30,}",
            accept_any,
        ),
        (
            "firebase-key",
            r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,}",
            accept_any,
        ),
        ("facebook-token", r"EAA[A-Za-z0-9]{80,}", is_random_word),
    ]
}

impl Redactor {
    /// Builds a redactor from its settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when an extra pattern is not a valid regular expression, or
    /// its kind is empty or holds characters other than letters, digits, `-`, `_` and `.`.
    pub fn new(config: &RedactionConfig) -> Result<Redactor> {
        let mut detectors = Vec::new();
        for extra in &config.extra_patterns {
            let kind_ok = !extra.kind.is_empty()
                && extra
                    .kind
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !kind_ok {
                return Err(Error::InvalidInput {
                    what: "redaction pattern kind",
                    reason: format!(
                        "kind {:?} of pattern {:?} must be non-empty and use only letters, \
                         digits, '-', '_' and '.'",
                        extra.kind, extra.pattern
                    ),
                });
            }
            let regex = Regex::new(&extra.pattern).map_err(|err| Error::InvalidInput {
                what: "redaction pattern",
                reason: format!(
                    "pattern {:?} of kind {:?} is not a valid regular expression: {err}",
                    extra.pattern, extra.kind
                ),
            })?;
            detectors.push(Detector {
                regex: RulePattern::eager(regex),
                action: Action::Custom {
                    kind: extra.kind.clone(),
                },
            });
        }
        let vendors = vendor_rules();
        let alternatives: Vec<String> = vendors
            .iter()
            .map(|(_, pattern, _)| format!("({pattern})"))
            .collect();
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?-u:\b)(?:{})(?:[^A-Za-z0-9_]|$)",
                alternatives.join("|")
            ))?,
            action: Action::Vendors {
                rules: vendors
                    .into_iter()
                    .map(|(kind, _, accept)| (kind, accept))
                    .collect(),
            },
        });
        for (kind, pattern, group, accept) in fixed_rules() {
            detectors.push(Detector {
                regex: builtin(pattern)?,
                action: Action::Fixed {
                    kind,
                    group,
                    accept,
                },
            });
        }
        let sep = r#"(?P<sep>\\?["']?[ \t]*(?:=>|:=|=|:)[ \t]*)"#;
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?:(?m:^)|[ \t])--(?P<key>[A-Za-z0-9_.-]*(?i:{KEY_WORDS}))[ \t]+{VALUE}"
            ))?,
            action: Action::Assignment { flag: true },
        });
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?P<url>://)?(?P<key>[A-Za-z0-9_.-]*(?i:{KEY_WORDS})){sep}{VALUE}"
            ))?,
            action: Action::Assignment { flag: false },
        });
        let ident = r"[A-Za-z_][A-Za-z0-9_]*";
        let call = r"(?:\(.*|\[.*|<.*|!\(.*|\?+|[)\]}>]+)";
        let code_expr = builtin_regex(&format!(
            r"^(?:[&*]+{ident}.*|{ident}(?:(?:\.|::|->){ident})+{call}?|{ident}{call})$"
        ))?;
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut gate_rule = Vec::new();
        let mut gated = Vec::with_capacity(detectors.len());
        for (i, detector) in detectors.iter().enumerate() {
            match detector.regex.prefixes() {
                Some(prefixes) => {
                    gate_rule.extend(std::iter::repeat_n(i, prefixes.len()));
                    literals.extend(prefixes);
                    gated.push(true);
                }
                None => gated.push(false),
            }
        }
        let gate = if literals.is_empty() {
            None
        } else {
            Some(
                aho_corasick::AhoCorasick::new(&literals).map_err(|err| Error::InvalidInput {
                    what: "built-in redaction pattern",
                    reason: format!("the rules' prefixes: {err} (this is a bug in memcore)"),
                })?,
            )
        };
        Ok(Redactor {
            private_tag: builtin_regex(r"(?i)<[ \t]*/?[ \t]*private[ \t]*>")?,
            gate,
            gate_rule,
            gated,
            detectors,
            code_expr,
            allowlist: config
                .allowlist
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
        })
    }

    /// Returns `text` with private spans removed and secrets replaced by
    /// `[REDACTED:<kind>]`. The rules are in the [module documentation](self).
    pub fn redact(&self, text: &str) -> String {
        self.redact_cow(text).into_owned()
    }

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

    /// Redacts `text`, borrowing it back when nothing changed.
    fn redact_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        // A rule scans its candidates left to right, and one it rejects hides what starts
        // inside it (`Bearer Bearer 12345678…`); replacing a secret changes what its neighbours
        // look like. So redact again until nothing changes: redacting the result once more
        // then changes nothing. Each pass only removes text or turns it into markers, and text
        // with nothing to redact costs one pass.
        let mut current = self.redact_once(text);
        for _ in 1..MAX_PASSES {
            let Cow::Owned(previous) = &current else {
                break;
            };
            let next = match self.redact_once(previous) {
                Cow::Borrowed(_) => break,
                Cow::Owned(next) => next,
            };
            current = Cow::Owned(next);
        }
        current
    }

    /// One pass: private spans, then secrets.
    fn redact_once<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.strip_private(text) {
            Cow::Borrowed(t) => self.replace_secrets(t),
            Cow::Owned(t) => Cow::Owned(self.replace_secrets(&t).into_owned()),
        }
    }

    /// Removes `<private>` spans (see the module documentation).
    fn strip_private<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut tags = self.private_tag.find_iter(text).peekable();
        if tags.peek().is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut depth = 0usize;
        let mut last = 0;
        for tag in tags {
            if depth == 0 {
                out.push_str(&text[last..tag.start()]);
            }
            if tag.as_str().contains('/') {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
            }
            last = tag.end();
        }
        if depth == 0 {
            out.push_str(&text[last..]);
        }
        Cow::Owned(out)
    }

    /// Replaces every secret in `text` with its marker, borrowing `text` back when there is
    /// none.
    fn replace_secrets<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut spans = Vec::new();
        let mut possible: Vec<bool> = self.gated.iter().map(|g| !g).collect();
        if let Some(gate) = &self.gate {
            for m in gate.find_overlapping_iter(text) {
                if let Some(&rule) = self.gate_rule.get(m.pattern().as_usize()) {
                    possible[rule] = true;
                }
            }
        }
        for (priority, detector) in self.detectors.iter().enumerate() {
            if !possible.get(priority).copied().unwrap_or(true) {
                continue;
            }
            self.collect(detector, priority, text, &mut spans);
        }
        spans.retain(|s| s.start < s.end && !text[s.start..s.end].contains(MARKER_PREFIX));
        self.drop_allowed(text, &mut spans);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_by_key(|s| (s.start, s.priority));
        let mut merged: Vec<Span<'_>> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start < last.end => {
                    last.end = last.end.max(span.end);
                    if span.priority < last.priority {
                        last.priority = span.priority;
                        last.kind = span.kind;
                    }
                }
                _ => merged.push(span),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for span in merged {
            out.push_str(&text[last..span.start]);
            out.push_str(MARKER_PREFIX);
            out.push_str(span.kind);
            out.push(']');
            last = span.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// Adds the matches of one rule to `spans`.
    fn collect<'r>(
        &'r self,
        detector: &'r Detector,
        priority: usize,
        text: &str,
        spans: &mut Vec<Span<'r>>,
    ) {
        let Some(regex) = detector.regex.regex() else {
            return;
        };
        let mut push = |start: usize, end: usize, kind: &'r str| {
            spans.push(Span {
                start,
                end,
                priority,
                kind,
            })
        };
        match &detector.action {
            Action::Fixed {
                kind,
                group: 0,
                accept,
            } => {
                for m in regex.find_iter(text) {
                    if accept(m.as_str()) {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Fixed {
                kind,
                group,
                accept,
            } => {
                for caps in regex.captures_iter(text) {
                    if let Some(m) = caps.get(*group)
                        && accept(m.as_str())
                    {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Custom { kind } if regex.captures_len() > 1 => {
                for caps in regex.captures_iter(text) {
                    if let Some(m) = caps.get(1).or_else(|| caps.get(0)) {
                        push(m.start(), m.end(), kind.as_str());
                    }
                }
            }
            Action::Custom { kind } => {
                for m in regex.find_iter(text) {
                    push(m.start(), m.end(), kind.as_str());
                }
            }
            Action::Vendors { rules } => {
                for caps in regex.captures_iter(text) {
                    let found = rules.iter().enumerate().find_map(|(i, (kind, accept))| {
                        caps.get(i + 1)
                            .filter(|m| accept(m.as_str()))
                            .map(|m| (m, *kind))
                    });
                    if let Some((m, kind)) = found {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Assignment { flag } => {
                for caps in regex.captures_iter(text) {
                    if let Some((start, end, kind)) = self.assignment(&caps, *flag) {
                        push(start, end, kind);
                    }
                }
            }
        }
    }

    /// The value span and kind of an assignment whose value looks like a secret.
    fn assignment(&self, caps: &Captures<'_>, flag: bool) -> Option<(usize, usize, &'static str)> {
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
        if value.starts_with(['(', '[']) || self.code_expr.is_match(value) {
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

    /// Drops the spans that lie within an occurrence of an allowlisted string.
    fn drop_allowed(&self, text: &str, spans: &mut Vec<Span<'_>>) {
        if spans.is_empty() || self.allowlist.is_empty() {
            return;
        }
        let allowed: Vec<(usize, usize)> = self
            .allowlist
            .iter()
            .flat_map(|entry| {
                text.match_indices(entry.as_str())
                    .map(|(i, s)| (i, i + s.len()))
            })
            .collect();
        spans.retain(|span| {
            !allowed
                .iter()
                .any(|&(start, end)| start <= span.start && span.end <= end)
        });
    }
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

/// A built-in rule's pattern, compiled on first use (see [`RulePattern`]).
fn builtin(pattern: &str) -> Result<RulePattern> {
    RulePattern::lazy(pattern.to_owned())
}

/// Compiles a built-in pattern now. A failure is a bug in memcore, reported rather than
/// panicking.
fn builtin_regex(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|err| Error::InvalidInput {
        what: "built-in redaction pattern",
        reason: format!("{pattern:?}: {err} (this is a bug in memcore)"),
    })
}

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

/// The kind of an assignment's key, when the key names a secret.
fn assignment_key_kind(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let ends = |words: &[&str]| words.iter().any(|w| lower.ends_with(w));
    if ends(&["password", "passwd", "passphrase"]) {
        return Some("password");
    }
    if lower.ends_with("pass") {
        // `DB_PASS`, `db.pass`, `dbPass`, `pass`; not `bypass` or `BYPASS`.
        let before = key.len() - 4;
        let prefix = &key.as_bytes()[..before];
        let first = key.as_bytes()[before];
        return match prefix.last() {
            None | Some(b'_' | b'-' | b'.') => Some("password"),
            Some(b) if b.is_ascii_lowercase() && first == b'P' => Some("password"),
            _ => None,
        };
    }
    if ends_with_word(key, "pwd") {
        return Some("password");
    }
    if lower.ends_with("token") {
        return Some("token");
    }
    if ends(&[
        "api_key",
        "api-key",
        "apikey",
        "access_key",
        "access-key",
        "accesskey",
    ]) {
        return Some("api-key");
    }
    let squeezed: String = lower.chars().filter(|c| !matches!(c, '_' | '-')).collect();
    let secret_keys = [
        "secret",
        "secretkey",
        "privatekey",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "authkey",
        "secretkeybase",
    ];
    secret_keys
        .iter()
        .any(|w| squeezed.ends_with(w))
        .then_some("secret")
}

/// The kind of an assignment's key and whether it is weak: a weak key (`*_KEY`, `auth`,
/// `credentials`) names a secret only when its value looks random.
fn key_kind(key: &str) -> Option<(&'static str, bool)> {
    match assignment_key_kind(key) {
        Some(kind) => Some((kind, false)),
        None => weak_key_kind(key).map(|kind| (kind, true)),
    }
}

/// The kind of a weak secret key: one that ends with the word `key` (`AZURE_STORAGE_KEY`,
/// `appKey`, `tls.key`; not `monkey`, nor a key that is public by name: `public_key`,
/// `cache_key`, `sort_key`...), `auth` (`_auth`, `basic_auth`) or `credentials`/`creds`.
fn weak_key_kind(key: &str) -> Option<&'static str> {
    const PUBLIC: [&str; 27] = [
        "public",
        "pub",
        "cache",
        "sort",
        "primary",
        "foreign",
        "partition",
        "idempotency",
        "object",
        "s3",
        "map",
        "hash",
        "lookup",
        "group",
        "ssh",
        "gpg",
        "pgp",
        "routing",
        "shard",
        "row",
        "dedup",
        "unique",
        "i18n",
        "translation",
        "host",
        "index",
        "react",
    ];
    if ends_with_word(key, "key") {
        let stem: String = key[..key.len() - 3]
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        return (!PUBLIC.iter().any(|p| stem.ends_with(p))).then_some("secret");
    }
    ["auth", "credentials", "credential", "creds"]
        .iter()
        .any(|w| ends_with_word(key, w))
        .then_some("secret")
}

/// Whether `key` ends with `word` (ignoring case) as a word of its own: the whole key, or
/// after `_`, `-`, `.`, or a camel-case boundary (`dbPwd`, `appKey`).
fn ends_with_word(key: &str, word: &str) -> bool {
    let n = word.len();
    if key.len() < n || !key.is_char_boundary(key.len() - n) {
        return false;
    }
    let (prefix, tail) = key.split_at(key.len() - n);
    if !tail.eq_ignore_ascii_case(word) {
        return false;
    }
    match prefix.as_bytes().last() {
        None | Some(b'_' | b'-' | b'.') => true,
        Some(b) => {
            (b.is_ascii_lowercase() || b.is_ascii_digit())
                && tail.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        }
    }
}

/// Whether a value looks like random key material rather than a word, a name or a number:
/// 32 or more hex digits, or 16 or more visible characters that mix both cases and digits
/// (or, 20 or more, lower case and digits alone) and change class (upper, lower, digit,
/// other) at 40% of their places or more.
fn looks_random(value: &str) -> bool {
    let v = value.trim_end_matches('=');
    let n = v.len();
    if n < 16 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    if !has_digit_and_letter(v) {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return n >= 32;
    }
    let count = |f: fn(&u8) -> bool| v.as_bytes().iter().filter(|b| f(b)).count();
    let (upper, lower, digits) = (
        count(u8::is_ascii_uppercase),
        count(u8::is_ascii_lowercase),
        count(u8::is_ascii_digit),
    );
    let mixed = upper >= 2 && lower >= 2 && digits >= 2;
    // Lower case and digits only (a random slug) counts without separators: with them it
    // reads as a name with a hash in it (`linux-cargo-3f9a…`).
    let slug = upper == 0 && n >= 20 && v.bytes().all(|b| b.is_ascii_alphanumeric());
    if !mixed && !slug {
        return false;
    }
    let class = |b: u8| match b {
        b'A'..=b'Z' => 0,
        b'a'..=b'z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let bytes = v.as_bytes();
    let changes = bytes
        .windows(2)
        .filter(|w| class(w[0]) != class(w[1]))
        .count();
    changes * 100 >= (n - 1) * 40
}

/// A vendor token's random part: digits and both cases.
fn is_random_word(s: &str) -> bool {
    has_digit(s) && has_both_cases(s)
}

/// Decodes standard base64 (padding optional); `None` when it is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Base64 of a PEM private key (`LS0tLS1CRUdJTi` is base64 of `-----BEGIN`), as in a
/// kubeconfig's `client-key-data` or a Kubernetes secret; certificates stay.
fn is_base64_private_key(blob: &str) -> bool {
    let head = &blob[..blob.len().min(80) / 4 * 4];
    decode_base64(head).is_some_and(|bytes| {
        bytes.windows(11).any(|w| w == b"PRIVATE KEY") || bytes.windows(7).any(|w| w == b"PRIVATE")
    })
}

/// A URL signature (`sig=`, `X-Amz-Signature=`): not a placeholder, holding a digit or an
/// escape.
fn signature_ok(value: &str) -> bool {
    !is_placeholder(value) && (has_digit(value) || value.contains('%'))
}

/// An `auth` value (Docker's `config.json`, npm's `_auth`): base64 of `user:password`, or
/// random.
fn auth_value_ok(value: &str) -> bool {
    let basic = decode_base64(value)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|s| {
            s.split_once(':')
                .is_some_and(|(user, pw)| !user.is_empty() && !pw.is_empty())
                && s.chars().all(|c| !c.is_control())
        });
    basic || looks_random(value)
}

/// The password of a `.netrc` line (`password hunter22`): not a placeholder, not a word.
fn netrc_password_ok(value: &str) -> bool {
    !is_placeholder(value)
        && value.len() >= 4
        && value.bytes().any(|b| !b.is_ascii_lowercase())
        && !value.ends_with([':', '.'])
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
fn is_placeholder(value: &str) -> bool {
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

fn accept_any(_: &str) -> bool {
    true
}

fn has_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

fn has_digit_and_letter(s: &str) -> bool {
    has_digit(s) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

fn has_both_cases(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase()) && s.bytes().any(|b| b.is_ascii_lowercase())
}

/// A bearer token: long enough and random-looking, not a word of prose.
fn bearer_token_ok(token: &str) -> bool {
    let len = token.trim_end_matches('=').len();
    !is_placeholder(token)
        && ((len >= 12 && has_digit_and_letter(token)) || (len >= 20 && has_both_cases(token)))
}

/// A URL's password: anything but a placeholder.
fn url_password_ok(password: &str) -> bool {
    !is_placeholder(password)
}

/// A `curl -u` password: not a placeholder, not a short number (`-u 1000:1000`).
fn curl_password_ok(password: &str) -> bool {
    !is_placeholder(password)
        && (password.len() >= 6 || !password.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::{RedactionConfig, Redactor, SecretPattern};

    #[test]
    fn every_built_in_rule_compiles() {
        let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
        for detector in &redactor.detectors {
            assert!(
                detector.regex.regex().is_some(),
                "{:?} does not compile",
                detector.regex.source
            );
        }
        // Most rules wait for one of their prefixes; some must run on every text.
        assert!(redactor.gated.iter().filter(|g| **g).count() >= redactor.gated.len() / 2);
        assert!(redactor.gated.iter().any(|g| !g));
    }

    #[test]
    fn building_the_redactor_compiles_no_gated_rule() {
        let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
        for (detector, gated) in redactor.detectors.iter().zip(&redactor.gated) {
            if *gated {
                assert!(detector.regex.compiled.get().is_none());
            }
        }
        // A text with a token's prefix compiles that rule, and redacts.
        let text = "token ghp_0123456789abcdefghijABCDEFGHIJ012345 here";
        assert!(redactor.redact(text).contains("[REDACTED:"));
    }
    use crate::Error;
    use serde_json::json;

    fn redactor() -> Redactor {
        match Redactor::new(&RedactionConfig::default()) {
            Ok(r) => r,
            Err(e) => panic!("default redactor: {e}"),
        }
    }

    fn redact(text: &str) -> String {
        redactor().redact(text)
    }

    /// Fake secrets, built by concatenation so that this file holds nothing a secret scanner
    /// would flag.
    fn github() -> String {
        format!("ghp_{}", "a1B2".repeat(9))
    }
    fn openai() -> String {
        format!("sk-{}", "T3BlbkFJ9xQz".repeat(4))
    }
    fn aws_secret() -> String {
        format!("wJalrXUtnFEMI/K7MDENG/{}", "bPxRfiCYzz9aQ3vK1m")
    }
    fn jwt() -> String {
        format!(
            "eyJ{}.eyJ{}.{}",
            "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "zdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ",
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        )
    }

    // ---- private spans ----

    #[test]
    fn private_span_is_removed_with_its_tags() {
        assert_eq!(
            redact("keep <private>my salary is 100k</private> this"),
            "keep  this"
        );
    }

    #[test]
    fn private_tags_ignore_case_and_spaces() {
        assert_eq!(redact("a<PRIVATE>x</Private>b"), "ab");
        assert_eq!(redact("a< private >x</ private >b"), "ab");
    }

    #[test]
    fn private_span_may_cross_lines_and_repeat() {
        let text = "one\n<private>\nsecret\nlines\n</private>\ntwo <private>x</private> three";
        assert_eq!(redact(text), "one\n\ntwo  three");
    }

    #[test]
    fn unclosed_private_tag_removes_to_the_end() {
        assert_eq!(redact("visible <private>hidden\nand more"), "visible ");
    }

    #[test]
    fn stray_closing_tag_is_dropped() {
        assert_eq!(redact("a </private> b"), "a  b");
    }

    #[test]
    fn nested_private_tags_need_their_own_close() {
        assert_eq!(redact("a<private>x<private>y</private>z</private>b"), "ab");
    }

    #[test]
    fn secrets_next_to_private_spans_are_still_redacted() {
        let out = redact(&format!("<private>x</private>token={}", github()));
        assert_eq!(out, "token=[REDACTED:github-token]");
    }

    // ---- provider keys ----

    #[test]
    fn aws_access_key_is_redacted() {
        let key = format!("AKIA{}", "Q3EXAMPLE7KEYZ42");
        assert_eq!(
            redact(&format!("aws_access_key_id = {key}")),
            "aws_access_key_id = [REDACTED:aws-access-key]"
        );
        let temp = format!("ASIA{}", "J7QW2EXAMPLE9KZT");
        assert_eq!(redact(&temp), "[REDACTED:aws-access-key]");
        // Longer runs are not access keys.
        let long = format!("AKIA{}", "Q3EXAMPLE7KEYZ42XYZ");
        assert_eq!(redact(&long), long);
    }

    #[test]
    fn aws_secret_key_needs_its_assignment() {
        let secret = aws_secret();
        assert_eq!(
            redact(&format!("aws_secret_access_key = {secret}")),
            "aws_secret_access_key = [REDACTED:aws-secret-key]"
        );
        assert_eq!(
            redact(&format!("\"SecretAccessKey\": \"{secret}\",")),
            "\"SecretAccessKey\": \"[REDACTED:aws-secret-key]\","
        );
        assert_eq!(
            redact(&format!("export AWS_SECRET_ACCESS_KEY={secret}")),
            "export AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]"
        );
        assert_eq!(
            redact(&format!("aws configure set aws_secret_access_key {secret}")),
            "aws configure set aws_secret_access_key [REDACTED:aws-secret-key]"
        );
        // 40 base64 characters on their own are not recognisable.
        let alone = format!("digest {secret}");
        assert_eq!(redact(&alone), alone);
    }

    #[test]
    fn github_tokens_of_every_prefix_are_redacted() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let token = format!("{prefix}{}", "Zx9Y".repeat(9));
            assert_eq!(
                redact(&format!("git push https://{token}@github.com/o/r")),
                "git push https://[REDACTED:github-token]@github.com/o/r"
            );
        }
        let pat = format!(
            "github_pat_{}_{}",
            "11ABCDEFG0123456789xyz",
            "Ab9".repeat(20)
        );
        assert_eq!(redact(&pat), "[REDACTED:github-token]");
        // Too short.
        assert_eq!(redact("ghp_abc123"), "ghp_abc123");
    }

    #[test]
    fn openai_keys_are_redacted() {
        assert_eq!(
            redact(&format!("OPENAI_API_KEY={}", openai())),
            "OPENAI_API_KEY=[REDACTED:openai-key]"
        );
        let project = format!("sk-proj-{}_{}", "Ab3dE".repeat(8), "Qw-9z".repeat(6));
        assert_eq!(redact(&project), "[REDACTED:openai-key]");
        // A long word after sk- without digits is not a key.
        let word = "sk-learn-compatible-estimators";
        assert_eq!(redact(word), word);
    }

    #[test]
    fn anthropic_key_wins_over_openai() {
        let key = format!("sk-ant-api03-{}AA", "xY7_kP2-".repeat(11));
        assert_eq!(
            redact(&format!("ANTHROPIC_API_KEY=\"{key}\"")),
            "ANTHROPIC_API_KEY=\"[REDACTED:anthropic-key]\""
        );
    }

    #[test]
    fn slack_tokens_and_webhooks_are_redacted() {
        let token = format!(
            "xoxb-{}-{}-{}",
            "2415781234",
            "5123456789012",
            "aB3dE".repeat(5)
        );
        assert_eq!(redact(&token), "[REDACTED:slack-token]");
        let user = format!("xoxp-{}", "1234567890-abcdef");
        assert_eq!(redact(&user), "[REDACTED:slack-token]");
        let hook = format!(
            "curl -X POST https://hooks.slack.com/services/{}/{}/{}",
            "T0A1B2C3D",
            "B0E4F5G6H",
            "xY9".repeat(8)
        );
        assert_eq!(
            redact(&hook),
            "curl -X POST https://hooks.slack.com/services/[REDACTED:slack-token]"
        );
    }

    #[test]
    fn google_api_key_is_redacted() {
        let key = format!("AIza{}", "SyD-9tSrke72PouQMnMX7Kb3_Ab1cD2eF3g");
        assert_eq!(key.len(), 39);
        assert_eq!(
            redact(&format!("https://maps.googleapis.com/x?key={key}&q=1")),
            "https://maps.googleapis.com/x?key=[REDACTED:google-api-key]&q=1"
        );
    }

    #[test]
    fn other_provider_tokens_are_redacted() {
        let cases = [
            (format!("glpat-{}", "xK9_mP2-qR7vT4wY1zA3"), "gitlab-token"),
            (
                format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc"),
                "stripe-key",
            ),
            (format!("npm_{}", "aB3d".repeat(9)), "npm-token"),
            (
                format!("hf_{}", "AbCdEfGhIj".repeat(4)),
                "huggingface-token",
            ),
            (
                format!("pypi-AgEIcHlwaS5vcmc{}", "CJDk3NzFhYjE0LTk".repeat(4)),
                "pypi-token",
            ),
        ];
        for (secret, kind) in cases {
            assert_eq!(
                redact(&format!("value {secret} end")),
                format!("value [REDACTED:{kind}] end"),
                "{secret}"
            );
        }
    }

    #[test]
    fn jwt_is_redacted() {
        assert_eq!(
            redact(&format!("session={}; Path=/", jwt())),
            "session=[REDACTED:jwt]; Path=/"
        );
    }

    #[test]
    fn private_key_block_is_redacted_whole() {
        let body = "MIIEowIBAAKCAQEA7bq9".repeat(3);
        for label in ["RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", ""] {
            let pem = format!(
                "-----BEGIN {label}PRIVATE KEY-----\n{body}\n{body}\n-----END {label}PRIVATE KEY-----"
            );
            assert_eq!(
                redact(&format!("cat id\n{pem}\n$ next")),
                "cat id\n[REDACTED:private-key]\n$ next"
            );
        }
    }

    #[test]
    fn private_key_inside_a_json_string_is_redacted() {
        let body = "MIIEvQIBADANBgkqhkiG9w0B".repeat(2);
        let text = format!(
            r#"{{"private_key": "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n", "x": 1}}"#
        );
        assert_eq!(
            redact(&text),
            r#"{"private_key": "[REDACTED:private-key]\n", "x": 1}"#
        );
    }

    #[test]
    fn truncated_private_key_loses_its_base64_lines() {
        let body = "MIIEowIBAAKCAQEA7bq9".repeat(3);
        let text = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body}\n[... elided ...]");
        assert_eq!(redact(&text), "[REDACTED:private-key]\n[... elided ...]");
    }

    #[test]
    fn pem_header_in_code_does_not_swallow_the_file() {
        let code = "if line.starts_with(\"-----BEGIN PRIVATE KEY-----\") {\n    parse(line);\n}";
        assert_eq!(
            redact(code),
            "if line.starts_with(\"[REDACTED:private-key]\") {\n    parse(line);\n}"
        );
    }

    // ---- context rules ----

    #[test]
    fn bearer_token_keeps_the_word_bearer() {
        let token = "a8f3Kd92LmQz7Xw1";
        assert_eq!(
            redact(&format!(
                "curl -H 'Authorization: Bearer {token}' https://api.x"
            )),
            "curl -H 'Authorization: Bearer [REDACTED:bearer-token]' https://api.x"
        );
        assert_eq!(
            redact(&format!("Authorization: Bearer {}", jwt())),
            "Authorization: Bearer [REDACTED:jwt]"
        );
        for prose in [
            "the bearer of bad news",
            "Bearer authentication is required",
            "use Bearer $TOKEN",
            "Authorization: Bearer <token>",
        ] {
            assert_eq!(redact(prose), prose);
        }
    }

    #[test]
    fn basic_auth_is_redacted() {
        assert_eq!(
            redact("Authorization: Basic dXNlcjpodW50ZXIy"),
            "Authorization: Basic [REDACTED:basic-auth]"
        );
    }

    #[test]
    fn url_credentials_keep_scheme_user_and_host() {
        assert_eq!(
            redact("DATABASE_URL=postgres://app:Zq8-w1nT3r@db.internal:5432/app"),
            "DATABASE_URL=postgres://app:[REDACTED:url-credentials]@db.internal:5432/app"
        );
        assert_eq!(
            redact("redis://:p4ssw0rdXY@cache:6379"),
            "redis://:[REDACTED:url-credentials]@cache:6379"
        );
        for kept in [
            "https://example.com:8080/path",
            "ssh://git@github.com/org/repo.git",
            "postgres://user:${PGPASSWORD}@localhost/db",
            "postgres://user:password@localhost/db",
        ] {
            assert_eq!(redact(kept), kept);
        }
    }

    #[test]
    fn curl_user_password_is_redacted() {
        assert_eq!(
            redact("curl -u admin:S3cr3tPw https://x"),
            "curl -u admin:[REDACTED:password] https://x"
        );
        let docker = "docker run -u 1000:1000 img";
        assert_eq!(redact(docker), docker);
    }

    // ---- assignments ----

    #[test]
    fn assignments_keep_the_key_and_lose_the_value() {
        let cases = [
            ("password=hunter22", "password=[REDACTED:password]"),
            ("PASSWORD: Tr0ub4dor&3", "PASSWORD: [REDACTED:password]"),
            (
                "\"api_key\": \"4f9a8b7c6d5e4f3a\"",
                "\"api_key\": \"[REDACTED:api-key]\"",
            ),
            (
                "export SECRET_TOKEN=9fK2mQ8xZ1",
                "export SECRET_TOKEN=[REDACTED:token]",
            ),
            (
                "client_secret='aB3xY9zQ7wE1'",
                "client_secret='[REDACTED:secret]'",
            ),
            ("DB_PASS=letmein", "DB_PASS=[REDACTED:password]"),
            (
                "db.passwd = \"s3cr3t!\"",
                "db.passwd = \"[REDACTED:password]\"",
            ),
            ("apikey := 0123abcd4567ef", "apikey := [REDACTED:api-key]"),
            ("X-Api-Key: ab12cd34ef56", "X-Api-Key: [REDACTED:api-key]"),
            (
                "SECRET_KEY=django-insecure-9f8e7d",
                "SECRET_KEY=[REDACTED:secret]",
            ),
            (
                "accessToken: 'x9Y8z7W6v5'",
                "accessToken: '[REDACTED:token]'",
            ),
            (
                "mysql --password hunter22 db",
                "mysql --password [REDACTED:password] db",
            ),
            (
                "login --token=0a9b8c7d6e5f",
                "login --token=[REDACTED:token]",
            ),
            (
                r#"{\"password\": \"hunter22\"}"#,
                r#"{\"password\": \"[REDACTED:password]\"}"#,
            ),
            (
                "let password = \"hunter2\";",
                "let password = \"[REDACTED:password]\";",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn a_bare_value_stops_at_the_next_query_parameter() {
        assert_eq!(
            redact("POST /oauth/token client_secret=9fK2mQ8xZ1pL&grant_type=client_credentials"),
            "POST /oauth/token client_secret=[REDACTED:secret]&grant_type=client_credentials"
        );
        // An `&` inside a password is not a parameter boundary.
        assert_eq!(
            redact("PASSWORD=Tr0ub4dor&3 next"),
            "PASSWORD=[REDACTED:password] next"
        );
    }

    #[test]
    fn key_names_are_classified_by_their_ending() {
        use super::assignment_key_kind as kind;
        assert_eq!(kind("DB_PASSWORD"), Some("password"));
        assert_eq!(kind("db.passwd"), Some("password"));
        assert_eq!(kind("GPG_PASSPHRASE"), Some("password"));
        assert_eq!(kind("DB_PASS"), Some("password"));
        assert_eq!(kind("dbPass"), Some("password"));
        assert_eq!(kind("pass"), Some("password"));
        assert_eq!(kind("bypass"), None);
        assert_eq!(kind("BYPASS"), None);
        assert_eq!(kind("accessToken"), Some("token"));
        assert_eq!(kind("token_count"), None);
        assert_eq!(kind("max_tokens"), None);
        assert_eq!(kind("x-api-key"), Some("api-key"));
        assert_eq!(kind("MINIO_ACCESS_KEY"), Some("api-key"));
        assert_eq!(kind("clientSecret"), Some("secret"));
        assert_eq!(kind("SECRET_KEY"), Some("secret"));
        assert_eq!(kind("jwt-signing-key"), Some("secret"));
        assert_eq!(kind("monkey"), None);
        assert_eq!(kind("public_key"), None);
    }

    #[test]
    fn ordinary_uses_of_secret_words_are_kept() {
        for text in [
            "the tokenizer splits words",
            "our password policy requires 12 characters",
            "token_count = 5",
            "max_tokens=4096",
            "password=",
            "password=\n",
            "token: 5",
            "let token = lexer.next();",
            "let tokens = tokenize(src);",
            "token = tokens[i]",
            "password = getpass.getpass()",
            "api_key = os.environ[\"OPENAI_API_KEY\"]",
            "fn login(user: &str, password: &str) -> bool",
            "pub token: Option<String>,",
            "secret: [u8; 32],",
            "if password == confirm:",
            "self.password = password",
            "f(token=tok)",
            "password = None",
            "TOKEN_TTL=3600",
            "password: String",
            "const token = await getToken();",
            "PASSWORD=${DB_PASSWORD}",
            "password: \"{{ vault_db_password }}\"",
            "api_key=<your-api-key>",
            "password=********",
            "\"password\": \"must be at least 8 characters\"",
            "token: Token::Eof",
            "bypass=cache",
            "SSH_AUTH_SOCK=/tmp/ssh-XXXX/agent.123",
            "PASSWORD_FILE=/run/secrets/db_password",
            "secret_key_base: /etc/app/secret.key",
            "password_hash = bcrypt(pw)",
            "POST /login password= (empty)",
            "token = [t for t in tokens if t]",
        ] {
            assert_eq!(redact(text), text, "{text}");
        }
    }

    // ---- overlaps, allowlist, custom patterns ----

    #[test]
    fn overlapping_matches_become_one_marker_of_the_most_specific_kind() {
        assert_eq!(
            redact(&format!("GITHUB_TOKEN={}", github())),
            "GITHUB_TOKEN=[REDACTED:github-token]"
        );
        assert_eq!(
            redact(&format!("https://x-access-token:{}@github.com", github())),
            "https://x-access-token:[REDACTED:github-token]@github.com"
        );
    }

    #[test]
    fn redaction_is_idempotent() {
        let text = format!(
            "password=hunter22 {} Authorization: Bearer a8f3Kd92LmQz7Xw1 postgres://u:pw12345@h",
            github()
        );
        let once = redact(&text);
        assert_eq!(redact(&once), once);
    }

    #[test]
    fn allowlisted_strings_are_kept() {
        let test_key = format!("AKIA{}", "IOSFODNN7EXAMPLE");
        let config = RedactionConfig {
            allowlist: vec![
                test_key.clone(),
                "postgres://ci:ci-pass-123@localhost".into(),
            ],
            ..RedactionConfig::default()
        };
        let r = Redactor::new(&config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.redact(&test_key), test_key);
        assert_eq!(
            r.redact("postgres://ci:ci-pass-123@localhost/db"),
            "postgres://ci:ci-pass-123@localhost/db"
        );
        assert_eq!(
            r.redact("postgres://ci:other-pw-9@localhost/db"),
            "postgres://ci:[REDACTED:url-credentials]@localhost/db"
        );
    }

    #[test]
    fn extra_patterns_redact_their_group_or_match() {
        let config = RedactionConfig {
            extra_patterns: vec![
                SecretPattern {
                    kind: "acme-key".into(),
                    pattern: r"acme_[0-9a-f]{12}".into(),
                },
                SecretPattern {
                    kind: "employee-id".into(),
                    pattern: r"EMP-(\d{6})".into(),
                },
            ],
            ..RedactionConfig::default()
        };
        let r = Redactor::new(&config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.redact("key acme_0123456789ab for EMP-123456"),
            "key [REDACTED:acme-key] for EMP-[REDACTED:employee-id]"
        );
        // A user pattern names an overlapping built-in match.
        assert_eq!(
            r.redact("password=acme_0123456789ab"),
            "password=[REDACTED:acme-key]"
        );
    }

    #[test]
    fn invalid_extra_pattern_is_an_error_naming_it() {
        let config = RedactionConfig {
            extra_patterns: vec![SecretPattern {
                kind: "broken".into(),
                pattern: "acme_[0-9".into(),
            }],
            ..RedactionConfig::default()
        };
        match Redactor::new(&config) {
            Err(Error::InvalidInput { what, reason }) => {
                assert_eq!(what, "redaction pattern");
                assert!(reason.contains("acme_[0-9"), "{reason}");
                assert!(reason.contains("broken"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn bad_extra_kind_is_an_error() {
        for kind in ["", "has space", "x]y"] {
            let config = RedactionConfig {
                extra_patterns: vec![SecretPattern {
                    kind: kind.into(),
                    pattern: "abc".into(),
                }],
                ..RedactionConfig::default()
            };
            assert!(
                matches!(Redactor::new(&config), Err(Error::InvalidInput { .. })),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn config_deserializes_with_defaults() {
        let config: RedactionConfig =
            serde_json::from_str(r#"{"allowlist": ["x"]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.allowlist, vec!["x".to_string()]);
        assert!(config.extra_patterns.is_empty());
        let empty: RedactionConfig = serde_json::from_str("{}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty, RedactionConfig::default());
    }

    // ---- JSON ----

    #[test]
    fn json_strings_are_redacted_recursively() {
        let mut value = json!({
            "tool_input": {"command": format!("gh auth login --with-token {}", github())},
            "list": ["ok", format!("Bearer {}", jwt()), 3, null],
            "max_tokens": 1024,
            "token_count": 5,
            "tokenizer": "cl100k_base",
        });
        redactor().redact_json(&mut value);
        assert_eq!(
            value["tool_input"]["command"],
            "gh auth login --with-token [REDACTED:github-token]"
        );
        assert_eq!(value["list"][0], "ok");
        assert_eq!(value["list"][1], "Bearer [REDACTED:jwt]");
        assert_eq!(value["list"][2], 3);
        assert_eq!(value["max_tokens"], 1024);
        assert_eq!(value["token_count"], 5);
        assert_eq!(value["tokenizer"], "cl100k_base");
    }

    #[test]
    fn json_values_of_secret_keys_are_redacted_whole() {
        let mut value = json!({
            "password": "hunter2",
            "Authorization": "Bearer abc",
            "client_secret": "x",
            "access_token": "short",
            "refresh-token": "r",
            "private_key": "k",
            "apiKey": "v",
            "nested": [{"secret": "s", "token": ""}],
            "token": 12,
            "session_cookie": "sid=abc",
        });
        redactor().redact_json(&mut value);
        assert_eq!(
            value,
            json!({
                "password": "[REDACTED:password]",
                "Authorization": "[REDACTED:authorization]",
                "client_secret": "[REDACTED:secret]",
                "access_token": "[REDACTED:token]",
                "refresh-token": "[REDACTED:token]",
                "private_key": "[REDACTED:secret]",
                "apiKey": "[REDACTED:api-key]",
                "nested": [{"secret": "[REDACTED:secret]", "token": ""}],
                "token": 12,
                "session_cookie": "[REDACTED:cookie]",
            })
        );
    }

    #[test]
    fn json_keys_are_redacted_too() {
        let mut value = json!({ github(): 1, "a": format!("<private>x</private>{}", "y") });
        redactor().redact_json(&mut value);
        assert_eq!(value, json!({"[REDACTED:github-token]": 1, "a": "y"}));
    }

    #[test]
    fn deeply_nested_json_does_not_overflow_the_stack() {
        let mut value = json!("password=hunter22");
        for _ in 0..100_000 {
            value = serde_json::Value::Array(vec![value]);
        }
        redactor().redact_json(&mut value);
        let mut inner = &value;
        while let Some(next) = inner.get(0) {
            inner = next;
        }
        assert_eq!(inner, "password=[REDACTED:password]");
        // Drop iteratively too: serde_json's recursive drop would overflow.
        let mut v = value;
        while let serde_json::Value::Array(mut items) = v {
            v = items.pop().unwrap_or(serde_json::Value::Null);
        }
    }

    // ---- scale ----

    #[test]
    fn large_ordinary_text_is_unchanged() {
        let paragraph = "The build finished in 3.2s; 148 tests passed. Next, refactor the \
                         tokenizer so that password policy checks run once per request.\n\
                         commit 3f9a1c2e8b7d6f5a4e3c2b1a0f9e8d7c6b5a4f3e src/lib.rs:42\n";
        let text = paragraph.repeat(100_000 / paragraph.len() + 1);
        assert!(text.len() > 100_000);
        assert_eq!(redact(&text), text);
    }
}

#[cfg(test)]
mod properties {
    use super::{RedactionConfig, Redactor};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Runs `strategy` through one redactor (building it per case would dominate the time).
    fn check_idempotent(strategy: impl Strategy<Value = String>) {
        let redactor = match Redactor::new(&RedactionConfig::default()) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let mut runner = TestRunner::new(Config::with_cases(512));
        let result = runner.run(&strategy, |text| {
            let once = redactor.redact(&text);
            prop_assert_eq!(redactor.redact(&once), once);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    #[test]
    fn redaction_never_panics_and_is_idempotent_on_any_text() {
        check_idempotent("(?s).{0,300}");
    }

    #[test]
    fn a_rejected_candidate_does_not_hide_the_next_secret() {
        let redactor = match Redactor::new(&RedactionConfig::default()) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        // `KEY-----token: token:` is a candidate whose value is no secret; `token: password=`
        // starts inside it. `Bearer Bearer` hides `Bearer 12345678…` the same way.
        for (text, expected) in [
            (
                "password=-----BEGIN PRIVATE KEY-----token: token: password=",
                "password=[REDACTED:private-key]token: token: [REDACTED:token]",
            ),
            (
                "password=Bearer Bearer 12345678password=",
                "password=[REDACTED:password] Bearer [REDACTED:bearer-token]",
            ),
        ] {
            let once = redactor.redact(text);
            assert_eq!(once, expected, "{text}");
            assert_eq!(redactor.redact(&once), once, "{text}");
        }
    }

    #[test]
    fn redaction_is_idempotent_on_secret_shaped_text() {
        let part = prop_oneof![
            Just("password=".to_string()),
            Just("token: ".to_string()),
            Just("<private>".to_string()),
            Just("</private>".to_string()),
            Just("Bearer ".to_string()),
            Just("https://u:".to_string()),
            Just("@h ".to_string()),
            Just("ghp_".to_string()),
            Just("sk-ant-".to_string()),
            Just("eyJ".to_string()),
            Just(".".to_string()),
            Just("-----BEGIN PRIVATE KEY-----".to_string()),
            Just("-----END PRIVATE KEY-----".to_string()),
            "[A-Za-z0-9_=:\"' \n-]{0,40}",
        ];
        check_idempotent(proptest::collection::vec(part, 0..12).prop_map(|p| p.concat()));
    }
}
