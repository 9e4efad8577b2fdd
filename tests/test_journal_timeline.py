"""The timeline cache takes in only what is new, and stays exactly what a fresh read would give."""

from __future__ import annotations

from pathlib import Path

from tui.journal import Journal


def test_the_timeline_takes_in_new_entries_in_order_even_older_ones_from_a_teammate(tmp_path: Path) -> None:
    shared = tmp_path / "shared.journal"
    alice = Journal(tmp_path / "alice.json", shared, "alice", sync_on_write="inline")
    inc = alice.new_incident("Timeline")
    # Bob's clock runs behind; he takes the incident, then writes offline while alice goes on.
    bob = Journal(tmp_path / "bob.json", shared, "bob", sync_on_write="off", now_ms=lambda: 1_000_000_000_000)
    bob.sync()
    for i in range(5):
        alice.note(inc.id, f"alice {i}")
    before = alice.events(inc.id)
    bob.note(inc.id, "bob, late and behind")
    bob.sync()
    alice.sync()
    after = alice.events(inc.id)
    assert after[-1].text == "alice 4" and any(e.text == "bob, late and behind" for e in after[:-1])
    alice.note(inc.id, "alice after")
    after = alice.events(inc.id)
    fresh = Journal(tmp_path / "alice.json", None, "reader", sync_on_write="off")
    assert after == fresh.events(inc.id)
    assert len(after) == len(before) + 2
    assert {e.text for e in after} >= {"bob, late and behind", "alice after"}
    for j in (alice, bob, fresh):
        j.close()
