"""Mistakes that aiotest names in its error messages."""

from __future__ import annotations

import sys
import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase, AsyncTestCase, TestClient, TestServer


class MistakeTests(AsyncTestCase):
    async def test_client_needs_a_server_not_an_app(self) -> None:
        with self.assertRaises(TypeError) as caught:
            TestClient(web.Application())  # type: ignore[call-overload]
        # The message is aiohttp's own, word for word, so suites that compare it still pass;
        self.assertRegex(str(caught.exception), "^server must be TestServer instance")
        # the traceback shows aiotest's help under it, as a note (Python 3.11+).
        if sys.version_info >= (3, 11):
            [help_note] = caught.exception.__notes__
            self.assertIn("wrap an aiohttp.web.Application in TestServer(app)", help_note)

    async def test_servers_use_async_with(self) -> None:
        with self.assertRaisesRegex(TypeError, "^Use async with"), TestServer(web.Application()):
            pass

    async def test_a_closed_client_says_so(self) -> None:
        client = TestClient(TestServer(web.Application()))
        await client.close()
        with self.assertRaisesRegex(RuntimeError, "the test client is closed") as caught:
            await client.get("/")
        self.assertIsInstance(caught.exception, AssertionError)

    def test_forgotten_get_application(self) -> None:
        class NoApp(AioHTTPTestCase):
            async def test_nothing(self) -> None:
                pass

        result = unittest.TestResult()
        NoApp("test_nothing").run(result)
        [(_, traceback)] = result.errors
        self.assertIn(
            "NoApp defines no application: override 'async def get_application", traceback
        )
