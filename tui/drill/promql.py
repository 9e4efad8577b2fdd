"""Just enough PromQL reading to check a scenario against its runbook's queries.

We never evaluate PromQL here (Prometheus does that); we only find the series
selectors a query reads (`name{label="v",code=~"5.."}`) and the `offset`s it
looks back by, so the validator can say "the runbook reads X, the scenario does
not export it" and the exporter knows how much history a real Prometheus needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^{}]*)\}")
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*,?')
_OFFSET = re.compile(r"\boffset\s+((?:[0-9]+(?:ms|[smhdwy]))+)")
_RANGE = re.compile(r"\[\s*((?:[0-9]+(?:ms|[smhdwy]))+)\s*(?::[^\]]*)?\]")
_DURATION_PART = re.compile(r"([0-9]+)(ms|[smhdwy])")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
METRIC_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def duration_seconds(text: str) -> float:
    """A PromQL duration such as 5m, 1h30m or 7d, in seconds."""
    return sum(int(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text))


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


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
        return f'{self.label}{self.op}"{self.value}"'


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[Matcher, ...]

    def accepts(self, name: str, labels: dict[str, str]) -> bool:
        return name == self.name and all(m.accepts(labels) for m in self.matchers)

    def __str__(self) -> str:
        return self.name + "{" + ",".join(str(m) for m in self.matchers) + "}"


def selectors(query: str) -> list[Selector]:
    """Every `name{...}` selector of a query, in order (bare names without braces are not found)."""
    found = []
    for m in _SELECTOR.finditer(query):
        body = m.group(2)
        matchers, at = [], 0
        while at < len(body.strip()):
            mm = _MATCHER.match(body, at)
            if mm is None:
                break
            matchers.append(Matcher(mm.group(1), mm.group(2), _unquote(mm.group(3))))
            at = mm.end()
        found.append(Selector(m.group(1), tuple(matchers)))
    return found


def bare_names(query: str, names: set[str]) -> set[str]:
    """Which of `names` the query reads without braces (`up`, `my_gauge > 3`)."""
    code = _STRING.sub('""', query)
    code = _SELECTOR.sub(" ", code)
    words = set(re.findall(r"(?<![A-Za-z0-9_:])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])\s*(?!\()", code))
    return {n for n in names if n in words}


def lookback(query: str) -> float:
    """How far into the past the query reads, in seconds: the largest offset plus its range."""
    code = _STRING.sub('""', query)
    offsets = [duration_seconds(o) for o in _OFFSET.findall(code)]
    ranges = [duration_seconds(r) for r in _RANGE.findall(code)]
    return max(offsets, default=0.0) + max(ranges, default=0.0)


def live_ranges(query: str) -> list[float]:
    """Range windows (seconds) of the selectors that read the present, not an `offset` past."""
    code = _STRING.sub('""', query)
    return [duration_seconds(m.group(1)) for m in _RANGE.finditer(code)
            if not re.match(r"\s*offset\b", code[m.end():])]


def offsets(query: str) -> list[str]:
    """Every `offset` duration the query uses, as written (5m, 1d)."""
    return _OFFSET.findall(_STRING.sub('""', query))


def has_offset(query: str) -> bool:
    return bool(_OFFSET.search(_STRING.sub('""', query)))
