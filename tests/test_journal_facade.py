"""The facade the app, the launcher and the drills use (tui.journal.Journal)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fixtures.journal import run_oncall
from tui.config import Settings
from tui.errors import OncallError
from tui.journal import LEAD, Journal, open_journal
from tui.journal.clock import HybridClock, wall_ms
from tui.journal.model import INCIDENT_ID


def test_a_new_incident_is_investigating_with_the_user_as_lead(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("Refusal spike in support assistant", severity="critical",
                               category="unexpected-output", runbook="llm-false-refusals",
                               params={"model": "support-assistant"})
    assert INCIDENT_ID.match(inc.id)
    assert (inc.status, inc.lead, inc.severity_label, inc.runbooks) == (
        "investigating", "alice", "SEV1", ("llm-false-refusals",))
    assert inc.params == {"model": "support-assistant"} and inc.detected_at and not inc.drill
    opened = journal.events(inc.id)
    assert [e.kind for e in opened] == ["status"] and "alice is incident lead" in opened[0].text
    assert journal.incident(inc.id) == inc


def test_bad_input_is_an_oncall_error_that_says_what_to_do(make_journal) -> None:
    journal = make_journal(shared=False)
    with pytest.raises(OncallError, match="Unknown severity 'sev9'; use one of critical"):
        journal.new_incident("x", severity="sev9")
    with pytest.raises(OncallError, match="needs a title"):
        journal.new_incident("  ")
    inc = journal.new_incident("x")
    with pytest.raises(OncallError, match="Unknown status 'done'"):
        journal.set_fields(inc.id, status="done")
    with pytest.raises(OncallError, match="not a date; use YYYY-MM-DD"):
        journal.add_action_item(inc.id, "Fix it", "bob", "next week")
    with pytest.raises(OncallError, match="No incident inc-nope in the journal"):
        journal.add_event("inc-nope", "note", "x")
    with pytest.raises(ValueError):  # programming errors stay programming errors
        journal.add_event(inc.id, "gossip", "x")
    with pytest.raises(ValueError):
        journal.set_fields(inc.id, colour="red")


def test_an_incident_is_found_by_a_unique_prefix_or_its_suffix(make_journal) -> None:
    journal = make_journal(shared=False)
    inc = journal.new_incident("one")
    suffix = inc.id.rsplit("-", 1)[1]
    assert journal.incident(inc.id[:-2]).id == inc.id
    assert journal.incident(suffix[:4]).id == inc.id
    journal.new_incident("two")
    with pytest.raises(OncallError, match=r"matches 2 incidents .*type more of the id"):
        journal.incident("inc-")


def test_set_fields_records_status_severity_and_role_changes(make_journal) -> None:
    journal = make_journal(shared=False)
    inc = journal.new_incident("Bad deploy")
    after = journal.set_fields(inc.id, status="contained", severity="critical",
                               roles={"communications lead": "bob"}, impact="12% of chats refused")
    assert after.status == "contained" and after.contained_at and after.impact == "12% of chats refused"
    assert after.roles == {LEAD: "alice", "communications lead": "bob"}
    texts = [e.text for e in journal.events(inc.id)]
    assert "Status: investigating → contained." in texts
    assert "Severity: SEV2 (high) → SEV1 (critical)." in texts
    assert "bob is communications lead." in texts
    n = len(texts)
    journal.set_fields(inc.id, status="contained")  # no change, no event
    assert len(journal.events(inc.id)) == n
    done = journal.set_fields(inc.id, status="resolved", decision="rollback", decision_reason="clean rollback point")
    assert done.resolved_at and done.decision == "rollback" and not done.is_open
    assert journal.open_incidents() == []


def test_action_items_fold_their_updates(make_journal) -> None:
    journal = make_journal(shared=False)
    inc = journal.new_incident("x")
    a = journal.add_action_item(inc.id, "Add a canary for prompt changes", "bob", "2026-12-01")
    journal.add_action_item(inc.id, "Alert on refusal rate", None, None)
    journal.complete_action_item(inc.id, a.id)
    items = journal.action_items(inc.id)
    assert [(i.text, i.owner, i.due, i.done) for i in items] == [
        ("Add a canary for prompt changes", "bob", "2026-12-01", True), ("Alert on refusal rate", None, None, False)]
    with pytest.raises(OncallError, match="No action item"):
        journal.complete_action_item(inc.id, "nope")


def test_concurrent_changes_to_different_fields_and_roles_both_survive(make_journal) -> None:
    alice, bob = make_journal("alice"), make_journal("bob")
    inc = alice.new_incident("Drift in ranker")
    bob.sync()
    alice.set_fields(inc.id, roles={"communications lead": "carol"}, impact="search quality down")
    bob.set_fields(inc.id, roles={"technical lead": "bob"}, trigger="feature pipeline schema change")
    alice.sync()
    for j in (alice, bob):
        got = j.incident(inc.id)
        assert got.roles == {LEAD: "alice", "communications lead": "carol", "technical lead": "bob"}
        assert (got.impact, got.trigger) == ("search quality down", "feature pipeline schema change")


def test_the_same_field_set_twice_at_once_converges_on_one_value(make_journal) -> None:
    alice, bob = make_journal("alice"), make_journal("bob")
    inc = alice.new_incident("x")
    bob.sync()
    alice.set_fields(inc.id, title="Refusals after prompt v41", )
    bob.set_fields(inc.id, title="Refusals after routing change")
    alice.sync()
    bob.sync()
    assert alice.incident(inc.id).title == bob.incident(inc.id).title


def test_a_reply_sorts_after_what_it_answers_even_with_a_slow_clock(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    # bob's machine runs 4 minutes slow: within the accepted skew (a clock further behind would see
    # everyone else's stamps as from the future and refuse them; see test_journal_untrusted.py)
    slow = HybridClock(now_ms=lambda: wall_ms() - 4 * 60 * 1000)
    bob = Journal(journal_paths.local("bob"), journal_paths.shared, "bob", sync_on_write="inline", clock=slow)
    try:
        inc = alice.new_incident("x")
        alice.add_event(inc.id, "note", "is anyone looking at the ranker?")
        bob.add_event(inc.id, "note", "yes, I am")  # bob's write syncs first, so he has seen alice's note
        alice.sync()
        notes = [e.text for e in alice.events(inc.id) if e.kind == "note"]
        assert notes == ["is anyone looking at the ranker?", "yes, I am"]
        assert alice.events(inc.id) == bob.events(inc.id)
        assert alice.responders(inc.id) == {"alice", "bob"}
    finally:
        bob.close()


def test_background_sync_reaches_the_shared_file_and_close_waits_for_it(journal_paths, make_journal) -> None:
    journal = make_journal("alice", mode="background")
    inc = journal.new_incident("x")
    journal.add_event(inc.id, "note", "first")
    assert journal.wait_synced(10)
    assert journal.last_sync is not None and journal.last_sync.ok
    assert b"first" in journal_paths.shared.read_bytes()
    journal.add_event(inc.id, "note", "written just before closing")
    journal.close()
    assert b"written just before closing" in journal_paths.shared.read_bytes()


def test_open_journal_follows_the_settings_and_redacts_their_secrets(tmp_path: Path) -> None:
    settings = Settings(journal_path=tmp_path / "j.json", shared_journal=tmp_path / "shared.journal",
                        user="dana", prometheus_token="tok-abc-123-xyz")
    journal = open_journal(settings, sync_on_write="inline")
    try:
        inc = journal.new_incident("x")
        journal.add_event(inc.id, "note", "curl says tok-abc-123-xyz is invalid")
        assert journal.incident(inc.id).lead == "dana"
        assert journal.shared == tmp_path / "shared.journal"
        assert b"tok-abc-123-xyz" not in (tmp_path / "j.json").read_bytes()
    finally:
        journal.close()


def test_drills_are_told_apart(make_journal) -> None:
    journal = make_journal(shared=False)
    real = journal.new_incident("real")
    drill = journal.new_incident("game day", drill=True)
    assert {i.id for i in journal.open_incidents(drill=False)} == {real.id}
    assert {i.id for i in journal.open_incidents(drill=True)} == {drill.id}
    assert re.match(r"Incident opened", journal.events(drill.id)[0].text)


def test_an_open_journal_sees_what_another_process_wrote_to_the_same_file(journal_paths, make_journal) -> None:
    # The app keeps the journal open while `oncall journal note` (or `oncall run --incident`) writes to it.
    app = make_journal("alice", shared=False)
    inc = app.new_incident("x")
    assert len(app.events(inc.id)) == 1
    done = run_oncall(["journal", "note", inc.id, "from the command line"], journal_paths.env("alice", shared=None))
    assert done.returncode == 0, done.stderr
    assert [e.text for e in app.events(inc.id)][-1] == "from the command line"
    app.add_event(inc.id, "note", "and back in the app")
    assert [e.text for e in app.events(inc.id)][-2:] == ["from the command line", "and back in the app"]
