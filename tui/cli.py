"""The `oncall` command line.

Only argparse is imported here; each command's module is imported when it runs,
so `oncall validate` never pays for Textual or httpx.
Exit codes: 0 done, 1 the check failed or the thing was not found, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.config import Settings

# command -> "module:function"; each function takes (args, settings) and returns an exit code.
HANDLERS = {
    "app": "tui.commands.app_cmd:run_app",
    "drill": "tui.commands.drill_cmd:run_drill",
    "simulate": "tui.commands.drill_cmd:run_simulate",
    "validate": "tui.commands.runbooks_cmd:run_validate",
    "lint": "tui.commands.runbooks_cmd:run_lint",
    "list": "tui.commands.runbooks_cmd:run_list",
    "print": "tui.commands.runbooks_cmd:run_print",
    "schema": "tui.commands.runbooks_cmd:run_schema",
    "run": "tui.commands.run_cmd:run_command",
    "metrics": "tui.commands.metrics_cmd:run_metrics",
    "alerts": "tui.commands.metrics_cmd:run_alerts",
    "journal": "tui.commands.journal_cmd:run_journal",
    "silence": "tui.commands.comms_cmd:run_silence",
}


class Parser(argparse.ArgumentParser):
    """A parser that takes no flag by abbreviation: `--y` must never mean `--yes`.

    add_subparsers() builds subparsers of the parser's own class, so every level refuses them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # argparse.ArgumentParser's own arguments
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def _common(*, runbooks: bool = True, prometheus: bool = False, alertmanager: bool = False, journal: bool = False) -> Parser:
    # SUPPRESS keeps a subcommand's absent flag from hiding the same flag given before it.
    p = Parser(add_help=False)
    s = argparse.SUPPRESS
    p.add_argument("--env", metavar="NAME", default=s,
                   help="the environment to act in (config.yaml's environments; ONCALL_ENV)")
    if runbooks:
        p.add_argument("--runbooks", action="append", metavar="DIR", default=s,
                       help="runbook folder (repeatable; replaces the configured ones)")
    if prometheus:
        p.add_argument("--prometheus", metavar="URL", default=s, help="Prometheus base URL")
    if alertmanager:
        p.add_argument("--alertmanager", metavar="URL", default=s, help="Alertmanager base URL")
    if journal:
        p.add_argument("--journal", metavar="PATH", default=s, help="local journal file")
        p.add_argument("--shared", metavar="PATH", default=s, help="shared journal file")
        p.add_argument("--user", metavar="NAME", default=s, help="your name in the journal")
    return p


