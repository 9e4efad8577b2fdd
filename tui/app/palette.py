"""The command palette (ctrl+p): every action of the current screen, and every runbook.

Commands are named "category: action", as the best Textual apps do, so typing
"note" or "runbook refusal" finds them. A runbook's title is outside text: the palette
parses a `str` prompt or help as markup, so both are handed over as text that cannot be.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from tui.app.keys import current_keys
from tui.app.shown import plain_line

RUNBOOKS_SHOWN = 30


class OncallCommands(Provider):
    def _actions(self) -> Iterator[tuple[str, str, Any]]:
        """(name, help, callback) for the screen the palette was opened from."""
        screen = self.screen
        seen: set[str] = set()
        for key in current_keys(screen, frozenset(getattr(self.app, "keymap", {}))):
            binding = key.binding
            if not key.enabled or binding.description in seen or binding.action.startswith("answer("):
                continue  # answering belongs on the number keys, where the choices are shown
            seen.add(binding.description)
            yield (f"action: {binding.description}", f"key {key.display}", partial(screen.run_action, binding.action))

    def _runbooks(self) -> Iterator[tuple[str, str, Any]]:
        app: Any = self.app
        library = getattr(app, "library", None)
        if library is None:
            return
        for entry in library.valid.values():  # summaries: the palette does not unpickle every runbook
            rb = entry.summary
            yield (f"runbook: {rb.title}", f"{rb.id} · open it and start an incident", partial(app.open_runbook, rb.id))

    async def discover(self) -> Hits:
        for name, help_text, callback in self._actions():
            yield DiscoveryHit(Content(plain_line(name)), callback, text=name, help=escape(plain_line(help_text)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        hits = []
        for name, help_text, callback in [*self._actions(), *self._runbooks()]:
            name = plain_line(name)
            score = matcher.match(name)
            if score > 0:
                hits.append(Hit(score, _highlight(matcher, name), callback, text=name,
                                help=escape(plain_line(help_text))))
        hits.sort(key=lambda h: -h.score)
        for hit in hits[:RUNBOOKS_SHOWN]:
            yield hit


def _highlight(matcher: Matcher, name: str) -> Content:
    """The name with the matched letters marked, as text (`Matcher.highlight` would parse it as markup)."""
    content = Content(name)
    score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets if score else ():
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
