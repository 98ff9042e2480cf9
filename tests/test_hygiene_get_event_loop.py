"""forbid_get_event_loop: calls from the code under test fail it; asyncio's and aiohttp's don't."""

from __future__ import annotations

import asyncio
import contextlib
import unittest

from aiohttp import web

import aiotest

from ._hygiene_helpers import LOOPS, HygieneTestCase, on_loop, run_case

CAUGHT_CALL = "asyncio.get_event_loop() was called 1 time(s) under forbid_get_event_loop"


def legacy_helper() -> asyncio.AbstractEventLoop:
    return asyncio.get_event_loop()  # the legacy call


async def legacy_handler(request: web.Request) -> web.Response:
    with contextlib.suppress(BaseException):  # an app that swallows everything
        legacy_helper()
    return web.Response(text="ok")


async def hello(request: web.Request) -> web.Response:
    body = await request.text()
    return web.Response(text=f"hello {body}")


class GetEventLoopTest(HygieneTestCase):
    def assertRestored(self, original: object) -> None:
        self.assertIs(asyncio.get_event_loop, original)
        self.assertIs(asyncio.events.get_event_loop, original)

    def test_client_requests_work_under_the_setting(self) -> None:
        @aiotest.forbid_get_event_loop
        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_post("/", hello)
                return app

            async def test_requests(self) -> None:
                for word in ("one", "two"):
                    async with self.client.post("/", data=word) as response:
                        self.assertEqual(response.status, 200)
                        self.assertEqual(await response.text(), f"hello {word}")
                self.assertIs(asyncio.get_running_loop(), self.loop)

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertPassed(run_case(on_loop(Case, factory)))

    def test_off_by_default(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_legacy(self) -> None:
                self.assertIs(legacy_helper(), asyncio.get_running_loop())

        self.assertPassed(run_case(Case))

    def test_a_call_from_the_test_raises_what_except_exception_cannot_swallow(self) -> None:
        original = asyncio.get_event_loop

        class Case(aiotest.AsyncTestCase):
            @aiotest.forbid_get_event_loop
            async def test_legacy(self) -> None:
                with contextlib.suppress(Exception):
                    legacy_helper()

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                result = run_case(on_loop(Case, factory))
                self.assertErredWith(
                    result,
                    "GetEventLoopForbidden: asyncio.get_event_loop() is forbidden in this test",
                    "use asyncio.get_running_loop()",
                    "return asyncio.get_event_loop()  # the legacy call",
                )
                # Reported once: the error reached the report, so teardown adds nothing.
                self.assertEqual(result.failures, [])
                self.assertRestored(original)

    def test_a_swallowed_call_still_fails_the_test_at_teardown(self) -> None:
        original = asyncio.get_event_loop

        class Case(aiotest.AsyncTestCase):
            @aiotest.forbid_get_event_loop
            async def test_swallowed(self) -> None:
                with contextlib.suppress(BaseException):
                    legacy_helper()

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertFailedWith(
                    run_case(on_loop(Case, factory)),
                    CAUGHT_CALL + ", and the error it raised was caught",
                    "in test_swallowed",
                    "in legacy_helper",
                    "return asyncio.get_event_loop()  # the legacy call",
                )
                self.assertRestored(original)

    def test_a_call_from_the_application_fails_the_test(self) -> None:
        @aiotest.forbid_get_event_loop
        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/", legacy_handler)
                return app

            async def test_request(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertFailedWith(
                    run_case(on_loop(Case, factory)),
                    CAUGHT_CALL,
                    "in legacy_handler",
                    "in legacy_helper",
                )

    def test_a_call_that_ends_a_handler_is_reported_as_the_dropped_connection(self) -> None:
        async def handler_that_lets_it_through(request: web.Request) -> web.Response:
            legacy_helper()
            return web.Response(text="never sent")

        @aiotest.forbid_get_event_loop
        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/profile", handler_that_lets_it_through)
                return app

            async def test_request(self) -> None:
                async with self.client.get("/profile") as response:
                    self.assertEqual(response.status, 200)

        result = run_case(Case)
        [(_, error)] = result.errors
        [(_, failure)] = result.failures
        # The client's error says why the connection was dropped...
        self.assertIn("ServerDisconnectedError", error)
        self.assertIn("the server dropped the connection because a request handler", error)
        # ...and the report of the call names the request and the line.
        self.assertIn("the request handler serving GET /profile called", failure)
        self.assertIn("return asyncio.get_event_loop()  # the legacy call", failure)
        self.assertNotIn("was caught", failure)

    def test_a_call_from_sync_setup_fails_the_test(self) -> None:
        class Case(aiotest.AsyncTestCase):
            forbid_get_event_loop = True

            def setUp(self) -> None:
                self.legacy_loop = legacy_helper()

            async def test_it(self) -> None:
                pass

        self.assertErredWith(run_case(Case), "GetEventLoopForbidden")

    def test_restored_after_a_failing_test(self) -> None:
        original = asyncio.get_event_loop

        class Case(aiotest.AsyncTestCase):
            @aiotest.forbid_get_event_loop
            async def test_fails(self) -> None:
                self.assertIsNot(asyncio.get_event_loop, original)
                self.fail("boom")

        self.assertFailedWith(run_case(Case), "boom")
        self.assertRestored(original)

    def test_the_error_is_not_an_exception(self) -> None:
        self.assertTrue(issubclass(aiotest.GetEventLoopForbidden, BaseException))
        self.assertFalse(issubclass(aiotest.GetEventLoopForbidden, Exception))


if __name__ == "__main__":
    unittest.main()
