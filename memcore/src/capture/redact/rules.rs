//! The table of built-in rules: the fixed rules and the vendor tokens, in priority order, and
//! the regex fragments of an assignment's key and value. Each row names its kind, its pattern
//! and the test a candidate must pass (see [`accept`](super::accept)).

use super::accept::{
    accept_any, auth_value_ok, bearer_token_ok, curl_password_ok, is_base64_private_key,
    netrc_password_ok, signature_ok, url_password_ok,
};
use super::entropy::{
    has_both_cases, has_digit, has_digit_and_letter, is_random_word, looks_random,
};

/// The words an assignment's key ends with, as a regex fragment (matched ignoring case).
pub(super) const KEY_WORDS: &str = r"pass(?:word|wd|phrase)?|pwd|secret(?:[_-]?key(?:[_-]?base)?)?|token|key|auth|credentials?|creds";

/// Words one of which every key in [`KEY_WORDS`] holds: the gate of the assignment rules.
pub(super) const KEY_ROOTS: &[&str] = &["pass", "pwd", "secret", "token", "key", "auth", "cred"];

/// A quoted or bare value, as a regex fragment with the groups `eq` (inside `\"…\"`), `dq`,
/// `sq` and `bare`.
pub(super) const VALUE: &str = r#"(?:\\"(?P<eq>(?:[^"\\\r\n]|\\[^"\r\n])*)(?:\\"|\\?\r?(?m:$))|"(?P<dq>(?:[^"\\\r\n]|\\[^\r\n])*)(?:"|\\?\r?(?m:$))|'(?P<sq>[^'\r\n]*)(?:'|\r?(?m:$))|(?P<bare>[^\s"'`,;=:\\][^\s"'`,;\\]*))"#;

/// A built-in rule: kind, pattern, secret group (0: the whole match), acceptance test, and
/// gate words: when given, words one of which every match holds somewhere (ASCII case aside),
/// which the gate waits for instead of the pattern's prefix literals (a rule whose matches
/// start with no literal of their own, or with one as common as a space). Checked by
/// `a_gated_rule_finds_what_an_ungated_one_finds`.
type FixedRule = (
    &'static str,
    &'static str,
    usize,
    fn(&str) -> bool,
    &'static [&'static str],
);

