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


def test_library_checks_are_the_same_from_the_cache(tmp_path: Path) -> None:
    """Duplicate ids and jumps to missing runbooks are checked from the cached summaries: same problems."""
    rb = tmp_path / "rb"
    _copy(DATA / "runbooks", rb)
    (rb / "fix-forward.yaml").unlink()  # serving-errors jumps to it
    (rb / "missing-jump.yaml").write_text((DATA / "broken" / "missing-jump.yaml").read_text())
    (rb / "twin.yaml").write_text((DATA / "runbooks" / "serving-errors.yaml").read_text())  # same id
    cache = tmp_path / "cache"
    for jumps_are_errors in (True, False):
        fresh = load_library([rb], jumps_are_errors=jumps_are_errors)
        cached = [load_library([rb], jumps_are_errors=jumps_are_errors, cache=cache) for _ in range(2)]
        for lib in cached:
            assert [(e.path, e.ok, e.problems) for e in lib.entries] == [(e.path, e.ok, e.problems)
                                                                        for e in fresh.entries]
            assert lib.runbooks == fresh.runbooks
    messages = " ".join(p.message for e in fresh.entries for p in e.problems)
    assert "duplicate id 'serving-errors'" in messages and "runbook:fix-forward jumps to a runbook" in messages


def test_cached_summaries_and_search_text_are_those_of_the_runbooks(tmp_path: Path) -> None:
    from tui.runbook.library import Summary
    from tui.runbook.search import runbook_doc

    _copy(DATA / "runbooks", tmp_path / "rb")
    fresh = load_library([tmp_path / "rb"])
    load_library([tmp_path / "rb"], cache=tmp_path / "cache")
    cached = load_library([tmp_path / "rb"], cache=tmp_path / "cache")
    assert cached.search_docs() == [runbook_doc(rb) for rb in fresh.runbooks.values()]
    for entry in cached.valid.values():
        assert entry.summary == Summary.of(fresh.runbooks[entry.id])
        assert entry.runbook == fresh.runbooks[entry.id]


def test_a_warm_cache_lists_runbooks_without_yaml_or_building_any(tmp_path: Path) -> None:
    """Start-up with an unchanged library reads summaries only: no YAML, no validator, no Runbook object."""
    import subprocess
    import sys

    _copy(DATA / "runbooks", tmp_path / "rb")
    load_library([tmp_path / "rb"], cache=tmp_path / "cache")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tui.runbook.library import load_library\n"
        f"lib = load_library([Path({str(tmp_path / 'rb')!r})], cache=Path({str(tmp_path / 'cache')!r}))\n"
        "rows = [(e.summary.id, e.summary.title, e.summary.severity_hint) for e in lib.valid.values()]\n"
        "print(len(rows), len(lib.runbooks), 'serving-errors' in lib.runbooks,\n"
        "      sorted(m for m in ('yaml', 'tui.runbook.validate', 'tui.runbook.model') if m in sys.modules))\n"
        "print(lib.get('serving-errors').title, 'tui.runbook.model' in sys.modules, 'yaml' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.splitlines() == ["2 2 True []", "Serving errors after a model deploy True False"]


def test_problem_is_importable_from_the_loader_too() -> None:
    from tui.runbook import loader, problem

    assert loader.Problem is problem.Problem


QUERIES = ["refusal", "serving errors", "fix forwrd", "deploy", "r", "nothing-like-this"]


def test_the_search_index_is_kept_for_the_same_documents(tmp_path: Path, monkeypatch) -> None:
    from tui.runbook.search import Doc, SearchIndex

    _copy(DATA / "runbooks", tmp_path / "rb")
    cache = tmp_path / "cache"
    extra = [Doc("broken:x.yaml", "x.yaml", "x.yaml:1:1: the file is empty")]
    fresh = SearchIndex([*load_library([tmp_path / "rb"]).search_docs(), *extra])
    built = load_library([tmp_path / "rb"], cache=cache).search_index(extra)

    def no_building(self: SearchIndex) -> None:
        raise AssertionError("the index was built again")

    with monkeypatch.context() as m:
        m.setattr(SearchIndex, "__post_init__", no_building)
        kept = load_library([tmp_path / "rb"], cache=cache).search_index(extra)
    for index in (built, kept):
        assert [index.search(q) for q in QUERIES] == [fresh.search(q) for q in QUERIES]
    assert kept.search("serving")  # a real answer, not two empty ones

    target = tmp_path / "rb" / "fix-forward.yaml"  # new text: new documents, a new index
    target.write_text(target.read_text().replace("title: ", "title: Zanzibar "))
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    changed = load_library([tmp_path / "rb"], cache=cache).search_index(extra)
    assert changed.search("zanzibar")[0].key == "fix-forward"


def test_the_cache_folder_keeps_only_the_latest_files(tmp_path: Path) -> None:
    from tui.runbook.cache import KEEP_FILES

    _copy(DATA / "runbooks", tmp_path / "rb")
    cache = tmp_path / "cache"
    for i in range(KEEP_FILES):  # as many sets of folders as the cache keeps files, plus this one
        _copy(DATA / "runbooks", tmp_path / f"other{i}")
        load_library([tmp_path / f"other{i}"], cache=cache).search_index()
    load_library([tmp_path / "rb"], cache=cache).search_index()
    files = list(cache.glob("*.pickle"))
    assert len(files) == KEEP_FILES
    assert len([f for f in files if f.name.startswith("runbooks-")]) == KEEP_FILES // 2
