"""Ten thousand events through the binding: all recorded, durable and counted."""

from __future__ import annotations

import time

import memcore

N = 10_000


def test_ten_thousand_events(db_path):
    with memcore.Memory(db_path) as mem:
        mem.start_session("bulk", "scale", "py-agent")
        started = time.perf_counter()
        for i in range(N):
            recorded = mem.record_tool_use("bulk", "Bash", {"command": f"echo {i}"},
                                           output=f"{i}", tool_use_id=f"toolu_{i}")
            assert recorded.inserted
        elapsed = time.perf_counter() - started
        print(f"\n{N} record_tool_use calls: {elapsed:.2f} s, {elapsed / N * 1e6:.0f} µs per call")
        # Idempotent on the tool-use id: recording one again stores nothing.
        assert not mem.record_tool_use("bulk", "Bash", {"command": "echo 7"},
                                       tool_use_id="toolu_7").inserted

    # Durable: another handle sees every event.
    with memcore.Memory(db_path) as again:
        stats = again.stats("scale")
        assert stats.events == N
        assert stats.pending_events == N
        events = again.events("bulk")
        assert len(events) == N
        assert events[-1].payload.output == str(N - 1)


def test_threads_share_one_handle(db_path):
    import threading

    with memcore.Memory(db_path) as mem:
        mem.start_session("t", "threads", "py-agent")
        errors: list = []

        def work(worker: int) -> None:
            try:
                for i in range(250):
                    mem.record_user_prompt("t", f"worker {worker} prompt {i}")
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert mem.stats("threads").events == 1000
