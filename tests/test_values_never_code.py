"""A parameter value never becomes code, in any context the validator accepts.

Shell commands really run (bash, in a temporary folder) with hostile values, and no marker file
may appear; PromQL queries are parsed by a real PromQL parser (promql-parser), and a value must
stay inside the one string literal it was put in.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import promql_parser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.cli import main
from tui.config import Settings
from tui.errors import OncallError
from tui.launch import launch_for, prepare_command
from tui.runbook.model import Command, Param, Runbook, Step
from tui.runbook.render import RenderError, check_params, render_query
from tui.runbook.validate import validate_text

MARK = "M"  # every hostile value tries to create this file in the command's folder
HOSTILE = [
    "$(touch M)", "`touch M`", ";touch M", "; touch M #", "&& touch M", "| touch M", "\ntouch M\n",
    "x'; touch M; '", 'x"; touch M; "', "\\", "\\$(touch M)", "a[$(touch M)]", "x[$(touch M)]+1",
    "${IFS}touch${IFS}M", "$((1+1))", "*", "~root", "é ünïcödé ✓", "'", '"', "$'\\x41'", "!!", "%s%n",
    "x' or vector(43) or up{job='", "x\"} or vector(43) or up{job=\"", "x`} or vector(43) or up{job=`",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
).filter(lambda v: not v.startswith("-"))  # a leading '-' is refused on purpose: see its own test


def book(commands: dict[str, Command] | None = None, params: dict[str, Param] | None = None) -> Runbook:
    return Runbook(
        id="values", title="Values", version=1, summary="s", category="infrastructure", severity_hint="low",
        start="end", steps={"end": Step(id="end", kind="outcome", text="done", outcome="resolved")},
        params=params or {"v": Param("v", "Value")}, commands=commands or {},
    )


def run(runbook: Runbook, name: str, value: str, folder: Path) -> tuple[int | None, str]:
    prepared = prepare_command(runbook, name, {"v": value})
    chunks: list[bytes] = []
    settings_ = Settings(journal_path=folder / "data" / "journal.json", runbook_dirs=())
    job = launch_for(prepared, settings_, on_output=chunks.append, cwd=folder)
    result = asyncio.run(asyncio.wait_for(job.run(), 60))
    return result.exit_code, b"".join(chunks).decode()


YAML = """\
id: values
title: T
version: 1
summary: S
category: infrastructure
severity_hint: low
params:
  v: {{prompt: V, default: m}}
commands:
  c:
    title: C
    shell: |
{script}
start: a
steps:
  a: {{do: D., commands: [c], next: b}}
  b: {{outcome: resolved}}
