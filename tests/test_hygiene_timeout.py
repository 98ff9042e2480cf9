"""timeout: one budget for asyncSetUp, the test and asyncTearDown; pending tasks reported."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import unittest
from typing import Any
from unittest import mock

from aiohttp import web

import aiotest
from aiotest._hygiene import debugger_attached

from ._hygiene_helpers import LOOPS, HygieneTestCase, on_loop, run_case

EXPIRED = "the test did not finish within its timeout of"


class TimeoutTest(HygieneTestCase):
    def test_a_test_within_its_timeout_passes(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 1.0

            async def asyncSetUp(self) -> None:
                await asyncio.sleep(0)

            async def test_quick(self) -> None:
                await asyncio.sleep(0.01)

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertPassed(run_case(on_loop(Case, factory)))

    def test_a_hanging_test_fails_with_the_stacks_of_pending_tasks(self) -> None:
        steps: list[str] = []

        class Case(aiotest.AsyncTestCase):
            timeout = 0.1

            async def test_hangs(self) -> None:
                async def background_worker() -> None:
                    await asyncio.Event().wait()

                self.worker = asyncio.ensure_future(background_worker())
                await asyncio.sleep(10)  # the line the report points at

            async def asyncTearDown(self) -> None:
                steps.append("asyncTearDown")

            async def test_next(self) -> None:
                steps.append("next test ran")

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                steps.clear()
                result = run_case(on_loop(Case, factory))
                text = self.assertFailedWith(
                    result,
                    EXPIRED + " 0.1 s",
                    "test_hangs was cancelled",
                    "Tasks pending when the timeout expired:",
                    "running the test's test_hangs",
                    "await asyncio.sleep(10)  # the line the report points at",
                    "running TimeoutTest.test_a_hanging_test_fails_with_the_stacks_of_pending"
                    "_tasks.<locals>.Case.test_hangs.<locals>.background_worker",
                    "await asyncio.Event().wait()",
                    "waiting on <Future pending",
                )
                self.assertIn("test_hangs", text)
                self.assertEqual(result.testsRun, 2)
                self.assertEqual(steps, ["asyncTearDown", "next test ran", "asyncTearDown"])

    def test_setup_test_and_teardown_share_one_budget(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 0.25

            async def asyncSetUp(self) -> None:
                await asyncio.sleep(0.15)

            async def test_it(self) -> None:
                await asyncio.sleep(0.15)

        self.assertFailedWith(run_case(Case), EXPIRED + " 0.25 s", "test_it was cancelled")

    def test_a_hanging_async_setup_fails_and_cleanups_still_run(self) -> None:
        steps: list[str] = []

        class Case(aiotest.AsyncTestCase):
            timeout = 0.05

            async def asyncSetUp(self) -> None:
                self.addAsyncCleanup(self.cleanup)
                await asyncio.sleep(10)

            async def cleanup(self) -> None:
                steps.append("cleanup")

            async def test_never_runs(self) -> None:
                steps.append("test")

        self.assertFailedWith(run_case(Case), "asyncSetUp was cancelled")
        self.assertEqual(steps, ["cleanup"])

    def test_teardown_after_expiry_gets_a_fresh_allowance(self) -> None:
        steps: list[str] = []

        class Case(aiotest.AsyncTestCase):
            timeout = 0.1

            async def test_hangs(self) -> None:
                await asyncio.sleep(10)

            async def asyncTearDown(self) -> None:
                await asyncio.sleep(0.05)
                steps.append("asyncTearDown finished")

        self.assertFailedWith(run_case(Case), "test_hangs was cancelled")
        self.assertEqual(steps, ["asyncTearDown finished"])

    def test_a_teardown_hanging_after_expiry_is_reported_too(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 0.05

            async def test_hangs(self) -> None:
                await asyncio.sleep(10)

            async def asyncTearDown(self) -> None:
                await asyncio.sleep(10)

        result = run_case(Case)
        texts = [text for _, text in result.failures]
        self.assertEqual(len(texts), 2, texts)
        self.assertIn("test_hangs was cancelled", texts[0])
        self.assertIn("after the test's timeout expired, asyncTearDown did not finish", texts[1])

    def test_code_swallowing_the_cancellation_still_fails(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 0.05

            async def test_swallows(self) -> None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(10)

        self.assertFailedWith(run_case(Case), "test_swallows was cancelled")

    def test_server_and_client_are_closed_after_a_timeout(self) -> None:
        seen: dict[str, Any] = {}

        async def hang(request: web.Request) -> web.Response:
            await asyncio.sleep(10)
            return web.Response()

        class Case(aiotest.AioHTTPTestCase):
            timeout = 0.2

            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/hang", hang)
                return app

            async def test_request_hangs(self) -> None:
                seen["case"] = self
                await self.client.get("/hang")

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertFailedWith(
                    run_case(on_loop(Case, factory)),
                    "test_request_hangs was cancelled",
                    "in hang",
                    "await asyncio.sleep(10)",
                )
                case = seen.pop("case")
                self.assertTrue(case.client.closed)
                self.assertTrue(case.server.closed)
                self.assertTrue(case.loop.is_closed())

    def test_decorator_on_the_method(self) -> None:
        class Case(aiotest.AsyncTestCase):
            @aiotest.timeout(0.05)
            async def test_hangs(self) -> None:
                await asyncio.sleep(10)

        self.assertFailedWith(run_case(Case), EXPIRED + " 0.05 s")

    def test_environment_sets_the_default_and_none_lifts_it(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_slow(self) -> None:
                await asyncio.sleep(0.1)

            @aiotest.timeout(None)
            async def test_slow_without_limit(self) -> None:
                await asyncio.sleep(0.1)

        with mock.patch.dict(os.environ, {"AIOTEST_TIMEOUT": "0.05"}):
            result = run_case(Case)
        self.assertEqual(result.testsRun, 2)
        self.assertFailedWith(result, EXPIRED + " 0.05 s", "test_slow was cancelled")


def _no_trace(frame: Any, event: str, arg: Any) -> None:
    return None


class DebuggerTest(HygieneTestCase):
    def setUp(self) -> None:
        previous = sys.gettrace()
        self.addCleanup(sys.settrace, previous)

    def test_no_trace_function_means_no_debugger(self) -> None:
        sys.settrace(None)
        if sys.version_info >= (3, 12) and sys.monitoring.get_tool(sys.monitoring.DEBUGGER_ID):
            self.skipTest("a real debugger holds sys.monitoring's debugger slot")
        self.assertFalse(debugger_attached())

    def test_a_trace_function_is_a_debugger(self) -> None:
        sys.settrace(_no_trace)
        self.assertTrue(debugger_attached())

    def test_coverage_tracer_is_not_a_debugger(self) -> None:
        def tracer(frame: Any, event: str, arg: Any) -> None:
            return None

        tracer.__module__ = "coverage.pytracer"
        sys.settrace(tracer)
        self.assertFalse(debugger_attached())

    def test_timeout_is_suspended_while_a_debugger_is_attached(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 0.05

            async def test_paused_in_debugger(self) -> None:
                await asyncio.sleep(0.2)

        sys.settrace(_no_trace)
        result = run_case(Case)
        sys.settrace(None)
        self.assertPassed(result)


if __name__ == "__main__":
    unittest.main()
