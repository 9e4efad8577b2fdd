"""`oncall journal ...` as a user runs it: real processes, real files, exit codes and one-sentence errors."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.fixtures.journal import run_oncall
from tui.journal.model import INCIDENT_ID
from tui.journal.sync import read_shared
from tui.report.markdown import SECTIONS


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def _one_sentence_error(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oncall: ") and lines[0].endswith("."), done.stderr
    return lines[0]


def _new(env: dict[str, str], *extra: str) -> str:
    done = _ok(run_oncall(["journal", "new", "--title", "Refusal spike in support assistant", *extra], env))
    incident_id = done.stdout.splitlines()[-1]
    assert INCIDENT_ID.match(incident_id)
    return incident_id


def test_new_note_show_and_list(journal_paths) -> None:
    env = journal_paths.env("alice")
    iid = _new(env, "--severity", "critical", "--category", "unexpected-output", "--runbook", "llm-false-refusals")
    _ok(run_oncall(["journal", "note", iid.rsplit("-", 1)[1][:4], "refusal_rate 12.4% since 02:11"], env))

    shown = json.loads(_ok(run_oncall(["journal", "show", iid, "--json"], env)).stdout)
    assert (shown["id"], shown["severity"], shown["category"], shown["runbooks"]) == (
        iid, "critical", "unexpected-output", ["llm-false-refusals"])
    assert [e["text"] for e in shown["events"]][-1] == "refusal_rate 12.4% since 02:11"
    assert all({"id", "time", "author", "kind", "text"} <= e.keys() for e in shown["events"])
    assert shown["responders"] == ["alice"]

    listed = json.loads(_ok(run_oncall(["journal", "list", "--json"], env)).stdout)
    assert [i["id"] for i in listed] == [iid]
    human = _ok(run_oncall(["journal", "list"], env)).stdout
    assert iid in human and "SEV1" in human
    text = _ok(run_oncall(["journal", "show", iid], env)).stdout
    assert "alice  note: refusal_rate 12.4% since 02:11" in text


def test_a_second_responder_joins_by_id_through_the_shared_file(journal_paths) -> None:
    iid = _new(journal_paths.env("alice"))
    bob = journal_paths.env("bob")
    _ok(run_oncall(["journal", "note", iid, "bob here, looking at the ranker"], bob))
    shown = json.loads(_ok(run_oncall(["journal", "show", iid, "--json"], journal_paths.env("alice"))).stdout)
    assert {e["author"] for e in shown["events"]} == {"alice", "bob"}


def test_flags_name_the_journal_too(journal_paths) -> None:
    env = journal_paths.env("nobody-in-env", shared=None)
    local, shared = journal_paths.root / "flag.json", journal_paths.root / "flag-shared.journal"
    flags = ["--journal", str(local), "--shared", str(shared), "--user", "erin"]
    done = _ok(run_oncall(["journal", "new", "--title", "T", *flags], env))
    iid = done.stdout.splitlines()[-1]
    assert local.exists() and iid in read_shared(shared).incidents
    shown = json.loads(_ok(run_oncall(["journal", "show", iid, "--json", *flags], env)).stdout)
    assert shown["lead"] == "erin"


def test_note_succeeds_with_a_corrupt_shared_file_which_sync_then_reports(journal_paths) -> None:
    env = journal_paths.env("alice")
    iid = _new(env)
    journal_paths.shared.write_bytes(b"{ this is not a journal")
    before = journal_paths.shared.read_bytes()

    done = _ok(run_oncall(["journal", "note", iid, "noted while the share is broken"], env))
    warning = done.stderr.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("oncall: warning: ") and "cannot be parsed" in warning[0]
    assert journal_paths.shared.read_bytes() == before

    message = _one_sentence_error(run_oncall(["journal", "sync"], env))
    assert "cannot be parsed" in message and "left untouched" in message
    assert journal_paths.shared.read_bytes() == before
    shown = json.loads(_ok(run_oncall(["journal", "show", iid, "--json"], env)).stdout)
    assert shown["events"][-1]["text"] == "noted while the share is broken"


def test_note_succeeds_while_the_share_is_away_and_sync_catches_up(journal_paths) -> None:
    away = journal_paths.root / "mnt" / "team" / "shared.journal"
    env = journal_paths.env("alice", shared=away)
    iid = _new(env)  # works, with a warning
    done = _ok(run_oncall(["journal", "note", iid, "written offline"], env))
    assert "not reachable" in done.stderr
    assert "not reachable" in _one_sentence_error(run_oncall(["journal", "sync"], env))
    away.parent.mkdir(parents=True)
    done = _ok(run_oncall(["journal", "sync"], env))
    assert "Synced" in done.stdout
    assert "written offline" in {e["text"] for e in read_shared(away).events.values()}


def test_expected_faults_are_one_sentence_with_exit_1(journal_paths) -> None:
    env = journal_paths.env("alice")
    assert "No incident inc-missing" in _one_sentence_error(run_oncall(["journal", "show", "inc-missing"], env))
    _new(env)
    _new(env)
    assert "type more of the id" in _one_sentence_error(run_oncall(["journal", "note", "inc-", "x"], env))
    local_only = journal_paths.env("alice", shared=None)
    assert "No shared journal" in _one_sentence_error(run_oncall(["journal", "sync"], local_only))
    usage = run_oncall(["journal", "new"], env)  # --title missing: argparse usage error
    assert usage.returncode == 2


def test_export_writes_every_section_of_the_report(journal_paths) -> None:
    env = journal_paths.env("alice")
    iid = _new(env)
    _ok(run_oncall(["journal", "note", iid, "rolled back to v40"], env))
    out = journal_paths.root / "report.md"
    _ok(run_oncall(["journal", "export", iid, "--out", str(out)], env))
    report = out.read_text()
    for title in SECTIONS:
        assert f"\n## {title}\n" in report, title
    assert "rolled back to v40" in report
    printed = _ok(run_oncall(["journal", "export", iid], env)).stdout
    title = "# Post-incident report: Refusal spike in support assistant"
    assert printed.splitlines()[0] == report.splitlines()[0] == title


def test_the_journal_commands_never_import_textual() -> None:
    code = ("import sys, tui.commands.journal_cmd, tui.report.markdown; "
            "sys.exit(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
