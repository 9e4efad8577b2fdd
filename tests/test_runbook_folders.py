"""Runbook folders as a network share or a careless copy leaves them: link loops, dangling links, a folder,
FIFO or device named *.yaml, huge, non-UTF-8 or unreadable files, unreadable folders. Each is one listed
problem naming its path, and every other runbook still loads (with or without the cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.runbook import library as library_module
from tui.runbook import readfile
from tui.runbook.library import load_library, runbook_files
from tui.runbook.readfile import MAX_BYTES

DATA = Path(__file__).parent / "data"
GOOD = {"fix-forward", "serving-errors"}
AS_ROOT = os.geteuid() == 0


def _good_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in (DATA / "runbooks").glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    return folder


def _hostile_folder(folder: Path) -> dict[str, str]:
    """A folder of good runbooks and every kind of file that is not one: {file name: words its problem says}."""
    _good_folder(folder)
    (folder / "loop.yaml").symlink_to("loop.yaml")
    (folder / "dangling.yaml").symlink_to("gone.yaml")
    (folder / "folder.yaml").mkdir()
    os.mkfifo(folder / "fifo.yaml")
    (folder / "device.yaml").symlink_to("/dev/zero")
    (folder / "huge.yaml").write_bytes(b"# " + b"x" * MAX_BYTES)
    (folder / "latin1.yml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    return {"loop.yaml": "link loop", "dangling.yaml": "does not exist", "folder.yaml": "is a folder",
            "fifo.yaml": "is a FIFO", "device.yaml": "is a device", "huge.yaml": "over 1 MiB",
            "latin1.yml": "not UTF-8"}


def _problems_by_name(library) -> dict[str, list[str]]:
    return {e.path.name: [p.message for p in e.problems] for e in library.broken}


@pytest.mark.parametrize("cached", [False, True])
def test_every_bad_file_is_one_problem_with_its_path_and_the_good_runbooks_load(tmp_path: Path,
                                                                               cached: bool) -> None:
    expected = _hostile_folder(tmp_path / "rb")
    cache = tmp_path / "cache" if cached else None
    for _ in range(2 if cached else 1):  # the second load reads what the first cached
        library = load_library([tmp_path / "rb"], cache=cache)
        assert set(library.runbooks) == GOOD
        problems = _problems_by_name(library)
        assert set(problems) == set(expected)
        for name, words in expected.items():
            assert len(problems[name]) == 1 and words in problems[name][0], (name, problems[name])
        for entry in library.broken:
            assert entry.first_error.startswith(f"{tmp_path / 'rb' / entry.path.name}:1:1: ")


def test_a_runbook_path_that_is_a_loop_a_dangling_link_or_under_a_file_is_a_problem(tmp_path: Path) -> None:
    _good_folder(tmp_path / "rb")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "share").symlink_to(tmp_path / "unmounted")
    (tmp_path / "notes.txt").write_text("not a folder")
    paths = [tmp_path / "loop", tmp_path / "share", tmp_path / "notes.txt" / "runbooks", tmp_path / "rb",
             tmp_path / "nope"]
    library = load_library(paths, cache=tmp_path / "cache")
    assert set(library.runbooks) == GOOD
    assert library.missing_dirs == [tmp_path / "nope"]  # a path that simply is not there stays "missing"
    problems = {str(e.path): e.first_error for e in library.broken}
    assert "link loop" in problems[str(tmp_path / "loop")]
    assert "does not exist" in problems[str(tmp_path / "share")]
    assert "Not a directory" in problems[str(tmp_path / "notes.txt" / "runbooks")]
    files, missing = runbook_files(paths)  # the drills' scan of the same folders does not break either
    assert {f.stem for f in files} == GOOD and len(missing) == 4


@pytest.mark.skipif(AS_ROOT, reason="root reads a chmod 000 file; the next test covers that case")
def test_an_unreadable_folder_and_file_are_problems(tmp_path: Path) -> None:
    _good_folder(tmp_path / "rb")
    locked_dir = _good_folder(tmp_path / "locked")
    locked_file = tmp_path / "rb" / "secret.yaml"
    locked_file.write_text("id: secret\n")
    locked_dir.chmod(0)
    locked_file.chmod(0)
    try:
        library = load_library([tmp_path / "rb", locked_dir])
    finally:
        locked_dir.chmod(0o755)
        locked_file.chmod(0o644)
    assert set(library.runbooks) == GOOD
    problems = {e.path.name: e.first_error for e in library.broken}
    assert "permission denied" in problems["locked"] and "permission denied" in problems["secret.yaml"]


def test_an_unreadable_folder_and_file_are_problems_even_where_root_could_read_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root (the test machine), no local file or folder refuses a read; an NFS share with root_squash
    # does. So here, and only here, the refusal is simulated.
    _good_folder(tmp_path / "rb")
    locked_dir = _good_folder(tmp_path / "locked")
    locked_file = tmp_path / "rb" / "secret.yaml"
    locked_file.write_text("id: secret\n")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path):
        if Path(path) == locked_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def refuse_open(path, *args, **kwargs):
        if Path(path) == locked_file:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(library_module.os, "scandir", scandir)
    monkeypatch.setattr(readfile.os, "open", refuse_open)
    library = load_library([tmp_path / "rb", locked_dir])
    assert set(library.runbooks) == GOOD
    problems = {e.path.name: e.first_error for e in library.broken}
    assert problems["locked"] == (f"{locked_dir}:1:1: cannot read the folder: permission denied; "
                                  "let your user read it (chmod a+rx)")
    assert "permission denied" in problems["secret.yaml"]


def test_oncall_list_and_validate_name_each_bad_path_without_a_traceback(tmp_path: Path) -> None:
    expected = _hostile_folder(tmp_path / "rb")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "ONCALL_RUNBOOKS": f"{tmp_path / 'rb'}:{tmp_path / 'loop'}"}

    def oncall(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60,
                              env=env, check=False)

    listed = oncall("list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    lines = listed.stdout.splitlines()
    for good in GOOD:
        assert any(line.startswith(good) and " ok " in line for line in lines)
    for name, words in {**expected, "loop": "link loop"}.items():
        assert any("BROKEN" in line and name in line and words in line for line in lines), name
    checked = oncall("validate")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr
    for name in [*expected, "loop"]:
        assert name in checked.stdout
    assert "10 runbooks checked, 8 broken" in checked.stderr
