"""The decision-tree walker, without Textual: answers, jumps, back, checklists, status marks."""

from __future__ import annotations

import pytest

from tui.errors import OncallError
from tui.runbook.model import Choice, Runbook, Step
from tui.walk import Walker


def ask(sid: str, text: str, *choices: tuple[str, str], **kw) -> Step:
    return Step(sid, "ask", text, choices=tuple(Choice(label, nxt) for label, nxt in choices), **kw)


def do(sid: str, text: str, nxt: str, **kw) -> Step:
    return Step(sid, "do", text, next=nxt, **kw)


def outcome(sid: str, kind: str, text: str, **kw) -> Step:
    return Step(sid, "outcome", text, outcome=kind, **kw)


def book(rid: str, start: str, *steps: Step, version: int = 1) -> Runbook:
    return Runbook(id=rid, title=rid.title(), version=version, summary="", category="model-failure",
                   severity_hint="high", start=start, steps={s.id: s for s in steps})


MAIN = book(
    "bad-deploy", "impact",
    ask("impact", "Is the error rate above 5%?", ("Yes", "recent"), ("No", "quality")),
    ask("recent", "Did a model ship in the last 2 hours?", ("Yes", "note-rev"), ("No", "quality")),
    do("note-rev", "Note the revision.", "decide", checklist=("Note the revision", "Note who approved it")),
    ask("decide", "Roll back or fix forward?", ("Roll back", "rollback"), ("Fix forward", "runbook:fix-forward")),
    do("rollback", "Roll back now.", "resolved", status="contained"),
    outcome("resolved", "resolved", "Validate, then send the update."),
    outcome("quality", "handoff", "Not a serving fault."),
    version=3,
)
FIX = book(
    "fix-forward", "patch",
    do("patch", "Ship the patch.", "check"),
    ask("check", "Are the metrics back to baseline?", ("Yes", "done"), ("No", "page")),
    outcome("done", "resolved", "Fixed forward."),
    outcome("page", "escalate", "Page the model owner."),
)
LIBRARY = {r.id: r for r in (MAIN, FIX)}


def resolve(rid: str) -> Runbook:
    if rid not in LIBRARY:
        raise OncallError(f"No runbook {rid}; `oncall list` shows them.")
    return LIBRARY[rid]


def walker() -> Walker:
    return Walker(MAIN, resolve)


def test_starts_at_the_start_step_and_logs_it():
    w = walker()
    assert w.step.id == "impact"
    assert [m.action for m in w.log] == ["start"]
    assert not w.can_back and not w.at_outcome


def test_answer_moves_to_the_chosen_next_step_and_describes_it():
    w = walker()
    move = w.answer(0)
    assert w.step.id == "recent"
    assert (move.action, move.step_id, move.choice, move.label, move.to_step) == ("answer", "impact", 0, "Yes", "recent")
    kind, text, data = move.event()
    assert kind == "decision"
    assert "Is the error rate above 5%?" in text and "Yes" in text
    assert data == {"action": "answer", "runbook": "bad-deploy", "step": "impact", "choice": 1, "label": "Yes",
                    "to_runbook": "bad-deploy", "to_step": "recent"}


def test_answer_out_of_range_or_on_a_do_step_is_a_plain_error():
    w = walker()
    with pytest.raises(OncallError, match="no choice 3"):
        w.answer(2)
    w.answer(0)
    w.answer(0)
    assert w.step.kind == "do"
    with pytest.raises(OncallError, match="not a question"):
        w.answer(0)
    assert w.step.id == "note-rev"


def test_suggestion_is_recorded_with_whether_it_was_followed():
    w = walker()
    w.suggest(0, "error_rate 12.4% is above 5%")
    followed = w.answer(0)
    assert followed.matched is True
    assert followed.event()[2]["reason"] == "error_rate 12.4% is above 5%"
    assert w.suggestion is None  # a suggestion belongs to one step

    w.suggest(1, "rollout history shows no deploy")
    ignored = w.answer(0)
    assert ignored.matched is False
    assert ignored.event()[2]["suggested"] == 2 and ignored.event()[2]["matched"] is False
    assert "suggested: No" in ignored.text


def test_no_suggestion_means_matched_is_unknown():
    move = walker().answer(1)
    assert move.matched is None and "matched" not in move.event()[2]


def test_suggest_rejects_a_choice_that_does_not_exist():
    w = walker()
    with pytest.raises(OncallError):
        w.suggest(5, "nonsense")
    w.suggest(None)
    assert w.suggestion is None


def test_back_undoes_one_step_and_keeps_the_history():
    w = walker()
    w.answer(0)
    w.answer(0)
    assert w.step.id == "note-rev"
    move = w.back()
    assert w.step.id == "recent"
    assert (move.action, move.step_id, move.to_step) == ("back", "note-rev", "recent")
    w.answer(1)
    assert w.step.id == "quality"
    # Every move stays in the log, the undone one included.
    assert [m.action for m in w.log] == ["start", "answer", "answer", "back", "answer"]
    assert [m.to_step for m in w.log] == ["impact", "recent", "note-rev", "recent", "quality"]


