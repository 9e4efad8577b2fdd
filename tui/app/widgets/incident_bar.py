"""The top line: severity, title, elapsed time, your role, status, and when the next update is due.

At 80 columns everything but the title keeps its place; the title is cut to fit.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.app.messages import IncidentChanged
from tui.app.shown import plain_line, shown_line, styled
from tui.app.widgets.env_badge import env_badge
from tui.incident import SEVERITY_LABELS, IncidentController

SHORT_ROLES = {"incident lead": "lead", "technical lead": "tech lead", "communications lead": "comms lead",
               "support liaison": "liaison"}
SEP = " · "


def bar_content(session: IncidentController, width: int = 200) -> Content:
    inc = session.incident
    severity = session.severity()
    narrow = width < 110
    roles = session.my_roles()
    if narrow:
        roles = [SHORT_ROLES.get(r, r) for r in roles]
    due = session.clock.hhmm(session.comms_due())
    if session.comms_overdue():
        update = styled("[reverse $error b] update OVERDUE [/]")
    elif getattr(inc, "status", "") == "resolved":
        update = Content("no more updates due")
    else:
        update = styled("update due $due", due=due)
    sev_text = SEVERITY_LABELS.get(severity, "SEV?") + ("" if narrow else f" {severity}")
    head = [styled(f"[reverse b {_sev_style(severity)}] $sev [/]", sev=sev_text)]
    if getattr(inc, "drill", False):
        head.append(styled("[reverse $warning b] DRILL [/]"))
    env = env_badge(getattr(session, "settings", None))
    if env is not None:
        head.append(env)
    tail = [
        Content(session.elapsed()),
        shown_line(f"you: {', '.join(roles) if roles else 'responder'}"),  # roles, status: the shared journal's
        shown_line(getattr(inc, "status", "investigating")),
        update,
        *_outbound(session, narrow),
    ]
    fixed = sum(len(c.plain) + 1 for c in head) + sum(len(c.plain) + len(SEP) for c in tail)
    title = plain_line(getattr(inc, "title", session.runbook.title))
    room = max(8, width - fixed)
    if len(title) > room:
        title = title[: room - 1] + "…"
    body = Content(SEP).join([styled("[b]$title[/]", title=title), *tail])
    return Content(" ").join([*head, body])


def _outbound(session: IncidentController, narrow: bool) -> list[Content]:
    """The other audiences' reminders, queued updates and the incident's silences, when there are any."""
    out = []
    now = session.clock.now()
    due = [st.audience.label for st in session.audience_states()
           if st.audience.name != "internal" and (st.closing or st.waiting or st.overdue(now))]
    if due:
        out.append(styled("[b $warning]$what[/]", what=f"+{len(due)} due" if narrow or len(due) > 2
                          else f"{' + '.join(due)} due"))
    queued = session.queued_updates()
    if queued:
        out.append(styled("[reverse $warning] $n queued [/]", n=str(queued)))
    silences = session.silences()
    if silences:
        out.append(shown_line(f"silenced {len(silences)}" if narrow else
                              "silenced " + ", ".join(s.alertname for s in silences)))
    return out


def _sev_style(severity: str) -> str:
    return {"critical": "$error", "high": "$warning"}.get(severity, "$primary")


class IncidentBar(Static):
    def show(self, session: IncidentController) -> None:
        self.update(bar_content(session, self.size.width or 200))

    def on_incident_changed(self, message: IncidentChanged) -> None:
        self.show(message.controller)
