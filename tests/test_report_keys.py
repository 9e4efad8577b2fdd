"""The report's gaps name the keys that fill them as this responder has them (config.yaml `keymap:`)."""

from __future__ import annotations

from dataclasses import replace

from tui.config import Settings
from tui.report.build import build_report
from tui.report.keys import DEFAULT_KEYS, report_keys


def test_the_defaults_are_the_incident_screens_keys() -> None:
    from tui.app.screens.incident import IncidentScreen

    bound = {b.id: b.key for b in IncidentScreen.BINDINGS if not isinstance(b, tuple) and b.id}
    assert {bid: bound[bid] for bid in DEFAULT_KEYS} == DEFAULT_KEYS


def test_a_remapped_key_is_the_one_the_gaps_name(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    incident = journal.new_incident("Refusal spike", runbook="llm-false-refusals")
    plain = build_report(journal, incident.id, Settings()).markdown()
    assert "press i (findings) on the incident screen and fill 'Impact'" in plain
    assert "press a on the incident screen to add one" in plain
    keymap = {"incident.findings": "F,ctrl+f", "incident.action_item": "ctrl+a", "incident.status": "asterisk"}
    mine = build_report(journal, incident.id, replace(Settings(), keymap=keymap)).markdown()
    assert "press i " not in mine and "press a " not in mine
    assert "press F (findings) on the incident screen and fill 'Impact'" in mine
    assert "press ctrl+a on the incident screen to add one" in mine
    assert report_keys(keymap)["incident.status"] == "*" and "press * and choose contained" in mine
