"""The whole flow a Python agent runs: record a session, extract with its LLM, summarise, and
recall at the next session."""

from __future__ import annotations

import datetime

import memcore


def record_session(mem: memcore.Memory, session: str) -> None:
    mem.start_session(session, "webshop", "py-agent")
    mem.record_user_prompt(session, "The cart total is wrong when a coupon is used")
    mem.record_tool_use(session, "Read", {"file_path": "src/cart.py"},
                        output="def cart_total(lines, coupon): ...", tool_use_id="toolu_1")
    mem.record_tool_use(session, "Edit", {"file_path": "src/cart.py",
                                          "old_string": "- coupon * len(lines)",
                                          "new_string": "- coupon"},
                        output="The file src/cart.py has been updated.", tool_use_id="toolu_2")
    mem.record_assistant_message(session, "Fixed: the coupon is now applied once.")


def test_full_flow_with_a_python_llm(mem, canned_llm):
    record_session(mem, "s1")
    assert [e.status for e in mem.events("s1")] == [memcore.EventStatus.PENDING] * 4

    run = mem.extract_pending(canned_llm)
    assert run.requests == 1
    assert run.observations_stored == 1
    assert run.events_extracted == 4
    assert (run.prompt_tokens, run.completion_tokens) == (1200, 150)
    request = canned_llm.requests[0]
    assert request.purpose == memcore.RequestPurpose.OBSERVATIONS
    assert request.format == memcore.OutputFormat.OBSERVATIONS_JSON
    assert "src/cart.py" in request.user_prompt
    assert mem.events("s1", memcore.EventStatus.PENDING) == []

    mem.end_session("s1")
    summary = mem.summarize("s1", canned_llm)
    assert summary is not None and summary.completed == "Coupon applied once"
    assert mem.latest_summary("webshop").id == summary.id

    # The next session starts: recall what the last one learned.
    mem.start_session("s2", "webshop", "py-agent")
    context = mem.session_context("webshop", query="coupon total")
    assert "Coupon applied twice in the cart total" in context.text
    assert "Coupon applied once" in context.text  # the summary
    assert context.tokens <= context.budget
    assert context.summary_id == summary.id

    hits = mem.search("coupon", project="webshop")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.observation.kind == "bugfix"
    assert hit.observation.files_modified == ["src/cart.py"]
    assert sorted(hit.observation.source_event_ids) == [e.id for e in mem.events("s1")]
    assert hit.parts.text_rank == 1.0 and hit.score > 0
    assert mem.get([hit.id])[0] == hit.observation

    ledger = mem.ledger("webshop")
    assert {(e.purpose, e.model) for e in ledger} == {("observations", "fake-haiku"),
                                                      ("summary", "fake-haiku")}

    stats = mem.stats("webshop")
    assert (stats.sessions, stats.events, stats.pending_events) == (2, 4, 0)
    assert stats.observations == 1 and stats.observations_by_kind == {"bugfix": 1}
    assert stats.summaries == 1
    assert mem.integrity_check() == ["ok"]


def test_heuristic_extraction_needs_no_llm(mem):
    record_session(mem, "s1")
    run = mem.extract_heuristic()
    assert run.observations_stored >= 1
    recent = mem.recent("webshop")
    assert any("src/cart.py" in o.files_modified for o in recent)
    summary = mem.summarize("s1")  # no client: rules
    assert summary is not None and summary.session_id == "s1"


