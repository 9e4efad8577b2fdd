"""The top line: severity, title, elapsed time, your role, and when the next update is due."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.app.session import SEVERITY_LABELS, Session


def bar_content(session: Session) -> Content:
    inc = session.incident
    severity = session.severity()
    roles = session.my_roles()
    due = session.comms_due()
    if session.comms_overdue():
        update = Content.from_markup("[reverse $error b] update OVERDUE (was due $due) [/]", due=session.clock.hhmm(due))
    else:
        update = Content.from_markup("update due $due", due=session.clock.hhmm(due))
    parts = [
        Content.from_markup(f"[reverse b {_sev_style(severity)}] $label $sev [/]",
                            label=SEVERITY_LABELS.get(severity, "SEV?"), sev=severity),
    ]
    if getattr(inc, "drill", False):
        parts.append(Content.from_markup("[reverse $warning b] DRILL [/]"))
    parts += [
        Content.from_markup("[b]$title[/]", title=getattr(inc, "title", session.runbook.title)),
        Content(session.elapsed()),
        Content(f"you: {', '.join(roles) if roles else 'responder'}"),
        Content(str(getattr(inc, "status", "investigating"))),
        update,
    ]
    return Content(" ").join([parts[0], Content(" · ").join(parts[1:])])


def _sev_style(severity: str) -> str:
    return {"critical": "$error", "high": "$warning"}.get(severity, "$primary")


class IncidentBar(Static):
    def show(self, session: Session) -> None:
        self.update(bar_content(session))
