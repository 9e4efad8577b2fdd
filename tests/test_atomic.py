"""One way to replace a file (tui/atomic.py), used by every writer in oncall."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tui
from tui.atomic import atomic_write, stale_temps

# Ways of writing a file in place or renaming one; only tui/atomic.py may use them.
_RAW_WRITES = re.compile(r"os\.replace\(|os\.rename\(|\btempfile\b|\.write_text\(|\.write_bytes\(|"
                         r"\.replace\((?:path|target|dest)\)|\.rename\(")


def test_atomic_write_replaces_whole_keeps_the_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    atomic_write(target, "first\n")
    target.chmod(0o664)
    atomic_write(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert target.stat().st_mode & 0o777 == 0o664
    assert stale_temps(target) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "x"
    with pytest.raises(OSError):
        atomic_write(target, b"data")
    assert not target.parent.exists()


def test_no_module_writes_a_file_but_through_atomic_write() -> None:
    root = Path(tui.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "atomic.py" and path.parent == root:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if _RAW_WRITES.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert offenders == []
