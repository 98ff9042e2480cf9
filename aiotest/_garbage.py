"""Garbage collection for the checks that need it, at a cost that does not grow with the heap.

``catch_loop_exceptions`` and ``check_leaks`` collect garbage before a test (so that what
earlier tests left speaks up then, not in this test's report) and after it (so that what
the test dropped speaks up in its report). A full collection scans the whole heap, which in
a real suite means tens of milliseconds per test. So the objects alive when a test starts
are frozen (:func:`gc.freeze`): both collections scan only what was made since. Every
:data:`FULL_COLLECTION_EVERY` tests, everything is unfrozen and collected once, so that
garbage of long-lived objects is not kept for the rest of the run.
"""

from __future__ import annotations

import gc

__all__ = ["FULL_COLLECTION_EVERY", "after_test", "before_test"]

#: How many checked tests run between two collections of the whole heap. Measured with a
#: one-request test (tests/test_resources.py checks it): about one object a test stays
#: frozen, since the engine freezes before it makes the test's loop; what outlives a test
#: and is dropped later (a class-scoped fixture, after its class) waits for this collection,
#: which costs some 40 ms with a 200,000-object heap.
FULL_COLLECTION_EVERY = 5000

_tests_since_full_collection = 0


def before_test() -> None:
    """Collect what earlier tests left, then freeze what is alive for this test's checks."""
    global _tests_since_full_collection
    if _tests_since_full_collection >= FULL_COLLECTION_EVERY:
        gc.unfreeze()
        _tests_since_full_collection = 0
    _tests_since_full_collection += 1
    gc.collect()
    gc.freeze()


def after_test() -> None:
    """Collect what the test dropped (only objects made since it started are scanned)."""
    gc.collect()
