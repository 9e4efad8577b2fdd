"""The bundled runbooks' Prometheus diagnostics ask the Prometheus oncall is configured with, the way
oncall asks it: with its headers (a Mimir or Cortex tenant's X-Scope-OrgID), never its credentials."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tui.config import command_environment, load_settings
from tui.launch import prepare_command
from tui.launch.command import child_env
from tui.runbook.library import load_library

BUNDLED = Path(__file__).parent.parent / "runbooks"


def diagnostics():
    library = load_library([BUNDLED])
    for rb in library.runbooks.values():
        for name, command in rb.commands.items():
            if command.run and any("${env.prometheus_url}" in a for a in command.run):
                yield rb, name


def test_every_prometheus_diagnostic_sends_the_tenant_header_and_no_credential(fault_server, tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text(f"prometheus_url: {fault_server.url}\n"
                      "prometheus_headers: {X-Scope-OrgID: ml-tenant, X-Api-Key: hunter2-key}\n")
    settings = load_settings({"journal": str(tmp_path / "j.json")}, env={}, config_path=config)
    assert command_environment(settings)["ONCALL_PROMETHEUS_HEADERS"] == "X-Scope-OrgID: ml-tenant"
    found = list(diagnostics())
    assert len(found) >= 30
    for rb, name in found:
        prepared = prepare_command(rb, name, rb.default_params(), settings)
        fault_server.requests.clear()
        env = {**child_env({"PATH": os.environ["PATH"], "ONCALL_PROMETHEUS_HEADERS": "X-Api-Key: from-the-shell"}),
               **prepared.env}
        done = subprocess.run(prepared.argv, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (rb.id, name, done.stderr)
        assert done.stdout.strip() and "Traceback" not in done.stderr, (rb.id, name)
        assert fault_server.requests, (rb.id, name)
        for request in fault_server.requests:
            assert request.headers.get("x-scope-orgid") == "ml-tenant", (rb.id, name)
            assert "x-api-key" not in request.headers, (rb.id, name)
