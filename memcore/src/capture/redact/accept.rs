//! The tests a built-in rule's candidate must pass before it is redacted (a bearer token that
//! is no word of prose, a URL password that is no placeholder, base64 that decodes to a
//! private key...), named in the rule table.

use super::entropy::{has_both_cases, has_digit, has_digit_and_letter, looks_random};
use super::values::is_placeholder;

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
pub(super) fn is_base64_private_key(blob: &str) -> bool {
    let head = &blob[..blob.len().min(80) / 4 * 4];
    decode_base64(head).is_some_and(|bytes| {
        bytes.windows(11).any(|w| w == b"PRIVATE KEY") || bytes.windows(7).any(|w| w == b"PRIVATE")
    })
}

/// A URL signature (`sig=`, `X-Amz-Signature=`): not a placeholder, holding a digit or an
/// escape.
pub(super) fn signature_ok(value: &str) -> bool {
    !is_placeholder(value) && (has_digit(value) || value.contains('%'))
}

/// An `auth` value (Docker's `config.json`, npm's `_auth`): base64 of `user:password`, or
/// random.
pub(super) fn auth_value_ok(value: &str) -> bool {
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
pub(super) fn netrc_password_ok(value: &str) -> bool {
    !is_placeholder(value)
        && value.len() >= 4
        && value.bytes().any(|b| !b.is_ascii_lowercase())
        && !value.ends_with([':', '.'])
}

/// Every candidate: the pattern says enough.
pub(super) fn accept_any(_: &str) -> bool {
    true
}

/// A bearer token: long enough and random-looking, not a word of prose.
pub(super) fn bearer_token_ok(token: &str) -> bool {
    let len = token.trim_end_matches('=').len();
    !is_placeholder(token)
        && ((len >= 12 && has_digit_and_letter(token)) || (len >= 20 && has_both_cases(token)))
}

/// A URL's password: anything but a placeholder.
pub(super) fn url_password_ok(password: &str) -> bool {
    !is_placeholder(password)
}

/// A `curl -u` password: not a placeholder, not a short number (`-u 1000:1000`).
pub(super) fn curl_password_ok(password: &str) -> bool {
    !is_placeholder(password)
        && (password.len() >= 6 || !password.bytes().all(|b| b.is_ascii_digit()))
}
