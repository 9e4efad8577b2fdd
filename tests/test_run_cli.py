"""`oncall run` as a user runs it: a real `python -m tui` process, a YAML runbook in a temporary
folder, real commands, and the journal on disk."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_launch_process import live_in_group, reaped
from tui.config import load_settings
from tui.journal import open_journal

RUNBOOK = """\
id: cli-test
title: CLI test runbook
version: 1
summary: Commands for the oncall run tests.
category: infrastructure
severity_hint: low
params:
  value: {prompt: A value, default: hello}
  model: {prompt: Model name, default: fraud, pattern: '^[a-z0-9-]+$'}
  marker: {prompt: A file to create, default: /nonexistent/marker}
commands:
  echo:
    title: Echo the value
    run: [printf, '%s\\n', "${value}"]
  echo_shell:
    title: Echo the value through a shell
    shell: printf '%s\\n' "${value}" | cat
  fail:
    title: Print a line and exit 3
    shell: echo before; exit 3
  wait_for:
    title: Print, wait for the marker file, print again
    shell: echo first; while [ ! -e "${marker}" ]; do sleep 0.02; done; echo second
  pipe_fails:
    title: A pipeline whose first command fails
    shell: printf 'x\\n' | (exit 4) | cat
  pid_then_sleep:
    title: Print the shell's pid and sleep
    shell: sleep 30 & sleep 30 & echo $$; wait
  slow:
    title: Sleep past its timeout
    run: [sleep, '30']
    timeout: 1
  touch_model:
    title: Touch a file named after the model
    run: [touch, "${marker}", "${model}"]
  env:
    title: Show the environment
    run: [env]
  rollback:
    title: Roll back (danger)
    run: [touch, "${marker}"]
    danger: true
start: end
steps:
  end:
    outcome: resolved
    say: Done.
"""


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose runbooks, journal and config all live in tmp_path."""
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "cli-test.yaml").write_text(RUNBOOK)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ONCALL_RUNBOOKS=str(tmp_path / "runbooks"), ONCALL_USER="bob")
    return env


def oncall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", "run", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oncall: ") and "Traceback" not in stderr, stderr
    return lines[0]


def test_output_and_exit_code_are_the_commands(home) -> None:
    done = oncall(home, "cli-test", "fail")
    assert done.returncode == 3 and done.stdout == "before\n" and done.stderr == ""
    done = oncall(home, "cli-test", "echo", "--param", "value=hi there")
    assert done.returncode == 0 and done.stdout == "hi there\n"


@pytest.mark.parametrize("command", ["echo", "echo_shell"])
@pytest.mark.parametrize("value", ["$(touch {marker})", "; rm -rf {victim}", "`touch {marker}`"])
def test_hostile_values_are_printed_not_run(home, tmp_path: Path, command: str, value: str) -> None:
    marker, victim = tmp_path / "pwned", tmp_path / "victim"
    victim.mkdir()
    value = value.format(marker=marker, victim=victim)
    done = oncall(home, "cli-test", command, "--param", f"value={value}")
    assert done.returncode == 0 and done.stdout == value + "\n"
    assert not marker.exists() and victim.is_dir()


def test_a_failure_inside_a_pipeline_fails_the_command(home) -> None:
    # Shell commands run under bash with pipefail: a failed step is not hidden by the last one.
    done = oncall(home, "cli-test", "pipe_fails")
    assert done.returncode == 4 and done.stdout == ""


def test_output_streams_while_the_command_runs(home, tmp_path: Path) -> None:
    # "second" is printed only after the test saw "first": nothing can have buffered until the end.
    marker = tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-m", "tui", "run", "cli-test", "wait_for", "--param",
                             f"marker={marker}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=home)
    try:
        assert proc.stdout.readline() == "first\n"
        marker.write_text("")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert out == "second\n" and proc.returncode == 0 and err == ""


def test_dry_run_prints_the_exact_command_and_runs_nothing(home, tmp_path: Path) -> None:
    marker = tmp_path / "made"
    done = oncall(home, "cli-test", "touch_model", "--dry-run", "--param", f"marker={marker}")
    assert done.returncode == 0 and done.stdout == f"touch {marker} fraud\n"
    assert not marker.exists()
    done = oncall(home, "cli-test", "echo_shell", "--dry-run", "--param", "value=a'b")
    script = "printf '%s\\n' \"${value}\" | cat"  # the script as written: the value is an env variable
    assert shlex.split(done.stdout) == ["value=a'b", "/bin/bash", "-o", "pipefail", "-c", script]
    done = oncall(home, "cli-test", "rollback", "--dry-run", "--param", f"marker={marker}")
    assert done.returncode == 0 and done.stdout == f"touch {marker}\n" and "needs --yes" in done.stderr
    assert not marker.exists()


