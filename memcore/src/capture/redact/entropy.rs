//! Whether a value looks like random key material rather than a word, a name or a number:
//! the classes of its characters and how often they change.

/// Whether a value looks like random key material rather than a word, a name or a number:
/// 32 or more hex digits, or 16 or more visible characters that mix both cases and digits
/// (or, 20 or more, lower case and digits alone) and change class (upper, lower, digit,
/// other) at 40% of their places or more.
pub(super) fn looks_random(value: &str) -> bool {
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
pub(super) fn is_random_word(s: &str) -> bool {
    has_digit(s) && has_both_cases(s)
}

/// Whether `s` holds an ASCII digit.
pub(super) fn has_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `s` holds an ASCII digit and an ASCII letter.
pub(super) fn has_digit_and_letter(s: &str) -> bool {
    has_digit(s) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether `s` holds both an upper-case and a lower-case ASCII letter.
pub(super) fn has_both_cases(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase()) && s.bytes().any(|b| b.is_ascii_lowercase())
}
