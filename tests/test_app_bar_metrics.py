"""The top bar and the metrics pane at 80x24: the timer, the update's due time and every sparkline stay."""

from __future__ import annotations

from pathlib import Path

from tests.screenshots import fixed_clock, settings_for, static_metrics, wait_for
from tests.test_app_screens import open_incident
from tui.app.factory import make_app
from tui.app.widgets.metrics_pane import SPARKS, columns


async def test_at_80_columns_the_bar_keeps_timer_and_due_time_and_each_metric_its_sparkline(tmp_path: Path):
    app = make_app(settings_for(tmp_path), metrics=static_metrics, clock=fixed_clock(), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.snapshot is not None)
        await pilot.pause()
        bar = screen.query_one("#bar")
        text = str(bar.render()).rstrip()
        assert len(text) <= bar.content_region.width
        controller = screen.controller
        assert controller.elapsed() in text
        assert f"due {controller.clock.hhmm(controller.comms_due())}" in text
        assert "Refusal spike" in text  # shortened, still there
        rows = [line for line in str(screen.query_one("#metrics").render()).splitlines() if line.strip()]
        crit = [row for row in rows if "CRIT" in row]
        assert crit and len(rows) == 2
        for row in rows:
            assert sum(c in SPARKS for c in row) >= 5, row  # a sparkline in every state (a flat one lies low)
        assert any(c in crit[0] for c in SPARKS[1:])  # the CRIT one rises


def test_the_sparkline_keeps_its_cells_before_the_name_does():
    # 36 cells, as at 80x24; a CRIT label of 9 and a long name: the name is cut, not the sparkline.
    name, value, spark = columns(36, [len("eval_pass_rate_for_the_support_assistant")], [5], 9)
    assert spark >= 5 and name + value + spark + 9 + 3 <= 36
    assert columns(80, [12], [5], 8) == (12, 5, 10)  # room for all: full name, full sparkline
