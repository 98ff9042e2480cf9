"""Older AioHTTPTestCase patterns that keep working after the import swap."""

from __future__ import annotations

import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase, unittest_run_loop


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world")


class LegacyTestCase(AioHTTPTestCase):
    def get_app(self) -> web.Application:  # the synchronous spelling
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    async def setUpAsync(self) -> None:
        await super().setUpAsync()
        self.greeting = await self.fetch("/")

    async def tearDownAsync(self) -> None:
        await super().tearDownAsync()

    async def fetch(self, path: str) -> str:
        async with self.client.get(path) as resp:
            return await resp.text()

    def test_sync_method_driving_the_loop(self) -> None:
        text = self.loop.run_until_complete(self.fetch("/"))
        self.assertEqual(text, "Hello, world")

    async def test_setup_async_ran(self) -> None:
        self.assertEqual(self.greeting, "Hello, world")


class SetUpCallingTheBaseClass(AioHTTPTestCase):
    def get_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    def setUp(self) -> None:
        AioHTTPTestCase.setUp(self)
        # The client is ready here, as it was when setUp built the fixture.
        self.port_at_setup = self.client.port

    def tearDown(self) -> None:
        AioHTTPTestCase.tearDown(self)

    async def test_client_was_ready_in_set_up(self) -> None:
        self.assertIsNotNone(self.port_at_setup)
        self.assertEqual(self.port_at_setup, self.client.port)


class RunLoopDecoratorTests(unittest.TestCase):
    def test_decorator_is_a_no_op_that_warns(self) -> None:
        with self.assertWarnsRegex(DeprecationWarning, "no longer needed"):

            class Decorated(AioHTTPTestCase):
                async def get_application(self) -> web.Application:
                    app = web.Application()
                    app.router.add_get("/", hello)
                    return app

                @unittest_run_loop
                async def test_hello(self) -> None:
                    async with self.client.get("/") as resp:
                        self.assertEqual(resp.status, 200)

        result = unittest.TestResult()
        Decorated("test_hello").run(result)
        self.assertTrue(result.wasSuccessful(), result.failures + result.errors)
