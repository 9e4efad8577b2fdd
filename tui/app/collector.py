"""Python's garbage collector during start-up.

Start-up builds what lives as long as the app (Textual's modules, the widgets, the runbooks,
the journal, the search index) and frees next to nothing, yet every 700 allocations the
collector walks the young objects, and now and then all of them: a tenth of start-up went
there. So collection pauses from the moment the app is built (Textual's import included)
until the journal and the index are loaded; then everything built is frozen (never walked
again) and collection resumes. The app resumes it as well if it stops before that.
"""

from __future__ import annotations

import gc

_paused = False


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
