"""The keys a screen offers now, as the person has them: Textual's active bindings, after the keymap.

The key bar, the help screen and the palette all read this, so a key remapped in
config.yaml's `keymap:` shows as remapped everywhere (a binding's own `key_display`
names its default key, so it is used only when the binding was not remapped).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import Binding
from textual.screen import Screen


@dataclass(frozen=True)
class Key:
    binding: Binding
    display: str  # how the key is written for the person: "n", "⏎", "ctrl+c"
    enabled: bool


def current_keys(screen: Screen[object], remapped: frozenset[str] = frozenset()) -> list[Key]:
    """Each action of `screen` with a description, once, with the key that triggers it now.

    `remapped`: the binding ids the app's keymap moved (their default key_display would be wrong).
    """
    app = screen.app
    keys: list[Key] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        if binding.id in remapped:
            display = app.get_key_display(replace(binding, key_display=None))
        else:
            display = binding.key_display or app.get_key_display(binding)
        keys.append(Key(binding, display, active.enabled))
    return keys


def binding_ids() -> set[str]:
    """Every binding id oncall declares (a keymap entry for another id is a typo to point out)."""
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    import tui.app.screens
    import tui.app.widgets

    for package in (tui.app.screens, tui.app.widgets):  # every class that declares keys, defined
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    ids: set[str] = set()
    stack: list[type[DOMNode]] = [DOMNode]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            ids.update(b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id)
    return ids
