"""What `oncall drill` plugs into the app: simulated metrics, alerts and commands, and the score at the end.

No Textual here: the app calls these through its services (metrics factory,
alerts fetcher, `drill_hooks.launcher` in place of tui.launch.launch_for, and
`drill_hooks.finish` at an outcome). One `Drills` object serves one scenario or
all of them: with no scenario given, every scenario's page is a firing alert in
the picker, and picking one starts that drill.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tui.drill.runner import LinesCallback, SimulatedLaunch, launcher_for, unscripted
from tui.drill.scenario import SIMULATED, Scenario
from tui.drill.score import DRILL_KEY, SCORE_KEY, DrillReport, is_drill_event, score_drill
from tui.drill.sim import FiringAlert, Simulation
from tui.drill.source import DRILL_INTERVAL, SimulatedSource
from tui.errors import OncallError
from tui.launch.command import PreparedCommand
from tui.metrics.alerts import Alert, AlertLink, link_alerts, params_from_labels
from tui.metrics.poller import MetricQuery
from tui.metrics.units import format_value
from tui.report.impact import Curve, Span
from tui.runbook.model import Runbook
from tui.times import parse_time

log = logging.getLogger(__name__)
REPORT_LEAD = 1800.0  # simulated seconds before the page the drill's report charts
REPORT_POINTS = 240


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Drill:
    """One scenario being played: its simulation, and the incident it turned into."""

    def __init__(self, scenario: Scenario, runbook: Runbook, *, seed: int = 0, speed: float = 1.0,
                 wall: Callable[[], float] = time.time) -> None:
        self.scenario = scenario
        self.sim = Simulation(scenario, runbook, seed=seed, speed=speed, wall=wall)
        self.launch_for = launcher_for(self.sim)
        self.incident_id: str | None = None
        self.report: DrillReport | None = None
        self._firing: set[str] = set()

    @property
    def page_alert(self) -> str | None:
        return self.scenario.alerts[0].alertname if self.scenario.alerts else None

    def alerts(self) -> list[Alert]:
        """The simulation's firing alerts, as Alertmanager would list them (marked SIMULATED)."""
        out = []
        for a in self.sim.alerts_at():
            summary = f"{SIMULATED} drill: {self.scenario.title}" + (f" · {a.summary}" if a.summary else "")
            out.append(Alert(labels=dict(a.labels), annotations={"summary": summary, "drill": self.scenario.id},
                             starts_at=iso(self.sim.world(a.fired_at)), fingerprint=f"drill-{self.scenario.id}-{a.alertname}"))
        return out

    def start_event(self) -> tuple[str, dict[str, Any]]:
        sc, sim = self.scenario, self.sim
        text = (f"DRILL {sc.id}: {sc.title}. Everything here is {SIMULATED} (speed x{sim.speed:g}, seed {sim.seed})."
                + (f" Briefing: {sc.briefing.strip()}" if sc.briefing else ""))
        data = {DRILL_KEY: {"scenario": sc.id, "runbook": sc.runbook, "seed": sim.seed, "speed": sim.speed,
                            "paged_at": iso(sim.origin)}}
        return text, data

    def alert_changes(self) -> list[tuple[str, dict[str, Any]]]:
        """Journal entries for alerts that fired or resolved since the last call."""
        now = {a.alertname: a for a in self.sim.alerts_at()}
        out = []
        for name in sorted(set(now) - self._firing):
            a: FiringAlert = now[name]
            metric = self.sim.runbook.metrics[a.metric]
            out.append((f"{SIMULATED} alert {name} firing: {a.metric} {format_value(a.value, metric.unit)}.",
                        {DRILL_KEY: {"alert": name, "state": "firing", "metric": a.metric}}))
        for name in sorted(self._firing - set(now)):
            out.append((f"{SIMULATED} alert {name} resolved.", {DRILL_KEY: {"alert": name, "state": "resolved"}}))
        self._firing = set(now)
        return out


