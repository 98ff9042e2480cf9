"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

import asyncio

__all__: list[str] = ["selector_loop_base"]

# --- unittest -------------------------------------------------------------------------------

# --- asyncio --------------------------------------------------------------------------------

# clock: virtual time rests on how CPython's selector loop schedules its timers.


def selector_loop_base() -> type[asyncio.SelectorEventLoop]:
    """Return the loop class that virtual time derives its loops from.

    Virtual time relies on two behaviours of this class that asyncio does not document:
    every timer is measured with ``self.time()``, and the loop blocks only in
    ``selector.select(timeout)``, passing the delay to its next timer (None when no timer
    is pending, 0 when callbacks are ready). tests/test_compat.py checks both.
    """
    return asyncio.SelectorEventLoop


# clock: end

# --- aiohttp --------------------------------------------------------------------------------

# --- pytest ---------------------------------------------------------------------------------
