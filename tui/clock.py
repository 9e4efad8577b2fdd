"""Time for an incident (the app, the CLI, the drills), injectable so tests and screenshots see a fixed moment.

Everything is aware UTC inside; `local()` converts for display in the clock's
zone (the machine's by default, UTC in tests so snapshots do not depend on TZ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo


@dataclass
class Clock:
    tz: tzinfo | None = None  # None: the machine's local zone
    fixed: datetime | None = None  # a frozen "now", for tests

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        return datetime.now(UTC)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz) if self.tz else moment.astimezone()

    def hhmm(self, moment: datetime) -> str:
        return self.local(moment).strftime("%H:%M")

    def advance(self, seconds: float) -> None:
        """Move a fixed clock forward (tests of reminders and elapsed time)."""
        if self.fixed is not None:
            self.fixed = self.fixed + timedelta(seconds=seconds)


def hms(seconds: float) -> str:
    """Elapsed time as HH:MM:SS (never negative)."""
    total = max(0, int(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
