#!/usr/bin/env python3
"""Check memcore's paraphrase test set, memcore/tests/fixtures/paraphrase.json.

The set backs the test "at least 20 queries that share no content word with their target,
among a few hundred other records; the target in the top 3 for at least 75% of them".

Checks (exit status 1 and every violation printed if one fails):
  - shape: at least 300 records with unique ids "r<n>", a title of 4-12 words and a
    narrative of 1-3 sentences; at least 24 queries whose target exists;
  - the rule: a query shares NO content word with its target's title + narrative. Words are
    the lower-cased runs of letters and digits; English stop words (list below) are dropped;
    two words count as the same if they are equal or share a prefix of 5 or more characters
    ("deploy" / "deployment", "connection" / "connections"), or if one is a prefix of the
    other and at least 3 characters long ("log" / "logs", "bump" / "bumped"; stricter
    than the 5-character rule alone, to catch short plurals and inflections).
Distractors may share words with queries: that is what real memories look like.

With --eval, also embeds every record (title + "\\n" + narrative) and query with the shipped
static model (memcore/models/minilm-l6-static, memcore's recipe: WordPiece tokens, mean of
the dequantized rows of the first 512 non-[UNK] tokens, L2-normalised, cosine) and prints
vector-only hit@1 and hit@3. The tokenizer is rebuilt with the `tokenizers` package from
tokens.txt and config.json, so only repo files are read.

Measured when the set was written (28 queries, 303 records): the shipped static model,
vector only, hit@1 6/28, hit@3 12/28 (42.9%); the full all-MiniLM-L6-v2 transformer (mean
pooling, same texts) hit@1 15/28, hit@3 21/28 (75.0%). The set is hard on purpose: with no
shared content word, lexical search cannot help and the vectors carry it alone.

    python3 scripts/check-paraphrase.py                 # the rule only, standard library
    /work/venv-m2v/bin/python scripts/check-paraphrase.py --eval   # + numpy, safetensors, tokenizers
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
DATA = REPO / "memcore" / "tests" / "fixtures" / "paraphrase.json"
MODEL = REPO / "memcore" / "models" / "minilm-l6-static"

STOP_WORDS = set("""
a about above after again against all also am an and any are aren as at be because been
before being below between both but by can cannot could couldn did didn do does doesn doing
don down during each either else etc even ever every few for from further get gets got had
hadn has hasn have haven having he her here hers herself him himself his how i if in into
is isn it its itself just least less let lets like made make makes many may me might more
most much must mustn my myself need no nor not now of off often on once one only or other
others our ours ourselves out over own per please quite rather really same shan she should
shouldn so some such than that the their theirs them themselves then there these they this
those though through thus to too under until up upon us use used uses using very via was
wasn we were weren what when where whether which while who whom whose why will with within
without won would wouldn yet you your yours yourself yourselves s t ll re ve d m
""".split())

PREFIX = 5


def content_words(text: str) -> set[str]:
    return {w for w in re.split(r"[^0-9a-z]+", text.lower()) if w and w not in STOP_WORDS}


def same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= PREFIX and len(b) >= PREFIX and a[:PREFIX] == b[:PREFIX]:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short)


def shared(query: str, target_text: str) -> list[tuple[str, str]]:
    q, t = content_words(query), content_words(target_text)
    return sorted((a, b) for a in q for b in t if same_word(a, b))


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def check(data: dict) -> list[str]:
    errors = []
    records = data.get("records", [])
    queries = data.get("queries", [])
    by_id = {}
    for r in records:
        rid = r.get("id", "")
        if not re.fullmatch(r"r[1-9][0-9]*", rid):
            errors.append(f"bad id {rid!r}")
        if rid in by_id:
            errors.append(f"duplicate id {rid}")
        by_id[rid] = r
        n_title = len(r.get("title", "").split())
        if not 4 <= n_title <= 12:
            errors.append(f"{rid}: title has {n_title} words (4-12): {r.get('title')!r}")
        n_sent = sentences(r.get("narrative", ""))
        if not 1 <= n_sent <= 3:
            errors.append(f"{rid}: narrative has {n_sent} sentences (1-3)")
    if len(records) < 300:
        errors.append(f"only {len(records)} records (need 300)")
    if len(queries) < 24:
        errors.append(f"only {len(queries)} queries (need 24)")
    targets = [q.get("target") for q in queries]
    if len(set(targets)) != len(targets):
        errors.append("two queries share a target")
    for q in queries:
        target = by_id.get(q.get("target"))
        if target is None:
            errors.append(f"query {q.get('query')!r}: unknown target {q.get('target')!r}")
            continue
        both = shared(q["query"], target["title"] + "\n" + target["narrative"])
        if both:
            errors.append(f"query {q['query']!r} shares content words with {q['target']} "
                          f"({target['title']!r}): {both}")
    return errors


def evaluate(data: dict) -> None:
    import numpy as np
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    config = json.loads((MODEL / "config.json").read_text(encoding="utf-8"))
    tokens = (MODEL / "tokens.txt").read_bytes().decode("utf-8").split("\n")[:-1]
    index = {t: i for i, t in enumerate(tokens)}
    tensors = load_file(str(MODEL / "model.safetensors"))
    rows = tensors["embeddings"].astype(np.float32) * tensors["scales"][:, None]
    tok = Tokenizer(models.WordPiece(
        vocab=index,
        unk_token=config["unk_token"],
        continuing_subword_prefix=config["continuing_subword_prefix"],
        max_input_chars_per_word=config["max_input_chars_per_word"],
    ))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=config.get("clean_text", True),
        handle_chinese_chars=config["handle_chinese_chars"],
        strip_accents=config["strip_accents"],
        lowercase=config["lowercase"],
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), rows.shape[1]), dtype=np.float32)
        for k, text in enumerate(texts):
            ids = [index[t] for t in tok.encode(text, add_special_tokens=False).tokens
                   if t != config["unk_token"] and t in index][: config["max_tokens"]]
            if ids:
                v = rows[ids].mean(axis=0)
                out[k] = v / np.linalg.norm(v)
        return out

    records = data["records"]
    ids = [r["id"] for r in records]
    rec_vecs = embed([r["title"] + "\n" + r["narrative"] for r in records])
    q_vecs = embed([q["query"] for q in data["queries"]])
    sims = q_vecs @ rec_vecs.T
    hit1 = hit3 = 0
    for q, s in zip(data["queries"], sims):
        ranking = [ids[i] for i in np.argsort(-s, kind="stable")]
        rank = ranking.index(q["target"]) + 1
        hit1 += rank == 1
        hit3 += rank <= 3
        print(f"  rank {rank:3d}  {q['query']}")
    n = len(data["queries"])
    print(f"vector-only over {len(records)} records: hit@1 {hit1}/{n} = {hit1 / n:.1%}, "
          f"hit@3 {hit3}/{n} = {hit3 / n:.1%}")


def main() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    errors = check(data)
    if errors:
        print(f"FAIL: {len(errors)} violation(s) in {DATA}", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print(f"ok: {len(data['records'])} records, {len(data['queries'])} queries, "
          "no query shares a content word with its target")
    if "--eval" in sys.argv[1:]:
        evaluate(data)


if __name__ == "__main__":
    main()
