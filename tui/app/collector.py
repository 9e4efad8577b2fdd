"""Python's garbage collector during start-up.

Start-up builds what lives as long as the app (Textual's modules, the widgets, the runbooks,
the journal, the search index) and frees next to nothing, yet every 700 allocations the
collector walks the young objects, and now and then all of them: a tenth of start-up went
there. So what exists once Textual is imported is frozen (never walked again), collection
pauses while the first screen is drawn and the journal and the index load, and then what
was built is frozen too and collection resumes.
"""

from __future__ import annotations

import gc

_paused = False


def freeze() -> None:
    """Everything that exists now lives as long as the app: keep the collector from walking it."""
    gc.freeze()


def pause() -> None:
    """No collection until `resume` (if it was on: a caller who turned it off keeps it off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what start-up built and collect again; harmless when not paused."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
