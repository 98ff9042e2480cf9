"""A retry loop with back-off up to ten minutes, against a real test server, in milliseconds."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

import aiotest


async def fetch_with_retries(session: aiohttp.ClientSession, url: str) -> str:
    """The code under test: retry on 503, doubling the pause up to ten minutes."""
    pause = 37.5
    while True:
        async with session.get(url) as response:
            if response.status != 503:
                return await response.text()
        await asyncio.sleep(pause)
        pause = min(pause * 2, 600)


class RetryTest(aiotest.AioHTTPTestCase):
    virtual_time = True  # or @aiotest.virtual_time, or AIOTEST_VIRTUAL_TIME=1 for a run
    loop_factory = (
        asyncio.new_event_loop
    )  # virtual time needs asyncio's loop, even in a run with AIOTEST_LOOP=uvloop

    async def get_application(self) -> web.Application:
        self.attempts: list[float] = []

        async def flaky(request: web.Request) -> web.Response:
            self.attempts.append(asyncio.get_running_loop().time())
            if len(self.attempts) <= 5:
                return web.Response(status=503)
            return web.Response(text="finally")

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(30)
            return web.Response(text="after 30 s")

        app = web.Application()
        app.router.add_get("/", flaky)
        app.router.add_get("/slow", slow)
        return app

    async def test_attempts_back_off_to_ten_minutes(self) -> None:
        text = await fetch_with_retries(self.client.session, str(self.client.make_url("/")))
        self.assertEqual(text, "finally")
        first = self.attempts[0]
        offsets = [round(at - first, 3) for at in self.attempts]
        self.assertEqual(offsets, [0, 37.5, 112.5, 262.5, 562.5, 1162.5])

    async def test_a_handler_that_sleeps_answers_at_once(self) -> None:
        # The client's 60 s deadline and the handler's 30 s sleep are both virtual.
        response = await asyncio.wait_for(self.client.get("/slow"), 60)
        self.assertEqual(await response.text(), "after 30 s")
