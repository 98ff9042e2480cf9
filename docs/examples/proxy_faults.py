"""Fault injection for an aiohttp application: the errors its clients really get."""

from __future__ import annotations

import asyncio
import errno
import time

import aiohttp
from aiohttp import web

from aiotest import AioHTTPTestCase

STARTED = web.AppKey("started", asyncio.Event)


async def report(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def slow_report(request: web.Request) -> web.Response:
    request.app[STARTED].set()
    await asyncio.sleep(10)
    return web.json_response({"status": "late"})


class FaultyNetworkTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app[STARTED] = asyncio.Event()
        app.router.add_get("/report", report)
        app.router.add_post("/slow-report", slow_report)
        return app

    async def test_requests_through_a_slow_network(self) -> None:
        # One line: self.client now talks to the server through the proxy.
        proxy = await self.proxy_server()
        with proxy.slowdown(0.05, 0.05):
            started = time.monotonic()
            async with self.client.get("/report") as response:
                self.assertEqual(await response.json(), {"status": "ok"})
            self.assertGreaterEqual(time.monotonic() - started, 0.1)

    async def test_a_silent_server_trips_the_client_timeout(self) -> None:
        proxy = await self.proxy_server()
        with proxy.blackhole(), self.assertRaises(asyncio.TimeoutError):
            await self.client.get("/report", timeout=aiohttp.ClientTimeout(total=0.2))

    async def test_a_reset_in_the_middle_of_a_request(self) -> None:
        proxy = await self.proxy_server()
        request = asyncio.ensure_future(self.client.post("/slow-report"))
        await self.app[STARTED].wait()
        await proxy.reset_all()
        with self.assertRaises(aiohttp.ClientOSError) as caught:
            await request
        self.assertEqual(caught.exception.errno, errno.ECONNRESET)

    async def test_a_server_that_refuses_connections(self) -> None:
        proxy = await self.proxy_server()
        async with proxy.refuse_connections():
            with self.assertRaises(aiohttp.ClientConnectorError) as caught:
                await self.client.get("/report")
            self.assertIsInstance(caught.exception.os_error, ConnectionRefusedError)
        # Listening again, on the same port.
        async with self.client.get("/report") as response:
            self.assertEqual(response.status, 200)
