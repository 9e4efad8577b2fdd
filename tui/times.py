"""The one reader of timestamps: journal fields, event times, scores and reports all parse through here."""

from __future__ import annotations

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


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}


def duration_s(text: str) -> int:
    """A runbook duration ("30s", "10m", "1h": the validator's DURATION_PATTERN) in seconds."""
    return int(text[:-1]) * _DURATION_UNITS[text[-1]]
