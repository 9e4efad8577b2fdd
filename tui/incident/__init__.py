"""The incident controller: what the app, `oncall run` and the drills share while an incident is worked.

No Textual here (the app renders what this returns). Severity labels and statuses are the journal's
(tui.journal.model); they are re-exported here for the screens.
"""

from tui.incident.controller import DrillScore, DrillScorer, IncidentController
from tui.incident.outcome import CommandOutcome
from tui.incident.record import FINDINGS, ROLES, IncidentRecord
from tui.journal.model import SEVERITY_LABELS, STATUSES

__all__ = ["FINDINGS", "ROLES", "SEVERITY_LABELS", "STATUSES", "CommandOutcome", "DrillScore", "DrillScorer",
           "IncidentController", "IncidentRecord"]
