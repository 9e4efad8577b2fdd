"""A small async client for the Prometheus HTTP API (also spoken by Thanos, Mimir, VictoriaMetrics).

One `httpx.AsyncClient` is reused for every query: on these machines the
client's CPU, not the server, dominates a query's cost, so the client parses
only what it needs and keeps connections alive. Every failure becomes a
`PrometheusError` whose message is one sentence saying what to do, and whose
`kind` tells a poller whether the server is down or only this query failed.
Credentials live only in the httpx client: never in a message, a log or repr.

Replies are untrusted: each request has one deadline and size caps
(`tui.metrics.bounded`), its JSON is parsed in slices (`tui.metrics.jsonread`,
in a thread when large) and its shape is checked (`tui.metrics.shapes`), so a
hostile or broken server costs a sentence, never a hang, a MemoryError or a
traceback.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tui.config import secret_header_values
from tui.errors import OncallError
from tui.metrics import jsonread
from tui.metrics.bounded import OFFLOAD_BYTES, Reply, ReplyFault, fetch
from tui.metrics.jsonread import JSONTooDeep
from tui.metrics.offload import offload
from tui.metrics.readings import Series
from tui.metrics.shapes import Keep, SeriesReader, Unreadable, is_partial, prometheus_result

MAX_POINTS = 11_000  # Prometheus refuses query_range answers with more points per series
DEFAULT_TIMEOUT = 10.0
# Bodies longer than this go as a POST form, which every Prometheus-compatible server accepts.
_MAX_GET_QUERY = 2_000
# Server-side errors that mean the server, not the query, is unwell.
_UNAVAILABLE_TYPES = frozenset({"unavailable", "internal"})


class PrometheusError(OncallError):
    """kind: unreachable | timeout | auth | http | malformed | unavailable | query."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def server_down(self) -> bool:
        """True unless only this query failed while the server answered properly."""
        return self.kind != "query"


def safe_url(url: str) -> str:
    """The URL without user:password@, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def range_step(window: float, points: int = 120) -> float:
    """A step in whole seconds that gives about `points` points over `window`, always under the 11,000 cap."""
    step = max(1.0, math.ceil(window / max(1, points)))
    while window / step + 1 >= MAX_POINTS:
        step += 1.0
    return step


@dataclass(frozen=True)
class QueryResult:
    result_type: str  # vector | scalar | matrix | string
    series: tuple[Series, ...]  # vector/scalar: one point each; matrix: many
    warnings: tuple[str, ...] = ()
    returned: int = 0  # series with a sample the server sent (a keeper may have left some out of `series`)
    partial: bool = False  # the engine said the answer may be incomplete (warnings, or isPartial)

    def samples(self) -> list[tuple[Mapping[str, str], float]]:
        """(labels, latest value) per series."""
        return [(s.labels, s.last) for s in self.series if s.points]


def _one_line(text: object, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def request_headers(extra: Mapping[str, str] | Iterable[tuple[str, str]] = (), token: str | None = None
                    ) -> dict[str, str]:
    """Every header oncall sends a Prometheus-compatible server, in one place: the configured ones
    (`prometheus_headers`, e.g. X-Scope-OrgID for Mimir/Cortex; checked by tui.config.parse_headers),
    then oncall's own, which win (Accept, and the bearer token)."""
    headers = dict(extra.items() if isinstance(extra, Mapping) else extra)
    headers["Accept"] = "application/json"
    if token:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = f"Bearer {token}"
    return headers


