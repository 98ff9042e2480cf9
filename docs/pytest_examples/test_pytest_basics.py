"""Async tests, async fixtures and aiohttp's fixtures on aiotest's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


@pytest.fixture
async def app() -> AsyncIterator[web.Application]:
    application = web.Application()
    application.router.add_get("/", hello)
    yield application  # code after yield runs on the test's loop too


async def test_an_async_test() -> None:
    assert not asyncio.get_running_loop().get_debug()  # debug mode off by default


async def test_a_client(aiohttp_client, app) -> None:
    client = await aiohttp_client(app)
    async with client.get("/") as response:
        assert await response.text() == "hello"


async def test_a_server_and_a_raw_server(aiohttp_server, aiohttp_raw_server, app) -> None:
    server = await aiohttp_server(app)
    raw = await aiohttp_raw_server(hello)
    assert server.port != raw.port


def test_a_sync_test_with_the_loop(loop) -> None:
    assert loop.run_until_complete(asyncio.sleep(0, "ran")) == "ran"
