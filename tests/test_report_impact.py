"""The impact window from the metrics, the fallback that says why, and the response times."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from tui.journal.model import Event, Incident
from tui.report.impact import Curve, Window, breach_window, measure, report_span, response_times, union
from tui.runbook.model import Metric, Runbook

ERRORS = Metric("error_ratio", "Error ratio", "x", unit="percent-ratio", warn=0.02, crit=0.05)
ACCURACY = Metric("accuracy", "Accuracy", "y", unit="percent-ratio", warn=0.9, crit=0.8, direction="below")
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _t(minutes: float) -> float:
    return (T0 + timedelta(minutes=minutes)).timestamp()


def _curve(metric: Metric, values: list[float]) -> Curve:
    return Curve(metric, "rb", metric.query, tuple((_t(i), v) for i, v in enumerate(values)))


def test_the_window_runs_from_the_first_sample_past_warn_to_the_return_after_the_last() -> None:
    curve = _curve(ERRORS, [0.01, 0.02, 0.03, 0.12, 0.01, 0.04, 0.015, 0.01])
    assert breach_window(curve) == Window(_t(2), _t(6))  # 0.02 is on the line, not past it
    assert breach_window(_curve(ERRORS, [0.01, 0.01])) is None
    assert breach_window(_curve(ERRORS, [0.01, 0.03, 0.04])) == Window(_t(1), None)  # still past: ongoing


def test_direction_below_counts_falling_under_the_line_and_nan_says_nothing() -> None:
    curve = _curve(ACCURACY, [0.95, 0.85, math.nan, 0.7, math.nan, 0.92])
    assert breach_window(curve) == Window(_t(1), _t(5))


def test_the_incident_window_is_the_union_of_the_metrics() -> None:
    assert union([Window(5, 10), None, Window(2, 8)]) == Window(2, 10)
    assert union([Window(5, 10), Window(2, None)]) == Window(2, None)
    assert union([None]) is None


def test_without_metrics_the_impact_is_the_response_window_and_says_why() -> None:
    inc = Incident("inc-1", "x", detected_at=_iso(4), resolved_at=_iso(21))
    impact = measure(inc, [], None, _t(30), "no Prometheus URL is set")
    assert not impact.measured and impact.window == Window(_t(4), _t(21))
    assert impact.why == ("The impact shown is the response window (detection to resolution), not measured, "
                          "because no Prometheus URL is set.")
    quiet = measure(inc, [_curve(ERRORS, [0.01, 0.01])], None, _t(30))
    assert not quiet.measured and "no runbook metric crossed its warn line" in (quiet.why or "")
    hurt = measure(inc, [_curve(ERRORS, [0.01, 0.3, 0.01]), _curve(ACCURACY, [0.95] * 3)], None, _t(30))
    assert hurt.measured and hurt.window == Window(_t(1), _t(2)) and hurt.why is None


def test_the_span_starts_an_hour_before_detection_or_two_windows_and_ends_after_resolution() -> None:
    inc = Incident("inc-1", "x", detected_at=_iso(10), resolved_at=_iso(30))
    span = report_span(inc, _t(600))
    assert (span.start, span.end) == (_t(10) - 3600, _t(45))
    assert report_span(inc, _t(600), longest_window=7200).start == _t(10) - 14400
    assert report_span(Incident("inc-2", "x", detected_at=_iso(10)), _t(20)).end == _t(20)  # open: until now


def _event(minutes: float, kind: str, data: dict | None = None) -> Event:
    return Event(f"e{minutes}", "inc-1", _iso(minutes), f"{minutes:020}", "alice", kind, "t", data or {})


def test_response_times_count_from_detection_and_acknowledge_is_the_first_action() -> None:
    inc = Incident("inc-1", "x", detected_at=_iso(4), contained_at=_iso(12), resolved_at=_iso(21),
                   alert_started_at=_iso(1))
    events = [_event(4, "status", {"status": "investigating"}),  # the opening
              _event(5, "note", {"action": "tick"}),  # a checklist tick is not an acknowledgement
              _event(6, "decision", {"action": "answer"}), _event(8, "command")]
    r = response_times(inc, events)
    assert (r.notice, r.acknowledge, r.contain, r.resolve) == (180, 120, 480, 1020)
    assert response_times(Incident("inc-2", "x", detected_at=_iso(4)), events[:2]).acknowledge is None


def test_without_a_reachable_prometheus_the_report_says_why_in_one_sentence(tmp_path) -> None:
    from tests.fixtures.servers import dead_url
    from tui.config import Settings
    from tui.report.fetch import measure_incident

    inc = Incident("inc-1", "x", detected_at=_iso(4), resolved_at=_iso(21))
    rb = Runbook("rb", "t", 1, "s", "infrastructure", "high", "a", {}, metrics={"error_ratio": ERRORS})
    down = measure_incident(Settings(prometheus_url=dead_url(), journal_path=tmp_path / "j"), inc, [rb], _t(30))
    assert not down.measured and down.window == Window(_t(4), _t(21))
    assert down.why is not None and down.why.count(". ") == 0 and down.why.endswith(".")
    assert "because the metrics could not be read: cannot reach Prometheus at http://127.0.0.1:" in down.why
    unset = measure_incident(Settings(journal_path=tmp_path / "j"), inc, [rb], _t(30))
    assert "because no Prometheus URL is set" in (unset.why or "")
