"""The shared file is untrusted input: bad entries are set aside, changed copies refused, future stamps
refused, and a shared path that is not a regular file never blocks or floods a write."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.journal import run_oncall
from tui.journal import Journal
from tui.journal import clock as clock_mod
from tui.journal.clock import HybridClock, wall_ms
from tui.journal.schema import MAX_SKEW_MS, content_id
from tui.journal.store import LogStorage
from tui.journal.sync import FORMAT, MAX_SHARED_BYTES, VERSION, parse_shared, read_shared

FAR_FUTURE = clock_mod.encode(32_503_680_000_000, 0)  # the year 3000


def _write_shared(path: Path, incidents: list[Any], events: list[Any]) -> None:
    head = {"format": FORMAT, "version": VERSION, "incidents": len(incidents), "events": len(events)}
    lines = [json.dumps(x) for x in [head, *incidents, *events]]
    path.write_text("\n".join(lines) + "\n")


def _entries(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(incidents, events) of a shared file as written, without any checking."""
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    docs = [json.loads(line) for line in lines[1:]]
    return docs[:head["incidents"]], docs[head["incidents"]:]


def _quarantined(journal: Journal) -> list[dict[str, Any]]:
    path = journal.path.with_name(journal.path.name + ".quarantine")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _poisoned(event: dict[str, Any], case: str) -> Any:
    bad = dict(event, id="0190b1d2c3f4a5b6c7d8e9f0a1b2")  # a legacy id: the hash check is not what refuses it
    if case == "author is a list":
        bad["author"] = ["mallory"]
    elif case == "text is null":
        bad["text"] = None
    elif case == "time is a number":
        bad["time"] = 1732233600
    elif case == "id is missing":
        del bad["id"]
    elif case == "data is a string":
        bad["data"] = "oops"
    elif case == "stamp is a number":
        bad["hlc"] = 17322336001230
    elif case == "not an object":
        return ["an", "array"]
    elif case == "nesting too deep":
        deep: Any = "x"
        for _ in range(40):
            deep = [deep]
        bad["data"] = {"deep": deep}
    elif case == "text too long":
        bad["text"] = "x" * (300 * 1024)
    return bad


POISONS = ["author is a list", "text is null", "time is a number", "id is missing", "data is a string",
           "stamp is a number", "not an object", "nesting too deep", "text too long"]


