"""strict: loop exceptions, leaks and handler errors all fail the test."""

from __future__ import annotations

import os
import unittest
from unittest import mock

from aiohttp import web

import aiotest


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


@aiotest.strict
class Strict(aiotest.AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    async def test_clean_code_passes(self) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "hello")
        settings = self.settings
        self.assertTrue(settings.catch_loop_exceptions)
        self.assertTrue(settings.check_leaks)
        self.assertTrue(settings.raise_server_exceptions)


class FromTheEnvironment(unittest.TestCase):
    def test_aiotest_strict_switches_it_on_for_the_whole_run(self) -> None:
        class Plain(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        with mock.patch.dict(os.environ, {"AIOTEST_STRICT": "1"}):
            self.assertTrue(Plain("test_it").settings.strict)
