"""The incident controller: what the app, `oncall run` and the drills share while an incident is worked.

No Textual here (the app renders what this returns).
"""

from tui.incident.controller import (
           SEVERITY_LABELS,
           DrillScore,
           DrillScorer,
           IncidentController,
)
from tui.incident.outcome import CommandOutcome
from tui.incident.record import FINDINGS, ROLES, STATUSES, IncidentRecord, status_fields

__all__ = ["FINDINGS", "ROLES", "SEVERITY_LABELS", "STATUSES", "CommandOutcome", "DrillScore", "DrillScorer",
           "IncidentController", "IncidentRecord", "status_fields"]
