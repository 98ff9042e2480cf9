"""aiotest's settings as markers: on a test, a class or a whole module."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

# Every test of this module fails on leaks, loop exceptions and handler exceptions.
pytestmark = pytest.mark.aiotest(strict=True)


@pytest.mark.aiotest(timeout=5)
async def test_with_a_time_limit() -> None:
    await asyncio.sleep(0)


@pytest.mark.aiotest(loop_debug=True, slow_callback_duration=0.5)
async def test_in_debug_mode() -> None:
    assert asyncio.get_running_loop().get_debug()


@pytest.mark.forbid_get_event_loop
async def test_with_aiomiscs_marker_name() -> None:
    async with aiohttp.ClientSession():
        pass
