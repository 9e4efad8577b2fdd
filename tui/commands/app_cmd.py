"""`oncall` with no command: the Textual app. The only command module that imports Textual, lazily."""

from __future__ import annotations

import argparse

from tui.config import Settings


def run_app(args: argparse.Namespace, settings: Settings) -> int:
    from tui.app.factory import make_app

    app = make_app(settings, runbook=getattr(args, "runbook", None), alert=getattr(args, "alert", None),
                   theme=getattr(args, "theme", None))
    result = app.run()
    return int(result or 0)