"""


def problems_of(script: str) -> list[str]:
    text = YAML.format(script="\n".join("      " + line for line in script.splitlines()))
    _, problems = validate_text(text, "values.yaml")
    return [f"{p.line}: {p.message}" for p in problems if p.is_error]


# -- the shell: what the validator refuses ----------------------------------------------------
@pytest.mark.parametrize("script, line", [
    ("echo start\necho $((${v}+1))", 14),  # arithmetic expansion
    ('sh -c "echo ${v}"', 13),  # a nested shell
    ('eval "echo ${v}"', 13),
    ('kubectl exec pod -- sh -c "ls ${v}"', 13),
    ('timeout 5 sh -c "ls ${v}"', 13),
    ('echo "${v}" | xargs sh -c "ls $0"', 13),  # through a pipe
    ('printf "%s" "${v}" | tr a b | bash', 13),
    ('printf "%s" "${v}" | python3', 13),
    ('ssh host "cat /var/log/${v}"', 13),
    ('su -c "ls ${v}" root', 13),
    ('watch "ls ${v}"', 13),
    ('source "${v}"', 13),
    ('. "${v}"', 13),
    ("if (( v > 3 )); then echo big; fi", 13),  # bash reads v's value as arithmetic: a[$(cmd)] runs cmd
    ('echo "$((v))"', 13),
    ('echo "${arr[$v]}"', 13),
    ('let "n = v + 1"', 13),
    ('[[ "$v" -eq 3 ]] && echo three', 13),
    ('[ -v "$v" ] && echo set', 13),
    ('echo "${!v}"', 13),
    ('echo "${v@P}"', 13),
    ("grep 'model=${v}' log", 13),  # single quotes: it would stay literal
    ("echo ${v}", 13),  # unquoted: split and globbed
    ('"${v}" --help', 13),  # the value as the program
    ('python3 -c "print(\'${v}\')"', 13),  # an interpreter's program text
    ('awk "/${v}/" log', 13),
    ('copy="${v}"\neval "$copy"', 14),  # followed through a shell variable
    ('eval "$(printf %s "${v}")"', 13),  # and through a command substitution
    ('declare -i n\nn="${v}"', 14),  # an integer variable evaluates what it is given
    ('declare -n ref\nref="${v}"\necho "$ref"', 14),  # a nameref takes the value as a variable name
    ('printf -v "${v}" %s 1', 13),
    ('timeout 5 "${v}" --help', 13),  # the program a wrapper runs
    ('find . -exec "${v}" {} +', 13),
    ('git -c "core.sshCommand=${v}" fetch', 13),
    ("echo `echo ${v}`", 13),
    ("cat <<EOF\n${v}\nEOF", 14),
])
def test_the_validator_refuses_a_use_that_could_run_the_value_at_its_line(script: str, line: int) -> None:
    problems = problems_of(script)
    assert problems and problems[0].startswith(f"{line}: commands.c.shell: "), problems
    with pytest.raises(OncallError, match=r"^Command c: .*fix the runbook"):
        prepare_command(book({"c": Command("c", "c", shell=script)}), "c", {"v": "$(touch M)"})


@pytest.mark.parametrize("name", ["_", "http_proxy", "https_proxy", "no_proxy", "all_proxy", "auto_resume"])
def test_a_parameter_name_the_shell_or_its_programs_read_is_refused(name: str) -> None:
    text = YAML.replace("  v: {{prompt: V, default: m}}", f"  {name}: {{{{prompt: V}}}}").format(script="      true")
    _, problems = validate_text(text, "values.yaml")
    assert any(f"params.{name}:" in p.message and "rename the parameter" in p.message for p in problems)


# -- the shell: what it accepts really runs, and the value stays data -----------------------
ACCEPTED = """\
# a comment that names ${v} is not code, even when the value holds a newline
printf '<%s>\\n' "${v}"
printf '<%s>\\n' "x${v}y" "$v"
printf '<%s>\\n' \\${v}
copy="${v}"; printf '<%s>\\n' "$copy"
printf '<%s>\\n' "$(printf '%s' "${v}")"
printf '%s' "${v}" | python3 -c "import sys; sys.stdout.write('<' + sys.stdin.read() + '>\\n')"
python3 -c "import sys; print('<' + sys.argv[1] + '>')" "${v}"
awk -v n="${v}" 'BEGIN { print "<" length(n) ">" }'
for w in "${v}"; do printf '<%s>\\n' "$w"; done
[ "${v}" = x ] || printf '<not x>\\n'
[[ "${v}" == x ]] || printf '<not x>\\n'
[ "${v}" -eq 1 ] 2>/dev/null || printf '<not 1>\\n'
printf '<%s>\\n' "${v:-empty}" "${#v}" "${v%%x*}"
grep -c -F -e "${v}" /dev/null || true
"""


def test_the_accepted_contexts_pass_the_validator() -> None:
    assert problems_of(ACCEPTED) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_hostile_values_in_every_accepted_shell_context_create_nothing(tmp_path_factory, value: str) -> None:
    folder = tmp_path_factory.mktemp("shell")
    runbook = book({"c": Command("c", "c", shell=ACCEPTED),
                    "argv": Command("argv", "a", run=("printf", "<%s>", "${v}", "x${v}y"))})
    code, out = run(runbook, "c", value, folder)
    assert code == 0, out
    lines = out.split("\n")
    if "\n" not in value:
        assert lines[0] == f"<{value}>" and lines[1:3] == [f"<x{value}y>", f"<{value}>"]
        assert lines[3] == "<${v}>"  # a backslash keeps it literal: nothing is substituted into the script
    code, out = run(runbook, "argv", value, folder)
    assert code == 0 and out == f"<{value}><x{value}y>"
    assert not (folder / MARK).exists()


@pytest.mark.parametrize("script", ["echo \\${v}", "# ${v}\necho hi", 'printf "%s" "${v}"'])
@pytest.mark.parametrize("value", ["$(touch M)", "x\ntouch M", "a[$(touch M)]", "`touch M`"])
def test_yesterdays_splices_run_nothing(tmp_path: Path, script: str, value: str) -> None:
    # Once a backslash or a comment before ${v} let a spliced value run; now nothing is spliced.
    assert problems_of(script) == []
    code, _ = run(book({"c": Command("c", "c", shell=script)}), "c", value, tmp_path)
    assert code == 0 and not (tmp_path / MARK).exists()


def test_a_value_starting_with_a_dash_is_refused_unless_its_pattern_names_the_dash(tmp_path: Path) -> None:
    ls = {"ls": Command("ls", "List", run=("ls", "${v}")), "sh": Command("sh", "List", shell='ls "${v}"')}
    for name in ls:
        # A pattern that takes '-' among other characters (fraud-detector) does not let --all through.
        for pattern in (None, ".*", r"\S+", "[^/]+", "^[a-z0-9-]+$", "^[-a-z]+$"):
            with pytest.raises(OncallError, match=r"v='--version' starts with '-'.*starts by allowing one"):
                prepare_command(book(ls, {"v": Param("v", "V", pattern=pattern)}), name, {"v": "--version"})
    numbers = book(ls, {"v": Param("v", "V", pattern="^-?[0-9]+$")})
    assert prepare_command(numbers, "ls", {"v": "-5"}).argv == ("ls", "-5")
    signed = book(ls, {"v": Param("v", "V", pattern="^[-+]?[0-9.]+$")})
    assert prepare_command(signed, "sh", {"v": "-1.5"}).env == {"v": "-1.5"}
    assert prepare_command(book(ls, {"v": Param("v", "V", pattern="^[a-z0-9-]+$")}), "ls", {"v": "a-b"}).argv[1] == "a-b"


def test_a_pattern_is_a_whole_value_match() -> None:
    runbook = book(params={"v": Param("v", "V", pattern="^[a-z0-9-]+$")})
    for bad in ("abc\n", "abc\ndef", "abc;", " abc"):
        with pytest.raises(RenderError, match="does not match its pattern"):
            check_params(runbook, {"v": bad})
    assert check_params(runbook, {"v": "abc"}) == {"v": "abc"}
    _, problems = validate_text(YAML.replace("{{prompt: V, default: m}}", "{{prompt: V, default: \"m\\n\", "
                                             "pattern: '^[a-z]+$'}}").format(script="      true"), "v.yaml")
    assert any("does not match its own pattern" in p.message for p in problems)


def test_a_nul_byte_is_one_sentence_not_a_traceback() -> None:
    with pytest.raises(RenderError, match="NUL byte"):
        check_params(book(), {"v": "a\x00b"})


# -- PromQL --------------------------------------------------------------------------------
def matcher_value(query: str) -> str:
    """The value of the one `job` matcher of a plain vector selector; fails on any other shape."""
    expr = promql_parser.parse(query)
    assert isinstance(expr, promql_parser.VectorSelector), f"{query!r} parsed as {type(expr).__name__}"
    found = [m.value for m in expr.matchers.matchers if m.name == "job"]
    assert len(found) == 1
    return found[0]


def test_a_single_quoted_promql_string_keeps_the_injection_inside() -> None:
    value = "x'} or vector(43) or up{job='"
    assert matcher_value(render_query("up{job='${j}'}", {"j": value})) == value


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.sampled_from(HOSTILE), st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)))
def test_a_value_stays_inside_its_promql_string_literal(value: str) -> None:
    for template in ('up{job="${j}"}', "up{job='${j}'}", 'up{job!="pre${j}"}', "up{job=`${j}`}",
                     'up{job="a\\"${j}"} # it\'s'):  # a quote in a comment opens no string
        try:
            query = render_query(template, {"j": value})
        except RenderError as exc:
            assert "`" in template and any(ch in value for ch in "`\\\r"), exc  # only a raw string refuses
            continue
        expected = {'up{job!="pre${j}"}': f"pre{value}", 'up{job="a\\"${j}"} # it\'s': f'a"{value}'}
        assert matcher_value(query) == expected.get(template, value), template


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.sampled_from(HOSTILE + ["5m", "1h30m", "0.05", "-1", "1e3", "le", "pod"]), st.text(max_size=12)))
def test_outside_a_string_a_value_is_a_number_a_duration_or_a_name(value: str) -> None:
    for template in ("rate(up[${w}])", "up > ${w}", "sum by (${w}) (up)", "${w}_total"):
        try:
            query = render_query(template, {"w": value})
        except RenderError as exc:
            assert "outside a quoted string" in str(exc) and "must be a number, a duration" in str(exc)
            continue
        assert value and set(value) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")
        assert "vector" not in query.replace(value, "") and query.count("(") == template.count("(")


METRIC_RUNBOOK = """\
id: injected
title: Injected
version: 1
summary: A query with a single-quoted PromQL string and a bare threshold.
category: model-failure
severity_hint: low
params:
  j: {prompt: Model, default: summarizer}
  threshold: {prompt: Threshold, default: "0"}
