"""Many lines of plain text, wrapped at the widget's width (or scrolled sideways), drawn only where seen.

Textual's TextArea re-wraps its whole document on every resize (2 s for 20,000 lines, 11 s for
100,000); Log never wraps. Here a line's rows are counted from its width in cells (one number a
line, kept as running starts), and only the rows on screen are cut out of their lines, so opening
and following 100,000 lines costs little more than a screenful. Lines wrap at the cell, as a
terminal wraps them: output (a table, a JSON reply) is read as it was printed.

Lines must already be plain (tui.text.plain): this widget draws them as they are.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

MAX_MATCHES = 10_000  # matches counted for "3 of 12"


class WrappedLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    WrappedLog { background: $background; }
    WrappedLog > .wrapped-log--match { background: $warning; color: $background; text-style: bold; }
    """
    COMPONENT_CLASSES = {"wrapped-log--match"}

    def __init__(self, *, max_lines: int | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines  # older lines are dropped, a quarter at a time (one recount each)
        self.lines: list[str] = []
        self.cells: list[int] = []  # each line's width in cells
        self.starts: list[int] = [0]  # the first row of each line; the last entry is the row count
        self.wrap = True
        self._width = 0  # the width the starts were counted at
        self.match: tuple[int, int, int] | None = None  # (line, start, end) of the match shown
        self.at_end = True  # the reader is at the end: new lines (and a new width) keep it there

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.at_end = new_value >= self.max_scroll_y

    # -- content -------------------------------------------------------------

    def clear(self) -> None:
        self.lines, self.cells, self.starts, self.match = [], [], [0], None
        self._update_size()
        self.scroll_to(0, 0, animate=False)
        self.at_end = True

    def add(self, lines: Iterable[str]) -> None:
        """Append lines; a reader at the end keeps following it."""
        following = self.at_end
        new = list(lines)
        width = self._row_width()
        for line in new:
            cells = len(line) if line.isascii() else cell_len(line)
            self.cells.append(cells)
            self.starts.append(self.starts[-1] + self._rows(line, cells, width))
        self.lines.extend(new)
        if self.max_lines is not None and len(self.lines) > self.max_lines + self.max_lines // 4:
            drop = len(self.lines) - self.max_lines
            del self.lines[:drop], self.cells[:drop]
            self.match = None
            self._recount()
        self._update_size()
        if following:
            self.scroll_end(animate=False, immediate=True)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def _row_width(self) -> int:
        return max(1, self.scrollable_content_region.width or self.size.width or 80)

    def _rows(self, line: str, cells: int, width: int) -> int:
        if not self.wrap or cells <= width:
            return 1
        if line.isascii():
            return -(-cells // width)
        return len(chop_cells(line, width))  # a wide character never straddles two rows

    def _row_start(self, line: str, sub: int, width: int) -> int:
        """The cell where row `sub` of a wrapped line starts."""
        if line.isascii():
            return sub * width
        return sum(cell_len(piece) for piece in chop_cells(line, width)[:sub])

    def _recount(self) -> None:
        width = self._row_width()
        starts = [0]
        total = 0
        for line, cells in zip(self.lines, self.cells):
            total += self._rows(line, cells, width)
            starts.append(total)
        self.starts, self._width = starts, width

    def _update_size(self) -> None:
        widest = max(self.cells, default=0)
        self.virtual_size = Size(self._row_width() if self.wrap else widest + 1, self.starts[-1])
        self.refresh()

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long lines, or one row per line with sideways scrolling; keeps the top line in view."""
        top = self.line_at(int(self.scroll_y))
        self.wrap = wrap
        self._recount()
        self._update_size()
        self.scroll_to(0, self.starts[top] if top < len(self.lines) else 0, animate=False)

    def on_resize(self) -> None:
        if self._row_width() != self._width:
            following = self.at_end
            top = self.line_at(int(self.scroll_y))
            self._recount()
            self._update_size()
            if following:  # the end stays in view (a stream, or a pane just shown)
                self.scroll_end(animate=False, immediate=True)
            elif top < len(self.lines):
                self.scroll_to(y=self.starts[top], animate=False)

    def line_at(self, row: int) -> int:
        return max(0, bisect_right(self.starts, row) - 1)

    # -- search ----------------------------------------------------------------

    def find(self, query: str, direction: int = 1, *, from_start: bool = False) -> tuple[int, int]:
        """Show the next (or previous) match of `query`, ignoring case; returns (its number, how many)."""
        pattern = re.compile(re.escape(query), re.IGNORECASE)
        found: list[tuple[int, int, int]] = []
        for index, line in enumerate(self.lines):
            for m in pattern.finditer(line):
                found.append((index, m.start(), m.end()))
                if len(found) >= MAX_MATCHES:
                    break
            if len(found) >= MAX_MATCHES:
                break
        if not found:
            self.match = None
            self.refresh()
            return 0, 0
        here = self.match
        if from_start or here is None:
            number = 0
        elif direction > 0:
            number = next((i for i, f in enumerate(found) if f > here), 0)
        else:
            number = next((i for i in range(len(found) - 1, -1, -1) if found[i] < here), len(found) - 1)
        self.match = found[number]
        self._show_match()
        return number + 1, len(found)

    def _show_match(self) -> None:
        assert self.match is not None
        index, start, _ = self.match
        offset = cell_len(self.lines[index][:start])
        width = self._row_width()
        row = self.starts[index]
        if self.wrap:
            line = self.lines[index]
            while row + 1 < self.starts[index + 1] and self._row_start(line, row + 1 - self.starts[index], width) <= offset:
                row += 1
        height = self.scrollable_content_region.height or 1
        if not self.scroll_y <= row < self.scroll_y + height:
            self.scroll_to(y=max(0, row - height // 2), animate=False)
        if not self.wrap and not self.scroll_x <= offset < self.scroll_x + width:
            self.scroll_to(x=max(0, offset - width // 2), animate=False)
        self.refresh()

    # -- drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if row >= self.starts[-1] or not self.lines:
            return Strip.blank(width, style)
        index = self.line_at(row)
        line = self.lines[index]
        segments = [Segment(line, style)]
        if self.match is not None and self.match[0] == index:
            _, start, end = self.match
            lit = self.get_component_rich_style("wrapped-log--match")
            segments = [Segment(line[:start], style), Segment(line[start:end], style + lit),
                        Segment(line[end:], style)]
        strip = Strip(segments)
        if self.wrap:
            row_width = self._row_width()
            sub = row - self.starts[index]
            first = self._row_start(line, sub, row_width)
            last = self._row_start(line, sub + 1, row_width) if sub + 1 < self.starts[index + 1] - self.starts[index] \
                else first + row_width
        else:
            first, last = scroll_x, scroll_x + width
        return strip.crop(first, last).extend_cell_length(width, style)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

