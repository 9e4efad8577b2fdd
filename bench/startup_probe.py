"""Run one app headless until its first screen is interactive, then print a JSON line and exit.

`python -m bench.startup_probe bare` is the baseline (Header, Static, Footer);
`python -m bench.startup_probe oncall DIR...` is the real app on those runbook folders.
With `--memory`, the line carries the process's peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _report(app, started: float) -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"ready_s": time.perf_counter() - started, "peak_rss_mb": peak_kib / 1024}), flush=True)
    app.exit()


def bare_app():
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

    return Bare()


def oncall_app(dirs: list[str], journal: str | None, runbook: str | None):

    from tui.app.factory import make_app
    from tui.config import load_settings

    flags = {"runbooks": dirs, "journal": journal}
    return make_app(load_settings(flags, env={"HOME": "/nonexistent"}), runbook=runbook)


def main() -> None:
    started = time.perf_counter()
    args = sys.argv[1:]
    journal = runbook = None
    if "--journal" in args:
        i = args.index("--journal")
        journal = args[i + 1]
        del args[i:i + 2]
    if "--runbook" in args:
        i = args.index("--runbook")
        runbook = args[i + 1]
        del args[i:i + 2]
    app = bare_app() if args[0] == "bare" else oncall_app(args[1:], journal, runbook)

    async def when_ready(pilot) -> None:
        await pilot.pause()
        while getattr(pilot.app, "loaded", True) is None:  # oncall: the runbooks are listed, not just the frame
            await pilot.pause(0.005)
        await pilot.pause()
        _report(pilot.app, started)

    app.run(headless=True, size=(120, 40), auto_pilot=when_ready)


if __name__ == "__main__":
    main()
