"""Runs recorded in the incident journal: who ran what, values, exit status, duration, bounded
and redacted output, for real commands and a real journal file."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tui.config import Settings
from tui.journal import open_journal
from tui.launch import launch_for, prepare_command, record_run, settings_secrets
from tui.launch.capture import JOURNAL_HEAD, JOURNAL_TAIL
from tui.runbook.model import Command, Param, Runbook, Step

PY = sys.executable
TOKEN = "prom-token-4f9a8b7c6d5e"

BOOK = Runbook(
    id="capture-book", title="Capture", version=1, summary="s", category="infrastructure", severity_hint="low",
    start="end", steps={"end": Step(id="end", kind="outcome", text="done", outcome="resolved")},
    params={"model": Param("model", "Model", default="fraud"), "count": Param("count", "Lines", default="3")},
    commands={
        "leaky": Command("leaky", "Prints secrets", shell=(
            "echo \"model=${model}\"; echo password=hunter2; echo 'Authorization: Bearer abcdefghijklmnop';"
            f" echo token {TOKEN}; exit 3")),
        "many": Command("many", "Many lines", run=("seq", "${count}")),
        "slow": Command("slow", "Too slow", run=("sleep", "30"), timeout=0.5),
    },
)


def settings_for(tmp_path: Path) -> Settings:
    return Settings(journal_path=tmp_path / "journal.json", user="alice", prometheus_token=TOKEN, runbook_dirs=())


def run_and_record(tmp_path: Path, name: str, params: dict[str, str]):
    settings = settings_for(tmp_path)
    journal = open_journal(settings, sync_on_write="off")
    try:
        incident = journal.new_incident("Refusal spike", severity="high")
        prepared = prepare_command(BOOK, name, params)
        result = asyncio.run(asyncio.wait_for(launch_for(prepared, settings, grace=0.3).run(), 60))
        event = record_run(journal, incident.id, prepared, result, settings_secrets(settings))
        events = [e for e in journal.events(incident.id) if e.kind == "command"]
    finally:
        journal.close()
    return result, event, events


def test_a_run_is_recorded_with_who_what_status_and_redacted_output(tmp_path: Path) -> None:
    result, event, events = run_and_record(tmp_path, "leaky", {"model": "fraud-v2"})
    assert [e.id for e in events] == [event.id]
    assert event.kind == "command" and event.author == "alice"
    data = event.data
    assert data["runbook"] == "capture-book" and data["command"] == "leaky"
    assert data["argv"][:4] == ["/bin/bash", "-o", "pipefail", "-c"] and 'echo "model=${model}"' in data["argv"][4]
    assert data["params"] == {"model": "fraud-v2"}
    assert data["exit_code"] == 3 and data["status"] == "exit 3" and data["signal"] is None
    assert not data["timed_out"] and not data["cancelled"]
    assert data["duration"] == round(result.duration, 3) and data["started_at"] == result.started_at.isoformat()
    assert "exit 3" in event.text and "leaky" in event.text
    output = data["output"].splitlines()
    assert output[0] == "model=fraud-v2" and len(output) == 4
    assert data["log"] == str(result.log_path)
    # No secret reaches the journal file, in any field.
    stored = (tmp_path / "journal.json").read_text()
    for secret in ("hunter2", "abcdefghijklmnop", TOKEN):
        assert secret not in stored
        assert secret not in json.dumps(data) and secret not in event.text
    assert "[REDACTED]" in data["output"]


def test_recorded_output_is_bounded_and_says_what_was_left_out(tmp_path: Path) -> None:
    result, event, _ = run_and_record(tmp_path, "many", {"count": "5000"})
    lines = event.data["output"].splitlines()
    assert len(lines) == JOURNAL_HEAD + JOURNAL_TAIL + 1
    assert lines[0] == "1" and lines[JOURNAL_HEAD - 1] == str(JOURNAL_HEAD) and lines[-1] == "5000"
    assert lines[JOURNAL_HEAD].startswith(f"[… {5000 - JOURNAL_HEAD - JOURNAL_TAIL} lines not shown; the full output is in ")
    assert event.data["output_lines"] == 5000 and event.data["exit_code"] == 0
    assert result.log_path is not None and result.log_path.read_text().count("\n") == 5000


def test_a_timed_out_run_is_recorded_as_timed_out(tmp_path: Path) -> None:
    _, event, _ = run_and_record(tmp_path, "slow", {})
    assert event.data["timed_out"] is True and event.data["exit_code"] is None
    assert event.data["status"] == "timed out after 0.5 s"
    assert "timed out" in event.text
