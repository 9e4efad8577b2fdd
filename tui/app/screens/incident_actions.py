"""The split view's incident keys: note, action item, severity, roles, status, findings,
the stakeholder update and the report. Each change goes into the journal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tui.app.screens.dialogs import ChoiceScreen, FormScreen, NoteScreen
from tui.atomic import atomic_write
from tui.incident import FINDINGS, ROLES, SEVERITY_LABELS, STATUSES, DrillScore
from tui.errors import OncallError
from tui.runbook.model import SEVERITIES

SEVERITY_HELP = {
    "critical": "users broadly affected, wrong decisions or data at scale, or spreading",
    "high": "many users affected or a key feature down",
    "medium": "some users affected, a workaround exists",
    "low": "minor, no user impact yet",
}


class IncidentActions:
    """Mixed into IncidentScreen: uses its session, services and journal helpers."""

    controller: Any
    services: Any

    def action_note(self) -> None:
        def saved(text: str | None) -> None:
            if text:
                self._journal(lambda: self.controller.note(text))

        self.app.push_screen(NoteScreen(), saved)

    def action_action_item(self) -> None:
        due = (self.controller.clock.local(self.controller.clock.now()) + timedelta(days=7)).strftime("%Y-%m-%d")

        def saved(values: list[str] | None) -> None:
            if values is not None:
                self._journal(lambda: self.controller.add_action_item(*values))

        self.app.push_screen(FormScreen("Add an action item", [("What needs doing", ""),
                                                               ("Owner", self.controller.user),
                                                               ("Due (YYYY-MM-DD)", due)]), saved)

    def action_severity(self) -> None:
        current = self.controller.severity()
        labels = [f"{SEVERITY_LABELS[s]} {s}: {SEVERITY_HELP[s]}" for s in SEVERITIES]

        def picked(index: int | None) -> None:
            if index is not None and SEVERITIES[index] != current:
                if self._journal(lambda: self.controller.set_severity(SEVERITIES[index])):
                    self.render_all()

        self.app.push_screen(ChoiceScreen("Severity of this incident", labels,
                                          current=SEVERITIES.index(current) if current in SEVERITIES else None,
                                          purpose="Set how bad this is; the change is journaled."), picked)

    def action_roles(self) -> None:
        roles = getattr(self.controller.incident, "roles", None) or {}

        def saved(values: list[str] | None) -> None:
            if values is not None:
                if self._journal(lambda: self.controller.set_roles(dict(zip(ROLES, values)))):
                    self.render_all()

        self.app.push_screen(FormScreen("Who does what (leave a role empty if nobody has it)",
                                        [(role.capitalize(), roles.get(role, "")) for role in ROLES]), saved)

    def action_status(self) -> None:
        current = str(getattr(self.controller.incident, "status", "investigating"))

        def picked(index: int | None) -> None:
            if index is not None and STATUSES[index] != current:
                if self._journal(lambda: self.controller.set_status(STATUSES[index])):
                    self.render_all()

        self.app.push_screen(ChoiceScreen("Status of this incident", list(STATUSES),
                                          current=STATUSES.index(current) if current in STATUSES else None,
                                          purpose="Set where the incident stands; the change is journaled."), picked)

    def action_findings(self) -> None:
        def saved(values: list[str] | None) -> None:
            if values is not None:
                if self._journal(lambda: self.controller.set_findings(values)):
                    self.notify("Findings saved; the report uses them.")

        self.app.push_screen(FormScreen("What you know so far (for the update and the report)",
                                        [(label, value) for (_, label), value in
                                         zip(FINDINGS, self.controller.findings())],
                                        hint="Enter moves on and saves after the last field · ctrl+s saves now · "
                                             "Escape cancels"), saved)

    def action_comms(self) -> None:
        from tui.app.screens.comms import CommsScreen

        controller = self.controller
        due = controller.clock.hhmm(controller.comms_due())
        state = f"OVERDUE since {due}" if controller.comms_overdue() else f"next due {due}"

        def sent(text: str | None) -> None:
            if text is not None:
                if self._journal(lambda: controller.mark_comms_sent(text)):
                    self.notify("Update marked as sent; the next reminder is reset.")
                    self.render_all()

        self.app.push_screen(CommsScreen(controller.comms_text(), state), sent)

    def report_path(self) -> Path:
        return self.services.settings.journal_path.parent / "reports" / f"{self.controller.incident_id}.md"

    def action_export(self) -> None:
        from tui.app.screens.report import ReportScreen
        from tui.journal.report import render_report

        try:
            markdown = render_report(self.controller.journal, self.controller.incident_id)
        except OncallError as exc:
            self.app.fail(str(exc))  # type: ignore[attr-defined]
            return
        path = self.report_path()

        def write(yes: bool | None) -> None:
            if not yes:
                return
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, markdown)
            except OSError as exc:
                self.app.fail(f"Cannot write {path}: {exc.strerror}; check the folder's permissions.")  # type: ignore[attr-defined]
                return
            self.notify(f"Report written to {path}")

        self.app.push_screen(ReportScreen(markdown, str(path)), write)


    def _show_drill_score(self, score: DrillScore) -> None:
        """A drill reached its outcome: the controller scored it (the hook journaled the score); show it."""
        from tui.app.screens.report import ReportScreen

        if score.markdown is None:
            self.app.fail(score.error or "The drill could not be scored.")  # type: ignore[attr-defined]
            return
        markdown = score.markdown
        self.refresh_journal()
        path = self.report_path().with_name(f"{self.controller.incident_id}-drill-score.md")

        def write(yes: bool | None) -> None:
            if yes:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(path, markdown)
                except OSError as exc:
                    self.app.fail(f"Cannot write {path}: {exc.strerror}; check the folder's permissions.")  # type: ignore[attr-defined]
                    return
                self.notify(f"Drill score written to {path}")

        self.app.push_screen(ReportScreen(markdown, str(path)), write)