def test_back_at_the_start_says_so():
    with pytest.raises(OncallError, match="first step"):
        walker().back()


def test_back_clears_a_suggestion_of_the_step_left():
    w = walker()
    w.answer(0)
    w.suggest(1, "no deploy")
    w.back()
    assert w.suggestion is None


def test_do_step_done_reports_unticked_checklist_items():
    w = walker()
    w.answer(0)
    w.answer(0)
    assert w.checklist() == [("Note the revision", False), ("Note who approved it", False)]
    tick = w.toggle(0)
    assert tick.action == "tick" and tick.label == "Note the revision"
    assert w.checklist() == [("Note the revision", True), ("Note who approved it", False)]
    move = w.done()
    assert move.unchecked == ("Note who approved it",)
    assert move.event()[2]["unchecked"] == ["Note who approved it"]
    assert w.step.id == "decide"


def test_toggle_twice_unticks_and_ticks_survive_back():
    w = walker()
    w.answer(0)
    w.answer(0)
    w.toggle(1)
    assert w.toggle(1).action == "untick"
    w.toggle(0)
    w.done()
    w.back()
    assert w.checklist() == [("Note the revision", True), ("Note who approved it", False)]
    with pytest.raises(OncallError):
        w.toggle(7)


def test_done_on_a_question_is_refused():
    with pytest.raises(OncallError, match="press its number"):
        walker().done()


def test_status_mark_and_outcome_are_reported():
    w = walker()
    for i in (0, 0):
        w.answer(i)
    w.done()
    w.answer(0)
    contained = w.done()  # rollback carries status: contained, and arrives at a resolved outcome
    assert contained.outcome == "resolved" and contained.statuses == ("contained", "resolved")
    assert contained.status == "resolved"
    assert contained.event()[2]["statuses"] == ["contained", "resolved"]
    assert w.finished and w.at_outcome and not w.can_resume
    with pytest.raises(OncallError):
        w.done()


def test_status_of_a_step_is_reported_when_leaving_it():
    rb = book("s", "a", do("a", "Contain.", "b", status="contained"), do("b", "Check.", "c"),
              outcome("c", "escalate", "Page."))
    w = Walker(rb)
    assert w.done().status == "contained"
    last = w.done()
    assert last.outcome == "escalate" and last.status is None


def test_jump_into_another_runbook_and_resume_the_caller():
    w = walker()
    w.answer(0)
    w.answer(0)
    w.done()
    jump = w.answer(1)  # Fix forward → runbook:fix-forward
    assert jump.jumped and jump.runbook_id == "bad-deploy"
    assert (jump.to_runbook, jump.to_step) == ("fix-forward", "patch")
    assert w.current is FIX and w.depth == 2 and w.caller.step_id == "decide"
    w.done()
    end = w.answer(1)
    assert end.outcome == "escalate" and w.at_outcome and w.can_resume and not w.finished
    back_home = w.resume()
    assert back_home.action == "resume"
    assert w.current is MAIN and w.step.id == "decide" and w.depth == 1
    w.answer(0)
    assert w.step.id == "rollback"


def test_back_out_of_a_jump_returns_to_the_caller():
    w = walker()
    for _ in range(2):
        w.answer(0)
    w.done()
    w.answer(1)
    assert w.current is FIX
    w.back()
    assert w.current is MAIN and w.step.id == "decide" and w.depth == 1


def test_breadcrumb_shows_the_path_by_runbook():
    w = walker()
    for _ in range(2):
        w.answer(0)
    w.done()
    w.answer(1)
    w.done()
    crumbs = w.breadcrumb()
    assert [(c.runbook_id, c.version, c.steps) for c in crumbs] == [
        ("bad-deploy", 3, ("impact", "recent", "note-rev", "decide")),
        ("fix-forward", 1, ("patch", "check")),
    ]
    w.back()
    w.back()
    assert [c.runbook_id for c in w.breadcrumb()] == ["bad-deploy"]


def test_jump_to_a_missing_runbook_is_a_plain_error_and_changes_nothing():
    rb = book("lonely", "a", ask("a", "Jump?", ("Yes", "runbook:nowhere"), ("No", "b")), outcome("b", "handoff", "x"))
    w = Walker(rb, resolve)
    with pytest.raises(OncallError, match="No runbook nowhere"):
        w.answer(0)
    assert w.step.id == "a" and len(w.trail) == 1
    with pytest.raises(OncallError, match="--runbooks"):
        Walker(rb).answer(0)


def test_runaway_jumps_stop_with_a_plain_error():
    loop = book("loop", "a", ask("a", "Again?", ("Yes", "runbook:loop"), ("No", "b")), outcome("b", "handoff", "x"))
    w = Walker(loop, lambda rid: loop)
    with pytest.raises(OncallError, match="nested"):
        for _ in range(100):
            w.answer(0)
    assert w.depth == 16


def test_resume_when_not_in_a_called_runbook_is_refused():
    with pytest.raises(OncallError):
        walker().resume()
