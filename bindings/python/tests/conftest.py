"""Shared fixtures: a fresh store per test, and the fake host LLM the suite drives memcore
with (a Python class implementing the foreign trait ``memcore.LlmClient``)."""

from __future__ import annotations

import json
import pathlib
import typing

import pytest

import memcore


@pytest.fixture
def db_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "memory.db"


@pytest.fixture
def mem(db_path: pathlib.Path) -> typing.Iterator[memcore.Memory]:
    with memcore.Memory(db_path) as memory:
        yield memory


class CannedLlm(memcore.LlmClient):
    """A host LLM that answers every observation request with the same canned JSON (and
    every summary request with a canned summary), and keeps the requests it saw."""

    def __init__(self, observations: list, summary: typing.Optional[dict] = None,
                 model: str = "fake-haiku") -> None:
        self.observations = observations
        self.summary = summary or {}
        self.model = model
        self.requests: list[memcore.ExtractionRequest] = []

    def complete(self, request: memcore.ExtractionRequest) -> memcore.LlmResponse:
        self.requests.append(request)
        if request.purpose == memcore.RequestPurpose.SUMMARY:
            text = json.dumps(self.summary)
        else:
            # Models wrap JSON in prose and fences; the parser is tolerant.
            text = "Here you go:\n```json\n" + json.dumps(self.observations) + "\n```"
        return memcore.LlmResponse(
            text=text,
            usage=memcore.Usage(model=self.model, prompt_tokens=1200, completion_tokens=150),
        )


@pytest.fixture
def canned_llm() -> CannedLlm:
    return CannedLlm(
        observations=[
            {
                "type": "bugfix",
                "title": "Coupon applied twice in the cart total",
                "subtitle": "cart_total subtracted the coupon once per line item",
                "narrative": "The total subtracted the coupon for every line; it now does once.",
                "facts": ["cart_total lives in src/cart.py"],
                "concepts": ["gotcha"],
                "files_modified": ["src/cart.py"],
            }
        ],
        summary={
            "request": "Fix the coupon total",
            "investigated": "src/cart.py",
            "learned": "The coupon was subtracted per line item",
            "completed": "Coupon applied once",
            "next_steps": "Add a regression test",
        },
    )
