"""Drill scenarios: the bundled ones load, and broken ones are refused at the right file:line:col."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import BUNDLED_RUNBOOKS
from tui.drill.catalog import load_catalog
from tui.drill.validate import load_scenario_file, validate_scenario_text
from tui.runbook.library import load_library

DRILLS = BUNDLED_RUNBOOKS / "drills"
BASE = (DRILLS / "refusal-spike.yaml").read_text()


@pytest.fixture(scope="module")
def runbooks():
    return load_library([BUNDLED_RUNBOOKS], jumps_are_errors=False).runbooks


def test_bundled_scenarios_are_valid_and_cover_the_five_incidents() -> None:
    catalog = load_catalog([BUNDLED_RUNBOOKS])
    assert not catalog.broken, [e.first_error for e in catalog.broken]
    assert {s.runbook for s in catalog.scenarios.values()} >= {
        "llm-false-refusals", "quality-drop-after-deploy", "data-drift", "retrieval-grounding-failure",
        "gpu-oom-serving"}
    for s in catalog.scenarios.values():
        assert s.alerts and s.fix_commands and s.expected.path
        assert not [p for e in catalog.entries for p in e.problems], "bundled scenarios carry no warning"


# (name, old text, new text, the message expected, a marker on the line it must point at)
CASES = [
    ("typo-key", "    baseline: 0.012\n", "    baselin: 0.012\n", "unknown key 'baselin'; did you mean baseline?",
     "baselin:"),
    ("unknown-metric", "  thumbs_down:\n", "  thumbs_up:\n", "runbook llm-false-refusals has no metric 'thumbs_up'",
     "  thumbs_up:"),
    ("wrong-label", "        labels: {service: support-assistant, suite: golden}",
     "        labels: {service: support-assistant, suite: silver}", "is not read by the runbook's query",
     "      - gauge: llm_eval_pass_ratio"),
    ("unread-query", "      - ratio: llm_feedback_total", "      - ratio: llm_feedbacks_total",
     "the runbook's query reads llm_feedback_total", "  thumbs_down:"),
    ("path-gap", "path: [confirm-refusals, probe, which-change", "path: [confirm-refusals, which-change",
     "step confirm-refusals does not lead to which-change", "path: [confirm-refusals"),
    ("unknown-fix", "  commands: [rollback_prompt]", "  commands: [rollback_promt]",
     "has no command 'rollback_promt'", "commands: [rollback_promt]"),
    ("time-order", "      - {at: -5m, to: 0.122, over: 4m}", "      - {at: -15m, to: 0.122, over: 4m}",
     "starts before the change above it", "at: -15m"),
    ("share-above-one", "      - {at: -5m, to: 0.122, over: 4m}", "      - {at: -5m, to: 1.4, over: 4m}",
     "a ratio exports a share between 0 and 1", "      - ratio: llm_refusals_total"),
    ("bad-time", "      - {at: -9m, to: 0.861}", "      - {at: -9 minutes, to: 0.861}",
     "write a time such as -12m", "-9 minutes"),
    ("counter-name", "        total: llm_requests_total", "        total: llm_requests",
     "counter names end in _total", "total: llm_requests"),
    ("unhealthy-baseline", "    baseline: 0.012\n", "    baseline: 0.2\n",
     "is already crit; a drill starts from a healthy baseline", "baseline: 0.2"),
    ("no-page", "      - {at: -14m, to: 0.105, over: 2m}\n      - {at: -5m, to: 0.122, over: 4m}",
     "      - {at: 2m, to: 0.105, over: 2m}\n      - {at: 5m, to: 0.122, over: 4m}",
     "does not fire at the page", "alerts:"),
    ("unscripted-step", "  probe:\n    output:", "  probes:\n    output:",
     "step probe offers probe, which has no scripted output", "path: [confirm-refusals"),
    ("unknown-runbook", "runbook: llm-false-refusals", "runbook: llm-false-refusal",
     "runbook 'llm-false-refusal' is not in the library; did you mean llm-false-refusals?", "runbook:"),
    ("python-tag", "    baseline: 0.972\n", "    baseline: !!python/object:os.system 0.972\n",
     "is not allowed", "!!python"),
    ("duplicate-key", "    noise: 0.004\n", "    noise: 0.004\n    noise: 0.005\n", "duplicate key 'noise'",
     "noise: 0.005"),
    ("exported-twice", "        labels: {service: support-assistant, suite: golden}",
     "        labels: {service: support-assistant, suite: golden}\n      - gauge: llm_eval_pass_ratio\n"
     "        labels: {service: support-assistant, suite: golden}", "is exported twice", None),
    ("one-type-a-name", "      - gauge: llm_eval_pass_ratio", "      - gauge: llm_requests_total",
     "llm_requests_total is a gauge here and a counter in series.refusal_rate", "gauge: llm_requests_total"),
    ("syntax", "  eval_pass_rate:\n", "  eval_pass_rate: [\n", "YAML syntax error", None),
    ("no-runbook-key", "runbook: llm-false-refusals\n", "", "the scenario: missing required key 'runbook'", None),
    # a section that failed its own check is skipped by the later checks, not iterated (was an internal error)
    ("changes-not-a-list", "    changes:\n      - {at: -14m, to: 0.105, over: 2m}\n      - {at: -5m, to: 0.122, over: 4m}\n",
     "    changes: soon\n", "series.refusal_rate.changes must be a list, not the text 'soon'", "changes: soon"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_broken_scenario_is_refused_at_the_right_line(tmp_path: Path, runbooks, case) -> None:
    name, old, new, message, marker = case
    assert old in BASE, f"{name}: the base scenario changed; update the case"
    text = BASE.replace(old, new, 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    scenario, problems = load_scenario_file(path, runbooks)
    assert scenario is None
    found = [p for p in problems if message in p.message and p.is_error]
    assert found, f"no error containing {message!r} in {[str(p) for p in problems]}"
    assert str(found[0]).startswith(f"{path}:{found[0].line}:{found[0].col}: ")
    if marker is not None:
        line = next(i for i, t in enumerate(text.splitlines(), 1) if marker in t)
        assert found[0].line == line, str(found[0])


def test_alert_state_needs_a_line_in_the_runbook(tmp_path: Path, runbooks) -> None:
    text = BASE.replace("    metric: thumbs_down\n    state: crit", "    metric: thumbs_down\n    state: crit\n", 1)
    scenario, problems = validate_scenario_text(text, tmp_path / "ok.yaml", runbooks)
    assert scenario is not None, [str(p) for p in problems]
    # eval_pass_rate has both lines; a metric without a warn line cannot alert on warn
    from dataclasses import replace

    rb = runbooks["llm-false-refusals"]
    no_warn = replace(rb, metrics={**rb.metrics, "thumbs_down": replace(rb.metrics["thumbs_down"], warn=None)})
    text = BASE.replace("    metric: thumbs_down\n    state: crit", "    metric: thumbs_down\n    state: warn", 1)
    scenario, problems = validate_scenario_text(text, tmp_path / "warn.yaml", {**runbooks, rb.id: no_warn})
    assert scenario is None
    assert any("has no warn line in the runbook" in p.message for p in problems), [str(p) for p in problems]


def test_nothing_raises_on_garbage(tmp_path: Path, runbooks) -> None:
    for text in ["", "- a\n- b\n", "id: [\n", "\x00\x01", "series: 3\n", "a: b\n" * 3]:
        scenario, problems = validate_scenario_text(text, tmp_path / "g.yaml", runbooks)
        assert scenario is None and problems
        assert all("internal error" not in p.message for p in problems), [str(p) for p in problems]


def test_catalog_finds_drills_beside_each_runbook_folder_and_reports_duplicates(tmp_path: Path) -> None:
    lib = tmp_path / "rb"
    (lib / "drills").mkdir(parents=True)
    (lib / "llm-false-refusals.yaml").write_text((BUNDLED_RUNBOOKS / "llm-false-refusals.yaml").read_text())
    (lib / "drills" / "a.yaml").write_text(BASE)
    (lib / "drills" / "b.yaml").write_text(BASE)
    catalog = load_catalog([lib])
    assert list(catalog.scenarios) == ["refusal-spike"]
    assert len(catalog.broken) == 1 and "duplicate id 'refusal-spike'" in catalog.broken[0].first_error
    with pytest.raises(Exception, match="No drill scenario 'refusal-spik'; Did you mean refusal-spike"):
        catalog.get("refusal-spik")


def _oncall(*args: str, env_home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(env_home), "XDG_CONFIG_HOME": str(env_home / "c"),
           "XDG_DATA_HOME": str(env_home / "d")}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60)


def test_drill_list_and_json(tmp_path: Path) -> None:
    text = _oncall("drill", "--list", env_home=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "refusal-spike" in text.stdout and "llm-false-refusals" in text.stdout
    rows = json.loads(_oncall("drill", "--list", "--json", env_home=tmp_path).stdout)
    assert {r["id"] for r in rows} >= {"refusal-spike", "precision-drop", "feature-drift", "stale-index",
                                       "gpu-oom-loop"}
    assert all(set(r) == {"id", "title", "runbook"} for r in rows)


def test_drill_cli_faults_are_one_sentence(tmp_path: Path) -> None:
    unknown = _oncall("drill", "refusal-spik", env_home=tmp_path)
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert unknown.stderr.startswith("oncall: No drill scenario 'refusal-spik'; Did you mean refusal-spike?")
    usage = _oncall("drill", "--json", env_home=tmp_path)
    assert usage.returncode == 2 and "--json goes with --list" in usage.stderr
    speed = _oncall("simulate", "refusal-spike", "--port", "1", "--speed", "0", env_home=tmp_path)
    assert speed.returncode == 2 and "--speed must be greater than 0" in speed.stderr


def test_a_runbook_query_that_does_not_parse_is_named_not_matched_by_guesswork(tmp_path: Path, runbooks) -> None:
    from dataclasses import replace

    rb = runbooks["llm-false-refusals"]
    broken = replace(rb.metrics["thumbs_down"], query='sum(rate(llm_feedback_total{rating="down"}[30m])')
    scenario, problems = validate_scenario_text(BASE, tmp_path / "b.yaml",
                                                {**runbooks, rb.id: replace(rb, metrics={**rb.metrics,
                                                                                          "thumbs_down": broken})})
    assert scenario is None
    found = [p for p in problems if "the runbook's query does not parse as PromQL (unclosed left parenthesis)"
             in p.message]
    assert found and found[0].message.startswith("series.thumbs_down: "), [str(p) for p in problems]
    line = next(i for i, t in enumerate(BASE.splitlines(), 1) if t == "  thumbs_down:")
    assert found[0].line == line


def test_a_bare_metric_name_in_the_query_is_a_selector_too(tmp_path: Path, runbooks) -> None:
    """`llm_eval_pass_ratio` without braces reads every series of that name, labelled or not."""
    from dataclasses import replace

    rb = runbooks["llm-false-refusals"]
    bare = replace(rb.metrics["eval_pass_rate"], query="min(llm_eval_pass_ratio)")
    ok, problems = validate_scenario_text(BASE, tmp_path / "ok.yaml", {**runbooks, rb.id: replace(
        rb, metrics={**rb.metrics, "eval_pass_rate": bare})})
    assert ok is not None, [str(p) for p in problems]
    # Prometheus makes `up` itself for every target it scrapes: no export needs to
    own = replace(rb.metrics["eval_pass_rate"], query='min(llm_eval_pass_ratio) * on() group_left max(up{job="x"})')
    ok, problems = validate_scenario_text(BASE, tmp_path / "up.yaml", {**runbooks, rb.id: replace(
        rb, metrics={**rb.metrics, "eval_pass_rate": own})})
    assert ok is not None, [str(p) for p in problems]
    missing = replace(rb.metrics["eval_pass_rate"], query="min(llm_eval_pass_ratio) * on() group_left llm_eval_runs")
    scenario, problems = validate_scenario_text(BASE, tmp_path / "runs.yaml", {**runbooks, rb.id: replace(
        rb, metrics={**rb.metrics, "eval_pass_rate": missing})})
    assert scenario is None
    assert any("the runbook's query reads llm_eval_runs{}, which no export of this scenario produces" in p.message
               for p in problems), [str(p) for p in problems]