def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected K=V, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    everything = _common(prometheus=True, alertmanager=True, journal=True)
    parser = Parser(
        prog="oncall", parents=[everything],
        description="Guided incident response for AI systems: runbooks, live metrics, commands and a shared journal.",
    )
    parser.add_argument("--version", action="version", version="oncall 0.1.0")
    parser.add_argument("--alert", metavar="NAME", help="open the runbook of this firing alert")
    parser.add_argument("--runbook", metavar="ID", help="open this runbook directly")
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse every danger command")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (e.g. high-contrast)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("drill", parents=[_common(journal=True)], help="practise on a simulated AI service")
    p.add_argument("scenario", nargs="?", help="scenario id (a picker when omitted)")
    p.add_argument("--list", action="store_true", help="list the scenarios")
    p.add_argument("--json", action="store_true", help="with --list: JSON output")
    p.add_argument("--speed", type=float, default=1.0, help="simulated time runs this many times faster")
    p.add_argument("--seed", type=int, default=0, help="random seed of the simulation")

    p = sub.add_parser("simulate", parents=[_common()], help="serve a scenario's metrics for Prometheus")
    p.add_argument("scenario")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("validate", parents=[_common()], help="validate runbook files or folders")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="Prometheus rule file whose alerts must each open a runbook (repeatable)")

    p = sub.add_parser("lint", parents=[_common()], help="validate plus policy: danger marks, pipelines, reviews")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="Prometheus rule file or PrometheusRule manifest whose alerts must each open a runbook")
    p.add_argument("--require-drills", action="store_true", help="a runbook no drill plays is a finding")
    p.add_argument("--format", choices=["text", "github"], default="text",
                   help="github: workflow commands, shown as annotations in a pull request")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="judge review ages from this date (default: today)")

    p = sub.add_parser("list", parents=[_common()], help="list the runbooks")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("print", parents=[_common()], help="print a runbook as Markdown")
    p.add_argument("id")

    sub.add_parser("schema", help="print the runbook JSON Schema")

    # A command reads ${env.prometheus_url} and ${env.alertmanager_url} (and ONCALL_PROMETHEUS_URL ...).
    p = sub.add_parser("run", parents=[_common(prometheus=True, alertmanager=True, journal=True)],
                       help="run one runbook command")
    p.add_argument("id")
    p.add_argument("name", metavar="COMMAND")
    p.add_argument("--param", action="append", type=_param, default=[], metavar="K=V")
    p.add_argument("--yes", action="store_true", help="the typed confirmation for danger commands")
    p.add_argument("--confirm", metavar="NAME", help="with --yes: the protected environment's name")
    p.add_argument("--dry-run", action="store_true", help="print the command and run nothing")
    p.add_argument("--incident", metavar="ID", help="record the run in this incident")
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                   help="refuse every danger command")

    p = sub.add_parser("metrics", parents=[_common(prometheus=True, journal=True)],
                       help="evaluate a runbook's metrics once")
    p.add_argument("id")
    p.add_argument("--param", action="append", type=_param, default=[], metavar="K=V")
    p.add_argument("--incident", metavar="ID", help="judge the metrics after this incident's fixes (settling)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("alerts", parents=[_common(alertmanager=True)], help="firing alerts and their runbooks")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include silenced and inhibited alerts")

    j = sub.add_parser("journal", parents=[_common(journal=True)], help="the incident journal")
    jsub = j.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    jc = _common(runbooks=False, journal=True)
    p = jsub.add_parser("new", parents=[jc], help="start an incident")
    p.add_argument("--title", required=True)
    p.add_argument("--severity", choices=["critical", "high", "medium", "low"], default="high")
    p.add_argument("--category", choices=["model-failure", "data-pipeline", "infrastructure", "unexpected-output"])
    p.add_argument("--runbook", metavar="ID")
    p = jsub.add_parser("list", parents=[jc], help="list incidents")
    p.add_argument("--json", action="store_true")
    p = jsub.add_parser("show", parents=[jc], help="show an incident and its events")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p = jsub.add_parser("note", parents=[jc], help="add a note to an incident")
    p.add_argument("id")
    p.add_argument("text")
    p = jsub.add_parser("status", parents=[jc], help="set where an incident stands")
    p.add_argument("id")
    p.add_argument("status", help="investigating, identified, contained, monitoring, resolved, abandoned or duplicate")
    p.add_argument("--of", metavar="OTHER", help="with duplicate: the incident that carries on")
    p = jsub.add_parser("export", parents=[_common(prometheus=True, journal=True)],
                        help="write the post-incident report (Markdown or one HTML page)")
    p.add_argument("id")
    p.add_argument("--format", choices=["md", "html"], default="md",
                   help="md: Markdown, charts as SVG files beside it; html: one self-contained page")
    p.add_argument("--out", metavar="PATH", help="the file to write (folders are created); default: stdout")
    jsub.add_parser("sync", parents=[jc], help="one sync pass with the shared journal; retries queued updates")
    p = jsub.add_parser("update", parents=[_common(journal=True)], help="draft, and send, one update")
    p.add_argument("id")
    p.add_argument("--audience", required=True, metavar="NAME", help="internal, status_page, support, executives...")
    p.add_argument("--text", metavar="T", help="the update as written (default: the audience's template, filled)")
    p.add_argument("--send", action="store_true", help="send it to the audience's targets (config notify:)")
    p = jsub.add_parser("approve", parents=[jc], help="approve (or --decline) a teammate's request to run a command")
    p.add_argument("id", metavar="INC")
    p.add_argument("request", metavar="REQUEST", help="the request's id, or the command's name (its latest open request)")
    p.add_argument("--decline", action="store_true", help="decline the request instead")
    p = jsub.add_parser("approvals", parents=[jc], help="the incident's approval requests and their state")
    p.add_argument("id", metavar="INC")

    p = sub.add_parser("silence", parents=[_common(alertmanager=True, journal=True)],
                       help="silence a firing alert in Alertmanager for an incident")
    p.add_argument("alertname", metavar="ALERTNAME")
    p.add_argument("--incident", required=True, metavar="ID")
    p.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="such as 30m, 2h, 1h30m")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    from tui.config import load_settings

    flags = {k: getattr(args, k, None) for k in
             ("runbooks", "prometheus", "alertmanager", "journal", "shared", "user", "read_only", "env")}
    return load_settings(flags)


def main(argv: Sequence[str] | None = None) -> int:
    """Every word oncall prints may quote outside text (a title, a note, a command's output, an
    argument given back in an error), so stdout and stderr go through `tui.text.plain`: no control
    sequence reaches the terminal, whichever command prints it. (The app draws through Textual's
    own handle on the terminal, not these.)"""
    from tui.text import PlainWriter

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PlainWriter(stdout), PlainWriter(stderr)
    try:
        return _main(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):  # `| head` closed it; nothing more to say
                pass
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
    from tui.errors import OncallError

    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "app"
    module_name, func_name = HANDLERS[command].split(":")
    try:
        settings = settings_from(args)
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args, settings) or 0)
    except OncallError as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("oncall: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
