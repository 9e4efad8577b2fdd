"""Faults no real Prometheus produces on cue, from the local fault server: each one sentence, typed."""

from __future__ import annotations

import base64

import pytest

from tui.config import Settings
from tui.metrics.prometheus import PrometheusClient, PrometheusError


async def _error(url: str, **options) -> PrometheusError:
    async with PrometheusClient(url, timeout=options.pop("timeout", 5.0), **options) as client:
        with pytest.raises(PrometheusError) as err:
            await client.query("up")
    message = str(err.value)
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message
    return err.value


@pytest.mark.parametrize(("mode", "kind", "words"), [
    ("malformed", "malformed", "not Prometheus API JSON"),
    ("html", "malformed", "not Prometheus API JSON"),
    ("wrongshape", "malformed", "cannot read: the vector result is a mapping, not a list"),
    ("error500", "http", "answered HTTP 500"),
    ("notfound", "http", "has no query API (HTTP 404); pass its base URL"),
    ("unauthorized", "auth", "refused the credentials (HTTP 401)"),
    ("baddata", "query", "rejected the query (bad_data: 1:5: parse error"),
])
async def test_fault_becomes_typed_sentence(fault_server, mode, kind, words):
    fault_server.mode = mode
    err = await _error(fault_server.url)
    assert err.kind == kind
    assert words in str(err)
    assert err.server_down == (kind != "query")


async def test_hang_becomes_timeout(fault_server):
    fault_server.mode = "hang"
    err = await _error(fault_server.url, timeout=0.3)
    assert err.kind == "timeout" and err.server_down
    assert str(err) == f"Prometheus at {fault_server.url} did not answer within 0.3s; check that it is up and not overloaded."


async def test_bearer_token_sent_but_never_shown(fault_server):
    fault_server.mode = "error500"
    err = await _error(fault_server.url, token="tok-SECRET")
    assert fault_server.requests[-1].headers["authorization"] == "Bearer tok-SECRET"
    assert "tok-SECRET" not in str(err) and "tok-SECRET" not in repr(err)


async def test_basic_auth_from_settings(fault_server):
    settings = Settings(prometheus_url=fault_server.url, prometheus_username="oncall", prometheus_password="pw-9")
    async with PrometheusClient.from_settings(settings) as client:
        result = await client.query("up")
    assert result.samples() == [({"job": "fault"}, 0.5)]
    sent = fault_server.requests[-1].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"oncall:pw-9").decode()
    assert fault_server.requests[-1].params["query"] == ["up"]


def test_missing_url_or_ca_file_says_what_to_do(tmp_path):
    from tui.errors import OncallError

    with pytest.raises(OncallError, match="pass --prometheus URL or set ONCALL_PROMETHEUS_URL"):
        PrometheusClient.from_settings(Settings())
    with pytest.raises(OncallError, match="fix prometheus_ca_file"):
        PrometheusClient("https://127.0.0.1:9", ca_file=str(tmp_path / "missing.pem"))


async def test_url_with_a_path_prefix(fault_server):
    async with PrometheusClient(fault_server.url + "/prometheus/") as client:
        await client.query("up")
    assert fault_server.requests[-1].path == "/prometheus/api/v1/query"
