"""The host's embedding model as a Python class (the foreign trait ``memcore.Embedder``)."""

from __future__ import annotations

import math
import re

import pytest

import memcore

# A toy "semantic" model: words of one meaning share an axis, so "voucher" is close to
# "coupon" although they share no letters a full-text index could match.
MEANINGS = {
    "coupon": 0, "voucher": 0, "discount": 0,
    "cart": 1, "basket": 1,
    "login": 2, "signin": 2, "authentication": 2,
    "slow": 3, "latency": 3,
}


class ToyEmbedder(memcore.Embedder):
    def __init__(self, dimension: int = 8) -> None:
        self.dim = dimension
        self.calls = 0

    def id(self) -> str:
        return f"toy-meanings/d{self.dim}"

    def dimension(self) -> int:
        return self.dim

    def embed(self, texts):
        self.calls += 1
        vectors = []
        for text in texts:
            v = [0.0] * self.dim
            for word in re.findall(r"\w+", text.lower()):
                if word in MEANINGS:
                    v[MEANINGS[word]] += 1.0
            v[-1] += 0.01  # never all zero
            vectors.append(v)
        return vectors


def add(mem: memcore.Memory, title: str) -> int:
    return mem.add_observation(memcore.NewObservation(title=title, project="shop")).id


def test_a_python_embedder_finds_what_full_text_cannot(mem):
    embedder = ToyEmbedder()
    mem.set_embedder(embedder)
    assert mem.embedder_id() == "toy-meanings/d8"
    coupon = add(mem, "Coupon applied twice")
    add(mem, "Login page is slow")
    assert embedder.calls == 2

    lexical = mem.search_with(memcore.SearchRequest(query="voucher", project="shop",
                                                    mode=memcore.SearchMode.LEXICAL))
    assert lexical == []
    vector = mem.search_with(memcore.SearchRequest(query="voucher", project="shop",
                                                   mode=memcore.SearchMode.VECTOR))
    assert vector[0].id == coupon
    assert math.isclose(vector[0].parts.vector_similarity, 1.0, rel_tol=1e-3)
    fused = mem.search("voucher", project="shop")
    assert fused[0].id == coupon


def test_builtin_and_disabled_embedders(mem):
    assert mem.embedder_id().startswith("memcore-static")
    mem.disable_embedder()
    assert mem.embedder_id() is None
    add(mem, "Coupon applied twice")
    assert mem.search_with(memcore.SearchRequest(query="coupon", project="shop",
                                                 mode=memcore.SearchMode.VECTOR)) == []
    mem.use_builtin_embedder()
    assert mem.embedder_id().startswith("memcore-static")


def test_embedder_errors_are_callback_errors(mem):
    class Broken(ToyEmbedder):
        def embed(self, texts):
            raise ValueError("GPU on fire")

    mem.set_embedder(Broken())
    with pytest.raises(memcore.MemcoreError.Callback, match="GPU on fire"):
        add(mem, "Coupon applied twice")

    class WrongLength(ToyEmbedder):
        def embed(self, texts):
            return [[1.0, 2.0] for _ in texts]

    mem.set_embedder(WrongLength())
    with pytest.raises(memcore.MemcoreError):
        add(mem, "Coupon applied twice")

    class NotANumber(ToyEmbedder):
        def embed(self, texts):
            return [[float("nan")] * self.dim for _ in texts]

    mem.set_embedder(NotANumber())
    with pytest.raises(memcore.MemcoreError):
        add(mem, "Coupon applied twice")
    assert mem.stats().observations == 0


def test_a_bad_embedder_is_refused_when_set(mem):
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.set_embedder(ToyEmbedder(dimension=0))

    class NoId(ToyEmbedder):
        def id(self):
            return " "

    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.set_embedder(NoId())

    class RaisingId(ToyEmbedder):
        def id(self):
            raise KeyError("no model loaded")

    with pytest.raises(memcore.MemcoreError.Callback, match="no model loaded"):
        mem.set_embedder(RaisingId())
    assert mem.embedder_id().startswith("memcore-static")
