"""Handler exceptions: shown in a failing test's report; raise_server_exceptions fails on them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import subprocess
import sys
import threading
import unittest
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web

import aiotest
from aiotest._server_errors import (
    HandlerErrorLog,
    collect_handler_errors,
    quiet_handler_errors,
    start_quiet_collection,
)

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


class ListHandler(logging.Handler):
    """Keeps every record that reaches a logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def server_logs(name: str = "aiohttp.server") -> Iterator[list[logging.LogRecord]]:
    """Keep a server logger's records off stderr, without requiring any.

    Inner test cases run under aiotest's engine, which may quiet handler errors around each
    test; whether they are logged there is the engine's promise, tested with the engine.
    """
    logger = logging.getLogger(name)
    handler = ListHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)


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
                with server_logs():
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

        with server_logs():
            text = self.assertFailedWith(run_case(Case), "for another reason", NOTE.format(count=2))
        self.assertLess(text.index("GET /broken?n=1"), text.index("POST /broken?n=2"))
        self.assertIn("ZeroDivisionError: broken 2", text)

    def test_an_error_raised_in_the_test_also_gets_the_report(self) -> None:
        class Case(AppCase):
            async def test_raises(self) -> None:
                async with self.client.get("/broken") as response:
                    raise LookupError(f"no result, status {response.status}")

        with server_logs():
            self.assertErredWith(
                run_case(Case), "LookupError: no result, status 500", NOTE.format(count=1)
            )

    def test_a_passing_test_with_a_500_passes_by_default(self) -> None:
        class Case(AppCase):
            async def test_expects_500(self) -> None:
                async with self.client.get("/broken") as response:
                    self.assertEqual(response.status, 500)

        with server_logs():
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

        with server_logs():
            self.assertPassed(run_case(Case))

    def test_a_logger_given_to_the_server_still_receives_the_errors(self) -> None:
        own = logging.getLogger("tests.own_server_logger")

        class Case(AppCase):
            async def get_server(self, app: web.Application) -> aiotest.TestServer:
                return aiotest.TestServer(app, logger=own)

            async def test_record(self) -> None:
                async with self.client.get("/broken"):
                    pass
                self.assertEqual(len(self.server.handler_errors), 1)

        with server_logs(own.name):
            self.assertPassed(run_case(Case))


class RaiseServerExceptionsTest(HygieneTestCase):
    def test_fails_even_when_the_test_did_not_check_the_status(self) -> None:
        class Case(AppCase):
            @aiotest.raise_server_exceptions
            async def test_unchecked(self) -> None:
                async with self.client.get("/broken?n=7"):
                    pass

        for name, factory in LOOPS:
            with self.subTest(loop=name), server_logs():
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

        with server_logs():
            self.assertFailedWith(run_case(Case), RAISED.format(count=1), "GET /raw?n=5")

    def test_strict_includes_it(self) -> None:
        @aiotest.strict
        class Case(AppCase):
            async def test_unchecked(self) -> None:
                async with self.client.get("/broken"):
                    pass

        with server_logs():
            self.assertFailedWith(run_case(Case), RAISED.format(count=1))


class StartQuietCollectionTest(unittest.IsolatedAsyncioTestCase):
    """The engine's one-call form of collect_handler_errors() + quiet_handler_errors()."""

    async def test_collects_quietly_until_stopped_and_stopping_twice_is_harmless(self) -> None:
        with server_logs() as logged:
            async with aiotest.TestClient(aiotest.TestServer(make_app())) as client:
                errors, stop = start_quiet_collection()
                try:
                    async with client.get("/broken") as response:
                        self.assertEqual(response.status, 500)
                finally:
                    stop()
                stop()
                self.assertEqual([type(e.exception) for e in errors], [ZeroDivisionError])
                self.assertEqual([r for r in logged if r.levelno >= logging.ERROR], [])
                async with client.get("/broken") as response:
                    self.assertEqual(response.status, 500)
        # After stop() the list gets nothing more, and the error is logged again.
        self.assertEqual(len(errors), 1)
        self.assertEqual(len([r for r in logged if r.levelno >= logging.ERROR]), 1)


