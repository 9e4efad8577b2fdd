"""The bundled library as a reviewer checks it: its own lint passes, and its diagnostics fail when kubectl fails."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tui.config import BUNDLED_RUNBOOKS
from tui.launch import prepare_command
from tui.runbook.library import load_library

FAILING_KUBECTL = "#!/bin/sh\necho 'The connection to the server localhost:8080 was refused' >&2\nexit 1\n"


@pytest.fixture(scope="module")
def library():
    return load_library([BUNDLED_RUNBOOKS])


@pytest.mark.parametrize(("runbook", "command", "cheerful"), [
    ("model-serving-outage", "pods_not_running", "every pod is Running and Ready"),
    ("gpu-oom-serving", "server_limits", "no limit flags or variables set"),
    ("retrieval-grounding-failure", "embedding_models", "no EMBEDDING variable set"),
])
def test_a_diagnostic_fails_when_kubectl_fails(tmp_path: Path, library, runbook: str, command: str,
                                               cheerful: str) -> None:
    """With no cluster reachable, a diagnostic exits non-zero instead of printing that all is well."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("kubectl", "curl"):
        (fake / tool).write_text(FAILING_KUBECTL)
        (fake / tool).chmod(stat.S_IRWXU)
    rb = library.get(runbook)
    prepared = prepare_command(rb, command, rb.default_params())
    assert prepared.shell
    env = {**os.environ, **prepared.env, "PATH": f"{fake}:/usr/bin:/bin"}
    result = subprocess.run(list(prepared.argv), capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode != 0, result.stdout
    assert cheerful not in result.stdout


def test_the_library_passes_its_own_lint_with_drills_required(capsys) -> None:
    from tui.cli import main

    code = main(["lint", str(BUNDLED_RUNBOOKS), "--require-drills", "--today", "2026-12-01"])
    out, err = capsys.readouterr()
    assert code == 0 and out == "", out
    assert err.strip().endswith("linted, 0 findings")
