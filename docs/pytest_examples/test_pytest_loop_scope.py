"""A module-scoped async fixture and the tests that share its loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from aiotest.pytest_plugin import fixture

pytestmark = pytest.mark.aiotest(loop_scope="module")


@fixture(scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session  # made once, on the module's loop


async def test_one(http: aiohttp.ClientSession) -> None:
    assert not http.closed


async def test_two(http: aiohttp.ClientSession) -> None:
    assert not http.closed
