"""A decorated generator test inside AioHTTPTestCase uses the test case's client."""

from __future__ import annotations

from typing import Any

from aiohttp import web

import aiotest


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world")


class GeneratorTestsWithAClient(aiotest.AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    @aiotest.run_until_complete
    def test_hello(self) -> Any:
        response = yield from self.client.get("/")
        self.assertEqual(response.status, 200)
        self.assertEqual((yield from response.text()), "Hello, world")

    @aiotest.run_forever(timeout=0.01)
    def test_hello_later(self) -> Any:
        def callback_test() -> Any:
            response = yield from self.client.get("/")
            self.assertEqual((yield from response.text()), "Hello, world")

        return callback_test
