"""The metrics core never imports Textual (the app is the only package that may)."""

from __future__ import annotations

import subprocess
import sys


def test_metrics_core_and_cli_do_not_import_textual():
    code = ("import sys, tui.metrics.poller, tui.metrics.alerts, tui.metrics.suggest, tui.commands.metrics_cmd; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
