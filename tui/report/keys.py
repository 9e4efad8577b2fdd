"""The incident-screen keys the report's gap sentences name, as this responder's keymap has them.

The defaults are the incident screen's bindings (tests/test_report_keys.py keeps the two in step);
a `keymap:` entry in config.yaml replaces a key by its binding id, and the report then says that key.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_KEYS = {"incident.findings": "i", "incident.status": "t", "incident.action_item": "a",
                "incident.comms": "u"}


# Textual's names for keys that print as a character: a person reads "press ?", not "press question_mark".
_CHARACTERS = {"question_mark": "?", "slash": "/", "exclamation_mark": "!", "full_stop": ".", "comma": ",",
               "colon": ":", "semicolon": ";", "plus": "+", "minus": "-", "asterisk": "*", "number_sign": "#",
               "at": "@", "ampersand": "&", "percent_sign": "%", "dollar_sign": "$", "equals_sign": "=",
               "underscore": "_", "left_square_bracket": "[", "right_square_bracket": "]", "space": "space"}


def report_keys(keymap: Mapping[str, str] | None) -> dict[str, str]:
    """Binding id -> the key to press (the first one when the keymap gives several, "N,ctrl+n")."""
    keymap = keymap or {}
    keys = {bid: (keymap.get(bid) or default).split(",")[0] for bid, default in DEFAULT_KEYS.items()}
    return {bid: _CHARACTERS.get(key, key) for bid, key in keys.items()}
