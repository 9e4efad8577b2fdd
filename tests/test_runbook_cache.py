"""The runbook cache: same library with or without it; a changed or broken file is validated again."""

from __future__ import annotations

import os
from pathlib import Path

from tui.runbook.library import load_library

DATA = Path(__file__).parent / "data"


def _copy(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.yaml"):
        (dst / f.name).write_text(f.read_text())


def test_cached_library_equals_fresh_one(tmp_path: Path) -> None:
    _copy(DATA / "runbooks", tmp_path / "rb")
    (tmp_path / "rb" / "broken.yaml").write_text((DATA / "broken" / "bad-next.yaml").read_text())
    fresh = load_library([tmp_path / "rb"])
    first = load_library([tmp_path / "rb"], cache=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("runbooks-*.pickle"))) == 1
    second = load_library([tmp_path / "rb"], cache=tmp_path / "cache")
    for lib in (first, second):
        assert lib.runbooks == fresh.runbooks
        assert [e.problems for e in lib.entries] == [e.problems for e in fresh.entries]


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    _copy(DATA / "runbooks", tmp_path / "rb")
    cache = tmp_path / "cache"
    assert "fix-forward" in load_library([tmp_path / "rb"], cache=cache).runbooks
    target = tmp_path / "rb" / "fix-forward.yaml"
    target.write_text(target.read_text().replace("version: 1", "version: one"))
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    library = load_library([tmp_path / "rb"], cache=cache)
    assert "fix-forward" not in library.runbooks
    assert "version must be an integer" in library.broken[0].first_error


def test_a_corrupt_cache_only_costs_a_reparse(tmp_path: Path) -> None:
    _copy(DATA / "runbooks", tmp_path / "rb")
    cache = tmp_path / "cache"
    cache.mkdir()
    load_library([tmp_path / "rb"], cache=cache)
    [pickle] = cache.glob("runbooks-*.pickle")
    pickle.write_bytes(b"not a pickle at all")
    assert sorted(load_library([tmp_path / "rb"], cache=cache).runbooks) == ["fix-forward", "serving-errors"]
    assert pickle.read_bytes() != b"not a pickle at all"


def test_the_cache_forgets_files_that_are_gone(tmp_path: Path) -> None:
    import pickle as pickle_module

    _copy(DATA / "runbooks", tmp_path / "rb")
    cache = tmp_path / "cache"
    load_library([tmp_path / "rb"], cache=cache)
    (tmp_path / "rb" / "serving-errors.yaml").unlink()
    assert sorted(load_library([tmp_path / "rb"], cache=cache).runbooks) == ["fix-forward"]
    [path] = cache.glob("runbooks-*.pickle")
    files = pickle_module.loads(path.read_bytes())["files"]
    assert [Path(p).name for p in files] == ["fix-forward.yaml"]
