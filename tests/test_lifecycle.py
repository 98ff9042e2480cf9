"""The order of every hook, cleanup and engine step of a test, through run() and debug().

Each test here pins one whole cycle, so that a change of order anywhere fails one named test.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import unittest
import warnings
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

import aiotest

from ._support import problems

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")

# lifecycle: the order of one test's steps
FULL_CYCLE = [
    "loop ready",
    "guards started",
    "setUp ctx=unset",
    "asyncSetUp ctx=setUp",
    "get_application ctx=asyncSetUp",
    "get_server",
    "get_client",
    "on_startup",
    "test ctx=get_application",
    "asyncTearDown ctx=test",
    # Closing the client closes the server, as in aiohttp: the app's cleanup runs here.
    "on_cleanup",
    "tearDown ctx=asyncTearDown",
    # Cleanups run last-registered first.
    "sync cleanup ctx=tearDown",
    "async cleanup ctx=sync cleanup",
    "tasks drained",
    "findings read",
    "loop closed",
    "exited",
]
# lifecycle: end


def events_case(events: list[str], fail: bool = False) -> type[aiotest.AioHTTPTestCase]:
    """An AioHTTPTestCase that records every hook, cleanup and engine step in ``events``."""

    def note(name: str) -> None:
        events.append(f"{name} ctx={VAR.get()}")
        VAR.set(name)

    class Full(aiotest.AioHTTPTestCase):
        _aiotest_trace: ClassVar[Any] = staticmethod(events.append)

        def setUp(self) -> None:
            note("setUp")

        async def asyncSetUp(self) -> None:
            note("asyncSetUp")
            self.addAsyncCleanup(self.async_cleanup)
            self.addCleanup(self.sync_cleanup)
            await super().asyncSetUp()

        async def get_application(self) -> web.Application:
            note("get_application")
            app = web.Application()

            async def on_startup(app: web.Application) -> None:
                events.append("on_startup")

            async def on_cleanup(app: web.Application) -> None:
                events.append("on_cleanup")

            app.on_startup.append(on_startup)
            app.on_cleanup.append(on_cleanup)
            return app

        async def get_server(self, app: web.Application) -> aiotest.TestServer:
            events.append("get_server")
            return await super().get_server(app)

        async def get_client(
            self, server: aiotest.TestServer
        ) -> aiotest.TestClient[web.Request, web.Application]:
            events.append("get_client")
            return await super().get_client(server)

        async def test_it(self) -> None:
            note("test")
            if fail:
                raise self.failureException("the test failed on purpose")

        async def asyncTearDown(self) -> None:
            note("asyncTearDown")
            await super().asyncTearDown()

        def tearDown(self) -> None:
            note("tearDown")

        async def async_cleanup(self) -> None:
            note("async cleanup")

        def sync_cleanup(self) -> None:
            note("sync cleanup")

    return Full


class FullCycleTest(unittest.TestCase):
    def test_run_goes_through_every_step_in_order(self) -> None:
        events: list[str] = []
        result = unittest.TestResult()
        events_case(events)("test_it").run(result)
        self.assertEqual(problems(result), [])
        self.assertEqual(events, FULL_CYCLE)

    def test_debug_goes_through_the_same_steps(self) -> None:
        events: list[str] = []
        events_case(events)("test_it").debug()
        self.assertEqual(events, FULL_CYCLE)

    def test_a_failing_test_still_tears_down_and_cleans_up_in_order(self) -> None:
        events: list[str] = []
        result = unittest.TestResult()
        events_case(events, fail=True)("test_it").run(result)
        self.assertEqual(len(result.failures), 1)
        self.assertIn("the test failed on purpose", result.failures[0][1])
        # As unittest does: tearDown and the cleanups run after a failing test too.
        self.assertEqual(events, FULL_CYCLE)

    def test_a_failing_debug_raises_after_cleaning_up(self) -> None:
        events: list[str] = []
        with self.assertRaisesRegex(AssertionError, "the test failed on purpose"):
            events_case(events, fail=True)("test_it").debug()
        self.assertIn("on_cleanup", events)
        self.assertEqual(events[-2:], ["loop closed", "exited"])

    def test_the_failure_report_starts_at_the_users_line(self) -> None:
        class Failing(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                await asyncio.sleep(0)
                self.assertEqual(1, 2)  # the failing line

        result = unittest.TestResult()
        Failing("test_it").run(result)
        [(_, report)] = result.failures
        self.assertIn("self.assertEqual(1, 2)  # the failing line", report)
        self.assertNotIn("aiotest/_", report)
        self.assertNotIn("asyncio/base_events.py", report)


class RestoredTest(unittest.TestCase):
    """debug() and run() put back every global the guards change, pass or fail."""

    def globals_now(self) -> dict[str, object]:
        return {
            "get_event_loop": asyncio.get_event_loop,
            "events.get_event_loop": asyncio.events.get_event_loop,
            "showwarning": warnings.showwarning,
            "filters": list(warnings.filters),
            "ClientSession.__init__": vars(aiohttp.ClientSession)["__init__"],
            "ClientResponse.__init__": vars(aiohttp.ClientResponse)["__init__"],
            "sigint": signal.getsignal(signal.SIGINT),
        }

    def strict_case(self, seen: dict[str, object]) -> type[aiotest.AsyncTestCase]:
        outer = self

        @aiotest.strict
        @aiotest.forbid_get_event_loop
        class Guarded(aiotest.AsyncTestCase):
            async def test_fails(self) -> None:
                seen.update(outer.globals_now())
                raise self.failureException("failed on purpose")

        return Guarded

    def test_debug_of_a_failing_guarded_test_restores_everything(self) -> None:
        before = self.globals_now()
        seen: dict[str, object] = {}
        with self.assertRaises(AssertionError):
            self.strict_case(seen)("test_fails").debug()
        # The guards were on during the test...
        self.assertIsNot(seen["get_event_loop"], before["get_event_loop"])
        self.assertIsNot(seen["ClientSession.__init__"], before["ClientSession.__init__"])
        # ...and are all off again.
        self.assertEqual(self.globals_now(), before)

    def test_run_of_a_failing_guarded_test_restores_everything(self) -> None:
        before = self.globals_now()
        seen: dict[str, object] = {}
        result = unittest.TestResult()
        self.strict_case(seen)("test_fails").run(result)
        self.assertEqual(len(result.failures), 1)
        self.assertIsNot(seen["get_event_loop"], before["get_event_loop"])
        self.assertEqual(self.globals_now(), before)

    def test_a_failing_setup_restores_everything(self) -> None:
        before = self.globals_now()

        @aiotest.strict
        @aiotest.forbid_get_event_loop
        class FailingSetUp(aiotest.AsyncTestCase):
            def setUp(self) -> None:
                raise RuntimeError("setUp failed on purpose")

            async def test_never(self) -> None:
                pass

        result = unittest.TestResult()
        FailingSetUp("test_never").run(result)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setUp failed on purpose", result.errors[0][1])
        self.assertEqual(self.globals_now(), before)


if __name__ == "__main__":
    unittest.main()
