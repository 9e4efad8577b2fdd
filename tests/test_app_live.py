"""The app against a real Prometheus and Alertmanager (tests/fixtures/servers.py): a firing alert opens
its runbook with the alert's labels as parameters, the live metric pre-selects the answer, and the
journal records the value the person saw when they answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screenshots import settings_for, wait_for
from tui.app.factory import make_app
from tui.app.screens.incident import IncidentScreen
from tui.app.screens.picker import PickerScreen
from tui.journal import Journal

pytestmark = pytest.mark.prometheus


async def test_a_firing_alert_opens_its_runbook_and_live_metrics_pre_select(tmp_path: Path, servers,
                                                                            metrics_runbooks: Path):
    settings = settings_for(tmp_path, runbook_dirs=(metrics_runbooks,), prometheus_url=servers.prometheus_url,
                            alertmanager_url=servers.alertmanager_url, poll_interval=1.0)
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.alert_links is not None, tries=500)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        alert_rows = [k for k in picker.keys if k.startswith("alert:")]
        names = {app.alert_links[int(k.split(":")[1])].alert.name for k in alert_rows}
        assert {"LLMRefusalSpike", "ModelAccuracyDrop"} <= names
        assert "NoisyCanary" not in names  # silenced: not on the page

        await pilot.press(*"refusalspike")  # the filter keeps the alert that matches
        assert picker.keys[0].startswith("alert:")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen" and
                       bool(app.screen.query("#param-model")))
        # The alert fired for the support assistant: its label fills the model parameter.
        assert app.screen.query_one("#param-model").value == "support-assistant"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "refusal_rate" in screen.controller.readings, tries=500)
        pane = screen.query_one("#metrics")
        assert "prometheus" in pane.border_title and "live" in pane.border_title
        assert "12.4%" in str(pane.render()) and "CRIT" in str(pane.render())
        assert screen.selected == 0  # "Yes", because refusal_rate 12.4% is above the 5% line
        await pilot.press("enter")

    journal = Journal(settings.journal_path, user="reader", sync_on_write="off")
    [incident] = journal.incidents()
    assert incident.alert == "LLMRefusalSpike"
    assert incident.params["model"] == "support-assistant"
    [decision] = [e for e in journal.events(incident.id) if e.kind == "decision"]
    assert decision.data["matched"] is True
    assert decision.data["metrics"]["refusal_rate"]["value"] == pytest.approx(0.124)
    assert "12.4%" in decision.data["reason"]
    journal.close()


async def test_alert_flag_skips_the_picker(tmp_path: Path, servers, metrics_runbooks: Path):
    settings = settings_for(tmp_path, runbook_dirs=(metrics_runbooks,), prometheus_url=servers.prometheus_url,
                            alertmanager_url=servers.alertmanager_url)
    app = make_app(settings, alert="ModelAccuracyDrop", cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen" and
                       bool(app.screen.query("#param-model")), tries=500)
        assert app.screen.runbook.id == "model-accuracy-drop"
        # The runbook's `model` has no default: the firing alert's label fills it in.
        assert app.screen.query_one("#param-model").value in {"search-ranker"}

