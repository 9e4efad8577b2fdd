"""Hostile Prometheus replies from the local fault server: each is bounded and costs one sentence.

A server that drips bytes, never stops, inflates a gzip bomb, nests JSON 200,000 deep or sends
fields of the wrong type must never hang the client, exhaust its memory or raise a traceback.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from tui.metrics.bounded import MAX_BODY_BYTES, MIB
from tui.metrics.prometheus import PrometheusClient, PrometheusError

DEEP = 200_000


async def _error(url: str, timeout: float = 5.0) -> PrometheusError:
    async with PrometheusClient(url, timeout=timeout) as client:
        with pytest.raises(PrometheusError) as err:
            await client.query("up")
    message = str(err.value)
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message
    return err.value


@pytest.mark.parametrize("body_only", [False, True], ids=["headers-drip", "body-drip"])
async def test_a_dripping_server_is_cut_at_the_whole_request_deadline(fault_server, body_only):
    # Each byte comes well within the per-read timeout; only a deadline on the whole request ends it.
    fault_server.mode, fault_server.delay, fault_server.drip_body_only = "drip", 0.05, body_only
    err = await _error(fault_server.url, timeout=0.5)
    assert err.kind == "timeout" and err.server_down
    assert str(err) == (f"Prometheus at {fault_server.url} did not answer within 0.5s; "
                        "check that it is up and not overloaded.")
    assert fault_server.sent < 60  # cut off long before the ~150-byte answer was through


async def test_an_endless_chunked_body_stops_at_the_cap(fault_server):
    fault_server.mode, fault_server.limit = "endless", 96 * MIB
    err = await _error(fault_server.url, timeout=30.0)
    assert err.kind == "query" and not err.server_down
    assert str(err) == (f"Prometheus at {fault_server.url} sent a reply larger than 32 MiB (8 MiB compressed), "
                        "which oncall does not read; narrow the query (fewer series or a shorter range).")
    assert fault_server.sent < 64 * MIB  # the client hung up near the cap, not at the server's end


async def test_a_gzip_bomb_never_inflates_past_the_cap(fault_server):
    fault_server.mode, fault_server.limit = "gzipbomb", 2 * MAX_BODY_BYTES
    tracemalloc.start()
    try:
        err = await _error(fault_server.url, timeout=30.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "sent a reply larger than 32 MiB (8 MiB compressed)" in str(err)
    assert peak < MAX_BODY_BYTES + 8 * MIB  # the cap plus one inflated piece, never the bomb's 64 MiB
    assert fault_server.requests[-1].headers["accept-encoding"] == "gzip, deflate"


async def test_a_declared_length_over_the_cap_is_refused_unread(fault_server):
    fault_server.mode, fault_server.body = "raw", b"[" + b" " * (MAX_BODY_BYTES + 1) + b"]"
    err = await _error(fault_server.url, timeout=30.0)
    assert "sent a reply larger than 32 MiB" in str(err)


@pytest.mark.parametrize("body", [
    b"[" * DEEP + b"]" * DEEP,
    ('{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":' + "[" * DEEP + "]" * DEEP
     + '},"value":[1,"1"]}]}}').encode(),
], ids=["whole-reply", "inside-a-series"])
async def test_json_nested_200000_deep_is_a_sentence(fault_server, body):
    fault_server.mode, fault_server.body = "raw", body
    err = await _error(fault_server.url)
    assert err.kind == "malformed"
    assert str(err) == (f"Prometheus at {fault_server.url} sent a reply oncall cannot read: JSON nested too deeply; "
                        "check that the URL points at Prometheus or a server that speaks its API.")


def _vector(result: object, **extra: object) -> bytes:
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}, **extra}).encode()


def _data(data: object) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


OK_ITEM = {"metric": {"job": "a"}, "value": [1700000000, "1"]}


@pytest.mark.parametrize(("body", "reason"), [
    (_vector([OK_ITEM], warnings="oops"), "the warnings field is a string, not a list"),
    (_vector([OK_ITEM], warnings=[{"w": 1}]), "the warnings field holds a mapping, not only strings"),
    (_vector([{"metric": ["job", "a"], "value": [1, "1"]}]), "the labels of series 1 are a list, not a mapping"),
    (_vector([OK_ITEM, {"metric": {"job": 7}, "value": [1, "1"]}]),
     "the labels of series 2 have 'job' as a number, not a string"),
    (_vector([{"metric": {"job": None}, "value": [1, "1"]}]), "the labels of series 1 have 'job' as null"),
    (_vector([{"metric": {}, "value": [1, "1", 2]}]), "the sample of series 1 is a list of 3, not a [time, value]"),
    (_vector([{"metric": {}, "value": "1"}]), "the sample of series 1 is a string, not a [time, value] pair"),
    (_vector([{"metric": {}, "value": [1, 1.5]}]), "the value of the sample of series 1 is a number, not a string"),
    (_vector([{"metric": {}, "value": ["now", "1"]}]), "the time of the sample of series 1 is a string"),
    (_vector([{"metric": {}, "value": [1, "high"]}]), "the value of the sample of series 1 is not a number ('high')"),
    (_vector([{"metric": {}}]), "series 1 has no value"),
    (_vector([{"metric": {}, "histogram": [1, {}]}]), "series 1 is a native histogram, not a number"),
    (_vector(["up"]), "series 1 is a string, not a mapping"),
    (_vector({"oops": 1}), "the vector result is a mapping, not a list"),
    (_data({"resultType": 7, "result": []}), "the result type is a number, not vector, matrix or scalar"),
    (_data({"resultType": "matrix", "result": [{"metric": {}, "values": {"a": 1}}]}),
     "the values of series 1 are a mapping, not a list"),
    (_data({"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"], [2]]}]}),
     "a sample of series 1 is a list of 1"),
    (_data({"resultType": "scalar", "result": None}), "the scalar is null, not a [time, value] pair"),
])
async def test_a_field_of_the_wrong_type_is_one_sentence(fault_server, body, reason):
    fault_server.mode, fault_server.body = "raw", body
    err = await _error(fault_server.url)
    assert err.kind == "malformed"
    assert str(err).startswith(f"Prometheus at {fault_server.url} sent a reply oncall cannot read: {reason}")
    assert str(err).endswith("; check that the URL points at Prometheus or a server that speaks its API.")


async def test_lenient_where_the_api_allows(fault_server):
    fault_server.mode = "raw"
    fault_server.body = _vector([{"value": [1700000000, "NaN"]}, {"metric": None, "value": [1, "+Inf"]}],
                                warnings=["partial answer: store-2 is down"])
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        result = await client.query("up")
    assert [dict(labels) for labels, _ in result.samples()] == [{}, {}]
    assert result.warnings == ("partial answer: store-2 is down",)
