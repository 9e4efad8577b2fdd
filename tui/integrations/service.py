"""What an incident hands its outbound effects to: updates, hooks on its events, silences at resolution.

`Integrations` is given to tui.incident's IncidentRecord (the app, `oncall journal …` and `oncall run`
build one from the settings). Effects of an incident event (hooks; expiring silences at resolution) run
on one background thread in the app, so a slow webhook or a hanging hook never holds a screen, and
inline on the command line, which waits for them before it exits. Nothing here raises out of a hook:
a failure is a journal entry.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tui.errors import OncallError
from tui.integrations import hooks as hook_runs
from tui.integrations import send as sends
from tui.integrations import silences
from tui.journal import ActionItem, Journal


class Background:
    """One daemon thread running jobs in order; `drain` waits for those submitted so far."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], object]] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="oncall-integrations", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], object]) -> None:
        self._jobs.put(job)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except Exception:  # a job journals its own failures; a bug must not stop the thread
                pass
            finally:
                self._jobs.task_done()

    def drain(self, timeout: float = 60.0) -> bool:
        done = threading.Event()
        self.submit(done.set)
        return done.wait(timeout)


class Integrations:
    def __init__(self, settings: Any, *, background: bool = False, env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.env = env
        self._runner = Background() if background else None
        self.hooks: Mapping[str, Any] = getattr(settings, "hooks", {}) or {}

    def _run(self, job: Callable[[], object]) -> None:
        if self._runner is None:
            job()
        else:
            self._runner.submit(job)

    def drain(self, timeout: float = 60.0) -> bool:
        return self._runner.drain(timeout) if self._runner is not None else True

    # ---- updates -------------------------------------------------------------------------

    def targets(self, audience: str) -> tuple[str, ...]:
        return sends.audience_targets(self.settings, audience)

    def give_update(self, journal: Journal, incident_id: str, audience: str, text: str,
                    *, send: bool = True) -> tuple[Any, sends.SendResult | None]:
        """Journal the update; with `send`, deliver it to the audience's targets (blocking: call off the UI)."""
        targets = self.targets(audience) if send else ()
        if send and not targets:
            raise OncallError(f"The config names no targets for {audience}; add them under notify: {audience} in "
                              "config.yaml, or mark the update as sent after copying it.")
        return sends.give_update(journal, incident_id, audience, text, targets=targets, env=self.env)

    def retry(self, journal: Journal, incident_id: str | None = None) -> list[sends.SendResult]:
        return sends.retry_queued(journal, incident_id, env=self.env)

    # ---- incident events -----------------------------------------------------------------

    def incident_event(self, journal: Journal, incident_id: str, event: str, item: ActionItem | None = None) -> None:
        """An incident event happened: its hooks run, and resolution expires the incident's silences."""
        def job() -> None:
            if event == "resolved":
                silences.expire_all(journal, incident_id, self.settings)
            hook_runs.run_hooks(journal, incident_id, event, self.hooks, item=item, env=self.env)

        if event == "resolved" or self.hooks.get(event):
            self._run(job)
