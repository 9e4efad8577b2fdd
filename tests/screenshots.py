"""Every screen of the app, driven to a fixed state: `python -m tests.screenshots` writes SVGs to screenshots/.

The snapshot tests drive the same scenes, so the README's pictures and the
regression tests never disagree. Everything a scene shows is fixed: the clock,
the journal's timestamps and incident id, the metric values (a simulated source,
labelled SIMULATED on screen), and commands that are harmless `python3 -c` one-liners.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from tui.clock import Clock
from tui.config import Settings

SIZE = (120, 40)
NOW = datetime(2026, 11, 22, 2, 48, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent

REFUSAL_SPIKE = """\
id: refusal-spike
title: Refusal spike in the support assistant
version: 4
summary: The assistant refuses harmless requests after a prompt or routing change.
category: unexpected-output
severity_hint: high
owners: [assistant-team]
tags: [llm, prompt, refusals]
symptoms:
  - assistant refuses harmless requests
  - users report "I can't help with that"
alerts:
  - alertname: AssistantRefusalSpike
params:
  service: {prompt: Assistant service, default: support-assistant, pattern: '^[a-z0-9-]+$'}
  prompt_version: {prompt: Last good prompt version, default: v40, pattern: '^v[0-9]+$'}
metrics:
  refusal_rate:
    title: Share of answers that refuse
    query: sum(rate(assistant_refusals_total{service="${service}"}[5m])) / sum(rate(assistant_answers_total{service="${service}"}[5m]))
    unit: percent-ratio
    warn: 0.02
    crit: 0.05
  p95_latency:
    title: p95 answer latency
    query: histogram_quantile(0.95, sum by (le) (rate(assistant_latency_seconds_bucket{service="${service}"}[5m])))
    unit: seconds
    warn: 2
    crit: 5
commands:
  prompt_history:
    title: Show prompt deploys
    run: [python3, -c, "print('v41  02:11  deployed by ci'); print('v40  yesterday  deployed by ci')"]
    timeout: 30
  follow_logs:
    title: Follow the assistant's refusals
    run: [python3, -c, "import time\\nfor i in range(3): print(f'refusal {i}: I cannot help with that', flush=True)\\ntime.sleep(60)"]
    timeout: 120
  rollback_prompt:
    title: Roll the prompt back
    run: [echo, "rolled ${service} back to ${prompt_version}"]
    danger: true
start: confirm-impact
steps:
  confirm-impact:
    ask: Is the refusal rate above 5% right now?
    detail: Normal variance stays under 2%. Above 5% means users are being turned away.
    metric: refusal_rate
    choices:
      - {label: "Yes, above 5%", next: recent-change, when: crit}
      - {label: "Somewhat: between 2% and 5%", next: recent-change, when: warn}
      - {label: "No, it is normal", next: not-refusals, when: ok}
  recent-change:
    ask: Did a prompt or routing change ship in the last 2 hours?
    command: prompt_history
    commands: [follow_logs]
    choices:
      - {label: "Yes, roll it back", next: roll-back, when: {output: 'v[0-9]+ +0[0-9]:'}}
      - {label: "No", next: escalate}
      - {label: "Not sure: work on it in the fix-forward runbook", next: "runbook:fix-forward"}
  roll-back:
    do: Roll the prompt back to ${prompt_version} and watch the refusal rate fall.
    commands: [rollback_prompt]
    checklist: [Tell the channel you are rolling back, Watch refusal_rate for 5 minutes]
    status: contained
    next: resolved
  not-refusals:
    outcome: handoff
    say: Not a refusal spike. Open the quality-drop runbook.
  escalate:
    outcome: escalate
    say: Page the assistant team's on-call lead.
  resolved:
    outcome: resolved
    say: Refusals are back to baseline. Send the update and write the report.
comms:
  internal:
    every: 10m
    template: "[${severity}] ${title}: ${status}. Impact: ${impact}. Lead: ${lead}. Next update at ${next_update}."
"""

FIX_FORWARD = """\
id: fix-forward
title: Fix forward instead of rolling back
version: 2
summary: Ship a corrected prompt when rolling back is not possible.
category: unexpected-output
severity_hint: medium
params:
  service: {prompt: Assistant service, default: support-assistant, pattern: '^[a-z0-9-]+$'}
