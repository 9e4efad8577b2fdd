"""Updates that leave the terminal: through Apprise to a real receiver on 127.0.0.1, journaled, and
queued (surviving a restart of oncall) while the receiver is down."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.fixtures.journal import run_oncall
from tui.config import load_settings
from tui.errors import OncallError
from tui.integrations.targets import check_written, holds_secret


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def _config(journal_paths, **settings) -> None:
    path = journal_paths.root / "config" / "oncall" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(settings))


def _new(env: dict[str, str]) -> str:
    done = _ok(run_oncall(["journal", "new", "--title", "Refusal spike", "--runbook", "llm-false-refusals"], env))
    return done.stdout.splitlines()[-1]


def _events(env: dict[str, str], iid: str, kind: str) -> list[dict]:
    shown = json.loads(_ok(run_oncall(["journal", "show", iid, "--json"], env)).stdout)
    return [e for e in shown["events"] if e["kind"] == kind]


def test_an_update_arrives_at_the_receiver_with_its_text_and_is_journaled(journal_paths, receiver) -> None:
    receiver.start()
    _config(journal_paths, notify={"internal": [receiver.target]})
    env = journal_paths.env("alice")
    iid = _new(env)
    done = _ok(run_oncall(["journal", "update", iid, "--audience", "internal", "--text",
                           "Refusals back under 2% after the rollback.", "--send"], env))
    assert done.stdout.strip() == f"Update to internal sent to {receiver.target}."
    assert receiver.messages() == ["Refusals back under 2% after the rollback."]
    assert "Refusal spike" in receiver.received[0]["title"]
    comms = _events(env, iid, "comms")
    assert [(c["text"], c["data"]["audience"], c["data"]["targets"]) for c in comms] == [
        ("Refusals back under 2% after the rollback.", "internal", [receiver.target])]
    sends = _events(env, iid, "send")
    assert [(s["data"]["result"], s["data"]["results"], s["data"]["comms"]) for s in sends] == [
        ("sent", {receiver.target: True}, comms[0]["id"])]


def test_a_failed_update_is_queued_survives_a_restart_and_arrives_once_the_receiver_is_back(
        journal_paths, receiver) -> None:
    _config(journal_paths, notify={"internal": [receiver.target]})
    env = journal_paths.env("alice")
    iid = _new(env)
    done = _ok(run_oncall(["journal", "update", iid, "--audience", "internal", "--text", "Rolled back v42.",
                           "--send"], env))  # saved and queued: the write itself succeeded
    assert "Update to internal queued" in done.stderr and "retried on every `oncall journal sync`" in done.stderr
    assert _events(env, iid, "send")[0]["data"]["result"] == "queued"

    still = run_oncall(["journal", "sync"], env)  # a new oncall process: the queue is in the journal
    assert still.returncode == 1 and "queued" in still.stderr and "Traceback" not in still.stderr
    assert receiver.received == []

    receiver.start()
    back = _ok(run_oncall(["journal", "sync"], env))
    assert "Sent 1 of 1 queued update." in back.stdout
    assert receiver.messages() == ["Rolled back v42."]
    _ok(run_oncall(["journal", "sync"], env))  # nothing is queued any more: nothing is sent twice
    assert receiver.messages() == ["Rolled back v42."]
    # every attempt is journaled: the first, the retry while still down, the one that went
    assert [s["data"]["result"] for s in _events(env, iid, "send")] == ["queued", "queued", "sent"]


def test_a_target_secret_comes_from_the_environment_and_never_reaches_the_journal(journal_paths, receiver) -> None:
    receiver.start()
    secret_url = f"json://bot:hunter2-pw-1234@127.0.0.1:{receiver.port}/hook"
    _config(journal_paths, notify={"internal": ["env:ONCALL_TEST_CHAT_URL"]})
    env = {**journal_paths.env("alice"), "ONCALL_TEST_CHAT_URL": secret_url}
    iid = _new(env)
    done = _ok(run_oncall(["journal", "update", iid, "--audience", "internal", "--text", "Contained.", "--send"],
                          env))
    assert done.stdout.strip() == "Update to internal sent to env:ONCALL_TEST_CHAT_URL."
    assert receiver.messages() == ["Contained."] and "Authorization" in receiver.headers[0]
    for path in journal_paths.root.rglob("*.json*"):
        assert "hunter2" not in path.read_text(errors="replace"), path
    assert _events(env, iid, "comms")[0]["data"]["targets"] == ["env:ONCALL_TEST_CHAT_URL"]


def test_an_inline_secret_is_refused_with_one_sentence(journal_paths) -> None:
    _config(journal_paths, notify={"internal": ["json://bot:hunter2@127.0.0.1:9/hook"]})
    env = journal_paths.env("alice")
    iid = _new(env)
    done = run_oncall(["journal", "update", iid, "--audience", "internal", "--text", "x", "--send"], env)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "holds a secret inline" in lines[0] and "env:NAME" in lines[0] and "hunter2" not in lines[0]
    assert _events(env, iid, "comms") == []  # refused before anything was written


def test_secret_detection_uses_apprise_and_the_redactor() -> None:
    assert not holds_secret("json://127.0.0.1:8099/hook")
    assert not holds_secret("ntfy://ntfy.sh/oncall-topic")
    assert holds_secret("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")
    assert holds_secret("json://user:pw@host/hook")
    assert holds_secret("json://host/hook?token=abcdef")
    check_written("env:ONCALL_SLACK_URL", "notify: internal")
    for bad in ("env:", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "not a url"):
        try:
            check_written(bad, "notify: internal")
        except OncallError as exc:
            assert str(exc).endswith(".") and "\n" not in str(exc)
        else:
            raise AssertionError(bad)


def test_draft_without_send_prints_the_filled_template_and_writes_nothing(journal_paths) -> None:
    env = journal_paths.env("alice")
    iid = _new(env)
    done = _ok(run_oncall(["journal", "update", iid, "--audience", "support"], env))
    assert "route affected users to a human agent" in done.stdout and "${" not in done.stdout
    assert _events(env, iid, "comms") == []


def test_notify_and_hooks_settings_are_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"notify": {"internal": ["json://h/x"]},
                                   "hooks": {"action_item": ["gh", "issue", "create", "--title", "${item.title}"],
                                             "resolved": ["json://h/done"]}}))
    s = load_settings(env={}, config_path=cfg)
    assert s.notify == {"internal": ("json://h/x",)}
    assert s.hooks == {"action_item": (("gh", "issue", "create", "--title", "${item.title}"),),
                       "resolved": (("json://h/done",),)}
    cfg.write_text(yaml.safe_dump({"hooks": {"closed": ["true"]}}))
    try:
        load_settings(env={}, config_path=cfg)
    except OncallError as exc:
        assert "unknown event" in str(exc)
    else:
        raise AssertionError("an unknown hook event was accepted")


def test_a_queued_update_goes_once_while_another_process_delivers_and_only_its_author_retries_it(
        journal_paths, receiver) -> None:
    from filelock import FileLock

    _config(journal_paths, notify={"internal": [receiver.target]})
    alice, bob = journal_paths.env("alice"), journal_paths.env("bob")
    iid = _new(alice)
    _ok(run_oncall(["journal", "update", iid, "--audience", "internal", "--text", "Rolled back v42.", "--send"], alice))
    receiver.start()
    _ok(run_oncall(["journal", "sync"], bob))  # bob has alice's queued update now, but it is hers to send
    assert receiver.received == []
    lock = FileLock(str(journal_paths.local("alice")) + ".send.lock", thread_local=False)
    with lock:  # another of alice's oncall processes is delivering: this sync leaves the queue to it
        _ok(run_oncall(["journal", "sync"], alice))
        assert receiver.received == []
    back = _ok(run_oncall(["journal", "sync"], alice))
    assert "Sent 1 of 1 queued update." in back.stdout and receiver.messages() == ["Rolled back v42."]
    _ok(run_oncall(["journal", "sync"], bob))
    _ok(run_oncall(["journal", "sync"], alice))
    assert receiver.messages() == ["Rolled back v42."]
