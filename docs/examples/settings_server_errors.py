"""The handler's own traceback in the report, instead of only '500 != 200'."""

from __future__ import annotations

import unittest

from aiohttp import web

import aiotest


async def profile(request: web.Request) -> web.Response:
    user = {"name": "ada"}
    return web.Response(text=user["email"])  # a bug: KeyError


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/profile", profile)
    return app


class ServerErrors(unittest.TestCase):
    def test_failing_test_shows_the_handler_traceback(self) -> None:
        class Profile(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app()

            async def test_profile(self) -> None:
                async with self.client.get("/profile?id=1") as response:
                    self.assertEqual(response.status, 200)

        result = unittest.TestResult()
        with self.assertNoLogs("aiohttp.server", level="ERROR"):
            Profile("test_profile").run(result)
        [(_, report)] = result.failures
        self.assertIn("AssertionError: 500 != 200", report)
        self.assertIn("GET /profile?id=1", report)
        self.assertIn("KeyError: 'email'", report)

    def test_raise_server_exceptions_fails_even_unchecked_requests(self) -> None:
        class Profile(aiotest.AioHTTPTestCase):
            raise_server_exceptions = True

            async def get_application(self) -> web.Application:
                return make_app()

            async def test_profile(self) -> None:
                await self.client.get("/profile")  # the status is never checked

        result = unittest.TestResult()
        with self.assertNoLogs("aiohttp.server", level="ERROR"):
            Profile("test_profile").run(result)
        [(_, report)] = result.failures
        self.assertIn("(raise_server_exceptions)", report)
        self.assertIn("KeyError: 'email'", report)
