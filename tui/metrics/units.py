"""Format metric values for people: 0.124 as 12.4%, 0.82 s as 820ms, 1536 bytes as 1.5KiB.

About three significant figures everywhere, trailing zeros dropped: at 3am a
responder reads "12.4%", not "12.400000000000002%".
"""

from __future__ import annotations

import math

from tui.runbook.model import UNITS

NO_VALUE = "—"
_BYTES = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_COUNT = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(x: float) -> str:
    """A plain number: 820, 12.4, 1.23, 0.0012; thousands separated by commas."""
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1e9:  # absurd magnitudes: short beats exact
        return f"{x:.3g}"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return _trim(f"{x:.1f}")
    if a >= 1:
        return _trim(f"{x:.2f}")
    return _trim(f"{x:.3g}") if a >= 1e-4 else f"{x:.2g}"


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return None


def _duration(seconds: float) -> str:
    sign, s = ("-" if seconds < 0 else ""), abs(seconds)
    if s == 0:
        return "0s"
    if s < 1e-3:
        return f"{sign}{number(s * 1e6)}µs"
    if s < 1:
        # 0.9996 s would round to "1,000ms"; say "1s" instead.
        ms = number(s * 1e3)
        return f"{sign}{ms}ms" if ms != "1,000" else f"{sign}1s"
    if s < 60:
        return f"{sign}{number(s)}s"
    whole = round(s)
    if whole < 3600:
        return f"{sign}{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{sign}{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole < 100 * 86400:
        return f"{sign}{whole // 86400}d{whole % 86400 // 3600:02d}h"
    return f"{sign}{number(s / 86400)}d"


def _bytes(x: float) -> str:
    sign, a = ("-" if x < 0 else ""), abs(x)
    index = 0
    while a >= 1024 and index < len(_BYTES) - 1:
        a /= 1024
        index += 1
    text = f"{a:.0f}" if index == 0 else number(a)
    return f"{sign}{text}{_BYTES[index]}"


def _count(x: float) -> str:
    a = abs(x)
    # Below 10,000 the exact count reads best; the 0.9995 keeps 999,999 from showing as "1,000k".
    for limit, suffix in _COUNT:
        if a >= (limit * 0.9995 if limit >= 1e6 else 9999.5):
            return f"{number(x / limit)}{suffix}"
    return number(x)


def format_value(value: float | None, unit: str = "none") -> str:
    """`value` in `unit` (one of the runbook format's units) as a short string."""
    if value is None:
        return NO_VALUE
    special = _special(value)
    if special is not None:
        return special
    if unit == "percent-ratio":
        return f"{number(value * 100)}%"
    if unit == "percent":
        return f"{number(value)}%"
    if unit == "seconds":
        return _duration(value)
    if unit == "ms":
        return _duration(value / 1000)
    if unit == "bytes":
        return _bytes(value)
    if unit == "count":
        return _count(value)
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    return number(value)
