"""Units and thresholds: values formatted for people, states by line and direction."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.metrics.thresholds import classify, crossing_text, limits_text, state_label, state_word, worst
from tui.metrics.units import format_value
from tui.runbook.model import UNITS, Metric


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.124, "percent-ratio", "12.4%"),
    (0.05, "percent-ratio", "5%"),
    (0.0004, "percent-ratio", "0.04%"),
    (12.4, "percent", "12.4%"),
    (0.82, "seconds", "820ms"),
    (0.9996, "seconds", "1s"),
    (12.34, "seconds", "12.3s"),
    (125, "seconds", "2m05s"),
    (7260, "seconds", "2h01m"),
    (0.00002, "seconds", "20µs"),
    (820, "ms", "820ms"),
    (1500, "ms", "1.5s"),
    (512, "bytes", "512B"),
    (1536, "bytes", "1.5KiB"),
    (3 * 1024**3, "bytes", "3GiB"),
    (1234, "count", "1,234"),
    (12345, "count", "12.3k"),
    (999_999, "count", "1M"),
    (2.5e9, "count", "2.5G"),
    (3.25, "count", "3.25"),
    (1234567.8, "none", "1,234,568"),
    (-0.5, "seconds", "-500ms"),
    (0, "percent-ratio", "0%"),
    (float("nan"), "percent-ratio", "NaN"),
    (float("inf"), "seconds", "+Inf"),
    (float("-inf"), "bytes", "-Inf"),
    (None, "count", "—"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        format_value(1.0, "furlongs")


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(UNITS))
def test_every_float_formats_short_and_plain(value, unit):
    text = format_value(value, unit)
    assert text and len(text) <= 16
    if abs(value) < 1e6:
        assert "e+" not in text  # nobody should have to read 1.2e+03


UP = Metric("refusal_rate", "Refusal rate", "q", unit="percent-ratio", warn=0.02, crit=0.05)
DOWN = Metric("accuracy", "Accuracy", "q", unit="percent-ratio", warn=0.9, crit=0.8, direction="below")


@pytest.mark.parametrize(("metric", "value", "state"), [
    (UP, 0.01, "ok"), (UP, 0.02, "ok"), (UP, 0.021, "warn"), (UP, 0.05, "warn"), (UP, 0.124, "crit"),
    (UP, math.inf, "crit"), (UP, -math.inf, "ok"), (UP, math.nan, "nodata"), (UP, None, "nodata"),
    (DOWN, 0.95, "ok"), (DOWN, 0.9, "ok"), (DOWN, 0.85, "warn"), (DOWN, 0.71, "crit"), (DOWN, -math.inf, "crit"),
    (Metric("x", "x", "q", crit=1.0), 0.5, "ok"), (Metric("x", "x", "q", crit=1.0), 2.0, "crit"),
    (Metric("x", "x", "q", warn=1.0), 2.0, "warn"), (Metric("x", "x", "q"), 1e9, "ok"),
])
def test_classify_both_directions(metric, value, state):
    assert classify(value, metric) == state


def test_worst_state_and_words():
    assert worst(["ok", "crit", "warn"]) == "crit"
    assert worst(["ok", "nodata"]) == "ok"
    assert worst([]) == "nodata"
    assert [state_word(s) for s in ("ok", "warn", "crit", "stale", "nodata", "down")] == [
        "ok", "WARN", "CRIT", "STALE", "NO DATA", "DOWN"]


def test_labels_and_reasons_in_words():
    assert state_label("crit", UP) == "CRIT >5%"
    assert state_label("warn", DOWN) == "WARN <90%"
    assert state_label("ok", UP) == "ok"
    assert state_label("stale", UP) == "STALE"
    assert limits_text(UP) == "warn >2% · crit >5%"
    assert crossing_text("crit", UP) == "is above the 5% critical line"
    assert crossing_text("warn", DOWN) == "is below the 90% warning line"
    assert crossing_text("ok", UP) == "is at or below the 2% warning line"
    assert crossing_text("ok", Metric("x", "x", "q")) == "has no threshold"
