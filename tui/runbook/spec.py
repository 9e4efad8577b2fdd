"""The runbook format as data: one description drives both the validator and the JSON Schema.

Only structure lives here (keys, types, enums, patterns). Cross-references
(next, metric, command, ${param}), reachability and duplicates are checked in
validate.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.runbook.kinds import KINDS, StepKind
from tui.runbook.model import CATEGORIES, COMMS_TRIGGERS, DIRECTIONS, METRIC_STATES, OUTCOMES, SEVERITIES, STEP_STATUSES, UNITS

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
NAME_PATTERN = r"^[a-z_][a-z0-9_-]*$"
PARAM_PATTERN = r"^[a-z_][a-z0-9_]*$"
DURATION_PATTERN = r"^[0-9]+[smh]$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class Spec:
    doc: str = ""


@dataclass
class Text(Spec):
    doc: str = ""
    pattern: str | None = None
    hint: str = ""  # said when the pattern fails


@dataclass
class Int(Spec):
    doc: str = ""
    minimum: int | None = None


@dataclass
class Number(Spec):
    doc: str = ""
    positive: bool = False


@dataclass
class Bool(Spec):
    doc: str = ""


@dataclass
class Enum(Spec):
    values: tuple[str, ...]
    doc: str = ""


@dataclass
class ListOf(Spec):
    item: Spec
    doc: str = ""
    nonempty: bool = False


@dataclass
class MapOf(Spec):
    """A mapping of user-chosen names to values of one kind (params, metrics, steps...)."""

    value: Spec
    key_pattern: str = NAME_PATTERN
    doc: str = ""
    nonempty: bool = False


@dataclass
class Obj(Spec):
    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # exactly one of these keys must be present
    doc: str = ""
    # values of these keys may be given as plain mappings of text (alert label matchers)
    free_text_maps: tuple[str, ...] = ()


@dataclass
class When(Spec):
    """A metric state or trend, {state: S, for: 5m}, {exit: N}, {exit: nonzero} or {output: REGEX}."""

    doc: str = "what pre-selects this choice"


@dataclass
class TextMap(Spec):
    doc: str = ""


PARAM = Obj(
    {
        "prompt": Text(doc="the question asked once per incident"),
        "default": Text(doc="value used when the responder accepts the default; may be written from other "
                            "parameters (\"${model}-predictor\"), and then follows them"),
        "pattern": Text(doc="regular expression the whole value must match (fullmatch) before anything runs"),
    },
    required=("prompt",),
)

METRIC = Obj(
    {
        "title": Text(doc="what the metric is, in plain words"),
        "query": Text(doc="PromQL; ${param} placeholders and ${env.NAME} (the environment's vars) are "
                          "substituted, escaped for the place they land"),
        "unit": Enum(UNITS, doc="how values are shown"),
        "warn": Number(doc="warning threshold"),
        "crit": Number(doc="critical threshold"),
        "direction": Enum(DIRECTIONS, doc="above: higher is worse (default); below: lower is worse"),
    },
    required=("title", "query"),
)

COMMAND = Obj(
    {
        "title": Text(doc="what the command shows or does"),
        "run": ListOf(Text(), nonempty=True, doc="argv list; no shell ever sees it; ${param} and ${env.NAME} "
                                                 "fill one element each"),
        "shell": Text(doc="an explicit bash script (run with pipefail); parameters are its environment "
                          "variables, written \"${name}\", never substituted into the text; "
                          "\"${env.NAME}\" reads the environment's var NAME the same way"),
        "timeout": Number(positive=True, doc="seconds before the command is stopped (default 60)"),
        "danger": Bool(doc="changes production: needs a typed confirmation"),
        "read_only": Bool(doc="a reviewer's statement that the command changes nothing although its form "
                              "looks like a write (a probe that POSTs a question); oncall lint then does not "
                              "flag it"),
        "approve": Bool(doc="two-person rule: runs only after another responder in the incident approved it"),
    },
    required=("title",),
    one_of=("run", "shell"),
)

CHOICE = Obj(
    {
        "label": Text(doc="the answer, as the responder reads it"),
        "next": Text(doc="step id, or runbook:ID to jump into another runbook"),
        "when": When(),
    },
    required=("label", "next"),
)

STEP = Obj(
    {
        "ask": Text(doc="a question"),
        "do": Text(doc="an action"),
        "outcome": Enum(OUTCOMES, doc="a terminal step"),
        "detail": Text(doc="more explanation"),
        "say": Text(doc="what happens next, at an outcome"),
        "metric": Text(pattern=NAME_PATTERN, doc="metric shown live; its state pre-selects a choice"),
        "command": Text(pattern=NAME_PATTERN, doc="command whose result pre-selects a choice"),
        "commands": ListOf(Text(pattern=NAME_PATTERN), doc="commands offered at this step"),
        "choices": ListOf(CHOICE, nonempty=True, doc="numbered answers (at most 9)"),
        "checklist": ListOf(Text(), doc="items to tick"),
        "next": Text(doc="step id (or runbook:ID) once the action is done"),
        "status": Enum(STEP_STATUSES, doc="incident status reached once this step is done"),
    },
    one_of=tuple(str(kind) for kind in StepKind),
)

ALERT = Obj(
    {
        "alertname": Text(doc="Alertmanager alertname"),
        "labels": TextMap(doc="extra label matchers"),
    },
    required=("alertname",),
)

COMMS = Obj(
    {
        "every": Text(pattern=DURATION_PATTERN, hint="write a duration such as 10m, 30s or 1h",
                      doc="how often the update is due (without it: once, when its trigger holds)"),
        "trigger": Enum(COMMS_TRIGGERS, doc="when the first update is due: opened (from the page), impact "
                        "(confirmed), mitigation (chosen), scope_eta (scope and ETA known); by default from "
                        "the audience's name (status_page: impact, support: mitigation, executives: scope_eta)"),
        "template": Text(doc="message with ${severity}, ${title}, ${status}, ${impact}, ${changed}, "
                             "${next_update}, params...; a closing update drops the sentence with ${next_update}"),
    },
    required=("template",),
)

RUNBOOK = Obj(
    {
        "id": Text(pattern=ID_PATTERN, hint="use lowercase letters, digits and dashes", doc="unique id"),
        "title": Text(doc="title"),
        "version": Int(minimum=1, doc="bump on every change"),
        "summary": Text(doc="one or two sentences"),
        "category": Enum(CATEGORIES),
        "severity_hint": Enum(SEVERITIES),
        "owners": ListOf(Text()),
        "last_reviewed": Text(pattern=DATE_PATTERN, hint="write the date as YYYY-MM-DD",
                              doc="when a person last checked this runbook against the system (oncall lint "
                                  "flags it after 180 days)"),
        "tags": ListOf(Text()),
        "symptoms": ListOf(Text(), doc="searchable symptoms"),
        "alerts": ListOf(ALERT, doc="Alertmanager alerts that open this runbook"),
        "params": MapOf(PARAM, key_pattern=PARAM_PATTERN, doc="asked once per incident"),
        "metrics": MapOf(METRIC, key_pattern=PARAM_PATTERN),
        "commands": MapOf(COMMAND),
        "start": Text(pattern=NAME_PATTERN, doc="first step"),
        "steps": MapOf(STEP, nonempty=True),
        "comms": MapOf(COMMS),
    },
    required=("id", "title", "version", "summary", "category", "severity_hint", "start", "steps"),
)

# Step fields allowed and required for each kind of step: the table in tui.runbook.kinds.
STEP_FIELDS = {str(kind): set(row.fields) for kind, row in KINDS.items()}
STEP_REQUIRED = {str(kind): row.required for kind, row in KINDS.items()}

# Incident fields a comms template may use besides the params.
COMMS_FIELDS = ("severity", "title", "status", "impact", "category", "lead", "elapsed",
                "incident", "runbook", "next_update", "summary", "changed", "eta", "decision")


__all__ = ["COMMS_FIELDS", "METRIC_STATES", "RUNBOOK", "STEP_FIELDS", "STEP_REQUIRED"]
