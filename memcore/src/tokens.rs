//! The crate's one token estimator.
//!
//! Every budget in memcore (extraction batches, context rendering, observation sizes) is
//! counted with [`estimate`]. It approximates a BPE tokenizer (cl100k/o200k, Claude's) without
//! a vocabulary: a word of up to four letters is about one token, longer words about one token
//! per four characters, every digit group and punctuation mark about one token, and non-ASCII
//! text about one token per character pair. It errs slightly high, so budgets hold.

/// Estimates how many tokens `text` costs a typical LLM tokenizer.
pub fn estimate(text: &str) -> u32 {
    let mut tokens = 0u32;
    let mut word_len = 0u32;
    let mut non_ascii = 0u32;
    let flush = |len: &mut u32, tokens: &mut u32| {
        if *len > 0 {
            *tokens += len.div_ceil(4);
            *len = 0;
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word_len += 1;
        } else if c.is_ascii_whitespace() {
            flush(&mut word_len, &mut tokens);
        } else if c.is_ascii() {
            flush(&mut word_len, &mut tokens);
            tokens += 1;
        } else {
            flush(&mut word_len, &mut tokens);
            non_ascii += 1;
        }
    }
    flush(&mut word_len, &mut tokens);
    tokens + non_ascii.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::estimate;

    #[test]
    fn empty_text_costs_nothing() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("   \n"), 0);
    }

    #[test]
    fn english_prose_is_close_to_four_characters_per_token() {
        let text = "The tokenizer test failed because the lexer treated a trailing comma as an identifier.";
        let n = estimate(text);
        // A real BPE tokenizer gives about 17 tokens for this sentence.
        assert!((15..=25).contains(&n), "{n}");
    }

    #[test]
    fn code_and_punctuation_count_each_symbol() {
        assert!(estimate("fn main() { println!(\"hi\"); }") >= 12);
    }

    #[test]
    fn non_ascii_text_is_counted() {
        assert!(estimate("日本語のテキスト") >= 4);
    }
}
