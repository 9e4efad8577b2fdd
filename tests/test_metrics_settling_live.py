"""`oncall metrics --incident` against real engines: a service restarts until its fix runs (a danger command
recorded in the incident); right after it the windowed restarts are settling for about the window, then ok;
an error ratio that halves every 10 s from the fix is falling. On Prometheus and VictoriaMetrics alike."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from tui.cli import main

pytestmark = pytest.mark.prometheus

WINDOW = 20  # seconds: long enough to see it hold, short enough to wait out in a test
DEADLINE = 60.0

RUNBOOK = """\
id: recovering-service
title: A service that restarts until rolled back
version: 1
summary: Restarts stop when the rollback runs.
category: infrastructure
severity_hint: high
params:
  service: {prompt: Service, pattern: '^[a-z0-9-]+$'}
  fixfile: {prompt: Fix file, pattern: '^/[A-Za-z0-9/._-]+$'}
metrics:
  restarts:
    title: Restarts in the last WINDOW seconds
    query: sum(increase(ai_restarts_total{service="${service}"}[WINDOWs]))
    unit: count
    warn: 1
    crit: 3
  errors:
    title: Error ratio
    query: max(ai_recovering_ratio{service="${service}"})
    unit: percent-ratio
    warn: 0.02
    crit: 0.05
commands:
  rollback:
    title: Roll back
    run: [touch, "${fixfile}"]
    danger: true
start: check
steps:
  check:
    ask: Still restarting?
    metric: restarts
    choices:
      - {label: "Yes: escalate", next: escalate, when: crit}
      - {label: "No", next: done, when: ok}
  escalate: {outcome: escalate, say: Page the team.}
  done: {outcome: resolved, say: Done.}
""".replace("WINDOW", str(WINDOW))


def _metrics(capsys, base: list[str], *extra: str) -> dict[str, dict]:
    code = main(["metrics", *base, "--json", *extra])
    out, _ = capsys.readouterr()
    assert code == 0
    return {row["name"]: row for row in json.loads(out)}


def _until(capsys, base: list[str], extra: tuple[str, ...], check) -> dict[str, dict]:
    """Ask again (once a second) until `check` holds for the rows, within a deadline; never a timing assertion."""
    end = time.monotonic() + DEADLINE
    while True:
        rows = _metrics(capsys, base, *extra)
        if check(rows) or time.monotonic() > end:
            return rows
        time.sleep(1.0)


def test_after_the_fix_restarts_settle_for_the_window_then_read_ok_and_errors_fall(servers, tmp_path: Path, capsys):
    service = f"svc-{uuid.uuid4().hex[:8]}"
    fixfile = servers.recovering.add(service)
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "recovering.yaml").write_text(RUNBOOK)
    journal = str(tmp_path / "journal.json")
    common = ["--runbooks", str(tmp_path / "rb"), "--journal", journal]
    params = ["--param", f"service={service}", "--param", f"fixfile={fixfile}"]
    base = ["recovering-service", *common, "--prometheus", servers.prometheus_url, *params]

    assert main(["journal", "new", "--title", "Restart loop", "--journal", journal]) == 0
    incident = capsys.readouterr().out.strip()
    before = _until(capsys, base, (), lambda rows: rows["restarts"]["state"] == "crit")
    assert before["restarts"]["state"] == "crit", before["restarts"]
    assert before["restarts"]["settles_in_s"] is None  # no incident given: judged as it reads

    assert main(["run", "recovering-service", "rollback", *common, *params, "--yes", "--incident", incident]) == 0
    capsys.readouterr()
    right_after = _metrics(capsys, base, "--incident", incident)
    restarts = right_after["restarts"]
    assert (restarts["state"], restarts["base_state"]) == ("settling", "crit")
    assert WINDOW - 8 <= restarts["settles_in_s"] <= WINDOW
    assert right_after["errors"]["state"] != "settling"  # an instant query holds no window

    later = _until(capsys, base, ("--incident", incident), lambda rows: rows["restarts"]["state"] != "settling")
    assert later["restarts"]["state"] in ("ok", "warn") and later["restarts"]["settles_in_s"] is None
    if later["restarts"]["state"] == "warn":  # the window has passed by less than a scrape: the last restart was
        # scraped just after the fix (and VictoriaMetrics' increase() also reads the sample before the window)
        later = _until(capsys, base, ("--incident", incident), lambda rows: rows["restarts"]["state"] == "ok")
    assert (later["restarts"]["state"], later["restarts"]["settles_in_s"]) == ("ok", None)
    assert later["errors"]["trend"] == "falling", later["errors"]
