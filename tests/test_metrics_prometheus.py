"""The Prometheus client against a real Prometheus scraping the simulated AI service."""

from __future__ import annotations

import math

import pytest

from tests.fixtures.servers import REFUSAL_RATIO, dead_url
from tui.errors import OncallError
from tui.metrics.prometheus import MAX_POINTS, PrometheusClient, PrometheusError, range_step

pytestmark = pytest.mark.prometheus


@pytest.fixture
def engine(servers) -> str:
    """Where the engines answer differently, each test says what each one does and oncall makes of it."""
    return servers.engine


@pytest.fixture
async def prom(servers):
    async with PrometheusClient(servers.prometheus_url, timeout=5.0) as client:
        yield client


async def test_vector_with_several_labelled_series(prom):
    result = await prom.query("ai_refusal_ratio")
    assert result.result_type == "vector"
    got = {labels["model"]: value for labels, value in result.samples()}
    assert got == REFUSAL_RATIO


async def test_scalar_and_matrix_results(prom, engine):
    scalar = await prom.query("scalar(ai_gpu_memory_free_bytes) / 1024")
    # VictoriaMetrics answers a scalar expression as a vector of one unlabelled series: the same sample.
    assert scalar.result_type == ("scalar" if engine == "prometheus" else "vector")
    assert scalar.samples() == [({}, 3 * 1024**2)]
    matrix = await prom.query('ai_refusal_ratio{model="support-assistant"}[10s]')
    assert matrix.result_type == "matrix"
    assert len(matrix.series) == 1 and len(matrix.series[0].points) >= 1
    assert {v for _, v in matrix.series[0].points} == {0.124}


async def test_nan_and_infinities_are_numbers(prom, engine):
    result = await prom.query("ai_special_value")
    got = {labels["kind"]: value for labels, value in result.samples()}
    if engine == "prometheus":
        assert math.isnan(got["nan"])
    else:  # VictoriaMetrics stores NaN as "no sample": the same NO DATA state on screen
        assert "nan" not in got
    assert got["inf"] == math.inf and got["neginf"] == -math.inf


async def test_empty_result_is_success_with_no_series(prom):
    result = await prom.query('ai_refusal_ratio{model="no-such-model"}')
    assert result.result_type == "vector" and result.series == () and result.samples() == []


async def test_parse_error_shows_prometheus_message(prom, engine):
    with pytest.raises(PrometheusError) as err:
        await prom.query("sum(ai_refusal_ratio")
    assert err.value.kind == "query" and not err.value.server_down
    if engine == "prometheus":
        assert "bad_data" in str(err.value) and "parse error" in str(err.value)
    else:
        assert "422" in str(err.value) and "unexpected token" in str(err.value)
    assert str(err.value).endswith("fix the query in the runbook.")


async def test_execution_error_is_a_query_error(prom, engine):
    with pytest.raises(PrometheusError) as err:  # many-to-many matching: 422 execution
        await prom.query("ai_refusal_ratio + on() ai_eval_accuracy")
    assert err.value.kind == "query" and not err.value.server_down
    assert ("execution" if engine == "prometheus" else "422") in str(err.value)
    assert str(err.value).endswith("fix the query in the runbook.")


async def test_string_result_is_refused_in_words(prom, engine):
    if engine == "prometheus":
        with pytest.raises(PrometheusError, match="returns a string"):
            await prom.query('"hello"')
    else:  # VictoriaMetrics answers a string literal with an empty vector: NO DATA, not an error
        result = await prom.query('"hello"')
        assert result.result_type == "vector" and result.samples() == []


async def test_range_query_for_sparklines(prom):
    result = await prom.query_recent('ai_latency_p95_seconds{model="search-ranker"}', window=60, points=30)
    assert result.result_type == "matrix"
    (series,) = result.series
    assert series.labels["model"] == "search-ranker"
    assert 1 <= len(series.points) <= 31
    assert all(v == 2.4 for _, v in series.points)


async def test_range_step_keeps_points_under_the_cap(prom):
    for window in (60, 1800, 86400, 30 * 86400):
        assert window / range_step(window, points=10**9) + 1 < MAX_POINTS
    assert range_step(1800) == 15
    # Asking a 4-hour range at a 1 s step would be 14,401 points; the client raises the step instead.
    result = await prom.query_range("ai_gpu_memory_free_bytes", 1_700_000_000, 1_700_014_400, 1)
    assert result.result_type == "matrix"


async def test_long_query_goes_as_post(prom):
    names = "|".join(f"model-{i:04d}" for i in range(300)) + "|support-assistant"
    query = f'ai_refusal_ratio{{model=~"{names}"}}'
    assert len(query) > 2000
    result = await prom.query(query)
    assert [v for _, v in result.samples()] == [0.124]


async def test_refused_connection_is_one_sentence_saying_what_to_do():
    url = dead_url()
    async with PrometheusClient(url, token="s3cr3t-token", timeout=2.0) as client:
        with pytest.raises(PrometheusError) as err:
            await client.query("up")
    message = str(err.value)
    assert err.value.kind == "unreachable" and err.value.server_down
    assert message.startswith(f"Cannot reach Prometheus at {url} (")
    assert message.endswith("and that Prometheus is running.") and "\n" not in message
    assert "s3cr3t-token" not in message


def test_not_a_url_is_refused():
    with pytest.raises(OncallError, match="not an http"):
        PrometheusClient("localhost:9090")


def test_secrets_never_in_repr_or_messages():
    client = PrometheusClient("http://alice:pa55word@127.0.0.1:9", token="tok-123")
    assert "pa55word" not in repr(client) and "tok-123" not in repr(client)
    assert client.url == "http://127.0.0.1:9"
    assert client._scrub("x tok-123 pa55word") == "x *** ***"
