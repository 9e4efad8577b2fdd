"""The split view's incident keys as dialogs: note, action item, severity, roles, status, findings,
the stakeholder update, the report and a drill's score. Each change goes through the controller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.app import App

from tui.app.screens.dialogs import ChoiceScreen, FormScreen, NoteScreen
from tui.atomic import atomic_write
from tui.errors import OncallError
from tui.incident import (
    FINDINGS,
    ROLES,
    SEVERITY_LABELS,
    STATUSES,
    DrillScore,
    IncidentController,
)
from tui.runbook.model import SEVERITIES, Runbook

STATUS_HELP = {
    "abandoned": "abandoned: opened by mistake or not an incident (closed)",
    "duplicate": "duplicate: another incident carries on (closed)",
}
SEVERITY_HELP = {
    "critical": "users broadly affected, wrong decisions or data at scale, or spreading",
    "high": "many users affected or a key feature down",
    "medium": "some users affected, a workaround exists",
    "low": "minor, no user impact yet",
}


@dataclass
class IncidentForms:
    app: App[Any]
    controller: IncidentController
    reports: Path  # where exported reports and drill scores are written
    journaled: Callable[[Callable[[], object]], bool]  # run one write; False (and said) when it failed
    changed: Callable[[], None]  # the bar and the step show what was written
    fail: Callable[[str], None]

    def note(self) -> None:
        def saved(text: str | None) -> None:
            if text and text.strip():
                self.journaled(lambda: self.controller.note(text))

        self.app.push_screen(NoteScreen(), saved)

    def action_item(self) -> None:
        clock = self.controller.clock
        due = (clock.local(clock.now()) + timedelta(days=7)).strftime("%Y-%m-%d")

        def saved(values: list[str] | None) -> None:
            if values is not None:
                self.journaled(lambda: self.controller.add_action_item(*values))

        self.app.push_screen(FormScreen("Add an action item", [("What needs doing", ""),
                                                               ("Owner", self.controller.user),
                                                               ("Due (YYYY-MM-DD)", due)]), saved)

    def severity(self) -> None:
        current = self.controller.severity()
        labels = [f"{SEVERITY_LABELS[s]} {s}: {SEVERITY_HELP[s]}" for s in SEVERITIES]

        def picked(index: int | None) -> None:
            # Choosing the current one is journaled too: confirming the severity is a decision.
            if index is not None and self.journaled(lambda: self.controller.set_severity(SEVERITIES[index])):
                self.changed()

        self.app.push_screen(ChoiceScreen("Severity of this incident", labels,
                                          current=SEVERITIES.index(current) if current in SEVERITIES else None,
                                          purpose="Set how bad this is; the change is journaled."), picked)

    def roles(self) -> None:
        roles = self.controller.incident.roles or {}

        def saved(values: list[str] | None) -> None:
            if values is not None and self.journaled(lambda: self.controller.set_roles(dict(zip(ROLES, values)))):
                self.changed()

        self.app.push_screen(FormScreen("Who does what (leave a role empty if nobody has it)",
                                        [(role.capitalize(), roles.get(role, "")) for role in ROLES]), saved)

    def status(self) -> None:
        current = str(self.controller.incident.status or "investigating")

        def picked(index: int | None) -> None:
            if index is None or STATUSES[index] == current:
                return
            if STATUSES[index] == "duplicate":
                self.duplicate_of()
            elif self.journaled(lambda: self.controller.set_status(STATUSES[index])):
                self.changed()

        self.app.push_screen(ChoiceScreen("Status of this incident", [STATUS_HELP.get(s, s) for s in STATUSES],
                                          current=STATUSES.index(current) if current in STATUSES else None,
                                          purpose="Set where the incident stands; the change is journaled."), picked)

    def duplicate_of(self) -> None:
        """duplicate: of which incident (the other open ones, the most recent first)."""
        try:
            others = [i for i in self.controller.journal.open_incidents() if i.id != self.controller.incident_id]
        except OncallError as exc:
            self.fail(str(exc))
            return
        if not others:
            self.fail("There is no other open incident this one could duplicate; set abandoned instead.")
            return
        others = others[:9]

        def picked(index: int | None) -> None:
            if index is not None and self.journaled(
                    lambda: self.controller.set_status("duplicate", duplicate_of=others[index].id)):
                self.changed()

        self.app.push_screen(ChoiceScreen("Duplicate of which incident?",
                                          [f"{i.id} · {i.title} · lead {i.lead or 'nobody'}" for i in others],
                                          purpose="Pick the incident that carries on; this one is closed."), picked)

    def findings(self) -> None:
        def saved(values: list[str] | None) -> None:
            if values is not None and self.journaled(lambda: self.controller.set_findings(values)):
                self.app.notify("Findings saved; the report uses them.")

        self.app.push_screen(FormScreen("What you know so far (for the update and the report)",
                                        [(label, value) for (_, label), value in
                                         zip(FINDINGS, self.controller.findings())],
                                        hint="Enter moves on and saves after the last field · ctrl+s saves now · "
                                             "Escape cancels"), saved)

    def comms(self) -> None:
        from tui.app.screens.comms import AudienceDraft, CommsScreen

        controller = self.controller
        now = controller.clock.now()
        drafts, current = [], None
        for st in controller.audience_states():
            name = st.audience.name
            reminder = st.reminder(controller.clock.hhmm(st.due) if st.due else None, now)
            drafts.append(AudienceDraft(name, f"{st.audience.label} · {st.audience.cadence()} · {reminder}",
                                        controller.comms_text(name), controller.can_send(name)))
            if current is None and (st.closing or st.overdue(now) or st.waiting):
                current = len(drafts) - 1  # the most pressing one first
        if current is None:
            current = next((i for i, d in enumerate(drafts) if d.name == "internal"), 0)

        def done(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            audience, how, text = result
            if how == "send":
                self.send(audience, text)
            elif self.journaled(lambda: controller.mark_comms_sent(text, audience)):
                self.app.notify(f"Update for {audience.replace('_', ' ')} marked as sent; its reminder is reset.")
                self.changed()

        self.app.push_screen(CommsScreen(drafts, current), done)

    def send(self, audience: str, text: str) -> None:
        """Deliver off the UI thread (Apprise blocks for its timeouts); the outcome comes back as a toast."""
        controller, app = self.controller, self.app

        def work() -> None:
            try:
                result = controller.send_update(audience, text)
            except OncallError as exc:
                app.call_from_thread(self.fail, str(exc))
                return
            app.call_from_thread(app.notify, result.sentence(), severity="information" if result.sent else "warning")
            app.call_from_thread(self.journaled, lambda: None)  # the journal pane shows the update and the send
            app.call_from_thread(self.changed)

        app.notify(f"Sending the update for {audience.replace('_', ' ')}…")
        app.run_worker(work, thread=True, exit_on_error=False, group="send", name="send update")

    def silence(self) -> None:
        """L: silence the alert this incident handles for a chosen time (Alertmanager, off the UI thread)."""
        controller, app = self.controller, self.app
        choices = (("30 minutes", 1800.0), ("1 hour", 3600.0), ("2 hours", 7200.0), ("4 hours", 14400.0))
        active = controller.silences()
        now = ", ".join(f"{s.alertname} until {s.ends_at[11:16]} UTC" for s in active) or "none yet"

        def work(seconds: float) -> None:
            try:
                made = controller.silence(seconds)
            except OncallError as exc:
                app.call_from_thread(self.fail, str(exc))
                return
            app.call_from_thread(app.notify, f"Silenced {made.alertname} until {made.ends_at[11:16]} UTC; "
                                 "resolving the incident expires it.")
            app.call_from_thread(self.journaled, lambda: None)
            app.call_from_thread(self.changed)

        def picked(index: int | None) -> None:
            if index is not None:
                app.run_worker(lambda: work(choices[index][1]), thread=True, exit_on_error=False,
                               group="silence", name="silence alert")

        app.push_screen(ChoiceScreen(f"Silence {controller.incident.alert} for… (active: {now})",
                                     [label for label, _ in choices], current=2,
                                     purpose="Silence the alert this incident handles, by its exact labels, in "
                                             "Alertmanager; the comment names the incident and you, and resolving "
                                             "the incident expires it."), picked)

    def report_path(self) -> Path:
        return self.reports / f"{self.controller.incident_id}.md"

    def runbooks(self) -> list[Runbook]:
        """The incident's runbooks (the one worked, and those jumped into): the report reads their metrics."""
        controller = self.controller
        found = {controller.runbook.id: controller.runbook, controller.current.id: controller.current}
        for rid in controller.incident.runbooks:
            if rid not in found and controller.resolver is not None:
                try:
                    found[rid] = controller.resolver(rid)
                except OncallError:
                    continue
        return list(found.values())

    def offer_report(self, report: Any, error: str | None, score: DrillScore | None = None) -> None:
        """Show the report (a drill's score beside it); w writes the Markdown with its charts and the HTML page."""
        from tui.app.screens.report import ReportScreen
        from tui.report.build import write_report

        if report is None:
            self.fail(error or "The report could not be built; the journal is kept.")
            return
        md_path = self.report_path()
        html_path = md_path.with_suffix(".html")
        score_path = self.reports / f"{self.controller.incident_id}-drill-score.md"
        aside = None
        if score is not None:
            aside = score.markdown if score.markdown is not None else (
                score.error or "The drill could not be scored; its journal is kept.")

        def write(yes: bool | None) -> None:
            if not yes:
                return
            try:
                said = [write_report(report, "md", md_path).sentence, write_report(report, "html", html_path).sentence]
                if score is not None and score.markdown is not None:
                    atomic_write(score_path, score.markdown)
                    said.append(f"Wrote the drill's score to {score_path}.")
            except OncallError as exc:
                self.fail(str(exc))
                return
            except OSError as exc:
                self.fail(f"Cannot write {score_path}: {exc.strerror}; check the folder's permissions.")
                return
            self.app.notify(" ".join(said), timeout=15)

        charts = len(report.svgs)
        where = f"{md_path}" + (f" (+ {charts} chart{'s' if charts != 1 else ''})" if charts else "") + \
            f" and {html_path.name}"
        self.app.push_screen(ReportScreen(report.markdown(), where, aside=aside,
                                          measured=report.impact.why or "Impact measured from the metrics."), write)
