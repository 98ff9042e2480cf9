"""Switching a check off for one test: a strict class where one test expects a 500."""

from __future__ import annotations

from aiohttp import web

import aiotest


async def broken(request: web.Request) -> web.Response:
    raise ZeroDivisionError("a bug the test knows about")


class StrictApp(aiotest.AioHTTPTestCase):
    strict = True  # loop exceptions, leaks and handler errors fail every test...
    timeout = 10.0

    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/broken", broken)
        return app

    # ...except what one test switches off: set explicitly, a check wins over strict.
    @aiotest.raise_server_exceptions(False)
    async def test_the_bug_gives_a_500(self) -> None:
        with self.assertNoLogs("aiohttp.server", level="ERROR"):
            async with self.client.get("/broken") as response:
                self.assertEqual(response.status, 500)
        self.assertFalse(self.settings.raise_server_exceptions)
        self.assertTrue(self.settings.check_leaks)  # the other checks stay on

    @aiotest.timeout(None)  # no time limit for this one test
    async def test_without_a_time_limit(self) -> None:
        self.assertIsNone(self.settings.timeout)
        self.assertTrue(self.settings.raise_server_exceptions)


@aiotest.strict
@aiotest.check_leaks(False)  # the same for a whole class, at the same level as strict
class NoLeakCheck(aiotest.AsyncTestCase):
    async def test_leaks_are_not_checked(self) -> None:
        self.assertFalse(self.settings.check_leaks)
        self.assertTrue(self.settings.catch_loop_exceptions)
