"""Deterministic data for the benchmarks: 1,000 runbooks, generated from the test runbook."""

from __future__ import annotations

from pathlib import Path

SOURCE = Path(__file__).parent.parent / "tests" / "data" / "runbooks" / "serving-errors.yaml"


def make_runbooks(folder: Path, count: int = 1000) -> list[Path]:
    """`count` valid, distinct runbooks (about 70 lines each) in `folder`."""
    text = SOURCE.read_text()
    folder.mkdir(parents=True, exist_ok=True)
    topics = ["refusals", "latency", "drift", "gpu", "tokens", "citations", "features", "schema", "bias", "agents"]
    paths = []
    for i in range(count):
        topic = topics[i % len(topics)]
        body = (text.replace("id: serving-errors", f"id: bench-{topic}-{i:04d}")
                .replace("title: Serving errors after a model deploy", f"title: Bench {topic} incident number {i}")
                .replace('next: "runbook:fix-forward"', "next: resolved")
                .replace("5xx errors right after a deploy", f"{topic} alarms fire for service {i}"))
        path = folder / f"bench-{i:04d}.yaml"
        path.write_text(body)
        paths.append(path)
    return paths
