"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

__all__: list[str] = [
    # legacy:
    "event_loop_never_set",
    "mark_event_loop_never_set",
    "thread_event_loop",
]

# --- unittest -------------------------------------------------------------------------------

# --- asyncio --------------------------------------------------------------------------------

# legacy: the event loop set current in a thread, read and put back without making one.
# asyncio.get_event_loop() cannot read it: up to 3.13 it makes a loop in the main thread
# when none was ever set (3.12+ with a DeprecationWarning), and asyncio.get_event_loop_policy()
# warns from 3.14 on. The default policies (asyncio's, uvloop's) keep the state in a
# thread-local ``_local``: ``_loop``, and up to 3.13 ``_set_called``.


def _event_loop_policy() -> Any:
    """The current policy, without the DeprecationWarning of 3.14's public getter."""
    private_getter = getattr(asyncio.events, "_get_event_loop_policy", None)
    if private_getter is not None:
        return private_getter()
    return asyncio.get_event_loop_policy()


def _policy_local() -> Any:
    local = getattr(_event_loop_policy(), "_local", None)
    return local if local is not None and hasattr(local, "_loop") else None


def thread_event_loop() -> asyncio.AbstractEventLoop | None:
    """The loop set current in this thread, or None; never makes one, never warns.

    With a policy that keeps its state elsewhere, the policy is asked, as
    asyncio.get_event_loop() would ask it.
    """
    local = _policy_local()
    if local is not None:
        loop: asyncio.AbstractEventLoop | None = local._loop
        return loop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            found: asyncio.AbstractEventLoop = _event_loop_policy().get_event_loop()
        except RuntimeError:
            return None
    return found


def event_loop_never_set() -> bool:
    """True while asyncio.get_event_loop() would still make a loop in this thread's place.

    That is Python 3.13 and older, before anything called asyncio.set_event_loop(); from
    3.14 on, get_event_loop() never makes a loop, and this is always False.
    """
    local = _policy_local()
    return local is not None and local._loop is None and not getattr(local, "_set_called", True)


def mark_event_loop_never_set() -> None:
    """Undo asyncio.set_event_loop(None): get_event_loop() makes a loop again, up to 3.13.

    Legacy suites call asyncio.get_event_loop() in setUpClass after other tests set and
    unset loops; up to 3.13 it must then make one, as it would have in a fresh interpreter.
    """
    local = _policy_local()
    if local is not None and local._loop is None and hasattr(local, "_set_called"):
        local._set_called = False


# --- aiohttp --------------------------------------------------------------------------------

# --- pytest ---------------------------------------------------------------------------------
