"""Readings of several series, staleness, and the answers that metrics and command results suggest."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC

from tui.launch.result import RunResult
from tui.metrics.readings import Reading, Snapshot, reading_from_samples
from tui.metrics.suggest import suggest
from tui.runbook.model import Choice, Metric, Step, When

RATE = Metric("refusal_rate", "Refusal rate", "q", unit="percent-ratio", warn=0.02, crit=0.05)
ACC = Metric("accuracy", "Accuracy", "q", unit="percent-ratio", warn=0.9, crit=0.8, direction="below")


def series(**values: float) -> list[tuple[dict[str, str], float]]:
    return [({"model": k.replace("_", "-")}, v) for k, v in values.items()]


def test_worst_series_sets_state_and_value_above():
    r = reading_from_samples(RATE, "q", series(a=0.01, b=0.124, c=0.03), at=100.0)
    assert (r.state, r.value, r.display, r.label) == ("crit", 0.124, "12.4%", "CRIT >5%")
    assert [s.labels["model"] for s in r.series] == ["b", "c", "a"]
    assert [s.state for s in r.series] == ["crit", "warn", "ok"]
    assert r.series[0].labels_text == '{model="b"}'


def test_worst_series_below_is_the_lowest():
    r = reading_from_samples(ACC, "q", series(a=0.93, b=0.71, c=0.85), at=100.0)
    assert (r.state, r.value, r.label) == ("crit", 0.71, "CRIT <80%")
    assert [s.state for s in r.series] == ["crit", "warn", "ok"]


def test_nan_series_never_hides_a_breach_nor_looks_healthy():
    assert reading_from_samples(RATE, "q", series(a=math.nan, b=0.03), at=1.0).state == "warn"
    only_nan = reading_from_samples(RATE, "q", series(a=math.nan), at=1.0)
    assert (only_nan.state, only_nan.word, only_nan.display) == ("nodata", "NO DATA", "NaN")


def test_empty_result_is_nodata():
    r = reading_from_samples(RATE, "q", [], at=1.0)
    assert (r.state, r.value, r.word, r.series) == ("nodata", None, "NO DATA", ())


def test_reading_goes_stale_after_three_intervals():
    r = reading_from_samples(RATE, "q", series(a=0.01), at=100.0)
    assert r.aged(115.0, 5.0).state == "ok"
    assert r.aged(115.1, 5.0).state == "stale"
    down = Reading(RATE, "q", "down", 0.01, last_success=100.0)
    assert down.aged(1000.0, 5.0).state == "down"
    snap = Snapshot({"refusal_rate": r}, at=100.0, interval=5.0)
    assert snap.aged(200.0).get("refusal_rate").word == "STALE"


ASK = Step("confirm", "ask", "Is the refusal rate above 5%?", metric="refusal_rate", choices=(
    Choice("Yes, above 5%", "rollback", When(state="crit")),
    Choice("Somewhat", "watch", When(state="warn")),
    Choice("No", "other", When(state="ok")),
    Choice("Cannot tell", "manual", When(state="stale")),
))


def test_metric_state_suggests_its_choice_with_a_reason():
    s = suggest(ASK, reading_from_samples(RATE, "q", series(x=0.124), at=1.0))
    assert (s.index, s.choice.label) == (0, "Yes, above 5%")
    assert s.reason == "refusal_rate 12.4% is above the 5% critical line"
    s = suggest(ASK, reading_from_samples(RATE, "q", series(x=0.01), at=1.0))
    assert (s.index, s.reason) == (2, "refusal_rate 1% is at or below the 2% warning line")


def test_several_series_reason_names_the_worst():
    s = suggest(ASK, reading_from_samples(RATE, "q", series(a=0.01, b=0.03), at=1.0))
    assert s.index == 1
    assert s.reason == 'refusal_rate 3% for {model="b"} is above the 2% warning line'


def test_stale_and_down_suggest_the_stale_choice():
    for state in ("stale", "down"):
        s = suggest(ASK, Reading(RATE, "q", state))
        assert s.index == 3
    assert "Prometheus cannot be reached" in suggest(ASK, Reading(RATE, "q", "down")).reason


def test_nothing_suggested_without_a_matching_choice_or_for_another_metric():
    assert suggest(ASK, reading_from_samples(RATE, "q", [], at=1.0)) is None  # no `when: nodata` choice
    assert suggest(ASK, reading_from_samples(ACC, "q", series(a=0.5), at=1.0)) is None
    assert suggest(ASK, None, None) is None
    do = Step("act", "do", "Roll back.", next="done")
    assert suggest(do, reading_from_samples(RATE, "q", series(a=0.5), at=1.0)) is None


@dataclass
class Ran:
    exit_code: int | None
    output: str


CMD = Step("recent", "ask", "Did a model ship in the last 2 hours?", command="rollout_history", choices=(
    Choice("Yes", "recent-deploy", When(output=r"deployed .* ago: ([0-9]|1[0-9])m")),
    Choice("No", "check", When(exit=0)),
    Choice("History unavailable", "manual", When(exit=1)),
))


def test_command_result_suggests_by_output_then_exit_in_runbook_order():
    s = suggest(CMD, None, Ran(0, "rev 4\nrev 5 deployed 3h ago: 12m by ci\n"))
    assert (s.index, s.choice.label) == (0, "Yes")
    assert "rollout_history printed 'deployed 3h ago: 12m'" in s.reason
    assert suggest(CMD, None, Ran(0, "rev 4 deployed 3h ago\n")).index == 1
    assert suggest(CMD, None, Ran(1, "error: no such deployment\n")).reason == "rollout_history exited with code 1"
    assert suggest(CMD, None, Ran(None, "killed\n")) is None  # a signal is no exit code
    assert suggest(CMD, None, Ran(2, "")) is None


def test_the_reason_quotes_the_text_matched_not_the_pattern():
    step = Step("probe", "ask", "Does it refuse?", command="probe", choices=(
        Choice("Yes", "refusing", When(output=r"can\u2019t|can\x27t|cannot")), Choice("No", "fine", When(exit=0))))
    s = suggest(step, None, Ran(0, "assistant: I can\u2019t help with that\n"))
    assert s.index == 0
    assert s.reason == "probe printed 'can\u2019t'"
    assert "\\" not in s.reason and "u2019" not in s.reason


def test_command_result_wins_over_metric_state():
    both = Step("both", "ask", "?", metric="refusal_rate", command="c", choices=(
        Choice("metric says", "a", When(state="crit")), Choice("command says", "b", When(exit=0))))
    s = suggest(both, reading_from_samples(RATE, "q", series(a=0.5), at=1.0), Ran(0, ""))
    assert s.choice.label == "command says"
    s = suggest(both, reading_from_samples(RATE, "q", series(a=0.5), at=1.0), Ran(3, ""))
    assert s.choice.label == "metric says"


def test_launcher_run_result_fits_the_protocol():
    from datetime import datetime

    run = RunResult(argv=("kubectl",), display="kubectl", started_at=datetime.now(UTC), duration=0.1,
                    exit_code=0, signal=None, timed_out=False, cancelled=False, timeout=30.0,
                    head=("rev 5 deployed 3h ago: 7m",), tail=(), total_lines=1, log_path=None)
    assert suggest(CMD, None, run).index == 0


def test_series_named_by_the_labels_that_differ():
    r = reading_from_samples(RATE, "q", [({"job": "ai", "model": "a"}, 0.01), ({"job": "ai", "model": "b"}, 0.2)],
                             at=1.0)
    assert [r.series_label(s) for s in r.series] == ['{model="b"}', '{model="a"}']
    one = reading_from_samples(RATE, "q", [({"job": "ai", "model": "a"}, 0.01)], at=1.0)
    assert one.series_label(one.series[0]) == '{job="ai",model="a"}'
