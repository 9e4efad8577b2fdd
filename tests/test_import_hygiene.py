"""The core never imports Textual; only tui.app does (harlequin's import-hygiene idea)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent / "tui"


def core_modules() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[1] == "app" or parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_core_never_imports_textual() -> None:
    modules = core_modules()
    assert "tui.walk" in modules and "tui.runbook.validate" in modules
    # httpx imports Rich for its own command-line client when `click` is importable; click comes only with
    # the test tools (import-linter), never with oncall's runtime dependencies, so the subprocess hides it.
    code = (
        "import importlib, sys\n"
        "sys.modules['click'] = None\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('textual', 'rich')}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"core modules import {result.stdout.strip()}"
