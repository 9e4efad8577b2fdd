"""Picking the incident up where it stands, and knowing where you act, as a responder presses the keys.

Quitting and reopening a runbook resumes it at the same step (one incident in the journal); a second
responder's picker lists the first's incident after nothing but the app's own sync; the environment is
on every screen and a protected one asks for its name before a danger command.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import messages
from tui.app.factory import make_app
from tui.app.screens.incident import IncidentScreen
from tui.clock import Clock
from tui.config import Environment, with_environment
from tui.incident import IncidentRecord
from tui.journal import Journal

pytestmark = pytest.mark.usefixtures("recorded_notifications")  # the toasts, kept for `messages`


def reopen(path: Path) -> Journal:
    return Journal(path, user="reader", sync_on_write="off")


async def drawn(pilot) -> str:
    """Every line drawn, as the person reads it (after the screen had its turn to draw)."""
    from tests.test_text_is_text import terminal_view

    await pilot.pause()
    return terminal_view(pilot.app)[0]


def opened_before(settings, runbook_id: str, shared: Path | None = None, **how: Any) -> str:
    """An incident alice opened earlier (as `oncall` would have), with the runbook's defaults: its id."""
    from tui.runbook.library import load_library

    with Journal(settings.journal_path, shared, user="alice", sync_on_write="inline" if shared else "off") as journal:
        runbook = load_library(settings.runbook_dirs).get(runbook_id)
        return IncidentRecord.open(journal, Clock(), runbook, runbook.default_params(), **how).incident_id


async def open_refusal_spike(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.loaded is not None and app.journal is not None)
    app.open_runbook("refusal-spike")


