"""Fuzzy search over runbooks: id and title first, then symptoms, tags and alerts, then step text.

Everything that does not depend on the query is computed once, when the index is
built: the words of every field, a sorted vocabulary for prefix look-ups, and the
lower-cased titles. A keystroke then costs one prefix bisect and one rapidfuzz
scan of the vocabulary per query word, plus one scan of the titles, which stays
well under 10 ms for 1,000 runbooks.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:  # only annotations: building the index from cached text needs no model
    from tui.runbook.model import Runbook

WORD = re.compile(r"[a-z0-9]+")
# How much a match counts, by where it was found.
WEIGHTS = {"title": 1.0, "meta": 0.85, "body": 0.7}
FIELD_NAMES = {"title": "title", "meta": "symptoms", "body": "steps"}
FUZZY_MIN_LEN = 4  # shorter words are matched by prefix only: fuzzy 3-letter matches are noise
FUZZY_CUTOFF = 80.0
CACHE_SIZE = 512  # term results kept between keystrokes: typing a second word reuses the first


@dataclass(frozen=True)
class Doc:
    """One searchable entry: a runbook, or a broken file listed by its name."""

    key: str
    title: str
    meta: str = ""
    body: str = ""


@dataclass(frozen=True)
class Hit:
    key: str
    score: float  # 0..100
    where: str  # the field that matched best: title | symptoms | steps


def runbook_doc(runbook: Runbook) -> Doc:
    meta = [runbook.summary, runbook.category, *runbook.tags, *runbook.symptoms, *(a.alertname for a in runbook.alerts)]
    body = []
    for step in runbook.steps.values():
        body.append(step.text)
        if step.detail:
            body.append(step.detail)
        body.extend(c.label for c in step.choices)
        body.extend(step.checklist)
    return Doc(runbook.id, f"{runbook.id} {runbook.title}", " ".join(meta), " ".join(body))


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass
class SearchIndex:
    docs: Sequence[Doc]
    _titles: list[str] = field(init=False, repr=False)
    _vocab: list[str] = field(init=False, repr=False)
    # word -> {doc index: (weight, field)} with the best field per doc
    _postings: dict[str, dict[int, tuple[float, str]]] = field(init=False, repr=False)
    _title_vocab: list[str] = field(init=False, repr=False)
    _cache: dict[str, dict[int, tuple[float, str]]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.docs = list(self.docs)
        self._titles = [d.title.lower() for d in self.docs]
        postings: dict[str, dict[int, tuple[float, str]]] = {}
        for i, doc in enumerate(self.docs):
            for fname in ("body", "meta", "title"):  # best field last, so it wins
                posting = (WEIGHTS[fname], FIELD_NAMES[fname])  # one shared tuple: fewer objects to build and load
                for word in set(words(getattr(doc, fname))):
                    postings.setdefault(word, {})[i] = posting
        self._postings = postings
        self._vocab = sorted(postings)
        self._title_vocab = sorted({w for t in self._titles for w in words(t)})

    @classmethod
    def of_runbooks(cls, runbooks: Iterable[Runbook], extra: Iterable[Doc] = ()) -> SearchIndex:
        return cls([*(runbook_doc(r) for r in runbooks), *extra])

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """Best first. An empty query lists every doc in the order given."""
        terms = words(query)
        if not terms:
            hits = [Hit(d.key, 0.0, "") for d in self.docs]
            return hits[:limit] if limit else hits
        n = len(self.docs)
        totals = [0.0] * n
        matched = [0] * n
        best_where: list[tuple[float, str]] = [(0.0, "")] * n
        for term in terms:
            per_doc = self._term_scores(term)
            for i, (score, where) in per_doc.items():
                totals[i] += score
                matched[i] += 1
                if score > best_where[i][0]:
                    best_where[i] = (score, where)
        # The whole query as typed, fuzzily inside the id and title: "refus spik" still finds
        # "Refusal spike" even when a word is cut short.
        phrase = " ".join(terms)
        scan = process.extract(phrase, self._titles, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF,
                               limit=None) if len(phrase) >= 3 else []
        for _, score, i in scan:
            totals[i] += score * len(terms) * 0.5
            if matched[i] < len(terms):
                matched[i] = len(terms) if score >= 90 else matched[i]
            if best_where[i][1] != "title" and score >= best_where[i][0]:
                best_where[i] = (score, "title")
        hits = []
        for i in range(n):
            if not matched[i]:
                continue
            # Docs matching every word come first; partial matches rank after them.
            coverage = matched[i] / len(terms)
            score = min(100.0, totals[i] / len(terms)) * coverage
            hits.append(Hit(self.docs[i].key, round(score, 1), best_where[i][1]))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit] if limit else hits

    def _term_scores(self, term: str) -> dict[int, tuple[float, str]]:
        cached = self._cache.get(term)
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[term] = self._score_term(term)
        return cached

    def _score_term(self, term: str) -> dict[int, tuple[float, str]]:
        """For each doc with a word like `term`: the best weighted score and its field."""
        found: dict[str, float] = {}
        if term in self._postings:
            found[term] = 100.0
        # Prefixes: the person is still typing the word. One letter only prefixes titles,
        # or it would match a word in nearly every runbook.
        vocab = self._title_vocab if len(term) == 1 else self._vocab
        lo = bisect.bisect_left(vocab, term)
        hi = bisect.bisect_left(vocab, term + "\uffff")
        for word in vocab[lo:hi]:
            found.setdefault(word, 92.0)
        if len(term) >= FUZZY_MIN_LEN:
            for word, score, _ in process.extract(term, self._vocab, scorer=fuzz.ratio,
                                                  score_cutoff=FUZZY_CUTOFF, limit=None):
                if word not in found:
                    found[word] = score * 0.9  # a typo ranks below an exact or prefix match
        out: dict[int, tuple[float, str]] = {}
        for word, score in found.items():
            for i, (weight, where) in self._postings[word].items():
                if len(term) == 1 and where != "title":
                    continue
                weighted = score * weight
                if weighted > out.get(i, (0.0, ""))[0]:
                    out[i] = (weighted, where)
        return out
