"""Outside text made safe to show: on a terminal (`plain`) and inside Markdown (`md_text`, `md_code`).

Text nobody here wrote (alert labels, command output, a teammate's note, a runbook on a
share) may hold terminal control sequences: an OSC that retitles the terminal or writes
the clipboard, a CSI that clears the screen, a bidi override that reorders what is read
(Trojan Source). `plain` decides, per kind:

- SGR colour codes (`ESC [ ... m`, or the 8-bit `CSI ... m`) are removed: they are the
  common harmless case (kubectl, vllm and friends colour their logs) and showing them
  would bury the text.
- Every other control is made visible, never obeyed: ESC is shown as `␛`, so
  `ESC ] 0 ; title BEL` reads `␛]0;title␇` and `ESC [ 2 J` reads `␛[2J`; an 8-bit C1
  control shows as its 7-bit form (`\\x9b` as `␛[`, `\\x9d` as `␛]`); the other C0
  controls and DEL show as their Unicode control pictures (`␀`, `␇`, `␡`, ...). Once the
  introducer is visible, nothing after it is a sequence any more, so no parser is needed
  for OSC, DCS, APC, PM or SOS strings: their payload is shown as the text it is.
- Tab and newline stay. `\\r\\n` becomes `\\n`; a lone `\\r` (a progress bar) becomes a
  newline too: honouring it would let a line hide what came before it.
- Bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), the
  line and paragraph separators and lone surrogates (which cannot even be printed) are
  shown as `⟨U+202E⟩`.

Linear time: one regex pass finds nothing in ordinary text and returns it as it is.
The core never imports Textual or Rich, so this lives here for the CLI and the app alike.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from typing import Any, TextIO

_SGR = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*m")
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(code: int) -> str:
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ ... ␟
    if code == 0x7F:
        return "␡"
    if code <= 0x9F:
        return "␛" + chr(code - 0x40)  # C1: what its 7-bit ESC form would be
    return f"⟨U+{code:04X}⟩"


_VISIBLE = {code: _visible(code) for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029,
                                               *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def _replace(match: re.Match[str]) -> str:
    code = ord(match.group())
    return _VISIBLE.get(code) or _visible(code)


def plain(text: object) -> str:
    """`text` as a string that shows exactly what it holds and makes the terminal do nothing."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if not _SPECIAL.search(s):
        return s  # the usual case: nothing to do, nothing copied
    s = _SGR.sub("", s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _SPECIAL.sub(_replace, s)


_ONE_FOR_ONE = {code: (_VISIBLE[code] if len(_VISIBLE[code]) == 1 else "\ufffd") for code in _VISIBLE}
_ONE_FOR_ONE.update({0x09: " ", 0x0A: "␊", 0x0D: "␍"})


def plain_in_place(text: str) -> str:
    """Each control character replaced by one visible character (`␛`, `␇`; `�` for C1 and bidi), so every
    other character keeps its position: for an input field, whose cursor counts characters."""
    if not _SPECIAL.search(text) and "\t" not in text and "\n" not in text:
        return text
    return "".join(_ONE_FOR_ONE.get(ord(c), "\ufffd" if "\ud800" <= c <= "\udfff" else c) for c in text)


def plain_line(text: object) -> str:
    """`plain`, folded onto one line (a table cell, a title, one row of a list)."""
    return " ".join(plain(text).split())


# ---- streams ---------------------------------------------------------------------------------

# The start of an SGR sequence not finished yet, or a \r that a \n may follow: held for the next chunk.
_UNFINISHED = re.compile(r"(?:(?:\x1b\[?|\x9b)[0-?]*[ -/]*|\r)\Z")
_HOLD_MAX = 256  # longer than any real SGR sequence; a longer "unfinished" one is shown as it is


class PlainStream:
    """`plain` over output that arrives in chunks of bytes (a command's stdout, streamed as it comes).

    UTF-8 is decoded incrementally (invalid bytes become U+FFFD), and an SGR sequence or a
    `\r\n` cut in two by a chunk boundary is held back until the next chunk completes it.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail = ""

    def feed(self, chunk: bytes) -> str:
        text = self._tail + self._decoder.decode(chunk)
        unfinished = _UNFINISHED.search(text, max(0, len(text) - _HOLD_MAX))
        cut = unfinished.start() if unfinished else len(text)
        self._tail = text[cut:]
        return plain(text[:cut])

    def close(self) -> str:
        text, self._tail = self._tail + self._decoder.decode(b"", final=True), ""
        return plain(text)


class PlainWriter(io.TextIOBase):
    """A text stream that writes what it is given through `plain` (the CLI's stdout and stderr)."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        shown = plain(text)
        try:
            self.raw.write(shown)
        except UnicodeEncodeError:  # a terminal that is not UTF-8: say what cannot be shown, never crash
            encoding = self.encoding or "ascii"
            self.raw.write(shown.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")


def json_text(value: Any, **options: Any) -> str:
    """JSON that is exact and inert on a terminal: ASCII only (every control, C1 and bidi character
    escaped as \\uXXXX, DEL included, which `json.dumps` leaves raw), so `plain` leaves it as it is."""
    return json.dumps(value, ensure_ascii=True, **options).replace("\x7f", "\\u007f")


# ---- Markdown ---------------------------------------------------------------------------------
# A report or a printed runbook is read in a renderer (a wiki, GitHub, the HTML export). Outside
# text there must stay text: no raw HTML (`<img onerror=...>`, `<a href=...>`), no link or image
# whose target hides behind its label (`[ok](http://evil)`), no autolink (`<http://...>`), no
# reference definition (`[x]: http://evil`). The cheap and sufficient neutralisation: a backslash
# before `\\`, `[`, `]`, `<` and `>` (a backslash in the text cannot undo an escape), and in a
# table cell before `|` too, so the table keeps its columns. Backticks, emphasis and headings are
# left alone: a code span only makes text more literal, and a stray `*` or `#` changes how a word
# looks, not what the reader is sent to (runbook authors write `kubectl` in backticks on purpose).

_MD_SPECIAL = re.compile(r"([\\\[\]<>])")
_MD_CELL = re.compile(r"([\\\[\]<>|])")


def md_text(text: object) -> str:
    """Outside text for Markdown prose, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", plain_line(text))


def md_cell(text: object) -> str:
    """Outside text for a Markdown table cell: one line, `|` escaped too."""
    return _MD_CELL.sub(r"\\\1", plain_line(text))


def md_lines(text: object) -> list[str]:
    """Outside text of several lines for Markdown prose: each line escaped like `md_text`."""
    return [_MD_SPECIAL.sub(r"\\\1", line.rstrip()) for line in plain(text).strip().splitlines()]


def md_code(text: object, *, cell: bool = False) -> str:
    """Outside text as an inline code span: a fence longer than any run of backticks inside
    (in a table `cell`, `|` escaped: GFM splits cells on it even inside code)."""
    body = plain_line(text)
    if cell:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_fence(text: object, language: str = "") -> list[str]:
    """Outside text as a fenced code block, shown verbatim: a fence longer than any backtick run inside."""
    body = plain(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *body.splitlines(), fence]
