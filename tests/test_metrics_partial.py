"""`partial`: an engine that says its answer may be incomplete (Thanos/Prometheus `warnings`, VictoriaMetrics
`isPartial`), from the fault server: a real single engine does not answer partially on cue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.servers import RUNBOOK_YAML
from tui.cli import main
from tui.metrics.prometheus import PrometheusClient, PrometheusError


def _vector(**extra: object) -> bytes:
    return json.dumps({"status": "success", **extra, "data": {"resultType": "vector", "result": [
        {"metric": {"model": "summarizer"}, "value": [1700000000, "0.124"]}]}}).encode()


@pytest.mark.parametrize(("extra", "warnings"), [
    ({"warnings": ["partial response: store 10.0.0.7:10901 unreachable"]},
     ("partial response: store 10.0.0.7:10901 unreachable",)),
    ({"isPartial": True}, ()),
])
async def test_warnings_and_is_partial_make_a_partial_result(fault_server, extra, warnings):
    fault_server.mode, fault_server.status, fault_server.body = "raw", 200, _vector(**extra)
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        result = await client.query("ai_refusal_ratio")
    assert (result.partial, result.warnings) == (True, warnings)


async def test_a_whole_answer_is_not_partial_and_a_strange_flag_is_a_sentence(fault_server):
    fault_server.mode, fault_server.status, fault_server.body = "raw", 200, _vector(isPartial=False)
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        assert (await client.query("x")).partial is False
        fault_server.body = _vector(isPartial="yes")
        with pytest.raises(PrometheusError, match="the isPartial field is a string, not a boolean"):
            await client.query("x")


def test_oncall_metrics_says_partial_in_json_and_why_on_stderr(fault_server, tmp_path: Path, capsys):
    fault_server.mode, fault_server.status = "raw", 200
    fault_server.body = _vector(warnings=["partial response: store 10.0.0.7:10901 unreachable"])
    (tmp_path / "llm-false-refusals.yaml").write_text(RUNBOOK_YAML)
    code = main(["metrics", "llm-false-refusals", "--runbooks", str(tmp_path), "--prometheus", fault_server.url,
                 "--json"])
    out, err = capsys.readouterr()
    rows = {r["name"]: r for r in json.loads(out)}  # stdout is JSON and nothing else
    assert code == 0
    rate = rows["refusal_rate"]
    assert (rate["state"], rate["base_state"], rate["value"]) == ("partial", "crit", 0.124)
    assert rate["warnings"] == ["partial response: store 10.0.0.7:10901 unreachable"]
    assert "refusal_rate: the engine says this answer may be incomplete (partial response: store" in err
