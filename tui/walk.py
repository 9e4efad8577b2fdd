"""The decision-tree walker: where the responder is, what they answered, how they got here.

The walker knows nothing about screens or the journal. Every action returns a
`Move`, plain data that says what happened; the app (or a drill, or a test)
journals it. A `runbook:ID` jump pushes the caller on a stack; an outcome inside
the called runbook offers to resume the caller at the step that jumped.
`back()` undoes one move, and the undo is itself a move: nothing is erased.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.errors import OncallError
from tui.runbook.kinds import StepKind
from tui.runbook.model import JUMP_PREFIX, Runbook, Step

Resolver = Callable[[str], Runbook]

MAX_DEPTH = 16  # runbook jumps nested deeper than this are a loop, not a plan


@dataclass(frozen=True)
class Frame:
    """One runbook being walked, and the step it is at."""

    runbook: Runbook
    step_id: str

    @property
    def step(self) -> Step:
        return self.runbook.steps[self.step_id]


@dataclass(frozen=True)
class Suggestion:
    """The choice that a metric state or command result points at, and why."""

    index: int  # 0-based into step.choices
    reason: str


@dataclass(frozen=True)
class Move:
    """What one action did. `event()` gives the journal entry for it."""

    action: str  # start | answer | done | back | resume | tick | untick
    runbook_id: str  # where the action was taken
    step_id: str
    text: str  # one plain sentence, for the journal and the screen
    choice: int | None = None  # 0-based index of the answer
    label: str | None = None
    suggested: int | None = None  # 0-based index the walker was told to suggest
    reason: str | None = None
    to_runbook: str | None = None  # where the walk is now
    to_step: str | None = None
    jumped: bool = False  # this move entered another runbook
    statuses: tuple[str, ...] = ()  # incident statuses this move reached, in order (e.g. contained, resolved)
    outcome: str | None = None  # resolved | escalate | handoff, when the move reached one
    unchecked: tuple[str, ...] = ()  # checklist items left unticked when the step was done
    depth: int = 1

    @property
    def status(self) -> str | None:
        """The incident status this move leaves the incident in, if it changed it."""
        return self.statuses[-1] if self.statuses else None

    @property
    def matched(self) -> bool | None:
        """Whether the answer was the suggested one (None when nothing was suggested)."""
        if self.action != "answer" or self.suggested is None:
            return None
        return self.choice == self.suggested

    def event(self) -> tuple[str, str, dict[str, Any]]:
        """(kind, text, data) for `Journal.add_event`."""
        data: dict[str, Any] = {"action": self.action, "runbook": self.runbook_id, "step": self.step_id}
        if self.choice is not None:
            data["choice"] = self.choice + 1
            data["label"] = self.label
        if self.suggested is not None:
            data["suggested"] = self.suggested + 1
            data["matched"] = self.matched
            data["reason"] = self.reason
        if self.to_step is not None:
            data["to_runbook"] = self.to_runbook
            data["to_step"] = self.to_step
        if self.statuses:
            data["status"] = self.status
            data["statuses"] = list(self.statuses)
        if self.outcome:
            data["outcome"] = self.outcome
        if self.unchecked:
            data["unchecked"] = list(self.unchecked)
        kind = "note" if self.action in ("tick", "untick") else "decision"
        return kind, self.text, data


@dataclass(frozen=True)
class Crumb:
    """One runbook in the breadcrumb and the steps taken in it, in order."""

    runbook_id: str
    version: int
    steps: tuple[str, ...]


@dataclass
class Walker:
    """Walk one runbook (and the ones it jumps into) one step at a time."""

    runbook: Runbook
    resolver: Resolver | None = None
    # Each state is the whole stack (caller first); the trail holds every state on the
    # path taken, so back() is a pop. The log holds every move, backs included.
    trail: list[tuple[Frame, ...]] = field(default_factory=list)
    log: list[Move] = field(default_factory=list)
    ticked: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    suggestion: Suggestion | None = None
    # Fills ${param} and ${metric} into step text for the journal; the walker itself never needs values.
    render: Callable[[str], str] = field(default=lambda text: text, repr=False)

    def __post_init__(self) -> None:
        if not self.trail:
            self.trail.append((Frame(self.runbook, self.runbook.start),))
            step = self.step
            self.log.append(Move("start", self.runbook.id, step.id,
                                 f"Started runbook {self.runbook.id} v{self.runbook.version} at {step.id}.",
                                 to_runbook=self.runbook.id, to_step=step.id,
                                 **self._arrival(step)))

    # -- where we are -------------------------------------------------------

    @property
    def stack(self) -> tuple[Frame, ...]:
        return self.trail[-1]

    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    @property
    def current(self) -> Runbook:
        """The runbook being walked now (the called one, after a jump)."""
        return self.frame.runbook

    @property
    def step(self) -> Step:
        return self.frame.step

    @property
    def depth(self) -> int:
        return len(self.stack)

    @property
    def at_outcome(self) -> bool:
        return self.step.kind == StepKind.OUTCOME

    @property
    def finished(self) -> bool:
        """An outcome of the first runbook: nothing is left to walk."""
        return self.at_outcome and self.depth == 1

    @property
    def can_back(self) -> bool:
        return len(self.trail) > 1

    @property
    def can_resume(self) -> bool:
        return self.at_outcome and self.depth > 1

    @property
    def caller(self) -> Frame | None:
        return self.stack[-2] if self.depth > 1 else None

    def checklist(self) -> list[tuple[str, bool]]:
        done = self.ticked.get(self._key(), set())
        return [(item, i in done) for i, item in enumerate(self.step.checklist)]

    def breadcrumb(self) -> list[Crumb]:
        """The path taken: each stretch in one runbook, in the order walked."""
        crumbs: list[Crumb] = []
        last: tuple[str, int] | None = None
        for state in self.trail:
            top = state[-1]
            where = (top.runbook.id, len(state))
            if crumbs and where == last:
                if crumbs[-1].steps[-1] != top.step_id:
                    crumbs[-1] = Crumb(top.runbook.id, top.runbook.version, crumbs[-1].steps + (top.step_id,))
            else:
                crumbs.append(Crumb(top.runbook.id, top.runbook.version, (top.step_id,)))
            last = where
        return crumbs

    # -- suggestions --------------------------------------------------------

    def suggest(self, index: int | None, reason: str = "") -> None:
        """Pre-select a choice of the current ask step (None clears it); the person still confirms."""
        if index is None:
            self.suggestion = None
            return
        if self.step.kind != "ask" or not 0 <= index < len(self.step.choices):
            raise OncallError(f"Step {self.step.id} has no choice {index + 1}; suggest one of its choices.")
        self.suggestion = Suggestion(index, reason)

    # -- actions ------------------------------------------------------------

    def answer(self, index: int) -> Move:
        """Take choice `index` (0-based) of the current question."""
        step = self.step
        if step.kind != "ask":
            raise OncallError(f"Step {step.id} is not a question; press Enter to mark it done instead.")
        if not 0 <= index < len(step.choices):
            raise OncallError(f"There is no choice {index + 1} here; pick 1 to {len(step.choices)}.")
        choice = step.choices[index]
        hint = self.suggestion
        here = self.current.id
        to, jumped = self._go(choice.next)
        text = f"{step.id}: {self.render(step.text)} → {self.render(choice.label)}"
        if hint is not None and hint.index != index:
            text += f" (suggested: {self.render(step.choices[hint.index].label)})"
        move = Move("answer", here, step.id, text, choice=index, label=choice.label,
                    suggested=hint.index if hint else None, reason=hint.reason if hint else None,
                    to_runbook=to.runbook.id, to_step=to.step_id, jumped=jumped, depth=self.depth,
                    **self._leaving(step, to.step))
        self.log.append(move)
        return move

    def done(self) -> Move:
        """Mark the current action step done and go to its next step."""
        step = self.step
        if step.kind != "do" or step.next is None:
            what = "a question; press its number" if step.kind == "ask" else "an outcome; nothing follows it"
            raise OncallError(f"Step {step.id} is {what}.")
        unchecked = tuple(text for text, ticked in self.checklist() if not ticked)
        here = self.current.id
        to, jumped = self._go(step.next)
        text = f"{step.id}: done ({self.render(step.text)})"
        if unchecked:
            text += f"; {len(unchecked)} checklist item(s) not ticked"
        move = Move("done", here, step.id, text,
                    to_runbook=to.runbook.id, to_step=to.step_id, jumped=jumped, unchecked=unchecked,
                    depth=self.depth, **self._leaving(step, to.step))
        self.log.append(move)
        return move

    def back(self) -> Move:
        """Undo the last move that changed the step. The undo is recorded, never erased."""
        if not self.can_back:
            raise OncallError("This is the first step; there is nothing to go back to.")
        left = self.frame
        self.trail.pop()
        self.suggestion = None
        now = self.frame
        move = Move("back", left.runbook.id, left.step_id,
                    f"Back from {left.runbook.id}/{left.step_id} to {now.runbook.id}/{now.step_id}.",
                    to_runbook=now.runbook.id, to_step=now.step_id, depth=self.depth)
        self.log.append(move)
        return move

    def resume(self) -> Move:
        """At an outcome of a runbook jumped into: return to the step that jumped."""
        if not self.can_resume:
            raise OncallError("There is no runbook to return to from here.")
        left = self.frame
        state = self.stack[:-1]
        self.trail.append(state)
        self.suggestion = None
        now = self.frame
        move = Move("resume", left.runbook.id, left.step_id,
                    f"Finished {left.runbook.id} ({left.step.outcome}); back in {now.runbook.id} at {now.step_id}.",
                    to_runbook=now.runbook.id, to_step=now.step_id, depth=self.depth)
        self.log.append(move)
        return move

    def toggle(self, item: int) -> Move:
        """Tick or untick checklist item `item` (0-based) of the current step."""
        step = self.step
        if not 0 <= item < len(step.checklist):
            raise OncallError(f"Step {step.id} has no checklist item {item + 1}.")
        ticked = self.ticked.setdefault(self._key(), set())
        if item in ticked:
            ticked.discard(item)
            action, verb = "untick", "Unticked"
        else:
            ticked.add(item)
            action, verb = "tick", "Ticked"
        return self._record(Move(action, self.current.id, step.id, f"{verb}: {step.checklist[item]}",
                                 choice=item, label=step.checklist[item], depth=self.depth))

    # -- internals ----------------------------------------------------------

    def _key(self) -> tuple[str, str]:
        return (self.current.id, self.step.id)

    def _record(self, move: Move) -> Move:
        self.log.append(move)
        return move

    def _go(self, target: str) -> tuple[Frame, bool]:
        """Advance to `target` (a step id or runbook:ID); returns the new frame and whether it jumped."""
        stack = self.stack
        if target.startswith(JUMP_PREFIX):
            runbook_id = target[len(JUMP_PREFIX):]
            if len(stack) >= MAX_DEPTH:
                raise OncallError(f"Runbook jumps are nested {MAX_DEPTH} deep; go back and take another choice.")
            if self.resolver is None:
                raise OncallError(f"Runbook {runbook_id} is not loaded; add its folder with --runbooks.")
            called = self.resolver(runbook_id)
            new = stack + (Frame(called, called.start),)
            jumped = True
        else:
            if target not in self.current.steps:
                raise OncallError(f"Runbook {self.current.id} has no step {target}; run `oncall validate` on it.")
            new = stack[:-1] + (Frame(self.current, target),)
            jumped = False
        self.trail.append(new)
        self.suggestion = None
        return new[-1], jumped

    def _leaving(self, step: Step, arrived: Step) -> dict[str, Any]:
        """Statuses and outcome reached by completing `step` and arriving at `arrived`."""
        out = self._arrival(arrived)
        if step.status and step.kind != StepKind.OUTCOME:
            out["statuses"] = tuple(dict.fromkeys((step.status, *out.get("statuses", ()))))
        return out

    @staticmethod
    def _arrival(step: Step) -> dict[str, Any]:
        """An outcome step is done on arrival; a resolved outcome resolves the incident unless it says otherwise."""
        if step.kind != StepKind.OUTCOME:
            return {}
        status = step.status or ("resolved" if step.outcome == "resolved" else None)
        return {"outcome": step.outcome, "statuses": (status,) if status else ()}
