"""Hostile Alertmanager replies from the local fault server: wrong types, deep nesting, huge lists, slow bytes."""

from __future__ import annotations

import json

import pytest

from tui.cli import main
from tui.metrics.alerts import MAX_ALERTS, AlertmanagerClient, AlertmanagerError

GOOD = {"labels": {"alertname": "A"}, "annotations": {}, "status": {"state": "active", "silencedBy": [],
                                                                    "inhibitedBy": []},
        "startsAt": "2026-12-01T00:00:00Z", "fingerprint": "f"}


async def _error(url: str, timeout: float = 5.0) -> str:
    async with AlertmanagerClient(url, timeout=timeout) as client:
        with pytest.raises(AlertmanagerError) as err:
            await client.alerts()
    message = str(err.value)
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message
    return message


@pytest.mark.parametrize(("alert", "reason"), [
    ({**GOOD, "labels": ["alertname", "A"]}, "the labels of alert 1 are a list, not a mapping"),
    ({**GOOD, "labels": {"alertname": {"x": 1}}}, "the labels of alert 1 have 'alertname' as a mapping"),
    ({**GOOD, "annotations": {"summary": 3}}, "the annotations of alert 1 have 'summary' as a number"),
    ({**GOOD, "annotations": "runbook"}, "the annotations of alert 1 are a string, not a mapping"),
    ({**GOOD, "status": ["active"]}, "the status of alert 1 is a list, not a mapping"),
    ({**GOOD, "status": {"state": 1}}, "the state of alert 1 is a number, not a string"),
    ({**GOOD, "status": {"silencedBy": "s-1"}}, "the silencedBy of alert 1 is a string, not a list"),
    ({**GOOD, "status": {"inhibitedBy": [None]}}, "the inhibitedBy of alert 1 holds null, not only strings"),
    ({**GOOD, "startsAt": 1764547200}, "the startsAt of alert 1 is a number, not a string"),
    ("LLMRefusalSpike", "alert 1 is a string, not a mapping"),
])
async def test_a_field_of_the_wrong_type_is_one_sentence(fault_server, alert, reason):
    fault_server.mode, fault_server.body = "raw", json.dumps([GOOD, alert][1:]).encode()
    message = await _error(fault_server.url)
    assert message == (f"Alertmanager at {fault_server.url} sent a reply oncall cannot read: {reason}"
                       + message.split(reason, 1)[1])
    assert message.endswith("; check that the URL points at Alertmanager (API v2).")


async def test_json_nested_200000_deep_is_a_sentence(fault_server):
    deep = "[" * 200_000 + "]" * 200_000
    fault_server.mode = "raw"
    fault_server.body = ('[{"labels": {"alertname": "A"}, "annotations": {"x": ' + deep + "}}]").encode()
    message = await _error(fault_server.url)
    assert message == (f"Alertmanager at {fault_server.url} sent a reply oncall cannot read: JSON nested too "
                       "deeply; check that the URL points at Alertmanager (API v2).")


@pytest.fixture
def storm(fault_server):
    alerts = [{**GOOD, "labels": {"alertname": f"A{i:04d}"}, "fingerprint": f"f{i}",
               "startsAt": f"2026-12-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"} for i in range(5000)]
    fault_server.mode, fault_server.body = "raw", json.dumps(alerts[::-1]).encode()
    return fault_server


async def test_a_huge_list_keeps_the_oldest_and_says_so(storm):
    async with AlertmanagerClient(storm.url) as client:
        got = await client.alerts()
    assert len(got) == MAX_ALERTS == 1000 and got.total == 5000
    assert got[0].name == "A0000" and got[-1].name == "A0999"
    assert got.note == "showing the oldest 1,000 of 5,000 alerts"


def test_the_cli_says_the_cut_on_stderr(storm, metrics_runbooks, capsys):
    assert main(["alerts", "--runbooks", str(metrics_runbooks), "--alertmanager", storm.url, "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 1000
    assert captured.err == "oncall: showing the oldest 1,000 of 5,000 alerts.\n"


async def test_a_dripping_alertmanager_is_cut_at_the_deadline(fault_server):
    fault_server.mode, fault_server.delay, fault_server.body = "drip", 0.05, json.dumps([GOOD]).encode()
    message = await _error(fault_server.url, timeout=0.5)
    assert message == f"Alertmanager at {fault_server.url} did not answer within 0.5s; check that it is up."
    assert fault_server.sent < 60


async def test_a_gzip_bomb_is_refused(fault_server):
    fault_server.mode, fault_server.limit = "gzipbomb", 64 * 1024 * 1024
    message = await _error(fault_server.url, timeout=30.0)
    assert message == (f"Alertmanager at {fault_server.url} sent a reply larger than 32 MiB (8 MiB compressed), "
                       "which oncall does not read; check that the URL points at Alertmanager (API v2).")
