"""`oncall metrics ID` (a runbook's metrics, evaluated once) and `oncall alerts` (firing alerts and their runbooks)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

from tui.config import Settings, environment_for_labels, environment_values
from tui.errors import OncallError
from tui.metrics.alerts import AlertLink, AlertmanagerClient, Alerts, link_alerts
from tui.metrics.poller import MetricQuery, Poller, metric_queries
from tui.metrics.prometheus import PrometheusClient
from tui.metrics.readings import Reading, Snapshot, finite_or_text
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
        return await Poller(client, queries, interval=settings.poll_interval).poll_once()


def _reading_json(r: Reading) -> dict[str, Any]:
    return {
        "name": r.name, "title": r.title, "query": r.query, "value": finite_or_text(r.value), "state": r.state,
        "unit": r.unit, "display": r.display, "warn": r.metric.warn, "crit": r.metric.crit,
        "direction": r.metric.direction, "error": r.error, "series_total": r.series_total or len(r.series),
        "series": [{"labels": dict(s.labels), "value": finite_or_text(s.value), "state": s.state} for s in r.series],
    }


def _print_readings(readings: list[Reading], out: TextIO) -> None:
    rows = [["METRIC", "VALUE", "STATE", "TITLE"]]
    for r in readings:
        rows.append([r.name, r.display, r.label, r.title])
        if len(r.series) > 1:
            rows += [[f"  {r.series_label(s)}", format_value(s.value, r.unit), state_label(s.state, r.metric), ""]
                     for s in r.series]
    _table(rows, out)
    for r in readings:
        if r.series_note:
            out.write(f"{r.name}: {r.series_note}.\n")
        if r.error:
            out.write(f"{r.name}: {plain_line(r.error)}\n")


def run_metrics(args: argparse.Namespace, settings: Settings) -> int:
    runbook = load_library(settings.runbook_dirs).get(args.id)
    needed = {n for m in runbook.metrics.values() for n in placeholders(m.query)}
    params = check_params(runbook, dict(args.param), needed=needed)
    queries = metric_queries(runbook, {**params, **environment_values(settings)})  # ${env.NAME} too
    if not queries:
        if args.json:
            print("[]")
        else:
            print(f"Runbook {runbook.id} has no metrics.")
        return 0
    snapshot = asyncio.run(_evaluate(settings, queries))
    readings = list(snapshot.readings.values())
    if not snapshot.source.up:
        raise OncallError(next(r.error for r in readings if r.error))
    if args.json:
        sys.stdout.write(json_text([_reading_json(r) for r in readings], indent=2, allow_nan=False) + "\n")
        for r in readings:  # JSON alone on stdout: what was left out is said on stderr
            if r.series_note:
                sys.stderr.write(f"{r.name}: {plain_line(r.series_note)}.\n")
    else:
        _print_readings(readings, sys.stdout)
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
