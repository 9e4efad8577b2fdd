"""`oncall metrics ID` (a runbook's metrics, evaluated once) and `oncall alerts` (firing alerts and their runbooks)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any, TextIO

from tui.config import Settings, environment_for_labels, environment_values
from tui.errors import OncallError
from tui.metrics.alerts import AlertLink, AlertmanagerClient, Alerts, link_alerts
from tui.metrics.poller import MetricQuery, Poller, metric_queries
from tui.metrics.prometheus import PrometheusClient
from tui.metrics.readings import Reading, Snapshot, finite_or_text
from tui.metrics.settling import Remediation, settle
from tui.metrics.thresholds import state_label
from tui.metrics.units import format_value
from tui.runbook.library import load_library
from tui.runbook.render import check_params, placeholders
from tui.text import json_text, plain_line


def _table(rows: list[list[str]], out: TextIO) -> None:
    rows = [[plain_line(cell) for cell in row] for row in rows]  # outside text, one line a cell
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n")


async def _evaluate(settings: Settings, queries: list[MetricQuery]) -> Snapshot:
    async with PrometheusClient.from_settings(settings) as client:
        # One look, no polls to add points after it: the trend is judged on the recent range at a 1 s step.
        return await Poller(client, queries, interval=settings.poll_interval, trend_step=1.0).poll_once(history=True)


def _reading_json(r: Reading, now: float) -> dict[str, Any]:
    left = r.settles_in(now)
    return {
        "name": r.name, "title": r.title, "query": r.query, "value": finite_or_text(r.value), "state": r.state,
        "unit": r.unit, "display": r.display, "warn": r.metric.warn, "crit": r.metric.crit,
        "direction": r.metric.direction, "error": r.error, "series_total": r.series_total or len(r.series),
        "series": [{"labels": dict(s.labels), "value": finite_or_text(s.value), "state": s.state} for s in r.series],
        "trend": r.trend, "settles_in_s": round(left) if left is not None else None,
        "base_state": r.base_state, "warnings": list(r.warnings),
    }


def _remediation(settings: Settings, incident_id: str) -> Remediation | None:
    """The incident's latest fix, from the journal (the shared file first, when one is set)."""
    from tui.incident.remediation import latest
    from tui.journal import open_journal

    journal = open_journal(settings, sync_on_write="off")
    try:
        if settings.shared_journal is not None:
            status = journal.sync()
            if not status.ok and status.message:
                sys.stderr.write(f"oncall: {plain_line(status.message)}\n")
        incident = journal.incident(incident_id)
        return latest(journal.events(incident.id), incident.contained_at)
    finally:
        journal.close()


def _print_readings(readings: list[Reading], out: TextIO, now: float) -> None:
    rows = [["METRIC", "VALUE", "STATE", "TITLE"]]
    for r in readings:
        rows.append([r.name, r.display, r.label_at(now), r.title])
        if len(r.series) > 1:
            rows += [[f"  {r.series_label(s)}", format_value(s.value, r.unit), state_label(s.state, r.metric), ""]
                     for s in r.series]
    _table(rows, out)
    for r in readings:
        if r.series_note:
            out.write(f"{r.name}: {r.series_note}.\n")
        if r.error:
            out.write(f"{r.name}: {plain_line(r.error)}\n")
        hold = r.hold_text(now)
        if hold:
            out.write(f"{r.name}: {plain_line(hold)}.\n")


def run_metrics(args: argparse.Namespace, settings: Settings) -> int:
    runbook = load_library(settings.runbook_dirs).get(args.id)
    needed = {n for m in runbook.metrics.values() for n in placeholders(m.query)}
    params = check_params(runbook, dict(args.param), needed=needed, env=environment_values(settings))
    fix = _remediation(settings, args.incident) if getattr(args, "incident", None) else None
    queries = metric_queries(runbook, {**params, **environment_values(settings)})  # ${env.NAME} too
    if not queries:
        if args.json:
            print("[]")
        else:
            print(f"Runbook {runbook.id} has no metrics.")
        return 0
    snapshot = asyncio.run(_evaluate(settings, queries))
    now = time.time()
    readings = [settle(r, fix, now) for r in snapshot.readings.values()]
    if not snapshot.source.up:
        raise OncallError(next(r.error for r in readings if r.error))
    if args.json:
        sys.stdout.write(json_text([_reading_json(r, now) for r in readings], indent=2, allow_nan=False) + "\n")
        for r in readings:  # JSON alone on stdout: what was left out, and why to wait, is said on stderr
            if r.series_note:
                sys.stderr.write(f"{r.name}: {plain_line(r.series_note)}.\n")
            hold = r.hold_text(now)
            if hold:
                sys.stderr.write(f"{r.name}: {plain_line(hold)}.\n")
    else:
        _print_readings(readings, sys.stdout, now)
    return 1 if any(r.error for r in readings) else 0


async def _fetch_alerts(settings: Settings, include_suppressed: bool) -> Alerts:
    async with AlertmanagerClient.from_settings(settings) as client:
        return await client.alerts(include_suppressed=include_suppressed)


def _link_json(link: AlertLink, settings: Settings) -> dict[str, Any]:
    a = link.alert
    return {
        "environment": environment_for_labels(settings, a.labels),
        "alertname": a.name, "state": a.state, "startsAt": a.starts_at, "fingerprint": a.fingerprint,
        "labels": dict(a.labels), "annotations": dict(a.annotations), "summary": a.summary,
        "silenced": bool(a.silenced_by), "inhibited": bool(a.inhibited_by),
        "runbook": link.runbook, "runbooks": list(link.runbooks), "params": dict(link.params),
    }


def _since(starts_at: str) -> str:
    """RFC 3339 from Alertmanager as "2026-11-22 23:10:29Z" (UTC, to the second)."""
    return starts_at[:19].replace("T", " ") + "Z" if len(starts_at) >= 19 else starts_at


def run_alerts(args: argparse.Namespace, settings: Settings) -> int:
    alerts = asyncio.run(_fetch_alerts(settings, args.all))
    links = link_alerts(alerts, load_library(settings.runbook_dirs).runbooks)
    if alerts.note:
        sys.stderr.write(f"oncall: {alerts.note}.\n")
    if args.json:
        sys.stdout.write(json_text([_link_json(link, settings) for link in links], indent=2) + "\n")
        return 0
    if not links:
        print("No firing alerts." if not args.all else "No active alerts.")
        return 0
    rows = [["ALERT", "SINCE", "RUNBOOK", "PARAMS", "SUMMARY"]]
    for link in links:
        a = link.alert
        name = a.name + (" (silenced)" if a.silenced_by else " (inhibited)" if a.inhibited_by else "")
        params = " ".join(f"{k}={v}" for k, v in link.params.items())
        rows.append([name, _since(a.starts_at), link.runbook or "(no runbook)", params, a.summary])
    _table(rows, sys.stdout)
    return 0
