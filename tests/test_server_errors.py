"""Handler exceptions: shown in a failing test's report; raise_server_exceptions fails on them."""

from __future__ import annotations

import logging
import unittest
from collections.abc import Awaitable, Callable

from aiohttp import web

import aiotest

from ._hygiene_helpers import LOOPS, HygieneTestCase, on_loop, run_case

NOTE = "request handlers raised {count} unhandled exception(s) during the test:"
RAISED = (
    "request handlers raised {count} unhandled exception(s) during the test "
    "(raise_server_exceptions):"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def broken(request: web.BaseRequest) -> web.Response:
    raise ZeroDivisionError(f"broken {request.query.get('n', '')}")  # the handler's bug


async def not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such thing")


async def ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@web.middleware
async def errors_to_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ZeroDivisionError as exc:
        return web.json_response({"error": str(exc)}, status=500)


def make_app(*middlewares: object) -> web.Application:
    app = web.Application(middlewares=list(middlewares))  # type: ignore[arg-type]
    app.router.add_get("/broken", broken)
    app.router.add_post("/broken", broken)
    app.router.add_get("/missing", not_found)
    app.router.add_get("/ok", ok)
    return app


class AppCase(aiotest.AioHTTPTestCase):
    """Base of the inner cases: the app above."""

    async def get_application(self) -> web.Application:
        return make_app()


class FailureReportTest(HygieneTestCase):
    def test_a_failing_test_shows_the_handler_traceback_and_request_line(self) -> None:
        class Case(AppCase):
            async def test_status(self) -> None:
                async with self.client.get("/broken?n=1") as response:
                    self.assertEqual(response.status, 200)

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                with self.assertLogs("aiohttp.server", level="ERROR"):
                    result = run_case(on_loop(Case, factory))
                self.assertFailedWith(
                    result,
                    "AssertionError: 500 != 200",
                    NOTE.format(count=1),
                    "GET /broken?n=1\nTraceback (most recent call last):",
                    "# the handler's bug",
                    "ZeroDivisionError: broken 1",
                )

    def test_every_recorded_error_is_shown_with_its_own_request(self) -> None:
        class Case(AppCase):
            async def test_two(self) -> None:
                async with self.client.get("/broken?n=1"):
                    pass
                async with self.client.post("/broken?n=2"):
                    pass
                self.fail("for another reason")

        with self.assertLogs("aiohttp.server", level="ERROR"):
            text = self.assertFailedWith(run_case(Case), "for another reason", NOTE.format(count=2))
        self.assertLess(text.index("GET /broken?n=1"), text.index("POST /broken?n=2"))
        self.assertIn("ZeroDivisionError: broken 2", text)

    def test_an_error_raised_in_the_test_also_gets_the_report(self) -> None:
        class Case(AppCase):
            async def test_raises(self) -> None:
                async with self.client.get("/broken") as response:
                    raise LookupError(f"no result, status {response.status}")

        with self.assertLogs("aiohttp.server", level="ERROR"):
            self.assertErredWith(
                run_case(Case), "LookupError: no result, status 500", NOTE.format(count=1)
            )

    def test_a_passing_test_with_a_500_passes_by_default(self) -> None:
        class Case(AppCase):
            async def test_expects_500(self) -> None:
                async with self.client.get("/broken") as response:
                    self.assertEqual(response.status, 500)

        with self.assertLogs("aiohttp.server", level="ERROR"):
            self.assertPassed(run_case(Case))

    def test_errors_are_recorded_on_the_server(self) -> None:
        class Case(AppCase):
            async def test_record(self) -> None:
                async with self.client.get("/broken?n=3"):
                    pass
                [error] = self.server.handler_errors
                self.assertIsInstance(error, aiotest.HandlerError)
                self.assertEqual(error.request_line, "GET /broken?n=3")
                self.assertIsInstance(error.exception, ZeroDivisionError)
                self.assertIn("ZeroDivisionError: broken 3", error.traceback)

        with self.assertLogs("aiohttp.server", level="ERROR") as logs:
            self.assertPassed(run_case(Case))
        # Still logged as aiohttp logs it, attributed to aiohttp's own code.
        [record] = logs.records
        self.assertIn("Error handling request", record.getMessage())
        self.assertTrue(record.pathname.endswith("web_protocol.py"), record.pathname)

    def test_a_logger_given_to_the_server_still_receives_the_errors(self) -> None:
        own = logging.getLogger("tests.own_server_logger")

        class Case(AppCase):
            async def get_server(self, app: web.Application) -> aiotest.TestServer:
                return aiotest.TestServer(app, logger=own)

            async def test_record(self) -> None:
                async with self.client.get("/broken"):
                    pass
                self.assertEqual(len(self.server.handler_errors), 1)

        with self.assertLogs(own, level="ERROR"):
            self.assertPassed(run_case(Case))


class RaiseServerExceptionsTest(HygieneTestCase):
    def test_fails_even_when_the_test_did_not_check_the_status(self) -> None:
        class Case(AppCase):
            @aiotest.raise_server_exceptions
            async def test_unchecked(self) -> None:
                async with self.client.get("/broken?n=7"):
                    pass

        for name, factory in LOOPS:
            with self.subTest(loop=name), self.assertLogs("aiohttp.server", level="ERROR"):
                text = self.assertFailedWith(
                    run_case(on_loop(Case, factory)),
                    RAISED.format(count=1),
                    "GET /broken?n=7",
                    "ZeroDivisionError: broken 7",
                )
                self.assertNotIn(NOTE.format(count=1), text)  # shown once, not twice

    def test_clean_handlers_pass(self) -> None:
        class Case(AppCase):
            raise_server_exceptions = True

            async def test_clean(self) -> None:
                async with self.client.get("/ok") as response:
                    self.assertEqual(await response.text(), "ok")

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertPassed(run_case(on_loop(Case, factory)))

    def test_http_exceptions_are_responses_not_errors(self) -> None:
        class Case(AppCase):
            raise_server_exceptions = True

            async def test_404(self) -> None:
                async with self.client.get("/missing") as response:
                    self.assertEqual(response.status, 404)
                async with self.client.get("/no-route") as response:
                    self.assertEqual(response.status, 404)

        self.assertPassed(run_case(Case))

    def test_errors_the_app_middleware_turns_into_responses_do_not_count(self) -> None:
        class Case(AppCase):
            raise_server_exceptions = True

            async def get_application(self) -> web.Application:
                return make_app(errors_to_json)

            async def test_handled(self) -> None:
                async with self.client.get("/broken?n=4") as response:
                    self.assertEqual(response.status, 500)
                    self.assertEqual(await response.json(), {"error": "broken 4"})

        self.assertPassed(run_case(Case))

    def test_raw_test_server_errors_count_too(self) -> None:
        class Case(aiotest.AioHTTPTestCase):
            raise_server_exceptions = True

            async def get_application(self) -> web.Application:
                return web.Application()

            async def get_server(self, app: web.Application) -> aiotest.TestServer:
                return aiotest.RawTestServer(broken)  # type: ignore[return-value]

            async def test_raw(self) -> None:
                async with self.client.get("/raw?n=5") as response:
                    self.assertEqual(response.status, 500)

        with self.assertLogs("aiohttp.server", level="ERROR"):
            self.assertFailedWith(run_case(Case), RAISED.format(count=1), "GET /raw?n=5")

    def test_strict_includes_it(self) -> None:
        @aiotest.strict
        class Case(AppCase):
            async def test_unchecked(self) -> None:
                async with self.client.get("/broken"):
                    pass

        with self.assertLogs("aiohttp.server", level="ERROR"):
            self.assertFailedWith(run_case(Case), RAISED.format(count=1))


if __name__ == "__main__":
    unittest.main()
