"""Validate a drill scenario against the runbook it exercises, with `file:line:col` problems.

Structure is checked by the runbook validator's checker on the scenario spec;
then the references: every runbook metric has a series, every series is read
by the runbook's own query (with the runbook's default parameters) and every
selector of the query is fed by an export, commands and the expected path exist,
and a dry run shows the page firing and the fix bringing every metric back.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tui import promql
from tui.drill import spec as ds
from tui.drill.scenario import DEFAULT_BUCKETS, AlertRule, Change, Curve, Expected, Export, Scenario, Script
from tui.errors import OncallError
from tui.metrics.thresholds import classify
from tui.promql import LABEL_NAME, METRIC_NAME
from tui.runbook.loader import compose, pos
from tui.runbook.model import Runbook
from tui.runbook.problem import Problem
from tui.runbook.readfile import read_text
from tui.runbook.render import check_params, render_query
from tui.runbook.validate import BAD, At, Checked, Checker, items, mapping  # the runbook checker, reused on the scenario spec

Where = tuple[int, int]
# Series a Prometheus makes itself (per scrape target, and for its alerts): no scenario exports them.
PROMETHEUS_OWN = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
                            "scrape_samples_post_metric_relabeling", "ALERTS", "ALERTS_FOR_STATE"})
DRY_RUN_SEEDS = (0, 1, 2, 3)
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text: str) -> float:
    """`-12m`, `90s`, `1.5h` in seconds (the spec has checked the shape)."""
    return float(text[:-1]) * _UNIT[text[-1]]


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _listing(options: Iterable[str]) -> str:
    opts = sorted(options)
    return ", ".join(opts[:12]) + (", ..." if len(opts) > 12 else "") if opts else "none"


def export_series(export: Export) -> list[tuple[str, dict[str, str]]]:
    """The (sample name, labels) pairs an export produces, as Prometheus will store them."""
    base = dict(export.labels)
    if export.kind == "gauge" or export.kind == "counter":
        return [(export.name, base)]
    if export.kind == "ratio":
        out = [(export.name, {**base, **export.hit})]
        if export.total is not None:
            out.append((export.total, base))
        else:
            out.append((export.name, {**base, **(export.rest or {})}))
        return out
    buckets = [*(f"{b:g}" for b in export.buckets), "+Inf"]
    return ([(f"{export.name}_bucket", {**base, "le": le}) for le in buckets]
            + [(f"{export.name}_count", base), (f"{export.name}_sum", base)])


class _ScenarioChecker:
    def __init__(self, c: Checker, d: dict[str, Checked], runbooks: Mapping[str, Runbook],
                 broken: Mapping[str, str]) -> None:
        self.c, self.d, self.runbooks, self.broken = c, d, runbooks, broken

    def at(self, *kp: str | int) -> Where:
        for n in range(len(kp), -1, -1):
            node = self.c.where.get(kp[:n])
            if node is not None:
                return pos(node)
        return (1, 1)

    def key_at(self, *kp: str | int) -> Where:
        node = self.c.where.get(kp + ("<key>",))
        return pos(node) if node is not None else self.at(*kp)

    def error(self, where: Where, message: str) -> None:
        self.c.error(where, message)

    # ------------------------------------------------------------------------------
    def run(self) -> None:
        d = self.d
        runbook_id = d.get("runbook")
        if not isinstance(runbook_id, str):
            return
        runbook = self.runbooks.get(runbook_id)
        if runbook is None and runbook_id in self.broken:
            self.error(self.at("runbook"), f"runbook {runbook_id!r} is broken ({self.broken[runbook_id]}); "
                                           "fix it first")
            return
        if runbook is None:
            self.error(self.at("runbook"), f"runbook {runbook_id!r} is not in the library"
                       + (_suggest(runbook_id, self.runbooks) or f" (runbooks: {_listing(self.runbooks)})"))
            return
        series = mapping(d.get("series"))
        self.curves_shape(series)
        self.metrics(runbook, series)
        self.alerts(runbook, series)
        self.commands(runbook)
        self.expected(runbook)

    def curves_shape(self, series: dict[str, Checked]) -> None:
        for name, curve in series.items():
            if not isinstance(curve, dict):
                continue
            last = None
            for i, ch in enumerate(items(curve.get("changes"))):
                if not isinstance(ch, dict) or not isinstance(when := ch.get("at"), str):
                    continue
                at = seconds(when)
                if last is not None and at < last:
                    self.error(self.at("series", name, "changes", i, "at"),
                               f"series.{name}.changes[{i + 1}] starts before the change above it; "
                               "list the changes in time order")
                last = at
                if "for" in ch and "spike" not in ch:
                    self.error(self.key_at("series", name, "changes", i, "for"),
                               f"series.{name}.changes[{i + 1}]: 'for' goes with spike; a move uses 'over'")
                if "over" in ch and "to" not in ch:
                    self.error(self.key_at("series", name, "changes", i, "over"),
                               f"series.{name}.changes[{i + 1}]: 'over' goes with to; a spike uses 'for'")
            lo, hi = curve.get("min"), curve.get("max")
            if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
                self.error(self.at("series", name, "min"), f"series.{name}: min {lo:g} is above max {hi:g}")
            for i, ex in enumerate(items(curve.get("export"))):
                if isinstance(ex, dict):
                    self.export_shape(name, i, ex, curve)

    def export_shape(self, metric: str, i: int, ex: dict[str, Checked], curve: dict[str, Checked]) -> None:
        label = f"series.{metric}.export[{i + 1}]"
        kp = ("series", metric, "export", i)
        kinds = [(k, v) for k in ("gauge", "counter", "ratio", "histogram") if isinstance(v := ex.get(k), str)]
        if len(kinds) != 1:
            return
        kind, name = kinds[0]
        if not METRIC_NAME.match(name):
            self.error(self.at(*kp, kind), f"{label}: {name!r} is not a Prometheus metric name "
                                           "(letters, digits, _ and :, not starting with a digit)")
        for key in ("labels", "hit", "rest"):
            for lname in mapping(ex.get(key)):
                if not LABEL_NAME.match(lname) or lname.startswith("__") or lname == "le":
                    self.error(self.at(*kp, key, lname), f"{label}.{key}: {lname!r} is not a label name you can "
                                                         "export (letters, digits and _, not le or __...)")
        allowed = {"gauge": {"labels", "scale", "add", "ago"},
                   "counter": {"labels", "scale", "add", "per"},
                   "ratio": {"labels", "scale", "add", "hit", "rest", "total", "per_second", "gauges"},
                   "histogram": {"labels", "scale", "add", "per_second", "quantile", "buckets"}}[kind]
        for key in ex:
            if key != kind and key not in allowed:
                self.error(self.key_at(*kp, key), f"{label}: a {kind} export has no {key!r} "
                                                  f"(allowed: {', '.join(sorted(allowed))})")
        if kind in ("counter", "ratio") and not ex.get("gauges") and not name.endswith("_total"):
            self.error(self.at(*kp, kind), f"{label}: counter names end in _total; write {name}_total")
        if kind == "ratio":
            if ("rest" in ex) == ("total" in ex):
                self.error(self.at(*kp), f"{label}: a ratio needs exactly one of rest (the remainder, same name) "
                                         "or total (a separate denominator)")
            if "total" not in ex and not ex.get("hit"):
                self.error(self.at(*kp), f"{label}: a ratio needs hit: the labels that mark its numerator")
            total = ex.get("total")
            if isinstance(total, str) and not ex.get("gauges") and not total.endswith("_total"):
                self.error(self.at(*kp, "total"), f"{label}.total: counter names end in _total")
        if kind == "histogram":
            q = ex.get("quantile")
            if isinstance(q, float) and not 0 < q < 1:
                self.error(self.at(*kp, "quantile"), f"{label}.quantile must be between 0 and 1, such as 0.95")
            buckets = items(ex.get("buckets"))
            floats = [b for b in buckets if isinstance(b, float)]
            if len(floats) == len(buckets) and sorted(set(floats)) != floats:
                self.error(self.at(*kp, "buckets"), f"{label}.buckets must be ascending, each once")
        # The exported value must make sense for the kind: a share between 0 and 1, a quantile in the buckets.
        scale = given if isinstance(given := ex.get("scale"), float) else 1.0
        add = given if isinstance(given := ex.get("add"), float) else 0.0
        levels = [curve.get("baseline")] + [ch.get("to", ch.get("spike")) for ch in items(curve.get("changes"))
                                            if isinstance(ch, dict)]
        values = [(v + add) * scale for v in levels if isinstance(v, float)]
        if kind == "ratio" and any(not 0 <= v <= 1 for v in values):
            self.error(self.at(*kp), f"{label}: a ratio exports a share between 0 and 1, but this curve reaches "
                                     f"{max(values, key=lambda v: abs(v - 0.5)):g}; use scale/add or a gauge")
        if kind == "histogram":
            listed = ex.get("buckets")
            bounds = listed if isinstance(listed, list) else list(DEFAULT_BUCKETS)
            top = max((b for b in bounds if isinstance(b, float)), default=None)
            if top is not None and any(v > top or v <= 0 for v in values):
                self.error(self.at(*kp), f"{label}: the quantile reaches {max(values):g}, outside the buckets "
                                         f"(0, {top:g}]; add a larger bucket or change the scale")
        if kind == "counter" and any(v < 0 for v in values):
            self.error(self.at(*kp), f"{label}: a counter cannot fall; its value must stay at or above 0")

    def metrics(self, runbook: Runbook, series: dict[str, Checked]) -> None:
        for name in runbook.metrics:
            if name not in series and self.d.get("series") is not BAD:
                self.error(self.key_at("series"), f"series: the runbook's metric {name!r} has no series; "
                                                  f"add series.{name} with its baseline and export")
        for name in series:
            if name not in runbook.metrics:
                self.error(self.key_at("series", name), f"series.{name}: runbook {runbook.id} has no metric "
                           f"{name!r}" + (_suggest(name, runbook.metrics)
                                          or f" (its metrics: {_listing(runbook.metrics)})"))
        if any(p.is_error for p in self.c.problems):
            return  # exports are half-read; matching them against the queries would only add noise
        try:
            values = check_params(runbook, {})
        except OncallError as exc:
            self.error(self.at("runbook"), f"runbook {runbook.id}: {exc} A scenario uses the runbook's defaults.")
            return
        built = {name: _curve(name, c) for name, c in series.items() if isinstance(c, dict)}  # all are: no errors
        produced = [(n, labels) for curve in built.values() for ex in curve.exports for n, labels in export_series(ex)]
        owner: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        kinds: dict[str, tuple[str, str]] = {}
        for name, curve in built.items():
            for i, ex in enumerate(curve.exports):
                kind = ("gauge" if ex.kind == "gauge" or (ex.kind == "ratio" and ex.gauges)
                        else "histogram" if ex.kind == "histogram" else "counter")
                for n, labels in export_series(ex):
                    shown = n + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
                    key = (n, tuple(sorted(labels.items())))
                    if key in owner and owner[key] != f"{name}/{i}":
                        self.error(self.at("series", name, "export", i), f"series.{name}.export[{i + 1}]: {shown} "
                                   f"is exported twice (also by series.{owner[key].split('/')[0]}); one series, "
                                   "one value: change a label")
                    owner.setdefault(key, f"{name}/{i}")
                    if n in kinds and kinds[n][0] != kind:
                        self.error(self.at("series", name, "export", i), f"series.{name}.export[{i + 1}]: {n} is "
                                   f"a {kind} here and a {kinds[n][0]} in series.{kinds[n][1]}; a name has one type")
                    kinds.setdefault(n, (kind, name))
        if any(p.is_error for p in self.c.problems):
            return
        for name, metric in runbook.metrics.items():
            if name not in built:
                continue
            query = render_query(metric.query, values)
            try:
                sels = promql.parse(query).selectors
            except promql.PromQLError as exc:
                self.error(self.key_at("series", name), f"series.{name}: the runbook's query does not parse as "
                           f"PromQL ({exc.reason}); fix the query in runbook {runbook.id}")
                continue
            for sel in sels:
                if sel.name in PROMETHEUS_OWN:
                    continue
                if not any(sel.accepts(n, labels) for n, labels in produced):
                    self.error(self.key_at("series", name),
                               f"series.{name}: the runbook's query reads {sel}, which no export of this scenario "
                               f"produces; add an export with that name and labels")
            for i, ex in enumerate(built[name].exports):
                for n, labels in export_series(ex):
                    if ex.kind == "histogram" and not n.endswith("_bucket"):
                        continue  # _count and _sum come with every histogram; the query need not read them
                    if any(sel.accepts(n, labels) for sel in sels):
                        continue
                    shown = n + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
                    reads = ", ".join(dict.fromkeys(str(s) for s in sels)) or "no labelled series"
                    self.error(self.at("series", name, "export", i),
                               f"series.{name}.export[{i + 1}]: {shown} is not read by the runbook's query "
                               f"(it reads {reads}); fix the name or labels")
            if built[name].exports == () and not sels:
                self.error(self.key_at("series", name), f"series.{name}: nothing is exported for this metric")

    def alerts(self, runbook: Runbook, series: dict[str, Checked]) -> None:
        seen: dict[str, int] = {}
        for i, alert in enumerate(items(self.d.get("alerts"))):
            if not isinstance(alert, dict):
                continue
            name, metric, state = alert.get("alertname"), alert.get("metric"), alert.get("state")
            if isinstance(name, str):
                if name in seen:
                    self.error(self.at("alerts", i, "alertname"), f"alerts[{i + 1}]: alert {name!r} is listed twice "
                                                                  f"(first as alerts[{seen[name] + 1}])")
                seen.setdefault(name, i)
            if isinstance(metric, str) and metric not in runbook.metrics:
                self.error(self.at("alerts", i, "metric"), f"alerts[{i + 1}].metric: runbook {runbook.id} has no "
                           f"metric {metric!r}" + _suggest(metric, runbook.metrics))
            elif isinstance(metric, str) and isinstance(state, str):
                line = getattr(runbook.metrics[metric], state)
                if line is None:
                    self.error(self.at("alerts", i, "state"), f"alerts[{i + 1}]: metric {metric} has no {state} "
                                                              f"line in the runbook, so it can never be {state}")

    def commands(self, runbook: Runbook) -> None:
        scripts = mapping(self.d.get("commands"))
        for name in scripts:
            if name not in runbook.commands:
                self.error(self.key_at("commands", name), f"commands.{name}: runbook {runbook.id} has no command "
                           f"{name!r}" + (_suggest(name, runbook.commands)
                                          or f" (its commands: {_listing(runbook.commands)})"))
        for i, fix in enumerate(items(mapping(self.d.get("fix")).get("commands"))):
            if not isinstance(fix, str):
                continue
            if fix not in runbook.commands:
                self.error(self.at("fix", "commands", i), f"fix.commands[{i + 1}]: runbook {runbook.id} has no "
                           f"command {fix!r}" + _suggest(fix, runbook.commands))
            elif fix not in scripts:
                self.error(self.at("fix", "commands", i), f"fix.commands[{i + 1}]: {fix} has no scripted output; "
                                                          f"add commands.{fix}")
        for i, sid in enumerate(items(mapping(self.d.get("expected")).get("path"))):
            step = runbook.steps.get(sid) if isinstance(sid, str) else None
            if step is None:
                continue
            for offered in step.offered_commands:
                if offered not in scripts:
                    self.error(self.at("expected", "path", i), f"expected.path[{i + 1}]: step {sid} offers "
                               f"{offered}, which has no scripted output; add commands.{offered}")

    def expected(self, runbook: Runbook) -> None:
        expected = mapping(self.d.get("expected"))
        path = items(expected.get("path"))
        prev: str | None = None
        for i, sid in enumerate(path):
            if not isinstance(sid, str):
                prev = None
                continue
            where = self.at("expected", "path", i)
            if sid not in runbook.steps:
                self.error(where, f"expected.path[{i + 1}]: runbook {runbook.id} has no step {sid!r}"
                           + _suggest(sid, runbook.steps))
                prev = None
                continue
            if i == 0 and sid != runbook.start:
                self.error(where, f"expected.path starts at {sid}, but the runbook starts at {runbook.start}")
            if prev is not None and sid not in runbook.steps[prev].targets:
                self.error(where, f"expected.path[{i + 1}]: step {prev} does not lead to {sid} "
                                  f"(it leads to {', '.join(runbook.steps[prev].targets)})")
            prev = sid
        end = path[-1] if path else None
        if isinstance(end, str) and end in runbook.steps:
            last = runbook.steps[end]
            outcome = given if isinstance(given := expected.get("outcome"), str) else "resolved"
            if last.kind != "outcome":
                self.error(self.at("expected", "path", len(path) - 1),
                           f"expected.path ends at {last.id}, which is not an outcome step; walk it to the end")
            elif last.outcome != outcome:
                self.error(self.at("expected", "path", len(path) - 1),
                           f"expected.path ends at {last.id} ({last.outcome}), but expected.outcome is {outcome}")


def _dry_run(c: Checker, scenario: Scenario, runbook: Runbook, at: At) -> None:
    """The drill must work: a healthy baseline, the page firing at time 0, the fix restoring every metric."""
    for name, curve in scenario.curves.items():
        metric = runbook.metrics[name]
        if curve.recovers and classify(curve.baseline, metric) != "ok":
            c.error(at("series", name, "baseline"), f"series.{name}.baseline {curve.baseline:g} is already "
                                                    f"{classify(curve.baseline, metric)}; a drill starts from a healthy baseline")
    if scenario.alerts:
        from tui.drill.sim import Simulation  # the dry run is the real simulation at fixed times

        page = scenario.alerts[0].alertname
        for seed in DRY_RUN_SEEDS:  # the noise must not decide whether the drill starts
            sim = Simulation(scenario, runbook, seed=seed)
            if page not in {a.alertname for a in sim.alerts_at(0.0)}:
                c.error(at("alerts"), f"alerts: {page} does not fire at the page (time 0s) with seed {seed}; "
                                      "move the changes earlier, lower its for:, or the noise")
                break
        sim.fix(0.0)
        # a query's window still holds the incident for that long after the service recovered
        after = scenario.recovery + max(sim.window(a.metric) for a in scenario.alerts) + 120.0
        still = [a.alertname for a in sim.alerts_at(after)]
        if still:
            c.error(at("fix"), f"fix: {', '.join(still)} still fire {after:g}s after the fix; "
                               "let the affected series recover")


def _curve(name: str, d: dict[str, Any]) -> Curve:
    changes = []
    for ch in d.get("changes", []):
        changes.append(Change(at=seconds(ch["at"]), to=ch.get("to"), over=seconds(ch.get("over", "0s")),
                              spike=ch.get("spike"), hold=seconds(ch.get("for", "0s"))))
    exports = []
    for ex in d.get("export", []):
        kind = next(k for k in ("gauge", "counter", "ratio", "histogram") if k in ex)
        exports.append(Export(
            kind=kind, name=ex[kind], labels=dict(ex.get("labels", {})), scale=ex.get("scale", 1.0),
            add=ex.get("add", 0.0), per=seconds(ex.get("per", "1s")), hit=dict(ex.get("hit", {})),
            rest=dict(ex["rest"]) if "rest" in ex else None, total=ex.get("total"),
            per_second=ex.get("per_second", 10.0), gauges=ex.get("gauges", False),
            quantile=ex.get("quantile", 0.95), buckets=tuple(ex.get("buckets", DEFAULT_BUCKETS)),
            ago=ex.get("ago", False),
        ))
    return Curve(metric=name, baseline=d["baseline"], noise=d.get("noise", 0.0), changes=tuple(changes),
                 recovers=d.get("recovers", True), minimum=d.get("min"), maximum=d.get("max"),
                 integer=d.get("integer", False), exports=tuple(exports))


def _build(d: dict[str, Any], path: Path | None) -> Scenario:
    scripts = {n: Script(n, s["output"], s.get("exit", 0), s.get("after_fix"), s.get("after_fix_exit"),
                         s.get("seconds", 1.0)) for n, s in d.get("commands", {}).items()}
    alerts = tuple(AlertRule(a["alertname"], a["metric"], a["state"], seconds(a.get("for", "1m")),
                             dict(a.get("labels", {})), a.get("summary", "")) for a in d.get("alerts", []))
    exp = d["expected"]
    return Scenario(
        id=d["id"], title=d["title"], runbook=d["runbook"], summary=d["summary"], briefing=d.get("briefing", ""),
        curves={n: _curve(n, c) for n, c in d["series"].items()},
        fix_commands=tuple(d["fix"]["commands"]), recovery=seconds(d["fix"].get("recovery", "1m")),
        expected=Expected(tuple(exp["path"]), exp.get("outcome", "resolved"), exp.get("severity")),
        alerts=alerts, scripts=scripts, tags=tuple(d.get("tags", ())), path=path,
    )


def validate_scenario_text(text: str, path: str | Path, runbooks: Mapping[str, Runbook],
                           broken: Mapping[str, str] | None = None) -> tuple[Scenario | None, list[Problem]]:
    """The scenario (None when any error was found) and every problem, in file order."""
    name = str(path)
    try:
        node, problems = compose(text, name)
        if node is None:
            return None, [Problem(p.path, p.line, p.col, p.message.replace("a runbook needs", "a scenario needs"),
                                  p.severity) for p in problems]
        checker = Checker(name, document="the scenario")
        data = checker.check_document(node, ds.SCENARIO)
        if not isinstance(data, dict):
            return None, sorted(checker.problems, key=lambda p: (p.line, p.col))
        _ScenarioChecker(checker, data, runbooks, broken or {}).run()
        scenario = None
        if not any(p.is_error for p in checker.problems):
            scenario = _build(data, Path(path))
            runbook = runbooks[scenario.runbook]

            def at(*kp: str | int) -> Where:  # a whole section is pointed at by its key
                node = checker.where.get(kp + ("<key>",)) or checker.where.get(kp) or checker.where.get(kp[:-1])
                return pos(node) if node is not None else (1, 1)

            _dry_run(checker, scenario, runbook, at)
        problems = sorted(checker.problems, key=lambda p: (p.line, p.col))
        if any(p.is_error for p in problems):
            return None, problems
        return scenario, problems
    except Exception as exc:  # a bug of ours must not stop the other scenarios from loading
        return None, [Problem(name, 1, 1, f"internal error while validating ({type(exc).__name__}: {exc}); "
                                          "please report it with this file")]


def load_scenario_file(path: Path, runbooks: Mapping[str, Runbook], broken: Mapping[str, str] | None = None
                       ) -> tuple[Scenario | None, list[Problem]]:
    text, problems = read_text(path)
    if text is None:
        return None, problems
    return validate_scenario_text(text, path, runbooks, broken)


__all__ = ["Problem", "export_series", "load_scenario_file", "seconds", "validate_scenario_text"]
