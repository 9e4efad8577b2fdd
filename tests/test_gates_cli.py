"""Gates fail closed at the command line: a boolean setting oncall cannot read and a flag
given by abbreviation are usage errors (exit 2), and nothing runs."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_run_cli
from tests.test_run_cli import oncall, one_sentence
from tui.cli import build_parser

home = test_run_cli.home  # the fixture: runbooks, config and journal in tmp_path


def all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += all_parsers(sub)
    return found


def test_no_parser_takes_abbreviations() -> None:
    parsers = all_parsers(build_parser())
    assert len(parsers) >= 17  # oncall, its 10 commands and the 6 journal actions
    assert [p.prog for p in parsers if p.allow_abbrev] == []


@pytest.mark.parametrize("flag", ["--y", "--ye", "--y=1", "--dry", "--dry-r", "--read", "--read-on", "--inc", "--par"])
def test_an_abbreviated_flag_to_run_is_refused_and_runs_nothing(home, tmp_path: Path, flag: str) -> None:
    marker = tmp_path / "rolled-back"
    done = oncall(home, "cli-test", "rollback", "--param", f"marker={marker}", flag)
    assert done.returncode == 2 and "error: unrecognized arguments" in done.stderr
    assert not marker.exists() and done.stdout == ""


@pytest.mark.parametrize("argv", [
    ["--prom", "http://127.0.0.1:9", "list"], ["--them=dark", "list"], ["list", "--js"],
    ["journal", "list", "--js"], ["journal", "new", "--tit", "x"], ["metrics", "x", "--js"],
    ["drill", "--li"], ["validate", "--rul", "x"], ["alerts", "--alertm", "http://127.0.0.1:9"]])
def test_abbreviations_are_refused_by_every_command(home, argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "tui", *argv], capture_output=True, text=True, env=home,
                          timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "error:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("word", ["enabled", "y", "2", "disabled"])
def test_an_unknown_read_only_word_stops_the_danger_command(home, tmp_path: Path, word: str) -> None:
    marker = tmp_path / "rolled-back"
    done = oncall({**home, "ONCALL_READ_ONLY": word}, "cli-test", "rollback", "--yes", "--param", f"marker={marker}")
    assert done.returncode == 2
    sentence = one_sentence(done.stderr)
    assert f"ONCALL_READ_ONLY is {word!r}" in sentence and "1/0, true/false, yes/no, on/off" in sentence
    assert not marker.exists()


def test_an_unknown_boolean_in_config_yaml_stops_oncall(home, tmp_path: Path) -> None:
    marker = tmp_path / "rolled-back"
    (tmp_path / "config" / "oncall").mkdir(parents=True)
    (tmp_path / "config" / "oncall" / "config.yaml").write_text("read_only: enabled\n")
    done = oncall(home, "cli-test", "rollback", "--yes", "--param", f"marker={marker}")
    assert done.returncode == 2 and "setting 'read_only' is 'enabled'" in one_sentence(done.stderr)
    assert not marker.exists()
