"""A metric's simulated value at a simulated time: level, plus noise, pulled back by the fix.

Two values per curve. The *signal* is the service itself at an instant (what the
exporter serves a real Prometheus). The *reading* is what the runbook's query
answers: over the query's windows (`increase(...[15m])` is the signal averaged
over the last 15 minutes), so a 15-minute window still shows the incident for up
to 15 minutes after the fix, as a real Prometheus does.

Deterministic: the noise at a time is a hash of (seed, scenario, metric, tick),
not a random stream, so any process (the app, `oncall simulate`, a test) gets
the same value for the same time and seed, in any order of evaluation.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from tui.drill.scenario import NOISE_TICK, Curve

# A query's windows from the outside in: (function reading the window, seconds).
Chain = tuple[tuple[str | None, float], ...]
_HIGHEST = frozenset({"max_over_time"})
_LOWEST = frozenset({"min_over_time"})  # every other window function is read as its average


def level(curve: Curve, t: float) -> float:
    """The value at `t` without noise or fix: baseline, then each change in time order."""
    value = curve.baseline
    for change in curve.changes:
        if t < change.at:
            break
        if change.spike is not None:
            if t < change.at + change.hold:
                value = change.spike
        elif change.to is not None:
            done = 1.0 if change.over <= 0 else min(1.0, (t - change.at) / change.over)
            value = value + (change.to - value) * done
    return value


def gauss(key: str) -> float:
    """A standard normal draw fixed by `key` (Box-Muller on a hash)."""
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    u1 = (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 1)
    u2 = int.from_bytes(digest[8:], "big") / 2**64
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)


def clean_at(curve: Curve, t: float, fixed_at: float | None = None, recovery: float = 0.0) -> float:
    """The level pulled back by the fix, before noise, bounds and rounding."""
    value = level(curve, t)
    if fixed_at is not None and curve.recovers and t >= fixed_at:
        back = 1.0 if recovery <= 0 else min(1.0, (t - fixed_at) / recovery)
        value = value + (curve.baseline - value) * back
    return value


def _finish(curve: Curve, value: float, t: float, seed: int, salt: str, noise: float) -> float:
    if noise:
        tick = math.floor(t / NOISE_TICK)
        value *= 1.0 + noise * max(-3.0, min(3.0, gauss(f"{seed}/{salt}/{curve.metric}/{tick}")))
    if curve.minimum is not None:
        value = max(curve.minimum, value)
    if curve.maximum is not None:
        value = min(curve.maximum, value)
    if curve.integer:
        value = float(round(value))
    return value


def value_at(curve: Curve, t: float, *, seed: int = 0, salt: str = "", fixed_at: float | None = None,
             recovery: float = 0.0) -> float:
    """The simulated signal of `curve` at simulated time `t` (the service at an instant)."""
    return _finish(curve, clean_at(curve, t, fixed_at, recovery), t, seed, salt, curve.noise)


def kinks(curve: Curve, fixed_at: float | None = None, recovery: float = 0.0) -> list[float]:
    """Times where the clean value bends or jumps; between two of them it is a low-degree polynomial."""
    points = set()
    for change in curve.changes:
        points.add(change.at)
        points.add(change.at + (change.hold if change.spike is not None else max(0.0, change.over)))
    if fixed_at is not None and curve.recovers:
        points |= {fixed_at, fixed_at + max(0.0, recovery)}
    return sorted(points)


def windowed(f: Callable[[float], float], bends: list[float], t: float, window: float, how: str) -> float:
    """`f` over [t - window, t]: its average (Simpson between bends, exact for piecewise cubics),
    or its highest or lowest value."""
    a = t - window
    cuts = [a, *(b for b in bends if a < b < t), t]
    if how != "mean":
        values = [f(x) for x in cuts] + [f(math.nextafter(x, a)) for x in cuts[1:]]  # both sides of a jump
        values += [f((x + y) / 2) for x, y in zip(cuts, cuts[1:])]
        return max(values) if how == "max" else min(values)
    total = 0.0
    for x, y in zip(cuts, cuts[1:]):
        # the right end just inside the piece: a step at y belongs to the next piece
        total += (y - x) / 6 * (f(x) + 4 * f((x + y) / 2) + f(math.nextafter(y, x)))
    return total / window


def reading_at(curve: Curve, t: float, chain: Chain, *, seed: int = 0, salt: str = "",
               fixed_at: float | None = None, recovery: float = 0.0) -> float:
    """What a query with these windows reads of `curve` at `t`: the clean value through each window,
    outermost last, then noise (averaged down by the window, as a real average would) and bounds."""
    chain = tuple((fn, w) for fn, w in chain if w > 0)
    if not chain:
        return value_at(curve, t, seed=seed, salt=salt, fixed_at=fixed_at, recovery=recovery)
    f: Callable[[float], float] = lambda s: clean_at(curve, s, fixed_at, recovery)  # noqa: E731
    bends = kinks(curve, fixed_at, recovery)
    for fn, window in reversed(chain):  # innermost first: each window reads the one inside it
        how = "max" if fn in _HIGHEST else "min" if fn in _LOWEST else "mean"
        f = _through(f, list(bends), window, how)
        bends = sorted({*bends, *(b + window for b in bends)})
    fn, window = chain[0]
    noise = curve.noise
    if fn not in _HIGHEST | _LOWEST and window > NOISE_TICK:
        noise *= math.sqrt(NOISE_TICK / window)  # the average of window/tick independent draws
    return _finish(curve, f(t), t, seed, salt, noise)


def _through(f: Callable[[float], float], bends: list[float], window: float, how: str) -> Callable[[float], float]:
    return lambda s: windowed(f, bends, s, window, how)
