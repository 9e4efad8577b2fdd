"""Silences against the real Alertmanager: the handled alert's exact labels, the incident in the comment,
expired when the incident is resolved (through the core's one place that records a status)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from tests.fixtures.journal import run_oncall
from tui.clock import Clock
from tui.config import Settings
from tui.incident import IncidentRecord
from tui.integrations import silences
from tui.integrations.service import Integrations
from tui.metrics.alerts import AlertmanagerClient

pytestmark = pytest.mark.prometheus


def _silence(url: str, sid: str) -> dict:
    reply = httpx.get(f"{url}/api/v2/silence/{sid}", timeout=10)
    reply.raise_for_status()
    return reply.json()


def _cleanup(url: str, sid: str | None) -> None:
    if sid and _silence(url, sid)["status"]["state"] != "expired":
        httpx.delete(f"{url}/api/v2/silence/{sid}", timeout=10)  # never leave the session's alert silenced


def _firing(url: str) -> list:
    async def go() -> list:
        async with AlertmanagerClient(url) as client:
            return list(await client.alerts(include_suppressed=True))
    return asyncio.run(go())


def test_silence_names_the_incident_and_expires_at_resolution(servers, make_journal) -> None:
    settings = replace(Settings(), alertmanager_url=servers.alertmanager_url)
    journal = make_journal("alice", shared=None)
    incident = journal.new_incident("Refusal spike", runbook="llm-false-refusals",
                                    params={"model": "support-assistant"})
    record = IncidentRecord(journal, incident.id, Clock(), integrations=Integrations(settings))
    alert = silences.handled_alert(_firing(servers.alertmanager_url), "LLMRefusalSpike", incident.params)
    sid = None
    try:
        made = silences.create(journal, incident.id, settings, alert.labels, silences.duration_seconds("2h"),
                               user="alice")
        sid = made.id
        shown = _silence(servers.alertmanager_url, sid)
        assert shown["status"]["state"] == "active"
        assert incident.id in shown["comment"] and "alice" in shown["comment"] and shown["createdBy"] == "alice"
        assert {m["name"]: m["value"] for m in shown["matchers"]} == dict(alert.labels)
        assert not any(m["isRegex"] for m in shown["matchers"])
        spike = next(a for a in _firing(servers.alertmanager_url) if a.name == "LLMRefusalSpike")
        assert sid in spike.silenced_by
        assert [s.id for s in silences.active(journal.events(incident.id))] == [sid]

        record.set_status("resolved")

        assert _silence(servers.alertmanager_url, sid)["status"]["state"] == "expired"
        assert silences.active(journal.events(incident.id)) == []
        expired = [e for e in journal.events(incident.id) if e.kind == "silence" and e.data["action"] == "expired"]
        assert [e.data["silence"] for e in expired] == [sid]
    finally:
        _cleanup(servers.alertmanager_url, sid)


def test_cli_silence_for_two_hours(servers, journal_paths) -> None:
    env = {**journal_paths.env("bob", shared=None), "ONCALL_ALERTMANAGER_URL": servers.alertmanager_url}
    new = run_oncall(["journal", "new", "--title", "Accuracy drop"], env)
    iid = new.stdout.splitlines()[-1]
    done = run_oncall(["silence", "ModelAccuracyDrop", "--incident", iid, "--for", "2h"], env)
    sid = None
    try:
        assert done.returncode == 0, done.stderr
        sid = done.stdout.split("(silence ")[1].split(")")[0]
        shown = _silence(servers.alertmanager_url, sid)
        assert iid in shown["comment"] and "bob" in shown["comment"]
        assert f"resolving {iid} expires it" in done.stdout
    finally:
        _cleanup(servers.alertmanager_url, sid)


def test_cli_silence_of_an_alert_not_firing_is_one_sentence(servers, journal_paths) -> None:
    env = {**journal_paths.env("bob", shared=None), "ONCALL_ALERTMANAGER_URL": servers.alertmanager_url}
    iid = run_oncall(["journal", "new", "--title", "x"], env).stdout.splitlines()[-1]
    done = run_oncall(["silence", "NoSuchAlert", "--incident", iid, "--for", "2h"], env)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "No alert NoSuchAlert is firing" in done.stderr
    bad = run_oncall(["silence", "NoSuchAlert", "--incident", iid, "--for", "forever"], env)
    assert bad.returncode == 1 and "not a duration" in bad.stderr
