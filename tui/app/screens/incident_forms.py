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
            if index is not None and STATUSES[index] != current and \
                    self.journaled(lambda: self.controller.set_status(STATUSES[index])):
                self.changed()

        self.app.push_screen(ChoiceScreen("Status of this incident", list(STATUSES),
                                          current=STATUSES.index(current) if current in STATUSES else None,
                                          purpose="Set where the incident stands; the change is journaled."), picked)

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
        from tui.app.screens.comms import CommsScreen

        controller = self.controller
        due = controller.clock.hhmm(controller.comms_due())
        state = f"OVERDUE since {due}" if controller.comms_overdue() else f"next due {due}"

        def sent(text: str | None) -> None:
            if text is not None and self.journaled(lambda: controller.mark_comms_sent(text)):
                self.app.notify("Update marked as sent; the next reminder is reset.")
                self.changed()

        self.app.push_screen(CommsScreen(controller.comms_text(), state), sent)

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
