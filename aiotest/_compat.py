"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

__all__: list[str] = []

# --- unittest -------------------------------------------------------------------------------

# --- asyncio --------------------------------------------------------------------------------

# --- aiohttp --------------------------------------------------------------------------------

# --- pytest ---------------------------------------------------------------------------------
