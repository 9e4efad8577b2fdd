"""A query's windows, offsets and selectors, read with the real PromQL parser (tui.promql)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui import promql
from tui.config import BUNDLED_RUNBOOKS
from tui.runbook.library import load_library
from tui.runbook.render import check_params, render_query


@pytest.mark.parametrize(("query", "seconds"), [
    ("up", 0.0),
    ("sum(increase(kube_pod_container_status_restarts_total{pod=~\"a-.*\"}[15m])) or vector(0)", 900.0),
    ("rate(x[1h30m])", 5400.0),
    ("max_over_time(rate(x[5m])[30m:1m])", 2100.0),  # the subquery reads 30 min of 5-min rates: 35 min back
    ("max_over_time(rate(x[5m])[30m:])", 2100.0),  # no step: same window
    ("rate(a[5m]) / rate(b[10m])", 600.0),  # the longest selector, not the sum of siblings
    ("avg(q) / avg(avg_over_time(q[7d] offset 1d))", 0.0),  # the 7-day window reads yesterday, not now
    ("rate(x[5m] offset 1h) + rate(x[2m])", 120.0),
    ("max_over_time(rate(x[5m])[30m:1m] offset 1h)", 0.0),  # the subquery's offset moves everything inside
    ("rate(x[5m] @ 1700000000)", 0.0),  # pinned to a time: it never moves
    ("irate(x[5m])", 0.0),  # irate answers from the newest two samples
    ("max_over_time(irate(x[5m])[30m:1m])", 1800.0),
    ("histogram_quantile(0.95, sum by (le) (rate(b_bucket[15m])))", 900.0),
    ("topk(3, sum_over_time(x[20m]))", 1200.0),
])
def test_longest_window_is_the_live_windows_added_up(query: str, seconds: float) -> None:
    assert promql.longest_window_s(query) == seconds


def test_offsets_move_windows_and_set_how_far_back_history_goes() -> None:
    shape = promql.parse("rate(x[30m] offset 1d) / rate(x[30m]) + max_over_time(rate(y[5m] offset 2m)[1h:1m] offset 1h)")
    assert shape.offsets == (86400.0, 3600.0, 120.0)  # each as written
    assert [(r.selector.name, r.window, r.offset) for r in shape.reads] == [
        ("x", 1800.0, 86400.0), ("x", 1800.0, 0.0), ("y", 3900.0, 3720.0)]
    assert shape.lookback_s == 86400.0 + 1800.0
    assert [(w.kind, w.seconds, w.function, w.offset) for w in shape.windows] == [
        ("range", 1800.0, "rate", 86400.0), ("range", 1800.0, "rate", 0.0),
        ("subquery", 3600.0, "max_over_time", 3600.0), ("range", 300.0, "rate", 120.0)]
    assert shape.longest_window_s == 1800.0
    assert promql.parse("x offset -5m").offsets == (-300.0,)


def test_selectors_carry_names_and_matchers() -> None:
    shape = promql.parse('sum(rate(http_total{code=~"5..",path!="/health"}[5m])) / sum(rate(http_total[5m])) '
                         '+ on() count({__name__="vllm:up",job!~"test.*"})')
    sels = shape.selectors
    assert [s.name for s in sels] == ["http_total", "http_total", None]
    assert str(sels[0]) == 'http_total{code=~"5..",path!="/health"}'
    assert sels[0].accepts("http_total", {"code": "503", "path": "/v1"})
    assert not sels[0].accepts("http_total", {"code": "200", "path": "/v1"})
    assert not sels[0].accepts("http_total", {"code": "5030"})  # regexes are anchored
    assert sels[1].accepts("http_total", {})
    assert sels[2].accepts("vllm:up", {"job": "prod"}) and not sels[2].accepts("vllm:up", {"job": "tests"})
    assert not sels[2].accepts("other", {"job": "prod"})
    either = promql.parse('x{a="1" or b="2"}').selectors[0]
    assert either.accepts("x", {"b": "2"}) and not either.accepts("x", {"a": "2"})
    quoted = promql.parse('x{a="say \\"hi\\"\\n"}').selectors[0]
    assert quoted.matchers[0].value == 'say "hi"\n'
    assert promql.parse(str(quoted)).selectors[0] == quoted  # str() is PromQL that reads back the same


@pytest.mark.parametrize("query", ["rate(x[5m]", "sum(x) by (", "rate(x)", "x[5m] + 1", "", "foo{a=}",
                                   "unknown_fn(x)", "(" * 3000 + "x" + ")" * 3000])
def test_a_query_that_does_not_parse_is_one_sentence(query: str) -> None:
    with pytest.raises(promql.PromQLError) as caught:
        promql.parse(query)
    message = str(caught.value)
    assert message.startswith("The PromQL query does not parse (") and message.endswith("; fix the query.")
    assert "\n" not in message and caught.value.reason


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='abx_:{}[]()"=~!,.5m: offset@-+*/^', max_size=60))
def test_any_text_parses_or_gives_the_error_never_another_exception(text: str) -> None:
    try:
        shape = promql.parse(text)
    except promql.PromQLError:
        return
    assert shape.longest_window_s >= 0.0 and shape.lookback_s >= 0.0


def test_every_bundled_runbook_query_parses() -> None:
    library = load_library([BUNDLED_RUNBOOKS])
    checked = 0
    for rb_id in library.valid:
        rb = library.get(rb_id)
        values = check_params(rb, {})
        for metric in rb.metrics.values():
            promql.parse(render_query(metric.query, values))
            checked += 1
    assert checked > 20


def test_importing_the_module_does_not_import_the_parser() -> None:
    code = "import sys, tui.promql; print('promql_parser' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
