"""Done when: against a real engine, an error ratio high before the page that decays after the fix gives a
report whose impact starts before detection and ends when the ratio fell below warn, with the fix on the chart.

The ratio's past is pushed with its own timestamps (remote write, tests/fixtures/push.py); the incident's
journal is written with a clock set to the same past, then `oncall journal export` runs as a real process.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import time
from pathlib import Path

import pytest

from tests.fixtures.journal import run_oncall
from tests.fixtures.push import push, wait_for_samples
from tui.config import Settings
from tui.journal import Journal
from tui.report.build import build_report
from tui.report.markdown import SECTIONS

pytestmark = pytest.mark.prometheus
STEP = 15.0  # seconds between pushed samples
WARN = 0.02
RUNBOOK = """\
id: checkout-errors
title: Checkout errors
version: 1
summary: The checkout service answers with errors.
category: infrastructure
severity_hint: high
metrics:
  error_ratio:
    title: Checkout error ratio
    query: ai_error_ratio{run="%(run)s"}
    unit: percent-ratio
    warn: 0.02
    crit: 0.05
commands:
  rollback:
    title: Roll the checkout back
    run: [echo, rolled back]
    danger: true
start: fix
steps:
  fix:
    do: Roll back.
    commands: [rollback]
    next: done
  done:
    outcome: resolved
    say: Done.
"""


def ratio(t: float, began: float, fixed: float) -> float:
    """0.5% before `began`; 15% until the fix; then halving every ~83 s back to the baseline."""
    if t < began:
        return 0.005
    if t < fixed:
        return 0.15
    return max(0.005, 0.15 * math.exp(-(t - fixed) / 120.0))


def test_the_impact_runs_from_the_metric_not_the_page_and_the_chart_marks_the_fix(servers, tmp_path: Path) -> None:
    now = time.time()
    t0 = now - now % STEP - 50 * 60  # the ratio's story: the last 50 minutes
    began, detected, fixed, resolved = t0 + 10 * 60, t0 + 15 * 60, t0 + 25 * 60, t0 + 35 * 60
    run = secrets.token_hex(4)
    samples = [(t, ratio(t, began, fixed)) for t in (t0 + i * STEP for i in range(int((now - 5 - t0) / STEP)))]
    push(servers.prometheus_url, [({"__name__": "ai_error_ratio", "run": run}, samples)])
    wait_for_samples(servers.prometheus_url, f'ai_error_ratio{{run="{run}"}}', len(samples))
    returned = next(t for t, v in samples if t > fixed and v <= WARN)  # the first sample back inside

    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "checkout-errors.yaml").write_text(RUNBOOK % {"run": run})
    clock = {"t": detected}
    journal = Journal(tmp_path / "journal.json", None, "alice", now_ms=lambda: int(clock["t"] * 1000))
    iid = journal.new_incident("Checkout errors", runbook="checkout-errors", alert="CheckoutErrors",
                               detected_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(detected))).id
    clock["t"] = detected + 60
    journal.note(iid, "looking at the checkout dashboards")
    clock["t"] = fixed
    journal.add_event(iid, "command", "ran rollback: echo rolled back (ok, 0.0 s)",
                      {"command": "rollback", "runbook": "checkout-errors", "title": "Roll the checkout back",
                       "danger": True, "status": "ok", "exit_code": 0, "display": "echo rolled back",
                       "output": "rolled back"})
    clock["t"] = fixed + 60
    journal.set_fields(iid, status="contained")
    clock["t"] = resolved
    journal.set_fields(iid, status="resolved")
    settings = Settings(runbook_dirs=(books,), journal_path=tmp_path / "journal.json",
                        prometheus_url=servers.prometheus_url, user="alice")
    report = build_report(journal, iid, settings, now=now)
    journal.close()

    impact = report.impact
    assert impact.measured and impact.window is not None, impact.why
    step = max(STEP, impact.span.end - impact.span.start) / 240 + STEP  # a range step and a sample of slack
    assert impact.window.start < detected, "the impact began before the page"
    assert abs(impact.window.start - began) <= step
    assert impact.window.end is not None and abs(impact.window.end - returned) <= step
    assert impact.window.end > fixed

    # The real command line: one HTML page and a Markdown file with its charts beside it, folders created.
    env = {"ONCALL_JOURNAL": str(tmp_path / "journal.json"), "ONCALL_USER": "alice",
           "ONCALL_RUNBOOKS": str(books), "ONCALL_PROMETHEUS_URL": servers.prometheus_url,
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ONCALL_")}, **env}
    out = tmp_path / "reports" / "deep" / "report.md"
    done = run_oncall(["journal", "export", iid, "--out", str(out)], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"Wrote the report (Markdown) to {out} and 1 chart beside it "
                                   "(report-checkout-errors-error_ratio.svg).")
    markdown = out.read_text()
    for title in SECTIONS:
        assert f"\n## {title}\n" in markdown, title
    assert "from the metrics" in markdown and "Missed signal: Checkout error ratio was past its warn line" in markdown
    assert "![Chart: Checkout error ratio](report-checkout-errors-error_ratio.svg)" in markdown
    svg = (out.parent / "report-checkout-errors-error_ratio.svg").read_text()
    assert 'class="warn"' in svg and 'class="crit"' in svg and 'class="series"' in svg
    assert "impact window" in svg
    [fix] = re.findall(r'<g class="mark fix"><line x1="([0-9.]+)"', svg)
    [page] = re.findall(r'<g class="mark page"><line x1="([0-9.]+)"', svg)
    [impact_x] = re.findall(r'<rect x="([0-9.]+)"[^>]*opacity', svg)
    assert float(impact_x) < float(page) < float(fix)  # the impact began left of the page, the fix after it
    assert "ran Roll the checkout back [rollback]" in svg

    page_file = tmp_path / "html" / "report.html"
    done = run_oncall(["journal", "export", iid, "--format", "html", "--out", str(page_file)], env)
    assert done.returncode == 0, done.stderr
    assert "one HTML page" in done.stdout and "1 chart inline" in done.stdout
    html = page_file.read_text()
    assert html.count("<svg ") == 1 and "<img" not in html and "<script" not in html