/// The built-in fixed rules, in priority order.
pub(super) fn fixed_rules() -> Vec<FixedRule> {
    vec![
        (
            "private-key",
            r"-----BEGIN[A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s:,.\\-]*?-----END[A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?-----|(?:(?:\s|\\[nr])+[A-Za-z0-9+/=]{16,})*)",
            0,
            accept_any,
            &[],
        ),
        (
            "anthropic-key",
            r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{20,}",
            0,
            accept_any,
            &[],
        ),
        (
            "openai-key",
            r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
            0,
            has_digit_and_letter,
            &[],
        ),
        (
            "github-token",
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?-u:\b)",
            0,
            accept_any,
            &[],
        ),
        (
            "gitlab-token",
            r"(?-u:\b)(?:gl(?:pat|ptt|dt|rt|oas|cbt|imt|ft|soat|agent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})",
            0,
            accept_any,
            &[],
        ),
        (
            "stripe-key",
            r"(?-u:\b)(?:[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{32,})(?-u:\b)",
            0,
            accept_any,
            &[],
        ),
        (
            "slack-token",
            r"(?-u:\b)(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,}",
            0,
            has_digit,
            &[],
        ),
        (
            "slack-token",
            r"(?-u:\b)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+-]{8,})",
            1,
            accept_any,
            &[],
        ),
        (
            "aws-access-key",
            r"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]{16}(?-u:\b)",
            0,
            accept_any,
            &[],
        ),
        (
            "aws-secret-key",
            r#"(?i:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)\\?["']?(?:[ \t]*[:=][ \t]*|[ \t]+)\\?["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#,
            1,
            accept_any,
            &[],
        ),
        (
            "google-api-key",
            r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
            1,
            accept_any,
            &[],
        ),
        (
            "npm-token",
            r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
            0,
            accept_any,
            &[],
        ),
        (
            "huggingface-token",
            r"(?-u:\b)hf_[A-Za-z0-9]{34,}(?-u:\b)",
            0,
            has_both_cases,
            &[],
        ),
        (
            "pypi-token",
            r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
            0,
            accept_any,
            &[],
        ),
        (
            "private-key",
            r"(?-u:\b)LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,}={0,2}",
            0,
            is_base64_private_key,
            &[],
        ),
        (
            "private-key",
            r#"(?i:client-key-data|tls\.key)\\?["']?[ \t]*:[ \t]*\\?["']?([A-Za-z0-9+/]{16,}={0,2})"#,
            1,
            accept_any,
            &[],
        ),
        (
            "private-key",
            r"Private-Lines:[ \t]*[0-9]+[ \t]*\r?\n((?:[A-Za-z0-9+/=]{4,}[ \t]*(?:\r?\n|$))+)",
            1,
            accept_any,
            &[],
        ),
        (
            "azure-storage-key",
            r"(?i:AccountKey|SharedAccessKey|SharedSecretValue)[ \t]*=[ \t]*([A-Za-z0-9+/]{20,}={0,2})",
            1,
            accept_any,
            &[],
        ),
        (
            "url-signature",
            r"(?:[?&;\s]|^)(?i:sig|signature|x-amz-signature|x-goog-signature)=([A-Za-z0-9%+/_=-]{16,})",
            1,
            signature_ok,
            &["sig"],
        ),
        (
            "basic-auth",
            r#"(?:(?-u:\b)|_)auth\\?["']?[ \t]*[:=][ \t]*\\?["']?([A-Za-z0-9+/]{8,}={0,2})(?:[^A-Za-z0-9+/=]|$)"#,
            1,
            auth_value_ok,
            &[],
        ),
        (
            "telegram-bot-token",
            r"(?:(?-u:\b)|bot)([0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_-]|$)",
            1,
            accept_any,
            &[":AA"],
        ),
        (
            "discord-token",
            r"(?-u:\b)([MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_.-]|$)",
            1,
            has_digit_and_letter,
            &[],
        ),
        (
            "discord-token",
            r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/([A-Za-z0-9_-]{60,})",
            1,
            accept_any,
            &[],
        ),
        (
            "sendgrid-key",
            r"(?-u:\b)(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
            1,
            accept_any,
            &[],
        ),
        (
            "django-secret-key",
            r"django-insecure-[a-z0-9!@#$%^&*(=+)_-]{20,}",
            0,
            accept_any,
            &[],
        ),
        (
            "password",
            r"(?-u:\b)machine[ \t]+[^\s]+[ \t]+login[ \t]+[^\s]+[ \t]+password[ \t]+([^\s]+)",
            1,
            netrc_password_ok,
            &[],
        ),
        (
            "password",
            r"(?m:^)[ \t]*password[ \t]+([^\s]+)[ \t]*\r?(?m:$)",
            1,
            netrc_password_ok,
            &["password"],
        ),
        (
            "authorization",
            r#"(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:(?i:token|ssws|apikey|api-key|key|hmac|sharedaccesssignature|splunk|otp)[ \t]+)?([A-Za-z0-9._~+/=-]{16,})"#,
            1,
            looks_random,
            &[],
        ),
        // Tokens without a prefix of their own, searched each on its own so that the regex
        // engine finds them by their inner literal (`-us`, `.atlasv1.`, `Q~`).
        (
            "mailchimp-key",
            r"(?-u:\b)([0-9a-f]{32}-us[0-9]{1,2})(?:[^A-Za-z0-9_]|$)",
            1,
            accept_any,
            &["-us"],
        ),
        (
            "terraform-token",
            r"(?-u:\b)[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
            0,
            accept_any,
            &[".atlasv1."],
        ),
        (
            "azure-client-secret",
            r"(?-u:\b)([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
            1,
            accept_any,
            &["Q~"],
        ),
        (
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
            0,
            accept_any,
            &[],
        ),
        (
            "url-credentials",
            r#"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/?#@'"<>\[\]]*:([^\s/@'"<>]+)@[^\s/:@'"<>]"#,
            1,
            url_password_ok,
            &["://"],
        ),
        (
            "bearer-token",
            r"(?i:(?-u:\b)bearer)[ \t]+([A-Za-z0-9._~+/-]+=*)",
            1,
            bearer_token_ok,
            &[],
        ),
        (
            "basic-auth",
            r#"(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?(?i:basic)[ \t]+([A-Za-z0-9+/]{8,}={0,2})"#,
            1,
            accept_any,
            &[],
        ),
        (
            "password",
            r#"(?-u:\b)curl(?-u:\b)[^\r\n]*?[ \t](?:-u|--user)[ \t]+["']?[^\s:"']+:([^\s"']+)"#,
            1,
            curl_password_ok,
            &[],
        ),
    ]
}

/// Vendor tokens recognised by a prefix of their own, all searched by one regex (one scan
/// of the text for the lot): kind, pattern (no capture group; it starts at a word boundary),
/// acceptance test.
type VendorRule = (&'static str, &'static str, fn(&str) -> bool);

/// The vendor tokens, in priority order (the first alternative matching at a place wins).
pub(super) fn vendor_rules() -> Vec<VendorRule> {
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
