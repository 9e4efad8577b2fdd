"""The merge is a CRDT join (commutative, associative, idempotent) — proved on merge() and on what sync runs
(parse_shared + absorb into a real LogStorage) — and the clock orders causally."""

from __future__ import annotations

import copy
import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.journal import clock
from tui.journal.clock import HybridClock
from tui.journal.merge import State, merge, merge_register
from tui.journal.schema import content_id
from tui.journal.store import LogStorage
from tui.journal.sync import absorb, parse_shared, render_shared

# Small domains on purpose: collisions (same stamp, same author, same id) are where merges go wrong.
stamps = st.builds(clock.encode, st.integers(0, 3), st.integers(0, 2))
authors = st.sampled_from(["alice", "bob", "carol"])
values = st.one_of(st.none(), st.sampled_from(["a", "b", "investigating", "resolved"]), st.integers(0, 2),
                   st.lists(st.sampled_from(["rb-1", "rb-2"]), max_size=2))
registers = st.fixed_dictionaries({"value": values, "hlc": stamps, "author": authors})
incidents = st.dictionaries(st.sampled_from(["title", "status", "severity", "role:comms"]), registers, max_size=4)
events = st.fixed_dictionaries({
    "id": st.sampled_from(["e1", "e2", "e3", "e4"]), "incident_id": st.sampled_from(["inc-a", "inc-b"]),
    "hlc": stamps, "author": authors, "kind": st.just("note"), "text": st.sampled_from(["x", "y"]),
    "time": st.just("2026-11-22T03:00:00.000Z"), "data": st.just({}),
})


@st.composite
def states(draw: st.DrawFn) -> State:
    incs = draw(st.dictionaries(st.sampled_from(["inc-a", "inc-b"]), incidents, max_size=2))
    evs = draw(st.lists(events, max_size=5))
    return State({iid: {"id": iid, "fields": f} for iid, f in incs.items()}, {e["id"]: e for e in evs})


@given(states(), states())
def test_merge_is_commutative_idempotent_grow_only_and_pure(a: State, b: State) -> None:
    before = copy.deepcopy((a, b))
    ab = merge(a, b)
    assert ab == merge(b, a)  # commutative
    assert merge(a, a) == a and merge(ab, a) == ab and merge(ab, b) == ab  # idempotent, absorbs its inputs
    assert set(ab.events) == set(a.events) | set(b.events)  # events: a grow-only set
    assert (a, b) == before  # inputs untouched


@given(states(), states(), states())
def test_merge_is_associative(a: State, b: State, c: State) -> None:
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(registers, registers)
def test_the_later_register_wins_then_the_author(a: dict, b: dict) -> None:
    winner = merge_register(a, b)
    loser = b if winner is a else a
    assert (winner["hlc"], winner["author"]) >= (loser["hlc"], loser["author"])


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["write", "sync"]), st.integers(0, 3)),
                max_size=40), st.randoms())
def test_replicas_converge_whatever_the_order_of_syncs(ops: list, rnd: random.Random) -> None:
    # Four responders write fields and events and sync through one shared state in any order;
    # after everyone syncs twice, all hold the same journal.
    replicas = [State() for _ in range(4)]
    shared = State()
    for n, (who, op, field_no) in enumerate(ops):
        if op == "write":
            mine = replicas[who]
            stamp = clock.encode(rnd.randint(0, 5), rnd.randint(0, 2))
            author = f"r{who}"
            field = ["title", "status", "impact", "role:comms"][field_no]
            inc = mine.incidents.get("inc", {"id": "inc", "fields": {}})
            fields = {**inc["fields"], field: {"value": f"{author}-{n}", "hlc": stamp, "author": author}}
            events = {**mine.events, f"ev{n}": {"id": f"ev{n}", "incident_id": "inc", "hlc": stamp,
                                                "author": author, "text": str(n)}}
            replicas[who] = State({"inc": {"id": "inc", "fields": fields}}, events)
        else:
            shared = merge(shared, replicas[who])
            replicas[who] = merge(replicas[who], shared)
    for _ in range(2):
        for who in range(4):
            shared = merge(shared, replicas[who])
            replicas[who] = merge(replicas[who], shared)
    assert all(r == replicas[0] for r in replicas)
    written = {f"ev{n}" for n, (_, op, _) in enumerate(ops) if op == "write"}
    assert set(replicas[0].events) == written


