//! Tests of redaction: each rule, the overlaps, the allowlist, JSON, and properties.

use super::{RedactionConfig, Redactor, SecretPattern};
use crate::Error;
use serde_json::json;

#[test]
fn every_built_in_rule_compiles() {
    let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
    for pattern in [&redactor.private_tag, &redactor.code_expr] {
        assert!(
            pattern.regex().is_some(),
            "{:?} does not compile",
            pattern.source
        );
    }
    for detector in &redactor.detectors {
        assert!(
            detector.regex.regex().is_some(),
            "{:?} does not compile",
            detector.regex.source
        );
    }
    // The gate's automatons stay small (they are built at every start).
    let (prefixes, words) = redactor.gate.sizes();
    assert!(prefixes + words < 400, "{prefixes} prefixes, {words} words");
    // Every built-in rule waits for one of its prefixes or of its words: a text with none
    // compiles and runs no rule.
    assert!(
        redactor.gate.gated.iter().all(|g| *g),
        "{:?}",
        redactor.gate.gated
    );
    let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
    let clean = "cargo test -p memcore && git status";
    assert_eq!(redactor.redact(clean), clean);
    assert!(
        redactor
            .detectors
            .iter()
            .all(|d| d.regex.compiled.get().is_none()),
        "a clean text compiled a rule: {:?}",
        redactor
            .detectors
            .iter()
            .filter(|d| d.regex.compiled.get().is_some())
            .map(|d| &d.regex.source[..60.min(d.regex.source.len())])
            .collect::<Vec<_>>()
    );
}

#[test]
fn building_the_redactor_compiles_no_gated_rule() {
    let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
    for (detector, gated) in redactor.detectors.iter().zip(&redactor.gate.gated) {
        if *gated {
            assert!(detector.regex.compiled.get().is_none());
        }
    }
    // A text with a token's prefix compiles that rule, and redacts.
    let text = "token ghp_0123456789abcdefghijABCDEFGHIJ012345 here";
    assert!(redactor.redact(text).contains("[REDACTED:"));
}

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
    use super::keys::assignment_key_kind as kind;
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

mod properties {
    use crate::capture::{RedactionConfig, Redactor};
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

/// The gate table, rendered as `gate_table.rs`.
fn gate_table_source(redactor: &Redactor) -> String {
    use super::gate::{Literals, classify};
    use super::pattern::table_key;
    let mut rows: Vec<(String, String)> = redactor
        .detectors
        .iter()
        .map(|d| {
            let render = |list: &[std::borrow::Cow<'static, [u8]>]| -> String {
                list.iter()
                    .map(|l| {
                        let escaped: String = l
                            .iter()
                            .flat_map(|b| std::ascii::escape_default(*b))
                            .map(char::from)
                            .collect();
                        format!("b\"{escaped}\"")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let stored = match classify(d.regex.extract_prefixes()) {
                Literals::Prefixes(l) => format!("Stored::Prefixes(&[{}])", render(&l)),
                Literals::Words(l) => format!("Stored::Words(&[{}])", render(&l)),
                Literals::None => "Stored::None".to_owned(),
            };
            (table_key(&d.regex.source), stored)
        })
        .collect();
    rows.sort();
    rows.dedup();
    let mut out = String::from(
        "//! Generated by `MEMCORE_BLESS_GOLDEN=1 cargo test -p memcore --lib gate_table`; do not edit.
//! What the gate waits for before each built-in redaction rule runs (see [`super::gate`]):
//! `classify` of the rule's prefix literals, by the first 16 hex digits of the SHA-256 of
//! its pattern, sorted. Extracting the literals with `regex-syntax` costs more than the rest
//! of a hook process. A rule missing here (its pattern changed) still works, its literals
//! extracted at start; the test `the_gate_table_is_current` fails until the table is
//! generated again.

use super::gate::Stored;

/// (key, what the gate waits for).
#[rustfmt::skip]
pub(super) const GATES: &[(&str, Stored)] = &[
",
    );
    for (key, stored) in rows {
        out.push_str(&format!("    (\"{key}\", {stored}),\n"));
    }
    out.push_str("];\n");
    out
}

#[test]
fn the_gate_table_is_current() {
    let redactor = Redactor::new(&RedactionConfig::default()).unwrap();
    let expected = gate_table_source(&redactor);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/capture/redact/gate_table.rs"
    );
    if std::env::var_os("MEMCORE_BLESS_GOLDEN").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let found = std::fs::read_to_string(path).unwrap();
    assert!(
        found == expected,
        "{path} is out of date with the rules: regenerate it with \
         MEMCORE_BLESS_GOLDEN=1 cargo test -p memcore --lib gate_table"
    );
    // Every built-in rule is in it: nothing is extracted when a store opens.
    for detector in &redactor.detectors {
        assert_eq!(
            detector.regex.gate_literals(),
            super::gate::classify(detector.regex.extract_prefixes()),
            "{}",
            detector.regex.source
        );
    }
}

#[test]
fn a_gated_rule_finds_what_an_ungated_one_finds() {
    let gated = Redactor::new(&RedactionConfig::default()).unwrap();
    // Every rule runs on every text.
    let mut open = gated.clone();
    open.gate = super::gate::Gate::open_all(open.detectors.len());
    let texts = [
        "curl 'https://s3.amazonaws.com/b/k?X-Amz-Signature=3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c&x=1'",
        "GET /blob?sv=2022&SIG=aB3dE5fG7hJ9kL1mN3pQ5rS7 HTTP/1.1",
        "MAILCHIMP=0123456789abcdef0123456789abcdef-us21",
        "token: Ab3De5Fg7Hj9Kl.atlasv1.Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0",
        "AZURE_CLIENT_SECRET=abc8Q~Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9",
        "psql postgres://app:s3cr3t-pw@db.internal/app",
        "export DB_PASSWORD=Zx9Yw8Vu7Ts6Rq5Po4",
        "Api_Key: \"Zx9Yw8Vu7Ts6Rq5Po4Nm3\"",
        "mysql --Password Zx9Yw8Vu7Ts6Rq5Po4 -u root",
        "CREDENTIALS='Zx9Yw8Vu7Ts6Rq5Po4Nm3'",
        "{\"auth\": \"Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk\"}",
        "ghp_0123456789abcdefghijABCDEFGHIJ0123456789 in a log",
        "curl https://api.telegram.org/bot123456789:AAZx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc/getMe",
        "https://discord.com/api/webhooks/123456789012345678/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe",
        "curl -H 'AUTHORIZATION: BEARER Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1' https://api",
        "_auth=Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0=",
        "nothing secret here: cargo test -p memcore",
    ];
    let mut redacted = 0;
    for text in texts {
        let with_gate = gated.redact(text);
        assert_eq!(with_gate, open.redact(text), "{text}");
        redacted += usize::from(with_gate != text);
    }
    assert!(
        redacted >= texts.len() - 2,
        "the texts hold secrets: {redacted}"
    );
}
