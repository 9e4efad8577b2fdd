"""What leaves the terminal: updates sent through Apprise, Alertmanager silences, hooks on incident events.

The core of issue 15. No Textual here; the app calls these from thread workers, the CLI directly.
Every send, silence and hook is journaled (kinds `comms`, `send`, `silence`, `hook`: tui/journal/schema.py),
and no secret a target holds reaches the journal: targets are recorded as the config writes them
(`env:NAME`, `file:PATH`, or a URL that holds no secret).
"""
