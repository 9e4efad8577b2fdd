"""A PromQL query's shape, read with a real parser: its windows, offsets and series selectors.

We never evaluate PromQL here (Prometheus does). We read what a query looks at:
which series (`name{label="v"}`), over which windows (`[15m]`, subqueries
`[30m:1m]`), and how far back (`offset 1d`). Evaluated at time t, a selector
reads samples in [t - offset - window, t - offset], where nested subqueries add
their windows and offsets to those inside them: `max_over_time(rate(x[5m])[30m:1m])`
reads 35 minutes back. An offset moves a window into the past; it does not
lengthen it.

The parser (promql-parser, Rust) is imported on the first parse, so importing
this module costs the fast CLI commands nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tui.errors import OncallError

# Names in the Prometheus data model (what an exporter may call a series or label), not query syntax.
METRIC_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The parser's time grows with the square of the nesting and a deep enough nesting overflows
# its stack (a crash, not an error): longer queries are refused before they reach it.
MAX_QUERY_CHARS = 4096
# These functions answer from the newest samples of their window only, so the rest of the
# window does not hold their result back.
NEWEST_ONLY = frozenset({"irate", "idelta", "last_over_time"})


class PromQLError(OncallError):
    """A query that does not parse; `reason` is the parser's own words."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The PromQL query does not parse ({reason}); fix the query.")
        self.reason = reason


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str  # = != =~ !~
    value: str

    def accepts(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.label, "")  # an absent label matches the empty string, as in Prometheus
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        try:
            hit = re.fullmatch(self.value, actual) is not None  # PromQL regexes are fully anchored
        except re.error:
            return False
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f"{self.label}{self.op}{_quote(self.value)}"


@dataclass(frozen=True)
class Selector:
    """A series selector: a metric name (None for `{__name__=~"..."}`) and label matchers.

    `alternatives` holds `{a="x" or b="y"}`: a series is selected when it meets any one group.
    """

    name: str | None
    matchers: tuple[Matcher, ...] = ()
    alternatives: tuple[tuple[Matcher, ...], ...] = ()

    def accepts(self, name: str, labels: dict[str, str]) -> bool:
        if self.name is not None and name != self.name:
            return False
        full = {**labels, "__name__": name}
        groups = self.alternatives or (self.matchers,)
        return all(m.accepts(full) for m in self.matchers) and any(all(m.accepts(full) for m in g) for g in groups)

    def __str__(self) -> str:
        groups = [self.matchers] if not self.alternatives else list(self.alternatives)
        body = " or ".join(",".join(str(m) for m in g) for g in groups)
        return (self.name or "") + "{" + body + "}"


@dataclass(frozen=True)
class Window:
    """One range selector (`x[5m]`) or subquery (`expr[30m:1m]`) as written."""

    seconds: float
    kind: str  # "range" or "subquery"
    function: str | None  # the function that reads it (rate, max_over_time); None when nothing does
    offset: float = 0.0  # its own offset, in seconds


@dataclass(frozen=True)
class Read:
    """What one series selector reads, with the windows and offsets around it added up.

    `chain` is (function, window seconds) from the outermost window inwards; evaluated at
    time t the selector reads samples in [t - offset - window, t - offset].
    """

    selector: Selector
    window: float = 0.0
    offset: float = 0.0
    pinned: bool = False  # an `@` on the way: it reads a fixed time, not one that moves with t
    chain: tuple[tuple[str | None, float], ...] = ()

    @property
    def live(self) -> bool:
        """It reads the present (no offset, no `@`), so a change now reaches its result."""
        return self.offset == 0 and not self.pinned

    @property
    def holding_chain(self) -> tuple[tuple[str | None, float], ...]:
        """The windows whose older samples still shape the result (irate and the like read only the newest)."""
        return tuple((f, w) for f, w in self.chain if f not in NEWEST_ONLY)

    @property
    def holding_window(self) -> float:
        """How long a sample stays in the result: the windows that hold their samples, added up."""
        return sum((w for _, w in self.holding_chain), 0.0)

    @property
    def reach(self) -> float:
        """How far before the evaluation time its oldest sample is."""
        return max(0.0, self.offset + self.window)


@dataclass(frozen=True)
class Shape:
    query: str
    windows: tuple[Window, ...]  # every range selector and subquery, in the order written
    reads: tuple[Read, ...]  # every series selector, in the order written
    offsets: tuple[float, ...]  # every `offset` as written, in seconds (negative ones too)

    @property
    def selectors(self) -> tuple[Selector, ...]:
        return tuple(r.selector for r in self.reads)

    @property
    def longest_live(self) -> Read | None:
        """The read of the present whose samples stay longest in the result (None: it reads none)."""
        live = [r for r in self.reads if r.live]
        return max(live, key=lambda r: r.holding_window) if live else None

    @property
    def longest_window_s(self) -> float:
        read = self.longest_live
        return read.holding_window if read is not None else 0.0

    @property
    def lookback_s(self) -> float:
        """How far into the past the history must reach for this query: offsets plus their windows."""
        return max((r.reach for r in self.reads if not r.pinned), default=0.0)