@pytest.mark.parametrize("case", POISONS)
def test_an_event_of_the_wrong_shape_is_set_aside_and_everything_else_still_merges(case, journal_paths,
                                                                                  make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("Poisoned share")
    alice.add_event(inc.id, "note", "a good note")
    incidents, events = _entries(journal_paths.shared)
    _write_shared(journal_paths.shared, incidents, [*events, _poisoned(events[-1], case)])

    bob = make_journal("bob")
    status = bob.sync()
    assert status.ok and status.quarantined == 1
    assert status.warning and "set aside" in status.warning and status.warning.count(".") >= 1
    assert [e.text for e in bob.events(inc.id) if e.kind == "note"] == ["a good note"]
    assert bob.incident(inc.id).title == "Poisoned share"
    [kept] = _quarantined(bob)
    assert kept["source"] == "shared" and kept["kind"] == "event"
    assert bob.sync().ok and len(_quarantined(bob)) == 1  # recorded once, however many passes meet it


@pytest.mark.parametrize("register", [{"value": ["a", "list"], "hlc": "0001732233600123.00000", "author": "m"},
                                      {"value": "x", "hlc": 5, "author": "m"},
                                      {"value": "x", "hlc": "0001732233600123.00000", "author": None},
                                      "not a register"])
def test_an_incident_field_of_the_wrong_shape_is_not_applied(register, journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("Real title")
    incidents, events = _entries(journal_paths.shared)
    incidents[0]["fields"]["title"] = register
    incidents[0]["fields"]["status"] = {"value": 7, "hlc": incidents[0]["fields"]["status"]["hlc"], "author": "m"}
    _write_shared(journal_paths.shared, incidents, events)

    bob = make_journal("bob")
    status = bob.sync()
    assert status.ok and status.quarantined == 2
    got = bob.incident(inc.id)  # the rest of the incident merges
    assert got.severity == "high" and got.lead == "alice" and got.title == "(untitled)"
    assert alice.sync().ok and alice.incident(inc.id).title == "Real title"  # alice keeps hers


def test_an_incident_without_fields_is_set_aside(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    incidents, events = _entries(journal_paths.shared)
    _write_shared(journal_paths.shared, [*incidents, {"id": "inc-20261122-bad001", "fields": "no"}], events)
    bob = make_journal("bob")
    assert bob.sync().quarantined == 1
    assert [i.id for i in bob.incidents()] == [inc.id]


def test_the_command_line_survives_a_poisoned_share_and_says_so_once(journal_paths) -> None:
    env = journal_paths.env("alice")
    done = run_oncall(["journal", "new", "--title", "Poisoned"], env)
    assert done.returncode == 0, done.stderr
    iid = done.stdout.splitlines()[-1]
    incidents, events = _entries(journal_paths.shared)
    poison = [_poisoned(events[-1], c) for c in ("author is a list", "text is null", "data is a string")]
    _write_shared(journal_paths.shared, incidents, [*events, *poison])
    bob = journal_paths.env("bob")
    for args in (["journal", "sync"], ["journal", "list"], ["journal", "show", iid], ["journal", "export", iid],
                 ["journal", "note", iid, "after the poison"]):
        done = run_oncall(args, bob)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
        warnings = [line for line in done.stderr.splitlines() if "set aside" in line]
        assert len(warnings) == 1 and warnings[0].startswith("oncall: warning: 3 journal entries"), done.stderr
    assert "Poisoned" in run_oncall(["journal", "list"], bob).stdout


def test_an_already_poisoned_local_journal_heals_on_open(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    with Journal(path, None, "alice", sync_on_write="off") as j:
        inc = j.new_incident("Before")
        j.note(inc.id, "kept")
    store = LogStorage(path)  # what an older oncall copied in from a bad shared file
    bad = {"id": "0190b1d2c3f4a5b6c7d8e9f0a1b2", "incident_id": inc.id, "hlc": "0001732233600123.00000",
           "time": "2026-11-22T03:00:00Z", "author": ["x"], "kind": "note", "text": None, "data": "s"}
    future = dict(bad, id="0190b1d2c3f4a5b6c7d8e9f0a1b3", author="m", text="from 3000", data={}, hlc=FAR_FUTURE)
    store.put("events", [(bad["id"], bad), (future["id"], future)])
    store.put("incidents", [("inc-20261122-bad001", {"id": "inc-20261122-bad001", "fields": ["x"]})])
    store.close()

    with Journal(path, None, "alice", sync_on_write="off") as j:
        assert [e.text for e in j.events(inc.id) if e.kind == "note"] == ["kept"]
        assert [i.id for i in j.incidents()] == [inc.id]
        assert j.notice and "3 journal entries" in j.notice
        assert len(_quarantined(j)) == 3  # set aside, not deleted
        assert j.note(inc.id, "after").hlc < FAR_FUTURE  # the clock was not dragged into the year 3000
    with Journal(path, None, "alice", sync_on_write="off") as j:
        assert j.notice is None  # healed for good


# ---- ids commit to content -----------------------------------------------------------------

def test_a_copy_whose_text_was_changed_is_refused_and_the_original_kept(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    alice.note(inc.id, "rolled back to v41")
    incidents, events = _entries(journal_paths.shared)
    for e in events:
        if e["text"] == "rolled back to v41":
            e["text"] = "rolled back to v42"
    _write_shared(journal_paths.shared, incidents, events)

    status = alice.sync()
    assert status.ok and status.quarantined == 1
    assert "rolled back to v41" in {e.text for e in alice.events(inc.id)}
    assert "rolled back to v42" not in {e.text for e in alice.events(inc.id)}
    assert "rolled back to v41" in {e["text"] for e in read_shared(journal_paths.shared).events.values()}
    # A responder who never saw the original refuses the changed copy too: its content no longer hashes to its id.
    _write_shared(journal_paths.root / "tampered", incidents, events)
    tampered = read_shared(journal_paths.root / "tampered")
    assert "rolled back to v42" not in {e["text"] for e in tampered.events.values()}
    assert any("does not match its id" in r.reason for r in tampered.refused)


def test_a_changed_copy_of_a_legacy_event_never_replaces_the_one_in_the_journal(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    legacy = {"id": "0190b1d2c3f4a5b6c7d8e9f0a1b2", "incident_id": inc.id, "hlc": clock_mod.encode(wall_ms(), 0),
              "time": "2026-11-22T03:00:00.000Z", "author": "alice", "kind": "note", "text": "acknowledged",
              "data": {}}
    incidents, events = _entries(journal_paths.shared)
    _write_shared(journal_paths.shared, incidents, [*events, legacy])
    assert alice.sync().ok and "acknowledged" in {e.text for e in alice.events(inc.id)}  # legacy ids accepted
    incidents, events = _entries(journal_paths.shared)
    _write_shared(journal_paths.shared, incidents,
                  [dict(e, text="acknowledgeD") if e["id"] == legacy["id"] else e for e in events])
    status = alice.sync()
    assert status.quarantined == 1
    texts = {e.text for e in alice.events(inc.id)}
    assert "acknowledged" in texts and "acknowledgeD" not in texts
    assert "acknowledged" in {e["text"] for e in read_shared(journal_paths.shared).events.values()}


def test_the_same_note_twice_is_two_events_with_content_ids(make_journal) -> None:
    j = make_journal("alice", shared=None)
    inc = j.new_incident("x")
    one, two = j.note(inc.id, "ok"), j.note(inc.id, "ok")
    assert one.id != two.id
    assert one.id == content_id(one.to_doc()) and two.id == content_id(two.to_doc())


def test_an_event_of_an_unknown_kind_is_kept_and_shown_as_text(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    doc = {"incident_id": inc.id, "hlc": clock_mod.encode(wall_ms(), 0), "time": "2026-11-22T03:00:00.000Z",
           "author": "bob", "kind": "approval-request", "text": "approve rollback?", "data": {"request": "r1"},
           "nonce": "ab"}
    doc = {"id": content_id(doc), **doc}
    incidents, events = _entries(journal_paths.shared)
    _write_shared(journal_paths.shared, incidents, [*events, doc])
    assert alice.sync().quarantined == 0
    done = run_oncall(["journal", "show", inc.id], journal_paths.env("alice"))
    assert done.returncode == 0 and "approval-request: approve rollback?" in done.stdout


# ---- clock stamps from the future ----------------------------------------------------------

def test_a_field_stamped_in_the_far_future_is_refused_and_later_writes_still_win(journal_paths,
                                                                                make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("Real title")
    incidents, events = _entries(journal_paths.shared)
    incidents[0]["fields"]["title"] = {"value": "frozen forever", "hlc": FAR_FUTURE, "author": "mallory"}
    _write_shared(journal_paths.shared, incidents, events)
    status = alice.sync()
    assert status.ok and status.quarantined == 1 and "future" in (status.warning or "")
    assert alice.incident(inc.id).title == "Real title"
    alice.set_fields(inc.id, title="Renamed")
    bob = make_journal("bob")
    assert bob.sync().ok and bob.incident(inc.id).title == "Renamed"


def test_an_event_stamped_in_the_future_is_refused_until_its_time_comes(journal_paths) -> None:
    now = [wall_ms()]
    alice = Journal(journal_paths.local("alice"), journal_paths.shared, "alice", sync_on_write="inline",
                    now_ms=lambda: now[0])
    try:
        inc = alice.new_incident("x")
        ahead = clock_mod.encode(now[0] + MAX_SKEW_MS + 60_000, 0)
        doc = {"incident_id": inc.id, "hlc": ahead, "time": "2026-11-22T03:00:00.000Z", "author": "bob",
               "kind": "note", "text": "fast clock", "data": {}, "nonce": "1"}
        doc = {"id": content_id(doc), **doc}
        incidents, events = _entries(journal_paths.shared)
        _write_shared(journal_paths.shared, incidents, [*events, doc])
        assert alice.sync().quarantined == 1
        assert "fast clock" not in {e.text for e in alice.events(inc.id)}
        assert alice.note(inc.id, "mine").hlc < ahead
        now[0] += MAX_SKEW_MS  # alice's wall clock catches up: now the stamp is within the skew
        assert alice.sync().quarantined == 0
        assert "fast clock" in {e.text for e in alice.events(inc.id)}
    finally:
        alice.close()


# ---- what the shared path is ---------------------------------------------------------------

def _note_with_shared(journal_paths, shared: Path) -> str:
    env = journal_paths.env("alice", shared=False)
    done = run_oncall(["journal", "new", "--title", "x"], env)
    iid = done.stdout.splitlines()[-1]
    done = run_oncall(["journal", "note", iid, "written anyway"], dict(env, ONCALL_SHARED_JOURNAL=str(shared)),
                      timeout=30)  # a FIFO used to block here for ever
    assert done.returncode == 0, done.stderr
    assert "Noted in" in done.stdout and "Traceback" not in done.stderr
    [warning] = done.stderr.strip().splitlines()
    assert warning.startswith("oncall: warning: The shared journal") and warning.endswith(".")
    shown = run_oncall(["journal", "show", iid], env)
    assert "written anyway" in shown.stdout
    return warning


def test_a_fifo_at_the_shared_path_does_not_block_a_note(journal_paths) -> None:
    fifo = journal_paths.root / "team" / "fifo"
    os.mkfifo(fifo)
    assert "named pipe" in _note_with_shared(journal_paths, fifo)


def test_dev_zero_at_the_shared_path_is_refused_unread(journal_paths) -> None:
    link = journal_paths.root / "team" / "zero"
    link.symlink_to("/dev/zero")
    assert "character device" in _note_with_shared(journal_paths, link)


def test_a_folder_at_the_shared_path_is_refused(journal_paths) -> None:
    folder = journal_paths.root / "team" / "folder"
    folder.mkdir()
    assert "a folder" in _note_with_shared(journal_paths, folder)


def test_a_shared_file_over_the_cap_is_refused_unread(journal_paths, make_journal) -> None:
    with open(journal_paths.shared, "wb") as fh:
        fh.truncate(MAX_SHARED_BYTES + 1)  # sparse: costs no disk
    alice = make_journal("alice")
    alice.new_incident("x")
    status = alice.last_sync
    assert status is not None and not status.ok and "64 MiB cap" in (status.message or "")
    assert journal_paths.shared.stat().st_size == MAX_SHARED_BYTES + 1  # left untouched


def test_parse_refuses_json_nested_too_deep_for_the_parser_as_damage() -> None:
    head = {"format": FORMAT, "version": VERSION, "incidents": 0, "events": 1}
    data = (json.dumps(head) + "\n{\"a\":" + "[" * 100_000 + "]" * 100_000 + "}\n").encode()
    with pytest.raises(Exception) as info:
        parse_shared(data)
    assert type(info.value).__name__ == "SharedFileError"


def test_the_journal_clock_is_injected_not_patched(tmp_path: Path) -> None:
    fixed = 1_795_000_000_000
    with Journal(tmp_path / "j.json", None, "alice", sync_on_write="off", now_ms=lambda: fixed) as j:
        inc = j.new_incident("x")
        ev = j.note(inc.id, "at a fixed time")
        assert ev.time == clock_mod.iso_utc(fixed) and inc.created_at == clock_mod.iso_utc(fixed)
    with Journal(tmp_path / "k.json", None, "a", sync_on_write="off", clock=HybridClock(lambda: fixed)) as j:
        assert j.note(j.new_incident("y").id, "z").time == clock_mod.iso_utc(fixed)


def test_refused_entries_are_carried_on_when_the_share_is_rewritten(journal_paths, make_journal) -> None:
    # Another responder's newer oncall may read what this one refuses: a rewrite must not destroy it.
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    incidents, events = _entries(journal_paths.shared)
    odd_incident = {"id": "inc-20261122-new001", "fields": "a later format"}
    odd_event = _poisoned(events[-1], "data is a string")
    _write_shared(journal_paths.shared, [*incidents, odd_incident], [*events, odd_event])
    bob = make_journal("bob")
    bob.note(inc.id, "bob's note forces a rewrite")
    assert bob.last_sync is not None and bob.last_sync.pushed
    incidents, events = _entries(journal_paths.shared)
    assert odd_incident in incidents and odd_event in events
    assert "bob's note forces a rewrite" in {e.get("text") for e in events}
    assert alice.sync().quarantined == 2 and len(_quarantined(alice)) == 2  # still one record each
    assert bob.sync().quarantined == 2 and len(_quarantined(bob)) == 2


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_local_journal_path_that_is_not_a_file_is_one_sentence_and_left_alone(kind, journal_paths) -> None:
    path = journal_paths.root / "local-thing"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    env = dict(journal_paths.env("alice", shared=False), ONCALL_JOURNAL=str(path))
    done = run_oncall(["journal", "list"], env, timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "not a file" in line and line.endswith(".")
    assert not (journal_paths.root / "local-thing.lock").exists()
    if kind == "dev-zero":
        assert path.resolve() == Path("/dev/zero") and Path("/dev/zero").is_char_device()
