"""A newcomer's first minute: the README and `make demo` say how to put `oncall` on the PATH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_says_how_to_put_oncall_on_the_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    before_first_example = readme[: readme.index("oncall --alert")]
    assert ".venv/bin" in before_first_example and "pipx install ." in before_first_example


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_prints_the_path_hint_before_and_after_the_drill():
    dry = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    drill = next(i for i, line in enumerate(dry) if "oncall drill" in line)
    assert "export PATH=" in dry[drill - 1] and "pipx install ." in dry[drill - 1]
    assert "export PATH=" in dry[drill].split("oncall drill", 1)[1]  # printed again once the app has closed
