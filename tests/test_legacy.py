"""run_until_complete and run_forever: every kind of test, on every loop, failing every way.

Every test here runs an inner TestCase with ``.run(result)`` and checks what the result
recorded, which loop the test body ran on, and what happened to that loop afterwards.
"""

# Legacy generator tests "yield from" coroutines, which mypy accepts only in generators
# decorated with types.coroutine: exactly what these tests show to be unnecessary.
# mypy: disable-error-code="misc"

from __future__ import annotations

import asyncio
import contextlib
import itertools
import unittest
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

import aiotest
from aiotest._messages import LOOP_STOPPED_EARLY

KINDS = ("async", "generator", "plain_awaitable", "plain_none")
LOOPS = ("fresh", "current_loop", "custom", "async_case", "aiohttp_case")
ASYNC_CASE_LOOPS = ("async_case", "aiohttp_case")
TIMEOUT = 0.005
SLEEP = 0.001
GREETING = "hello from the app"


class Record:
    """What one inner test did: the loops it ran on and the steps it reached."""

    def __init__(self) -> None:
        self.loops: list[asyncio.AbstractEventLoop] = []
        self.steps: list[str] = []
        self.factory_loops: list[asyncio.AbstractEventLoop] = []
        self.case_loops: list[asyncio.AbstractEventLoop] = []


def _raise_in_callback() -> None:
    raise ZeroDivisionError("boom reported to the loop")


def _act_now(case: Any, action: str, record: Record) -> Callable[[], Any] | None:
    """The synchronous part of every body: record the loop, then do what ``action`` says."""
    loop = asyncio.get_running_loop()
    record.loops.append(loop)
    record.steps.append("body")
    if action == "error":
        raise ValueError("boom in the body")
    if action == "assert":
        case.assertEqual("expected", "actual")
    if action == "skip":
        raise unittest.SkipTest("skipped by the body")
    if action == "stop":
        loop.stop()
    if action == "loop_error":
        loop.call_soon(_raise_in_callback)
    if action == "callback_error":

        def failing_callback() -> None:
            record.steps.append("callback")
            raise KeyError("boom in the callback")

        return failing_callback

    def callback() -> None:
        record.steps.append("callback")

    return callback


async def _act(case: Any, action: str, record: Record) -> Callable[[], Any] | None:
    client = getattr(case, "client", None)
    if client is not None:
        response = await client.get("/")
        record.steps.append(await response.text())
    callback = _act_now(case, action, record)
    # One pass through the loop: a stop() or a call_soon() above takes effect here. After a
    # stop(), uvloop still runs what the current pass scheduled, so that body waits longer.
    await asyncio.sleep(0.05 if action == "stop" else 0)
    return callback


def _body(kind: str, action: str, record: Record) -> Callable[..., Any]:
    """A test method of the given kind that does ``action``."""
    if kind == "async":

        async def test_it(self: Any) -> Any:
            return await _act(self, action, record)

        return test_it
    if kind == "generator":

        def test_it_generator(self: Any) -> Any:
            return (yield from _act(self, action, record))

        return test_it_generator
    if kind == "plain_awaitable":

        def test_it_awaitable(self: Any) -> Any:
            return _act(self, action, record)

        return test_it_awaitable

    def test_it_plain(self: Any) -> Any:
        return _act_now(self, action, record)

    return test_it_plain


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text=GREETING)


def _case_class(
    loop: str, decorate: Callable[..., Any], test: Callable[..., Any], record: Record
) -> Any:
    """An inner TestCase whose only test is ``decorate(test)``, run on the chosen loop."""
    if loop == "fresh":

        class FreshLoopCase(unittest.TestCase):
            test_it = decorate()(test)

        return FreshLoopCase
    if loop == "current_loop":

        class CurrentLoopCase(unittest.TestCase):
            test_it = decorate(loop=aiotest.current_loop)(test)

            def setUp(self) -> None:
                self.shared_loop = asyncio.new_event_loop()
                asyncio.set_event_loop(self.shared_loop)
                record.factory_loops.append(self.shared_loop)

            def tearDown(self) -> None:
                still_open = not self.shared_loop.is_closed()
                record.steps.append(f"fixture: shared loop open={still_open}")
                asyncio.set_event_loop(None)
                self.shared_loop.close()

        return CurrentLoopCase
    if loop == "custom":

        @contextlib.contextmanager
        def own_loop() -> Iterator[asyncio.AbstractEventLoop]:
            made = asyncio.new_event_loop()
            record.factory_loops.append(made)
            record.steps.append("fixture: enter")
            try:
                yield made
            finally:
                record.steps.append("fixture: exit")
                made.close()

        class CustomLoopCase(unittest.TestCase):
            test_it = decorate(loop=own_loop)(test)

        return CustomLoopCase
    if loop == "async_case":

        class InAsyncTestCase(aiotest.AsyncTestCase):
            test_it = decorate()(test)

            def setUp(self) -> None:
                record.case_loops.append(asyncio.get_event_loop())

        return InAsyncTestCase

    class InAioHTTPTestCase(aiotest.AioHTTPTestCase):
        test_it = decorate()(test)

        async def get_application(self) -> web.Application:
            app = web.Application()
            app.router.add_get("/", _hello)
            return app

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            record.case_loops.append(asyncio.get_running_loop())

    return InAioHTTPTestCase