class QuietHandlerErrorsTest(unittest.IsolatedAsyncioTestCase):
    """quiet_handler_errors(), used directly around a TestServer in a plain test case."""

    async def asyncSetUp(self) -> None:
        self.server = aiotest.TestServer(make_app())
        self.client = aiotest.TestClient(self.server)
        await self.client.start_server()
        self.addAsyncCleanup(self.client.close)
        capture = server_logs()
        self.logged = capture.__enter__()
        self.addCleanup(capture.__exit__, None, None, None)

    async def get_500(self) -> None:
        async with self.client.get("/broken") as response:
            self.assertEqual(response.status, 500)

    def logged_errors(self) -> list[str]:
        return [r.getMessage() for r in self.logged if r.levelno >= logging.ERROR]

    async def test_outside_it_the_error_is_recorded_and_logged(self) -> None:
        await self.get_500()
        self.assertEqual(len(self.server.handler_errors), 1)
        [record] = [r for r in self.logged if r.levelno >= logging.ERROR]
        # Logged as aiohttp logs it, attributed to aiohttp's own code.
        self.assertIn("Error handling request", record.getMessage())
        self.assertTrue(record.pathname.endswith("web_protocol.py"), record.pathname)

    async def test_a_logger_given_to_the_server_follows_the_same_rule(self) -> None:
        own = logging.getLogger("tests.own_server_logger")
        with server_logs(own.name) as records:
            async with aiotest.TestClient(aiotest.TestServer(make_app(), logger=own)) as client:
                with quiet_handler_errors():
                    async with client.get("/broken") as response:
                        self.assertEqual(response.status, 500)
                self.assertEqual(records, [])
                async with client.get("/broken") as response:
                    self.assertEqual(response.status, 500)
                self.assertEqual(len(client.server.handler_errors), 2)
        self.assertEqual([r.levelno for r in records], [logging.ERROR])
        self.assertEqual(self.logged_errors(), [])

    async def test_inside_it_the_error_is_recorded_but_not_logged(self) -> None:
        with quiet_handler_errors():
            await self.get_500()
        [error] = self.server.handler_errors
        self.assertIsInstance(error.exception, ZeroDivisionError)
        self.assertEqual(self.logged_errors(), [])

    async def test_blocks_nest_and_the_last_one_out_restores_logging(self) -> None:
        with quiet_handler_errors():
            with quiet_handler_errors():
                await self.get_500()
            await self.get_500()
            self.assertEqual(self.logged_errors(), [])
        await self.get_500()
        self.assertEqual(len(self.server.handler_errors), 3)
        self.assertEqual(len(self.logged_errors()), 1)

    async def test_logging_is_restored_when_the_block_raises(self) -> None:
        with self.assertRaises(LookupError), quiet_handler_errors():
            raise LookupError
        await self.get_500()
        self.assertEqual(len(self.logged_errors()), 1)

    async def test_other_records_still_pass_inside_it(self) -> None:
        log = HandlerErrorLog(logging.getLogger("aiohttp.server"), [])
        try:
            raise KeyError("below error level")
        except KeyError:
            with quiet_handler_errors():
                log.warning("a warning with its exception", exc_info=True)
                log.error("an error without an exception")
                log.critical("critical, without an exception")
        self.assertEqual(log.errors, [])
        self.assertEqual(
            [r.getMessage() for r in self.logged],
            [
                "a warning with its exception",
                "an error without an exception",
                "critical, without an exception",
            ],
        )

    async def test_it_applies_to_servers_in_other_threads(self) -> None:
        # Process-wide: a server running on another thread's loop is quiet too.
        done = threading.Event()
        statuses: list[int] = []

        def serve_and_request() -> None:
            async def main() -> None:
                client = aiotest.TestClient(aiotest.TestServer(make_app()))
                async with client, client.get("/broken") as response:
                    statuses.append(response.status)

            asyncio.run(main())
            done.set()

        with quiet_handler_errors():
            thread = threading.Thread(target=serve_and_request)
            thread.start()
            await asyncio.to_thread(thread.join)
        self.assertTrue(done.is_set())
        self.assertEqual(statuses, [500])
        self.assertEqual(self.logged_errors(), [])

    async def test_blocks_opened_and_closed_in_many_threads_leave_logging_on(self) -> None:
        barrier = threading.Barrier(8)

        def enter_and_leave() -> None:
            for _ in range(200):
                with quiet_handler_errors():
                    pass
            barrier.wait()

        threads = [threading.Thread(target=enter_and_leave) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            await asyncio.to_thread(thread.join)
        await self.get_500()
        self.assertEqual(len(self.logged_errors()), 1)


class CollectHandlerErrorsTest(unittest.IsolatedAsyncioTestCase):
    """collect_handler_errors(): every error any aiotest server records while it is open."""

    async def asyncSetUp(self) -> None:
        capture = server_logs()
        capture.__enter__()
        self.addCleanup(capture.__exit__, None, None, None)

    async def request(self, server: aiotest.BaseTestServer, path: str) -> int:
        client: aiotest.TestClient[web.BaseRequest, None] = aiotest.TestClient(server)
        async with client, client.get(path) as response:
            return response.status

    async def test_servers_closed_and_dropped_inside_the_block_are_seen(self) -> None:
        before = aiotest.TestServer(make_app())
        self.assertEqual(await self.request(before, "/broken?n=0"), 500)
        with collect_handler_errors() as errors:
            self.assertEqual(await self.request(aiotest.TestServer(make_app()), "/broken?n=1"), 500)
            self.assertEqual(await self.request(aiotest.RawTestServer(broken), "/raw?n=2"), 500)
            self.assertEqual(await self.request(aiotest.TestServer(make_app()), "/missing"), 404)
            self.assertEqual(await self.request(aiotest.TestServer(make_app()), "/ok"), 200)
            gc.collect()
        self.assertEqual([e.request_line for e in errors], ["GET /broken?n=1", "GET /raw?n=2"])
        self.assertTrue(all(isinstance(e.exception, ZeroDivisionError) for e in errors))
        # Errors after the block are not added to its list.
        self.assertEqual(await self.request(aiotest.TestServer(make_app()), "/broken"), 500)
        self.assertEqual(len(errors), 2)

    async def test_nested_blocks_each_get_every_error(self) -> None:
        with collect_handler_errors() as outer:
            await self.request(aiotest.TestServer(make_app()), "/broken?n=1")
            with collect_handler_errors() as inner, collect_handler_errors() as twin:
                await self.request(aiotest.TestServer(make_app()), "/broken?n=2")
            await self.request(aiotest.TestServer(make_app()), "/broken?n=3")
        self.assertEqual([e.request_line for e in inner], ["GET /broken?n=2"])
        self.assertEqual(twin, inner)
        self.assertIsNot(twin, inner)
        self.assertEqual(
            [e.request_line for e in outer],
            ["GET /broken?n=1", "GET /broken?n=2", "GET /broken?n=3"],
        )

    async def test_errors_from_a_server_on_another_thread_are_seen(self) -> None:
        def serve_and_request() -> None:
            asyncio.run(self.request(aiotest.RawTestServer(broken), "/thread"))

        with collect_handler_errors() as errors:
            await asyncio.to_thread(serve_and_request)
        self.assertEqual([e.request_line for e in errors], ["GET /thread"])


# A script that serves a failing handler, first inside quiet_handler_errors(), then outside,
# with logging as Python leaves it unconfigured: aiohttp's traceback goes to stderr.
_STDERR_SCRIPT = """
import asyncio, sys
from aiohttp import web
import aiotest
from aiotest._server_errors import quiet_handler_errors

async def broken(request):
    raise ZeroDivisionError("the handler's bug")

async def get_500():
    async with aiotest.TestClient(aiotest.RawTestServer(broken)) as client:
        async with client.get("/") as response:
            assert response.status == 500, response.status

with quiet_handler_errors():
    asyncio.run(get_500())
print("-- outside --", file=sys.stderr, flush=True)
asyncio.run(get_500())
"""


class QuietHandlerErrorsStderrTest(unittest.TestCase):
    def test_traceback_reaches_stderr_only_outside_the_block(self) -> None:
        done = subprocess.run(
            [sys.executable, "-c", _STDERR_SCRIPT],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        inside, separator, outside = done.stderr.partition("-- outside --")
        self.assertEqual(separator, "-- outside --", done.stderr)
        self.assertEqual(inside, "")
        self.assertIn("Error handling request", outside)
        self.assertIn("ZeroDivisionError: the handler's bug", outside)


if __name__ == "__main__":
    unittest.main()
