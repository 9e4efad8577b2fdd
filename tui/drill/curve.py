"""A metric's simulated value at a simulated time: level, plus noise, pulled back by the fix.

Deterministic: the noise at a time is a hash of (seed, scenario, metric, tick),
not a random stream, so any process (the app, `oncall simulate`, a test) gets
the same value for the same time and seed, in any order of evaluation.
"""

from __future__ import annotations

import hashlib
import math

from tui.drill.scenario import NOISE_TICK, Curve


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


def value_at(curve: Curve, t: float, *, seed: int = 0, salt: str = "", fixed_at: float | None = None,
             recovery: float = 0.0) -> float:
    """The simulated value of `curve` at simulated time `t`."""
    value = level(curve, t)
    if fixed_at is not None and curve.recovers and t >= fixed_at:
        back = 1.0 if recovery <= 0 else min(1.0, (t - fixed_at) / recovery)
        value = value + (curve.baseline - value) * back
    if curve.noise:
        tick = math.floor(t / NOISE_TICK)
        value *= 1.0 + curve.noise * max(-3.0, min(3.0, gauss(f"{seed}/{salt}/{curve.metric}/{tick}")))
    if curve.minimum is not None:
        value = max(curve.minimum, value)
    if curve.maximum is not None:
        value = min(curve.maximum, value)
    if curve.integer:
        value = float(round(value))
    return value