# ---- the hybrid logical clock ---------------------------------------------------------------

def test_stamps_compare_as_strings_in_clock_order() -> None:
    pairs = [(0, 0), (0, 1), (9, 0), (10, 0), (1732233600123, 7), (1732233600124, 0)]
    encoded = [clock.encode(*p) for p in pairs]
    assert sorted(encoded) == encoded
    assert [clock.decode(s) for s in encoded] == pairs


def test_clock_never_goes_backwards_when_the_wall_clock_does() -> None:
    wall = iter([1000, 1000, 900, 900, 1001, 5])
    c = HybridClock(now_ms=lambda: next(wall))
    issued = [c.now() for _ in range(6)]
    assert issued == sorted(issued) and len(set(issued)) == 6


def test_a_stamp_issued_after_observing_another_sorts_after_it() -> None:
    behind = HybridClock(now_ms=lambda: 1_000)  # this responder's clock is 1 s slow
    seen = clock.encode(2_000, 3)
    behind.observe(seen)
    assert behind.now() > seen
    behind.observe("not a stamp")  # ignored, no exception
    behind.observe(None)


def test_counter_overflow_borrows_a_millisecond_and_stays_ordered() -> None:
    c = HybridClock(now_ms=lambda: 50)
    c.observe(clock.encode(50, 99_999))
    nxt = c.now()
    assert nxt > clock.encode(50, 99_999) and clock.decode(nxt) == (51, 0)


# ---- the same properties on the code a sync pass runs: parse_shared, then absorb into a LogStorage ----

def _content_event(draw_fields: dict) -> dict:
    doc = {k: v for k, v in draw_fields.items() if k != "id"}
    return {"id": content_id(doc), **doc}


# Journals that passed the schema: text values, and one id names one content (the id is its hash).
text_registers = st.fixed_dictionaries({"value": st.one_of(st.none(), st.sampled_from(["a", "b", "resolved"])),
                                        "hlc": stamps, "author": authors})
valid_incidents = st.dictionaries(st.sampled_from(["title", "status", "severity", "role:comms"]), text_registers,
                                  max_size=4)
hashed_events = events.map(lambda e: _content_event({**e, "nonce": e["id"]}))


@st.composite
def valid_states(draw: st.DrawFn) -> State:
    incs = draw(st.dictionaries(st.sampled_from(["inc-a", "inc-b"]), valid_incidents, max_size=2))
    evs = draw(st.lists(hashed_events, max_size=5))
    return State({iid: {"id": iid, "fields": f} for iid, f in incs.items()}, {e["id"]: e for e in evs})


def _through_sync(*states: State) -> State:
    """A fresh local journal that absorbed each state in turn, each read as sync reads the shared file."""
    with tempfile.TemporaryDirectory() as folder:
        store = LogStorage(Path(folder) / "j.json")
        try:
            for s in states:
                remote = parse_shared(render_shared(s, "w"))
                assert not remote.refused
                absorb(store, remote)
            return State(store.view("incidents"), store.view("events"))
        finally:
            store.close()


@settings(max_examples=30, deadline=None)
@given(valid_states(), valid_states(), valid_states())
def test_absorbing_is_commutative_associative_and_idempotent(a: State, b: State, c: State) -> None:
    ab = _through_sync(a, b)
    assert ab == _through_sync(b, a)  # commutative
    assert _through_sync(a, a) == _through_sync(a) and _through_sync(ab, a, b) == ab  # idempotent
    assert _through_sync(ab, c) == _through_sync(a, _through_sync(b, c))  # associative
    assert ab == merge(a, b)  # and it is the join merge() specifies
