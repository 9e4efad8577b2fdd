"""Live metrics and alerts (no Textual here).

- `prometheus.PrometheusClient`: instant and range queries, typed one-sentence errors.
- `poller.Poller`: polls a runbook's metrics (`poller.metric_queries`) and delivers `readings.Snapshot`s.
- `readings`: `Reading` / `Snapshot`, the source-independent data the metrics pane shows.
- `thresholds` and `units`: states (ok, WARN, CRIT, STALE, NO DATA, DOWN) and values for people.
- `suggest.suggest`: the answer a metric state or command result points to, with its reason.
- `alerts`: Alertmanager's firing alerts, linked to runbooks with parameters from labels.

Submodules are imported where used, so importing this package costs nothing.
"""
