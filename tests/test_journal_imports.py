"""Opening a local journal and listing its open incidents (what the picker does at start-up) imports
neither the git sync nor the redaction patterns: those load at the first git sync and the first write."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_local_journal_opens_without_gitsync_or_redact(tmp_path: Path) -> None:
    code = ("import sys\n"
            "from tui.journal import Journal\n"
            f"j = Journal({str(tmp_path / 'journal.json')!r}, user='alice')\n"
            "j.open_incidents()\n"
            "print('tui.journal.gitsync' in sys.modules, 'tui.journal.redact' in sys.modules)\n"
            "j.new_incident('Refusals up', severity='high')\n"
            "print('tui.journal.redact' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parent.parent)
    assert result.stdout.split() == ["False", "False", "True"], result.stderr