def test_a_value_breaking_its_pattern_runs_nothing(home, tmp_path: Path) -> None:
    marker = tmp_path / "made"
    done = oncall(home, "cli-test", "touch_model", "--param", "model=a;b", "--param", f"marker={marker}")
    assert done.returncode == 1 and done.stdout == ""
    assert "model='a;b' does not match its pattern ^[a-z0-9-]+$" in one_sentence(done.stderr)
    assert not marker.exists()


def test_a_value_that_would_be_an_option_runs_nothing(home, tmp_path: Path) -> None:
    # `--version` matches ^[a-z0-9-]+$, but as the first characters of an argument it is an option.
    marker = tmp_path / "made"
    done = oncall(home, "cli-test", "touch_model", "--param", "model=--version", "--param", f"marker={marker}")
    assert done.returncode == 1 and done.stdout == ""
    assert "model='--version' starts with '-'" in one_sentence(done.stderr)
    assert not marker.exists()


def test_danger_needs_yes_and_read_only_refuses_it(home, tmp_path: Path) -> None:
    marker = tmp_path / "rolled-back"
    args = ("cli-test", "rollback", "--param", f"marker={marker}")
    done = oncall(home, *args)
    assert done.returncode == 1 and "confirm it with --yes" in one_sentence(done.stderr)
    assert not marker.exists()
    done = oncall(home, *args, "--yes", "--read-only")
    assert done.returncode == 1 and "read-only" in one_sentence(done.stderr)
    assert not marker.exists()
    done = oncall({**home, "ONCALL_READ_ONLY": "1"}, *args, "--yes")
    assert done.returncode == 1 and "read-only" in one_sentence(done.stderr)
    assert not marker.exists()
    done = oncall(home, *args, "--yes")
    assert done.returncode == 0 and marker.exists()


def test_a_timeout_exits_1_with_one_sentence(home) -> None:
    done = oncall(home, "cli-test", "slow")
    assert done.returncode == 1
    assert one_sentence(done.stderr) == "oncall: slow timed out after 1 s and was stopped, with everything it started."


def test_ctrl_c_stops_the_command_group_and_exits_130(home) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tui", "run", "cli-test", "pid_then_sleep"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=home)
    try:
        pgid = int(proc.stdout.readline())
        assert len(live_in_group(pgid)) >= 3  # the shell and its two sleeps
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 130
    assert "interrupted and stopped" in one_sentence(err)
    assert live_in_group(pgid) == [] and reaped(pgid)


def test_unknown_runbook_command_or_incident_is_one_sentence(home, tmp_path: Path) -> None:
    done = oncall(home, "no-such-book", "echo")
    assert done.returncode == 1 and "No runbook 'no-such-book'" in one_sentence(done.stderr)
    done = oncall(home, "cli-test", "nope")
    assert done.returncode == 1 and "has no command 'nope'" in one_sentence(done.stderr)
    marker = tmp_path / "made"
    done = oncall(home, "cli-test", "touch_model", "--incident", "nosuch", "--param", f"marker={marker}")
    assert done.returncode == 1 and "No incident nosuch" in one_sentence(done.stderr)
    assert not marker.exists()


def test_commands_do_not_see_oncalls_token(home) -> None:
    done = oncall({**home, "ONCALL_PROMETHEUS_TOKEN": "tok-123456789"}, "cli-test", "env")
    assert done.returncode == 0 and "ONCALL_USER=bob" in done.stdout
    assert "tok-123456789" not in done.stdout


def test_with_an_incident_the_run_lands_in_the_journal(home, tmp_path: Path) -> None:
    settings = load_settings(env=home)
    with open_journal(settings, sync_on_write="off") as journal:
        incident = journal.new_incident("Model errors", severity="high")
    done = oncall(home, "cli-test", "fail", "--incident", incident.id[:12])
    assert done.returncode == 3 and done.stdout == "before\n"
    with open_journal(settings, sync_on_write="off") as journal:
        events = [e for e in journal.events(incident.id) if e.kind == "command"]
        assert journal.incident(incident.id).runbooks == ("cli-test",)  # the report reads its metrics
    assert len(events) == 1
    event = events[0]
    assert event.author == "bob"
    assert event.data["exit_code"] == 3 and event.data["output"] == "before"
    assert event.data["argv"] == ["/bin/bash", "-o", "pipefail", "-c", "echo before; exit 3"]
    assert Path(event.data["log"]).parent == settings.runs_dir


def test_a_broken_shared_journal_warns_but_keeps_the_run(home, tmp_path: Path) -> None:
    shared = tmp_path / "shared.json"
    shared.write_text("{not a journal")
    settings = load_settings(env=home)
    with open_journal(settings, sync_on_write="off") as journal:
        incident = journal.new_incident("Model errors")
    done = oncall(home, "cli-test", "echo", "--incident", incident.id, "--shared", str(shared))
    assert done.returncode == 0 and done.stdout == "hello\n"
    assert "cannot be parsed" in one_sentence(done.stderr)
    assert shared.read_text() == "{not a journal"
    with open_journal(settings, sync_on_write="off") as journal:
        assert [e.data["exit_code"] for e in journal.events(incident.id) if e.kind == "command"] == [0]
