//! `memcore.log` is as private as the store: a hook input that is not JSON is quoted in the
//! log redacted, even when the cut it quotes ends inside a secret.

mod common;

use common::Setup;

/// Fake secrets built at run time (nothing here for a secret scanner to flag).
fn secrets() -> Vec<(String, String)> {
    let github = format!("ghp_{}", "k7Qz9XwP2m".repeat(4));
    let azure = format!("{}==", "Xk3mP9qL2vR8tY5wZ1nB4cD7".repeat(4));
    let telegram = format!(
        "8123456789:AA{}",
        &"Hk3mP9qL2vR8tY5wZ1nB4cD7e".repeat(2)[..33]
    );
    let do_token = format!("dop_v1_{}", "3f9a1c2e8b7d6f5a".repeat(4));
    vec![
        (
            github.clone(),
            format!("not json: git push https://{github}@github.com/acme/api"),
        ),
        (
            azure.clone(),
            format!("{{\"conn\": \"DefaultEndpointsProtocol=https;AccountKey={azure};\""),
        ),
        (
            telegram.clone(),
            format!("curl https://api.telegram.org/bot{telegram}/getMe"),
        ),
        (
            do_token.clone(),
            format!("{{broken \"password\": \"hunter22\", \"do\": \"{do_token}\""),
        ),
    ]
}

#[test]
fn invalid_hook_input_is_quoted_redacted_in_the_log() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    for (secret, input) in secrets() {
        let out = setup.run_with_input(&["hook", "PostToolUse"], input.as_bytes());
        assert_eq!(out.status.code(), Some(0));
        let log = setup.log();
        assert!(log.contains("not JSON"), "{log}");
        // No run of 10 characters of the secret is left, whole or cut.
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(10) {
            let piece: String = window.iter().collect();
            assert!(
                !log.contains(&piece),
                "{piece:?} of a secret in the log:\n{log}"
            );
        }
        assert!(!log.contains("hunter22"), "{log}");
    }
}