class Drills:
    """The drill hooks of the app: one scenario, or every scenario as a simulated page to pick from."""

    def __init__(self, scenarios: Iterable[Scenario], runbooks: Mapping[str, Runbook], *, seed: int = 0,
                 speed: float = 1.0, wall: Callable[[], float] = time.time,
                 interval: float = DRILL_INTERVAL) -> None:
        self.drills = [Drill(s, runbooks[s.runbook], seed=seed, speed=speed, wall=wall) for s in scenarios]
        if not self.drills:
            raise OncallError("There are no drill scenarios to play; add some to a drills/ folder of your runbooks.")
        self.interval = interval
        self.journal: Any = None
        self._started_at = wall()

    # -- which drill -------------------------------------------------------------

    def for_runbook(self, runbook_id: str) -> Drill | None:
        matches = [d for d in self.drills if d.scenario.runbook == runbook_id]
        started = [d for d in matches if d.incident_id is not None]
        found = started or matches
        return found[-1] if found else None

    def for_incident(self, incident_id: str) -> Drill | None:
        return next((d for d in self.drills if d.incident_id == incident_id), None)

    # -- app services ------------------------------------------------------------

    async def alert_links(self, runbooks: Mapping[str, Runbook]) -> list[AlertLink]:
        """The app's alerts fetcher: every drill's firing alerts, each leading to its drill's runbook first
        (another runbook may list the same alert, e.g. KubePodCrashLooping)."""
        links = []
        for d in self.drills:
            for link in link_alerts(d.alerts(), runbooks):
                own = d.scenario.runbook
                if own in runbooks:
                    others = tuple(r for r in link.runbooks if r != own)
                    link = AlertLink(link.alert, (own, *others), params_from_labels(runbooks[own], link.alert.labels))
                links.append(link)
        return links

    def metrics(self, queries: list[MetricQuery], on_snapshot: Callable[[Any], Any]) -> SimulatedSource:
        """The app's metrics factory: the source of the drill whose runbook these queries belong to."""
        drill = self._drill_of(queries) or self.drills[0]
        return SimulatedSource(drill.sim, queries, on_snapshot, interval=self.interval, on_poll=self.observe)

    def _drill_of(self, queries: list[MetricQuery]) -> Drill | None:
        for q in queries:
            for d in reversed(self.drills):
                ours = d.sim.runbook.metrics.get(q.name)
                if ours is not None and ours.query == q.metric.query:
                    return self.for_runbook(d.scenario.runbook)
        return None

    def launcher(self, prepared: PreparedCommand, settings: Any, *, confirmed: bool = False,
                 on_lines: LinesCallback | None = None, **options: Any) -> SimulatedLaunch:
        """In place of tui.launch.launch_for: nothing ever runs in a drill."""
        drill = self.for_runbook(prepared.runbook_id)
        if drill is None:
            return unscripted(prepared, settings, confirmed=confirmed, on_lines=on_lines, **options)
        return drill.launch_for(prepared, settings, confirmed=confirmed, on_lines=on_lines, **options)

    # -- the journal ---------------------------------------------------------------

    def observe(self, wall: float | None = None) -> None:
        """Each poll: tie new drill incidents to their drill, and journal alerts that fire or resolve."""
        journal = self.journal
        if journal is None:
            return
        try:
            self._attach(journal)
            for d in self.drills:
                if d.incident_id is None:
                    continue
                for text, data in d.alert_changes():
                    journal.add_event(d.incident_id, "note", text, data)
        except OncallError as exc:  # the journal says what is wrong on its own pane; the drill goes on
            log.warning("drill journal: %s", exc)

    def _attach(self, journal: Any) -> None:
        if all(d.incident_id is not None for d in self.drills):
            return  # every drill has its incident: nothing to look for
        taken = {d.incident_id for d in self.drills}
        for inc in journal.open_incidents():
            if not getattr(inc, "drill", False) or inc.id in taken:
                continue
            created = parse_time(getattr(inc, "created_at", None) or getattr(inc, "detected_at", None))
            if created is not None and created.timestamp() < self._started_at - 1:
                continue  # a drill from an earlier session
            runbook = inc.runbooks[0] if inc.runbooks else None
            alert = getattr(inc, "alert", None)
            drill = next((d for d in self.drills if d.incident_id is None and d.scenario.runbook == runbook
                          and (alert is None or alert in {a.alertname for a in d.scenario.alerts})), None)
            if drill is None:
                continue
            drill.incident_id = inc.id
            text, data = drill.start_event()
            journal.add_event(inc.id, "note", text, data)

    def resume(self, journal: Any, incident_id: str) -> Drill | None:
        """Take up a drill incident of an earlier session where it stood: its simulation keeps its page time
        (so the metrics are where they were) and what was already fixed stays fixed. None: not a drill here."""
        self.journal = self.journal or journal
        known = self.for_incident(incident_id)
        if known is not None:
            return known
        incident = journal.incident(incident_id)
        runbook = incident.runbooks[0] if incident.runbooks else None
        drill = next((d for d in self.drills if d.scenario.runbook == runbook and d.incident_id is None), None)
        if drill is None or not getattr(incident, "drill", False):
            return None
        events = journal.events(incident_id)
        sim = drill.sim
        for event in events:
            paged = ((event.data or {}).get(DRILL_KEY) or {}).get("paged_at") if is_drill_event(event) else None
            moment = parse_time(paged) if isinstance(paged, str) else None
            if moment is not None:
                sim.origin = moment.timestamp()
                break
        for event in events:
            data = event.data or {}
            if event.kind != "command" or data.get("command") not in drill.scenario.fix_commands:
                continue
            ran = parse_time(data.get("started_at")) if data.get("status") != "did not start" else None
            if ran is not None:
                sim.fix(sim.sim_at(ran.timestamp()), by=str(data["command"]))
                break
        drill.incident_id = incident_id
        drill._firing = {a.alertname for a in sim.alerts_at()}  # already journaled when they fired
        return drill
    def report_curves(self, incident: Any, now: float) -> tuple[list[Curve], Span] | None:
        """A drill's metrics for its report, as Prometheus would have read them: the simulation sampled from
        REPORT_LEAD simulated seconds before the page to now (None for an incident that is not a drill here)."""
        drill = self.for_incident(incident.id)
        if drill is None:
            return None
        sim = drill.sim
        span = Span(min(sim.wall_at(-REPORT_LEAD), now - 1.0), now)
        times = [span.start + (span.end - span.start) * i / (REPORT_POINTS - 1) for i in range(REPORT_POINTS)]
        curves = [Curve(metric, sim.runbook.id, metric.query, tuple((t, sim.value(name, sim.sim_at(t))) for t in times))
                  for name, metric in sim.runbook.metrics.items() if name in sim.scenario.curves]
        return curves, span

    def finish(self, journal: Any, incident_id: str) -> DrillReport:
        """Score the drill of this incident, keep the score in its journal, and return it."""
        self.journal = self.journal or journal
        self._attach(journal)
        drill = self.for_incident(incident_id)
        if drill is None:
            raise OncallError(f"Incident {incident_id} is not one of this session's drills; nothing to score.")
        incident = journal.incident(incident_id)
        runbook = drill.sim.runbook
        report = score_drill(drill.scenario, incident, journal.events(incident_id), start_step=runbook.start,
                             paged_at=iso(drill.sim.origin))
        journal.add_event(incident_id, "note", report.summary() + "\n" + "\n".join(f"- {m}" for m in report.missed),
                          {SCORE_KEY: report.to_dict()})
        drill.report = report
        return report

    def finish_markdown(self, journal: Any, incident_id: str) -> str:
        return self.finish(journal, incident_id).markdown()

    def unfinished(self, journal: Any) -> list[tuple[str, DrillReport]]:
        """At quit: score every drill of this session that has no score yet."""
        self.journal = self.journal or journal
        self._attach(journal)
        out = []
        for d in self.drills:
            if d.incident_id is None:
                continue
            events = journal.events(d.incident_id)
            if d.report is None and not any(SCORE_KEY in (e.data or {}) for e in events if is_drill_event(e)):
                out.append((d.incident_id, self.finish(journal, d.incident_id)))
        return out
