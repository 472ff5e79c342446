"""Text in any script survives the trip through Rust: prompts, tool inputs and outputs,
observations, search and context; paths too."""

from __future__ import annotations

import json

import memcore

SAMPLES = [
    "Corrigé le total du panier — coupon appliqué deux fois",
    "修复购物车总价：优惠券被重复扣除",
    "إصلاح إجمالي سلة التسوق",
    "Исправлена ошибка в корзине",
    "emoji 🛒💳 and a ZWJ family 👩‍👩‍👧 and flags 🇫🇷",
    "combining: e\u0301 vs \u00e9, Ω vs \u2126",
    "astral plane: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘𝟙",
]


def test_unicode_round_trips(tmp_path):
    path = tmp_path / "mémoire 記憶" / "memory.db"
    with memcore.Memory(path) as mem:
        assert mem.path() == str(path)
        mem.start_session("séance-1 ✨", "boutique-éé", "agent-🤖")
        for i, text in enumerate(SAMPLES):
            mem.record_user_prompt("séance-1 ✨", text)
            mem.record_tool_use("séance-1 ✨", "Édition", {"fichier": f"src/panier_{i}.py",
                                                             "texte": text},
                                output=text, tool_use_id=f"outil-{i}")
        events = mem.events("séance-1 ✨")
        prompts = [e.payload.text for e in events
                   if isinstance(e.payload, memcore.EventPayload.USER_PROMPT)]
        assert prompts == SAMPLES
        tools = [e.payload for e in events
                 if isinstance(e.payload, memcore.EventPayload.TOOL_USE)]
        assert [json.loads(t.input_json)["texte"] for t in tools] == SAMPLES
        assert [t.output for t in tools] == SAMPLES
        assert tools[0].tool_name == "Édition"

        ids = [mem.add_observation(memcore.NewObservation(
            title=text, project="boutique-éé", facts=[text[::-1]])).id for text in SAMPLES]
        stored = mem.get(ids)
        assert [o.title for o in stored] == SAMPLES
        assert [o.facts for o in stored] == [[t[::-1]] for t in SAMPLES]

        assert mem.search("Исправлена", project="boutique-éé")[0].observation.title == SAMPLES[3]
        assert mem.search("panier", project="boutique-éé")[0].observation.title == SAMPLES[0]
        context = mem.session_context("boutique-éé", budget=4000)
        assert "🛒💳" in context.text
        assert mem.projects() == ["boutique-éé"]
        assert mem.session("séance-1 ✨").agent == "agent-🤖"


def test_embedded_nul_and_lone_surrogates(mem):
    mem.start_session("s", "p", "a")
    mem.record_user_prompt("s", "before\x00after")
    assert mem.events("s")[0].payload.text == "before\x00after"
    try:
        mem.record_user_prompt("s", "lone \ud800 surrogate")
    except (UnicodeEncodeError, memcore.MemcoreError):
        pass  # refused before reaching Rust: fine, as long as nothing is stored
    else:
        raise AssertionError("a lone surrogate was accepted")
    assert len(mem.events("s")) == 1
