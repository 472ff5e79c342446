"""Every failure is a ``memcore.MemcoreError``, with one subclass per family and the core's
message."""

from __future__ import annotations

import pytest

import memcore

FAMILIES = ["InvalidArgument", "NotFound", "NotADatabase", "SchemaTooNew", "ReadOnly", "Io",
            "Database", "Busy", "Json", "Callback", "Closed", "Internal"]


def test_one_hierarchy():
    for name in FAMILIES:
        cls = getattr(memcore.MemcoreError, name)
        assert issubclass(cls, memcore.MemcoreError)
        assert issubclass(cls, Exception)
        assert cls.__doc__  # the Rust doc comment
    err = memcore.MemcoreError.NotFound("session s9 not found")
    assert str(err) == "session s9 not found"
    assert err.message == "session s9 not found"
    assert "NotFound" in repr(err)


def test_not_found(mem):
    with pytest.raises(memcore.MemcoreError.NotFound, match="session nope not found"):
        mem.end_session("nope")
    with pytest.raises(memcore.MemcoreError.NotFound):
        mem.record_user_prompt("never-started", "hello")


def test_invalid_arguments(mem, tmp_path):
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="empty"):
        memcore.Memory("")
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="directory"):
        memcore.Memory(tmp_path)
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="config"):
        memcore.Memory(tmp_path / "c.db", config={"busy_timeout_ms": "soon"})
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.start_session("", "proj", "agent")
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.add_observation(memcore.NewObservation(title="  ", project="p"))
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="empty"):
        mem.stats("  ")
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.search_with(memcore.SearchRequest(query="x", project="p", all_projects=True))
    # A search or a context must say where to look: memcore does not guess the project
    # from the working directory.
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="all_projects"):
        mem.search_with(memcore.SearchRequest(query="x"))
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="all_projects"):
        mem.context(memcore.ContextRequest())
    assert mem.search_with(memcore.SearchRequest(query="x", all_projects=True)) == []
    with pytest.raises(memcore.MemcoreError.InvalidArgument):
        mem.set_mode_json('{"name": "x"}')


def test_json_errors(mem):
    mem.start_session("s1", "p", "a")
    with pytest.raises(memcore.MemcoreError.Json, match="not valid JSON"):
        mem.record_event(memcore.NewEvent(
            session_id="s1",
            payload=memcore.EventPayload.TOOL_USE(tool_name="Bash", input_json="{oops")))
    with pytest.raises(TypeError):
        mem.record_tool_use("s1", "Bash", {"not": object()})


def test_not_a_database_is_left_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"shopping list: milk, eggs\n" * 100)
    with pytest.raises(memcore.MemcoreError.NotADatabase) as info:
        memcore.Memory(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == b"shopping list: milk, eggs\n" * 100


def test_io_and_backup_errors(mem, tmp_path):
    with pytest.raises(memcore.MemcoreError.Io):
        mem.import_jsonl(str(tmp_path / "missing.jsonl"))
    existing = tmp_path / "exists.db"
    existing.write_text("x")
    with pytest.raises(memcore.MemcoreError.InvalidArgument, match="exists"):
        mem.backup(str(existing))


def test_closed(db_path):
    mem = memcore.Memory(db_path)
    mem.close()
    mem.close()
    assert not mem.is_open()
    with pytest.raises(memcore.MemcoreError.Closed, match="closed"):
        mem.projects()
    with memcore.Memory(db_path) as again:
        assert again.projects() == []
    assert "closed" in repr(again)


def test_type_errors_are_python_errors(mem):
    with pytest.raises(TypeError):
        mem.start_session(1, "p", "a")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mem.get(["1"])  # type: ignore[list-item]


def test_schema_too_new(db_path):
    import sqlite3

    memcore.Memory(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(memcore.MemcoreError.SchemaTooNew, match="999"):
        memcore.Memory(db_path)
