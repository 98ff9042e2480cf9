"""Find the code that still calls asyncio.get_event_loop()."""

from __future__ import annotations

import asyncio
import contextlib
import unittest

from aiohttp import web

import aiotest


def old_style_timer() -> asyncio.TimerHandle:
    loop = asyncio.get_event_loop()  # should be asyncio.get_running_loop()
    return loop.call_later(1, print)


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


@aiotest.forbid_get_event_loop
class Modern(aiotest.AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    async def test_requests_work(self) -> None:
        # aiohttp's own calls are exempt, so the client works as usual.
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "hello")


class Legacy(unittest.TestCase):
    def test_the_call_fails_even_inside_except_exception(self) -> None:
        class Scheduler(aiotest.AsyncTestCase):
            @aiotest.forbid_get_event_loop
            async def test_schedule(self) -> None:
                with contextlib.suppress(Exception):  # cannot swallow it
                    old_style_timer().cancel()

        result = unittest.TestResult()
        Scheduler("test_schedule").run(result)
        [(_, report)] = result.errors
        self.assertIn("GetEventLoopForbidden", report)
        self.assertIn("loop = asyncio.get_event_loop()", report)
