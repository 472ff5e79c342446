//! Which key names a secret: the ending of an assignment's key (`DB_PASSWORD`, `apiKey`,
//! `client_secret`), and the weak keys (`*_KEY`, `auth`, `credentials`) whose value must
//! also look random.

/// The kind of an assignment's key, when the key names a secret.
pub(super) fn assignment_key_kind(key: &str) -> Option<&'static str> {
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
pub(super) fn key_kind(key: &str) -> Option<(&'static str, bool)> {
    match assignment_key_kind(key) {
        Some(kind) => Some((kind, false)),
        None => weak_key_kind(key).map(|kind| (kind, true)),
    }
}

/// The kind of a weak secret key: one that ends with the word `key` (`AZURE_STORAGE_KEY`,
/// `appKey`, `tls.key`; not `monkey`, nor a key that is public by name: `public_key`,
/// `cache_key`, `sort_key`...), `auth` (`_auth`, `basic_auth`) or `credentials`/`creds`.
pub(super) fn weak_key_kind(key: &str) -> Option<&'static str> {
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
pub(super) fn ends_with_word(key: &str, word: &str) -> bool {
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
