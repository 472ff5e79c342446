#!/usr/bin/env python3
"""Binding overhead, Python: the same record_event calls as the Rust bench (`cargo bench
--bench store`, record_event/tool_use: an Edit tool call with input and output, redacted and
committed), 10,000 of them on a fresh store, timed two ways:

    wrapper    Memory.record_tool_use(..., input=dict)    json.dumps + uniffi + libmemcore
    generated  Memory.record_event(NewEvent(...))         a prebuilt JSON string, uniffi only
    (Rust      Memory::record_event                       the criterion bench, for comparison)

Usage, with a release build of the package installed (as the Rust figure is):

    python3 -m venv target/python/bench
    target/python/bench/bin/pip install ./bindings/python      # release build by default
    target/python/bench/bin/python scripts/bench-bindings-python.py [calls] [rounds]

Prints each round and the median per call. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
import tempfile
import time

import memcore

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3

INPUT = {
    "file_path": "src/auth/token.rs",
    "old_string": "let ttl = 3600;",
    "new_string": "let ttl = config.token_ttl_secs;",
}
INPUT_JSON = json.dumps(INPUT)
OUTPUT = "The file src/auth/token.rs has been updated."


def via_wrapper(mem: memcore.Memory, offset: int) -> None:
    for i in range(CALLS):
        mem.record_tool_use("bench", "Edit", INPUT, output=OUTPUT,
                            tool_use_id=f"toolu_{offset + i}")


def via_generated(mem: memcore.Memory, offset: int) -> None:
    NewEvent, ToolUse = memcore.NewEvent, memcore.EventPayload.TOOL_USE
    for i in range(CALLS):
        mem.record_event(NewEvent(session_id="bench", payload=ToolUse(
            tool_name="Edit", input_json=INPUT_JSON, output=OUTPUT,
            tool_use_id=f"toolu_{offset + i}")))


def measure(name: str, run) -> float:
    per_call = []
    for r in range(ROUNDS):
        with tempfile.TemporaryDirectory() as tmp:
            with memcore.Memory(pathlib.Path(tmp) / "memory.db") as mem:
                mem.start_session("bench", "bench-project", "bench")
                started = time.perf_counter()
                run(mem, r * CALLS)
                elapsed = time.perf_counter() - started
                assert mem.stats().events == CALLS
        us = elapsed / CALLS * 1e6
        per_call.append(us)
        print(f"{name:10} round {r + 1}: {CALLS} calls in {elapsed:.3f} s = {us:.1f} µs/call")
    median = statistics.median(per_call)
    print(f"{name:10} median: {median:.1f} µs/call")
    return median


def main() -> None:
    lib = pathlib.Path(memcore._ffi.__file__).with_name("libmemcore.so")
    print(f"memcore {memcore.__version__}, Python {sys.version.split()[0]}, library {lib}")
    wrapper = measure("wrapper", via_wrapper)
    generated = measure("generated", via_generated)
    print(f"\nPython record_event, median per call: wrapper {wrapper:.1f} µs, "
          f"generated API {generated:.1f} µs (Rust: see `cargo bench --bench store`)")


if __name__ == "__main__":
    main()
