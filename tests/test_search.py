"""Fuzzy runbook search: what a half-awake person types finds the runbook they mean."""

from __future__ import annotations

import random

from tui.runbook.model import AlertMatch, Choice, Runbook, Step
from tui.runbook.search import Doc, SearchIndex


def rb(rid: str, title: str, *, tags=(), symptoms=(), alerts=(), step="Check the dashboard.", summary="") -> Runbook:
    steps = {
        "a": Step("a", "ask", step, choices=(Choice("Yes", "b"), Choice("No", "b"))),
        "b": Step("b", "outcome", "Done.", outcome="resolved"),
    }
    return Runbook(id=rid, title=title, version=1, summary=summary, category="model-failure", severity_hint="high",
                   start="a", steps=steps, tags=tuple(tags), symptoms=tuple(symptoms),
                   alerts=tuple(AlertMatch(a) for a in alerts))


BOOKS = [
    rb("bad-model-deploy", "Bad model deploy: roll back or fix forward", tags=["deploy", "rollback"],
       symptoms=["accuracy drops right after a deploy"], alerts=["ModelQualityDrop"]),
    rb("llm-false-refusals", "Refusal spike in the support assistant", tags=["llm", "prompt"],
       symptoms=["assistant refuses harmless requests"], step="Did a prompt or routing change ship?"),
    rb("feature-drift", "Input data drift", tags=["data"], symptoms=["feature distribution shifted"],
       step="Compare the feature histogram with last week's."),
    rb("gpu-oom", "GPU out of memory on the inference fleet", tags=["infrastructure", "gpu"],
       step="Look for CUDA out-of-memory errors in the pod logs."),
]


def keys(hits) -> list[str]:
    return [h.key for h in hits]


def index() -> SearchIndex:
    return SearchIndex.of_runbooks(BOOKS)


def test_empty_query_lists_everything_in_order():
    assert keys(index().search("")) == [b.id for b in BOOKS]
    assert keys(index().search("   ", limit=2)) == ["bad-model-deploy", "llm-false-refusals"]


def test_part_of_a_title_finds_it_first():
    hits = index().search("refusal sp")
    assert hits[0].key == "llm-false-refusals" and hits[0].where == "title"


def test_prefix_while_typing_finds_the_runbook():
    assert index().search("refu")[0].key == "llm-false-refusals"
    assert index().search("gp")[0].key == "gpu-oom"


def test_id_matches():
    assert index().search("feature-drift")[0].key == "feature-drift"


def test_a_typo_still_finds_it():
    assert index().search("refsual")[0].key == "llm-false-refusals"
    assert index().search("rollbak")[0].key == "bad-model-deploy"


def test_symptoms_tags_and_alert_names_are_searched():
    hit = index().search("harmless")[0]
    assert (hit.key, hit.where) == ("llm-false-refusals", "symptoms")
    assert index().search("ModelQualityDrop")[0].key == "bad-model-deploy"
    assert index().search("gpu")[0].key == "gpu-oom"


def test_step_text_is_searched_but_ranks_below_a_title_match():
    hit = index().search("histogram")[0]
    assert (hit.key, hit.where) == ("feature-drift", "steps")
    assert keys(index().search("cuda")) == ["gpu-oom"]
    # "canary" is in the step text of the first and the title of the second: the title wins.
    idx = SearchIndex.of_runbooks([rb("steps-say-it", "Latency", step="Pause the canary."),
                                   rb("title-says-it", "Canary stuck")])
    assert [(h.key, h.where) for h in idx.search("canary")] == [("title-says-it", "title"), ("steps-say-it", "steps")]


def test_every_word_must_match_to_rank_first():
    hits = index().search("data drift histogram")
    assert hits[0].key == "feature-drift"
    assert all(h.score < hits[0].score for h in hits[1:])


def test_nothing_matches_nonsense():
    assert index().search("zzzqqq") == []


def test_extra_docs_such_as_broken_files_are_searchable():
    idx = SearchIndex.of_runbooks(BOOKS, extra=[Doc("broken/latency.yaml", "latency.yaml")])
    assert idx.search("latency")[0].key == "broken/latency.yaml"


def test_finds_the_right_one_among_a_thousand():
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 9))) for _ in range(2000)]

    def sentence(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n))

    many = [rb(f"rb-{i}", sentence(5), tags=[sentence(1)], symptoms=[sentence(8)], step=sentence(15))
            for i in range(1000)]
    idx = SearchIndex.of_runbooks(many)
    for target in (many[3], many[500], many[999]):
        assert idx.search(target.title)[0].key == target.id
        half = target.title[: len(target.title) * 2 // 3]
        assert target.id in keys(idx.search(half, limit=5))