async def test_quitting_and_reopening_resumes_at_the_same_step(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_refusal_spike(pilot)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("1")
        assert app.screen.controller.step.id == "recent-change"
        first = app.screen.controller.incident_id
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_value == 0

    again = make_app(settings, cursor_blink=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await open_refusal_spike(pilot)
        await wait_for(pilot, lambda: type(again.screen).__name__ == "ResumeScreen")  # before any params form
        text = await drawn(pilot)
        assert f"Incident {first} (yours, opened" in text and "refusal-spike at step recent-change" in text
        assert "one incident, not two" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(again.screen, IncidentScreen))
        controller = again.screen.controller
        assert controller.incident_id == first and controller.step.id == "recent-change"
        assert controller.values() == {"service": "support-assistant", "prompt_version": "v40"}
        await pilot.press("q", "y")
        await pilot.pause()
    journal = reopen(settings.journal_path)
    assert [i.id for i in journal.incidents()] == [first]
    journal.close()


async def test_the_offer_can_start_a_new_incident_or_go_back(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = opened_before(settings, "refusal-spike")
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_refusal_spike(pilot)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResumeScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PickerScreen")
        app.open_runbook("refusal-spike")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResumeScreen")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert app.screen.controller.incident_id != first
    journal = reopen(settings.journal_path)
    assert len(journal.incidents()) == 2
    journal.close()


async def test_a_second_responders_picker_lists_the_first_responders_incident(tmp_path: Path) -> None:
    shared = tmp_path / "shared.jsonl"
    alice = settings_for(tmp_path / "alice", shared_journal=shared)
    iid = opened_before(alice, "refusal-spike", shared, environment="prod-eu")
    bob = dataclasses.replace(settings_for(tmp_path / "bob", shared_journal=shared), user="bob")
    app = make_app(bob, cursor_blink=False)
    async with app.run_test(size=(160, 40)) as pilot:  # no `oncall journal sync` before: the app syncs
        await wait_for(pilot, lambda: app.journal is not None and f"join:{iid}" in app.screen.keys)
        await pilot.pause()
        text = await drawn(pilot)
        assert "refusal-spike at its first step in prod-eu · lead alice" in text
        app.open_runbook("refusal-spike")  # bob opens the runbook too: he is offered alice's incident
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResumeScreen")
        offer = await drawn(pilot)
        assert "(alice's, opened" in offer and "in environment prod-eu" in offer


async def test_a_drill_is_marked_in_the_picker_and_kept_out_of_the_shared_file(tmp_path: Path) -> None:
    from tui.commands.drill_cmd import drill_app
    from tui.drill.catalog import load_catalog

    shared = tmp_path / "shared.jsonl"
    settings = dataclasses.replace(settings_for(tmp_path), runbook_dirs=(Path(__file__).parent.parent / "runbooks",),
                                   shared_journal=shared)
    catalog = load_catalog(settings.runbook_dirs)
    app, drills = drill_app(settings, catalog, "refusal-spike", cursor_blink=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        iid = app.screen.controller.incident_id
        await pilot.press("slash")
        await wait_for(pilot, lambda: f"join:{iid}" in app.screen.keys)
        assert "DRILL" in await drawn(pilot)
    drills.journal.sync()
    drills.journal.close()
    assert iid not in (shared.read_text() if shared.exists() else "")  # ONCALL_SHARED_JOURNAL alone: local


def two_environments(settings):
    envs = {"prod-eu": Environment("prod-eu", protected=True, vars={"kube_context": "eu-prod-2"}),
            "staging": Environment("staging", vars={"kube_context": "staging-1"})}
    return dataclasses.replace(settings, environments=envs)


async def test_the_screen_shows_the_environment_and_a_protected_one_asks_for_its_name(tmp_path: Path) -> None:
    settings = with_environment(two_environments(settings_for(tmp_path)), "prod-eu", pinned=True)
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.journal is not None)
        await pilot.pause()
        assert "ENV prod-eu · PROTECTED" in await drawn(pilot)  # the picker
        app.open_runbook("refusal-spike")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        assert "ENV prod-eu · PROTECTED" in await drawn(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert "ENV prod-eu · PROTECTED" in await drawn(pilot)  # the incident bar
        await pilot.press("1", "1")
        assert screen.controller.step.id == "roll-back"
        screen.run_command("rollback_prompt")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DangerScreen")
        text = await drawn(pilot)
        assert "This changes environment prod-eu, which is" in text
        assert "Type the environment's name, prod-eu," in text
        await pilot.press(*"rollback_prompt", "enter")  # the command's name is not enough here
        await pilot.pause()
        assert type(app.screen).__name__ == "DangerScreen"
        field = app.screen.query_one("#danger-word")
        field.value = ""
        await pilot.press(*"prod-eu", "enter")
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        assert screen.controller.result_for_step().exit_code == 0
        iid = screen.controller.incident_id
    journal = reopen(settings.journal_path)
    [run] = [e for e in journal.events(iid) if e.kind == "command"]
    assert run.data["environment"] == "prod-eu" and run.data["danger"] is True
    assert journal.incident(iid).environment == "prod-eu"
    journal.close()


async def test_the_high_contrast_theme_shows_the_environment_too(tmp_path: Path) -> None:
    settings = with_environment(two_environments(settings_for(tmp_path)), "staging", pinned=True)
    app = make_app(settings, theme="high-contrast", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.pause()
        assert app.theme == "high-contrast" and "ENV staging" in await drawn(pilot)


async def test_no_environment_chosen_is_said(tmp_path: Path) -> None:
    app = make_app(two_environments(settings_for(tmp_path)), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.pause()
        assert "NO ENVIRONMENT" in await drawn(pilot)


async def test_a_resumed_drill_keeps_what_was_fixed(tmp_path: Path) -> None:
    """`oncall drill refusal-spike`, the rollback, quit; the same drill again joins that incident at the
    same step, and its simulated service is still rolled back (the metrics do not start over)."""
    from tests.test_drill_app import suggested
    from tui.app.screens.dialogs import ChoiceScreen, DangerScreen
    from tui.commands.drill_cmd import drill_app
    from tui.drill.catalog import load_catalog

    settings = dataclasses.replace(settings_for(tmp_path), runbook_dirs=(Path(__file__).parent.parent / "runbooks",))
    catalog = load_catalog(settings.runbook_dirs)
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    app, drills = drill_app(settings, catalog, "refusal-spike", speed=600, journal=journal, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        await wait_for(pilot, lambda: suggested(screen, 0))
        await pilot.press("enter", "r")
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        await pilot.press("enter", "1")
        assert screen.controller.step.id == "contain-prompt"
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, DangerScreen))
        await pilot.press(*"rollback_prompt", "enter")
        await wait_for(pilot, lambda: screen.running is None and drills.drills[0].sim.fixed)
        first = screen.controller.incident_id
    journal.close()

    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    again, drills2 = drill_app(settings, catalog, "refusal-spike", speed=600, journal=journal, cursor_blink=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(again.screen, IncidentScreen))
        controller = again.screen.controller
        assert controller.incident_id == first and controller.step.id == "contain-prompt"
        sim = drills2.drills[0].sim
        assert sim.fixed and sim.fixed_by == "rollback_prompt" and drills2.drills[0].incident_id == first
    assert [i.id for i in journal.incidents()] == [first]
    journal.close()


async def test_the_params_form_derives_defaults_from_the_alerts_labels(tmp_path: Path) -> None:
    from tests.test_incident_continuity import RUNBOOK
    from tui.metrics.alerts import Alert, AlertLink

    folder = tmp_path / "serving"
    folder.mkdir()
    (folder / "serving.yaml").write_text(RUNBOOK)
    settings = settings_for(tmp_path, runbook_dirs=(folder,))

    async def fetch(runbooks):
        return [AlertLink(Alert({"alertname": "ServingErrors", "model": "credit-risk"}, fingerprint="f"),
                          ("serving",), {"model": "credit-risk"})]

    app = make_app(settings, alerts=fetch, alert="ServingErrors", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen"
                       and bool(app.screen.query("#param-deployment")))
        value = {n: app.screen.query_one(f"#param-{n}").value for n in ("model", "deployment", "old_style")}
        assert value == {"model": "credit-risk", "deployment": "credit-risk-predictor", "old_style": ""}
        app.screen.query_one("#param-model").value = "churn"  # the derived one follows what is typed
        await wait_for(pilot, lambda: app.screen.query_one("#param-deployment").value == "churn-predictor")
        await pilot.press("enter")  # old_style has no value: asked for, not started
        await pilot.pause()
        assert type(app.screen).__name__ == "ParamsScreen" and "old_style" in str(
            app.screen.query_one("#params-error").render())


async def test_the_picker_says_which_environment_an_alert_belongs_to(tmp_path: Path) -> None:
    from tui.metrics.alerts import Alert, AlertLink

    envs = {"prod-eu": Environment("prod-eu", match={"cluster": "eu-prod-2"}, protected=True)}
    settings = dataclasses.replace(settings_for(tmp_path), environments=envs)

    async def fetch(runbooks):
        return [AlertLink(Alert({"alertname": "AssistantRefusalSpike", "cluster": "eu-prod-2"}, fingerprint="f"),
                          ("refusal-spike",), {})]

    app = make_app(settings, alerts=fetch, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.alert_links is not None and "alert:0" in app.screen.keys)
        assert "→ refusal-spike · in prod-eu" in await drawn(pilot)


async def test_an_alert_of_another_environment_refuses_danger_in_the_app(tmp_path: Path) -> None:
    from tui.metrics.alerts import Alert, AlertLink

    envs = {"prod-eu": Environment("prod-eu", match={"cluster": "eu-prod-2"}, protected=True),
            "staging": Environment("staging", match={"cluster": "staging-1"})}
    settings = with_environment(dataclasses.replace(settings_for(tmp_path), environments=envs), "staging", pinned=True)

    async def fetch(runbooks):
        return [AlertLink(Alert({"alertname": "AssistantRefusalSpike", "cluster": "eu-prod-2"}, fingerprint="f"),
                          ("refusal-spike",), {})]

    app = make_app(settings, alerts=fetch, alert="AssistantRefusalSpike", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert screen.controller.incident.environment == "prod-eu"
        await pilot.press("1", "1")
        screen.run_command("rollback_prompt")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)  # no dialog: nothing to confirm, it is refused
        assert any("belongs to environment prod-eu" in m and "--env prod-eu" in m for m in messages(app))
        assert screen.controller.result_for_step() is None


async def test_t_marks_a_duplicate_of_another_incident(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    other = opened_before(settings, "fix-forward")
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_refusal_spike(pilot)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        await pilot.press("t")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("7")  # duplicate
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen"
                       and "Duplicate" in app.screen.title_text)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        incident = screen.controller.incident
        assert (incident.status, incident.duplicate_of) == ("duplicate", other)
