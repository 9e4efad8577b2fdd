"""The kinds of step, one row each: to add a kind, add a row here and teach the walker what it does.

A step's kind is the key that names it (`ask:`, `do:`, `outcome:`). The row says which
other keys such a step may have, which it needs, and how the Markdown print and the
screen head it. The validator, the JSON Schema, the printer and the step view read
this table; nothing else spells the kinds out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    ASK = "ask"
    DO = "do"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class KindRow:
    fields: frozenset[str]  # every key a step of this kind may have, its own key included
    required: tuple[str, ...]  # keys it needs besides its own
    heading: str  # in `oncall print`
    banner: str  # above the step on screen
    article: str  # "an ask step", "a do step": for error messages


KINDS: dict[StepKind, KindRow] = {
    StepKind.ASK: KindRow(
        frozenset({"ask", "detail", "metric", "command", "commands", "choices", "checklist", "status"}),
        ("choices",), "Question", "QUESTION", "an"),
    StepKind.DO: KindRow(
        frozenset({"do", "detail", "metric", "commands", "checklist", "next", "status"}),
        ("next",), "Action", "DO THIS", "a"),
    StepKind.OUTCOME: KindRow(
        frozenset({"outcome", "say", "detail", "metric", "status"}),
        (), "Outcome", "OUTCOME", "an"),
}

