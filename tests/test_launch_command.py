"""Rendering, the danger gate and the child environment, with the rendered commands really run:
hostile values reach the program as literal text and create nothing, for run: and shell:."""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.config import Settings
from tui.errors import OncallError
from tui.launch import (
    DangerRefused,
    check_danger,
    child_env,
    confirmation_prompt,
    is_confirmed,
    launch_for,
    prepare_command,
)
from tui.runbook.model import Command, Param, Runbook, Step

PY = sys.executable
ECHO_ARG = "import sys; sys.stdout.write(sys.argv[1])"


def make_runbook(commands: dict[str, Command], params: dict[str, Param] | None = None) -> Runbook:
    return Runbook(
        id="test-book", title="Test", version=1, summary="s", category="infrastructure", severity_hint="low",
        start="end", steps={"end": Step(id="end", kind="outcome", text="done", outcome="resolved")},
        params=params or {"value": Param("value", "Value")}, commands=commands,
    )


BOOK = make_runbook({
    "argv": Command("argv", "Echo one argument", run=(PY, "-c", ECHO_ARG, "${value}")),
    "inside": Command("inside", "Placeholder inside an element", run=(PY, "-c", ECHO_ARG, "deployment/${value}")),
    "shell": Command("shell", "Echo through a shell", shell="printf '%s' \"${value}\" | cat"),
    "quoted": Command("quoted", "Inside shell double quotes", shell='printf "%s" "x${value}y"'),
})


def settings_for(tmp_path: Path, **kw) -> Settings:
    return Settings(journal_path=tmp_path / "data" / "journal.json", runbook_dirs=(), **kw)


def run_prepared(prepared, tmp_path: Path, **kw):
    job = launch_for(prepared, settings_for(tmp_path), cwd=tmp_path, **kw)
    return asyncio.run(asyncio.wait_for(job.run(), 60))


HOSTILE = [
    "$(touch {marker})",
    "`touch {marker}`",
    "; rm -rf victim",
    "; touch {marker}",
    "' ; touch {marker} ; '",
    '" ; touch {marker} ; "',
    "&& touch {marker}",
    "| touch {marker}",
    "$HOME ${{PATH}} *",
    "line1\ntouch {marker}",
    "n --help",
    "a[$(touch {marker})]",
]


@pytest.mark.parametrize("name", ["argv", "inside", "shell"])
@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_values_reach_the_program_literally(tmp_path: Path, name: str, template: str) -> None:
    marker = tmp_path / "pwned"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("precious")
    value = template.format(marker=marker)
    prepared = prepare_command(BOOK, name, {"value": value})
    result = run_prepared(prepared, tmp_path)
    expected = ("deployment/" + value) if name == "inside" else value
    out = (tmp_path / "data" / "runs").glob("*.log")
    assert [p.read_text() for p in out] == [expected]
    assert result.exit_code == 0
    assert not marker.exists()
    assert (victim / "keep").read_text() == "precious"


def test_a_value_inside_shell_double_quotes_stays_literal(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    prepared = prepare_command(BOOK, "quoted", {"value": f"$(touch {marker})"})
    result = run_prepared(prepared, tmp_path)
    assert result.head == (f"x$(touch {marker})y",)
    assert not marker.exists()


# Templates that put the value in every context the validator accepts; each prints the value
# framed by < and >, so the output must be exactly that whatever the value holds.
CONTEXT_TEMPLATES = [
    "printf '<%s>' \"${value}\"",
    'printf "<%s>" "${value}"',
    'printf "<%s>" "$(printf \'%s\' "${value}")"',
    "# a comment that isn't code ${value}\nprintf '<%s>' \"${value}\"",
    "printf '<%s>' \"x${value}y\"",
    "printf '<%s>' \"$value\"",
    'copy="${value}"; printf \'<%s>\' "$copy"',
    "printf '<%s>' \"${value:-}\" | cat",
    "printf '<%s>' \\${value}",  # a backslash keeps `${value}` literal: bash prints it as written
]
BY_CONTEXT = make_runbook({f"t{i}": Command(f"t{i}", "t", shell=t) for i, t in enumerate(CONTEXT_TEMPLATES)})
text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def shell_output(prepared, tmp_path: Path) -> str:
    chunks: list[bytes] = []
    job = launch_for(prepared, settings_for(tmp_path), on_output=chunks.append, cwd=tmp_path)
    result = asyncio.run(asyncio.wait_for(job.run(), 60))
    assert result.exit_code == 0
    return b"".join(chunks).decode()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text_values.filter(lambda v: not v.startswith("-")))
def test_any_text_survives_every_accepted_context_unchanged(tmp_path: Path, value: str) -> None:
    for i, template in enumerate(CONTEXT_TEMPLATES):
        expected = f"<x{value}y>" if "x${value}y" in template else f"<{value}>"
        if "$(" in template:  # command substitution drops trailing newlines: the shell's rule, not ours
            expected = f"<{value.rstrip(chr(10))}>"
        if "\\${value}" in template:
            expected = "<${value}>"
        assert shell_output(prepare_command(BY_CONTEXT, f"t{i}", {"value": value}), tmp_path) == expected, template
    assert not any(tmp_path.glob("pwned*"))


