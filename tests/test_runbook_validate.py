"""The validator: a corpus of broken runbooks, each rejected at the right line with the right message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.runbook.library import load_library
from tui.runbook.validate import load_runbook_file, validate_text

DATA = Path(__file__).parent / "data"
BROKEN = sorted((DATA / "broken").glob("*.yaml"))


def _expectation(path: Path) -> tuple[int, str]:
    first = path.read_text().splitlines()[0]
    match = re.match(r"# expect (\d+): (.+)", first)
    assert match, f"{path} must start with '# expect LINE: MESSAGE'"
    return int(match.group(1)), match.group(2)


def test_corpus_is_large_and_varied() -> None:
    assert len(BROKEN) >= 25


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_runbook_rejected_at_the_right_line(path: Path) -> None:
    line, message = _expectation(path)
    library = load_library([path, DATA / "runbooks"])  # jumps resolve against a real library
    entry = next(e for e in library.entries if e.path == path)
    assert entry.runbook is None
    found = [p for p in entry.errors if message in p.message]
    assert found, f"no error containing {message!r} in {[str(p) for p in entry.problems]}"
    assert found[0].line == line, str(found[0])
    assert str(found[0]).startswith(f"{path}:{line}:")


def test_valid_runbooks_load_with_no_problem() -> None:
    library = load_library([DATA / "runbooks"])
    assert sorted(library.runbooks) == ["fix-forward", "serving-errors"]
    assert all(not e.problems for e in library.entries)


def test_text_is_kept_as_written() -> None:
    rb = load_library([DATA / "runbooks"]).get("serving-errors")
    assert rb.params["namespace"].default == "0800"
    assert [c.label for c in rb.steps["confirm-impact"].choices] == ["Yes, above 5%", "No"]
    assert rb.steps["recent-deploy"].choices[0].label == "Yes"


def test_model_is_built_with_types_and_references() -> None:
    rb = load_library([DATA / "runbooks"]).get("serving-errors")
    assert rb.version == 3 and rb.metrics["error_rate"].crit == 0.05
    assert rb.commands["history"].timeout == 30 and rb.commands["rollback"].danger is True
    assert rb.commands["count"].shell == 'echo "${namespace}" | wc -c'
    step = rb.steps["recent-deploy"]
    assert step.choices[0].when.output == "deployment/" and step.choices[1].when.exit == 1
    assert rb.steps["confirm-impact"].choices[0].when.state == "crit"
    assert rb.steps["decide"].choices[1].jump == "fix-forward"
    assert rb.steps["do-rollback"].status == "contained"
    assert rb.comms["internal"].every == 600
    assert [s.id for s in rb.walk_order()][:3] == ["confirm-impact", "recent-deploy", "not-serving"]


def test_a_broken_runbook_never_stops_the_others(tmp_path: Path) -> None:
    for src in (DATA / "runbooks").glob("*.yaml"):
        (tmp_path / src.name).write_text(src.read_text())
    for src in BROKEN[:5]:
        (tmp_path / src.name).write_text(src.read_text())
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    library = load_library([tmp_path])
    assert sorted(library.runbooks) == ["fix-forward", "serving-errors"]
    assert len(library.broken) == 6
    assert all(e.first_error for e in library.broken)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    text = (DATA / "runbooks" / "fix-forward.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    library = load_library([tmp_path])
    assert len(library.broken) == 1
    assert "duplicate id 'fix-forward'" in library.broken[0].first_error


def test_jump_to_missing_runbook_is_a_warning_when_validated_alone() -> None:
    path = DATA / "runbooks" / "serving-errors.yaml"
    library = load_library([path], jumps_are_errors=False)
    entry = library.entries[0]
    assert entry.ok and [p.severity for p in entry.problems] == ["warning"]
    assert "runbook:fix-forward" in str(entry.problems[0]) and str(entry.problems[0]).startswith(f"{path}:55:37:")


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (DATA / "broken" / "python-tag.yaml").read_text().replace("/tmp/oncall-pwned", str(marker))
    runbook, problems = validate_text(text, "x.yaml")
    assert runbook is None and not marker.exists()
    assert any("not allowed" in p.message for p in problems)


def test_recursive_anchor_does_not_hang() -> None:
    runbook, problems = validate_text("id: &a [*a, *a]\nsteps: &s {a: *s, b: *s}\n", "x.yaml")
    assert runbook is None and problems


def test_every_problem_names_file_line_col() -> None:
    for path in BROKEN:
        _, problems = load_runbook_file(path)
        for problem in problems:
            assert re.match(rf"{re.escape(str(path))}:\d+:\d+: \S", str(problem)), str(problem)
