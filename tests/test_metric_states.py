"""Metric states over time: trend, a state held a while, a command's failure, settling and partial readings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from tui.metrics.readings import reading_from_samples
from tui.metrics.settling import Remediation, settle
from tui.metrics.suggest import suggest
from tui.metrics.trend import held_since, trend
from tui.runbook.model import Choice, Metric, Step, When
from tui.runbook.schema import runbook_schema
from tui.runbook.validate import load_runbook_file

RATE = Metric("refusal_rate", "Refusal rate", "sum(rate(refusals_total[5m])) / sum(rate(requests_total[5m]))",
              unit="percent-ratio", warn=0.02, crit=0.05)
RESTARTS = Metric("restarts", "Restarts, 15 min", "increase(restarts_total[15m])", unit="count", warn=1, crit=3)


def halving(fix: float, end: float = 300.0, step: float = 5.0, start: float = 0.12) -> list[tuple[float, float]]:
    """A ratio at `start` that halves every 10 s from `fix` on."""
    return [(t, start if t < fix else start * 0.5 ** ((t - fix) / 10)) for t in (i * step for i in range(int(end / step) + 1))]


def test_a_ratio_that_halves_every_ten_seconds_is_falling_within_half_a_minute():
    assert trend(halving(fix=300.0), 300.0) == "flat"  # not yet
    assert trend(halving(fix=275.0), 300.0) == "falling"
    assert trend([(t, 1 - v) for t, v in halving(fix=250.0)], 300.0) == "rising"


def test_a_noisy_flat_line_is_flat_and_a_steady_drift_under_the_noise_is_called():
    rng = random.Random(7)
    noisy = [(i * 5.0, 0.03 + rng.gauss(0, 0.01)) for i in range(61)]
    assert trend(noisy, 300.0) == "flat"
    drifting = [(i * 5.0, 0.03 + i * 0.001 + rng.gauss(0, 0.01)) for i in range(61)]
    assert trend(drifting, 300.0) == "rising"


def test_fewer_than_four_points_and_points_older_than_five_minutes_say_nothing():
    assert trend([(0.0, 3.0), (5.0, 2.0), (10.0, 1.0)], 10.0) == "flat"
    old_fall = [(float(t), 100.0 - t) for t in range(0, 100, 5)] + [(t, 0.0) for t in (500.0, 505.0, 510.0, 515.0)]
    assert trend(old_fall, 515.0) == "flat"


def test_held_since_is_the_start_of_the_last_unbroken_run_in_the_state():
    points = [(0.0, 0.01), (60.0, 0.2), (120.0, 0.01), (180.0, 0.2), (240.0, 0.3), (300.0, 0.1)]
    assert held_since(points, RATE, "crit") == 180.0
    assert held_since(points, RATE, "ok") is None


def test_a_reading_carries_the_trend_and_how_long_its_state_has_held():
    recent = {"": halving(fix=280.0, start=0.5)}
    r = reading_from_samples(RATE, "q", [({}, recent[""][-1][1])], 300.0, recent=recent)
    assert (r.state, r.trend) == ("crit", "falling")
    assert r.held_s() == 300.0


STEP = Step("validate", "ask", "Is it coming down?", metric="refusal_rate", choices=(
    Choice("Still high for 5 minutes: escalate", "escalate", When(state="crit", hold=300.0)),
    Choice("Falling: keep watching", "watch", When(trend="falling")),
    Choice("Back to normal", "resolved", When(state="ok")),
))


def test_a_held_state_suggests_only_once_it_has_held_long_enough():
    flat_high = {"": [(float(t), 0.2) for t in range(0, 301, 5)]}
    held = reading_from_samples(RATE, "q", [({}, 0.2)], 300.0, recent=flat_high)
    s = suggest(STEP, held)
    assert s is not None and s.index == 0
    assert s.reason == "refusal_rate 20% is above the 5% critical line for 5 min"
    short = {"": [(float(t), 0.01 if t < 200 else 0.2) for t in range(0, 301, 5)]}
    assert suggest(STEP, reading_from_samples(RATE, "q", [({}, 0.2)], 300.0, recent=short)) is None


def test_a_falling_metric_suggests_the_trend_choice():
    recent = {"": halving(fix=260.0, start=0.5)}
    s = suggest(STEP, reading_from_samples(RATE, "q", [({}, recent[""][-1][1])], 300.0, recent=recent))
    assert s is not None and s.choice.label == "Falling: keep watching"
    assert s.reason.endswith("and is falling")


@dataclass
class Ran:
    exit_code: int | None
    output: str
    status: str = "exit"


PROBE = Step("probe", "ask", "Does the endpoint answer?", command="probe", choices=(
    Choice("Yes", "next", When(exit=0)),
    Choice("No answer at all", "outage", When(nonzero=True)),
))


def test_exit_nonzero_matches_any_failure_but_not_a_success_a_run_in_progress_or_a_cancel():
    assert suggest(PROBE, None, Ran(7, "curl: (7) Failed to connect")).reason == "probe exited with code 7"
    assert suggest(PROBE, None, Ran(None, "", "timed out after 10 s")).reason == "probe failed"
    assert suggest(PROBE, None, Ran(None, "", "did not start")).index == 1
    assert suggest(PROBE, None, Ran(0, "")).index == 0
    assert suggest(PROBE, None, Ran(None, "", "cancelled")) is None
    assert suggest(PROBE, None, Ran(None, "")) is None  # still running


ESCALATE = Step("check", "ask", "Still restarting?", metric="restarts", choices=(
    Choice("Still restarting: escalate", "escalate", When(state="crit")),
    Choice("No restarts", "resolved", When(state="ok")),
))


def test_after_a_remediation_a_bad_windowed_metric_is_settling_and_suggests_nothing():
    fixed = Remediation(at=1000.0, what="rollback ran")
    crit = reading_from_samples(RESTARTS, RESTARTS.query, [({}, 6.0)], 1060.0)
    r = settle(crit, fixed, now=1060.0)
    assert (r.state, r.base_state, r.label) == ("settling", "crit", "SETTLING (CRIT >3)")
    assert r.settles_in(1060.0) == 840.0
    assert r.hold_text(1060.0) == ("wait 14 min: the 15-minute window still holds samples from before rollback ran; "
                                   "watch the sparkline")
    assert r.hold_text(1899.5) == "wait 1 s: the 15-minute window still holds samples from before rollback ran; " \
                                  "watch the sparkline"
    assert suggest(ESCALATE, r) is None
    # Once the window is past, the same value suggests as it always did.
    later = settle(crit, fixed, now=1900.0)
    assert later.state == "crit"
    assert suggest(ESCALATE, later).index == 0


def test_settling_needs_a_remediation_a_window_and_a_bad_state():
    fixed = Remediation(at=1000.0, what="rollback ran")
    assert settle(reading_from_samples(RESTARTS, RESTARTS.query, [({}, 0.0)], 1060.0), fixed, 1060.0).state == "ok"
    assert settle(reading_from_samples(RESTARTS, RESTARTS.query, [({}, 6.0)], 1060.0), None, 1060.0).state == "crit"
    instant = Metric("gauge", "G", "restarts_now", warn=1, crit=3)
    assert settle(reading_from_samples(instant, instant.query, [({}, 6.0)], 1060.0), fixed, 1060.0).state == "crit"
    shifted = Metric("old", "O", "increase(restarts_total[15m] offset 1h)", warn=1, crit=3)
    assert settle(reading_from_samples(shifted, shifted.query, [({}, 6.0)], 1060.0), fixed, 1060.0).state == "crit"


def test_a_partial_answer_is_partial_and_suggests_nothing():
    r = reading_from_samples(RESTARTS, "q", [({}, 6.0)], 1.0, warnings=("store gateway unreachable",))
    assert (r.state, r.base_state, r.label) == ("partial", "crit", "PARTIAL (CRIT >3)")
    assert "may be incomplete (store gateway unreachable)" in (r.hold_text(1.0) or "")
    assert suggest(ESCALATE, r) is None
    assert reading_from_samples(RESTARTS, "q", [({}, 6.0)], 1.0, partial=True).state == "partial"
    assert settle(r, Remediation(0.0, "x"), 1.0).state == "partial"


OVER_TIME = """\
id: over-time
title: T
version: 1
summary: S
category: model-failure
severity_hint: low
metrics:
  rate: {title: Rate, query: 'rate(x[5m])', warn: 1, crit: 2}
