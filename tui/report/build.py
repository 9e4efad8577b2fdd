"""Build the whole report of one incident: read the metrics, draw the charts, write Markdown or one HTML page.

Markdown goes with its charts as SVG files beside it (`NAME-<runbook>-<metric>.svg`, linked
relatively, so the folder can be moved or attached as it is). The HTML page is one
self-contained file: the Markdown rendered by markdown-it with raw HTML off (the report
already escaped what it quotes), the charts inline, a small stylesheet, no script.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from tui.atomic import atomic_write
from tui.errors import OncallError
from tui.journal.model import Incident
from tui.report.chart import render_svg
from tui.report.fetch import CurveSource, measure_incident
from tui.report.impact import Impact
from tui.report.keys import report_keys
from tui.report.markdown import curve_key, event_marks, render_report
from tui.runbook.model import Runbook
from tui.text import md_text, plain_line

FORMATS = ("md", "html")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #c0392b; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; }
td, th { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
code, pre { background: #f4f4f4; font-size: .9em; }
pre { padding: .5rem; overflow-x: auto; }
figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; border: 1px solid #eee; }
"""


@dataclass(frozen=True)
class Report:
    incident: Incident
    impact: Impact
    runbooks: tuple[Runbook, ...]
    svgs: dict[str, tuple[str, str]]  # curve key -> (metric title, SVG document)
    journal: Any
    now: float | None = None
    keys: Mapping[str, str] | None = None  # the incident screen's keys the gaps name (tui.report.keys)

    def markdown(self, chart_files: dict[str, str] | None = None) -> str:
        """The Markdown; `chart_files` maps a curve key to the SVG file it links to (none: charts not linked)."""
        charts = {key: f"![Chart: {md_text(title)}]({chart_files[key]})"
                  for key, (title, _) in self.svgs.items() if chart_files and key in chart_files}
        return render_report(self.journal, self.incident.id, runbooks=self.runbooks, impact=self.impact,
                             charts=charts, now=self.now, keys=self.keys)

    def html(self) -> str:
        """One self-contained page: the Markdown rendered without raw HTML, each chart inline where it belongs."""
        from markdown_it import MarkdownIt  # only an HTML export needs it

        nonce = secrets.token_hex(8)  # a placeholder no outside text can guess, so none can stand in for a chart
        tokens = {key: f"oncall-chart-{nonce}-{i}" for i, key in enumerate(self.svgs)}
        text = render_report(self.journal, self.incident.id, runbooks=self.runbooks, impact=self.impact,
                             charts=tokens, now=self.now, keys=self.keys)
        body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
        for key, token in tokens.items():
            title, svg = self.svgs[key]
            figure = f'<figure aria-label="{escape(plain_line(title))}">{svg}</figure>'
            body = body.replace(f"<p>{token}</p>", figure)
        title = escape(plain_line(f"Post-incident report: {self.incident.title}"))
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
                f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
                f'img-src data:">\n<title>{title}</title>\n<style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n')


def incident_runbooks(settings: Any, incident: Incident) -> tuple[Runbook, ...]:
    """The incident's runbooks that load (a runbook removed since is skipped: the journal still has its story)."""
    if not incident.runbooks or not getattr(settings, "runbook_dirs", None):
        return ()
    from tui.runbook.library import load_library

    library = load_library(settings.runbook_dirs)
    found = []
    for rid in incident.runbooks:
        try:
            found.append(library.get(rid))
        except OncallError:
            continue
    return tuple(found)


def build_report(journal: Any, incident_id: str, settings: Any, *, runbooks: Sequence[Runbook] | None = None,
                 now: float | None = None, source: CurveSource | None = None) -> Report:
    """Read the metrics (when Prometheus is set and answers; a drill's from `source`) and draw a chart per
    metric that has samples."""
    incident = journal.incident(incident_id)
    books = tuple(runbooks) if runbooks is not None else incident_runbooks(settings, incident)
    return assemble(journal, incident, books, measure_incident(settings, incident, books, now, source), now,
                    keys=report_keys(getattr(settings, "keymap", None)))


def assemble(journal: Any, incident: Incident, books: tuple[Runbook, ...], impact: Impact,
             now: float | None = None, keys: Mapping[str, str] | None = None) -> Report:
    """The report of an impact already measured: a chart per metric that has samples."""
    marks = event_marks(incident, journal.events(incident.id), books)
    svgs: dict[str, tuple[str, str]] = {}
    if impact.span is not None:
        for curve, window in impact.per_metric:
            if curve.points:
                svgs[curve_key(curve)] = (curve.metric.title, render_svg(curve, impact.span, window, marks))
    return Report(incident, impact, books, svgs, journal, now, keys)


@dataclass(frozen=True)
class Written:
    path: Path
    fmt: str
    charts: int  # drawn: inline in the page, or as the files below beside the Markdown
    files: tuple[Path, ...] = ()
    measured: bool = False  # the metrics were read

    @property
    def sentence(self) -> str:
        """What was written where, for the CLI and the app."""
        n = f"{self.charts} chart{'s' if self.charts != 1 else ''}"
        why = "" if self.charts else " (no charts: " + ("no metric had samples)" if self.measured else
                                                        "the metrics were not read)")
        if self.fmt == "html":
            return f"Wrote the report as one HTML page to {self.path}" + (f" with {n} inline." if self.charts else why + ".")
        if not self.charts:
            return f"Wrote the report (Markdown) to {self.path}{why}."
        return f"Wrote the report (Markdown) to {self.path} and {n} beside it ({self.files[0].name}" + (
            ", ..." if len(self.files) > 1 else "") + ")."


def chart_names(report: Report, stem: str) -> dict[str, str]:
    return {key: _UNSAFE_NAME.sub("_", f"{stem}-{key.replace('.', '-')}") + ".svg" for key in report.svgs}


def write_report(report: Report, fmt: str, out: Path) -> Written:
    """Write `report` to `out` (folders created) as Markdown with SVGs beside it, or as one HTML page."""
    if fmt not in FORMATS:
        raise OncallError(f"Unknown report format {fmt!r}; use md or html.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        measured = bool(report.impact.per_metric)  # the metrics were read (whether or not they had samples)
        if fmt == "html":
            atomic_write(out, report.html().encode())
            return Written(out, fmt, len(report.svgs), measured=measured)
        names = chart_names(report, out.stem)
        files = []
        for key, name in names.items():
            path = out.with_name(name)
            atomic_write(path, report.svgs[key][1].encode())
            files.append(path)
        atomic_write(out, report.markdown(names).encode())
    except OSError as exc:
        raise OncallError(f"Cannot write the report to {out}: {exc.strerror or exc}; choose another --out.") from None
    return Written(out, fmt, len(files), tuple(files), measured)
