"""The one reader of timestamps: journal fields, event times, scores and reports all parse through here."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 text (a trailing Z allowed) or a datetime, as aware UTC; None if absent or unreadable.

    A time without a zone is taken as UTC: the journal writes UTC, and older entries may lack the offset.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None  # a number or a list where a time belongs is unreadable, not a crash
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_SPAN = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(value: str) -> float | None:
    """`2h`, `90m`, `1h30m`, `45s`, `1d` as seconds; None for anything else (or zero)."""
    m = _SPAN.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if m is None or not any(m.groups()):
        return None
    d, h, mins, s = (int(g or 0) for g in m.groups())
    seconds = float(((d * 24 + h) * 60 + mins) * 60 + s)
    return seconds or None


def duration_s(text: str) -> int:
    """A runbook duration ("30s", "10m", "1h": the validator's DURATION_PATTERN, checked before) in seconds."""
    seconds = parse_duration(text)
    if seconds is None:
        raise ValueError(f"not a duration: {text!r}")
    return int(seconds)


def duration_text(seconds: float, *, short: bool = False) -> str:
    """`45 s`, `12 min`, `2 h 05 min`, `1 d 3 h` (short: `45s`, `12m`, `2h 05m`, `1d 3h`, to read at a glance);
    a negative span (clock skew) reads as such."""
    if seconds < 0:
        return "-" + duration_text(-seconds, short=short)
    sec, mins, hrs, days = ("s", "m", "h", "d") if short else (" s", " min", " h", " d")
    s = round(seconds)
    if s < 60:
        return f"{s}{sec}"
    if s < 3600:
        return f"{s // 60}{mins}"
    if s < 86400:
        return f"{s // 3600}{hrs} {s % 3600 // 60:02d}{mins}"
    return f"{s // 86400}{days} {s % 86400 // 3600}{hrs}"