start: ship
steps:
  ship:
    do: Ship the corrected prompt to ${service}.
    next: check
  check:
    ask: Is the refusal rate back under 2%?
    choices:
      - {label: "Yes", next: done}
      - {label: "No", next: page}
  done:
    outcome: resolved
    say: Fixed forward.
  page:
    outcome: escalate
    say: Page the assistant team's on-call lead.
"""

BROKEN = """\
id: latency
title: Latency regression
version: 1
summary: Answers got slow.
category: infrastructure
severity_hint: medium
start: a
steps:
  a:
    ask: Slow?
    choices:
      - {label: Slow, next: nowhere}
"""

LIBRARY = {"refusal-spike.yaml": REFUSAL_SPIKE, "fix-forward.yaml": FIX_FORWARD, "latency.yaml": BROKEN}


def write_library(folder: Path, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or LIBRARY).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def settings_for(tmp: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {"runbook_dirs": (write_library(tmp / "runbooks"),), "journal_path": tmp / "journal.json",
                              "user": "alice"}
    values.update(changes)
    return Settings(**values)


def fixed_clock() -> Clock:
    return Clock(tz=UTC, fixed=NOW)


class StaticMetrics:
    """A metrics source with fixed values, delivered like the poller delivers them (labelled SIMULATED)."""

    VALUES = {"refusal_rate": (0.124, [0.011, 0.012, 0.015, 0.03, 0.07, 0.11, 0.124]),
              "p95_latency": (0.82, [0.8, 0.81, 0.79, 0.83, 0.82, 0.8, 0.82])}

    def __init__(self, queries: list[Any], on_snapshot: Callable[[Any], None], at: float) -> None:
        self.queries = list(queries)
        self.on_snapshot = on_snapshot
        self.at = at
        self.started = False

    def snapshot(self) -> Any:
        from tui.metrics.readings import Series, Snapshot, SourceStatus, reading_from_samples

        readings = {}
        for q in self.queries:
            value, history = self.VALUES.get(q.name, (1.0, [1.0]))
            points = tuple((self.at - 60 * (len(history) - i), v) for i, v in enumerate(history))
            readings[q.name] = reading_from_samples(q.metric, q.query, [({}, value)], self.at,
                                                    history=(Series({}, points),), simulated=True)
        return Snapshot(readings, self.at, 5.0, SourceStatus("simulated"), simulated=True)

    def start(self) -> None:
        self.started = True
        asyncio.get_running_loop().call_soon(lambda: self.on_snapshot(self.snapshot()))

    def set_queries(self, queries: list[Any]) -> None:
        self.queries = list(queries)
        asyncio.get_running_loop().call_soon(lambda: self.on_snapshot(self.snapshot()))

    async def stop(self) -> None:
        self.started = False


def static_metrics(queries: list[Any], on_snapshot: Callable[[Any], None]) -> StaticMetrics:
    return StaticMetrics(queries, on_snapshot, NOW.timestamp())


class _FixedDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return NOW if tz is not None else NOW.replace(tzinfo=None)


@contextlib.contextmanager
def deterministic_journal() -> Iterator[None]:
    """Fix the journal's wall clock, incident ids and the report's "now" (the journal has no clock to inject).

    Each journal write advances the wall clock by one second from NOW.
    """
    import tui.journal.journal as journal_module
    import tui.report.markdown as report_module
    from tui.journal.clock import iso_utc as real_iso_utc

    ticks = itertools.count()
    base = int(NOW.timestamp() * 1000)

    def wall_ms() -> int:
        return base + 1000 * next(ticks)

    with mock.patch.object(journal_module, "wall_ms", wall_ms), \
            mock.patch.object(journal_module, "iso_utc", lambda ms=None: real_iso_utc(wall_ms() if ms is None else ms)), \
            mock.patch.object(journal_module, "new_incident_id", lambda now=None: "inc-20261122-demo01"), \
            mock.patch.object(report_module, "iso_utc", lambda ms=None: real_iso_utc(base)), \
            mock.patch.object(report_module, "datetime", _FixedDatetime):
        yield


def scene_dir(name: str) -> Path:
    """A fixed, emptied folder per scene: paths shown on screen (the report file) stay the same every run."""
    import shutil

    folder = Path("/tmp/oncall-screens") / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def demo_app(tmp: Path, **changes: Any) -> Any:
    from tui.app.factory import make_app

    return make_app(settings_for(tmp, **changes), clock=fixed_clock(), metrics=static_metrics, cursor_blink=False)


# ---- scenes: each drives a fresh app from the start to one screen -----------------------------------

Scene = Callable[[Any], Awaitable[None]]


async def settle(pilot: Any) -> None:
    """Let workers, timers and messages finish (no sleeps: wait on the app itself)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for(pilot: Any, condition: Callable[[], bool], tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the expected state")


async def picker(pilot: Any) -> None:
    await wait_for(pilot, lambda: pilot.app.loaded is not None)
    await settle(pilot)


async def params(pilot: Any) -> None:
    await picker(pilot)
    await pilot.press(*"refusal", "enter")
    await settle(pilot)


async def question(pilot: Any) -> None:
    await params(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "snapshot", None) is not None)
    await settle(pilot)


