"""The top line: severity, title, elapsed time, your role, status, and when the next update is due.

At 80 columns the timer and the update's due time always keep their place: the title is cut first,
then the role and the status give way (see `bar_content`).
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


MIN_TITLE = 16  # characters of title worth keeping before the role and the status give way


def bar_content(session: IncidentController, width: int = 200) -> Content:
    """The bar, in `width` cells at most. The timer and the update's due time always stay: the title
    is shortened first, then, only when even a short title does not fit, the role goes, "update due"
    becomes "due", and the status goes."""
    inc = session.incident
    severity = session.severity()
    narrow = width < 110
    roles = session.my_roles()
    if narrow:
        roles = [SHORT_ROLES.get(r, r) for r in roles]
    due = session.clock.hhmm(session.comms_due())
    overdue = session.comms_overdue()
    resolved = getattr(inc, "status", "") == "resolved"
    sev_text = SEVERITY_LABELS.get(severity, "SEV?") + ("" if narrow else f" {severity}")
    head = [styled(f"[reverse b {_sev_style(severity)}] $sev [/]", sev=sev_text)]
    if getattr(inc, "drill", False):
        head.append(styled("[reverse $warning b] DRILL [/]"))
    env = env_badge(getattr(session, "settings", None))
    if env is not None:
        head.append(env)
    elapsed = Content(session.elapsed())
    role = shown_line(f"you: {', '.join(roles) if roles else 'responder'}")  # roles, status: the shared journal's
    status = shown_line(getattr(inc, "status", "investigating"))
    outbound = _outbound(session, narrow)

    def update(short: bool) -> Content:
        if overdue:
            return styled("[reverse $error b] OVERDUE [/]" if short else "[reverse $error b] update OVERDUE [/]")
        if resolved:
            return Content("no updates due" if short else "no more updates due")
        return styled("due $due" if short else "update due $due", due=due)

    # From the fullest to the barest; the first that leaves MIN_TITLE for the title is taken.
    tails = [[elapsed, role, status, update(False), *outbound], [elapsed, status, update(False), *outbound],
             [elapsed, role, status, update(False)], [elapsed, status, update(False)],
             [elapsed, status, update(True)], [elapsed, update(True)]]
    title = plain_line(getattr(inc, "title", session.runbook.title))
    fixed_head = sum(len(c.plain) + 1 for c in head)
    for tail in tails:
        room = width - fixed_head - sum(len(c.plain) + len(SEP) for c in tail)
        if room >= min(MIN_TITLE, len(title)):
            break
    room = max(0, room)
    if len(title) > room:
        title = title[: room - 1] + "…" if room > 1 else ""
    parts = ([styled("[b]$title[/]", title=title)] if title else []) + tail
    body = Content(SEP).join(parts)
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
