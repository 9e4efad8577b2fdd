"""The incident journal: local-first, shared through one file, crash-safe; the post-incident report.

The facade the rest of oncall uses is `open_journal(settings) -> Journal`; see
tui/journal/journal.py. Nothing here imports Textual.
"""

from __future__ import annotations

from tui.journal.journal import Journal, SyncMode, open_journal
from tui.journal.model import (
    CATEGORIES,
    KINDS,
    LEAD,
    SEVERITIES,
    SEVERITY_LABELS,
    STATUSES,
    ActionItem,
    Event,
    Incident,
)
from tui.journal.sync import SyncStatus

__all__ = [
    "CATEGORIES", "KINDS", "LEAD", "SEVERITIES", "SEVERITY_LABELS", "STATUSES",
    "ActionItem", "Event", "Incident", "Journal", "SyncMode", "SyncStatus", "open_journal",
]
