"""The local store: TinyDB on an append-only log that is durable, recovers torn writes and is shared by processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tinydb import Query

from tests.fixtures.journal import assert_log_parses, start_worker
from tui.errors import OncallError
from tui.journal import Journal
from tui.journal import store as store_mod
from tui.journal.store import LogDB, LogStorage, LogTable, parse_line


def _doc(i: int | str, **extra) -> dict:
    return {"id": f"e{i}", "incident_id": "inc-1", "hlc": f"{i}", "text": f"note {i}", **extra}


def test_writes_survive_reopening_and_tinydb_queries_work(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    db = LogDB(str(path), storage=LogStorage)
    events = db.table("events")
    assert events.insert(_doc(1)) == "e1"
    events.insert_multiple([_doc(2), _doc(3)])
    incidents = db.table("incidents")
    incidents.insert({"id": "inc-1", "fields": {"title": {"value": "A", "hlc": "1", "author": "a"}}})
    incidents.update({"fields": {"title": {"value": "B", "hlc": "2", "author": "a"}}}, Query().id == "inc-1")
    events.remove(Query().id == "e2")
    db.close()

    again = LogDB(str(path), storage=LogStorage)
    assert sorted(d["id"] for d in again.table("events").all()) == ["e1", "e3"]
    assert again.table("events").get(doc_id="e3")["text"] == "note 3"
    assert again.table("incidents").search(Query().id == "inc-1")[0]["fields"]["title"]["value"] == "B"
    again.close()
    assert_log_parses(path)


def test_an_update_never_rewrites_the_file_it_appends(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    s = LogStorage(path)
    s.put("events", [(d["id"], d) for d in map(_doc, range(100))])
    before = path.read_bytes()
    s.put("events", [("e100", _doc(100))])
    after = path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    s.close()


def test_a_torn_last_line_is_skipped_and_the_next_write_starts_clean(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    s = LogStorage(path)
    s.put("events", [(d["id"], d) for d in map(_doc, range(3))])
    s.close()
    with open(path, "ab") as fh:  # a crash in the middle of a write
        fh.write(b'{"t":"events","k":"e9","d":{"id":"e9","inc')
    s = LogStorage(path)
    assert sorted(s.view("events")) == ["e0", "e1", "e2"]
    assert s.skipped == 1  # opening ended the fragment with a newline: one garbage line, skipped
    s.put("events", [("e3", _doc(3))])
    s.close()
    s = LogStorage(path)
    assert sorted(s.view("events")) == ["e0", "e1", "e2", "e3"]
    assert s.skipped == 1
    s.close()
    assert_log_parses(path, torn=1)


def test_a_record_glued_to_a_torn_fragment_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    writer = LogStorage(path)
    with open(path, "ab") as fh:  # another process died mid-write while this one kept the file open
        fh.write(b'{"t":"events","k":"e8","d":{"id":"e8","text":"half')
    writer.put("events", [("e1", _doc(1, data={"t": "nested", "k": "looks like a record"}))])
    reader = LogStorage(path)
    assert reader.view("events")["e1"]["data"] == {"t": "nested", "k": "looks like a record"}
    assert "e8" not in reader.view("events")
    assert writer.view("events").keys() == {"e1"}
    writer.close()
    reader.close()


def test_parse_line_picks_the_last_well_formed_record() -> None:
    rec = '{"t":"events","k":"e1","d":{"id":"e1","data":{"t":"x"}}}'
    assert parse_line(rec) == (json.loads(rec), 0)
    glued = '{"t":"events","k":"e0","d":{"te' + rec
    assert parse_line(glued)[0] == json.loads(rec)
    assert parse_line("garbage") == (None, 0)


def test_a_file_that_is_not_an_oncall_journal_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text('{"_default": {"1": {"a": 1}}}')  # TinyDB's own format
    before = path.read_bytes()
    with pytest.raises(OncallError, match="not an oncall journal"):
        LogStorage(path)
    assert path.read_bytes() == before


def test_an_unwritable_journal_location_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OncallError, match=r"Cannot .* journal .*--journal or ONCALL_JOURNAL"):
        Journal(blocker / "sub" / "j.json")


def test_compaction_drops_superseded_records_and_keeps_every_document(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    s = LogStorage(path)
    for i in range(300):
        s.put("incidents", [("inc-1", {"id": "inc-1", "n": i})])
    s.put("events", [("e1", _doc(1))])
    s.close()
    size = path.stat().st_size
    s = LogStorage(path, compact_min_garbage=10)  # opening compacts: 299 superseded lines
    assert path.stat().st_size < size / 10
    assert s.view("incidents")["inc-1"]["n"] == 299 and "e1" in s.view("events")
    s.put("events", [("e2", _doc(2))])
    s.close()
    s = LogStorage(path)
    assert set(s.view("events")) == {"e1", "e2"}
    s.close()


def test_a_write_racing_a_compaction_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "j.json"
    appender = LogStorage(path)  # holds the current log open for appending, without the lock
    compactor = LogStorage(path)
    real_atomic_write = store_mod.atomic_write

    def write_during_compaction(target: Path, data: bytes) -> None:
        appender.put("events", [("late", _doc("late"))])  # lands in the old file after the compactor read it
        real_atomic_write(target, data)

    monkeypatch.setattr(store_mod, "atomic_write", write_during_compaction)
    compactor.compact()
    monkeypatch.setattr(store_mod, "atomic_write", real_atomic_write)
    appender.put("events", [("after", _doc("after"))])  # its file was renamed away: it must follow
    fresh = LogStorage(path)
    assert {"late", "after"} <= set(fresh.view("events"))
    for s in (appender, compactor, fresh):
        s.close()


def test_processes_appending_to_one_local_journal_lose_nothing(tmp_path: Path) -> None:
    local = tmp_path / "shared-local.json"
    with Journal(local, None, "lead") as journal:
        inc = journal.new_incident("Four writers, one file")
    workers = [start_worker(local, None, f"w{n}", inc.id, 40, f"w{n}", mode="off") for n in range(4)]
    for w in workers:
        out, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
        assert out.count("ack ") == 40
    with Journal(local, None, "lead") as journal:
        texts = {e.text for e in journal.events(inc.id) if e.kind == "note"}
    assert texts == {f"w{n}-{i}" for n in range(4) for i in range(40)}
    assert_log_parses(local)


def test_the_store_extends_tinydb_only_through_public_api() -> None:
    for cls in (LogStorage, LogTable, LogDB):
        inherited = {n for base in cls.__mro__[1:] for n in vars(base)}
        private = [n for n in vars(cls) if n.startswith("_") and not n.startswith("__") and n in inherited
                   and n != "_abc_impl"]  # set by ABCMeta on every abstract-base subclass
        assert private == [], cls


def test_a_tinydb_update_never_writes_back_what_another_process_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    db = LogDB(str(path), storage=LogStorage)
    table = db.table("incidents")
    table.insert({"id": "a", "v": 1})
    table.insert({"id": "b", "v": 1})
    tables = db.storage.read()  # TinyDB's update: read the whole database...
    other = LogStorage(path)
    other.put("incidents", [("b", {"id": "b", "v": 2})])  # ...another process writes meanwhile...
    tables["incidents"]["a"]["v"] = 5
    db.storage.write(tables)  # ...and TinyDB writes the whole database back
    table.update({"v": 6}, Query().id == "a")
    reopened = LogStorage(path)
    assert {k: d["v"] for k, d in reopened.view("incidents").items()} == {"a": 6, "b": 2}
    for s in (other, reopened):
        s.close()
    db.close()
