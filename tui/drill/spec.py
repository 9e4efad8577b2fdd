"""The drill scenario format as data, in the runbook format's spec language (tui.runbook.spec).

Structure only; references to the runbook (metrics, commands, steps), PromQL
consistency and the dry run live in tui/drill/validate.py.
"""

from __future__ import annotations

from tui.drill.scenario import ALERT_STATES
from tui.runbook.model import OUTCOMES, SEVERITIES
from tui.runbook.spec import ID_PATTERN, NAME_PATTERN, PARAM_PATTERN, Bool, Enum, Int, ListOf, MapOf, Number, Obj, Text, TextMap

# A signed duration in simulated time: -12m is twelve minutes before the page.
TIME_PATTERN = r"^-?[0-9]+(\.[0-9]+)?[smhd]$"
SPAN_PATTERN = r"^[0-9]+(\.[0-9]+)?[smhd]$"
TIME_HINT = "write a time such as -12m (before the page), 0s or 90s"
SPAN_HINT = "write a duration such as 90s, 2m or 1h"


def _time(doc: str) -> Text:
    return Text(pattern=TIME_PATTERN, hint=TIME_HINT, doc=doc)


def _span(doc: str) -> Text:
    return Text(pattern=SPAN_PATTERN, hint=SPAN_HINT, doc=doc)


CHANGE = Obj(
    {
        "at": _time("when the change starts (negative: before the page)"),
        "to": Number(doc="the level the value moves to"),
        "over": _span("how long the move takes (default 0s: a step)"),
        "spike": Number(doc="a short excursion to this value"),
        "for": _span("how long the spike lasts"),
    },
    required=("at",),
    one_of=("to", "spike"),
)

EXPORT = Obj(
    {
        "gauge": Text(doc="a gauge that is the (transformed) value"),
        "counter": Text(doc="a counter (name ends in _total) that grows by the value per `per`"),
        "ratio": Text(doc="counters whose share `hit` of the whole is the value"),
        "histogram": Text(doc="a histogram (name without _bucket) whose `quantile` is the value"),
        "labels": TextMap(doc="labels of every series of this export"),
        "scale": Number(doc="exported value = (value + add) * scale"),
        "add": Number(doc="see scale"),
        "per": _span("counter: the value is the increase over this long (default 1s: a rate)"),
        "hit": TextMap(doc="ratio: extra labels of the numerator series"),
        "rest": TextMap(doc="ratio: extra labels of the remainder series"),
        "total": Text(doc="ratio: a separate denominator series name, instead of rest"),
        "per_second": Number(positive=True, doc="ratio and histogram: events per second"),
        "gauges": Bool(doc="ratio: gauges instead of counters"),
        "quantile": Number(positive=True, doc="histogram: which quantile the value is (default 0.95)"),
        "buckets": ListOf(Number(positive=True), nonempty=True, doc="histogram: upper bounds, ascending"),
        "ago": Bool(doc="gauge: export the unix time `value` seconds ago (for `time() - x` queries)"),
    },
    one_of=("gauge", "counter", "ratio", "histogram"),
)

CURVE = Obj(
    {
        "baseline": Number(doc="the healthy value"),
        "noise": Number(doc="relative standard deviation of the noise (0.05 = 5%)"),
        "changes": ListOf(CHANGE, doc="steps, ramps and spikes, in time order"),
        "recovers": Bool(doc="returns to baseline after the fix (default true)"),
        "min": Number(doc="values are clamped to at least this"),
        "max": Number(doc="values are clamped to at most this"),
        "integer": Bool(doc="a count: rounded to whole numbers"),
        "export": ListOf(EXPORT, doc="the Prometheus series that carry this value"),
    },
    required=("baseline", "export"),
)

ALERT = Obj(
    {
        "alertname": Text(doc="the alert's name"),
        "metric": Text(pattern=PARAM_PATTERN, doc="the runbook metric it watches"),
        "state": Enum(ALERT_STATES, doc="fires while the metric is at least this bad"),
        "for": _span("how long the condition must hold (default 1m)"),
        "labels": TextMap(doc="extra labels"),
        "summary": Text(doc="one line, as in the alert's annotations"),
    },
    required=("alertname", "metric", "state"),
)

SCRIPT = Obj(
    {
        "output": Text(doc="what the command prints (it is marked SIMULATED)"),
        "exit": Int(doc="its exit code (default 0)"),
        "after_fix": Text(doc="what it prints once the fix has run"),
        "after_fix_exit": Int(doc="its exit code once the fix has run"),
        "seconds": Number(doc="how long it seems to run (default 1)"),
    },
    required=("output",),
)

FIX = Obj(
    {
        "commands": ListOf(Text(pattern=NAME_PATTERN), nonempty=True,
                           doc="running any of these starts the recovery"),
        "recovery": _span("how long the metrics take to return to baseline"),
    },
    required=("commands",),
)

EXPECTED = Obj(
    {
        "path": ListOf(Text(pattern=NAME_PATTERN), nonempty=True, doc="the runbook steps a good response walks"),
        "outcome": Enum(OUTCOMES, doc="the outcome it reaches (default resolved)"),
        "severity": Enum(SEVERITIES, doc="the severity the responder should set"),
    },
    required=("path",),
)

SCENARIO = Obj(
    {
        "id": Text(pattern=ID_PATTERN, hint="use lowercase letters, digits and dashes", doc="unique id"),
        "title": Text(doc="title"),
        "runbook": Text(pattern=ID_PATTERN, hint="the id of a runbook in the library", doc="runbook exercised"),
        "summary": Text(doc="what happened, for the trainer"),
        "briefing": Text(doc="what the responder is told when paged"),
        "tags": ListOf(Text()),
        "series": MapOf(CURVE, key_pattern=PARAM_PATTERN, nonempty=True, doc="by runbook metric name"),
        "alerts": ListOf(ALERT, nonempty=True, doc="the first one pages the responder"),
        "commands": MapOf(SCRIPT, doc="scripted output by runbook command name"),
        "fix": FIX,
        "expected": EXPECTED,
    },
    required=("id", "title", "runbook", "summary", "series", "alerts", "fix", "expected"),
)
