"""`oncall metrics`: a runbook's metrics evaluated once against the real Prometheus."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures.servers import dead_url
from tui.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.prometheus
def test_json_lists_every_metric_with_rendered_query_value_state_unit(servers, metrics_runbooks, capsys):
    code, out, err = _run(capsys, "metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks),
                          "--prometheus", servers.prometheus_url, "--param", "model=search-ranker", "--json")
    assert (code, err) == (0, "")
    rows = {r["name"]: r for r in json.loads(out)}
    assert list(rows) == ["refusal_rate", "refusal_all", "accuracy", "latency", "gpu_free", "missing"]
    assert {k: rows["accuracy"][k] for k in ("title", "query", "value", "state", "unit")} == {
        "title": "Online accuracy", "query": 'ai_eval_accuracy{model="search-ranker"}', "value": 0.71,
        "state": "crit", "unit": "percent-ratio"}
    assert (rows["refusal_rate"]["value"], rows["refusal_rate"]["state"]) == (0.008, "ok")
    assert (rows["missing"]["value"], rows["missing"]["state"]) == (None, "nodata")
    assert [s["labels"]["model"] for s in rows["refusal_all"]["series"]] == [
        "support-assistant", "summarizer", "search-ranker"]


@pytest.mark.prometheus
def test_param_changes_the_query(servers, metrics_runbooks, capsys):
    base = ["metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks), "--prometheus",
            servers.prometheus_url, "--json"]
    _, default, _ = _run(capsys, *base)
    _, support, _ = _run(capsys, *base, "--param", "model=support-assistant")
    d, s = json.loads(default)[0], json.loads(support)[0]
    assert (d["query"], d["value"], d["state"]) == ('ai_refusal_ratio{model="summarizer"}', 0.03, "warn")
    assert (s["query"], s["value"], s["state"]) == ('ai_refusal_ratio{model="support-assistant"}', 0.124, "crit")


@pytest.mark.prometheus
def test_table_shows_values_and_state_words(servers, metrics_runbooks, capsys):
    code, out, _ = _run(capsys, "metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks),
                        "--prometheus", servers.prometheus_url, "--param", "model=support-assistant")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["METRIC", "VALUE", "STATE", "TITLE"]
    assert lines[1].split()[:4] == ["refusal_rate", "12.4%", "CRIT", ">5%"]
    assert any(line.split()[:3] == ['{model="summarizer"}', "3%", "WARN"] for line in lines)
    assert any(line.split()[:3] == ["missing", "—", "NO"] for line in lines)


def test_dead_prometheus_is_one_sentence_and_exit_1(metrics_runbooks):
    url = dead_url()
    env = {**os.environ, "ONCALL_PROMETHEUS_TOKEN": "tok-never-shown", "XDG_CONFIG_HOME": str(metrics_runbooks)}
    proc = subprocess.run([sys.executable, "-m", "tui", "metrics", "llm-false-refusals", "--runbooks",
                           str(metrics_runbooks), "--prometheus", url], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"oncall: Cannot reach Prometheus at {url} (")
    assert proc.stderr.rstrip().endswith("and that Prometheus is running.")
    assert "tok-never-shown" not in proc.stderr


def test_no_prometheus_url_bad_param_and_unknown_runbook(metrics_runbooks, capsys, monkeypatch):
    monkeypatch.delenv("ONCALL_PROMETHEUS_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(metrics_runbooks))
    rb = ["--runbooks", str(metrics_runbooks)]
    code, _, err = _run(capsys, "metrics", "llm-false-refusals", *rb)
    assert code == 1 and "pass --prometheus URL or set ONCALL_PROMETHEUS_URL" in err
    code, _, err = _run(capsys, "metrics", "llm-false-refusals", *rb, "--prometheus", "http://127.0.0.1:9",
                        "--param", "model=Bad Name")
    assert code == 1 and "does not match its pattern" in err
    code, _, err = _run(capsys, "metrics", "no-such-runbook", *rb, "--prometheus", "http://127.0.0.1:9")
    assert code == 1 and "No runbook 'no-such-runbook'" in err


def test_a_failing_query_is_reported_and_exits_1(fault_server, metrics_runbooks, capsys):
    fault_server.mode = "baddata"
    code, out, err = _run(capsys, "metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks),
                          "--prometheus", fault_server.url, "--json")
    rows = json.loads(out)
    assert code == 1 and err == ""
    assert all(r["state"] == "stale" and "bad_data" in r["error"] for r in rows)
