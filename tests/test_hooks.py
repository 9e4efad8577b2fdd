"""Hooks on incident events: argv commands with ${incident.*} and ${item.*} values kept as data, run
through tui/launch; a printed URL becomes the action item's ticket link, in the report; a failing or
hanging hook is one sentence in the journal."""

from __future__ import annotations

import sys
from dataclasses import replace

from tui.clock import Clock
from tui.config import Settings
from tui.incident import IncidentRecord
from tui.integrations.hooks import run_hooks
from tui.integrations.service import Integrations
from tui.report.markdown import render_report

FILE_TICKET = ("import sys; title, body = sys.argv[1:3]; "
               "assert 'Corrective action from incident' in body; "
               "print('Created issue for', repr(title)); print('https://tickets.example/ml/issues/42')")


def _record(journal, hooks) -> IncidentRecord:
    settings = replace(Settings(), hooks=hooks)
    incident = journal.new_incident("Refusal spike", runbook="llm-false-refusals")
    return IncidentRecord(journal, incident.id, Clock(), integrations=Integrations(settings))


def test_an_action_item_hooks_printed_url_is_on_the_item_in_the_report(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    record = _record(journal, {"action_item": ((sys.executable, "-c", FILE_TICKET, "${item.title}", "${item.body}"),)})
    record.add_action_item("Add a refusal canary; $(rm -rf ~) stays text", "alice", "2026-12-08")
    [item] = journal.action_items(record.incident_id)
    assert item.link == "https://tickets.example/ml/issues/42"
    [hook] = [e for e in journal.events(record.incident_id) if e.kind == "hook"]
    assert hook.data["ok"] is True and hook.text.endswith("printed https://tickets.example/ml/issues/42.")
    report = render_report(journal, record.incident_id)
    row = next(line for line in report.splitlines() if line.startswith("| Add a refusal canary"))
    assert "tickets.example/ml/issues/42" in row and "| Ticket |" in report


def test_a_failing_hook_is_one_sentence_in_the_journal(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    record = _record(journal, {"severity_changed": ((sys.executable, "-c", "import sys; print('no token'); sys.exit(3)"),),
                               "contained": (("no-such-program-oncall",),)})
    record.set_severity("critical")
    record.set_status("contained")
    hooks = [e for e in journal.events(record.incident_id) if e.kind == "hook"]
    assert [(e.data["hook"], e.data["ok"]) for e in hooks] == [("severity_changed", False), ("contained", False)]
    assert hooks[0].text == f"Hook severity_changed ({sys.executable}) failed (exit 3): no token."
    assert hooks[1].text.startswith("Hook contained (no-such-program-oncall) did not run: Cannot run")
    assert all(e.text.count(". ") == 0 and e.text.endswith(".") for e in hooks)


def test_a_hanging_hook_is_stopped_at_its_timeout(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    incident = journal.new_incident("Hang")
    [run] = run_hooks(journal, incident.id, "resolved", {"resolved": (("sleep", "600"),)}, timeout=0.2)
    assert not run.ok and run.sentence == "Hook resolved (sleep) failed (timed out after 0.2 s)."


def test_a_value_that_would_be_an_option_is_refused(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    record = _record(journal, {"action_item": (("echo", "${item.title}"),)})
    record.add_action_item("--help", "alice", "2026-12-08")
    [hook] = [e for e in journal.events(record.incident_id) if e.kind == "hook"]
    assert hook.data["ok"] is False and "starts with '-'" in hook.text
    assert journal.action_items(record.incident_id)[0].link is None


def test_an_unknown_name_is_said_not_run(make_journal) -> None:
    journal = make_journal("alice", shared=None)
    incident = journal.new_incident("x")
    [run] = run_hooks(journal, incident.id, "opened", {"opened": (("echo", "${incident.nope}"),)})
    assert not run.ok and "${incident.nope}" in run.sentence


def test_an_apprise_hook_posts_to_the_receiver(make_journal, receiver) -> None:
    receiver.start()
    journal = make_journal("alice", shared=None)
    record = _record(journal, {"resolved": ((receiver.target,),)})
    record.set_status("resolved")
    assert receiver.messages() == [f"SEV2 Refusal spike ({record.incident_id}) is resolved."]


def test_journal_new_runs_the_opened_hooks_as_the_app_does(tmp_path, capsys, monkeypatch) -> None:
    from tui.cli import main
    from tui.journal import Journal

    config = tmp_path / "oncall" / "config.yaml"
    config.parent.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    paged = tmp_path / "paged.txt"
    config.write_text(f"hooks:\n  opened:\n    - [{sys.executable}, -c, 'import sys; open(sys.argv[2], \"w\").write(sys.argv[1])',"
                      f" '${{incident.title}}', '{paged}']\n")
    journal_path = tmp_path / "journal.json"
    code = main(["journal", "new", "--title", "GPU OOM; $(reboot)", "--journal", str(journal_path)])
    incident_id = capsys.readouterr().out.strip()
    assert code == 0 and incident_id.startswith("inc-")
    with Journal(journal_path, user="alice", sync_on_write="off") as journal:
        [hook] = [e for e in journal.events(incident_id) if e.kind == "hook"]
    assert hook.data["hook"] == "opened" and hook.data["ok"] is True
    assert paged.read_text() == "GPU OOM; $(reboot)"  # the title reached the hook as data
