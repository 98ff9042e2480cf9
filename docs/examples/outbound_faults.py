"""Upstream faults in one line each: the fake host sits behind an aiotest TCPProxy."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from aiotest import AsyncTestCase, fake_host


async def status(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def upstream() -> web.Application:
    app = web.Application()
    app.router.add_get("/status", status)
    return app


async def upstream_is_healthy(session: aiohttp.ClientSession) -> bool:
    """The code under test: any network trouble means "not healthy"."""
    try:
        timeout = aiohttp.ClientTimeout(total=0.2)
        async with session.get("http://status.example.com/status", timeout=timeout) as r:
            return r.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


class FaultTests(AsyncTestCase):
    async def test_each_fault(self) -> None:
        async with (
            fake_host("http://status.example.com", upstream, faults=True) as host,
            aiohttp.ClientSession() as session,
        ):
            self.assertTrue(await upstream_is_healthy(session))
            with host.proxy.slowdown(write_delay=1.0):  # upstream times out
                self.assertFalse(await upstream_is_healthy(session))
            with host.proxy.blackhole():  # upstream never answers
                self.assertFalse(await upstream_is_healthy(session))
            async with host.proxy.refuse_connections():  # upstream is down
                self.assertFalse(await upstream_is_healthy(session))
            self.assertTrue(await upstream_is_healthy(session))