async def running(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("1", "R", "2")  # follow_logs: prints three lines, then keeps running
    await wait_for(pilot, lambda: pilot.app.screen.query_one("#output").lines_shown >= 3)
    await pilot.pause()


async def danger(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("1", "1")  # roll-back step
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)


async def help_screen(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def comms(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("u")
    await settle(pilot)


async def report(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("1", "n", *"paged the prompt owner", "enter")
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)


async def chart(pilot: Any) -> None:
    await question(pilot)
    await pilot.press("g")  # the step's metric, refusal_rate, in the terminal
    await settle(pilot)


def keys_after_question(*keys: str) -> Scene:
    """A dialog opened from the first question by `keys`."""
    async def scene(pilot: Any) -> None:
        await question(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return scene


async def output_view(pilot: Any) -> None:
    import tui.launch.command as command

    real = command.new_log_path
    # The view names the run's log; its real name carries the wall-clock time and a random suffix.
    command.new_log_path = lambda runs_dir, prepared, now=None: (
        runs_dir / f"20261122T024800Z-{prepared.runbook_id}-{prepared.name}-5a4b3c.log")
    try:
        await question(pilot)
        await pilot.press("1", "r")  # prompt_history
        await wait_for(pilot, lambda: pilot.app.screen.running is None
                       and pilot.app.screen.query_one("#output").lines_shown)
    finally:
        command.new_log_path = real
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)


# Every dialog, for the 80x24 snapshots (tests/test_snapshots.py): its input and its way out on screen.
DIALOG_SCENES: dict[str, Scene] = {
    "quit": keys_after_question("q"),
    "note": keys_after_question("n", *"paged the prompt owner"),
    "findings": keys_after_question("i"),
    "severity": keys_after_question("s"),
    "roles": keys_after_question("o"),
    "status": keys_after_question("t"),
    "action-item": keys_after_question("a"),
    "pick-command": keys_after_question("1", "R"),
    "output-view": output_view,
}

SCENES: dict[str, Scene] = {
    "picker": picker,
    "params": params,
    "question": question,
    "running-command": running,
    "danger-confirmation": danger,
    "help": help_screen,
    "comms": comms,
    "report": report,
    "chart": chart,
}


async def shoot(name: str, scene: Scene, out: Path, size: tuple[int, int] = SIZE) -> Path:
    with deterministic_journal():
        app = demo_app(scene_dir(name))
        async with app.run_test(size=size) as pilot:
            await scene(pilot)
            return Path(app.save_screenshot(f"{name}.svg", str(out)))


def demo_report(folder: Path) -> Any:
    """The report of a demo refusal spike, fixed in time: the ratio past warn from 02:04, paged at 02:08, rolled
    back at 02:30, contained at 02:31, back under warn by ~02:36, resolved at 02:40 (NOW is 02:48)."""
    import math

    from tui.journal import Journal
    from tui.report.build import assemble
    from tui.report.impact import Curve, Span, measure
    from tui.runbook.library import load_library

    runbook = load_library([write_library(folder / "runbooks")]).get("refusal-spike")
    at = {"min": 8.0}
    start = NOW.timestamp() - 48 * 60  # 02:00

    def ms() -> int:
        return int((start + at["min"] * 60) * 1000)

    journal = Journal(folder / "journal.json", user="alice", sync_on_write="off", now_ms=ms)
    iid = journal.new_incident(runbook.title, runbook=runbook.id, alert="AssistantRefusalSpike",
                               detected_at=datetime.fromtimestamp(ms() / 1000, UTC).isoformat()).id
    steps: list[tuple[float, Callable[[], object]]] = [
        (9, lambda: journal.set_fields(iid, roles={"communications lead": "bob"})),
        (12, lambda: journal.add_event(iid, "command", "ran prompt_history", {
            "command": "prompt_history", "runbook": runbook.id, "title": "Show prompt deploys", "status": "ok",
            "exit_code": 0, "display": "python3 -c 'print(...)'", "output": "v41  02:11  deployed by ci"})),
        (14, lambda: journal.add_event(iid, "decision", "recent-change: Yes, roll it back", {
            "action": "answer", "runbook": runbook.id, "step": "recent-change", "label": "Yes, roll it back"})),
        (20, lambda: journal.add_event(iid, "comms", "[SEV2] Refusal spike: rolling the prompt back",
                                       {"channel": "internal"})),
        (30, lambda: journal.add_event(iid, "command", "ran rollback_prompt", {
            "command": "rollback_prompt", "runbook": runbook.id, "title": "Roll the prompt back", "danger": True,
            "status": "ok", "exit_code": 0, "display": "echo rolled support-assistant back to v40",
            "output": "rolled support-assistant back to v40"})),
        (31, lambda: journal.set_fields(iid, status="contained")),
        (40, lambda: journal.set_fields(
            iid, status="resolved", impact="1 in 8 support answers refused a harmless request",
            trigger="prompt v41 deployed at 02:11", root_cause="v41's safety preamble applied to billing questions",
            five_whys="billing refused; preamble too broad; no billing evals; evals have no owner",
            reached_users="prompt deploys have no canary", what_worked="the refusal alert paged within 4 minutes")),
        (41, lambda: journal.add_action_item(iid, "Add billing cases to the prompt evals", "bob", "2026-12-01")),
    ]
    for minute, write in steps:
        at["min"] = minute
        write()

    def ratio(minute: float) -> float:
        if minute < 4:
            return 0.011
        if minute < 30:
            return min(0.124, 0.011 + 0.03 * (minute - 4))
        return max(0.009, 0.124 * math.exp(-(minute - 30) / 2.2))

    metric = runbook.metrics["refusal_rate"]
    points = tuple((start + i * 30, ratio(i / 2)) for i in range(96))
    curve = Curve(metric, runbook.id, metric.query, points)
    incident = journal.incident(iid)
    now = NOW.timestamp()
    report = assemble(journal, incident, (runbook,), measure(incident, [curve], Span(start - 600, now), now), now)
    return report, journal


def report_page(out: Path) -> Path:
    """screenshots/report-page.png: the HTML report of the demo incident, rendered by headless Chromium."""
    from tests.fixtures.browser import render_png
    from tui.report.build import write_report

    with deterministic_journal():
        folder = scene_dir("report-page")
        report, journal = demo_report(folder)
        try:
            page = folder / "report.html"
            write_report(report, "html", page)
        finally:
            journal.close()
    png = out / "report-page.png"
    done = render_png(page, png, (1000, 2600))
    if done.returncode != 0 or not png.exists():
        raise SystemExit(f"chromium could not render {page}: {done.stderr[-500:]}")
    return png


PAGES = {"report-page": report_page}  # drawn by a browser, not by the app


def main(argv: list[str] | None = None) -> int:
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    names = (argv if argv is not None else sys.argv[1:]) or [*SCENES, *PAGES]
    for name in names:
        path = PAGES[name](out) if name in PAGES else asyncio.run(shoot(name, SCENES[name], out))
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
