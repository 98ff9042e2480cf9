"""Event loops for tests that are not asynchronous test cases."""

from __future__ import annotations

import asyncio
import unittest

from aiohttp import web

from aiotest import TestClient, TestServer, loop_context, setup_test_loop, teardown_test_loop


def create_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="Hello, world")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


class LoopContextTests(unittest.TestCase):
    def test_with_loop_context(self) -> None:
        with loop_context() as loop:

            async def scenario() -> str:
                async with (
                    TestClient(TestServer(create_app())) as client,
                    client.get("/") as response,
                ):
                    return await response.text()

            self.assertEqual(loop.run_until_complete(scenario()), "Hello, world")
        # On leaving the block the loop is closed and no longer the current loop.
        self.assertTrue(loop.is_closed())


class SetupTeardownTests(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = setup_test_loop()
        # Made before the loop runs, so the client is told which loop it will run on.
        self.client = TestClient(TestServer(create_app()), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())

    def tearDown(self) -> None:
        self.loop.run_until_complete(self.client.close())
        teardown_test_loop(self.loop)

    def test_hello(self) -> None:
        async def fetch() -> tuple[int, str]:
            async with self.client.get("/") as response:
                return response.status, await response.text()

        self.assertEqual(self.loop.run_until_complete(fetch()), (200, "Hello, world"))

    def test_the_loop_is_current(self) -> None:
        self.assertIs(asyncio.get_event_loop(), self.loop)
