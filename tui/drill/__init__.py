"""Game-day drills: scenarios (scenario, spec, validate, catalog), the simulated AI service (curve, sim),
its Prometheus exporter and HTTP server (exporter, serve, promql), what the app plugs in (source, runner,
hooks) and the score. No Textual here."""
