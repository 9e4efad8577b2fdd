"""SIGHUP (the terminal closed) and SIGTERM to a real `oncall run` end the command's whole
tree, `setsid` and double-forked children included, then oncall exits 128 + the signal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.test_launch_process import SAFETY, our_zombies
from tests.test_launch_tree import DAEMONS, script, with_marker
from tui.launch import Launch
from tui.launch.process import kill_running
from tui.launch.signals import commands_end_on_signals

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tree is read from /proc")


def runbook(tmp_path: Path, marker: str) -> Path:
    """A runbook whose one command starts the daemons of test_launch_tree, says ready and waits."""
    shell = script(tmp_path, marker, "sleep 300")[2]
    body = "\n".join("      " + line.strip() for line in shell.strip().splitlines())
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "tree.yaml").write_text(f"""\
id: tree
title: A command with daemons
version: 1
summary: Starts setsid and double-forked children.
category: infrastructure
severity_hint: low
commands:
  daemons:
    title: Start daemons and wait
    timeout: 600
    shell: |
{body}
start: first
steps:
  first:
    do: Start the daemons.
    commands: [daemons]
    next: end
  end:
    outcome: resolved
    say: Done.
""")
    return folder


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_signal_to_oncall_run_ends_the_command_tree(tmp_path: Path, sig: signal.Signals) -> None:
    marker = f"oncall-run-{sig.name}-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ONCALL_RUNBOOKS=str(runbook(tmp_path, marker)))
    proc = subprocess.Popen([sys.executable, "-m", "tui", "run", "tree", "daemons"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline() == "ready\n"
        assert len(with_marker(marker)) >= DAEMONS  # the shells hold the marker in their script too
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig
    assert f"because oncall got {sig.name}" in err and "Traceback" not in err
    assert with_marker(marker) == []


# --- the app's side: a long-lived oncall whose commands run in its own loop ---

@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
async def test_a_signal_during_a_command_ends_its_tree_and_asks_the_app_to_stop(tmp_path: Path,
                                                                               sig: signal.Signals) -> None:
    marker = f"oncall-app-{sig.name}-{os.getpid()}"
    asked = threading.Event()
    before = set(our_zombies())  # other tests' orphans may already be here (a subreaper adopts them all)
    job = Launch(script(tmp_path, marker, "sleep 300"), timeout=None, grace=0.5,
                 on_lines=lambda lines: os.kill(os.getpid(), sig) if "ready" in lines else None)
    with commands_end_on_signals(asked.set) as caught:
        result = await asyncio.wait_for(job.run(), SAFETY)
    assert caught == [sig] and asked.wait(SAFETY)
    assert result.cancelled
    assert with_marker(marker) == [] and set(our_zombies()) - before == set()
    assert signal.getsignal(sig) is signal.SIG_DFL  # put back as it was


async def test_on_the_way_out_every_running_tree_is_killed_at_once(tmp_path: Path) -> None:
    # What commands_end_on_signals does last, for a command whose loop is ending under it.
    marker = f"oncall-app-cut-{os.getpid()}"
    before = set(our_zombies())
    job = Launch(script(tmp_path, marker, "sleep 300"), timeout=None,
                 on_lines=lambda lines: kill_running() if "ready" in lines else None)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.signal == signal.SIGKILL
    assert with_marker(marker) == [] and set(our_zombies()) - before == set()