class PrometheusClient:
    def __init__(self, base_url: str, *, token: str | None = None, username: str | None = None,
                 password: str | None = None, ca_file: str | None = None, insecure: bool = False,
                 timeout: float = DEFAULT_TIMEOUT, transport: httpx.AsyncBaseTransport | None = None,
                 headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        """`base_url` as given, path prefix and all (`http://HOST/prometheus`, `…/select/0/prometheus`):
        the API paths are appended to it."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OncallError(f"{safe_url(base_url)!r} is not an http(s) URL; pass --prometheus http://HOST:9090.")
        self.url = safe_url(base_url).rstrip("/")
        sent = request_headers(headers, token)
        self._secrets = tuple(s for s in (token, password, parts.password, *secret_header_values(sent)) if s)
        auth = httpx.BasicAuth(username, password or "") if username else None
        verify: ssl.SSLContext | bool = True
        if insecure:
            verify = False
        elif ca_file:
            try:
                verify = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise OncallError(f"Cannot use the CA file {ca_file} ({_one_line(exc)}); fix prometheus_ca_file.") from None
        self.timeout = timeout
        # Few connections, all kept alive: the client's CPU is the bottleneck (Prometheus answers in
        # ~0.2 ms), and httpcore scans its whole pool on every request state change, so 50
        # connections for a 50-query poll cost 2x the time of 8 (measured in bench/b_metrics.py).
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", headers=sent, auth=auth,
                                       verify=verify, timeout=timeout, limits=limits, transport=transport)

    @classmethod
    def from_settings(cls, settings: Any, *, url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                      transport: httpx.AsyncBaseTransport | None = None) -> PrometheusClient:
        url = url or settings.prometheus_url
        if not url:
            raise OncallError("No Prometheus URL is set; pass --prometheus URL or set ONCALL_PROMETHEUS_URL.")
        return cls(url, token=settings.prometheus_token, username=settings.prometheus_username,
                   password=settings.prometheus_password, ca_file=settings.prometheus_ca_file,
                   insecure=settings.prometheus_insecure, timeout=timeout, transport=transport,
                   headers=getattr(settings, "prometheus_headers", ()))

    def __repr__(self) -> str:
        return f"PrometheusClient({self.url!r})"

    async def __aenter__(self) -> PrometheusClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- queries ---------------------------------------------------------------

    async def query(self, promql: str, at: float | None = None, keep: Keep | None = None) -> QueryResult:
        """An instant query (`/api/v1/query`), evaluated now or at unix time `at`.

        `keep`: what to keep of the series as they are read (e.g. the worst 200); default all."""
        params = {"query": promql}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return await self._result(await self._call("api/v1/query", params), keep)

    async def query_range(self, promql: str, start: float, end: float, step: float,
                          keep: Keep | None = None) -> QueryResult:
        """A range query (`/api/v1/query_range`); the step is raised to stay under 11,000 points."""
        step = max(step, math.ceil((end - start) / (MAX_POINTS - 2)) or 1)
        params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        return await self._result(await self._call("api/v1/query_range", params), keep)

    async def query_recent(self, promql: str, window: float = 1800.0, points: int = 120) -> QueryResult:
        """The last `window` seconds of `promql`, about `points` points: sparkline data."""
        end = time.time()
        return await self.query_range(promql, end - window, end, range_step(window, points))

    # -- transport and parsing -------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _fail(self, message: str, kind: str) -> PrometheusError:
        return PrometheusError(self._scrub(message), kind)

    async def _call(self, path: str, params: dict[str, str]) -> Reply:
        """The reply, read whole within one deadline (connect, headers and body together) and the size caps."""
        if len(params["query"]) > _MAX_GET_QUERY:
            method, options = "POST", {"data": params}
        else:
            method, options = "GET", {"params": params}
        try:
            return await fetch(self._http, method, path, deadline=self.timeout, **options)
        except (TimeoutError, httpx.TimeoutException) as exc:
            what = "accept a connection" if isinstance(exc, httpx.ConnectTimeout) else "answer"
            raise self._fail(f"Prometheus at {self.url} did not {what} within {self.timeout:g}s; "
                             "check that it is up and not overloaded.", "timeout") from None
        except httpx.HTTPError as exc:  # refused, reset, DNS, TLS...
            reason = _one_line(exc) or type(exc).__name__
            raise self._fail(f"Cannot reach Prometheus at {self.url} ({reason}); check --prometheus "
                             "or ONCALL_PROMETHEUS_URL and that Prometheus is running.", "unreachable") from None
        except ReplyFault as exc:
            if exc.too_large:
                raise self._fail(f"Prometheus at {self.url} sent a reply {exc.reason}; narrow the query "
                                 "(fewer series or a shorter range).", "query") from None
            raise self._unreadable(exc.reason) from None

    def _unreadable(self, reason: str) -> PrometheusError:
        return self._fail(f"Prometheus at {self.url} sent a reply oncall cannot read: {reason}; check that "
                          "the URL points at Prometheus or a server that speaks its API.", "malformed")

    async def _result(self, reply: Reply, keep: Keep | None) -> QueryResult:
        """Decode and check the reply; a large one in a thread, so the event loop keeps running meanwhile."""
        result: QueryResult = await offload(len(reply.body) > OFFLOAD_BYTES, self._read, reply, keep)
        return result

    def _read(self, reply: Reply, keep: Keep | None) -> QueryResult:
        reader = SeriesReader(keep)
        return self._parse(self._decode(reply, reader), reader)

    def _decode(self, reply: Reply, reader: SeriesReader) -> Any:
        status = reply.status
        body: Any = None
        too_deep = False
        try:
            body = jsonread.loads(reply.body, each=reader, at=SeriesReader.AT)
        except JSONTooDeep:
            too_deep = True
        except ValueError:
            pass
        if isinstance(body, dict) and body.get("status") == "error":
            raw_type = body.get("errorType")
            etype = _one_line(raw_type if isinstance(raw_type, str) and raw_type else "error", 60)
            error = body.get("error")
            detail = _one_line(error if isinstance(error, str) and error else "no detail")
            if etype in _UNAVAILABLE_TYPES:
                raise self._fail(f"Prometheus at {self.url} is not able to serve queries ({etype}: {detail}); "
                                 "check its health and retry.", "unavailable")
            if etype == "timeout":
                raise self._fail(f"Prometheus gave up on the query ({detail}); make the query cheaper "
                                 "or its range shorter.", "query")
            raise self._fail(f"Prometheus rejected the query ({etype}: {detail}); fix the query in the runbook.",
                             "query")
        if status in (401, 403):
            raise self._fail(f"Prometheus at {self.url} refused the credentials (HTTP {status}); check "
                             "ONCALL_PROMETHEUS_TOKEN or the configured username and password.", "auth")
        if status == 404:
            raise self._fail(f"Prometheus at {self.url} has no query API (HTTP 404); pass its base URL, "
                             "such as http://HOST:9090, with the path prefix it is served under, if any "
                             "(http://HOST/prometheus).", "http")
        if status >= 400:
            reason = _one_line(reply.reason or "error", 60)
            raise self._fail(f"Prometheus at {self.url} answered HTTP {status} ({reason}); check that it "
                             "is healthy and retry.", "http")
        if too_deep:
            raise self._unreadable("JSON nested too deeply")
        if not isinstance(body, dict) or body.get("status") != "success" or not isinstance(body.get("data"), dict):
            raise self._fail(f"Prometheus at {self.url} sent a reply that is not Prometheus API JSON; check "
                             "that the URL points at Prometheus, not at a proxy or login page.", "malformed")
        return body

    def _parse(self, body: dict[str, Any], reader: SeriesReader) -> QueryResult:
        try:
            rtype, series, warnings = prometheus_result(body, reader)
            partial = is_partial(body) or bool(warnings)
        except Unreadable as exc:
            raise self._unreadable(exc.reason) from None
        if rtype == "string":
            raise self._fail("The query returns a string, not a number; fix the query in the runbook.", "query")
        return QueryResult(rtype, series, tuple(_one_line(w) for w in warnings), reader.keep.returned, partial)
