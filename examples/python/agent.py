#!/usr/bin/env python3
"""A Python coding agent with persistent memory, end to end.

Two sessions of a (scripted) agent working on a small web shop:

1. Session one: the user reports a bug; the agent reads and edits real files with its tools,
   and every tool call is recorded as it happens. When the session ends, memcore distils the
   events into observations with the host's LLM client and writes a summary.
2. Session two, later: before the model sees anything, memcore recalls what session one
   learned (the session-start context) and what is relevant to the new prompt.

The LLM client is where a real agent calls its provider (Anthropic, OpenAI, a local model):
here it is faked with canned JSON, so the example runs offline. Everything else is the real
library. Run it with the memcore package installed (`pip install ./bindings/python`):

    python examples/python/agent.py [path/to/memory.db]
"""

from __future__ import annotations

import json
import pathlib
import sys
import tempfile

import memcore

PROJECT = "webshop"


class CannedLlm(memcore.LlmClient):
    """The host's LLM. A real one sends request.system_prompt and request.user_prompt to the
    model (asking for at most request.max_output_tokens) and returns its text and usage."""

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, request: memcore.ExtractionRequest) -> memcore.LlmResponse:
        self.calls += 1
        if request.purpose == memcore.RequestPurpose.SUMMARY:
            answer = {
                "request": "Fix the cart total when a coupon is used",
                "investigated": "cart_total in src/cart.py",
                "learned": "The coupon was subtracted once per line item",
                "completed": "The coupon is subtracted once; test added",
                "next_steps": "Support percentage coupons",
            }
        else:
            answer = [
                {
                    "type": "bugfix",
                    "title": "Coupon subtracted once per line item in cart_total",
                    "subtitle": "cart_total applied the coupon inside the loop over lines",
                    "narrative": "cart_total() in src/cart.py subtracted the coupon for every "
                                 "line item. It now subtracts it once, after the loop.",
                    "facts": ["cart_total(lines, coupon) lives in src/cart.py",
                              "test_cart.py covers a two-line cart with a coupon"],
                    "concepts": ["gotcha", "problem-solution"],
                    "files_read": ["src/cart.py"],
                    "files_modified": ["src/cart.py", "tests/test_cart.py"],
                },
            ]
        # Models like to wrap JSON in prose and fences; memcore's parser is tolerant.
        text = "Here is what I found:\n```json\n" + json.dumps(answer, indent=2) + "\n```"
        return memcore.LlmResponse(
            text=text,
            usage=memcore.Usage(model="canned-haiku", prompt_tokens=request.input_tokens,
                                completion_tokens=len(text) // 4),
        )


class Agent:
    """A scripted agent: its tools touch real files, and each call is recorded."""

    def __init__(self, mem: memcore.Memory, workdir: pathlib.Path, session: str) -> None:
        self.mem, self.workdir, self.session = mem, workdir, session
        self.tool_calls = 0

    def tool(self, name: str, args: dict, run) -> str:
        self.tool_calls += 1
        call_id = f"{self.session}-toolu_{self.tool_calls:02d}"
        try:
            output, error = run(), None
        except OSError as e:
            output, error = None, str(e)
        # Durable before this returns; recording the same call id twice is harmless.
        self.mem.record_tool_use(self.session, name, args, output=output, error=error,
                                 tool_use_id=call_id)
        return output or ""

    def read(self, path: str) -> str:
        return self.tool("Read", {"file_path": path}, lambda: (self.workdir / path).read_text())

    def edit(self, path: str, old: str, new: str) -> str:
        def run() -> str:
            file = self.workdir / path
            file.write_text(file.read_text().replace(old, new))
            return f"The file {path} has been updated."
        return self.tool("Edit", {"file_path": path, "old_string": old, "new_string": new}, run)

    def write(self, path: str, content: str) -> str:
        def run() -> str:
            (self.workdir / path).parent.mkdir(parents=True, exist_ok=True)
            (self.workdir / path).write_text(content)
            return f"File created successfully at: {path}"
        return self.tool("Write", {"file_path": path, "content": content}, run)


def first_session(mem: memcore.Memory, workdir: pathlib.Path, llm: CannedLlm) -> None:
    session = "session-1"
    mem.start_session(session, PROJECT, "example-agent")
    # The user's prompt; secrets in it are redacted before anything is stored.
    mem.record_user_prompt(session, "The cart total is wrong when a coupon is used. "
                                    "(staging key: sk-live-51HxYzAbCdEfGhIjKlMnOpQrStUv)")
    agent = Agent(mem, workdir, session)
    source = agent.read("src/cart.py")
    assert "coupon" in source
    agent.edit("src/cart.py", "        total -= coupon\n    return total",
               "    total -= coupon\n    return total")
    agent.write("tests/test_cart.py",
                "from cart import cart_total\n\n"
                "def test_coupon_once():\n"
                "    assert cart_total([10, 20], coupon=5) == 25\n")
    agent.tool("Bash", {"command": "pytest -q tests/test_cart.py"}, lambda: "1 passed in 0.01s")
    mem.record_assistant_message(session, "Fixed: the coupon is now subtracted once, "
                                          "and a test covers it.")
    print(f"session 1: recorded {len(mem.events(session))} events "
          f"({agent.tool_calls} tool calls)")

    # Session end: distil the events with the host's LLM, then summarise the session.
    run = mem.extract_pending(llm, project=PROJECT)
    print(f"extraction: {run.requests} LLM request(s), {run.observations_stored} observation(s), "
          f"{run.prompt_tokens} prompt + {run.completion_tokens} completion tokens")
    mem.end_session(session)
    summary = mem.summarize(session, llm)
    assert summary is not None
    print(f"summary: {summary.completed}")
    stored = [e.payload.text for e in mem.events(session)
              if isinstance(e.payload, memcore.EventPayload.USER_PROMPT)]
    assert "sk-live-" not in stored[0], "secrets never reach the store"


def second_session(mem: memcore.Memory) -> None:
    session = "session-2"
    mem.start_session(session, PROJECT, "example-agent")
    # What the model sees before the user says anything.
    start = mem.session_context(PROJECT)
    print(f"\n--- session 2 starts: {start.tokens} tokens of memory injected "
          f"(budget {start.budget}) ---\n{start.text}")
    assert "Coupon subtracted once per line item" in start.text

    prompt = "Add percentage coupons to the cart total"
    mem.record_user_prompt(session, prompt)
    relevant = mem.prompt_context(PROJECT, prompt)
    print(f"--- beside the prompt {prompt!r}: {relevant.tokens} tokens ---\n{relevant.text}")
    assert relevant.observation_ids

    hit = mem.search("coupon total", project=PROJECT)[0]
    print(f"best hit for 'coupon total': #{hit.id} {hit.observation.title} "
          f"(score {hit.score:.2f}, text rank {hit.parts.text_rank:.2f})")
    for entry in mem.ledger(PROJECT):
        print(f"ledger: {entry.purpose} by {entry.model}: {entry.prompt_tokens} + "
              f"{entry.completion_tokens} tokens, {entry.outcome}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp) / "webshop"
        (workdir / "src").mkdir(parents=True)
        (workdir / "src" / "cart.py").write_text(
            "def cart_total(lines, coupon=0):\n"
            "    total = 0\n"
            "    for price in lines:\n"
            "        total += price\n"
            "        total -= coupon\n"
            "    return total\n")
        db = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(tmp) / "memory.db"
        llm = CannedLlm()
        with memcore.Memory(db) as mem:
            first_session(mem, workdir, llm)
        # Later, in another process: open the same file again.
        with memcore.Memory(db) as mem:
            second_session(mem)
            stats = mem.stats(PROJECT)
            print(f"\nstore: {stats.sessions} sessions, {stats.events} events, "
                  f"{stats.observations} observations, {stats.summaries} summary, "
                  f"{stats.file_size_bytes} bytes")
        assert llm.calls == 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