def test_records_round_trip(mem):
    session = mem.start_session("s1", "webshop", "py-agent",
                                started_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc))
    assert session.status == memcore.SessionStatus.ACTIVE
    assert session.started_at == datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    assert mem.end_session("s1").status == memcore.SessionStatus.ENDED
    assert mem.session("nope") is None
    assert [s.id for s in mem.recent_sessions()] == ["s1"]
    assert mem.projects() == ["webshop"]

    recorded = mem.record_event(memcore.NewEvent(
        session_id="s1",
        payload=memcore.EventPayload.TOOL_USE(tool_name="Bash", input_json='{"command": "ls"}',
                                              output="README.md", tool_use_id="t1"),
    ))
    assert recorded.inserted
    again = mem.record_tool_use("s1", "Bash", {"command": "ls"}, output="README.md",
                                tool_use_id="t1")
    assert again == memcore.Recorded(id=recorded.id, inserted=False)
    event = mem.events("s1")[0]
    assert isinstance(event.payload, memcore.EventPayload.TOOL_USE)
    assert event.payload.tool_name == "Bash"
    assert event.payload.input_json == '{"command":"ls"}'
    assert event.attempts == 0

    added = mem.add_observation(memcore.NewObservation(
        title="Tokens are signed with RS256", project="webshop", kind="decision",
        facts=["HS256 was dropped"], files_read=["src/auth.py"], importance=0.9))
    assert not added.duplicate
    assert mem.add_observation(memcore.NewObservation(
        title="Tokens are signed with RS256", project="webshop", kind="decision",
        facts=["HS256 was dropped"], files_read=["src/auth.py"], importance=0.9)).duplicate
    obs = mem.get([added.id])[0]
    assert obs.kind == "decision" and abs(obs.importance - 0.9) < 1e-6 and obs.token_count > 0
    assert "memcore.Observation" not in repr(obs) and "title=Tokens" in repr(obs)
    assert mem.pin(added.id)
    assert mem.get([added.id])[0].pinned
    assert mem.forget(added.id) and not mem.forget(added.id)

    hits = mem.search_with(memcore.SearchRequest(
        query="", project="webshop", filter=memcore.SearchFilter(kinds=["decision"])))
    assert hits == []


def test_timeline_and_prompt_context(mem, canned_llm):
    record_session(mem, "s1")
    mem.extract_pending(canned_llm)
    obs = mem.recent("webshop")[0]
    timeline = mem.timeline(obs.id, before=3, after=3)
    items = [e.item for e in timeline.entries]
    assert any(isinstance(i, memcore.TimelineItem.OBSERVATION) for i in items)
    prompts = [i.event for i in items if isinstance(i, memcore.TimelineItem.PROMPT)]
    assert prompts and prompts[0].payload.text.startswith("The cart total is wrong")
    anchor = timeline.entries[timeline.anchor_index].item
    assert anchor.observation.id == obs.id

    relevant = mem.prompt_context("webshop", "why was the coupon applied twice?")
    assert str(obs.id) in relevant.text
    assert mem.prompt_context("webshop", "kubernetes ingress annotations").text == ""


def test_export_import_and_backup(mem, canned_llm, tmp_path):
    record_session(mem, "s1")
    mem.extract_pending(canned_llm)
    report = mem.export_jsonl(str(tmp_path / "export.jsonl"))
    assert report.records.observations == 1 and report.bytes > 0

    backup = mem.backup(str(tmp_path / "backup.db"))
    assert backup.bytes > 0
    with memcore.Memory(backup.path) as copy:
        assert copy.stats().observations == 1

    with memcore.Memory(tmp_path / "other.db") as other:
        imported = other.import_jsonl(str(tmp_path / "export.jsonl"))
        assert imported.added.observations == 1
        assert other.import_jsonl(str(tmp_path / "export.jsonl")).skipped.observations == 1
        assert other.search("coupon", project="webshop")[0].observation.title.startswith("Coupon")

    dry = mem.prune(memcore.RetentionPolicy(max_observations_per_project=0), dry_run=True)
    assert dry.dry_run and [o.reason for o in dry.observations] == [memcore.PruneReason.PROJECT_LIMIT]
    assert mem.stats().observations == 1


def test_config_mode_and_module_functions(tmp_path):
    with memcore.Memory(tmp_path / "m.db", config={"extraction": {"max_attempts": 2}}) as mem:
        import json
        mode = json.loads(mem.mode_json())
        assert mode["name"] == "code"
        assert "bugfix" in [k["name"] for k in mode["kinds"]]
        mem.set_mode_json(json.dumps(mode))
    assert memcore.version() == memcore.__version__
    assert memcore.resolve_project(name="  explicit  ") == "explicit"
    assert memcore.resolve_project(cwd=str(tmp_path)) == tmp_path.name
