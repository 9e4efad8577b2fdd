"""The runbook JSON Schema, generated from the same spec the validator uses."""

from __future__ import annotations

from typing import Any

from tui.runbook import spec as s
from tui.runbook.model import METRIC_STATES, TRENDS


def _doc(node: dict[str, Any], spec: s.Spec) -> dict[str, Any]:
    if spec.doc:
        node["description"] = spec.doc
    return node


def to_schema(spec: s.Spec) -> dict[str, Any]:
    if isinstance(spec, s.Text):
        node: dict[str, Any] = {"type": "string", "minLength": 1}
        if spec.pattern:
            node["pattern"] = spec.pattern
        return _doc(node, spec)
    if isinstance(spec, s.Int):
        node = {"type": "integer"}
        if spec.minimum is not None:
            node["minimum"] = spec.minimum
        return _doc(node, spec)
    if isinstance(spec, s.Number):
        node = {"type": "number"}
        if spec.positive:
            node["exclusiveMinimum"] = 0
        return _doc(node, spec)
    if isinstance(spec, s.Bool):
        return _doc({"type": "boolean"}, spec)
    if isinstance(spec, s.Enum):
        return _doc({"enum": list(spec.values)}, spec)
    if isinstance(spec, s.ListOf):
        node = {"type": "array", "items": to_schema(spec.item)}
        if spec.nonempty:
            node["minItems"] = 1
        if spec.item is s.CHOICE:
            node["maxItems"] = 9
        return _doc(node, spec)
    if isinstance(spec, s.MapOf):
        node = {"type": "object", "propertyNames": {"pattern": spec.key_pattern},
                "additionalProperties": to_schema(spec.value)}
        if spec.nonempty:
            node["minProperties"] = 1
        return _doc(node, spec)
    if isinstance(spec, s.TextMap):
        return _doc({"type": "object", "additionalProperties": {"type": "string"}}, spec)
    if isinstance(spec, s.When):
        return _doc({"oneOf": [
            {"enum": list(METRIC_STATES), "description": "state of the step's metric"},
            {"enum": list(TRENDS), "description": "direction of the step's metric over the last 5 minutes"},
            {"type": "object", "properties": {"state": {"enum": list(METRIC_STATES)},
                                              "for": {"type": "string", "pattern": s.DURATION_PATTERN}},
             "required": ["state"], "additionalProperties": False,
             "description": "state of the step's metric, held at least `for` (5m, 90s)"},
            {"type": "object", "properties": {"exit": {"oneOf": [{"type": "integer"}, {"const": "nonzero"}]}},
             "required": ["exit"], "additionalProperties": False,
             "description": "exit code of the step's command, or nonzero for any failure"},
            {"type": "object", "properties": {"output": {"type": "string"}}, "required": ["output"],
             "additionalProperties": False, "description": "regex searched in the step's command output"},
        ]}, spec)
    if isinstance(spec, s.Obj):
        if spec is s.STEP:
            return {"oneOf": [_step_kind(kind) for kind in spec.one_of]}
        node = {"type": "object", "properties": {k: to_schema(v) for k, v in spec.fields.items()},
                "additionalProperties": False}
        if spec.required:
            node["required"] = list(spec.required)
        if spec.one_of:
            node["oneOf"] = [{"required": [k]} for k in spec.one_of]
        return _doc(node, spec)
    raise TypeError(f"no schema for {spec!r}")


def _step_kind(kind: str) -> dict[str, Any]:
    fields = {k: v for k, v in s.STEP.fields.items() if k in s.STEP_FIELDS[kind]}
    return {"type": "object", "title": f"{kind} step",
            "properties": {k: to_schema(v) for k, v in fields.items()},
            "required": [kind, *s.STEP_REQUIRED[kind]], "additionalProperties": False}


def runbook_schema() -> dict[str, Any]:
    schema = to_schema(s.RUNBOOK)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://oncall.dev/schema/runbook.json",
        "title": "oncall runbook",
        "description": "A runbook as a guided decision tree (one runbook a file). "
                       "Cross-references and reachability are checked by `oncall validate`.",
        **schema,
    }