commands:
  probe: {title: Probe, run: [curl, -sf, http://127.0.0.1:1]}
start: a
steps:
  a:
    ask: Coming down?
    metric: rate
    choices:
      - {label: Falling, next: b, when: falling}
      - {label: Stuck, next: c, when: {state: crit, for: 5m}}
      - {label: Fine, next: b, when: ok}
  b:
    ask: Does it answer?
    command: probe
    choices:
      - {label: "Yes", next: c, when: {exit: 0}}
      - {label: "No answer at all", next: c, when: {exit: nonzero}}
  c: {outcome: resolved}
"""


def test_the_validator_and_the_schema_accept_trends_held_states_and_exit_nonzero(tmp_path: Path):
    path = tmp_path / "over-time.yaml"
    path.write_text(OVER_TIME)
    runbook, problems = load_runbook_file(path)
    assert runbook is not None, [str(p) for p in problems]
    a, b = runbook.steps["a"].choices, runbook.steps["b"].choices
    assert (a[0].when, a[1].when) == (When(trend="falling"), When(state="crit", hold=300.0))
    assert b[1].when == When(nonzero=True)
    jsonschema.validate(yaml.safe_load(OVER_TIME), runbook_schema())
    broken = yaml.safe_load(OVER_TIME)
    broken["steps"]["a"]["choices"][1]["when"]["for"] = "five minutes"
    try:
        jsonschema.validate(broken, runbook_schema())
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a `for:` that is not a duration")


def test_a_drill_at_speed_ten_waits_a_tenth_of_the_window_and_holds_states_ten_times_faster():
    fixed = Remediation(at=1000.0, what="rollback ran")
    fast = reading_from_samples(RESTARTS, RESTARTS.query, [({}, 6.0)], 1010.0, speed=10.0,
                                recent={"": [(1000.0 + t, 6.0) for t in range(11)]})
    r = settle(fast, fixed, now=1010.0)
    assert (r.state, r.settles_in(1010.0)) == ("settling", 80.0)  # 15 simulated minutes are 90 wall seconds
    assert r.hold_text(1010.0).startswith("wait 2 min: the 15-minute window")
    assert fast.held_s() == 100.0  # 10 wall seconds of crit are 100 simulated seconds


def test_the_bundled_runbooks_suggest_watching_a_falling_rate_and_an_outage_on_a_failed_probe():
    from tui.config import BUNDLED_RUNBOOKS
    from tui.runbook.library import load_library

    library = load_library([BUNDLED_RUNBOOKS])
    refusals = library.get("llm-false-refusals")
    validate = refusals.steps["validate"]
    metric = refusals.metrics[validate.metric or ""]
    recent = {"": [(float(t), 0.107 if t < 200 else 0.107 - (t - 200) * 0.0004) for t in range(0, 301, 5)]}
    still_high = reading_from_samples(metric, metric.query, [({}, recent[""][-1][1])], 300.0, recent=recent)
    assert still_high.state == "crit"
    s = suggest(validate, still_high)
    assert s is not None and s.choice.label == "Falling: keep watching"  # not "No change", which loops back
    probe = refusals.steps["probe"]
    s = suggest(probe, None, Ran(7, "curl: (7) Failed to connect to assistant port 443"))
    assert s is not None and s.choice.label.startswith("No answer at all")
    gpu = library.get("gpu-oom-serving").steps["validate"]
    assert [c.when.trend for c in gpu.choices if c.when is not None and c.when.trend] == ["falling"]
