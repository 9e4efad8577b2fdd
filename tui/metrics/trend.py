"""Which way a metric is going, and how long it has held its state: judged from its recent points.

Trend is the Mann-Kendall test over the last TREND_WINDOW seconds: every pair of
points votes up or down, and the sum is compared with what noise alone would
give (its standard deviation, corrected for ties). It is rank-based, so a
noisy flat line stays `flat` however large its noise, a steady fall is
`falling` however small, and one outlier cannot make a trend. Fewer than
MIN_POINTS points is `flat`: too little to say anything. Quadratic in the
points, and there are at most ~60 (5 minutes at a 5 s step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import groupby

from tui.metrics.thresholds import classify
from tui.runbook.model import Metric

TRENDS = ("rising", "falling", "flat")
TREND_WINDOW = 300.0  # seconds of history a trend is judged on
TREND_STEP = 5.0  # at most this many seconds between the points it is judged on
MIN_POINTS = 4
# |Z| beyond this is a trend (a 0.3% chance for noise alone): a drifting line is not called by accident.
Z_LIMIT = 3.0
# Values closer than this (relative) are the same value: float jitter in a constant is no trend.
_SAME = 1e-9


def _sign(a: float, b: float) -> int:
    if abs(b - a) <= _SAME * max(abs(a), abs(b)):
        return 0
    return 1 if b > a else -1


def trend(points: Sequence[tuple[float, float]], now: float, window: float = TREND_WINDOW) -> str:
    """rising, falling or flat for (time, value) points, oldest first; only the last `window` seconds count."""
    values = [v for t, v in points if t >= now - window and math.isfinite(v)]
    n = len(values)
    if n < MIN_POINTS:
        return "flat"
    s = sum(_sign(values[i], values[j]) for i in range(n - 1) for j in range(i + 1, n))
    ties = [len(list(g)) for _, g in groupby(sorted(values))]
    variance = (n * (n - 1) * (2 * n + 5) - sum(k * (k - 1) * (2 * k + 5) for k in ties)) / 18
    if variance <= 0 or s == 0:
        return "flat"
    z = (s - (1 if s > 0 else -1)) / math.sqrt(variance)  # continuity correction
    if z >= Z_LIMIT:
        return "rising"
    if z <= -Z_LIMIT:
        return "falling"
    return "flat"


def held_since(points: Iterable[tuple[float, float]], metric: Metric, state: str) -> float | None:
    """The time from which every point has been in `state` (None when the newest point is not in it)."""
    since = None
    for t, v in points:
        if classify(v, metric) == state:
            if since is None:
                since = t
        else:
            since = None
    return since


def merge_points(*parts: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points from several sources (sparkline range, recent range, instant polls), by time, one per time."""
    merged: dict[float, float] = {}
    for part in parts:
        for t, v in part:
            merged[t] = v
    return sorted(merged.items())