def _until_complete(**options: Any) -> Any:
    return aiotest.run_until_complete(**options)


def _forever(**options: Any) -> Any:
    return aiotest.run_forever(timeout=TIMEOUT, sleep=SLEEP, **options)


def _run(case_class: Any) -> unittest.TestResult:
    result = unittest.TestResult()
    case_class("test_it").run(result)
    return result


class MatrixTest(unittest.TestCase):
    """Each kind of test function, on each loop, for each outcome."""

    def run_matrix(
        self,
        decorate: Callable[..., Any],
        action: str,
        check: Callable[[str, str, unittest.TestResult, Record], None],
    ) -> None:
        for kind, loop in itertools.product(KINDS, LOOPS):
            with self.subTest(kind=kind, loop=loop):
                record = Record()
                before = asyncio.new_event_loop()
                asyncio.set_event_loop(before)
                try:
                    result = _run(_case_class(loop, decorate, _body(kind, action, record), record))
                    if loop == "fresh":
                        self.assert_fresh_loop_gone(record, before)
                finally:
                    asyncio.set_event_loop(None)
                    before.close()
                self.assertEqual(result.testsRun, 1)
                check(kind, loop, result, record)

    def assert_fresh_loop_gone(self, record: Record, before: asyncio.AbstractEventLoop) -> None:
        for loop in record.loops:
            self.assertIsNot(loop, before)
            self.assertTrue(loop.is_closed())
        self.assertIs(asyncio.get_event_loop(), before, "the previous loop was not restored")

    def assert_ran_on_the_right_loop(self, loop: str, record: Record) -> None:
        self.assertEqual(len(record.loops), 1, record.steps)
        ran_on = record.loops[0]
        if loop in ("current_loop", "custom"):
            self.assertIs(ran_on, record.factory_loops[0])
        if loop == "current_loop":
            self.assertEqual(record.steps[-1], "fixture: shared loop open=True")
        if loop == "custom":
            self.assertEqual(record.steps[0], "fixture: enter")
            self.assertEqual(record.steps[-1], "fixture: exit")
        if loop in ASYNC_CASE_LOOPS:
            self.assertIs(ran_on, record.case_loops[0])

    def assert_only_error(self, result: unittest.TestResult, *fragments: str) -> str:
        self.assertEqual(result.failures, [])
        self.assertEqual(len(result.errors), 1, result.errors)
        text = result.errors[0][1]
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text

    def check_passed(
        self, decorator: str
    ) -> Callable[[str, str, unittest.TestResult, Record], None]:
        def check(kind: str, loop: str, result: unittest.TestResult, record: Record) -> None:
            self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
            self.assert_ran_on_the_right_loop(loop, record)
            if loop == "aiohttp_case" and kind != "plain_none":
                self.assertIn(GREETING, record.steps)
            body_steps = [step for step in record.steps if not step.startswith("fixture:")]
            callback_ran = "callback" in body_steps
            self.assertEqual(callback_ran, decorator == "run_forever")
            if callback_ran:
                self.assertEqual(body_steps[-1], "callback")

        return check

    def test_until_complete_passes(self) -> None:
        self.run_matrix(_until_complete, "pass", self.check_passed("run_until_complete"))

    def test_forever_passes_and_calls_back(self) -> None:
        self.run_matrix(_forever, "pass", self.check_passed("run_forever"))

    def check_body_error(
        self, kind: str, loop: str, result: unittest.TestResult, record: Record
    ) -> None:
        text = self.assert_only_error(result, "ValueError: boom in the body")
        # The original traceback: it ends in the function that raised.
        self.assertIn("in _act_now", text)
        self.assertNotIn("callback", record.steps)
        self.assert_ran_on_the_right_loop(loop, record)

    def check_assertion_failed(
        self, kind: str, loop: str, result: unittest.TestResult, record: Record
    ) -> None:
        self.assertEqual(result.errors, [])
        self.assertEqual(len(result.failures), 1, result.failures)
        text = result.failures[0][1]
        self.assertIn("AssertionError: 'expected' != 'actual'", text)
        # unittest trims tracebacks of failures; the test's own line must survive that.
        self.assertIn('case.assertEqual("expected", "actual")', text)
        self.assert_ran_on_the_right_loop(loop, record)

    def test_until_complete_assertion_fails(self) -> None:
        self.run_matrix(_until_complete, "assert", self.check_assertion_failed)

    def test_forever_assertion_fails(self) -> None:
        self.run_matrix(_forever, "assert", self.check_assertion_failed)

    def test_until_complete_body_error(self) -> None:
        self.run_matrix(_until_complete, "error", self.check_body_error)

    def test_forever_body_error(self) -> None:
        self.run_matrix(_forever, "error", self.check_body_error)

    def test_forever_callback_error(self) -> None:
        def check(kind: str, loop: str, result: unittest.TestResult, record: Record) -> None:
            text = self.assert_only_error(result, "KeyError: 'boom in the callback'")
            self.assertIn("in failing_callback", text)
            self.assertIn("callback", record.steps)
            self.assert_ran_on_the_right_loop(loop, record)

        self.run_matrix(_forever, "callback_error", check)

    def test_forever_error_reported_to_the_loop(self) -> None:
        def check(kind: str, loop: str, result: unittest.TestResult, record: Record) -> None:
            text = self.assert_only_error(result, "ZeroDivisionError: boom reported to the loop")
            self.assertIn("in _raise_in_callback", text)
            self.assert_ran_on_the_right_loop(loop, record)

        self.run_matrix(_forever, "loop_error", check)

    def test_until_complete_leaves_loop_errors_to_the_loop(self) -> None:
        # As in aio.testing, only run_forever turns what the loop reports into a failure.
        def check(kind: str, loop: str, result: unittest.TestResult, record: Record) -> None:
            self.assertTrue(result.wasSuccessful(), result.errors + result.failures)

        with self.assertLogs("asyncio", "ERROR") as logs:
            self.run_matrix(_until_complete, "loop_error", check)
        reported = [line for line in logs.output if "boom reported to the loop" in line]
        self.assertEqual(len(reported), len(KINDS) * len(LOOPS))

    def check_skipped(
        self, kind: str, loop: str, result: unittest.TestResult, record: Record
    ) -> None:
        self.assertEqual(result.errors + result.failures, [])
        self.assertEqual([reason for _, reason in result.skipped], ["skipped by the body"])
        self.assertNotIn("callback", record.steps)

    def test_until_complete_skip(self) -> None:
        self.run_matrix(_until_complete, "skip", self.check_skipped)

    def test_forever_skip(self) -> None:
        self.run_matrix(_forever, "skip", self.check_skipped)

    def check_stopped_early(
        self, decorator: str
    ) -> Callable[[str, str, unittest.TestResult, Record], None]:
        def check(kind: str, loop: str, result: unittest.TestResult, record: Record) -> None:
            completed = kind == "plain_none" and decorator == "run_until_complete"
            if loop in ASYNC_CASE_LOOPS:
                if completed and loop == "async_case":
                    # The stop is still queued and lands on asyncTearDown, which has
                    # nothing to wait for and so completes before the loop stops.
                    self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
                    return
                # The case's own runner notices first (when the body stopped the loop in
                # its last step: in asyncTearDown, which closes the client), and says so.
                self.assert_only_error(result, "Event loop stopped before Future completed")
                return
            self.assertNotIn("callback", record.steps)
            if completed:
                # loop.stop() was the body's last act: the test had completed.
                self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
                self.assert_ran_on_the_right_loop(loop, record)
                return
            self.assertEqual(result.errors, [])
            self.assertEqual(len(result.failures), 1, result.failures)
            self.assertIn(LOOP_STOPPED_EARLY, result.failures[0][1])
            self.assert_ran_on_the_right_loop(loop, record)

        return check

    def test_until_complete_loop_stopped_early(self) -> None:
        self.run_matrix(_until_complete, "stop", self.check_stopped_early("run_until_complete"))

    def test_forever_loop_stopped_early(self) -> None:
        self.run_matrix(_forever, "stop", self.check_stopped_early("run_forever"))


if __name__ == "__main__":
    unittest.main()