@pytest.mark.parametrize("template", [
    "echo `echo ${value}`",
    "cat <<EOF\n${value}\nEOF",
    'echo "unterminated ${value}',
    "case x in x) echo ${value};; esac",
    "echo $((${value}+1))",
    'sh -c "echo ${value}"',
    'eval "echo ${value}"',
    "echo '${value}'",
    "echo ${value}",
    "(( value > 3 ))",
])
def test_a_use_that_could_run_the_value_is_refused(template: str) -> None:
    book = make_runbook({"c": Command("c", "c", shell=template)})
    with pytest.raises(OncallError, match=r"Command c: (\$\{?)?value\}? .*fix the runbook"):
        prepare_command(book, "c", {"value": "$(touch pwned)"})


def test_rendering_shows_exactly_what_runs() -> None:
    p = prepare_command(BOOK, "argv", {"value": "a b"})
    assert p.argv == (PY, "-c", ECHO_ARG, "a b")
    assert shlex.split(p.display) == list(p.argv)
    s = prepare_command(BOOK, "shell", {"value": "it's"})
    script = "printf '%s' \"${value}\" | cat"
    assert s.argv == ("/bin/bash", "-o", "pipefail", "-c", script) and s.shell  # nothing substituted
    assert s.env == {"value": "it's"} and s.params == {"value": "it's"}
    assert s.display == "value='it'\"'\"'s' " + shlex.join(s.argv)
    assert shlex.split(s.display) == ["value=it's", *s.argv]


def test_a_value_breaking_its_pattern_is_refused_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    book = make_runbook({"touch": Command("touch", "Touch", run=("touch", str(marker), "${model}"))},
                        {"model": Param("model", "Model", default="m", pattern="^[a-z0-9-]+$")})
    with pytest.raises(OncallError, match=r"model=.*does not match its pattern \^\[a-z0-9-\]\+\$"):
        prepare_command(book, "touch", {"model": "m; touch x"})
    assert not marker.exists()
    assert prepare_command(book, "touch", {}).argv[-1] == "m"  # the default passes


def test_unknown_command_or_parameter_is_one_sentence() -> None:
    with pytest.raises(OncallError, match=r"^Runbook test-book has no command 'nope' \(its commands: argv, "):
        prepare_command(BOOK, "nope", {"value": "x"})
    with pytest.raises(OncallError, match="no parameter 'other'"):
        prepare_command(BOOK, "argv", {"value": "x", "other": "y"})


# --- the danger gate ---

DANGER_BOOK = make_runbook(
    {"rollback": Command("rollback", "Roll back", run=("touch", "${value}"), danger=True),
     "look": Command("look", "Look", run=("touch", "${value}"))})


def test_danger_never_runs_without_confirmation(tmp_path: Path) -> None:
    marker = tmp_path / "rolled-back"
    prepared = prepare_command(DANGER_BOOK, "rollback", {"value": str(marker)})
    with pytest.raises(DangerRefused, match=r"^Refused to run rollback: it is a danger command .*--yes") as err:
        launch_for(prepared, settings_for(tmp_path))
    assert err.value.reason == "unconfirmed"
    assert not marker.exists()
    run_prepared(prepared, tmp_path, confirmed=True)
    assert marker.exists()


def test_danger_never_runs_in_read_only_mode_even_confirmed(tmp_path: Path) -> None:
    marker = tmp_path / "rolled-back"
    prepared = prepare_command(DANGER_BOOK, "rollback", {"value": str(marker)})
    with pytest.raises(DangerRefused, match="read-only") as err:
        launch_for(prepared, settings_for(tmp_path, read_only=True), confirmed=True)
    assert err.value.reason == "read-only"
    assert not marker.exists()


def test_read_only_does_not_block_safe_commands(tmp_path: Path) -> None:
    marker = tmp_path / "looked"
    prepared = prepare_command(DANGER_BOOK, "look", {"value": str(marker)})
    check_danger(prepared, read_only=True, confirmed=False)
    job = launch_for(prepared, settings_for(tmp_path, read_only=True))
    asyncio.run(job.run())
    assert marker.exists()


def test_the_typed_confirmation_is_the_command_name() -> None:
    prepared = prepare_command(DANGER_BOOK, "rollback", {"value": "/tmp/x y"})
    prompt = confirmation_prompt(prepared)
    assert "touch '/tmp/x y'" in prompt and "value = /tmp/x y" in prompt and "Type rollback" in prompt
    assert is_confirmed(prepared, " rollback ")
    assert not is_confirmed(prepared, "y") and not is_confirmed(prepared, "")


# --- environment and log placement ---

def test_commands_do_not_inherit_oncalls_secrets(tmp_path: Path) -> None:
    env = child_env({"PATH": "/bin", "ONCALL_PROMETHEUS_TOKEN": "s3cr3t", "ONCALL_USER": "ann"})
    assert env == {"PATH": "/bin", "ONCALL_USER": "ann"}


def test_the_full_log_goes_under_runs_dir(tmp_path: Path) -> None:
    prepared = prepare_command(BOOK, "argv", {"value": "hello"})
    result = run_prepared(prepared, tmp_path)
    assert result.log_path is not None
    assert result.log_path.parent == settings_for(tmp_path).runs_dir
    assert result.log_path.name.endswith("-test-book-argv-" + result.log_path.name.split("-")[-1])
    assert result.log_path.read_text() == "hello"
    assert result.timeout == 60.0
