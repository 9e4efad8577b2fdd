"""`oncall simulate`: the simulated service over HTTP, for a real Prometheus to scrape.

GET  /metrics       the series, Prometheus text format (prometheus-client)
GET  /history       the past, OpenMetrics with timestamps, for promtool's backfill (?job=&instance=)
GET  /rules         Prometheus alerting rules for the scenario's alerts
GET  /alerts        the alerts firing now in the simulation (JSON)
GET  /state         simulated time, seed, speed, whether the fix ran, and every metric's value (JSON)
POST /run/COMMAND   run a runbook command in the simulation: its scripted output (the fix starts the recovery)
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from tui.drill.exporter import SimulatedService, history_text
from tui.drill.scenario import SIMULATED
from tui.drill.sim import Simulation
from tui.errors import OncallError
from tui.runbook.render import check_params, render_query, render_text

OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
DEFAULT_JOB = "oncall-simulate"


def alert_rules(sim: Simulation) -> str:
    """The scenario's alerts as a Prometheus rule file: the runbook's own query against its line."""
    values = check_params(sim.runbook, {})
    rules = []
    for rule in sim.scenario.alerts:
        metric = sim.runbook.metrics[rule.metric]
        line = metric.crit if rule.state == "crit" else metric.warn
        op = "<" if metric.direction == "below" else ">"
        entry = {
            "alert": rule.alertname,
            "expr": f"({render_query(metric.query, values)}) {op} {line:g}",
            "for": f"{max(0, round(rule.hold / sim.speed))}s",
            "labels": dict(rule.labels),
            "annotations": {"summary": render_text(rule.summary, values) if rule.summary
                            else f"{metric.title} is {rule.state}",
                            "runbook": sim.runbook.id, "simulated": f"drill scenario {sim.scenario.id}"},
        }
        rules.append(entry)
    doc = {"groups": [{"name": f"oncall-drill-{sim.scenario.id}", "rules": rules}]}
    return yaml.safe_dump(doc, sort_keys=False, width=1000)


def index_text(sim: Simulation, base: str) -> str:
    sc = sim.scenario
    commands = ", ".join(sim.runbook.commands)
    return (f"{SIMULATED} AI service: drill scenario {sc.id} ({sc.title}), runbook {sc.runbook}.\n"
            f"Simulated time {sim.now():.0f}s since the page, speed x{sim.speed:g}, seed {sim.seed}"
            f"{', fixed by ' + sim.fixed_by if sim.fixed_by else ''}.\n\n"
            f"{base}/metrics    scrape this\n"
            f"{base}/history?job=JOB   the past, for queries that look back (offset 1d): save it, then\n"
            f"                   promtool tsdb create-blocks-from openmetrics FILE PROMETHEUS_DATA_DIR\n"
            f"                   (JOB is your scrape job's name, default {DEFAULT_JOB}; the instance label is\n"
            f"                   this address, or pass &instance=HOST:PORT as your scrape config names it)\n"
            f"{base}/rules      alerting rules for Prometheus\n"
            f"{base}/alerts     alerts firing in the simulation\n"
            f"{base}/state      simulated time and every metric's value\n"
            f"curl -X POST {base}/run/COMMAND   a runbook command's scripted output ({commands})\n")


def make_handler(sim: Simulation, service: SimulatedService) -> type[BaseHTTPRequestHandler]:
    registry = service.registry()

    class Handler(BaseHTTPRequestHandler):
        server_version = "oncall-simulate"

        def log_message(self, format: str, *args: object) -> None:  # `format`: the base class's name
            pass  # a scrape a second would drown the terminal

        def _send(self, code: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8",
                  headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # http.server's naming
            try:
                url = urlsplit(self.path)
                self._get(url.path.rstrip("/") or "/", {k: v[-1] for k, v in parse_qs(url.query).items()})
            except Exception as exc:  # a bug must answer 500 with a reason, not drop the connection
                self._send(500, f"oncall simulate failed on {self.path}: {type(exc).__name__}: {exc}; "
                                "please report it.\n")

        def _get(self, path: str, query: dict[str, str]) -> None:
            if path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/history":
                # the labels the scrape adds, so the past and the live series are one series
                labels = {"job": query.get("job", DEFAULT_JOB), "instance": query.get("instance", self._host())}
                self._send(200, history_text(service, labels), OPENMETRICS)
            elif path == "/rules":
                self._send(200, alert_rules(sim), "application/yaml")
            elif path == "/state":
                state = {"scenario": sim.scenario.id, "runbook": sim.runbook.id, "seed": sim.seed,
                         "speed": sim.speed, "origin": sim.origin, "now": sim.now(), "fixed_at": sim.fixed_at,
                         "fixed_by": sim.fixed_by, "values": sim.values()}
                self._send(200, json.dumps(state, indent=2), "application/json")
            elif path == "/alerts":
                firing = [{"labels": a.labels, "metric": a.metric, "value": a.value, "since": a.since,
                           "summary": a.summary} for a in sim.alerts_at()]
                self._send(200, json.dumps(firing, indent=2), "application/json")
            elif path == "/":
                self._send(200, index_text(sim, f"http://{self._host()}"))
            else:
                self._send(404, f"Not found: {path}; GET / lists what this server offers.\n")

        def _host(self) -> str:
            address = self.server.server_address
            bound = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
            host = self.headers.get("Host") or bound
            return host if ":" in host else f"{host}:80"

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if not path.startswith("/run/"):
                self._send(404, "Not found; POST /run/COMMAND runs a runbook command in the simulation.\n")
                return
            try:
                reply = sim.run_command(unquote(path[len("/run/"):]))
            except OncallError as exc:
                self._send(404, f"{exc}\n")
                return
            self._send(200, "\n".join(reply.lines) + "\n", headers={"X-Exit-Code": str(reply.exit_code)})

    return Handler


def serve(sim: Simulation, host: str, port: int) -> tuple[ThreadingHTTPServer, SimulatedService]:
    """Start serving in a background thread; returns the server (call shutdown()) and the service."""
    service = SimulatedService(sim)
    try:
        server = ThreadingHTTPServer((host, port), make_handler(sim, service))
    except OSError as exc:
        raise OncallError(f"Cannot listen on {host}:{port} ({exc.strerror}); pick another port with --port.") from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="oncall-simulate", daemon=True).start()
    return server, service
