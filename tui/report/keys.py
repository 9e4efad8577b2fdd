"""The incident-screen keys the report's gap sentences name, as this responder's keymap has them.

The defaults are the incident screen's bindings (tests/test_report_keys.py keeps the two in step);
a `keymap:` entry in config.yaml replaces a key by its binding id, and the report then says that key.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_KEYS = {"incident.findings": "i", "incident.status": "t", "incident.action_item": "a",
                "incident.comms": "u"}


def report_keys(keymap: Mapping[str, str] | None) -> dict[str, str]:
    """Binding id -> the key to press (the first one when the keymap gives several, "N,ctrl+n")."""
    keymap = keymap or {}
    return {bid: (keymap.get(bid) or default).split(",")[0] for bid, default in DEFAULT_KEYS.items()}