metrics:
  quoted:
    title: Single-quoted
    query: ai_refusal_ratio{model='${j}'}
  bare:
    title: Bare
    query: ai_refusal_ratio{model="summarizer"} > ${threshold}
start: done
steps:
  done: {outcome: resolved, say: Done.}
"""


@pytest.mark.prometheus
def test_a_real_prometheus_never_shows_the_injected_vector(servers, tmp_path: Path, capsys) -> None:
    (tmp_path / "injected.yaml").write_text(METRIC_RUNBOOK)
    code = main(["metrics", "injected", "--runbooks", str(tmp_path), "--prometheus", servers.prometheus_url,
                 "--json", "--param", "j=x'} or vector(43) or up{job='", "--param", "threshold=0 or vector(43)"])
    out, _ = capsys.readouterr()
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 1  # the bare value is refused, and said
    assert rows["quoted"]["value"] is None and rows["quoted"]["state"] == "nodata"
    assert rows["bare"]["value"] is None and "outside a quoted string" in rows["bare"]["error"]
    assert "43" not in json.dumps([r["value"] for r in rows.values()])


SHELLISH = st.text(alphabet=st.sampled_from(list("$v{}()[]'\"`\\|&;<>#!=-+*@: \n\tabcehsx0123")), max_size=60)


@settings(max_examples=400, deadline=None)
@given(script=SHELLISH)
def test_any_script_is_checked_without_a_crash(script: str) -> None:
    problems = problems_of(script)
    assert not any("internal error" in p for p in problems), problems


# Differential: random scripts built from safe and unsafe pieces. Whatever the checker accepts
# really runs with values that run code wherever bash evaluates them; none may create the marker.
SNIPPETS = [  # safe and unsafe pieces; the checker decides which scripts may run
 'echo "${v}"', 'echo ${v}', "echo '${v}'", 'eval "echo ${v}"', 'eval "$x"', 'x="${v}"', 'x=${v}', 'declare -i x', 'declare -n x',
 'x="$v"', '(( x > 1 ))', '(( v > 1 ))', 'echo $((x))', '[[ "$x" -eq 1 ]]', '[ "$x" -eq 1 ]', 'bash -c "echo $x"', 'sh -c "$x"',
 'printf "%s" "$x" | bash', 'printf "%s" "$x" | cat', 'echo "${!x}"', 'echo "${x@P}"', 'f() { eval "$1"; }', 'f "$x"', 'f "${v}"',
 'set -- "$x"', 'eval "$1"', 'read y <<< "$x"', 'eval "$y"', 'y=$(printf %s "$x")', 'arr[$x]=1', 'echo "${arr[$x]}"', 'let x',
 'for y in "$x"; do eval "$y"; done', 'source /dev/stdin <<< "$x"', '. <(echo "$x")', 'trap "$x" EXIT', 'python3 -c "$x"',
 'export y="$x"', 'bash -c "$y"', 'printf -v "$x" %s 1', 'test -v "$x"', 'alias z="$x"', 'exec 3<<<"$x"', 'mapfile -t y <<< "$x"',
 'eval "${y[0]}"', 'IFS= read -r y <<< "$x"', 'y="${x}"', 'z="$y"', 'eval "$z"', 'eval "$(echo "$z")"', '"$x"', 'cmd="$x"; $cmd',
 'env "$x"', 'declare "$x"', 'typeset -n w=x', 'echo "$w"', 'w="$x"', 'y=("$x")', 'eval "${y[@]}"', 'z=$y', 'y="${v:-}"',
 'y=`echo "$x"`', 'y="$(echo "${v}")"', 'echo "$v" > f; y=$(cat f)', 'eval "$(cat f)"', 'bash f', '{ x="$v"; }', '( eval "$x" )',
 'if true; then x="$v"; fi', 'while read -r y; do eval "$y"; done <<< "$x"', 'echo "$x" | while read -r y; do eval "$y"; done',
 '[[ $x == 1 ]]', 'export x', 'bash -c \'eval "$x"\'', 'x+="$v"', 'declare -a q; q[0]="$v"', 'eval "${q[0]}"', 'echo "${x:-$(eval "$x")}"',
 'printf "%s" "$x" > g; . ./g', 'perl -e "$x"', 'sed -e "$x" /dev/null', 'awk "$x" /dev/null', 'eval -- "$x"', 'command eval "$x"',
 'builtin eval "$x"', 'while read -r y; do (( y > 1 )); done <<< "$x"', 'read -r y < f', '(( y > 1 ))',
 'echo "$x" | tee f', 'cat f | bash', 'bash < f', 'printf "%s" "$x" >> f', 'exec 4>f; echo "$x" >&4', 'cp /dev/stdin f <<< "$x"',
 'echo "$(( y ))"', '[[ $y -gt 1 ]]', 'dd of=f <<< "$x"', 'echo $(( $(cat f) ))', 'n=$(cat f)', 'echo "${arr[n]}"', 'declare -A m; m[$y]=1',
 'kubectl get pods -n "$x" 2>&1 | grep x', 'grep -c x <<< "$v"', 'y=${y:-$(cat f)}', '(( z = y ))', 'i=0', '(( i++ ))', 'echo "$v" 1>f',
 '\\eval "$x"', 'e=eval; $e "$x"', '"e""val" "$x"', 'ev${empty}al "$x"']
CODE_VALUES = ["a[$(touch M)]", "$(touch M)", "touch M", ";touch M", "x[$(touch M)]+1"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=5))
def test_whatever_the_checker_accepts_runs_no_value_as_code(tmp_path_factory, pieces: list[str]) -> None:
    from tui.runbook.shellscan import param_uses

    script = "\n".join(pieces)
    if any(u.problem for u in param_uses(script, {"v"})):
        return
    for value in CODE_VALUES:
        folder = tmp_path_factory.mktemp("diff")
        subprocess.run(["/bin/bash", "-o", "pipefail", "-c", script], cwd=folder, env={"PATH": os.environ["PATH"], "v": value},
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                       check=False)  # the script may fail; only the marker matters
        assert not (folder / MARK).exists(), (script, value)
