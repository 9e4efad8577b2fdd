"""Typed messages between the incident screen, its background work and its widgets.

Background work (the metrics source, a command run, a journal sync) posts to the screen; the
screen asks the incident controller, then posts what changed to the widget that shows it.
These messages do not bubble: the poster names the one node that acts on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # the picker's first frame needs none of these modules
    from tui.incident import IncidentController
    from tui.journal.model import Event
    from tui.journal.sync import SyncStatus
    from tui.metrics.readings import Snapshot


class SnapshotArrived(Message, bubble=False):
    """New readings from the metrics source (`now`: the moment they are seen at, for ageing)."""

    def __init__(self, snapshot: Snapshot, now: float = 0.0) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.now = now


class MetricsUnavailable(Message, bubble=False):
    """No readings to show, and why (not connected, failed to start)."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title = title
        self.message = message


class CommandStarted(Message, bubble=False):
    def __init__(self, title: str, display: str) -> None:
        super().__init__()
        self.title = title
        self.display = display  # the exact command, shown first


class CommandOutput(Message, bubble=False):
    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__()
        self.lines = lines


class CommandTitle(Message, bubble=False):
    """The output pane's title while a command runs ("running 12s")."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title


class CommandFinished(Message, bubble=False):
    """A run ended (its outcome kept and journaled by the controller), or never started."""

    def __init__(self, name: str, title: str, notes: Sequence[str] = (), journal_error: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.title = title
        self.notes = list(notes)  # lines from oncall itself, for the output pane
        self.journal_error = journal_error  # the run happened but could not be journaled


class JournalChanged(Message, bubble=False):
    """The incident's events as read now (the pane shows those it has not shown yet)."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events


class JournalStatus(Message, bubble=False):
    def __init__(self, title: str, problem: str | None = None) -> None:
        super().__init__()
        self.title = title
        self.problem = problem


class SyncFinished(Message, bubble=False):
    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class ReportBuilt(Message, bubble=False):
    """The post-incident report, built in a thread (it reads the metrics): for the screen to show.

    `report` is a tui.report.build.Report, or None with `error` (one sentence); `score` is the drill's
    score when a drill reached its outcome (shown beside the report)."""

    def __init__(self, report: Any, error: str | None = None, score: Any = None) -> None:
        super().__init__()
        self.report = report
        self.error = error
        self.score = score


class IncidentChanged(Message, bubble=False):
    """Severity, roles, status, the time or the place in the walk changed: for the bar and the breadcrumb."""

    def __init__(self, controller: IncidentController) -> None:
        super().__init__()
        self.controller = controller


class StepChanged(Message, bubble=False):
    """The step to show, with what the screen has selected."""

    def __init__(self, controller: IncidentController, selected: int | None, cursor: int, running: bool) -> None:
        super().__init__()
        self.controller = controller
        self.selected = selected
        self.cursor = cursor
        self.running = running
