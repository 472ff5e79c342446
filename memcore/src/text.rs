//! Word splitting shared by the full-text index and the built-in embedder, so that both see
//! the same words: Unicode letter-and-digit runs, identifiers split at case changes, and one
//! stop-word list.

/// Words too common to tell texts apart: dropped from full-text queries (never from the index)
/// and from embedder features.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for",
    "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "she", "should",
    "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// Whether a lower-case word is a stop word.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.contains(&lower)
}

/// The word tokens of a text (runs of letters and digits), as FTS5's unicode61 tokenizer
/// splits them: `_`, `/`, `.`, `-` and every other symbol separate words.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Splits a word at its case changes: `RefreshToken` -> `Refresh`, `Token`; `HTTPServer` ->
/// `HTTP`, `Server`; `parseJSONBody` -> `parse`, `JSON`, `Body`. A word without an inner case
/// change (`token`, `HTTP`, `E0502`) comes back whole, as the only part.
pub(crate) fn identifier_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut cuts = vec![0];
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            cuts.push(at);
        }
    }
    cuts.push(word.len());
    cuts.windows(2).map(|w| &word[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_at_case_changes() {
        assert_eq!(identifier_parts("RefreshToken"), ["Refresh", "Token"]);
        assert_eq!(identifier_parts("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(identifier_parts("parseJSONBody"), ["parse", "JSON", "Body"]);
        assert_eq!(identifier_parts("token"), ["token"]);
        assert_eq!(identifier_parts("E0502"), ["E0502"]);
        assert_eq!(identifier_parts("HTTP"), ["HTTP"]);
        assert_eq!(identifier_parts("Ünïcödé"), ["Ünïcödé"]);
    }

    #[test]
    fn words_split_on_every_symbol() {
        assert_eq!(
            words("src/auth/token.rs: refresh_token (E0502)").collect::<Vec<_>>(),
            ["src", "auth", "token", "rs", "refresh", "token", "E0502"]
        );
    }
}