def parse(query: str) -> Shape:
    """The shape of `query`; PromQLError (one sentence) when it does not parse."""
    return _parse(query)


def longest_window_s(query: str) -> float:
    """Seconds after a change during which the query's result still holds samples from before it.

    The longest window over the selectors that read the present (an offset or an `@`
    takes a selector out); nested subquery windows add up. 0 for an instant query.
    """
    return parse(query).longest_window_s


def lookback_s(query: str) -> float:
    return parse(query).lookback_s


@functools.lru_cache(maxsize=1024)
def _parse(query: str) -> Shape:
    if len(query) > MAX_QUERY_CHARS:
        raise PromQLError(f"it is {len(query):,} characters long, more than the {MAX_QUERY_CHARS:,} oncall reads")
    import promql_parser  # lazily: the fast commands never parse PromQL

    try:
        expr = promql_parser.parse(query)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a Rust panic arrives as a BaseException, not an Exception
        reason = str(exc).strip().rstrip(".") or type(exc).__name__
        raise PromQLError(reason) from None
    return _shape(query, expr, promql_parser)


_OPS = (("Equal", "="), ("NotEqual", "!="), ("Re", "=~"), ("NotRe", "!~"))


def _seconds(delta: timedelta | None) -> float:
    return delta.total_seconds() if delta is not None else 0.0


def _op(op: Any) -> str:
    import promql_parser

    # MatchOp is neither hashable nor named: compare it with each member
    return next(sign for name, sign in _OPS if op == getattr(promql_parser.MatchOp, name))


def _matchers(found: Any) -> tuple[Matcher, ...]:
    return tuple(Matcher(m.name, _op(m.op), m.value) for m in found)


def _selector(vs: Any) -> Selector:
    alternatives = tuple(_matchers(g) for g in vs.matchers.or_matchers)
    return Selector(vs.name, _matchers(vs.matchers.matchers), alternatives)


@dataclass(frozen=True)
class _Around:
    """What encloses a node: the windows and offsets on the way down from the top."""

    window: float = 0.0
    offset: float = 0.0
    pinned: bool = False
    chain: tuple[tuple[str | None, float], ...] = ()
    function: str | None = None  # the call whose argument this node is

    def into(self, window: float, offset: float, at: Any) -> _Around:
        return _Around(self.window + window, self.offset + offset, self.pinned or at is not None,
                       self.chain + ((self.function, window),))


def _shape(query: str, expr: Any, p: Any) -> Shape:
    windows: list[Window] = []
    reads: list[Read] = []
    offsets: list[float] = []
    # Depth-first with an explicit stack: a deeply nested query must not hit Python's recursion limit.
    stack: list[tuple[Any, _Around]] = [(expr, _Around())]
    while stack:
        node, around = stack.pop()
        children: list[tuple[Any, _Around]] = []
        if isinstance(node, p.VectorSelector):
            offsets += [_seconds(node.offset)] if node.offset is not None else []
            reads.append(Read(_selector(node), around.window, around.offset + _seconds(node.offset),
                              around.pinned or node.at is not None, around.chain))
        elif isinstance(node, p.MatrixSelector):
            vs = node.vector_selector
            own = _seconds(vs.offset)
            windows.append(Window(_seconds(node.range), "range", around.function, own))
            offsets += [own] if vs.offset is not None else []
            inner = around.into(_seconds(node.range), own, vs.at)
            reads.append(Read(_selector(vs), inner.window, inner.offset, inner.pinned, inner.chain))
        elif isinstance(node, p.SubqueryExpr):
            own = _seconds(node.offset)
            windows.append(Window(_seconds(node.range), "subquery", around.function, own))
            offsets += [own] if node.offset is not None else []
            children = [(node.expr, around.into(_seconds(node.range), own, node.at))]
        elif isinstance(node, p.Call):
            inner = _Around(around.window, around.offset, around.pinned, around.chain, node.func.name)
            children = [(a, inner) for a in node.args if isinstance(a, p.Expr)]
        elif isinstance(node, p.BinaryExpr):
            children = [(node.lhs, _plain(around)), (node.rhs, _plain(around))]
        elif isinstance(node, p.AggregateExpr):
            children = [(c, _plain(around)) for c in (node.param, node.expr) if isinstance(c, p.Expr)]
        elif isinstance(node, p.ParenExpr | p.UnaryExpr):
            children = [(node.expr, around)]
        stack.extend(reversed(children))  # popped in the order written
    return Shape(query, tuple(windows), tuple(reads), tuple(offsets))


def _plain(around: _Around) -> _Around:
    """The same enclosure, but not the argument of a call any more."""
    return _Around(around.window, around.offset, around.pinned, around.chain)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
