"""The journal's rows, virtualised: only the rows on screen are ever turned into text and wrapped.

An incident of 100,000 events must open at once and scroll without a stall, so this
is a Line API ScrollView, not a log that renders every row it is given. Each row's
text comes from one function handed in (`row(event) -> rich Text`, the pane's
`event_line`), wrapped to the width when it first shows and cached (a bounded LRU).
A row not yet shown counts with an estimated height (from its text's length);
rows that show get their exact height, so the scroll bar may settle a little as
older rows come into view, and the rows on screen are always exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

CACHED_ROWS = 4096


class JournalLog(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    JournalLog { background: $surface; color: $foreground; overflow-x: hidden; overflow-y: scroll; }
    """

    def __init__(self, row: Callable[[Any], Text], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row = row
        self.events: list[Any] = []
        self._heights: list[int] = []
        self._starts: list[int] | None = [0]  # first line of each row, then the total; None when stale
        self._strips: LRUCache[int, list[Strip]] = LRUCache(CACHED_ROWS)
        self._width = 0

    # ---- rows ----------------------------------------------------------------------------

    def add(self, events: Iterable[Any]) -> None:
        """Append rows (in the order given) and follow the end, as the journal grows at the bottom."""
        new = list(events)
        if not new:
            return
        self.events.extend(new)
        width = max(1, self._width or self.size.width or 80)
        self._heights.extend(self._estimate(e, width) for e in new)
        self._starts = None
        self._settle_tail()
        self._resize()
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _settle_tail(self) -> None:
        """Exact heights for the last screenful (where the pane shows after following the end)."""
        if not self._width:
            return
        lines, index = 0, len(self.events) - 1
        while index >= 0 and lines < max(1, self.size.height):
            lines += len(self._lines_of(index))
            index -= 1

    def clear(self) -> None:
        self.events, self._heights, self._starts = [], [], [0]
        self._strips.clear()
        self._resize()

    @property
    def rendered_rows(self) -> int:
        """How many rows have been wrapped and are kept (a screenful or so, however long the incident)."""
        return len(self._strips)

    def text(self) -> str:
        """Every row as plain text (for tests and small journals: it renders them all)."""
        return "\n".join(self._row(e).plain for e in self.events)

    @staticmethod
    def _estimate(event: Any, width: int) -> int:
        text = str(getattr(event, "text", ""))
        return text.count("\n") + 1 + (len(text) + 24) // width  # 24: the time, author and kind before the text

    def _lines_of(self, index: int) -> list[Strip]:
        strips = self._strips.get(index)
        if strips is None:
            console = self.app.console
            width = max(1, self._width)
            style = self.rich_style
            # As RichLog renders a row (console.render keeps the row's base style on every wrapped line).
            segments = console.render(self._row(self.events[index]), console.options.update_width(width))
            strips = [Strip(line).adjust_cell_length(width).crop_extend(0, width, style).apply_style(style)
                      for line in Segment.split_lines(segments)]
            strips = strips or [Strip.blank(width, style)]
            self._strips[index] = strips
            if len(strips) != self._heights[index]:
                self._heights[index] = len(strips)
                self._starts = None
        return strips

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *accumulate(self._heights)]
        return self._starts

    def _resize(self) -> None:
        self.virtual_size = Size(self._width or self.size.width, self._line_starts()[-1])
        self.refresh()

    # ---- Textual's Line API ----------------------------------------------------------------

    def on_resize(self) -> None:
        self._fit_width()

    def _fit_width(self) -> None:
        """Rewrap when the width for text changed (a resize, or the scroll bar coming or going)."""
        width = self.scrollable_content_region.width
        if width != self._width and width > 0:
            self._width = width
            self._strips.clear()
            self._heights = [self._estimate(e, width) for e in self.events]
            self._starts = None
            self._settle_tail()
            self._resize()
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Wrap the rows on screen first, so their exact heights place every line of this frame.
        self._fit_width()
        at_end = self.scroll_y >= self.max_scroll_y
        before = self._line_starts()[-1]
        for _ in range(3):  # heights settle in a pass or two
            starts = self._line_starts()
            top = self.scroll_offset.y
            bottom = top + self.size.height
            first = max(0, bisect_right(starts, top) - 1)
            index = first
            while index < len(self.events) and starts[index] < bottom:
                self._lines_of(index)
                index += 1
            if self._starts is not None:
                break
        if self._line_starts()[-1] != before:  # this frame may hold stale lines: draw again once it is out
            self.call_later(self._settled, at_end)
        return super().render_lines(crop)

    def _settled(self, at_end: bool) -> None:
        self._resize()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def render_line(self, y: int) -> Strip:
        width = max(1, self._width or self.size.width)
        line = self.scroll_offset.y + y
        starts = self._line_starts()
        if not self.events or line >= starts[-1]:
            return Strip.blank(width, self.rich_style)
        index = bisect_right(starts, line) - 1
        strips = self._lines_of(index)
        offset = line - starts[index]
        strip = strips[offset] if offset < len(strips) else Strip.blank(width, self.rich_style)
        return strip.apply_offsets(0, line)
