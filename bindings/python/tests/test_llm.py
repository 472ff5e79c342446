"""The host's LLM as a Python class: canned answers, failures and retries, the step-by-step
protocol, and a client that calls back into the store."""

from __future__ import annotations

import json

import pytest

import memcore
from conftest import CannedLlm


def start(mem: memcore.Memory, session: str = "s1", prompts: int = 2) -> None:
    mem.start_session(session, "app", "py-agent")
    for i in range(prompts):
        mem.record_user_prompt(session, f"Make the parser accept trailing commas, step {i}")


class FailingLlm(memcore.LlmClient):
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.calls = 0

    def complete(self, request):
        self.calls += 1
        raise self.exc


def test_canned_json_becomes_observations(mem):
    llm = CannedLlm([
        {"kind": "feature", "title": "Parser accepts trailing commas",
         "narrative": "parse() skips a comma before a closing bracket.",
         "files_modified": ["src/parse.py"], "importance": "high"},
        {"kind": "discovery", "title": "The tokenizer keeps commas as tokens"},
        {"narrative": ""},  # neither title nor narrative: skipped with an issue
    ])
    start(mem)
    run = mem.extract_pending(llm, project="app")
    assert run.observations_stored == 2
    assert len(run.issues) == 1 and run.issues[0].item == 2
    titles = {o.title: o for o in mem.recent("app")}
    assert titles["Parser accepts trailing commas"].importance > 0.5
    assert titles["The tokenizer keeps commas as tokens"].kind == "discovery"
    # Extracting again finds nothing pending and does not call the model.
    assert mem.extract_pending(llm).requests == 0
    assert len(llm.requests) == 1


@pytest.mark.parametrize("exc", [RuntimeError("rate limited"),
                                 memcore.MemcoreError.Callback("model is down")])
def test_a_failing_client_leaves_events_pending(tmp_path, exc):
    with memcore.Memory(tmp_path / "m.db", config={"extraction": {"max_attempts": 2}}) as mem:
        start(mem)
        llm = FailingLlm(exc)
        # A failed request does not stop the run, and each run makes one attempt per batch:
        # the events are retried by the next run, up to the attempt limit, then kept as
        # failed (never deleted).
        run = mem.extract_pending(llm)
        assert (run.requests, run.failures, run.observations_stored) == (1, 1, 0)
        assert run.events_failed == 0 and llm.calls == 1
        run = mem.extract_pending(llm)
        assert (run.requests, run.failures) == (1, 1)
        assert run.events_failed == 2 and llm.calls == 2
        assert [e.status for e in mem.events("s1")] == [memcore.EventStatus.FAILED] * 2
        stats = mem.stats()
        assert (stats.pending_events, stats.failed_events) == (0, 2)
        reason = "rate limited" if isinstance(exc, RuntimeError) else "model is down"
        assert all(reason in e.detail for e in mem.ledger())
        assert mem.extract_pending(llm).requests == 0  # nothing pending any more

        assert mem.retry_failed() == 2
        good = CannedLlm([{"title": "Trailing commas accepted"}])
        assert mem.extract_pending(good).observations_stored == 1
        assert mem.stats().pending_events == 0


def test_step_by_step_extraction(mem):
    start(mem)
    request = mem.next_extraction()
    assert request is not None and request.claim
    assert len(request.event_ids) == 2 and request.input_tokens > 0
    assert request.max_output_tokens > 0
    # The events are claimed: another extractor gets nothing.
    assert mem.next_extraction() is None
    failure = mem.fail_extraction(request, "the host's model timed out")
    assert failure == memcore.FailureReport(events_failed=0, events_pending=2)

    request = mem.next_extraction("app")
    answer = json.dumps([{"type": "change", "title": "Commas tolerated"}])
    report = mem.complete_extraction(request, answer,
                                     memcore.Usage(model="step-model", prompt_tokens=10))
    assert len(report.stored) == 1 and report.events_extracted == 2
    assert mem.ledger(limit=1)[0].model == "step-model"

    summary_request = mem.summary_request("s1")
    assert summary_request.purpose == memcore.RequestPurpose.SUMMARY
    summary = mem.complete_summary(summary_request, json.dumps({"request": "trailing commas",
                                                                 "completed": "done"}))
    assert summary.request == "trailing commas"
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.complete_extraction(summary_request, "[]")


def test_an_unusable_answer_is_a_failure_not_a_crash(mem):
    class Garbage(memcore.LlmClient):
        def complete(self, request):
            return memcore.LlmResponse(text='{"observations": [{"title": ')

    start(mem)
    run = mem.extract_pending(Garbage())
    assert run.requests == 1
    assert run.observations_stored == 0


def test_a_summary_falls_back_to_rules_when_the_model_fails(mem):
    start(mem)
    summary = mem.summarize("s1", FailingLlm(RuntimeError("down")))
    assert summary is not None and "trailing commas" in summary.request


def test_a_client_that_calls_back_into_its_store_gets_an_error(mem):
    class Reentrant(memcore.LlmClient):
        def __init__(self, memory):
            self.memory = memory
            self.error = None

        def complete(self, request):
            try:
                self.memory.stats()
            except memcore.MemcoreError as e:
                self.error = e
                raise
            return memcore.LlmResponse(text="[]")

    start(mem)
    client = Reentrant(mem)
    # One attempt per batch per run: run until the attempts are spent.
    runs = [mem.extract_pending(client) for _ in range(5)]
    assert all(r.failures == 1 for r in runs)
    assert sum(r.events_failed for r in runs) == 2
    assert isinstance(client.error, memcore.MemcoreError.InvalidArgument)
    assert "calling it" in str(client.error)
    client.memory = None  # break the reference cycle (Rust holds no reference to it here)


def test_a_client_may_use_another_handle_on_the_same_file(mem, db_path):
    class Peeking(memcore.LlmClient):
        def complete(self, request):
            with memcore.Memory(db_path) as other:
                pending = other.stats().pending_events
            return memcore.LlmResponse(text=json.dumps([{"title": f"{pending} pending"}]))

    start(mem)
    mem.extract_pending(Peeking())
    assert mem.recent()[0].title == "2 pending"
