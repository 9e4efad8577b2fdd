"""kill -9 in the middle of writes: every file stays parseable and every acknowledged note is kept."""

from __future__ import annotations

import random
import time

from tests.fixtures.journal import assert_log_parses, start_worker
from tui.atomic import stale_temps
from tui.journal import Journal
from tui.journal.sync import read_shared

KILLS = 20


def test_kill_9_during_writes_loses_no_acknowledged_note(journal_paths, make_journal) -> None:
    lead = make_journal("lead")
    inc = lead.new_incident("Crash test")
    victim = journal_paths.local("victim")
    rnd = random.Random(7)
    acked: set[str] = set()
    for n in range(KILLS):
        # Alternate inline and background sync, so kills land in local appends and in shared-file rewrites.
        worker = start_worker(victim, journal_paths.shared, "victim", inc.id, 1_000_000, f"k{n}",
                              mode="inline" if n % 2 == 0 else "background")
        first = worker.stdout.readline()  # it is writing now
        assert first.startswith("ack "), worker.stderr.read()
        time.sleep(rnd.uniform(0.0, 0.04))
        worker.kill()  # SIGKILL: no cleanup, no flush, no atexit
        out, _ = worker.communicate(timeout=30)
        acked |= {first.split()[1]} | {line.split()[1] for line in out.splitlines() if line.startswith("ack ")}

        read_shared(journal_paths.shared)  # the shared file always parses (raises otherwise)
        assert_log_parses(victim, torn=n + 1)
        with Journal(victim, None, "checker") as check:  # opening recovers; every acknowledged note is there
            notes = {e.text for e in check.events(inc.id) if e.kind == "note"}
        assert acked <= notes, sorted(acked - notes)[:5]

    # After the crashes, one sync each and both sides hold every acknowledged note, with no temp files left.
    with Journal(victim, journal_paths.shared, "victim", sync_on_write="off") as journal:
        assert journal.sync().ok
    assert lead.sync().ok
    assert acked <= {e.text for e in lead.events(inc.id) if e.kind == "note"}
    assert stale_temps(journal_paths.shared) == []
